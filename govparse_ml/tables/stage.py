"""The tables stage: which format the tables are in, the three tables read against it, and
their arithmetic checks."""

from __future__ import annotations

import re

from govparse_ml import validate
from govparse_ml.document import Doc, Report, Table, Unit
from govparse_ml.format import schema, versions
from govparse_ml.tables import assemble as tables
from govparse_ml.tables import keys, layouts, tokens, values
from govparse_ml.tables.candidates import SearchBudget

_TABLE_TITLES = {tid: spec.title for tid, spec in schema.tables("2021").items()}
# The inputs limit of a document's table text: past it the rest is not read as tables. The
# three tables of a report take at most ~7,000 characters (2,700 real, extracted and generated
# reports); a row read again later keeps its first reading, so text past the limit could only
# add rows no report has there. A 170,000-character line of table words took a second.
MAX_TABLE_CHARS = 50_000


def empty_tables() -> dict[str, Table]:
    """The three tables with no cells: what a text of unknown format has."""
    return {tid: Table(tid, title, None, {}) for tid, title in _TABLE_TITLES.items()}


def table_units(units: list[Unit], labels: list[str | None], raw_lines: list[str] | None = None) -> list[Unit]:
    """The units labelled table, with an empty unit for each blank line between two of them: in
    a table written one cell per line, an empty line is an empty cell, or the end of a row.

    The raw lines tell more of a table written one cell per line: the blank lines after its last
    line are its last row's trailing cells as much as the ones between its lines; and where its
    cells are indented (``\\t予以公开``, as a word processor writes a table one cell per line),
    a line of the indent alone is an empty cell (cut ``cell``), a line with nothing a row break
    (cut ``break``). Otherwise an empty unit is cut ``blank``: either."""
    out: list[Unit] = []
    run: list[Unit] = []  # the table units since the last unit of another label
    for unit, label in zip(units, labels, strict=True):
        if label != "table":
            _close_run(out, run, raw_lines)
            run = []
            continue
        if run and unit.line > run[-1].line + 1:
            run.extend(Unit(n, 0, "", "blank") for n in range(run[-1].line + 1, unit.line))
        run.append(unit)
    _close_run(out, run, raw_lines)
    return out


def _close_run(out: list[Unit], run: list[Unit], raw_lines: list[str] | None) -> None:
    """Append a run of table units to ``out``; if it is a table written one cell per line, with
    the blank lines after it, and its empty units told apart where its cells are indented."""
    cells = _one_cell_lines(run, raw_lines) if raw_lines else []
    if not cells or raw_lines is None:
        out.extend(run)
        return
    end = run[-1].line
    while end < len(raw_lines) and not raw_lines[end].strip():
        end += 1
    run = run + [Unit(n, 0, "", "blank") for n in range(run[-1].line + 1, end + 1)]
    if not _indented(cells, [raw_lines[u.line - 1] for u in run if u.cut == "blank"]):
        # A line of a no-break space alone is an empty cell however the table is written: the
        # text of an HTML cell holding only &nbsp; (PyMuPDF and others keep it).
        out.extend(_nbsp_cells(run, raw_lines))
        return
    for unit in run:
        if unit.cut == "blank":
            unit = unit._replace(cut="cell" if _indent_only(raw_lines[unit.line - 1]) else "break")
        out.append(unit)


def _nbsp_cells(run: list[Unit], raw_lines: list[str]) -> list[Unit]:
    """The run with its empty units that are lines of no-break spaces cut ``cell``."""
    return [u._replace(cut="cell") if u.cut == "blank" and _nbsp_only(raw_lines[u.line - 1]) else u for u in run]


def _nbsp_only(raw: str) -> bool:
    """A line of no-break spaces (and maybe spaces) alone."""
    return "\xa0" in raw and not raw.strip(" \xa0")


def _indented(cells: list[str], empty: list[str]) -> bool:
    """Whether most label cells are written after an indent, and an empty line is the indent
    alone (an empty cell written as the others are)."""
    return 2 * sum(raw[0] in " \t\u3000" for raw in cells) > len(cells) and any(map(_indent_only, empty))


