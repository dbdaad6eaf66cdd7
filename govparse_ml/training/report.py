"""The scores of ``govparse-ml eval`` (and of the experiments) as text tables, spaCy-style."""

from __future__ import annotations

from typing import Any

from govparse_ml.document import LABELS

_NO_SCORE = {"p": 0, "r": 0, "f": 0, "support": 0}


def _per_label(m: dict[str, Any], r: dict[str, Any]) -> list[str]:
    """P R F per label, the model (as parse uses it) and the rules side by side, with support."""
    out = [f"{'':10} {'model (as parse uses it)':>30}   {'rules':>24}"]
    out.append(f"{'label':10} {'P':>8} {'R':>8} {'F':>8}   {'P':>8} {'R':>8} {'F':>8} {'support':>8}")
    for lab in LABELS:
        if lab not in m["per_label"] and lab not in r["per_label"]:
            continue
        a = m["per_label"].get(lab, _NO_SCORE)
        b = r["per_label"].get(lab, _NO_SCORE)
        out.append(
            f"{lab:10} {a['p'] * 100:8.2f} {a['r'] * 100:8.2f} {a['f'] * 100:8.2f}   "
            f"{b['p'] * 100:8.2f} {b['r'] * 100:8.2f} {b['f'] * 100:8.2f} {a['support'] or b['support']:8d}"
        )
    return out


def _totals(scores: dict[str, Any]) -> list[str]:
    """Accuracy, macro-F1, the model without its rule fallback, the cells."""
    m, r = scores["model"], scores["rules"]
    out = [
        f"{'accuracy':10} {m['accuracy'] * 100:26.2f}   {r['accuracy'] * 100:26.2f}",
        f"{'macro-F1':10} {m['macro_f1'] * 100:26.2f}   {r['macro_f1'] * 100:26.2f}",
    ]
    raw = scores.get("model_raw")
    if raw:
        out.append(
            f"(model alone, no rule fallback: accuracy {raw['accuracy'] * 100:.2f}, macro-F1 {raw['macro_f1'] * 100:.2f})"
        )
    if "cells" in m:
        out.append(
            f"{'cells':10} {m['cells']:>20} {m['cell_accuracy'] * 100:5.1f}%   {r['cells']:>20} {r['cell_accuracy'] * 100:5.1f}%"
        )
    return out


def _confusion(conf: dict[str, dict[str, int]], name: str) -> list[str]:
    cols = list(next(iter(conf.values())).keys()) if conf else []
    out = ["", f"confusion ({name}): rows gold, columns predicted"]
    out.append(f"{'':10} " + " ".join(f"{c:>8}" for c in cols))
    for g, row in conf.items():
        out.append(f"{g:10} " + " ".join(f"{row[c]:8d}" for c in cols))
    return out


def _documents(docs: list[dict[str, Any]]) -> list[str]:
    """Per document: lines, errors of the model and of the rules, cells right."""
    out = [
        "",
        f"{'document':34} {'lines':>6} {'model err':>10} {'rules err':>10} {'cells model':>12} {'cells rules':>12}",
    ]
    for d in docs:
        out.append(
            f"{d['name'][:34]:34} {d['lines']:6d} {d['model_errors']:10d} {d['rules_errors']:10d} "
            f"{d.get('cells_model', '-'):>12} {d.get('cells_rules', '-'):>12}"
        )
    return out


def format_scores(scores: dict[str, Any], title: str) -> str:
    """spaCy-style tables: per label P R F support for the model and the rules side by side,
    then accuracy, macro-F1, cell accuracy and the confusion matrices."""
    out = [f"\n=== {title} ===", ""]
    out += _per_label(scores["model"], scores["rules"])
    out.append("")
    out += _totals(scores)
    for key in ("model", "rules"):
        out += _confusion(scores[key]["confusion"], key)
    docs = scores.get("documents") or []
    if docs:
        out += _documents(docs)
    return "\n".join(out)
