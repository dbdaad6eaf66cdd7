"""Training and evaluation of the line classifier (``govparse-ml train`` / ``govparse-ml eval``).

Data: ``DATA/labeled/*.jsonl`` (real documents, one ``{"text", "label"}`` object per physical
line; see ``training_data/README.md``) plus documents from :mod:`govparse_ml.synth.generate`
(deterministic from the seed, every layout and both formats).

Units and lines: the labels are per physical line, the classifier labels units (a physical
line may be cut into several, see :mod:`govparse_ml.text.units`). Training: every unit inherits the
label of its line, except the units of a line cut into several, which are left out (see
:func:`unit_dataset`). Scoring: per physical line, the line getting the label of the unit that
covers most of it, exactly as :func:`govparse_ml.label.labeling.label_lines` does in ``parse``;
blank lines are not scored.

Evaluation compares the model (as ``parse`` uses it: its label where its probability reaches
the threshold, the rule's elsewhere) with the rules alone, per label (precision, recall, F1,
support), with a confusion matrix, accuracy and macro-F1, and the table-cell accuracy against
the gold files (``DATA/gold/NAME.cells.jsonl``). ``cv=True`` runs leave-one-document-out
cross-validation over the real documents: each fold trains on the other real documents plus
the generated ones (never a split by line: neighbouring lines leak).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from govparse_ml.classifier.estimator import LineClassifier, load_default, load_model, save_model
from govparse_ml.document import LABELS, Line
from govparse_ml.io.files import InputError, read_bytes
from govparse_ml.label.labeling import DEFAULT_THRESHOLD, UnitLabel, label_lines, label_units
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import Unit, split_units

# Generated documents added to the real ones by default: measured (see models/README.md), the
# held-out scores stop improving well before this and training stays under a minute.
DEFAULT_N_GENERATED = 400
# Generated documents for held-out scores use seeds from here on: never trained on.
HELDOUT_SEED_BASE = 1_000_000
NONE_LABEL = "(none)"  # what a scored line gets when no unit covers it


class TrainingDataError(InputError):
    """A labeled file that cannot be used; the message names the file and the line."""


# --------------------------------------------------------------------------- data


@dataclass
class LabeledDocument:
    """One labeled document: its physical lines and their labels (None for blank lines)."""

    name: str
    lines: list[str]
    labels: list[str | None]
    source: str = "file"  # "file" | "generated"
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def units(self) -> tuple[list[Unit], list[str | None], list[str | None]]:
        """The units ``parse`` cuts this document into, the label each inherits from its line,
        and the gold label of each of ``parse``'s lines (``split_lines`` of the text)."""
        text = self.text
        pipeline_lines = split_lines(text)
        # A \r inside a labeled line: parse sees more lines; each keeps its labeled line's label.
        same = len(pipeline_lines) == len(self.lines)
        gold = list(self.labels) if same else _realign(self.lines, self.labels, text)
        gold = [g if pl.strip() else None for g, pl in zip(gold, pipeline_lines, strict=True)]
        units = split_units(pipeline_lines)
        return units, [gold[u.line - 1] for u in units], gold


def _realign(lines: list[str], labels: list[str | None], text: str) -> list[str | None]:
    starts = np.cumsum([0] + [len(t) + 1 for t in lines[:-1]])
    breaks = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    return [labels[int(np.searchsorted(starts, b, side="right")) - 1] for b in breaks]


