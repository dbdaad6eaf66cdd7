"""Stage 6: the arithmetic checks that the official format implies, and the warnings about a
report's structure (sections and tables not found, a pre-2019 report, a text that is no report)."""

from __future__ import annotations

from functools import cache
from operator import itemgetter
from typing import NamedTuple

from govparse_ml import sections
from govparse_ml.document import CheckResult, Doc, Report, Table
from govparse_ml.format import schema, versions

_TOLERANCE = 1e-6
# Below this a whole number converts to float exactly, so float(x) == int(x) holds: a
# non-negative int under it can fail no sign or whole-number check.
_EXACT_INT = 2**53

Value = int | float | None


class _Plan(NamedTuple):
    """An identity with what checking it needs, worked out once per format (hashing an
    Identity, a tuple of tuples, for a cache lookup on every check cost more than the check)."""

    ident: schema.Identity
    cells: tuple[tuple[str, str, str], ...]  # left-hand cells, then right-hand ones
    n_lhs: int
    names: tuple[str, ...]  # "table.row.col" of the cells
    # The cells' values out of all the format's values in schema order. (An identity has cells
    # on both sides, so at least two: the getter gives a tuple.)
    pick: itemgetter


def run_checks(tables: dict[str, Table], version: schema.FormatVersion) -> list[CheckResult]:
    """One result per identity of the format, then one per negative count."""
    plans = _plans(version)
    if _in_schema_order(tables, version):
        # The tables as assemble_tables makes them: every value read in one pass, then picked
        # out for each identity by position (most cells are in several identities).
        values = [cell.value for table in tables.values() for cell in table.cells.values()]
        results = [_check_identity(plan, plan.pick(values)) for plan in plans]
    else:
        results = [
            _check_identity(plan, tuple(tables[t].cells[(r, c)].value for t, r, c in plan.cells)) for plan in plans
        ]
    results.extend(_check_signs(tables, version))
    return results


@cache
def _cell_order(version: schema.FormatVersion) -> dict[str, tuple[tuple[str, str], ...]]:
    """The ``(row, col)`` keys of each table's cells, in schema order."""
    return {t.id: tuple(t.cell_ids()) for t in schema.tables(version).values()}


def _in_schema_order(tables: dict[str, Table], version: schema.FormatVersion) -> bool:
    """Whether the tables hold exactly the format's cells, in schema order."""
    order = _cell_order(version)
    return list(tables) == list(order) and all(tuple(tables[tid].cells) == keys for tid, keys in order.items())


@cache
def _plans(version: schema.FormatVersion) -> tuple[_Plan, ...]:
    cells_in_order = [(tid, *key) for tid, keys in _cell_order(version).items() for key in keys]
    position = {cell: i for i, cell in enumerate(cells_in_order)}
    plans = []
    for ident in schema.identities(version):
        cells = (*ident.lhs, *ident.rhs)
        names = tuple(schema.cell_key(*c) for c in cells)
        plans.append(_Plan(ident, cells, len(ident.lhs), names, itemgetter(*(position[c] for c in cells))))
    return tuple(plans)


def _check_identity(plan: _Plan, values: tuple[Value, ...]) -> CheckResult:
    ident, names, n_lhs = plan.ident, plan.names, plan.n_lhs
    if None in values:
        missing = [n for n, v in zip(names, values, strict=True) if v is None]
        return CheckResult(
            ident.name,
            ident.table,
            "unverifiable",
            list(names),
            detail=f"{len(missing)} of {len(names)} cells have no value: {', '.join(missing[:4])}"
            + ("…" if len(missing) > 4 else ""),
        )
    left, right = float(sum(values[:n_lhs])), float(sum(values[n_lhs:]))  # type: ignore[arg-type]
    difference = round(left - right, 6)
    status = "passed" if abs(difference) < _TOLERANCE else "failed"
    detail = "" if status == "passed" else f"{_fmt(left)} ≠ {_fmt(right)} (difference {_fmt(difference)})"
    return CheckResult(ident.name, ident.table, status, list(names), left, right, difference, detail)


def _check_signs(tables: dict[str, Table], version: schema.FormatVersion) -> list[CheckResult]:
    out = []
    kinds = schema.column_kinds(version)
    for table in tables.values():
        for cell in table.cells.values():
            value = cell.value
            if value is None or (type(value) is int and 0 <= value < _EXACT_INT):
                continue  # no value, or a count as it should be (most cells): nothing to check
            kind = kinds[(cell.table, cell.row, cell.col)]
            if kind == "signed":
                continue
            name = schema.cell_key(cell.table, cell.row, cell.col)
            bad_sign = value < 0
            bad_int = kind == "count" and float(value) != int(value)
            if bad_sign or bad_int:
                what = "negative" if bad_sign else "not a whole number"
                out.append(
                    CheckResult(
                        f"{name}: a count is a non-negative integer",
                        cell.table,
                        "failed",
                        [name],
                        float(value),
                        None,
                        None,
                        f"{cell.raw!r} is {what}",
                    )
                )
    return out


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def pre_2019_signs(report: Report) -> str | None:
    """Why the text looks like a report in the pre-2019 format, or None."""
    for s in report.sections:
        if versions.OLD_FORMAT_HEADING.search(s.title or ""):
            return f"section heading {s.title!r}"
    year, title = report.meta.year, report.meta.title or ""
    if year is not None and versions.is_pre_2019_year(year) and "政府信息公开" in title:
        return f"report year {year}"
    return None


def warn_structure(doc: Doc) -> None:
    """The structure stage: say what a report lacks (sections, tables, rows) or what it is instead."""
    report = doc.report
    w = report.warnings
    found = {t.id for t in report.tables.values() if t.found}
    std = sections.standard_sections_found(report.sections)
    old = pre_2019_signs(report) if report.meta.format_version is None else None
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
    w.extend(_missing_table_parts(report))


def _missing_table_parts(report: Report) -> list[str]:
    out = []
    for table in report.tables.values():
        if not table.found:
            out.append(f"table {table.id} ({table.title}) not found: its cells are null")
            continue
        spec = schema.tables(report.meta.format_version)[table.id]  # type: ignore[index]
        absent = [r.id for r in spec.rows if all(table.cells[(r.id, c.id)].raw is None for c in r.columns)]
        if absent:
            shown = ", ".join(absent[:6]) + ("…" if len(absent) > 6 else "")
            out.append(
                f"table {table.id}: {len(absent)} of {len(spec.rows)} rows not found ({shown}): their cells are null"
            )
    return out
