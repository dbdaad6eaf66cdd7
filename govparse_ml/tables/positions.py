"""Values placed in their columns by where they stand on their line, in tables laid out with
runs of spaces (``pdftotext -layout``, inscriptis, a PDF or a web page copied as text).

Such a row prints nothing for a blank cell: ``二、上年结转…    2    4   2   8`` has four values
for seven cells, and only their positions say which. The rows of the same table with a value
in every cell give the columns (where each column's values start and end, in characters); a
short row's values go to the columns they stand under, in order (a dynamic programme over the
values and the columns, the smaller of the start and the end distances).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from govparse_ml.tables.values import RawValue

_WORD = re.compile(r"\S+")
_SPACED = re.compile(r"\S {2,}\S")  # cells apart by a run of spaces
# How far (in lines) a full row may be from a short row to lend it its columns.
_NEAR = 80
# The longest line read as one row of a table (a longer one is a table or a report run
# together on one line: its runs of spaces are no columns).
_MAX_ROW_CHARS = 600


@dataclass(frozen=True)
class Columns:
    """The columns of a full row: its line, and where each value starts and ends."""

    line: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def value_spans(raw_lines: Sequence[str] | None, values: list[RawValue]) -> tuple[list[int], list[int]] | None:
    """Where the values of a row stand on their line: their starts and ends, if the row is laid
    out with runs of spaces, all its values are on one line and they are its last words."""
    text = _row_line(raw_lines, values)
    if text is None:
        return None
    words = list(_WORD.finditer(text))[-len(values) :]
    if len(words) != len(values) or any(w.group() != v.raw for w, v in zip(words, values, strict=True)):
        return None
    return [w.start() for w in words], [w.end() for w in words]


def _row_line(raw_lines: Sequence[str] | None, values: list[RawValue]) -> str | None:
    """The input line all the values are on, if it is a row laid out with runs of spaces."""
    if raw_lines is None or not values:
        return None
    line = values[0].lines[0]
    if not 0 < line <= len(raw_lines):
        return None
    text = raw_lines[line - 1]
    # (the line first: most rows are tab or one-cell rows, told in a few character tests)
    if len(text) > _MAX_ROW_CHARS or "\t" in text or "|" in text or not _SPACED.search(text):
        return None
    if any(v.blank or v.lines != [line] for v in values):
        return None
    return text


def full_rows(raw_lines: Sequence[str] | None, rows: list[list[RawValue]]) -> dict[int, list[Columns]]:
    """The columns of every row of values laid out with spaces, by its number of values."""
    out: dict[int, list[Columns]] = {}
    for values in rows:
        spans = value_spans(raw_lines, values)
        if spans is not None and len(values) > 1:
            out.setdefault(len(values), []).append(Columns(values[0].lines[0], tuple(spans[0]), tuple(spans[1])))
    return out


def place(
    raw_lines: Sequence[str] | None, values: list[RawValue], width: int, columns: dict[int, list[Columns]]
) -> list[RawValue] | None:
    """A short row's values, one per cell of its ``width``, blanks where no value stands; None
    if its positions are unknown or no full row of its width is near."""
    if not 0 < len(values) < width or (spans := value_spans(raw_lines, values)) is None:
        return None
    line = values[0].lines[0]
    near = [c for c in columns.get(width, ()) if abs(c.line - line) <= _NEAR]
    if not near:
        return None
    ref = min(near, key=lambda c: abs(c.line - line))
    best = min((_assign(spans[0], ref.starts), _assign(spans[1], ref.ends)), key=lambda a: a[0])
    cost, cols = best
    gap = (ref.starts[-1] - ref.starts[0]) / (width - 1)
    if cols is None or cost > len(values) * (gap + 2):
        return None
    out = [RawValue("", [line], True) for _ in range(width)]
    for v, c in zip(values, cols, strict=True):
        out[c] = v
    return out


def _assign(xs: list[int], cols: tuple[int, ...]) -> tuple[float, list[int] | None]:
    """The order-preserving assignment of positions ``xs`` to columns ``cols`` of least total
    distance: its cost and each position's column."""
    k, n = len(xs), len(cols)
    inf = float("inf")
    # cost[i][j]: the first i positions placed in the first j columns
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    cost[0] = [0.0] * (n + 1)
    for i in range(1, k + 1):
        for j in range(i, n + 1):
            cost[i][j] = min(cost[i][j - 1], cost[i - 1][j - 1] + abs(xs[i - 1] - cols[j - 1]))
    if cost[k][n] == inf:
        return inf, None
    out: list[int] = []
    i, j = k, n
    while i > 0:
        if cost[i][j] == cost[i][j - 1] and j > i:
            j -= 1
        else:
            out.append(j - 1)
            i, j = i - 1, j - 1
    return cost[k][n], out[::-1]
