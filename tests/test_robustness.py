"""Safe on anything: parse never raises on a str, never loses a line, costs linear time, and
says what is wrong with input that is not a report (issue 4, items 1–5).

The bad-input catalogue at the end is the list the README's "Robustness" section describes:
each entry is an input a crawler or a converter may produce and the warning it must get.
"""

from __future__ import annotations

import re
import time

import pytest
from conftest import gold_cells, seed_names, seed_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govparse_ml import Report, parse
from govparse_ml.document import LABELS
from govparse_ml.format import schema
from govparse_ml.text.normalize import is_blank

LINE_BREAK = re.compile(r"\r\n|\n|\r")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_sound(text: str, report: Report) -> None:
    """The invariants every parse keeps, whatever the input."""
    assert isinstance(report, Report)
    # Lossless: every input line exactly once, in order, text unchanged, numbered from 1.
    assert [ln.text for ln in report.lines] == LINE_BREAK.split(text)
    assert [ln.n for ln in report.lines] == list(range(1, len(report.lines) + 1))
    for ln in report.lines:
        assert (ln.label is None) == is_blank(ln.text), ln
        assert ln.label is None or ln.label in LABELS
    version = report.meta.format_version
    assert len(report.cells()) == (len(schema.cell_ids(version)) if version else 0)
    assert set(report.tables) == {"active_disclosure", "applications", "review_litigation"}
    assert all(isinstance(w, str) and w for w in report.warnings)
    # A stage that raised inside parse is caught and warned about: that is still a bug.
    assert not [w for w in report.warnings if "could not be" in w or "classifier failed" in w]


# ----------------------------------------------------------------------------- item 1: types


@pytest.mark.parametrize("value", [None, 3, 2.5, ["a"], {"text": "a"}, object()], ids=lambda v: type(v).__name__)
def test_non_str_raises_type_error_naming_the_type(value) -> None:
    with pytest.raises(TypeError, match=rf"not {type(value).__name__}\b"):
        parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [b"\xe4\xb8\x80", bytearray(b"abc"), memoryview(b"abc")], ids=lambda v: type(v).__name__
)
def test_bytes_points_at_the_file_reader(value) -> None:
    with pytest.raises(TypeError) as err:
        parse(value)  # type: ignore[arg-type]
    message = str(err.value)
    assert type(value).__name__ in message
    if not isinstance(value, memoryview):
        assert "files.read_text" in message and "decode_bytes" in message


def test_str_subclass_is_a_str() -> None:
    class Text(str):
        pass

    report = parse(Text("一、总体情况\n正文。"), model=None)
    assert [ln.text for ln in report.lines] == ["一、总体情况", "正文。"]


# ----------------------------------------------------------------------------- items 2, 3: properties

# Every awkward kind of character, lone surrogates included (a str can hold them).
ANY_CHAR = st.characters(codec=None, categories=None)
AWKWARD = st.sampled_from(
    ["\x00", "\r", "\n", "\r\n", "\n\r", "\t", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\ufeff",
     "\u200b", "\u00ad", "\u3000", "\xa0", "\ud800", "|", "｜", "**", "#", "`", "—", "－", "/"]
)  # fmt: skip

VOCAB = sorted(
    {s.title for s in schema.SECTIONS}
    | {k for s in schema.SECTIONS for k in s.keys}
    | {
        word
        for v in schema.FORMATS
        for t in schema.tables(v).values()
        for word in (t.title, *t.header_keys, *(r.label for r in t.rows), *(c.label for r in t.rows for c in r.columns))
    }
    | {
        "一、总体情况",
        "第二十条第（一）项",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "申请人情况",
    }
    | {"（一）", "1.", "2、", "第3页", "- 2 -", "2020年12月31日", "XX局2021年政府信息公开工作年度报告", "。", "，"}
)
NUMBER = st.one_of(
    st.integers(0, 30).map(str),
    st.integers(0, 10**7).map(str),
    st.integers(-999, 999).map(lambda n: f"{n:+d}"),
    st.text("0123456789", min_size=2, max_size=14),  # glued digits
    st.floats(0, 1e4, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["/", "-", "--", "—", "无", "12万元", "3%", "1,234"]),
)
SEPARATOR = st.sampled_from(["|", "\t", " ", "  ", "\n", "\r\n", "\r", "\n\n", " | ", "\t\t", "｜", "\u3000", ""])
FRAGMENT = st.one_of(st.sampled_from(VOCAB), NUMBER, AWKWARD, st.text(ANY_CHAR, max_size=4))
MIXTURE = st.lists(st.tuples(FRAGMENT, SEPARATOR).map("".join), max_size=80).map("".join)


