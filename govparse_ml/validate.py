"""Stage 6: the arithmetic checks that the official format implies."""

from __future__ import annotations

from functools import cache

from . import schema
from .document import Cell, CheckResult, Table

_TOLERANCE = 1e-6
# Below this a whole number converts to float exactly, so float(x) == int(x) holds: a
# non-negative int under it can fail no sign or whole-number check.
_EXACT_INT = 2**53

# An identity's cells as (table, (row, col)) keys, its number of left-hand cells and the
# "table.row.col" names of all its cells.
_Plan = tuple[schema.Identity, tuple[tuple[str, tuple[str, str]], ...], int, tuple[str, ...]]


def run_checks(tables: dict[str, Table], version: schema.FormatVersion) -> list[CheckResult]:
    """One result per identity of the format, then one per negative count."""
    cells = {tid: t.cells for tid, t in tables.items()}
    results = [_check_identity(plan, cells) for plan in _plans(version)]
    results.extend(_check_signs(tables, version))
    return results


@cache
def _plans(version: schema.FormatVersion) -> tuple[_Plan, ...]:
    """The identities of a format with their cell keys and names worked out once (hashing an
    Identity, a tuple of tuples, for a cache lookup on every check cost more than the check)."""
    plans = []
    for ident in schema.identities(version):
        refs = tuple((t, (r, c)) for t, r, c in (*ident.lhs, *ident.rhs))
        names = tuple(schema.cell_key(*c) for c in (*ident.lhs, *ident.rhs))
        plans.append((ident, refs, len(ident.lhs), names))
    return tuple(plans)


def _check_identity(plan: _Plan, cells: dict[str, dict[tuple[str, str], Cell]]) -> CheckResult:
    ident, refs, n_lhs, names = plan
    values = [cells[t][key].value for t, key in refs]
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
