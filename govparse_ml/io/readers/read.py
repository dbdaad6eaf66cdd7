"""Reading any supported file (text, markdown, HTML, DOCX, PDF, or standard input) by its
detected format, and parsing what was read with each line's origin kept."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from govparse_ml.io import files
from govparse_ml.io.files import DecodedText, InputError, decode_bytes, read_bytes, read_text
from govparse_ml.io.readers import PIPELINE_SPANS, SourceDocument, SpanMode
from govparse_ml.io.readers.detect import detect_format

if TYPE_CHECKING:
    from govparse_ml.document import Report

__all__ = ["parse_document", "parse_file", "read_document", "read_input"]


def read_document(
    path: str | os.PathLike[str] | None = None, *, data: bytes | None = None, source: str | None = None
) -> SourceDocument | None:
    """Read an HTML, DOCX or PDF file (or its bytes) into a :class:`SourceDocument`.

    Returns None for a file that is not one of these (read it as text). Raises InputError for a
    file that cannot be read, a missing extra, or a document without text (a scanned PDF).
    """
    if data is None:
        if path is None:
            raise TypeError("read_document needs a path or data")
        # a regular file of bounded size, or refused (read_bytes: FIFOs, devices, huge files)
        data = read_bytes(path, source or os.fspath(path))
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


def _read_stdin(label: str) -> bytes | DecodedText:
    """The bytes of standard input (its decoded text when it has no byte stream)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return read_text("-", source=label)
    limit = files.MAX_INPUT_BYTES  # read when called: it can be changed at run time
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{label}: cannot read standard input ({exc})") from None
    if len(data) > limit:
        raise InputError(f"{label}: more than {limit:,} bytes; split the input into its reports")
    return data


def read_input(
    path: str | os.PathLike[str] | None = None, *, data: bytes | None = None, source: str | None = None
) -> SourceDocument | DecodedText:
    """Read a file (``"-"``: standard input) or bytes as a document (HTML, DOCX, PDF, detected by
    content) or else as decoded text. Raises InputError when it can be neither."""
    if data is None:
        if path is None:
            raise TypeError("read_input needs a path or data")
        if isinstance(path, str) and path == "-":
            source = source or "<stdin>"
            read = _read_stdin(source)
            if isinstance(read, DecodedText):
                return read
            data = read
        else:
            source = source or os.fspath(path)
            data = read_bytes(path, source)
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
