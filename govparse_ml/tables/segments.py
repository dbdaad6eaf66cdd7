"""The token stream cut into segments: a run of label tokens and the run of value tokens after
it, with the schema keys its label text names."""

from __future__ import annotations

from dataclasses import dataclass

from govparse_ml.format import schema
from govparse_ml.tables.keys import Hit, hits_of
from govparse_ml.tables.tokens import Token
from govparse_ml.tables.values import RawValue


@dataclass(slots=True)
class Segment:
    """A run of label tokens and the run of value tokens after it."""

    labels: list[Token]
    lead: int  # empty cells between the last label and the first value
    values: list[RawValue]
    hits: tuple[Hit, ...]
    lines: list[int]  # the lines of its labels and values, sorted
    trail: int = 0  # empty cells after the last value, in the same row
    slots: bool = False  # some of its values are empty lines
    # Labels followed by empty cells and then another label: rows printed with blank cells.
    blank_rows: tuple[Token, ...] = ()


def cut_segments(tokens: list[Token], version: schema.FormatVersion) -> list[Segment]:
    """The segments of a token stream, in order."""
    out: list[Segment] = []
    i, n = 0, len(tokens)
    item = ""  # the digit a glued value may have taken from the next label's item number
    while i < n:
        lines: list[int] = []  # (consecutive repeats dropped here, the rest by the set below)
        i, labels, lead, slots, blank_rows = _label_run(tokens, i, lines)
        values: list[RawValue] = slots if i < n else []
        has_slot = bool(values)
        i, trail, slot_after = _value_run(tokens, i, values, lines)
        # "…0621009 3.其他": match the label with the item number it may have lost.
        label_text = item + "".join([t.text for t in labels])
        item = values[-1].raw[-1] if values and values[-1].numbered_tail else ""
        lines = lines if len(lines) == 1 else sorted(set(lines))
        hits = hits_of(label_text, version)
        out.append(Segment(labels, lead, values, hits, lines, trail, has_slot or slot_after, blank_rows))
    return out


def _label_run(
    tokens: list[Token], i: int, lines: list[int]
) -> tuple[int, list[Token], int, list[RawValue], tuple[Token, ...]]:
    """From token ``i`` to the first value: the index of that value, the labels, the empty cells
    after the last label (``lead``), the empty lines after it (blank cells if values follow)
    and the labels followed by empty cells before another label."""
    labels: list[Token] = []
    blank_rows: list[Token] = []
    celled = False  # empty cells since the last label
    broken = False  # a row break since the last label
    lead = 0
    slots: list[RawValue] = []
    n = len(tokens)
    while i < n:
        t = tokens[i]
        kind = t.kind
        if kind == "value":
            break
        if kind == "label":
            if celled:
                blank_rows.append(labels[-1])
            celled = broken = False
            labels.append(t)
            if not lines or lines[-1] != t.line:
                lines.append(t.line)
            lead = 0
            slots = []
        elif kind == "lead":
            lead += 1
            celled = bool(labels)
        elif kind == "empty":
            celled = bool(labels)
        elif kind == "slot" and labels:
            slots.append(RawValue("", [t.line], True, False, True))
        elif kind == "cell" and labels:  # the label's (lead) or a blank value, by the row's width
            slots.append(RawValue("", [t.line], True, False, True, empty_cell=True))
            celled = celled or not broken  # (after a row break: the next row's, before its label)
        elif kind == "break":
            slots, broken = [], True  # the empty cells before it were the end of a row of labels
        i += 1
    return i, labels, lead, slots, tuple(blank_rows)


def _value_run(tokens: list[Token], i: int, values: list[RawValue], lines: list[int]) -> tuple[int, int, bool]:
    """From token ``i`` to the next label, appended to ``values``: the index of that label, the
    empty cells after the last value (``trail``) and whether an empty line is among the values.

    A row of cells (tab, ``|``, PDF columns) whose values follow another row's with no label
    between is a row of its own whose label is lost: the run ends before it."""
    trail = 0
    has_slot = False
    after_break: list[RawValue] | None = None  # the empty cells since a row break, if one came
    n, start = len(tokens), i
    grid_unit = -1  # the row of cells of the values so far
    while i < n:
        t = tokens[i]
        kind = t.kind
        if kind == "label":
            break  # (the empty cells after a row break are layout before this label)
        # (a lone number after a row of cells is not: it may be a page number, or a wrapped cell)
        if kind == "value" and t.grid:
            if grid_unit not in (-1, t.unit):
                return _rewind(tokens, i, start, values, lines), trail, has_slot
            grid_unit = t.unit
        i += 1
        if kind == "value":
            if after_break:
                values.extend(after_break)
            after_break = None
            values.append(RawValue(t.text, [t.line], False, t.tail, False, t.whole, t.cell if t.grid else -1))
        elif kind == "empty":
            values.append(RawValue("", [t.line], True))
        elif kind in ("cell", "break"):
            after_break = _empty_line(t, values, after_break)
            has_slot = has_slot or kind == "cell"
            continue
        elif kind == "slot":
            values.append(RawValue("", [t.line], True, False, True))
            has_slot = True
            continue  # an empty line is no line of the table's
        else:
            trail += kind == "trail"
            continue  # a lead or trail cell has no line of its own in the segment
        if not lines or lines[-1] != t.line:
            lines.append(t.line)
    return i, trail, has_slot


def _empty_line(t: Token, values: list[RawValue], after_break: list[RawValue] | None) -> list[RawValue] | None:
    """An empty line of an indented table among a row's values: an empty cell joins them, or the
    cells held since a row break (the next row's if its label follows); a break starts holding."""
    if t.kind == "break":
        return []
    cell = RawValue("", [t.line], True, False, True, empty_cell=True)
    (values if after_break is None else after_break).append(cell)
    return after_break


def _rewind(tokens: list[Token], i: int, start: int, values: list[RawValue], lines: list[int]) -> int:
    """Give back the empty cells of the row of cells that starts at or before token ``i`` (they
    are that row's): the index of its first token."""
    unit = tokens[i].unit
    while i > start and tokens[i - 1].unit == unit:
        i -= 1
        if tokens[i].kind in ("empty", "slot"):
            values.pop()
    if lines and lines[-1] == tokens[i].line and not any(v.lines == [tokens[i].line] for v in values):
        lines.pop()
    return i
