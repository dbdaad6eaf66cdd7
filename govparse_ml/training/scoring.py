"""How well a model labels lines and reads cells, against the rules alone.

Scoring is per physical line: each line gets the label of the unit that covers most of it,
exactly as :func:`govparse_ml.label.labeling.label_lines` does in ``parse``; blank lines are not
scored. The model is scored as ``parse`` uses it (its label where its probability reaches the
threshold, the rule's elsewhere) and alone (``model_raw``). Cells: the share of the gold cells
(``DATA/gold/NAME.cells.jsonl``), or of a generated document's true cells, that ``parse`` reads right.
Cross-validation is leave-one-document-out over the real documents: each fold trains on the other
real documents plus the generated ones (never a split by line: neighbouring lines leak).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from govparse_ml.classifier.estimator import LineClassifier
from govparse_ml.document import LABELS, Line
from govparse_ml.label.labeling import DEFAULT_THRESHOLD, UnitLabel, label_lines, label_units
from govparse_ml.training.data import (
    HELDOUT_SEED_BASE,
    LabeledDocument,
    TrainingDataError,
    generated_documents,
    gold_of,
    read_gold,
)
from govparse_ml.training.fit import fit_model

NONE_LABEL = "(none)"  # what a scored line gets when no unit covers it
_progress = logging.getLogger("govparse_ml.train")  # standard error in the CLI


def line_predictions(doc: LabeledDocument, model: Any | None, threshold: float = DEFAULT_THRESHOLD):
    """``(gold, predicted)`` labels of the scored lines (gold not None) of ``doc``, labelled as
    ``parse`` labels them: units by the model where it is sure enough (rules elsewhere), or
    by the rules alone (``model=None``); each line the label of its largest unit."""
    units, _, gold = doc.units()
    unit_labels: list[UnitLabel] = label_units(units, model, threshold)
    lines = [Line(n, "") for n in range(1, len(gold) + 1)]
    label_lines(lines, units, unit_labels)
    pairs = [(g, ln.label or NONE_LABEL) for g, ln in zip(gold, lines, strict=True) if g is not None]
    return [g for g, _ in pairs], [p for _, p in pairs]


def _precision_recall(gold: Sequence[str], pred: Sequence[str], label: str) -> dict[str, float]:
    tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
    n_pred = sum(p == label for p in pred)
    n_gold = sum(g == label for g in gold)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"p": prec, "r": rec, "f": f1, "support": n_gold}


def label_scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Per-label precision, recall, F1 and support; accuracy; macro-F1 over the labels present
    in the gold or the predictions; the confusion matrix (rows gold, columns predicted)."""
    labels = [lab for lab in LABELS if lab in set(gold) | set(pred)]
    cols = labels + ([NONE_LABEL] if NONE_LABEL in pred else [])
    per = {lab: _precision_recall(gold, pred, lab) for lab in labels}
    pairs = list(zip(gold, pred, strict=True))
    matrix = {g: {p: sum(a == g and b == p for a, b in pairs) for p in cols} for g in labels}
    acc = sum(g == p for g, p in pairs) / len(gold) if gold else 0.0
    macro = float(np.mean([per[lab]["f"] for lab in labels])) if labels else 0.0
    return {"per_label": per, "accuracy": acc, "macro_f1": macro, "n_lines": len(gold), "confusion": matrix}


def cell_accuracy(doc: LabeledDocument, gold: list[dict[str, Any]], model: Any | None) -> dict[str, Any]:
    """How many gold cells ``parse`` gets right (value equal, and raw equal with "" ≡ absent)."""
    from govparse_ml.pipeline import parse

    report = parse(doc.text, model=model)
    right, wrong = 0, []
    for g in gold:
        try:
            cell = report.cell(g["table"], g["row"], g["col"])
            ok = cell.value == g["value"] and (cell.raw or None) == (g["raw"] or None)
        except KeyError:  # read in the other format: the cell does not exist
            ok = False
        if ok:
            right += 1
        else:
            wrong.append(f"{g['table']}/{g['row']}/{g['col']}")
    return {"right": right, "total": len(gold), "wrong": wrong}


def generated_cell_accuracy(docs: Sequence[LabeledDocument], model: Any | None) -> dict[str, Any]:
    """Share of the generated documents' true cells that ``parse`` reads right (value only:
    the generator gives no raw text)."""
    from govparse_ml.pipeline import parse

    right = total = 0
    for doc in docs:
        report = parse(doc.text, model=model)
        right += cells_right(report, doc.meta["cells"])
        total += len(doc.meta["cells"])
    return {"right": right, "total": total, "accuracy": right / total if total else 0.0}


def cells_right(report, cells: dict) -> int:
    """How many of the truth ``cells`` ((table, row, col) -> value) the report reads (floats to 1e-9)."""
    right = 0
    for (table, row, col), value in cells.items():
        try:
            got = report.cell(table, row, col).value
        except KeyError:
            continue
        if got == value or (isinstance(got, float) and isinstance(value, float) and abs(got - value) < 1e-9):
            right += 1
    return right


