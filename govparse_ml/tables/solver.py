"""Solving rows tied by relations for readings in which the identities hold.

Rows tied together by relations (Σ outcomes = 总计 and new + carried-in = 总计 + carried-out,
column by column) are solved exactly where they can be: among the joint readings in which
every identity holds, the one of highest prior, by dynamic programming over the partial column
sums with the rows the relations share enumerated (:func:`solve_exact`). Where no joint reading
satisfies them all (the report's own figures do not add up, or the search is too large), one
relation at a time (:func:`solve_relation`), then coordinate ascent on the number of
identities that hold (:func:`ascend`).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from typing import NamedTuple

from govparse_ml.format import schema
from govparse_ml.tables.identities import CellValues, Relation, cell_map, holding, touching
from govparse_ml.tables.values import Cells, Group, number, parse_value

Groups = list[tuple[Group, list[Cells]]]
Members = list[tuple[int, int]]  # (group, +1 on the left side of a relation, -1 on the right)
Tied = list[tuple[Relation, Members]]
Vector = tuple[int, ...]
Layer = dict[Vector, tuple[float, Vector | None, int]]  # partial sum -> (best score, previous sum, candidate)
Rows = list[tuple[list[Vector], list[float]]]  # per row: its candidates' signed vectors, their scores

# Bounds of the exact joint solution: past them, coordinate ascent. Steps are (state, candidate)
# pairs of the dynamic programming; a real table needs a few thousand.
_MAX_EXACT_STEPS = 200_000
_MAX_COMBOS = 20_000
# The fallback, for relations no joint reading satisfies. States of the dynamic programming of
# one relation, and states times candidates summed over its rows: past these it is left to
# coordinate ascent (20,000 states × 5,000 glued readings of a row took minutes).
_MAX_STATES = 20000
_MAX_WORK = 40_000


def components(tied: Tied) -> list[Tied]:
    """Relations that share a row, together."""
    out: list[tuple[set[int], list]] = []
    for rel, members in tied:
        rows = {k for k, _ in members}
        joined = [c for c in out if c[0] & rows]
        merged = (rows.union(*(c[0] for c in joined)), [x for c in joined for x in c[1]] + [(rel, members)])
        out = [c for c in out if all(c is not j for j in joined)] + [merged]
    return [c[1] for c in out]


class _Forward(NamedTuple):
    """One relation's rows that no other relation shares, and its dynamic programming over them."""

    free: Members
    rows: Rows
    layers: list[Layer]


def solve_exact(
    groups: Groups, prior: list[list[float]], component: Tied, version: schema.FormatVersion
) -> tuple[dict[int, int], dict[int, list[float | None]]] | None:
    """The likeliest joint reading of the rows of ``component`` in which every identity holds,
    and for every candidate of those rows the log prior of the likeliest such reading using it;
    None if there is none (or it is too costly to find)."""
    uses = Counter(k for _, members in component for k, _ in members)
    shared = sorted(k for k, n in uses.items() if n > 1)
    vectors = _relation_vectors(groups, component, version)
    if vectors is None or math.prod(len(groups[k][1]) for k in shared) > _MAX_COMBOS:
        return None
    budget = [_MAX_EXACT_STEPS]
    combos = list(itertools.product(*(range(len(groups[k][1])) for k in shared)))
    alone = _each_relation(component, uses, shared, combos, vectors, prior, budget)
    if alone is None:
        return None
    targets, forwards = alone
    totals = _reached(shared, prior, combos, targets, forwards)
    if not totals:
        return None
    best = max(totals, key=lambda t: t[0])[1]
    picks = {k: combos[best][pos] for pos, k in enumerate(shared)}
    joint = _shared_marginals(groups, uses, shared, combos, totals)
    for r, forward in enumerate(forwards):
        _trace_back(forward.free, forward.layers, targets[r][best], picks)
        terminal = _terminal(totals, targets[r], forward.layers)
        marginals = _max_marginals(forward.rows, forward.layers, terminal, budget)
        for (k, _), marg in zip(forward.free, marginals, strict=True):
            joint[k] = marg
    return picks, joint