@PROPERTY
@given(st.text(ANY_CHAR, max_size=400))
def test_random_unicode(text: str) -> None:
    assert_sound(text, parse(text, model=None))


@PROPERTY
@given(MIXTURE)
def test_mixtures_of_report_and_table_fragments(text: str) -> None:
    assert_sound(text, parse(text, model=None))


@PROPERTY
@given(st.lists(st.one_of(AWKWARD, st.sampled_from(VOCAB), NUMBER), max_size=60).map("".join))
def test_control_characters_and_odd_line_breaks(text: str) -> None:
    assert_sound(text, parse(text, model=None))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(seed_names()), st.data())
def test_seed_reports_cut_shuffled_and_rebroken(name: str, data) -> None:
    text = seed_text(name)
    lines = text.split("\n")
    op = data.draw(st.sampled_from(["truncate", "shuffle", "drop", "one_line", "breaks", "bars"]))
    if op == "truncate":
        text = text[: data.draw(st.integers(0, len(text)))]
    elif op == "shuffle":
        text = "\n".join(data.draw(st.permutations(lines)))
    elif op == "drop":
        keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        text = "\n".join(ln for ln, k in zip(lines, keep, strict=True) if k)
    elif op == "one_line":
        text = data.draw(st.sampled_from([" ", "", "\t"])).join(lines)
    elif op == "breaks":
        text = data.draw(st.sampled_from(["\r\n", "\r", "\n\r", "\u2028", "\x0c"])).join(lines)
    else:
        text = text.replace("\t", data.draw(st.sampled_from(["|", " ", "", " | "])))
    assert_sound(text, parse(text, model=None))


def test_the_default_model_keeps_every_line_too() -> None:
    for text in ["", "a\r\nb\rc\n", "\x00" * 50, seed_text(seed_names()[0]).replace("\n", "\r\n")]:
        assert_sound(text, parse(text))


def test_lines_split_only_on_cr_and_lf() -> None:
    # str.splitlines would also split on \x0b \x0c \x1c \x85 \u2028 \u2029: the input's lines do not.
    text = "a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g\r\n\r\rh\n"
    report = parse(text, model=None)
    assert [ln.text for ln in report.lines] == ["a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g", "", "", "h", ""]
    assert_sound(text, report)


# ----------------------------------------------------------------------------- item 4: linear cost
# Each of these took from seconds to hours before it was fixed; each now takes well under a second.
# The bound only catches a return of the blow-up (a hang guard, not a speed target): how cost grows
# with size is measured by scripts/scale.py (--shapes for runs of one kind of line).

