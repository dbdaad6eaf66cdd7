"""Readings of glued digits: what the identities decide is read right, what they cannot decide is
read the likeliest way and flagged with its alternatives."""

from __future__ import annotations

import json

import pytest

from govparse_ml import parse
from govparse_ml.format import schema
from govparse_ml.synth import generate
from govparse_ml.tables.candidates import candidates
from govparse_ml.tables.glued import MAX_CANDIDATES
from govparse_ml.tables.prior import plausibility
from govparse_ml.tables.values import Group, RawValue

AD19 = "二、主动公开政府信息情况第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量"
AD19_ITEMS = "第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量"
APP = (
    "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
)
REVIEW = (
    "四、政府信息公开行政复议、行政诉讼情况{strays}行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
    "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计{digits}"
)


def values(report, table: str, row: str) -> list:
    spec = schema.tables(report.meta.format_version)[table]
    return [report.cell(table, row, c.id).value for c in spec.row(row).columns]


def reading(report, row: str):
    return next(r for r in report.readings if r.row == row)


def cell_key(cid: str) -> tuple[str, str, str]:
    table, rest = cid.split(".", 1)
    row, col = rest.rsplit(".", 1)
    return table, row, col


# ----------------------------------------------------------------------------- hand-written rows


def test_glued_normative_docs_read_as_equal_counts() -> None:
    report = parse(AD19 + "规章000规范性文件898989", model=None)
    assert values(report, "active_disclosure", "art20_1.regulations") == [0, 0, 0]
    assert values(report, "active_disclosure", "art20_1.normative_docs") == [89, 89, 89]
    r = reading(report, "art20_1.normative_docs")
    assert r.decided_by == "prior"  # no identity ties these three cells
    assert r.cells == [
        "active_disclosure.art20_1.normative_docs.new_made",
        "active_disclosure.art20_1.normative_docs.new_published",
        "active_disclosure.art20_1.normative_docs.total_published",
    ]
    assert 1 <= len(r.others) <= 5
    assert all(o["log_prior"] < r.log_prior and "less likely" in o["why"] for o in r.others)


def test_applications_row_cut_by_its_total() -> None:
    report = parse(APP + "一、本年新收政府信息公开申请数量640020470", model=None)
    assert values(report, "applications", "new") == [64, 0, 0, 2, 0, 4, 70]
    # The only cut whose parts add up to its total: no reading to choose.
    assert not any(r.row == "new" and r.alternatives > 1 for r in report.readings)


def test_undecidable_row_lists_the_other_reading() -> None:
    # -1220 after 2 is 2 | -1 | 20 or 2 | -12 | 0: nothing in the text or the format tells.
    report = parse(AD19 + "规章000规范性文件000" + AD19_ITEMS + "行政处罚2-120", model=None)
    r = reading(report, "art20_6.admin_penalty")
    assert r.decided_by == "prior" and r.alternatives == 2
    read = [r.chosen] + [o["values"] for o in r.others]
    assert sorted(read) == [[2, -12, 0], [2, -1, 20]]
    assert values(report, "active_disclosure", "art20_6.admin_penalty") == r.chosen
    assert [report.cell(*cell_key(c)).value for c in r.cells] == r.chosen
    json.dumps(report.to_dict())  # alternatives included, JSON-friendly


@pytest.mark.parametrize("page", ["— 1 —", "第3页 共10页", "3/13"])
def test_page_number_before_a_glued_review_row_is_dropped(page: str) -> None:
    truth = [0, 2, 2, 3, 7, 0, 0, 1, 0, 1, 0, 1, 3, 4, 8]
    text = REVIEW.format(strays="政府信息公开行政复议、行政诉讼情况如下：" + page, digits="022370010101348")
    report = parse(text, model=None)
    got = [c.value for c in report.tables["review_litigation"].cells.values()]
    assert got == truth
    assert any("stray" in note for note in report.tables["review_litigation"].notes)


def test_hard_constraints_no_negative_count() -> None:
    raws = [RawValue("251", [1]), RawValue("-52978", [1])]
    group = Group("active_disclosure", ("art20_6.admin_penalty",), (3,), raws, 0, [1])
    cands, _ = candidates(group, "2019")
    assert cands and all(not c[0].startswith("-") and not c[2].startswith("-") for c in cands)
    assert ("251", "-52", "978") in cands and ("251", "-5", "2978") in cands


