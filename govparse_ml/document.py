"""The document model: plain dataclasses with ``to_dict()``, JSON export and DataFrames."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from govparse_ml.format import schema

if TYPE_CHECKING:
    import pandas as pd

Label = Literal["heading", "table", "prose", "other"]
LABELS: tuple[Label, ...] = ("heading", "table", "prose", "other")
Source = Literal["model", "rule"]
CheckStatus = Literal["passed", "failed", "unverifiable"]


@dataclass(slots=True)
class Line:
    """One physical input line, with the label it got."""

    n: int  # 1-based line number in the input
    text: str  # exactly as in the input, without the line break
    label: Label | None = None  # None for a blank line
    confidence: float | None = None
    source: Source | None = None
    # Where the line came from in an HTML, DOCX or PDF file ("table 2 row 5", "paragraph 7",
    # "page 3"); None for a text input.
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.origin is None:
            del d["origin"]  # the text path's output stays as it was
        return d

    def __reduce__(self):
        # Pickled as a tuple of its fields (not a slots state): parse_many ships every Report from
        # its workers, and this halves the time of its lines there and back. (The origin only
        # when there is one: the lines of an HTML, DOCX or PDF file keep it across processes.)
        fields = (self.n, self.text, self.label, self.confidence, self.source)
        return (Line, fields if self.origin is None else (*fields, self.origin))


@dataclass
class Paragraph:
    text: str
    lines: list[int]


@dataclass
class Section:
    title: str
    level: int  # 1 for the six standard sections, 2 for （一）…, 3 for 1. …
    number: str | None = None  # the numbering as written, e.g. "一" or "（二）"
    std_id: str | None = None  # id of the standard section (schema.SECTIONS), level 1 only
    line: int | None = None  # line of the heading
    paragraphs: list[Paragraph] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # every input line inside the section

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(slots=True)
class Cell:
    table: str
    row: str
    col: str
    value: int | float | None = None
    raw: str | None = None  # the text the value was read from; None when absent
    lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "col": self.col, "value": self.value, "raw": self.raw}

    def __reduce__(self):  # see Line.__reduce__; ids interned, so the pickle holds each once
        return (
            Cell,
            (sys.intern(self.table), sys.intern(self.row), sys.intern(self.col), self.value, self.raw, self.lines),
        )


@dataclass
class Table:
    id: str
    title: str
    format_version: str | None
    cells: dict[tuple[str, str], Cell]
    found: bool = False  # whether any of the table was seen in the text
    lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cell(self, row: str, col: str) -> Cell:
        return self.cells[(row, col)]

    def value(self, row: str, col: str) -> int | float | None:
        return self.cells[(row, col)].value

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "format_version": self.format_version,
            "found": self.found,
            "lines": self.lines,
            "notes": self.notes,
            "cells": [c.to_dict() for c in self.cells.values()],
        }

    def to_frame(self, *, ids: bool = False) -> pd.DataFrame:
        """The table as a DataFrame: a row per schema row, a column per schema column.

        Counts are nullable integers (``Int64``), amounts nullable floats (``Float64``); a cell
        absent from the text, or from the schema row (行政事业性收费 has no 处理决定数量), is
        ``<NA>``. Labels are the Chinese ones of the official format, as a MultiIndex that keeps
        the groups of the printed table (rows: ``三、本年度办理结果`` › ``（三）不予公开`` ›
        ``1.属于国家秘密``; columns: ``法人或其他组织`` › ``商业企业``), padded with ``""``;
        ``ids=True`` gives the row and column ids, flat.
        """
        import pandas as pd

        if self.format_version is None:
            return pd.DataFrame()  # no format, no schema to lay the cells out by
        spec = schema.tables(self.format_version)[self.id]  # type: ignore[index]
        columns = _distinct_columns(spec)
        data = {}
        for c in columns:
            values = [self.cells[(r.id, c.id)].value if (r.id, c.id) in self.cells else None for r in spec.rows]
            data[c.id] = pd.array(values, dtype="Float64" if c.kind == "amount" else "Int64")
        frame = pd.DataFrame(data)
        if ids:
            frame.index = pd.Index([r.id for r in spec.rows], name="row")
            frame.columns = pd.Index([c.id for c in columns], name="col")
        else:
            frame.index, frame.columns = _chinese_labels(self.id, spec, columns)
        return frame


def _distinct_columns(spec: schema.TableSpec) -> list[schema.ColumnSpec]:
    """Every column of a table's rows, once each, in the order they first appear."""
    columns: list[schema.ColumnSpec] = []
    for row in spec.rows:
        for col in row.columns:
            if all(c.id != col.id for c in columns):
                columns.append(col)
    return columns


def _chinese_labels(table_id: str, spec: schema.TableSpec, columns: list[schema.ColumnSpec]):
    """The row and column indexes of a table's frame, with the groups of the printed table."""
    import pandas as pd

    rows = [(*schema.row_groups(table_id, r), schema.row_label(table_id, r)) for r in spec.rows]
    col_groups = schema.COLUMN_GROUPS.get(table_id, {})
    if not col_groups:
        return _padded_index(rows, ["组", "子组", "项目"]), pd.Index([c.label for c in columns], name="列")
    paths = [(col_groups[c.id], c.label) if c.id in col_groups else (c.label,) for c in columns]
    return _padded_index(rows, ["组", "子组", "项目"]), _padded_index(paths, ["列组", "列"])


