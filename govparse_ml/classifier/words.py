"""jieba tokens of short units, with the tables' and sections' vocabulary as the tokenizer's
dictionary: the word features of headings and table labels."""

from __future__ import annotations

import io
import logging
import re
import threading
from functools import lru_cache

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import NUMERALS, TABLE_VOCABULARY

# --------------------------------------------------------------------------- jieba


def dictionary_words() -> list[str]:
    """The tokenizer's dictionary: the vocabulary of the tables and of the section titles."""
    words: set[str] = {w for w in TABLE_VOCABULARY if len(w) >= 2}
    numbering = re.compile(rf"^(?:[(（][{NUMERALS}]{{1,2}}[)）]|\d{{1,2}}[.、]|[{NUMERALS}]{{1,2}}、)\s*")
    for version in schema.FORMATS:
        for table in schema.tables(version).values():
            words.update(table.header_keys)
            for row in table.rows:
                words.update(re.split(r"[\s,，、()（）/]+", numbering.sub("", row.label)))
                words.update(row.keys)
                words.update(c.label for c in row.columns)
    for s in schema.SECTIONS:
        words.update(s.keys)
        words.add(s.title)
    return sorted(w for w in words if re.fullmatch(r"[\u4e00-\u9fff]{2,16}", w))


_tokenizers: dict[tuple[str, ...], object] = {}
_tokenizer_lock = threading.Lock()


def tokenizer(words: tuple[str, ...]):
    """A jieba tokenizer whose dictionary is ``words``: built once per process."""
    tk = _tokenizers.get(words)
    if tk is None:
        with _tokenizer_lock:
            tk = _tokenizers.get(words)
            if tk is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                # A small dictionary loads in a millisecond: jieba's own 20 MB one (0.7 s) is
                # never read, and no cache file is written.
                data = "\n".join(f"{w} {1000 * len(w)}" for w in words).encode("utf-8")
                tk.FREQ, tk.total = tk.gen_pfdict(io.BytesIO(data))
                tk.initialized = True
                _tokenizers[words] = tk
    return tk


@lru_cache(maxsize=1 << 15)
def cached_tokens(tk, core: str) -> tuple[str, ...]:
    """The words of 2+ characters the jieba tokenizer ``tk`` (see :func:`tokenizer`) finds
    in ``core``, the CJK characters of a text (cached by core: table labels repeat from
    report to report, and texts that differ in their numbers only share it; the tokenizer,
    not its dictionary, is in the key: hashing a tuple of words on every call cost more than
    a cache hit)."""
    if len(core) < 2:
        return ()
    # jieba's own segmentation (prefix DAG, then the likeliest route), called directly: the
    # text is one run of CJK characters already, so cut()'s splitting and generators add
    # nothing but time (a third of the featurizer's on new text).
    route: dict[int, tuple[float, int]] = {}
    tk.calc(core, tk.get_DAG(core), route)
    out = []
    x = 0
    while x < len(core):
        y = route[x][1] + 1
        if y - x >= 2:
            out.append(core[x:y])
        x = y
    return tuple(out)


NON_CJK = re.compile(r"[^\u4e00-\u9fff]+")


@lru_cache(maxsize=8)
def word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that finds any of ``words``. Where none occurs in a text, jieba's route is
    all single characters and it finds no token: a quarter of the short texts of a report,
    each a jieba call saved for one regex search."""
    return re.compile("|".join(map(re.escape, words)) or r"(?!)")
