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

import difflib
import itertools
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from govparse_ml.document import Cell, Reading, Table
from govparse_ml.format import schema
from govparse_ml.format.vocabulary import NUMERALS, VALUE_UNIT
from govparse_ml.tables.readings import (
    Group,
    RawValue,
    SearchBudget,
    candidates,
    cell_map,
    decide,
    explain,
    fit_slots,
    holding,
    parse_value,
    trim_to_width,
)
from govparse_ml.text.units import Unit

# ----------------------------------------------------------------------------- tokens

_CJK = "\u4e00-\u9fff"
# Text whose digits belong to a label: notes in brackets, item numbers, years, page refs.
_PROTECTED = re.compile(
    rf"[(（][^()（）{_CJK}]*[{_CJK}][^()（）]*[)）]"  # no CJK before the first: linear, not quadratic
    rf"|(?<![\d.])[1-9]\d?\s*[.．、](?=\s*[{_CJK}“\"])"  # item numbers start at 1: "03.补正" is 0, then 3.
    r"|(?:19|20)\d{2}\s*年度?"
    r"|第\s*\d+\s*[页条项]"
    r"|增\s*/\s*减"
    r"|(?<!\d)\d+\s*位小数|保留\s*\d+\s*位"  # from the start of a digit run only: linear, not quadratic
)
# Units written after a number in a cell ("12件", "3.5万元"): part of the value's text.
_UNITS = VALUE_UNIT
_NUMBER = r"[-+]?\d+(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?"
_NULL = r"/|／|-{1,2}|—{1,2}|－|–|无(?!\s*[" + _CJK + r"])"
_PIECE = re.compile(
    rf"(?P<num>{_NUMBER})(?P<unit>{_UNITS})?|(?P<null>(?<!\S)(?:{_NULL})(?!\S))|(?P<text>[^\s\d+\-/／—－–无]+|\S)"
)
_ITEM_AFTER = re.compile(rf"[.．、]\s*[{_CJK}]")
_FILLER = re.compile(r"[\s|:\-—=+_]*")
_ITEM_MARK = re.compile(r"(?<=\d)、")
_CELL_SPLIT = re.compile(r"\t|\||\s{2,}")
_HAS_DIGIT = re.compile(r"\d")
_PLACEHOLDER = re.compile(schema.PLACEHOLDER_HEADER)
_SUBTOTALS = tuple(schema.SUBTOTAL_LABELS)
# A space (not a tab) with white space after it: where _CELL_SPLIT may cut other than at a tab.
_WIDE_GAP = re.compile(r"[^\S\t]\s")
_WHOLE_VALUE = re.compile(rf"^\s*(?:(?P<num>{_NUMBER})(?:{_UNITS})?|(?P<null>{_NULL}))\s*$")


@dataclass(slots=True)
class Token:
    kind: (
        str  # "label" | "value" | "empty" | "lead" (an empty cell before a row's first value) | "slot" (an empty line)
    )
    text: str
    line: int
    unit: int  # index of the unit (a physical row) the token came from
    tail: bool = False  # a value whose digits run straight into an item number ("…00002.其他")
    cell: int = 0  # index of the cell within its unit
    whole: bool = False  # a value that is a whole cell (its row has cell separators, or it is all its line)
    grid: bool = False  # from a row with cell separators: ``cell`` is its column in the row


