"""Many reports into one dataset: ``parse_many``, ``to_dataframe`` and ``govparse-ml batch``.

The dataset has one row per report and one column per canonical cell, named ``table.row.col``,
over the union of both format versions in schema order, so 2019 and 2021 reports share one
rectangular table (a cell outside a report's format is empty):

    id, source, title, agency, year, format_version, encoding, <cells…>,
    n_checks_failed, n_checks_unverifiable, warnings, error

The long format (``--cells``) has one row per canonical cell of each report's format:
``id, table, row, col, value, raw``.

Parallel runs pass file paths (or texts) to the workers and get back compact row dicts, never
whole Reports; each worker loads the model once. Results always come back in input order.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import logging
import math
import os
import re
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govparse_ml.document import Report
from govparse_ml.format import schema
from govparse_ml.io.files import InputError, read_bytes, read_text
from govparse_ml.io.readers import SourceDocument, parse_document, read_input
from govparse_ml.label.labeling import DEFAULT_THRESHOLD
from govparse_ml.pipeline import parse

if TYPE_CHECKING:
    import argparse
    import multiprocessing.context
    from concurrent.futures import Executor, Future

    import pandas as pd

__all__ = [
    "CELLS_COLUMNS",
    "OUTPUT_FORMATS",
    "cell_columns",
    "columns",
    "parse_many",
    "report_row",
    "to_dataframe",
]

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
_log = logging.getLogger("govparse_ml.batch")  # the command's messages (govparse_ml.log sets them up)

META_COLUMNS: tuple[str, ...] = ("id", "source", "title", "agency", "year", "format_version", "encoding")
TAIL_COLUMNS: tuple[str, ...] = ("n_checks_failed", "n_checks_unverifiable", "warnings", "error")
CELLS_COLUMNS: tuple[str, ...] = ("id", "table", "row", "col", "value", "raw")
TEXT_COLUMNS = frozenset({"id", "source", "title", "agency", "format_version", "encoding", "warnings", "error"})
INT_COLUMNS = frozenset({"year", "n_checks_failed", "n_checks_unverifiable"})
WARNING_SEPARATOR = " | "
OUTPUT_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".jsonl", ".xlsx")
INPUT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".docx", ".pdf"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
EXCEL_MAX_ROWS = 1_048_576
DASK_CONNECT_TIMEOUT = "10s"  # an unreachable scheduler is said after this, not after Dask's 30 s

# --------------------------------------------------------------------------- columns


def _merge(a: Sequence, b: Sequence) -> list:
    """``a`` with the items of ``b`` it lacks, each put before the next item the two share."""
    out = list(a)
    present = set(out)
    pending: list = []
    for x in b:
        if x in present:
            i = out.index(x)
            out[i:i] = pending
            present.update(pending)
            pending = []
        elif x not in pending:
            pending.append(x)
    out.extend(pending)
    return out


@cache
def _union_cells() -> tuple[tuple[tuple[str, str, str], ...], dict[tuple[str, str, str], str]]:
    """Every cell of every format version, in schema order, and the kind of its values."""
    specs = [schema.tables(v) for v in schema.FORMATS]
    table_ids: list[str] = []
    for s in specs:
        table_ids = _merge(table_ids, list(s))
    cells: list[tuple[str, str, str]] = []
    kinds: dict[tuple[str, str, str], str] = {}
    for tid in table_ids:
        rows: list[str] = []
        for s in specs:
            if tid in s:
                rows = _merge(rows, [r.id for r in s[tid].rows])
        for rid in rows:
            cols: list[str] = []
            for s in specs:
                if tid in s and any(r.id == rid for r in s[tid].rows):
                    row = s[tid].row(rid)
                    cols = _merge(cols, [c.id for c in row.columns])
                    for c in row.columns:
                        kinds.setdefault((tid, rid, c.id), c.kind)
            cells.extend((tid, rid, cid) for cid in cols)
    return tuple(cells), kinds


@cache
def cell_columns() -> tuple[str, ...]:
    """The ``table.row.col`` column of every canonical cell of either format version, in schema order."""
    return tuple(schema.cell_key(*c) for c in _union_cells()[0])


@cache
def columns() -> tuple[str, ...]:
    """All columns of the wide dataset, in order."""
    return (*META_COLUMNS, *cell_columns(), *TAIL_COLUMNS)


@cache
def _float_columns() -> frozenset[str]:
    cells, kinds = _union_cells()
    return frozenset(schema.cell_key(*c) for c in cells if kinds[c] == "amount")


@cache
def _key_of() -> dict[tuple[str, str, str], str]:
    return {c: schema.cell_key(*c) for c in _union_cells()[0]}


# --------------------------------------------------------------------------- rows

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(m: re.Match[str]) -> str:
    code = ord(m.group())
    # a byte that was not UTF-8 in a file name (os.fsdecode's surrogateescape): \xNN
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def clean_text(value: Any) -> Any:
    """``value`` with its lone surrogates (``"\\ud800"`` in JSON, an undecodable byte in a file
    name) written out as escapes: no output format can encode them, and one such string in a
    row used to stop the batch, its checkpoint and every ``--resume`` of it."""
    if isinstance(value, str) and _SURROGATE.search(value):
        return _SURROGATE.sub(_escape_surrogate, value)
    return value


def count_surrogates(text: str) -> int:
    return len(_SURROGATE.findall(text)) if _SURROGATE.search(text) else 0


@cache
def _index() -> dict[str, int]:
    return {c: i for i, c in enumerate(columns())}


@cache
def _cell_index() -> dict[tuple[str, str, str], int]:
    idx = _index()
    return {c: idx[k] for c, k in _key_of().items()}


def _row_values(report: Report, id: str | None, source: str | None, encoding: str | None) -> list[Any]:
    """The report as one row of the wide dataset: a list in :func:`columns` order (compact to ship)."""
    row: list[Any] = [None] * len(columns())
    meta = report.meta
    row[:7] = [id, source, meta.title, meta.agency, meta.year, meta.format_version, encoding]
    for i in (0, 1, 2, 3):
        row[i] = clean_text(row[i])
    where = _cell_index()
    for c in report.cells():
        row[where[(c.table, c.row, c.col)]] = c.value
    failed = unverifiable = 0
    for check in report.checks:
        if check.status == "failed":
            failed += 1
        elif check.status == "unverifiable":
            unverifiable += 1
    row[_N_FAILED] = failed
    row[_N_UNVERIFIABLE] = unverifiable
    row[_WARNINGS] = clean_text(WARNING_SEPARATOR.join(report.warnings)) or None
    return row


def _error_values(id: str, source: str | None, error: str, encoding: str | None = None) -> list[Any]:
    row: list[Any] = [None] * len(columns())
    row[0], row[1], row[6], row[_ERROR] = clean_text(id), clean_text(source), encoding, clean_text(error)
    return row


_N_FAILED, _N_UNVERIFIABLE, _WARNINGS, _ERROR = -4, -3, -2, -1


def report_row(
    report: Report,
    id: str | None = None,
    *,
    source: str | None = None,
    encoding: str | None = None,
) -> dict[str, Any]:
    """The report as one row of the wide dataset: a dict with every column of :func:`columns`."""
    return dict(zip(columns(), _row_values(report, id, source, encoding), strict=True))


def _report_cells(report: Report) -> list[tuple[str, str, str, Any, Any]]:
    return [(c.table, c.row, c.col, c.value, clean_text(c.raw)) for c in report.cells()]


# --------------------------------------------------------------------------- work items


@dataclass(frozen=True)
class Item:
    """One report to parse: a file path, its bytes, or its text; or an error found before parsing."""

    id: str
    source: str
    path: str | None = None
    data: bytes | None = None
    text: str | None = None
    encoding: str | None = None
    error: str | None = None


Result = tuple[list[Any], list[tuple[str, str, str, Any, Any]] | None]  # (row values, cells)


def _process(item: Item, model: Any, want_cells: bool, threshold: float = DEFAULT_THRESHOLD) -> Result:
    encoding = item.encoding
    try:
        if item.error is not None:
            return _error_values(item.id, item.source, item.error, encoding), None
        if item.text is not None:
            text = item.text
        else:
            read = read_input(item.path or item.source, data=item.data, source=item.source)
            if isinstance(read, SourceDocument):  # HTML, DOCX, PDF
                report = parse_document(read, model=model, threshold=threshold)
                row = _row_values(report, item.id, item.source, read.encoding)
                return row, (_report_cells(report) if want_cells else None)
            text, encoding = read.text, read.encoding
        report = parse(text, model=model, threshold=threshold)
        if item.text is not None and (n := count_surrogates(text)):
            report.warnings.append(
                f'the text holds {n} lone surrogate escape{"s" * (n > 1)} (e.g. "\\ud800" in JSON), not valid '
                "Unicode: kept as written, shown as \\uXXXX in the output"
            )
        row = _row_values(report, item.id, item.source, encoding)
        return row, (_report_cells(report) if want_cells else None)
    except InputError as exc:
        return _error_values(item.id, item.source, str(exc), encoding), None
    except Exception as exc:  # a parser bug costs this report, not the batch
        return _error_values(item.id, item.source, f"parser crashed: {type(exc).__name__}: {exc}", encoding), None


_WORKER_MODEL = "<the worker's model>"  # sentinel: use the model the worker was started with
_worker_model: Any = "default"
_WARM_TEXT = "2020年政府信息公开工作年度报告\n一、总体情况\n本机关依法公开政府信息。\n"


def _init_worker(model: Any) -> None:
    """Process-pool initializer: keep the model and load it now, once per worker."""
    global _worker_model
    _worker_model = model
    exit_with_parent()
    with contextlib.suppress(ValueError, OSError):  # Ctrl-C is the parent's to handle: it stops the pool
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # a warm-up failure shows up on the first real report
        parse(_WARM_TEXT, model=model)
    settle_heap()


_PR_SET_PDEATHSIG = 1


def exit_with_parent(poll_seconds: float = 1.0) -> None:
    """End this worker process when the process that started it dies (a killed batch left its
    workers running, 75 MB each, for good). On Linux the kernel sends SIGTERM
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread polls for the parent's death."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="govparse-parent-watch", daemon=True).start()


