"""Readers of the formats reports are published in: HTML pages, Word (DOCX) files and PDFs.

Each reader turns a document into a :class:`SourceDocument`: its paragraphs and its table grids
in reading order. :meth:`SourceDocument.lines` gives the text lines the text pipeline reads: a
paragraph is a line, a table row is one line with its cells joined by a tab (blank cells kept as
empty strings, one cell per grid column). :func:`parse_file` reads any supported file, detected
by its content, and parses those lines; each :class:`~govparse_ml.document.Line` keeps its
``origin`` (``"table 2 row 5"`` or ``"paragraph 7"`` for HTML/DOCX, ``"page 3"`` for PDF).

The HTML, DOCX and PDF readers need optional extras (``pip install "govparse-ml[html]"``,
``[docx]``, ``[pdf]``); the text path needs none of them.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from govparse_ml.io import files as reader
from govparse_ml.io.files import DecodedText, InputError, decode_bytes, read_text

if TYPE_CHECKING:
    from govparse_ml.document import Report

__all__ = [
    "Grid",
    "GridCell",
    "Paragraph",
    "SourceDocument",
    "detect_format",
    "parse_document",
    "parse_file",
    "read_document",
    "read_input",
]

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


# ----------------------------------------------------------------------------- detection

_HTML_MARKS = (b"<html", b"<!doctype html", b"<table", b"<body", b"<div", b"<p>", b"<p ", b"<meta", b"<head")


def detect_format(data: bytes) -> SourceFormat:
    """The format of a file's bytes by their content: ``%PDF``, a zip holding
    ``word/document.xml``, HTML markup, else text (which the text reader may still refuse)."""
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-") or head.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        return "text"  # another archive: the text reader says what it is
    sample = data[:4096].lower()
    for bom in (b"\xef\xbb\xbf",):
        sample = sample.removeprefix(bom)
    stripped = sample.lstrip()
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in sample:
        return "html"
    if stripped.startswith(b"<") and any(m in sample for m in _HTML_MARKS):
        return "html"
    if sample.count(b"<td") + sample.count(b"<p") + sample.count(b"<br") + sample.count(b"</div") >= 3:
        return "html"  # copied markup that starts with some text
    if b"\x00" in sample[:200] and (b"<\x00h\x00t\x00m\x00l" in sample or b"<\x00t\x00a\x00b\x00l\x00e" in sample):
        return "html"  # UTF-16 markup
    return "text"


def missing_extra(extra: str, module: str, what: str) -> InputError:
    """The error a reader raises when the library of its extra is not installed."""
    return InputError(
        f"reading {what} needs the optional package {module!r}: "
        f'install it with `pip install "govparse-ml[{extra}]"` (or `pip install "govparse-ml[all]"`)'
    )


def damaged(source: str, kind: str, reason: str) -> InputError:
    """The error for a PDF or DOCX that its library cannot open, with the text reader's hint."""
    from govparse_ml.io import files as reader

    what = reader._PDF if kind == "pdf" else reader._ZIP
    how = what.how.format(**reader._shell_names(source, what.ext))
    return InputError(
        f"{source} looks like {what.name} but cannot be read ({reason}): it may be damaged; "
        f"if another program opens it, convert it to text first ({how})"
    )


def read_document(path: str | os.PathLike[str] | None = None, *, data: bytes | None = None, source: str | None = None):
    """Read an HTML, DOCX or PDF file (or its bytes) into a :class:`SourceDocument`.

    Returns None for a file that is not one of these (read it as text). Raises InputError for a
    file that cannot be read, a missing extra, or a document without text (a scanned PDF).
    """
    if data is None:
        if path is None:
            raise TypeError("read_document needs a path or data")
        data = _read_bytes(path, source or os.fspath(path))
    label = source or (os.fspath(path) if path is not None else "<bytes>")
    kind = detect_format(data)
    if kind == "html":
        from govparse_ml.io.readers import html

        return html.read_html(data, source=label)
    if kind == "docx":
        from govparse_ml.io.readers import docx

        return docx.read_docx(data, source=label)
    if kind == "pdf":
        from govparse_ml.io.readers import pdf

        return pdf.read_pdf(data, source=label)
    return None


def _read_bytes(path: str | os.PathLike[str], label: str) -> bytes:
    # a regular file of bounded size, or refused (reader.read_bytes: FIFOs, devices, huge files)
    return reader.read_bytes(path, label)


def read_input(
    path: str | os.PathLike[str] | None = None, *, data: bytes | None = None, source: str | None = None
) -> SourceDocument | DecodedText:
    """Read a file (``"-"``: standard input) or bytes as a document (HTML, DOCX, PDF, detected by
    content) or else as decoded text. Raises InputError when it can be neither."""
    if data is None:
        if path is None:
            raise TypeError("read_input needs a path or data")
        if isinstance(path, str) and path == "-":
            label = source or "<stdin>"
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:
                return read_text("-", source=label)
            try:
                data = stream.read(reader.MAX_INPUT_BYTES + 1)
            except OSError as exc:
                raise InputError(f"{label}: cannot read standard input ({exc})") from None
            if len(data) > reader.MAX_INPUT_BYTES:
                raise InputError(
                    f"{label}: more than {reader.MAX_INPUT_BYTES:,} bytes; split the input into its reports"
                )
            source = label
        else:
            source = source or os.fspath(path)
            data = _read_bytes(path, source)
    label = source or "<bytes>"
    document = read_document(data=data, source=label)
    return document if document is not None else decode_bytes(data, source=label)


def parse_document(document: SourceDocument, *, spans: SpanMode = PIPELINE_SPANS, **kwargs: Any) -> Report:
    """Parse the lines of a read document; each line keeps its origin."""
    from govparse_ml.pipeline import parse

    lines = document.lines(spans)
    report = parse("\n".join(text for text, _ in lines), **kwargs)
    for line, (_, origin) in zip(report.lines, lines, strict=False):
        line.origin = origin
    report.meta.source_format = document.source_format
    report.warnings[:0] = document.warnings
    return report


def parse_file(
    path: str | os.PathLike[str], *, data: bytes | None = None, source: str | None = None, **kwargs: Any
) -> Report:
    """Parse a report file of any supported format (text, markdown, HTML, DOCX, PDF), detected by
    its content. Keyword arguments go to :func:`govparse_ml.parse` (``model``, ``threshold``).
    Raises InputError when the file cannot be read."""
    from govparse_ml.pipeline import parse

    read = read_input(path, data=data, source=source)
    if isinstance(read, SourceDocument):
        return parse_document(read, **kwargs)
    return parse(read.text, **kwargs)
