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
from govparse_ml.synth.context import HEADING, TABLE, Chunks, Context
from govparse_ml.synth.generate import GeneratedReport, format_value, generate_with
from govparse_ml.synth.tables import Table


@dataclass
class RenderedReport:
    """A generated report as document blocks, with its truth."""

    truth: GeneratedReport
    blocks: list[tuple[str, str | None, list[GridCell] | None, int]]  # (kind, text, cells, n_cols)


def _grid(table: Table, raw: dict) -> tuple[list[list[str | None]], list[str]]:
    """The table's cells row by row (labels, then values; ``None`` where merged left) and row kinds."""
    grid: list[list[str | None]] = []
    for row in table.rows:
        if row.kind == "data":
            grid.append(list(row.cells) + [raw[v] if v is not None else None for v in row.values])
        else:
            grid.append(list(row.cells))
    return grid, [row.kind for row in table.rows]


class _Spans:
    """The merged cells of a grid so far: each a span [row0, col0, row1, col1, text, kind of row0],
    and which span owns each grid position."""

    def __init__(self, kinds: list[str]):
        self.kinds = kinds
        self.spans: list[list] = []
        self.owner: dict[tuple[int, int], int] = {}

    def new(self, r: int, c: int, text: str) -> None:
        self.owner[(r, c)] = len(self.spans)
        self.spans.append([r, c, r, c, text, self.kinds[r]])

    def extend_right(self, index: int, r: int, c: int) -> None:
        s = self.spans[index]
        s[3] = max(s[3], c)
        self.owner[(r, c)] = index

    def extend_down(self, r: int, c: int, cells: list) -> bool:
        """Merge an empty cell with the span above, if that span starts in this column, covers only
        empty cells of this row and is of a kind that merges down; True if merged."""
        up = self.owner.get((r - 1, c))
        if up is None:
            return False
        _r0, c0, _r1, c1, _text, kind0 = self.spans[up]
        kind = self.kinds[r]
        if c0 != c or kind == "caption" or (kind in ("header", "data") and kind0 != kind):
            return False
        if not all(k < len(cells) and cells[k] == "" and (r, k) not in self.owner for k in range(c0, c1 + 1)):
            return False
        self.spans[up][2] = r
        for k in range(c0, c1 + 1):
            self.owner[(r, k)] = up
        return True

    def place(self, r: int, c: int, text: str | None, cells: list, n_labels: int) -> None:
        """Put grid cell (r, c) in a span: merged left (``None``), down or left (an empty label
        or header cell), else a span of its own."""
        if (r, c) in self.owner:
            return
        if text is None and c > 0:
            self.extend_right(self.owner[(r, c - 1)], r, c)
            return
        if text == "" and c < n_labels:
            if self.extend_down(r, c, cells):
                return
            left = self.owner.get((r, c - 1))
            if left is not None and self.spans[left][0] == r and self.kinds[r] != "data":
                self.extend_right(left, r, c)
                return
        self.new(r, c, text or "")


def template_cells(table: Table, raw: dict) -> tuple[list[GridCell], int, int]:
    """The cells of a generated table as the official template merges them, and the grid size.

    In the generator's rows a ``None`` cell is merged with the cell on its left; an empty label or
    header cell is merged with the cell above when that cell spans exactly its columns and is a
    header (or a group label over data rows), else with the cell on its left; value slots that
    are ``None`` widen the value on their left.
    """
    grid, kinds = _grid(table, raw)
    width = max(len(r) for r in grid)
    spans = _Spans(kinds)
    for r, cells in enumerate(grid):
        cells = cells + [""] * (width - len(cells))
        n_labels = table.n_labels if kinds[r] == "data" else width
        for c, text in enumerate(cells):
            spans.place(r, c, text, cells, n_labels)
    cells_out = [GridCell(s[4], s[0], s[1], s[2] - s[0] + 1, s[3] - s[1] + 1) for s in spans.spans]
    return cells_out, len(grid), width


_TABLE_MARK = "\x00table:"


def render_blocks(seed: int, format_version: str | None = None) -> RenderedReport:
    """A generated report (``tab_rows`` prose) with its tables as template grids."""
    captured: list[Table] = []

    def capture(table: Table, ctx: Context) -> Chunks:
        captured.append(table)
        return [[(f"{_TABLE_MARK}{len(captured) - 1}", TABLE)]]

    truth = generate_with(seed, format_version=format_version, layout="tab_rows", render_table=capture)
    raw = {cell: format_value(v) for cell, v in truth.cells.items()}
    blocks: list[tuple[str, str | None, list[GridCell] | None, int]] = []
    for text, label in zip(truth.text.split("\n"), truth.labels, strict=True):
        if text.startswith(_TABLE_MARK):
            cells, _n_rows, n_cols = template_cells(captured[int(text[len(_TABLE_MARK) :])], raw)
            blocks.append(("table", None, cells, n_cols))
        elif text.strip():
            blocks.append(("heading" if label == HEADING else "paragraph", text.strip(), None, 0))
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
) -> GeneratedReport:
    """Write generated report ``seed`` as a Word file at ``path``; return its truth."""
    rendered = render_blocks(seed, format_version)
    write_docx(rendered, path, borders=borders, split_rows=split_rows)
    return rendered.truth
