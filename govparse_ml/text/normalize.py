"""Stage 1: split the input into physical lines and normalise each line's text.

The input lines are kept exactly as they were (``Line.text``); every later stage works on
the normalised copy. Normalising folds the forms the same text takes in different tools:
full-width ASCII and ideographic or no-break spaces (NFKC), ``\\r``, ``\\f`` and other
control characters, zero-width characters, markdown emphasis and heading marks.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from govparse_ml.document import Doc, Line

# Universal newlines, as Python's text files read them. A lone \r is a line break too.
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
# Zero-width characters and the BOM vanish; other control characters (but tab) become spaces.
# (a regex: str.translate with a dict took 5 µs per line, 15 times as long)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_EMPHASIS = re.compile(r"\*\*|__|~~")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
# Runs of spaces: one stays one (an OCR gap inside a word), two or more stay two (a gap
# between the cells of a PDF layout row).
_SPACE_RUN = re.compile(r"[ \u00a0\u3000]{2,}")
_ODD_SPACE = re.compile(r"[\u00a0\u3000]")


def split_lines(text: str) -> list[str]:
    """The physical lines of ``text``, split on ``\\r\\n``, ``\\n`` or ``\\r``.

    Joining them with ``\\n`` gives back the text with its line breaks unified.
    """
    return _LINE_BREAK.split(text)


@lru_cache(maxsize=16384)
def normalize_line(line: str) -> str:
    """The normalised text of one physical line (tabs kept, ends stripped of spaces)."""
    if line.isascii() and line.isprintable():
        text = line
    else:
        # Zero-width and control characters are all unprintable: a printable text has none (most lines).
        text = unicodedata.normalize("NFKC", line if line.isprintable() else _ZERO_WIDTH.sub("", line))
        if not text.isprintable():
            text = _CONTROL.sub(" ", text)
    if "*" in text or "_" in text or "~" in text:
        text = _EMPHASIS.sub("", text)
    if "#" in text:
        text = _MD_HEADING.sub("", text)
    if "  " in text or "\u00a0" in text or "\u3000" in text:
        text = _ODD_SPACE.sub(" ", _SPACE_RUN.sub("  ", text))
    return text.strip(" ")


def is_blank(line: str) -> bool:
    """A line with nothing but white space (and invisible characters) in it."""
    return not normalize_line(line).strip()


# Control characters that text never has but binary data does (tab, line breaks and form feed excepted).
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def looks_binary(text: str) -> bool:
    """Whether ``text`` looks like binary data decoded as text (many control characters)."""
    sample = text[:4096]
    return len(_BINARY_CONTROL.findall(sample)) > max(8, len(sample) // 50)


def read_lines(doc: Doc) -> None:
    """The lines stage: every input line becomes a :class:`Line` of the report (nothing of
    the input is dropped); an empty text ends the parse, binary-looking text is warned about."""
    doc.raw_lines = split_lines(doc.text)
    doc.report.lines = [Line(n, t) for n, t in enumerate(doc.raw_lines, start=1)]
    if not doc.text.strip():
        doc.report.warnings.append("empty input: no text to parse")
        doc.finished = True
    elif looks_binary(doc.text):
        doc.report.warnings.append(
            "the text looks like binary data (many control characters): is it a PDF, image or archive?"
        )


def clear_caches() -> None:
    """Empty the cache of normalised line texts."""
    normalize_line.cache_clear()
