"""What the cells of a real report look like, as data: the knowledge behind the prior of
realistic readings (:mod:`govparse_ml.tables.prior`), keyed by the ids of
:mod:`govparse_ml.format.schema`.

Where the identities cannot tell two readings apart (a row without a total: ``-1220`` is
-1 | 20 or -12 | 0), the likelier one is chosen under this prior. Each count is 0 with some
probability (zero is the commonest count in these tables: most agencies make no 规章, get no
request from a research body, lose no lawsuit) and otherwise log-uniform up to a typical size,
i.e. P(x) ∝ 1/x, each order of magnitude about as likely, with a Zipf tail (∝ 1/x², as the
sizes of organisations) past that size. Amounts (万元) are the same over a continuum. Some
rows are priced as a whole, their columns depending on each other (:data:`ROW_PRIORS`), and
some columns against another column of their row (:data:`CHANGES`, :data:`SPENDING`,
:data:`LEADERS`). The figures come from what the counts are, not from any sample of reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from govparse_ml.format import schema


class Typical(NamedTuple):
    """The size of a count or an amount: 0 with probability ``zero``, else up to ``scale``."""

    zero: float
    scale: float


# Sizes of what is not a column of its own: documents made (2019 ``new_made``) or issued (2021
# ``issued``) this year, and the ``stock``: those published or in force beyond this year's
# (对外公开总数量, 现行有效件数 less this year's).
MADE = "made"
STOCK = "stock"

# The typical sizes, by table, row (``*``: any) and column or size above (``*``: any).
TYPICAL: dict[tuple[str, str, str], Typical] = {
    # 规章: only governments with rule-making power (provinces, larger cities) make them, a few a
    # year; most agencies have none at all.
    ("active_disclosure", "art20_1.regulations", MADE): Typical(0.6, 5),
    ("active_disclosure", "art20_1.regulations", "repealed"): Typical(0.7, 5),
    ("active_disclosure", "art20_1.regulations", STOCK): Typical(0.5, 50),
    # 规范性文件: most agencies issue some, up to tens a year, and have up to hundreds in force.
    ("active_disclosure", "art20_1.normative_docs", MADE): Typical(0.2, 30),
    ("active_disclosure", "art20_1.normative_docs", "repealed"): Typical(0.5, 10),
    ("active_disclosure", "art20_1.normative_docs", STOCK): Typical(0.2, 300),
    # Items on an agency's list of licences, penalties, coercive measures: tens to hundreds.
    ("active_disclosure", "*", "prev_items"): Typical(0.2, 100),
    # Fee items: a handful (the central and provincial fee catalogues are short).
    ("active_disclosure", "art20_8.admin_fees", "prev_items"): Typical(0.3, 10),
    # A list changes by a few items a year, most often not at all.
    ("active_disclosure", "*", "delta"): Typical(0.5, 10),
    # Decisions (licences granted, penalties imposed): from none to tens of thousands.
    ("active_disclosure", "*", "decisions"): Typical(0.2, 10_000),
    # Central procurement: up to about a hundred projects a year.
    ("active_disclosure", "*", "projects"): Typical(0.2, 100),
    # Fees collected (万元): none for most agencies now that most fees are abolished, else up to ~10^3.
    ("active_disclosure", "*", "amount_wan_yuan"): Typical(0.3, 1_000),
    # Requests: natural persons file most of them (tens to hundreds; thousands at busy agencies);
    # companies some; research bodies, NGOs and law firms rarely.
    ("applications", "*", "natural"): Typical(0.3, 100),
    ("applications", "*", "commercial"): Typical(0.5, 20),
    ("applications", "*", "research"): Typical(0.8, 5),
    ("applications", "*", "public_interest"): Typical(0.8, 5),
    ("applications", "*", "legal_service"): Typical(0.7, 10),
    ("applications", "*", "other_org"): Typical(0.6, 10),
    # Administrative reviews and lawsuits over disclosure: a few a year at most.
    ("review_litigation", "*", "*"): Typical(0.6, 10),
}
DEFAULT_TYPICAL = Typical(0.3, 100.0)


def typical(table: str, row: str, key: str) -> Typical:
    """The size of a column (or of a size named above) in a row: the row's own, else the table's."""
    for k in ((table, row, key), (table, "*", key), (table, "*", "*")):
        if k in TYPICAL:
            return TYPICAL[k]
    return DEFAULT_TYPICAL


# A cell that is another cell of its row plus a count (the documents in force: those issued this
# year and the earlier ones) is seldom smaller than it (a report counting differently).
AT_LEAST_BASE = 0.97
BELOW_BASE = 0.03


@dataclass(frozen=True)
class PublishedDocuments:
    """A row of documents made this year, published this year, and published in all (2019):
    what is published is most often all that was made, else some of it, seldom more (earlier
    ones published this year); the total is what was published this year and the earlier ones."""

    made: str
    published: str
    total: str
    all_published: float  # published = made
    some_published: float  # fewer published than made (each number of them as likely)
    more_published: float  # more published than made

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.made, self.published, self.total)


@dataclass(frozen=True)
class DocumentsInForce:
    """A row of documents issued and repealed this year, and in force at its end (2021): in force
    is what was issued and the earlier ones, and a year's repeals are most often a small share of
    what was in force before them (density 2(1 - f) over the share f: a clean-up that repeals
    almost all is rare)."""

    issued: str
    repealed: str
    in_force: str
    least_density: float  # of the share repealed, however near all

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.issued, self.repealed, self.in_force)


RowPrior = PublishedDocuments | DocumentsInForce
# Rows priced as a whole, found by their columns.
ROW_PRIORS: tuple[RowPrior, ...] = (
    PublishedDocuments("new_made", "new_published", "total_published", 0.6, 0.35, 0.05),
    DocumentsInForce("issued", "repealed", "in_force", 0.02),
)
_ROW_PRIORS_BY_COLUMNS = {p.columns: p for p in ROW_PRIORS}


def row_prior(columns: tuple[str, ...]) -> RowPrior | None:
    """The prior of a row with these columns as a whole, if it has one."""
    return _ROW_PRIORS_BY_COLUMNS.get(columns)


@dataclass(frozen=True)
class Change:
    """A signed change of a list of items, priced against the size of the list before it."""

    base: str  # the column of the list's size last year
    up: float  # P(an increase | a change)
    below_none: float  # this year's list cannot have fewer than no items
    beyond_base: float  # a list seldom changes by more items than it had


# Every signed column of the schema, by its id: 本年增/减 of the 2019 lists (licences, penalties,
# coercive measures, fee items) against 上一年项目数量; up or down as likely.
CHANGES: dict[str, Change] = {"delta": Change("prev_items", 0.5, 0.01, 0.2)}


@dataclass(frozen=True)
class Spending:
    """An amount spent on things counted in another column of its row, and only on them (central
    procurement: its projects): the mean cost of one, times their number."""

    count: str  # the column of what the money is spent on
    cost: tuple[float, float]  # what one costs (万元), commonly: from, to
    none_without: float  # P(no money | none of them)
    some_without: float  # P(some money | none of them)
    free: float  # P(they cost nothing | some of them)


# What one centrally procured project costs (万元): from office supplies bought under the
# catalogue (~1) to a building or an IT system (~1000).
SPENDING: dict[str, Spending] = {"amount": Spending("projects", (1.0, 1000.0), 0.95, 0.05, 0.05)}
# An amount with no count to price it against: from this (万元, a hundred 元) to its typical size.
LEAST_AMOUNT = 0.01
# Amounts are priced in 万元 (schema.UNIT_IN_WAN_YUAN), and one written without a unit is in 万元.
AMOUNT_UNIT = "万元"


@dataclass(frozen=True)
class Leader:
    """A column that is rarely outnumbered by any other part of its row."""

    column: str
    first: float  # P(it is at least as large as each other part)


# Natural persons file most disclosure requests at almost every agency: in a row of the
# applications table they are rarely outnumbered by one kind of organisation.
LEADERS: dict[str, Leader] = {"applications": Leader("natural", 0.8)}


def _named_columns() -> set[str]:
    """The columns named above (and the sizes that are not a column of their own)."""
    return {
        *(key[2] for key in TYPICAL),
        *(c for p in ROW_PRIORS for c in p.columns),
        *CHANGES,
        *(c.base for c in CHANGES.values()),
        *SPENDING,
        *(s.count for s in SPENDING.values()),
        *(x.column for x in LEADERS.values()),
    }


def _unknown_ids() -> list[str]:
    """Ids above that the schema does not have (a renamed column would silently lose its prior),
    and signed columns of the schema that are no change of a list here."""
    kinds = {cell: kind for v in schema.FORMATS for cell, kind in schema.column_kinds(v).items()}
    rows = {(t, r) for t, r, _ in kinds} | {(t, "*") for t, _, _ in kinds}
    out = [f"row {t}.{r}" for t, r, _ in TYPICAL if (t, r) not in rows]
    out += [f"table {t}" for t in LEADERS if (t, "*") not in rows]
    out += [f"column {c}" for c in sorted(_named_columns() - {c for _, _, c in kinds} - {"*", MADE, STOCK})]
    signed = {c for (_, _, c), kind in kinds.items() if kind == "signed"}
    return out + [f"signed column {c} is no change of a list" for c in sorted(signed - set(CHANGES))]


if _unknown := _unknown_ids():
    raise ValueError(f"priors name what the schema does not have: {', '.join(_unknown)}")
