"""DOCX reader: a Word file's paragraphs and tables in document order (python-docx).

Merged cells come from the file's own markup: ``w:gridSpan`` is a colspan, ``w:vMerge`` a
rowspan (a ``continue`` cell extends the cell above it); a cell's paragraphs are joined without
line breaks. Text in content controls (``w:sdt``) is read too; headers, footers and text boxes
are not part of the report's body and are skipped.
"""

from __future__ import annotations

import io
import re

from govparse_ml.io.readers import Grid, GridCell, Paragraph, SourceDocument, damaged, missing_extra

try:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph as DocxParagraph
except ImportError:  # the [docx] extra is not installed
    docx = None  # type: ignore[assignment]

_SPACE = re.compile(r"[ \t\u00a0]+")


def read_docx(data: bytes, *, source: str = "<bytes>") -> SourceDocument:
    """Read a DOCX file's bytes into paragraphs and table grids."""
    if docx is None:
        raise missing_extra("docx", "python-docx", "Word (DOCX) files")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx and lxml raise many kinds on a damaged package
        raise damaged(source, "docx", f"{type(exc).__name__}: {exc}") from None
    out = SourceDocument("docx")
    _Reader(out, document).body(document.element.body)
    return out


class _Reader:
    def __init__(self, out: SourceDocument, document) -> None:
        self.out = out
        self.document = document
        self.paragraphs = 0
        self.tables = 0

    def body(self, element) -> None:
        for child in element.iterchildren():
            if child.tag == qn("w:p"):
                text = _clean(DocxParagraph(child, self.document).text)
                if text:
                    self.paragraphs += 1
                    self.out.blocks.append(Paragraph(text, f"paragraph {self.paragraphs}"))
            elif child.tag == qn("w:tbl"):
                self.tables += 1
                grid = self.table(child, f"table {self.tables}")
                if grid.cells:
                    self.out.blocks.append(grid)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self.body(content)

    def table(self, tbl, origin: str) -> Grid:
        cells: list[GridCell] = []
        # The cell that covers each column of the previous row, for vMerge continue cells.
        above: dict[int, GridCell] = {}
        n_cols = 0
        rows = tbl.findall(qn("w:tr"))
        for r, tr in enumerate(rows):
            c = _int(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
            current: dict[int, GridCell] = {}
            for tc in tr.iterchildren(qn("w:tc"), qn("w:sdt")):
                for cell in [tc] if tc.tag == qn("w:tc") else tc.iter(qn("w:tc")):
                    pr = cell.find(qn("w:tcPr"))
                    span = _int(pr.find(qn("w:gridSpan")) if pr is not None else None, 1)
                    vmerge = pr.find(qn("w:vMerge")) if pr is not None else None
                    cont = vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue"
                    top = above.get(c)
                    if cont and top is not None and top.col == c:
                        top.rowspan = r - top.row + 1
                        grid_cell = top
                    else:
                        grid_cell = GridCell(self.cell_text(cell), r, c, 1, span)
                        cells.append(grid_cell)
                    for k in range(c, c + span):
                        current[k] = grid_cell
                    c += span
            n_cols = max(n_cols, c)
            above = current
        return Grid(cells, len(rows), n_cols, origin)

    def cell_text(self, tc) -> str:
        parts = [DocxParagraph(p, self.document).text for p in tc.iter(qn("w:p"))]
        return _clean("".join(parts))


def _int(element, default: int) -> int:
    if element is None:
        return default
    try:
        return max(1, int(element.get(qn("w:val"))))
    except (TypeError, ValueError):
        return default


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\n", "").replace("\r", "")).strip()
