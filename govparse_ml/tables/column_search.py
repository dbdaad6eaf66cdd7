"""Where the values of a table written column by column go: a beam search over the cells.

A PDF extractor that writes a page's text boxes in its own order (pdfminer.six groups them by
distance) writes a table as runs of values between its row labels: after k row labels, m
columns of k values (a *block*); a long run of values with no label fills a *region* of the
cells still open, column by column, down the rows from the first row with an open cell (its
last two columns sometimes row by row, in pairs). The number of values of a run tells which
shapes can hold it; where several can, the identities of the format choose, once their cells
are all filled: the search keeps the best few states after each run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from govparse_ml.format import schema

BEAM = 12  # states kept after each run
PER_SHAPE = 2  # of which at most this many fill the same cells (with different values)
_DROP = 4  # the cost of each value placed nowhere
MAX_DROPPED = 2  # values a run may end in that are no cells (a page number): dropped
# What each shape costs: about -log2 of how often the truth of the route corpus's training
# split takes it (pdfminer.six's text of 140 printed reports: ~970 runs of values, of which a
# row's (or the rows') next cell after their labels ~40 %, all their cells ~35 %, then a column
# going on down ~12 %, a region ~5 %, a region with paired columns ~1.5 %, ...).
COSTS = {
    "block": 1,  # all the open cells of the rows named, column by column (one row: left to right)
    "block pattern": 7,  # ... in another order (row by row, pairs)
    "next column": 1,  # the next open cell of each row named
    "more columns": 4,  # each further column of the rows named (not all their cells)
    "labels only": 5,  # rows named, none of the values theirs
    "few values": 4,  # fewer values than rows named: the first rows' next cell
    "column": 2,  # then down one column from its first open cell
    "region": 3,  # then a region of open cells, column by column
    "region pattern": 5,  # ... the last or first two columns in pairs, or row by row
    "two regions": 6,  # a clean rectangle of open cells, then another region
    "part of a region": 5,  # a region left partly open: the run ended within it
}


@dataclass(frozen=True)
class Grid:
    """The cells of the rows a text names: cell ``offsets[i] + j`` is column j of row i."""

    rows: tuple[str, ...]
    widths: tuple[int, ...]
    offsets: tuple[int, ...]
    # The identities whose cells are all in the grid: (lhs cells, rhs cells, mask of all).
    identities: tuple[tuple[tuple[int, ...], tuple[int, ...], int], ...]

    @property
    def size(self) -> int:
        return self.offsets[-1] + self.widths[-1] if self.rows else 0


def make_grid(spec: schema.TableSpec, rows: list[str], version: schema.FormatVersion) -> Grid:
    """The grid of ``rows`` (ids of ``spec``, in table order) and the identities on it."""
    widths = tuple(len(spec.row(r).columns) for r in rows)
    offsets = tuple(sum(widths[:i]) for i in range(len(rows)))
    cell = {(spec.id, r, c.id): offsets[i] + j for i, r in enumerate(rows) for j, c in enumerate(spec.row(r).columns)}
    idents = []
    for ident in schema.identities(version):
        if ident.table == spec.id and all(c in cell for c in (*ident.lhs, *ident.rhs)):
            lhs, rhs = tuple(cell[c] for c in ident.lhs), tuple(cell[c] for c in ident.rhs)
            idents.append((lhs, rhs, sum(1 << c for c in {*lhs, *rhs})))
    return Grid(tuple(rows), widths, offsets, tuple(idents))


class State(NamedTuple):
    """Cells filled so far: which (a bit per cell), with which value (an index, -1 none)."""

    score: int  # what the identities completed on the cells filled say (:meth:`Search._holds`)
    cost: int  # of the shapes used (:data:`COSTS`): the likelier shapes cost less
    filled: int
    values: tuple[int, ...]
    dropped: int  # values placed nowhere


class _Placed(NamedTuple):
    """A shape placing a run from some cells filled: its cells, cost, the cells filled after it
    and the identities (lhs, rhs cells) whose cells it completes."""

    order: list[int]
    cost: int
    filled: int
    completed: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]


# A run: the rows named before it (grid row indexes, in the order named) and its values (indexes).
Run = tuple[tuple[int, ...], tuple[int, ...]]
# A way to place a run's values: the cells in the order of the values, and the kinds of shape used.
Shape = tuple[list[int], tuple[str, ...]]


class Search:
    """The beam search over the runs of one table."""

    def __init__(self, grid: Grid, numbers: list[float | None]) -> None:
        self.grid = grid
        self.numbers = numbers  # of each value index (None: a null mark, never summed)

    def run(self, runs: list[Run]) -> State:
        """The best state after placing every run."""
        beam = [State(0, 0, 0, (-1,) * self.grid.size, 0)]
        for run in runs:
            beam = self._step(beam, run)
        return beam[0]

    def _step(self, beam: list[State], run: Run) -> list[State]:
        named, values = run
        found: dict[tuple[int, ...], State] = {}
        shapes: dict[tuple[int, int], list[_Placed]] = {}  # by (cells filled, values placed)
        for state in beam:
            # A stray number (a page's) may end a run: drop one or two if nothing holds them all.
            for dropped in range(min(MAX_DROPPED, len(values)) + 1):
                kept = values[: len(values) - dropped]
                key = (state.filled, len(kept))
                if key not in shapes:
                    shapes[key] = self._placed(state.filled, placements(self.grid, state.filled, named, len(kept)))
                for placed in shapes[key]:
                    new = self._apply(state, placed, kept, _DROP * dropped, dropped)
                    if new.values not in found or _better(new, found[new.values]):
                        found[new.values] = new
                if shapes[key]:
                    break
            else:  # no shape holds the run: its values are dropped
                lost = state._replace(cost=state.cost + _DROP * len(values), dropped=state.dropped + len(values))
                found.setdefault(lost.values, lost)
        return _best(list(found.values()))

    def _placed(self, filled: int, shapes: Iterator[Shape]) -> list[_Placed]:
        """The distinct shapes (:func:`_distinct`) with what they fill and the identities they
        complete from ``filled``: the same for every state that has those cells filled."""
        out = []
        for order, cost in _distinct(shapes):
            added = 0
            for c in order:
                added |= 1 << c
            after = filled | added
            completed = tuple(
                (lhs, rhs) for lhs, rhs, mask in self.grid.identities if mask & added and after & mask == mask
            )
            out.append(_Placed(order, cost, after, completed))
        return out

    def _apply(self, state: State, placed: _Placed, values: tuple[int, ...], cost: int, dropped: int) -> State:
        cells = list(state.values)
        for c, v in zip(placed.order, values, strict=True):
            cells[c] = v
        score = state.score
        for lhs, rhs in placed.completed:  # (all their cells were open before)
            score += self._holds(cells, lhs, rhs)
        return State(score, state.cost + placed.cost + cost, placed.filled, tuple(cells), state.dropped + dropped)

    def _holds(self, cells: list[int], lhs: tuple[int, ...], rhs: tuple[int, ...]) -> int:
        """What an identity completed on the cells tells: it holds on numbers not all zero (+4;
        of zeros only, +1: any reading of zeros adds up), it fails (-4), a cell has no number (0)."""
        total, nonzero = 0.0, False
        for side, sign in ((lhs, 1.0), (rhs, -1.0)):
            for c in side:
                x = self.numbers[cells[c]]
                if x is None:
                    return 0
                total += sign * x
                nonzero = nonzero or x != 0
        if abs(total) >= 1e-6:
            return -4
        return 4 if nonzero else 1


def _distinct(shapes: Iterator[Shape]) -> list[tuple[list[int], int]]:
    """The shapes that place the values in different cells (of the same cells, the cheapest),
    with their costs."""
    out: dict[tuple[int, ...], tuple[list[int], int]] = {}
    for order, kinds in shapes:
        key = tuple(order)
        cost = sum(COSTS[k] for k in kinds)
        if key not in out or cost < out[key][1]:
            out[key] = (order, cost)
    return list(out.values())


def _better(a: State, b: State) -> bool:
    return a.score - a.cost > b.score - b.cost


def _best(states: list[State]) -> list[State]:
    """The best BEAM states, at most PER_SHAPE of them filling the same cells."""
    states.sort(key=lambda s: s.cost - s.score)
    out: list[State] = []
    shapes: dict[int, int] = {}
    for s in states:
        if shapes.get(s.filled, 0) < PER_SHAPE:
            shapes[s.filled] = shapes.get(s.filled, 0) + 1
            out.append(s)
            if len(out) == BEAM:
                break
    return out


# --------------------------------------------------------------------------- shapes


def _open_columns(grid: Grid, filled: int) -> list[list[int]]:
    """The open columns of each row, left to right."""
    return [[j for j in range(w) if not filled >> (o + j) & 1] for o, w in zip(grid.offsets, grid.widths, strict=True)]


def _with(filled: int, cells: list[int]) -> int:
    for c in cells:
        filled |= 1 << c
    return filled


def _column_order(grid: Grid, filled: int, rows: list[int], groups: list[list[int]]) -> list[int]:
    """The open cells of ``rows`` column group by column group: a group of one column down the
    rows, a group of several row by row (its cells side by side)."""
    out: list[int] = []
    widths, offsets = grid.widths, grid.offsets
    for group in groups:
        if len(group) == 1:
            j = group[0]
            out += [c for i in rows if j < widths[i] and not filled >> (c := offsets[i] + j) & 1]
            continue
        for i in rows:
            out += [c for j in group if j < widths[i] and not filled >> (c := offsets[i] + j) & 1]
    return out


def patterns(first: int, width: int, several_rows: bool) -> list[list[list[int]]]:
    """The orders a region's columns ``first..width-1`` are written in: down each column; all
    row by row; the last two (or the first two, or both) in pairs row by row."""
    columns = [[j] for j in range(first, width)]
    if not several_rows or width - first < 2:
        return [columns]
    out = [columns, [list(range(first, width))]]
    if width - first >= 4:
        head, tail = [[first, first + 1]], [[width - 2, width - 1]]
        out += [columns[:-2] + tail, head + columns[2:], head + columns[2:-2] + tail]
    return out


def placements(grid: Grid, filled: int, named: tuple[int, ...], n: int) -> Iterator[Shape]:
    """Every way the shapes place a run of ``n`` values after the rows ``named``. First a block of the rows named (m columns
    of each), then the rest down one column or in regions."""
    opened = _open_columns(grid, filled)
    rows = [i for i in dict.fromkeys(named) if opened[i]]
    k = len(rows)
    if 0 < n < k:  # fewer values than rows named: the first rows' next cell each
        yield [grid.offsets[i] + opened[i][0] for i in rows[:n]], ("few values",)
    widest = min((len(opened[i]) for i in rows), default=0)
    for m in range(min(widest, n // k) if k else 0, -1, -1):
        for block, kinds in _blocks(grid, filled, opened, rows, m):
            if len(block) == n:
                yield block, kinds
                continue
            after = _with(filled, block)
            for rest, more in _rests(grid, after, n - len(block)):
                yield block + rest, kinds + more


def _blocks(grid: Grid, filled: int, opened: list[list[int]], rows: list[int], m: int) -> Iterator[Shape]:
    """The first ``m`` open cells of each of ``rows``: column by column, or (when they are all
    the rows' open cells) in any of the :func:`patterns`."""
    if not rows:
        yield [], ()
        return
    if m == 0:
        yield [], ("labels only",)
        return
    if any(len(opened[i]) != m for i in rows):
        kinds = ("next column",) + ("more columns",) * (m - 1)
        yield [grid.offsets[i] + opened[i][j] for j in range(m) for i in rows], kinds
        return
    first = min(opened[i][0] for i in rows)
    for k, groups in enumerate(patterns(first, max(grid.widths[i] for i in rows), len(rows) > 1)):
        yield _column_order(grid, filled, rows, groups), ("block pattern" if k else "block",)


def _rests(grid: Grid, filled: int, n: int) -> Iterator[Shape]:
    """Ways to place ``n`` values in the open cells: down one column from its first open cell,
    or in regions (:func:`_regions`)."""
    opened = _open_columns(grid, filled)
    for j in range(max(grid.widths)):
        cells = [grid.offsets[i] + j for i, cols in enumerate(opened) if j in cols]
        if len(cells) >= n:
            yield cells[:n], ("column",)
    yield from _regions(grid, filled, opened, n, True)


def _regions(grid: Grid, filled: int, opened: list[list[int]], n: int, split: bool) -> Iterator[Shape]:
    """Ways to fill ``n`` values into a region of open cells: the columns from some column on,
    rows from the first with an open cell there down to where the count is ``n`` (or fewer
    rows and another region after, when ``split``; or a region left partly open, where the
    run ends)."""
    for first in sorted({cols[0] for cols in opened if cols}):
        yield from _regions_from(grid, filled, opened, n, first, split)


def _regions_from(grid: Grid, filled: int, opened: list[list[int]], n: int, first: int, split: bool) -> Iterator[Shape]:
    """:func:`_regions` of the columns from ``first`` on."""
    width = max(grid.widths)
    own = [[j for j in cols if j >= first] for cols in opened]
    rows: list[int] = []
    count = 0
    for i, mine in enumerate(own):
        if not mine:
            continue
        rows.append(i)
        count += len(mine)
        if count >= n:
            yield from _region(grid, filled, rows, (first, width), n, count == n)
            return
        if split and _rectangle_ends(own, rows):
            order = _column_order(grid, filled, rows, [[j] for j in range(first, width)])
            yield from _two_regions(grid, filled, order, n)


def _rectangle_ends(own: list[list[int]], rows: list[int]) -> bool:
    """Whether ``rows`` are a clean rectangle of open cells (consecutive rows, the same open
    columns) that ends at the last of them."""
    top, bottom = rows[0], rows[-1]
    shape = own[top]
    if bottom - top + 1 != len(rows) or any(own[i] != shape for i in rows):
        return False
    return bottom + 1 == len(own) or own[bottom + 1] != shape


def _two_regions(grid: Grid, filled: int, order: list[int], n: int) -> Iterator[Shape]:
    """A clean rectangle of open cells (``order``, column by column), then the rest of the
    ``n`` values in another region."""
    after = _with(filled, order)
    for rest, kinds in _regions(grid, after, _open_columns(grid, after), n - len(order), False):
        yield order + rest, ("two regions", *kinds)


def _region(grid: Grid, filled: int, rows: list[int], columns: tuple[int, int], n: int, exact: bool) -> Iterator[Shape]:
    """The ``n`` first open cells of ``rows`` in the ``columns`` (first, end): all of them in any
    of the :func:`patterns`, or (not ``exact``) the first ``n`` column by column."""
    first, end = columns
    if not exact:
        yield _column_order(grid, filled, rows, [[j] for j in range(first, end)])[:n], ("part of a region",)
        return
    for k, groups in enumerate(patterns(first, end, len(rows) > 1)):
        yield _column_order(grid, filled, rows, groups), ("region pattern" if k else "region",)
