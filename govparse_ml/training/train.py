"""Training and evaluation of the line classifier (``govparse-ml train`` / ``govparse-ml eval``).

Training fits the model on the labeled documents (:mod:`~govparse_ml.training.data`) plus
generated ones and the route corpus, cross-validates it leave-one-document-out and scores it
on held-out generated documents (:mod:`~govparse_ml.training.scoring`), and writes it with its
card. Evaluation scores a model (or, with ``cv``, leave-one-document-out folds) against the
rules alone on the labeled documents of a directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govparse_ml.classifier.estimator import LineClassifier, load_model, load_shipped, save_model
from govparse_ml.io.files import InputError
from govparse_ml.training import route_corpus
from govparse_ml.training.data import (
    DEFAULT_N_GENERATED,
    HELDOUT_SEED_BASE,
    LabeledDocument,
    TrainingDataError,
    data_hashes,
    documents_hash,
    generated_documents,
    labeled_files,
    read_labeled_dir,
    read_labeled_file,
)
from govparse_ml.training.fit import fit_model
from govparse_ml.training.report import format_scores
from govparse_ml.training.scoring import cross_validate, heldout_generated, score_docs

_progress = logging.getLogger("govparse_ml.train")  # standard error in the CLI


def _log(verbose: bool, msg: str) -> None:
    if verbose:
        _progress.info(msg)


def bundled_data_dir() -> Path:
    """The labeled data shipped with the package: ``govparse_ml/training_data`` in an installed
    wheel, else ``training_data/`` of the checkout the package runs from."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "training_data"
    return installed if (installed / "labeled").is_dir() else package.parent / "training_data"


# --------------------------------------------------------------------------- train


@dataclass
class _TrainingSet:
    """What a model is trained on, and where it came from (for the card)."""

    name: str  # the data directories, joined
    files: list[Path]  # the labeled files
    real: list[LabeledDocument]
    generated: list[LabeledDocument]  # the generated documents, then the route documents
    n_routed: int
    route_files: list[Path]


