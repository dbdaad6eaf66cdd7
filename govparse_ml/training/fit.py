"""The line classifier fit on labeled documents.

Units and lines: the labels are per physical line, the classifier labels units (a physical line
may be cut into several, see :mod:`govparse_ml.text.units`). Every unit inherits the label of
its line, except the units of a line cut into several, which are left out (see :func:`unit_dataset`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from govparse_ml.classifier.estimator import LineClassifier
from govparse_ml.document import LABELS
from govparse_ml.text.units import Unit
from govparse_ml.training.data import LabeledDocument, TrainingDataError


def unit_dataset(
    docs: Iterable[LabeledDocument], *, composite: str = "skip"
) -> tuple[list[list[Unit]], list[list[str]]]:
    """``(X, y)`` for :class:`LineClassifier`: per document, the units whose line has a label,
    each with its line's label.

    A line that :mod:`govparse_ml.text.units` cuts into several units (a whole report, or a heading
    and a table, on one line) has one label for all of them, right for few: a one-line report
    is labelled by the label of most of its characters. ``composite="skip"`` leaves such units
    out of training (measured: with them in, the model learns to call a heading or a table
    inside a long line by the line's label, and table cells are lost); ``"inherit"`` keeps them.
    """
    if composite not in ("skip", "inherit"):
        raise ValueError(f"composite must be 'skip' or 'inherit', not {composite!r}")
    X, y = [], []
    for doc in docs:
        units, unit_labels, _ = doc.units()
        pieces = Counter(u.line for u in units)
        keep = [
            (u, lab)
            for u, lab in zip(units, unit_labels, strict=True)
            if lab is not None and (composite == "inherit" or pieces[u.line] == 1)
        ]
        X.append([u for u, _ in keep])
        y.append([lab for _, lab in keep])
    return X, y


def fit_model(docs: Sequence[LabeledDocument], **params: Any) -> LineClassifier:
    """A :class:`LineClassifier` (``params``: its parameters) fit on the units of ``docs``."""
    X, y = unit_dataset(docs)
    classes = sorted({label for doc_labels in y for label in doc_labels})
    if len(classes) < 2:
        raise TrainingDataError(
            f"the training data has {'lines of one label only (' + classes[0] + ')' if classes else 'no labeled lines'}: "
            f"a classifier needs at least two of {', '.join(LABELS)}; add labeled documents (or drop --no-generated)"
        )
    return LineClassifier(**params).fit(X, y)
