"""How much of a glued report (``one_line_report``) the text decides, and the best any parser can do.

With every cell glued to the next (``规章000规范性文件898989``), a row without an identity can
read several ways: ``-1220`` is -1 | 20 or -12 | 0. This script measures, per format:

(a) decidable: the share of documents in which, for every row, only one cut of the glued
    digits satisfies every identity of the format and the hard constraints (no leading
    zeros, no negative or decimal count): the text alone decides them;
(b) recovered among the decidable documents (every cell right): should be 100 %;
(c) recovered overall, with the parser's prior for the undecided rows;
(d) the oracle ceiling: the same search, but choosing among the readings that satisfy every
    identity with the generator's own distribution of each row (estimated by Monte Carlo
    from ``--draws`` fresh draws of ``synth.values.generate_values``). A parser that knows the
    generator cannot do better on average, so this is a bound no parser can beat (up to the
    Monte-Carlo error of the estimate, and its treatment of rows as independent);

and, on the rows the identities leave undecided, the share each of them reads right.

    python scripts/ceiling.py --n 1000                 # both formats, 200,000 draws per format
    python scripts/ceiling.py --n 200 --format 2019 --draws 50000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor

from govparse_ml import parse
from govparse_ml.format import schema
from govparse_ml.synth import generate
from govparse_ml.synth.values import generate_values
from govparse_ml.tables import decision

LAYOUT = "one_line_report"
# Seeds of the Monte-Carlo draws: far from the documents' seeds, so the oracle never sees them.
DRAW_SEED = 10**9
SMOOTHING = 20.0  # pseudo-draws of a cell's own distribution added to each context

# ----------------------------------------------------------------------------- the oracle


def _key(text: str) -> tuple:
    """A value as the estimate counts it: exact below 100, else its eighth of a decade (and decimals)."""
    body = text.lstrip("+-")
    sign = "-" if text.startswith("-") else ""
    places = len(body) - body.index(".") - 1 if "." in body else 0
    value = float(body)
    if places == 0 and value < 100:
        return (sign, int(value))
    return (sign, places, math.floor(8 * math.log10(value)) if value > 0 else -99)


def _width(key: tuple) -> float:
    """How many printable values share a key."""
    if len(key) == 2:
        return 1.0
    _, places, b = key
    lo, hi = 10 ** (b / 8), 10 ** ((b + 1) / 8)
    if places == 0:
        return max(1.0, math.ceil(hi) - math.ceil(lo))
    return max(1.0, (hi - lo) * 10**places)


def _draw(job: tuple[str, int, int]) -> dict:
    """Counts of each cell's key, alone and after the key of the cell before it in its row."""
    fmt, start, count = job
    spec = schema.tables(fmt)
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for i in range(start, start + count):
        values = generate_values(random.Random(DRAW_SEED + i), fmt)
        for table in spec.values():
            for row in table.rows:
                before = None
                for j, col in enumerate(row.columns):
                    key = _key(generate.format_value(values[(table.id, row.id, col.id)]))
                    counts[(table.id, row.id, j)][key] += 1
                    if j:
                        counts[(table.id, row.id, j, before)][key] += 1
                    before = key
    return dict(counts)


