"""Writing a dataset as CSV, parquet, JSON Lines or XLSX, whole or a block at a time, atomically.

CSV is UTF-8 with a BOM and CRLF line ends, the form Excel opens without mojibake; CSV and XLSX
text cells are escaped against formula injection (:mod:`govparse_ml.io.sheets`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.formats import (
    CSV_ENCODING,
    EXCEL_MAX_ROWS,
    OUTPUT_FORMATS,
    PARQUET_METADATA_KEY,
    atomic_write,
    output_format,
)
from govparse_ml.batch.frames import empty_frame, typed
from govparse_ml.io.files import InputError
from govparse_ml.io.sheets import escape_frame, zh_headers

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_frame", "write_stream"]


def _plain_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _headers(df: pd.DataFrame, headers: str) -> pd.DataFrame:
    if headers == "id":
        return df
    return df.set_axis(list(zh_headers(tuple(df.columns))), axis=1)


def _to_float(s: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(s, errors="coerce").astype("Float64")


def _unknown_format(fmt: str) -> ValueError:
    return ValueError(f"unknown output format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")


def write_frame(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    long: bool = False,
    headers: str = "id",
    provenance: dict[str, Any] | None = None,
    codebook: pd.DataFrame | None = None,
) -> None:
    """Write a dataset atomically (temp file + rename), in the format of ``path``'s extension.

    ``headers="zh"`` writes the Chinese headers (CSV, XLSX). ``provenance`` goes into the
    parquet file's metadata; ``codebook`` becomes a sheet of an XLSX (frozen header rows).
    """
    out = Path(path)
    fmt = output_format(out)
    if fmt == ".csv":
        frame = _headers(escape_frame(df), headers)
        atomic_write(out, lambda p: frame.to_csv(p, index=False, encoding=CSV_ENCODING, lineterminator="\r\n"))
    elif fmt == ".parquet":
        frame = df
        if long:  # one type per column: values as doubles (counts stay exact)
            frame = df.assign(value=df["value"].pipe(_to_float))
        atomic_write(out, lambda p: _write_parquet(frame, p, provenance))
    elif fmt == ".jsonl":
        atomic_write(out, lambda p: _write_jsonl([df], p))
    elif fmt == ".xlsx":
        _check_excel_rows(out, len(df))
        sheets = {"cells" if long else "reports": _headers(escape_frame(df, xlsx=True), headers)}
        if codebook is not None:
            sheets["codebook"] = escape_frame(codebook, xlsx=True)
        atomic_write(out, lambda p: _write_xlsx(sheets, p))
    else:
        raise _unknown_format(fmt)


def _check_excel_rows(out: Path, n: int) -> None:
    if n + 1 > EXCEL_MAX_ROWS:
        raise InputError(
            f"{out} would have {n:,} rows, more than the {EXCEL_MAX_ROWS - 1:,} an Excel sheet holds: "
            f"write it as .parquet, .csv or .jsonl"
        )


def _write_jsonl(frames: Iterable[pd.DataFrame], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for frame in frames:
            for rec in _plain_records(frame):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def _write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, index=False, sheet_name=name)
            writer.sheets[name].freeze_panes = "A2"  # the header row stays in view


def _metadata(schema: Any, provenance: dict[str, Any]) -> dict[bytes, bytes]:
    """The metadata of a pyarrow schema with ``provenance`` added."""
    meta = dict(schema.metadata or {})
    meta[PARQUET_METADATA_KEY] = json.dumps(provenance, ensure_ascii=False).encode("utf-8")
    return meta


def _write_parquet(frame: pd.DataFrame, path: Path, provenance: dict[str, Any] | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if provenance is not None:
        table = table.replace_schema_metadata(_metadata(table.schema, provenance))
    pq.write_table(table, path)


# --------------------------------------------------------------------------- streaming


def _conform(frame: pd.DataFrame, like: pd.DataFrame | None, cols: list[str]) -> pd.DataFrame:
    """``frame`` with the columns ``cols`` (missing ones null), in the dtypes of ``like``'s where it has them."""
    for c in cols:
        if c not in frame.columns:
            frame[c] = None
    frame = frame[cols]
    if like is not None:
        dtypes = {c: like[c].dtype for c in cols if c in like.columns and like[c].dtype != frame[c].dtype}
        if dtypes:
            with contextlib.suppress(TypeError, ValueError):  # a kept column of another type: as it is
                frame = frame.astype(dtypes)
    return frame


