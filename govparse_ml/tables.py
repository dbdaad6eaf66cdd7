"""Stage 5b: reassemble the three standard tables against the schema.

Whatever the layout, the text of a table is read as one stream of tokens: labels (any text)
and values (numbers and null marks), with the line each came from. The stream is cut into
segments, a run of label text followed by a run of values; the schema's key phrases found
in the label text say which table and row the values belong to. Tab rows, one cell per
line, ``|`` fragments, a table on one line, vertical labels and OCR spaces all give the
same stream, hence the same cells.

Where the text allows several readings (digits glued together, a stray number, a table
written column by column), the candidates are scored by the identities of the format, and
the chosen reading is recorded in ``Report.readings``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from . import schema
from .document import Cell, Reading, Table
from .readings import Group, RawValue, candidates, cell_map, decide, explain, holding, parse_value
from .units import Unit

# ----------------------------------------------------------------------------- tokens

_CJK = "\u4e00-\u9fff"
# Text whose digits belong to a label: notes in brackets, item numbers, years, page refs.
_PROTECTED = re.compile(
    rf"[(（][^()（）{_CJK}]*[{_CJK}][^()（）]*[)）]"  # no CJK before the first: linear, not quadratic
    rf"|(?<![\d.])\d{{1,2}}\s*[.．、](?=\s*[{_CJK}“\"])"
    r"|(?:19|20)\d{2}\s*年度?"
    r"|第\s*\d+\s*[页条项]"
    r"|增\s*/\s*减"
    r"|(?<!\d)\d+\s*位小数|保留\s*\d+\s*位"  # from the start of a digit run only: linear, not quadratic
)
# Units written after a number in a cell ("12件", "3.5万元"): part of the value's text.
_UNITS = "万元|元|万|件|条|个|项|次|家|人|%"
_NUMBER = r"[-+]?\d+(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?"
_NULL = r"/|／|-{1,2}|—{1,2}|－|–|无(?!\s*[" + _CJK + r"])"
_PIECE = re.compile(
    rf"(?P<num>{_NUMBER})(?P<unit>{_UNITS})?|(?P<null>(?<!\S)(?:{_NULL})(?!\S))|(?P<text>[^\s\d+\-/／—－–无]+|\S)"
)
_ITEM_AFTER = re.compile(rf"[.．、]\s*[{_CJK}]")
_FILLER = re.compile(r"[\s|:\-—=+_]*")
_ITEM_MARK = re.compile(r"(?<=\d)、")
_CELL_SPLIT = re.compile(r"\t|\||\s{2,}")
# A space (not a tab) with white space after it: where _CELL_SPLIT may cut other than at a tab.
_WIDE_GAP = re.compile(r"[^\S\t]\s")
_WHOLE_VALUE = re.compile(rf"^\s*(?:(?P<num>{_NUMBER})(?:{_UNITS})?|(?P<null>{_NULL}))\s*$")


@dataclass(slots=True)
class Token:
    kind: str  # "label" | "value" | "empty" | "lead" (an empty cell before a row's first value)
    text: str
    line: int
    unit: int  # index of the unit (a physical row) the token came from
    tail: bool = False  # a value whose digits run straight into an item number ("…00002.其他")
    cell: int = 0  # index of the cell within its unit


def tokenize(units: list[Unit]) -> list[Token]:
    """The token stream of the table units, in order."""
    out: list[Token] = []
    for index, unit in enumerate(units):
        if _FILLER.fullmatch(unit.text):
            continue  # markdown separators and filler bars
        # Empty cells at the ends of a row are layout (merged cells, markdown bars): drop them.
        text = unit.text.strip(" \t|")
        line = unit.line
        if "\t" not in text and "|" not in text and "  " not in text:  # one cell: no empties to place
            if text.isdigit() and text.isascii():  # inlined: the commonest cell, a plain count
                out.append(Token("value", text, line, index, False, 0))
            else:
                _cell_tokens(out, text, line, index, 0)
            continue
        row: list[Token] = []
        empties = False
        # A row with one kind of separator, tab or bar, and no wide gap is cut where _CELL_SPLIT
        # would cut it by str.split, 3 times as fast.
        bar = "|" in text
        if (not bar or "\t" not in text) and _WIDE_GAP.search(text) is None:
            cells = text.split("|" if bar else "\t")
        else:
            cells = _CELL_SPLIT.split(text)
        for position, cell in enumerate(cells):
            stripped = cell.strip()
            if not stripped:
                row.append(Token("empty", "", line, index, False, position))
                empties = True
            elif stripped.isdigit() and stripped.isascii():  # inlined, as above
                row.append(Token("value", stripped, line, index, False, position))
            else:
                _cell_tokens(row, cell, line, index, position)
        out.extend(_trim_empties(row) if empties else row)
    _vertical_wu(out)
    return out


def _vertical_wu(tokens: list[Token]) -> None:
    """A 无 that is the first character of a label broken over lines is not a null cell:
    ``（四）无`` / ``法提供`` (the label's cell ends in it and the next line goes on with
    label text) or a vertical label written down the page (``无`` alone between one-character
    label lines)."""
    # Only a 无 token can change, and it only ever becomes a label: visiting the 无 tokens in
    # order sees the same neighbours as visiting every token.
    last = len(tokens) - 1
    for i in [i for i, t in enumerate(tokens) if t.text == "无"]:
        if i == 0 or i == last:
            continue
        t, before, after = tokens[i], tokens[i - 1], tokens[i + 1]
        if t.kind != "value" or before.kind != "label" or after.kind != "label":
            continue
        vertical = before.unit != t.unit != after.unit and len(before.text) <= 3 and len(after.text) <= 3
        broken = before.unit == t.unit and before.cell == t.cell and after.unit != t.unit
        if vertical or broken:
            t.kind = "label"


def _cell_tokens(out: list[Token], cell: str, line: int, index: int, position: int) -> None:
    """Append the tokens of one cell to ``out``."""
    stripped = cell.strip()
    if stripped.isdigit() and stripped.isascii():  # the commonest cell: a plain count
        out.append(Token("value", stripped, line, index, False, position))
        return
    pieces = _cell_pieces(cell)
    if len(pieces) == 1:  # most cells (a comprehension for one item is a function call more)
        kind, text, tail = pieces[0]
        out.append(Token(kind, text, line, index, tail, position))
    else:
        out.extend([Token(kind, text, line, index, tail, position) for kind, text, tail in pieces])


@lru_cache(maxsize=16384)
def _cell_pieces(cell: str) -> tuple[tuple[str, str, bool], ...]:
    """``(kind, text, tail)`` of the label and value pieces of one cell.

    Cached: row labels and headers are the same in every report of a format.
    """
    if _WHOLE_VALUE.match(cell):
        return (("value", cell.strip(), False),)
    # Mask the digits that are part of label text, then scan.
    masked = _PROTECTED.sub(lambda m: "#" * len(m.group(0)), cell)
    pieces: list[tuple[str, str, bool]] = []
    label: list[str] = []
    for m in _PIECE.finditer(masked):
        if m.group("text") is not None:
            label.append(cell[m.start() : m.end()])
            continue
        if label:
            pieces.append(("label", "".join(label), False))
            label = []
        end = m.end()
        tail = m.group("num") is not None and _ITEM_AFTER.match(masked, end) is not None
        pieces.append(("value", cell[m.start() : end], tail))
    # Label characters separated only by spaces stay one label ("不予公 开").
    if label:
        pieces.append(("label", "".join(label), False))
    merged: list[tuple[str, str, bool]] = []
    for piece in pieces:
        if merged and piece[0] == "label" and merged[-1][0] == "label":
            merged[-1] = ("label", merged[-1][1] + piece[1], False)
        else:
            merged.append(piece)
    return tuple(merged)


def _trim_empties(row: list[Token]) -> list[Token]:
    """Keep an empty cell only between two values of the same row: elsewhere it is layout."""
    first = next((i for i, t in enumerate(row) if t.kind == "value"), None)
    if first is None:
        return [t for t in row if t.kind != "empty"]
    last = max(i for i, t in enumerate(row) if t.kind == "value")
    out = []
    for i, t in enumerate(row):
        if t.kind == "empty" and not (first < i < last):
            # Empties between a label and the first value are counted for right alignment.
            if i < first and any(r.kind == "label" for r in row[:i]):
                out.append(Token("lead", "", t.line, t.unit))
            continue
        out.append(t)
    return out


# ----------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class Hit:
    table: str
    kind: str  # "row" | "header"
    id: str  # row id, or the header key


@cache
def _key_index(version: schema.FormatVersion) -> tuple[re.Pattern[str], dict[str, list[tuple[str, str, str]]]]:
    index: dict[str, list[tuple[str, str, str]]] = {}
    for table in schema.tables(version).values():
        for row in table.rows:
            for key in row.keys:
                index.setdefault(_compact(key), []).append((table.id, "row", row.id))
        for key in table.header_keys:
            index.setdefault(_compact(key), []).append((table.id, "header", key))
    keys = sorted(index, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys))), index


def _compact(text: str) -> str:
    """Label text as keys match it: no spaces or bars, half-width brackets, ``3、`` as ``3.``."""
    text = text.replace("（", "(").replace("）", ")").replace("．", ".")
    # str.split drops the same white space as a regex \s, 10 times as fast on a whole table's text.
    text = "".join(text.split()).replace("|", "").replace("#", "")
    return _ITEM_MARK.sub(".", text) if "、" in text else text


def find_hits(label_text: str, version: schema.FormatVersion) -> list[Hit]:
    """The schema keys named in a run of label text, in order."""
    return list(_find_hits(label_text, version))


@lru_cache(maxsize=8192)
def _find_hits(label_text: str, version: schema.FormatVersion) -> tuple[Hit, ...]:
    pattern, index = _key_index(version)
    return tuple(
        Hit(table, kind, ident)
        for m in pattern.finditer(_compact(label_text))
        for table, kind, ident in index[m.group(0)]
    )


def detect_format(table_text: str) -> schema.FormatVersion | None:
    """The format version the table vocabulary points to, or None if it points nowhere."""
    compact = _compact(table_text)
    # Only if the words as they stand do not tell: join header cells wrapped over two lines.
    return _format_of(compact) or _format_of(compact + _compact(_unwrap_headers(table_text)))


@cache
def _markers(version: schema.FormatVersion) -> tuple[tuple[str, int], ...]:
    """The format's marker words, compacted as the text is, with their weights."""
    return tuple((_compact(key), w) for key, w in schema.FORMAT_MARKERS[version])


