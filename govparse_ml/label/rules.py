"""Rule-based line labels: the fallback of the classifier and its baseline.

Each unit gets a label from its own shape and vocabulary, then a second pass settles the
units that only their neighbours can explain (a lone number, a one-character label of a
vertical header, a markdown separator).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import (
    AGENCY_SUFFIXES,
    NUMERALS,
    SECTION_KEYS,
    SIGNATURE_SUFFIXES,
    TABLE_VOCABULARY,
    TITLE_WORDS,
    alternation,
)
from govparse_ml.text.units import Unit

_NUM = NUMERALS
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d+")
_FIELD_SPLIT = re.compile(r"\t|\|| {2,}")


_TABLE_WORD = re.compile(alternation(TABLE_VOCABULARY))
_SECTION_WORD = re.compile(alternation(SECTION_KEYS))

_SECTION_NUMBER = re.compile(rf"^(?:第[{_NUM}]+部分|[{_NUM}]+\s*[、.．]|[{_NUM}]+\s)\s*")
_SUB_NUMBER = re.compile(rf"^[（(]\s*[{_NUM}]{{1,3}}\s*[)）]\s*")
_ITEM_NUMBER = re.compile(r"^\d{1,2}\s*[.．、)）]\s*(?!\d)")
_ANY_NUMBER = re.compile(rf"{_SECTION_NUMBER.pattern}|{_SUB_NUMBER.pattern}|{_ITEM_NUMBER.pattern}")
_SENTENCE_END = re.compile(r"[。！？!?；;]")

_VALUE = r"(?:[-+]?\d+(?:[.,]\d+)*%?|/|-{1,2}|—{1,2}|－|无)"
_ONE_VALUE = re.compile(_VALUE)
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
_BARE_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
_PARENTHETICAL = re.compile(r"^[(（][^()（）]{1,60}[)）]$")
# The same language as (?:_VALUE[\s|]*)+, written so that a run of digits or dashes has one
# reading only: nested quantifiers over "9083441015996404310145998 x" backtracked 2^n.
_VALUE_RUN = r"(?:-*\+?\d+(?:[.,]\d+)*(?!\d)%?|/|-+(?![-+\d])|—+(?!—)|－|无)"
_VALUES_ONLY = re.compile(rf"^(?:{_VALUE_RUN}[\s|]*)+$")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~]\s*\d{1,4}\s*[-—–－~]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$"
)
_SEPARATOR = re.compile(r"^[\s|:：\-—=_*~·.+]+$")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")
_AGENCY_END = re.compile(rf"(?:{alternation(AGENCY_SUFFIXES + SIGNATURE_SUFFIXES)})$")
_TITLE_WORD = re.compile(TITLE_WORDS)
_MARKUP = re.compile(r"^(?:<[^>]{1,40}>|\[[^\]]{0,40}\]|[#>*]+|```.*)$")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class RuleLabel:
    label: str
    confidence: float
    why: str


_PAGE_LABEL = RuleLabel("other", 0.9, "page number")


@lru_cache(maxsize=8192)
def compact(text: str) -> str:
    """Text without white space, table bars and fullwidth brackets: what vocabulary matches on."""
    # str.split drops the white space a regex \s matches, several times as fast as a sub.
    return "".join(text.split()).replace("|", "")


def section_of(text: str) -> schema.SectionSpec | None:
    """The standard section a heading names, if it does."""
    m = _SECTION_WORD.search(compact(text))
    if not m:
        return None
    for s in schema.SECTIONS:
        if m.group(0) in s.keys:
            return s
    return None


def heading_number(text: str) -> tuple[int, str] | None:
    """``(level, numbering)`` of a numbered heading: 一、 → 1, （一） → 2, 1. → 3."""
    for level, pattern in ((1, _SECTION_NUMBER), (2, _SUB_NUMBER), (3, _ITEM_NUMBER)):
        m = pattern.match(text)
        if m:
            return level, m.group(0).strip()
    return None


def is_section_heading(text: str) -> bool:
    """A line that is only a standard section heading (numbered or not)."""
    c = compact(text)
    if len(c) > 40 or _SENTENCE_END.search(c[:-1] if c.endswith(("。", "：", ":")) else c):
        return False
    if (c.endswith("。") and len(c) > 30) or not section_of(c):
        return False
    number = heading_number(c)
    if number and number[0] != 1:
        return False
    if c.startswith(("无", "没有", "暂无")):
        return False  # "无其他需要报告的事项" answers the section, it does not head it
    return _heading_body(c, _SECTION_NUMBER.sub("", c, count=1))


def _heading_body(c: str, body: str) -> bool:
    """Whether ``body`` (the compact text ``c`` without its numbering) is a section key and no more."""
    key = _SECTION_WORD.search(body)
    tail = body[key.end() :].rstrip("。:：") if key else body
    head = body[: key.start()] if key else body
    if "无" in head or "没有" in head or (c.endswith("。") and head):
        return False  # "本机关无其他需要报告的事项。" is the section's answer
    if tail not in ("", "情况", "的情况", "工作情况"):
        return False  # "…情况统计如下：" introduces a table; it is a sentence, not a heading
    rest = _SECTION_WORD.sub("", body)
    return not _DIGIT.search(rest) and not _TABLE_WORD.search(rest)


# A cell that is only a number, between cell separators (tab or bar) or at a row's end.
_NUMERIC_CELL = re.compile(r"(?<=[|\t])\s*[-+]?\d+(?:\.\d+)?\s*(?=[|\t]|$)")
_GRID_ROW_LABEL = RuleLabel("table", 0.99, "row of cells with numbers")


def _grid_row(text: str) -> bool:
    """A row of cells with three numbers, or with one and a word of the tables' vocabulary."""
    numbers = len(_NUMERIC_CELL.findall(text))
    if text.count("|") >= 4 or text.count("\t") >= 3:
        return numbers >= 3 or (numbers >= 1 and bool(_TABLE_WORD.search(compact(text))))
    return numbers >= 1 and bool(_TABLE_WORD.search(compact(text)))  # "行政处罚\t7", "| 规章 | 0 |"


