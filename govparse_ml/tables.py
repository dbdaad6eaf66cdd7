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
import operator
import re
from dataclasses import dataclass, field
from functools import cache, reduce

from . import schema
from .document import Cell, Reading, Table
from .units import Unit

# ----------------------------------------------------------------------------- tokens

_CJK = "\u4e00-\u9fff"
# Text whose digits belong to a label: notes in brackets, item numbers, years, page refs.
_PROTECTED = re.compile(
    rf"[(（][^()（）]*[{_CJK}][^()（）]*[)）]"
    rf"|(?<![\d.])\d{{1,2}}\s*[.．、](?=\s*[{_CJK}“\"])"
    r"|(?:19|20)\d{2}\s*年度?"
    r"|第\s*\d+\s*[页条项]"
    r"|增\s*/\s*减"
)
_NUMBER = r"[-+]?\d+(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?"
_NULL = r"/|／|-{1,2}|—{1,2}|－|–|无(?![" + _CJK + r"])"
_PIECE = re.compile(
    rf"(?P<num>{_NUMBER})(?P<unit>万元|元|万|%)?|(?P<null>(?<!\S)(?:{_NULL})(?!\S))|(?P<text>[^\s\d+\-/／—－–无]+|\S)"
)
_FILLER = re.compile(r"[\s|:\-—=+_]*")
_UNIT_SUFFIX = re.compile(r"(?:万元|元|万|%)$")
_GLUED = re.compile(r"\d{2,}")
_COMPACT = re.compile(r"[\s|#]+")
_CELL_SPLIT = re.compile(r"\t|\||\s{2,}")
_WHOLE_VALUE = re.compile(rf"^\s*(?:(?P<num>{_NUMBER})(?:万元|元|万|%)?|(?P<null>{_NULL}))\s*$")


@dataclass
class Token:
    kind: str  # "label" | "value" | "empty"
    text: str
    line: int
    unit: int  # index of the unit (a physical row) the token came from


def tokenize(units: list[Unit]) -> list[Token]:
    """The token stream of the table units, in order."""
    out: list[Token] = []
    for index, unit in enumerate(units):
        if _FILLER.fullmatch(unit.text):
            continue  # markdown separators and filler bars
        cells = _CELL_SPLIT.split(unit.text)
        row: list[Token] = []
        for cell in cells:
            if not cell.strip():
                row.append(Token("empty", "", unit.line, index))
                continue
            row.extend(_cell_tokens(cell, unit.line, index))
        out.extend(_trim_empties(row))
    return out


def _cell_tokens(cell: str, line: int, index: int) -> list[Token]:
    stripped = cell.strip()
    if stripped.isdigit() and stripped.isascii():
        return [Token("value", stripped, line, index)]
    whole = _WHOLE_VALUE.match(cell)
    if whole:
        return [Token("value", cell.strip(), line, index)]
    # Mask the digits that are part of label text, then scan.
    masked = _PROTECTED.sub(lambda m: "#" * len(m.group(0)), cell)
    tokens: list[Token] = []
    label: list[str] = []
    for m in _PIECE.finditer(masked):
        if m.group("text") is not None:
            label.append(cell[m.start() : m.end()])
            continue
        if label:
            tokens.append(Token("label", "".join(label), line, index))
            label = []
        tokens.append(Token("value", cell[m.start() : m.end()], line, index))
    # Label characters separated only by spaces stay one label ("不予公 开").
    if label:
        tokens.append(Token("label", "".join(label), line, index))
    return _merge_labels(tokens)


