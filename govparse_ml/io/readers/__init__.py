"""Readers of the formats reports are published in: HTML pages, Word (DOCX) files and PDFs.

Each reader turns a document into a :class:`SourceDocument`: its paragraphs and its table grids
in reading order. :meth:`SourceDocument.lines` gives the text lines the text pipeline reads: a
paragraph is a line, a table row is one line with its cells joined by a tab (blank cells kept as
empty strings, one cell per grid column). :func:`parse_file` reads any supported file, detected
by its content (:mod:`~govparse_ml.io.readers.detect`), and parses those lines
(:mod:`~govparse_ml.io.readers.read`); each :class:`~govparse_ml.document.Line` keeps its
``origin`` (``"table 2 row 5"`` or ``"paragraph 7"`` for HTML/DOCX, ``"page 3"`` for PDF).

The HTML, DOCX and PDF readers need optional extras (``pip install "govparse-ml[html]"``,
``[docx]``, ``[pdf]``); the text path needs none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from govparse_ml.io.files import InputError, conversion_hint

__all__ = ["Grid", "GridCell", "Paragraph", "SourceDocument", "damaged", "missing_extra"]

SourceFormat = Literal["text", "html", "docx", "pdf"]
# How a table row is written. "expand": a merged cell's text on every grid position it covers
# (the grid as drawn: every row has n_cols cells). "first": in its top-left position only, the
# covered positions blank. "rows": repeated down the rows a rowspan covers, once in its row for
# a colspan (the covered positions left out), which is what the current table stage reads best.
SpanMode = Literal["expand", "first", "rows"]
# The mode parse_file gives the table stage.
PIPELINE_SPANS: SpanMode = "rows"


@dataclass(slots=True)
class GridCell:
    """One cell of a table as drawn: its text and the grid positions it covers."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    """A table as a grid of cells (merged cells kept as spans)."""

    cells: list[GridCell]
    n_rows: int
    n_cols: int
    origin: str  # "table 2" (HTML, DOCX) or "page 3" (PDF)

    def rows(self, spans: SpanMode = "first") -> list[list[str]]:
        """The grid's text, one list of ``n_cols`` strings per row."""
        out: list[list[str | None]] = [[""] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, min(c.row + c.rowspan, self.n_rows)):
                for k in range(c.col, min(c.col + c.colspan, self.n_cols)):
                    if spans == "expand" or (r == c.row and k == c.col):
                        out[r][k] = c.text
                    elif spans == "rows":
                        out[r][k] = c.text if k == c.col else None
        return [[t for t in row if t is not None] for row in out]


@dataclass(slots=True)
class Paragraph:
    text: str
    origin: str


@dataclass
class SourceDocument:
    """What a reader found in a file: paragraphs and tables in reading order."""

    source_format: SourceFormat
    blocks: list[Paragraph | Grid] = field(default_factory=list)
    encoding: str | None = None  # of an HTML page (or a text file)
    warnings: list[str] = field(default_factory=list)

    def lines(self, spans: SpanMode = "expand") -> list[tuple[str, str]]:
        """``(text, origin)`` of every line the pipeline reads: paragraphs, then table rows as
        tab-joined cells. No text holds a line break."""
        out: list[tuple[str, str]] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                out.append((_one_line(block.text), block.origin))
                continue
            for i, row in enumerate(block.rows(spans)):
                if not any(cell.strip() for cell in row):
                    continue  # a row with nothing in it carries nothing
                out.append(("\t".join(_one_line(c).replace("\t", " ") for c in row), f"{block.origin} row {i + 1}"))
        return out

    def tables(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]


def _one_line(text: str) -> str:
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def missing_extra(extra: str, module: str, what: str) -> InputError:
    """The error a reader raises when the library of its extra is not installed."""
    return InputError(
        f"reading {what} needs the optional package {module!r}: "
        f'install it with `pip install "govparse-ml[{extra}]"` (or `pip install "govparse-ml[all]"`)'
    )


def damaged(source: str, kind: str, reason: str) -> InputError:
    """The error for a PDF or DOCX that its library cannot open, with the text reader's hint."""
    name, how = conversion_hint(source, kind)
    return InputError(
        f"{source} looks like {name} but cannot be read ({reason}): it may be damaged; "
        f"if another program opens it, convert it to text first ({how})"
    )