def read_labeled_file(path: str | os.PathLike) -> LabeledDocument:
    """Read and check one ``NAME.jsonl`` file; raises :class:`TrainingDataError` naming the
    file and the line of the first problem."""
    p = Path(path)
    try:
        raw = read_bytes(p)  # a regular file of bounded size: a FIFO would hang, /dev/zero eat the memory
    except InputError as exc:
        raise TrainingDataError(str(exc)) from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise TrainingDataError(f"{p}, line {line_no}: not UTF-8 ({exc.reason})") from None
    if content.startswith("\ufeff"):
        content = content[1:]
    rows = content.split("\n")
    if rows and rows[-1] == "":
        rows.pop()  # the file's final newline
    lines: list[str] = []
    labels: list[str | None] = []
    for i, row in enumerate(rows, start=1):
        where = f"{p}, line {i}"
        if not row.strip():
            raise TrainingDataError(f'{where}: empty line (a blank input line is {{"text": "", "label": null}})')
        try:
            obj = json.loads(row)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise TrainingDataError(
                f'{where}: expected a JSON object {{"text": ..., "label": ...}}, got {type(obj).__name__}'
            )
        for key in ("text", "label"):
            if key not in obj:
                raise TrainingDataError(f"{where}: missing field {key!r}")
        text, label = obj["text"], obj["label"]
        if not isinstance(text, str):
            raise TrainingDataError(f"{where}: field 'text' must be a string, not {type(text).__name__}")
        if "\n" in text:
            raise TrainingDataError(f"{where}: field 'text' holds a line break: one object per line")
        if label is not None and label not in LABELS:
            raise TrainingDataError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)} or null)")
        blank = not text.strip()
        if blank and label is not None:
            raise TrainingDataError(f"{where}: a blank line has label {label!r}; blank lines have label null")
        if not blank and label is None:
            raise TrainingDataError(f"{where}: label null on a line with text; give it one of {', '.join(LABELS)}")
        lines.append(text)
        labels.append(label)
    if not lines:
        raise TrainingDataError(f"{p}: no lines")
    return LabeledDocument(p.stem, lines, labels, "file", p)


def labeled_files(data_dir: str | os.PathLike) -> list[Path]:
    """The labeled files of a data directory: ``DATA/labeled/*.jsonl`` (or ``DATA/*.jsonl``)."""
    d = Path(data_dir)
    if not d.is_dir():
        raise TrainingDataError(f"{d}: no such data directory")
    sub = d / "labeled"
    files = sorted(sub.glob("*.jsonl")) if sub.is_dir() else sorted(d.glob("*.jsonl"))
    return files


def read_labeled_dir(data_dir: str | os.PathLike) -> list[LabeledDocument]:
    return [read_labeled_file(f) for f in labeled_files(data_dir)]


def gold_path(data_dir: str | os.PathLike, name: str) -> Path:
    return Path(data_dir) / "gold" / f"{name}.cells.jsonl"


def _gold_of(doc: LabeledDocument, data_dir: Path | None) -> Path | None:
    """The gold cells of a labeled document: ``DATA/gold/NAME.cells.jsonl`` of the data
    directory its file is in (``DATA/labeled/NAME.jsonl`` or ``DATA/NAME.jsonl``)."""
    if doc.path is not None:
        parent = doc.path.parent
        root = parent.parent if parent.name == "labeled" else parent
        return gold_path(root, doc.name)
    return gold_path(data_dir, doc.name) if data_dir is not None else None


