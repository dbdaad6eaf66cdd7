"""The decision: one candidate reading of each group of a table.

A reading in which every identity of the table holds if there is one (rows tied by relations
are solved jointly and exactly, :mod:`govparse_ml.tables.solver`), and among such readings the
likeliest under the prior of realistic cells (:mod:`govparse_ml.tables.prior`).
"""

from __future__ import annotations

from dataclasses import dataclass

from govparse_ml.format import schema
from govparse_ml.tables.identities import checked_rows, relations, totals_holding
from govparse_ml.tables.prior import log_prior
from govparse_ml.tables.solver import Groups, Tied, ascend, components, solve_exact, solve_relation


@dataclass
class Decision:
    """The reading chosen for each group, and what the choice rested on."""

    choice: list[int]  # index of the chosen candidate of each group
    prior: list[list[float]]  # log prior of each candidate (0.0 for a group with one candidate)
    # For a group whose rows are tied to others by relations solved exactly: for each candidate,
    # the log prior of the likeliest reading of all the tied rows in which every identity holds
    # and the group reads so (None: no such reading). None for other groups.
    joint: list[list[float | None] | None]


def choose(groups: Groups, version: schema.FormatVersion) -> list[int]:
    """The index of the chosen candidate of each group (see :func:`decide`)."""
    return decide(groups, version).choice


def decide(groups: Groups, version: schema.FormatVersion) -> Decision:
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
    decision = Decision(_each_alone(groups, prior, version), prior, [None] * len(groups))
    if all(len(cands) == 1 for _, cands in groups):
        return decision
    leftover: Tied = []
    for component in components(_tied(groups, version)):
        if all(len(groups[k][1]) == 1 for _, members in component for k, _ in members):
            continue
        solved = solve_exact(groups, prior, component, version)
        if solved is None:
            leftover.extend(component)
            continue
        picks, joint = solved
        for k, idx in picks.items():
            decision.choice[k] = idx
            decision.joint[k] = joint[k]
    if leftover:
        _settle(groups, leftover, decision, version)
    return decision


def _each_alone(groups: Groups, prior: list[list[float]], version: schema.FormatVersion) -> list[int]:
    """Each group's reading on its own: the most row totals holding, then the likeliest, then the first."""
    choice = []
    for (g, cands), p in zip(groups, prior, strict=True):
        checked = checked_rows(g, version) if len(cands) > 1 else []
        held = [totals_holding(c, checked) for c in cands] if checked else [0] * len(cands)
        choice.append(max(range(len(p)), key=lambda i, p=p, held=held: (held[i], p[i], -i)))
    return choice


def _tied(groups: Groups, version: schema.FormatVersion) -> Tied:
    """The relations of the format all of whose rows are among the groups, with their groups."""
    index = {(g.table, g.rows[0]): k for k, (g, _) in enumerate(groups) if len(g.rows) == 1}
    tied: Tied = []
    for rel in relations(version):
        members = [(index.get((rel.table, r)), +1) for r in rel.lhs] + [
            (index.get((rel.table, r)), -1) for r in rel.rhs
        ]
        if all(k is not None for k, _ in members):
            tied.append((rel, members))  # type: ignore[arg-type]
    return tied


def _settle(groups: Groups, leftover: Tied, decision: Decision, version: schema.FormatVersion) -> None:
    """The relations no joint reading satisfies: one at a time, then coordinate ascent over the
    groups not solved jointly."""
    choice, prior = decision.choice, decision.prior
    for rel, members in leftover:
        if all(len(groups[k][1]) == 1 for k, _ in members):
            continue
        found = solve_relation(groups, members, rel, prior, version)
        if found is not None:
            for k, idx in found.items():
                choice[k] = idx
    free = {k for _, members in leftover for k, _ in members if decision.joint[k] is None}
    ascend(groups, choice, prior, version, sorted(free))
