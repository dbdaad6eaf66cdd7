"""Random values for every canonical cell of a report, satisfying every identity of ``schema``.

The values are drawn as an agency's year looks: most counts small, a few agencies busy, the
applications table balanced (new + carried in = processed + carried out, per applicant column).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from govparse_ml.format import schema

CellId = tuple[str, str, str]
Value = int | float | None

# Per applicant column (natural persons first): chance of a non-zero count and its usual maximum.
APPLICANT_P_NONZERO = (0.95, 0.8, 0.5, 0.5, 0.65, 0.6)
APPLICANT_HIGH = (30, 15, 5, 5, 8, 6)


@dataclass(frozen=True)
class ApplicationShape:
    """Row and column roles of the applications table, read off the schema identities."""

    parts: tuple[str, ...]  # applicant columns that add up to the total column
    total_col: str
    new_row: str
    carried_in_row: str
    processed_row: str
    carried_out_row: str
    outcome_rows: tuple[str, ...]


def _is_row_sum(identity: schema.Identity) -> bool:
    """A row's total = the sum of its applicant columns."""
    return len(identity.lhs) == 1 and all(c[1] == identity.lhs[0][1] for c in identity.rhs)


def _is_column_sum_of(identity: schema.Identity, row: str) -> bool:
    """``row`` of a column = the sum of the other rows of that column."""
    (_, lhs_row, lhs_col), *more = identity.lhs
    return not more and lhs_row == row and all(c[2] == lhs_col for c in identity.rhs)


@cache
def application_shape(fmt: str) -> ApplicationShape:
    identities = [i for i in schema.identities(fmt) if i.table == "applications"]
    balance = next(i for i in identities if len(i.lhs) == 2)
    (_, new_row, _), (_, carried_in_row, _) = balance.lhs
    (_, processed_row, _), (_, carried_out_row, _) = balance.rhs
    row_sum = next(i for i in identities if _is_row_sum(i))
    column_sum = next(i for i in identities if _is_column_sum_of(i, processed_row))
    return ApplicationShape(
        parts=tuple(c[2] for c in row_sum.rhs),
        total_col=row_sum.lhs[0][2],
        new_row=new_row,
        carried_in_row=carried_in_row,
        processed_row=processed_row,
        carried_out_row=carried_out_row,
        outcome_rows=tuple(c[1] for c in column_sum.rhs),
    )


def _some(rng: random.Random, high: int) -> int:
    """A positive count skewed towards small numbers (log-uniform in 1..high)."""
    return max(1, round(high ** rng.random()))


def _count(rng: random.Random, p_nonzero: float, high: int) -> int:
    return _some(rng, high) if rng.random() < p_nonzero else 0


def _decimal(rng: random.Random, low_exp: float, high_exp: float, max_places: int) -> float:
    places = rng.choice((0, 0, 1, 2, 2, max_places))
    value = round(10 ** rng.uniform(low_exp, high_exp), places)
    return float(int(value)) if places == 0 else max(value, 10.0**-places)


# --------------------------------------------------------------------------- active disclosure

_Row = dict[str, Value]  # the row's columns drawn so far


def _new_published(rng: random.Random, row: _Row, p: float, high: int) -> Value:
    made = int(row["new_made"] or 0)
    return made if rng.random() < 0.7 else rng.randint(0, made)


def _delta(rng: random.Random, row: _Row, p: float, high: int) -> Value:
    prev, draw = int(row["prev_items"] or 0), rng.random()
    if draw < 0.3:
        return 0
    if draw < 0.65 or prev == 0:
        return _some(rng, 25)
    return -_some(rng, min(prev, 25))