def tokenize(units: list[Unit]) -> list[Token]:
    """The token stream of the table units, in order."""
    out: list[Token] = []
    layout_tab: list[bool] | None = None  # worked out when a row ends with a tab (most texts: none)
    for index, unit in enumerate(units):
        if unit.cut == "blank":  # an empty line between table lines (pipeline._table_units)
            out.append(Token("slot", "", unit.line, index))
            continue
        if _FILLER.fullmatch(unit.text):
            continue  # markdown separators and filler bars
        # Empty cells before a row's first cell are layout (merged cells): drop them. After its
        # last cell they are cells (blank ones) unless every row has one (a tool's trailing tab),
        # and a markdown row's outer bars are its edges.
        if unit.text.endswith("\t") and layout_tab is None:
            layout_tab = _ends_in_layout_tab(units)
        text = _row_text(unit.text, layout_tab is not None and layout_tab[index])
        line = unit.line
        if "\t" not in text and "|" not in text and "  " not in text:  # one cell: no empties to place
            if text.isdigit() and text.isascii():  # inlined: the commonest cell, a plain count
                out.append(Token("value", text, line, index, False, 0, True))
            else:
                _cell_tokens(out, text, line, index, 0, whole_line=True)
            continue
        row: list[Token] = []
        empties = False
        # A row with one kind of separator, tab or bar, and no wide gap is cut where _CELL_SPLIT
        # would cut it by str.split, 3 times as fast.
        bar = "|" in text
        if bar and "\t" not in text:
            cells = text.split("|")  # markdown: the bars are the cells' edges; spaces inside are padding
        elif not bar and _WIDE_GAP.search(text) is None:
            cells = text.split("\t")
        else:
            cells = _CELL_SPLIT.split(text)
        for position, cell in enumerate(cells):
            stripped = cell.strip()
            if not stripped:
                row.append(Token("empty", "", line, index, False, position, False, True))
                empties = True
            elif stripped.isdigit() and stripped.isascii():  # inlined, as above
                row.append(Token("value", stripped, line, index, False, position, True, True))
            elif stripped[-1].isdigit() and _PLACEHOLDER.fullmatch(stripped):  # (placeholders end in their number)
                continue  # a converter's header over a table that had none: no label, no cell
            else:
                _cell_tokens(row, cell, line, index, position, whole_cell=True)
        out.extend(_trim_empties(row) if empties else row)
    _vertical_wu(out)
    return out


def _ends_in_layout_tab(units: list[Unit]) -> list[bool]:
    """For each unit, whether its table's tab rows end with a tab a tool added: nine in ten of
    the rows with numbers do, in its run of table lines (lines no more than two apart)."""
    flags = [False] * len(units)
    start = 0
    for end in range(1, len(units) + 1):
        if end < len(units) and units[end].line - units[end - 1].line <= 2:
            continue
        rows = [
            u.text.rstrip(" ")
            for u in units[start:end]
            if "\t" in u.text and "|" not in u.text and _HAS_DIGIT.search(u.text)
        ]
        if len(rows) >= 3 and sum(r.endswith("\t") for r in rows) >= 0.9 * len(rows):
            flags[start:end] = [True] * (end - start)
        start = end
    return flags


def _row_text(text: str, layout_tab: bool) -> str:
    core = text.strip(" \t|")
    if "\t" not in core and "|" not in core:
        return core  # one cell (or cells set apart by runs of spaces): tabs and bars around it are layout
    if core[0].isdigit():  # a row of values only: the empty cells before its first value are cells
        text = text.strip(" ")
        text = text[1:] if text.startswith("|") else text  # (but a markdown row's left edge)
    else:
        text = text.lstrip(" \t|").rstrip(" ")  # empty cells before a label are layout
    if text.endswith("|"):
        return text[:-1].rstrip(" ")  # a markdown row's right edge
    if layout_tab and text.endswith("\t"):
        text = text[:-1]
    return text


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


