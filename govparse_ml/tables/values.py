"""A table row's values as read from the text: value tokens, the groups of rows they fill, and
the numbers their texts stand for.

A *group* is one schema row, or the three rows of the review table that are written as one
run of fifteen numbers; its *readings* (:mod:`govparse_ml.tables.candidates`) are the ways its
values can fill its cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import VALUE_UNIT

Cells = tuple[str | None, ...]

# Digits glued together, a unit written after the last of them ("2832995元": 2 projects, 832995 元).
_GLUED = re.compile(rf"[-+]?\d{{2,}}(?:\.\d+)?(?:{VALUE_UNIT})?")
UNIT_SUFFIX = re.compile(rf"(?:{VALUE_UNIT})$")


@lru_cache(maxsize=1 << 16)  # bounded: the cuts of glued digits make new strings without end
def parse_value(raw: str, kind: schema.ValueKind = "count") -> int | float | None:
    """The number a cell's text stands for, or None for blank and null marks."""
    if raw.isdigit() and raw.isascii() and kind != "amount":
        return int(raw)
    text = raw.strip()
    if text in schema.NULL_MARKERS:
        return None
    text = UNIT_SUFFIX.sub("", text).replace(",", "")
    try:
        return float(text) if ("." in text or kind == "amount") else int(text)
    except ValueError:
        return None


def number(raw: str | None) -> float | None:
    """A cell of a reading as a number, None for a blank cell or a null mark."""
    return None if raw is None else parse_value(raw, "amount")


@dataclass(slots=True)
class RawValue:
    """A value token of a row as read from the text."""

    raw: str
    lines: list[int]
    blank: bool = False  # an empty cell between two values
    numbered_tail: bool = False  # digits run straight into an item number ("…00002.其他…")
    slot: bool = False  # an empty line among cells written one per line: a blank cell, or a row break
    whole: bool = False  # a whole cell of its row, or all of its line: its digits are one number
    cell: int = -1  # its column in a row with cell separators (-1: not in such a row)
    empty_cell: bool = False  # an empty line that is an empty cell, not a row break (``slot`` too)

    @property
    def glued(self) -> bool:
        return not self.whole and bool(_GLUED.fullmatch(self.raw))


@dataclass
class Group:
    """Values read for one row (or for the review table's three rows) of a table."""

    table: str
    rows: tuple[str, ...]
    widths: tuple[int, ...]  # number of cells of each row
    values: list[RawValue]
    lead: int  # empty cells between the row label and its first value
    lines: list[int]
    trail: int = 0  # empty cells after its last value, in the same row

    @property
    def size(self) -> int:
        return sum(self.widths)

    @property
    def name(self) -> str:
        return self.rows[0] if len(self.rows) == 1 else "*"

    @property
    def raw(self) -> str:
        return " ".join(v.raw or "□" for v in self.values)


def fit_slots(
    values: list[RawValue], n: int, label_lines: frozenset[int] = frozenset(), lead: int | None = None
) -> list[RawValue]:
    """The values of a row of ``n`` cells with its empty lines read as blank cells where they fit.

    Written one cell per line, an empty line is an empty cell, and an empty line also ends a
    row: empty lines past the row's last cell are row breaks, and if the row still has too many
    values, every empty line was a break (a table whose rows are set apart by empty lines). A
    row whose values share a line (with each other or with its label) is a row of cells: its
    empty lines are breaks. ``lead``: how many of the empty lines before the first value are
    the label's, where :func:`lead_range` allows it (else trailing ones go first).
    """
    if not any(v.slot for v in values):
        return values
    if _row_of_cells(values, label_lines):
        return [v for v in values if not v.slot]
    return trim_to_width(values, n, lead=lead)


def _row_of_cells(values: list[RawValue], label_lines: frozenset[int]) -> bool:
    value_lines = [v.lines[0] for v in values if not v.slot]
    return len(set(value_lines)) < len(value_lines) or bool(label_lines.intersection(value_lines))


def lead_range(values: list[RawValue], n: int, label_lines: frozenset[int] = frozenset()) -> tuple[int, int] | None:
    """The fewest and the most empty lines before the first value that :func:`fit_slots` may
    drop as the label's (the rest of the row's excess at its end), or None where it drops no
    empty line at both ends: fewer cells than ``n``, a row of cells, or too many cells."""
    excess = len(values) - n
    if excess <= 0 or not any(v.slot for v in values) or _row_of_cells(values, label_lines):
        return None
    lead = next((i for i, v in enumerate(values) if not v.slot), len(values))
    trail = next((i for i, v in enumerate(reversed(values)) if not v.slot), len(values))
    if lead + trail < excess or lead == len(values):
        return None
    return max(0, excess - trail), min(lead, excess)


def trim_to_width(values: list[RawValue], n: int, lead: int | None = None) -> list[RawValue]:
    """The values without the empty cells that may be layout (``slot``), as many as make the
    row too wide: trailing ones first (row breaks after a labelled row), then leading ones
    (empty label cells of a label that spans columns), then all of them; or ``lead`` leading
    ones and the rest trailing, where :func:`lead_range` allows it."""
    values = list(values)
    if lead is not None and (span := lead_range(values, n)) is not None and span[0] <= lead <= span[1]:
        return values[lead : n + lead]
    while len(values) > n and values[-1].slot:
        values.pop()
    lead = 0
    while len(values) - lead > n and values[lead].slot:
        lead += 1
    del values[:lead]
    if len(values) > n:
        values = [v for v in values if not v.slot]
    while values and values[-1].slot and not any(not v.blank for v in values):
        values.pop()
    return values