# A field of a row saved as CSV that is a number alone: quoted with thousands separators
# ("1,234", as csv.writer and spreadsheets write it) or bare, between commas.
_CSV_NUMBER = re.compile(r'(?:^|(?<=,))\s*(?:"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"|[-+]?\d+(?:\.\d+)?)\s*(?=,|$)')
_CSV_ROW_LABEL = RuleLabel("table", 0.95, "row of comma-separated cells")
_CSV_MAX = 200  # longer lines are paragraphs, not rows


@lru_cache(maxsize=16384)
def _csv_row(text: str) -> bool:
    """A row of a table saved as CSV: three numbers between commas, or a short label and one; a
    header row of short fields of which two name columns. No field of it ends a sentence."""
    if text.count(",") < 2 or len(text) > _CSV_MAX or "\t" in text or "|" in text:
        return False
    fields = _split_csv(text)
    if any(_SENTENCE_END.search(f) or len(f) > 40 for f in fields):
        return False
    numbers = len(_CSV_NUMBER.findall(text))
    if numbers >= 3 or (numbers >= 1 and bool(_TABLE_WORD.search(compact(fields[0])))):
        return True
    if numbers or _DIGIT.search(text) or len(fields) < 3:
        return False  # a header row has no numbers (a sentence that counts things has)
    return sum(bool(_TABLE_WORD.search(compact(f))) for f in fields) >= 2


def _split_csv(text: str) -> list[str]:
    return next(csv.reader([text]), [])


def decisive_label(unit: Unit) -> RuleLabel | None:
    """The label of a rule surer than the model (a page number, a row of cells with numbers), if it fires.

    The labelling stage asks it of every unit the model labels (see labeling.label_units), so it
    runs only this pattern, as :func:`label_one` would, not the whole rule set (a page number has
    a digit and is under 40 characters).
    """
    text = unit.text
    if len(text) > 40 and "|" not in text and "\t" not in text and ("," not in text or "。" in text):
        return None  # a line of running text: the commonest unit (a CSV row has commas and no full stop)
    return _decisive_label(text)