def _cell_tokens(
    out: list[Token],
    cell: str,
    line: int,
    index: int,
    position: int,
    whole_cell: bool = False,
    whole_line: bool = False,
) -> None:
    """Append the tokens of one cell to ``out``.

    A value is whole (never cut as glued digits) if it is alone in a cell of a row with cell
    separators (``whole_cell``), or alone on its line (``whole_line``): only digits inside
    running text can be glued together.
    """
    stripped = cell.strip()
    if stripped.isdigit() and stripped.isascii():  # the commonest cell: a plain count
        out.append(Token("value", stripped, line, index, False, position, whole_cell or whole_line, whole_cell))
        return
    pieces = _cell_pieces(cell)
    if len(pieces) == 1:  # most cells (a comprehension for one item is a function call more)
        kind, text, tail = pieces[0]
        out.append(Token(kind, text, line, index, tail, position, whole_cell or whole_line, whole_cell))
    else:
        out.extend([Token(kind, text, line, index, tail, position, False, whole_cell) for kind, text, tail in pieces])


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
    """Keep an empty cell between two values of the same row; count those between the label and
    the first value (``lead``) and after the last value (``trail``), which place a row's values
    when some of its cells are blank; drop the others (layout before the label)."""
    first = last = label = -1
    for i, t in enumerate(row):
        if t.kind == "value":
            last = i
            if first < 0:
                first = i
        elif t.kind == "label" and label < 0:
            label = i
    if first < 0:
        return [t for t in row if t.kind != "empty"]
    # Empties after the first label count, and in a row of values only, its leading empties too.
    lead_from = -1 if label < 0 else label if label < first else first
    out = []
    for i, t in enumerate(row):
        if t.kind == "empty" and not (first < i < last):
            if i < first and i > lead_from:
                out.append(Token("lead", "", t.line, t.unit))
            elif i > last:
                out.append(Token("trail", "", t.line, t.unit))
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
    # (table, note) of rows read and left out on purpose (subtotals), noted on their table.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Runs of values that fit no row, per table: (line, raw text); reported as one warning each.
    unlabelled: dict[str | None, list[tuple[int, str]]] = field(default_factory=dict)


def assemble_tables(units: list[Unit], version: schema.FormatVersion) -> TableResult:
    """Read the three tables of ``version`` from the units labelled table."""
    result = TableResult({})
    groups, seen = _segment(tokenize(units), version, result)
    result.warnings.extend(_unlabelled_warning(table, runs) for table, runs in result.unlabelled.items())
    result.tables = _new_tables(version, seen)
    for table, note in result.skipped:
        result.tables[table].notes.append(note)
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
    trail: int = 0  # empty cells after the last value, in the same row
    slots: bool = False  # some of its values are empty lines


