"""The five seed reports, parsed end to end against their hand-made gold files."""

from __future__ import annotations

import json

import pytest
from conftest import LABELED, gold_cells, seed_text

from govparse_ml import parse
from govparse_ml.format import schema


@pytest.mark.parametrize("model", [None, "default"], ids=["rules", "model"])
def test_every_gold_cell(seed: str, model) -> None:
    report = parse(seed_text(seed), model=model)
    gold = gold_cells(seed)
    wrong = []
    for g in gold:
        cell = report.cell(g["table"], g["row"], g["col"])
        if cell.value != g["value"] or (cell.raw or None) != (g["raw"] or None):
            wrong.append((g["table"], g["row"], g["col"], g["value"], cell.value))
    assert not wrong, wrong[:5]


def test_format_version_and_cell_count(seed: str) -> None:
    report = parse(seed_text(seed))
    gold = gold_cells(seed)
    version = "2021" if any(g["row"] == "other.other" for g in gold) else "2019"
    assert report.meta.format_version == version
    assert len(report.cells()) == len(gold) == len(schema.cell_ids(version))


def test_six_standard_sections(seed: str) -> None:
    report = parse(seed_text(seed))
    found = [s.std_id for s in report.sections if s.std_id != "preamble"]
    assert found == [s.id for s in schema.SECTIONS]


def test_every_line_kept_and_labelled(seed: str) -> None:
    text = seed_text(seed)
    report = parse(text)
    assert [ln.text for ln in report.lines] == text.split("\n")
    hand = [json.loads(x)["label"] for x in (LABELED / f"{seed}.jsonl").read_text(encoding="utf-8").splitlines()]
    got = [ln.label for ln in report.lines]
    assert [g is None for g in got] == [h is None for h in hand]
    agree = sum(g == h for g, h in zip(got, hand, strict=True) if h is not None) / sum(h is not None for h in hand)
    assert agree >= 0.97


def test_checks_pass_on_complete_seeds(seed: str) -> None:
    report = parse(seed_text(seed))
    assert not report.failed_checks
    statuses = {c.status for c in report.checks}
    assert "passed" in statuses
