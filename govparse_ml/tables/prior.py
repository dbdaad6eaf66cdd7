"""The prior of realistic readings: log P(a reading) under what the cells of a real report look
like, the knowledge of which is data in :mod:`govparse_ml.format.priors`.

A count is 0 with some probability, else ∝ 1/x up to a typical size and ∝ 1/x² past it; an
amount is the same over a continuum, priced at the precision it is written with. The terms of
a row are added in a fixed order, so that equal readings score exactly equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from govparse_ml.format import priors, schema
from govparse_ml.tables.identities import row_totals
from govparse_ml.tables.values import UNIT_SUFFIX, Cells, number

_LOG_IMPOSSIBLE = -50.0  # a hard constraint broken (a negative count): only if nothing else reads


def log_prior(table: str, rows: tuple[str, ...], cells: Cells, version: schema.FormatVersion) -> float:
    """log P(a reading) under the prior of realistic cells: the sum over its rows.

    ``rows`` are the rows the cells fill, in order (a row's cells, then the next row's).
    """
    spec = schema.tables(version)[table]
    totals = row_totals(version)
    out, pos = 0.0, 0
    for row in rows:
        cols = spec.row(row).columns
        raws = cells[pos : pos + len(cols)]
        pos += len(cols)
        values = {c.id: number(r) for c, r in zip(cols, raws, strict=False)}
        texts = {c.id: r for c, r in zip(cols, raws, strict=False)}
        try:
            out += _row_prior(_Row(table, row, values, texts), cols, (table, row) in totals)
        except (ValueError, ArithmeticError):  # a reading no real report has (huge, negative): never a crash
            out += _LOG_IMPOSSIBLE
    return out


def plausibility(table: str, row: str, cells: Cells, version: schema.FormatVersion) -> float:
    """:func:`log_prior` of a group's reading; ``row`` ``*`` stands for every row of the table."""
    spec = schema.tables(version)[table]
    rows = tuple(r.id for r in spec.rows) if row == "*" else (row,)
    return log_prior(table, rows, cells, version)


def _log_count(x: float, zero: float, scale: float) -> float:
    """log P(a count is x): 0 with probability ``zero``, else ∝ 1/x up to ``scale`` and 1/x² past it."""
    if x == 0:
        return math.log(zero) if zero > 0 else _LOG_IMPOSSIBLE
    if x < 0 or x != int(x):
        return _LOG_IMPOSSIBLE
    out = math.log1p(-zero) - math.log(math.log(scale) + 1.58) - math.log(x)  # Σ 1/x to scale, + the tail
    if x > scale:
        out -= math.log(x / scale)
    return out


def _log_amount(x: float, places: int, zero: float, low: float, high: float) -> float:
    """log P(an amount written with ``places`` decimals is x): 0 with probability ``zero``, else
    log-uniform from ``low`` to ``high`` with Zipf tails on both sides."""
    if x == 0:
        return math.log(zero)
    if x < 0:
        return _LOG_IMPOSSIBLE
    out = math.log1p(-zero) - math.log(math.log(high / low) + 2.0) - math.log(x) - places * math.log(10)
    if x > high:
        out -= math.log(x / high)
    elif x < low:
        out -= math.log(low / x)
    return out


def _places(raw: str) -> int:
    raw = UNIT_SUFFIX.sub("", raw.strip())
    return len(raw) - raw.index(".") - 1 if "." in raw else 0


@dataclass(slots=True)
class _Row:
    """The cells of one row of a reading, as numbers and as written."""

    table: str
    row: str
    values: dict[str, float | None]
    texts: dict[str, str | None]

    def typical(self, key: str) -> priors.Typical:
        return priors.typical(self.table, self.row, key)

    def count(self, col: str, key: str | None = None) -> float:
        x = self.values.get(col)
        return 0.0 if x is None else _log_count(x, *priors.typical(self.table, self.row, key or col))

    def count_zero(self, col: str) -> float:
        zero = self.typical(col)[0]
        return math.log(zero) if zero > 0 else 0.0

    def excess(self, x: float | None, base: float | None, key: str) -> float:
        """``x`` is ``base`` plus a count: it is rarely smaller (a report counting differently)."""
        if x is None or base is None:
            return 0.0
        zero, scale = self.typical(key)
        if x >= base:
            return math.log(priors.AT_LEAST_BASE) + _log_count(x - base, zero, scale)
        return math.log(priors.BELOW_BASE) + _log_count(base - x, 0.0, scale)


