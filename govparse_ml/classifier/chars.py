"""Per-code-point tables of the features: character classes, punctuation groups, the folding
the n-grams see (every digit 0), and the numbering patterns at the start of a unit as bit masks,
so that a document's characters are classified in a few numpy operations."""

from __future__ import annotations

import re

import numpy as np

from govparse_ml.format.vocabulary import NUMERALS

# --------------------------------------------------------------------------- characters

# Character classes (exclusive), one per code point.
OTHER, CJK, DIGIT, LATIN, SPACE, TAB, BAR, CJK_PUNCT, ASCII_PUNCT, SEP = range(10)
N_CLASSES = 10
CLASS_NAMES = ("other", "cjk", "digit", "latin", "space", "tab", "bar", "cjk_punct", "ascii_punct", "sep")
LUT_SIZE = 0x10000
ASTRAL = 0x3400  # code points beyond the BMP are read as this (rare) CJK character
_SEP = ord("\n")
# The per-code-point tables have LUT_SIZE + 1 entries: code points are clipped to LUT_SIZE
# (one operation), and that last entry is ASTRAL's.


def _with_astral(lut: np.ndarray) -> np.ndarray:
    return np.concatenate((lut, lut[ASTRAL : ASTRAL + 1]))


def _class_table() -> np.ndarray:
    lut = np.zeros(LUT_SIZE, dtype=np.uint8)
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        lut[lo : hi + 1] = CJK
    for lo, hi in ((0x3000, 0x303F), (0xFF00, 0xFF0F), (0xFF1A, 0xFF20), (0x2010, 0x206F), (0xFE30, 0xFE4F)):
        lut[lo : hi + 1] = CJK_PUNCT
    for cp in range(0x21, 0x7F):
        lut[cp] = ASCII_PUNCT
    lut[ord("0") : ord("9") + 1] = DIGIT
    lut[ord("A") : ord("Z") + 1] = LATIN
    lut[ord("a") : ord("z") + 1] = LATIN
    for ch in " \u00a0\u3000":
        lut[ord(ch)] = SPACE
    lut[ord("\t")] = TAB
    lut[ord("|")] = BAR
    lut[_SEP] = SEP
    return _with_astral(lut)


# Punctuation profile: groups of characters counted per unit.
PUNCT_GROUPS: tuple[str, ...] = (
    "。",
    "，,",
    "、",
    "；;",
    "：:",
    "？?！!",
    "（([【〔",
    "）)]】〕",
    "《》",
    "“”\"‘’「」'",
    "%",
    "/",
    "-—–－―~",
    "…",
    ".·",
    "#*>=_`",
    "+",
    NUMERALS,
    "年月日",
    "第",
    "件条项个次",
    "无",
    "页共",
    "是",
)
N_PUNCT = len(PUNCT_GROUPS) + 1  # group 0: none of them
PUNCT_GROUP_OF = {chars: g for g, chars in enumerate(PUNCT_GROUPS, start=1)}


def _punct_table() -> np.ndarray:
    lut = np.zeros(LUT_SIZE, dtype=np.uint8)
    for g, chars in enumerate(PUNCT_GROUPS, start=1):
        for ch in chars:
            lut[ord(ch)] = g
    return _with_astral(lut)


def _fold_table() -> np.ndarray:
    """Code points as the n-grams see them: every digit is 0, every kind of space one space."""
    lut = np.arange(LUT_SIZE, dtype=np.uint16)
    lut[ord("1") : ord("9") + 1] = ord("0")
    lut[0] = 1  # a NUL must not look like "no character"
    lut[0x3000] = lut[0xA0] = ord(" ")
    return _with_astral(lut)


CLASS_OF = _class_table()
PUNCT_OF = _punct_table()
FOLD_OF = _fold_table()
ENDS_BLANKS = ~np.isin(np.arange(N_CLASSES), (SPACE, TAB, BAR))  # classes that end leading blanks
NUMERALS_SET = NUMERALS  # the numerals of section numbering

# Flags about the start of a unit (after leading spaces, tabs and bars) and its make-up.
START_NAMES = (
    "num_section",  # 一、 十一、
    "num_part",  # 第一部分
    "num_sub",  # （一）
    "num_item",  # 1. 1、 12)
    "num_paren_digit",  # (1)
    "num_circled",  # ①
    "num_shi",  # 一是
    "art20",  # 第二十条
    "note",  # （本列数据…
    "attachment",  # 附件 附表
    "none_answer",  # 无… 没有… 暂无…
    "markup",  # < [ # > * `
    "leading_blank",  # starts with a space, tab or bar
    "date_line",  # only a date: 2021年12月31日
    "page_like",  # only a page number: 3, - 3 -, 第3页 共9页
    "values_only",  # numbers (or / - 无) and separators only
    "separator_only",  # punctuation and separators only
    "no_cjk",
)