def test_long_glued_rows_stay_bounded() -> None:
    digits = "4279582096723653749038784713439221356123"  # 40 digits, no cut adds up
    for text in (
        APP + "一、本年新收政府信息公开申请数量" + digits,
        REVIEW.format(strays="— 1 —", digits=digits),
        AD19 + "规章" + digits,
    ):
        report = parse(text, model=None)
        for r in report.readings:
            assert r.alternatives <= MAX_CANDIDATES
            assert len(r.others) <= 5


# ----------------------------------------------------------------------------- the prior


def prior(row: str, *cells: str, table: str = "active_disclosure", version: schema.FormatVersion = "2019") -> float:
    return plausibility(table, row, cells, version)


def test_prior_prefers_realistic_shapes() -> None:
    # Published this year: all that were made, and the total at least that.
    assert prior("art20_1.normative_docs", "89", "89", "89") > prior("art20_1.normative_docs", "8", "98", "989")
    assert prior("art20_1.normative_docs", "12", "12", "30") > prior("art20_1.normative_docs", "1", "21", "230")
    # 2021: in force at least what was issued this year.
    assert prior("art20_1.normative_docs", "5", "0", "60", version="2021") > prior(
        "art20_1.normative_docs", "56", "0", "0", version="2021"
    )
    # A lone zero beats a zero glued onto its neighbour; the list cannot lose more items than it had.
    assert prior("art20_6.admin_penalty", "6", "0", "11") > prior("art20_6.admin_penalty", "60", "1", "1")
    assert prior("art20_6.admin_penalty", "30", "-3", "5") > prior("art20_6.admin_penalty", "3", "-30", "5")
    # Money goes with projects: ~10 万元 a project, not 57 元; none without a project.
    assert prior("art20_9.central_procurement", "8", "80.5") > prior("art20_9.central_procurement", "88", "0.5")
    assert prior("art20_9.central_procurement", "1", "20") > prior("art20_9.central_procurement", "12", "0")
    # Natural persons file most requests.
    assert prior("granted", "11", "3", "0", "0", "2", "0", "16", table="applications") > prior(
        "granted", "1", "13", "0", "0", "2", "0", "16", table="applications"
    )


def test_prior_never_prefers_a_broken_hard_constraint() -> None:
    assert prior("art20_6.admin_penalty", "-5", "1", "2") < prior("art20_6.admin_penalty", "5", "-1", "2") - 40


# ----------------------------------------------------------------------------- generated documents

SEEDS = range(25)


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_what_the_identities_decide_is_read_right(fmt: str) -> None:
    """Every table all of whose glued rows are pinned by the identities is recovered exactly."""
    pinned_tables = 0
    for seed in SEEDS:
        doc = generate.generate(seed, format_version=fmt, layout="one_line_report")
        report = parse(doc.text, model=None)
        for table in schema.tables(fmt):
            mine = [r for r in report.readings if r.table == table and r.alternatives > 1]
            if any(r.decided_by != "identities" for r in mine):
                continue
            pinned_tables += 1
            wrong = [k for k, v in doc.cells.items() if k[0] == table and report.cell(*k).value != v]
            assert wrong == [], (seed, table, wrong)
    assert pinned_tables >= len(SEEDS)


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_every_wrong_cell_is_flagged_with_the_truth_among_the_alternatives(fmt: str) -> None:
    for seed in SEEDS:
        doc = generate.generate(seed, format_version=fmt, layout="one_line_report")
        report = parse(doc.text, model=None)
        covered = {}
        for r in report.readings:
            for cid in r.cells:
                covered[cell_key(cid)] = r
        for key, truth in doc.cells.items():
            if report.cell(*key).value == truth:
                continue
            r = covered[key]  # every wrong cell belongs to a reading the parser flagged
            assert r.decided_by == "prior", (seed, key)
            row_truth = [doc.cells[cell_key(c)] for c in r.cells]
            assert row_truth in [o["values"] for o in r.others], (seed, key, row_truth, r.others)


def test_applications_rows_tied_by_relations_are_solved_jointly() -> None:
    """A row with several cuts that add up to its own total is pinned by the column sums."""
    found = 0
    for seed in SEEDS:
        for fmt in schema.FORMATS:
            doc = generate.generate(seed, format_version=fmt, layout="one_line_report")
            report = parse(doc.text, model=None)
            for r in report.readings:
                if r.table != "applications" or r.decided_by != "identities":
                    continue
                found += 1
                assert [doc.cells[cell_key(c)] for c in r.cells] == r.chosen
                assert all("fewer identities hold" in o["why"] for o in r.others)
    assert found >= 5
