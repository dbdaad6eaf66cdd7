"""Rows whose label is lost or damaged, placed by an order-preserving alignment with the schema
(tables/align.py): generated reports with one row label per table blanked out, in the layouts
that keep cell positions."""

from __future__ import annotations

import random

import pytest

from govparse_ml import parse
from govparse_ml.format import schema
from govparse_ml.synth.generate import generate


def _blank_one_label(text: str, version: str, table: str, rng: random.Random) -> tuple[str, schema.RowSpec]:
    """The text with the label of one row of ``table`` (on a line with its numbers) removed."""
    lines = text.split("\n")
    rows = list(schema.tables(version)[table].rows)
    rng.shuffle(rows)
    for row in rows:
        if len(row.columns) == 1:
            continue  # a lone number with no label is not read as a row (it may be a page number)
        label = schema.row_label(table, row)
        at = [i for i, line in enumerate(lines) if label in line and any(c.isdigit() for c in line.replace(label, ""))]
        if len(at) == 1:
            lines[at[0]] = lines[at[0]].replace(label, "")
            return "\n".join(lines), row
    raise AssertionError("no row label to blank")


@pytest.mark.parametrize("layout", ["markdown", "tab_rows"])
@pytest.mark.parametrize("table", ["active_disclosure", "applications"])
def test_a_row_whose_label_is_lost_is_placed_by_its_order(layout: str, table: str) -> None:
    right = 0
    for seed in range(12):
        for version in schema.FORMATS:
            g = generate(seed, format_version=version, layout=layout)
            text, row = _blank_one_label(g.text, version, table, random.Random(seed))
            report = parse(text)
            got = [report.tables[table].cells[(row.id, c.id)].value for c in row.columns]
            want = [g.cells[(table, row.id, c.id)] for c in row.columns]
            if got == want:
                right += 1
                reading = next(r for r in report.readings if r.row == row.id)
                assert "label lost" in reading.reason
    assert right >= 23, right  # of 24


def test_typo_label_after_a_missing_row_is_placed_past_the_lookahead() -> None:
    """A damaged label several rows past the last one read still lands on its row, in order."""
    g = generate(3, format_version="2021", layout="tab_rows")
    lines = g.text.split("\n")
    spec = schema.tables("2021")["applications"]
    drop = [r.label for r in spec.rows if r.id.startswith("denied.")][:6]  # six rows left out
    lines = [line for line in lines if not any(d in line for d in drop)]
    text = "\n".join(lines).replace("7.属于行政执法案卷", "7.属于行政执法案件")
    report = parse(text)
    got = [
        report.tables["applications"].cells[("denied.enforcement_file", c.id)].value
        for c in spec.row("denied.enforcement_file").columns
    ]
    assert got == [
        g.cells[("applications", "denied.enforcement_file", c.id)] for c in spec.row("denied.enforcement_file").columns
    ]
    assert any(r.row == "denied.enforcement_file" and "similarity" in r.reason for r in report.readings)
