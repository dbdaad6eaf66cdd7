"""The identities of the format applied to readings: which rows have a total, whether a
reading's totals add up, how many identities hold on a set of cells, and the identities
grouped into relations between whole rows (the ones the decision solves jointly)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from govparse_ml.format import schema
from govparse_ml.tables.values import Cells, Group, number

CellValues = dict[tuple[str, str, str], float | None]


@cache
def row_totals(version: schema.FormatVersion) -> frozenset[tuple[str, str]]:
    """Rows whose last cell is the sum of the others, from the identities of the format."""
    out = set()
    for ident in schema.identities(version):
        if len(ident.lhs) == 1 and {c[:2] for c in ident.rhs} == {ident.lhs[0][:2]}:
            out.add(ident.lhs[0][:2])
    return frozenset(out)


def checked_rows(group: Group, version: schema.FormatVersion) -> list[tuple[int, int]]:
    """``(first cell, width)`` of the rows of a group whose last cell is the sum of the others."""
    totals = row_totals(version)
    return [
        (sum(group.widths[:i]), w)
        for i, (r, w) in enumerate(zip(group.rows, group.widths, strict=True))
        if (group.table, r) in totals
    ]


def row_adds_up(cells: Cells | list[str | None], start: int, width: int) -> bool:
    """Whether the row of ``width`` cells from ``start`` adds up; True if a cell has no number
    (cannot tell: not a reason to drop the reading)."""
    nums = [number(c) for c in cells[start : start + width]]
    if None in nums:
        return True
    return abs(sum(nums[:-1]) - nums[-1]) < 1e-6  # type: ignore[arg-type]


def totals_holding(cells: Cells, checked: list[tuple[int, int]]) -> int:
    """How many row totals of a reading can be checked and hold."""
    ok = 0
    for start, width in checked:
        nums = [number(c) for c in cells[start : start + width]]
        if None not in nums and abs(sum(nums[:-1]) - nums[-1]) < 1e-6:  # type: ignore[arg-type, operator]
            ok += 1
    return ok


def holding(
    cells: CellValues,
    version: schema.FormatVersion,
    identities: Iterable[schema.Identity] | None = None,
) -> int:
    """How many identities of the format (or of ``identities``) hold on the given cells."""
    ok = 0
    get = cells.get
    for ident in schema.identities(version) if identities is None else identities:
        lhs = [get(c) for c in ident.lhs]
        rhs = [get(c) for c in ident.rhs]
        if None in lhs or None in rhs:
            continue
        if abs(sum(lhs) - sum(rhs)) < 1e-6:  # type: ignore[arg-type]
            ok += 1
    return ok


def touching(cells: CellValues, version: schema.FormatVersion) -> list[schema.Identity]:
    """The identities of the format on any of these cells: the only ones a reading of them changes."""
    on = _identities_on(version)
    idents = schema.identities(version)
    return [idents[i] for i in sorted({i for cell in cells for i in on.get(cell, ())})]


@cache
def _identities_on(version: schema.FormatVersion) -> dict[tuple[str, str, str], tuple[int, ...]]:
    """Cell -> the indexes of the format's identities it is in (looked up, not every identity scanned)."""
    on: dict[tuple[str, str, str], list[int]] = {}
    for i, ident in enumerate(schema.identities(version)):
        for cell in dict.fromkeys((*ident.lhs, *ident.rhs)):
            on.setdefault(cell, []).append(i)
    return {cell: tuple(ids) for cell, ids in on.items()}


def cell_map(group: Group, cells: Cells, version: schema.FormatVersion) -> CellValues:
    """The cells of a reading keyed ``(table, row, col)``."""
    spec = schema.tables(version)[group.table]
    out: CellValues = {}
    pos = 0
    for row, width in zip(group.rows, group.widths, strict=True):
        cols = spec.row(row).columns
        for col in cols[:width]:
            out[(group.table, row, col.id)] = number(cells[pos])
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
