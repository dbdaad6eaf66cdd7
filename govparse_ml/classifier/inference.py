"""The line classifier at parse time: plain arrays, scored per unit, no pickle, no scikit-learn.

:class:`~govparse_ml.classifier.estimator.LineClassifier` is the scikit-learn estimator that is trained,
evaluated and saved as ``line_classifier.joblib``. What ``parse`` needs of it is a linear
model: its weights, the featurizer's vocabularies and the label set. :func:`export_arrays`
takes those out into ``line_classifier.npz``, which :func:`load_default` reads with
``numpy.load(allow_pickle=False)``: nothing in the file can run code, and loading does not
import scikit-learn (a second saved at every start of the command line tool).
The file's SHA-256 is checked against the card before it is read, like the joblib file's.

:class:`UnitScorer` gives the same probabilities as the estimator (a test checks it). The
weights are split per neighbour offset; a unit's own features are scored once against all of
them; unit i then sums the scores of units i-2…i+2 at their offsets. The part of a unit's
score that comes from its text alone (shape, n-grams, tokens) is cached by text: table labels
and standard headings repeat from report to report, so in a corpus most units are scored
from the cache and only their place in the document is featurised anew.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from govparse_ml.classifier.features import FEATURE_PARAMS, FEATURE_VERSION, FeatureSpace, text_key
from govparse_ml.document import LABELS
from govparse_ml.io.files import InputError, read_bytes
from govparse_ml.text.units import Unit


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

MODEL_FILE = "line_classifier.joblib"
ARRAYS_FILE = "line_classifier.npz"
CARD_FILE = "line_classifier.json"

# The featurizer's constructor parameters, stored in the arrays file as integers.
# The featurizer's numeric parameters, as an arrays file's ``space_params`` holds them.
_SPACE_PARAMS = tuple(p for p in FEATURE_PARAMS if p != "blocks")


class ModelError(InputError):
    """The line classifier cannot be used; the message says why. ``parse`` falls back to the rules."""


class ModelNotFoundError(ModelError):
    pass


class ModelIntegrityError(ModelError):
    """The model file does not match its card, or cannot be read."""


class ModelVersionError(ModelError):
    """The model was trained on other features than this version of the code computes."""


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
        self._key_index: dict[str, int] = {}  # features.text_key of a text -> row

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


def models_dir() -> Path:
    """Where the shipped model lives: ``govparse_ml/models`` in an installed wheel, else
    ``models/`` of the checkout the package runs from (an editable install)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "models"
    return installed if (installed / CARD_FILE).exists() else package.parent / "models"


def read_card(model_path: str | os.PathLike) -> dict[str, Any]:
    card_path = Path(model_path).with_name(CARD_FILE)
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelNotFoundError(f"model card {card_path} not found") from None
    except (OSError, ValueError) as exc:
        raise ModelIntegrityError(f"model card {card_path} is unreadable: {exc}") from None


def read_verified(path: str | os.PathLike, card: dict[str, Any] | None, hash_field: str) -> bytes:
    """The bytes of a model file, checked against ``card`` when given: its SHA-256 against the
    card's ``hash_field``, and the card's feature version against the code's."""
    p = Path(path)
    if not p.exists():
        raise ModelNotFoundError(f"model file {p} not found")
    try:
        data = read_bytes(p, f"model file {p}")  # a regular file of bounded size: not a FIFO, not /dev/zero
    except InputError as exc:
        raise ModelIntegrityError(str(exc)) from None
    if card is not None:
        expected = card.get(hash_field)
        actual = hashlib.sha256(data).hexdigest()
        if expected != actual:
            raise ModelIntegrityError(
                f"model file {p} does not match its card (SHA-256 {actual[:12]}…, card says "
                f"{str(expected)[:12]}…): refusing to load it"
            )
        check_feature_version(p, card.get("feature_version"))
    return data


def check_feature_version(path: str | os.PathLike, version: object) -> None:
    """Refuse a model trained on other features than this code computes."""
    if version != FEATURE_VERSION:
        raise ModelVersionError(
            f"model {path} was trained on feature version {version}, this code computes "
            f"version {FEATURE_VERSION}: retrain it (govparse-ml train)"
        )


# What each array of an arrays file is: its dtype kind (i int, f float, U str) and number of dims.
_ARRAY_SPECS: dict[str, tuple[str, int]] = {
    "feature_version": ("i", 0),
    "space_params": ("i", 1),
    "dictionary": ("U", 1),
    "head_vocab": ("i", 1),
    "tail_vocab": ("i", 1),
    "tokens": ("U", 1),
    "classes": ("U", 1),
    "weights": ("f", 2),
    "edge_weights": ("f", 2),
    "intercept": ("f", 1),
    "offsets": ("i", 1),
    "blocks": ("U", 1),  # only in a model with extra feature blocks
}
_OPTIONAL_ARRAYS = {"blocks"}
# The most an arrays file may unpack to: the shipped model is 2 MB; a file declaring more is refused
# before any of it is read (a 1 MB file of zeros declaring a 1 GB array took 1.1 GB to load).
MAX_ARRAYS_BYTES = 128 * 2**20


