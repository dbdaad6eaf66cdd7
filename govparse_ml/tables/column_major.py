"""Tables written column by column, transposed into rows before they are read.

pdfminer.six (and other extractors that write a PDF page's text boxes in their own order)
often write a table column by column: row labels, then the numbers of a column downward, a
blank line between any two boxes; on a big table, in blocks (a few labels, their first
column; the rest of a page's rows column by column). Read row by row, such text gives every
number to the last label. :func:`transpose` finds the tables whose text has that shape (row
labels one after another followed by values, or more values after a label than its row has
cells), places their values with :mod:`~govparse_ml.tables.column_search`, and writes the
table again as rows, one segment per row, for the walk of :mod:`~govparse_ml.tables.rows`.
Whether the transposed reading is kept is the caller's choice: the identities decide.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from govparse_ml.document import Reading, Table
from govparse_ml.format import schema
from govparse_ml.tables.column_search import Grid, Run, Search, make_grid
from govparse_ml.tables.keys import Hit
from govparse_ml.tables.segments import Segment
from govparse_ml.tables.tokens import Token
from govparse_ml.tables.values import RawValue, parse_value

_REVIEW = "review_litigation"  # read as one run of fifteen numbers by the walk: never transposed
MAX_EXTRA = 10  # values (and runs) a table's text may have beyond its cells (and twice its rows)
MAX_SPANS = 6  # tables written column by column in one text, at most (a report has three)
# The share of a table's values alone on their line, at least: an extractor that writes a table
# column by column writes each cell's box on lines of its own.
LONE_SHARE = 0.6
# The share of its values a table's runs must hold that no row reads (after two row labels, or
# more than the row's cells): a few are a row-by-row text's slips, not a column-by-column text.
UNLIKE_SHARE = 0.5


@dataclass
class Span:
    """The segments a table's text runs over, and its runs of values between row labels."""

    table: str
    start: int
    end: int  # one past the last segment
    runs: list[tuple[list[str], list[RawValue]]] = field(default_factory=list)  # (rows named before, values)
    labels: dict[str, list[Token]] = field(default_factory=dict)  # each row's label, where first named

    def add_row(self, row: str, labels: list[Token]) -> None:
        if not self.runs or self.runs[-1][1]:
            self.runs.append(([], []))
        named = self.runs[-1][0]
        if not named or named[-1] != row:
            named.append(row)
        self.labels.setdefault(row, labels)

    def add_values(self, values: list[RawValue]) -> None:
        if not self.runs:
            self.runs.append(([], []))
        self.runs[-1][1].extend(v for v in values if not v.slot and not v.blank)


@dataclass
class Transposed:
    """Tables written column by column, written again as rows, and what was done to each."""

    original: list[Segment]
    # (table, start, end, segments): the segments that replace original[start:end] when the
    # table's transposed reading is kept (its span, and the span after it it took values from).
    rows: list[tuple[str, int, int, list[Segment]]]
    readings: dict[str, Reading]  # by table
    layout_only: set[str]  # tables whose every run was a whole block: their shape says how to read them
    complete: set[str]  # tables whose every cell got a value and all values but one a cell

    def segments(self, tables: set[str] | None = None) -> list[Segment]:
        """The segments with the spans of ``tables`` (default all) replaced by their rows."""
        out = list(self.original)
        for table, start, end, rows in sorted(self.rows, key=lambda r: -r[1]):  # from the end: indexes stay valid
            if tables is None or table in tables:
                out[start:end] = rows
        return out


def transpose(segments: list[Segment], version: schema.FormatVersion, read: dict[str, Table]) -> Transposed | None:
    """The tables written column by column in the segments, written again as rows (None if no
    table is written so). Only tables whose reading as written (``read``) leaves cells of the
    rows it names blank, or breaks an identity, are tried."""
    if all(_read_well(table, version) for table in read.values()):
        return None  # (most texts: spares looking for spans)
    specs = schema.tables(version)
    chosen = _chosen_spans(table_spans(segments, version), specs, read, version)
    if not chosen or len(chosen) > MAX_SPANS:
        return None  # (more: table words all over the text, no report's tables)
    out = Transposed(segments, [], {}, set(), set())
    for span, after, moved in chosen:
        rows, reading, complete = _read_span(span, specs[span.table], version)
        kept = [_without_rows(seg, span.table) for seg in segments[span.start : span.end]]
        out.rows.append((span.table, span.start, span.end, kept + rows))
        if after is not None:
            stripped = [_without_values(seg, moved) for seg in segments[after.start : after.end]]
            out.rows.append((span.table, after.start, after.end, stripped))
        out.readings[span.table] = reading
        if complete:
            out.complete.add(span.table)
        if _whole_blocks(span, specs[span.table]):
            out.layout_only.add(span.table)
    return out


