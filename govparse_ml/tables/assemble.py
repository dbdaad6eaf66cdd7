"""Stage 5b: reassemble the three standard tables against the schema.

Whatever the layout, the text of a table is read as one stream of tokens: labels (any text)
and values (numbers and null marks), with the line each came from. The stream is cut into
segments, a run of label text followed by a run of values; the schema's key phrases found
in the label text say which table and row the values belong to. Tab rows, one cell per
line, ``|`` fragments, a table on one line, vertical labels and OCR spaces all give the
same stream, hence the same cells.

Where the text allows several readings (digits glued together, a stray number, a table
written column by column), the candidates are scored by the identities of the format, and
the chosen reading is recorded in ``Report.readings``.

The stages, each in its module: :mod:`~govparse_ml.tables.layouts` (a row's cells, one reader
per layout) → :mod:`~govparse_ml.tables.tokens` → :mod:`~govparse_ml.tables.segments` (with the
key phrases of :mod:`~govparse_ml.tables.keys`) → :mod:`~govparse_ml.tables.rows` (header
columns in :mod:`~govparse_ml.tables.columns`; rows no key phrase names placed by the
order-preserving alignment of :mod:`~govparse_ml.tables.align`) → :mod:`~govparse_ml.tables.fill`
→ :mod:`~govparse_ml.tables.spans` (sub-rows whose cells are merged with the row above).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from govparse_ml.document import Reading, Table
from govparse_ml.format import schema
from govparse_ml.tables import column_major
from govparse_ml.tables.candidates import SearchBudget
from govparse_ml.tables.fill import fill, new_tables
from govparse_ml.tables.rows import read_rows
from govparse_ml.tables.segments import Segment, cut_segments
from govparse_ml.tables.spans import merge_spanned
from govparse_ml.tables.tokens import Token, tokenize
from govparse_ml.text.units import Unit


@dataclass
class TableResult:
    tables: dict[str, Table]
    readings: list[Reading] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Runs of values that fit no row, or not the number of cells of their row: how badly
    # the text fits the format version it was read as.
    misfits: int = 0
    # (table, note) of rows read and left out on purpose (subtotals), noted on their table.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Runs of values that fit no row, per table: (line, raw text); reported as one warning each.
    unlabelled: dict[str | None, list[tuple[int, str]]] = field(default_factory=dict)


def assemble_tables(
    units: list[Unit],
    version: schema.FormatVersion,
    tokens: list[Token] | None = None,
    budget: SearchBudget | None = None,
    raw_lines: Sequence[str] | None = None,
) -> TableResult:
    """Read the three tables of ``version`` from the units labelled table; a table written
    column by column is read transposed where more identities hold so (:mod:`column_major`).
    ``tokens``: the units' token stream, if already made (it is the same for every format);
    ``budget``: the document's inputs limit, shared by every reading of its tables (a fresh one
    if not given); ``raw_lines``: the input's lines, for the positions of values in rows laid
    out with spaces."""
    budget = budget if budget is not None else SearchBudget()
    segments = cut_segments(tokenize(units) if tokens is None else tokens, version)
    result = _read(segments, version, budget, raw_lines)
    transposed = column_major.transpose(segments, version, result.tables)
    if transposed is None:
        return result
    alt = _read(transposed.segments(), version, budget)
    kept = column_major.choose(result.tables, alt.tables, transposed, version)
    if not kept:
        return result
    if kept.keys() != transposed.readings.keys():
        alt = _read(transposed.segments(set(kept)), version, budget)
    alt.readings.extend(kept.values())
    return alt


def _read(
    segments: list[Segment],
    version: schema.FormatVersion,
    budget: SearchBudget,
    raw_lines: Sequence[str] | None = None,
) -> TableResult:
    """The tables read from the segments of their text (``raw_lines``: the input's lines, for
    the positions of values in rows laid out with spaces)."""
    found = read_rows(segments, version, raw_lines)
    result = TableResult(
        new_tables(version, found.seen),
        readings=found.readings,
        warnings=[_unlabelled_warning(table, runs) for table, runs in found.unlabelled.items()],
        misfits=found.misfits,
        skipped=found.skipped,
        unlabelled=found.unlabelled,
    )
    for table, note in result.skipped:
        result.tables[table].notes.append(note)
    filled = fill(found.groups, version, result.tables, result.readings, budget)
    merge_spanned(found.valueless, result.tables, version, result.readings)
    result.misfits += filled.misfits
    result.warnings.extend(filled.warnings)
    for tid, table in result.tables.items():
        table.lines = sorted(filled.lines.get(tid, ()))
    return result


def _span_list(numbers: list[int], limit: int = 8) -> str:
    """``2, 5–7, 9, …`` for sorted line numbers (at most ``limit`` items, then how many more)."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    shown = [str(a) if a == b else f"{a}–{b}" for a, b in spans[:limit]]
    more = f" and {len(spans) - limit} more" if len(spans) > limit else ""
    return ", ".join(shown) + more


def _unlabelled_warning(table: str | None, runs: list[tuple[int, str]]) -> str:
    """One warning for all the runs of values of a table that fit no row (one per value made
    a page's warnings unreadable: thousands for an HTML page with other tables)."""
    where = f" in {table}" if table else ""
    if len(runs) == 1:
        line, raw = runs[0]
        return f"values with no row label{where} at line {line}: {raw}"
    sample = "; ".join(raw if len(raw) <= 40 else raw[:40] + "…" for _, raw in runs[:3])
    return (
        f"{len(runs)} runs of values with no row label{where} (ignored), at lines {_span_list([n for n, _ in runs])}: "
        f"{sample}{' …' if len(runs) > 3 else ''}"
    )
