"""The line classifier: a scikit-learn sequence labeller of units, and its safe persistence.

:class:`LineClassifier` is an estimator in the sequence-labelling convention of
sklearn-crfsuite: ``X`` is a list of documents (each a list of :class:`~govparse_ml.text.units.Unit`
or of unit texts), ``y`` a list of label lists. Inside, a :class:`~sklearn.pipeline.Pipeline`
of the :class:`~govparse_ml.classifier.features.Featurizer` and a logistic regression gives the class
probabilities of every unit from its own features and its neighbours'; optionally
(``decode="viterbi"``) a Viterbi pass over the log-probabilities with a transition matrix
learned from the training label bigrams makes neighbouring labels agree.

Prediction for the parser (:meth:`LineClassifier.predict_units`) does not go through the
Pipeline's sparse matrices: the linear model's weights are split per neighbour offset, the
unit's own features are scored once against all of them, and the scores are shifted and
summed, which gives the same numbers in a fraction of the time.

Persistence: :func:`save_model` writes ``line_classifier.joblib`` atomically and its card
``line_classifier.json`` (labels, feature version, hashes of the training data and of the
model file, library versions, scores). A joblib file runs code when it is loaded, so
:func:`load_shipped` checks the shipped file's SHA-256 against the card *before* unpickling,
and :func:`load_model` refuses any other path unless the caller says ``trust=True``.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from govparse_ml.classifier import store
from govparse_ml.classifier.features import FEATURE_PARAMS, FEATURE_VERSION, FeatureSpace
from govparse_ml.classifier.scorer import UnitScorer, export_arrays
from govparse_ml.classifier.store import (
    ARRAYS_FILE,
    CARD_FILE,
    MODEL_FILE,
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    check_feature_version,
    read_card,
    read_verified,
    write_model_set,
)
from govparse_ml.document import LABELS
from govparse_ml.text.units import Unit

DECODERS = ("none", "viterbi")


class UntrustedModelError(ModelError):
    """A model path other than the shipped model, without ``trust=True``."""


# --------------------------------------------------------------------------- estimators


class Featurizer(FeatureSpace, BaseEstimator, TransformerMixin):
    """:class:`~govparse_ml.classifier.features.FeatureSpace` as a scikit-learn transformer, the first
    step of the classifier's Pipeline (same parameters, ``fit`` / ``transform``)."""


