"""``govparse-ml train`` as a user runs it: a configuration (TOML file and overrides), an
output directory in spaCy's layout, and the comparison with the model it would replace.

- ``OUTPUT/model-last``: the model of this run; ``OUTPUT/model-best``: the best model trained
  into OUTPUT so far, by macro-F1 on the held-out generated documents (both models scored on
  the same documents). Each is a model directory (estimator, arrays, card) written as a set.
- The shipped model (``models/``) is replaced only when OUTPUT is its directory and ``--force``
  is given.
- The report (scores of the new model, of the model it would replace, the differences) goes
  to standard output, as tables or with ``--json`` as JSON; progress goes to standard error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from govparse_ml.io.files import InputError

_log = logging.getLogger("govparse_ml.train")

# What a configuration file may set: [training] options of train(), [model] parameters of
# LineClassifier (every one of its constructor's parameters).
TRAINING_KEYS: dict[str, type | tuple[type, ...]] = {
    "seed": int,
    "n_generated": int,
    "use_generated": bool,
    "n_heldout": int,
    "cv": bool,
    "bundled": bool,
}


def model_keys() -> dict[str, Any]:
    from govparse_ml.classifier.estimator import LineClassifier

    return LineClassifier().get_params()


class ConfigError(InputError):
    """A configuration file or override that cannot be used (exit code 2 in the CLI)."""


def _toml_loads(text: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(text)


def _value(text: str) -> Any:
    """An override's value as TOML (``2``, ``0.5``, ``true``, ``"balanced"``), else the bare string."""
    try:
        return _toml_loads(f"v = {text}")["v"]
    except Exception:
        return text


def load_config(path: str | os.PathLike | None, overrides: list[str]) -> dict[str, Any]:
    """The configuration: defaults, then the TOML file, then ``section.key=value`` overrides.

    Returns ``{"file", "file_sha256", "overrides", "training": {...}, "model": {...}}`` with
    only the keys that were set (the rest keep train()'s and LineClassifier's defaults)."""
    cfg: dict[str, Any] = {"file": None, "file_sha256": None, "overrides": list(overrides), "training": {}, "model": {}}
    if path is not None:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise ConfigError(f"config {p}: cannot read: {exc.strerror or exc}") from None
        try:
            doc = _toml_loads(data.decode("utf-8"))
        except Exception as exc:
            raise ConfigError(f"config {p}: not valid TOML: {exc}") from None
        cfg["file"], cfg["file_sha256"] = str(p), hashlib.sha256(data).hexdigest()
        unknown = sorted(set(doc) - {"training", "model"})
        if unknown:
            raise ConfigError(f"config {p}: unknown section(s) {', '.join(unknown)}: use [training] and [model]")
        for section in ("training", "model"):
            for key, value in (doc.get(section) or {}).items():
                _set(cfg, section, key, value, f"config {p}")
    for item in overrides:
        where = f"--set {item}"
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise ConfigError(f"{where}: write section.key=value, e.g. model.C=2 or training.n_generated=200")
        key, value = item.split("=", 1)
        section, name = key.strip().split(".", 1)
        if section not in ("training", "model"):
            raise ConfigError(f"{where}: unknown section {section!r}: use training.KEY or model.KEY")
        _set(cfg, section, name.strip(), _value(value.strip()), where)
    return cfg


def _set(cfg: dict[str, Any], section: str, key: str, value: Any, where: str) -> None:
    known = TRAINING_KEYS if section == "training" else model_keys()
    if key not in known:
        raise ConfigError(f"{where}: unknown {section} setting {key!r}; known: {', '.join(sorted(known))}")
    if section == "training":
        want = TRAINING_KEYS[key]
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: {section}.{key} must be {want.__name__}, not {value!r}")
    else:
        default = known[key]
        if default is not None and type(value) is not type(default):
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            elif not (isinstance(default, str) and value is None):
                raise ConfigError(f"{where}: {section}.{key} must be {type(default).__name__}, not {value!r}")
    cfg[section][key] = value


# --------------------------------------------------------------------------- comparison


def _summary(scores: dict[str, Any] | None) -> dict[str, Any] | None:
    if not scores:
        return None
    out = {}
    for key in ("model", "rules"):
        s = scores[key]
        out[key] = {"macro_f1": round(s["macro_f1"], 4), "accuracy": round(s["accuracy"], 4)}
        if "cell_accuracy" in s:
            out[key]["cell_accuracy"] = round(s["cell_accuracy"], 4)
            out[key]["cells"] = s["cells"]
    return out


