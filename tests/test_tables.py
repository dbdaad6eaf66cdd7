"""Table reassembly on small hand-written pieces of real-looking text."""

from __future__ import annotations

from govparse_ml import parse
from govparse_ml.format import schema

HEAD_2019 = "二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n"
APP_HEAD = (
    "三、收到和处理政府信息公开申请情况\n"
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况\n"
    "\t自然人\t法人或其他组织\t\t\t\t\t总计\n"
    "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n"
)


def cells(text: str, table: str) -> dict:
    report = parse(text, model=None)
    return {k: (c.value, c.raw) for k, c in report.tables[table].cells.items()}, report


def test_null_marks_keep_their_raw_text_and_zero_stays_zero() -> None:
    got, _ = cells(HEAD_2019 + "规章\t/\t—\t0\n规范性文件\t无\t-\t12\n", "active_disclosure")
    assert got[("art20_1.regulations", "new_made")] == (None, "/")
    assert got[("art20_1.regulations", "new_published")] == (None, "—")
    assert got[("art20_1.regulations", "total_published")] == (0, "0")
    assert got[("art20_1.normative_docs", "new_made")] == (None, "无")
    assert got[("art20_1.normative_docs", "new_published")] == (None, "-")
    assert got[("art20_1.normative_docs", "total_published")] == (12, "12")


def test_units_after_numbers_and_blank_cell_between_values() -> None:
    got, _ = cells(HEAD_2019 + "规章\t3件\t\t5件\n", "active_disclosure")
    assert got[("art20_1.regulations", "new_made")] == (3, "3件")
    assert got[("art20_1.regulations", "new_published")] == (None, "")
    assert got[("art20_1.regulations", "total_published")] == (5, "5件")
    # A row that is absent keeps raw None; a row that is present but blank has raw "".
    assert got[("art20_5.admin_license", "prev_items")] == (None, None)


def test_signed_delta_and_decimal_amount() -> None:
    text = (
        HEAD_2019
        + "第二十条第（五）项\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n行政许可\t12\t-3\t450\n"
        + "第二十条第（九）项\n信息内容\t采购项目数量\t采购总金额\n政府集中采购\t4\t1,234.50万元\n"
    )
    got, report = cells(text, "active_disclosure")
    assert got[("art20_5.admin_license", "delta")] == (-3, "-3")
    assert got[("art20_9.central_procurement", "amount")] == (1234.5, "1,234.50万元")
    assert not report.failed_checks  # a negative delta is allowed


def test_row_identity_failure_is_reported_not_dropped() -> None:
    text = APP_HEAD + "一、本年新收政府信息公开申请数量\t1\t2\t0\t0\t0\t0\t4\n"
    got, report = cells(text, "applications")
    assert got[("new", "total")] == (4, "4")
    failed = [c for c in report.failed_checks if "applications.new:" in c.name]
    assert failed and failed[0].difference == 1.0 and "applications.new.total" in failed[0].cells


def test_glued_digits_are_cut_by_the_row_identity_and_reported() -> None:
    text = APP_HEAD.replace("\t", " ") + "一、本年新收政府信息公开申请数量640020470\n"
    got, _ = cells(text, "applications")
    assert [
        got[("new", c)][0]
        for c in ("natural", "commercial", "research", "public_interest", "legal_service", "other_org", "total")
    ] == [64, 0, 0, 2, 0, 4, 70]


def test_stray_page_number_between_rows_is_dropped_by_the_identity() -> None:
    text = (
        APP_HEAD
        + "一、本年新收政府信息公开申请数量\t5\t1\t0\t0\t0\t0\t6\n12\n二、上年结转政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
    )
    got, _ = cells(text, "applications")
    assert got[("new", "total")] == (6, "6")
    assert got[("carried_in", "natural")] == (1, "1")


def test_values_with_no_row_are_kept_in_a_warning() -> None:
    _, report = cells(HEAD_2019 + "\t7\t8\t9\n", "active_disclosure")
    assert any("no row label" in w and "7 8 9" in w for w in report.warnings)


