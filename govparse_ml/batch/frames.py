"""Rows of the batch datasets as pandas DataFrames, every column in its type."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.columns import CELLS_COLUMNS, INT_COLUMNS, TEXT_COLUMNS, cell_columns, columns, float_columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cells_frame", "rows_frame"]


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """Give the dataset's columns their types: text, nullable integers, nullable floats."""
    import pandas as pd

    floats = float_columns()
    cells = set(cell_columns())
    out = {}
    for name in df.columns:
        s = df[name]
        if name in TEXT_COLUMNS:
            out[name] = s.astype("string")
        elif name in INT_COLUMNS or name in cells:
            out[name] = _numeric(s, name in floats)
        else:
            out[name] = s
    return pd.DataFrame(out, index=df.index)


def _numeric(s: pd.Series, amount: bool) -> pd.Series:
    import pandas as pd

    if not isinstance(s.dtype, pd.Int64Dtype | pd.Float64Dtype):
        s = pd.to_numeric(s, errors="coerce")
    if amount:
        return s.astype("Float64")
    try:
        return s.astype("Int64")
    except (TypeError, ValueError):  # a count read with decimals: keep them
        return s.astype("Float64")


def rows_frame(rows: Sequence[Sequence[Any] | dict[str, Any]]) -> pd.DataFrame:
    """The wide dataset from rows: lists in :func:`columns` order, or dicts (see :func:`report_row`)."""
    import numpy as np
    import pandas as pd

    cols = columns()
    lists = [[r.get(c) for c in cols] if isinstance(r, dict) else r for r in rows]
    by_col = list(zip(*lists, strict=True)) if lists else [()] * len(cols)
    floats = float_columns()
    out: dict[str, Any] = {}
    for name, values in zip(cols, by_col, strict=True):
        if name in TEXT_COLUMNS:
            out[name] = pd.array(values, dtype="string")
            continue
        arr = np.array(values, dtype=float)  # None -> nan
        mask = np.isnan(arr)
        arr[mask] = 0
        if name not in floats and np.array_equal(arr, np.trunc(arr)):
            out[name] = pd.arrays.IntegerArray(arr.astype(np.int64), mask)
        else:
            out[name] = pd.arrays.FloatingArray(arr, mask)
    return pd.DataFrame(out, columns=list(cols))


def cells_frame(cells: Iterable[tuple]) -> pd.DataFrame:
    """The long dataset (id, table, row, col, value, raw) from tuples."""
    import pandas as pd

    df = pd.DataFrame(list(cells), columns=list(CELLS_COLUMNS), dtype=object)
    for name in ("id", "table", "row", "col", "raw"):
        df[name] = df[name].astype("string")
    return df


def empty_frame(long: bool) -> pd.DataFrame:
    """A dataset with its columns and no rows."""
    return cells_frame([]) if long else rows_frame([])
