"""PDF reader: text with positions (pdfplumber) rebuilt into lines and table grids.

pdfplumber rather than PyMuPDF: on 5 LibreOffice PDFs of generated reports pdfplumber found the
tables from their ruling lines in 0.74 s a PDF (median) with every one of 1,394 cell texts as
written; PyMuPDF 2.0's ``find_tables`` took 11.2 s with 1,262 right (it puts CJK punctuation such
as ``、`` and ``.`` on lines of their own); ``scripts/formats_recovery.py --pdf-bench --n 5``.

- Tables come from the ruling lines drawn on the page; a merged cell is a cell whose box spans
  several columns or rows of the grid the boxes' edges make. The characters of a cell are joined
  line by line without line breaks.
- The rest of the page is rebuilt into lines from the words' positions: words on one baseline
  are one line, in x order; a gap wider than about two characters between two words is a cell
  boundary (a tab), which is how a table without ruling lines is read.
- A table row broken across a page break (Word's default lets rows break) is joined back: the
  first row of the table on the next page, with text only where the row above has no number,
  is the rest of the row above.
- A PDF without a text layer (a scan) is refused with a message saying to run OCR first.
"""

from __future__ import annotations

import io
import re

from govparse_ml.io.files import InputError
from govparse_ml.io.readers import Grid, GridCell, Paragraph, SourceDocument, damaged, missing_extra

try:
    import pdfplumber
    from pdfplumber.utils import extract_text as _chars_text
except ImportError:  # the [pdf] extra is not installed
    pdfplumber = None  # type: ignore[assignment]

_SPACE = re.compile(r"[ \t\u00a0]+")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")
_EDGE_TOLERANCE = 2.0  # points: cell edges this close are one grid line
_CELL_GAP = 2.0  # a gap between words wider than this many character widths starts a new cell


def read_pdf(data: bytes, *, source: str = "<bytes>") -> SourceDocument:
    """Read a PDF's bytes into lines (with page numbers) and table grids."""
    if pdfplumber is None:
        raise missing_extra("pdf", "pdfplumber", "PDF files")
    out = SourceDocument("pdf")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds: damaged, encrypted, not a PDF
        raise damaged(source, "pdf", f"{type(exc).__name__}: {exc}") from None
    chars = images = 0
    tables = 0
    with pdf:
        try:
            for page in pdf.pages:
                chars += len(page.chars)
                images += len(page.images)
                tables = _read_page(page, out, tables)
        except InputError:
            raise
        except Exception as exc:
            raise damaged(source, "pdf", f"{type(exc).__name__}: {exc}") from None
        n_pages = len(pdf.pages)
    _join_split_rows(out)
    if chars == 0:
        what = f"{n_pages} page(s) with {images} image(s) and no text" if images else f"{n_pages} page(s) and no text"
        raise InputError(
            f"{source} is a PDF without a text layer ({what}): it is probably a scan, so run OCR on it first "
            "(e.g. `ocrmypdf -l chi_sim in.pdf out.pdf`, then parse out.pdf)"
        )
    return out


def _read_page(page, out: SourceDocument, tables: int) -> int:
    origin = f"page {page.page_number}"
    found = page.find_tables()
    boxes = [t.bbox for t in found]
    blocks: list[tuple[float, object]] = []
    for table in found:
        grid = _grid(page, table, origin)
        if grid is not None:
            blocks.append((table.bbox[1], grid))

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    rest = page.filter(outside) if boxes else page
    for top, text in _lines(rest):
        blocks.append((top, text))
    blocks.sort(key=lambda b: b[0])
    for _, block in blocks:
        if isinstance(block, Grid):
            tables += 1
            block.origin = f"{origin} table {tables}"
            out.blocks.append(block)
        else:
            out.blocks.append(Paragraph(block, origin))  # type: ignore[arg-type]
    return tables


# A cell that is a count or an amount (not an item number: "2.重复" is a label).
_NUMBER = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?\s*(?:万元|元|件|条|个|项|次|笔|%)?$")