@lru_cache(maxsize=16384)
def _decisive_label(text: str) -> RuleLabel | None:
    # Cached: table rows and cells ("0", "| 规章 | 0 |") recur within and across reports.
    if ("|" in text or "\t" in text) and _grid_row(text):
        return _GRID_ROW_LABEL  # a row of cells, three of them numbers: no heading or sentence is that
    if "," in text and _csv_row(text):
        return _CSV_ROW_LABEL
    if len(text) > 40 or not _HAS_DIGIT.search(text):
        return None
    if _PAGE_NUMBER.match(text.strip()) or _PAGE_NUMBER.match(compact(text)):
        return _PAGE_LABEL
    return None


def label_one(unit: Unit) -> RuleLabel:
    """The label of a unit from its own text, before neighbours are looked at."""
    return _label_text(unit.text)


@lru_cache(maxsize=16384)
def _label_text(text: str) -> RuleLabel:
    # Cached: table cells ("0", "|") and boilerplate lines recur within and across reports.
    text = text.strip()
    c = compact(text)
    if not c:
        return RuleLabel("other", 0.6, "separator")  # only bars: settled by neighbours
    return _shape_label(text, c) or _table_label(text, c) or _last_label(text, c)


def _shape_label(text: str, c: str) -> RuleLabel | None:
    """Labels from the line's shape: page numbers, lone values and separators, notes, section
    headings, table captions, cells cut by bars."""
    if _PAGE_NUMBER.match(c) or _PAGE_NUMBER.match(text):
        return _PAGE_LABEL
    if _VALUES_ONLY.match(text):
        return RuleLabel("table", 0.6, "values only")  # settled by neighbours
    if _SEPARATOR.match(text):
        return RuleLabel("other", 0.6, "separator")  # settled by neighbours
    if _PARENTHETICAL.match(text) and not _SENTENCE_END.search(text) and not _TABLE_WORD.search(c):
        return RuleLabel("prose", 0.6, "parenthetical")  # a note; in a table, a wrapped label
    if is_section_heading(text):
        return RuleLabel("heading", 0.95, "section heading")
    if "勾稽关系" in c or c.startswith("第二十条第"):
        return RuleLabel("table", 0.97, "table caption")
    if "|" in text and (text.rstrip().endswith("|") or text.lstrip().startswith("|")):
        return RuleLabel("table", 0.95, "cells cut by |")
    return None


def _table_label(text: str, c: str) -> RuleLabel | None:
    """Labels of table text: rows saved as CSV, the tables' words, rows of values."""
    if "," in text and _csv_row(text):
        return _CSV_ROW_LABEL
    # (a line with no separator is one field; a sentence is told before the long search for table words)
    fields = [f for f in _FIELD_SPLIT.split(text) if f.strip()] if _has_separator(text) else [text]
    if not _prose_like(c) and _TABLE_WORD.search(c):
        words = _table_words_label(text, c, fields)
        if words is not None:
            return words
    if len(fields) >= 3 and sum(bool(_ONE_VALUE.fullmatch(f.strip())) for f in fields) >= 2:
        return RuleLabel("table", 0.85, "row of values")
    if "\t" in text and _label_then_values(fields):
        return RuleLabel("table", 0.8, "label and values")
    return None


def _has_separator(text: str) -> bool:
    """Whether _FIELD_SPLIT may cut ``text``: a tab, a bar or two spaces."""
    return "\t" in text or "|" in text or "  " in text


def _table_words_label(text: str, c: str, fields: list[str]) -> RuleLabel | None:
    """A line with the tables' words that is no sentence: short or in cells, or with many numbers."""
    if (len(c) <= 80 or len(fields) >= 3) and not _sentence_fragment(c):
        return RuleLabel("table", 0.9, "table vocabulary")
    if len(_DIGIT_RUN.findall(text)) >= 6 or len(_TABLE_WORD.findall(c)) >= 4:
        return RuleLabel("table", 0.85, "table vocabulary with many numbers")
    return None


