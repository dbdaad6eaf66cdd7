"""Labels no key phrase names (a typo, an OCR slip) matched to a row by their likeness to the
row's own label."""

from __future__ import annotations

import difflib
import re
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
    the similarity; ``(None, best)`` when none is like enough."""
    core, numbering = _label_core(label_text), _label_numbering(label_text)
    if len(core) < 2 and not numbering:
        return None, 0.0
    best, best_id = 0.0, None
    for row_id, theirs, their_numbering in _row_cores(version, spec.id)[last + 1 : last + 1 + _FUZZY_LOOKAHEAD]:
        score = difflib.SequenceMatcher(None, core, theirs, autojunk=False).ratio() if len(core) >= 2 else 0.0
        if numbering and numbering == their_numbering:
            score = max(score, _SAME_NUMBERING)
        if score > best + 1e-9:
            best, best_id = score, row_id
    return (best_id, best) if best >= MIN_LABEL_SIMILARITY else (None, best)
