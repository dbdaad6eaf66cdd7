"""Write a corpus of generated reports: text, line labels and gold cells.

    python scripts/generate_corpus.py --out DIR --n N --seed S [--layout L] [--format F]

writes ``DIR/NAME.txt``, ``DIR/labeled/NAME.jsonl`` (``{"text", "label"}`` per line) and
``DIR/gold/NAME.cells.jsonl`` (``{"table", "row", "col", "value", "raw"}`` per canonical cell),
in the formats of ``training_data/`` (see docs/output.md).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

try:
    from govparse_ml.synth.generate import LAYOUTS, GeneratedReport, format_value, generate
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from govparse_ml.synth.generate import LAYOUTS, GeneratedReport, format_value, generate


def labeled_lines(report: GeneratedReport) -> list[dict]:
    return [{"text": text, "label": label} for text, label in zip(report.text.split("\n"), report.labels, strict=True)]


def gold_cells(report: GeneratedReport) -> list[dict]:
    return [
        {"table": table, "row": row, "col": col, "value": value, "raw": None if value is None else format_value(value)}
        for (table, row, col), value in report.cells.items()
    ]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_report(out_dir: Path, name: str, report: GeneratedReport) -> None:
    (out_dir / f"{name}.txt").write_text(report.text, encoding="utf-8", newline="")
    write_jsonl(out_dir / "labeled" / f"{name}.jsonl", labeled_lines(report))
    write_jsonl(out_dir / "gold" / f"{name}.cells.jsonl", gold_cells(report))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write generated reports with their line labels and gold cells.")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--n", type=int, required=True, help="number of reports")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (each report gets its own seed from it)")
    parser.add_argument("--layout", choices=LAYOUTS, default=None, help="force one layout (default: random per report)")
    parser.add_argument(
        "--format", choices=("2019", "2021"), default=None, dest="format_version", help="force a format version"
    )
    args = parser.parse_args(argv)

    (args.out / "labeled").mkdir(parents=True, exist_ok=True)
    (args.out / "gold").mkdir(parents=True, exist_ok=True)
    seeds = random.Random(args.seed)
    for index in range(args.n):
        seed = seeds.getrandbits(48)
        report = generate(seed, format_version=args.format_version, layout=args.layout)
        name = f"gen_{args.seed}_{index:05d}_{report.layout}_{report.format_version}"
        write_report(args.out, name, report)
    print(f"wrote {args.n} reports to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