def bundled_data_dir() -> Path:
    """The labeled data shipped with the package: ``govparse_ml/training_data`` in an installed
    wheel, else ``training_data/`` of the checkout the package runs from."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "training_data"
    return installed if (installed / "labeled").is_dir() else package.parent / "training_data"


def _data_dirs(data_dir: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    if isinstance(data_dir, str | os.PathLike):
        return [Path(data_dir)]
    return [Path(d) for d in data_dir]


def read_gold(path: Path) -> list[dict[str, Any]]:
    cells = []
    try:
        raw = read_bytes(path)
        content = raw.decode("utf-8").removeprefix("\ufeff")
    except InputError as exc:
        raise TrainingDataError(str(exc)) from None
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise TrainingDataError(
            f"{path}, line {line_no}: not UTF-8 ({exc.reason}): save the gold file as UTF-8"
        ) from None
    for i, row in enumerate(content.split("\n"), start=1):
        if not row.strip():
            continue
        try:
            obj = json.loads(row)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{path}, line {i}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not {"table", "row", "col", "value", "raw"} <= obj.keys():
            raise TrainingDataError(f"{path}, line {i}: expected an object with table, row, col, value, raw")
        cells.append(obj)
    return cells


def generated_documents(seed: int, n: int, *, layouts: Sequence[str] | None = None) -> list[LabeledDocument]:
    """``n`` generated documents, deterministic from ``seed``: layouts and formats in turn, so
    that every layout and both formats are present in any run of a few dozen."""
    from govparse_ml.format import schema
    from govparse_ml.synth.generate import LAYOUTS, generate

    layouts = tuple(layouts or LAYOUTS)
    docs = []
    for i in range(n):
        layout = layouts[i % len(layouts)]
        fmt = schema.FORMATS[(i // len(layouts)) % len(schema.FORMATS)]
        g = generate(seed * 100_003 + i, format_version=fmt, layout=layout)
        lines = g.text.split("\n")
        labels = [lab if t.strip() else None for t, lab in zip(lines, g.labels, strict=True)]
        docs.append(
            LabeledDocument(
                f"generated-{seed}-{i}-{layout}-{fmt}",
                lines,
                labels,
                "generated",
                meta={"layout": layout, "format": fmt, "cells": g.cells},
            )
        )
    return docs


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


def fit_model(docs: Sequence[LabeledDocument], **params) -> LineClassifier:
    X, y = unit_dataset(docs)
    classes = sorted({label for doc_labels in y for label in doc_labels})
    if len(classes) < 2:
        raise TrainingDataError(
            f"the training data has {'lines of one label only (' + classes[0] + ')' if classes else 'no labeled lines'}: "
            f"a classifier needs at least two of {', '.join(LABELS)}; add labeled documents (or drop --no-generated)"
        )
    return LineClassifier(**params).fit(X, y)


# --------------------------------------------------------------------------- scoring


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


def label_scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Per-label precision, recall, F1 and support; accuracy; macro-F1 over the labels present
    in the gold or the predictions; the confusion matrix (rows gold, columns predicted)."""
    labels = [lab for lab in LABELS if lab in set(gold) | set(pred)]
    cols = labels + ([NONE_LABEL] if NONE_LABEL in pred else [])
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred, strict=True))
        n_pred = sum(p == lab for p in pred)
        n_gold = sum(g == lab for g in gold)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"p": prec, "r": rec, "f": f1, "support": n_gold}
    matrix = {g: {p: sum(a == g and b == p for a, b in zip(gold, pred, strict=True)) for p in cols} for g in labels}
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0
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
        for (table, row, col), value in doc.meta["cells"].items():
            total += 1
            try:
                got = report.cell(table, row, col).value
            except KeyError:
                continue
            if got == value or (isinstance(got, float) and isinstance(value, float) and abs(got - value) < 1e-9):
                right += 1
    return {"right": right, "total": total, "accuracy": right / total if total else 0.0}


def _score_docs(docs, models_for, data_dir: Path | None) -> dict[str, Any]:
    """Line and cell scores of the model (``models_for(doc)``) and of the rules over ``docs``."""
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
        gp = _gold_of(doc, data_dir) if data_dir is not None else None
        if gp is not None and gp.exists():
            gold_cells = read_gold(gp)
            for key, m in (("model", model), ("rules", None)):
                c = cell_accuracy(doc, gold_cells, m)
                cells[key]["right"] += c["right"]
                cells[key]["total"] += c["total"]
                entry[f"cells_{key}"] = f"{c['right']}/{c['total']}"
                if c["wrong"]:
                    entry[f"cells_{key}_wrong"] = c["wrong"][:20]
        per_doc.append(entry)
    out: dict[str, Any] = {key: label_scores(gold_all, p) for key, p in pred.items()}
    for key in ("model", "rules"):
        if cells[key]["total"]:
            out[key]["cell_accuracy"] = cells[key]["right"] / cells[key]["total"]
            out[key]["cells"] = f"{cells[key]['right']}/{cells[key]['total']}"
    out["documents"] = per_doc
    return out


# --------------------------------------------------------------------------- reports


