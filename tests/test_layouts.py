"""Property tests: any layout of the same tables gives the same cells.

Generated reports carry their truth; parsing each rendering must recover every canonical
cell, the format version and (for the layouts with line structure) the six sections.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govparse_ml import parse
from govparse_ml.format import schema
from govparse_ml.synth import generate

# Glued digits with no separator are ambiguous where no identity ties the numbers (the
# active-disclosure table): that layout is measured by scripts/recovery.py, not asserted exact.
FORMATS = list(schema.FORMATS)
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wrong_cells(doc: generate.GeneratedReport) -> list[tuple]:
    report = parse(doc.text, model=None)
    assert report.meta.format_version == doc.format_version, report.warnings
    return [
        (key, truth, report.cell(*key).value) for key, truth in doc.cells.items() if report.cell(*key).value != truth
    ]


EXACT_LAYOUTS = [layout for layout in generate.LAYOUTS if layout != "one_line_report"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layout", EXACT_LAYOUTS)
@SETTINGS
@given(seed=SEEDS)
def test_every_cell_recovered(layout: str, fmt: str, seed: int) -> None:
    doc = generate.generate(seed, format_version=fmt, layout=layout)
    assert wrong_cells(doc) == []


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(seed=SEEDS)
def test_one_line_report_tables_with_identities(fmt: str, seed: int) -> None:
    """Whole report on one line, digits glued: every table row the identities pin is right,
    and the parse is flagged wherever it had to choose."""
    doc = generate.generate(seed, format_version=fmt, layout="one_line_report")
    report = parse(doc.text, model=None)
    assert report.meta.format_version == fmt
    wrong_rows = {(t, r) for (t, r, _), v in doc.cells.items() if report.cell(t, r, _).value != v}
    flagged = {(rd.table, rd.row) for rd in report.readings if rd.alternatives > 1}
    review_flagged = ("review_litigation", "*") in flagged
    for table, row in wrong_rows:
        assert (table, row) in flagged or (table == "review_litigation" and review_flagged), (table, row)


def test_one_line_report_recovery_rate() -> None:
    """On a fixed sample, the glued layout recovers most applications and review tables exactly."""
    exact = {"applications": 0, "review_litigation": 0}
    n = 40
    for seed in range(n):
        doc = generate.generate(seed, format_version=FORMATS[seed % 2], layout="one_line_report")
        report = parse(doc.text, model=None)
        for table in exact:
            cells = [(k, v) for k, v in doc.cells.items() if k[0] == table]
            exact[table] += all(report.cell(*k).value == v for k, v in cells)
    assert exact["applications"] / n >= 0.6
    assert exact["review_litigation"] / n >= 0.75


@pytest.mark.parametrize("layout", [x for x in EXACT_LAYOUTS if x != "missing_parts"])
def test_sections_found(layout: str) -> None:
    for seed in range(5):
        doc = generate.generate(seed, layout=layout)
        report = parse(doc.text, model=None)
        found = [s.std_id for s in report.sections if s.std_id not in (None, "preamble")]
        assert found == [s.id for s in schema.SECTIONS], (seed, found)


def test_missing_parts_are_null_and_named() -> None:
    for seed in range(30):
        doc = generate.generate(seed, layout="missing_parts")
        report = parse(doc.text, model=None)
        missing = [k for k, v in doc.cells.items() if v is None]
        assert all(report.cell(*k).value is None for k in missing)
        if "review_litigation" in doc.missing:
            assert any("review_litigation" in w and "not found" in w for w in report.warnings)
