"""Readings of a table row's values, chosen under the identities of the format.

A row's text does not always say which number is in which cell: digits glued together
(``640020470`` for seven cells), a stray page number, cells left out. For each row (a
*group*: one schema row, or the three rows of the review table that are written as one run
of fifteen numbers) this module lists the candidate readings, prunes them with the hard
constraints and the row's own identity (total = sum of the parts), then picks one candidate
per group: a reading in which every identity of the table holds if there is one (rows tied
by relations are solved jointly and exactly), and among such readings the likeliest under a
prior of what real reports look like. ``explain`` lists the alternatives for the user.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import VALUE_UNIT

Cells = tuple[str | None, ...]

_UNITS = VALUE_UNIT
# Digits glued together, a unit written after the last of them ("2832995元": 2 projects, 832995 元).
_GLUED = re.compile(rf"[-+]?\d{{2,}}(?:\.\d+)?(?:{_UNITS})?")
_UNIT_SUFFIX = re.compile(rf"(?:{_UNITS})$")
# At most this many candidate readings of one group are kept; if no cut satisfies the row
# identities, at most MAX_UNCHECKED of the cuts regardless.
MAX_CANDIDATES = 5000
MAX_UNCHECKED = 500
# At most this many cuts are tried per group under its row identities: without a bound, a long
# glued run that no cut fits (37 digits for 7 cells: C(36, 6) cuts) took a minute. Cut row by
# row, every reading of a 7-cell row with a total is found in fewer: < 3,000 steps up to 20
# digits, < 20,000 up to 28, ~40,000 at 31 (random rows); a 40-digit run stops here in ~0.1 s.
MAX_CUT_STEPS = 100_000
# Empty cells a row label leaves before the values when it spans label columns: the official
# applications table has three label columns (三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密).
MAX_LABEL_PADDING = 2
# The inputs limit of one document (one reading of its tables as a format version): at most
# this many cut steps and candidate readings over all its rows. Without it, 22 rows of 30-100
# glued digits each took 6-10 s (22 × MAX_CUT_STEPS, then the prior of every candidate); a
# generated one-line report of either format uses at most ~5,000 steps and ~100 readings
# (2,200 documents of every layout). Past the document's
# steps, each row still gets MIN_ROW_STEPS, so every row is read somehow.
MAX_DOC_STEPS = 30_000
MAX_DOC_CANDIDATES = 1_000
MIN_ROW_STEPS = 500
MIN_ROW_CANDIDATES = 20


@dataclass
class SearchBudget:
    """What is left of a document's inputs limit, and the rows whose search it cut short."""

    steps: int = MAX_DOC_STEPS
    candidates: int = MAX_DOC_CANDIDATES
    cut: list[str] = field(default_factory=list)

    def warning(self) -> str | None:
        if not self.cut:
            return None
        shown = ", ".join(self.cut[:6]) + ("…" if len(self.cut) > 6 else "")
        return (
            f"the search for the readings of glued digits hit the inputs limit ({MAX_CUT_STEPS:,} cut steps "
            f"a row, {MAX_DOC_STEPS:,} and {MAX_DOC_CANDIDATES:,} readings a document) in {len(self.cut)} "
            f"row{'s' * (len(self.cut) > 1)} ({shown}): their cells are the best reading found within it, "
            "check them against the source"
        )


@lru_cache(maxsize=1 << 16)  # bounded: the cuts of glued digits make new strings without end
def parse_value(raw: str, kind: schema.ValueKind = "count") -> int | float | None:
    """The number a cell's text stands for, or None for blank and null marks."""
    if raw.isdigit() and raw.isascii() and kind != "amount":
        return int(raw)
    text = raw.strip()
    if text in schema.NULL_MARKERS:
        return None
    text = _UNIT_SUFFIX.sub("", text).replace(",", "")
    try:
        return float(text) if ("." in text or kind == "amount") else int(text)
    except ValueError:
        return None


def _num(raw: str | None) -> float | None:
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


@cache
def row_totals(version: schema.FormatVersion) -> frozenset[tuple[str, str]]:
    """Rows whose last cell is the sum of the others, from the identities of the format."""
    out = set()
    for ident in schema.identities(version):
        if len(ident.lhs) == 1 and {c[:2] for c in ident.rhs} == {ident.lhs[0][:2]}:
            out.add(ident.lhs[0][:2])
    return frozenset(out)


def _row_ok(cells: Cells, start: int, width: int) -> bool:
    nums = [_num(c) for c in cells[start : start + width]]
    if any(x is None for x in nums):
        return True  # cannot tell: not a reason to drop the reading
    return abs(sum(nums[:-1]) - nums[-1]) < 1e-6  # type: ignore[arg-type]


def candidates(
    group: Group, version: schema.FormatVersion, budget: SearchBudget | None = None
) -> tuple[list[Cells], str]:
    """Possible readings of a group as cells, the row identities applied, and why there are several.

    Glued digits are cut every way the hard constraints allow (no leading zeros; a sign only in a
    signed column, a decimal point only in an amount column), and the cuts for which a row's
    total is not the sum of its parts are dropped. Only if no cut is left are they kept anyway,
    and the checks will say so. ``budget`` is the document's inputs limit, shared by its rows
    (a fresh one if not given).
    """
    checked = _checked(group, version)
    if any(v.raw.startswith("00") and _ZEROS.fullmatch(v.raw) for v in group.values):
        group = _zeros_apart(group)
    raws: list[str | None] = [None if v.blank else v.raw for v in group.values]
    n = group.size
    if len(raws) == n and not any(v.numbered_tail for v in group.values):
        return [tuple(raws)], ""
    if len(raws) > n:
        extra = len(raws) - n
        if extra > 2:
            return [tuple(raws[:n])], f"{extra} numbers too many, kept the first {n}"
        # A stray number (a page number, a repeated cell): drop one or two of them, last first.
        drops = itertools.combinations(range(len(raws) - 1, -1, -1), extra)
        cands = [tuple(r for i, r in enumerate(raws) if i not in d) for d in drops]
        return _prune(_unique(cands), checked), f"{extra} number{'s' if extra > 1 else ''} too many"
    if any(v.glued or v.numbered_tail for v in group.values):
        found = _glued_candidates(group, version, checked, budget or SearchBudget())
        if found is not None:
            return found
    missing = n - len(raws)
    left = tuple(raws + [None] * missing)
    right = tuple([None] * missing + raws)
    placed = _placed(group, raws, n)
    if placed is not None:
        return [placed], ""
    order = [right, left] if group.lead >= missing else [left, right]
    return _unique(order), "cells missing"