def _merge_labels(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        if out and t.kind == "label" and out[-1].kind == "label":
            out[-1].text += t.text
        else:
            out.append(t)
    return out


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


# ----------------------------------------------------------------------------- values


@cache
def parse_value(raw: str, kind: schema.ValueKind = "count") -> int | float | None:
    """The number a cell's text stands for, or None for blank and null marks."""
    if raw.isdigit() and kind != "amount":
        return int(raw)
    text = raw.strip()
    if text in schema.NULL_MARKERS:
        return None
    text = _UNIT_SUFFIX.sub("", text).replace(",", "")
    try:
        number = float(text) if ("." in text or kind == "amount") else int(text)
    except ValueError:
        return None
    return number


@dataclass
class RawValue:
    raw: str
    lines: list[int]
    blank: bool = False  # an empty cell between values

    @property
    def glued(self) -> bool:
        return bool(_GLUED.fullmatch(self.raw))


# ----------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class Hit:
    table: str
    kind: str  # "row" | "header"
    id: str  # row id, or the header key
    start: int


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
    text = text.replace("（", "(").replace("）", ")").replace("．", ".").replace("、", "、")
    return _COMPACT.sub("", text)


def find_hits(label_text: str, version: schema.FormatVersion) -> list[Hit]:
    pattern, index = _key_index(version)
    return [
        Hit(table, kind, ident, m.start())
        for m in pattern.finditer(_compact(label_text))
        for table, kind, ident in index[m.group(0)]
    ]


def detect_format(table_text: str) -> schema.FormatVersion | None:
    """The format version the table vocabulary points to, or None if it points nowhere."""
    c = _compact(table_text)
    scores = {v: sum(w for key, w in schema.FORMAT_MARKERS[v] if _compact(key) in c) for v in schema.FORMATS}
    best = max(scores, key=lambda v: scores[v])
    if scores[best] == 0 or scores["2019"] == scores["2021"]:
        return None
    return best


# ----------------------------------------------------------------------------- assembly


@dataclass
class TableResult:
    tables: dict[str, Table]
    readings: list[Reading] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _RowValues:
    table: str
    row: str
    values: list[RawValue]
    lead: int  # empty cells between the row's label and its first value
    lines: list[int]


def assemble_tables(units: list[Unit], version: schema.FormatVersion) -> TableResult:
    """Read the three tables of ``version`` from the units labelled table."""
    specs = schema.tables(version)
    tables = {
        tid: Table(
            tid,
            spec.title,
            version,
            {(r, c): Cell(tid, r, c) for r, c in spec.cell_ids()},
        )
        for tid, spec in specs.items()
    }
    result = TableResult(tables)
    tokens = tokenize(units)
    rows, review_values, seen = _segment(tokens, version, result)
    for tid, rid in seen:
        table = tables[tid]
        table.found = True
        for col in specs[tid].row(rid).columns:
            if table.cells[(rid, col.id)].raw is None:
                table.cells[(rid, col.id)].raw = ""  # the row is there, its cell is blank
    # Candidate readings per row, then a joint choice under the identities.
    choices = _choose_readings(rows, review_values, version, result)
    for (tid, rid), (values, lines) in choices.items():
        spec_row = specs[tid].row(rid)
        table = tables[tid]
        table.found = True
        for col, raw in zip(spec_row.columns, values, strict=False):
            if raw is None:
                continue
            cell = table.cells[(rid, col.id)]
            cell.raw = raw
            cell.value = parse_value(raw, col.kind)
            cell.lines = lines
    for table in tables.values():
        table.lines = sorted({ln for c in table.cells.values() for ln in c.lines})
    return result


def _segment(
    tokens: list[Token], version: schema.FormatVersion, result: TableResult
) -> tuple[list[_RowValues], list[RawValue], set[tuple[str, str]]]:
    """Walk the token stream: which values belong to which row."""
    specs = schema.tables(version)
    rows: list[_RowValues] = []
    review: list[RawValue] = []
    seen: set[tuple[str, str]] = set()
    current_table: str | None = None
    pending: list[tuple[str, str]] = []  # rows named since the last values
    i = 0
    n = len(tokens)
    while i < n:
        label_parts: list[Token] = []
        lead = 0  # empty cells between the last label and the first value
        while i < n and tokens[i].kind != "value":
            if tokens[i].kind == "label":
                label_parts.append(tokens[i])
                lead = 0
            elif tokens[i].kind == "lead":
                lead += 1
            i += 1
        values: list[RawValue] = []
        j = i
        while j < n and tokens[j].kind != "label":
            t = tokens[j]
            if t.kind == "value":
                values.append(RawValue(t.text, [t.line]))
            elif t.kind == "empty":
                values.append(RawValue("", [t.line], blank=True))
            j += 1
        i = j
        label_text = "".join(t.text for t in label_parts)
        for hit in find_hits(label_text, version):
            if hit.kind == "header":
                if _table_switch(hit, current_table):
                    current_table = hit.table
                    pending = []
                continue
            if hit.table != current_table and hit.table in specs:
                if hit.id in specs[hit.table].late_rows and current_table != hit.table:
                    continue  # 总计 in a header names a column, not the row
                if current_table == "review_litigation" and hit.table != "review_litigation" and not values:
                    pass
                current_table = hit.table
                pending = []
            if hit.table == "review_litigation":
                continue  # the review table is read as one run of 15 numbers
            if hit.id in specs[hit.table].late_rows and not any(t == hit.table for t, _ in seen):
                continue
            pending.append((hit.table, hit.id))
            seen.add((hit.table, hit.id))
        if not values:
            continue
        lines = sorted({ln for v in values for ln in v.lines} | {t.line for t in label_parts})
        if current_table == "review_litigation":
            review.extend(values)
            continue
        if not pending:
            if current_table is None and len(values) >= 10 and not rows:
                review.extend(values)  # a bare run of numbers before any table: the review row
            else:
                where = f" in {current_table}" if current_table else ""
                raw = " ".join(v.raw or "□" for v in values)
                result.warnings.append(f"values with no row label{where} at line {values[0].lines[0]}: {raw}")
            continue
        if len(pending) > 1 and current_table and _column_major_fits(pending, values, specs[current_table]):
            rows.extend(_column_major(pending, values, lines, current_table, specs, result))
        else:
            table, row = pending[-1]
            rows.append(_RowValues(table, row, values, lead, lines))
        pending = []
    return rows, review, seen


def _table_switch(hit: Hit, current: str | None) -> bool:
    # Header words shared by two tables (总计) never switch; the others do.
    if hit.id in ("总计",):
        return False
    return hit.table != current


def _column_major_fits(pending: list[tuple[str, str]], values: list[RawValue], spec: schema.TableSpec) -> bool:
    ncols = len(spec.row(pending[-1][1]).columns)
    return len(pending) >= 3 and len(values) == len(pending) * ncols


def _column_major(
    pending: list[tuple[str, str]],
    values: list[RawValue],
    lines: list[int],
    table: str,
    specs: dict[str, schema.TableSpec],
    result: TableResult,
) -> list[_RowValues]:
    """Rows named one after another, then all their numbers: column by column or row by row."""
    k = len(pending)
    ncols = len(values) // k
    by_column = [
        _RowValues(t, r, [values[c * k + i] for c in range(ncols)], 0, lines) for i, (t, r) in enumerate(pending)
    ]
    by_row = [_RowValues(t, r, values[i * ncols : (i + 1) * ncols], 0, lines) for i, (t, r) in enumerate(pending)]
    version = next(iter(specs.values())).rows and _version_of(specs)
    score_col = _identity_score(by_column, version)
    score_row = _identity_score(by_row, version)
    chosen, other = (by_column, "row by row") if score_col >= score_row else (by_row, "column by column")
    result.readings.append(
        Reading(
            table,
            f"{pending[0][1]}…{pending[-1][1]}",
            f"{k} row labels followed by {len(values)} numbers",
            [],
            2,
            f"read {'column by column' if chosen is by_column else 'row by row'}: "
            f"{max(score_col, score_row)} identities hold, against {min(score_col, score_row)} read {other}",
            lines,
        )
    )
    return chosen


def _version_of(specs: dict[str, schema.TableSpec]) -> schema.FormatVersion:
    rows = {r.id for r in specs["applications"].rows}
    return "2021" if "other.other" in rows else "2019"


# ----------------------------------------------------------------------------- readings

_MAX_SPLITS = 20000


def _split_digits(digits: str, parts: int) -> list[list[str]]:
    """Ways to cut a digit string into ``parts`` numbers without leading zeros."""
    n = len(digits)
    if parts > n:
        return []
    out: list[list[str]] = []
    for cuts in itertools.combinations(range(1, n), parts - 1):
        bounds = (0, *cuts, n)
        pieces = [digits[a:b] for a, b in itertools.pairwise(bounds)]
        if all(p == "0" or not p.startswith("0") for p in pieces):
            out.append(pieces)
            if len(out) >= _MAX_SPLITS:
                break
    return out


def _candidates(values: list[RawValue], ncols: int, lead: int) -> tuple[list[list[str | None]], str]:
    """Possible readings of a row's values as ``ncols`` cells, and what made them differ."""
    raws: list[str | None] = [None if v.blank else v.raw for v in values]
    if len(raws) == ncols:
        return [raws], ""
    if len(raws) > ncols:
        extra = len(raws) - ncols
        if extra == 1:
            # A stray number (page number, repeated cell): drop one of them.
            return [raws[:i] + raws[i + 1 :] for i in range(len(raws) - 1, -1, -1)], "one number too many"
        return [raws[:ncols]], f"{extra} numbers too many, kept the first {ncols}"
    # Fewer values than cells: glued digits, or cells missing.
    glued = [i for i, v in enumerate(values) if v.glued]
    out: list[list[str | None]] = []
    if glued:
        missing = ncols - len(raws)
        # Distribute the missing cells over the glued tokens.
        for alloc in _allocations(missing, len(glued)):
            options = []
            for gi, extra in zip(glued, alloc, strict=True):
                options.append(_split_digits(values[gi].raw, extra + 1))
            for combo in itertools.product(*options):
                new: list[str | None] = []
                pieces = dict(zip(glued, combo, strict=True))
                for i, r in enumerate(raws):
                    new.extend(pieces.get(i, [r]))
                out.append(new)
                if len(out) >= _MAX_SPLITS:
                    break
        if out:
            return out, "digits glued together"
    filled_left = raws + [None] * (ncols - len(raws))
    filled_right = [None] * (ncols - len(raws)) + raws
    if lead >= ncols - len(raws):
        return [filled_right, filled_left], "cells missing"
    return [filled_left, filled_right], "cells missing"


def _allocations(total: int, slots: int):
    if slots == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _allocations(total - first, slots - 1):
            yield (first, *rest)


def _num(raw: str | None) -> float | None:
    return None if raw is None else parse_value(raw, "amount")


def _row_identity_ok(table: str, values: list[str | None]) -> bool | None:
    """Whether a row's own identity (total = sum of the parts) holds; None if it has none."""
    nums = [_num(v) for v in values]
    if table == "applications" and len(nums) == 7:
        if any(x is None for x in nums):
            return None
        return abs(sum(nums[:6]) - nums[6]) < 1e-6  # type: ignore[arg-type]
    if table == "review_litigation" and len(nums) == 5:
        if any(x is None for x in nums):
            return None
        return abs(sum(nums[:4]) - nums[4]) < 1e-6  # type: ignore[arg-type]
    return None


def _plausibility(table: str, row: str, values: list[str | None]) -> float:
    """A prior over readings the identities cannot tell apart: realistic shapes score higher."""
    nums = [_num(v) for v in values]
    score = 0.0
    present = [x for x in nums if x is not None]
    if present:
        # Counts in one row are of a similar size: penalise very uneven digit lengths.
        lengths = [len(str(int(abs(x)))) for x in present]
        score -= (max(lengths) - min(lengths)) * 0.5
    if table == "active_disclosure" and len(nums) == 3 and None not in nums:
        _a, b, c = nums
        if row.startswith("art20_1"):
            score += 1.0 if c >= b else -1.0  # type: ignore[operator]
    return score


def _identity_score(rows: list[_RowValues], version: schema.FormatVersion) -> int:
    """How many identities hold when the given rows are read as they are."""
    cells: dict[tuple[str, str, str], float | None] = {}
    specs = schema.tables(version)
    for rv in rows:
        cols = specs[rv.table].row(rv.row).columns
        for col, v in zip(cols, rv.values, strict=False):
            cells[(rv.table, rv.row, col.id)] = _num(None if v.blank else v.raw)
    return _count_holding(cells, version)


def _count_holding(cells: dict[tuple[str, str, str], float | None], version: schema.FormatVersion) -> int:
    ok = 0
    for ident in schema.identities(version):
        lhs = [cells.get(c) for c in ident.lhs]
        rhs = [cells.get(c) for c in ident.rhs]
        if any(x is None for x in lhs + rhs):
            continue
        if abs(sum(lhs) - sum(rhs)) < 1e-6:  # type: ignore[arg-type]
            ok += 1
    return ok


def _choose_readings(
    rows: list[_RowValues], review: list[RawValue], version: schema.FormatVersion, result: TableResult
) -> dict[tuple[str, str], tuple[list[str | None], list[int]]]:
    specs = schema.tables(version)
    options: dict[tuple[str, str], list[list[str | None]]] = {}
    why: dict[tuple[str, str], str] = {}
    lines_of: dict[tuple[str, str], list[int]] = {}
    raw_of: dict[tuple[str, str], str] = {}
    for rv in rows:
        key = (rv.table, rv.row)
        if key in options:
            result.warnings.append(
                f"{rv.table}.{rv.row} appears twice (lines {lines_of[key][0]} and {rv.lines[0]}): kept the first"
            )
            continue
        ncols = len(specs[rv.table].row(rv.row).columns)
        cands, reason = _candidates(rv.values, ncols, rv.lead)
        cands = _unique(cands)
        # The row's own identity prunes the candidates where it can.
        holding = [c for c in cands if _row_identity_ok(rv.table, c)]
        if holding:
            cands = holding
        options[key] = cands
        why[key] = reason
        lines_of[key] = rv.lines
        raw_of[key] = " ".join(v.raw or "□" for v in rv.values)
    if review:
        review_rows = [r.id for r in specs["review_litigation"].rows]
        rv = _RowValues("review_litigation", "*", review, 0, sorted({ln for v in review for ln in v.lines}))
        cands, reason = _candidates(review, 15, 0)
        cands = _unique(cands)
        good = [c for c in cands if all(_row_identity_ok("review_litigation", c[i * 5 : i * 5 + 5]) for i in range(3))]
        cands = good or cands
        for i, rid in enumerate(review_rows):
            key = ("review_litigation", rid)
            # Keep the review readings aligned: the k-th candidate of every review row is the same split.
            options[key] = [c[i * 5 : (i + 1) * 5] for c in cands]
            why[key] = reason
            lines_of[key] = rv.lines
            raw_of[key] = " ".join(v.raw or "□" for v in review)
    chosen = _joint_choice(options, version)
    out: dict[tuple[str, str], tuple[list[str | None], list[int]]] = {}
    review_index = chosen.get(("review_litigation", "review"), 0)
    for key, cands in options.items():
        idx = review_index if key[0] == "review_litigation" else chosen.get(key, 0)
        out[key] = (cands[idx], lines_of[key])
        if key[0] == "review_litigation" and key[1] != "review":
            continue  # the review table is one run of numbers: one reading for all three rows
        if key[0] == "review_litigation":
            cands = [
                reduce(
                    operator.iadd,
                    (options[("review_litigation", r)][i] for r in ("review", "lit_direct", "lit_after_review")),
                    [],
                )
                for i in range(len(cands))
            ]
        if len(cands) > 1 and why[key]:
            result.readings.append(
                Reading(
                    key[0],
                    key[1] if key[0] != "review_litigation" else "*",
                    raw_of[key],
                    [_num(v) for v in cands[idx]],
                    len(cands),
                    _explain(why[key], key, len(cands)),
                    lines_of[key],
                )
            )
        elif why[key]:
            result.tables[key[0]].notes.append(f"{key[1]}: {why[key]} ({raw_of[key]})")
    return out


def _unique(cands: list[list[str | None]]) -> list[list[str | None]]:
    """Candidates that read differently (dropping either of two equal numbers is one reading)."""
    seen: dict[tuple, list[str | None]] = {}
    for c in cands:
        seen.setdefault(tuple(_num(v) for v in c), c)
    return list(seen.values())


def _explain(reason: str, key: tuple[str, str], n: int) -> str:
    return (
        f"{reason}: {n} readings possible; chose the one that satisfies the most identities, then the likeliest shape"
    )


def _joint_choice(options: dict[tuple[str, str], list[list[str | None]]], version: schema.FormatVersion) -> dict:
    """Pick one candidate per row so that the most identities hold (coordinate ascent)."""
    specs = schema.tables(version)
    choice = {k: 0 for k in options}
    # Start from the likeliest shape of each row.
    for key, cands in options.items():
        if len(cands) > 1:
            scores = [_plausibility(key[0], key[1], c) for c in cands]
            choice[key] = max(range(len(cands)), key=lambda i: (scores[i], -i))

    def cells_for(ch: dict) -> dict[tuple[str, str, str], float | None]:
        cells: dict[tuple[str, str, str], float | None] = {}
        for (t, r), cands in options.items():
            idx = (
                ch[("review_litigation", "review")]
                if t == "review_litigation" and ("review_litigation", "review") in ch
                else ch[(t, r)]
            )
            cols = specs[t].row(r).columns
            for col, v in zip(cols, cands[idx], strict=False):
                cells[(t, r, col.id)] = _num(v)
        return cells

    ambiguous = [k for k, c in options.items() if len(c) > 1 and not (k[0] == "review_litigation" and k[1] != "review")]
    if not ambiguous:
        return choice
    for _ in range(3):
        changed = False
        for key in ambiguous:
            best_idx, best_score = choice[key], None
            for idx in range(len(options[key])):
                if len(options[key]) > 200 and idx > 200:
                    break
                trial = dict(choice)
                trial[key] = idx
                score = (_count_holding(cells_for(trial), version), _plausibility(key[0], key[1], options[key][idx]))
                if best_score is None or score > best_score:
                    best_idx, best_score = idx, score
            if best_idx != choice[key]:
                choice[key] = best_idx
                changed = True
        if not changed:
            break
    return choice