def format_scores(scores: dict[str, Any], title: str) -> str:
    """spaCy-style tables: per label P R F support for the model and the rules side by side,
    then accuracy, macro-F1, cell accuracy and the confusion matrices."""
    m, r = scores["model"], scores["rules"]
    out = [f"\n=== {title} ===", ""]
    out.append(f"{'':10} {'model (as parse uses it)':>30}   {'rules':>24}")
    out.append(f"{'label':10} {'P':>8} {'R':>8} {'F':>8}   {'P':>8} {'R':>8} {'F':>8} {'support':>8}")
    for lab in LABELS:
        if lab not in m["per_label"] and lab not in r["per_label"]:
            continue
        a = m["per_label"].get(lab, {"p": 0, "r": 0, "f": 0, "support": 0})
        b = r["per_label"].get(lab, {"p": 0, "r": 0, "f": 0, "support": 0})
        out.append(
            f"{lab:10} {a['p'] * 100:8.2f} {a['r'] * 100:8.2f} {a['f'] * 100:8.2f}   "
            f"{b['p'] * 100:8.2f} {b['r'] * 100:8.2f} {b['f'] * 100:8.2f} {a['support'] or b['support']:8d}"
        )
    out.append("")
    out.append(f"{'accuracy':10} {m['accuracy'] * 100:26.2f}   {r['accuracy'] * 100:26.2f}")
    out.append(f"{'macro-F1':10} {m['macro_f1'] * 100:26.2f}   {r['macro_f1'] * 100:26.2f}")
    raw = scores.get("model_raw")
    if raw:
        out.append(
            f"(model alone, no rule fallback: accuracy {raw['accuracy'] * 100:.2f}, macro-F1 {raw['macro_f1'] * 100:.2f})"
        )
    if "cells" in m:
        out.append(
            f"{'cells':10} {m['cells']:>20} {m['cell_accuracy'] * 100:5.1f}%   {r['cells']:>20} {r['cell_accuracy'] * 100:5.1f}%"
        )
    for key, name in (("model", "model"), ("rules", "rules")):
        conf = scores[key]["confusion"]
        cols = list(next(iter(conf.values())).keys()) if conf else []
        out.append("")
        out.append(f"confusion ({name}): rows gold, columns predicted")
        out.append(f"{'':10} " + " ".join(f"{c:>8}" for c in cols))
        for g, row in conf.items():
            out.append(f"{g:10} " + " ".join(f"{row[c]:8d}" for c in cols))
    docs = scores.get("documents") or []
    if docs:
        out.append("")
        out.append(
            f"{'document':34} {'lines':>6} {'model err':>10} {'rules err':>10} {'cells model':>12} {'cells rules':>12}"
        )
        for d in docs:
            out.append(
                f"{d['name'][:34]:34} {d['lines']:6d} {d['model_errors']:10d} {d['rules_errors']:10d} "
                f"{d.get('cells_model', '-'):>12} {d.get('cells_rules', '-'):>12}"
            )
    return "\n".join(out)


def _log(verbose: bool, msg: str) -> None:
    """Progress of train / eval: the ``govparse_ml.train`` logger (standard error in the CLI)."""
    if verbose:
        import logging

        logging.getLogger("govparse_ml.train").info(msg)


# --------------------------------------------------------------------------- train


def data_hashes(files: Iterable[Path]) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def documents_hash(docs: Iterable[LabeledDocument]) -> str:
    """SHA-256 of documents as labeled JSONL (what a generated training set was, exactly)."""
    h = hashlib.sha256()
    for doc in docs:
        for text, label in zip(doc.lines, doc.labels, strict=True):
            h.update(json.dumps({"text": text, "label": label}, ensure_ascii=False).encode("utf-8") + b"\n")
        h.update(b"\x00")
    return h.hexdigest()


def _source_hash(module: str) -> str | None:
    try:
        return hashlib.sha256((Path(__file__).parent.parent / f"{module}.py").read_bytes()).hexdigest()
    except OSError:
        return None