class _Frames:
    """The frames of a streamed dataset: the kept rows, then the new blocks, each in the columns
    and dtypes of the first; counted as they go by."""

    def __init__(self, old: pd.DataFrame | None, blocks: Iterable[pd.DataFrame], long: bool) -> None:
        self.old, self.blocks, self.long = old, blocks, long
        self.n_rows = self.n_errors = 0

    def __iter__(self) -> Iterator[pd.DataFrame]:
        like: pd.DataFrame | None = None
        cols: list[str] = []
        for frame in itertools.chain([self.old] if self.old is not None and len(self.old) else [], self.blocks):
            if like is None:
                like, cols = frame, list(frame.columns)
            else:
                frame = _conform(frame, like, cols)
            self.n_rows += len(frame)
            if not self.long:
                self.n_errors += int(frame["error"].notna().sum())
            yield frame


def write_stream(
    path: Path,
    old: pd.DataFrame | None,
    blocks: Iterable[pd.DataFrame],
    *,
    long: bool = False,
    headers: str = "id",
    provenance: dict[str, Any] | None = None,
    codebook: pd.DataFrame | None = None,
) -> tuple[int, int]:
    """Write ``old`` (rows kept from an earlier run) then every block, atomically, without holding
    more than a block in memory (XLSX, limited to a sheet's rows anyway, is built whole).
    Returns (rows, rows with an error)."""
    fmt = output_format(path)
    frames = _Frames(old, blocks, long)
    if fmt == ".xlsx":
        write_frame(_whole(frames, long), path, long=long, headers=headers, provenance=provenance, codebook=codebook)
    elif fmt == ".parquet":
        atomic_write(path, lambda tmp: _stream_parquet(frames, tmp, long, provenance))
    elif fmt == ".csv":
        atomic_write(path, lambda tmp: _stream_csv(frames, tmp, long, headers))
    elif fmt == ".jsonl":
        atomic_write(path, lambda tmp: _write_jsonl(frames, tmp))
    else:
        raise _unknown_format(fmt)
    return frames.n_rows, frames.n_errors


def _whole(frames: Iterable[pd.DataFrame], long: bool) -> pd.DataFrame:
    import pandas as pd

    parts = list(frames)
    whole = pd.concat(parts, ignore_index=True) if parts else empty_frame(long)
    return typed(whole) if not long and "n_checks_failed" in whole.columns else whole


def _stream_parquet(frames: Iterable[pd.DataFrame], tmp: Path, long: bool, provenance: dict[str, Any] | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            if long:
                frame = frame.assign(value=frame["value"].pipe(_to_float))
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                schema = table.schema
                if provenance is not None:
                    schema = schema.with_metadata(_metadata(schema, provenance))
                writer = pq.ParquetWriter(tmp, schema)
            writer.write_table(table.cast(writer.schema) if table.schema != writer.schema else table)
        if writer is None:  # no rows at all: an empty file with the columns
            _write_parquet(empty_frame(long), tmp, provenance)
    finally:
        if writer is not None:
            writer.close()


def _stream_csv(frames: Iterable[pd.DataFrame], tmp: Path, long: bool, headers: str) -> None:
    with open(tmp, "w", encoding=CSV_ENCODING, newline="") as fh:
        wrote = False
        for frame in frames:
            _headers(escape_frame(frame), headers).to_csv(fh, index=False, header=not wrote, lineterminator="\r\n")
            wrote = True
        if not wrote:
            _headers(empty_frame(long), headers).to_csv(fh, index=False, lineterminator="\r\n")