def _last_label(text: str, c: str) -> RuleLabel:
    """Dates, markup, numbered headings and titles; prose otherwise."""
    if _DATE_LINE.match(c):
        return RuleLabel("other", 0.85, "date line")
    if _MARKUP.match(text):
        return RuleLabel("other", 0.7, "markup")
    number = heading_number(c)
    if number and _heading_shaped(c, number[1]):
        return RuleLabel("heading", 0.85, "numbered heading")
    if _TITLE_WORD.search(c) and len(c) <= 50 and not _SENTENCE_END.search(c):
        return RuleLabel("heading", 0.85, "report title")
    return RuleLabel("prose", 0.7, "default")


def _label_then_values(fields: list[str]) -> bool:
    """A tab row of a short label, then only values (``行政许可\t54``): no sentence is that."""
    if len(fields) < 2 or not all(_ONE_VALUE.fullmatch(f.strip()) for f in fields[1:]):
        return False
    label = compact(fields[0])
    return 2 <= len(label) <= 30 and not _SENTENCE_END.search(label) and not _ONE_VALUE.fullmatch(fields[0].strip())


def _sentence_fragment(c: str) -> bool:
    """A piece of a sentence broken across lines: a comma outside brackets, not between digits.

    Row labels and headers of the tables have commas only inside their bracketed notes.
    """
    return bool(_BARE_COMMA.search(_BRACKETED.sub("", c)))


def _prose_like(c: str) -> bool:
    # A sentence: it has a full stop, or it is long with commas and few numbers.
    if "。" in c or ";" in c or "；" in c:
        return True
    return len(c) > 40 and c.count("，") + c.count(",") >= 2 and len(_DIGIT_RUN.findall(c)) < 6


def _heading_shaped(c: str, number: str) -> bool:
    body = c[len(number) :] if c.startswith(number) else c
    if not body or len(body) > 36 or len(_DIGIT_RUN.findall(body)) >= 3:
        return False
    if _SENTENCE_END.search(body[:-1]):
        return False
    return not body.endswith(("。", "；", ";")) or len(body) <= 12


def label_units(units: list[Unit]) -> list[RuleLabel]:
    """Rule labels of a document's units, neighbours included."""
    labels = [label_one(u) for u in units]
    _settle_fragment_runs(units, labels)
    _settle_lone_rows(units, labels)
    _settle_values_and_separators(units, labels)
    _settle_title_block(units, labels)
    _settle_signature(units, labels)
    return labels


_SKIPPED = ("values only", "separator", "page number")  # what the neighbour passes look past


def _settle_values_and_separators(units: list[Unit], labels: list[RuleLabel]) -> None:
    """Lone values and separators are table text next to a table (values: or when long).

    What _neighbour would say, in one pass each way (calling it for every unit of a run of
    separators was quadratic: 20,000 lines of "|" took 29 s): the right neighbour from the
    labels as they are, the left one from the labels as this loop settles them.
    """
    n = len(units)
    right: list[str | None] = [None] * n
    for i in range(n - 2, -1, -1):
        nxt = labels[i + 1]
        right[i] = nxt.label if nxt.why not in _SKIPPED else "table" if nxt.why == "values only" else right[i + 1]
    left: str | None = None
    for i, (unit, lab) in enumerate(zip(units, labels, strict=True)):
        if lab.why in ("values only", "separator"):
            labels[i] = _settled(unit, lab, left == "table" or right[i] == "table")
        settled = labels[i]
        if settled.why not in _SKIPPED:
            left = settled.label
        elif settled.why == "values only":
            left = "table"


def _settled(unit: Unit, lab: RuleLabel, in_table: bool) -> RuleLabel:
    if lab.why != "values only":
        return RuleLabel("table", 0.8, "separator in a table") if in_table else lab
    if in_table or (_VALUES_ONLY.match(unit.text) and len(compact(unit.text)) > 4):
        return RuleLabel("table", 0.8, "values in a table")
    return RuleLabel("other", 0.6, "stray number")


