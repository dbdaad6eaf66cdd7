"""The experiments behind the figures of ``models/README.md``: timings, held-out generated
documents, unseen layouts (``python -m govparse_ml.training.experiments bench|heldout|layouts``)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

from govparse_ml.classifier.estimator import load_shipped
from govparse_ml.synth.generate import LAYOUTS
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import split_units
from govparse_ml.training.data import DEFAULT_N_GENERATED, generated_documents, read_labeled_dir
from govparse_ml.training.fit import fit_model
from govparse_ml.training.report import format_scores
from govparse_ml.training.scoring import heldout_generated


def benchmark(data_dir: str | os.PathLike = "training_data", repeats: int = 200) -> list[dict[str, Any]]:
    """Warm timings per labeled document of ``predict_units`` (shipped model) and of ``parse``
    with the model and with the rules only: median wall time and median CPU time of this
    thread (milliseconds; CPU time leaves out the waits of a busy machine)."""
    from govparse_ml.pipeline import parse

    model = load_shipped()
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
    real = read_labeled_dir(data_dir)
    generated = generated_documents(seed, n_generated)
    out = {}
    for layout in LAYOUTS:
        model = fit_model([*real, *(d for d in generated if d.meta["layout"] != layout)])
        out[layout] = heldout_generated(model, seed, n_test, layouts=[layout])
    return out


def _main(argv: list[str] | None = None) -> int:
    """``python -m govparse_ml.training.experiments bench|heldout|layouts``: the figures of models/README.md."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m govparse_ml.training.experiments")
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
        scores = heldout_generated(load_shipped(), 1, args.n, cells=True)
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