class LineClassifier(BaseEstimator, ClassifierMixin):
    """Labels every unit of a document heading / table / prose / other.

    ``fit(X, y)``, ``predict(X)`` and ``predict_proba(X)`` take lists of documents (lists of
    units or unit texts) and give lists per document. Parameters: the logistic regression's
    ``C``, ``class_weight`` and ``max_iter``; ``decode`` (``"viterbi"`` or ``"none"``),
    ``transition_weight`` (scale of the log transition probabilities against the class
    log-probabilities) and ``smoothing`` (added to every transition count); ``temperature``
    (the fitted scores are divided by it: temperature scaling of the probabilities); and the
    featurizer's parameters (see :class:`~govparse_ml.classifier.features.Featurizer`).
    """

    def __init__(
        self,
        C: float = 4.0,
        class_weight: str | dict | None = None,
        max_iter: int = 300,
        decode: str = "none",
        transition_weight: float = 1.0,
        smoothing: float = 1.0,
        ngram_max: int = 3,
        head_chars: int = 16,
        tail_chars: int = 4,
        min_df: int = 3,
        max_ngrams: int = 12000,
        jieba_max_len: int = 16,
        window: int = 2,
        use_ngrams: bool = True,
        use_jieba: bool = True,
        temperature: float = 1.0,
        blocks: tuple[str, ...] = (),
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.decode = decode
        self.transition_weight = transition_weight
        self.smoothing = smoothing
        self.ngram_max = ngram_max
        self.head_chars = head_chars
        self.tail_chars = tail_chars
        self.min_df = min_df
        self.max_ngrams = max_ngrams
        self.jieba_max_len = jieba_max_len
        self.window = window
        self.use_ngrams = use_ngrams
        self.use_jieba = use_jieba
        self.temperature = temperature
        self.blocks = tuple(blocks)

    # A model pickled before the extra feature blocks existed has no ``blocks``: it has none.
    blocks: tuple[str, ...] = ()

    # ----------------------------------------------------------------- fit

    def _featurizer(self) -> Featurizer:
        return Featurizer(**{p: getattr(self, p) for p in FEATURE_PARAMS})

    def fit(self, X: Sequence, y: Sequence[Sequence[str]]) -> LineClassifier:
        if self.decode not in DECODERS:
            raise ValueError(f"decode must be one of {DECODERS}, not {self.decode!r}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, not {self.temperature!r}")
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} documents but y has {len(y)} label lists")
        for i, (doc, labels) in enumerate(zip(X, y, strict=True)):
            if len(doc) != len(labels):
                raise ValueError(f"document {i}: {len(doc)} units but {len(labels)} labels")
        flat = [label for labels in y for label in labels]
        unknown = sorted(set(flat) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; expected {LABELS}")
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, tol=1e-4)
        self.pipeline_ = Pipeline([("features", self._featurizer()), ("model", model)])
        self.pipeline_.fit(X, np.array(flat))
        if self.temperature != 1.0:
            # Temperature scaling: the scores divided by T, so the same labels with calibrated
            # probabilities; done on the weights, the Pipeline and the compiled scorer agree.
            model.coef_ = model.coef_ / self.temperature
            model.intercept_ = model.intercept_ / self.temperature
        self.classes_ = model.classes_
        self._fit_transitions(y)
        self.feature_version_ = FEATURE_VERSION
        self.n_train_units_ = len(flat)
        self.n_train_documents_ = len(X)
        self._compile()
        return self

    def _fit_transitions(self, y: Sequence[Sequence[str]]) -> None:
        index = {c: i for i, c in enumerate(self.classes_)}
        k = len(self.classes_)
        counts = np.full((k, k), float(self.smoothing))
        start = np.full(k, float(self.smoothing))
        for labels in y:
            seq = [index[label] for label in labels]
            if seq:
                start[seq[0]] += 1
            for a, b in itertools.pairwise(seq):
                counts[a, b] += 1
        self.transition_counts_ = counts - self.smoothing
        self.log_transitions_ = np.log(counts / counts.sum(axis=1, keepdims=True))
        self.log_start_ = np.log(start / start.sum())

    def _compile(self) -> None:
        """Split the linear weights per neighbour offset into the :class:`UnitScorer` that predicts."""
        fz: Featurizer = self.pipeline_.named_steps["features"]
        model: LogisticRegression = self.pipeline_.named_steps["model"]
        coef = model.coef_  # (k, n_features_out) — or (1, …) for two classes
        intercept = model.intercept_
        if coef.shape[0] == 1:  # binary: sklearn keeps one row, the log-odds of classes_[1]
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        nb, w = fz.n_base_, fz.window
        offsets = [0]
        for k in range(1, w + 1):
            offsets += [-k, +k]
        blocks = [coef[:, i * nb : (i + 1) * nb].T for i in range(len(offsets))]  # each (nb, k)
        self._scorer = UnitScorer(
            fz, self.classes_, np.hstack(blocks), coef[:, len(offsets) * nb :].T, intercept.copy(), offsets
        )

    # The split weights are derived from the Pipeline's: rebuilt after unpickling, not stored.
    _COMPILED = ("_scorer",)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ may return __dict__ itself
        for key in self._COMPILED:
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "pipeline_" in state:
            self._compile()

    # ----------------------------------------------------------------- predict

    def _doc_log_proba(self, doc) -> np.ndarray:
        """Log-probabilities (n_units × classes) of one document, from the split weights
        (:class:`~govparse_ml.classifier.scorer.UnitScorer`), not the Pipeline's sparse matrices."""
        return self._scorer.doc_log_proba(doc)

    def predict_proba(self, X: Sequence) -> list[np.ndarray]:
        """Per document, the class probabilities of its units (columns in ``classes_`` order),
        before sequence decoding."""
        return [np.exp(self._doc_log_proba(doc)) for doc in X]

    def predict(self, X: Sequence) -> list[list[str]]:
        return [self._predict_doc(doc)[0] for doc in X]

    def _predict_doc(self, doc) -> tuple[list[str], np.ndarray]:
        log_p = self._doc_log_proba(doc)
        if not len(log_p):
            return [], np.zeros(0)
        proba = np.exp(log_p)
        if self.decode == "viterbi":
            path = viterbi(log_p, self.transition_weight * self.log_transitions_, self.log_start_)
        else:
            path = log_p.argmax(axis=1)
        conf = proba[np.arange(len(path)), path]
        return self.classes_[path].tolist(), conf

    def predict_units(self, units: list[Unit]) -> tuple[list[str], list[float]]:
        """The labelling protocol (:class:`govparse_ml.label.labeling.UnitModel`): a label and the
        model's probability of it for every unit of one document."""
        labels, conf = self._predict_doc(units)
        return labels, conf.tolist()

    def score(self, X, y, sample_weight=None) -> float:
        """Unit accuracy over all documents."""
        pred = [p for doc in self.predict(X) for p in doc]
        gold = [g for labels in y for g in labels]
        return float(np.mean([p == g for p, g in zip(pred, gold, strict=True)])) if gold else 0.0