def settle_heap() -> None:
    """Take what a parsing process keeps for good (modules, the model, its tokenizer's
    dictionary) out of the garbage collector's full passes, which otherwise walk it again
    and again: in a batch they stalled one report in a hundred for 30–40 ms, 11 % of the time
    of 1,300 reports. For processes that only parse (batch workers, the batch command)."""
    gc.collect()
    gc.freeze()


def _work_chunk(items: list[Item], model: Any, want_cells: bool, threshold: float = DEFAULT_THRESHOLD) -> list[Result]:
    """Parse a chunk of items (in a worker) and return compact rows."""
    if isinstance(model, str) and model == _WORKER_MODEL:
        model = _worker_model
    return [_process(item, model, want_cells, threshold) for item in items]


def _parse_chunk(texts: list[str], model: Any) -> list[Report]:
    if isinstance(model, str) and model == _WORKER_MODEL:
        model = _worker_model
    return [parse(t, model=model) for t in texts]


# --------------------------------------------------------------------------- local pool


def _mp_context() -> multiprocessing.context.BaseContext:
    """fork when it is safe (Linux, no other thread running): workers start at no import cost."""
    import multiprocessing
    import threading

    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context()  # the platform's default: spawn on macOS and Windows
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")


def _resolve_jobs(n_jobs: int) -> int:
    if n_jobs == -1:
        return os.cpu_count() or 1
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive number of processes, or -1 for all CPUs, not {n_jobs}")
    return n_jobs


def _auto_chunksize(n: int | None, jobs: int) -> int:
    if n is None:
        return 16
    return max(1, min(64, math.ceil(n / (jobs * 8))))


