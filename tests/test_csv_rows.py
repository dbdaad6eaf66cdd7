"""Tables saved as CSV (csv.writer, a spreadsheet's "Save as CSV"): every cell recovered.

The generator's tab-row tables are written again through Python's csv module: empty cells as
empty fields, counts from 1,000 up with thousands separators (quoted by the writer). A blank
cell is read as a null cell with raw "", never as 0.

The tables are read from the lines the generator labelled table: this tests the table stage
(the CSV layout reader), not whether the line labeller calls a comma row a table line.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from govparse_ml.document import Cell
from govparse_ml.format import schema
from govparse_ml.synth import generate
from govparse_ml.tables.assemble import TableResult, assemble_tables
from govparse_ml.tables.layouts import csv_row
from govparse_ml.text.units import split_units

FORMATS = list(schema.FORMATS)


def _table_runs(doc: generate.GeneratedReport) -> list[list[int]]:
    """Indexes of the runs of consecutive table lines of a report."""
    runs: list[list[int]] = []
    for i, label in enumerate(doc.labels):
        if label != "table":
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _csv_field(cell: str) -> str:
    """A cell as a spreadsheet writes it: counts from 1,000 up with thousands separators."""
    return f"{int(cell):,}" if cell.isdigit() and int(cell) >= 1000 else cell


def csv_text(doc: generate.GeneratedReport) -> str:
    """The report with its tab-row tables written as CSV rows."""
    lines = doc.text.split("\n")
    for run in _table_runs(doc):
        # A tab after every row of a table is the generator's layout tab: no cell of the sheet.
        layout_tab = all(lines[i].endswith("\t") for i in run)
        for i in run:
            cells = lines[i].split("\t")
            cells = cells[:-1] if layout_tab else cells
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow([_csv_field(c) for c in cells])
            lines[i] = out.getvalue()
    return "\n".join(lines)


def _tab_docs(layout: str, n: int) -> list[generate.GeneratedReport]:
    """Generated reports whose tables are tab rows (blank_cells draws some as markdown or one cell per line)."""
    docs = [generate.generate(seed, format_version=FORMATS[seed % 2], layout=layout) for seed in range(n)]
    return [
        d
        for d in docs
        if any(len([c for c in line.split("\t") if c]) >= 3 for line in d.text.split("\n")) and "|" not in d.text
    ]


def read_tables(doc: generate.GeneratedReport, text: str) -> TableResult:
    """The tables read from the lines of ``text`` the generator labelled table."""
    units = [u for u in split_units(text.split("\n")) if doc.labels[u.line - 1] == "table"]
    return assemble_tables(units, doc.format_version)


def _cell(result: TableResult, key: tuple[str, str, str]) -> Cell:
    table, row, col = key
    return result.tables[table].cells[(row, col)]


def wrong_cells(doc: generate.GeneratedReport, text: str) -> list[tuple]:
    result = read_tables(doc, text)
    wrong = []
    for key, truth in doc.cells.items():
        cell = _cell(result, key)
        if cell.value != truth or (key in doc.blanks and cell.raw != ""):
            wrong.append((key, truth, cell.value, cell.raw))
    return wrong


@pytest.mark.parametrize("layout", ["tab_rows", "blank_cells"])
def test_csv_tables_every_cell_recovered(layout: str) -> None:
    docs = _tab_docs(layout, 60)
    assert len(docs) >= 15
    texts = [csv_text(doc) for doc in docs]
    # The CSV really is CSV: no tab left, quoted thousands, empty fields.
    assert not any("\t" in t for t in texts)
    assert any(re.search(r'"\d{1,3},\d{3}"', t) for t in texts)
    assert any(",," in t for t in texts)
    failures = {i: w for i, (doc, t) in enumerate(zip(docs, texts, strict=True)) if (w := wrong_cells(doc, t))}
    assert failures == {}


def test_blank_fields_are_null_cells_not_zeros() -> None:
    docs = [doc for doc in _tab_docs("blank_cells", 60) if doc.blanks]
    assert docs
    for doc in docs:
        result = read_tables(doc, csv_text(doc))
        for key in doc.blanks:
            cell = _cell(result, key)
            assert (cell.value, cell.raw) == (None, ""), key


def test_thousands_quoted_are_one_value() -> None:
    doc = generate.generate(1, format_version="2021", layout="tab_rows")
    text = csv_text(doc)
    big = {k: v for k, v in doc.cells.items() if isinstance(v, int) and v >= 1000}
    assert big, "the sample has a count of 1,000 or more"
    result = read_tables(doc, text)
    for key, value in big.items():
        assert f'"{value:,}"' in text
        assert _cell(result, key).value == value


@pytest.mark.parametrize(
    ("row", "cells"),
    [
        ("予以公开,258,12,,,1,1,", ["予以公开", "258", "12", "", "", "1", "1", ""]),
        ('行政许可,"1,242",,', ["行政许可", "1,242", "", ""]),
        ('"3.危及""三安全一稳定""",9,15', ['3.危及"三安全一稳定"', "9", "15"]),
        (",,4,3,1", ["", "", "4", "3", "1"]),
        (
            "信息内容,本年制发件数,本年废止件数,现行有效件数",
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ),
    ],
)
def test_csv_row_cells(row: str, cells: list[str]) -> None:
    assert csv_row(row) == cells


@pytest.mark.parametrize(
    "text",
    [
        "1,234",  # one number with a thousands separator
        "行政许可 1,242",  # a PDF's row: the comma is the number's
        "合计1,234",
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",  # a label's own commas (normalised from ，)
        "说明:以下为依申请公开办理结果,其中不予公开的理由如下。",  # a sentence
        "2021年,在主动公开的198",  # a sentence cut at a table's start
        "规章\t0,1",  # a tab row: the tab reader's
    ],
)
def test_not_csv_rows(text: str) -> None:
    assert csv_row(text) is None


def test_parse_reads_a_report_whose_tables_were_saved_as_csv() -> None:
    """End to end: the line labeller calls comma rows table lines (label/rules.py, a decisive
    rule), and every cell comes back."""
    from govparse_ml import parse

    for seed in range(12):
        doc = generate.generate(seed, format_version=FORMATS[seed % 2], layout="tab_rows")
        text = csv_text(doc)
        report = parse(text)
        assert {k: report.cell(*k).value for k in doc.cells} == doc.cells, seed
        table_lines = [ln for ln, label in zip(report.lines, doc.labels, strict=True) if label == "table"]
        assert all(ln.label == "table" for ln in table_lines if "," in ln.text)
