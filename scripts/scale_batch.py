"""Peak memory and speed of ``govparse-ml batch`` as the number of reports grows.

    python scripts/scale_batch.py [--sizes 10000 50000 100000] [--distinct 5000] [-j 2] [--json OUT]

Writes generated reports (every layout in turn, both formats) as files into a work directory,
in folders of 10,000, and runs ``govparse-ml batch FOLDERS… -o out.parquet --cells cells.parquet
-j N`` on the first N of them, in a subprocess, sampling every 0.2 s the resident memory of the
batch process and of its workers (from /proc). Reports the wall time, reports/s, the peak of
the parent, of the largest worker and of the whole tree. Memory flat in the number of reports
means the parent's peak does not grow with it.

``--distinct`` texts are generated and written in turn under new names (generation costs
about as much as parsing); the batch still parses each file, but the parser's caches find
their lines again, so its speed is an upper bound of that of as many unseen reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FOLDER = 10_000


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += children(p)
    return seen


def write_corpus(root: Path, n: int, distinct: int) -> list[Path]:
    from govparse_ml.synth.generate import LAYOUTS, generate

    folders = [root / f"part{k:02d}" for k in range((n + FOLDER - 1) // FOLDER)]
    texts: list[str] = []
    for i in range(distinct):
        texts.append(generate(10_000_000 + i, layout=LAYOUTS[i % len(LAYOUTS)]).text)
    for k, folder in enumerate(folders):
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(k * FOLDER, min(n, (k + 1) * FOLDER)):
            path = folder / f"r{i:06d}.txt"
            if not path.exists():
                path.write_text(texts[i % distinct], encoding="utf-8")
    return folders


def run(folders: list[Path], out: Path, jobs: int, code: Path = ROOT) -> dict:
    cmd = [sys.executable, "-m", "govparse_ml.cli", "batch", *map(str, folders), "-o", str(out / "out.parquet")]
    cmd += ["--cells", str(out / "cells.parquet"), "-j", str(jobs), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(code)}
    peak = {"parent": 0, "worker": 0, "tree": 0}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            pids = tree(proc.pid)
            sizes = {p: rss_kb(p) for p in pids}
            peak["parent"] = max(peak["parent"], sizes.get(proc.pid, 0))
            peak["worker"] = max([peak["worker"], *(v for p, v in sizes.items() if p != proc.pid)])
            peak["tree"] = max(peak["tree"], sum(sizes.values()))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"batch exited {proc.returncode}: {err[-2000:]}")
    n = sum(len(list(f.iterdir())) for f in folders)
    return {
        "reports": n,
        "wall_s": round(wall, 1),
        "reports_per_s": round(n / wall, 1),
        "peak_parent_mb": round(peak["parent"] / 1024),
        "peak_worker_mb": round(peak["worker"] / 1024),
        "peak_tree_mb": round(peak["tree"] / 1024),
        "out_mb": round((out / "out.parquet").stat().st_size / 1e6, 1),
        "cells_mb": round((out / "cells.parquet").stat().st_size / 1e6, 1),
        "summary": err.strip().splitlines()[-1],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    p.add_argument("--distinct", type=int, default=5_000)
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--work", help="work directory (default: a temporary one, removed)")
    p.add_argument("--json", metavar="OUT")
    p.add_argument("--code", default=str(ROOT), help="the checkout whose govparse_ml runs (to compare with another)")
    args = p.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="scale-batch-"))
    t0 = time.perf_counter()
    folders = write_corpus(work / "corpus", max(args.sizes), args.distinct)
    print(f"corpus: {max(args.sizes):,} files ({args.distinct:,} distinct texts) in {time.perf_counter() - t0:.0f} s")
    results = []
    print(f"{'reports':>8} {'wall s':>8} {'reports/s':>10} {'parent MB':>10} {'worker MB':>10} {'tree MB':>8}")
    for n in args.sizes:
        out = work / f"out{n}"
        out.mkdir(exist_ok=True)
        r = run(folders[: (n + FOLDER - 1) // FOLDER], out, args.jobs, Path(args.code))
        results.append(r)
        print(
            f"{r['reports']:8,} {r['wall_s']:8.1f} {r['reports_per_s']:10.1f} {r['peak_parent_mb']:10,} "
            f"{r['peak_worker_mb']:10,} {r['peak_tree_mb']:8,}   {r['summary']}",
            flush=True,
        )
        for f in out.iterdir():
            f.unlink()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not args.work:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
