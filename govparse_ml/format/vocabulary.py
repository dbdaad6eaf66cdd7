"""The words and marks of the official format that the stages look for, as data in one place.

The tables' rows, columns and key phrases live in :mod:`govparse_ml.format.schema`; this module
holds the rest: numerals and numbering, the report title, where a table starts, agency names,
the units written after values, and the vocabulary of the tables as one word list.
"""

from __future__ import annotations

import re

from govparse_ml.format import schema

# The Chinese numerals of section and item numbering (一、 （三） 第二部分).
NUMERALS = "一二三四五六七八九十"

# The report's title: "2020年度XX局政府信息公开工作年度报告".
TITLE_PHRASE = r"政府信息公开(?:工作)?年度报告"
# Words that make a short line a title (the signature and the cover use shorter forms).
TITLE_WORDS = r"年度报告|工作报告|年报"

# Where a table starts inside a long line: the first caption or the 勾稽关系 note of the
# 2021 format's applications table.
TABLE_START = rf"第二十条第[(（]?[{NUMERALS}]|[(（]本列数据的勾稽关系|申请人情况|信息内容\s|行政复议\s*行政诉讼"

# The last word of an agency's name. The sections stage reads the agency out of a title, where a
# place (XX县, XX镇) can be the publisher; the rule labeller tells a signature line, where units
# (所, 站, 处) and companies sign too. Both lists are the format's; each use takes its own.
AGENCY_SUFFIXES = ("局", "委员会", "委", "人民政府", "政府", "办公室", "办公厅", "办", "中心", "厅", "部", "院", "署")
PLACE_SUFFIXES = ("街道办事处", "街道", "管委会", "镇", "乡", "县", "区", "市", "省")
SIGNATURE_SUFFIXES = ("所", "站", "处", "街道办事处", "管委会", "公司")


def alternation(words) -> str:
    """A regex alternation of ``words``, longest first (so that 委员会 wins over 委)."""
    return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))


# The units a report writes after a number in a cell ("12件", "3.5万元"): part of the value's text.
VALUE_UNIT = "|".join(schema.VALUE_UNITS)


def _table_vocabulary() -> list[str]:
    words: set[str] = set()
    for version in schema.FORMATS:
        for table in schema.tables(version).values():
            words.update(table.header_keys)
            for row in table.rows:
                words.update(k for k in row.keys if len(k) >= 2 and k != "总计")
                words.update(c.label for c in row.columns if len(c.label) >= 3)
    return sorted(words)


# Every key phrase of the tables' headers, rows and columns (of both formats).
TABLE_VOCABULARY = _table_vocabulary()
# Every key phrase of the standard sections' headings.
SECTION_KEYS = sorted({k for s in schema.SECTIONS for k in s.keys}, key=len, reverse=True)
