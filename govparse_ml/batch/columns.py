"""The columns of the batch datasets: their names, order and value types.

The wide dataset has one column per canonical cell, named ``table.row.col``, over the union of
both format versions in schema order, so 2019 and 2021 reports share one rectangular table (a
cell outside a report's format is empty). The long dataset has one row per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from govparse_ml.format import schema

__all__ = ["CELLS_COLUMNS", "cell_columns", "columns"]

Cell = tuple[str, str, str]  # (table, row, col)

META_COLUMNS: tuple[str, ...] = ("id", "source", "title", "agency", "year", "format_version", "encoding")
TAIL_COLUMNS: tuple[str, ...] = ("n_checks_failed", "n_checks_unverifiable", "warnings", "error")
CELLS_COLUMNS: tuple[str, ...] = ("id", "table", "row", "col", "value", "raw")
TEXT_COLUMNS = frozenset({"id", "source", "title", "agency", "format_version", "encoding", "warnings", "error"})
INT_COLUMNS = frozenset({"year", "n_checks_failed", "n_checks_unverifiable"})
# Positions of the tail columns in a row of the wide dataset.
N_FAILED, N_UNVERIFIABLE, WARNINGS, ERROR = -4, -3, -2, -1


def _merge(a: Sequence, b: Sequence) -> list:
    """``a`` with the items of ``b`` it lacks, each put before the next item the two share."""
    out = list(a)
    present = set(out)
    pending: list = []
    for x in b:
        if x in present:
            i = out.index(x)
            out[i:i] = pending
            present.update(pending)
            pending = []
        elif x not in pending:
            pending.append(x)
    out.extend(pending)
    return out


def _union_rows(specs: list[dict[str, schema.TableSpec]], tid: str) -> list[str]:
    rows: list[str] = []
    for s in specs:
        if tid in s:
            rows = _merge(rows, [r.id for r in s[tid].rows])
    return rows


def _union_columns(specs: list[dict[str, schema.TableSpec]], tid: str, rid: str, kinds: dict[Cell, str]) -> list[str]:
    """The columns of row ``rid`` over every format version; their value kinds go into ``kinds``."""
    cols: list[str] = []
    for s in specs:
        if tid in s and any(r.id == rid for r in s[tid].rows):
            row = s[tid].row(rid)
            cols = _merge(cols, [c.id for c in row.columns])
            for c in row.columns:
                kinds.setdefault((tid, rid, c.id), c.kind)
    return cols


@cache
def _union_cells() -> tuple[tuple[Cell, ...], dict[Cell, str]]:
    """Every cell of every format version, in schema order, and the kind of its values."""
    specs = [schema.tables(v) for v in schema.FORMATS]
    table_ids: list[str] = []
    for s in specs:
        table_ids = _merge(table_ids, list(s))
    cells: list[Cell] = []
    kinds: dict[Cell, str] = {}
    for tid in table_ids:
        for rid in _union_rows(specs, tid):
            cells.extend((tid, rid, cid) for cid in _union_columns(specs, tid, rid, kinds))
    return tuple(cells), kinds


@cache
def cell_columns() -> tuple[str, ...]:
    """The ``table.row.col`` column of every canonical cell of either format version, in schema order."""
    return tuple(schema.cell_key(*c) for c in _union_cells()[0])


@cache
def columns() -> tuple[str, ...]:
    """All columns of the wide dataset, in order."""
    return (*META_COLUMNS, *cell_columns(), *TAIL_COLUMNS)


@cache
def float_columns() -> frozenset[str]:
    """The cell columns of amounts (decimals); the other cell columns hold counts."""
    cells, kinds = _union_cells()
    return frozenset(schema.cell_key(*c) for c in cells if kinds[c] == "amount")


@cache
def cell_index() -> dict[Cell, int]:
    """The position of each cell's column in a row of the wide dataset."""
    index = {c: i for i, c in enumerate(columns())}
    return {c: index[schema.cell_key(*c)] for c in _union_cells()[0]}
