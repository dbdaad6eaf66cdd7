"""Where the items are parsed: in this process, a local process pool, or a Dask cluster.

Workers get file paths (or texts) and send back compact rows, never whole Reports; each loads
the model once. Results always come back in input order, a bounded number of chunks in flight.
"""

from __future__ import annotations

import math
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from govparse_ml.batch.inputs import Item
from govparse_ml.batch.rows import Result, error_values
from govparse_ml.batch.tasks import WORKER_MODEL, init_worker, parse_items, warm_up
from govparse_ml.io.files import InputError, read_bytes
from govparse_ml.label.labeling import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Executor, Future

DASK_CONNECT_TIMEOUT = "10s"  # an unreachable scheduler is said after this, not after Dask's 30 s
_WORKER_DIED = "the worker process died while parsing this report (out of memory, or a crash in a library)"


def mp_context() -> multiprocessing.context.BaseContext:
    """fork when it is safe (Linux, no other thread running): workers start at no import cost."""
    import multiprocessing
    import threading

    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context()  # the platform's default: spawn on macOS and Windows
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")


def resolve_jobs(n_jobs: int) -> int:
    """The number of worker processes ``n_jobs`` asks for (-1: one per CPU)."""
    if n_jobs == -1:
        return os.cpu_count() or 1
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive number of processes, or -1 for all CPUs, not {n_jobs}")
    return n_jobs


def auto_chunksize(n: int | None, jobs: int) -> int:
    """Items sent to a worker at a time: about eight chunks per worker, from 1 to 64."""
    if n is None:
        return 16
    return max(1, min(64, math.ceil(n / (jobs * 8))))


def chunked(it: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for x in it:
        chunk.append(x)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class LocalPool:
    """A process pool that maps a chunk function in input order, a bounded number of chunks in flight."""

    def __init__(self, jobs: int, model: Any) -> None:
        self.jobs = jobs
        self.model = model
        self._executor: Executor | None = None

    def executor(self) -> Executor:
        from concurrent.futures import ProcessPoolExecutor

        if self._executor is None:
            context = mp_context()
            if context.get_start_method() == "fork":
                warm_up(self.model)  # once here: the forked workers inherit the loaded model
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=init_worker, initargs=(self.model,)
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


def _isolate_local(pool: LocalPool, chunk: list[Item], want_cells: bool, threshold: float) -> list[Result]:
    """Parse a chunk whose worker died one item at a time; the item that kills its worker gets an error row."""
    from concurrent.futures.process import BrokenProcessPool

    out = []
    for item in chunk:
        try:
            out.extend(pool.executor().submit(parse_items, [item], WORKER_MODEL, want_cells, threshold).result())
        except BrokenProcessPool:
            pool.reset()
            out.append((error_values(item.id, item.source, _WORKER_DIED, item.encoding), None))
    return out


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
    size = chunksize or auto_chunksize(len(items), jobs)
    jobs = max(1, min(jobs, math.ceil(len(items) / size)))  # no idle workers loading the model for nothing
    chunks = chunked(items, size)
    if backend == "dask":
        yield from _run_dask(
            chunks, jobs=jobs, model=model, want_cells=want_cells, scheduler=scheduler, threshold=threshold
        )
        return
    if jobs == 1:
        for chunk in chunks:
            yield parse_items(chunk, model, want_cells, threshold)
        return
    pool = LocalPool(jobs, model)
    try:
        yield from pool.imap(
            parse_items,
            chunks,
            WORKER_MODEL,
            want_cells,
            threshold,
            on_broken=lambda chunk, exc: _isolate_local(pool, chunk, want_cells, threshold),
        )
    finally:
        pool.close()


# --------------------------------------------------------------------------- Dask


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
    return [(error_values(it.id, it.source, msg, it.encoding), None) for it in chunk]


def _dask_client(scheduler: str | None, jobs: int) -> tuple[Any, Any]:
    """A client of the scheduler at ``scheduler``, or of a new local cluster of ``jobs`` workers
    (returned too, to be closed: None for a scheduler)."""
    from distributed import Client, LocalCluster

    if not scheduler:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=DASK_CONNECT_TIMEOUT), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc}): "
            "is `dask scheduler` running there, and is the address right (tcp://HOST:8786)?"
        ) from None


def _run_dask(
    chunks: Iterator[list[Item]],
    *,
    jobs: int,
    model: Any,
    want_cells: bool,
    scheduler: str | None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Iterator[list[Result]]:
    client, cluster = _dask_client(scheduler, jobs)
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
                    parse_items, batch, model=model, want_cells=want_cells, threshold=threshold, pure=False
                )
                pending.extend(zip(batch, futures, strict=True))
            if not pending:
                break
            yield _dask_result(*pending.popleft())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_result(chunk: list[Item], future: Any) -> list[Result]:
    try:
        result = future.result()
    except Exception as exc:  # a worker lost (KilledWorker) or a task that could not run
        result = _failed_chunk(chunk, exc)
    future.release()
    return result
