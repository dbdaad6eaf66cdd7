"""The manifest of a dataset: what made it (provenance, command) and what it holds."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from govparse_ml.batch.formats import atomic_write, codebook_path, manifest_path
from govparse_ml.batch.options import BatchOptions


def write_manifest(
    options: BatchOptions,
    run: dict[str, Any],
    mixed: list[dict[str, Any]],
    counts: tuple[int, int, int],
) -> None:
    """``NAME.manifest.json`` beside the dataset. ``mixed``: the provenances of the earlier rows
    this run's are mixed with; ``counts``: the dataset's reports, errors and columns."""
    out_path, cells_path = options.output, options.cells
    earlier: list[dict[str, Any]] = []
    m = manifest_path(out_path)
    if options.resume and m.exists():
        with contextlib.suppress(OSError, ValueError):
            earlier = json.loads(m.read_text(encoding="utf-8")).get("mixed_with", [])
    n_rows, n_errors, n_columns = counts
    manifest = {
        "provenance": run,
        "mixed_with": [*earlier, *(p for p in mixed if p not in earlier)],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": options.command,
        "dataset": out_path.name,
        "cells": cells_path.name if cells_path is not None else None,
        "codebook": codebook_path(out_path).name,
        "headers": options.headers,
        "reports": n_rows,
        "errors": n_errors,
        "columns": n_columns,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    atomic_write(m, lambda p: p.write_text(data, encoding="utf-8"))
