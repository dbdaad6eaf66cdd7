"""The candidate readings of a group: the ways its values can fill its cells.

A row's text does not always say which number is in which cell: digits glued together, a
stray page number, cells left out. For each group this module lists the readings the hard
constraints allow, pruned with the row's own identity (total = sum of the parts), within a
document's inputs limit (:class:`SearchBudget`). :mod:`govparse_ml.tables.decision` picks one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from govparse_ml.format import schema
from govparse_ml.tables.glued import MAX_CANDIDATES, MAX_CUT_STEPS, glued_readings
from govparse_ml.tables.identities import checked_rows, row_adds_up, totals_holding
from govparse_ml.tables.values import Cells, Group, RawValue, number

# If no cut satisfies the row identities, at most this many of the cuts are kept regardless.
MAX_UNCHECKED = 500
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

_ZEROS = re.compile(r"00+")


@dataclass
class SearchBudget:
    """What is left of a document's inputs limit, and the rows whose search it cut short."""

    steps: int = MAX_DOC_STEPS
    candidates: int = MAX_DOC_CANDIDATES
    cut: list[str] = field(default_factory=list)

    def warning(self, since: int = 0) -> str | None:
        """The warning for the rows cut short from the ``since``-th on (those of one reading of the
        tables, when the document's text is read several ways), None if none was."""
        cut = self.cut[since:]
        if not cut:
            return None
        shown = ", ".join(cut[:6]) + ("…" if len(cut) > 6 else "")
        return (
            f"the search for the readings of glued digits hit the inputs limit ({MAX_CUT_STEPS:,} cut steps "
            f"a row, {MAX_DOC_STEPS:,} and {MAX_DOC_CANDIDATES:,} readings a document) in {len(cut)} "
            f"row{'s' * (len(cut) > 1)} ({shown}): their cells are the best reading found within it, "
            "check them against the source"
        )


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
    if _has_zero_run(group.values):
        group = _zeros_apart(group)
    raws: list[str | None] = [None if v.blank else v.raw for v in group.values]
    n = group.size
    if len(raws) == n and not any([v.numbered_tail for v in group.values]):
        return [tuple(raws)], ""  # most rows: one value a cell
    checked = checked_rows(group, version)
    if len(raws) > n:
        return _too_many(raws, n, checked)
    if any(v.glued or v.numbered_tail for v in group.values):
        found = _glued_candidates(group, version, checked, budget or SearchBudget())
        if found is not None:
            return found
    return _too_few(group, raws, n)


def _too_many(raws: list[str | None], n: int, checked: list[tuple[int, int]]) -> tuple[list[Cells], str]:
    """A stray number (a page number, a repeated cell): drop one or two of them, last first."""
    extra = len(raws) - n
    if extra > 2:
        return [tuple(raws[:n])], f"{extra} numbers too many, kept the first {n}"
    drops = itertools.combinations(range(len(raws) - 1, -1, -1), extra)
    cands = [tuple(r for i, r in enumerate(raws) if i not in d) for d in drops]
    return _prune(_unique(cands), checked), f"{extra} number{'s' if extra > 1 else ''} too many"


def _too_few(group: Group, raws: list[str | None], n: int) -> tuple[list[Cells], str]:
    """Cells left out: where the layout says, else at the end or at the start."""
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
    if 0 < excess <= MAX_LABEL_PADDING and trail <= missing:
        # as wide as the grid (its last value in the last column, if no empty cell follows it):
        # the excess empty cells are the label's
        return tuple([None] * (missing - trail) + raws + [None] * trail)
    if not trail and lead <= missing:
        # cut short after its last value: its cells start after the label, the empty ones
        # between label and first value included
        return tuple([None] * lead + raws + [None] * (missing - lead))
    return None


def _has_zero_run(values: list[RawValue]) -> bool:
    """Whether a value is a run of zeros (``00``, ``000``…); the joined text is looked at first:
    most rows have no ``00`` at all."""
    return "00" in " ".join([v.raw for v in values]) and any(
        v.raw.startswith("00") and _ZEROS.fullmatch(v.raw) for v in values
    )


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


def _glued_candidates(
    group: Group, version: schema.FormatVersion, checked: list[tuple[int, int]], doc: SearchBudget
) -> tuple[list[Cells], str] | None:
    steps = max(MIN_ROW_STEPS, min(MAX_CUT_STEPS, doc.steps))
    budget = [steps]  # shared by every search of this row
    limit = max(MIN_ROW_CANDIDATES, min(MAX_CANDIDATES, doc.candidates))
    short = [False]  # whether the document's readings left cut a search of the row short
    found = _glued_search(group, version, checked, (budget, short), limit)
    doc.steps -= steps - max(budget[0], 0)
    if budget[0] < 0 or short[0]:
        doc.cut.append(group.name)
    if found is not None:
        doc.candidates -= len(found[0])
    return found


def _glued_search(
    group: Group,
    version: schema.FormatVersion,
    checked: list[tuple[int, int]],
    limits: tuple[list[int], list[bool]],
    most: int,
) -> tuple[list[Cells], str] | None:
    """``limits``: the cut steps left to the row, and a flag set when ``most`` (the readings the
    document has left, below a search's own cap) cut a search short."""
    n = group.size
    kinds = _kinds(group, version)
    budget, short = limits

    def search(
        values: list[RawValue],
        checks: list[tuple[int, int]],
        strict: bool,
        cap: int = MAX_CANDIDATES,
    ) -> list[Cells]:
        limit = min(cap, most)
        found: Iterator[Cells] = glued_readings(values, n, checks, budget)
        if strict:
            found = (c for c in found if _admissible(c, kinds))
        items = list(itertools.islice(found, limit))
        short[0] = short[0] or (limit < cap and len(items) == limit)
        return _unique(items)

    cands = search(group.values, checked, True)
    why = "digits glued together"
    best = max((totals_holding(c, checked) for c in cands), default=-1)
    if checked and best < len(checked):
        # Numbers before or after the run that keep a row total from being checked, or from
        # holding: a page number (``— 1 —``, ``2/7``) between the table's header and its values.
        for values, dropped in _without_strays(group.values):
            trial = search(values, checked, True)
            score = max((totals_holding(c, checked) for c in trial), default=-1)
            if score > best:
                best, cands = score, trial
                why = f"digits glued together, {dropped} stray number{'s' if dropped > 1 else ''} before or after them dropped"
    if cands:
        return cands, why
    # No cut satisfies the row identities: some cuts regardless, and the checks will say so.
    budget[0] = max(budget[0], MIN_ROW_STEPS)  # a reading regardless, even of a row whose search ran out
    for strict in (True, False):
        cands = search(group.values, [], strict, cap=MAX_UNCHECKED)
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


def _prune(cands: list[Cells], checked: list[tuple[int, int]]) -> list[Cells]:
    good = [c for c in cands if all(row_adds_up(c, s, w) for s, w in checked)]
    return good or cands


def _unique(cands: list[Cells]) -> list[Cells]:
    """Candidates that read differently (dropping either of two equal numbers is one reading)."""
    seen: dict[tuple, Cells] = {}
    for c in cands:
        seen.setdefault(tuple(number(v) for v in c), c)
    return list(seen.values())