def _format_of(compact_text: str) -> schema.FormatVersion | None:
    scores = {v: sum(w for key, w in _markers(v) if key in compact_text) for v in schema.FORMATS}
    best = max(scores, key=lambda v: scores[v])
    if scores[best] == 0 or scores["2019"] == scores["2021"]:
        return None
    return best


def _unwrap_headers(table_text: str) -> str:
    """Header cells wrapped over two lines of a layout row, joined cell by cell.

    ``信息  本年制  本年废`` over ``内容  发件数  止件数`` gives ``信息内容 本年制发件数 本年废止件数``.
    """
    rows = [[f.strip() for f in _CELL_SPLIT.split(line) if f.strip()] for line in table_text.split("\n")]
    out = []
    for top, bottom in itertools.pairwise(rows):
        if len(top) == len(bottom) >= 2 and not any(ch.isdigit() for f in top + bottom for ch in f):
            out.append(" ".join(a + b for a, b in zip(top, bottom, strict=True)))
    return "\n".join(out)


# ----------------------------------------------------------------------------- assembly


@dataclass
class TableResult:
    tables: dict[str, Table]
    readings: list[Reading] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Runs of values that fit no row, or not the number of cells of their row: how badly
    # the text fits the format version it was read as.
    misfits: int = 0
    # Runs of values that fit no row, per table: (line, raw text); reported as one warning each.
    unlabelled: dict[str | None, list[tuple[int, str]]] = field(default_factory=dict)