def _placed(group: Group, raws: list[str | None], n: int) -> Cells | None:
    """The row's cells placed by the empty cells around its values, if its layout says where.

    In a row with cell separators (every value a whole cell), the empty cells between the
    label and the first value and after the last one are blank cells: if they make up the
    row's width, each value is where it stands. A row cut short after its last value (tools
    drop trailing empty cells) starts right after its label. Empty cells of a label that spans
    label columns (at most ``MAX_LABEL_PADDING``) are not cells.
    """
    if not all(v.whole or v.blank for v in group.values):
        return None  # digits in running text: nothing says where a missing cell was
    lead, trail, missing = group.lead, group.trail, n - len(raws)
    excess = lead + len(raws) + trail - n
    if excess == 0:
        return tuple([None] * lead + raws + [None] * trail)
    if trail and 0 < excess <= MAX_LABEL_PADDING and trail <= missing:
        return tuple([None] * (missing - trail) + raws + [None] * trail)  # as wide as the grid
    if not trail and lead <= missing:
        # cut short after its last value: its cells start after the label, the empty ones
        # between label and first value included
        return tuple([None] * lead + raws + [None] * (missing - lead))
    return None


_ZEROS = re.compile(r"00+")


def fit_slots(values: list[RawValue], n: int, label_lines: frozenset[int] = frozenset()) -> list[RawValue]:
    """The values of a row of ``n`` cells with its empty lines read as blank cells where they fit.

    Written one cell per line, an empty line is an empty cell, and an empty line also ends a
    row: empty lines past the row's last cell are row breaks, and if the row still has too many
    values, every empty line was a break (a table whose rows are set apart by empty lines). A
    row whose values share a line (with each other or with its label) is a row of cells: its
    empty lines are breaks.
    """
    if not any(v.slot for v in values):
        return values
    value_lines = [v.lines[0] for v in values if not v.slot]
    if len(set(value_lines)) < len(value_lines) or label_lines.intersection(value_lines):
        return [v for v in values if not v.slot]
    return trim_to_width(values, n)


def trim_to_width(values: list[RawValue], n: int, leading_first: bool = False) -> list[RawValue]:
    """The values without the empty cells that may be layout (``slot``), as many as make the
    row too wide: trailing ones first (row breaks after a labelled row), then leading ones
    (empty label cells of a label that spans columns), then all of them. ``leading_first`` for
    a row with no label, after which the first empty line is the break after the row above."""
    values = list(values)

    def drop_leading() -> None:
        lead = 0
        while len(values) - lead > n and values[lead].slot:
            lead += 1
        del values[:lead]

    if leading_first:
        drop_leading()
    while len(values) > n and values[-1].slot:
        values.pop()
    drop_leading()
    if len(values) > n:
        values = [v for v in values if not v.slot]
    while values and values[-1].slot and not any(not v.blank for v in values):
        values.pop()
    return values


def _zeros_apart(group: Group) -> Group:
    """The group with every run of zeros cut into its zeros: no count has a leading zero, so
    ``00000`` can only be five cells of 0, whatever the number of cells."""
    values = []
    for v in group.values:
        if _ZEROS.fullmatch(v.raw):
            values += [RawValue("0", v.lines) for _ in v.raw]
        else:
            values.append(v)
    return Group(group.table, group.rows, group.widths, values, group.lead, group.lines, group.trail)


def _checked(group: Group, version: schema.FormatVersion) -> list[tuple[int, int]]:
    """``(first cell, width)`` of the rows of a group whose last cell is the sum of the others."""
    totals = row_totals(version)
    return [
        (sum(group.widths[:i]), w)
        for i, (r, w) in enumerate(zip(group.rows, group.widths, strict=True))
        if (group.table, r) in totals
    ]


def _glued_candidates(
    group: Group, version: schema.FormatVersion, checked: list[tuple[int, int]], doc: SearchBudget
) -> tuple[list[Cells], str] | None:
    steps = max(MIN_ROW_STEPS, min(MAX_CUT_STEPS, doc.steps))
    budget = [steps]  # shared by every search of this row
    limit = max(MIN_ROW_CANDIDATES, min(MAX_CANDIDATES, doc.candidates))
    found = _glued_search(group, version, checked, budget, limit)
    doc.steps -= steps - max(budget[0], 0)
    if budget[0] < 0:
        doc.cut.append(group.name)
    if found is not None:
        doc.candidates -= len(found[0])
    return found


def _glued_search(
    group: Group, version: schema.FormatVersion, checked: list[tuple[int, int]], budget: list[int], most: int
) -> tuple[list[Cells], str] | None:
    n = group.size
    kinds = _kinds(group, version)

    def search(
        values: list[RawValue],
        checks: list[tuple[int, int]],
        strict: bool,
        limit: int = most,
    ) -> list[Cells]:
        found: Iterator[Cells] = _glued_readings(values, n, checks, budget)
        if strict:
            found = (c for c in found if _admissible(c, kinds))
        return _unique(list(itertools.islice(found, limit)))

    cands = search(group.values, checked, True)
    why = "digits glued together"
    best = max((_verified(c, checked) for c in cands), default=-1)
    if checked and best < len(checked):
        # Numbers before or after the run that keep a row total from being checked, or from
        # holding: a page number (``— 1 —``, ``2/7``) between the table's header and its values.
        for values, dropped in _without_strays(group.values):
            trial = search(values, checked, True)
            score = max((_verified(c, checked) for c in trial), default=-1)
            if score > best:
                best, cands = score, trial
                why = f"digits glued together, {dropped} stray number{'s' if dropped > 1 else ''} before or after them dropped"
    if cands:
        return cands, why
    # No cut satisfies the row identities: some cuts regardless, and the checks will say so.
    budget[0] = max(budget[0], MIN_ROW_STEPS)  # a reading regardless, even of a row whose search ran out
    for strict in (True, False):
        cands = search(group.values, [], strict, limit=min(MAX_UNCHECKED, most))
        if cands:
            return cands, "digits glued together (no reading satisfies the row identities)"
    return None


def _without_strays(values: list[RawValue]) -> Iterator[tuple[list[RawValue], int]]:
    """The values without up to three short numbers (or null marks) before the rest and up to
    two after it, fewest dropped first: a page number such as ``— 1 —``, ``3/13`` or ``共10页``."""

    def stray(v: RawValue) -> bool:
        return not v.blank and len(v.raw.lstrip("+-")) <= 3

    head = 0
    while head < min(3, len(values) - 1) and stray(values[head]):
        head += 1
    tail = 0
    while tail < min(2, len(values) - 1 - head) and stray(values[len(values) - 1 - tail]):
        tail += 1
    options = sorted(((h, t) for h in range(head + 1) for t in range(tail + 1) if h + t), key=sum)
    for h, t in options:
        yield values[h : len(values) - t], h + t


def _kinds(group: Group, version: schema.FormatVersion) -> tuple[schema.ValueKind, ...]:
    spec = schema.tables(version)[group.table]
    return tuple(col.kind for row, w in zip(group.rows, group.widths, strict=True) for col in spec.row(row).columns[:w])


def _admissible(cells: Cells, kinds: tuple[schema.ValueKind, ...]) -> bool:
    """No negative count and no decimal count: the hard constraints of the format."""
    for raw, kind in zip(cells, kinds, strict=False):
        if raw is None or kind == "amount":
            continue
        if "." in raw or (kind == "count" and raw.startswith("-")):
            return False
    return True


