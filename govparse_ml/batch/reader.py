"""Reading back a dataset the batch wrote (for ``--resume``), and the provenance it records."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.columns import CELLS_COLUMNS, columns
from govparse_ml.batch.formats import PARQUET_METADATA_KEY, manifest_path, output_format
from govparse_ml.batch.frames import typed
from govparse_ml.io.files import InputError
from govparse_ml.io.sheets import ids_from_headers, unescape_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_frame", "read_provenance"]


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The provenance a dataset records: its manifest's, else its parquet metadata's; None if neither."""
    m = manifest_path(path)
    if m.exists():
        try:
            return json.loads(m.read_text(encoding="utf-8")).get("provenance")
        except (OSError, ValueError):
            return None
    if output_format(path) == ".parquet" and Path(path).exists():
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        if PARQUET_METADATA_KEY in meta:
            return json.loads(meta[PARQUET_METADATA_KEY])
    return None


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _number(v: Any) -> Any:
    """A value read back from a text format: int when it is a whole number as written, else float."""
    if _missing(v):
        return None
    if isinstance(v, str):
        v = v.strip()
        if not v:
            return None
        try:
            return int(v)
        except ValueError:
            return float(v)
    return v


def _read_file(p: Path, fmt: str, long: bool) -> pd.DataFrame:
    """The dataset's file as it is stored (texts of CSV and XLSX still escaped, headers as written)."""
    import pandas as pd

    if fmt == ".csv":
        return pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    if fmt == ".parquet":
        return pd.read_parquet(p)
    if fmt == ".jsonl":
        with open(p, encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh if line.strip()]
        return pd.DataFrame(recs, dtype=object)
    if fmt == ".xlsx":
        return pd.read_excel(p, dtype=object, engine="openpyxl", sheet_name="cells" if long else "reports")
    raise ValueError(f"unknown output format {fmt!r}")


def read_frame(path: str | os.PathLike[str], *, long: bool = False) -> pd.DataFrame:
    """Read back a dataset written by :func:`~govparse_ml.batch.writers.write_frame` (for --resume)."""
    p = Path(path)
    fmt = output_format(p)
    df = _read_file(p, fmt, long)
    if fmt in (".csv", ".xlsx"):
        expected = CELLS_COLUMNS if long else columns()
        df = df.set_axis(ids_from_headers(list(df.columns), tuple(expected)), axis=1)
        df = unescape_frame(df, xlsx=fmt == ".xlsx")
    if "id" not in df.columns:
        raise InputError(f"{p} has no id column: it is not a dataset written by govparse-ml batch")
    df["id"] = df["id"].map(lambda v: None if _missing(v) else str(v))
    return _long_frame(df) if long else _wide_frame(df)


def _long_frame(df: pd.DataFrame) -> pd.DataFrame:
    for name in CELLS_COLUMNS:
        if name not in df.columns:
            df[name] = None
    values = df["value"].astype(object).map(_number)
    df = df[list(CELLS_COLUMNS)].astype({n: "string" for n in ("id", "table", "row", "col", "raw")})
    df["value"] = values.astype(object)
    return df


def _wide_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The wide dataset in the current columns (missing ones null), unknown ones kept after them."""
    for name in columns():
        if name not in df.columns:
            df[name] = None
    known = list(columns())
    df = df[known + [c for c in df.columns if c not in set(known)]]
    return typed(df)
