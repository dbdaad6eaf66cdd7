"""The line classifier at parse time: plain arrays, scored per unit, no pickle, no scikit-learn.

:class:`~govparse_ml.classifier.estimator.LineClassifier` is the scikit-learn estimator that is trained,
evaluated and saved as ``line_classifier.joblib``. What ``parse`` needs of it is a linear
model: its weights, the featurizer's vocabularies and the label set. :func:`export_arrays`
takes those out into ``line_classifier.npz``, which :func:`~govparse_ml.classifier.store.load_default` reads with
``numpy.load(allow_pickle=False)`` (see :mod:`govparse_ml.classifier.store`): nothing in
the file can run code, and loading does not import scikit-learn.

:class:`UnitScorer` gives the same probabilities as the estimator (a test checks it). The
weights are split per neighbour offset; a unit's own features are scored once against all of
them; unit i then sums the scores of units i-2…i+2 at their offsets. The part of a unit's
score that comes from its text alone (shape, n-grams, tokens) is cached by text: table labels
and standard headings repeat from report to report, so in a corpus most units are scored
from the cache and only their place in the document is featurised anew.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from govparse_ml.classifier.chars import text_key
from govparse_ml.classifier.features import FEATURE_PARAMS, FEATURE_VERSION, FeatureSpace
from govparse_ml.document import Unit


def _private_coo_product():
    """The C loop behind scipy's COO @ dense, if this scipy has it with the signature used here.

    It is private API: it is used only after it gives the public product's answer on a small
    case, so another scipy version falls back to ``coo_matrix @`` instead of failing at parse time.
    """
    try:
        from scipy.sparse._sparsetools import coo_matmat_dense

        rows, cols = np.array([0, 1, 1], dtype=np.int64), np.array([1, 0, 1], dtype=np.int64)
        vals, dense = np.array([1.0, 2.0, 3.0]), np.arange(6, dtype=np.float64).reshape(2, 3)
        out = np.zeros((2, 3))
        coo_matmat_dense(vals.size, 3, rows, cols, vals, dense.ravel(), out)
        expected = sp.coo_matrix((vals, (rows, cols)), shape=(2, 2)) @ dense
        return coo_matmat_dense if np.array_equal(out, expected) else None
    except Exception:
        return None


_coo_matmat_dense = _private_coo_product()

# The featurizer's numeric parameters, as an arrays file's ``space_params`` holds them.
_SPACE_PARAMS = tuple(p for p in FEATURE_PARAMS if p != "blocks")


# --------------------------------------------------------------------------- scorer


class UnitScorer:
    """Class probabilities of the units of a document from a linear model over
    :class:`~govparse_ml.classifier.features.FeatureSpace` features of each unit and its neighbours.

    ``weights`` is ``n_base × (n_offsets · k)``: the block of offset ``offsets[b]`` holds the
    weights of the features of the unit at that offset; ``edge_weights`` (``2·window × k``)
    the weights of "no unit k before / after". ``cache_size`` bounds the text cache (rows of
    ``n_offsets · k`` floats; it starts afresh when full).
    """

    def __init__(
        self,
        space: FeatureSpace,
        classes: np.ndarray,
        weights: np.ndarray,
        edge_weights: np.ndarray,
        intercept: np.ndarray,
        offsets: Sequence[int],
        cache_size: int = 1 << 15,
    ) -> None:
        self.space = space
        self.classes_ = np.asarray(classes)
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)
        self.edge_weights = np.ascontiguousarray(edge_weights, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.offsets = [int(o) for o in offsets]
        self.cache_size = cache_size
        # One lock for the text cache: parse() may be called from several threads (a Dask
        # worker runs four), and a row filled by one while another clears the cache gave
        # wrong scores. Uncontended it costs well under a microsecond a document.
        self._cache_lock = threading.Lock()
        self.clear_cache()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_cache_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache_lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._clear_cache()

    def _clear_cache(self) -> None:
        self._cache_rows = np.empty((self.cache_size, self.weights.shape[1]))
        self._cache_index: dict[str, int] = {}  # text -> row
        self._key_index: dict[str, int] = {}  # chars.text_key of a text -> row

    def _text_scores(self, texts: list[str]) -> np.ndarray:
        """``len(texts) × (n_offsets · k)``: each text's own features times every offset's weights.

        Rows are cached by text, and a text new to the cache is first looked up by its
        ``text_key`` (its digits read as 0, the same features): a table row whose numbers
        changed is not scored again. Each row has a key and a text, so the rows never
        outnumber the texts, which the cache bounds."""
        with self._cache_lock:
            return self._cached_text_scores(texts)

    def _cached_text_scores(self, texts: list[str]) -> np.ndarray:
        index = self._cache_index
        unique = list(dict.fromkeys(texts))
        if len(unique) > self.cache_size:  # a huge document: score it without the cache
            return self._product(*self.space.text_parts(texts))
        missing = [t for t in unique if t not in index]
        if len(index) + len(missing) > self.cache_size:
            self._clear_cache()  # full: start afresh with this document's texts
            index, missing = self._cache_index, unique
        if missing:
            key_index = self._key_index
            keys = [text_key(t) for t in missing]
            new = [k for k in dict.fromkeys(keys) if k not in key_index]
            if new:
                start = len(key_index)
                self._cache_rows[start : start + len(new)] = self._product(*self.space.text_parts(new))
                key_index.update(zip(new, range(start, start + len(new)), strict=True))
            index.update(zip(missing, map(key_index.__getitem__, keys), strict=True))
        return self._cache_rows[[index[t] for t in texts]]

    def _product(self, n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
        """``B @ weights`` for the coordinates of a sparse ``B`` (repeats add up).

        scipy's COO product is one pass in C over the entries, in their order (row i's score
        sums its entries in the order given); gathering the weight rows in numpy instead was
        20 times slower (0.12 against 2.4 ms for the 16,000 entries of a 301-unit report).
        That pass is called directly where scipy has it: building the ``coo_matrix`` and
        dispatching ``@`` cost twice the pass itself on the ~35 new texts of a report."""
        if _coo_matmat_dense is None or rows.dtype != cols.dtype or vals.dtype != np.float64:
            return sp.coo_matrix((vals, (rows, cols)), shape=(n, self.weights.shape[0])) @ self.weights
        out = np.zeros((n, self.weights.shape[1]))
        _coo_matmat_dense(vals.size, self.weights.shape[1], rows, cols, vals, self.weights.ravel(), out)
        return out

    def _context_product(self, n: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
        """``B @ weights`` for the context features: a few dozen columns, so a dense ``n × c``
        matrix of them times those rows of the weights."""
        if not cols.size:
            return np.zeros((n, self.weights.shape[1]))
        # the columns used, in order, and the rank of each entry's among them (np.unique's
        # result, without its sort: the columns are small numbers)
        present = np.zeros(cols.max() + 1, dtype=bool)
        present[cols] = True
        used = present.nonzero()[0]
        index = (present.cumsum() - 1)[cols]
        dense = np.bincount(rows * used.size + index, weights=vals, minlength=n * used.size)
        return dense.reshape(n, used.size) @ self.weights[used]

    def doc_scores(self, doc: Sequence[Unit] | Sequence[str]) -> np.ndarray:
        """Linear scores (n_units × k) of one document."""
        n = len(doc)
        k = len(self.classes_)
        texts = [u.text for u in doc] if n and isinstance(doc[0], Unit) else [str(t) for t in doc]
        z = self._text_scores(texts)
        z = z + self._context_product(n, *self.space.context_parts(doc))  # a copy: the cache stays as it is
        scores = z[:, :k] + self.intercept
        for b, off in enumerate(self.offsets[1:], start=1):
            # unit i gets the weights of offset `off` applied to unit i+off's features
            block = z[:, b * k : (b + 1) * k]
            if off < 0 and -off < n:
                scores[-off:] += block[: n + off]
            elif off > 0 and off < n:
                scores[: n - off] += block[off:]
        for j in range(1, self.space.window + 1):  # no unit j before / after: the edge flags
            scores[: min(j, n)] += self.edge_weights[2 * (j - 1)]
            scores[max(n - j, 0) :] += self.edge_weights[2 * (j - 1) + 1]
        return scores

    def doc_log_proba(self, doc: Sequence[Unit] | Sequence[str]) -> np.ndarray:
        s = self.doc_scores(doc)
        s -= s.max(axis=1, keepdims=True)
        s -= np.log(np.exp(s).sum(axis=1, keepdims=True))
        return s

    def predict_units(self, units: list[Unit]) -> tuple[list[str], list[float]]:
        """The labelling protocol (:class:`govparse_ml.label.labeling.UnitModel`): the likeliest
        label of every unit of one document and its probability."""
        if not units:
            return [], []
        proba = np.exp(self.doc_log_proba(units))
        path = proba.argmax(axis=1)
        return self.classes_[path].tolist(), proba[np.arange(len(path)), path].tolist()


# --------------------------------------------------------------------------- arrays file


def export_arrays(scorer: UnitScorer) -> dict[str, np.ndarray]:
    """The arrays that make up a scorer, for ``numpy.savez``: numbers and strings only."""
    space = scorer.space
    return {
        "feature_version": np.array(FEATURE_VERSION),
        "space_params": np.array([int(getattr(space, p)) for p in _SPACE_PARAMS], dtype=np.int64),
        "dictionary": np.array(space.dictionary_, dtype=str),
        "head_vocab": space.head_vocab_,
        "tail_vocab": space.tail_vocab_,
        "tokens": np.array(space.tokens_, dtype=str),
        "classes": np.array([str(c) for c in scorer.classes_], dtype=str),
        "weights": scorer.weights,
        "edge_weights": scorer.edge_weights,
        "intercept": scorer.intercept,
        "offsets": np.array(scorer.offsets, dtype=np.int64),
        **({"blocks": np.array(space.blocks, dtype=str)} if space.blocks else {}),
    }


def scorer_from_arrays(arrays: Any) -> UnitScorer:
    """A :class:`UnitScorer` from what :func:`export_arrays` wrote (a mapping of arrays)."""
    params = dict(zip(_SPACE_PARAMS, (int(x) for x in arrays["space_params"]), strict=True))
    params = {p: bool(v) if p.startswith("use_") else v for p, v in params.items()}
    blocks = tuple(str(b) for b in arrays["blocks"]) if "blocks" in arrays else ()
    space = FeatureSpace(**params, blocks=blocks)
    space.set_vocabulary(
        dictionary=tuple(str(w) for w in arrays["dictionary"]),
        head_vocab=np.asarray(arrays["head_vocab"], dtype=np.int64),
        tail_vocab=np.asarray(arrays["tail_vocab"], dtype=np.int64),
        tokens=tuple(str(t) for t in arrays["tokens"]),
    )
    space.prepare()
    return UnitScorer(
        space,
        np.array([str(c) for c in arrays["classes"]], dtype=object),
        arrays["weights"],
        arrays["edge_weights"],
        arrays["intercept"],
        arrays["offsets"].tolist(),
    )
