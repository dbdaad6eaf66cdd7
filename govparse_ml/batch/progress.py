"""What a batch tells as it goes (a progress bar or line) and at the end (the summary)."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from govparse_ml.batch.columns import ERROR, N_FAILED, cell_columns, columns, float_columns
from govparse_ml.batch.rows import Result

_log = logging.getLogger("govparse_ml.batch")  # the command's messages (govparse_ml.cli.log sets them up)

PROGRESS_SECONDS = 30.0  # how often the progress line is written when standard error is not a terminal


class ProgressLines:
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


def progress(total: int, enabled: bool) -> Any:
    """A tqdm bar on a terminal; a periodic progress line elsewhere (a log file, a pipe); None
    when disabled or the messages are off."""
    if not enabled or not _log.isEnabledFor(logging.INFO):
        return None
    if not sys.stderr.isatty():
        return ProgressLines(total)
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes can still be forked safely
    return tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


class Tally:
    """What the summary needs of the new rows, counted as they come (the rows are not kept)."""

    def __init__(self) -> None:
        self.n = 0
        self.ids: set[str] = set()
        self.errors: Counter[str] = Counter()
        self.with_failed_checks = 0
        self.float_counts: set[str] = set()  # count columns where a value with decimals was read
        counts = set(cell_columns()) - float_columns()
        self._counts = [(i, c) for i, c in enumerate(columns()) if c in counts]

    def add(self, chunk: Sequence[Result]) -> None:
        for row, _ in chunk:
            self.n += 1
            self.ids.add(row[0])
            if row[ERROR] is not None:
                self.errors[row[ERROR]] += 1
            if (row[N_FAILED] or 0) > 0:
                self.with_failed_checks += 1
            for i, name in self._counts:
                v = row[i]
                if isinstance(v, float) and not v.is_integer():
                    self.float_counts.add(name)

    def log_summary(self, seconds: float, skipped: int, out: Any) -> None:
        """The commonest errors, then one line: reports, failures, time, reports skipped as already in ``out``."""
        for message, count in self.errors.most_common(3):  # a systematic failure shows at once
            shown = message if len(message) <= 300 else message[:300] + "…"
            _log.info(f"govparse-ml batch: {count} × {shown}")
        failed = self.errors.total()
        extra = f" ({skipped} already in {out}, skipped)" if skipped else ""
        _log.info(
            f"{self.n} reports, {failed} failed, {self.with_failed_checks} with failed checks, {seconds:.1f} s{extra}"
        )
