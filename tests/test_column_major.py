"""Tables written column by column (as pdfminer.six writes a PDF's): found, transposed into rows
before they are read, kept where the identities say so."""

from __future__ import annotations

import pytest
from conftest import ROOT

from govparse_ml import parse
from govparse_ml.format import schema
from govparse_ml.synth.generate import generate_with
from govparse_ml.synth.layouts import pdf_boxes
from govparse_ml.training import route_corpus

ROUTES = ROOT / "training_data" / "routes"


def boxes(*items: str) -> str:
    """Text boxes as pdfminer writes them: each on its lines, a blank line after each."""
    return "\n\n".join(items) + "\n"


HEAD_2019 = boxes(
    "二、主动公开政府信息情况", "第二十条第（一）项", "信息内容", "本年新制作数量 本年新公开数量 对外公开总数量"
)


def values(report, table: str, row: str) -> list:
    spec = schema.tables(report.meta.format_version)[table]
    return [report.cell(table, row, c.id).value for c in spec.row(row).columns]


def test_a_small_table_written_column_by_column_is_read_by_rows() -> None:
    """Two row labels, then each column's two numbers downward."""
    report = parse(HEAD_2019 + boxes("规章", "规范性文件", "0", "9", "0", "4", "1", "7"), model=None)
    assert values(report, "active_disclosure", "art20_1.regulations") == [0, 0, 1]
    assert values(report, "active_disclosure", "art20_1.normative_docs") == [9, 4, 7]
    reading = next(r for r in report.readings if r.table == "active_disclosure")
    assert reading.row == "*" and "column by column" in reading.reason


def test_a_row_left_blank_in_a_text_of_rows_is_not_transposed() -> None:
    """A label alone, then a row with its values: the first row is blank, not a column."""
    text = "二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\n规范性文件\t5\t3\t2\n"
    report = parse(text, model=None)
    assert values(report, "active_disclosure", "art20_1.regulations") == [None, None, None]
    assert values(report, "active_disclosure", "art20_1.normative_docs") == [5, 3, 2]
    assert not any("column by column" in r.reason for r in report.readings)


def test_a_block_whose_first_and_last_columns_are_in_pairs_is_read_as_the_identities_say() -> None:
    """pdfminer groups close columns: 本年新收 and 上年结转 written as (自然人, 商业企业) pairs, then
    three columns downward, then (其他, 总计) pairs; only that reading makes 本年新收 add up."""
    head = boxes("三、收到和处理政府信息公开申请情况", "申请人情况", "自然人", "法人或其他组织", "总计")
    numbers = ["158", "65", "0", "0", "28", "0", "25", "0", "58", "0", "15", "349", "0", "0"]
    report = parse(
        head + boxes("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", *numbers), model=None
    )
    assert values(report, "applications", "new") == [158, 65, 28, 25, 58, 15, 349]
    assert values(report, "applications", "carried_in") == [0] * 7


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_generated_reports_printed_as_pdfminer_boxes_are_read_exactly(fmt: str) -> None:
    for seed in range(6):
        doc = generate_with(seed, format_version=fmt, layout="column_major", render_table=pdf_boxes)
        report = parse(doc.text, model=None)
        wrong = [(k, v, report.cell(*k).value) for k, v in doc.cells.items() if report.cell(*k).value != v]
        assert wrong == [], (seed, wrong[:5])


def test_pdfminer_text_of_printed_reports() -> None:
    """Reports printed by Chromium and extracted by pdfminer.six (the route corpus, test split):
    most cells are read (row by row, 25 % were); one report is read whole."""
    truth = route_corpus.truth_cells(ROUTES)
    docs = route_corpus.read_routes(ROUTES, ["pdfminer"], split="test")[::4]
    right = total = 0
    for doc in docs:
        cells = truth[(doc.meta["seed"], doc.meta["format"])]
        report = parse(doc.text)
        right += sum(report.cell(*key).value == value for key, value in cells.items())
        total += len(cells)
    assert right / total >= 0.55, right / total
    whole = next(d for d in route_corpus.read_routes(ROUTES, ["pdfminer"], split="test") if d.meta["seed"] == 50071)
    report = parse(whole.text)
    cells = truth[(50071, "2019")]
    assert all(report.cell(*k).value == v for k, v in cells.items() if k[0] == "applications")
    reading = next(r for r in report.readings if r.table == "applications" and r.row == "*")
    assert "37 identities hold so" in reading.reason
