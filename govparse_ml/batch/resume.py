"""What ``--resume`` carries over from an earlier run: its rows and cells, and the ids done."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.checkpoint import Checkpoint
from govparse_ml.batch.frames import cells_frame, rows_frame, typed
from govparse_ml.batch.options import BatchOptions
from govparse_ml.batch.reader import read_frame, read_provenance
from govparse_ml.batch.rows import Result
from govparse_ml.io.files import InputError
from govparse_ml.provenance import differences

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ResumeState:
    """What an earlier run left: its rows, its cells, the ids not to parse again, the checkpoint's entries."""

    rows: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None
    done: set[str] = field(default_factory=set)
    carry: list[Result] = field(default_factory=list)


def check_mixing(options: BatchOptions, checkpoint: Checkpoint, run: dict[str, Any]) -> list[dict[str, Any]]:
    """Refuse to --resume into rows made by another parser version, schema, model or threshold
    (unless --allow-mixed); returns the other provenances that are being mixed in."""
    others = []
    for where, prov in (
        (options.output, read_provenance(options.output)),
        (checkpoint.path, checkpoint.read_provenance()),
    ):
        if prov is None or not differences(prov, run):
            continue
        if not options.allow_mixed:
            raise InputError(
                f"{where} was made by another run ({'; '.join(differences(prov, run))}): its rows and this run's "
                "would not be comparable. Write to a new file, or pass --allow-mixed to mix them (the manifest "
                "then lists both)"
            )
        others.append(prov)
    return others


def _load(path: Path, long: bool) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        return read_frame(path, long=long)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"cannot read {path} to resume from it ({type(exc).__name__}: {exc}); move it away or run without --resume"
        ) from None


def _replace_ids(old: pd.DataFrame | None, new: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """``old`` without the rows of ``ids``, then ``new``; known columns first, in their order."""
    import pandas as pd

    if old is None or not len(old):
        return new
    both = pd.concat([old[~old["id"].isin(ids)], new], ignore_index=True)
    order = list(new.columns) + [c for c in both.columns if c not in set(new.columns)]
    both = both[order]
    return typed(both) if "n_checks_failed" in both.columns else both


def resume_state(options: BatchOptions, checkpoint: Checkpoint) -> ResumeState:
    """What the outputs and the checkpoint of an earlier run hold, the checkpoint's rows replacing
    the outputs' rows of the same ids."""
    cells_path = options.cells
    old_rows = _load(options.output, False)
    old_cells = _load(cells_path, True) if cells_path is not None else None
    saved = list({row[0]: (row, cs) for row, cs in checkpoint.read()}.values())  # the last entry of an id wins
    if saved:
        ck_ids = {r[0] for r, _ in saved}
        old_rows = _replace_ids(old_rows, rows_frame([r for r, _ in saved]), ck_ids)
        if cells_path is not None:
            ck_cells = cells_frame((r[0], *c) for r, cs in saved if cs for c in cs)
            old_cells = _replace_ids(old_cells, ck_cells, ck_ids)
    if old_rows is None:
        return ResumeState(None, old_cells, set(), saved)
    done = set(old_rows["id"].dropna())
    errors = set(old_rows.loc[old_rows["error"].notna(), "id"].dropna())
    if cells_path is not None:
        # A report counts as done only if its cells are there too (error rows have none).
        have_cells = set(old_cells["id"].dropna()) if old_cells is not None else set()
        done &= have_cells | errors
    if options.retry_errors:
        done -= errors
    return ResumeState(old_rows, old_cells, done, saved)