def _load_for_comparison(path: Path | None):
    """The model that ``parse`` uses now (or the one at ``path``), loaded without pickle; None if none loads."""
    from govparse_ml.classifier.store import CARD_FILE, load_arrays, load_default, read_card

    try:
        if path is None:
            return load_default()
        card = read_card(path) if path.with_name(CARD_FILE).exists() else None
        return load_arrays(path, card)
    except Exception as exc:
        _log.info(f"(no model to compare with: {exc})")
        return None


def _describe(path: Path | None) -> str:
    from govparse_ml.classifier.store import configured_model_path, models_dir

    if path is not None:
        return str(path.parent)
    configured = configured_model_path()
    return f"{configured.parent} (GOVPARSE_MODEL)" if configured else f"{models_dir()} (shipped)"


def _training_options(args: Any, cfg: dict[str, Any]) -> dict[str, Any]:
    """The [training] settings with the explicit flags applied (they beat the file)."""
    t = dict(cfg["training"])
    for key in ("seed", "n_generated"):
        if getattr(args, key, None) is not None:
            t[key] = getattr(args, key)
    if args.no_generated:
        t["use_generated"] = False
    if args.bundled:
        t["bundled"] = True
    return t


def _training_dirs(args: Any, t: dict[str, Any]) -> list[Path]:
    """``--data`` directories, and the bundled data when none is given or ``bundled`` is set."""
    from govparse_ml.training.train import bundled_data_dir

    data_dirs = [Path(d) for d in (args.data or [])]
    if not data_dirs or t.get("bundled"):
        data_dirs.append(bundled_data_dir())
    for d in data_dirs:
        if not d.is_dir():
            raise InputError(f"{d}: no such data directory (give --data DIR holding labeled/*.jsonl)")
    return data_dirs


def _target(output: Path, shipped: Path, force: bool) -> tuple[Path, bool]:
    """Where this run's model goes, and whether it replaces the shipped model (in ``shipped``)."""
    installing = output.exists() and output.resolve() == shipped.resolve()
    if installing and not force:
        raise ConfigError(
            f"{output} holds the shipped model: train writes model-last and model-best into an output directory "
            f"(default training-output) and never replaces the shipped model unless asked: add --force to replace it"
        )
    return (output if installing else output / "model-last"), installing


def _heldout_summary(model: Any, seed: int, n_heldout: int) -> dict[str, Any] | None:
    from govparse_ml.training.scoring import heldout_generated

    return _summary(heldout_generated(model, seed, n_heldout, cells=True))


def _comparison(old: Any, old_name: str, new_held: dict | None, seed: int, n_heldout: int) -> dict[str, Any]:
    """The model it would replace, scored on the same held-out documents, and the differences."""
    old_held = None
    if old is not None and n_heldout:
        _log.info(f"scoring the model it would replace, {old_name}, on the same {n_heldout} held-out documents")
        old_held = _heldout_summary(old, seed, n_heldout)
    out: dict[str, Any] = {
        "compared_with": {"model": old_name, "sha256": getattr(old, "sha256", None), "heldout_generated": old_held}
    }
    if new_held and old_held:
        out["difference"] = {
            k: round(new_held["model"][k] - old_held["model"][k], 4) for k in new_held["model"] if k != "cells"
        }
        out["better"] = new_held["model"]["macro_f1"] >= old_held["model"]["macro_f1"]
    return out


def _model_best(output: Path, target: Path, new_held: dict | None, seed: int, n_heldout: int) -> dict[str, Any]:
    """Copy this run's model to OUTPUT/model-best unless a model there scores better."""
    from govparse_ml.classifier.store import ARRAYS_FILE, CARD_FILE, MODEL_FILE, write_model_set

    best = output / "model-best"
    best_held = None
    if (best / ARRAYS_FILE).exists() and n_heldout:
        previous = _load_for_comparison(best / ARRAYS_FILE)
        if previous is not None:
            best_held = _heldout_summary(previous, seed, n_heldout)
    new_is_best = best_held is None or (
        new_held is not None and new_held["model"]["macro_f1"] >= best_held["model"]["macro_f1"]
    )
    if new_is_best:
        write_model_set(best, {n: (target / n).read_bytes() for n in (MODEL_FILE, ARRAYS_FILE, CARD_FILE)})
    return {
        "model_best": {"dir": str(best), "is_this_run": new_is_best, "previous_heldout": best_held},
        "use_it": f"GOVPARSE_MODEL={best} govparse-ml parse FILE   (or --model {best / ARRAYS_FILE})",
    }


