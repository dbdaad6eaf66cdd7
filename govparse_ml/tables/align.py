"""Labels no key phrase names (a typo, an OCR slip, a label lost) matched to rows: by their
likeness to the rows' own labels, in the order of the schema.

The rows of values between two rows that key phrases name (the anchors) are aligned with the
schema's rows between them by dynamic programming over both orders: each row of values goes to
at most one row, in order, maximising the summed label likeness; rows of values that are like
no row (subtotals, prose) are left out, and so are schema rows the report leaves out. A row of
values whose label is lost altogether is placed by order alone, and only where the gap holds
as many rows of values as rows of its width (nothing else could say which it is)."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import NUMERALS
from govparse_ml.tables.keys import compact

# How alike a damaged label must be to a row's own label to be read as that row: the ratio of
# matching characters (difflib's) of the two labels without numbering, digits and brackets.
MIN_LABEL_SIMILARITY = 0.6
_NUMBERING = re.compile(rf"^(?:[(（]?[{NUMERALS}]+[)）、.．]|\d{{1,2}}[.．、])+")
_NOT_CORE = str.maketrans("", "", '0123456789().、“”"')
# A label whose own text is lost but for its numbering ("（七）计") is as like its row as this.
_SAME_NUMBERING = 0.7
# The score of a row of values with no label at all placed by its order (below any likeness,
# so that a label like its row always wins the place).
_BY_ORDER = 0.3
# Rows of values aligned at most in one gap (a longer run of unplaced rows is no table's).
MAX_GAP = 64


def _label_core(text: str) -> str:
    return _NUMBERING.sub("", compact(text)).translate(_NOT_CORE)


def _label_numbering(text: str) -> str:
    m = _NUMBERING.match(compact(text))
    return m.group(0).replace("、", ".") if m else ""


@cache
def _row_cores(version: schema.FormatVersion, table: str) -> tuple[tuple[str, str, str], ...]:
    rows = schema.tables(version)[table].rows
    return tuple((row.id, _label_core(row.label), _label_numbering(row.label)) for row in rows)


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


@dataclass(frozen=True)
class Placed:
    """A row of values placed by alignment: its row, the label text that placed it ("" for a
    row placed by order) and the likeness (0.0 by order)."""

    row: str
    text: str
    similarity: float


def align_gap(
    spec: schema.TableSpec,
    gap: list[tuple[tuple[str, ...], int]],
    first: int,
    stop: int,
    version: schema.FormatVersion,
) -> list[Placed | None]:
    """Place the rows of values of a gap (each its label texts and its number of values) on
    the schema rows ``first`` to ``stop - 1``, in order; None for a row placed nowhere."""
    rows = _row_cores(version, spec.id)[first:stop]
    widths = [len(r.columns) for r in spec.rows[first:stop]]
    # A row with no label goes by order only where the gap's rows of values of its width are as
    # many as the schema's rows of that width: then each has one place.
    by_width = Counter(widths)
    given = Counter(width for _, width in gap)
    # Each label's core and numbering worked out once, not once per schema row it is tried on.
    labels = [[(t, _label_core(t), _label_numbering(t)) for t in texts] for texts, _ in gap]
    score = [
        [_match(own, width, row, w, given[width] == by_width[width]) for row, w in zip(rows, widths, strict=True)]
        for own, (_, width) in zip(labels, gap, strict=True)
    ]
    return _best_path(score, rows)


def _best_path(
    score: list[list[tuple[float, str] | None]], rows: tuple[tuple[str, str, str], ...]
) -> list[Placed | None]:
    """The order-preserving placement of the highest total score (dynamic programming), traced back."""
    n, m = len(score), len(rows)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = score[i - 1][j - 1]
            take = best[i - 1][j - 1] + s[0] if s is not None else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], take)
    out: list[Placed | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        s = score[i - 1][j - 1]
        if s is not None and abs(best[i][j] - (best[i - 1][j - 1] + s[0])) < 1e-9:
            out[i - 1] = Placed(rows[j - 1][0], s[1], s[0] if s[1] else 0.0)
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return out


def _match(
    labels: list[tuple[str, str, str]], width: int, row: tuple[str, str, str], row_width: int, lost_ok: bool
) -> tuple[float, str] | None:
    """The score of placing a row of values (its label texts with their cores and numberings)
    on a schema row, and the label text that earns it; None if it cannot go there."""
    _, theirs, their_numbering = row
    best: tuple[float, str] | None = None
    for text, core, numbering in labels:
        floor = _SAME_NUMBERING if numbering and numbering == their_numbering else 0.0
        likeness = _likeness(core, theirs, max(floor, MIN_LABEL_SIMILARITY)) if len(core) >= 2 else 0.0
        score = max(likeness, floor)
        if score >= MIN_LABEL_SIMILARITY and (best is None or score > best[0]):
            best = (score, text)
    if best is None and lost_ok and width == row_width and not any(len(core) >= 2 for _, core, _ in labels):
        best = (_BY_ORDER, "")
    return best
