"""Features of the units of a document, for the line classifier.

GROBID's segmentation features are the model: the shape of a unit (length, share of CJK,
digits and punctuation, the punctuation profile, numbering such as 一、 （一） 1. 第X部分,
``|`` at either end, tabs, markdown marks, a final 。), its first and last characters, its
place in the document, character n-grams of its start and of its end, jieba tokens of short
units (headings and table labels; the tokenizer's dictionary is the tables' and sections'
vocabulary), and the same features of the neighbouring units (``window`` on each side).

Speed matters (the whole labelling stage has about a millisecond per report): a document is
featurised in one pass. Its units are joined into one string and turned into an array of
code points; character classes, punctuation counts, numbering patterns and n-gram codes are
computed in numpy for all units at once, and n-grams are looked up in a numpy hash table.
Only jieba is Python-level, and it runs on short units only, with a cache.

:data:`FEATURE_VERSION` changes whenever the features do: a model trained on other features
is refused when loaded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from inspect import signature
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from govparse_ml.classifier.chars import (
    AHEAD_STEPS,
    ASCII_PUNCT,
    BAR,
    CJK,
    CJK_PUNCT,
    CLASS_NAMES,
    CLASS_OF,
    DIGIT,
    ENDS_BLANKS,
    FOLD_OF,
    LATIN,
    LUT_SIZE,
    N_CLASSES,
    N_PUNCT,
    PUNCT_GROUP_OF,
    PUNCT_GROUPS,
    PUNCT_OF,
    SEP,
    SPACE,
    START_FIRST,
    START_MASKS,
    START_NAMES,
    START_PATTERNS,
    START_ROW,
    START_TABLE,
    TAB,
)
from govparse_ml.classifier.ngrams import (
    TAIL_SALT,
    CodeTable,
    decode_ngram,
    ngram_slots,
    top_vocabulary,
    unit_frequency,
)
from govparse_ml.classifier.words import NON_CJK, cached_tokens, dictionary_words, tokenizer, word_pattern
from govparse_ml.text.units import Unit

if TYPE_CHECKING:
    import scipy.sparse as sp

FEATURE_VERSION = 1

# --------------------------------------------------------------------------- featurizer

Document = Sequence[Unit] | Sequence[str]


class _Doc:
    """Per-character arrays of one document, shared by the feature blocks."""

    __slots__ = ("cls", "counts", "cp", "ends", "lengths", "n", "pcounts", "starts", "texts", "unit_of", "units")

    def __init__(self, doc: Document) -> None:
        units = list(doc) if len(doc) and isinstance(doc[0], Unit) else None
        texts = [u.text for u in units] if units is not None else [str(t) for t in doc]  # type: ignore[union-attr]
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1:  # a unit never holds a line break; a raw string might
            texts = [t.replace("\n", " ") for t in texts]
            joined = "\n".join(texts)
        self.units, self.texts, n = units, texts, len(texts)
        self.n = n
        # "\n" + units joined by "\n" + "\n": cp[starts[i]] is the separator before unit i,
        # cp[starts[i] + 1 : ends[i] + 1] its characters. Code points beyond the BMP are
        # clipped to LUT_SIZE: an index into the per-code-point tables, never compared.
        cp = np.frombuffer(("\n" + joined + "\n").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.cp = cp = np.minimum(cp, LUT_SIZE)
        self.lengths = lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
        spans = lengths + 1  # a unit and the separator after it
        self.ends = spans.cumsum() - 1
        self.starts = self.ends - lengths
        # unit of every character of cp[1:] (the separator after a unit goes with it)
        self.unit_of = unit_of = np.arange(n).repeat(spans)
        self.cls = cls = CLASS_OF[cp]
        self.counts = np.bincount(unit_of * N_CLASSES + cls[1:], minlength=n * N_CLASSES).reshape(n, N_CLASSES)
        self.counts[:, SEP] = 0
        pun = PUNCT_OF[cp[1:]]
        self.pcounts = np.bincount(unit_of * N_PUNCT + pun, minlength=n * N_PUNCT).reshape(n, N_PUNCT)


class FeatureSpace:
    """Features of every unit of a list of documents, for a linear model.

    ``transform(X)`` takes a list of documents (each a list of :class:`Unit` or of unit
    texts) and returns a sparse matrix with one row per unit, documents one after the other:
    the unit's own features, then those of the unit before, after, two before, two after…
    (``window`` on each side), then flags for "no unit there" at the document's edges.

    Parameters: ``ngram_max`` (longest character n-gram), ``head_chars`` (n-grams are taken
    from this many characters at the start of a unit), ``tail_chars`` (and, as features of
    their own, from this many at its end), ``min_df`` (an n-gram or token is kept when it
    occurs in this many training units), ``max_ngrams`` (keep the most frequent head n-grams;
    a quarter of that for the tail), ``jieba_max_len`` (units with 2 to this many CJK
    characters are tokenized), ``window`` (neighbours on each side whose features are added),
    ``use_ngrams`` / ``use_jieba`` (for ablations), ``blocks`` (names of :data:`EXTRA_BLOCKS`
    to add).

    This class needs numpy and jieba only (scipy for the sparse matrices of ``transform``),
    so that parsing with the shipped model never imports scikit-learn; the Pipeline step
    is its subclass :class:`govparse_ml.classifier.estimator.Featurizer`.

    A unit's features split in two: those of its text alone (:meth:`text_parts`: shape,
    punctuation, numbering, n-grams, tokens), which a scorer may cache by text, and those of
    its place in the document (:meth:`context_parts`: position, blank lines around, how its
    line was cut).
    """

    def __init__(
        self,
        ngram_max: int = 3,
        head_chars: int = 16,
        tail_chars: int = 4,
        min_df: int = 3,
        max_ngrams: int = 12000,
        jieba_max_len: int = 16,
        window: int = 2,
        use_ngrams: bool = True,
        use_jieba: bool = True,
        blocks: tuple[str, ...] = (),
    ) -> None:
        self.ngram_max = ngram_max
        self.head_chars = head_chars
        self.tail_chars = tail_chars
        self.min_df = min_df
        self.max_ngrams = max_ngrams
        self.jieba_max_len = jieba_max_len
        self.window = window
        self.use_ngrams = use_ngrams
        self.use_jieba = use_jieba
        self.blocks = tuple(blocks)
        unknown = [b for b in self.blocks if b not in EXTRA_BLOCKS]
        if unknown:
            raise ValueError(f"unknown feature blocks {unknown} (registered: {sorted(EXTRA_BLOCKS)})")

    # A model pickled before the extra blocks existed has no ``blocks``: it has none.
    blocks: tuple[str, ...] = ()

    # ----------------------------------------------------------------- fit

    def fit(self, X, y=None):
        self.dictionary_ = tuple(dictionary_words()) if self.use_jieba else ()
        head_counts: Counter[int] = Counter()
        tail_counts: Counter[int] = Counter()
        token_counts: Counter[str] = Counter()
        for doc in X:
            if not len(doc):
                continue
            d = _Doc(doc)
            if self.use_ngrams:
                head, tail = self._ngram_codes(d)
                head_counts.update(unit_frequency(*head))
                tail_counts.update(unit_frequency(*tail))
            if self.use_jieba:
                for tokens in self._doc_tokens(d):
                    if tokens:
                        token_counts.update(set(tokens))
        head_vocab = top_vocabulary(head_counts, self.min_df, self.max_ngrams)
        tail = top_vocabulary(tail_counts, self.min_df, max(self.max_ngrams // 4, 1))
        # one hash table holds both: drop a (never seen) tail code whose salted form is a head code
        return self.set_vocabulary(
            dictionary=self.dictionary_,
            head_vocab=head_vocab,
            tail_vocab=tail[~np.isin(tail ^ TAIL_SALT, head_vocab)],
            tokens=tuple(sorted(t for t, c in token_counts.items() if c >= self.min_df)),
        )

    def set_vocabulary(
        self, *, dictionary: tuple[str, ...], head_vocab: np.ndarray, tail_vocab: np.ndarray, tokens: tuple[str, ...]
    ):
        """Set what :meth:`fit` learns (the tokenizer's dictionary, the n-gram codes kept at the
        head and at the tail, the tokens kept), as a saved model gives it back."""
        self.dictionary_ = dictionary
        self.head_vocab_ = head_vocab
        self.tail_vocab_ = tail_vocab
        self.tokens_ = tokens
        self.n_dense_ = len(self.dense_names())
        self.n_base_ = self.n_dense_ + self.head_vocab_.size + self.tail_vocab_.size + len(self.tokens_)
        self.n_features_out_ = self.n_base_ * (2 * self.window + 1) + 2 * self.window
        self.feature_version_ = FEATURE_VERSION
        for key in self._CACHED:
            self.__dict__.pop(key, None)
        return self

    # Derived look-up structures are rebuilt after unpickling rather than stored.
    _CACHED = ("_code_table", "_token_index")

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ may return __dict__ itself
        for key in self._CACHED:
            state.pop(key, None)
        return state

    def _tables(self) -> tuple[CodeTable, dict[str, int]]:
        """One hash table for the head and the tail n-grams (tail codes salted, columns after
        the head's), and the token index."""
        try:
            return self._code_table, self._token_index
        except AttributeError:
            self._code_table = CodeTable(np.concatenate((self.head_vocab_, self.tail_vocab_ ^ TAIL_SALT)))
            self._token_index = {t: i for i, t in enumerate(self.tokens_)}
            return self._code_table, self._token_index

    def prepare(self) -> None:
        """Build the look-up tables now rather than on the first document (for timing)."""
        self._tables()
        if self.use_jieba:
            tokenizer(self.dictionary_)

    # ----------------------------------------------------------------- transform

    def transform(self, X) -> sp.csr_matrix:
        import scipy.sparse as sp

        mats = [self.transform_doc(doc) for doc in X]
        if not mats:
            return sp.csr_matrix((0, self.n_features_out_), dtype=np.float64)
        return sp.vstack(mats, format="csr")

    def transform_doc(self, doc: Document) -> sp.csr_matrix:
        """The rows of one document's units, neighbours included."""
        return self.with_neighbours(self.base_features(doc))

    def base_parts(self, doc: Document) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """The features of each unit on its own (no neighbours) as coordinates: ``(n_units,
        rows, cols, values)``, columns in ``[0, n_base_)``; an entry that repeats adds up (an
        n-gram seen twice counts 2). Nothing is sorted: this is what the classifier scores.
        The text features (:meth:`text_parts`) and the context features
        (:meth:`context_parts`) together."""
        n, t_rows, t_cols, t_vals = self.text_parts(doc)
        c_rows, c_cols, c_vals = self.context_parts(doc)
        return n, np.concatenate((t_rows, c_rows)), np.concatenate((t_cols, c_cols)), np.concatenate((t_vals, c_vals))

    def text_parts(self, doc: Document) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """The features of each unit's text alone, as in :meth:`base_parts`: the same for the
        same text wherever it stands (``doc`` may be any list of texts)."""
        empty = np.zeros(0, dtype=np.int64)
        if not len(doc):
            return 0, empty, empty, np.zeros(0)
        table, token_index = self._tables()
        d = _Doc(doc)
        n = d.n
        tokens = self._doc_tokens(d) if self.use_jieba else None
        groups, flags, values = self._text_dense(d, tokens)
        each = np.arange(n).repeat(groups.shape[1])  # groups and values have as many columns
        f_rows, f_cols = flags.nonzero()
        # Entries block by block: groups, flags, values, n-grams, tokens. Within a unit this
        # order is the product's order of summation (inference.UnitScorer), kept as it was.
        rows_parts = [each, f_rows, each]
        cols_parts = [groups.ravel(), _TEXT_FLAG_COLS[f_cols], np.repeat(_TEXT_VALUE_COLS[None, :], n, axis=0).ravel()]
        at_values = each.size + f_rows.size
        extra = [EXTRA_BLOCKS[name].compute(d) for name in self.blocks]
        if extra:  # after the values, before the n-grams: the built-in entries keep their order
            e_rows, e_cols = np.hstack(extra).nonzero()
            rows_parts.append(e_rows)
            cols_parts.append(e_cols + _N_DENSE)
            extra_values = np.hstack(extra)[e_rows, e_cols]
        offset = self.n_dense_
        if self.use_ngrams:
            codes, valid = self._ngram_windows(d)
            codes[:, self.ngram_max * self.head_chars :] ^= TAIL_SALT
            idx = table.lookup(codes[valid])
            hit = idx >= 0
            rows_parts.append(valid.nonzero()[0][hit])
            cols_parts.append(idx[hit] + offset)
        offset += self.head_vocab_.size + self.tail_vocab_.size
        if tokens is not None and token_index:
            pairs = [(i, token_index[t]) for i, toks in enumerate(tokens) if toks for t in toks if t in token_index]
            if pairs:
                r, c = np.array(pairs, dtype=np.int64).T
                rows_parts.append(r)
                cols_parts.append(c + offset)
        rows = np.concatenate(rows_parts)
        vals = np.ones(rows.size)
        vals[at_values : at_values + values.size] = values.ravel()  # the n-gram and token hits are 1
        if extra:
            at = at_values + values.size
            vals[at : at + extra_values.size] = extra_values
        return n, rows, np.concatenate(cols_parts), vals

    def context_parts(self, doc: Document) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, cols, values)`` of the features of each unit's place in the document:
        its relative position, first / last units, how its line was cut, blank lines around."""
        n = len(doc)
        units = list(doc) if n and isinstance(doc[0], Unit) else None
        idx = np.arange(n)
        rel = idx / max(n - 1, 1)
        pos_col = _GROUP_STARTS[_POS_GROUP] + np.minimum((rel * _POS_BINS).astype(np.int64), _POS_BINS - 1)
        flags = np.zeros((n, _CONTEXT_FLAG_COLS.size), dtype=bool)
        if n:  # first, last, second, second-last unit
            flags[0, 0] = flags[n - 1, 1] = True
            if n > 1:
                flags[1, 2] = flags[n - 2, 3] = True
        _structure(units, n, out=flags[:, 4:])
        f_rows, f_cols = flags.nonzero()
        rows = np.concatenate((idx, f_rows, idx))
        cols = np.concatenate((pos_col, _CONTEXT_FLAG_COLS[f_cols], np.full(n, _REL_POS_COL)))
        vals = np.concatenate((np.ones(n + f_rows.size), rel))
        return rows, cols, vals

    def base_features(self, doc: Document) -> sp.csr_matrix:
        """The features of each unit on its own (no neighbours): ``n_units × n_base_``."""
        import scipy.sparse as sp

        n, rows, cols, vals = self.base_parts(doc)
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, self.n_base_))  # repeats add up

    def with_neighbours(self, base: sp.csr_matrix) -> sp.csr_matrix:
        """``[B, B of the unit before, after, 2 before, 2 after, …, edge flags]`` of a document."""
        import scipy.sparse as sp

        n = base.shape[0]
        blocks = [base]
        for k in range(1, self.window + 1):
            blocks.append(_shift(base, -k))  # the unit k before
            blocks.append(_shift(base, +k))  # the unit k after
        blocks.append(sp.csr_matrix(self.edge_flags(n)))
        return sp.hstack(blocks, format="csr", dtype=np.float64)

    def edge_flags(self, n: int) -> np.ndarray:
        """``n × 2·window``: 1 where there is no unit k before (column 2k-2) or after (2k-1)."""
        flags = np.zeros((n, 2 * self.window), dtype=np.float64)
        for k in range(1, self.window + 1):
            flags[: min(k, n), 2 * (k - 1)] = 1.0
            flags[max(n - k, 0) :, 2 * (k - 1) + 1] = 1.0
        return flags

    # ----------------------------------------------------------------- names

    def dense_names(self) -> list[str]:
        """Names of the first ``n_dense_`` columns: the blocks of :data:`DENSE_BLOCKS`, then the extra blocks."""
        names = [c for block in DENSE_BLOCKS for c in block.columns]
        return names + [c for name in self.blocks for c in EXTRA_BLOCKS[name].columns]

    def feature_names(self) -> list[str]:
        base = list(self.dense_names())
        base += [f"head={decode_ngram(c)}" for c in self.head_vocab_]
        base += [f"tail={decode_ngram(c)}" for c in self.tail_vocab_]
        base += [f"tok={t}" for t in self.tokens_]
        names = list(base)
        for k in range(1, self.window + 1):
            names += [f"[-{k}]{b}" for b in base]
            names += [f"[+{k}]{b}" for b in base]
        for k in range(1, self.window + 1):
            names += [f"no_unit[-{k}]", f"no_unit[+{k}]"]
        return names

    # ----------------------------------------------------------------- internals

    def _text_dense(
        self, d: _Doc, tokens: list[tuple[str, ...] | None] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The shape, punctuation and numbering features among the first ``n_dense_`` columns
        (see :meth:`dense_names`): ``groups``, the column of every one-hot group (``n × 11``),
        ``flags``, the text flags (``n ×`` :data:`_TEXT_FLAG_COLS`) and ``values``, the real
        values (``n ×`` :data:`_TEXT_VALUE_COLS`). The columns of a unit's place in the
        document are left to :meth:`context_parts`.

        Every array is written in place, column block by column block: on the few dozen new
        texts of a report, numpy's cost per call, not per element, is what counts."""
        n, cp, cls, counts, pcounts, lengths = d.n, d.cp, d.cls, d.counts, d.pcounts, d.lengths
        compact_len = lengths - counts[:, SPACE] - counts[:, TAB] - counts[:, BAR]
        is_digit = cls == DIGIT
        numbers = np.bincount(d.unit_of[is_digit[1:] & ~is_digit[:-1]], minlength=n)  # runs of digits
        first = d.starts + 1
        last = np.maximum(d.ends, first)  # an empty unit's first and last "character": the separator after it
        last_cp = cp[last]

        safe_len = np.maximum(lengths, 1)
        values = np.empty((n, _TEXT_VALUE_COLS.size))
        values[:, 0] = np.minimum(np.log1p(compact_len) / np.log(256.0), 1.5)  # log_len
        ratios = np.divide(counts, safe_len[:, None], out=values[:, 1:])
        punct_ratio = (counts[:, CJK_PUNCT] + counts[:, ASCII_PUNCT]) / safe_len

        # one-hot groups: the index of the hot column in each group, then the group's start
        groups = np.empty((n, _POS_GROUP), dtype=np.int64)
        groups[:, 0] = _LEN_BINS.searchsorted(compact_len)
        groups[:, 1:3] = _RATIO_BINS.searchsorted(ratios[:, CJK : DIGIT + 1])
        groups[:, 3] = _RATIO_BINS.searchsorted(punct_ratio)
        groups[:, 4:6] = _COUNT_BINS.searchsorted(counts[:, TAB : BAR + 1])
        groups[:, 6] = _COUNT_BINS.searchsorted(numbers)
        groups[:, 7] = _COUNT_BINS.searchsorted(counts[:, SPACE])
        groups[:, 8] = cls[first]
        groups[:, 9] = cls[last]
        groups[:, 10] = PUNCT_OF[last_cp]
        groups += _GROUP_STARTS[:_POS_GROUP]

        # flags, in the order of _TEXT_FLAG_COLS
        flags = np.empty((n, _TEXT_FLAG_COLS.size), dtype=bool)
        k = len(PUNCT_GROUPS)
        np.greater(pcounts[:, 1:], 0, out=flags[:, :k])
        np.greater_equal(pcounts[:, 1:], 3, out=flags[:, k : 2 * k])
        flags[:, 2 * k] = groups[:, 8] == _GROUP_STARTS[8] + BAR  # starts with "|", the only BAR
        flags[:, 2 * k + 1] = groups[:, 9] == _GROUP_STARTS[9] + BAR
        flags[:, 2 * k + 2] = last_cp == ord("。")
        flags[:, 2 * k + 3] = groups[:, 10] == _GROUP_STARTS[10] + PUNCT_GROUP_OF["：:"]
        k = 2 * k + 4
        _start_flags(d, numbers, compact_len, out=flags[:, k : k + len(START_NAMES)])
        k += len(START_NAMES)
        if tokens is None:
            flags[:, k:] = False
        else:
            flags[:, k] = flags[:, k + 1] = self._jieba_eligible(d)
            flags[[i for i, t in enumerate(tokens) if t], k + 1] = False  # tokenized, found a word
        return groups, flags, values

    def _ngram_codes(self, d: _Doc):
        """``(rows, codes)`` of the n-grams at the head and at the tail of every unit (for
        :meth:`fit`; see :meth:`_ngram_windows`)."""
        codes, valid = self._ngram_windows(d)
        rows, slots = np.nonzero(valid)
        codes = codes[valid]
        head = slots < self.ngram_max * self.head_chars
        return (rows[head], codes[head]), (rows[~head], codes[~head])

    def _ngram_windows(self, d: _Doc) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, valid)``, both ``n_units × slots``: the code of every n-gram a unit may
        have at its head and at its tail, and whether the unit has it.

        The separator between units stands for the start and the end of a unit, so
        ``\\n一、`` is "starts with 一、" and ``况\\n`` "ends with 况"; n-grams that would
        span two units are dropped. The n-gram of code points c1 c2 c3 is the integer
        ``c1 << 42 | c2 << 21 | c3`` (code points fit in 21 bits).

        The slots of a unit are a fixed window at its start and one at its end (see
        :func:`ngram_slots`): a unit's n-grams are gathered in one go from the codes of
        every n-gram of the document, and the unit's length says which of them it has.
        Slots are in the order of lengths, then positions, head first: entries in that order
        keep the products' sums as they were.
        """
        k_max = self.ngram_max
        head_at, tail_at, need = ngram_slots(k_max, self.head_chars, self.tail_chars)
        m = d.cp.size
        size = m + self.head_chars + k_max  # room for the slots past the end of the document
        folded = np.zeros(size + k_max, dtype=np.int64)
        folded[:m] = FOLD_OF[d.cp]
        # grams[p, k - 1]: the k-gram starting at position p
        grams = np.empty((size, k_max), dtype=np.int64)
        grams[:, 0] = folded[:size]
        for k in range(1, k_max):
            np.left_shift(grams[:, k - 1], 21, out=grams[:, k])
            grams[:, k] |= folded[k : size + k]
        # flat indices into grams: head slots from the unit's start mark, tail slots from its
        # last character (a slot that falls outside the unit reads anything: it is not valid)
        where = np.empty((d.n, need.size), dtype=np.int64)
        np.add((k_max * d.starts)[:, None], head_at, out=where[:, : head_at.size])
        np.add((k_max * d.ends)[:, None], tail_at, out=where[:, head_at.size :])
        return grams.ravel().take(where), d.lengths[:, None] >= need

    def _doc_tokens(self, d: _Doc) -> list[tuple[str, ...] | None]:
        """jieba tokens (2+ characters) of the units with 2..jieba_max_len CJK characters; None elsewhere."""
        tk, any_word = tokenizer(self.dictionary_), word_pattern(self.dictionary_).search
        texts = d.texts
        out: list[tuple[str, ...] | None] = [None] * d.n
        for i in self._jieba_eligible(d).nonzero()[0].tolist():
            core = NON_CJK.sub("", texts[i])
            out[i] = cached_tokens(tk, core) if any_word(core) else ()
        return out

    def _jieba_eligible(self, d: _Doc) -> np.ndarray:
        cjk = d.counts[:, CJK]
        return (cjk >= 2) & (cjk <= self.jieba_max_len)


# --------------------------------------------------------------------------- helpers

_LEN_BINS = np.array([0, 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256])
_RATIO_BINS = np.array([0.0, 0.2, 0.5, 0.8, 0.999])
_COUNT_BINS = np.array([0, 1, 2, 3, 5, 8, 12, 20])
_POS_BINS = 10
_CUTS = ("", "section", "after_heading", "title", "table", "sub")
_CUT_INDEX = {c: i for i, c in enumerate(_CUTS)}


@dataclass(frozen=True)
class Block:
    """A named block of the dense feature columns.

    ``kind``: ``onehot`` (one of its columns is 1), ``flags`` (each 0 or 1) or ``values`` (reals);
    ``source``: ``text`` (the unit's text alone, the same wherever the text stands: a scorer caches
    it) or ``context`` (the unit's place in the document).
    """

    name: str
    kind: str
    source: str
    columns: tuple[str, ...]


def _bins(name: str, n: int) -> tuple[str, ...]:
    return tuple(f"{name}={b}" for b in range(n))


# The dense columns, block by block, in column order: every offset below is derived from this.
# (What each block holds is computed in FeatureSpace._text_dense and context_parts.)
DENSE_BLOCKS: tuple[Block, ...] = (
    Block("len_bin", "onehot", "text", _bins("len_bin", _LEN_BINS.size + 1)),
    *(
        Block(f"ratio_{c}_bin", "onehot", "text", _bins(f"ratio_{c}_bin", _RATIO_BINS.size + 1))
        for c in ("cjk", "digit", "punct")
    ),
    *(
        Block(f"count_{w}_bin", "onehot", "text", _bins(f"count_{w}_bin", _COUNT_BINS.size + 1))
        for w in ("tabs", "bars", "numbers", "spaces")
    ),
    Block("first_class", "onehot", "text", tuple(f"first_class={c}" for c in CLASS_NAMES)),
    Block("last_class", "onehot", "text", tuple(f"last_class={c}" for c in CLASS_NAMES)),
    Block("last_char", "onehot", "text", ("last_char=none", *(f"last_char={g}" for g in PUNCT_GROUPS))),
    Block("pos_bin", "onehot", "context", _bins("pos_bin", _POS_BINS)),
    Block("has", "flags", "text", tuple(f"has={g}" for g in PUNCT_GROUPS)),
    Block("has3", "flags", "text", tuple(f"has3={g}" for g in PUNCT_GROUPS)),
    Block("ends", "flags", "text", ("starts_bar", "ends_bar", "final_period", "final_colon")),
    Block("start", "flags", "text", tuple(f"start_{p}" for p in START_NAMES)),
    Block("place", "flags", "context", ("first_unit", "last_unit", "second_unit", "second_last_unit")),
    Block("cut", "flags", "context", tuple(f"cut={c or 'none'}" for c in _CUTS)),
    Block("line", "flags", "context", ("part_gt0", "line_has_parts", "blank_before", "blank_after")),
    Block("jieba", "flags", "text", ("jieba_tokenized", "jieba_no_word")),
    Block("log_len", "values", "text", ("log_len",)),
    Block("rel_pos", "values", "context", ("rel_pos",)),
    Block("ratio", "values", "text", tuple(f"ratio_{c}" for c in CLASS_NAMES)),
)


def _layout() -> dict[str, np.ndarray]:
    """The columns of every block, by name."""
    out, start = {}, 0
    for block in DENSE_BLOCKS:
        out[block.name] = np.arange(start, start + len(block.columns))
        start += len(block.columns)
    return out


_COLUMNS = _layout()
_N_DENSE = sum(len(b.columns) for b in DENSE_BLOCKS)
_ONEHOT = [b for b in DENSE_BLOCKS if b.kind == "onehot"]
# Where each one-hot group starts; the last group, position in the document, is a context feature.
_GROUP_STARTS = np.array([_COLUMNS[b.name][0] for b in _ONEHOT])
_POS_GROUP = [b.name for b in _ONEHOT].index("pos_bin")
_TEXT_FLAG_COLS = np.concatenate([_COLUMNS[b.name] for b in DENSE_BLOCKS if b.kind == "flags" and b.source == "text"])
_CONTEXT_FLAG_COLS = np.concatenate(
    [_COLUMNS[b.name] for b in DENSE_BLOCKS if b.kind == "flags" and b.source == "context"]
)
_REL_POS_COL = int(_COLUMNS["rel_pos"][0])
_TEXT_VALUE_COLS = np.concatenate([_COLUMNS[b.name] for b in DENSE_BLOCKS if b.kind == "values" and b.source == "text"])
assert len(_ONEHOT) - 1 == _POS_GROUP, "the position group is the last one-hot group"


# Extra blocks of text features, by name: a FeatureSpace's ``blocks`` parameter chooses which it
# adds after the dense columns above (none by default: the shipped model's columns).
@dataclass(frozen=True)
class ExtraBlock:
    columns: tuple[str, ...]
    compute: Callable[[_Doc], np.ndarray]  # n_units × len(columns) values of each unit's text


EXTRA_BLOCKS: dict[str, ExtraBlock] = {}


def feature_block(name: str, columns: tuple[str, ...]):
    """Register ``compute(doc) -> n_units × len(columns)`` as the extra text block ``name``."""

    def register(compute: Callable[[_Doc], np.ndarray]) -> Callable[[_Doc], np.ndarray]:
        EXTRA_BLOCKS[name] = ExtraBlock(columns, compute)
        return compute

    return register


def _start_flags(d: _Doc, numbers: np.ndarray, compact_len: np.ndarray, out: np.ndarray) -> None:
    """The :data:`START_NAMES` flags of every unit (into ``out``), from its first characters
    and its counts."""
    cp, starts, ends, counts, pcounts = d.cp, d.starts, d.ends, d.counts, d.pcounts
    # first character of each unit that is not blank (the separator after it stops too)
    stops = ENDS_BLANKS[d.cls].nonzero()[0]
    f = stops[stops.searchsorted(starts + 1)]
    out[:, len(START_PATTERNS)] = f > starts + 1  # leading_blank
    # the numbering patterns: the four characters from there (the separator past the end)
    ahead = np.minimum(f[:, None] + AHEAD_STEPS, ends[:, None] + 1)
    word = START_TABLE.take(cp[ahead] + START_ROW).view(np.uint64)[:, 0]
    matched = (word[:, None] & START_MASKS) == START_MASKS
    np.logical_or.reduceat(matched, START_FIRST, axis=1, out=out[:, : len(START_PATTERNS)])
    cjk, latin = counts[:, CJK], counts[:, LATIN]
    dates, nothing = pcounts[:, PUNCT_GROUP_OF["年月日"]], pcounts[:, PUNCT_GROUP_OF["无"]]
    no_cjk = cjk == 0
    k = len(START_PATTERNS) + 1
    out[:, k] = (cjk == dates) & (dates >= 1) & (numbers >= 1) & (compact_len <= 14)  # date_line
    out[:, k + 1] = (  # page_like
        (cjk == pcounts[:, PUNCT_GROUP_OF["第"]] + pcounts[:, PUNCT_GROUP_OF["页共"]])
        & (numbers >= 1)
        & (numbers <= 2)
        & (compact_len <= 12)
    )
    out[:, k + 2] = (  # values_only
        (cjk == nothing) & (latin == 0) & ((numbers > 0) | (nothing > 0) | (pcounts[:, PUNCT_GROUP_OF["/"]] > 0))
    )
    out[:, k + 3] = no_cjk & (numbers == 0) & (latin == 0) & (compact_len > 0)  # separator_only
    out[:, k + 4] = no_cjk


def _structure(units: list[Unit] | None, n: int, out: np.ndarray) -> None:
    """Where a unit sits in its line (into ``out``, ``n × (len(_CUTS) + 4)``, all False): the
    kind of cut that opened it, and blank lines around."""
    if units is None:
        out[:, 0] = True
        return
    fields = dict(zip(Unit._fields, zip(*units, strict=True), strict=True))  # the named tuples' fields, in one pass
    lines = np.fromiter(fields["line"], dtype=np.int64, count=n)
    parts = np.fromiter(fields["part"], dtype=np.int64, count=n)
    cuts = fields["cut"]
    if any(cuts):  # most reports cut no line
        out[np.arange(n), np.fromiter(map(_CUT_INDEX.get, cuts, repeat(0)), dtype=np.int64, count=n)] = True
    else:
        out[:, 0] = True
    out[:, len(_CUTS)] = parts > 0
    same_before = np.zeros(n, dtype=bool)
    same_before[1:] = lines[1:] == lines[:-1]
    same_after = np.zeros(n, dtype=bool)
    same_after[:-1] = same_before[1:]
    out[:, len(_CUTS) + 1] = same_before | same_after
    out[1:, len(_CUTS) + 2] = lines[1:] > lines[:-1] + 1
    out[:-1, len(_CUTS) + 3] = lines[1:] > lines[:-1] + 1


def _shift(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Row i of the result is row i+k of ``m`` (zeros outside)."""
    import scipy.sparse as sp

    n = m.shape[0]
    indptr = m.indptr
    if abs(k) >= n:
        return sp.csr_matrix(m.shape, dtype=m.dtype)
    if k < 0:  # row i takes row i-|k|
        k = -k
        new_indptr = np.concatenate((np.zeros(k, dtype=indptr.dtype), indptr[: n - k + 1]))
        stop = indptr[n - k]
        return sp.csr_matrix((m.data[:stop], m.indices[:stop], new_indptr), shape=m.shape)
    start = indptr[k]
    new_indptr = np.concatenate((indptr[k:] - start, np.full(k, indptr[n] - start, dtype=indptr.dtype)))
    return sp.csr_matrix((m.data[start:], m.indices[start:], new_indptr), shape=m.shape)


def clear_caches() -> None:
    """Empty the cache of jieba tokens."""
    cached_tokens.cache_clear()


# The featurizer's parameters, in its constructor's order: the classifier passes them on, a saved
# arrays file records them (the numbers as ``space_params``, the block names as ``blocks``).
FEATURE_PARAMS = tuple(signature(FeatureSpace.__init__).parameters)[1:]


# --------------------------------------------------------------------------- extra blocks

# A cell that is a number alone: between tabs or bars, or at the unit's end after one.
_NUMERIC_CELL = re.compile(r"(?<=[|\t])\s*[-+]?\d+(?:\.\d+)?\s*(?=[|\t]|$)")


@feature_block("numeric_cells", ("numeric_cells=1", "numeric_cells=2", "numeric_cells>=3"))
def _numeric_cells(d: _Doc) -> np.ndarray:
    """How many of the unit's cells (between tabs or bars) are a number alone: a table row's mark
    that the character counts only approximate (a date or a sentence has digits too)."""
    counts = np.fromiter((len(_NUMERIC_CELL.findall(t)) for t in d.texts), dtype=np.int64, count=d.n)
    return np.column_stack((counts == 1, counts == 2, counts >= 3))