def _join_split_rows(out: SourceDocument) -> None:
    """A table row broken across a page break: its rest is the first row of the table on the next
    page, with text in the label cells and none under the previous row's numbers. That text goes
    back onto the row it belongs to (the page number and running header between them stay)."""
    blocks = out.blocks
    previous: tuple[int, Grid] | None = None
    for i, block in enumerate(blocks):
        if not isinstance(block, Grid):
            continue
        if previous is not None and _continues(blocks, previous, i):
            _append_first_row(previous[1], block)
        previous = (i, block)
    out.blocks = [b for b in blocks if not isinstance(b, Grid) or b.cells]


def _continues(blocks: list, previous: tuple[int, Grid], i: int) -> bool:
    """Whether table ``blocks[i]`` goes on the row broken at the end of the table before it."""
    j, last = previous
    grid = blocks[i]
    return _next_page_table(last, grid, blocks[j + 1 : i]) and _rest_of_last_row(last, grid)


def _next_page_table(last: Grid, grid: Grid, between: list) -> bool:
    """``grid`` is as wide as ``last``, on another page, with only a few short lines between them."""
    if grid.n_cols != last.n_cols or len(between) > 3 or any(len(b.text) > 30 for b in between):
        return False
    return last.origin.split(" table")[0] != grid.origin.split(" table")[0]  # not two tables on one page


def _rest_of_last_row(last: Grid, grid: Grid) -> bool:
    """The first row of ``grid`` has text, and none under the numbers of the last row of ``last``."""
    last_row = [c for c in last.cells if c.row + c.rowspan == last.n_rows]
    first_row = [c for c in grid.cells if c.row == 0]
    numbers = {k for c in last_row if _NUMBER.match(c.text) for k in range(c.col, c.col + c.colspan)}
    if not numbers or not any(c.text for c in first_row):
        return False
    return all(not c.text for c in first_row if numbers & set(range(c.col, c.col + c.colspan)))


def _append_first_row(last: Grid, grid: Grid) -> None:
    ends = {c.col: c for c in last.cells if c.row + c.rowspan == last.n_rows}
    kept = []
    for c in grid.cells:
        if c.row > 0:
            c.row -= 1
            kept.append(c)
        elif c.rowspan > 1:  # a cell that goes on down the page: its top part was the broken row's
            if c.col in ends:
                ends[c.col].text += c.text
                c.text = ""
            c.rowspan -= 1
            kept.append(c)
        elif c.col in ends:
            ends[c.col].text += c.text
    grid.cells = kept
    grid.n_rows -= 1


def _lines(page) -> list[tuple[float, str]]:
    """Lines rebuilt from the words' positions, with a tab where a wide gap separates words."""
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1.5, y_tolerance=3)
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= 3:
            rows[-1].append(w)
        else:
            rows.append([w])
    out: list[tuple[float, str]] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        parts: list[str] = []
        prev = None
        for w in row:
            if prev is not None:
                size = max(1.0, (prev["bottom"] - prev["top"]))
                gap = w["x0"] - prev["x1"]
                parts.append("\t" if gap > _CELL_GAP * size else (" " if gap > 0.25 * size else ""))
            parts.append(w["text"])
            prev = w
        text = _CJK_GAP.sub("", "".join(parts)).strip()
        if text:
            out.append((row[0]["top"], text))
    return out


def _edges(values: list[float]) -> list[float]:
    edges: list[float] = []
    for v in sorted(values):
        if not edges or v - edges[-1] > _EDGE_TOLERANCE:
            edges.append(v)
    return edges


def _index(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def _grid(page, table, origin: str) -> Grid | None:
    boxes = table.cells
    if not boxes:
        return None
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    cropped = page.crop(table.bbox, strict=False)
    chars = cropped.chars
    cells: list[GridCell] = []
    for x0, top, x1, bottom in boxes:
        inside = [
            c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        ]
        text = _chars_text(inside, x_tolerance=1.5, y_tolerance=3) if inside else ""
        text = _CJK_GAP.sub("", _SPACE.sub(" ", text.replace("\n", ""))).strip()
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        cells.append(GridCell(text, r0, c0, max(1, r1 - r0), max(1, c1 - c0)))
    return Grid(cells, len(ys) - 1, len(xs) - 1, origin)
