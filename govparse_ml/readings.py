"""Readings of a table row's values, chosen under the identities of the format.

A row's text does not always say which number is in which cell: digits glued together
(``640020470`` for seven cells), a stray page number, cells left out. For each row (a
*group*: one schema row, or the three rows of the review table that are written as one run
of fifteen numbers) this module lists the candidate readings, prunes them with the row's own
identity (total = sum of the parts), then picks one candidate per group so that the most
identities of the whole table hold, with a plausibility prior as the tie-break.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from . import schema

Cells = tuple[str | None, ...]

_GLUED = re.compile(r"[-+]?\d{2,}(?:\.\d+)?")
_UNIT_SUFFIX = re.compile(r"(?:万元|元|万|件|条|个|项|次|家|人|%)$")
# At most this many candidate readings of one group are kept.
MAX_CANDIDATES = 5000
# At most this many cuts are tried per group: without a bound, a long glued run that no cut
# fits (37 digits for 7 cells: C(36, 6) cuts) took a minute. Real rows need < 100,000.
MAX_CUT_STEPS = 300_000


@cache
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

    @property
    def glued(self) -> bool:
        return bool(_GLUED.fullmatch(self.raw))


@dataclass
class Group:
    """Values read for one row (or for the review table's three rows) of a table."""

    table: str
    rows: tuple[str, ...]
    widths: tuple[int, ...]  # number of cells of each row
    values: list[RawValue]
    lead: int  # empty cells between the row label and its first value
    lines: list[int]

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


def candidates(group: Group, version: schema.FormatVersion) -> tuple[list[Cells], str]:
    """Possible readings of a group as cells, the row identities applied, and why there are several."""
    totals = row_totals(version)
    checked = [
        (sum(group.widths[:i]), w)
        for i, (r, w) in enumerate(zip(group.rows, group.widths, strict=True))
        if (group.table, r) in totals
    ]
    raws: list[str | None] = [None if v.blank else v.raw for v in group.values]
    n = group.size
    if len(raws) == n:
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
        cands = list(itertools.islice(_glued_readings(group.values, n, checked), MAX_CANDIDATES))
        if cands:
            return _unique(cands), "digits glued together"
        # No cut satisfies the row identities: the best cut regardless, and the checks will say so.
        cands = list(itertools.islice(_glued_readings(group.values, n, []), MAX_CANDIDATES))
        if cands:
            return _unique(cands), "digits glued together (no reading satisfies the row identities)"
    missing = n - len(raws)
    left = tuple(raws + [None] * missing)
    right = tuple([None] * missing + raws)
    order = [right, left] if group.lead >= missing else [left, right]
    return _unique(order), "cells missing"


def _prune(cands: list[Cells], checked: list[tuple[int, int]]) -> list[Cells]:
    good = [c for c in cands if all(_row_ok(c, s, w) for s, w in checked)]
    return good or cands


def _unique(cands: list[Cells]) -> list[Cells]:
    """Candidates that read differently (dropping either of two equal numbers is one reading)."""
    seen: dict[tuple, Cells] = {}
    for c in cands:
        seen.setdefault(tuple(_num(v) for v in c), c)
    return list(seen.values())


def _glued_readings(values: list[RawValue], n: int, checked: list[tuple[int, int]]) -> Iterator[Cells]:
    """Cut glued digit runs into ``n`` cells, pruning with the row identities as cells complete."""
    ends = {s + w: (s, w) for s, w in checked}
    variants = []
    for v in values:
        options = [v.raw]
        if v.numbered_tail:  # the last one or two digits may be the next item's number
            options += [v.raw[:-k] for k in (1, 2) if len(v.raw) > k and v.raw[:-k][-1:].isdigit()]
        variants.append(options)
    budget = [MAX_CUT_STEPS]  # shared by the variants
    whole_row = checked == [(0, n)]
    for texts in itertools.product(*variants):
        if whole_row and len(texts) == 1 and texts[0].isdigit():
            # One run of digits for one row with a total: choose the total, then cut the rest.
            yield from _cut_row_with_total(texts[0], n, budget)
            continue
        tokens = [(t, v.blank, v.glued or v.numbered_tail) for t, v in zip(texts, values, strict=True)]
        yield from _cut_tokens(tokens, n, ends, budget)


def _cut_row_with_total(digits: str, n: int, budget: list[int]) -> Iterator[Cells]:
    """Cuts of ``digits`` into ``n - 1`` parts followed by their sum.

    Knowing the total first turns the search into a subset-sum walk whose partial sums can
    never pass the total, so even long rows are cut in a few thousand steps.
    """
    for k in range(1, len(digits) - (n - 1) + 1):
        total_text = digits[-k:]
        if len(total_text) > 1 and total_text.startswith("0"):
            continue
        for parts in _parts_summing_to(digits[:-k], n - 1, int(total_text), budget):
            yield (*parts, total_text)


def _parts_summing_to(digits: str, count: int, total: int, budget: list[int]) -> Iterator[tuple[str, ...]]:
    """Cuts of ``digits`` into ``count`` numbers (no leading zeros) that add up to ``total``."""
    if count == 1:
        if digits and (digits == "0" or not digits.startswith("0")) and int(digits) == total:
            yield (digits,)
        return
    for piece in _first_pieces(digits[: len(digits) - (count - 1)]):
        budget[0] -= 1
        if budget[0] < 0:
            return
        value = int(piece)
        if value > total:
            break  # longer pieces are only larger
        for rest in _parts_summing_to(digits[len(piece) :], count - 1, total - value, budget):
            yield (piece, *rest)


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
    point = body.find(".")
    int_len = point if point >= 0 else len(body)
    for k in range(1, int_len + 1):
        piece = body[:k]
        if len(piece) > 1 and piece.startswith("0"):
            break
        yield sign + (body if k == int_len else piece)  # the decimal part stays with the last number


def _max_cells(text: str) -> int:
    digits = text.lstrip("+-").split(".")[0]
    return max(1, len(digits))


def _complete_ok(cells: list[str | None], ends: dict[int, tuple[int, int]]) -> bool:
    span = ends.get(len(cells))
    return span is None or _row_ok(tuple(cells), *span)


def plausibility(table: str, row: str, cells: Cells) -> float:
    """A prior over readings the identities cannot tell apart: realistic shapes score higher."""
    nums = [_num(v) for v in cells]
    present = [x for x in nums if x is not None]
    score = 0.0
    if present:
        # Counts in one row tend to be of a similar size.
        lengths = [len(str(int(abs(x)))) for x in present]
        score -= (max(lengths) - min(lengths)) * 0.5
        # Zero is the commonest count of all: a lone 0 beats a 0 glued onto a neighbour (60|1 vs 6|0|1).
        score += 1.0 * sum(x == 0 for x in present)
    if table == "active_disclosure" and len(nums) == 3 and None not in nums and row.startswith("art20_1"):
        score += 1.0 if nums[2] >= nums[1] else -1.0  # type: ignore[operator]
    return score


def holding(cells: dict[tuple[str, str, str], float | None], version: schema.FormatVersion) -> int:
    """How many identities of the format hold on the given cells."""
    ok = 0
    for ident in schema.identities(version):
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


def choose(groups: list[tuple[Group, list[Cells]]], version: schema.FormatVersion) -> list[int]:
    """The index of the chosen candidate of each group: most identities, then plausibility.

    Rows tied together by a relation (total_processed = Σ outcomes, column by column) are
    solved jointly by dynamic programming over the partial sums; what is left ambiguous is
    settled by coordinate ascent on the number of identities that hold.
    """
    plaus = [[plausibility(g.table, g.name, c) for c in cands] if len(cands) > 1 else [0.0] for g, cands in groups]
    choice = [max(range(len(cands)), key=lambda i, k=k: (plaus[k][i], -i)) for k, (_, cands) in enumerate(groups)]
    if all(len(cands) == 1 for _, cands in groups):
        return choice
    index = {(g.table, r): k for k, (g, _) in enumerate(groups) for r in g.rows if len(g.rows) == 1}
    for rel in relations(version):
        members = [(index.get((rel.table, r)), +1) for r in rel.lhs] + [(index.get((rel.table, r)), -1) for r in rel.rhs]
        if any(k is None for k, _ in members) or all(len(groups[k][1]) == 1 for k, _ in members):  # type: ignore[index]
            continue
        solved = _solve_relation(groups, members, rel, plaus, choice, version)  # type: ignore[arg-type]
        if solved is not None:
            for k, idx in solved.items():
                choice[k] = idx
    return _ascend(groups, choice, plaus, version)


_MAX_STATES = 20000
# States times candidates, summed over the rows of a relation: past this the exact solution
# is not tried (the layout tests need at most ~3,000; 20,000 states × 5,000 glued readings
# of a row took minutes).
_MAX_WORK = 100_000


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

    def vector(k: int, idx: int) -> tuple[float, ...]:
        g, cands = groups[k]
        cols = [c.id for c in spec.row(g.rows[0]).columns]
        cells = dict(zip(cols, cands[idx], strict=False))
        return tuple(_num(cells.get(c)) or 0.0 for c in rel.cols)

    width = len(rel.cols)
    states: dict[tuple[float, ...], tuple[float, tuple[tuple[int, int], ...]]] = {(0.0,) * width: (0.0, ())}
    work = 0
    for k, sign in members:
        cands = groups[k][1]
        work += len(states) * len(cands)
        if work > _MAX_WORK:
            return None  # too many readings to solve exactly: leave it to coordinate ascent
        vectors = [vector(k, idx) for idx in range(len(cands))]
        nxt: dict[tuple[float, ...], tuple[float, tuple[tuple[int, int], ...]]] = {}
        for total, (score, path) in states.items():
            for idx in range(len(cands)):
                vec = vectors[idx]
                key = tuple(round(a + sign * b, 6) for a, b in zip(total, vec, strict=True))
                cand = (score + plaus[k][idx], (*path, (k, idx)))
                if key not in nxt or cand[0] > nxt[key][0]:
                    nxt[key] = cand
        if len(nxt) > _MAX_STATES:
            return None  # too many readings to solve exactly: leave it to coordinate ascent
        states = nxt
    best = states.get((0.0,) * width)
    return dict(best[1]) if best else None


def _ascend(
    groups: list[tuple[Group, list[Cells]]], choice: list[int], plaus: list[list[float]], version: schema.FormatVersion
) -> list[int]:
    ambiguous = [k for k, (_, cands) in enumerate(groups) if len(cands) > 1]
    if not ambiguous:
        return choice
    maps = [cell_map(g, cands[choice[k]], version) for k, (g, cands) in enumerate(groups)]

    def total(maps_: list[dict]) -> int:
        merged: dict = {}
        for m in maps_:
            merged.update(m)
        return holding(merged, version)

    for _ in range(3):
        changed = False
        for k in ambiguous:
            g, cands = groups[k]
            best, best_score = choice[k], (total(maps), plaus[k][choice[k]], -choice[k])
            for idx, cand in enumerate(cands[:500]):
                trial = [*maps[:k], cell_map(g, cand, version), *maps[k + 1 :]]
                score = (total(trial), plaus[k][idx], -idx)
                if score > best_score:
                    best, best_score = idx, score
            if best != choice[k]:
                choice[k] = best
                maps[k] = cell_map(g, cands[best], version)
                changed = True
        if not changed:
            break
    return choice
