"""Header columns: where the header cells of a table with cell separators put each column, and
the values of a row with blank cells placed by them."""

from __future__ import annotations

from functools import cache, lru_cache

from govparse_ml.format import schema
from govparse_ml.tables.keys import compact
from govparse_ml.tables.segments import Segment
from govparse_ml.tables.tokens import Token
from govparse_ml.tables.values import RawValue


@cache
def _column_labels(version: schema.FormatVersion) -> tuple[dict[str, str], dict[str, str]]:
    """The columns' compact labels (their bracketed notes left out) -> column id, and column id -> table."""
    specs = schema.tables(version).values()
    labels = {compact(c.label).split("(")[0]: c.id for spec in specs for row in spec.rows for c in row.columns}
    tables = {c.id: spec.id for spec in specs for row in spec.rows for c in row.columns}
    return labels, tables


@cache
def _row_columns(version: schema.FormatVersion) -> dict[str, tuple[str, ...]]:
    """Row id -> the ids of its columns, in order (a row id names one row in a format)."""
    return {row.id: tuple(c.id for c in row.columns) for spec in schema.tables(version).values() for row in spec.rows}


@lru_cache(maxsize=4096)
def _column_named(text: str, version: schema.FormatVersion) -> str | None:
    """The column a header cell names, if it names one."""
    return _column_labels(version)[0].get(compact(text).split("(")[0])


class HeaderColumns:
    """Where the header cells of a table with cell separators put each column.

    A header cell naming a column (上一年项目数量, 自然人 …) gives the column's position in the
    rows. The positions place the values of a row some of whose cells are blank, once full
    rows have stood at those positions (and none elsewhere): then header and rows are one
    grid, as in a real table.
    """

    def __init__(self, version: schema.FormatVersion) -> None:
        self.version = version
        self.column_table = _column_labels(version)[1]
        self.row_columns = _row_columns(version)
        self.position: dict[str, int] = {}  # column id -> cell position in the latest header rows
        # a row's columns (rows of a table mostly share theirs) -> their positions
        self.cached: dict[tuple[str, ...], tuple[int, ...] | None] = {}
        # (table, column its rows' labels end in) -> its full rows stood where the header says (or not)
        self.verdict: dict[tuple[str, int], bool] = {}
        # The full rows not yet in the verdicts: (row, line of its values, its labels, whether it
        # stood where the header says). They are judged when a row with blank cells asks, if one
        # does: most tables have none.
        self.unjudged: list[tuple[schema.RowSpec, int, list[Token], bool]] = []

    def observe(self, seg: Segment) -> None:
        if not seg.hits:
            return  # header cells are table words: a label run that names none holds none
        for t in seg.labels:
            if t.grid:
                col = _column_named(t.text, self.version)
                if col is not None and self.position.get(col) != t.cell:
                    self.position[col] = t.cell
                    self.cached.clear()

    def _positions(self, row: schema.RowSpec) -> tuple[int, ...] | None:
        columns = self.row_columns[row.id]
        if columns in self.cached:
            return self.cached[columns]
        found: tuple[int, ...] | None = tuple([self.position.get(c, -1) for c in columns])
        if -1 in found or list(found) != sorted(set(found)):  # type: ignore[operator, arg-type]
            found = None
        self.cached[columns] = found
        return found

    def place(self, row: schema.RowSpec, values: list[RawValue], labels: list[Token]) -> list[RawValue]:
        """The row's values, one per cell, blanks filled in, if the header places them.

        Rows are checked against the header by the column their label ends in: where a label
        spanning columns is written once (not padded), such rows are not on the header's grid."""
        if not self.position or (positions := self._positions(row)) is None:
            return values  # no header cell named a column, or not all of this row's
        if (cells := _grid_cells(values)) is None:
            return values
        if len(cells) == len(values) == len(positions):  # a full row: does it stand where the header says?
            self.unjudged.append((row, values[-1].lines[0], labels, cells == positions))
            return values
        if not self._verdict(self._grid_key(row, values[-1].lines[0], labels)) or not set(cells) <= set(positions):
            return values
        by_cell = {v.cell: v for v in values if not v.blank}
        line = values[0].lines
        return [by_cell.get(p, RawValue("", line, True)) for p in positions]

    def _verdict(self, key: tuple[str, int]) -> bool | None:
        """Whether the full rows of ``key`` so far all stood where the header says (None: no such row)."""
        for row, line, labels, stood in self.unjudged:
            judged = self._grid_key(row, line, labels)
            self.verdict[judged] = self.verdict.get(judged, True) and stood
        self.unjudged.clear()
        return self.verdict.get(key)

    def _grid_key(self, row: schema.RowSpec, line: int, labels: list[Token]) -> tuple[str, int]:
        """The row's table and the column its label ends in (-1: no label cell on ``line``, its values')."""
        own = [t.cell for t in labels if t.grid and t.line == line]
        return self.column_table[row.columns[0].id], own[-1] if own else -1


def _grid_cells(values: list[RawValue]) -> tuple[int, ...] | None:
    """The columns of a row's values but its blanks, if every one has its column in the row."""
    if not values or values[-1].cell < 0:
        return None
    cells = tuple([v.cell for v in values if not v.blank])
    return None if cells and min(cells) < 0 else cells
