"""``parse(text)``: the stages wired together, read → lines → units → labels → sections,
tables → checks. It never raises on a ``str``: a stage that fails leaves a warning and the
stages after it work with what there is; every input line is in ``Report.lines``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from govparse_ml import provenance, sections, validate
from govparse_ml.document import Line, Meta, Report, Table
from govparse_ml.format import schema, versions
from govparse_ml.label.labeling import DEFAULT_THRESHOLD, UnitModel, label_lines, label_units
from govparse_ml.tables import assemble as tables
from govparse_ml.tables.keys import detect_format
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import Unit, split_units

# "default": the shipped model if it loads and checks out; None: rules only.
ModelArg = Any


def parse(
    text: str,
    *,
    model: ModelArg = "default",
    threshold: float = DEFAULT_THRESHOLD,
) -> Report:
    """Parse the plain text of a report into a checked :class:`Report`.

    ``model`` is ``"default"`` (the shipped line classifier, loaded once), ``None`` (rules
    only) or a loaded model (see :func:`govparse_ml.classifier.estimator.load_model` and
    :func:`govparse_ml.classifier.inference.load_arrays`).
    """
    if not isinstance(text, str):
        hint = (
            " (decode it first: govparse_ml.io.files.read_text(path).text for a file, "
            "govparse_ml.io.files.decode_bytes(data).text for bytes)"
            if isinstance(text, bytes | bytearray)
            else ""
        )
        raise TypeError(f"parse() takes the report's text as str, not {type(text).__name__}{hint}")
    warnings: list[str] = []
    raw_lines = split_lines(text)
    lines = [Line(n, t) for n, t in enumerate(raw_lines, start=1)]
    report = Report(Meta(), [], _empty_tables(None), [], lines, warnings)
    report.provenance = provenance.describe(None, threshold)  # until a model labels the lines
    if not text.strip():
        warnings.append("empty input: no text to parse")
        return report
    if _looks_binary(text):
        warnings.append("the text looks like binary data (many control characters): is it a PDF, image or archive?")

    units: list[Unit] = split_units(raw_lines)
    if not units:  # only spaces, control and invisible characters (zero-width, BOM, NUL)
        warnings.append("empty input: no visible text to parse (only blank or invisible characters)")
        return report
    loaded = _resolve_model(model, warnings)
    report.provenance = provenance.describe(loaded, threshold)
    try:
        unit_labels = label_units(units, loaded, threshold)
    except Exception as exc:  # a model that fails on this text must not cost the user the report
        if loaded is None:
            raise
        warnings.append(f"line classifier failed ({type(exc).__name__}: {exc}): labels come from the rules")
        unit_labels = label_units(units, None, threshold)
    label_lines(lines, units, unit_labels)
    labels = [u.label for u in unit_labels]

    try:
        report.sections, title_lines = sections.build_sections(units, labels)
        report.meta = sections.extract_meta(units, labels, title_lines)
    except Exception as exc:  # a bug must not cost the user the rest of the report
        warnings.append(f"sections could not be assembled: {type(exc).__name__}: {exc}")

    table_units = _table_units(units, labels)
    try:
        _read_tables(report, table_units)
    except Exception as exc:
        warnings.append(f"tables could not be read: {type(exc).__name__}: {exc}")
    _warn_structure(report)
    return report


def _table_units(units: list[Unit], labels: list[str | None]) -> list[Unit]:
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


def _read_tables(report: Report, table_units: list[Unit]) -> None:
    if not table_units:
        return
    table_text = "\n".join(u.text for u in table_units if u.cut != "blank")
    version = detect_format(table_text)
    if version is None:
        if _pre_2019_signs(report):
            return  # the old format's statistics table is none of the standard tables (_warn_structure says so)
        # No header says which format: read both ways, keep the one the text fits better.
        results = {v: tables.assemble_tables(table_units, v) for v in schema.FORMATS}
        scored = {v: _fit(r, v) for v, r in results.items()}
        version = max(scored, key=lambda v: scored[v])
        tie = scored["2019"] == scored["2021"]
        if tie and report.meta.year:
            # The table text cannot tell: the format in force for the report's year decides.
            version = versions.format_for_year(report.meta.year)
        if scored[version][1] == 0:
            report.warnings.append("table-like text found, but none of the three standard tables")
            return
        why = f"the format in force for {report.meta.year}" if tie and report.meta.year else "which fits the text best"
        report.warnings.append(f"format version not stated by the table headers: read as {version}, {why}")
        result = results[version]
    else:
        result = tables.assemble_tables(table_units, version)
    report.meta.format_version = version
    report.tables = result.tables
    report.readings = result.readings
    report.warnings.extend(result.warnings)
    report.checks = validate.run_checks(result.tables, version)


def _fit(result: tables.TableResult, version: schema.FormatVersion) -> tuple[int, int, int]:
    """How well the text fits a format: fewest misfit rows, then most cells, then most checks passed."""
    filled = sum(c.value is not None for t in result.tables.values() for c in t.cells.values())
    passed = sum(r.status == "passed" for r in validate.run_checks(result.tables, version))
    return -result.misfits, filled, passed


def _warn_structure(report: Report) -> None:
    w = report.warnings
    found = {t.id for t in report.tables.values() if t.found}
    std = sections.standard_sections_found(report.sections)
    old = _pre_2019_signs(report) if report.meta.format_version is None else None
    if old:
        w.append(
            f"this looks like a report in the format used before 2019 ({old}): its counts are not "
            "in the 2019/2021 standard tables, so no tables were read"
        )
        return
    if not found and len(std) < 2:
        w.append(
            "this does not look like a government information-disclosure annual report "
            "(no standard section headings and none of the three standard tables)"
        )
        return
    if report.meta.format_version is None:
        if std:
            w.append("none of the three standard tables was found: format version unknown")
        return
    missing_sections = [s.title for s in schema.SECTIONS if s.id not in std]
    if missing_sections and std:
        w.append(f"standard sections not found: {', '.join(missing_sections)}")
    for table in report.tables.values():
        if not table.found:
            w.append(f"table {table.id} ({table.title}) not found: its cells are null")
            continue
        spec = schema.tables(report.meta.format_version)[table.id]  # type: ignore[index]
        absent = [r.id for r in spec.rows if all(table.cells[(r.id, c.id)].raw is None for c in r.columns)]
        if absent:
            shown = ", ".join(absent[:6]) + ("…" if len(absent) > 6 else "")
            w.append(
                f"table {table.id}: {len(absent)} of {len(spec.rows)} rows not found ({shown}): their cells are null"
            )


def _empty_tables(version: schema.FormatVersion | None) -> dict[str, Table]:
    """The three tables with no cells: what a text of unknown format has."""
    return {tid: Table(tid, title, version, {}) for tid, title in _TABLE_TITLES.items()}


_TABLE_TITLES = {tid: spec.title for tid, spec in schema.tables("2021").items()}


def _pre_2019_signs(report: Report) -> str | None:
    """Why the text looks like a report in the pre-2019 format, or None."""
    for s in report.sections:
        if versions.OLD_FORMAT_HEADING.search(s.title or ""):
            return f"section heading {s.title!r}"
    year, title = report.meta.year, report.meta.title or ""
    if year is not None and versions.is_pre_2019_year(year) and "政府信息公开" in title:
        return f"report year {year}"
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    return len(_CONTROL.findall(sample)) > max(8, len(sample) // 50)


def clear_caches() -> None:
    """Empty the caches keyed by line text (rule labels, cell pieces, tokens, the model's text
    scores). They make a corpus fast, since table labels and headings recur from report to
    report; each is bounded, so this is for measuring or for freeing memory, never needed."""
    from govparse_ml.classifier import features
    from govparse_ml.label import rules
    from govparse_ml.tables import keys, readings, tokens
    from govparse_ml.text import normalize

    for cached in (
        normalize.normalize_line,
        rules.compact,
        rules._label_text,
        tokens.cell_pieces,
        keys.hits_of,
        sections._heading_parts,
        features._tokens,
        readings.parse_value,
    ):
        cached.cache_clear()
    if _default_model is not None and hasattr(_default_model, "clear_cache"):
        _default_model.clear_cache()


_default_model: Any = None
_default_loaded = False
# Held while the shipped model loads: a thread that calls parse() meanwhile waits for it
# rather than seeing "not loaded yet" and labelling with the rules.
_default_lock = threading.Lock()


def _load_default_model() -> Any:
    """The shipped model, or the exception that kept it from loading: loaded once per process."""
    global _default_model, _default_loaded
    if not _default_loaded:
        with _default_lock:
            if not _default_loaded:
                from govparse_ml.classifier import inference

                try:
                    _default_model = inference.load_default()
                except Exception as exc:  # missing, corrupt or tampered: rules, and say so
                    _default_model = exc
                _default_loaded = True
    return _default_model


def _resolve_model(model: ModelArg, warnings: list[str]) -> UnitModel | None:
    if model is None:
        return None
    if model != "default":
        return model
    loaded = _load_default_model()
    if isinstance(loaded, Exception):
        warnings.append(f"line classifier not used ({loaded}): labels come from the rules")
        return None
    return loaded