def _one_cell_lines(run: list[Unit], raw_lines: list[str]) -> list[str]:
    """The raw label lines of a run that is a table written one cell per line (it has empty
    lines, and most of its label lines are one cell); none for another run."""
    if not any(u.cut == "blank" for u in run):
        return []
    labels = [raw for u in run if u.cut != "blank" and _CJK.search(raw := raw_lines[u.line - 1])]
    cells = [raw for raw in labels if _LABEL_CELL.fullmatch(raw.strip())]
    return cells if len(cells) >= 3 and 2 * len(cells) >= len(labels) else []


def _indent_only(raw: str) -> bool:
    """A line of spaces or tabs alone, not empty."""
    return bool(raw) and not raw.strip(" \t\u3000")


_CJK = re.compile(r"[\u4e00-\u9fff]")
# A label cell: no cell separator in it (a tab, a bar, a run of spaces).
_LABEL_CELL = re.compile(r"(?:(?! {2})[^\t|])*")


def read_tables(doc: Doc) -> None:
    """The tables stage: the table units read in the format their headers (or, failing them,
    the fit of the text, or the report's year) say; the cells, readings and checks into the report."""
    units = table_units(doc.units, doc.labels, doc.raw_lines)
    if not units:
        return
    report = doc.report
    units = _within_limit(units, report)
    version = keys.detect_format("\n".join(u.text for u in units if u.text))
    if version is None:
        if validate.pre_2019_signs(report):
            return  # the old format's statistics table is none of the standard tables (the structure stage says so)
        chosen = _read_either_format(report, units, doc.raw_lines)
        if chosen is None:
            return
        version, result = chosen
    else:
        result = tables.assemble_tables(units, version, raw_lines=doc.raw_lines)
    report.meta.format_version = version
    report.tables = result.tables
    report.readings = result.readings
    report.warnings.extend(result.warnings)
    report.checks = validate.run_checks(result.tables, version)


def _within_limit(units: list[Unit], report: Report) -> list[Unit]:
    """The table units up to :data:`MAX_TABLE_CHARS` characters (a warning says where the rest
    begins, if any is left out)."""
    if sum(map(len, [u.text for u in units])) <= MAX_TABLE_CHARS:
        return units  # (every report: one pass in C)
    total = 0
    for k, unit in enumerate(units):
        total += len(unit.text)
        if total > MAX_TABLE_CHARS:
            size = sum(len(u.text) for u in units)
            report.warnings.append(
                f"the table text is {size:,} characters long, past the inputs limit of {MAX_TABLE_CHARS:,} "
                f"a document (a report's tables take under 10,000): read up to line {unit.line}, the rest "
                "(from there on) not read as tables"
            )
            return units[:k]
    return units


def _read_either_format(
    report: Report, units: list[Unit], raw_lines: list[str] | None
) -> tuple[schema.FormatVersion, tables.TableResult] | None:
    """No header says which format: read both ways, keep the one the text fits better."""
    stream = tokens.tokenize(units)  # the same for both formats: made once
    budget = SearchBudget()  # the document's inputs limit: one for both readings
    results = {v: tables.assemble_tables(units, v, stream, budget, raw_lines) for v in schema.FORMATS}
    scored = {v: _fit(r, v) for v, r in results.items()}
    version = max(scored, key=lambda v: scored[v])
    tie = scored["2019"] == scored["2021"]
    if tie and report.meta.year:
        # The table text cannot tell: the format in force for the report's year decides.
        version = versions.format_for_year(report.meta.year)
    if scored[version][1] == 0:
        report.warnings.append("table-like text found, but none of the three standard tables")
        return None
    why = f"the format in force for {report.meta.year}" if tie and report.meta.year else "which fits the text best"
    report.warnings.append(f"format version not stated by the table headers: read as {version}, {why}")
    return version, results[version]


def _fit(result: tables.TableResult, version: schema.FormatVersion) -> tuple[int, int, int]:
    """How well the text fits a format: fewest misfit rows, then most cells, then most checks passed."""
    filled = sum(c.value is not None for t in result.tables.values() for c in t.cells.values())
    passed = sum(r.status == "passed" for r in validate.run_checks(result.tables, version))
    return -result.misfits, filled, passed


def clear_caches() -> None:
    """Empty the caches of the tables stage, keyed by cell and label texts."""
    for cached in (layouts.row_cells, tokens.cell_pieces, keys.hits_of, values.parse_value):
        cached.cache_clear()