def _data_dirs(data_dir: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    if isinstance(data_dir, str | os.PathLike):
        return [Path(data_dir)]
    return [Path(d) for d in data_dir]


def _labeled_files(dirs: list[Path]) -> list[Path]:
    """The labeled files of every directory; a file name in two of them is an error."""
    files = [f for d in dirs for f in labeled_files(d)]
    names = Counter(f.name for f in files)
    clash = sorted(n for n, k in names.items() if k > 1)
    if clash:
        raise TrainingDataError(f"the same labeled file name in two data directories: {', '.join(clash)}")
    return files


def _training_set(
    dirs: list[Path], use_generated: bool, seed: int, n_generated: int | None, verbose: bool
) -> _TrainingSet:
    files = _labeled_files(dirs)
    name = ", ".join(str(d) for d in dirs)
    real = [read_labeled_file(f) for f in files]
    n_gen = (DEFAULT_N_GENERATED if n_generated is None else n_generated) if use_generated else 0
    if n_gen < 0:
        raise ValueError("n_generated must be >= 0")
    if not real and not n_gen:
        raise TrainingDataError(f"{name}: no labeled documents (labeled/*.jsonl) and no generated ones")
    generated = generated_documents(seed, n_gen) if n_gen else []
    _log(verbose, f"data: {len(real)} labeled documents from {name}, {len(generated)} generated (seed {seed})")
    # Routes are read from the joined name: with several data directories, none is found.
    routed, route_files = route_corpus.training_documents(name)
    if routed:
        _log(verbose, f"      {len(routed)} documents extracted by real tools ({route_corpus.routes_dir(name)})")
    return _TrainingSet(name, files, real, [*generated, *routed], len(routed), route_files)


def _card_scores(s: dict[str, Any] | None) -> dict[str, Any] | None:
    """The scores as the card keeps them: rounded, no confusion matrices or documents."""
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


def _generator_source_hash() -> str | None:
    """SHA-256 of the generator's modules (``synth/*.py``, in name order)."""
    h = hashlib.sha256()
    try:
        for path in sorted((Path(__file__).parent.parent / "synth").glob("*.py")):
            h.update(path.name.encode() + b"\x00" + path.read_bytes() + b"\x00")
    except OSError:
        return None
    return h.hexdigest()


def _training_data_card(data: _TrainingSet, seed: int, units: int) -> dict[str, Any]:
    generated = data.generated[: len(data.generated) - data.n_routed]
    return {
        "data_dir": data.name,
        "labeled_files": data_hashes(data.files),
        "labeled_documents": len(data.real),
        "generated_documents": len(generated),
        "route_documents": data.n_routed,
        "route_files": data_hashes(data.route_files),
        "generated_seed": seed,
        "generator": "govparse_ml.synth.generate.generate(seed * 100003 + i), layouts and formats in turn",
        "generated_sha256": documents_hash(generated),
        "generator_source_sha256": _generator_source_hash(),
        "units": units,
    }


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
    **params: Any,
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
    data = _training_set(dirs, use_generated, seed, n_generated, verbose)
    params.setdefault("temperature", route_corpus.TEMPERATURE if data.n_routed else 1.0)
    cv_scores = None
    if cv and len(data.real) >= 2:
        _log(verbose, "leave-one-document-out cross-validation over the labeled documents:")
        cv_scores = cross_validate(data.real, data.generated, dirs[0], verbose, **params)
    t_fit = time.perf_counter()
    model = fit_model([*data.real, *data.generated], **params)
    fit_seconds = time.perf_counter() - t_fit
    _log(
        verbose,
        f"final model: {model.n_train_units_} units of {model.n_train_documents_} documents, {fit_seconds:.1f} s",
    )
    heldout = heldout_generated(model, seed, n_heldout, cells=True) if n_heldout else None
    model.training_report_ = {"leave_one_document_out": cv_scores, "heldout_generated": heldout}
    card = {
        "training_data": _training_data_card(data, seed, model.n_train_units_),
        "scores": {
            "leave_one_document_out": _card_scores(cv_scores),
            "heldout_generated": _card_scores(heldout),
            "note": "line-level, blank lines not scored; model = model where p >= 0.5, rules elsewhere",
        },
        "config": config,
        "heldout": {"seed": HELDOUT_SEED_BASE + seed, "documents": n_heldout},
        "training_seconds": round(time.perf_counter() - t_start, 1),
        "fit_seconds": round(fit_seconds, 1),
    }
    path = save_model(model, out_dir, card)
    size = path.stat().st_size / 1e6
    _log(verbose, f"wrote {path} ({size:.2f} MB) and its card in {time.perf_counter() - t_start:.1f} s")
    return model


# --------------------------------------------------------------------------- evaluate


def _trained_on(model_path: str | os.PathLike | None, docs: Sequence[LabeledDocument]) -> list[str]:
    """Names of ``docs`` whose file is, byte for byte, one the model's card says it trained on."""
    from govparse_ml.classifier.estimator import default_model_path
    from govparse_ml.classifier.store import read_card

    path = Path(model_path) if model_path else default_model_path()
    if path.is_dir():
        path = path / "line_classifier.joblib"
    try:
        card = read_card(path)
    except Exception:
        return []
    trained = set((card.get("training_data") or {}).get("labeled_files", {}).values())
    return [d.name for d in docs if d.path is not None and hashlib.sha256(d.path.read_bytes()).hexdigest() in trained]


def _score_model(
    docs: list[LabeledDocument], data: Path, model_path: str | os.PathLike | None, trust_model: bool
) -> tuple[dict[str, Any], str, str | None]:
    """The scores of a model on ``docs``, the title of the report, and the model's SHA-256."""
    model = load_model(model_path, trust=trust_model) if model_path else load_shipped()
    scores = score_docs(docs, lambda d: model, data)
    title = f"model {model_path or 'shipped'} on {data}"
    seen = _trained_on(model_path, docs)
    if seen:
        title += f" (it was trained on {len(seen)} of these {len(docs)} documents: optimistic; --cv is not)"
    scores["trained_on"] = seen
    return scores, title, getattr(model, "sha256", None)


def _write_json(scores: dict[str, Any], json_out: str | os.PathLike) -> None:
    try:
        Path(json_out).write_text(json.dumps(scores, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {json_out}: {exc.strerror or exc}") from None


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
        scores, title, model_sha = _score_model(docs, data, model_path, trust_model)
    scores["setup"] = {
        "data_dir": str(data),
        "cv": cv,
        "model": str(model_path) if model_path else "shipped",
        "model_sha256": model_sha,
        "title": title,
    }
    if verbose and print_report:
        print(format_scores(scores, title))
    if json_out:
        _write_json(scores, json_out)
    return scores
