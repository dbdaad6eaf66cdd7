"""Golden outputs: record what the parser reads today, and compare a later run with it.

The corpus: the five seeds, ``--n`` generated reports per layout and format (seeds 0..n-1),
and the real reports of ``tests/data/realdev/text``. The golden file keeps each document's
text (so that a later run reads the same input even if the generator changed) and its whole
``Report.to_dict()``: metadata, sections, cells, checks, readings, warnings, every line with
its label, confidence and source, and the provenance.

    python scripts/golden.py record golden.json.gz --n 30
    python scripts/golden.py compare golden.json.gz        # lists every document that changed
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from govparse_ml import parse

ROOT = Path(__file__).resolve().parent.parent


def corpus(n: int) -> Iterator[tuple[str, str]]:
    """(name, text) of every document of the golden corpus."""
    from govparse_ml.synth import generate

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


def output(text: str, model: str | None = "default") -> dict:
    """The whole report, as JSON would read it back (tuples as lists)."""
    return json.loads(json.dumps(parse(text, model=model).to_dict(), ensure_ascii=False))


def _differences(old: dict, new: dict) -> list[str]:
    what = []
    if old["meta"] != new["meta"]:
        what.append("meta")
    old_cells = {f"{c['table']}/{c['row']}/{c['col']}": c for t in old["tables"].values() for c in t["cells"]}
    new_cells = {f"{c['table']}/{c['row']}/{c['col']}": c for t in new["tables"].values() for c in t["cells"]}
    diffs = sorted(k for k in old_cells.keys() | new_cells.keys() if old_cells.get(k) != new_cells.get(k))
    if diffs:
        what.append(f"{len(diffs)} cells ({', '.join(diffs[:3])}{'…' if len(diffs) > 3 else ''})")
    if old["tables"] != new["tables"] and not diffs:
        what.append("tables (not cells)")
    n_lines = sum(a != b for a, b in zip(old["lines"], new["lines"], strict=False))
    if n_lines or len(old["lines"]) != len(new["lines"]):
        what.append(f"{n_lines} lines ({len(old['lines'])} -> {len(new['lines'])})")
    what += [key for key in ("sections", "checks", "readings", "warnings", "provenance") if old[key] != new[key]]
    return what


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("record", "compare"))
    ap.add_argument("path")
    ap.add_argument("--n", type=int, default=30, help="generated documents per layout and format")
    ap.add_argument("--rules", action="store_true", help="parse with the rules only (no model)")
    args = ap.parse_args(argv)
    model = None if args.rules else "default"
    if args.mode == "record":
        docs = {name: {"text": text, "out": output(text, model)} for name, text in corpus(args.n)}
        with gzip.open(args.path, "wt", encoding="utf-8") as f:
            json.dump({"n": args.n, "docs": docs}, f, ensure_ascii=False)
        n_gen = sum(name.startswith("gen/") for name in docs)
        print(f"recorded {len(docs)} documents ({n_gen} generated) in {args.path}")
        return 0
    with gzip.open(args.path, "rt", encoding="utf-8") as f:
        golden = json.load(f)
    changed = 0
    for name, doc in golden["docs"].items():
        new = output(doc["text"], model)
        if new == doc["out"]:
            continue
        changed += 1
        print(f"{name}: {'; '.join(_differences(doc['out'], new))}")
    print(f"{changed} of {len(golden['docs'])} documents changed")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