def assemble_tables(units: list[Unit], version: schema.FormatVersion) -> TableResult:
    """Read the three tables of ``version`` from the units labelled table."""
    result = TableResult({})
    groups, seen = _segment(tokenize(units), version, result)
    result.warnings.extend(_unlabelled_warning(table, runs) for table, runs in result.unlabelled.items())
    result.tables = _new_tables(version, seen)
    lines = _fill(groups, version, result)
    for tid, table in result.tables.items():
        table.lines = sorted(lines.get(tid, ()))
    return result


def _span_list(numbers: list[int], limit: int = 8) -> str:
    """``2, 5–7, 9, …`` for sorted line numbers (at most ``limit`` items, then how many more)."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    shown = [str(a) if a == b else f"{a}–{b}" for a, b in spans[:limit]]
    more = f" and {len(spans) - limit} more" if len(spans) > limit else ""
    return ", ".join(shown) + more


def _unlabelled_warning(table: str | None, runs: list[tuple[int, str]]) -> str:
    """One warning for all the runs of values of a table that fit no row (one per value made
    a page's warnings unreadable: thousands for an HTML page with other tables)."""
    where = f" in {table}" if table else ""
    if len(runs) == 1:
        line, raw = runs[0]
        return f"values with no row label{where} at line {line}: {raw}"
    sample = "; ".join(raw if len(raw) <= 40 else raw[:40] + "…" for _, raw in runs[:3])
    return (
        f"{len(runs)} runs of values with no row label{where} (ignored), at lines {_span_list([n for n, _ in runs])}: "
        f"{sample}{' …' if len(runs) > 3 else ''}"
    )


@cache
def _cell_kinds(version: schema.FormatVersion) -> dict[tuple[str, str], tuple[tuple[tuple[str, str], str], ...]]:
    """``((row id, column id), kind of value)`` of the cells of each ``(table, row)``, in order."""
    return {
        (tid, row.id): tuple(((row.id, col.id), col.kind) for col in row.columns)
        for tid, spec in schema.tables(version).items()
        for row in spec.rows
    }


def _new_tables(version: schema.FormatVersion, seen: set[tuple[str, str]]) -> dict[str, Table]:
    """The tables of a format, a cell for every cell of the schema: blank ("") in the rows the
    text names (the row is there; its cells blank until read), absent (None) in the others."""
    cell_kinds = _cell_kinds(version)
    found = {tid for tid, _ in seen}
    tables = {}
    for tid, spec in schema.tables(version).items():
        cells: dict[tuple[str, str], Cell] = {}
        for row in spec.rows:
            raw = "" if (tid, row.id) in seen else None
            for key, _ in cell_kinds[(tid, row.id)]:
                cells[key] = Cell(tid, row.id, key[1], None, raw)
        tables[tid] = Table(tid, spec.title, version, cells, tid in found)
    return tables


@dataclass(slots=True)
class _Segment:
    """A run of label tokens and the run of value tokens after it."""

    labels: list[Token]
    lead: int  # empty cells between the last label and the first value
    values: list[RawValue]
    hits: tuple[Hit, ...]
    lines: list[int]  # the lines of its labels and values, sorted


def _segments(tokens: list[Token], version: schema.FormatVersion) -> list[_Segment]:
    out: list[_Segment] = []
    i, n = 0, len(tokens)
    item = ""  # the digit a glued value may have taken from the next label's item number
    while i < n:
        labels: list[Token] = []
        lines: list[int] = []  # (consecutive repeats dropped here, the rest by the set below)
        lead = 0
        while i < n:
            t = tokens[i]
            kind = t.kind
            if kind == "value":
                break
            if kind == "label":
                labels.append(t)
                if not lines or lines[-1] != t.line:
                    lines.append(t.line)
                lead = 0
            elif kind == "lead":
                lead += 1
            i += 1
        values: list[RawValue] = []
        while i < n:
            t = tokens[i]
            kind = t.kind
            if kind == "label":
                break
            if kind == "value":
                values.append(RawValue(t.text, [t.line], False, t.tail))
            elif kind == "empty":
                values.append(RawValue("", [t.line], True))
            else:
                i += 1
                continue  # a lead cell has no line of its own in the segment
            if not lines or lines[-1] != t.line:
                lines.append(t.line)
            i += 1
        # "…0621009 3.其他": match the label with the item number it may have lost.
        label_text = item + "".join([t.text for t in labels])
        item = values[-1].raw[-1] if values and values[-1].numbered_tail else ""
        lines = lines if len(lines) == 1 else sorted(set(lines))
        out.append(_Segment(labels, lead, values, _find_hits(label_text, version), lines))
    return out


def _segment(
    tokens: list[Token], version: schema.FormatVersion, result: TableResult
) -> tuple[list[Group], set[tuple[str, str]]]:
    """Walk the segments: which values belong to which row."""
    specs = schema.tables(version)
    segments = _segments(tokens, version)
    groups: list[Group] = []
    review: list[RawValue] = []
    review_lines: list[int] = []
    seen: set[tuple[str, str]] = set()
    current: str | None = None  # the table being read
    pending: list[str] = []  # rows of the current table named since the last values
    last_row: dict[str, int] = {}  # index of the last row of each table that got values
    taken: set[tuple[int, str]] = set()  # (segment, row) already given values by look-ahead
    for k, seg in enumerate(segments):
        for hit in seg.hits:
            table = specs[hit.table]
            if hit.kind == "header" or hit.table == "review_litigation":
                # Header words shared by two tables (总计) never switch tables.
                if hit.id != "总计" and hit.table != current:
                    current, pending = hit.table, []
                if hit.kind == "row":
                    seen.add((hit.table, hit.id))
                continue
            if hit.id in table.late_rows and (hit.table != current or not any(t == hit.table for t, _ in seen)):
                continue  # 总计 in a header, or in another table, names a column
            if hit.table != current:
                current, pending = hit.table, []
            if (pending and pending[-1] == hit.id) or (k, hit.id) in taken:
                continue  # a second key of the same label ("三安全" … "一稳定"), or a label already used
            pending.append(hit.id)
            seen.add((hit.table, hit.id))
        values = seg.values
        if not values:
            continue
        lines = seg.lines
        if current == "review_litigation":
            review.extend(values)  # the review table is one run of fifteen numbers
            review_lines.extend(lines)
            continue
        if (not pending or current is None) and current is not None:
            # A row label wrapped onto the line after its numbers (PDF layout): the next
            # label run names the row that comes next in the table.
            row = _next_row_named(specs[current], segments, k, last_row.get(current, -1))
            if row is not None:
                taken.add((k + 1, row))
                seen.add((current, row))
                pending = [row]
        if not pending or current is None:
            raw = " ".join(v.raw or "□" for v in values)
            result.unlabelled.setdefault(current, []).append((values[0].lines[0], raw))
            result.misfits += 1
            continue
        spec = specs[current]
        if len(pending) >= 3 and len(values) == sum(len(spec.row(r).columns) for r in pending):
            groups.extend(_rows_then_numbers(spec, pending, values, lines, version, result))
        else:
            row = pending[-1]
            groups.append(Group(current, (row,), (len(spec.row(row).columns),), values, seg.lead, lines))
        last_row[current] = max(last_row.get(current, -1), spec.row_index(pending[-1]))
        pending = []
    if review:
        rows = specs["review_litigation"].rows
        widths = tuple(len(r.columns) for r in rows)
        groups.append(
            Group("review_litigation", tuple(r.id for r in rows), widths, review, 0, sorted(set(review_lines)))
        )
    return groups, seen


def _next_row_named(spec: schema.TableSpec, segments: list[_Segment], k: int, last: int) -> str | None:
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
    result: TableResult,
) -> list[Group]:
    """Row labels one after another, then all their numbers: read column by column (as such
    text is usually written) or row by row, whichever more identities hold for."""
    k = len(rows)
    widths = [len(spec.row(r).columns) for r in rows]
    by_row, pos = [], 0
    for r, w in zip(rows, widths, strict=True):
        by_row.append(Group(spec.id, (r,), (w,), values[pos : pos + w], 0, lines))
        pos += w
    if len(set(widths)) != 1:
        return by_row
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
    result.readings.append(
        Reading(
            spec.id,
            f"{rows[0]}…{rows[-1]}",
            f"{k} row labels followed by {len(values)} numbers",
            [],
            2,
            f"read {'column by column' if chosen is by_column else 'row by row'}: {max(col_score, row_score)} "
            f"identities hold that way, {min(col_score, row_score)} the other way",
            lines,
        )
    )
    return chosen