def _score_cells(doc: LabeledDocument, gold_file: Path, model: Any, cells: dict, entry: dict[str, Any]) -> None:
    """Add the document's cell scores, with the model and with the rules, to the totals ``cells``
    and to its ``entry``."""
    gold_cells = read_gold(gold_file)
    for key, m in (("model", model), ("rules", None)):
        c = cell_accuracy(doc, gold_cells, m)
        cells[key]["right"] += c["right"]
        cells[key]["total"] += c["total"]
        entry[f"cells_{key}"] = f"{c['right']}/{c['total']}"
        if c["wrong"]:
            entry[f"cells_{key}_wrong"] = c["wrong"][:20]


def score_docs(
    docs: Sequence[LabeledDocument], models_for: Callable[[LabeledDocument], Any], data_dir: Path | None
) -> dict[str, Any]:
    """Line and cell scores of the model (``models_for(doc)``) and of the rules over ``docs``;
    cells only where ``data_dir`` is given and the document has a gold file."""
    gold_all: list[str] = []
    pred: dict[str, list[str]] = {"model": [], "model_raw": [], "rules": []}
    cells: dict[str, dict[str, Any]] = {"model": {"right": 0, "total": 0}, "rules": {"right": 0, "total": 0}}
    per_doc = []
    for doc in docs:
        model = models_for(doc)
        g, p_model = line_predictions(doc, model)
        _, p_raw = line_predictions(doc, model, threshold=0.0)
        _, p_rules = line_predictions(doc, None)
        gold_all += g
        pred["model"] += p_model
        pred["model_raw"] += p_raw
        pred["rules"] += p_rules
        entry: dict[str, Any] = {
            "name": doc.name,
            "lines": len(g),
            "model_errors": sum(a != b for a, b in zip(g, p_model, strict=True)),
            "rules_errors": sum(a != b for a, b in zip(g, p_rules, strict=True)),
        }
        gold_file = gold_of(doc, data_dir) if data_dir is not None else None
        if gold_file is not None and gold_file.exists():
            _score_cells(doc, gold_file, model, cells, entry)
        per_doc.append(entry)
    out: dict[str, Any] = {key: label_scores(gold_all, p) for key, p in pred.items()}
    for key in ("model", "rules"):
        if cells[key]["total"]:
            out[key]["cell_accuracy"] = cells[key]["right"] / cells[key]["total"]
            out[key]["cells"] = f"{cells[key]['right']}/{cells[key]['total']}"
    out["documents"] = per_doc
    return out


def cross_validate(
    real: Sequence[LabeledDocument],
    generated: Sequence[LabeledDocument],
    data_dir: Path | None,
    verbose: bool = False,
    n_jobs: int | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Leave-one-document-out over ``real``: each fold trains on the other real documents
    plus ``generated`` and labels the held-out one; scores pooled over the folds. Folds run
    in ``n_jobs`` processes (default: up to 2, each fit holds a few hundred MB)."""
    if len(real) < 2:
        raise TrainingDataError("cross-validation needs at least two labeled documents")
    if n_jobs is None:
        n_jobs = max(1, min(2, os.cpu_count() or 1, len(real)))
    folds = [([d for d in real if d is not doc], doc.name) for doc in real]
    t0 = time.perf_counter()
    if n_jobs > 1:
        from joblib import Parallel, delayed

        models = Parallel(n_jobs=n_jobs)(delayed(fit_model)([*others, *generated], **params) for others, _ in folds)
    else:
        models = [fit_model([*others, *generated], **params) for others, _ in folds]
    if verbose:
        _progress.info(f"  {len(folds)} folds trained in {time.perf_counter() - t0:.1f} s ({n_jobs} processes)")
    fold_models = {name: m for (_, name), m in zip(folds, models, strict=True)}
    return score_docs(real, lambda d: fold_models[d.name], data_dir)


def heldout_generated(
    model: LineClassifier,
    seed: int,
    n: int,
    layouts: Sequence[str] | None = None,
    *,
    cells: bool = False,
) -> dict[str, Any]:
    """Line scores on ``n`` generated documents of seeds never trained on; with ``cells``,
    also the share of their true table cells ``parse`` reads right with the model and with
    the rules alone."""
    docs = generated_documents(HELDOUT_SEED_BASE + seed, n, layouts=layouts)
    scores = score_docs(docs, lambda d: model, None)
    scores.pop("documents")
    if cells:
        for key, m in (("model", model), ("rules", None)):
            c = generated_cell_accuracy(docs, m)
            scores[key]["cell_accuracy"] = c["accuracy"]
            scores[key]["cells"] = f"{c['right']}/{c['total']}"
    return scores
