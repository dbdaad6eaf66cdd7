#!/usr/bin/env python
"""Benchmarks of govparse-ml: parse time per report, batch throughput, start-up, training, a 10k batch.

    python scripts/bench.py                      # parse times, batch -j 1 / -j 2, import + model load
    python scripts/bench.py --train              # … and the training time
    python scripts/bench.py --batch-10k          # … and a 10,000-report batch end to end (parquet)
    python scripts/bench.py --json bench.json    # also write every figure as JSON
    python scripts/bench.py --no-batch           # parse times, the locks' cost and start-up only
    python scripts/bench.py --save-texts T.json  # write the corpora of the parse times to T.json (and stop)
    python scripts/bench.py --texts T.json       # time parse on the corpora of T.json, not made here
    python scripts/bench.py --parse-only         # the parse times only, with every sample in --json

Parse times are measured warm, in this process, pinned to one CPU (where the OS allows), per report:
p50 / p95 of the wall time (and p50 of the CPU time, which other load on the machine barely moves).
Three settings: "seeds" times each seed as a report never seen before (the caches keyed by line
text cleared and filled with 20 generated reports before every timed parse: every prose line
is new, table labels mostly known); "seeds again" times the seeds parsed over and over (every
line in the caches); "generated" times 200 generated reports in one pass, each parsed once, as
a corpus run meets them (their phrases repeat more than real reports' do).
Corpora: the seed reports (../shared/seeds/*.txt, else the bundled example and the labeled training
texts) and reports from ``govparse_ml.synth.generate`` (skipped, with a message, if that module is absent).
``--texts`` times another version of the code on the same texts (its generator may make other
reports): scripts/bench_against.py does so for two source trees, in alternating runs.
Batch figures run the installed command, ``govparse-ml batch``, in a fresh process: start-up included.
The machine's load average is printed beside the figures: on a shared machine they are upper bounds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
SUMMARY_PREFIX = " reports, "


# --------------------------------------------------------------------------- corpora


def seed_corpus() -> tuple[str, list[str]]:
    """The seed reports' texts: shared/seeds, else the bundled example and the labeled texts."""
    from govparse_ml.io.files import read_text

    files = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
    if files:
        return f"seeds ({SEEDS_DIR})", [read_text(p).text for p in files]
    texts = [(ROOT / "govparse_ml" / "data" / "example.txt").read_text(encoding="utf-8")]
    for p in sorted((ROOT / "training_data" / "labeled").glob("*.jsonl")):
        rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts.append("\n".join(r["text"] for r in rows))
    return "seeds (bundled example + training_data/labeled)", texts


def generated_corpus(n: int, start: int = 0) -> list[str] | None:
    try:
        from govparse_ml.synth.generate import generate
    except ImportError as exc:
        print(f"(generated reports skipped: govparse_ml.synth.generate is not available: {exc})", file=sys.stderr)
        return None
    return [generate(seed).text for seed in range(start, start + n)]


# The corpora of the parse times: the seeds (timed unseen and again), the reports that warm the
# caches before each unseen seed, the generated stream and the reports parsed before it.
CORPORA = ("seeds", "others", "generated", "stream_warm")


def parse_corpora(n_generated: int, texts_file: str | None = None) -> dict:
    """The corpora of the parse times, made here or read from ``texts_file`` (see --save-texts)."""
    if texts_file:
        data = json.loads(Path(texts_file).read_text(encoding="utf-8"))
        return {name: data.get(name) for name in CORPORA} | {"seed_name": data.get("seed_name", texts_file)}
    seed_name, seeds = seed_corpus()
    generated = generated_corpus(n_generated, start=100_000) if n_generated else None
    return {
        "seed_name": seed_name,
        "seeds": seeds,
        # The seeds are timed unseen (caches warmed on 20 generated reports, never on the seed
        # itself) and again; the generated reports in a stream after 200 others.
        "others": generated_corpus(20, start=200_000),
        "generated": generated,
        "stream_warm": generated_corpus(200, start=300_000) if generated else None,
    }