def check_arrays_file(data: bytes, path: str | os.PathLike, card: dict[str, Any] | None = None) -> None:
    """Refuse an arrays file whose arrays are not those :func:`export_arrays` writes, with shapes
    that fit together (and the card, if given), before anything in it is unpacked: only the
    zip directory and each array's header are read."""
    p = Path(path)
    try:
        shapes = _array_shapes(data, p)
    except ModelIntegrityError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ModelIntegrityError(f"model file {p} is corrupt: {type(exc).__name__}: {exc}") from None
    k, n_off = shapes["classes"][0], shapes["offsets"][0]
    rows = shapes["weights"][0]
    fits = (
        shapes["weights"][1] == n_off * k
        and shapes["edge_weights"] == (n_off - 1, k)
        and shapes["intercept"] == (k,)
        and shapes["space_params"] == (len(_SPACE_PARAMS),)
        and rows >= shapes["head_vocab"][0] + shapes["tail_vocab"][0] + shapes["tokens"][0]
    )
    if not fits:
        raise _not_arrays(
            p, f"array shapes do not fit together ({ {n: shapes[n] for n in ('weights', 'edge_weights', 'classes')} })"
        )
    if card is not None:
        expected = card.get("n_features")
        if expected is not None and expected != rows * n_off + n_off - 1:
            raise _not_arrays(p, f"{rows * n_off + n_off - 1} features, its card says {expected}")
        if card.get("labels") is not None and len(card["labels"]) != k:
            raise _not_arrays(p, f"{k} labels, its card says {len(card['labels'])}")


def _not_arrays(p: Path, why: str) -> ModelIntegrityError:
    return ModelIntegrityError(f"model file {p} is not a line classifier's arrays file: {why}")


def _array_shapes(data: bytes, p: Path) -> dict[str, tuple[int, ...]]:
    """The shape of every array of an arrays file, from the headers alone, each checked for its
    dtype and number of dimensions, the whole bounded by :data:`MAX_ARRAYS_BYTES`."""
    shapes: dict[str, tuple[int, ...]] = {}
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = {n.removesuffix(".npy"): n for n in zf.namelist()}
        if not set(_ARRAY_SPECS) - _OPTIONAL_ARRAYS <= set(names) <= set(_ARRAY_SPECS):
            missing = set(_ARRAY_SPECS) - _OPTIONAL_ARRAYS - set(names)
            extra = set(names) - set(_ARRAY_SPECS)
            raise _not_arrays(p, f"arrays missing {sorted(missing)}, unknown {sorted(extra)[:5]}")
        for name, member in names.items():
            with zf.open(member) as fh:
                shape, dtype = _array_header(fh, name, p)
            kind, ndim = _ARRAY_SPECS[name]
            if dtype.kind != kind or len(shape) != ndim:
                raise _not_arrays(p, f"array {name} is {dtype} of {len(shape)} dimensions, not {kind} of {ndim}")
            total += math.prod(shape) * dtype.itemsize
            if total > MAX_ARRAYS_BYTES:
                raise _not_arrays(
                    p, f"its arrays declare more than {MAX_ARRAYS_BYTES // 2**20} MB (array {name}: {shape})"
                )
            shapes[name] = shape
    return shapes


def _array_header(fh: Any, name: str, p: Path) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise _not_arrays(p, f"array {name} has .npy format {version}")
    return shape, dtype


def load_arrays(path: str | os.PathLike, card: dict[str, Any] | None = None) -> UnitScorer:
    """A scorer from an arrays file, checked against ``card`` (SHA-256, feature version) when given.

    The file is read with ``allow_pickle=False``: an arrays file cannot run code, so, unlike
    a joblib file, one from elsewhere needs no trust to be loaded.
    """
    p = Path(path)
    data = read_verified(p, card, "arrays_sha256")
    check_arrays_file(data, p, card)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            check_feature_version(p, int(arrays["feature_version"]))
            scorer = scorer_from_arrays(arrays)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelIntegrityError(f"model file {p} is corrupt: {type(exc).__name__}: {exc}") from None
    unknown = sorted(set(scorer.classes_) - set(LABELS))
    if unknown:
        raise ModelIntegrityError(f"model {p} predicts unknown labels {unknown}")
    if scorer.weights.shape[1] != len(scorer.offsets) * len(scorer.classes_):
        raise ModelIntegrityError(f"model {p} is inconsistent: weights of shape {scorer.weights.shape}")
    scorer.sha256 = hashlib.sha256(data).hexdigest()  # what outputs record as the model used
    return scorer


MODEL_ENV = "GOVPARSE_MODEL"


def configured_model_path() -> Path | None:
    """The model named by the ``GOVPARSE_MODEL`` environment variable: an arrays file (``.npz``)
    or a directory holding ``line_classifier.npz`` (a ``train`` output's ``model-best``); None
    when it is unset or empty."""
    value = os.environ.get(MODEL_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path / ARRAYS_FILE if path.is_dir() else path


def load_default() -> UnitScorer:
    """The default model for parsing: the one ``GOVPARSE_MODEL`` names, else the shipped
    ``models/line_classifier.npz`` beside the package, checked against its card's SHA-256 and
    feature version before it is read (a ``GOVPARSE_MODEL`` file without a card beside it is
    checked for its shapes only).

    Raises :class:`ModelError` (missing, tampered, corrupt or outdated); ``parse`` then uses
    the rules and says so in ``Report.warnings``.
    """
    configured = configured_model_path()
    if configured is not None:
        if configured.suffix != ".npz":
            raise ModelError(
                f"{MODEL_ENV}={configured}: give an arrays file (.npz) or a directory holding {ARRAYS_FILE} "
                "(a joblib file runs code when it is loaded, so it is never loaded from the environment)"
            )
        if not configured.exists():
            raise ModelNotFoundError(f"{MODEL_ENV}={configured}: no such model file")
        card = read_card(configured) if configured.with_name(CARD_FILE).exists() else None
        return load_arrays(configured, card)
    path = models_dir() / ARRAYS_FILE
    if not path.exists():
        raise ModelNotFoundError(
            f"no shipped model at {path} (an install from the repository carries one; or train one: govparse-ml train)"
        )
    return load_arrays(path, read_card(path))