def _segments(tokens: list[Token], version: schema.FormatVersion) -> list[_Segment]:
    out: list[_Segment] = []
    i, n = 0, len(tokens)
    item = ""  # the digit a glued value may have taken from the next label's item number
    while i < n:
        labels: list[Token] = []
        lines: list[int] = []  # (consecutive repeats dropped here, the rest by the set below)
        lead = 0
        slots: list[RawValue] = []  # empty lines after the labels: blank cells if values follow
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
                slots = []
            elif kind == "lead":
                lead += 1
            elif kind == "slot" and labels:
                slots.append(RawValue("", [t.line], True, False, True))
            i += 1
        values: list[RawValue] = slots if i < n else []
        trail = 0
        has_slot = bool(values)
        while i < n:
            t = tokens[i]
            kind = t.kind
            if kind == "label":
                break
            if kind == "value":
                values.append(RawValue(t.text, [t.line], False, t.tail, False, t.whole, t.cell if t.grid else -1))
            elif kind == "empty":
                values.append(RawValue("", [t.line], True))
            elif kind == "slot":
                values.append(RawValue("", [t.line], True, False, True))
                has_slot = True
                i += 1
                continue  # an empty line is no line of the table's
            elif kind == "trail":
                trail += 1
                i += 1
                continue
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
        out.append(_Segment(labels, lead, values, _find_hits(label_text, version), lines, trail, has_slot))
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
    header = _HeaderColumns(version)
    for k, seg in enumerate(segments):
        header.observe(seg)
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
            # The review table is one run of fifteen numbers; empty cells around a row's values
            # are blank cells where the row's width says so (fit_slots), layout where not.
            pad = RawValue("", values[0].lines, True, False, True)  # an empty cell of the values' own row
            review.extend([pad] * seg.lead + values + [pad] * seg.trail)
            review_lines.extend(lines)
            continue
        if not pending and _compact("".join(t.text for t in seg.labels)).strip(":：").endswith(_SUBTOTALS):
            if current is not None:
                result.skipped.append((current, f"a subtotal row at line {lines[0]} is not in the schema: skipped"))
            continue
        if (not pending or current is None) and current is not None:
            # A row label wrapped onto the line after its numbers (PDF layout): the next
            # label run names the row that comes next in the table.
            row = _next_row_named(specs[current], segments, k, last_row.get(current, -1))
            if row is not None:
                taken.add((k + 1, row))
                seen.add((current, row))
                pending = [row]
        if not pending and current is not None and current != "review_litigation":
            # A label no key phrase names (a typo, an OCR slip: 行政执法案件, 本年废纸件数): the
            # row after the last one read whose label it is most like, if it is like enough.
            # The row's own label: its last label cell, or its line's label cells (not the
            # header lines before it, which run into the same segment when they hold no values).
            own = [t for t in seg.labels if t.unit == seg.labels[-1].unit] if seg.labels else []
            texts = {own[-1].text, "".join(t.text for t in own)} if own else set()
            row, similarity, label_text = None, 0.0, ""
            for text in sorted(texts):
                found, score = fuzzy_row(specs[current], text, last_row.get(current, -1), version)
                if found is not None and score > similarity:
                    row, similarity, label_text = found, score, text
            if row is not None:
                seen.add((current, row))
                pending = [row]
                result.misfits += 1  # a label the format's key phrases do not name: a worse fit
                result.readings.append(
                    Reading(
                        current,
                        row,
                        label_text,
                        [],
                        1,
                        f"row label {label_text!r} matches no key phrase: read as the row "
                        f"{specs[current].row(row).label!r} (label similarity {similarity:.2f})",
                        lines,
                    )
                )
        if not pending or current is None:
            raw = " ".join(v.raw or "□" for v in values)
            result.unlabelled.setdefault(current, []).append((values[0].lines[0], raw))
            result.misfits += 1
            continue
        spec = specs[current]
        if len(pending) >= 3 and len(plain := [v for v in values if not v.slot]) == sum(
            len(spec.row(r).columns) for r in pending
        ):
            groups.extend(_rows_then_numbers(spec, pending, plain, lines, version, result))
        else:
            row = pending[-1]
            width = len(spec.row(row).columns)
            if seg.slots:
                values = fit_slots(values, width, frozenset(t.line for t in seg.labels))
            values = header.place(spec.row(row), values, seg.labels)
            groups.append(Group(current, (row,), (width,), values, seg.lead, lines, seg.trail))
        last_row[current] = max(last_row.get(current, -1), spec.row_index(pending[-1]))
        pending = []
    if review:
        rows = specs["review_litigation"].rows
        widths = tuple(len(r.columns) for r in rows)
        # An empty line before the row of values is the break after the header rows; an empty
        # cell before the first value in the same row is a cell.
        first = next((v for v in review if not v.slot), None)
        break_first = bool(review) and review[0].slot and first is not None and review[0].lines != first.lines
        review = trim_to_width(review, sum(widths), leading_first=break_first)
        groups.append(
            Group("review_litigation", tuple(r.id for r in rows), widths, review, 0, sorted(set(review_lines)))
        )
    return groups, seen


# How alike a damaged label must be to a row's own label to be read as that row: the ratio of
# matching characters (difflib's) of the two labels without numbering, digits and brackets.
MIN_LABEL_SIMILARITY = 0.6
# How many rows past the last one read a damaged label may name (rows may be left out).
_FUZZY_LOOKAHEAD = 3
_NUMBERING = re.compile(rf"^(?:[(（]?[{NUMERALS}]+[)）、.．]|\d{{1,2}}[.．、])+")
_NOT_CORE = str.maketrans("", "", '0123456789().、“”"')


def _label_core(text: str) -> str:
    return _NUMBERING.sub("", _compact(text)).translate(_NOT_CORE)


