"""Labels no key phrase names (a typo, an OCR slip) matched to a row by their likeness to the
row's own label."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from functools import cache

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import NUMERALS
from govparse_ml.tables.keys import compact

# How alike a damaged label must be to a row's own label to be read as that row: the ratio of
# matching characters (difflib's) of the two labels without numbering, digits and brackets.
MIN_LABEL_SIMILARITY = 0.6
# How many rows past the last one read a damaged label may name (rows may be left out).
_FUZZY_LOOKAHEAD = 3
_NUMBERING = re.compile(rf"^(?:[(（]?[{NUMERALS}]+[)）、.．]|\d{{1,2}}[.．、])+")
_NOT_CORE = str.maketrans("", "", '0123456789().、“”"')
# A label whose own text is lost but for its numbering ("（七）计") is as like its row as this.
_SAME_NUMBERING = 0.7


def _label_core(text: str) -> str:
    return _NUMBERING.sub("", compact(text)).translate(_NOT_CORE)


def _label_numbering(text: str) -> str:
    m = _NUMBERING.match(compact(text))
    return m.group(0).replace("、", ".") if m else ""


@cache
def _row_cores(version: schema.FormatVersion, table: str) -> tuple[tuple[str, str, str], ...]:
    rows = schema.tables(version)[table].rows
    return tuple((row.id, _label_core(row.label), _label_numbering(row.label)) for row in rows)


def fuzzy_row(
    spec: schema.TableSpec, label_text: str, last: int, version: schema.FormatVersion
) -> tuple[str | None, float]:
    """The row among the next few after ``last`` whose label ``label_text`` is most like, and
    the similarity; ``(None, 0.0)`` when none is like enough."""
    core, numbering = _label_core(label_text), _label_numbering(label_text)
    if len(core) < 2 and not numbering:
        return None, 0.0
    best, best_id = 0.0, None
    for row_id, theirs, their_numbering in _row_cores(version, spec.id)[last + 1 : last + 1 + _FUZZY_LOOKAHEAD]:
        floor = _SAME_NUMBERING if numbering and numbering == their_numbering else 0.0
        # The labels' likeness counts only where it beats the numbering's, the best so far and
        # the minimum: a likeness sure to fall short is not worked out (see _likeness).
        likeness = _likeness(core, theirs, max(floor, best, MIN_LABEL_SIMILARITY)) if len(core) >= 2 else 0.0
        score = max(likeness, floor)
        if score > best + 1e-9:
            best, best_id = score, row_id
    return (best_id, best) if best >= MIN_LABEL_SIMILARITY else (None, 0.0)


def _likeness(core: str, theirs: str, needed: float) -> float:
    """difflib's ratio of matching characters of two labels, or 0.0 if it is below ``needed``.

    Two upper bounds of the ratio, from the lengths and from the characters in common (difflib's
    real_quick_ratio and quick_ratio, without building its matcher, which costs more than the
    ratio), rule most rows out first: a label is seldom like the next rows' labels."""
    total = len(core) + len(theirs)
    if 2.0 * min(len(core), len(theirs)) / total < needed:
        return 0.0
    counts = _char_counts(theirs)
    common = sum(min(core.count(ch), counts.get(ch, 0)) for ch in set(core))
    if 2.0 * common / total < needed:
        return 0.0
    return difflib.SequenceMatcher(None, core, theirs, autojunk=False).ratio()


@cache
def _char_counts(text: str) -> Counter[str]:
    """How often each character is in a row's label (the schema's labels: a few dozen)."""
    return Counter(text)