def test_same_layout_different_separators_same_cells() -> None:
    rows = [("规章", "1", "2", "3"), ("规范性文件", "4", "5", "6")]
    tab = HEAD_2019 + "".join("\t".join(r) + "\n" for r in rows)
    pipes = HEAD_2019 + "".join("| " + " | ".join(r) + " |\n" for r in rows)
    per_line = HEAD_2019 + "".join("\n".join(r) + "\n\n" for r in rows)
    results = [cells(t, "active_disclosure")[0] for t in (tab, pipes, per_line)]
    values = [{k: v[0] for k, v in r.items()} for r in results]
    assert values[0] == values[1] == values[2]
    assert values[0][("art20_1.normative_docs", "total_published")] == 6


def test_the_year_written_out_in_the_carried_rows_is_a_key_phrase() -> None:
    """二、上年度结转… and 四、结转下一年度… (as many reports write them) name their rows outright:
    no similarity match, no reading to explain."""
    from govparse_ml.synth.generate import generate

    for fmt in ("2019", "2021"):
        report = generate(3, format_version=fmt, layout="tab_rows")
        text = report.text.replace("上年结转政府信息公开申请数量", "上年度结转政府信息公开申请数量")
        text = text.replace("结转下年度继续办理", "结转下一年度继续办理")
        parsed = parse(text, model=None)
        assert "上年度结转" in text and "结转下一年度" in text
        assert {k: parsed.cell(*k).value for k in report.cells} == report.cells
        assert not [r for r in parsed.readings if r.row in ("carried_in", "carried_out")]


REVIEW_HEAD_GLUED = (
    "四、政府信息公开行政复议、行政诉讼情况\n行政复议行政诉讼\n"
    "结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉\n"
    "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计\n"
)


def test_a_line_of_digits_with_a_leading_zero_is_cells_run_together() -> None:
    """BeautifulSoup's get_text() of a page's review table: fifteen one-digit cells on one line
    with nothing between them. No count is written with a leading zero: it is cut, not one number."""
    text = "2020年政府信息公开工作年度报告\n" + APP_HEAD + "一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
    report = parse(text + REVIEW_HEAD_GLUED + "043182250911013\n五、存在的主要问题及改进情况\n")
    review = report.tables["review_litigation"]
    got = [review.cells[(r.id, c.id)].value for r in schema.tables("2019")["review_litigation"].rows for c in r.columns]
    assert got == [0, 4, 3, 1, 8, 2, 2, 5, 0, 9, 1, 1, 0, 1, 3]
    assert not [c for c in report.failed_checks if c.table == "review_litigation"]


def test_a_long_count_alone_on_its_line_stays_one_number() -> None:
    text = (
        HEAD_2019 + "第二十条第（六）项\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n行政处罚\n3\n0\n123456789\n"
    )
    got, _ = cells(text, "active_disclosure")
    assert got[("art20_6.admin_penalty", "decisions")] == (123456789, "123456789")


def _one_cell_per_line(rows: list[list[str]]) -> str:
    """A table as a word processor's "table to text" writes it one cell per line: each cell
    after a tab (an empty cell is the tab alone), an empty line after each row."""
    return "".join("".join(f"\t{cell}\n" for cell in row) + "\n" for row in rows)


