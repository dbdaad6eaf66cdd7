"""Open a batch CSV in a real spreadsheet program and read it back.

    python scripts/libreoffice_check.py [--keep DIR]

Writes a small batch (the bundled seeds, plus records whose ids a spreadsheet would run as
formulas) to CSV with ``--headers zh``, converts it with LibreOffice
(``soffice --headless --convert-to xlsx``, the CSV read as UTF-8), and checks with openpyxl
what LibreOffice made of it: the Chinese headers exactly as written (the BOM not glued to the
first one), the ids, numbers as numbers, and no formula in any cell. The same ids written
unescaped are shown to become live formulas, which is what the escaping prevents.

Note: headless LibreOffice has no import dialog and reads a CSV in the charset it is told
(``CSV:44,34,UTF8``); Excel, which has no such option on a double-click, goes by the BOM.
Exit 0 when every check holds, 1 otherwise, 2 when soffice is not installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOSTILE_IDS = ['=HYPERLINK("http://example.com","click")', "@SUM(1+1)", "+1+2", "-2+3"]


def convert(soffice: str, csv: Path, outdir: Path) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{profile}",
                "--infilter=CSV:44,34,UTF8",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(outdir),
                str(csv),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return outdir / (csv.stem + ".xlsx")


def check(soffice: str, work: Path) -> list[str]:
    """The problems found (empty: all good)."""
    import openpyxl

    from govparse_ml.batch.columns import columns
    from govparse_ml.batch.reader import read_frame
    from govparse_ml.cli.commands import main
    from govparse_ml.io import sheets
    from govparse_ml.training.train import bundled_data_dir

    labeled = sorted((bundled_data_dir() / "labeled").glob("*.jsonl"))
    corpus = work / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        texts = []
        for f in labeled:
            text = "\n".join(json.loads(x)["text"] for x in f.read_text(encoding="utf-8").splitlines())
            texts.append(text)
            fh.write(json.dumps({"id": f.stem, "text": text}, ensure_ascii=False) + "\n")
        for rid in HOSTILE_IDS:
            fh.write(json.dumps({"id": rid, "text": texts[0]}, ensure_ascii=False) + "\n")
    csv = work / "reports.csv"
    code = main(["batch", str(corpus), "-o", str(csv), "--headers", "zh", "--rules-only", "-q"])
    if code != 0:
        return [f"batch exited {code}"]
    xlsx = convert(soffice, csv, work / "converted")
    sheet = openpyxl.load_workbook(xlsx).active
    rows = list(sheet.iter_rows())
    problems = []
    header = [c.value for c in rows[0]]
    want = list(sheets.zh_headers(columns()))
    if header != want:
        bad = next(i for i, (a, b) in enumerate(zip(header, want, strict=False)) if a != b)
        problems.append(f"header {bad}: LibreOffice read {header[bad]!r}, the CSV has {want[bad]!r}")
    ids = [r[0].value for r in rows[1:]]
    expected = [f.stem for f in labeled] + [sheets.escape_formula(i) for i in HOSTILE_IDS]
    if ids != expected:
        problems.append(f"ids: LibreOffice read {ids}, expected {expected}")
    formulas = [c.coordinate for r in rows for c in r if c.data_type == "f"]
    if formulas:
        problems.append(f"cells read as formulas: {formulas[:10]}")
    df = read_frame(csv)
    total = header.index(sheets.zh_headers(columns())[columns().index("applications.new.total")])
    for r, (_, want_row) in zip(rows[1:], df.iterrows(), strict=False):
        got, exp = r[total].value, want_row["applications.new.total"]
        if not (got == exp or (got is None and exp is not None and str(exp) == "<NA>")):
            problems.append(f"{r[0].value}: applications.new.total read as {got!r}, the dataset has {exp!r}")
    # the same ids unescaped: LibreOffice makes them live formulas
    raw = work / "unescaped.csv"
    raw.write_text("id\n" + "".join(f'"{i.replace(chr(34), chr(34) * 2)}"\n' for i in HOSTILE_IDS), encoding="utf-8")
    live = openpyxl.load_workbook(convert(soffice, raw, work / "converted")).active
    n_live = sum(c.data_type == "f" for c in live["A"][1:])
    print(
        f"LibreOffice read {len(rows) - 1} rows × {len(header)} columns; headers as written: {header == want}; "
        f"first headers {header[:2]} … {header[total]!r}; formulas in the escaped file: {len(formulas)}, "
        f"in the same ids unescaped: {n_live} of {len(HOSTILE_IDS)}"
    )
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    args = p.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("soffice not found: apt-get install -y libreoffice-calc-nogui", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lo-check-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        problems = check(soffice, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(f"FAIL {problem}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
