"""Line labels and cells by extraction route (tool x format), leave-one-tool-out, calibration.

Reads the committed route corpus (``training_data/routes``, see ``govparse_ml/training/route_corpus.py``).
Every figure is on the *test* split of the source reports (30 % of each format's seeds), so a
report's content is never trained on through another tool either.

    python scripts/route_eval.py shipped            # the shipped model, per route: lines and cells
    python scripts/route_eval.py all                # trained on seeds + generated + routes (train split)
    python scripts/route_eval.py loto               # leave one tool out: per-label P/R/F1, confusion, ECE
    python scripts/route_eval.py loto --json out.json

Line scores count the lines whose label the projection is sure of (blank lines never). A cell is
right when ``parse`` reads the source's value (null for blank/absent); a document is recovered
exactly when every cell of its format is right. ECE: 15 equal-width bins of the confidence of
each scored line, |accuracy - confidence| weighted by the bin's share. For the model alone it is
the probability of its top label for every unit; as ``parse`` reports it, the confidence of the
line's label (the model's where it is sure enough, the rule's elsewhere).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govparse_ml.classifier.estimator import LineClassifier, load_shipped
from govparse_ml.document import Line
from govparse_ml.label.labeling import DEFAULT_THRESHOLD, label_lines, label_units
from govparse_ml.pipeline import parse
from govparse_ml.training import route_corpus
from govparse_ml.training.data import (
    DEFAULT_N_GENERATED,
    LabeledDocument,
    generated_documents,
    read_labeled_dir,
    read_labeled_file,
)
from govparse_ml.training.fit import fit_model
from govparse_ml.training.report import format_scores
from govparse_ml.training.scoring import NONE_LABEL, cells_right, label_scores

N_BINS = 15


# --------------------------------------------------------------------------- scoring


def doc_lines(doc: LabeledDocument, model) -> tuple[list[str], list[str], list[float]]:
    """Gold, predicted label and reported confidence of the scored lines, as ``parse`` labels them."""
    units, _, gold = doc.units()
    lines = [Line(n, "") for n in range(1, len(gold) + 1)]
    label_lines(lines, units, label_units(units, model, DEFAULT_THRESHOLD))
    keep = [(g, ln.label or NONE_LABEL, float(ln.confidence or 0.0)) for g, ln in zip(gold, lines, strict=True) if g]
    return [k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep]


def unit_scores(doc: LabeledDocument, model: LineClassifier) -> tuple[np.ndarray, np.ndarray]:
    """Linear scores (units x classes) and gold class index of the labelled whole-line units."""
    units, unit_gold, _ = doc.units()
    if not units:
        return np.zeros((0, len(model.classes_))), np.zeros(0, dtype=int)
    s = model._scorer.doc_scores(units)
    pieces = Counter(u.line for u in units)
    index = {c: i for i, c in enumerate(model.classes_)}
    keep = [i for i, (u, g) in enumerate(zip(units, unit_gold, strict=True)) if g and pieces[u.line] == 1]
    return s[keep], np.array([index[unit_gold[i]] for i in keep], dtype=int)


def log_softmax(s: np.ndarray) -> np.ndarray:
    s = s - s.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int = N_BINS) -> float:
    if not len(confidence):
        return float("nan")
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            total += m.mean() * abs(correct[m].mean() - confidence[m].mean())
    return float(total)


def unit_ece(scores: np.ndarray, gold: np.ndarray, temperature: float = 1.0) -> float:
    p = np.exp(log_softmax(scores / temperature))
    return ece(p.max(axis=1), (p.argmax(axis=1) == gold).astype(float))


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood (golden-section search on log T)."""

    def nll(log_t: float) -> float:
        lp = log_softmax(scores / math.exp(log_t))
        return float(-lp[np.arange(len(gold)), gold].mean())

    a, b = math.log(0.05), math.log(20.0)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(60):
        if nll(c) < nll(d):
            b = d
        else:
            a = c
        c, d = b - g * (b - a), a + g * (b - a)
    return math.exp((a + b) / 2)


def with_temperature(model: LineClassifier, temperature: float) -> LineClassifier:
    """A copy of ``model`` whose scores are divided by ``temperature`` (what ``LineClassifier(temperature=...)`` fits)."""
    out = copy.deepcopy(model)
    lr = out.pipeline_.named_steps["model"]
    lr.coef_ = lr.coef_ / temperature
    lr.intercept_ = lr.intercept_ / temperature
    out._compile()
    return out


def cells_of(doc: LabeledDocument, truth: dict, model) -> tuple[int, int]:
    cells = truth[(doc.meta["seed"], doc.meta["format"])]
    report = parse(doc.text, model=model)
    return cells_right(report, cells), len(cells)


