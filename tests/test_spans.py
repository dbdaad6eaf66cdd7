"""Sub-rows that print no values of their own below a sibling that does (a rowspan flattened
by a crawler or a copy-paste of the page): merged or blank, decided by the identities."""

from __future__ import annotations

from govparse_ml import parse
from govparse_ml.format import schema

HEAD = (
    "三、收到和处理政府信息公开申请情况 （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） "
    "申请人情况 自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他 "
)
OUTCOMES = [
    r.id
    for r in schema.tables("2021")["applications"].rows
    if r.id not in ("new", "carried_in", "total_processed", "carried_out")
]
MERGED = ("other.fee_unpaid", "other.other")


def flattened_table(first_other: list[int], counted: int, sep: str = " ", blank_rows: str | None = None) -> str:
    """The 2021 applications table on one line, as a crawler writes a page whose （六） sub-rows
    merge their cells: ``first_other`` printed once after 1., nothing after 2. and 3.; the total
    row counts the merged values ``counted`` times. ``blank_rows``: instead, print 2. and 3. with
    explicit empty cells joined by this separator (tab rows)."""
    spec = schema.tables("2021")["applications"]
    values = {r: [0] * 7 for r in OUTCOMES}
    values["granted"] = [3, 1, 0, 0, 0, 0, 4]
    values["other.no_fix_overdue"] = first_other
    total = [sum(values[r][c] for r in OUTCOMES) + (counted - 1) * first_other[c] for c in range(7)]
    values.update(new=total, carried_in=[0] * 7, total_processed=total, carried_out=[0] * 7)
    parts = [HEAD]
    for row in spec.rows:
        if row.id == "denied.state_secret":
            parts.append("（三）不予公开")
        elif row.id == "unable.not_held":
            parts.append("（四）无法提供")
        elif row.id == "not_processed.petition_complaint":
            parts.append("（五）不予处理")
        elif row.id == "other.no_fix_overdue":
            parts.append("（六）其他处理")
        if row.id == "granted":
            parts.append("三、本年度办理结果")
        if row.id in MERGED:
            parts.append(row.label + (blank_rows * 7 if blank_rows else ""))
        else:
            parts.append(row.label + sep + sep.join(map(str, values[row.id])))
    return "2021年政府信息公开工作年度报告\n" + sep.join(parts) + "\n四、政府信息公开行政复议、行政诉讼情况\n"


def _cells(text: str, row: str) -> list[tuple]:
    report = parse(text, model=None)
    table = report.tables["applications"]
    return [
        (table.cells[(row, c.id)].value, table.cells[(row, c.id)].raw)
        for c in schema.tables("2021")["applications"].row(row).columns
    ], report


def test_merged_zeros_are_zero_in_each_sub_row_and_the_reading_says_so() -> None:
    text = flattened_table([0] * 7, counted=1)
    for row in MERGED:
        got, report = _cells(text, row)
        assert got == [(0, "0")] * 7
        reading = next(r for r in report.readings if r.row == row)
        assert "rowspan" in reading.reason and reading.others[0]["values"] == [None] * 7
    assert not report.failed_checks


def test_merged_number_counted_in_each_sub_row_is_read_merged() -> None:
    got, report = _cells(flattened_table([1, 0, 0, 0, 0, 0, 1], counted=3), "other.other")
    assert got == [(1, "1")] + [(0, "0")] * 5 + [(1, "1")]
    assert not report.failed_checks


def test_merged_number_counted_once_in_the_total_leaves_the_sub_rows_blank() -> None:
    got, report = _cells(flattened_table([1, 0, 0, 0, 0, 0, 1], counted=1), "other.fee_unpaid")
    assert got == [(None, "")] * 7
    reading = next(r for r in report.readings if r.row == "other.fee_unpaid")
    assert reading.chosen == [None] * 7 and "fail" in reading.reason
    assert not report.failed_checks


def test_explicit_empty_cells_stay_blank() -> None:
    got, report = _cells(flattened_table([0] * 7, counted=1, sep="\t", blank_rows="\t"), "other.fee_unpaid")
    assert got == [(None, "")] * 7
    assert not any(r.row == "other.fee_unpaid" for r in report.readings)