def _chunked(it: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for x in it:
        chunk.append(x)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _LocalPool:
    """A process pool that maps a chunk function in input order, a bounded number of chunks in flight."""

    def __init__(self, jobs: int, model: Any) -> None:
        self.jobs = jobs
        self.model = model
        self._executor: Executor | None = None

    def executor(self) -> Executor:
        from concurrent.futures import ProcessPoolExecutor

        if self._executor is None:
            context = _mp_context()
            if context.get_start_method() == "fork":
                # Load the model here once: the forked workers inherit it instead of each loading it.
                with contextlib.suppress(Exception):
                    parse(_WARM_TEXT, model=self.model)
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=_init_worker, initargs=(self.model,)
            )
        return self._executor

    def reset(self) -> None:
        if self._executor is not None:
            # Wait for the dead pool's threads, so the next pool can still be forked.
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def imap(
        self,
        fn: Callable,
        chunks: Iterable[list],
        *args: Any,
        on_broken: Callable[[list, BaseException], list] | None = None,
    ) -> Iterator[list]:
        """``fn(chunk, *args)`` for each chunk, in order. A chunk whose worker died goes to ``on_broken``."""
        from concurrent.futures.process import BrokenProcessPool

        window = self.jobs * 4
        pending: deque[tuple[list, Future]] = deque()
        source = iter(chunks)

        def fill() -> None:
            while len(pending) < window:
                chunk = next(source, None)
                if chunk is None:
                    return
                pending.append((chunk, self.executor().submit(fn, chunk, *args)))

        fill()
        while pending:
            chunk, future = pending.popleft()
            try:
                result = future.result()
            except BrokenProcessPool as exc:
                if on_broken is None:
                    raise
                # The pool is dead and every chunk in flight with it: start a new one, give the
                # others to it again and let on_broken find which item of this chunk killed it.
                self.reset()
                others = [c for c, _ in pending]
                pending.clear()
                result = on_broken(chunk, exc)
                for c in others:
                    pending.append((c, self.executor().submit(fn, c, *args)))
            yield result
            fill()


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
    jobs = _resolve_jobs(n_jobs)
    if chunksize is not None and chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, not {chunksize}")
    checked = (_check_text(_split_item(x)[1], i) for i, x in enumerate(texts))
    if jobs == 1:
        return (parse(t, model=model) for t in checked)
    size = chunksize or _auto_chunksize(len(texts) if isinstance(texts, Sequence) else None, jobs)
    return _parse_many_pool(checked, jobs, model, size)


def _parse_many_pool(texts: Iterator[str], jobs: int, model: Any, size: int) -> Iterator[Report]:
    pool = _LocalPool(jobs, model)
    try:
        for reports in pool.imap(_parse_chunk, _chunked(texts, size), _WORKER_MODEL):
            yield from reports
    finally:
        pool.close()


def to_dataframe(reports: Iterable[Report] | Iterable[tuple[Any, Report]], ids: Iterable[Any] | None = None):
    """The wide dataset of some reports: one row per report, one column per canonical cell.

    ``reports`` holds :class:`Report` objects or ``(id, Report)`` pairs. ``ids`` gives the id
    column (default: the pair's id, else the position 0, 1, …). Columns are :func:`columns`:
    metadata, every cell of both format versions as ``table.row.col`` (empty where not in the
    report's format), the counts of failed and unverifiable checks and the warnings.
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
        rows.append(_row_values(report, str(n) if rid is None else str(rid), None, None))
    if id_list is not None and len(id_list) != len(rows):
        raise ValueError(f"to_dataframe: {len(id_list)} ids for {len(rows)} reports")
    return rows_frame(rows)


# --------------------------------------------------------------------------- frames


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Give the dataset's columns their types: text, nullable integers, nullable floats."""
    import pandas as pd

    floats = _float_columns()
    cells = set(cell_columns())
    out = {}
    for name in df.columns:
        s = df[name]
        if name in TEXT_COLUMNS:
            out[name] = s.astype("string")
        elif name in INT_COLUMNS or name in cells:
            if not isinstance(s.dtype, pd.Int64Dtype | pd.Float64Dtype):
                s = pd.to_numeric(s, errors="coerce")
            if name in floats:
                out[name] = s.astype("Float64")
            else:
                try:
                    out[name] = s.astype("Int64")
                except (TypeError, ValueError):  # a count read with decimals: keep them
                    out[name] = s.astype("Float64")
        else:
            out[name] = s
    return pd.DataFrame(out, index=df.index)


def rows_frame(rows: Sequence[Sequence[Any] | dict[str, Any]]):
    """The wide dataset from rows: lists in :func:`columns` order, or dicts (see :func:`report_row`)."""
    import numpy as np
    import pandas as pd

    cols = columns()
    lists = [[r.get(c) for c in cols] if isinstance(r, dict) else r for r in rows]
    by_col = list(zip(*lists, strict=True)) if lists else [()] * len(cols)
    floats = _float_columns()
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


def cells_frame(cells: Iterable[tuple]):
    """The long dataset (id, table, row, col, value, raw) from tuples."""
    import pandas as pd

    df = pd.DataFrame(list(cells), columns=list(CELLS_COLUMNS), dtype=object)
    for name in ("id", "table", "row", "col", "raw"):
        df[name] = df[name].astype("string")
    return df