def _padded_index(paths: list[tuple[str, ...]], names: list[str]):
    """A MultiIndex of label paths of unequal depth, padded with "" (a flat Index if all have one)."""
    import pandas as pd

    depth = max(len(p) for p in paths)
    if depth == 1:
        return pd.Index([p[0] for p in paths], name=names[-1])
    padded = [p + ("",) * (depth - len(p)) for p in paths]
    level_names = [*names[: depth - 1], names[-1]] if depth <= len(names) else None
    return pd.MultiIndex.from_tuples(padded, names=level_names)


@dataclass
class CheckResult:
    name: str
    table: str
    status: CheckStatus
    cells: list[str]  # "table.row.col" of every cell involved
    lhs: float | None = None
    rhs: float | None = None
    difference: float | None = None  # lhs - rhs
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __reduce__(self):
        # The cell names repeat from check to check: interned, the pickle holds each once (a
        # Report's checks were half its pickle: 28 of 57 kB).
        return (
            CheckResult,
            (
                sys.intern(self.name),
                sys.intern(self.table),
                self.status,
                [sys.intern(c) for c in self.cells],
                self.lhs,
                self.rhs,
                self.difference,
                self.detail,
            ),
        )


@dataclass
class Reading:
    """An ambiguous piece of text and the reading the parser chose for it."""

    table: str
    row: str  # the row id; "*" for the review table's three rows read as one run
    raw: str
    chosen: list[int | float | None]
    alternatives: int  # how many readings were possible
    reason: str
    lines: list[int] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # "table.row.col" of each chosen value, in order
    # "identities": no other reading satisfies as many identities of the format; "prior": several
    # do, and the likeliest under the prior of realistic values was chosen (review these cells).
    decided_by: str | None = None
    log_prior: float | None = None  # of the chosen reading
    # The best other readings, best first (at most 5): {"values": [...], "identities": how many
    # identities of the format hold with it, "log_prior": its log prior, "why": why it lost}.
    others: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Meta:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    format_version: str | None = None
    source_format: str = "text"  # the reader that read it: "text", "html", "docx" or "pdf"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    meta: Meta
    sections: list[Section]
    tables: dict[str, Table]
    checks: list[CheckResult]
    lines: list[Line]
    warnings: list[str] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    # Which parser, schema and model made it (see govparse_ml.provenance.describe).
    provenance: dict[str, Any] = field(default_factory=dict)

    # ----------------------------------------------------------------- access
    def cells(self) -> list[Cell]:
        """Every canonical cell of the report's format, in schema order."""
        return [c for t in self.tables.values() for c in t.cells.values()]

    def cell(self, table: str, row: str, col: str) -> Cell:
        return self.tables[table].cells[(row, col)]

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "failed"]

    def section(self, std_id: str) -> Section | None:
        for s in self.sections:
            if s.std_id == std_id:
                return s
        return None

    # ----------------------------------------------------------------- export
    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
            "tables": {k: t.to_dict() for k, t in self.tables.items()},
            "checks": [c.to_dict() for c in self.checks],
            "readings": [r.to_dict() for r in self.readings],
            "warnings": list(self.warnings),
            "lines": [ln.to_dict() for ln in self.lines],
            "provenance": dict(self.provenance),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def cells_frame(self) -> pd.DataFrame:
        """Long format: one row per canonical cell (table, row, col, value, raw)."""
        import pandas as pd

        return pd.DataFrame([c.to_dict() for c in self.cells()], columns=["table", "row", "col", "value", "raw"])

    def lines_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([ln.to_dict() for ln in self.lines], columns=["n", "text", "label", "confidence", "source"])


class Unit(NamedTuple):
    """A logical piece of one input line: the thing that gets a label.

    A named tuple rather than a dataclass: a report has hundreds and they are made on the hot path.
    """

    line: int  # 1-based input line number
    part: int  # index of the piece within its line (0 for a line that is not cut)
    text: str  # normalised text
    # Kind of cut that opened this unit: "" (whole line), "section", "title", "table", "sub".
    cut: str = ""


@dataclass
class Doc:
    """A report being parsed: what every stage of :data:`govparse_ml.pipeline.STAGES` reads and
    fills in. ``report`` is the output; the rest is the stages' work in progress."""

    text: str
    report: Report
    model: Any = "default"  # what parse() was given: "default", None or a loaded model
    threshold: float = 0.5
    raw_lines: list[str] = field(default_factory=list)  # the physical lines as in the input
    units: list[Unit] = field(default_factory=list)  # the lines cut into labelled pieces
    labels: list[str] = field(default_factory=list)  # the label of each unit
    title_lines: list[int] = field(default_factory=list)  # the lines of the title block
    finished: bool = False  # a stage found that nothing is left to do (empty input)
