"""The format of a file, detected by its content (never by its name)."""

from __future__ import annotations

import io
import zipfile

from govparse_ml.io.readers import SourceFormat

_HTML_MARKS = (b"<html", b"<!doctype html", b"<table", b"<body", b"<div", b"<p>", b"<p ", b"<meta", b"<head")


def detect_format(data: bytes) -> SourceFormat:
    """The format of a file's bytes by their content: ``%PDF``, a zip holding
    ``word/document.xml``, HTML markup, else text (which the text reader may still refuse)."""
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-") or head.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if _is_docx(data) else "text"  # another archive: the text reader says what it is
    return "html" if _looks_like_html(data[:4096].lower().removeprefix(b"\xef\xbb\xbf")) else "text"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _looks_like_html(sample: bytes) -> bool:
    """Whether the start of a file (lower case, without a UTF-8 BOM) is HTML markup."""
    stripped = sample.lstrip()
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in sample:
        return True
    if stripped.startswith(b"<") and any(m in sample for m in _HTML_MARKS):
        return True
    if sample.count(b"<td") + sample.count(b"<p") + sample.count(b"<br") + sample.count(b"</div") >= 3:
        return True  # copied markup that starts with some text
    # UTF-16 markup
    return b"\x00" in sample[:200] and (b"<\x00h\x00t\x00m\x00l" in sample or b"<\x00t\x00a\x00b\x00l\x00e" in sample)
