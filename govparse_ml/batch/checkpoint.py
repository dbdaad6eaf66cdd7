"""The checkpoint of a batch: the rows done so far, on disk, so an interrupted batch can --resume.

The outputs are written from it at the end, a block at a time: memory stays flat in the number
of reports.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.columns import columns
from govparse_ml.batch.formats import tmp_path
from govparse_ml.batch.frames import cells_frame, rows_frame
from govparse_ml.batch.rows import Result

if TYPE_CHECKING:
    import pandas as pd

STREAM_BLOCK = 1_000  # reports per block written (a parquet row group, a CSV append)


class Checkpoint:
    """Rows done so far, appended as they come.

    JSON Lines: a header ``{"columns": [...]}``, then ``{"row": [...], "cells": [...] | null}`` per report.
    """

    def __init__(self, path: Path, provenance: dict[str, Any] | None = None) -> None:
        self.path = path
        self.provenance = provenance
        self._fh: Any = None

    def read_provenance(self) -> dict[str, Any] | None:
        """The provenance in the header of the checkpoint on disk (None: none, or no file)."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                header = json.loads(fh.readline())
        except (OSError, ValueError):
            return None
        return header.get("provenance") if isinstance(header, dict) else None

    def start(self, carry: Sequence[Result] = ()) -> None:
        """Begin a new checkpoint holding ``carry`` (what an earlier run left), then append to it."""
        tmp = tmp_path(self.path)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"columns": list(columns()), "provenance": self.provenance}, ensure_ascii=False) + "\n")
            for line in self._lines(carry):
                fh.write(line + "\n")
        os.replace(tmp, self.path)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    @staticmethod
    def _lines(results: Iterable[Result]) -> Iterator[str]:
        for row, cells in results:
            yield json.dumps({"row": row, "cells": cells}, ensure_ascii=False)

    def add(self, results: Sequence[Result]) -> None:
        self._fh.write("".join(line + "\n" for line in self._lines(results)))
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def read(self) -> list[Result]:
        """What the checkpoint holds, rows in the current column order."""
        return list(self.entries())

    def entries(self, skip: int = 0) -> Iterator[Result]:
        """The checkpoint's entries one by one (after the first ``skip``), rows in the current column order."""
        if not self.path.exists():
            return
        cols = list(columns())
        header = cols
        n = 0
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:  # the line being written when the run stopped
                    continue
                if "columns" in rec:
                    header = rec["columns"]
                    continue
                n += 1
                if n <= skip:
                    continue
                row = rec["row"]
                if header != cols:  # written by another version of the schema: match by name
                    named = dict(zip(header, row, strict=False))
                    row = [named.get(c) for c in cols]
                cells = rec.get("cells")
                yield (row, [tuple(c) for c in cells] if cells is not None else None)

    def row_blocks(self, skip: int, float_counts: Iterable[str] = ()) -> Iterator[pd.DataFrame]:
        """The rows (after the first ``skip``) as wide frames, STREAM_BLOCK at a time, every block
        with the same dtypes: the count columns ``float_counts`` (where a value had decimals) Float64."""
        floats = dict.fromkeys(float_counts, "Float64")
        for block in self._blocks(skip):
            frame = rows_frame([row for row, _ in block])
            yield frame.astype(floats) if floats else frame

    def cell_blocks(self, skip: int) -> Iterator[pd.DataFrame]:
        """The cells (after the first ``skip`` reports) as long frames, STREAM_BLOCK reports at a time."""
        for block in self._blocks(skip):
            yield cells_frame((row[0], *c) for row, cs in block if cs for c in cs)

    def _blocks(self, skip: int) -> Iterator[list[Result]]:
        entries = self.entries(skip)
        while block := list(itertools.islice(entries, STREAM_BLOCK)):
            yield block

    def remove(self) -> None:
        self.close()
        if self.path.exists():
            self.path.unlink()