def _settle_title_block(units: list[Unit], labels: list[RuleLabel]) -> None:
    """Short unpunctuated lines before the first heading are part of the title."""
    first_heading = next((i for i, lab in enumerate(labels) if lab.label == "heading"), len(units))
    for i in range(min(first_heading, 4)):
        c = compact(units[i].text)
        if labels[i].label == "prose" and len(c) <= 40 and not _SENTENCE_END.search(c) and "," not in c:
            labels[i] = RuleLabel("heading", 0.7, "title block")


def _settle_signature(units: list[Unit], labels: list[RuleLabel]) -> None:
    """The signature after the last section's text: short agency names."""
    n = len(units)
    for i in range(n - 1, max(n - 4, -1), -1):
        c = compact(units[i].text)
        if labels[i].label == "prose" and len(c) <= 30 and _AGENCY_END.search(c) and not _SENTENCE_END.search(c):
            labels[i] = RuleLabel("other", 0.7, "signature")


def _settle_lone_rows(units: list[Unit], labels: list[RuleLabel]) -> None:
    """Settle units whose own text is not enough.

    A line with table words but no cells, between two prose lines, is a broken piece of a
    sentence ("…信息公开行政复议3件"); a line of several short cells with wide gaps next to a
    table is a header row whose words were wrapped ("信息    本年制    本年废").
    """
    # The neighbours are asked first: they are a look at the labels next door, the fields a split
    # of the text (most prose is next to prose, most table words next to table text).
    for i, lab in enumerate(labels):
        if lab.why == "table vocabulary":
            if _neighbour(labels, i, -1) == _neighbour(labels, i, +1) == "prose" and len(_fields(units[i].text)) < 2:
                labels[i] = RuleLabel("prose", 0.6, "table words inside prose")
        elif (
            lab.label == "prose"
            and "table" in (_neighbour(labels, i, -1), _neighbour(labels, i, +1))
            and _header_row(units[i].text)
        ):
            labels[i] = RuleLabel("table", 0.7, "wrapped header row")


def _fields(text: str) -> list[str]:
    return [f for f in _FIELD_SPLIT.split(text.strip()) if f.strip()]


def _header_row(text: str) -> bool:
    fields = _fields(text)
    return len(fields) >= 3 and all(len(f) <= 8 and not _SENTENCE_END.search(f) for f in fields)


def _settle_fragment_runs(units: list[Unit], labels: list[RuleLabel]) -> None:
    """Runs of short prose-looking fragments between table units are table text.

    They are header cells wrapped over lines (商业 / 企业), vertical labels (三 / 、 / 本), or
    a long row label wrapped inside its cell, as a PDF extractor writes a box's lines
    (2.申请人逾期未按收费通知要求缴纳费用、 / 行政机关不再处理其政府信息公开申请).
    """
    i, n = 0, len(units)
    while i < n:
        if labels[i].label == "prose" and _fragment(units[i].text, labels[i]):
            j = i
            while j < n and labels[j].label in ("prose", "heading") and _fragment(units[j].text, labels[j]):
                j += 1
            before = _neighbour(labels, i, -1)
            after = _neighbour(labels, j - 1, +1)
            if before == "table" and after == "table":
                for k in range(i, j):
                    labels[k] = RuleLabel("table", 0.7, "fragment inside a table")
            i = j
        else:
            i += 1


def _fragment(text: str, label: RuleLabel) -> bool:
    return label.why == "parenthetical" or _short_fragment(text)


def _short_fragment(text: str) -> bool:
    """No sentence: at most a wrapped row label's line (20 characters), no sentence end."""
    c = compact(text)
    return 0 < len(c) <= 20 and not _SENTENCE_END.search(c)


def _neighbour(labels: list[RuleLabel], i: int, step: int) -> str | None:
    j = i + step
    while 0 <= j < len(labels):
        lab = labels[j]
        if lab.why not in ("values only", "separator", "page number"):
            return lab.label
        if lab.why == "values only":
            return "table"
        j += step
    return None


def clear_caches() -> None:
    """Empty the caches of rule labels and compact texts."""
    for cached in (compact, _label_text, _csv_row, _decisive_label):
        cached.cache_clear()
