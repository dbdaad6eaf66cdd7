"""Real reports of one website (crawler text, each body on one line) against gold cells read
from the same pages' HTML tables: the parser's figure on real text, kept from falling back.

The floors are today's figures; the cells still wrong are listed by ``scripts/realdev.py --wrong``
(readings of glued digits that the text does not decide, a row of six values for seven cells,
and one gold row the HTML prints with values although its label is split). Cells merged over
three sub-rows, printed once in the text, are read as merged (``tables/spans.py``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("realdev", ROOT / "scripts" / "realdev.py")
realdev = importlib.util.module_from_spec(_spec)
sys.modules["realdev"] = realdev  # dataclasses look their module up there
_spec.loader.exec_module(realdev)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def scores():
    return realdev.score_dir(realdev.DEFAULT_DIR)


def test_every_report_with_gold_is_scored(scores) -> None:
    assert len(scores) == 24
    assert {s.format_version for s in scores} == {"2019", "2021"}


def test_cells_right(scores) -> None:
    t = realdev.totals(scores)
    assert t["cells"] == 4782
    assert t["right"] / t["cells"] >= 0.995, t
    assert t["nonzero_right"] / t["nonzero"] >= 0.98, t
    assert t["tables_exact"] >= 66, t


def test_wrong_nonzero_cells_are_flagged_as_ambiguous(scores) -> None:
    """A non-zero cell read wrong is one the text leaves open: it sits in a reading with alternatives."""
    unflagged = [
        (s.name, w) for s in scores for w in s.wrong if w[3] not in (None, 0) and w[4] is not None and not w[5]
    ]
    assert not unflagged, unflagged


def test_typo_label_is_read_by_similarity() -> None:
    """020 writes 7.属于行政执法案件 for 行政执法案卷: its row is read, and the reading says why."""
    from govparse_ml import parse

    text = next((realdev.DEFAULT_DIR / "text").glob("020_*.txt")).read_text(encoding="utf-8")
    report = parse(text)
    assert report.cell("applications", "denied.enforcement_file", "natural").value == 3
    assert any(r.row == "denied.enforcement_file" and "similarity" in r.reason for r in report.readings)