def _chosen_spans(
    spans: list[Span], specs: dict[str, schema.TableSpec], read: dict[str, Table], version: schema.FormatVersion
) -> list[tuple[Span, Span | None, set[int]]]:
    """The spans to transpose, each with the span after it whose first values it takes (those
    the table after cannot hold: an extractor writes a page's boxes out of order, and the rest
    of a table's numbers may come after the next table's heading) and the ids of those values."""
    out: list[tuple[Span, Span | None, set[int]]] = []
    end = 0
    for k, span in enumerate(spans):
        if span.table == _REVIEW or span.start < end or _read_well(read[span.table], version):
            continue  # (a span that overlaps the one before: never two rewritings of a segment)
        after = spans[k + 1] if k + 1 < len(spans) and spans[k + 1].table != span.table else None
        surplus = _surplus(after, specs) if after is not None else []
        if surplus:
            span.runs.append(([], surplus))
        if _column_shaped(span, specs):
            out.append((span, after if surplus else None, {id(v) for v in surplus}))
            end = after.end if surplus and after is not None else span.end
        elif surplus:
            span.runs.pop()
    return out


def _surplus(span: Span, specs: dict[str, schema.TableSpec]) -> list[RawValue]:
    """The first values of a span that names no rows (the review table's rows are its headers)
    beyond its table's cells."""
    if span.labels:
        return []
    values = [v for _, run in span.runs for v in run]
    return values[: max(0, len(values) - sum(len(r.columns) for r in specs[span.table].rows))]


def table_spans(segments: list[Segment], version: schema.FormatVersion) -> list[Span]:
    """The spans of the tables in the segments, naming rows as the walk of rows.py does: a
    header key (but 总计) or the review table switches to its table; a late row (总计) before
    any row of its table, or of another table, names a column."""
    walk = _SpanWalk(schema.tables(version))
    for k, seg in enumerate(segments):
        for hit in seg.hits:
            walk.follow(k, hit, seg.labels)
        if walk.span is not None:
            walk.span.end = k + 1
            if seg.values:
                walk.span.add_values(seg.values)
    return walk.spans


class _SpanWalk:
    """The table being read, hit by hit, and the spans so far."""

    def __init__(self, specs: dict[str, schema.TableSpec]) -> None:
        self.specs = specs
        self.spans: list[Span] = []
        self.last: dict[str, Span] = {}  # the latest span of each table
        self.span: Span | None = None
        self.named: set[str] = set()  # tables some row of which was named

    def follow(self, k: int, hit: Hit, labels: list[Token]) -> None:
        """Follow a key named in the labels of segment ``k``."""
        table = _switch(hit, self.span.table if self.span else None, self.named, self.specs)
        if table is None:  # a late row (总计) before any table: a column's name
            return
        if self.span is None or table != self.span.table:
            # Back to a table within the segment its span reached: the same span goes on.
            last = self.last.get(table)
            self.span = last if last is not None and last.end >= k else Span(table, k, k + 1)
            if self.span is not last:
                self.spans.append(self.span)
                self.last[table] = self.span
        late = hit.id in self.specs[hit.table].late_rows and table not in self.named
        if hit.kind == "row" and hit.table == table != _REVIEW and not late:
            self.named.add(table)
            self.span.add_row(hit.id, labels)


def _switch(hit: Hit, current: str | None, named: set[str], specs: dict[str, schema.TableSpec]) -> str | None:
    """The table being read after ``hit`` (rows.py ``_Walk._name``)."""
    if hit.kind == "header" or hit.table == _REVIEW:
        return hit.table if hit.id != "总计" else current
    if hit.id in specs[hit.table].late_rows and (hit.table != current or hit.table not in named):
        return current
    return hit.table


def _column_shaped(span: Span, specs: dict[str, schema.TableSpec]) -> bool:
    """Whether the span's text looks written column by column: most of its values come after
    two rows named one after the other, after a row label more of them than the row has cells,
    or after other values with no row label between; most are alone on their lines (boxes, not rows); and there are no more values and
    runs than a table of its rows has (text with table words scattered in it is no table to
    transpose, and would only cost time)."""
    spec = specs[span.table]
    cells = sum(len(spec.row(r).columns) for r in span.labels)
    values = [v for _, run in span.runs for v in run]
    if not values or not cells or len(values) > cells + MAX_EXTRA or len(span.runs) > 2 * len(span.labels) + MAX_EXTRA:
        return False
    per_line = Counter(v.lines[0] for v in values)
    if sum(per_line[v.lines[0]] == 1 for v in values) < LONE_SHARE * len(values):
        return False  # values side by side on their lines: rows, not columns of boxes
    unlike_rows = sum(
        len(run)
        for named, run in span.runs
        if not named or len(set(named)) >= 2 or len(run) > len(spec.row(named[-1]).columns)
    )
    return unlike_rows >= UNLIKE_SHARE * len(values)


def _read_well(table: Table, version: schema.FormatVersion) -> bool:
    """Whether a table's reading as written fills every cell of the rows it names and breaks
    no identity: nothing for a transposed reading to do better."""
    if any(c.raw == "" for c in table.cells.values()):
        return False
    idents = _table_identities(version, table.id)
    return not idents or holding(table, version) == len(idents)


