"""A parsed report as one row of the wide dataset (and its cells as rows of the long one).

Rows are plain lists in :func:`~govparse_ml.batch.columns.columns` order: compact to ship from
a worker process and to append to the checkpoint.
"""

from __future__ import annotations

import re
from typing import Any

from govparse_ml.batch.columns import ERROR, N_FAILED, N_UNVERIFIABLE, WARNINGS, cell_index, columns
from govparse_ml.document import Report

__all__ = ["clean_text", "report_row"]

WARNING_SEPARATOR = " | "
CellRow = tuple[str, str, str, Any, Any]  # (table, row, col, value, raw)
Result = tuple[list[Any], list[CellRow] | None]  # (row values, cells) of one report

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


def row_values(report: Report, id: str | None, source: str | None, encoding: str | None) -> list[Any]:
    """The report as one row of the wide dataset: a list in :func:`columns` order (compact to ship)."""
    row: list[Any] = [None] * len(columns())
    meta = report.meta
    row[:7] = [id, source, meta.title, meta.agency, meta.year, meta.format_version, encoding]
    for i in (0, 1, 2, 3):
        row[i] = clean_text(row[i])
    where = cell_index()
    for c in report.cells():
        row[where[(c.table, c.row, c.col)]] = c.value
    failed = unverifiable = 0
    for check in report.checks:
        if check.status == "failed":
            failed += 1
        elif check.status == "unverifiable":
            unverifiable += 1
    row[N_FAILED] = failed
    row[N_UNVERIFIABLE] = unverifiable
    row[WARNINGS] = clean_text(WARNING_SEPARATOR.join(report.warnings)) or None
    return row


def error_values(id: str, source: str | None, error: str, encoding: str | None = None) -> list[Any]:
    """The row of a report that could not be read or parsed: its id, source, encoding and error."""
    row: list[Any] = [None] * len(columns())
    row[0], row[1], row[6], row[ERROR] = clean_text(id), clean_text(source), encoding, clean_text(error)
    return row


def report_row(
    report: Report,
    id: str | None = None,
    *,
    source: str | None = None,
    encoding: str | None = None,
) -> dict[str, Any]:
    """The report as one row of the wide dataset: a dict with every column of :func:`columns`."""
    return dict(zip(columns(), row_values(report, id, source, encoding), strict=True))


def report_cells(report: Report) -> list[CellRow]:
    """The report's canonical cells as rows of the long dataset (without the id)."""
    return [(c.table, c.row, c.col, c.value, clean_text(c.raw)) for c in report.cells()]
