#!/usr/bin/env python
"""Parse times of this source tree against another's (an older commit's worktree), on the same texts.

    python scripts/bench_against.py /work/wt-base              # 6 rounds, texts made by this tree's generator
    python scripts/bench_against.py OTHER --rounds 10 --texts T.json --json out.json

Each round runs ``scripts/bench.py --texts T --parse-only`` (this tree's script, whose timing
method is the same for both) once with ``PYTHONPATH`` set to each tree, in alternating order
(ABBA…), so the machine's load falls on both alike. The samples of all rounds are pooled: p50
of wall and CPU time per measure, and the ratio of this tree's to the other's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scripts" / "bench.py"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def run_bench(tree: Path, texts: Path, out: Path, repeats: int) -> dict:
    """The parse figures of ``tree``'s code (every sample kept), by this tree's bench script."""
    cmd = [sys.executable, str(BENCH), "--texts", str(texts), "--parse-only", "--repeats", str(repeats)]
    env = dict(os.environ, PYTHONPATH=str(tree))
    subprocess.run([*cmd, "--json", str(out)], env=env, cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(out.read_text(encoding="utf-8"))


def compare(trees: dict[str, Path], texts: Path, rounds: int, repeats: int, tmp: Path) -> dict:
    """Samples pooled over ``rounds`` alternating runs: {tree name: {measure: {"wall_ms", "cpu_ms"}}}."""
    pooled: dict[str, dict[str, dict[str, list[float]]]] = {name: {} for name in trees}
    order = list(trees)
    for r in range(rounds):
        for name in order if r % 2 == 0 else order[::-1]:
            figures = run_bench(trees[name], texts, tmp / f"{name}.json", repeats)
            for key, p in figures["parse"].items():
                into = pooled[name].setdefault(key, {"wall_ms": [], "cpu_ms": []})
                into["wall_ms"] += p["wall_ms"]
                into["cpu_ms"] += p["cpu_ms"]
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    return pooled


def print_table(pooled: dict, this: str, other: str) -> None:
    print(f"{'measure':24} | {other + ' p50 ms':>16} | {this + ' p50 ms':>16} | ratio wall | ratio CPU | samples")
    for key in pooled[this]:
        a, b = pooled[other][key], pooled[this][key]
        wa, wb, ca, cb = (pct(x, 0.5) for x in (a["wall_ms"], b["wall_ms"], a["cpu_ms"], b["cpu_ms"]))
        print(
            f"{key:24} | {wa:7.3f} (CPU {ca:5.3f}) | {wb:7.3f} (CPU {cb:5.3f}) | {wb / wa:10.3f} | {cb / ca:9.3f}"
            f" | {len(b['wall_ms'])}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("other", type=Path, help="the other source tree (a worktree of another commit)")
    ap.add_argument("--rounds", type=int, default=6, help="runs of each tree, alternating (default 6)")
    ap.add_argument("--repeats", type=int, default=5, help="timed parses of each seed per run (default 5)")
    ap.add_argument("--texts", type=Path, help="corpora written by bench.py --save-texts (default: made by this tree)")
    ap.add_argument("--json", metavar="OUT", help="write the pooled samples as JSON")
    args = ap.parse_args(argv)
    trees = {"this": ROOT, "other": args.other.resolve()}
    with tempfile.TemporaryDirectory(prefix="govparse-against-") as tmpdir:
        tmp = Path(tmpdir)
        texts = args.texts
        if texts is None:
            texts = tmp / "texts.json"
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            subprocess.run([sys.executable, str(BENCH), "--save-texts", str(texts)], env=env, check=True)
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        pooled = compare(trees, texts, args.rounds, args.repeats, tmp)
    print(f"this: {ROOT}, other: {trees['other']}; {args.rounds} rounds each, alternating; load average {load}")
    print_table(pooled, "this", "other")
    if args.json:
        Path(args.json).write_text(json.dumps(pooled) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