def _whole_blocks(span: Span, spec: schema.TableSpec) -> bool:
    """Whether every run is k rows named and then all their cells' values (k >= 1), rows of one
    width: a shape that reads one way only when no identity checks it (column by column)."""
    seen: set[str] = set()
    for named, values in span.runs:
        rows = [r for r in dict.fromkeys(named) if r not in seen]
        widths = {len(spec.row(r).columns) for r in rows}
        if not values or len(widths) != 1 or len(values) != len(rows) * widths.pop():
            return False
        seen.update(rows)
    return True


def _read_span(
    span: Span, spec: schema.TableSpec, version: schema.FormatVersion
) -> tuple[list[Segment], Reading, bool]:
    """The span's rows as segments (in table order, one value or blank per cell), the reading
    that says how they were placed, and whether every cell got one (all values but one placed)."""
    rows = [r.id for r in spec.rows if r.id in span.labels]
    grid = make_grid(spec, rows, version)
    index = {r: i for i, r in enumerate(rows)}
    values: list[RawValue] = []
    runs: list[Run] = []
    for named, run_values in span.runs:
        start = len(values)
        values.extend(run_values)
        runs.append((tuple(index[r] for r in named), tuple(range(start, len(values)))))
    numbers = [parse_value(v.raw, "amount") for v in values]
    best = Search(grid, numbers).run(runs)
    placed = sum(v >= 0 for v in best.values)
    segments = [_row_segment(span, grid, i, best.values, values) for i in range(len(rows))]
    lines = sorted({n for seg in segments for n in seg.lines})
    reason = (
        f"written column by column: {len(span.runs)} runs of values between row labels placed in "
        f"blocks and regions of the table's cells ({placed} of {len(values)} values)"
    )
    raw = f"{sum(len(n) for n, _ in span.runs)} row labels and {len(values)} values"
    complete = placed == grid.size and best.dropped <= 1
    return segments, Reading(spec.id, "*", raw, [], 2, reason, lines, decided_by="identities"), complete


def _row_segment(span: Span, grid: Grid, i: int, cells: tuple[int, ...], values: list[RawValue]) -> Segment:
    """Row ``i`` of the grid as a segment: its label, then one value per cell (blank if none)."""
    row = grid.rows[i]
    labels = span.labels[row]
    start = grid.offsets[i]
    own = [cells[c] for c in range(start, start + grid.widths[i])]
    label_lines = sorted({t.line for t in labels})
    out: list[RawValue] = []
    for v in own:
        if v < 0:
            out.append(RawValue("", label_lines[:1], True))
        else:
            raw = values[v]
            out.append(RawValue(raw.raw, raw.lines, False, raw.numbered_tail, False, raw.whole, -1))
    lines = sorted({*label_lines, *(n for v in out if not v.blank for n in v.lines)})
    return Segment(labels, 0, out, (Hit(span.table, "row", row),), lines)


def _without_values(seg: Segment, moved: set[int]) -> Segment:
    """A segment of the span after a transposed one, without the values that span took."""
    values = [v for v in seg.values if id(v) not in moved]
    if len(values) == len(seg.values):
        return seg
    return Segment(seg.labels, seg.lead, values, seg.hits, seg.lines, seg.trail, seg.slots)


def _without_rows(seg: Segment, table: str) -> Segment:
    """A segment of the span with its values and the table's row keys taken out (the rows
    come again, with their values, at the end of the span)."""
    hits = tuple(h for h in seg.hits if not (h.kind == "row" and h.table == table))
    lines = sorted({t.line for t in seg.labels})
    return Segment(seg.labels, 0, [], hits, lines)


def holding(table: Table, version: schema.FormatVersion) -> int:
    """How many identities of the format hold on the table's cells."""
    out = 0
    cells = table.cells
    for lhs, rhs in _table_identities(version, table.id):
        left, right = [cells[c].value for c in lhs], [cells[c].value for c in rhs]
        if None not in left and None not in right:
            out += abs(sum(left) - sum(right)) < 1e-6  # type: ignore[arg-type]
    return out


@cache
def _table_identities(version: schema.FormatVersion, table: str) -> tuple[tuple[tuple, tuple], ...]:
    """The identities of a table, each side its cells' keys in the table (row, column)."""
    return tuple(
        (tuple(c[1:] for c in i.lhs), tuple(c[1:] for c in i.rhs))
        for i in schema.identities(version)
        if i.table == table
    )


def choose(
    base: dict[str, Table], alt: dict[str, Table], transposed: Transposed, version: schema.FormatVersion
) -> dict[str, Reading]:
    """The readings of the tables whose transposed reading is kept: more identities hold on it
    than on the rows read as written; or as many, and it reads more cells, its shape reading one
    way only or filling every cell (read row by row, such text leaves most rows blank)."""
    kept: dict[str, Reading] = {}
    sure = transposed.layout_only | transposed.complete
    for table, reading in transposed.readings.items():
        before, after = holding(base[table], version), holding(alt[table], version)
        more = _filled(alt[table]) > _filled(base[table])
        if after > before or (after == before and more and table in sure):
            reading.reason += f"; {after} identities hold so, {before} read row by row as written"
            kept[table] = reading
    return kept


def _filled(table: Table) -> int:
    return sum(c.value is not None for c in table.cells.values())