def _fill(groups: list[Group], version: schema.FormatVersion, result: TableResult) -> dict[str, set[int]]:
    """Choose a reading of every group and write its cells; returns the lines of the cells
    written, by table."""
    cell_kinds = _cell_kinds(version)
    kept: list[tuple[Group, list]] = []
    done: dict[tuple[str, tuple[str, ...]], int] = {}
    repeated: dict[str, list[str]] = {}  # by table: "row (lines a and b)" of each row read again
    for g in groups:
        key = (g.table, g.rows)
        if key in done:
            repeated.setdefault(g.table, []).append(f"{g.name} (lines {done[key]} and {g.lines[0]})")
            continue
        done[key] = g.lines[0]
        cands, why = candidates(g, version)
        result.misfits += len(g.values) != g.size
        kept.append((g, cands))
        if why and len(cands) == 1:
            result.tables[g.table].notes.append(f"{g.name}: {why} ({g.raw})")
        elif why:
            result.readings.append(Reading(g.table, g.name, g.raw, [], len(cands), why, g.lines))
    for table, rows in repeated.items():
        # One warning per table: a report pasted twice would otherwise give one per row.
        shown = ", ".join(rows[:4]) + (f" and {len(rows) - 4} more" if len(rows) > 4 else "")
        result.warnings.append(
            f"{table}: {len(rows)} row{'s' if len(rows) > 1 else ''} read again later in the text, kept the first "
            f"reading: {shown}"
        )
    decision = decide(kept, version)
    picks = decision.choice
    explained = explain(kept, decision, version)
    readings = {(r.table, r.row): r for r in result.readings if r.chosen == [] and r.alternatives > 1}
    # A cell's lines are its group's, and no two kept groups share a cell (a repeated row was
    # dropped above), so the lines of a table's cells are those of the groups that wrote some.
    lines: dict[str, set[int]] = {}
    for (g, cands), idx, why in zip(kept, picks, explained, strict=True):
        cells = cands[idx]
        reading = readings.get((g.table, g.name))
        if reading is not None and why is not None:
            reading.chosen = [parse_value(c) if c is not None else None for c in cells]
            reading.cells, reading.others = why.cells, why.others
            reading.decided_by, reading.log_prior = why.decided_by, why.log_prior
            reading.reason = f"{reading.reason}: {len(cands)} readings possible; " + (
                "only this one satisfies as many identities"
                if why.decided_by == "identities"
                else "several satisfy as many identities: chose the likeliest under the prior of realistic values"
            )
        table = result.tables[g.table]
        pos = 0
        wrote = False
        for row, width in zip(g.rows, g.widths, strict=True):
            row_cells = cell_kinds[(g.table, row)][:width]
            for (key, kind), raw in zip(row_cells, cells[pos : pos + len(row_cells)], strict=True):
                if raw is None:
                    continue
                cell = table.cells[key]
                cell.raw = raw
                cell.value = parse_value(raw, kind)
                cell.lines = g.lines
                wrote = True
            pos += len(row_cells)
            table.found = True
        if wrote:
            lines.setdefault(g.table, set()).update(g.lines)
    return lines