class Oracle:
    """log P(a reading of a row) under the generator's distribution, estimated by Monte Carlo.

    By the chain rule, each cell given the one before it in the row (its key: exact below 100,
    else its eighth of a decade, uniform within it), smoothed towards the cell's own
    distribution with ``SMOOTHING`` pseudo-draws where a context is rare.
    """

    def __init__(self, fmt: str, draws: int, jobs: int) -> None:
        self.fmt, self.n = fmt, draws
        self.counts: dict[tuple, Counter] = defaultdict(Counter)
        chunk = max(1, draws // (8 * jobs))
        parts = [(fmt, s, min(chunk, draws - s)) for s in range(0, draws, chunk)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for counts in pool.map(_draw, parts):
                for k, c in counts.items():
                    self.counts[k].update(c)
        self.totals = {k: sum(c.values()) for k, c in self.counts.items()}

    def log_prior(self, table: str, rows: tuple[str, ...], cells: tuple, version: str) -> float:
        spec = schema.tables(version)[table]
        out, pos = 0.0, 0
        for row in rows:
            width = len(spec.row(row).columns)
            out += self._row(table, row, cells[pos : pos + width])
            pos += width
        return out

    def _row(self, table: str, row: str, texts: tuple) -> float:
        if any(t is None for t in texts):
            return 0.0
        try:
            keys = [_key(t) for t in texts]
        except ValueError:
            return -1000.0
        out = 0.0
        for j, key in enumerate(keys):
            alone = self.counts.get((table, row, j), Counter())
            p = max(alone[key], 0.5) / self.n  # an unseen key: half a draw
            if j:
                ctx = self.counts.get((table, row, j, keys[j - 1]), Counter())
                p = (ctx[key] + SMOOTHING * p) / (self.totals.get((table, row, j, keys[j - 1]), 0) + SMOOTHING)
            out += math.log(p / _width(key))
        return out


# ----------------------------------------------------------------------------- the documents

_ORACLE: Oracle | None = None


def _init(oracle: Oracle | None) -> None:
    global _ORACLE
    _ORACLE = oracle


def _cell_key(cid: str) -> tuple[str, str, str]:
    """``table.row.col`` (row ids hold dots themselves) as a key."""
    table, rest = cid.split(".", 1)
    row, col = rest.rsplit(".", 1)
    return table, row, col


def _score(doc: generate.GeneratedReport, report) -> tuple[bool, list[tuple[str, bool]]]:
    """Whether every cell is right, and for each row the identities left undecided whether it is."""
    ok = report.meta.format_version == doc.format_version and all(
        report.cell(*key).value == truth for key, truth in doc.cells.items()
    )
    undecided = []
    for r in report.readings:
        if r.decided_by == "prior" and r.cells:
            keys = [_cell_key(cid) for cid in r.cells]
            right = all(report.cell(*key).value == doc.cells[key] for key in keys)
            undecided.append((f"{r.table}.{r.row}", right))
    return ok, undecided


def check(job: tuple[str, int, bool]) -> dict:
    fmt, seed, rules_only = job
    model = None if rules_only else "default"
    doc = generate.generate(seed, format_version=fmt, layout=LAYOUT)
    report = parse(doc.text, model=model)
    ok, undecided = _score(doc, report)
    # Decidable: no row whose reading rests on the prior (every glued row is pinned by the identities).
    decidable = report.meta.format_version == fmt and not any(
        r.alternatives > 1 and r.decided_by != "identities" for r in report.readings
    )
    # The same, table by table: (decidable, recovered) of each table.
    tables = {}
    for tid in schema.tables(fmt):
        pinned = not any(
            r.table == tid and r.alternatives > 1 and r.decided_by != "identities" for r in report.readings
        )
        right = all(report.cell(*key).value == truth for key, truth in doc.cells.items() if key[0] == tid)
        tables[tid] = (pinned and report.meta.format_version == fmt, right)
    # A table or rows not found at all: the line labels lost them, not the cutting of digits.
    lost = [w for w in report.warnings if "not found" in w]
    out = {"seed": seed, "ok": ok, "decidable": decidable, "undecided": undecided, "tables": tables, "lost": lost}
    if _ORACLE is not None:
        own = decision.log_prior
        decision.log_prior = _ORACLE.log_prior  # the same search, the generator's distribution
        try:
            oracle_report = parse(doc.text, model=model)
        finally:
            decision.log_prior = own
        out["oracle_ok"], out["oracle_undecided"] = _score(doc, oracle_report)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="documents per format (default 1000)")
    ap.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--format", action="append", choices=schema.FORMATS, help="only these formats")
    ap.add_argument("--draws", type=int, default=200_000, help="Monte-Carlo draws for the oracle (0: no oracle)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")
    ap.add_argument("--json", help="also write every document's result (seed, ok, decidable, ...) as JSON")
    ap.add_argument("--show", type=int, default=5, help="seeds of up to N decidable documents read wrong")
    args = ap.parse_args(argv)
    dump: dict[str, list[dict]] = {}
    for fmt in args.format or list(schema.FORMATS):
        started = time.perf_counter()
        oracle = Oracle(fmt, args.draws, args.jobs) if args.draws else None
        jobs = [(fmt, seed, args.rules_only) for seed in range(args.start, args.start + args.n)]
        with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init, initargs=(oracle,)) as pool:
            results = list(pool.map(check, jobs, chunksize=16))
        _report(fmt, results, oracle is not None, args, time.perf_counter() - started)
        dump[fmt] = results
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dump, f)
    return 0


