"""Many reports into one dataset: ``parse_many`` and ``to_dataframe`` for Python, ``run_batch`` for
``govparse-ml batch``.

The dataset has one row per report and one column per canonical cell, named ``table.row.col``,
over the union of both format versions (see :mod:`govparse_ml.batch.columns`):

    id, source, title, agency, year, format_version, encoding, <cells…>,
    n_checks_failed, n_checks_unverifiable, warnings, error

The long format (``--cells``) has one row per canonical cell of each report's format:
``id, table, row, col, value, raw``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.checkpoint import Checkpoint
from govparse_ml.batch.columns import columns
from govparse_ml.batch.formats import checkpoint_path, codebook_path
from govparse_ml.batch.frames import rows_frame
from govparse_ml.batch.inputs import Item, collect_inputs
from govparse_ml.batch.manifest import write_manifest
from govparse_ml.batch.options import BatchOptions
from govparse_ml.batch.progress import Tally, progress
from govparse_ml.batch.resume import ResumeState, check_mixing, resume_state
from govparse_ml.batch.rows import row_values
from govparse_ml.batch.tasks import WORKER_MODEL, parse_texts, settle_heap
from govparse_ml.batch.workers import LocalPool, auto_chunksize, chunked, resolve_jobs, run_items
from govparse_ml.batch.writers import write_frame, write_stream
from govparse_ml.document import Report
from govparse_ml.io.files import InputError
from govparse_ml.io.sheets import codebook
from govparse_ml.pipeline import parse
from govparse_ml.provenance import describe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["parse_many", "run_batch", "to_dataframe"]

_log = logging.getLogger("govparse_ml.batch")  # the command's messages (govparse_ml.cli.log sets them up)

# --------------------------------------------------------------------------- Python API


def _split_item(x: Any) -> tuple[Any, Any]:
    if isinstance(x, tuple) and len(x) == 2:
        return x
    return None, x


def _check_text(text: Any, i: int) -> str:
    if not isinstance(text, str):
        raise TypeError(
            f"parse_many: item {i} is {type(text).__name__}, not str: give texts or (id, text) pairs"
            + (
                " (decode it first: govparse_ml.io.files.read_text(path).text for a file, "
                "govparse_ml.io.files.decode_bytes(data).text for bytes)"
                if isinstance(text, bytes | bytearray)
                else ""
            )
        )
    return text


def parse_many(
    texts: Iterable[str] | Iterable[tuple[Any, str]],
    n_jobs: int = 1,
    model: Any = "default",
    chunksize: int | None = None,
) -> Iterator[Report]:
    """Parse many report texts; yields one :class:`Report` per text, in input order.

    ``texts`` is any iterable of ``str``, or of ``(id, text)`` pairs (the id is ignored here: pass
    the ids to :func:`to_dataframe`). It is consumed lazily, so a generator over a large corpus
    is fine. ``n_jobs`` worker processes parse in parallel (-1: one per CPU), each loading the
    model once; ``chunksize`` texts go to a worker at a time (default: chosen from the input's
    length). ``model`` is as for :func:`govparse_ml.parse`.
    """
    jobs = resolve_jobs(n_jobs)
    if chunksize is not None and chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, not {chunksize}")
    checked = (_check_text(_split_item(x)[1], i) for i, x in enumerate(texts))
    if jobs == 1:
        return (parse(t, model=model) for t in checked)
    size = chunksize or auto_chunksize(len(texts) if isinstance(texts, Sequence) else None, jobs)
    return _parse_many_pool(checked, jobs, model, size)


def _parse_many_pool(texts: Iterator[str], jobs: int, model: Any, size: int) -> Iterator[Report]:
    pool = LocalPool(jobs, model)
    try:
        for reports in pool.imap(parse_texts, chunked(texts, size), WORKER_MODEL):
            yield from reports
    finally:
        pool.close()


def to_dataframe(
    reports: Iterable[Report] | Iterable[tuple[Any, Report]], ids: Iterable[Any] | None = None
) -> pd.DataFrame:
    """The wide dataset of some reports: one row per report, one column per canonical cell.

    ``reports`` holds :class:`Report` objects or ``(id, Report)`` pairs. ``ids`` gives the id
    column (default: the pair's id, else the position 0, 1, …). Columns are
    :func:`~govparse_ml.batch.columns.columns`: metadata, every cell of both format versions as
    ``table.row.col`` (empty where not in the report's format), the counts of failed and
    unverifiable checks and the warnings.
    """
    id_list = None if ids is None else [None if i is None else str(i) for i in ids]
    rows = []
    for n, x in enumerate(reports):
        rid, report = _split_item(x)
        if not isinstance(report, Report):
            raise TypeError(f"to_dataframe: item {n} is {type(report).__name__}, not a Report")
        if id_list is not None:
            if n >= len(id_list):
                raise ValueError(f"to_dataframe: more reports than ids ({len(id_list)})")
            rid = id_list[n]
        rows.append(row_values(report, str(n) if rid is None else str(rid), None, None))
    if id_list is not None and len(id_list) != len(rows):
        raise ValueError(f"to_dataframe: {len(id_list)} ids for {len(rows)} reports")
    return rows_frame(rows)


# --------------------------------------------------------------------------- the batch command


def run_batch(options: BatchOptions) -> None:
    """Parse the inputs into the checkpoint, then write the outputs from it (the work of
    ``govparse-ml batch``, whose arguments :mod:`govparse_ml.cli.batch` checks).

    Raises InputError; an interrupted run (KeyboardInterrupt) leaves its checkpoint for --resume.
    """
    provenance = describe(options.model, options.threshold)
    settle_heap()  # this process only parses from here on
    start = time.perf_counter()
    items = _collect(options.inputs)
    checkpoint = Checkpoint(checkpoint_path(options.output), provenance)
    mixed = check_mixing(options, checkpoint, provenance) if options.resume else []
    state = resume_state(options, checkpoint) if options.resume else ResumeState()
    if not options.resume and checkpoint.path.exists():
        _log.info(
            f"govparse-ml batch: discarding {checkpoint.path} left by an interrupted run (use --resume to continue it)"
        )
    todo = [it for it in items if it.id not in state.done]
    tally = _parse_into(checkpoint, todo, state.carry, options)
    _write_outputs(options, checkpoint, state, tally, provenance, mixed)
    checkpoint.remove()
    tally.log_summary(time.perf_counter() - start, len(items) - len(todo), options.output)


def _collect(inputs: Sequence[str]) -> list[Item]:
    items, notes = collect_inputs(inputs)
    for note in notes:
        _log.info(f"govparse-ml batch: {note}")
    if not items:
        raise InputError("no reports to parse in " + ", ".join(inputs))
    return items


def _parse_into(checkpoint: Checkpoint, todo: list[Item], carry: list, options: BatchOptions) -> Tally:
    """Parse ``todo`` into a new checkpoint that starts with ``carry``; the tally of the new rows."""
    try:
        checkpoint.start(carry)
    except OSError as exc:
        raise InputError(f"cannot write {checkpoint.path}: {exc.strerror or exc}") from None
    tally = Tally()
    bar = results = None
    try:
        results = run_items(
            todo,
            jobs=options.jobs,
            model=options.model,
            want_cells=options.cells is not None,
            threshold=options.threshold,
            backend=options.backend,
            scheduler=options.scheduler,
            chunksize=options.chunksize,
        )
        bar = progress(len(todo), options.progress)
        for chunk in results:
            _save(checkpoint, chunk, tally)
            tally.add(chunk)
            if bar is not None:
                bar.update(len(chunk))
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
            bar = None
        _log.error(
            f"govparse-ml batch: interrupted after {tally.n} reports; they are kept in {checkpoint.path}: "
            f"run the same command with --resume to go on",
            extra={"bare": True},
        )
        raise
    finally:
        if bar is not None:
            bar.close()
        if results is not None:
            results.close()  # stops the workers now, not when the generator is collected
        checkpoint.close()
    return tally


def _save(checkpoint: Checkpoint, chunk: list, tally: Tally) -> None:
    try:
        checkpoint.add(chunk)  # the rows live there (and on disk), not in memory
    except OSError as exc:  # a full disk: what is in the checkpoint is kept for --resume
        raise InputError(
            f"cannot write {checkpoint.path}: {exc.strerror or exc}; the {tally.n} reports parsed before are "
            "kept in it: free some space and run the same command with --resume"
        ) from None


def _kept(old: pd.DataFrame | None, new_ids: set[str]) -> pd.DataFrame | None:
    """The rows of an earlier run that this run did not parse again."""
    return old[~old["id"].isin(new_ids)] if old is not None and len(old) else None


def _dataset_columns(old: pd.DataFrame | None) -> list[str]:
    """The columns of the dataset written: the current ones, then those only the kept rows have."""
    cols = list(columns())
    return cols + ([c for c in old.columns if c not in set(cols)] if old is not None else [])


def _write_outputs(
    options: BatchOptions,
    checkpoint: Checkpoint,
    state: ResumeState,
    tally: Tally,
    provenance: dict[str, Any],
    mixed: list[dict[str, Any]],
) -> None:
    """The dataset (and the cells), its codebook and its manifest, the new rows read back from
    the checkpoint a block at a time and written as they come (parquet row groups, CSV/JSONL
    appends): memory stays flat in the number of reports."""
    skip = len(state.carry)
    wide_old = _kept(state.rows, tally.ids)
    if wide_old is not None and tally.float_counts:  # the new rows have decimals in these count columns
        wide_old = wide_old.astype(dict.fromkeys(tally.float_counts, "Float64"))
    book = codebook(tuple(_dataset_columns(wide_old)))
    try:
        n_rows, n_errors = write_stream(
            options.output,
            wide_old,
            checkpoint.row_blocks(skip, tally.float_counts),
            headers=options.headers,
            provenance=provenance,
            codebook=book,
        )
        if options.cells is not None:
            write_stream(
                options.cells,
                _kept(state.cells, tally.ids),
                checkpoint.cell_blocks(skip),
                long=True,
                headers=options.headers,
                provenance=provenance,
                codebook=book,
            )
        write_frame(book, codebook_path(options.output))
        write_manifest(options, provenance, mixed, (n_rows, n_errors, len(book)))
    except OSError as exc:
        raise InputError(
            f"cannot write {exc.filename or options.output}: {exc.strerror or exc}; "
            f"the parsed reports are kept in {checkpoint.path}: fix the problem and run again with --resume"
        ) from None
