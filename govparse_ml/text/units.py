"""Stage 2: split physical lines into logical units.

Most lines are one unit. A physical line that carries several parts of a report (a whole
report pasted on one line, a heading run together with the table after it) is cut before
every standard section heading, after the heading's title, and before and after a table,
so that each unit can get one label. Every unit keeps the number of its input line.
"""

from __future__ import annotations

import bisect
import re

import numpy as np

from govparse_ml.document import Doc, Unit
from govparse_ml.format.vocabulary import NUMERALS, SECTION_KEYS, TABLE_START, TITLE_PHRASE
from govparse_ml.text.normalize import normalize_line

# Lines shorter than this are never cut: a heading or a table row is shorter.
MIN_SPLIT_LENGTH = 60

_NUMERALS = NUMERALS
_SECTION_KEY_ALT = "|".join(map(re.escape, SECTION_KEYS))
# A standard section heading inside a long line: numbering, a few filler characters and a
# section key ("四、政府信息公开行政复议、行政诉讼情况"). Group 1 is where the title ends.
_SECTION_IN_LINE = re.compile(
    rf"(?<![{_NUMERALS}])(?:第[{_NUMERALS}]部分|[{_NUMERALS}]\s?[、.．])\s?"
    rf"[^。；;，,\d]{{0,12}}?(?:{_SECTION_KEY_ALT})(情况)?()"
    # …or with no numbering, after a sentence end, a space or the numbers of a table.
    rf"|(?<=[\d。；;！!？?\s])(?:政府信息公开(?:工作)?)?(?:{_SECTION_KEY_ALT})(情况)?(?![、,，])"
)
_TABLE_START = re.compile(TABLE_START)
# A numbered sub-heading after a sentence end, in a long prose line.
_SUBHEADING_IN_LINE = re.compile(rf"(?<=[。；;])\s*(?=[（(][{_NUMERALS}]{{1,2}}[)）])")
# Cheap test of whether a long line may need cutting at all: most are plain paragraphs.
_CUT_HINT = re.compile(rf"{_SECTION_KEY_ALT}|{_TABLE_START.pattern}|{TITLE_PHRASE}")
# A title at the very start of a long line.
_TITLE = re.compile(rf"^.{{2,50}}?{TITLE_PHRASE}")


def split_units(lines: list[str]) -> list[Unit]:
    """Units of the given physical lines (raw text); blank lines give no unit."""
    units: list[Unit] = []
    for i, raw in enumerate(lines, start=1):
        text = normalize_line(raw)
        if not text.strip():
            continue
        if len(text) < MIN_SPLIT_LENGTH or not _CUT_HINT.search(text):
            units.append(Unit(i, 0, text))
            continue
        for part, (piece, cut) in enumerate(_cut(text)):
            units.append(Unit(i, part, piece, cut))
    return units


def _cut(text: str) -> list[tuple[str, str]]:
    """Cut a long normalised line; returns ``(piece, kind of cut)``, or the line whole."""
    cuts = _heading_cuts(text)
    _add_table_starts(text, cuts)
    for at, kind in _table_ends(text, sorted(cuts)):
        cuts.setdefault(at, kind)
    if not cuts:
        return [(text, "")]  # an ordinary long line: a paragraph or a table row
    pieces = []
    prev, prev_kind = 0, ""
    for b in sorted(cuts):
        if b > prev:
            pieces.append((text[prev:b], prev_kind))
        prev, prev_kind = b, cuts[b]
    pieces.append((text[prev:], prev_kind))
    out = [cut for piece, kind in pieces for cut in _cut_subheadings(piece, kind)]
    return [(p.strip(" "), k) for p, k in out if p.strip()]


def _heading_cuts(text: str) -> dict[int, str]:
    """Cuts after the title at the line's start, before each section heading and after its title."""
    cuts: dict[int, str] = {}
    title = _TITLE.match(text)
    if title and title.end() < len(text) - 1:
        cuts[title.end()] = "title"
    for m in _SECTION_IN_LINE.finditer(text):
        if m.start() > 0:
            cuts.setdefault(m.start(), "section")
        end = m.end()
        if end < len(text) - 1 and not _looks_like_title_tail(text[end : end + 4]):
            cuts.setdefault(end, "after_heading")
    return cuts


def _add_table_starts(text: str, cuts: dict[int, str]) -> None:
    """A table inside a line that is mostly prose: a cut before it (none right by a heading cut).

    Heading cuts are looked up by bisection and table cuts come in order: linear in the number of
    cuts (scanning all cuts for each table start took 19 s on a 0.5 MB one-line report).
    """
    heading_cuts = sorted(cuts)
    last_table = 0
    for m in _TABLE_START.finditer(text):
        start = m.start()
        i = bisect.bisect_left(heading_cuts, start - 2)
        near = (i < len(heading_cuts) and heading_cuts[i] <= start + 2) or (last_table and start - last_table < 3)
        if start > 0 and not near:
            prev_cut = max(heading_cuts[i - 1] if i else 0, last_table)
            if not _TABLE_START.search(text, prev_cut, start):
                cuts[start] = "table"
                last_table = start