def _row_prior(r: _Row, cols: tuple[schema.ColumnSpec, ...], has_total: bool) -> float:
    """log P(a row's cells): as a whole if the priors price its columns together, else cell by
    cell (its total left out), and whether its leading column leads."""
    ids = tuple(c.id for c in cols)
    whole = priors.row_prior(ids)
    if isinstance(whole, priors.PublishedDocuments):
        return _published(r, whole)
    if isinstance(whole, priors.DocumentsInForce):
        return _in_force(r, whole)
    out = 0.0
    for col in cols:
        if has_total and col.id == ids[-1]:
            continue  # a total is the sum of the parts: no information of its own
        for term in _cell_terms(r, col):
            out += term
    leader = priors.LEADERS.get(r.table)
    if leader is not None and leader.column in r.values:
        out += _leader(r, leader, ids[: len(ids) - has_total])
    return out


def _published(r: _Row, m: priors.PublishedDocuments) -> float:
    made, published, total = (r.values[c] for c in m.columns)
    out = r.count(m.made, priors.MADE)
    if made is not None and published is not None:
        if published == made:
            out += math.log(m.all_published)
        elif published < made:
            out += math.log(m.some_published) - math.log(max(made, 1))
        else:
            out += math.log(m.more_published) + _log_count(published - made, 0.0, r.typical(priors.MADE)[1])
    return out + r.excess(total, published, priors.STOCK)


def _in_force(r: _Row, m: priors.DocumentsInForce) -> float:
    issued, repealed, in_force = (r.values[c] for c in m.columns)
    out = r.count(m.issued, priors.MADE) + r.count(m.repealed) + r.excess(in_force, issued, priors.STOCK)
    if issued is not None and repealed and in_force is not None:
        before = in_force - issued + repealed
        share = min(repealed / before, 1.0) if before > 0 else 1.0
        out += math.log(max(2 * (1 - share), m.least_density))
    return out


def _cell_terms(r: _Row, col: schema.ColumnSpec) -> tuple[float, ...]:
    """The terms of one cell's log prior, in the order they are added."""
    x = r.values[col.id]
    if x is None:
        # A cell left blank is most often a zero not written: a reading that leaves this cell
        # blank is as likely as one that puts a 0 here (so blanks do not win by being free).
        return (r.count_zero(col.id),) if col.kind == "count" else ()
    if col.kind == "signed":
        return _signed_terms(r, col.id, x)
    if col.kind == "amount":
        return (_amount(r, col.id, x),)
    return (r.count(col.id),)


def _signed_terms(r: _Row, col: str, x: float) -> tuple[float, ...]:
    zero, scale = r.typical(col)
    change = priors.CHANGES[col]  # every signed column is the change of a list
    out = math.log(zero) if x == 0 else math.log1p(-zero) + math.log(change.up) + _log_count(abs(x), 0.0, scale)
    before = r.values.get(change.base)
    if before is not None and before + x < 0:
        return (out, math.log(change.below_none))
    if before is not None and abs(x) > before:
        return (out, math.log(change.beyond_base))
    return (out,)


def _amount(r: _Row, col: str, x: float) -> float:
    text = r.texts[col] or ""
    unit = next((u for u in schema.UNIT_IN_WAN_YUAN if text.endswith(u)), priors.AMOUNT_UNIT)
    x *= schema.UNIT_IN_WAN_YUAN[unit]  # priced in 万元, whatever unit it is written in
    places = _places(text) + round(-math.log10(schema.UNIT_IN_WAN_YUAN[unit]))
    spending = priors.SPENDING.get(col)
    count = None if spending is None else r.values.get(spending.count)
    if spending is None or count is None or count < 0:
        zero, scale = r.typical(col)
        return _log_amount(x, places, zero, priors.LEAST_AMOUNT, scale)
    if count == 0:  # money is spent on them, and only on them
        if x == 0:
            return math.log(spending.none_without)
        return math.log(spending.some_without) + _log_amount(x, places, 0.0, *spending.cost)
    # the total over them: their mean cost, times their number
    return _log_amount(x / count, places, spending.free, *spending.cost) - math.log(count)


def _leader(r: _Row, leader: priors.Leader, parts: tuple[str, ...]) -> float:
    first = r.values[leader.column]
    others = [r.values[c] for c in parts if c != leader.column and r.values[c] is not None]
    if first is None or not others:
        return 0.0
    return math.log(leader.first if first >= max(others) else 1 - leader.first)
