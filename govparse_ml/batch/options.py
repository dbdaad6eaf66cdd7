"""The settings of one batch run (what the ``govparse-ml batch`` arguments ask for)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govparse_ml.label.labeling import DEFAULT_THRESHOLD


@dataclass(frozen=True)
class BatchOptions:
    """What to parse, where to write it, and how: the batch command's arguments, checked.

    ``model`` is a loaded model, ``"default"`` or None (rules only), as for
    :func:`govparse_ml.parse`; ``command`` is the command line the manifest records.
    """

    inputs: Sequence[str]
    output: Path
    cells: Path | None = None
    jobs: int = 1
    chunksize: int | None = None
    backend: str = "local"
    scheduler: str | None = None
    model: Any = "default"
    threshold: float = DEFAULT_THRESHOLD
    headers: str = "id"
    resume: bool = False
    retry_errors: bool = False
    allow_mixed: bool = False
    progress: bool = True
    command: list[str] | None = None
