"""Stage 5a: assemble the section tree and the report's metadata from labelled units."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from govparse_ml.document import Doc, Meta, Paragraph, Section
from govparse_ml.format.schema import SectionSpec
from govparse_ml.format.vocabulary import AGENCY_SUFFIXES, PLACE_SUFFIXES, TITLE_PHRASE, alternation
from govparse_ml.label import rules
from govparse_ml.text.units import Unit

# A paragraph goes on across a line break unless the text before it ends a sentence.
_PARAGRAPH_END = re.compile(r"[。！？!?；;：:…」』”\"）)]$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def build_sections(units: list[Unit], labels: list[str]) -> tuple[list[Section], list[int]]:
    """The section tree, and the lines of the title block before the first section."""
    tree = _TreeBuilder()
    for unit, label in zip(units, labels, strict=True):
        if label == "heading":
            tree.heading(unit)
            continue
        if not tree.stack:
            if label != "prose" and label != "table":
                continue
            tree.open(Section(title="", level=1, number=None, std_id="preamble"))  # text before the first heading
        if label == "prose":
            tree.prose(unit)
        else:
            _add_line(tree.stack, unit.line)
            if label == "table":
                tree.open_paragraph = None
    return tree.finish(), tree.title_lines


class _TreeBuilder:
    """The section tree as it grows: the open sections (a stack by level) and the open paragraph."""

    def __init__(self) -> None:
        self.roots: list[Section] = []
        self.stack: list[Section] = []
        self.title_lines: list[int] = []
        self.open_paragraph: Paragraph | None = None
        self.parts: list[str] = []  # the texts of the open paragraph's lines
        self.pieces: list[tuple[Paragraph, list[str]]] = []

    def open(self, section: Section) -> None:
        """``section`` under the innermost open section of a higher level."""
        while self.stack and self.stack[-1].level >= section.level:
            self.stack.pop()
        (self.stack[-1].children if self.stack else self.roots).append(section)
        self.stack.append(section)

    def heading(self, unit: Unit) -> None:
        self.open_paragraph = None
        section = _heading_section(unit, self.stack)
        if section is None:  # title block before the first section
            self.title_lines.append(unit.line)
            return
        self.open(section)
        _add_line(self.stack, unit.line)

    def prose(self, unit: Unit) -> None:
        text = unit.text.strip()
        runin = _run_in_heading(text, self.stack)
        if runin is not None:
            # "（一）领导重视。县商务工信局将……": a sub-section whose title runs into its text.
            runin.line = unit.line
            self.open(runin)
            self.open_paragraph = None
        _add_line(self.stack, unit.line)
        target = self.stack[-1]
        paragraph = self.open_paragraph
        if (
            paragraph is not None
            and target.paragraphs
            and target.paragraphs[-1] is paragraph
            and not _PARAGRAPH_END.search(self.parts[-1][-1:])  # (the last character, not the whole text again)
        ):
            self.parts.append(_join(self.parts[-1], text)[len(self.parts[-1]) :])
            if paragraph.lines[-1] != unit.line:  # lines come in order
                paragraph.lines.append(unit.line)
            return
        self.open_paragraph = Paragraph(text, [unit.line])
        target.paragraphs.append(self.open_paragraph)
        self.parts = [text]
        self.pieces.append((self.open_paragraph, self.parts))

    def finish(self) -> list[Section]:
        # A paragraph's text is joined once: appending line by line was quadratic in its length
        # (80,000 lines with no full stop: 5 s).
        for paragraph, texts in self.pieces:
            if len(texts) > 1:
                paragraph.text = "".join(texts)
        return self.roots


def _heading_section(unit: Unit, stack: list[Section]) -> Section | None:
    c, std, number = _heading_parts(unit.text.strip())
    if std is not None:
        num = number[1] if number else None
        return Section(_title(c, num), 1, num, std.id, unit.line)
    if number is None:
        if not stack:
            return None
        level = min(stack[-1].level + 1, 3)
        return Section(c, level, None, None, unit.line)
    level, num = number
    if level == 1 and not stack:
        # A numbered heading before any section that is not a standard one: treat as level 1.
        return Section(_title(c, num), 1, num, None, unit.line)
    if not stack:
        return Section(_title(c, num), level, num, None, unit.line)
    return Section(_title(c, num), level, num, None, unit.line)


@lru_cache(maxsize=4096)
def _heading_parts(text: str) -> tuple[str, SectionSpec | None, tuple[int, str] | None]:
    """The compact text, standard section and numbering of a heading's text.

    Cached: the headings of the format recur from report to report.
    """
    c = rules.compact(text)
    std = rules.section_of(c) if rules.is_section_heading(text) else None
    return c, std, rules.heading_number(c)


_RUN_IN_TITLE = re.compile(r"^(.{2,30}?)[。：:]")


def _run_in_heading(text: str, stack: list[Section]) -> Section | None:
    """A sub-section opened by a numbered title at the start of a paragraph, if there is one."""
    number = rules.heading_number(text)
    if number is None or number[0] == 1 or not stack:
        return None
    level, num = number
    body = text[len(num) :].lstrip() if text.startswith(num) else text
    m = _RUN_IN_TITLE.match(body)
    if not m or m.group(1).count(",") > 1:  # a title has one comma at most: more is a sentence
        return None
    parent_level = max((s.level for s in stack if s.number is None or s.level < level), default=1)
    return Section(m.group(1).strip(), max(level, parent_level + 1) if level <= parent_level else level, num)


def _title(c: str, number: str | None) -> str:
    if number and c.startswith(number):
        c = c[len(number) :]
    return c.strip("：: ")


def _add_line(stack: list[Section], line: int) -> None:
    for s in stack:
        lines = s.lines
        if not lines or lines[-1] != line:
            lines.append(line)


def _join(a: str, b: str) -> str:
    """Join two fragments of one sentence: no space between CJK, one between Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def standard_sections_found(sections: list[Section]) -> list[str]:
    return [s.std_id for s in sections if s.std_id and s.std_id != "preamble"]