# A label whose own text is lost but for its numbering ("（七）计") is as like its row as this.
_SAME_NUMBERING = 0.7


def _label_numbering(text: str) -> str:
    m = _NUMBERING.match(_compact(text))
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


@cache
def _column_labels(version: schema.FormatVersion) -> tuple[dict[str, str], dict[str, str]]:
    """The columns' compact labels (their bracketed notes left out) -> column id, and column id -> table."""
    specs = schema.tables(version).values()
    labels = {_compact(c.label).split("(")[0]: c.id for spec in specs for row in spec.rows for c in row.columns}
    tables = {c.id: spec.id for spec in specs for row in spec.rows for c in row.columns}
    return labels, tables


@lru_cache(maxsize=4096)
def _column_named(text: str, version: schema.FormatVersion) -> str | None:
    """The column a header cell names, if it names one."""
    return _column_labels(version)[0].get(_compact(text).split("(")[0])


class _HeaderColumns:
    """Where the header cells of a table with cell separators put each column.

    A header cell naming a column (上一年项目数量, 自然人 …) gives the column's position in the
    rows. The positions place the values of a row some of whose cells are blank, once full
    rows have stood at those positions (and none elsewhere): then header and rows are one
    grid, as in a real table.
    """

    def __init__(self, version: schema.FormatVersion) -> None:
        self.version = version
        self.column_table = _column_labels(version)[1]
        self.position: dict[str, int] = {}  # column id -> cell position in the latest header rows
        self.cached: dict[str, tuple[int, ...] | None] = {}  # row id -> its columns' positions
        # (table, column its rows' labels end in) -> its full rows stood where the header says (or not)
        self.verdict: dict[tuple[str, int], bool] = {}

    def observe(self, seg: _Segment) -> None:
        if not seg.hits:
            return  # header cells are table words: a label run that names none holds none
        for t in seg.labels:
            if t.grid:
                col = _column_named(t.text, self.version)
                if col is not None and self.position.get(col) != t.cell:
                    self.position[col] = t.cell
                    self.cached.clear()

    def _positions(self, row: schema.RowSpec) -> tuple[int, ...] | None:
        if row.id in self.cached:
            return self.cached[row.id]
        found: tuple[int, ...] | None = tuple(self.position.get(c.id, -1) for c in row.columns)
        if -1 in found or list(found) != sorted(set(found)):  # type: ignore[operator, arg-type]
            found = None
        self.cached[row.id] = found
        return found

    def place(self, row: schema.RowSpec, values: list[RawValue], labels: list[Token]) -> list[RawValue]:
        """The row's values, one per cell, blanks filled in, if the header places them.

        Rows are checked against the header by the column their label ends in: where a label
        spanning columns is written once (not padded), such rows are not on the header's grid."""
        if not values or values[-1].cell < 0 or any(v.cell < 0 and not v.blank for v in values):
            return values
        positions = self._positions(row)
        if positions is None:
            return values
        cells = tuple(v.cell for v in values if not v.blank)
        own = [t.cell for t in labels if t.grid and t.line == values[-1].lines[0]]
        key = (self.column_table[row.columns[0].id], own[-1] if own else -1)
        if len(values) == len(positions) and all(not v.blank for v in values):
            self.verdict[key] = self.verdict.get(key, True) and cells == positions
            return values
        if not self.verdict.get(key) or not set(cells) <= set(positions):
            return values
        by_cell = {v.cell: v for v in values if not v.blank}
        line = values[0].lines
        return [by_cell.get(p, RawValue("", line, True)) for p in positions]


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
    budget = SearchBudget()  # the document's inputs limit, shared by its rows
    for g in groups:
        key = (g.table, g.rows)
        if key in done:
            repeated.setdefault(g.table, []).append(f"{g.name} (lines {done[key]} and {g.lines[0]})")
            continue
        done[key] = g.lines[0]
        cands, why = candidates(g, version, budget)
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
    if (cut := budget.warning()) is not None:
        result.warnings.append(cut)
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
