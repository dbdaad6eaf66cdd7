"""Exact-recovery rate of the table cells over generated reports, per layout and format.

Each generated report carries its truth; a report counts as recovered when every canonical
cell of its format is read with the right value and the format version is detected right.

    python scripts/recovery.py --n 1000            # 1,000 documents per layout and format
    python scripts/recovery.py --n 200 --layout one_line_report --show 3

For ``one_line_report`` (digits glued together) exact recovery is bounded by what the text can
decide: ``scripts/ceiling.py`` measures the share of documents the identities decide, the
recovery on those, and the ceiling of a decoder that knows the generator's distribution.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from govparse_ml import parse
from govparse_ml.synth import generate


def check(job: tuple[str, str, int, bool]) -> tuple[str, str, int, bool, int, int]:
    """``(layout, format, seed, recovered, wrong cells, ambiguous readings)`` of one document."""
    layout, fmt, seed, rules_only = job
    doc = generate.generate(seed, format_version=fmt, layout=layout)
    report = parse(doc.text, model=None if rules_only else "default")
    if report.meta.format_version != fmt:
        return layout, fmt, seed, False, len(doc.cells), 0
    wrong = sum(report.cell(*key).value != truth for key, truth in doc.cells.items())
    ok = wrong == 0 and report.meta.format_version == fmt
    ambiguous = sum(1 for r in report.readings if r.alternatives > 1)
    return layout, fmt, seed, ok, wrong, ambiguous


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="documents per layout and format (default 1000)")
    ap.add_argument("--layout", action="append", help="only these layouts (repeatable)")
    ap.add_argument("--format", action="append", choices=("2019", "2021"), help="only these formats")
    ap.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")
    ap.add_argument("--show", type=int, default=0, help="print the seeds of up to N failures per cell")
    ap.add_argument("--json", help="also write the table as JSON")
    args = ap.parse_args(argv)
    layouts = args.layout or list(generate.LAYOUTS)
    formats = args.format or ["2019", "2021"]
    jobs = [
        (lay, fmt, seed, args.rules_only)
        for lay in layouts
        for fmt in formats
        for seed in range(args.start, args.start + args.n)
    ]
    started = time.perf_counter()
    done: Counter = Counter()
    failures: dict[tuple[str, str], list[int]] = {}
    wrong_cells: Counter = Counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for layout, fmt, seed, ok, wrong, _ in pool.map(check, jobs, chunksize=64):
            done[(layout, fmt, ok)] += 1
            wrong_cells[(layout, fmt)] += wrong
            if not ok:
                failures.setdefault((layout, fmt), []).append(seed)
    elapsed = time.perf_counter() - started
    rows = []
    print(f"{'layout':20s} {'format':6s} {'recovered':>12s} {'rate':>8s} {'wrong cells':>12s}  failing seeds")
    for layout in layouts:
        for fmt in formats:
            good, bad = done[(layout, fmt, True)], done[(layout, fmt, False)]
            rate = good / (good + bad) if good + bad else 0.0
            seeds = failures.get((layout, fmt), [])[: args.show]
            print(
                f"{layout:20s} {fmt:6s} {good:>6d}/{good + bad:<5d} {rate:8.2%} {wrong_cells[(layout, fmt)]:>12d}  {seeds if seeds else ''}"
            )
            rows.append({"layout": layout, "format": fmt, "documents": good + bad, "recovered": good, "rate": rate})
    total_good = sum(r["recovered"] for r in rows)
    total = sum(r["documents"] for r in rows)
    print(
        f"{'all':20s} {'':6s} {total_good:>6d}/{total:<5d} {total_good / total:8.2%}   ({elapsed:.0f} s, {total / elapsed:.0f} documents/s)"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