# --------------------------------------------------------------------------- decoding


def viterbi(log_emit: np.ndarray, log_trans: np.ndarray, log_start: np.ndarray) -> np.ndarray:
    """The best label path: argmax over paths of Σ log_emit[t, y_t] + Σ log_trans[y_t-1, y_t]
    + log_start[y_0]. ``log_emit`` is ``n × k``; returns ``n`` class indices."""
    n, k = log_emit.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    back = np.empty((n, k), dtype=np.int64)
    delta = log_start + log_emit[0]
    cols = np.arange(k)
    for t in range(1, n):
        cand = delta[:, None] + log_trans  # cand[i, j]: come from i into j
        best = cand.argmax(axis=0)
        back[t] = best
        delta = cand[best, cols] + log_emit[t]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(delta.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


# --------------------------------------------------------------------------- persistence


def default_model_path() -> Path:
    """The shipped estimator's file (the arrays beside it are what ``parse`` loads)."""
    return store.models_dir() / MODEL_FILE


def library_versions() -> dict[str, str]:
    import jieba
    import joblib
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "jieba": getattr(jieba, "__version__", "unknown"),
        "joblib": joblib.__version__,
    }


def save_model(model: LineClassifier, out_dir: str | os.PathLike, card: dict[str, Any] | None = None) -> Path:
    """Write ``out_dir/line_classifier.joblib`` (the estimator), ``line_classifier.npz`` (its
    arrays, what ``parse`` loads) and their card ``line_classifier.json``.

    The three are written as one set (:func:`write_model_set`: a new directory swapped in), so
    a failure leaves whatever was there before, and the card always matches the files beside it.
    ``card`` adds fields (training data, scores, …) to the card.
    Returns the joblib file's path.
    """
    import joblib

    out = Path(out_dir)
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    data = buf.getvalue()
    buf = io.BytesIO()
    np.savez_compressed(buf, **export_arrays(model._scorer))
    arrays = buf.getvalue()
    fz: Featurizer = model.pipeline_.named_steps["features"]
    full_card: dict[str, Any] = {
        "model_file": MODEL_FILE,
        "model_sha256": hashlib.sha256(data).hexdigest(),
        "model_bytes": len(data),
        "arrays_file": ARRAYS_FILE,
        "arrays_sha256": hashlib.sha256(arrays).hexdigest(),
        "arrays_bytes": len(arrays),
        "labels": [str(c) for c in model.classes_],
        "feature_version": FEATURE_VERSION,
        "params": {k: v for k, v in model.get_params().items() if isinstance(v, str | int | float | bool | type(None))},
        "n_features": int(fz.n_features_out_),
        "transitions": {
            "labels": [str(c) for c in model.classes_],
            "counts": np.asarray(model.transition_counts_).astype(int).tolist(),
        },
        "library_versions": library_versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    full_card.update(card or {})
    card_bytes = (json.dumps(full_card, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    write_model_set(out, {MODEL_FILE: data, ARRAYS_FILE: arrays, CARD_FILE: card_bytes})
    return out / MODEL_FILE


def _load_verified(path: Path, card: dict[str, Any] | None) -> LineClassifier:
    """Read the file, check it against the card (hash, feature version) and only then unpickle it."""
    import joblib

    data = read_verified(path, card, "model_sha256")
    try:
        model = joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise ModelIntegrityError(f"model file {path} is corrupt: {type(exc).__name__}: {exc}") from None
    if not isinstance(model, LineClassifier) or not hasattr(model, "pipeline_"):
        raise ModelIntegrityError(f"{path} does not hold a fitted LineClassifier (found {type(model).__name__})")
    check_feature_version(path, getattr(model, "feature_version_", None))
    if not set(model.classes_) <= set(LABELS):
        raise ModelIntegrityError(f"model {path} predicts unknown labels {sorted(set(model.classes_) - set(LABELS))}")
    model.pipeline_.named_steps["features"].prepare()
    model.sha256 = hashlib.sha256(data).hexdigest()  # what outputs record as the model used
    return model


def load_shipped() -> LineClassifier:
    """The shipped model (``models/line_classifier.joblib`` beside the package), checked
    against its card's SHA-256 and feature version before it is unpickled.

    Raises :class:`ModelError` (missing, tampered, corrupt or outdated); ``parse`` then uses
    the rules and says so in ``Report.warnings``.
    """
    path = default_model_path()
    if not path.exists():
        raise ModelNotFoundError(
            f"no shipped model at {path} (a checkout installed with `pip install -e .` has one; "
            "or train one: govparse-ml train)"
        )
    return _load_verified(path, read_card(path))


def load_model(path: str | os.PathLike, *, trust: bool = False) -> LineClassifier | UnitScorer:
    """A model from ``path``: an arrays file (``.npz``, read without pickle, no trust needed),
    the shipped joblib file (checked against its card), or, with ``trust=True`` only, any
    other joblib file (checked against a card beside it if there is one).

    Loading a joblib file runs code from it, so a path from elsewhere is refused unless the
    caller vouches for it.
    """
    p = Path(path)
    if p.is_dir():
        p = p / MODEL_FILE
    if p.suffix == ".npz":
        # An arrays file is read without pickle: it cannot run code, so it needs no trust;
        # a card beside it, if there is one, must match it.
        if not p.exists():
            raise ModelNotFoundError(f"model file {p} not found")
        card = read_card(p) if p.with_name(CARD_FILE).exists() else None
        return store.load_arrays(p, card)
    shipped = default_model_path()
    if p.exists() and shipped.exists() and p.resolve() == shipped.resolve():
        return load_shipped()
    if not trust:
        raise UntrustedModelError(
            f"refusing to load model {p}: a joblib file runs code when it is loaded, and only the shipped model "
            "is trusted by default. If you made this file yourself, pass trust=True (command line: --trust-model)."
        )
    if not p.exists():
        raise ModelNotFoundError(f"model file {p} not found")
    card_path = p.with_name(CARD_FILE)
    card = read_card(p) if card_path.exists() and p.name == MODEL_FILE else None
    return _load_verified(p, card)


def model_size(path: str | os.PathLike | None = None) -> int:
    return (Path(path) if path else default_model_path()).stat().st_size