# --------------------------------------------------------------------------- helpers


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@contextlib.contextmanager
def one_cpu():
    """Pin this process to one CPU for the block (Linux), so 'one core' is what is measured."""
    if not hasattr(os, "sched_getaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = max(before)
    try:
        os.sched_setaffinity(0, {cpu})
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def machine() -> dict:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def uses_model() -> bool:
    """Whether parse(model="default") really labels lines with the model (not the rules fallback)."""
    from govparse_ml import parse

    report = parse(seed_corpus()[1][0], model="default")
    return any(line.source == "model" for line in report.lines)


def govparse_cmd() -> list[str]:
    exe = shutil.which("govparse-ml")
    return [exe] if exe else [sys.executable, "-m", "govparse_ml.cli"]


# --------------------------------------------------------------------------- measures


def parse_times(
    texts: list[str], model, repeats: int, others: list[str] | None = None, mode: str = "again", samples: bool = False
) -> dict:
    """Wall and CPU time of each parse of ``texts``, the process warm (model loaded, code run).

    ``mode``: "unseen" starts every timed parse from caches that hold the lines of ``others``
    but none of the timed report's own (caches cleared, then ``others`` parsed): a new report
    meeting a corpus run. "stream" parses ``others``, then times ``texts`` once each in turn,
    caches kept: a corpus run. "again" parses ``texts`` once untimed, then times them again.
    ``samples``: every time measured is in the result too (``wall_ms``, ``cpu_ms``).
    """
    from govparse_ml import parse
    from govparse_ml.pipeline import clear_caches

    with one_cpu() as cpu:
        clear_caches()
        for t in texts if mode == "again" else others or []:
            parse(t, model=model)
        wall: list[float] = []
        cpu_t: list[float] = []
        for _ in range(repeats):
            for t in texts:
                if mode == "unseen":
                    clear_caches()
                    for o in others or []:
                        parse(o, model=model)
                c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
                parse(t, model=model)
                wall.append((time.perf_counter_ns() - w0) / 1e6)
                cpu_t.append((time.thread_time_ns() - c0) / 1e6)
    out = {
        "reports": len(texts),
        "mode": mode,
        "repeats": repeats,
        "chars_mean": round(statistics.mean(len(t) for t in texts)),
        "pinned_cpu": cpu,
        "p50_ms": pct(wall, 0.5),
        "p95_ms": pct(wall, 0.95),
        "mean_ms": statistics.mean(wall),
        "max_ms": max(wall),
        "cpu_p50_ms": pct(cpu_t, 0.5),
        "cpu_p95_ms": pct(cpu_t, 0.95),
    }
    if samples:
        out["wall_ms"], out["cpu_ms"] = wall, cpu_t
    return out


def lock_cost(texts: list[str], rounds: int = 10) -> dict | None:
    """What the thread-safety locks cost a parse: the seeds parsed again (every line cached, so
    the lock is the largest share it can be), with the model's text-cache lock and with a no-op
    in its place, in alternating rounds of one run (so the machine's load hits both alike)."""
    from govparse_ml import parse
    from govparse_ml.classifier import resolve

    scorer = resolve.default_model()
    if isinstance(scorer, Exception) or not hasattr(scorer, "_cache_lock"):
        return None
    real = scorer._cache_lock
    times: dict[str, list[float]] = {"locked": [], "unlocked": []}
    with one_cpu():
        for t in texts:
            parse(t)
        try:
            for _ in range(rounds):
                for name, lock in (("locked", real), ("unlocked", contextlib.nullcontext())):
                    scorer._cache_lock = lock
                    for t in texts:
                        w0 = time.perf_counter_ns()
                        parse(t)
                        times[name].append((time.perf_counter_ns() - w0) / 1e6)
        finally:
            scorer._cache_lock = real
    out = {f"{name}_p50_ms": pct(v, 0.5) for name, v in times.items()}
    out["reports"], out["rounds"] = len(texts), rounds
    out["cost_p50_ms"] = out["locked_p50_ms"] - out["unlocked_p50_ms"]
    return out


def write_corpus(texts: list[str], folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"r{i:05d}.txt").write_text(texts[i % len(texts)], encoding="utf-8")


def run_batch_cmd(folder: Path, out: Path, jobs: int, extra: list[str] = ()) -> dict:
    cmd = [*govparse_cmd(), "batch", str(folder), "-o", str(out), "-j", str(jobs), "--no-progress", *extra]
    before = children_cpu()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - before
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr[-2000:]}")
    summary = next((ln for ln in reversed(done.stderr.splitlines()) if SUMMARY_PREFIX in ln), "")
    return {"command": " ".join(cmd[len(govparse_cmd()) - 1 :]), "wall_s": wall, "cpu_s": cpu, "summary": summary}