def route_table(docs: list[LabeledDocument], model, truth: dict, title: str) -> dict:
    """Per route (tool x format): line macro-F1 and cells, model and rules."""
    groups: dict[tuple[str, str], list] = {}
    for d in docs:
        groups.setdefault((d.meta["route"], d.meta["format"]), []).append(d)
    rows = {}
    print(f"\n=== {title} ===")
    print(
        f"{'route':22} {'docs':>5} {'lines':>7} {'F1 model':>9} {'F1 rules':>9} {'cells model':>12} {'cells rules':>12} {'docs exact m/r':>15}"
    )
    for (route, fmt), group in sorted(groups.items()):
        out = {}
        for key, m in (("model", model), ("rules", None)):
            gold, pred = [], []
            right = total = exact = 0
            for d in group:
                g, p, _ = doc_lines(d, m)
                gold += g
                pred += p
                r, t = cells_of(d, truth, m)
                right, total, exact = right + r, total + t, exact + (r == t)
            s = label_scores(gold, pred)
            out[key] = {"macro_f1": s["macro_f1"], "cells": right / total, "exact_docs": exact, "lines": len(gold)}
        rows[f"{route}/{fmt}"] = {"documents": len(group), **out}
        print(
            f"{route + ' ' + fmt:22} {len(group):5d} {out['model']['lines']:7d} {100 * out['model']['macro_f1']:9.2f} "
            f"{100 * out['rules']['macro_f1']:9.2f} {100 * out['model']['cells']:11.2f}% {100 * out['rules']['cells']:11.2f}% "
            f"{out['model']['exact_docs']:7d}/{out['rules']['exact_docs']:<7d}"
        )
    return rows


# --------------------------------------------------------------------------- runs


def base_documents(n_generated: int) -> list[LabeledDocument]:
    return [*read_labeled_dir("training_data"), *generated_documents(0, n_generated)]


def run_loto(args) -> dict:
    d = args.dir
    tools = [t for t in route_corpus.available_routes(d) if t not in args.exclude]
    train_routes = [t for t in tools if t not in route_corpus.OCR_ROUTES]
    base = base_documents(args.n_generated)
    test = {t: route_corpus.read_routes(d, [t], split="test") for t in tools}
    train_docs = {t: route_corpus.read_routes(d, [t], split="train", per_format=args.per_format) for t in train_routes}
    results: dict = {"tools": {}}
    held_scores, held_gold, models = {}, {}, {}
    for tool in tools:
        t0 = time.perf_counter()
        others = [doc for t in train_routes if t != tool for doc in train_docs[t]]
        model = fit_model([*base, *others])
        models[tool] = model
        fit_s = time.perf_counter() - t0
        gold, pm, cm = [], [], []
        pr = []
        for doc in test[tool]:
            g, p, c = doc_lines(doc, model)
            gold += g
            pm += p
            cm += c
            pr += doc_lines(doc, None)[1]
        sm, sr = label_scores(gold, pm), label_scores(gold, pr)
        parts = [unit_scores(doc, model) for doc in test[tool]]
        held_scores[tool] = np.vstack([p[0] for p in parts])
        held_gold[tool] = np.concatenate([p[1] for p in parts])
        line_correct = np.array([a == b for a, b in zip(gold, pm, strict=True)], dtype=float)
        results["tools"][tool] = {
            "model": sm,
            "rules": sr,
            "fit_seconds": round(fit_s, 1),
            "line_ece_parse": ece(np.array(cm), line_correct),
            "unit_ece_model": unit_ece(held_scores[tool], held_gold[tool]),
        }
        print(
            format_scores(
                {"model": sm, "rules": sr}, f"leave {tool} out ({len(test[tool])} test documents, fit {fit_s:.0f} s)"
            )
        )
        print(
            f"ECE: model alone {results['tools'][tool]['unit_ece_model']:.4f}, lines as parse reports them {results['tools'][tool]['line_ece_parse']:.4f}",
            flush=True,
        )
    # calibration, cross-fitted: each tool's temperature is fitted on the other tools' held-out units
    for tool in tools:
        s = np.vstack([held_scores[t] for t in tools if t != tool])
        g = np.concatenate([held_gold[t] for t in tools if t != tool])
        temp = fit_temperature(s, g)
        results["tools"][tool]["temperature_crossfit"] = temp
        results["tools"][tool]["unit_ece_model_calibrated"] = unit_ece(held_scores[tool], held_gold[tool], temp)
        calibrated = with_temperature(models[tool], temp)
        gold, pred, conf = [], [], []
        for doc in test[tool]:
            g, p, c = doc_lines(doc, calibrated)
            gold, pred, conf = gold + g, pred + p, conf + c
        correct = np.array([a == b for a, b in zip(gold, pred, strict=True)], dtype=float)
        results["tools"][tool]["model_calibrated_macro_f1"] = label_scores(gold, pred)["macro_f1"]
        results["tools"][tool]["line_ece_parse_calibrated"] = ece(np.array(conf), correct)
    all_s, all_g = np.vstack(list(held_scores.values())), np.concatenate(list(held_gold.values()))
    results["temperature"] = fit_temperature(all_s, all_g)
    results["unit_ece_before"] = unit_ece(all_s, all_g)
    results["unit_ece_after_crossfit"] = float(
        np.average(
            [results["tools"][t]["unit_ece_model_calibrated"] for t in tools],
            weights=[len(held_gold[t]) for t in tools],
        )
    )
    f1 = {t: results["tools"][t]["model"]["macro_f1"] for t in tools}
    results["loto_mean"] = float(np.mean([f1[t] for t in train_routes]))
    results["loto_worst"] = min((f1[t], t) for t in train_routes)
    print("\n=== leave-one-tool-out summary ===")
    print(
        f"{'tool':12} {'model F1':>9} {'F1 cal.':>8} {'rules F1':>9} {'ECE model':>10} {'ECE cal.':>9} "
        f"{'ECE lines':>10} {'lines cal.':>10} {'T (others)':>11}"
    )
    for t in tools:
        r = results["tools"][t]
        print(
            f"{t:12} {100 * r['model']['macro_f1']:9.2f} {100 * r['model_calibrated_macro_f1']:8.2f} "
            f"{100 * r['rules']['macro_f1']:9.2f} {r['unit_ece_model']:10.4f} {r['unit_ece_model_calibrated']:9.4f} "
            f"{r['line_ece_parse']:10.4f} {r['line_ece_parse_calibrated']:10.4f} {r['temperature_crossfit']:11.3f}"
        )
    print(
        f"mean {100 * results['loto_mean']:.2f}, worst {100 * results['loto_worst'][0]:.2f} ({results['loto_worst'][1]}); "
        f"unit ECE {results['unit_ece_before']:.4f} -> {results['unit_ece_after_crossfit']:.4f} (cross-fitted); "
        f"temperature on all held-out units {results['temperature']:.3f}"
    )
    return results


