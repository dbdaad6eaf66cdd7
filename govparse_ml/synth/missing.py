"""Parts of a report left out: rows, a whole table, or the end of the report.

What is left out is said by ``missing`` entries: ``"table"`` (the whole table), ``"table.row"``
(one row) or ``"table.prefix.*"`` (every row of a group); their cells are None in the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from govparse_ml.format import schema
from govparse_ml.synth.context import Context
from govparse_ml.synth.tables import Row, Table
from govparse_ml.synth.values import CellId


def missing_cells(format_version: str, missing: list[str]) -> list[CellId]:
    """The cells covered by ``missing`` entries ("table", "table.row", "table.prefix.*")."""
    out = []
    for cell in schema.cell_ids(format_version):
        table, row, _ = cell
        for entry in missing:
            head, _, rest = entry.partition(".")
            if head == table and (not rest or row == rest or (rest.endswith(".*") and row.startswith(rest[:-1]))):
                out.append(cell)
                break
    return out


def drop_rows(table: Table, keep: Callable[[Row], bool]) -> Table:
    """The table without the rows ``keep`` rejects (whole groups or blocks, so no label is orphaned)."""
    return replace(table, rows=[row for row in table.rows if keep(row)])


def _table(ctx: Context, table_id: str) -> Table:
    table = ctx.tables[table_id]
    assert table is not None
    return table


def _drop_outcome_group(ctx: Context) -> list[str]:
    """Leave out one group of outcome rows of the applications table (every 不予公开 row …)."""
    app = _table(ctx, "applications")
    prefixes = sorted({r.row_id.split(".")[0] for r in app.rows if r.row_id and "." in r.row_id})
    prefix = ctx.rng.choice(prefixes)
    ctx.tables["applications"] = drop_rows(app, lambda r: not (r.row_id or "").startswith(prefix + "."))
    return [f"applications.{prefix}.*"]


def _drop_block(ctx: Context) -> list[str]:
    """Leave out one block of active disclosure (never the first), caption and header included."""
    ad = _table(ctx, "active_disclosure")
    blocks = list(dict.fromkeys(r.block for r in ad.rows))
    block = ctx.rng.choice(blocks[1:])
    gone = [r.row_id for r in ad.rows if r.block == block and r.kind == "data"]
    ctx.tables["active_disclosure"] = drop_rows(ad, lambda r: r.block != block)
    return [f"active_disclosure.{row_id}" for row_id in gone]


def _drop_table(ctx: Context, missing: list[str]) -> list[str]:
    """Leave out a whole table; its entries replace any of its rows already in ``missing``."""
    table_id = ctx.rng.choice(("review_litigation", "review_litigation", "active_disclosure", "applications"))
    ctx.tables[table_id] = None
    return [m for m in missing if not m.startswith(table_id + ".")] + [table_id]


def _truncate(ctx: Context) -> list[str]:
    """End the report inside a table: that table's later rows and every later table are left out."""
    rng, tables = ctx.rng, ctx.tables
    table_id = rng.choice(("applications", "applications", "active_disclosure", "review_litigation"))
    table = _table(ctx, table_id)
    data = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    # keep a value row of active_disclosure, so that the report holds some values at all
    if table_id == "review_litigation":
        cut = data[0]
    else:
        cut = rng.choice(data[1:] if table_id == "active_disclosure" else data)
    if table_id == "review_litigation" or cut == data[0]:
        missing = [table_id]
    else:
        missing = [f"{table_id}.{row.row_id}" for row in table.rows[cut:] if row.kind == "data"]
    tables[table_id] = replace(table, rows=table.rows[:cut])
    later = list(tables)[list(tables).index(table_id) + 1 :]
    for later_id in later:
        tables[later_id] = None
    ctx.stop_after = table_id
    return missing + later


def apply_missing(ctx: Context) -> list[str]:
    """Leave out rows, a whole table, or the end of the report; return the ``missing`` entries."""
    rng = ctx.rng
    missing: list[str] = []
    mode = rng.choice(("rows", "rows", "table", "truncate", "truncate", "rows+table"))
    if "rows" in mode:
        missing += _drop_outcome_group(ctx) if rng.random() < 0.6 else _drop_block(ctx)
    if "table" in mode:
        missing = _drop_table(ctx, missing)
    if mode == "truncate":
        missing += _truncate(ctx)
    return missing