def _each_relation(
    component: Tied,
    uses: Counter[int],
    shared: list[int],
    combos: list[tuple[int, ...]],
    vectors: dict[tuple[int, int], list[Vector]],
    prior: list[list[float]],
    budget: list[int],
) -> tuple[list[list[Vector]], list[_Forward]] | None:
    """Each relation on its own: the rows it does not share, by dynamic programming; its target
    is what the shared rows leave (Σ signed rows = 0). Per relation, the target for each
    combination of the shared rows, and the programming (None if the budget ran out)."""
    targets: list[list[Vector]] = []
    forwards: list[_Forward] = []
    for r, (rel, members) in enumerate(component):
        fixed = [(shared.index(k), sign, vectors[(r, k)]) for k, sign in members if uses[k] > 1]
        targets.append(_targets(len(rel.cols), fixed, combos))
        free = [(k, sign) for k, sign in members if uses[k] == 1]
        rows = [([tuple(sign * x for x in v) for v in vectors[(r, k)]], prior[k]) for k, sign in free]
        layers = _forward(rows, set(targets[-1]), budget)
        if layers is None:
            return None
        forwards.append(_Forward(free, rows, layers))
    return targets, forwards


def _shared_marginals(
    groups: Groups,
    uses: Counter[int],
    shared: list[int],
    combos: list[tuple[int, ...]],
    totals: list[tuple[float, int]],
) -> dict[int, list[float | None]]:
    """For every candidate of the shared rows, the best score of a combination through it (the
    other rows of the component: None, for now)."""
    joint: dict[int, list[float | None]] = {k: [None] * len(groups[k][1]) for k in uses}
    for pos, k in enumerate(shared):
        for score, i in totals:
            idx = combos[i][pos]
            if joint[k][idx] is None or score > joint[k][idx]:  # type: ignore[operator]
                joint[k][idx] = score
    return joint


def _relation_vectors(
    groups: Groups, component: Tied, version: schema.FormatVersion
) -> dict[tuple[int, int], list[Vector]] | None:
    """``(relation, group) ->`` the counts each candidate of the group puts in the relation's
    columns; None if a cell is missing or not a count (the identity cannot be solved for)."""
    spec = schema.tables(version)[component[0][0].table]
    vectors: dict[tuple[int, int], list[Vector]] = {}
    for r, (rel, members) in enumerate(component):
        for k, _ in members:
            g, cands = groups[k]
            cols = [c.id for c in spec.row(g.rows[0]).columns]
            where = [cols.index(c) if c in cols else None for c in rel.cols]
            vecs = []
            for cand in cands:
                vec = _counts(cand, where)
                if vec is None:
                    return None
                vecs.append(vec)
            vectors[(r, k)] = vecs
    return vectors


def _counts(cand: Cells, where: list[int | None]) -> Vector | None:
    vec = []
    for j in where:
        x = parse_value(cand[j], "count") if j is not None and j < len(cand) and cand[j] is not None else None
        if not isinstance(x, int):
            return None
        vec.append(x)
    return tuple(vec)


def _targets(width: int, fixed: list[tuple[int, int, list[Vector]]], combos: list[tuple[int, ...]]) -> list[Vector]:
    """For each combination of the shared rows' candidates, what the relation's other rows must add
    up to: minus the signed sum of its shared rows (``fixed``: place among the shared rows, sign
    and candidate vectors of each)."""
    out = []
    for combo in combos:
        t = [0] * width
        for pos, sign, vecs in fixed:
            vec = vecs[combo[pos]]
            for c in range(width):
                t[c] -= sign * vec[c]
        out.append(tuple(t))
    return out


def _reached(
    shared: list[int],
    prior: list[list[float]],
    combos: list[tuple[int, ...]],
    targets: list[list[Vector]],
    forwards: list[_Forward],
) -> list[tuple[float, int]]:
    """``(score, index)`` of the combinations of the shared rows for which every relation reaches
    its target: the prior of the shared rows' candidates and of each relation's best rest."""
    totals = []
    for i, combo in enumerate(combos):
        score = sum(prior[k][combo[pos]] for pos, k in enumerate(shared))
        for r, (_, _, layers) in enumerate(forwards):
            end = layers[-1].get(targets[r][i])
            if end is None:
                break
            score += end[0]
        else:
            totals.append((score, i))
    return totals


def _trace_back(free: Members, layers: list[Layer], state: Vector, picks: dict[int, int]) -> None:
    """The candidates of the free rows on the best path to ``state``, into ``picks``."""
    for layer in range(len(free), 0, -1):
        _, prev, idx = layers[layer][state]
        picks[free[layer - 1][0]] = idx
        state = prev  # type: ignore[assignment]


def _terminal(totals: list[tuple[float, int]], targets: list[Vector], layers: list[Layer]) -> dict[Vector, float]:
    """What the rest of the component adds, for each end state of this relation."""
    terminal: dict[Vector, float] = {}
    for score, i in totals:
        t = targets[i]
        rest = score - layers[-1][t][0]
        if t not in terminal or rest > terminal[t]:
            terminal[t] = rest
    return terminal