def realdev_table(model, title: str) -> dict:
    """Line macro-F1 on the hand-checked real reports of training_data/realdev_test, per tool."""
    files = sorted(Path("training_data/realdev_test").glob("*.jsonl"))
    groups: dict[str, list] = {}
    for f in files:
        groups.setdefault(f.stem.split("-", 1)[1], []).append(read_labeled_file(f))
    out = {}
    print(f"\n=== {title}: real reports (training_data/realdev_test) ===")
    print(f"{'tool':14} {'docs':>5} {'lines':>6} {'F1 model':>9} {'F1 rules':>9}")
    pooled: dict[str, list] = {"gold": [], "model": [], "rules": []}
    for tool, docs in sorted(groups.items()):
        gold, pm, pr = [], [], []
        for d in docs:
            g, p, _ = doc_lines(d, model)
            gold += g
            pm += p
            pr += doc_lines(d, None)[1]
        sm, sr = label_scores(gold, pm), label_scores(gold, pr)
        pooled["gold"] += gold
        pooled["model"] += pm
        pooled["rules"] += pr
        out[tool] = {"model": sm["macro_f1"], "rules": sr["macro_f1"], "lines": len(gold)}
        print(f"{tool:14} {len(docs):5d} {len(gold):6d} {100 * sm['macro_f1']:9.2f} {100 * sr['macro_f1']:9.2f}")
    sm = label_scores(pooled["gold"], pooled["model"])
    sr = label_scores(pooled["gold"], pooled["rules"])
    print(format_scores({"model": sm, "rules": sr}, f"{title}: all real test lines"))
    out["all"] = {"model": sm, "rules": sr}
    return out


def run_routes(args, model) -> dict:
    d = args.dir
    truth = route_corpus.truth_cells(d)
    tools = [t for t in route_corpus.available_routes(d) if t not in args.exclude]
    docs = route_corpus.read_routes(d, tools, split=args.split or None)
    return {"routes": route_table(docs, model, truth, args.mode), "realdev": realdev_table(model, args.mode)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("shipped", "all", "loto"))
    ap.add_argument("--n-generated", type=int, default=DEFAULT_N_GENERATED)
    ap.add_argument("--per-format", type=int, default=None, help="train documents per route and format (default all)")
    ap.add_argument("--exclude", nargs="*", default=[], help="routes to leave out entirely")
    ap.add_argument("--dir", type=Path, default=route_corpus.routes_dir(), help="the route corpus")
    ap.add_argument("--split", default="test", help="documents scored: test (default), train, or '' for all")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.mode == "shipped":
        out = run_routes(args, load_shipped())
    elif args.mode == "all":
        d = args.dir
        train = route_corpus.read_routes(
            d,
            [t for t in route_corpus.available_routes(d) if t not in route_corpus.OCR_ROUTES],
            split="train",
            per_format=args.per_format,
        )
        model = fit_model([*base_documents(args.n_generated), *train])
        out = run_routes(args, model)
    else:
        out = run_loto(args)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