# --------------------------------------------------------------------------- inputs


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def jsonl_lines(text: str) -> list[str]:
    """The records of a JSON Lines text: split on ``\\n`` (and ``\\r\\n``) only, as JSON Lines
    says. ``str.splitlines`` also splits on U+2028, U+2029, U+0085 and more, which JSON allows
    raw inside a string: it tore valid records apart and shifted every later ``FILE:LINE``."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _jsonl_items(path: Path, label: str) -> list[Item]:
    decoded = read_text(path, source=label)
    items: list[Item] = []
    for n, line in enumerate(jsonl_lines(decoded.text), start=1):
        if not line.strip():
            continue
        source = f"{label}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append(
                Item(source, source, encoding=decoded.encoding, error=f"line {n} of {label} is not JSON: {exc}")
            )
            continue
        except RecursionError:
            items.append(
                Item(
                    source,
                    source,
                    encoding=decoded.encoding,
                    error=f"line {n} of {label} is JSON nested too deeply to read (a report is an object of id and text)",
                )
            )
            continue
        if not isinstance(obj, dict):
            items.append(Item(source, source, encoding=decoded.encoding, error=f"line {n} of {label} is not an object"))
            continue
        rid = obj.get("id")
        rid = source if rid is None or rid == "" else clean_text(rid if isinstance(rid, str) else _id_text(rid))
        text = obj.get("text")
        if not isinstance(text, str):
            what = 'has no "text"' if text is None else f'has a {type(text).__name__} "text", not a string'
            items.append(Item(rid, source, encoding=decoded.encoding, error=f"line {n} of {label} {what}"))
            continue
        items.append(Item(rid, source, text=text, encoding=decoded.encoding))
    return items


def _id_text(rid: Any) -> str:
    try:
        return str(rid)
    except (RecursionError, ValueError):  # a deeply nested id; an int too long for str()
        return f"<{type(rid).__name__} id>"


def collect_inputs(inputs: Sequence[str]) -> tuple[list[Item], list[str]]:
    """The items of the INPUT arguments, in order, and notes for the user.

    A directory gives its ``*.txt``, ``*.md``, ``*.html``, ``*.htm``, ``*.docx`` and ``*.pdf`` files (recursively, sorted, hidden ones skipped)
    with ids relative to it; a ``.jsonl`` gives one item per line; any other file is one report,
    its id the path as given. Raises InputError if an input does not exist.
    """
    missing = [p for p in inputs if not os.path.exists(p)]
    if missing:
        raise InputError(f"no such file or directory: {', '.join(missing)}")
    items: list[Item] = []
    notes: list[str] = []
    for arg in inputs:
        path = Path(arg)
        if path.is_dir():
            found = sorted(
                (p for p in path.rglob("*") if p.suffix.lower() in INPUT_SUFFIXES and p.is_file()),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            found = [p for p in found if not _is_hidden(p.relative_to(path))]
            if not found:
                notes.append(f"{arg}: no *.txt, *.md, *.html, *.htm, *.docx or *.pdf files in this directory")
            items.extend(Item(p.relative_to(path).as_posix(), str(p), path=str(p)) for p in found)
        elif path.suffix.lower() in JSONL_SUFFIXES:
            items.extend(_jsonl_items(path, arg))
        else:
            items.append(Item(Path(arg).as_posix(), arg, path=arg))
    seen: dict[str, int] = {}
    unique: list[Item] = []
    renamed = 0
    for item in items:
        if clean_text(item.id) != item.id:  # an undecodable byte in a file name
            item = Item(clean_text(item.id), item.source, item.path, item.data, item.text, item.encoding, item.error)
        n = seen.get(item.id, 0) + 1
        seen[item.id] = n
        if n > 1:
            renamed += 1
            new_id = f"{item.id}#{n}"
            while new_id in seen:
                n += 1
                new_id = f"{item.id}#{n}"
            seen[new_id] = 1
            item = Item(new_id, item.source, item.path, item.data, item.text, item.encoding, item.error)
        unique.append(item)
    if renamed:
        notes.append(
            f"{renamed} duplicate ids made unique with a #N suffix (e.g. the same file name in two directories)"
        )
    return unique, notes


# --------------------------------------------------------------------------- writing and reading


def _fmt(path: str | os.PathLike[str]) -> str:
    return Path(path).suffix.lower()


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = _tmp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _plain_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _headers(df: pd.DataFrame, headers: str) -> pd.DataFrame:
    if headers == "id":
        return df
    from govparse_ml.io.sheets import zh_headers

    return df.set_axis(list(zh_headers(tuple(df.columns))), axis=1)


def codebook_path(path: str | os.PathLike[str]) -> Path:
    """Where the codebook of dataset ``path`` goes: ``NAME.codebook.csv`` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.codebook.csv")


def manifest_path(path: str | os.PathLike[str]) -> Path:
    """Where the manifest of dataset ``path`` goes: ``NAME.manifest.json`` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.manifest.json")


CSV_ENCODING = "utf-8-sig"  # UTF-8 with a BOM: Excel then reads the Chinese text right


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

    CSV is UTF-8 with a BOM and CRLF line ends, the form Excel opens without mojibake; CSV and
    XLSX text cells are escaped against formula injection (:mod:`govparse_ml.io.sheets`).
    ``headers="zh"`` writes the Chinese headers (CSV, XLSX). ``provenance`` goes into the
    parquet file's metadata; ``codebook`` becomes a sheet of an XLSX (frozen header rows).
    """
    from govparse_ml.io.sheets import escape_frame

    out = Path(path)
    fmt = _fmt(out)
    if fmt == ".csv":
        frame = _headers(escape_frame(df), headers)
        _atomic(out, lambda p: frame.to_csv(p, index=False, encoding=CSV_ENCODING, lineterminator="\r\n"))
    elif fmt == ".parquet":
        frame = df
        if long:  # one type per column: values as doubles (counts stay exact)
            frame = df.assign(value=df["value"].pipe(_to_float))
        _atomic(out, lambda p: _write_parquet(frame, p, provenance))
    elif fmt == ".jsonl":

        def write(p: Path) -> None:
            with open(p, "w", encoding="utf-8") as fh:
                for rec in _plain_records(df):
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

        _atomic(out, write)
    elif fmt == ".xlsx":
        if len(df) + 1 > EXCEL_MAX_ROWS:
            raise InputError(
                f"{out} would have {len(df):,} rows, more than the {EXCEL_MAX_ROWS - 1:,} an Excel sheet holds: "
                f"write it as .parquet, .csv or .jsonl"
            )
        sheet = "cells" if long else "reports"
        frame = _headers(escape_frame(df, xlsx=True), headers)
        sheets = {sheet: frame}
        if codebook is not None:
            sheets["codebook"] = escape_frame(codebook, xlsx=True)
        _atomic(out, lambda p: _write_xlsx(sheets, p))
    else:
        raise ValueError(f"unknown output format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")


