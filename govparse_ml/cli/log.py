"""The command line's messages on standard error, through :mod:`logging`.

Everything the commands say besides their output goes to the ``govparse_ml`` logger:
warnings about the input as ``warning: …``, progress and summaries as plain lines, errors as
``govparse-ml: …``. ``-q/--quiet`` keeps only errors; a program embedding the library can
attach its own handlers to ``logging.getLogger("govparse_ml")`` instead.
"""

from __future__ import annotations

import logging
import sys

LOGGER = "govparse_ml"
_PREFIX = {logging.WARNING: "warning: ", logging.ERROR: "govparse-ml: ", logging.CRITICAL: "govparse-ml: "}


class _StderrHandler(logging.Handler):
    """Writes to the ``sys.stderr`` of the moment (tests and callers may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            try:
                sys.stderr.write(msg + "\n")
            except UnicodeEncodeError:  # a terminal that cannot hold the text: UTF-8 bytes
                buffer = getattr(sys.stderr, "buffer", None)
                if buffer is None:
                    raise
                sys.stderr.flush()
                buffer.write((msg + "\n").encode("utf-8"))
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if getattr(record, "bare", False) else _PREFIX.get(record.levelno, "")
        return prefix + record.getMessage()


def setup(quiet: bool = False) -> logging.Logger:
    """The command line's logger: INFO and up on standard error (ERROR and up with ``quiet``)."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_Formatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.INFO)
    return logger


def get(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER}.{name}" if name else LOGGER)
