#!/usr/bin/env python
"""Soak: parse() from many threads in several processes gives what sequential calls give.

    python scripts/soak.py                        # 8 threads × 2 processes, 1,000 reports each
    python scripts/soak.py --n 200 --threads 4    # smaller

The corpus is generated reports of every layout and format, with every tenth one replaced by
a hostile text (rows of long glued digits, which hit the inputs limit). First each report is
parsed once, in order, in this process: the reference. Then this process parses them all again
from ``--threads`` threads at once (the caches cleared first, so the threads fill them while
they race), and ``--processes`` fresh processes (spawned, so each loads the model while its
threads are already parsing) do the same. Each report's outcome (every cell with its value and
raw text, every line's label, source and confidence, the warnings, the readings) is compared
with the reference; the script prints the differences and exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def corpus(n: int, seed: int) -> list[str]:
    from govparse_ml.format import schema
    from govparse_ml.synth.generate import LAYOUTS, generate

    texts = []
    for i in range(n):
        if i % 10 == 9:  # a hostile one: every row label with 30-100 glued digits
            rng = random.Random(seed + i)
            lines = []
            for spec in schema.tables(rng.choice(schema.FORMATS)).values():
                lines.append(spec.title)
                lines += [
                    r.label + "".join(rng.choice("0123456789") for _ in range(rng.randint(30, 100))) for r in spec.rows
                ]
            texts.append("\n".join(lines))
        else:
            fmt = schema.FORMATS[i % 2]
            texts.append(generate(seed + i, format_version=fmt, layout=LAYOUTS[i % len(LAYOUTS)]).text)
    return texts


def outcome(text: str) -> str:
    """A digest of everything a race could change in a report."""
    from govparse_ml import parse

    r = parse(text)
    parts = (
        sorted((c.table, c.row, c.col, c.value, c.raw) for c in r.cells()),
        [(ln.label, ln.source, None if ln.confidence is None else round(ln.confidence, 9)) for ln in r.lines],
        r.warnings,
        [(x.table, x.row, x.raw, x.chosen, x.alternatives, x.reason) for x in r.readings],
        r.meta,
    )
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def threaded(texts: list[str], threads: int) -> list[str]:
    from govparse_ml.pipeline import clear_caches

    clear_caches()
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(outcome, texts))


def in_fresh_process(args: tuple[int, int, int]) -> list[str]:
    n, seed, threads = args
    return threaded(corpus(n, seed), threads)  # the model loads while the threads already parse


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="reports (default 1000)")
    ap.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    ap.add_argument("--processes", type=int, default=2, help="fresh processes (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    texts = corpus(args.n, args.seed)
    t0 = time.perf_counter()
    reference = [outcome(t) for t in texts]
    print(f"sequential: {len(texts)} reports in {time.perf_counter() - t0:.1f} s")

    runs: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    runs[f"{args.threads} threads"] = threaded(texts, args.threads)
    print(f"{args.threads} threads: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.processes, mp_context=ctx) as pool:
        jobs = [(args.n, args.seed, args.threads)] * args.processes
        for k, got in enumerate(pool.map(in_fresh_process, jobs)):
            runs[f"process {k + 1} × {args.threads} threads"] = got
    print(f"{args.processes} processes × {args.threads} threads: {time.perf_counter() - t0:.1f} s")

    total = 0
    for name, got in runs.items():
        differing = [i for i, (a, b) in enumerate(zip(reference, got, strict=True)) if a != b]
        total += len(differing)
        print(f"{name}: {len(got)} reports, {len(differing)} differ from sequential {differing[:10] or ''}")
    print(f"soak: {sum(map(len, runs.values()))} parses compared, {total} differences")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