# The numbering patterns, the first start flags: each a choice of alternatives, each saying
# what the 1st, 2nd… character after the leading blanks must be (one of a string's
# characters; "^…": none of them; "": anything). Past the unit's end, a character is "\n".
_DIGITS, _OPEN, _CLOSE = "0123456789", "(（[【〔", ")）]】〕"
START_PATTERNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "num_section": ((NUMERALS_SET, "、.．"), (NUMERALS_SET, NUMERALS_SET, "、.．")),
    "num_part": (("第", NUMERALS_SET, "部章节"), ("第", NUMERALS_SET, "", "部")),
    "num_sub": ((_OPEN, NUMERALS_SET, _CLOSE), (_OPEN, NUMERALS_SET, NUMERALS_SET, _CLOSE)),
    "num_item": ((_DIGITS, ".．、)）", "^" + _DIGITS), (_DIGITS, _DIGITS, ".．、)）", "^" + _DIGITS)),
    "num_paren_digit": ((_OPEN, _DIGITS, _CLOSE), (_OPEN, _DIGITS, _DIGITS, _CLOSE)),
    "num_circled": (("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳",),),
    "num_shi": ((NUMERALS_SET, "是"),),
    "art20": (("第", "二", "十", "条"),),
    "note": ((_OPEN, "本", "列"), ("本", "列")),
    "attachment": (("附", "件表"),),
    "none_answer": (("无",), ("没", "有"), ("暂", "无")),
    "markup": (("<[#>*`",),),
}
AHEAD = 4  # characters the patterns look at
AHEAD_STEPS = np.arange(AHEAD)


def _start_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The patterns as bit masks, so that all of them are matched with a few operations.

    Returns ``table`` (``AHEAD × code points``, uint16: at position k, one bit for each
    character set of :data:`START_PATTERNS` that needs it at position k), ``masks`` (one
    uint64 per alternative: the four 16-bit fields of the positions' required bits) and the
    index of the first alternative of every pattern. A unit's four characters read in the
    table give four uint16, one uint64 word: an alternative matches when ``word & mask ==
    mask`` (the same memory layout on both sides, so the byte order does not matter).
    """
    table = np.zeros((AHEAD, LUT_SIZE), dtype=np.uint16)
    bits: dict[tuple[int, str], int] = {}
    masks, first = [], []
    for alternatives in START_PATTERNS.values():
        first.append(len(masks))
        for alternative in alternatives:
            mask = np.zeros(AHEAD, dtype=np.uint16)
            for k, chars in enumerate(alternative):
                if not chars:
                    continue
                if (k, chars) not in bits:
                    bit = 1 << sum(pos == k for pos, _ in bits)
                    assert bit < 1 << 16, "more than 16 character sets at one position"
                    bits[k, chars] = bit
                    if chars.startswith("^"):
                        table[k] |= bit
                        table[k, [ord(c) for c in chars[1:]]] &= np.uint16(~bit & 0xFFFF)
                    else:
                        table[k, [ord(c) for c in chars]] |= bit
                mask[k] |= bits[k, chars]
            masks.append(mask)
    table = np.concatenate((table, table[:, ASTRAL : ASTRAL + 1]), axis=1)
    return table, np.array(masks).view(np.uint64)[:, 0], np.array(first)


START_TABLE, START_MASKS, START_FIRST = _start_tables()
# Flat index of code point c at position k: c + START_ROW[k].
START_ROW = np.arange(AHEAD) * (LUT_SIZE + 1)
assert tuple(START_PATTERNS) == START_NAMES[: len(START_PATTERNS)]

_NONZERO_DIGIT = re.compile("[1-9]")


def text_key(text: str) -> str:
    """``text`` with its digits 1-9 read as 0, as every text feature reads them: texts with the
    same key have the same :meth:`FeatureSpace.text_parts`, so a scorer may cache them by key.
    (Table rows differ from report to report in their numbers: about half the texts of a new
    report share their key with a text seen before.)"""
    return _NONZERO_DIGIT.sub("0", text)


# What text_key relies on: no per-code-point table tells a digit 1-9 from 0.
assert all(
    CLASS_OF[c] == CLASS_OF[ord("0")]
    and PUNCT_OF[c] == PUNCT_OF[ord("0")]
    and FOLD_OF[c] == ord("0")
    and (START_TABLE[:, c] == START_TABLE[:, ord("0")]).all()
    for c in range(ord("1"), ord("9") + 1)
), "text_key: a feature tells the digits apart"