# One drawer per active-disclosure column: (rng, the row so far, p of non-zero, usual maximum).
# A later column may depend on an earlier one (total published >= new published).
_ACTIVE_COLUMNS: dict[str, Callable[[random.Random, _Row, float, int], Value]] = {
    "new_made": lambda rng, row, p, high: _count(rng, p, high),
    "issued": lambda rng, row, p, high: _count(rng, p, high),
    "new_published": _new_published,
    "total_published": lambda rng, row, p, high: int(row["new_published"] or 0) + _count(rng, 0.8, high * 6),
    "repealed": lambda rng, row, p, high: _count(rng, p * 0.4, high // 3 + 1),
    "in_force": lambda rng, row, p, high: int(row["issued"] or 0) + _count(rng, 0.8, high * 5),
    "prev_items": lambda rng, row, p, high: _count(rng, 0.85, 300),
    "delta": _delta,
    "decisions": lambda rng, row, p, high: _count(rng, 0.8, 5000),
    "projects": lambda rng, row, p, high: _count(rng, 0.75, 60),
    "amount": lambda rng, row, p, high: _decimal(rng, 0, 3.7, 2) if row["projects"] else 0.0,
    "amount_wan_yuan": lambda rng, row, p, high: _decimal(rng, -1, 3, 4) if rng.random() < 0.7 else 0.0,
}


def _active_disclosure_values(rng: random.Random, fmt: str) -> dict[CellId, Value]:
    spec = schema.tables(fmt)["active_disclosure"]
    out: dict[CellId, Value] = {}
    for index, row in enumerate(spec.rows):
        high = 5 if index == 0 else 40  # few agencies make 规章
        p = 0.35 if index == 0 else 0.85
        row_values: _Row = {}
        for col in row.columns:
            row_values[col.id] = _ACTIVE_COLUMNS[col.id](rng, row_values, p, high)
            out[(spec.id, row.id, col.id)] = row_values[col.id]
    return out


# --------------------------------------------------------------------------- applications


def _outcome_counts(rng: random.Random, shape: ApplicationShape) -> dict[tuple[str, str], int]:
    """The outcome rows per applicant column; a busy agency has thousands in a few outcomes."""
    big = rng.random() < 0.15
    busy_rows = rng.sample(shape.outcome_rows[2:], rng.randint(1, 4))
    counts: dict[tuple[str, str], int] = {}
    for rank, row in enumerate(shape.outcome_rows):
        factor = 1.0 if rank == 0 else 0.9 if rank == 1 or row in busy_rows else 0.7
        busy = big and (rank == 0 or row in busy_rows[:1])
        for j, col in enumerate(shape.parts):
            high = APPLICANT_HIGH[j % len(APPLICANT_HIGH)] * (3 if rank == 0 else 1)  # most requests are granted
            value = _count(rng, min(1.0, APPLICANT_P_NONZERO[j % len(APPLICANT_P_NONZERO)] * factor), high)
            if busy and j == 0:
                value = rng.randint(100, 3000)
            counts[(row, col)] = value
    return counts


def _add_balance_rows(rng: random.Random, shape: ApplicationShape, counts: dict[tuple[str, str], int]) -> None:
    """Processed, carried out, carried in and new per column, so that the balance holds."""
    for j, col in enumerate(shape.parts):
        p = 0.5 * APPLICANT_P_NONZERO[j % len(APPLICANT_P_NONZERO)]
        processed = sum(counts[(row, col)] for row in shape.outcome_rows)
        carried_out = _count(rng, p, 6)
        carried_in = min(_count(rng, p, 6), processed + carried_out)
        counts[(shape.processed_row, col)] = processed
        counts[(shape.carried_out_row, col)] = carried_out
        counts[(shape.carried_in_row, col)] = carried_in
        counts[(shape.new_row, col)] = processed + carried_out - carried_in


def _application_values(rng: random.Random, fmt: str) -> dict[CellId, Value]:
    shape = application_shape(fmt)
    counts = _outcome_counts(rng, shape)
    _add_balance_rows(rng, shape, counts)
    out: dict[CellId, Value] = {}
    for row in schema.tables(fmt)["applications"].rows:
        for col in row.columns:
            if col.id == shape.total_col:
                out[("applications", row.id, col.id)] = sum(counts[(row.id, c)] for c in shape.parts)
            else:
                out[("applications", row.id, col.id)] = counts[(row.id, col.id)]
    return out


# --------------------------------------------------------------------------- review and litigation


def _review_values(rng: random.Random, fmt: str) -> dict[CellId, Value]:
    out: dict[CellId, Value] = {}
    quiet = rng.random() < 0.1  # no case at all, as in many small agencies
    for identity in schema.identities(fmt):
        if identity.table != "review_litigation":
            continue
        parts = [0 if quiet else _count(rng, 0.7, 6) for _ in identity.rhs]
        out.update(zip(identity.rhs, parts, strict=True))
        out[identity.lhs[0]] = sum(parts)
    return out


def generate_values(rng: random.Random, format_version: str) -> dict[CellId, Value]:
    """Random realistic values for every canonical cell, satisfying every schema identity exactly."""
    if format_version not in schema.FORMATS:
        raise ValueError(f"unknown format version {format_version!r}")
    drawn = {
        **_active_disclosure_values(rng, format_version),
        **_application_values(rng, format_version),
        **_review_values(rng, format_version),
    }
    return {cell: drawn[cell] for cell in schema.cell_ids(format_version)}


def summary_totals(values: dict[CellId, Value], fmt: str) -> dict[str, int]:
    """The totals the prose quotes (收到申请{new_total}件 …)."""
    shape = application_shape(fmt)

    def app_total(row: str) -> int:
        return int(values[("applications", row, shape.total_col)] or 0)

    review = [i.lhs[0] for i in schema.identities(fmt) if i.table == "review_litigation"]
    return {
        "new_total": app_total(shape.new_row),
        "carried_in_total": app_total(shape.carried_in_row),
        "processed_total": app_total(shape.processed_row),
        "carried_out_total": app_total(shape.carried_out_row),
        "review_total": int(values[review[0]] or 0),
        "litigation_total": sum(int(values[cell] or 0) for cell in review[1:]),
    }