def children_cpu() -> float:
    """CPU seconds of the finished child processes and theirs (the batch command and its workers)."""
    try:
        import resource
    except ImportError:
        return float("nan")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def batch_throughput(texts: list[str], n: int, jobs_list: list[int], tmp: Path, name: str) -> dict:
    """End-to-end ``govparse-ml batch`` wall time and reports/s, and the CPU the batch machinery adds."""

    folder = tmp / f"batch_{name}"
    write_corpus(texts, folder, n)
    out: dict = {"reports": n, "runs": {}}
    for jobs in jobs_list:
        r = run_batch_cmd(folder, tmp / f"{name}_j{jobs}.parquet", jobs)
        r["reports_per_s"] = n / r["wall_s"]
        # What the run would reach with its `jobs` cores to itself: its CPU time spread over them.
        r["reports_per_s_cpu_bound"] = n * jobs / r["cpu_s"]
        out["runs"][jobs] = r
    out["overhead"] = machinery_overhead([texts[i % len(texts)] for i in range(300)], tmp)
    return out


def machinery_overhead(texts: list[str], tmp: Path) -> dict:
    """CPU per report of what the batch adds to read + parse: the row, the checkpoint line, the trip
    from a worker to the parent (pickle), the DataFrame and the parquet file. Timed piece by piece on
    parsed reports: a bare loop against a batch loop would drown these in the noise of the parse."""
    import pickle

    from govparse_ml import parse
    from govparse_ml.batch.checkpoint import Checkpoint
    from govparse_ml.batch.frames import rows_frame
    from govparse_ml.batch.rows import row_values
    from govparse_ml.batch.writers import write_frame

    reports = [parse(t) for t in texts]
    n = len(reports)

    def cpu_per_report(fn) -> float:
        best = float("inf")
        for _ in range(3):
            c0 = time.process_time()
            fn()
            best = min(best, time.process_time() - c0)
        return best / n * 1e3

    rows = [row_values(r, f"r{i}", "src", "utf-8") for i, r in enumerate(reports)]
    results = [(row, None) for row in rows]
    rows_frame(rows[:2])  # imports pandas once, outside the timing
    ck = Checkpoint(tmp / "bench.partial")
    ck.start()
    frame = rows_frame(rows)
    pieces = {
        "row_ms": cpu_per_report(lambda: [row_values(r, "id", "src", "utf-8") for r in reports]),
        "checkpoint_ms": cpu_per_report(lambda: [ck.add(results[i : i + 64]) for i in range(0, n, 64)]),
        "to_parent_ms": cpu_per_report(
            lambda: [pickle.loads(pickle.dumps(results[i : i + 64])) for i in range(0, n, 64)]
        ),
        "frame_ms": cpu_per_report(lambda: rows_frame(rows)),
        "parquet_ms": cpu_per_report(lambda: write_frame(frame, tmp / "bench.parquet")),
    }
    ck.remove()
    pieces["total_ms"] = sum(pieces.values())
    pieces["reports"] = n
    return pieces


STARTUP_CODE = """
import time, json
t0 = time.perf_counter()
import govparse_ml
t1 = time.perf_counter()
from govparse_ml import parse
r = parse(open(%r, encoding="utf-8").read(), model="default")
t2 = time.perf_counter()
parse(open(%r, encoding="utf-8").read(), model="default")
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_parse_s": t2 - t1, "warm_parse_s": t3 - t2,
                  "model_used": any(l.source == "model" for l in r.lines)}))
"""


def startup(repeats: int = 3) -> dict:
    example = str(ROOT / "govparse_ml" / "data" / "example.txt")
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", STARTUP_CODE % (example, example)], capture_output=True, text=True, check=True
        )
        total = time.perf_counter() - t0
        r = json.loads(done.stdout.strip().splitlines()[-1])
        r["process_total_s"] = total
        runs.append(r)
    med = {
        k: statistics.median(r[k] for r in runs)
        for k in ("import_s", "first_parse_s", "warm_parse_s", "process_total_s")
    }
    med["model_load_s"] = med["first_parse_s"] - med["warm_parse_s"]
    med["model_used"] = runs[0]["model_used"]
    med["repeats"] = repeats
    return med


