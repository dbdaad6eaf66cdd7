"""What a worker process does: parse items into compact rows, with the model it loaded once.

The same functions run in the batch process itself when there is one job.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import time
from typing import Any

from govparse_ml.batch.inputs import Item
from govparse_ml.batch.rows import Result, count_surrogates, error_values, report_cells, row_values
from govparse_ml.document import Report
from govparse_ml.io.files import InputError
from govparse_ml.io.readers import SourceDocument
from govparse_ml.io.readers.read import parse_document, read_input
from govparse_ml.label.labeling import DEFAULT_THRESHOLD
from govparse_ml.pipeline import parse

WORKER_MODEL = "<the worker's model>"  # sentinel: use the model the worker was started with
_worker_model: Any = "default"
WARM_TEXT = "2020年政府信息公开工作年度报告\n一、总体情况\n本机关依法公开政府信息。\n"
_PR_SET_PDEATHSIG = 1


def parse_item(item: Item, model: Any, want_cells: bool, threshold: float = DEFAULT_THRESHOLD) -> Result:
    """The row (and the cells, if wanted) of one item; an error row if it cannot be read or parsed."""
    encoding = item.encoding  # until a text file is decoded: then the error row says in what
    try:
        if item.error is not None:
            return error_values(item.id, item.source, item.error, encoding), None
        if item.text is not None:
            text = item.text
        else:
            read = read_input(item.path or item.source, data=item.data, source=item.source)
            if isinstance(read, SourceDocument):  # HTML, DOCX, PDF
                report = parse_document(read, model=model, threshold=threshold)
                row = row_values(report, item.id, item.source, read.encoding)
                return row, (report_cells(report) if want_cells else None)
            text, encoding = read.text, read.encoding
        report = parse(text, model=model, threshold=threshold)
        if item.text is not None and (n := count_surrogates(text)):
            report.warnings.append(
                f'the text holds {n} lone surrogate escape{"s" * (n > 1)} (e.g. "\\ud800" in JSON), not valid '
                "Unicode: kept as written, shown as \\uXXXX in the output"
            )
        row = row_values(report, item.id, item.source, encoding)
        return row, (report_cells(report) if want_cells else None)
    except InputError as exc:
        return error_values(item.id, item.source, str(exc), encoding), None
    except Exception as exc:  # a parser bug costs this report, not the batch
        return error_values(item.id, item.source, f"parser crashed: {type(exc).__name__}: {exc}", encoding), None


def parse_items(items: list[Item], model: Any, want_cells: bool, threshold: float = DEFAULT_THRESHOLD) -> list[Result]:
    """Parse a chunk of items (in a worker) and return compact rows."""
    if isinstance(model, str) and model == WORKER_MODEL:
        model = _worker_model
    return [parse_item(item, model, want_cells, threshold) for item in items]


def parse_texts(texts: list[str], model: Any) -> list[Report]:
    """Parse a chunk of texts (in a worker) into whole reports (for ``parse_many``)."""
    if isinstance(model, str) and model == WORKER_MODEL:
        model = _worker_model
    return [parse(t, model=model) for t in texts]


def init_worker(model: Any) -> None:
    """Process-pool initializer: keep the model and load it now, once per worker."""
    global _worker_model
    _worker_model = model
    exit_with_parent()
    with contextlib.suppress(ValueError, OSError):  # Ctrl-C is the parent's to handle: it stops the pool
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(model)
    settle_heap()


def warm_up(model: Any) -> None:
    """Load the model now, by parsing a tiny report (in a worker; or before forking the workers,
    which then inherit it instead of each loading it)."""
    with contextlib.suppress(Exception):  # a warm-up failure shows up on the first real report
        parse(WARM_TEXT, model=model)


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
