"""Rows laid out with runs of spaces, blank cells printed as nothing: values placed by where they
stand under the columns of the table's full rows (tables/positions.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from govparse_ml import parse

ROUTES = Path(__file__).resolve().parent.parent / "training_data" / "routes"

APPLICATIONS = """2020年政府信息公开工作年度报告
三、收到和处理政府信息公开申请情况
    （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）  申请人情况
    自然人                                 法人或其他组织         总计
    商业企业                                科研机构            社会公益组织  法律服务机构  其他
    一、本年新收政府信息公开申请数量                    80              93      19      21  27  23  263
    二、上年结转政府信息公开申请数量                                    2               4       2   8
    三、本年度办理结果                           （一）予以公开         1       37          1   1        40
"""


def test_short_rows_go_to_the_columns_they_stand_under() -> None:
    report = parse(APPLICATIONS)
    app = report.tables["applications"]
    cols = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org", "total")
    assert [app.cells[("carried_in", c)].value for c in cols] == [None, 2, None, 4, None, 2, 8]
    assert app.cells[("carried_in", "natural")].raw == ""  # blank, not 0
    assert [app.cells[("granted", c)].value for c in cols] == [None, 1, 37, None, 1, 1, 40]


def _route_cells(tool: str, n: int) -> float:
    with gzip.open(ROUTES / "truth.jsonl.gz", "rt") as f:
        truth = {(r["seed"], r["format"]): r["cells"] for r in map(json.loads, f)}
    right = total = 0
    with gzip.open(ROUTES / f"{tool}.jsonl.gz", "rt") as f:
        for record in map(json.loads, list(f)[:n]):
            report = parse("\n".join(record["lines"]))
            for table, row, col, value in truth[(record["seed"], record["format"])]:
                cell = report.tables[table].cells.get((row, col))
                right += cell is not None and cell.value == value
                total += 1
    return right / total


def test_inscriptis_text_of_rendered_pages() -> None:
    """inscriptis lays a page's tables out with spaces and prints blank cells as nothing (87.8 %
    of cells right when values were placed by count alone)."""
    assert _route_cells("inscriptis", 24) >= 0.95
