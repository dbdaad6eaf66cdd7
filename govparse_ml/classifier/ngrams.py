"""Character n-grams of the features: their integer codes, the slots of a unit's head and tail,
the vocabulary kept, and the hash table they are looked up in."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import numpy as np

# --------------------------------------------------------------------------- n-gram table

_MULT = np.uint64(0x9E3779B97F4A7C15)
TAIL_SALT = np.int64(0x2545F4914F6CDD1D)  # tail n-gram codes are xor-ed with this in the shared table


class CodeTable:
    """A read-only hash table from n-gram codes to their index in a vocabulary, looked up in
    numpy: linear probing, a few vectorised probes for all the n-grams of a document."""

    def __init__(self, vocab: np.ndarray) -> None:
        bits = max(int(np.ceil(np.log2(max(vocab.size, 1) * 8))), 4)  # load factor <= 1/8
        self.shift = np.uint64(64 - bits)
        home = self._home(vocab)
        # Insert in order of home slot: each key goes to the first free slot at or after its
        # home, i.e. pos_i = max(home_i, pos_(i-1) + 1), a running maximum. No wrap-around:
        # the table has room past the last home slot.
        order = np.argsort(home, kind="stable")
        h = home[order]
        steps = np.arange(h.size)
        pos = np.maximum.accumulate(h - steps) + steps if h.size else h
        self.max_probe = int((pos - h).max()) if h.size else 0
        size = (1 << bits) + self.max_probe + 1
        self.keys = np.full(size, -1, dtype=np.int64)
        self.values = np.full(size, -1, dtype=np.int64)
        self.keys[pos] = vocab[order]
        self.values[pos] = order

    def _home(self, codes: np.ndarray) -> np.ndarray:
        return ((codes.astype(np.uint64) * _MULT) >> self.shift).astype(np.int64)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Index of each code in the vocabulary, -1 where it is not in it."""
        out = np.full(codes.size, -1, dtype=np.int64)
        if not codes.size:
            return out
        slot = self._home(codes)
        for _ in range(self.max_probe + 1):
            hit = self.keys[slot] == codes
            out[hit] = self.values[slot[hit]]
            slot += 1
        return out


@lru_cache(maxsize=8)
def ngram_slots(k_max: int, head_chars: int, tail_chars: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n-gram slots of a unit, for :meth:`FeatureSpace._ngram_windows`: where each slot's
    n-gram starts (as a flat index into the ``positions × k_max`` codes, relative to ``k_max``
    times the unit's start mark for the head slots, to ``k_max`` times its last character for
    the tail slots) and the unit length it needs.

    Head slots: the k-grams starting at the first ``head_chars`` positions of the unit (its
    start mark first). Tail slots: those whose last position is among the last ``tail_chars``
    characters and the end mark. A 1-gram is never a mark; a longer one spans a mark only at
    its ends.
    """
    head_at, need_head, tail_at, need_tail = [], [], [], []
    never = np.iinfo(np.int64).max
    for k in range(1, k_max + 1):
        for j in range(head_chars):  # starts at the unit's position j (0: its start mark)
            head_at.append(k_max * j + k - 1)
            need_head.append((j if j >= 1 else never) if k == 1 else j + k - 2)
        for t in range(tail_chars, -1, -1):  # ends t positions before the end mark
            # starts at position ends + 2 - t - k (ends: the unit's last character)
            tail_at.append(k_max * (2 - t - k) + k - 1)
            need_tail.append((t if t >= 1 else never) if k == 1 else t + k - 2)
    return np.array(head_at), np.array(tail_at), np.array(need_head + need_tail)


def unit_frequency(rows: np.ndarray, codes: np.ndarray) -> list[int]:
    """Each code once per unit it occurs in."""
    if not codes.size:
        return []
    order = np.lexsort((codes, rows))
    r, c = rows[order], codes[order]
    keep = np.ones(r.size, dtype=bool)
    keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    return c[keep].tolist()


def top_vocabulary(counts: Counter[int], min_df: int, max_size: int) -> np.ndarray:
    kept = sorted(((c, code) for code, c in counts.items() if c >= min_df), key=lambda x: (-x[0], x[1]))
    return np.array(sorted(code for _, code in kept[:max_size]), dtype=np.int64)


def decode_ngram(code: int) -> str:
    """The text of an n-gram code (the separator shown as ⏎)."""
    chars = []
    code = int(code)
    while code:
        chars.append(chr(code & 0x1FFFFF))
        code >>= 21
    return "".join(reversed(chars)).replace("\n", "⏎")
