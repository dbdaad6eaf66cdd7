"""The tables stage: which format the tables are in, the three tables read against it, and
their arithmetic checks."""

from __future__ import annotations

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


def table_units(units: list[Unit], labels: list[str | None]) -> list[Unit]:
    """The units labelled table, with an empty unit (cut ``blank``) for each blank line between
    two of them: in a table written one cell per line, an empty line is an empty cell."""
    out: list[Unit] = []
    previous: Unit | None = None  # the unit before, if it was a table unit
    for unit, label in zip(units, labels, strict=True):
        if label != "table":
            previous = None
            continue
        if previous is not None and unit.line > previous.line + 1:
            out.extend(Unit(n, 0, "", "blank") for n in range(previous.line + 1, unit.line))
        out.append(unit)
        previous = unit
    return out


def read_tables(doc: Doc) -> None:
    """The tables stage: the table units read in the format their headers (or, failing them,
    the fit of the text, or the report's year) say; the cells, readings and checks into the report."""
    units = table_units(doc.units, doc.labels)
    if not units:
        return
    report = doc.report
    units = _within_limit(units, report)
    version = keys.detect_format("\n".join(u.text for u in units if u.cut != "blank"))
    if version is None:
        if validate.pre_2019_signs(report):
            return  # the old format's statistics table is none of the standard tables (the structure stage says so)
        chosen = _read_either_format(report, units)
        if chosen is None:
            return
        version, result = chosen
    else:
        result = tables.assemble_tables(units, version)
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


def _read_either_format(report: Report, units: list[Unit]) -> tuple[schema.FormatVersion, tables.TableResult] | None:
    """No header says which format: read both ways, keep the one the text fits better."""
    stream = tokens.tokenize(units)  # the same for both formats: made once
    budget = SearchBudget()  # the document's inputs limit: one for both readings
    results = {v: tables.assemble_tables(units, v, stream, budget) for v in schema.FORMATS}
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
