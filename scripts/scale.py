#!/usr/bin/env python
"""Cost of ``parse`` against the size of its input: it must grow linearly.

Parses a seed report repeated 1×, 10× and 100× and repeated up to ~50 MB (UTF-8), each size
in a fresh subprocess that builds its own text, warms up (compiled patterns, the model) on
the seed alone, then times one ``parse`` and reads its peak memory (``ru_maxrss``; the
"parse MB" column is the growth of the peak during parse, over the text and the loaded
code). With ``--one-line`` the same sizes are also run with the whole text on one line,
which exercises the cost in the length of a line rather than in the number of lines. With
``--shapes`` the 1×, 10× and 100× sizes are also run on texts of as many lines as the seed
all of one kind (separator bars, one paragraph with no full stop, page numbers, table rows,
sub-headings): runs that a step scanning its neighbours, or re-reading a growing paragraph,
would make quadratic.

For each layout the time per MB and per line is compared with the 1× run: a size whose
time per line (per MB for one line) is more than 3× that of 1× is flagged QUADRATIC?, and
the script exits 1.

    python scripts/scale.py                      # 1×, 10×, 100×, ~50 MB, as lines
    python scripts/scale.py --one-line           # also the whole text on one line
    python scripts/scale.py --sizes 1 10 100     # skip the 50 MB run
    python scripts/scale.py --shapes             # also runs of one kind of line (≤ 100×)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 50
FLAG_RATIO = 3.0
SHAPES = {
    "bars": "|",
    "no-full-stop": "这是一个没有句号的片段",
    "page-numbers": "- 3 -",
    "table-rows": "规章\t1\t2\t3",
    "sub-headings": "（一）领导重视",
}


def seed_text(name: str | None) -> tuple[str, str]:
    """A seed report's text: from training_data/labeled (as the tests build it)."""
    labeled = sorted((ROOT / "training_data" / "labeled").glob("*.jsonl"))
    if not labeled:
        example = ROOT / "govparse_ml" / "data" / "example.txt"
        return "example", example.read_text(encoding="utf-8")
    path = next((p for p in labeled if name and p.stem.startswith(name)), labeled[0])
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return path.stem, "\n".join(r["text"] for r in rows)


def build(seed: str, mult: int, layout: str) -> str:
    if layout.startswith("shape:"):
        return "\n".join([SHAPES[layout[6:]]] * (mult * (seed.count("\n") + 1)))
    text = "\n".join([seed] * mult)
    return text.replace("\n", " ") if layout == "one-line" else text


def child(seed_name: str | None, mult: int, layout: str, model: str) -> None:
    sys.path.insert(0, str(ROOT))
    from govparse_ml import parse

    model_arg = None if model == "rules" else "default"
    _, seed = seed_text(seed_name)
    parse(build(seed, 1, layout), model=model_arg)  # warm up: patterns, caches, the model
    text = build(seed, mult, layout)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    report = parse(text, model=model_arg)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert len(report.lines) == text.count("\n") + 1
    print(
        json.dumps(
            {
                "mult": mult,
                "chars": len(text),
                "mb": len(text.encode("utf-8")) / 1e6,
                "lines": len(report.lines),
                "seconds": seconds,
                "peak_mb": peak / 1024,
                "parse_mb": (peak - before) / 1024,
                "warnings": len(report.warnings),
            }
        )
    )


def run(seed_name: str | None, mult: int, layout: str, model: str, timeout: float) -> dict | None:
    cmd = [sys.executable, __file__, "--child", str(mult), "--model", model, "--layout", layout]
    if seed_name:
        cmd += ["--seed", seed_name]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        sys.exit(f"size {mult}×: the child failed:\n{exc.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", default="002", help="name (prefix) of the seed report (default 002, 2021 format)")
    ap.add_argument("--sizes", nargs="+", help="multiples of the seed (default: 1 10 100 and ~50 MB)")
    ap.add_argument("--one-line", action="store_true", help="also run every size with the text on one line")
    ap.add_argument("--model", choices=("default", "rules"), default="default", help="labelling (default: as parse)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per size before giving up (default 1800)")
    ap.add_argument("--shapes", action="store_true", help="also texts of one kind of line, up to 100×")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--layout", default="lines", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        child(args.seed, args.child, args.layout, args.model)
        return 0

    name, seed = seed_text(args.seed)
    seed_mb = len(seed.encode("utf-8")) / 1e6
    sizes = [int(s) for s in args.sizes] if args.sizes else [1, 10, 100, round(TARGET_MB / seed_mb)]
    layouts = (
        ["lines"] + (["one-line"] if args.one_line else []) + ([f"shape:{k}" for k in SHAPES] if args.shapes else [])
    )
    print(
        f"seed {name}: {len(seed):,} chars, {seed_mb * 1000:.1f} kB, {seed.count(chr(10)) + 1} lines; model {args.model}"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    flagged = False
    titles = {"lines": "lines as in the report", "one-line": "the whole text on one line"}
    for layout in layouts:
        one_line = layout == "one-line"
        print()
        print(
            f"layout: {titles.get(layout) or repr(SHAPES[layout[6:]]) + ' on every line, as many lines as the seed ×'}"
        )
        print(
            f"{'size':>7} {'MB':>8} {'lines':>9} {'seconds':>9} {'s/MB':>7} {'µs/line':>8} {'peak MB':>8} {'parse MB':>9}  vs 1×"
        )
        base = None
        for mult in sizes if not layout.startswith("shape:") else [m for m in sizes if m <= 100]:
            r = run(args.seed, mult, layout, args.model, args.timeout)
            if r is None:
                print(f"{mult:>6}×  timed out after {args.timeout:.0f} s  QUADRATIC?")
                flagged = True
                continue
            per_mb = r["seconds"] / r["mb"]
            unit = per_mb if one_line else r["seconds"] / r["lines"]
            if base is None:
                base = unit
            ratio = unit / base if base else 1.0
            flag = "  QUADRATIC?" if ratio > FLAG_RATIO else ""
            flagged |= bool(flag)
            print(
                f"{mult:>6}× {r['mb']:>8.2f} {r['lines']:>9,} {r['seconds']:>9.3f} {per_mb:>7.2f} "
                f"{r['seconds'] / r['lines'] * 1e6:>8.0f} {r['peak_mb']:>8.0f} {r['parse_mb']:>9.0f}  {ratio:4.2f}×{flag}",
                flush=True,
            )
    print()
    if flagged:
        print(f"FLAGGED: a size costs more than {FLAG_RATIO:.0f}× per line (per MB on one line) than 1×")
        return 1
    print(f"linear: no size costs more than {FLAG_RATIO:.0f}× per line (per MB on one line) than 1×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