def _cut_subheadings(piece: str, kind: str) -> list[tuple[str, str]]:
    """A piece of a line that held several parts of a report, cut once more before numbered
    run-in sub-headings, so that its sections get their paragraphs."""
    if len(piece) < MIN_SPLIT_LENGTH or _TABLE_START.search(piece):
        return [(piece, kind)]
    out = []
    prev = 0
    for b in (m.start() for m in _SUBHEADING_IN_LINE.finditer(piece) if m.start() > 0):
        out.append((piece[prev:b], kind if prev == 0 else "sub"))
        prev = b
    out.append((piece[prev:], kind if prev == 0 else "sub"))
    return out


_DIGITS = re.compile(r"\d+")
_SENTENCE_MARK = re.compile("[。,;!?]")  # normalised: NFKC makes ，；！？ half-width


_YEAR_DIGITS = re.compile(r"(?:19|20)\d\d$")


_OPENERS = np.array([ord(c) for c in "(（[【"], dtype=np.uint32)
_CLOSERS = np.array([ord(c) for c in ")）]】"], dtype=np.uint32)


def _bracket_depths(text: str) -> list[int]:
    """The bracket depth after each character (a closer at depth 0 is ignored).

    In numpy, linear: the running sum of +1 / -1 less its lowest point so far below 0 is the
    depth of a walk that never goes below 0 (a Python loop over 200,000 characters took 30 ms)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    steps = np.isin(codes, _OPENERS).astype(np.int64) - np.isin(codes, _CLOSERS)
    walk = np.cumsum(steps)
    return (walk - np.minimum(np.minimum.accumulate(walk), 0)).tolist()


def _table_ends(text: str, cuts: list[int]) -> list[tuple[int, str]]:
    """Where a table inside a long line gives way to prose, and where the next table starts
    after that prose.

    A table ends after its last number, before text that has a sentence mark outside brackets
    (no row label or header of the standard tables has one: their commas sit in brackets, as
    in the 勾稽关系 note); a year that opens the prose (``02025年，我局…``) goes with the prose.
    """
    starts = [m.start() for m in _TABLE_START.finditer(text)]
    if not starts or not _SENTENCE_MARK.search(text, starts[0]):
        return []  # no sentence mark after the first table start: no prose can end a table
    depths = _bracket_depths(text)
    out: list[tuple[int, str]] = []
    runs = list(_DIGITS.finditer(text))
    region = _TableRegion(starts, cuts)
    for k, run in enumerate(runs):
        region.advance(run.start(), out)
        if region.inside and _prose_follows(text, depths, run, runs[k + 1].start() if k + 1 < len(runs) else len(text)):
            at = _table_end(text, run, runs[k - 1] if k else None)
            if at is not None:
                out.append((at, "after_table"))
            region.inside = False
    return out


class _TableRegion:
    """Whether a position of a long line is in a table: after a table start, before the next cut."""

    def __init__(self, starts: list[int], cuts: list[int]) -> None:
        self.starts, self.cuts = starts, cuts
        self.inside = False
        self._si = self._ci = 0

    def advance(self, pos: int, out: list[tuple[int, str]]) -> None:
        """Move to ``pos``, past the table starts and cuts before it (a table that starts after
        the prose that ended the last one is a cut of ``out``)."""
        starts, cuts = self.starts, self.cuts
        while self._si < len(starts) and starts[self._si] <= pos:
            if not self.inside and out and starts[self._si] > out[-1][0]:
                out.append((starts[self._si], "table"))
            self.inside = True
            self._si += 1
        while self._ci < len(cuts) and cuts[self._ci] <= pos:
            if not (self._si and starts[self._si - 1] >= cuts[self._ci]):
                self.inside = False  # a section heading or another cut ends the table region
            self._ci += 1


def _prose_follows(text: str, depths: list[int], run: re.Match[str], stop: int) -> bool:
    """Whether the text from the end of ``run`` to ``stop`` (the next number) is prose: long, and
    with a sentence mark outside brackets."""
    end = run.end()
    if stop - end < 10 or depths[end] or text[end] in "(（.．、":
        return False
    # The marks found by the regex, not every character looked at in Python.
    return any(not depths[m.start()] for m in _SENTENCE_MARK.finditer(text, end, stop))


def _table_end(text: str, run: re.Match[str], previous: re.Match[str] | None) -> int | None:
    """Where the table ends before the prose after ``run``: after it, or before the year that
    opens the prose; None for a year that is the whole run with nothing of the table before it."""
    end = run.end()
    year = text[end] == "年" and _YEAR_DIGITS.search(run.group())
    at = end - 4 if year else end
    if at > run.start() or not year:
        return at
    if previous is not None and previous.end() < at:
        return at  # the year alone: the table ended before it
    return None


def _looks_like_title_tail(s: str) -> bool:
    # "三、收到和处理政府信息公开申请情况" ends the title; "…情况统计表" or "…情况如下" do not.
    return bool(re.match(r"^(?:统计|如下|表|一览)", s))


def cut_units(doc: Doc) -> None:
    """The units stage: the lines cut into units; a text with nothing visible ends the parse."""
    doc.units = split_units(doc.raw_lines)
    if not doc.units:  # only spaces, control and invisible characters (zero-width, BOM, NUL)
        doc.report.warnings.append("empty input: no visible text to parse (only blank or invisible characters)")
        doc.finished = True
