"""Which values belong to which row: the segments walked in order into groups of values, one
per row read (the review table's fifteen numbers are one group)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from govparse_ml.document import Reading
from govparse_ml.format import schema
from govparse_ml.format.vocabulary import NUMERALS
from govparse_ml.tables import positions
from govparse_ml.tables.align import MAX_GAP, Placed, align_gap
from govparse_ml.tables.columns import HeaderColumns
from govparse_ml.tables.identities import cell_map, holding
from govparse_ml.tables.keys import Hit, compact, hits_of
from govparse_ml.tables.segments import Segment
from govparse_ml.tables.values import Group, RawValue, fit_slots, lead_range, trim_to_width

_SUBTOTALS = tuple(schema.SUBTOTAL_LABELS)
_REVIEW = "review_litigation"
# The numbering a row label starts with (一、 / （一） / 1.): rows numbered alike sit in the same
# label column of a table, so the empty label cells after them are as many.
_NUMBERING = re.compile(rf"(?P<n1>[{NUMERALS}]+、)|(?P<n2>[（(][{NUMERALS}]+[)）])|(?P<n3>\d+[.．、])")


@dataclass
class RowsRead:
    """What the walk found."""

    groups: list[Group] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)  # (table, row) of the rows the text names
    readings: list[Reading] = field(default_factory=list)  # rows read by label likeness or by column
    misfits: int = 0  # runs of values that fit no row, or fit it only by label likeness
    # (table, note) of rows read and left out on purpose (subtotals).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Runs of values that fit no row, per table: (line, raw text).
    unlabelled: dict[str | None, list[tuple[int, str]]] = field(default_factory=dict)
    # (table, row, lines) of the rows named right before another row's values, with no value
    # or empty cell of their own: blank, or merged with the row above (see :mod:`spans`).
    valueless: list[tuple[str, str, list[int]]] = field(default_factory=list)


def read_rows(
    segments: list[Segment], version: schema.FormatVersion, raw_lines: Sequence[str] | None = None
) -> RowsRead:
    """Walk the segments: which values belong to which row (``raw_lines``, the input's lines,
    place the values of a row laid out with spaces by where they stand)."""
    return _Walk(segments, version, raw_lines).run()


class _Walk:
    """The state of the walk over the segments."""

    def __init__(
        self, segments: list[Segment], version: schema.FormatVersion, raw_lines: Sequence[str] | None = None
    ) -> None:
        self.segments = segments
        self.raw_lines = raw_lines
        self.columns = positions.full_rows(
            raw_lines, [[v for v in s.values if not v.slot] for s in segments if s.values]
        )
        self.version = version
        self.specs = schema.tables(version)
        self.out = RowsRead()
        self.review: list[RawValue] = []
        self.review_lines: list[int] = []
        self.current: str | None = None  # the table being read
        self.pending: list[str] = []  # rows of the current table named since the last values
        self.last_row: dict[str, int] = {}  # index of the last row of each table that got values
        self.taken: set[tuple[int, str]] = set()  # (segment, row) already given values by look-ahead
        self.placed: dict[int, Placed | None] = {}  # segment -> the row its gap's alignment gave it
        self.header = HeaderColumns(version)
        # (table, numbering of its row labels) -> the empty label cells the rows that show it have
        self.leads: dict[tuple[str, str], set[int]] = {}
        # Rows whose empty lines fit at either end: (group index, values, key), fitted in the end.
        self.unsure: list[tuple[int, list[RawValue], tuple[str, str]]] = []

    def run(self) -> RowsRead:
        for k, seg in enumerate(self.segments):
            if seg.hits:  # (a label run that names no key holds no header cell either)
                self.header.observe(seg)
                for hit in seg.hits:
                    self._name(k, hit)
            if seg.values:
                self._values(k, seg)
        if self.review:
            self._review_group()
        self._fit_unsure()
        return self.out

    def _name(self, k: int, hit: Hit) -> None:
        """Follow a key the label text of segment ``k`` names: a table switch, a row named."""
        seen = self.out.seen
        if hit.kind == "header" or hit.table == _REVIEW:
            # Header words shared by two tables (总计) never switch tables.
            if hit.id != "总计" and hit.table != self.current:
                self.current, self.pending = hit.table, []
            if hit.kind == "row":
                seen.add((hit.table, hit.id))
            return
        if hit.id in self.specs[hit.table].late_rows and (
            hit.table != self.current or not any(t == hit.table for t, _ in seen)
        ):
            return  # 总计 in a header, or in another table, names a column
        if hit.table != self.current:
            self.current, self.pending = hit.table, []
        if (self.pending and self.pending[-1] == hit.id) or (k, hit.id) in self.taken:
            return  # a second key of the same label ("三安全" … "一稳定"), or a label already used
        self.pending.append(hit.id)
        seen.add((hit.table, hit.id))

    def _values(self, k: int, seg: Segment) -> None:
        """Give the values of segment ``k`` to the rows named, or say they fit none."""
        values, lines, current = seg.values, seg.lines, self.current
        if current == _REVIEW:
            # The review table is one run of fifteen numbers; empty cells around a row's values
            # are blank cells where the row's width says so (fit_slots), layout where not.
            pad = RawValue("", values[0].lines, True, False, True)  # an empty cell of the values' own row
            self.review.extend([pad] * seg.lead + values + [pad] * seg.trail)
            self.review_lines.extend(lines)
            return
        if not self.pending and compact("".join(t.text for t in seg.labels)).strip(":：").endswith(_SUBTOTALS):
            if current is not None:
                self.out.skipped.append((current, f"a subtotal row at line {lines[0]} is not in the schema: skipped"))
            return
        if not self.pending and current is not None:
            row = self._wrapped_label(k, current) or self._like_label(k, current)
            if row is not None:
                self.pending = [row]
        if not self.pending or current is None:
            raw = " ".join(v.raw or "□" for v in values)
            self.out.unlabelled.setdefault(current, []).append((values[0].lines[0], raw))
            self.out.misfits += 1
            return
        self._group(seg, current)

    def _valueless(self, seg: Segment, current: str, rows: list[str]) -> None:
        """Note the rows named before the row given the values, but those printed with empty cells."""
        celled = {h.id for t in seg.blank_rows for h in hits_of(t.text, self.version) if h.table == current}
        self.out.valueless.extend((current, r, seg.lines) for r in rows if r not in celled)

    def _wrapped_label(self, k: int, current: str) -> str | None:
        """A row label wrapped onto the line after its numbers (PDF layout): the next label run
        names the row that comes next in the table."""
        row = _next_row_named(self.specs[current], self.segments, k, self.last_row.get(current, -1))
        if row is not None:
            self.taken.add((k + 1, row))
            self.out.seen.add((current, row))
        return row

    def _like_label(self, k: int, current: str) -> str | None:
        """A label no key phrase names (a typo, an OCR slip: 行政执法案件, 本年废纸件数; or lost):
        the row the alignment of its gap places it on (:func:`align_gap`)."""
        if k not in self.placed:
            self._align_gap(k, current)
        placed = self.placed.pop(k, None)
        if placed is None:
            return None
        spec = self.specs[current]
        self.out.seen.add((current, placed.row))
        self.out.misfits += 1  # a label the format's key phrases do not name: a worse fit
        label = spec.row(placed.row).label
        if placed.text:
            why = (
                f"row label {placed.text!r} matches no key phrase: read as the row "
                f"{label!r} (label similarity {placed.similarity:.2f})"
            )
        else:
            why = f"row label lost: read as the row {label!r} by its place among the rows around it"
        self.out.readings.append(Reading(current, placed.row, placed.text, [], 1, why, self.segments[k].lines))
        return placed.row

    def _align_gap(self, k: int, current: str) -> None:
        """Align the rows of values from segment ``k`` to the next row a key phrase names (or
        the table's end) with the schema rows between the last row read and that one."""
        spec = self.specs[current]
        gap, stop, tail = _gap(self.segments, k, spec)
        first = self.last_row.get(current, -1) + 1
        if stop <= first:
            self.placed.update(dict.fromkeys(gap))
            return
        texts = [_own_label_texts(self.segments[j], self.version) for j in gap]
        widths = [sum(not v.slot for v in self.segments[j].values) for j in gap]
        placed = align_gap(spec, list(zip(texts, widths, strict=True)), first, stop, self.version)
        self.placed.update(zip(gap, placed, strict=True))
        if tail >= 0 and any(p is not None and p.row == spec.rows[stop - 1].id for p in placed):
            self.taken.add((tail, spec.rows[stop - 1].id))  # its label is used: it names no row again

    def _group(self, seg: Segment, current: str) -> None:
        """The values of a segment as the group of the rows named (or several groups)."""
        spec, pending, values = self.specs[current], self.pending, seg.values
        if len(pending) >= 3 and len(plain := [v for v in values if not v.slot]) == sum(
            len(spec.row(r).columns) for r in pending
        ):
            groups, reading = _rows_then_numbers(spec, pending, plain, seg.lines, self.version)
            self.out.groups.extend(groups)
            if reading is not None:
                self.out.readings.append(reading)
        else:
            row = pending[-1]
            if len(pending) > 1:
                self._valueless(seg, current, pending[:-1])
            row_spec = spec.row(row)
            width = len(row_spec.columns)
            # (a row laid out with spaces is placed by its positions first: the lines of spaces
            # between such rows are no empty cells)
            plain = [v for v in values if not v.slot] if seg.slots else values
            if (placed := positions.place(self.raw_lines, plain, width, self.columns)) is not None:
                values = placed
            elif seg.slots:
                values = self._fit_slots(
                    values, width, frozenset(t.line for t in seg.labels), (current, row_spec.label)
                )
            values = self.header.place(row_spec, values, seg.labels)
            self.out.groups.append(Group(current, (row,), (width,), values, seg.lead, seg.lines, seg.trail))
        self.last_row[current] = max(self.last_row.get(current, -1), spec.row_index(pending[-1]))
        self.pending = []

    def _fit_slots(
        self, values: list[RawValue], width: int, label_lines: frozenset[int], row: tuple[str, str]
    ) -> list[RawValue]:
        """:func:`fit_slots`; a row whose empty lines fit at either end is fitted in the end, as
        the rows numbered alike show (:meth:`_fit_unsure`)."""
        span = lead_range(values, width, label_lines)
        if span is not None:
            numbering = _NUMBERING.match(row[1])
            key = (row[0], (numbering.lastgroup or "") if numbering else "")
            if span[0] == span[1]:
                self.leads.setdefault(key, set()).add(span[0])
            else:
                self.unsure.append((len(self.out.groups), values, key))
        return fit_slots(values, width, label_lines)

    def _fit_unsure(self) -> None:
        """The rows whose empty lines fit at either end: as many before the first value are
        the label's as in the rows numbered alike of the table, where those all show the same."""
        for index, values, key in self.unsure:
            leads = self.leads.get(key, set())
            if len(leads) == 1:
                group = self.out.groups[index]
                group.values = fit_slots(values, group.size, lead=next(iter(leads)))

    def _review_group(self) -> None:
        """The review table's values, all in one run, as one group of its three rows."""
        rows = self.specs[_REVIEW].rows
        widths = tuple(len(r.columns) for r in rows)
        review = self.review
        # An empty line before the row of values is the break after the header rows (but an
        # empty line that is surely an empty cell); an empty cell before the first value in the
        # same row is a cell.
        first = next((v for v in review if not v.slot), None)
        if review[0].slot and not review[0].empty_cell and first is not None and review[0].lines != first.lines:
            review = review[1:]
        review = trim_to_width(review, sum(widths))
        lines = sorted(set(self.review_lines))
        self.out.groups.append(Group(_REVIEW, tuple(r.id for r in rows), widths, review, 0, lines))


def _gap(segments: list[Segment], k: int, spec: schema.TableSpec) -> tuple[list[int], int, int]:
    """The segments of values with no key phrase from ``k`` on, the index of the row that ends
    their gap (the next row a key phrase names, or the table's end) and the segment that names
    it if that row is in the gap too (-1 if not)."""
    gap = [k]
    for j in range(k + 1, min(len(segments), k + 4 * MAX_GAP)):
        seg = segments[j]
        anchor = _anchor(seg, spec, spec.id)
        if anchor is not None:
            # An anchor row that takes no values (none follow, or another row named after it
            # does) may be the end of a label wrapped after its values ("5.要求行政机关确认或"
            # 4 0 1 … "重新出具已获取信息"): its row is in the gap.
            if anchor < len(spec.rows) and (not seg.values or _names_more(seg, spec, anchor)):
                return gap, anchor + 1, j
            return gap, anchor, -1
        if seg.values and not seg.hits and len(gap) < MAX_GAP:
            gap.append(j)
    return gap, len(spec.rows), -1


def _anchor(seg: Segment, spec: schema.TableSpec, current: str) -> int | None:
    """The index of the row of ``current`` a segment's key phrases name (the end of the table
    if they switch tables), None if they name none."""
    for hit in seg.hits:
        if hit.table != current and hit.kind == "row" and hit.table != _REVIEW:
            return len(spec.rows)
        if hit.table == current and hit.kind == "row" and hit.id not in spec.late_rows:
            return spec.row_index(hit.id)
    return None


def _names_more(seg: Segment, spec: schema.TableSpec, row: int) -> bool:
    """Whether a segment's key phrases name a row of the table after row index ``row``."""
    return any(
        h.table == spec.id and h.kind == "row" and h.id not in spec.late_rows and spec.row_index(h.id) > row
        for h in seg.hits
    )


def _own_label_texts(seg: Segment, version: schema.FormatVersion) -> tuple[str, ...]:
    """A row's own label: its last label cell, and its line's label cells (not the header lines
    before it, which run into the same segment when they hold no values); none if they are
    header words, or a row of cells before the values' own (a row whose label is lost, after a
    header row)."""
    if not seg.labels:
        return ()
    last, first = seg.labels[-1], seg.values[0]
    if first.lines[0] != last.line and (first.cell >= 0 or last.grid):
        return ()
    own = [t for t in seg.labels if t.unit == last.unit]
    texts = {own[-1].text, "".join(t.text for t in own)} if own else set()
    return tuple(sorted(t for t in texts if not any(h.kind == "header" for h in hits_of(t, version))))


def _next_row_named(spec: schema.TableSpec, segments: list[Segment], k: int, last: int) -> str | None:
    """The row after ``last`` if the label run of segment ``k + 1`` starts by naming it."""
    if k + 1 >= len(segments) or last + 1 >= len(spec.rows):
        return None
    expected = spec.rows[last + 1].id
    for hit in segments[k + 1].hits:
        if hit.table == spec.id and hit.kind == "row":
            return expected if hit.id == expected else None
    return None


def _rows_then_numbers(
    spec: schema.TableSpec,
    rows: list[str],
    values: list[RawValue],
    lines: list[int],
    version: schema.FormatVersion,
) -> tuple[list[Group], Reading | None]:
    """Row labels one after another, then all their numbers: read column by column (as such
    text is usually written) or row by row, whichever more identities hold for; the reading
    says which (None: rows of different widths, read row by row)."""
    k = len(rows)
    widths = [len(spec.row(r).columns) for r in rows]
    by_row, pos = [], 0
    for r, w in zip(rows, widths, strict=True):
        by_row.append(Group(spec.id, (r,), (w,), values[pos : pos + w], 0, lines))
        pos += w
    if len(set(widths)) != 1:
        return by_row, None
    w = widths[0]
    by_column = [
        Group(spec.id, (r,), (w,), [values[c * k + i] for c in range(w)], 0, lines) for i, r in enumerate(rows)
    ]

    def score(groups: list[Group]) -> int:
        cells: dict = {}
        for g in groups:
            cells.update(cell_map(g, tuple(None if v.blank else v.raw for v in g.values), version))
        return holding(cells, version)

    col_score, row_score = score(by_column), score(by_row)
    chosen = by_column if col_score >= row_score else by_row
    reading = Reading(
        spec.id,
        f"{rows[0]}…{rows[-1]}",
        f"{k} row labels followed by {len(values)} numbers",
        [],
        2,
        f"read {'column by column' if chosen is by_column else 'row by row'}: {max(col_score, row_score)} "
        f"identities hold that way, {min(col_score, row_score)} the other way",
        lines,
    )
    return chosen, reading