def _pct(a: int, b: int) -> str:
    return f"{a:>5d}/{b:<5d} {a / b:7.1%}" if b else f"{a:>5d}/{b:<5d}       -"


def _report(fmt: str, results: list[dict], with_oracle: bool, args: argparse.Namespace, elapsed: float) -> None:
    n = len(results)
    decidable = [r for r in results if r["decidable"]]
    print(
        f"\n== format {fmt}, layout {LAYOUT}, {n} documents (seeds {args.start}..{args.start + n - 1}), {elapsed:.0f} s"
    )
    print(f"(a) decidable by the identities alone      {_pct(len(decidable), n)}")
    print(f"(b) recovered, decidable documents         {_pct(sum(r['ok'] for r in decidable), len(decidable))}")
    print(f"(c) recovered, all documents (parser)      {_pct(sum(r['ok'] for r in results), n)}")
    if with_oracle:
        print(
            f"(d) ORACLE CEILING, all documents         {_pct(sum(r['oracle_ok'] for r in results), n)}"
            f"   <- decoder that knows the generator's distribution ({args.draws:,} draws): a bound, not a parser"
        )
    wrong = [r for r in decidable if not r["ok"]]
    if wrong:
        lost = [r["seed"] for r in wrong if r["lost"]]
        print(
            f"    decidable documents read wrong: {[r['seed'] for r in wrong][: args.show]}"
            f" ({len(lost)} of {len(wrong)} with a table or rows not found: lost by the line labels, not by the cuts)"
        )
    for tid in schema.tables(fmt):
        pinned = [r["tables"][tid][1] for r in results if r["tables"][tid][0]]
        print(
            f"    table {tid:20s} decidable {_pct(len(pinned), n)}, recovered when decidable {_pct(sum(pinned), len(pinned))}"
        )
        missed = [r for r in results if r["tables"][tid][0] and not r["tables"][tid][1]]
        if missed:
            lost = sum(any(tid in w for w in r["lost"]) for r in missed)
            print(
                f"        decidable but read wrong: {[r['seed'] for r in missed][: args.show]}"
                f" ({lost} of {len(missed)} not found: lost by the line labels)"
            )
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # parser right, parser n, oracle right, oracle n
    for r in results:
        for name, right in r["undecided"]:
            rows[name][0] += right
            rows[name][1] += 1
        for name, right in r.get("oracle_undecided", []):
            rows[name][2] += right
            rows[name][3] += 1
    if not rows:
        return
    print("rows the identities leave undecided: share read right")
    print(f"    {'row':45s} {'parser':>20s} {'oracle':>20s}")
    total = [0, 0, 0, 0]
    for name in sorted(rows):
        v = rows[name]
        total = [a + b for a, b in zip(total, v, strict=True)]
        print(f"    {name:45s} {_pct(v[0], v[1]):>20s} {_pct(v[2], v[3]) if with_oracle else '':>20s}")
    print(f"    {'all':45s} {_pct(total[0], total[1]):>20s} {_pct(total[2], total[3]) if with_oracle else '':>20s}")


if __name__ == "__main__":
    sys.exit(main())