def _forward(rows: Rows, targets: set[Vector], budget: list[int]) -> list[Layer] | None:
    """Best score of each partial sum after each row, with a back pointer; states from which no
    target can be reached any more are dropped (the rows left can only add so much)."""
    if not targets:
        return None
    width = len(next(iter(targets)))
    lo_t = [min(t[c] for t in targets) for c in range(width)]
    hi_t = [max(t[c] for t in targets) for c in range(width)]
    rest_lo, rest_hi = _rest_bounds(rows, width)
    layers: list[Layer] = [{(0,) * width: (0.0, None, -1)}]
    for i, (vecs, scores) in enumerate(rows):
        lo = [lo_t[c] - rest_hi[i + 1][c] for c in range(width)]
        hi = [hi_t[c] - rest_lo[i + 1][c] for c in range(width)]
        budget[0] -= len(layers[-1]) * len(vecs)
        if budget[0] < 0:
            return None
        layers.append(_next_layer(layers[-1], vecs, scores, lo, hi))
    return layers


def _rest_bounds(rows: Rows, width: int) -> tuple[list[list[int]], list[list[int]]]:
    """The least and the most the rows from each on can add, column by column."""
    m = len(rows)
    rest_lo = [[0] * width for _ in range(m + 1)]
    rest_hi = [[0] * width for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        vecs = rows[i][0]
        for c in range(width):
            rest_lo[i][c] = rest_lo[i + 1][c] + min(v[c] for v in vecs)
            rest_hi[i][c] = rest_hi[i + 1][c] + max(v[c] for v in vecs)
    return rest_lo, rest_hi


def _next_layer(layer: Layer, vecs: list[Vector], scores: list[float], lo: list[int], hi: list[int]) -> Layer:
    nxt: Layer = {}
    for state, (score, _, _) in layer.items():
        for idx, vec in enumerate(vecs):
            t = tuple(map(operator.add, state, vec))
            if any(not (a <= x <= b) for a, x, b in zip(lo, t, hi, strict=True)):
                continue
            s = score + scores[idx]
            old = nxt.get(t)
            if old is None or s > old[0]:
                nxt[t] = (s, state, idx)
    return nxt


def _max_marginals(
    rows: Rows, layers: list[Layer], terminal: dict[Vector, float], budget: list[int]
) -> list[list[float | None]]:
    """For every candidate of every row, the best total score of a reading through it that ends
    in a state of ``terminal`` (plus what that state adds)."""
    out: list[list[float | None]] = [[None] * len(vecs) for vecs, _ in rows]
    after: dict[Vector, float] = terminal
    for i in range(len(rows) - 1, -1, -1):
        vecs, scores = rows[i]
        here: dict[Vector, float] = {}
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


def solve_relation(
    groups: Groups, members: Members, rel: Relation, plaus: list[list[float]], version: schema.FormatVersion
) -> dict[int, int] | None:
    """Candidates of the member rows whose signed sum is zero in every column, most plausible first."""
    spec = schema.tables(version)[rel.table]
    width = len(rel.cols)
    # The candidates of the members from each on: a row adds at least as many partial sums as
    # there were (each candidate moves every sum to a different one), so the work left is at
    # least the sums so far times those candidates, and past the bound the search is not begun.
    ahead = list(itertools.accumulate([len(groups[k][1]) for k, _ in reversed(members)]))[::-1]
    layers: list[Layer] = [{(0,) * width: (0.0, None, -1)}]
    work = 0
    for m, (k, sign) in enumerate(members):
        states = layers[-1]
        g, cands = groups[k]
        if work + len(states) * ahead[m] > _MAX_WORK:
            return None  # too many readings to solve exactly: leave it to coordinate ascent
        work += len(states) * len(cands)
        cols = [c.id for c in spec.row(g.rows[0]).columns]
        vectors = [_signed_sums(cols, cand, rel, sign) for cand in cands]
        layers.append(_relation_step(states, vectors, plaus[k]))
        if len(layers[-1]) > _MAX_STATES:
            return None  # too many readings to solve exactly: leave it to coordinate ascent
    state: Vector | None = (0,) * width
    if state not in layers[-1]:
        return None
    picks: dict[int, int] = {}
    for m in range(len(members), 0, -1):  # the best path, back from the zero sum
        _, state, idx = layers[m][state]  # type: ignore[index]
        picks[members[m - 1][0]] = idx
    return dict(reversed(picks.items()))


# Partial sums are kept in millionths, as ints: exact to add and to compare (a float sum was
# rounded to 6 places after every addition, a third of the solver's time on long inputs).
_SCALE = 1_000_000


def _signed_sums(cols: list[str], cand: Cells, rel: Relation, sign: int) -> tuple[int, ...]:
    """What a candidate adds to each column of the relation, in millionths (0 for a cell without a number)."""
    cells = dict(zip(cols, cand, strict=False))
    values = [number(cells.get(c)) or 0.0 for c in rel.cols]
    return tuple(sign * (int(x) * _SCALE if x.is_integer() else round(x * _SCALE)) for x in values)


def _relation_step(states: Layer, vectors: list[Vector], scores: list[float]) -> Layer:
    """The partial sums after one more row, each with its best score and where it came from (the
    first of equal scores, in the order of the sums before and of the candidates)."""
    nxt: Layer = {}
    get = nxt.get
    add = operator.add
    for total, (score, _, _) in states.items():
        for idx, vec in enumerate(vectors):
            key = tuple(map(add, total, vec))
            s = score + scores[idx]
            old = get(key)
            if old is None or s > old[0]:
                nxt[key] = (s, total, idx)
    return nxt


def ascend(
    groups: Groups, choice: list[int], plaus: list[list[float]], version: schema.FormatVersion, only: list[int]
) -> list[int]:
    """Change one group's reading at a time while more identities hold (then a likelier one)."""
    ambiguous = [k for k in only if len(groups[k][1]) > 1]
    if not ambiguous:
        return choice
    maps = [cell_map(g, cands[choice[k]], version) for k, (g, cands) in enumerate(groups)]
    for _ in range(3):
        changed = False
        for k in ambiguous:
            g, cands = groups[k]
            best = _best_reading(g, cands, maps, k, choice[k], plaus[k], version)
            if best != choice[k]:
                choice[k] = best
                maps[k] = cell_map(g, cands[best], version)
                changed = True
        if not changed:
            break
    return choice


def _best_reading(
    g: Group,
    cands: list[Cells],
    maps: list[CellValues],
    k: int,
    chosen: int,
    plaus: list[float],
    version: schema.FormatVersion,
) -> int:
    """The reading of group ``k`` with which most identities hold, the others as read (then the
    likeliest, then the first)."""
    # Only the identities on this group's cells change with its reading: the others are
    # counted once, not again for every candidate (2,000 trials took a second).
    near = touching(maps[k], version)
    current: CellValues = {}
    for m in maps:
        current.update(m)
    base = holding(current, version) - holding(current, version, near)
    best, best_score = chosen, (base + holding(current, version, near), plaus[chosen], -chosen)
    checks = _near_checks(near, _positions(g, version), current)
    for idx, cand in enumerate(cands[:500]):
        nums = [number(c) for c in cand[: g.size]]
        held = 0
        for lhs, rhs in checks:  # holding() of the group's cells as this reading has them
            left = [nums[p] if p >= 0 else x for p, x in lhs]
            right = [nums[p] if p >= 0 else x for p, x in rhs]
            if None in left or None in right:
                continue
            if abs(sum(left) - sum(right)) < 1e-6:  # type: ignore[arg-type]
                held += 1
        score = (base + held, plaus[idx], -idx)
        if score > best_score:
            best, best_score = idx, score
    return best


_Side = tuple[tuple[int, float | None], ...]


def _positions(g: Group, version: schema.FormatVersion) -> dict[tuple[str, str, str], int]:
    """Each cell of a group -> its place in a reading (the keys of :func:`cell_map`)."""
    spec = schema.tables(version)[g.table]
    out: dict[tuple[str, str, str], int] = {}
    for row, width in zip(g.rows, g.widths, strict=True):
        for col in spec.row(row).columns[:width]:
            out[(g.table, row, col.id)] = len(out)
    return out


def _near_checks(
    near: list[schema.Identity], positions: dict[tuple[str, str, str], int], current: CellValues
) -> list[tuple[_Side, _Side]]:
    """The identities as (place in a reading, or -1 and the value read elsewhere) of each cell
    of each side, in order; those with a cell elsewhere that has no number never hold: left out."""
    checks = []
    for ident in near:
        lhs, rhs = (
            tuple((positions[c], None) if c in positions else (-1, current.get(c)) for c in side)
            for side in (ident.lhs, ident.rhs)
        )
        if all(p >= 0 or x is not None for p, x in (*lhs, *rhs)):
            checks.append((lhs, rhs))
    return checks