def extract_meta(units: list[Unit], labels: list[str], title_lines: list[int]) -> Meta:
    """Title, agency and year from the title block, the preamble and the signature."""
    wanted = set(title_lines)
    by_line: dict[int, list[str]] = {}
    for u in units:
        if u.line in wanted:  # (only the title block's: most units are not in it)
            by_line.setdefault(u.line, []).append(u.text.strip())
    title = " ".join(" ".join(by_line[n]) for n in title_lines if n in by_line) or None
    title = re.sub(r"\s+", " ", title).strip() if title else None
    if title is None:
        # A sentence naming the report ("…公布2020年度XX局政府信息公开工作年度报告").
        for u in units[:5]:
            m = re.search(rf"((?:19|20)\d{{2}}\s*年度?[^。，,；]{{2,40}}?{TITLE_PHRASE})", u.text)
            if m:
                title = m.group(1)
                break
    year = _year(title, units)
    agency = _agency(title, units, labels)
    return Meta(title=title, agency=agency, year=year)


# The statistics period's start, in the preamble: "统计期限自2020年…", "2020年1月1日起".
_PERIOD_FROM = re.compile(r"统计期限?自\s*((?:19|20)\d{2})\s*年")
_PERIOD_START = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*[起至到始]")


def _year(title: str | None, units: list[Unit]) -> int | None:
    if title:
        m = _YEAR.search(title)
        if m:
            return int(m.group(1))
    for u in units[:40]:
        m = _PERIOD_FROM.search(u.text) or _PERIOD_START.search(u.text)
        if m:
            return int(m.group(1))
    years = Counter(int(m.group(1)) for u in units[:60] for m in _YEAR.finditer(u.text))
    return years.most_common(1)[0][0] if years else None


_AGENCY_END = re.compile(rf"(?:{alternation(AGENCY_SUFFIXES + PLACE_SUFFIXES)})$")


def _agency(title: str | None, units: list[Unit], labels: list[str]) -> str | None:
    if title:
        t = rules.compact(title)
        t = re.sub(r"(?:关于)?(?:(?:19|20)\d{2}年度?)", " ", t)
        t = re.sub(rf"{TITLE_PHRASE}.*$", "", t)
        t = re.sub(r"^(?:关于)|的?$", "", t.strip())
        parts = [p for p in t.split() if len(p) >= 2]
        # The part that ends like an agency name, else the first one.
        named = next((p for p in parts if _AGENCY_END.search(p)), None)
        if named or parts:
            return named or parts[0]
    for u, lab in zip(reversed(units[-4:]), reversed(labels[-4:]), strict=True):
        c = rules.compact(u.text)
        if lab == "other" and _AGENCY_END.search(c) and len(c) <= 30:
            return c
    return None


def assemble_sections(doc: Doc) -> None:
    """The sections stage: the section tree and the metadata (title, agency, year)."""
    doc.report.sections, doc.title_lines = build_sections(doc.units, doc.labels)
    doc.report.meta = extract_meta(doc.units, doc.labels, doc.title_lines)


def clear_caches() -> None:
    """Empty the cache of heading texts."""
    _heading_parts.cache_clear()
