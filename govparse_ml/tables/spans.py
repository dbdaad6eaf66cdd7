"""Sub-rows that print no values of their own, right below a sibling that does: blank cells,
or cells merged with the sibling's (a ``rowspan``).

A web page that merges the cells of （六）其他处理's three sub-rows prints each merged value
once; a crawler or a copy-paste of the page then writes the values after the first sub-row
and none after the others. Text with cell positions marks a blank cell (an empty tab cell,
``|  |``, an empty line), so this is only read where the row has no value and no empty cell at
all. The merged reading is taken where no identity that ties the row to other rows (the
column sums into （七）总计) fails with it, and either one holds or the merged values are all 0
(none in each sub-row: a 0 means the same printed once or three times); else the cells stay
blank. Either way a :class:`~govparse_ml.document.Reading` says which, and why.
"""

from __future__ import annotations

from govparse_ml.document import Reading, Table
from govparse_ml.format import schema
from govparse_ml.tables.identities import CellValues, holding, touching


def merge_spanned(
    valueless: list[tuple[str, str, list[int]]],
    tables: dict[str, Table],
    version: schema.FormatVersion,
    readings: list[Reading],
) -> None:
    """Read each run of valueless sub-rows as blank or as merged with the sibling row above it."""
    for table_id, source, run, lines in _runs(valueless, tables, version):
        _weigh(tables[table_id], schema.tables(version)[table_id], source, run, lines, version, readings)


def _runs(
    valueless: list[tuple[str, str, list[int]]], tables: dict[str, Table], version: schema.FormatVersion
) -> list[tuple[str, str, list[str], list[int]]]:
    """``(table, source row, rows, lines)``: valueless sub-rows one after another right below a
    sibling whose cells are all read (the row whose values they would share)."""
    out: list[tuple[str, str, list[str], list[int]]] = []
    for table_id, row_id, lines in valueless:
        spec, table = schema.tables(version)[table_id], tables[table_id]
        above = _sibling_above(table_id, spec, row_id)
        if above is None or any(table.cells[(row_id, c.id)].raw for c in spec.row(row_id).columns):
            continue  # no sibling above, or the row was read after all
        if out and out[-1][0] == table_id and out[-1][2][-1] == above:
            out[-1][2].append(row_id)
        elif all(table.cells[(above, c.id)].value is not None for c in spec.row(above).columns):
            out.append((table_id, above, [row_id], lines))
    return out


def _sibling_above(table_id: str, spec: schema.TableSpec, row_id: str) -> str | None:
    """The row right above ``row_id`` if both are sub-rows of one parent row with the same columns."""
    i = spec.row_index(row_id)
    if i == 0:
        return None
    row, above = spec.rows[i], spec.rows[i - 1]
    parent = schema.parent_row(table_id, row)
    if parent is None or schema.parent_row(table_id, above) != parent or row.columns != above.columns:
        return None
    return above.id


def _weigh(
    table: Table,
    spec: schema.TableSpec,
    source: str,
    run: list[str],
    lines: list[int],
    version: schema.FormatVersion,
    readings: list[Reading],
) -> None:
    """Choose blank or merged for a run of rows, write the cells if merged, record the readings."""
    columns = [c.id for c in spec.row(source).columns]
    merged = [table.cells[(source, c)].value for c in columns]
    holds, fails = _cross_identities(table, run, merged, version)
    # A copy of a whole row always adds up on its own: only the identities that tie the rows to
    # others (the column sums into （七）总计) tell whether the merged values count in each sub-row.
    take = not fails and (holds > 0 or not any(merged))
    verdict = _verdict(holds, fails, take)
    blank: list[int | float | None] = [None] * len(columns)
    for row_id in run:
        why = (
            f"row {spec.row(row_id).label!r} prints no values of its own, below {spec.row(source).label!r} of the "
            f"same parent row: read as {'cells merged with that row (a rowspan)' if take else 'blank cells'}; "
            f"merged values: {verdict}"
        )
        if take:
            for c in columns:
                src, cell = table.cells[(source, c)], table.cells[(row_id, c)]
                cell.raw, cell.value, cell.lines = src.raw, src.value, list(src.lines)
        chosen, other = (merged, blank) if take else (blank, merged)
        readings.append(
            Reading(
                table.id,
                row_id,
                "",
                list(chosen),
                2,
                why,
                lines,
                cells=[schema.cell_key(table.id, row_id, c) for c in columns],
                decided_by="identities" if holds or fails else None,
                others=[{"values": list(other), "identities": None, "log_prior": None, "why": verdict}],
            )
        )


def _verdict(holds: int, fails: int, take: bool) -> str:
    """What the identities said of the merged values."""
    if fails:
        return f"{fails} identities fail with them"
    if holds:
        return f"{holds} identities hold with them and none fails"
    return "no identity tells" + ("; merged 0s are 0 in each sub-row" if take else "")


def _cross_identities(
    table: Table, run: list[str], merged: list[int | float | None], version: schema.FormatVersion
) -> tuple[int, int]:
    """How many identities that tie the rows to other rows hold, and how many fail, with the
    merged values written into each row of the run."""
    cells: CellValues = {(table.id, r, c): cell.value for (r, c), cell in table.cells.items()}
    own: list[tuple[str, str, str]] = []
    for row_id in run:
        keys = [(table.id, r, c) for (r, c) in table.cells if r == row_id]
        cells.update(zip(keys, merged, strict=True))
        own += keys
    holds = fails = 0
    for ident in touching(dict.fromkeys(own), version):
        terms = (*ident.lhs, *ident.rhs)
        if len({t[1] for t in terms}) == 1:
            continue  # a row's own total
        ok = holding(cells, version, (ident,))
        holds += ok
        fails += not ok and all(cells.get(t) is not None for t in terms)
    return holds, fails
