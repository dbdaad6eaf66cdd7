"""Generated reports written as Word files (python-docx), tables with the official template's
merged cells, and their truth.

The report's prose and headings are those of :func:`govparse_ml.synth.generate.generate` (its
``tab_rows`` layout); the three tables are drawn as real Word tables from the generator's logical
tables: a caption over the whole width, the applications table's note over three columns and
three rows, 申请人情况 over the applicant columns, 法人或其他组织 over its five, 总计 and 自然人 down
two header rows, 三、本年度办理结果 and each outcome group down their rows, the review table's
group headings over their columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from govparse_ml.io.readers import GridCell
from govparse_ml.synth import generate as gen


@dataclass
class RenderedReport:
    """A generated report as document blocks, with its truth."""

    truth: gen.GeneratedReport
    blocks: list[tuple[str, str | None, list[GridCell] | None, int]]  # (kind, text, cells, n_cols)


def template_cells(table: gen._Table, raw: dict) -> tuple[list[GridCell], int, int]:
    """The cells of a generated table as the official template merges them, and the grid size.

    In the generator's rows a ``None`` cell is merged with the cell on its left; an empty label or
    header cell is merged with the cell above when that cell spans exactly its columns and is a
    header (or a group label over data rows), else with the cell on its left; value slots that
    are ``None`` widen the value on their left.
    """
    grid: list[list[str | None]] = []
    kinds: list[str] = []
    for row in table.rows:
        if row.kind == "data":
            cells = list(row.cells) + [raw[v] if v is not None else None for v in row.values]
        else:
            cells = list(row.cells)
        grid.append(cells)
        kinds.append(row.kind)
    width = max(len(r) for r in grid)
    spans: list[list] = []  # [row0, col0, row1, col1, text, kind of row0]
    owner: dict[tuple[int, int], int] = {}
    for r, cells in enumerate(grid):
        cells = cells + [""] * (width - len(cells))
        n_labels = table.n_labels if kinds[r] == "data" else width
        for c, text in enumerate(cells):
            if (r, c) in owner:
                continue
            if text is None and c > 0:
                _extend_right(spans, owner, owner[(r, c - 1)], r, c)
                continue
            if text == "" and c < n_labels:
                up = owner.get((r - 1, c))
                if up is not None and _can_extend_down(spans[up], kinds[r], cells, c, owner, r):
                    s = spans[up]
                    s[2] = r
                    for k in range(s[1], s[3] + 1):
                        owner[(r, k)] = up
                    continue
                left = owner.get((r, c - 1))
                if left is not None and spans[left][0] == r and kinds[r] != "data":
                    _extend_right(spans, owner, left, r, c)
                    continue
            owner[(r, c)] = len(spans)
            spans.append([r, c, r, c, text or "", kinds[r]])
    cells_out = [GridCell(s[4], s[0], s[1], s[2] - s[0] + 1, s[3] - s[1] + 1) for s in spans]
    return cells_out, len(grid), width


def _extend_right(spans: list[list], owner: dict, index: int, r: int, c: int) -> None:
    s = spans[index]
    s[3] = max(s[3], c)
    owner[(r, c)] = index


def _can_extend_down(span: list, kind: str, cells: list, c: int, owner: dict, r: int) -> bool:
    _r0, c0, _r1, c1, _text, kind0 = span
    if c0 != c:
        return False
    if kind == "header" and kind0 != "header":
        return False
    if kind == "data" and kind0 != "data":
        return False
    if kind == "caption":
        return False
    return all(k < len(cells) and cells[k] == "" and (r, k) not in owner for k in range(c0, c1 + 1))


_TABLE_MARK = "\x00table:"


def render_blocks(seed: int, format_version: str | None = None) -> RenderedReport:
    """A generated report (``tab_rows`` prose) with its tables as template grids."""
    captured: list[gen._Table] = []

    def capture(table: gen._Table, ctx: gen._Ctx) -> list[list[gen.Line]]:
        captured.append(table)
        return [[(f"{_TABLE_MARK}{len(captured) - 1}", gen.TABLE)]]

    saved = gen._RENDERERS["tab_rows"]
    gen._RENDERERS["tab_rows"] = capture
    try:
        truth = gen.generate(seed, format_version=format_version, layout="tab_rows")
    finally:
        gen._RENDERERS["tab_rows"] = saved
    raw = {cell: gen.format_value(v) for cell, v in truth.cells.items()}
    blocks: list[tuple[str, str | None, list[GridCell] | None, int]] = []
    for text, label in zip(truth.text.split("\n"), truth.labels, strict=True):
        if text.startswith(_TABLE_MARK):
            cells, _n_rows, n_cols = template_cells(captured[int(text[len(_TABLE_MARK) :])], raw)
            blocks.append(("table", None, cells, n_cols))
        elif text.strip():
            blocks.append(("heading" if label == gen.HEADING else "paragraph", text.strip(), None, 0))
    return RenderedReport(truth, blocks)


def write_docx(
    rendered: RenderedReport, path: str | os.PathLike[str], *, borders: bool = True, split_rows: bool = False
) -> None:
    """Write the blocks as a Word file: headings, paragraphs, tables with merged cells (ruled,
    or with ``borders=False`` without any line: a PDF of it has tables only by x-position). Rows
    are kept whole on a page unless ``split_rows`` (Word's default: a row may break across pages)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    for kind, text, cells, n_cols in rendered.blocks:
        if kind == "heading":
            para = document.add_paragraph()
            para.add_run(text).bold = True
        elif kind == "paragraph":
            document.add_paragraph(text)
        else:
            assert cells is not None
            n_rows = max(c.row + c.rowspan for c in cells)
            table = document.add_table(rows=n_rows, cols=n_cols)
            if borders:
                table.style = "Table Grid"
            for row in table.rows if not split_rows else ():  # a row is not broken across pages
                row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            # The cells before any merge: table.cell() rebuilds the whole grid at every call. A
            # merge only changes the cells of its own region, so the others stay valid.
            grid = table._cells
            for c in cells:
                cell = grid[c.row * n_cols + c.col]
                if c.rowspan > 1 or c.colspan > 1:
                    cell = cell.merge(grid[(c.row + c.rowspan - 1) * n_cols + c.col + c.colspan - 1])
                cell.text = c.text
    document.save(os.fspath(path))


def render_docx(
    seed: int,
    path: str | os.PathLike[str],
    format_version: str | None = None,
    *,
    borders: bool = True,
    split_rows: bool = False,
) -> gen.GeneratedReport:
    """Write generated report ``seed`` as a Word file at ``path``; return its truth."""
    rendered = render_blocks(seed, format_version)
    write_docx(rendered, path, borders=borders, split_rows=split_rows)
    return rendered.truth