ADVERSARIAL = {
    # rules._VALUES_ONLY: nested quantifiers, 2^n on a run of digits followed by text (28 s at 25 digits).
    "glued digits then text": "-2 | " + "9083441015996404310145998" * 4 + "  8.属于行政查询事项  19",
    "dashes then text": "-" * 5000 + " x",
    # tokens._PROTECTED: quadratic on a long digit run and on an unclosed bracket before CJK text.
    "long digit run": "规章\t" + "9" * 20000 + " 8.属于",
    "unclosed bracket": "规章 （" + "申" * 20000,
    # readings: the search for cuts of glued digits (58 s for 37 digits) and the relation DP (469 s).
    "37 glued digits for 7 cells": "三、收到和处理政府信息公开申请情况\n本年新收政府信息公开申请数量\t4279582096723653749038784713439221356",
    # units._cut: quadratic in the number of cuts of one line (19 s at 0.5 MB).
    "a report repeated on one line": "二、主动公开政府信息情况 第二十条第（一）项 规章 1 2 3 。" * 5000,
    "a line of bars": "|" * 100_000,
    # rules.label_units: each separator scanned its whole run for neighbours (29 s at 20,000 lines).
    "40,000 separator lines": "\n".join(["|"] * 40_000),
    "a line of tabs and numbers": "\t".join(str(i % 97) for i in range(50_000)),
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_lines_are_cheap(text: str) -> None:
    t0 = time.perf_counter()
    report = parse(text, model=None)
    assert time.perf_counter() - t0 < 30.0
    assert_sound(text, report)


# ----------------------------------------------------------------------------- item 5: not reports

NEWS = """国家统计局：2020年全国粮食产量再创新高

新华社北京12月10日电（记者 王某）国家统计局10日发布公告，2020年全国粮食总产量66949万吨，比上年增加565万吨，增长0.9%。

分季节看，全国夏粮产量14281万吨，比上年增加121万吨，增长0.9%；早稻产量2729万吨，增加102万吨，增长3.9%。

（责任编辑：李某）
"""

ENGLISH = """Annual Report on Open Government Information, 2020

1. Overview
In 2020 the agency published 1,234 items of information on its website.

| Item | Count |
|------|-------|
| Received | 12 |
| Granted | 10 |
"""

SOURCE_CODE = """import sys


def main(argv):
    table = [[1, 2, 3], [4, 5, 6]]
    for row in table:
        print("\\t".join(str(x) for x in row), "|", sum(row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""

# A 2010 report in the format of the 2008 条例: seven sections, counts in prose, no 第二十条 tables.
PRE_2019_PROSE = """XX市国土资源局2010年政府信息公开工作年度报告

本报告根据《中华人民共和国政府信息公开条例》要求编制。全文包括概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，政府信息公开工作存在的主要问题和改进措施，以及其他需要报告的事项。本报告中所列数据的统计期限自2010年1月1日起至2010年12月31日止。

一、概述

2010年，我局认真贯彻落实《条例》，进一步健全政府信息公开工作机制，政府信息公开工作取得了新的进展。

二、主动公开政府信息情况

2010年，我局主动公开政府信息共计326条，其中机构职能类信息12条，法规文件类信息45条，规划计划类信息23条，业务类信息246条。

三、依申请公开政府信息情况

2010年，我局共受理政府信息公开申请18件，其中当面申请11件，网上申请5件，信函申请2件。已按时答复18件，其中“同意公开”的14件，“同意部分公开”的2件，“不予公开”的1件，“信息不存在”的1件。

四、政府信息公开的收费及减免情况

2010年，我局在政府信息公开工作中未收取任何费用。

五、因政府信息公开申请行政复议、提起行政诉讼的情况

2010年，我局未发生因政府信息公开申请行政复议和提起行政诉讼的情况。

六、政府信息公开工作存在的主要问题和改进措施

主要是公开的内容还不够全面，更新还不够及时。2011年，我局将进一步完善政府信息公开工作制度。

七、其他需要报告的事项

无。

XX市国土资源局
二〇一一年三月
"""

# A 2016 report with the old statistics table (统计指标 / 单位 / 统计数): table-like, but none of the
# standard tables; read as the 2019 format it gave three tables of spurious cells.
PRE_2019_TABLE = """XX县人民政府办公室2016年政府信息公开工作年度报告

一、概述

2016年，我办认真落实政府信息公开工作要求，各项工作稳步推进。

二、主动公开政府信息情况

全年主动公开政府信息1022条。

三、依申请公开政府信息情况

全年共收到政府信息公开申请9件，均已按时办结。

附：政府信息公开情况统计表

统计指标\t单位\t统计数
一、主动公开情况\t—\t—
（一）主动公开政府信息数\t条\t1022
其中：主动公开规范性文件数\t条\t12
三、依申请公开情况\t—\t—
（一）收到申请数\t件\t9
1.当面申请数\t件\t3
（二）申请办结数\t件\t9
（三）申请答复数\t件\t9
2.同意公开答复数\t件\t5
4.不同意公开答复数\t件\t1
其中：涉及国家秘密\t件\t0
四、行政复议数量\t件\t0
（一）维持具体行政行为数\t件\t0
五、行政诉讼数量\t件\t0
七、依申请公开信息收取的费用\t万元\t0
"""

NOT_A_REPORT = "does not look like a government information-disclosure annual report"
PRE_2019 = "format used before 2019"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (NEWS, NOT_A_REPORT),
        (ENGLISH, NOT_A_REPORT),
        (SOURCE_CODE, NOT_A_REPORT),
        (PRE_2019_PROSE, PRE_2019),
        (PRE_2019_TABLE, PRE_2019),
    ],
    ids=["news", "english", "source_code", "pre_2019_prose", "pre_2019_table"],
)
def test_non_reports_get_no_tables_and_a_warning_why(text: str, why: str) -> None:
    report = parse(text, model=None)
    assert_sound(text, report)
    assert report.meta.format_version is None
    assert report.cells() == []
    assert not any(t.found for t in report.tables.values())
    assert report.checks == []
    assert any(why in w for w in report.warnings), report.warnings


def test_pre_2019_warning_says_what_gave_it_away() -> None:
    (warning,) = parse(PRE_2019_PROSE, model=None).warnings
    assert "依申请公开政府信息情况" in warning
    no_old_headings = re.sub(r"依申请公开政府信息情况|收费及减免|因政府信息公开申请", "其他", PRE_2019_PROSE)
    (warning,) = parse(no_old_headings, model=None).warnings
    assert "report year 2010" in warning


def test_a_report_pasted_twice_reads_once_and_says_so_once_per_table() -> None:
    name = "003_353fe64ea44b1a70"
    text = seed_text(name) + "\n" + seed_text(name)
    report = parse(text, model=None)
    assert_sound(text, report)
    gold = {(g["table"], g["row"], g["col"]): g["value"] for g in gold_cells(name)}
    assert all(report.cell(*key).value == value for key, value in gold.items())
    again = [w for w in report.warnings if "read again later in the text" in w]
    assert len(again) == 2 and any(w.startswith("applications: 25 rows") for w in again)


def test_truncated_report_keeps_what_it_has_and_names_what_is_missing() -> None:
    name = "003_353fe64ea44b1a70"  # 2021 format, tab rows
    lines = seed_text(name).split("\n")
    cut = next(i for i, ln in enumerate(lines) if "危及“三安全一稳定”" in ln)  # mid applications table
    text = "\n".join(lines[: cut + 1])
    report = parse(text, model=None)
    assert_sound(text, report)
    assert report.meta.format_version == "2021"
    assert len(report.cells()) == len(schema.cell_ids("2021"))
    gold = {(g["table"], g["row"], g["col"]): g["value"] for g in gold_cells(name)}
    # The tables it has: the whole first table, the applications rows up to the cut, as in the gold.
    for cell in report.tables["active_disclosure"].cells.values():
        assert cell.value == gold[("active_disclosure", cell.row, cell.col)]
    apps = report.tables["applications"]
    for row in ("new", "carried_in", "granted", "partial", "denied.state_secret", "denied.three_safety_one_stability"):
        for col in ("natural", "total"):
            assert apps.cell(row, col).value == gold[("applications", row, col)]
    # Null cells for the rest, and warnings that name what is missing.
    assert all(c.value is None for c in apps.cells.values() if c.row in ("total_processed", "carried_forward"))
    assert all(c.value is None for c in report.tables["review_litigation"].cells.values())
    warnings = " | ".join(report.warnings)
    assert "table review_litigation" in warnings and "not found" in warnings
    assert re.search(r"table applications: \d+ of 25 rows not found \(denied\.third_party, ", warnings)
    assert "standard sections not found" in warnings


# ----------------------------------------------------------------------------- the bad-input catalogue

CATALOGUE = {
    # name: (text, a phrase of the warning it gets)
    "empty": ("", "empty input"),
    "blank lines only": ("\n\n  \t\n\r\n", "empty input"),
    "invisible characters only": ("\u200b\ufeff\u3000\n\xa0", "empty input"),
    "NULs": ("\x00" * 200, "binary data"),
    "control characters": ("".join(map(chr, range(32))) * 20, "binary data"),
    "a PDF read as Latin-1": (
        "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n"
        + "".join(chr(i % 256) for i in range(0, 4000, 7))
        + "\nendstream",
        "binary data",
    ),
    "a PNG read as Latin-1": ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + "\x00\x01\x02\x03\x10\x11" * 200, "binary data"),
    "news article": (NEWS, NOT_A_REPORT),
    "English text": (ENGLISH, NOT_A_REPORT),
    "source code": (SOURCE_CODE, NOT_A_REPORT),
    "HTML page": ("<html><head><title>首页</title></head>\n<body><p>欢迎访问本网站</p></body></html>", NOT_A_REPORT),
    "pre-2019 report, prose": (PRE_2019_PROSE, PRE_2019),
    "pre-2019 report, old statistics table": (PRE_2019_TABLE, PRE_2019),
    "only section headings": (
        "一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况",
        "none of the three standard tables",
    ),
    "a bare run of numbers": ("1 2 3 4 5", NOT_A_REPORT),
}


@pytest.mark.parametrize(("text", "phrase"), CATALOGUE.values(), ids=CATALOGUE.keys())
def test_bad_input_catalogue(text: str, phrase: str) -> None:
    report = parse(text, model=None)
    assert_sound(text, report)
    assert any(phrase in w for w in report.warnings), report.warnings


def test_a_row_read_twice_keeps_the_reading_that_fits_the_row() -> None:
    """A prose sentence that names a row and one number ("结转下年度继续办理6件。"), labelled table,
    comes before the row itself: the row's own seven cells are kept, not the sentence's number."""
    from govparse_ml.synth.generate import generate

    g = generate(100900, format_version="2021", layout="blank_cells")
    report = parse(g.text)
    row = [report.cell("applications", "carried_out", c).value for c in ("natural", "other_org", "total")]
    assert row == [g.cells[("applications", "carried_out", c)] for c in ("natural", "other_org", "total")]
    assert any("kept the first reading that fits the row" in w for w in report.warnings)
