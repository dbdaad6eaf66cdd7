"""Golden outputs: record what the parser reads today, and compare a later run with it.

The corpus: the five seeds, ``--n`` generated reports per layout and format (seeds 0..n-1),
and the real reports of ``tests/data/realdev/text``. For each document the cells (value and
raw), the format version, the labels and the warnings are kept.

    python scripts/golden.py record golden.json.gz --n 40
    python scripts/golden.py compare golden.json.gz        # lists every document that changed
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from govparse_ml import generate, parse

ROOT = Path(__file__).resolve().parent.parent


def corpus(n: int):
    labeled = ROOT / "training_data" / "labeled"
    for path in sorted(labeled.glob("*.jsonl")):
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        yield f"seed/{path.stem}", "\n".join(r["text"] for r in rows)
    for path in sorted((ROOT / "tests" / "data" / "realdev" / "text").glob("*.txt")):
        yield f"realdev/{path.stem}", path.read_text(encoding="utf-8")
    for layout in generate.LAYOUTS:
        for fmt in ("2019", "2021"):
            for seed in range(n):
                yield f"gen/{layout}/{fmt}/{seed}", generate.generate(seed, format_version=fmt, layout=layout).text


def output(text: str) -> dict:
    report = parse(text)
    return {
        "format": report.meta.format_version,
        "cells": {f"{c.table}/{c.row}/{c.col}": [c.value, c.raw] for c in report.cells()},
        "labels": [ln.label for ln in report.lines],
        "warnings": report.warnings,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("record", "compare"))
    ap.add_argument("path")
    ap.add_argument("--n", type=int, default=40, help="generated documents per layout and format")
    args = ap.parse_args(argv)
    if args.mode == "record":
        out = {"n": args.n, "docs": {name: output(text) for name, text in corpus(args.n)}}
        with gzip.open(args.path, "wt", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False)
        print(f"recorded {len(out['docs'])} documents in {args.path}")
        return 0
    with gzip.open(args.path, "rt", encoding="utf-8") as f:
        golden = json.load(f)
    changed = 0
    total = 0
    for name, text in corpus(golden["n"]):
        total += 1
        old, new = golden["docs"].get(name), output(text)
        if old == new:
            continue
        changed += 1
        if old is None:
            print(f"{name}: new document")
            continue
        diffs = [k for k in new["cells"] if old["cells"].get(k) != new["cells"][k]]
        what = []
        if diffs:
            what.append(f"{len(diffs)} cells ({', '.join(diffs[:3])}{'…' if len(diffs) > 3 else ''})")
        if old["format"] != new["format"]:
            what.append(f"format {old['format']} -> {new['format']}")
        if old["labels"] != new["labels"]:
            what.append(f"{sum(a != b for a, b in zip(old['labels'], new['labels'], strict=False))} labels")
        if old["warnings"] != new["warnings"]:
            what.append("warnings")
        print(f"{name}: {'; '.join(what)}")
    print(f"{changed} of {total} documents changed")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
