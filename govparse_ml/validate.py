"""Stage 6: the arithmetic checks that the official format implies."""

from __future__ import annotations

from functools import lru_cache

from . import schema
from .document import CheckResult, Table

_TOLERANCE = 1e-6


def run_checks(tables: dict[str, Table], version: schema.FormatVersion) -> list[CheckResult]:
    """One result per identity of the format, then one per negative count."""
    results: list[CheckResult] = []
    for ident in schema.identities(version):
        results.append(_check_identity(ident, tables))
    results.extend(_check_signs(tables, version))
    return results


@lru_cache(maxsize=256)
def _names(ident: schema.Identity) -> tuple[str, ...]:
    return tuple(schema.cell_key(*c) for c in (*ident.lhs, *ident.rhs))


def _check_identity(ident: schema.Identity, tables: dict[str, Table]) -> CheckResult:
    lhs = [tables[t].cells[(r, c)].value for t, r, c in ident.lhs]
    rhs = [tables[t].cells[(r, c)].value for t, r, c in ident.rhs]
    names = list(_names(ident))
    missing = [n for n, v in zip(names, lhs + rhs, strict=True) if v is None]
    if missing:
        return CheckResult(
            ident.name,
            ident.table,
            "unverifiable",
            names,
            detail=f"{len(missing)} of {len(names)} cells have no value: {', '.join(missing[:4])}"
            + ("…" if len(missing) > 4 else ""),
        )
    left, right = float(sum(lhs)), float(sum(rhs))  # type: ignore[arg-type]
    difference = round(left - right, 6)
    status = "passed" if abs(difference) < _TOLERANCE else "failed"
    detail = "" if status == "passed" else f"{_fmt(left)} ≠ {_fmt(right)} (difference {_fmt(difference)})"
    return CheckResult(ident.name, ident.table, status, names, left, right, difference, detail)


def _check_signs(tables: dict[str, Table], version: schema.FormatVersion) -> list[CheckResult]:
    out = []
    kinds = schema.column_kinds(version)
    for table in tables.values():
        for cell in table.cells.values():
            kind = kinds[(cell.table, cell.row, cell.col)]
            if cell.value is None or kind == "signed":
                continue
            name = schema.cell_key(cell.table, cell.row, cell.col)
            bad_sign = cell.value < 0
            bad_int = kind == "count" and float(cell.value) != int(cell.value)
            if bad_sign or bad_int:
                what = "negative" if bad_sign else "not a whole number"
                out.append(
                    CheckResult(
                        f"{name}: a count is a non-negative integer",
                        cell.table,
                        "failed",
                        [name],
                        float(cell.value),
                        None,
                        None,
                        f"{cell.raw!r} is {what}",
                    )
                )
    return out


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