def training_time(tmp: Path) -> dict:
    out = tmp / "model"
    cmd = [*govparse_cmd(), "train", "--out", str(out)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    res = {"command": "govparse-ml train --out TMPDIR", "wall_s": wall, "returncode": done.returncode}
    if done.returncode != 0:
        res["error"] = (done.stderr or done.stdout)[-500:]
    return res


def batch_10k(tmp: Path, n: int, jobs: int) -> dict:
    import pandas as pd

    t0 = time.perf_counter()
    texts = generated_corpus(n)
    source = "generated"
    if texts is None:
        texts, source = seed_corpus()[1], "seeds repeated"
    folder = tmp / "batch_10k"
    write_corpus(texts, folder, n)
    prep = time.perf_counter() - t0
    out = tmp / "10k.parquet"
    r = run_batch_cmd(folder, out, jobs)
    df = pd.read_parquet(out)
    r.update(
        reports=n,
        corpus=source,
        jobs=jobs,
        prepare_s=prep,
        reports_per_s=n / r["wall_s"],
        reports_per_s_cpu_bound=n * jobs / r["cpu_s"],
        shape=list(df.shape),
        output_bytes=out.stat().st_size,
        failed=int(df["error"].notna().sum()),
        with_failed_checks=int((df["n_checks_failed"].fillna(0) > 0).sum()),
        top_errors={str(k)[:300]: int(v) for k, v in df["error"].value_counts().head(3).items()},
        format_versions={str(k): int(v) for k, v in df["format_version"].value_counts(dropna=False).items()},
    )
    return r


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="timed parses of each seed (default 5)")
    ap.add_argument("--n-generated", type=int, default=200, help="generated reports to time (default 200)")
    ap.add_argument("--batch-n", type=int, default=2000, help="reports in the throughput batches (default 2000)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts to compare (default 1 2)")
    ap.add_argument("--no-batch", action="store_true", help="skip the throughput batches")
    ap.add_argument("--train", action="store_true", help="also time `govparse-ml train`")
    ap.add_argument("--batch-10k", action="store_true", help="also run a 10,000-report batch end to end")
    ap.add_argument("--n-10k", type=int, default=10_000, help="reports in that batch (default 10000)")
    ap.add_argument("--jobs-10k", type=int, default=os.cpu_count() or 1, help="workers for that batch (default: all)")
    ap.add_argument("--json", metavar="OUT", help="write every figure as JSON")
    ap.add_argument("--texts", metavar="FILE", help="time parse on the corpora of FILE (see --save-texts)")
    ap.add_argument("--save-texts", metavar="FILE", help="write the corpora of the parse times to FILE and stop")
    ap.add_argument("--parse-only", action="store_true", help="the parse times only, each sample kept in --json")
    args = ap.parse_args(argv)
    if args.save_texts:
        corpora = parse_corpora(args.n_generated, args.texts)
        Path(args.save_texts).write_text(json.dumps(corpora, ensure_ascii=False), encoding="utf-8")
        sizes = ", ".join(f"{k} {len(v)}" for k, v in corpora.items() if isinstance(v, list))
        print(f"wrote {args.save_texts}: {sizes}")
        return 0

    results: dict = {"machine": machine()}
    print(
        f"machine: {results['machine']['cpu']}, {results['machine']['cpus_usable']} CPUs, "
        f"Python {results['machine']['python']}, load average {results['machine']['load_average_at_start']}"
    )
    model_on = uses_model()
    results["model_available"] = model_on
    if not model_on:
        print("note: the shipped line classifier is not available: model='default' falls back to the rules")

    corpora = parse_corpora(args.n_generated, args.texts)
    seeds, generated = corpora["seeds"], corpora["generated"]
    results["parse"] = {}
    runs = (
        ("seeds", seeds, args.repeats, corpora["others"], "unseen"),
        ("seeds again", seeds, args.repeats, None, "again"),
        ("generated", generated, 1, corpora["stream_warm"], "stream"),
    )
    for corpus, texts, repeats, warm_on, mode in runs:
        if not texts:
            continue
        for label, model in (("model", "default"), ("rules", None)):
            key = f"{corpus}/{label}"
            results["parse"][key] = parse_times(texts, model, repeats, warm_on, mode, samples=args.parse_only)
    results["parse_corpus_seeds"] = corpora["seed_name"]
    if args.parse_only:
        return finish(results, args.json)
    results["lock_cost"] = lock_cost(seeds)

    with tempfile.TemporaryDirectory(prefix="govparse-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if not args.no_batch:
            results["batch"] = {"seeds": batch_throughput(seeds, args.batch_n, args.jobs, tmp, "seeds")}
            if generated:
                gen_batch = generated_corpus(args.batch_n)
                results["batch"]["generated"] = batch_throughput(gen_batch, args.batch_n, args.jobs, tmp, "generated")
        results["startup"] = startup()
        if args.train:
            results["train"] = training_time(tmp)
        if args.batch_10k:
            results["batch_10k"] = batch_10k(tmp, args.n_10k, args.jobs_10k)
    return finish(results, args.json)


def finish(results: dict, json_out: str | None) -> int:
    """Print the figures (and write them as JSON)."""
    results["machine"]["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print_table(results)
    if json_out:
        Path(json_out).write_text(
            json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        print(f"wrote {json_out}")
    return 0


def startup_rows(s: dict) -> list[tuple[str, str]]:
    return [
        ("import govparse_ml (fresh process)", f"{s['import_s'] * 1e3:.0f} ms"),
        (
            "first parse incl. model load",
            f"{s['first_parse_s'] * 1e3:.0f} ms (model load ≈ {s['model_load_s'] * 1e3:.0f} ms"
            f"{'' if s['model_used'] else ', no model: rules'})",
        ),
        ("python -c 'import + 2 parses' total", f"{s['process_total_s']:.2f} s"),
    ]


def print_table(r: dict) -> None:
    rows: list[tuple[str, str]] = []
    for key, p in r["parse"].items():
        rows.append(
            (
                f"parse {key} ({p['reports']} reports × {p['repeats']}, {p['chars_mean']} chars)",
                f"p50 {p['p50_ms']:.2f} ms · p95 {p['p95_ms']:.2f} ms · max {p['max_ms']:.1f} ms "
                f"(CPU p50 {p['cpu_p50_ms']:.2f} ms)",
            )
        )
    if r.get("lock_cost"):
        lc = r["lock_cost"]
        rows.append(
            (
                f"thread-safety lock, seeds again ({lc['reports']} reports × {lc['rounds']} each way)",
                f"p50 {lc['locked_p50_ms']:.3f} ms with / {lc['unlocked_p50_ms']:.3f} ms without "
                f"(cost {lc['cost_p50_ms'] * 1e3:+.0f} µs)",
            )
        )
    for corpus, b in r.get("batch", {}).items():
        for jobs, run in b["runs"].items():
            rows.append(
                (
                    f"batch {corpus} -j {jobs} ({b['reports']} reports, end to end)",
                    f"{run['wall_s']:.1f} s · {run['reports_per_s']:.0f} reports/s "
                    f"(CPU {run['cpu_s']:.1f} s: {run['reports_per_s_cpu_bound']:.0f}/s with {jobs} idle cores)"
                    f" · {run['summary'].split(', ')[1] if ', ' in run['summary'] else '?'}",
                )
            )
        o = b["overhead"]
        rows.append(
            (
                f"batch {corpus}: CPU the batch adds per report",
                f"{o['total_ms']:.3f} ms (row {o['row_ms']:.3f}, checkpoint {o['checkpoint_ms']:.3f}, "
                f"to parent {o['to_parent_ms']:.3f}, frame {o['frame_ms']:.3f}, parquet {o['parquet_ms']:.3f})",
            )
        )
    if "startup" in r:
        rows.extend(startup_rows(r["startup"]))
    if "train" in r:
        t = r["train"]
        rows.append(
            (
                "govparse-ml train",
                f"{t['wall_s']:.1f} s" + ("" if t["returncode"] == 0 else f" (FAILED: exit {t['returncode']})"),
            )
        )
    if "batch_10k" in r:
        b = r["batch_10k"]
        rows.append(
            (
                f"batch {b['reports']:,} {b['corpus']} reports -j {b['jobs']} → parquet",
                f"{b['wall_s']:.1f} s · {b['reports_per_s']:.0f} reports/s "
                f"(CPU {b['cpu_s']:.0f} s: {b['reports_per_s_cpu_bound']:.0f}/s with idle cores) · "
                f"shape {tuple(b['shape'])} · {b['failed']} failed · {b['with_failed_checks']} with failed checks",
            )
        )
    width = max(len(a) for a, _ in rows)
    print()
    print(f"{'measure'.ljust(width)} | value")
    print(f"{'-' * width}-|-{'-' * 60}")
    for a, b in rows:
        print(f"{a.ljust(width)} | {b}")
    la = r["machine"]
    print(
        f"\nload average: start {la['load_average_at_start']}, end {la['load_average_at_end']} "
        f"on {la['cpus_usable']} CPUs ({la['cpu']})"
    )


if __name__ == "__main__":
    sys.exit(main())