def cross_validate(
    real: Sequence[LabeledDocument],
    generated: Sequence[LabeledDocument],
    data_dir: Path | None,
    verbose: bool = False,
    n_jobs: int | None = None,
    **params,
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
    _log(verbose, f"  {len(folds)} folds trained in {time.perf_counter() - t0:.1f} s ({n_jobs} processes)")
    fold_models = {name: m for (_, name), m in zip(folds, models, strict=True)}
    return _score_docs(real, lambda d: fold_models[d.name], data_dir)


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
    scores = _score_docs(docs, lambda d: model, None)
    scores.pop("documents")
    if cells:
        for key, m in (("model", model), ("rules", None)):
            c = generated_cell_accuracy(docs, m)
            scores[key]["cell_accuracy"] = c["accuracy"]
            scores[key]["cells"] = f"{c['right']}/{c['total']}"
    return scores


def train(
    data_dir: str | os.PathLike | Sequence[str | os.PathLike] = "training_data",
    out_dir: str | os.PathLike = "models",
    use_generated: bool = True,
    seed: int = 0,
    n_generated: int | None = None,
    verbose: bool = False,
    *,
    cv: bool = True,
    n_heldout: int = 104,
    config: dict[str, Any] | None = None,
    **params,
) -> LineClassifier:
    """Train the line classifier on ``data_dir`` (plus generated documents), cross-validate it
    leave-one-document-out over the real documents, and write the model and its card to
    ``out_dir``. Nothing is written unless every step succeeds.

    ``data_dir`` may be several directories (the user's and the bundled one). ``n_heldout``
    generated documents of seeds never trained on are scored for the card; ``params`` go to
    :class:`LineClassifier`; ``config`` (the resolved configuration: file, overrides, values) is
    recorded in the card. The scores are also in the returned model's ``training_report_``."""
    t_start = time.perf_counter()
    dirs = _data_dirs(data_dir)
    files = [f for d in dirs for f in labeled_files(d)]
    names = Counter(f.name for f in files)
    clash = sorted(n for n, k in names.items() if k > 1)
    if clash:
        raise TrainingDataError(f"the same labeled file name in two data directories: {', '.join(clash)}")
    data_dir = ", ".join(str(d) for d in dirs)
    real = [read_labeled_file(f) for f in files]
    n_gen = (DEFAULT_N_GENERATED if n_generated is None else n_generated) if use_generated else 0
    if n_gen < 0:
        raise ValueError("n_generated must be >= 0")
    if not real and not n_gen:
        raise TrainingDataError(f"{data_dir}: no labeled documents (labeled/*.jsonl) and no generated ones")
    generated = generated_documents(seed, n_gen) if n_gen else []
    _log(verbose, f"data: {len(real)} labeled documents from {data_dir}, {len(generated)} generated (seed {seed})")
    from govparse_ml.training import route_corpus

    routed, route_files = route_corpus.training_documents(data_dir)
    if routed:
        _log(verbose, f"      {len(routed)} documents extracted by real tools ({route_corpus.routes_dir(data_dir)})")
        generated = [*generated, *routed]
    params.setdefault("temperature", route_corpus.TEMPERATURE if routed else 1.0)

    cv_scores = None
    if cv and len(real) >= 2:
        _log(verbose, "leave-one-document-out cross-validation over the labeled documents:")
        cv_scores = cross_validate(real, generated, dirs[0], verbose, **params)

    t_fit = time.perf_counter()
    model = fit_model([*real, *generated], **params)
    fit_seconds = time.perf_counter() - t_fit
    _log(
        verbose,
        f"final model: {model.n_train_units_} units of {model.n_train_documents_} documents, {fit_seconds:.1f} s",
    )

    heldout = heldout_generated(model, seed, n_heldout, cells=True) if n_heldout else None
    model.training_report_ = {"leave_one_document_out": cv_scores, "heldout_generated": heldout}

    def summary(s: dict[str, Any] | None) -> dict[str, Any] | None:
        if s is None:
            return None
        keep = {}
        for key in ("model", "model_raw", "rules"):
            keep[key] = {
                "accuracy": round(s[key]["accuracy"], 4),
                "macro_f1": round(s[key]["macro_f1"], 4),
                "per_label": {k: {m: round(v, 4) for m, v in d.items()} for k, d in s[key]["per_label"].items()},
            }
            if "cell_accuracy" in s[key]:
                keep[key]["cells"] = s[key]["cells"]
        return keep

    card = {
        "training_data": {
            "data_dir": str(data_dir),
            "labeled_files": data_hashes(files),
            "labeled_documents": len(real),
            "generated_documents": len(generated) - len(routed),
            "route_documents": len(routed),
            "route_files": data_hashes(route_files),
            "generated_seed": seed,
            "generator": "govparse_ml.synth.generate.generate(seed * 100003 + i), layouts and formats in turn",
            "generated_sha256": documents_hash(generated[: len(generated) - len(routed)]),
            "generator_source_sha256": _source_hash("synth/generate"),
            "units": model.n_train_units_,
        },
        "scores": {
            "leave_one_document_out": summary(cv_scores),
            "heldout_generated": summary(heldout),
            "note": "line-level, blank lines not scored; model = model where p >= 0.5, rules elsewhere",
        },
        "config": config,
        "heldout": {"seed": HELDOUT_SEED_BASE + seed, "documents": n_heldout},
        "training_seconds": round(time.perf_counter() - t_start, 1),
        "fit_seconds": round(fit_seconds, 1),
    }
    path = save_model(model, out_dir, card)
    _log(
        verbose,
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and its card in {time.perf_counter() - t_start:.1f} s",
    )
    return model


# --------------------------------------------------------------------------- evaluate


def _trained_on(model_path: str | os.PathLike | None, docs: Sequence[LabeledDocument]) -> list[str]:
    """Names of ``docs`` whose file is, byte for byte, one the model's card says it trained on."""
    from govparse_ml.classifier.estimator import default_model_path, read_card

    path = Path(model_path) if model_path else default_model_path()
    if path.is_dir():
        path = path / "line_classifier.joblib"
    try:
        card = read_card(path)
    except Exception:
        return []
    trained = set((card.get("training_data") or {}).get("labeled_files", {}).values())
    return [d.name for d in docs if d.path is not None and hashlib.sha256(d.path.read_bytes()).hexdigest() in trained]


def evaluate(
    data_dir: str | os.PathLike = "training_data",
    model_path: str | os.PathLike | None = None,
    trust_model: bool = False,
    cv: bool = False,
    json_out: str | os.PathLike | None = None,
    verbose: bool = False,
    *,
    print_report: bool = True,
) -> dict[str, Any]:
    """Score the model and the rules on the labeled documents of ``data_dir``.

    Without ``cv``: the shipped model (or ``model_path``, which needs ``trust_model``) on
    every document (if the model was trained on them, its scores are optimistic: the card's
    hashes say so). With ``cv``: leave-one-document-out, each fold trained on the other real
    documents plus the default generated ones. Returns the scores (and writes them as JSON
    to ``json_out``); prints the tables when ``verbose``.
    """
    data = Path(data_dir)
    if json_out and not Path(json_out).parent.is_dir():  # said now, not after minutes of evaluation
        raise InputError(f"--json {json_out}: directory {Path(json_out).parent} does not exist; create it first")
    docs = read_labeled_dir(data)
    if not docs:
        raise TrainingDataError(f"{data}: no labeled documents (labeled/*.jsonl)")
    model_sha = None
    if cv:
        generated = generated_documents(0, DEFAULT_N_GENERATED)
        _log(verbose, f"leave-one-document-out over {len(docs)} documents, each fold + {len(generated)} generated")
        scores = cross_validate(docs, generated, data, verbose)
        title = "leave-one-document-out cross-validation"
    else:
        model = load_model(model_path, trust=trust_model) if model_path else load_default()
        model_sha = getattr(model, "sha256", None)
        scores = _score_docs(docs, lambda d: model, data)
        title = f"model {model_path or 'shipped'} on {data}"
        seen = _trained_on(model_path, docs)
        if seen:
            title += f" (it was trained on {len(seen)} of these {len(docs)} documents: optimistic; --cv is not)"
        scores["trained_on"] = seen
    scores["setup"] = {
        "data_dir": str(data),
        "cv": cv,
        "model": str(model_path) if model_path else "shipped",
        "model_sha256": None if cv else model_sha,
        "title": title,
    }
    if verbose and print_report:
        print(format_scores(scores, title))
    if json_out:
        try:
            Path(json_out).write_text(json.dumps(scores, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {json_out}: {exc.strerror or exc}") from None
    return scores


__all__ = [
    "DEFAULT_N_GENERATED",
    "LabeledDocument",
    "TrainingDataError",
    "evaluate",
    "generated_documents",
    "read_labeled_dir",
    "read_labeled_file",
    "train",
    "unit_dataset",
]


# --------------------------------------------------------------------------- experiments


def benchmark(data_dir: str | os.PathLike = "training_data", repeats: int = 200) -> list[dict[str, Any]]:
    """Warm timings per labeled document of ``predict_units`` (shipped model) and of ``parse``
    with the model and with the rules only: median wall time and median CPU time of this
    thread (milliseconds; CPU time leaves out the waits of a busy machine)."""
    from govparse_ml.pipeline import parse

    model = load_default()
    steps = {
        "predict_units": lambda doc, units: model.predict_units(units),
        "parse_model": lambda doc, units: parse(doc.text, model=model),
        "parse_rules": lambda doc, units: parse(doc.text, model=None),
    }
    rows = []
    for doc in read_labeled_dir(data_dir):
        units = split_units(split_lines(doc.text))
        for step in steps.values():  # warm: caches, tokenizer
            for _ in range(3):
                step(doc, units)
        wall: dict[str, list[float]] = {k: [] for k in steps}
        cpu: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(repeats):
            for key, step in steps.items():
                t, c = time.perf_counter(), time.thread_time()
                step(doc, units)
                cpu[key].append(time.thread_time() - c)
                wall[key].append(time.perf_counter() - t)
        row: dict[str, Any] = {"document": doc.name, "lines": len(doc.lines), "units": len(units)}
        for key in steps:
            row[f"{key}_ms"] = round(float(np.median(wall[key])) * 1e3, 2)
            row[f"{key}_cpu_ms"] = round(float(np.median(cpu[key])) * 1e3, 2)
        rows.append(row)
    return rows


def leave_one_layout_out(
    data_dir: str | os.PathLike = "training_data",
    seed: int = 0,
    n_generated: int = DEFAULT_N_GENERATED,
    n_test: int = 26,
) -> dict[str, dict[str, Any]]:
    """For every layout: train on the labeled documents plus the generated ones of the *other*
    layouts, score on held-out generated documents of that layout (a kind of damage never seen)."""
    from govparse_ml.synth.generate import LAYOUTS

    real = read_labeled_dir(data_dir)
    generated = generated_documents(seed, n_generated)
    out = {}
    for layout in LAYOUTS:
        model = fit_model([*real, *(d for d in generated if d.meta["layout"] != layout)])
        out[layout] = heldout_generated(model, seed, n_test, layouts=[layout])
    return out


def _main(argv: list[str] | None = None) -> int:
    """``python -m govparse_ml.training.train bench|heldout|layouts``: the figures of models/README.md."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m govparse_ml.training.train")
    p.add_argument("what", choices=("bench", "heldout", "layouts"))
    p.add_argument("--data", default="training_data")
    p.add_argument("--n", type=int, default=208, help="held-out generated documents (heldout)")
    p.add_argument("--repeats", type=int, default=200)
    args = p.parse_args(argv)
    if args.what == "bench":
        rows = benchmark(args.data, args.repeats)
        keys = list(rows[0])
        print("median over repeats, milliseconds (wall and CPU time of the thread)")
        print(" ".join(f"{k.removesuffix('_ms'):>20}" for k in keys))
        for r in rows:
            print(" ".join(f"{r[k]!s:>20}" for k in keys))
    elif args.what == "heldout":
        scores = heldout_generated(load_default(), 1, args.n, cells=True)
        title = f"shipped model on {args.n} generated documents of unseen seeds (cells: values against the generator's)"
        print(format_scores({**scores, "documents": []}, title))
    else:
        results = leave_one_layout_out(args.data)
        print(
            f"{'held-out layout':18} {'model macro-F1':>15} {'rules macro-F1':>15} {'model acc':>10} {'rules acc':>10}"
        )
        for layout, s in results.items():
            print(
                f"{layout:18} {s['model']['macro_f1']:15.4f} {s['rules']['macro_f1']:15.4f} "
                f"{s['model']['accuracy']:10.4f} {s['rules']['accuracy']:10.4f}"
            )
        for key in ("model", "rules"):
            mean_f = np.mean([s[key]["macro_f1"] for s in results.values()])
            mean_a = np.mean([s[key]["accuracy"] for s in results.values()])
            print(f"mean {key}: macro-F1 {mean_f:.4f}, accuracy {mean_a:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