def _verified(cells: Cells, checked: list[tuple[int, int]]) -> int:
    """How many row totals of a reading can be checked and hold."""
    ok = 0
    for start, width in checked:
        nums = [_num(c) for c in cells[start : start + width]]
        if None not in nums and abs(sum(nums[:-1]) - nums[-1]) < 1e-6:  # type: ignore[arg-type, operator]
            ok += 1
    return ok


def _prune(cands: list[Cells], checked: list[tuple[int, int]]) -> list[Cells]:
    good = [c for c in cands if all(_row_ok(c, s, w) for s, w in checked)]
    return good or cands


def _unique(cands: list[Cells]) -> list[Cells]:
    """Candidates that read differently (dropping either of two equal numbers is one reading)."""
    seen: dict[tuple, Cells] = {}
    for c in cands:
        seen.setdefault(tuple(_num(v) for v in c), c)
    return list(seen.values())


def _glued_readings(
    values: list[RawValue], n: int, checked: list[tuple[int, int]], budget: list[int] | None = None
) -> Iterator[Cells]:
    """Cut glued digit runs into ``n`` cells, pruning with the row identities as cells complete;
    at most ``budget[0]`` cuts are tried (``MAX_CUT_STEPS`` if not given)."""
    ends = {s + w: (s, w) for s, w in checked}
    variants = []
    for v in values:
        options = [v.raw]
        if v.numbered_tail:  # the last one or two digits may be the next item's number
            options += [v.raw[:-k] for k in (1, 2) if len(v.raw) > k and v.raw[:-k][-1:].isdigit()]
        variants.append(options)
    budget = budget if budget is not None else [MAX_CUT_STEPS]  # shared by the variants
    widths = _row_widths(checked, n)
    glued = [v.glued or v.numbered_tail for v in values]
    for texts in itertools.product(*variants):
        if (
            widths
            and not any(v.blank for v in values)
            and all(_plain(t) for t, g in zip(texts, glued, strict=True) if g)
        ):
            # Every row has a total and the glued runs are plain digits: cut row by row, each
            # row's span once. An unglued token that is not plain digits (a null mark) is a cell.
            tokens = [(t, not _plain(t)) for t in texts]
            yield from _cut_rows(tokens, widths, budget)
            continue
        tokens3 = [(t, v.blank, g) for t, v, g in zip(texts, values, glued, strict=True)]
        yield from _cut_tokens(tokens3, n, ends, budget)


def _plain(text: str) -> bool:
    return text.isdigit() and text.isascii()


def _row_widths(checked: list[tuple[int, int]], n: int) -> tuple[int, ...] | None:
    """The widths of the rows if every row of the group has a total, else None."""
    if not checked or sum(w for _, w in checked) != n:
        return None
    return tuple(w for _, w in checked)


def _cut_rows(tokens: list[tuple[str, bool]], widths: tuple[int, ...], budget: list[int]) -> Iterator[Cells]:
    """Cuts of digit tokens into rows of ``widths`` cells, each row's last cell the sum of the
    others; a cell never spans two tokens, and a *fixed* token (a null mark) is one cell.

    Row by row over the positions of the joined digits: the cuts of each span into one row are
    found once (choosing the total first turns them into a subset-sum walk whose partial sums
    cannot pass the total) and a row is only tried where the rows after it can still be cut, so
    long runs cost thousands of steps, not an exhaustive search. A row holding a fixed token
    cannot be checked: every cut of its span is taken.
    """
    fixed: dict[int, str] = {}
    chars, boundary = [], set()
    for text, is_fixed in tokens:
        if is_fixed:
            fixed[len(chars)] = text
            chars.append("\x00")
        else:
            chars.extend(text)
        boundary.add(len(chars))
    digits = "".join(chars)
    size = len(digits)
    limit = [size] * (size + 1)  # a piece starting at i ends at or before limit[i] (the next token)
    for i in range(size - 1, -1, -1):
        limit[i] = i + 1 if i + 1 in boundary else limit[i + 1]
    rest = [sum(widths[r + 1 :]) for r in range(len(widths))]  # fewest digits the later rows need

    def any_cuts(start: int, end: int, count: int) -> Iterator[tuple[str, ...]]:
        if count == 1:
            if start < end <= limit[start] and (end - start == 1 or digits[start] != "0"):
                yield (fixed.get(start, digits[start:end]),)
            return
        for k in range(1, min(limit[start], end - count + 1) - start + 1):
            if k > 1 and digits[start] == "0":
                break
            budget[0] -= 1
            if budget[0] < 0:
                return
            for more in any_cuts(start + k, end, count - 1):
                yield (fixed.get(start, digits[start : start + k]), *more)

    @cache
    def row_cuts(start: int, end: int, width: int) -> tuple[tuple[str, ...], ...]:
        inside = [text for f, text in fixed.items() if start <= f < end]
        if inside:
            found = any_cuts(start, end, width)
            if all(_num(text) is not None for text in inside):  # numbers after all: check the total
                found = (c for c in found if _row_ok(c, 0, width))
            return tuple(itertools.islice(found, MAX_CANDIDATES))
        out = []
        for k in range(1, end - start - (width - 1) + 1):
            first = end - k
            if limit[first] < end or (k > 1 and digits[first] == "0"):
                continue
            total = int(digits[first:end])
            for parts in _parts_summing_to(digits, limit, start, first, width - 1, total, budget):
                out.append((*parts, digits[first:end]))
        return tuple(out)

    @cache
    def feasible(r: int, start: int) -> bool:
        if r == len(widths):
            return start == size
        return any(
            feasible(r + 1, end) and row_cuts(start, end, widths[r])
            for end in range(start + widths[r], size - rest[r] + 1)
        )

    def walk(r: int, start: int) -> Iterator[tuple[str, ...]]:
        if r == len(widths):
            yield ()
            return
        for end in range(start + widths[r], size - rest[r] + 1):
            if not feasible(r + 1, end):
                continue
            for cut in row_cuts(start, end, widths[r]):
                for more in walk(r + 1, end):
                    yield (*cut, *more)

    if feasible(0, 0):
        yield from walk(0, 0)