def test_one_cell_per_line_an_indented_empty_cell_is_no_row_break() -> None:
    """In a table written one cell per line with its cells after a tab, the tab alone is an
    empty cell and a line with nothing the end of a row: a blank cell is null with raw "",
    never shifted, wherever it is in the row (first, last, after the table's last line)."""
    review = [
        ["行政复议", "", "", "", "", "行政诉讼"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "", "", "", "", "复议后起诉"],
        ["", "", "", "", "", *["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2],
        ["", "1", "", "", "1", "2", "", "", "1", "3", "", "", "", "", ""],
    ]
    active = [
        ["第二十条第（八）项"],
        ["信息内容", "上一年项目数量", "本年增/减", ""],
        ["行政事业性收费", "", "3", ""],
    ]
    text = (
        "二、主动公开政府信息情况\n"
        + _one_cell_per_line(active)
        + "四、政府信息公开行政复议、行政诉讼情况\n"
        + _one_cell_per_line(review)
        + "五、存在的主要问题及改进情况\n无。\n"
    )
    got, report = cells(text, "review_litigation")
    assert report.meta.format_version == "2019"
    row = lambda r: [got[(r, c)] for c in ("upheld", "corrected", "other", "pending", "total")]  # noqa: E731
    assert row("review") == [(None, ""), (1, "1"), (None, ""), (None, ""), (1, "1")]
    assert row("lit_direct") == [(2, "2"), (None, ""), (None, ""), (1, "1"), (3, "3")]
    assert [v for v, _ in row("lit_after_review")] == [None] * 5
    fees, _ = cells(text, "active_disclosure")
    assert fees[("art20_8.admin_fees", "prev_items")] == (None, "")
    assert fees[("art20_8.admin_fees", "delta")] == (3, "3")


def test_one_cell_per_line_empty_label_cells_as_the_rows_numbered_alike_show() -> None:
    """A grid written one cell per line with nothing on an empty cell's line, the label's
    merged cells written as empty cells too, an empty line after each row: a row whose first
    and last cells are blank has as many empty label cells as the rows numbered alike that
    show theirs (一、… spans the three label columns)."""
    head = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况", *[""] * 6],
        ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ]
    rows = [
        ["一、本年新收政府信息公开申请数量", "", "", "5", "1", "2", "3", "1", "2", "14"],
        ["二、上年结转政府信息公开申请数量", "", "", "", "0", "", "", "", "0", ""],
        ["三、本年度办理结果", "（一）予以公开", "", "4", "1", "2", "3", "1", "2", "13"],
        ["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "", "", "1", "", "", "", "", "1"],
        ["", "（七）总计", "", "4", "2", "2", "3", "1", "2", "14"],
        ["四、结转下年度继续办理", "", "", "1", "", "", "", "", "", "1"],
    ]
    table = "".join("".join(f"{cell}\n" for cell in row) + "\n" for row in head + rows)
    text = "三、收到和处理政府信息公开申请情况\n" + table + "四、政府信息公开行政复议、行政诉讼情况\n无。\n"
    got, report = cells(text, "applications")
    assert report.meta.format_version == "2019"
    columns = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org", "total")
    assert [got[("carried_in", c)] for c in columns] == [(None, ""), (0, "0"), *[(None, "")] * 3, (0, "0"), (None, "")]
    assert [got[("new", c)][0] for c in columns] == [5, 1, 2, 3, 1, 2, 14]
    assert [got[("carried_out", c)][0] for c in columns] == [1, None, None, None, None, None, 1]


def test_a_line_of_a_no_break_space_is_an_empty_cell() -> None:
    """PyMuPDF's text of a page whose empty cells hold &nbsp;: one cell per line, no indent; the
    line of U+00A0 before the first value is the review table's first (blank) cell."""
    head = "四、政府信息公开行政复议、行政诉讼情况\n行政复议\n行政诉讼\n" + "\n".join(
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"]
        + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    )
    values = ["\xa0", "3", "6", "\xa0", "9", "5", "4", "3", "1", "13", "1", "3", "\xa0", "\xa0", "4"]
    text = "2019年政府信息公开工作年度报告\n" + head + "\n" + "\n".join(values) + "\n五、存在的主要问题及改进情况\n"
    review = parse(text).tables["review_litigation"]
    got = [review.cells[(r.id, c.id)].value for r in schema.tables("2019")["review_litigation"].rows for c in r.columns]
    assert got == [None, 3, 6, None, 9, 5, 4, 3, 1, 13, 1, 3, None, None, 4]