def run(args: Any) -> dict[str, Any]:
    """The ``train`` command: returns the report it prints."""
    from govparse_ml.classifier.store import ARRAYS_FILE, configured_model_path, models_dir
    from govparse_ml.training.train import train

    cfg = load_config(args.config, args.set or [])
    t = cfg["training"] = _training_options(args, cfg)
    data_dirs = _training_dirs(args, t)
    output, shipped = Path(args.output), models_dir()
    target, installing = _target(output, shipped, args.force)
    # The model it would replace: what parse uses now (GOVPARSE_MODEL or the shipped one), loaded before training.
    old_path = (shipped / ARRAYS_FILE) if installing else None
    old = _load_for_comparison(old_path)
    old_name = _describe(old_path)
    seed, n_heldout = t.get("seed", 0), t.get("n_heldout", 104)
    model = train(
        data_dirs,
        target,
        use_generated=t.get("use_generated", True),
        seed=seed,
        n_generated=t.get("n_generated"),
        verbose=True,
        cv=t.get("cv", True),
        n_heldout=n_heldout,
        config=cfg,
        **cfg["model"],
    )
    new_held = _summary(model.training_report_["heldout_generated"])
    report: dict[str, Any] = {
        "model_dir": str(target),
        "config": cfg,
        "data": [str(d) for d in data_dirs],
        "leave_one_document_out": _summary(model.training_report_["leave_one_document_out"]),
        "heldout_generated": new_held,
        "heldout": {"seed": seed, "documents": n_heldout},
    }
    report.update(_comparison(old, old_name, new_held, seed, n_heldout))
    if not installing:
        report.update(_model_best(output, target, new_held, seed, n_heldout))
    if configured_model_path() is None and installing:
        report["installed"] = str(shipped)
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as text: the scores side by side, the verdict, where the model went."""

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x * 100:.2f}"

    out = []
    cv = report.get("leave_one_document_out")
    if cv:
        out.append("leave-one-document-out over the labeled documents (new model; rules alone)")
        out.append(
            f"  macro-F1 {pct(cv['model']['macro_f1'])} ({pct(cv['rules']['macro_f1'])}), "
            f"accuracy {pct(cv['model']['accuracy'])} ({pct(cv['rules']['accuracy'])})"
        )
    new = report.get("heldout_generated")
    old = report["compared_with"].get("heldout_generated")
    h = report["heldout"]
    if new:
        out.append("")
        out.append(f"held-out generated documents ({h['documents']}, seeds never trained on)")
        out.append(f"  {'':24} {'new model':>12} {'replaces':>12} {'difference':>12}")
        for key, name in (("macro_f1", "macro-F1"), ("accuracy", "accuracy"), ("cell_accuracy", "cells")):
            if key not in new["model"]:
                continue
            a = new["model"][key]
            b = old["model"].get(key) if old else None
            diff = f"{(a - b) * 100:+.2f}" if b is not None else "-"
            out.append(f"  {name:24} {pct(a):>12} {pct(b):>12} {diff:>12}")
        out.append(f"  (rules alone: macro-F1 {pct(new['rules']['macro_f1'])})")
    out.append("")
    out.append(f"compared with: {report['compared_with']['model']}")
    if "better" in report:
        out.append(
            "the new model scores at least as well as the model it would replace"
            if report["better"]
            else "WARNING: the new model scores below the model it would replace"
        )
    out.append(f"wrote {report['model_dir']}")
    best = report.get("model_best")
    if best:
        verdict = "this run's model" if best["is_this_run"] else "kept: an earlier model scored better"
        out.append(f"model-best: {best['dir']} ({verdict})")
        out.append(f"use it: {report['use_it']}")
    if report.get("installed"):
        out.append(f"replaced the shipped model in {report['installed']} (--force)")
    return "\n".join(out) + "\n"


def emit(report: dict[str, Any], json_out: str | None, text: str) -> None:
    """The one output convention of train and eval: the report on standard output (tables,
    or JSON with ``--json`` / ``--json -``); ``--json FILE`` writes the JSON to FILE as well."""
    data = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if json_out in (None, ""):
        sys.stdout.write(text)
    elif json_out == "-":
        sys.stdout.write(data)
    else:
        path = Path(json_out)
        if not path.parent.is_dir():
            raise InputError(f"--json {path}: directory {path.parent} does not exist; create it first")
        path.write_text(data, encoding="utf-8")
        sys.stdout.write(text)