def _parts_summing_to(
    digits: str, limit: list[int], start: int, end: int, count: int, total: int, budget: list[int]
) -> Iterator[tuple[str, ...]]:
    """Cuts of ``digits[start:end]`` into ``count`` numbers (no leading zeros, none across a token
    boundary) that add up to ``total``."""
    if count == 1:
        fits = start < end <= limit[start] and (end - start == 1 or digits[start] != "0")
        if fits and int(digits[start:end]) == total:
            yield (digits[start:end],)
        return
    # By their lengths alone: no part has more than ``size - count + 1`` digits, and some part has
    # at least ``ceil(size / count)`` (with no leading zero if more than one).
    size = end - start
    if total >= count * 10 ** (size - count + 1):
        return
    widest = -(-size // count)
    if widest > 1 and total < 10 ** (widest - 1):
        return
    longest = min(limit[start], end - (count - 1)) - start
    if digits[start : start + 1] == "0":
        longest = min(longest, 1)
    for k in range(1, longest + 1):
        budget[0] -= 1
        if budget[0] < 0:
            return
        value = int(digits[start : start + k])
        if value > total:
            break  # longer pieces are only larger
        yield from (
            (digits[start : start + k], *rest)
            for rest in _parts_summing_to(digits, limit, start + k, end, count - 1, total - value, budget)
        )


def _cut_tokens(
    tokens: list[tuple[str, bool, bool]], n: int, ends: dict[int, tuple[int, int]], budget: list[int] | None = None
) -> Iterator[Cells]:
    """Depth-first: every token gives one cell, a glued one gives one or more; stops when
    ``budget[0]`` (cuts left to try) runs out."""
    budget = budget if budget is not None else [MAX_CUT_STEPS]
    cells: list[str | None] = []
    count = len(tokens)
    # Fewest and most cells the tokens from i on can give.
    least = [count - i for i in range(count + 1)]
    most = [0] * (count + 1)
    for i in range(count - 1, -1, -1):
        text, _, glued = tokens[i]
        most[i] = most[i + 1] + (_max_cells(text) if glued else 1)

    def walk(ti: int) -> Iterator[Cells]:
        if ti == count:
            if len(cells) == n:
                yield tuple(cells)
            return
        text, blank, glued = tokens[ti]
        if blank or not glued:
            cells.append(None if blank else text)
            if _complete_ok(cells, ends):
                yield from walk(ti + 1)
            cells.pop()
            return
        yield from split(ti, text)

    def split(ti: int, text: str) -> Iterator[Cells]:
        for piece in _first_pieces(text):
            budget[0] -= 1
            if budget[0] < 0:
                return
            rest = text[len(piece) :]
            cells.append(piece)
            if _complete_ok(cells, ends):
                if not rest:
                    if least[ti + 1] <= n - len(cells) <= most[ti + 1]:
                        yield from walk(ti + 1)
                elif len(cells) + 1 + least[ti + 1] <= n:
                    yield from split(ti, rest)
            cells.pop()

    yield from walk(0)


def _first_pieces(text: str) -> Iterator[str]:
    """Possible first numbers of a glued run: a sign only at its start, no leading zeros."""
    sign = text[0] if text[0] in "+-" else ""
    body = text[len(sign) :]
    digits = body if body[-1:].isdigit() else _UNIT_SUFFIX.sub("", body)
    point = digits.find(".")
    int_len = point if point >= 0 else len(digits)
    for k in range(1, int_len + 1):
        piece = body[:k]
        if len(piece) > 1 and piece.startswith("0"):
            break
        yield sign + (body if k == int_len else piece)  # the decimals and the unit stay with the last number


def _max_cells(text: str) -> int:
    digits = text.lstrip("+-")
    digits = (digits if digits[-1:].isdigit() else _UNIT_SUFFIX.sub("", digits)).split(".")[0]
    return max(1, len(digits))


def _complete_ok(cells: list[str | None], ends: dict[int, tuple[int, int]]) -> bool:
    span = ends.get(len(cells))
    return span is None or _row_ok(tuple(cells), *span)


# ----------------------------------------------------------------------------- the prior
# Where the identities cannot tell two readings apart (a row without a total: ``-1220`` is
# -1 | 20 or -12 | 0), the likelier one is chosen under a prior of what the cells of a real
# report look like. Each count is 0 with some probability (zero is the commonest count in these
# tables: most agencies make no 规章, get no request from a research body, lose no lawsuit) and
# otherwise log-uniform up to a typical size, i.e. P(x) ∝ 1/x, each order of magnitude about as
# likely, with a Zipf tail (∝ 1/x², as the sizes of organisations) past that size. Amounts
# (万元) are the same over a continuum, priced at the precision they are written with.
#
# The typical sizes, by table, row (``*``: any) and column, as (share of zeros, typical size).
# They come from what the counts are, not from any sample of reports:
_TYPICAL: dict[tuple[str, str, str], tuple[float, float]] = {
    # 规章: only governments with rule-making power (provinces, larger cities) make them, a few a
    # year; most agencies have none at all. ``stock``: those published or in force beyond this
    # year's (对外公开总数量, 现行有效件数 less this year's).
    ("active_disclosure", "art20_1.regulations", "made"): (0.6, 5),
    ("active_disclosure", "art20_1.regulations", "repealed"): (0.7, 5),
    ("active_disclosure", "art20_1.regulations", "stock"): (0.5, 50),
    # 规范性文件: most agencies issue some, up to tens a year, and have up to hundreds in force.
    ("active_disclosure", "art20_1.normative_docs", "made"): (0.2, 30),
    ("active_disclosure", "art20_1.normative_docs", "repealed"): (0.5, 10),
    ("active_disclosure", "art20_1.normative_docs", "stock"): (0.2, 300),
    # Items on an agency's list of licences, penalties, coercive measures: tens to hundreds.
    ("active_disclosure", "*", "prev_items"): (0.2, 100),
    # Fee items: a handful (the central and provincial fee catalogues are short).
    ("active_disclosure", "art20_8.admin_fees", "prev_items"): (0.3, 10),
    # A list changes by a few items a year, most often not at all.
    ("active_disclosure", "*", "delta"): (0.5, 10),
    # Decisions (licences granted, penalties imposed): from none to tens of thousands.
    ("active_disclosure", "*", "decisions"): (0.2, 10_000),
    # Central procurement: up to about a hundred projects a year.
    ("active_disclosure", "*", "projects"): (0.2, 100),
    # Fees collected (万元): none for most agencies now that most fees are abolished, else up to ~10^3.
    ("active_disclosure", "*", "amount_wan_yuan"): (0.3, 1_000),
    # Requests: natural persons file most of them (tens to hundreds; thousands at busy agencies);
    # companies some; research bodies, NGOs and law firms rarely.
    ("applications", "*", "natural"): (0.3, 100),
    ("applications", "*", "commercial"): (0.5, 20),
    ("applications", "*", "research"): (0.8, 5),
    ("applications", "*", "public_interest"): (0.8, 5),
    ("applications", "*", "legal_service"): (0.7, 10),
    ("applications", "*", "other_org"): (0.6, 10),
    # Administrative reviews and lawsuits over disclosure: a few a year at most.
    ("review_litigation", "*", "*"): (0.6, 10),
}
_DEFAULT_TYPICAL = (0.3, 100.0)
# What one centrally procured project costs (万元): from office supplies bought under the
# catalogue (~1) to a building or an IT system (~1000); the total is the count times this.
_PROJECT_COST = (1.0, 1000.0)
# Natural persons file most disclosure requests at almost every agency: in a row of the
# applications table they are rarely outnumbered by one kind of organisation.
_NATURAL_FIRST = 0.8
_LOG_IMPOSSIBLE = -50.0  # a hard constraint broken (a negative count): only if nothing else reads


def _typical(table: str, row: str, col: str) -> tuple[float, float]:
    for key in ((table, row, col), (table, "*", col), (table, "*", "*")):
        if key in _TYPICAL:
            return _TYPICAL[key]
    return _DEFAULT_TYPICAL


def _log_count(x: float, zero: float, scale: float) -> float:
    """log P(a count is x): 0 with probability ``zero``, else ∝ 1/x up to ``scale`` and 1/x² past it."""
    if x == 0:
        return math.log(zero) if zero > 0 else _LOG_IMPOSSIBLE
    if x < 0 or x != int(x):
        return _LOG_IMPOSSIBLE
    out = math.log1p(-zero) - math.log(math.log(scale) + 1.58) - math.log(x)  # Σ 1/x to scale, + the tail
    if x > scale:
        out -= math.log(x / scale)
    return out


def _log_amount(x: float, places: int, zero: float, low: float, high: float) -> float:
    """log P(an amount written with ``places`` decimals is x): 0 with probability ``zero``, else
    log-uniform from ``low`` to ``high`` with Zipf tails on both sides."""
    if x == 0:
        return math.log(zero)
    if x < 0:
        return _LOG_IMPOSSIBLE
    out = math.log1p(-zero) - math.log(math.log(high / low) + 2.0) - math.log(x) - places * math.log(10)
    if x > high:
        out -= math.log(x / high)
    elif x < low:
        out -= math.log(low / x)
    return out


def _places(raw: str) -> int:
    raw = _UNIT_SUFFIX.sub("", raw.strip())
    return len(raw) - raw.index(".") - 1 if "." in raw else 0


def log_prior(table: str, rows: tuple[str, ...], cells: Cells, version: schema.FormatVersion) -> float:
    """log P(a reading) under the prior of realistic cells: the sum over its rows.

    ``rows`` are the rows the cells fill, in order (a row's cells, then the next row's).
    """
    spec = schema.tables(version)[table]
    totals = row_totals(version)
    out, pos = 0.0, 0
    for row in rows:
        cols = spec.row(row).columns
        raws = cells[pos : pos + len(cols)]
        pos += len(cols)
        values = {c.id: _num(r) for c, r in zip(cols, raws, strict=False)}
        texts = {c.id: r for c, r in zip(cols, raws, strict=False)}
        try:
            out += _row_prior(table, row, cols, values, texts, (table, row) in totals)
        except (ValueError, ArithmeticError):  # a reading no real report has (huge, negative): never a crash
            out += _LOG_IMPOSSIBLE
    return out


def plausibility(table: str, row: str, cells: Cells, version: schema.FormatVersion) -> float:
    """:func:`log_prior` of a group's reading; ``row`` ``*`` stands for every row of the table."""
    spec = schema.tables(version)[table]
    rows = tuple(r.id for r in spec.rows) if row == "*" else (row,)
    return log_prior(table, rows, cells, version)


def _row_prior(
    table: str,
    row: str,
    cols: tuple[schema.ColumnSpec, ...],
    values: dict[str, float | None],
    texts: dict[str, str | None],
    has_total: bool,
) -> float:
    def count(col: str, key: str | None = None) -> float:
        x = values.get(col)
        return 0.0 if x is None else _log_count(x, *_typical(table, row, key or col))

    def count_zero(col: str) -> float:
        zero = _typical(table, row, col)[0]
        return math.log(zero) if zero > 0 else 0.0

    def excess(x: float | None, base: float | None, key: str) -> float:
        """``x`` is ``base`` plus a count: it is rarely smaller (a report counting differently)."""
        if x is None or base is None:
            return 0.0
        zero, scale = _typical(table, row, key)
        if x >= base:
            return math.log(0.97) + _log_count(x - base, zero, scale)
        return math.log(0.03) + _log_count(base - x, 0.0, scale)

    ids = [c.id for c in cols]
    if ids == ["new_made", "new_published", "total_published"]:
        made, published, total = (values[c] for c in ids)
        out = count("new_made", "made")
        if made is not None and published is not None:
            # Published this year: most often all that were made, else some of them.
            if published == made:
                out += math.log(0.6)
            elif published < made:
                out += math.log(0.35) - math.log(max(made, 1))
            else:
                out += math.log(0.05) + _log_count(published - made, 0.0, _typical(table, row, "made")[1])
        return out + excess(total, published, "stock")
    if ids == ["issued", "repealed", "in_force"]:
        issued, repealed, in_force = (values[c] for c in ids)
        out = count("issued", "made") + count("repealed") + excess(in_force, issued, "stock")
        if issued is not None and repealed and in_force is not None:
            # A year's repeals are most often a small share of what was in force before them
            # (density 2(1 - f) over the share f): a clean-up that repeals almost all is rare.
            before = in_force - issued + repealed
            share = min(repealed / before, 1.0) if before > 0 else 1.0
            out += math.log(max(2 * (1 - share), 0.02))
        return out
    out = 0.0
    for col in cols:
        x = values[col.id]
        if has_total and col.id == ids[-1]:
            continue  # a total is the sum of the parts: no information of its own
        if x is None:
            # A cell left blank is most often a zero not written: a reading that leaves this cell
            # blank is as likely as one that puts a 0 here (so blanks do not win by being free).
            if col.kind == "count":
                out += count_zero(col.id)
            continue
        if col.kind == "signed":
            zero, scale = _typical(table, row, col.id)
            out += math.log(zero) if x == 0 else math.log1p(-zero) + math.log(0.5) + _log_count(abs(x), 0.0, scale)
            before = values.get("prev_items")
            if before is not None and before + x < 0:
                out += math.log(0.01)  # this year's list cannot have fewer than no items
            elif before is not None and abs(x) > before:
                out += math.log(0.2)  # a list seldom changes by more items than it had
        elif col.kind == "amount":
            text = texts[col.id] or ""
            unit = next((u for u in schema.UNIT_IN_WAN_YUAN if text.endswith(u)), "万元")
            x *= schema.UNIT_IN_WAN_YUAN[unit]  # priced in 万元, whatever unit it is written in
            places = _places(text) + round(-math.log10(schema.UNIT_IN_WAN_YUAN[unit]))
            projects = values.get("projects")
            if projects is None or projects < 0:
                zero, scale = _typical(table, row, col.id)
                out += _log_amount(x, places, zero, 0.01, scale)
            elif projects == 0:  # money is spent on procurement projects, and only on them
                out += math.log(0.95) if x == 0 else math.log(0.05) + _log_amount(x, places, 0.0, *_PROJECT_COST)
            else:  # the total over the projects: their mean cost, times their number
                out += _log_amount(x / projects, places, 0.05, *_PROJECT_COST) - math.log(projects)
        else:
            out += count(col.id)
    if table == "applications" and "natural" in values:
        natural = values["natural"]
        others = [values[c] for c in ids[1 : len(ids) - has_total] if values[c] is not None]
        if natural is not None and others:
            out += math.log(_NATURAL_FIRST if natural >= max(others) else 1 - _NATURAL_FIRST)
    return out


def holding(
    cells: dict[tuple[str, str, str], float | None],
    version: schema.FormatVersion,
    identities: Iterable[schema.Identity] | None = None,
) -> int:
    """How many identities of the format (or of ``identities``) hold on the given cells."""
    ok = 0
    for ident in schema.identities(version) if identities is None else identities:
        lhs = [cells.get(c) for c in ident.lhs]
        rhs = [cells.get(c) for c in ident.rhs]
        if any(x is None for x in lhs + rhs):
            continue
        if abs(sum(lhs) - sum(rhs)) < 1e-6:  # type: ignore[arg-type]
            ok += 1
    return ok


def cell_map(group: Group, cells: Cells, version: schema.FormatVersion) -> dict[tuple[str, str, str], float | None]:
    """The cells of a reading keyed ``(table, row, col)``."""
    spec = schema.tables(version)[group.table]
    out: dict[tuple[str, str, str], float | None] = {}
    pos = 0
    for row, width in zip(group.rows, group.widths, strict=True):
        cols = spec.row(row).columns
        for col in cols[:width]:
            out[(group.table, row, col.id)] = _num(cells[pos])
            pos += 1
    return out


@dataclass(frozen=True)
class Relation:
    """Identities that hold column by column between whole rows: ``Σ lhs rows = Σ rhs rows``."""

    table: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    cols: tuple[str, ...]


@cache
def relations(version: schema.FormatVersion) -> tuple[Relation, ...]:
    """The identities of the format grouped into relations between rows (largest first)."""
    by_rows: dict[tuple, list[str]] = {}
    for ident in schema.identities(version):
        lhs_rows = tuple(c[1] for c in ident.lhs)
        rhs_rows = tuple(c[1] for c in ident.rhs)
        cols = {c[2] for c in (*ident.lhs, *ident.rhs)}
        if len(cols) != 1 or len(lhs_rows) + len(rhs_rows) < 3:
            continue  # a row's own total: handled when the row's readings are listed
        by_rows.setdefault((ident.table, lhs_rows, rhs_rows), []).append(cols.pop())
    out = [Relation(t, lhs, rhs, tuple(cols)) for (t, lhs, rhs), cols in by_rows.items()]
    return tuple(sorted(out, key=lambda r: -(len(r.lhs) + len(r.rhs))))


@dataclass
class Decision:
    """The reading chosen for each group, and what the choice rested on."""

    choice: list[int]  # index of the chosen candidate of each group
    prior: list[list[float]]  # log prior of each candidate (0.0 for a group with one candidate)
    # For a group whose rows are tied to others by relations solved exactly: for each candidate,
    # the log prior of the likeliest reading of all the tied rows in which every identity holds
    # and the group reads so (None: no such reading). None for other groups.
    joint: list[list[float | None] | None]


def choose(groups: list[tuple[Group, list[Cells]]], version: schema.FormatVersion) -> list[int]:
    """The index of the chosen candidate of each group (see :func:`decide`)."""
    return decide(groups, version).choice


def decide(groups: list[tuple[Group, list[Cells]]], version: schema.FormatVersion) -> Decision:
    """Choose a candidate of each group: the most identities holding, then the likeliest.

    Rows tied together by relations (Σ outcomes = 总计 and new + carried-in = 总计 + carried-out,
    column by column) are solved exactly: among the joint readings in which every identity
    holds, the one of highest prior (dynamic programming over the partial column sums, the
    rows the relations share enumerated). Only where no joint reading satisfies them all (the
    report's own figures do not add up, or the search is too large) is it settled by coordinate
    ascent on the number of identities that hold.
    """
    prior = [
        [log_prior(g.table, g.rows, c, version) for c in cands] if len(cands) > 1 else [0.0] for g, cands in groups
    ]
    choice = []
    for (g, cands), p in zip(groups, prior, strict=True):
        checked = _checked(g, version) if len(cands) > 1 else []
        held = [_verified(c, checked) for c in cands] if checked else [0] * len(cands)
        choice.append(max(range(len(p)), key=lambda i, p=p, held=held: (held[i], p[i], -i)))
    decision = Decision(choice, prior, [None] * len(groups))
    if all(len(cands) == 1 for _, cands in groups):
        return decision
    index = {(g.table, g.rows[0]): k for k, (g, _) in enumerate(groups) if len(g.rows) == 1}
    tied: list[tuple[Relation, list[tuple[int, int]]]] = []
    for rel in relations(version):
        members = [(index.get((rel.table, r)), +1) for r in rel.lhs] + [
            (index.get((rel.table, r)), -1) for r in rel.rhs
        ]
        if all(k is not None for k, _ in members):
            tied.append((rel, members))  # type: ignore[arg-type]
    leftover: list[tuple[Relation, list[tuple[int, int]]]] = []
    for component in _components(tied):
        if all(len(groups[k][1]) == 1 for _, members in component for k, _ in members):
            continue
        solved = _solve_exact(groups, prior, component, version)
        if solved is None:
            leftover.extend(component)
            continue
        picks, joint = solved
        for k, idx in picks.items():
            choice[k] = idx
            decision.joint[k] = joint[k]
    if leftover:
        for rel, members in leftover:
            if all(len(groups[k][1]) == 1 for k, _ in members):
                continue
            found = _solve_relation(groups, members, rel, prior, choice, version)
            if found is not None:
                for k, idx in found.items():
                    choice[k] = idx
        free = {k for _, members in leftover for k, _ in members if decision.joint[k] is None}
        _ascend(groups, choice, prior, version, sorted(free))
    return decision


def _components(
    tied: list[tuple[Relation, list[tuple[int, int]]]],
) -> list[list[tuple[Relation, list[tuple[int, int]]]]]:
    """Relations that share a row, together."""
    out: list[tuple[set[int], list]] = []
    for rel, members in tied:
        rows = {k for k, _ in members}
        joined = [c for c in out if c[0] & rows]
        merged = (rows.union(*(c[0] for c in joined)), [x for c in joined for x in c[1]] + [(rel, members)])
        out = [c for c in out if all(c is not j for j in joined)] + [merged]
    return [c[1] for c in out]


# Bounds of the exact joint solution: past them, coordinate ascent. Steps are (state, candidate)
# pairs of the dynamic programming; a real table needs a few thousand.
_MAX_EXACT_STEPS = 200_000
_MAX_COMBOS = 20_000


def _solve_exact(
    groups: list[tuple[Group, list[Cells]]],
    prior: list[list[float]],
    component: list[tuple[Relation, list[tuple[int, int]]]],
    version: schema.FormatVersion,
) -> tuple[dict[int, int], dict[int, list[float | None]]] | None:
    """The likeliest joint reading of the rows of ``component`` in which every identity holds,
    and for every candidate of those rows the log prior of the likeliest such reading using it;
    None if there is none (or it is too costly to find)."""
    spec = schema.tables(version)[component[0][0].table]
    uses = Counter(k for _, members in component for k, _ in members)
    shared = sorted(k for k, n in uses.items() if n > 1)

    vectors: dict[tuple[int, int], list[tuple[int, ...]]] = {}  # (relation, group) -> candidate vectors
    for r, (rel, members) in enumerate(component):
        for k, _ in members:
            g, cands = groups[k]
            cols = [c.id for c in spec.row(g.rows[0]).columns]
            where = [cols.index(c) if c in cols else None for c in rel.cols]
            vecs = []
            for cand in cands:
                vec = []
                for j in where:
                    x = (
                        parse_value(cand[j], "count")
                        if j is not None and j < len(cand) and cand[j] is not None
                        else None
                    )
                    if not isinstance(x, int):
                        return None  # a cell missing or not a count: the identity cannot be solved for
                    vec.append(x)
                vecs.append(tuple(vec))
            vectors[(r, k)] = vecs
    combos = math.prod(len(groups[k][1]) for k in shared)
    if combos > _MAX_COMBOS:
        return None
    budget = [_MAX_EXACT_STEPS]
    # Each relation on its own: the rows it does not share, by dynamic programming; its target
    # is what the shared rows leave (Σ signed rows = 0).
    targets: list[list[tuple[int, ...]]] = []  # per relation, per combination of the shared rows
    combo_list = list(itertools.product(*(range(len(groups[k][1])) for k in shared)))
    forwards = []
    for r, (rel, members) in enumerate(component):
        width = len(rel.cols)
        fixed = [(shared.index(k), sign) for k, sign in members if k in uses and uses[k] > 1]
        tr = []
        for combo in combo_list:
            t = [0] * width
            for pos, sign in fixed:
                k = shared[pos]
                vec = vectors[(r, k)][combo[pos]]
                for c in range(width):
                    t[c] -= sign * vec[c]
            tr.append(tuple(t))
        targets.append(tr)
        free = [(k, sign) for k, sign in members if uses[k] == 1]
        rows = [([tuple(sign * x for x in v) for v in vectors[(r, k)]], prior[k]) for k, sign in free]
        layers = _forward(rows, set(tr), budget)
        if layers is None:
            return None
        forwards.append((free, rows, layers))
    # The combinations of the shared rows for which every relation reaches its target.
    totals: list[tuple[float, int]] = []  # (score, index of the combination)
    for i, combo in enumerate(combo_list):
        score = sum(prior[k][combo[pos]] for pos, k in enumerate(shared))
        for r, (_, _, layers) in enumerate(forwards):
            end = layers[-1].get(targets[r][i])
            if end is None:
                break
            score += end[0]
        else:
            totals.append((score, i))
    if not totals:
        return None
    best_i = max(totals, key=lambda t: t[0])[1]
    picks = {k: combo_list[best_i][pos] for pos, k in enumerate(shared)}
    joint: dict[int, list[float | None]] = {k: [None] * len(groups[k][1]) for k in uses}
    for pos, k in enumerate(shared):
        for score, i in totals:
            idx = combo_list[i][pos]
            if joint[k][idx] is None or score > joint[k][idx]:  # type: ignore[operator]
                joint[k][idx] = score
    for r, (free, rows, layers) in enumerate(forwards):
        state = targets[r][best_i]
        for layer in range(len(rows), 0, -1):
            _, prev, idx = layers[layer][state]
            picks[free[layer - 1][0]] = idx
            state = prev
        # What the rest of the component adds, for each end state of this relation.
        terminal: dict[tuple[int, ...], float] = {}
        for score, i in totals:
            t = targets[r][i]
            rest = score - layers[-1][t][0]
            if t not in terminal or rest > terminal[t]:
                terminal[t] = rest
        for (k, _), marg in zip(free, _max_marginals(rows, layers, terminal, budget), strict=True):
            joint[k] = marg
    return picks, joint


def _forward(
    rows: list[tuple[list[tuple[int, ...]], list[float]]], targets: set[tuple[int, ...]], budget: list[int]
) -> list[dict[tuple[int, ...], tuple[float, tuple[int, ...] | None, int]]] | None:
    """Best score of each partial sum after each row, with a back pointer; states from which no
    target can be reached any more are dropped (the rows left can only add so much)."""
    if not targets:
        return None
    width = len(next(iter(targets)))
    lo_t = [min(t[c] for t in targets) for c in range(width)]
    hi_t = [max(t[c] for t in targets) for c in range(width)]
    m = len(rows)
    rest_lo = [[0] * width for _ in range(m + 1)]
    rest_hi = [[0] * width for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        vecs = rows[i][0]
        for c in range(width):
            rest_lo[i][c] = rest_lo[i + 1][c] + min(v[c] for v in vecs)
            rest_hi[i][c] = rest_hi[i + 1][c] + max(v[c] for v in vecs)
    layers: list[dict] = [{(0,) * width: (0.0, None, -1)}]
    for i, (vecs, scores) in enumerate(rows):
        lo = [lo_t[c] - rest_hi[i + 1][c] for c in range(width)]
        hi = [hi_t[c] - rest_lo[i + 1][c] for c in range(width)]
        budget[0] -= len(layers[-1]) * len(vecs)
        if budget[0] < 0:
            return None
        nxt: dict = {}
        for state, (score, _, _) in layers[-1].items():
            for idx, vec in enumerate(vecs):
                t = tuple(map(operator.add, state, vec))
                if any(not (a <= x <= b) for a, x, b in zip(lo, t, hi, strict=True)):
                    continue
                s = score + scores[idx]
                old = nxt.get(t)
                if old is None or s > old[0]:
                    nxt[t] = (s, state, idx)
        layers.append(nxt)
    return layers


def _max_marginals(
    rows: list[tuple[list[tuple[int, ...]], list[float]]],
    layers: list[dict],
    terminal: dict[tuple[int, ...], float],
    budget: list[int],
) -> list[list[float | None]]:
    """For every candidate of every row, the best total score of a reading through it that ends
    in a state of ``terminal`` (plus what that state adds)."""
    out: list[list[float | None]] = [[None] * len(vecs) for vecs, _ in rows]
    after: dict[tuple[int, ...], float] = terminal
    for i in range(len(rows) - 1, -1, -1):
        vecs, scores = rows[i]
        here: dict[tuple[int, ...], float] = {}
        marg = out[i]
        for state, (before, _, _) in layers[i].items():
            best = None
            for idx, vec in enumerate(vecs):
                rest = after.get(tuple(map(operator.add, state, vec)))
                if rest is None:
                    continue
                value = scores[idx] + rest
                if best is None or value > best:
                    best = value
                total = before + value
                if marg[idx] is None or total > marg[idx]:  # type: ignore[operator]
                    marg[idx] = total
            if best is not None:
                here[state] = best
        after = here
    return out


# The fallback, for relations no joint reading satisfies. States of the dynamic programming of
# one relation, and states times candidates summed over its rows: past these it is left to
# coordinate ascent (20,000 states × 5,000 glued readings of a row took minutes).
_MAX_STATES = 20000
_MAX_WORK = 40_000


def _solve_relation(
    groups: list[tuple[Group, list[Cells]]],
    members: list[tuple[int, int]],
    rel: Relation,
    plaus: list[list[float]],
    choice: list[int],
    version: schema.FormatVersion,
) -> dict[int, int] | None:
    """Candidates of the member rows whose signed sum is zero in every column, most plausible first."""
    spec = schema.tables(version)[rel.table]

    def vector(k: int, idx: int, sign: int) -> tuple[float, ...]:
        g, cands = groups[k]
        cols = [c.id for c in spec.row(g.rows[0]).columns]
        cells = dict(zip(cols, cands[idx], strict=False))
        values = [_num(cells.get(c)) or 0.0 for c in rel.cols]
        # whole numbers add up exactly as ints (no rounding of every partial sum: a third of the time)
        return tuple(sign * (int(x) if x.is_integer() else x) for x in values)

    width = len(rel.cols)
    states: dict[tuple[float, ...], tuple[float, tuple[tuple[int, int], ...]]] = {(0,) * width: (0.0, ())}
    work = 0
    for k, sign in members:
        cands = groups[k][1]
        work += len(states) * len(cands)
        if work > _MAX_WORK:
            return None  # too many readings to solve exactly: leave it to coordinate ascent
        vectors = [vector(k, idx, sign) for idx in range(len(cands))]
        exact = all(isinstance(x, int) for vec in vectors for x in vec)
        nxt: dict[tuple[float, ...], tuple[float, tuple[tuple[int, int], ...]]] = {}
        scores = plaus[k]
        for total, (score, path) in states.items():
            ints = exact and all(isinstance(x, int) for x in total)
            for idx, vec in enumerate(vectors):
                if ints:
                    key = tuple(map(operator.add, total, vec))
                else:
                    key = tuple(round(a + b, 6) for a, b in zip(total, vec, strict=True))
                s = score + scores[idx]
                old = nxt.get(key)
                if old is None or s > old[0]:
                    nxt[key] = (s, (*path, (k, idx)))
        if len(nxt) > _MAX_STATES:
            return None  # too many readings to solve exactly: leave it to coordinate ascent
        states = nxt
    best = states.get((0,) * width)
    return dict(best[1]) if best else None


def _ascend(
    groups: list[tuple[Group, list[Cells]]],
    choice: list[int],
    plaus: list[list[float]],
    version: schema.FormatVersion,
    only: list[int],
) -> list[int]:
    """Change one group's reading at a time while more identities hold (then a likelier one)."""
    ambiguous = [k for k in only if len(groups[k][1]) > 1]
    if not ambiguous:
        return choice
    maps = [cell_map(g, cands[choice[k]], version) for k, (g, cands) in enumerate(groups)]
    identities = schema.identities(version)

    def merged(maps_: list[dict]) -> dict:
        out: dict = {}
        for m in maps_:
            out.update(m)
        return out

    for _ in range(3):
        changed = False
        for k in ambiguous:
            g, cands = groups[k]
            # Only the identities on this group's cells change with its reading: the others are
            # counted once, not again for every candidate (2,000 trials took a second).
            mine = set(maps[k])
            touching = [i for i in identities if mine.intersection(i.lhs) or mine.intersection(i.rhs)]
            current = merged(maps)
            base = holding(current, version) - holding(current, version, touching)
            best, best_score = choice[k], (base + holding(current, version, touching), plaus[k][choice[k]], -choice[k])
            for idx, cand in enumerate(cands[:500]):
                current.update(cell_map(g, cand, version))  # every reading of a group has the same cells
                score = (base + holding(current, version, touching), plaus[k][idx], -idx)
                if score > best_score:
                    best, best_score = idx, score
            current.update(maps[k])
            if best != choice[k]:
                choice[k] = best
                maps[k] = cell_map(g, cands[best], version)
                changed = True
        if not changed:
            break
    return choice


# ----------------------------------------------------------------------------- for the user


@dataclass
class Explanation:
    """What a user needs to review a group's reading."""

    cells: list[str]  # "table.row.col" of each value of the reading, in order
    others: list[dict[str, Any]]  # the best alternatives, best first
    decided_by: str  # "identities": no other reading satisfies as many; "prior": the likeliest of several
    log_prior: float  # of the chosen reading


def explain(
    groups: list[tuple[Group, list[Cells]]], decision: Decision, version: schema.FormatVersion, limit: int = 5
) -> list[Explanation | None]:
    """For every group with several candidates (None for the others): its cells and up to
    ``limit`` alternatives, each with its values, how many identities of the format hold with
    it, its log prior and why it lost.

    An alternative of rows solved jointly counts the identities of the likeliest joint reading
    through it; any other alternative is tried with the other rows as chosen.
    """
    if all(len(cands) <= 1 for _, cands in groups):
        return [None] * len(groups)
    chosen: dict[tuple[str, str, str], float | None] = {}
    for k, (g, cands) in enumerate(groups):
        chosen.update(cell_map(g, cands[decision.choice[k]], version))
    holds = holding(chosen, version)
    n_identities = len(schema.identities(version))
    out: list[Explanation | None] = []
    for k, (g, cands) in enumerate(groups):
        if len(cands) <= 1:
            out.append(None)
            continue
        c, prior, joint = decision.choice[k], decision.prior[k], decision.joint[k]
        mine = set(cell_map(g, cands[c], version))
        touching = [i for i in schema.identities(version) if mine.intersection(i.lhs) or mine.intersection(i.rhs)]
        if joint is not None:
            order = sorted(
                range(len(cands)),
                key=lambda i: (joint[i] is not None, -math.inf if joint[i] is None else joint[i], prior[i], -i),
                reverse=True,
            )
        else:
            order = sorted(range(len(cands)), key=lambda i: (prior[i], -i), reverse=True)
        others: list[dict[str, Any]] = []
        for i in order:
            if len(others) == limit:
                break
            if i == c:
                continue
            values = [parse_value(x) if x is not None else None for x in cands[i]]
            if joint is not None and joint[i] is not None:
                held = holds
                why = (
                    "every identity can hold with it too, other rows read accordingly; the likeliest such "
                    f"reading is less likely (log prior {joint[i]:.1f} against {joint[c] if joint[c] is not None else prior[c]:.1f})"
                )
            else:
                # Only the identities on this group's cells can change with its reading.
                trial = {**chosen, **cell_map(g, cands[i], version)}
                held = holds - holding(chosen, version, touching) + holding(trial, version, touching)
                if held < holds:
                    why = f"fewer identities hold: {held} of {n_identities} against {holds}"
                elif held > holds:
                    why = f"more identities hold with it ({held} against {holds}), but the search did not reach it"
                elif prior[i] < prior[c]:
                    why = f"as many identities hold; less likely (log prior {prior[i]:.1f} against {prior[c]:.1f})"
                else:
                    why = f"as many identities hold, as likely (log prior {prior[i]:.1f}): the first was kept"
            others.append({"values": values, "identities": held, "log_prior": round(prior[i], 2), "why": why})
        if joint is not None:
            unique = sum(j is not None for j in joint) <= 1
        else:
            unique = all(o["identities"] < holds for o in others)
        out.append(
            Explanation(
                [".".join(key) for key in cell_map(g, cands[c], version)],
                others,
                "identities" if unique else "prior",
                round(prior[c], 2),
            )
        )
    return out
