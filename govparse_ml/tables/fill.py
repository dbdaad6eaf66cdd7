"""The tables' cells filled in: a reading chosen for every group of values, its cells written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from govparse_ml.document import Cell, Reading, Table
from govparse_ml.format import schema
from govparse_ml.tables.candidates import SearchBudget, candidates
from govparse_ml.tables.decision import decide
from govparse_ml.tables.explanation import Explanation, explain
from govparse_ml.tables.values import Cells, Group, parse_value

# A group and its candidate readings (each the raw text of its cells, None for a blank).
_Kept = tuple[Group, list[Cells]]
_CellKinds = dict[tuple[str, str], tuple[tuple[tuple[str, str], str], ...]]


@cache
def cell_kinds(version: schema.FormatVersion) -> _CellKinds:
    """``((row id, column id), kind of value)`` of the cells of each ``(table, row)``, in order."""
    return {
        (tid, row.id): tuple(((row.id, col.id), col.kind) for col in row.columns)
        for tid, spec in schema.tables(version).items()
        for row in spec.rows
    }


def new_tables(version: schema.FormatVersion, seen: set[tuple[str, str]]) -> dict[str, Table]:
    """The tables of a format, a cell for every cell of the schema: blank ("") in the rows the
    text names (the row is there; its cells blank until read), absent (None) in the others."""
    kinds = cell_kinds(version)
    found = {tid for tid, _ in seen}
    tables = {}
    for tid, spec in schema.tables(version).items():
        cells: dict[tuple[str, str], Cell] = {}
        for row in spec.rows:
            raw = "" if (tid, row.id) in seen else None
            for key, _ in kinds[(tid, row.id)]:
                cells[key] = Cell(tid, row.id, key[1], None, raw)
        tables[tid] = Table(tid, spec.title, version, cells, tid in found)
    return tables


@dataclass
class Filled:
    """What filling the tables found besides the cells."""

    lines: dict[str, set[int]]  # the lines of the cells written, by table
    misfits: int  # groups whose number of values is not their rows' number of cells
    warnings: list[str]


def fill(
    groups: list[Group],
    version: schema.FormatVersion,
    tables: dict[str, Table],
    readings: list[Reading],
    budget: SearchBudget | None = None,
) -> Filled:
    """Choose a reading of every group and write its cells into ``tables``.

    A group whose values allow several readings adds a :class:`Reading` to ``readings``, which
    records the one chosen; a row read again later in the text keeps its first reading that
    fits the row (as many values as cells), else its first.
    """
    # The document's inputs limit, shared by its rows (and by every reading of its tables).
    budget = budget if budget is not None else SearchBudget()
    first_cut = len(budget.cut)
    kept, repeated, misfits = _candidates(groups, version, budget, tables, readings)
    warnings = [_repeated_warning(table, rows) for table, rows in repeated.items()]
    if (cut := budget.warning(first_cut)) is not None:
        warnings.append(cut)
    decision = decide(kept, version)
    explained = explain(kept, decision, version)
    undecided = {(r.table, r.row): r for r in readings if r.chosen == [] and r.alternatives > 1}
    kinds = cell_kinds(version)
    # A cell's lines are its group's, and no two kept groups share a cell (a repeated row was
    # dropped), so the lines of a table's cells are those of the groups that wrote some.
    lines: dict[str, set[int]] = {}
    for (g, cands), idx, why in zip(kept, decision.choice, explained, strict=True):
        cells = cands[idx]
        reading = undecided.get((g.table, g.name))
        if reading is not None and why is not None:
            _record_choice(reading, cells, len(cands), why)
        if _write(tables[g.table], g, cells, kinds):
            lines.setdefault(g.table, set()).update(g.lines)
    return Filled(lines, misfits, warnings)


def _candidates(
    groups: list[Group],
    version: schema.FormatVersion,
    budget: SearchBudget,
    tables: dict[str, Table],
    readings: list[Reading],
) -> tuple[list[_Kept], dict[str, list[str]], int]:
    """The candidate readings of each group but those of a row already read; the rows read
    again ("row (lines a and b)", by table) and the groups of the wrong number of values."""
    kept: list[_Kept] = []
    repeated: dict[str, list[str]] = {}
    misfits = 0
    chosen = _first_fitting(groups)
    for i, g in enumerate(groups):
        key = (g.table, g.rows)
        if chosen[key] != i:
            first = groups[chosen[key]].lines[0]
            repeated.setdefault(g.table, []).append(
                f"{g.name} (lines {min(first, g.lines[0])} and {max(first, g.lines[0])})"
            )
            continue
        cands, why = candidates(g, version, budget)
        misfits += len(g.values) != g.size
        kept.append((g, cands))
        if why and len(cands) == 1:
            tables[g.table].notes.append(f"{g.name}: {why} ({g.raw})")
        elif why:
            readings.append(Reading(g.table, g.name, g.raw, [], len(cands), why, g.lines))
    return kept, repeated, misfits


def _first_fitting(groups: list[Group]) -> dict[tuple[str, tuple[str, ...]], int]:
    """The group kept for each row read more than once: the first with as many values as the
    row has cells (a sentence of the prose that names the row and one number is not the row),
    else the first."""
    chosen: dict[tuple[str, tuple[str, ...]], int] = {}
    for i, g in enumerate(groups):
        key = (g.table, g.rows)
        if key not in chosen or (
            len(g.values) == g.size and len(groups[chosen[key]].values) != groups[chosen[key]].size
        ):
            chosen[key] = i
    return chosen


def _repeated_warning(table: str, rows: list[str]) -> str:
    """One warning per table: a report pasted twice would otherwise give one per row."""
    shown = ", ".join(rows[:4]) + (f" and {len(rows) - 4} more" if len(rows) > 4 else "")
    return (
        f"{table}: {len(rows)} row{'s' if len(rows) > 1 else ''} read again later in the text, kept the first "
        f"reading that fits the row (else the first): {shown}"
    )


def _record_choice(reading: Reading, cells: Cells, n_candidates: int, why: Explanation) -> None:
    """Write the reading chosen, and why, into the group's :class:`Reading`."""
    reading.chosen = [parse_value(c) if c is not None else None for c in cells]
    reading.cells, reading.others = why.cells, why.others
    reading.decided_by, reading.log_prior = why.decided_by, why.log_prior
    reading.reason = f"{reading.reason}: {n_candidates} readings possible; " + (
        "only this one satisfies as many identities"
        if why.decided_by == "identities"
        else "several satisfy as many identities: chose the likeliest under the prior of realistic values"
    )


def _write(table: Table, g: Group, cells: Cells, kinds: _CellKinds) -> bool:
    """Write a group's chosen cells into its table; whether it wrote any."""
    pos = 0
    wrote = False
    for row, width in zip(g.rows, g.widths, strict=True):
        row_cells = kinds[(g.table, row)][:width]
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
    return wrote
