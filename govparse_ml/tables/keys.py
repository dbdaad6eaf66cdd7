"""The schema's key phrases in label text: which table and row a label names, and which format
version a table's words point to."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from govparse_ml.format import schema
from govparse_ml.tables.layouts import CELL_SPLIT

_ITEM_MARK = re.compile(r"(?<=\d)、")


@dataclass(frozen=True)
class Hit:
    table: str
    kind: str  # "row" | "header"
    id: str  # row id, or the header key


@cache
def _key_index(version: schema.FormatVersion) -> tuple[re.Pattern[str], dict[str, list[tuple[str, str, str]]]]:
    index: dict[str, list[tuple[str, str, str]]] = {}
    for table in schema.tables(version).values():
        for row in table.rows:
            for key in row.keys:
                index.setdefault(compact(key), []).append((table.id, "row", row.id))
        for key in table.header_keys:
            index.setdefault(compact(key), []).append((table.id, "header", key))
    keys = sorted(index, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys))), index


def compact(text: str) -> str:
    """Label text as keys match it: no spaces or bars, half-width brackets, ``3、`` as ``3.``."""
    text = text.replace("（", "(").replace("）", ")").replace("．", ".")
    # str.split drops the same white space as a regex \s, 10 times as fast on a whole table's text.
    text = "".join(text.split()).replace("|", "").replace("#", "")
    return _ITEM_MARK.sub(".", text) if "、" in text else text


def find_hits(label_text: str, version: schema.FormatVersion) -> list[Hit]:
    """The schema keys named in a run of label text, in order."""
    return list(hits_of(label_text, version))


@lru_cache(maxsize=8192)
def hits_of(label_text: str, version: schema.FormatVersion) -> tuple[Hit, ...]:
    """:func:`find_hits` as a tuple, cached: the same labels recur in every report of a format."""
    pattern, index = _key_index(version)
    return tuple(
        Hit(table, kind, ident)
        for m in pattern.finditer(compact(label_text))
        for table, kind, ident in index[m.group(0)]
    )


def detect_format(table_text: str) -> schema.FormatVersion | None:
    """The format version the table vocabulary points to, or None if it points nowhere."""
    compacted = compact(table_text)
    # Only if the words as they stand do not tell: join header cells wrapped over two lines.
    return _format_of(compacted) or _format_of(compacted + compact(_unwrap_headers(table_text)))


@cache
def _markers(version: schema.FormatVersion) -> tuple[tuple[str, int], ...]:
    """The format's marker words, compacted as the text is, with their weights."""
    return tuple((compact(key), w) for key, w in schema.FORMAT_MARKERS[version])


def _format_of(compact_text: str) -> schema.FormatVersion | None:
    scores = {v: sum(w for key, w in _markers(v) if key in compact_text) for v in schema.FORMATS}
    best = max(scores, key=lambda v: scores[v])
    if scores[best] == 0 or scores["2019"] == scores["2021"]:
        return None
    return best


def _unwrap_headers(table_text: str) -> str:
    """Header cells wrapped over two lines of a layout row, joined cell by cell.

    ``信息  本年制  本年废`` over ``内容  发件数  止件数`` gives ``信息内容 本年制发件数 本年废止件数``.
    """
    rows = [[f.strip() for f in CELL_SPLIT.split(line) if f.strip()] for line in table_text.split("\n")]
    out = []
    for top, bottom in itertools.pairwise(rows):
        if len(top) == len(bottom) >= 2 and not any(ch.isdigit() for f in top + bottom for ch in f):
            out.append(" ".join(a + b for a, b in zip(top, bottom, strict=True)))
    return "\n".join(out)
