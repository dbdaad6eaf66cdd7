"""Score the parser on real reports with gold cells (``tests/data/realdev`` by default).

For each report with a gold file: cells right, non-zero gold cells right, and the tables whose
every cell is right; then the totals. A cell is right when its value equals the gold value
(``None`` for a cell the report leaves blank or does not print).

    python scripts/realdev.py                    # per report and totals
    python scripts/realdev.py --wrong            # also every wrong cell, with the readings that hold it
    python scripts/realdev.py --dir ../shared/realdev --json realdev.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from govparse_ml import parse

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "realdev"


@dataclass
class ReportScore:
    name: str
    format_version: str | None
    cells: int = 0
    right: int = 0
    nonzero: int = 0
    nonzero_right: int = 0
    tables: int = 0
    tables_exact: int = 0
    wrong: list[tuple[str, str, str, object, object, bool]] = field(default_factory=list)  # …, in a reading


def score_report(text: str, gold: list[dict], name: str = "", model: str | None = "default") -> ReportScore:
    report = parse(text, model=model)
    out = ReportScore(name, report.meta.format_version)
    in_reading = {(r.table, r.row) for r in report.readings if r.alternatives > 1}
    tables: dict[str, bool] = {}
    for g in gold:
        cell = report.cell(g["table"], g["row"], g["col"])
        value = None if cell is None else cell.value
        good = value == g["value"]
        out.cells += 1
        out.right += good
        if g["value"] not in (None, 0):
            out.nonzero += 1
            out.nonzero_right += good
        tables[g["table"]] = tables.get(g["table"], True) and good
        if not good:
            read = (g["table"], g["row"]) in in_reading or (g["table"], "*") in in_reading
            out.wrong.append((g["table"], g["row"], g["col"], g["value"], value, read))
    out.tables, out.tables_exact = len(tables), sum(tables.values())
    return out


def score_dir(root: Path, model: str | None = "default") -> list[ReportScore]:
    scores = []
    for gold_path in sorted((root / "gold").glob("*.cells.jsonl")):
        number = gold_path.name.split(".")[0]
        texts = sorted((root / "text").glob(f"{number}_*.txt"))
        if not texts:
            continue
        gold = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines() if x.strip()]
        scores.append(score_report(texts[0].read_text(encoding="utf-8"), gold, texts[0].stem, model))
    return scores


def totals(scores: list[ReportScore]) -> dict[str, int]:
    keys = ("cells", "right", "nonzero", "nonzero_right", "tables", "tables_exact")
    return {k: sum(getattr(s, k) for s in scores) for k in keys} | {"reports": len(scores)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="a folder with text/ and gold/")
    ap.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")
    ap.add_argument("--wrong", action="store_true", help="list every wrong cell")
    ap.add_argument("--json", help="also write the scores as JSON")
    args = ap.parse_args(argv)
    scores = score_dir(args.dir, None if args.rules_only else "default")
    print(f"{'report':32s} {'format':6s} {'cells':>9s} {'non-zero':>9s} {'tables':>7s}")
    for s in scores:
        print(
            f"{s.name:32s} {s.format_version or '-':6s} {s.right:>4d}/{s.cells:<4d} "
            f"{s.nonzero_right:>4d}/{s.nonzero:<4d} {s.tables_exact:>3d}/{s.tables:<3d}"
        )
        if args.wrong:
            for table, row, col, gold, got, read in s.wrong:
                flag = "  (in Report.readings)" if read else ""
                print(f"    {table}.{row}.{col}: gold {gold!r}, read {got!r}{flag}")
    t = totals(scores)
    print(
        f"{t['reports']} reports: cells {t['right']}/{t['cells']} ({t['right'] / max(t['cells'], 1):.2%}), "
        f"non-zero {t['nonzero_right']}/{t['nonzero']} ({t['nonzero_right'] / max(t['nonzero'], 1):.2%}), "
        f"tables exact {t['tables_exact']}/{t['tables']}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"totals": t, "reports": [asdict(s) for s in scores]}, ensure_ascii=False, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
