"""For the user: what a group's reading rests on, and its best alternatives with why each lost."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from govparse_ml.format import schema
from govparse_ml.tables.decision import Decision
from govparse_ml.tables.identities import CellValues, cell_map, holding, touching
from govparse_ml.tables.solver import Groups
from govparse_ml.tables.values import Cells, Group, parse_value


@dataclass
class Explanation:
    """What a user needs to review a group's reading."""

    cells: list[str]  # "table.row.col" of each value of the reading, in order
    others: list[dict[str, Any]]  # the best alternatives, best first
    decided_by: str  # "identities": no other reading satisfies as many; "prior": the likeliest of several
    log_prior: float  # of the chosen reading


class _Chosen(NamedTuple):
    """The cells of the chosen readings of all groups, and how many identities hold on them."""

    cells: CellValues
    holds: int
    identities: int  # of the format
    version: schema.FormatVersion


def explain(
    groups: Groups, decision: Decision, version: schema.FormatVersion, limit: int = 5
) -> list[Explanation | None]:
    """For every group with several candidates (None for the others): its cells and up to
    ``limit`` alternatives, each with its values, how many identities of the format hold with
    it, its log prior and why it lost.

    An alternative of rows solved jointly counts the identities of the likeliest joint reading
    through it; any other alternative is tried with the other rows as chosen.
    """
    if all(len(cands) <= 1 for _, cands in groups):
        return [None] * len(groups)
    cells: CellValues = {}
    for k, (g, cands) in enumerate(groups):
        cells.update(cell_map(g, cands[decision.choice[k]], version))
    chosen = _Chosen(cells, holding(cells, version), len(schema.identities(version)), version)
    out: list[Explanation | None] = []
    for k, (g, cands) in enumerate(groups):
        if len(cands) <= 1:
            out.append(None)
            continue
        c, prior, joint = decision.choice[k], decision.prior[k], decision.joint[k]
        others = _alternatives(g, cands, c, prior, joint, chosen, limit)
        if joint is not None:
            unique = sum(j is not None for j in joint) <= 1
        else:
            unique = all(o["identities"] < chosen.holds for o in others)
        out.append(
            Explanation(
                [".".join(key) for key in cell_map(g, cands[c], version)],
                others,
                "identities" if unique else "prior",
                round(prior[c], 2),
            )
        )
    return out


def _alternatives(
    g: Group,
    cands: list[Cells],
    c: int,
    prior: list[float],
    joint: list[float | None] | None,
    chosen: _Chosen,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` readings of the group other than the chosen ``c``, best first."""
    near = touching(cell_map(g, cands[c], chosen.version), chosen.version)
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
            held = chosen.holds
            why = (
                "every identity can hold with it too, other rows read accordingly; the likeliest such "
                f"reading is less likely (log prior {joint[i]:.1f} against {joint[c] if joint[c] is not None else prior[c]:.1f})"
            )
        else:
            # Only the identities on this group's cells can change with its reading.
            trial = {**chosen.cells, **cell_map(g, cands[i], chosen.version)}
            held = chosen.holds - holding(chosen.cells, chosen.version, near) + holding(trial, chosen.version, near)
            why = _why_lost(held, chosen, prior[i], prior[c])
        others.append({"values": values, "identities": held, "log_prior": round(prior[i], 2), "why": why})
    return others


def _why_lost(held: int, chosen: _Chosen, prior: float, prior_chosen: float) -> str:
    """Why a reading tried with the other rows as chosen lost: ``held`` identities hold with it."""
    holds = chosen.holds
    if held < holds:
        return f"fewer identities hold: {held} of {chosen.identities} against {holds}"
    if held > holds:
        return f"more identities hold with it ({held} against {holds}), but the search did not reach it"
    if prior < prior_chosen:
        return f"as many identities hold; less likely (log prior {prior:.1f} against {prior_chosen:.1f})"
    return f"as many identities hold, as likely (log prior {prior:.1f}): the first was kept"