def _write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, index=False, sheet_name=name)
            writer.sheets[name].freeze_panes = "A2"  # the header row stays in view


PARQUET_METADATA_KEY = b"govparse_ml"


def _write_parquet(frame: pd.DataFrame, path: Path, provenance: dict[str, Any] | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if provenance is not None:
        meta = dict(table.schema.metadata or {})
        meta[PARQUET_METADATA_KEY] = json.dumps(provenance, ensure_ascii=False).encode("utf-8")
        table = table.replace_schema_metadata(meta)
    pq.write_table(table, path)


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The provenance a dataset records: its manifest's, else its parquet metadata's; None if neither."""
    m = manifest_path(path)
    if m.exists():
        try:
            return json.loads(m.read_text(encoding="utf-8")).get("provenance")
        except (OSError, ValueError):
            return None
    if _fmt(path) == ".parquet" and Path(path).exists():
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        if PARQUET_METADATA_KEY in meta:
            return json.loads(meta[PARQUET_METADATA_KEY])
    return None


def _to_float(s: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(s, errors="coerce").astype("Float64")


def _number(v: Any) -> Any:
    """A value read back from a text format: int when it is a whole number as written, else float."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
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


def read_frame(path: str | os.PathLike[str], *, long: bool = False):
    """Read back a dataset written by :func:`write_frame` (for --resume)."""
    import pandas as pd

    p = Path(path)
    fmt = _fmt(p)
    if fmt == ".csv":
        df = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    elif fmt == ".parquet":
        df = pd.read_parquet(p)
    elif fmt == ".jsonl":
        with open(p, encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh if line.strip()]
        df = pd.DataFrame(recs, dtype=object)
    elif fmt == ".xlsx":
        df = pd.read_excel(p, dtype=object, engine="openpyxl", sheet_name="cells" if long else "reports")
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    if fmt in (".csv", ".xlsx"):
        from govparse_ml.io.sheets import ids_from_headers, unescape_frame

        expected = CELLS_COLUMNS if long else columns()
        df = df.set_axis(ids_from_headers(list(df.columns), tuple(expected)), axis=1)
        df = unescape_frame(df, xlsx=fmt == ".xlsx")
    if "id" not in df.columns:
        raise InputError(f"{p} has no id column: it is not a dataset written by govparse-ml batch")
    df["id"] = df["id"].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    if long:
        for name in CELLS_COLUMNS:
            if name not in df.columns:
                df[name] = None
        values = df["value"].astype(object).map(_number)
        df = df[list(CELLS_COLUMNS)].astype({n: "string" for n in ("id", "table", "row", "col", "raw")})
        df["value"] = values.astype(object)
        return df
    for name in columns():
        if name not in df.columns:
            df[name] = None
    known = list(columns())
    df = df[known + [c for c in df.columns if c not in set(known)]]
    return _typed(df)


# --------------------------------------------------------------------------- checkpoint


class _Checkpoint:
    """Rows done so far, appended as they come, so an interrupted batch can --resume.

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
        tmp = _tmp_path(self.path)
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

    def remove(self) -> None:
        self.close()
        if self.path.exists():
            self.path.unlink()


# --------------------------------------------------------------------------- running a batch


def _isolate_local(
    pool: _LocalPool, chunk: list[Item], want_cells: bool, exc: BaseException, threshold: float = DEFAULT_THRESHOLD
) -> list[Result]:
    """Parse a chunk whose worker died one item at a time; the item that kills its worker gets an error row."""
    from concurrent.futures.process import BrokenProcessPool

    out = []
    for item in chunk:
        try:
            out.extend(pool.executor().submit(_work_chunk, [item], _WORKER_MODEL, want_cells, threshold).result())
        except BrokenProcessPool:
            pool.reset()
            out.append(
                (
                    _error_values(
                        item.id,
                        item.source,
                        "the worker process died while parsing this report (out of memory, or a crash in a library)",
                        item.encoding,
                    ),
                    None,
                )
            )
    return out


def _with_bytes(chunk: list[Item]) -> list[Item]:
    """For a remote cluster: read the files here and ship their bytes (workers may not see our disk)."""
    out = []
    for item in chunk:
        if item.path is not None and item.data is None and item.text is None and item.error is None:
            try:
                data = read_bytes(item.path, item.source)  # a regular file of bounded size, or refused here
            except InputError as exc:
                out.append(Item(item.id, item.source, encoding=item.encoding, error=str(exc)))
                continue
            out.append(Item(item.id, item.source, None, data, None, item.encoding, None))
        else:
            out.append(item)
    return out


def _failed_chunk(chunk: list[Item], exc: BaseException) -> list[Result]:
    msg = f"the worker failed on this chunk of reports: {type(exc).__name__}: {exc}"
    return [(_error_values(it.id, it.source, msg, it.encoding), None) for it in chunk]


def run_items(
    items: Sequence[Item],
    *,
    jobs: int = 1,
    model: Any = "default",
    want_cells: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    backend: str = "local",
    scheduler: str | None = None,
    chunksize: int | None = None,
) -> Iterator[list[Result]]:
    """Parse the items; yields lists of (row, cells) results, in input order."""
    size = chunksize or _auto_chunksize(len(items), jobs)
    jobs = max(1, min(jobs, math.ceil(len(items) / size)))  # no idle workers loading the model for nothing
    chunks = _chunked(items, size)
    if backend == "dask":
        yield from _run_dask(
            chunks, jobs=jobs, model=model, want_cells=want_cells, scheduler=scheduler, threshold=threshold
        )
        return
    if jobs == 1:
        for chunk in chunks:
            yield _work_chunk(chunk, model, want_cells, threshold)
        return
    pool = _LocalPool(jobs, model)
    try:
        yield from pool.imap(
            _work_chunk,
            chunks,
            _WORKER_MODEL,
            want_cells,
            threshold,
            on_broken=lambda chunk, exc: _isolate_local(pool, chunk, want_cells, exc, threshold),
        )
    finally:
        pool.close()


def _run_dask(
    chunks: Iterator[list[Item]],
    *,
    jobs: int,
    model: Any,
    want_cells: bool,
    scheduler: str | None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Iterator[list[Result]]:
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc}): "
                "is `dask scheduler` running there, and is the address right (tcp://HOST:8786)?"
            ) from None
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        remote = scheduler is not None and not scheduler.startswith("inproc://")
        if not isinstance(model, str) and model is not None:
            model = client.scatter(model, broadcast=True)  # once per worker, not once per chunk
        window = max(4, 4 * sum(client.nthreads().values()))
        pending: deque[tuple[list[Item], Any]] = deque()
        while True:
            batch = []
            for chunk in chunks:
                batch.append(_with_bytes(chunk) if remote else chunk)
                if len(pending) + len(batch) >= window:
                    break
            if batch:
                futures = client.map(
                    _work_chunk, batch, model=model, want_cells=want_cells, threshold=threshold, pure=False
                )
                pending.extend(zip(batch, futures, strict=True))
            if not pending:
                break
            chunk, future = pending.popleft()
            try:
                result = future.result()
            except Exception as exc:  # a worker lost (KilledWorker) or a task that could not run
                result = _failed_chunk(chunk, exc)
            future.release()
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


PROGRESS_SECONDS = 30.0  # how often the progress line is written when standard error is not a terminal


class _ProgressLines:
    """Progress for a log file or a pipe: a line every PROGRESS_SECONDS (and at the end)."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.start = self.last = time.perf_counter()

    def update(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= PROGRESS_SECONDS:
            self.last = now
            self._line(now)

    def _line(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate else float("inf")
        eta = f", about {left / 60:.0f} min left" if left >= 90 else f", about {left:.0f} s left"
        share = 100 * self.done / self.total if self.total else 100.0
        _log.info(f"batch: {self.done:,}/{self.total:,} reports ({share:.0f} %), {rate:.0f} reports/s{eta}")

    def close(self) -> None:
        if self.done and time.perf_counter() - self.start >= PROGRESS_SECONDS:
            self._line(time.perf_counter())


def _progress(total: int, enabled: bool):
    """A tqdm bar on a terminal; a periodic progress line elsewhere (a log file, a pipe)."""
    if not enabled or not _log.isEnabledFor(logging.INFO):
        return None
    if not sys.stderr.isatty():
        return _ProgressLines(total)
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes can still be forked safely
    return tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


def _check_output(path: str, what: str) -> str | None:
    """A usage problem with an output path, or None."""
    fmt = _fmt(path)
    if fmt not in OUTPUT_FORMATS:
        return f"{what} {path}: unknown format {fmt or '(no extension)'}; use one of {', '.join(OUTPUT_FORMATS)}"
    need = {".parquet": ("pyarrow", "parquet"), ".xlsx": ("openpyxl", "xlsx")}.get(fmt)
    if need:
        try:
            __import__(need[0])
        except ImportError:
            return f"{what} {path}: writing {fmt} needs {need[0]}: pip install 'govparse-ml[{need[1]}]'"
    return None


def _output_is_an_input(inputs: Sequence[str], outputs: Sequence[Path]) -> str | None:
    """Why writing ``outputs`` would overwrite an input (``-o corpus.jsonl`` on corpus.jsonl), or None."""
    for out in outputs:
        for path in (out, out.with_name(out.name + ".partial")):
            for arg in inputs:
                try:
                    same = os.path.samefile(arg, path) if path.exists() else Path(arg).resolve() == path.resolve()
                except OSError:
                    continue
                if same:
                    return (
                        f"{path} is the input {arg}: writing it would overwrite the reports; give another output file"
                    )
    return None


def _usage(msg: str) -> int:
    print(f"govparse-ml batch: {msg}", file=sys.stderr)
    return EXIT_USAGE


def run_batch(args: argparse.Namespace) -> int:
    """The ``govparse-ml batch`` command (arguments from cli.py's batch parser)."""
    out_path = Path(args.output)
    cells_path = Path(args.cells) if args.cells else None
    for path, what in ((args.output, "-o"), (args.cells, "--cells")):
        if path and (problem := _check_output(path, what)):
            return _usage(problem)
    if cells_path is not None and cells_path.resolve() == out_path.resolve():
        return _usage("--cells must be another file than -o")
    if args.jobs < 1:
        return _usage(f"-j must be at least 1, not {args.jobs}")
    chunksize = getattr(args, "chunksize", None)
    if chunksize is not None and chunksize < 1:
        return _usage(f"--chunksize must be at least 1, not {chunksize}")
    if args.scheduler and args.backend != "dask":
        return _usage("--scheduler needs --backend dask")
    if args.backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            return _usage("--backend dask needs dask.distributed: pip install 'govparse-ml[dask]'")
    for path in (out_path, cells_path):
        if path is not None:
            if path.is_dir():
                raise InputError(f"{path} is a directory: give the output file's name")
            if not path.parent.is_dir():
                raise InputError(f"{path}: directory {path.parent} does not exist; create it first")
    if getattr(args, "retry_errors", False) and not args.resume:
        return _usage("--retry-errors needs --resume")

    if clash := _output_is_an_input(args.inputs, [p for p in (out_path, cells_path) if p is not None]):
        raise InputError(clash)

    from govparse_ml.cli.commands import _model_arg

    model = _model_arg(args)
    threshold = getattr(args, "threshold", DEFAULT_THRESHOLD)
    run_provenance = describe_run(model, threshold)
    settle_heap()  # this process only parses from here on
    start = time.perf_counter()
    items, notes = collect_inputs(args.inputs)
    for note in notes:
        _log.info(f"govparse-ml batch: {note}")
    if not items:
        raise InputError("no reports to parse in " + ", ".join(args.inputs))

    checkpoint = _Checkpoint(out_path.with_name(out_path.name + ".partial"), run_provenance)
    mixed = _check_mixing(args, out_path, checkpoint, run_provenance) if args.resume else []
    old_rows, old_cells, done, carry = (
        _resume_state(args, out_path, cells_path, checkpoint) if args.resume else (None, None, set(), [])
    )
    if not args.resume and checkpoint.path.exists():
        _log.info(
            f"govparse-ml batch: discarding {checkpoint.path} left by an interrupted run (use --resume to continue it)"
        )
    todo = [it for it in items if it.id not in done]
    skipped = len(items) - len(todo)

    tally = _Tally()
    bar = None
    results = None
    try:
        checkpoint.start(carry)
    except OSError as exc:
        raise InputError(f"cannot write {checkpoint.path}: {exc.strerror or exc}") from None
    try:
        results = run_items(
            todo,
            jobs=args.jobs,
            model=model,
            want_cells=cells_path is not None,
            threshold=threshold,
            backend=args.backend,
            scheduler=args.scheduler,
            chunksize=chunksize,
        )
        bar = _progress(len(todo), not args.no_progress)
        for chunk in results:
            try:
                checkpoint.add(chunk)  # the rows live there (and on disk), not in memory
            except OSError as exc:  # a full disk: what is in the checkpoint is kept for --resume
                raise InputError(
                    f"cannot write {checkpoint.path}: {exc.strerror or exc}; the {tally.n} reports parsed before are "
                    "kept in it: free some space and run the same command with --resume"
                ) from None
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

    headers = getattr(args, "headers", "id")
    from govparse_ml.io.sheets import codebook

    new_ids = tally.ids
    wide_old = old_rows[~old_rows["id"].isin(new_ids)] if old_rows is not None and len(old_rows) else None
    if wide_old is not None and tally.float_counts:  # the new rows have decimals in these count columns
        wide_old = wide_old.astype({columns()[i]: "Float64" for i in tally.float_counts})
    book = codebook(tuple(_stream_columns(wide_old)))
    try:
        # The new rows are read back from the checkpoint a block at a time and written as they
        # come (parquet row groups, CSV/JSONL appends): memory stays flat in the number of reports.
        n_rows, n_errors = write_stream(
            out_path,
            wide_old,
            _wide_blocks(checkpoint, len(carry), tally),
            headers=headers,
            provenance=run_provenance,
            codebook=book,
        )
        if cells_path is not None:
            long_old = old_cells[~old_cells["id"].isin(new_ids)] if old_cells is not None and len(old_cells) else None
            write_stream(
                cells_path,
                long_old,
                _long_blocks(checkpoint, len(carry)),
                long=True,
                headers=headers,
                provenance=run_provenance,
                codebook=book,
            )
        write_frame(book, codebook_path(out_path))
        _write_manifest(args, out_path, cells_path, run_provenance, mixed, n_rows, n_errors, len(book))
    except OSError as exc:
        raise InputError(
            f"cannot write {exc.filename or out_path}: {exc.strerror or exc}; "
            f"the parsed reports are kept in {checkpoint.path}: fix the problem and run again with --resume"
        ) from None
    checkpoint.remove()

    for message, count in tally.errors.most_common(3):  # a systematic failure shows at once
        shown = message if len(message) <= 300 else message[:300] + "…"
        _log.info(f"govparse-ml batch: {count} × {shown}")
    failed = tally.errors.total()
    elapsed = time.perf_counter() - start
    extra = f" ({skipped} already in {out_path}, skipped)" if skipped else ""
    _log.info(
        f"{tally.n} reports, {failed} failed, {tally.with_failed_checks} with failed checks, {elapsed:.1f} s{extra}"
    )
    return EXIT_OK


STREAM_BLOCK = 1_000  # reports per block written (a parquet row group, a CSV append)


class _Tally:
    """What the summary needs of the new rows, counted as they come (the rows are not kept)."""

    def __init__(self) -> None:
        self.n = 0
        self.ids: set[str] = set()
        self.errors: Counter[str] = Counter()
        self.with_failed_checks = 0
        self.float_counts: set[int] = set()  # count columns where a value with decimals was read
        self._counts = [i for i, c in enumerate(columns()) if c in set(cell_columns()) - _float_columns()]

    def add(self, chunk: Sequence[Result]) -> None:
        for row, _ in chunk:
            self.n += 1
            self.ids.add(row[0])
            if row[_ERROR] is not None:
                self.errors[row[_ERROR]] += 1
            if (row[_N_FAILED] or 0) > 0:
                self.with_failed_checks += 1
            for i in self._counts:
                v = row[i]
                if isinstance(v, float) and not v.is_integer():
                    self.float_counts.add(i)


def _stream_columns(old: pd.DataFrame | None) -> list[str]:
    cols = list(columns())
    return cols + ([c for c in old.columns if c not in set(cols)] if old is not None else [])


def _wide_blocks(checkpoint: _Checkpoint, skip: int, tally: _Tally) -> Iterator[pd.DataFrame]:
    """The new rows from the checkpoint, STREAM_BLOCK at a time, every block with the same dtypes
    (a count column where any value had decimals is Float64 in all of them)."""
    names = columns()
    floats = {names[i]: "Float64" for i in tally.float_counts}
    for block in _chunked(checkpoint.entries(skip), STREAM_BLOCK):
        frame = rows_frame([row for row, _ in block])
        yield frame.astype(floats) if floats else frame


def _long_blocks(checkpoint: _Checkpoint, skip: int) -> Iterator[pd.DataFrame]:
    for block in _chunked(checkpoint.entries(skip), STREAM_BLOCK):
        yield cells_frame((row[0], *c) for row, cs in block if cs for c in cs)


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
    fmt = _fmt(path)
    n_rows = n_errors = 0

    def frames() -> Iterator[pd.DataFrame]:
        nonlocal n_rows, n_errors
        like: pd.DataFrame | None = None
        cols: list[str] = []
        for frame in itertools.chain([old] if old is not None and len(old) else [], blocks):
            if like is None:
                like, cols = frame, list(frame.columns)
            else:
                frame = _conform(frame, like, cols)
            n_rows += len(frame)
            if not long:
                n_errors += int(frame["error"].notna().sum())
            yield frame

    if fmt == ".xlsx":
        import pandas as pd

        parts = list(frames())
        whole = pd.concat(parts, ignore_index=True) if parts else (cells_frame([]) if long else rows_frame([]))
        if not long and "n_checks_failed" in whole.columns:
            whole = _typed(whole)
        write_frame(whole, path, long=long, headers=headers, provenance=provenance, codebook=codebook)
        return n_rows, n_errors

    def write(tmp: Path) -> None:
        from govparse_ml.io.sheets import escape_frame

        if fmt == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            writer = None
            try:
                for frame in frames():
                    if long:
                        frame = frame.assign(value=frame["value"].pipe(_to_float))
                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        schema = table.schema
                        if provenance is not None:
                            meta = dict(schema.metadata or {})
                            meta[PARQUET_METADATA_KEY] = json.dumps(provenance, ensure_ascii=False).encode("utf-8")
                            schema = schema.with_metadata(meta)
                        writer = pq.ParquetWriter(tmp, schema)
                    writer.write_table(table.cast(writer.schema) if table.schema != writer.schema else table)
                if writer is None:  # no rows at all: an empty file with the columns
                    empty = cells_frame([]) if long else rows_frame([])
                    _write_parquet(empty, tmp, provenance)
            finally:
                if writer is not None:
                    writer.close()
        elif fmt == ".csv":
            with open(tmp, "w", encoding=CSV_ENCODING, newline="") as fh:
                wrote = False
                for frame in frames():
                    _headers(escape_frame(frame), headers).to_csv(
                        fh, index=False, header=not wrote, lineterminator="\r\n"
                    )
                    wrote = True
                if not wrote:
                    empty = cells_frame([]) if long else rows_frame([])
                    _headers(empty, headers).to_csv(fh, index=False, lineterminator="\r\n")
        elif fmt == ".jsonl":
            with open(tmp, "w", encoding="utf-8") as fh:
                for frame in frames():
                    for rec in _plain_records(frame):
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        else:
            raise ValueError(f"unknown output format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")

    _atomic(path, write)
    return n_rows, n_errors


def describe_run(model: Any, threshold: float) -> dict[str, Any]:
    from govparse_ml.provenance import describe

    return describe(model, threshold)


def _check_mixing(args: Any, out_path: Path, checkpoint: _Checkpoint, run: dict[str, Any]) -> list[dict[str, Any]]:
    """Refuse to --resume into rows made by another parser version, schema, model or threshold
    (unless --allow-mixed); returns the other provenances that are being mixed in."""
    from govparse_ml.provenance import differences

    others = []
    for where, prov in ((out_path, read_provenance(out_path)), (checkpoint.path, checkpoint.read_provenance())):
        if prov is None or not differences(prov, run):
            continue
        if not getattr(args, "allow_mixed", False):
            raise InputError(
                f"{where} was made by another run ({'; '.join(differences(prov, run))}): its rows and this run's "
                "would not be comparable. Write to a new file, or pass --allow-mixed to mix them (the manifest "
                "then lists both)"
            )
        others.append(prov)
    return others


def _write_manifest(
    args: Any,
    out_path: Path,
    cells_path: Path | None,
    run: dict[str, Any],
    mixed: list[dict[str, Any]],
    n_rows: int,
    n_errors: int,
    n_columns: int,
) -> None:
    """``NAME.manifest.json`` beside the dataset: what made it, and what it holds."""
    earlier: list[dict[str, Any]] = []
    m = manifest_path(out_path)
    if args.resume and m.exists():
        with contextlib.suppress(OSError, ValueError):
            earlier = json.loads(m.read_text(encoding="utf-8")).get("mixed_with", [])
    manifest = {
        "provenance": run,
        "mixed_with": [*earlier, *(p for p in mixed if p not in earlier)],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": ["govparse-ml", "batch", *sys.argv[2:]] if sys.argv[1:2] == ["batch"] else None,
        "dataset": out_path.name,
        "cells": cells_path.name if cells_path is not None else None,
        "codebook": codebook_path(out_path).name,
        "headers": getattr(args, "headers", "id"),
        "reports": n_rows,
        "errors": n_errors,
        "columns": n_columns,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    _atomic(m, lambda p: p.write_text(data, encoding="utf-8"))


def _replace_ids(old: pd.DataFrame | None, new: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """``old`` without the rows of ``ids``, then ``new``; known columns first, in their order."""
    import pandas as pd

    if old is None or not len(old):
        return new
    both = pd.concat([old[~old["id"].isin(ids)], new], ignore_index=True)
    order = list(new.columns) + [c for c in both.columns if c not in set(new.columns)]
    both = both[order]
    return _typed(both) if "n_checks_failed" in both.columns else both


def _resume_state(args: Any, out_path: Path, cells_path: Path | None, checkpoint: _Checkpoint):
    """What an earlier run left: its rows, its cells, the ids not to parse again, the checkpoint's entries."""

    def load(path: Path, long: bool):
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

    old_rows = load(out_path, False)
    old_cells = load(cells_path, True) if cells_path is not None else None
    saved = list({row[0]: (row, cs) for row, cs in checkpoint.read()}.values())  # the last entry of an id wins
    if saved:
        ck_ids = {r[0] for r, _ in saved}
        old_rows = _replace_ids(old_rows, rows_frame([r for r, _ in saved]), ck_ids)
        if cells_path is not None:
            ck_cells = cells_frame((r[0], *c) for r, cs in saved if cs for c in cs)
            old_cells = _replace_ids(old_cells, ck_cells, ck_ids)
    if old_rows is None:
        return None, old_cells, set(), saved
    ids = old_rows["id"].dropna()
    done = set(ids)
    errors = set(old_rows.loc[old_rows["error"].notna(), "id"].dropna())
    if cells_path is not None:
        # A report counts as done only if its cells are there too (error rows have none).
        have_cells = set(old_cells["id"].dropna()) if old_cells is not None else set()
        done &= have_cells | errors
    if getattr(args, "retry_errors", False):
        done -= errors
    return old_rows, old_cells, done, saved
