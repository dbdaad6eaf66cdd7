"""The three tables of a report as logical grids, before any layout prints them.

Tables, rows, columns and their labels all come from ``schema``; this module adds the printed
group labels and header words of the official format, and says which cells a printed row
holds (:func:`printed_cells`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from govparse_ml.format import schema
from govparse_ml.synth.style import Style, styled
from govparse_ml.synth.values import CellId, application_shape

# Header words and group labels of the official format that are not row/column labels in schema.
CONTENT_HEADER = "信息内容"
FEE_UNIT = "（单位：万元）"
FEE_UNIT_4_DECIMALS = "（单位：万元，保留4位小数）"  # the variant some reports print
APP_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
LEGAL_PERSON_HEADER = "法人或其他组织"
OUTCOME_GROUP_LABEL = "三、本年度办理结果"
# Merged group cells of the outcome rows, by row-id prefix. （六）其他处理 (2021) is the 2019 row of that id.
OUTCOME_SUBGROUP_LABELS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "not_processed": "（五）不予处理"}
REVIEW_GROUP_SEPARATOR = " · "  # schema label "行政诉讼 · 未经复议直接起诉" = group + column group


@dataclass
class Row:
    """One row of a table before layout: caption/header cells, or label cells + value slots."""

    kind: str  # "caption" | "header" | "data"
    cells: list[str | None]  # None: merged with the cell on its left; "": empty (merged from above)
    values: list[CellId | None] = field(default_factory=list)  # data rows; None = a blank slot
    row_id: str | None = None
    block: str | None = None  # active-disclosure block (caption) the row belongs to
    group_cells: tuple[int, ...] = ()  # indexes of label cells that are merged group labels


@dataclass
class Table:
    id: str
    rows: list[Row]
    n_labels: int  # label columns of a data row
    n_values: int  # value columns


def _fee_label(label: str, rng: random.Random) -> str:
    if label.endswith(FEE_UNIT) and rng.random() < 0.4:
        return label.removesuffix(FEE_UNIT) + FEE_UNIT_4_DECIMALS
    return label


def active_disclosure_table(fmt: str, style: Style, rng: random.Random) -> Table:
    """Each block under its caption and header row; the fee unit sometimes with its 4 decimals."""
    spec = schema.tables(fmt)["active_disclosure"]
    width = max(len(r.columns) for r in spec.rows)
    rows: list[Row] = []
    block = None
    for row in spec.rows:
        if row.block != block:
            block = row.block
            labels = [_fee_label(c.label, rng) for c in row.columns]
            rows.append(Row("caption", [styled(block or "", style)] + [""] * width, block=block))
            rows.append(Row("header", [CONTENT_HEADER, *labels] + [""] * (width - len(labels)), block=block))
        slots: list[CellId | None] = [(spec.id, row.id, c.id) for c in row.columns]
        rows.append(Row("data", [row.label], slots + [None] * (width - len(slots)), row.id, block))
    return Table(spec.id, rows, 1, width)


def _outcome_group(row_id: str) -> str | None:
    """The merged group label over an outcome row ((三)不予公开 …), None if the row has none."""
    prefix, dot, _ = row_id.partition(".")
    if not dot:
        return None
    if prefix in OUTCOME_SUBGROUP_LABELS:
        return OUTCOME_SUBGROUP_LABELS[prefix]
    return schema.tables("2019")["applications"].row(prefix).label


def _application_headers(fmt: str, style: Style) -> list[Row]:
    """The note over the labels, 申请人情况 over the applicant columns, 法人或其他组织 over its five."""
    shape = application_shape(fmt)
    columns = {c.id: c.label for c in schema.APPLICANT_COLUMNS}
    natural, *legal = shape.parts
    n_values = len(shape.parts) + 1
    return [
        Row("header", [styled(APP_NOTE, style), "", "", APPLICANT_HEADER] + [""] * (n_values - 1)),
        Row(
            "header",
            ["", "", "", columns[natural], LEGAL_PERSON_HEADER] + [""] * (len(legal) - 1) + [columns[shape.total_col]],
        ),
        Row("header", ["", "", "", "", *(columns[c] for c in legal), ""]),
    ]


def applications_table(fmt: str, style: Style) -> Table:
    """Three label columns: 三、本年度办理结果 and the outcome groups merged down their rows."""
    spec = schema.tables(fmt)["applications"]
    shape = application_shape(fmt)
    rows = _application_headers(fmt, style)
    in_outcomes = (*shape.outcome_rows, shape.processed_row)
    seen_groups: list[str] = []
    for row in spec.rows:
        slots: list[CellId | None] = [(spec.id, row.id, c.id) for c in row.columns]
        label = styled(row.label, style)
        if row.id not in in_outcomes:
            rows.append(Row("data", [label, None, None], slots, row.id))
            continue
        first = row.id == in_outcomes[0]
        cells: list[str | None] = [OUTCOME_GROUP_LABEL if first else ""]
        groups = (0,) if first else ()
        group = _outcome_group(row.id)
        if group is None:
            cells += [label, None]
        elif group in seen_groups:
            cells += ["", label]
        else:
            seen_groups.append(group)
            cells += [styled(group, style), label]
            groups = (*groups, 1)
        rows.append(Row("data", cells, slots, row.id, group_cells=groups))
    return Table(spec.id, rows, 3, len(shape.parts) + 1)


def review_table() -> Table:
    """Three header rows (group, sub-group or columns, columns) over one row of values."""
    spec = schema.tables("2019")["review_litigation"]
    columns = [c.label for c in schema.REVIEW_COLUMNS]
    n = len(columns)
    top: list[str | None] = []
    middle: list[str | None] = []
    bottom: list[str | None] = []
    slots: list[CellId | None] = []
    group_seen = None
    for row in spec.rows:
        group, _, sub = row.label.partition(REVIEW_GROUP_SEPARATOR)
        top += [group if group != group_seen else ""] + [""] * (n - 1)
        group_seen = group
        if sub:
            middle += [sub] + [""] * (n - 1)
            bottom += columns
        else:
            middle += columns
            bottom += [""] * n
        slots += [(spec.id, row.id, c.id) for c in row.columns]
    rows = [Row("header", top), Row("header", middle), Row("header", bottom), Row("data", [], slots)]
    return Table(spec.id, rows, 0, len(slots))


def report_tables(fmt: str, style: Style, rng: random.Random) -> dict[str, Table | None]:
    """The report's tables by id, in the order of the report (None: a table left out)."""
    return {
        "active_disclosure": active_disclosure_table(fmt, style, rng),
        "applications": applications_table(fmt, style),
        "review_litigation": review_table(),
    }


# --------------------------------------------------------------------------- printed cells


def _drop_trailing_empty(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _label_cells(cells: list[str | None], mode: str) -> list[str]:
    if mode == "grid":
        return [c or "" for c in cells]
    if mode == "compact":
        return [c for c in cells if c is not None]
    if mode == "trim":
        return [c for c in cells if c]
    joined = "".join(c for c in cells if c)
    return [joined] if joined else []


def printed_cells(row: Row, raw: dict[CellId, str], mode: str = "grid") -> tuple[list[str], int]:
    """The printed cells of a row and how many of them are labels.

    ``grid`` keeps every cell of the full grid; ``compact`` drops cells merged to the left; ``trim``
    drops every empty label cell (values shift left); ``join`` merges group and row label into one.
    Every mode but ``grid`` drops the empty cells at the end of the row.
    """
    if row.kind != "data":
        cells = [c or "" for c in row.cells]
        if mode != "grid":
            _drop_trailing_empty(cells)
        return cells, len(cells)
    labels = _label_cells(row.cells, mode)
    values = [raw[v] if v is not None else "" for v in row.values]
    if mode != "grid":
        _drop_trailing_empty(values)
    return labels + values, len(labels)
