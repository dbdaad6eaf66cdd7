"""A report's typography: punctuation of its numbering, headings, indents, line breaks, page numbers."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_LEADING_CN_PAREN = re.compile(r"^\(([一二三四五六七八九十]+)\)")
_LEADING_DIGIT_DOT = re.compile(r"^(\d+)\.")


@dataclass
class Style:
    """Per-report choices of punctuation and page furniture."""

    paren: str  # "full" （一） | "half" (一) | "half_space" (一) 予以公开
    dot: str  # "." or "．" after 1, 2, …
    heading: str  # "numbered" | "part" | "bare" | "spaced"
    blank_between: bool
    indent: str
    page_numbers: bool
    break_prob: float  # chance a paragraph is broken across lines mid-sentence
    wrap_width: int  # 0: broken at random places; else wrapped every wrap_width characters
    md_headings: bool


def draw_style(rng: random.Random, *, markdown: bool = False) -> Style:
    """A random style; only a ``markdown`` report may mark its headings with ``##``."""
    return Style(
        paren=rng.choice(("full", "full", "half", "half_space")),
        dot=rng.choice((".", ".", ".", "．")),
        heading=rng.choice(("numbered", "numbered", "numbered", "part", "bare", "spaced")),
        blank_between=rng.random() < 0.6,
        indent=rng.choice(("", "", "", "    ", "\u3000\u3000")),
        page_numbers=rng.random() < 0.3,
        break_prob=rng.choice((0.0, 0.15, 0.35, 0.9)),
        wrap_width=rng.choice((0, 0, 0, rng.randint(28, 45))),
        md_headings=markdown and rng.random() < 0.3,
    )


def styled(text: str, style: Style) -> str:
    """A printed label in the report's punctuation: （一） or (一), 1. or 1．"""
    if style.paren != "full":
        text = text.replace("（", "(").replace("）", ")")
        if style.paren == "half_space":
            text = _LEADING_CN_PAREN.sub(r"(\1) ", text)
    if style.dot != ".":
        text = _LEADING_DIGIT_DOT.sub(rf"\1{style.dot}", text)
    return text
