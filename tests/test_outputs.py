"""Outputs a journalist can open: Excel-safe CSV, Chinese headers, codebook, frozen headers,
formula-injection escaping, typed DataFrames with the table groups, markdown tables, and the
provenance of every output (JSON, parquet metadata, batch manifest, --resume refusing to mix)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import seed_names, seed_text
from hypothesis import given
from hypothesis import strategies as st

from govparse_ml import parse, to_dataframe
from govparse_ml.batch import checkpoint
from govparse_ml.batch import progress as batch_progress
from govparse_ml.batch.columns import cell_columns, columns
from govparse_ml.batch.formats import codebook_path, manifest_path
from govparse_ml.batch.reader import read_frame
from govparse_ml.batch.rows import report_row
from govparse_ml.classifier.store import models_dir, read_card
from govparse_ml.cli.commands import main
from govparse_ml.format import schema
from govparse_ml.io import export, sheets

SEEDS = seed_names()
SEED_2019 = "000_9168cc52e7878a9c"
SEED_2021 = "002_c0cda94c0518ae98"
HOSTILE_IDS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "tab\tid", "bell\x07id", "_x0041_lit"]


def corpus(tmp_path: Path) -> Path:
    """The seeds, plus records whose ids and titles a spreadsheet would run as formulas."""
    path = tmp_path / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for name in SEEDS:
            fh.write(json.dumps({"id": name, "text": seed_text(name)}, ensure_ascii=False) + "\n")
        text = seed_text(SEED_2021)
        for rid in HOSTILE_IDS:
            fh.write(json.dumps({"id": rid, "text": "=cmd|' /C calc'!A0\n" + text}, ensure_ascii=False) + "\n")
    return path


def run(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


# ----------------------------------------------------------------------------- escaping


@given(st.text(alphabet=st.sampled_from("=+-@'\t\r＝1.a_x0\x01"), max_size=8) | st.text(max_size=8))
def test_formula_escaping_is_reversible_and_leaves_no_live_formula(value: str) -> None:
    escaped = sheets.escape_formula(value)
    assert sheets.unescape_formula(escaped) == value
    assert sheets.unescape_xlsx(sheets.escape_xlsx(escaped)) == escaped
    if escaped and escaped[0] in sheets.FORMULA_STARTS:  # what is left starting so is a number or dashes
        assert sheets._HARMLESS.match(escaped)


def test_formula_escaping_follows_owasp() -> None:
    assert sheets.escape_formula("=1+1") == "'=1+1"
    assert sheets.escape_formula("@SUM(A1)") == "'@SUM(A1)"
    assert sheets.escape_formula("\tx") == "'\tx"
    assert sheets.escape_formula("＝1") == "'＝1"
    assert sheets.escape_formula("'=1") == "''=1"  # stays reversible
    for harmless in ("-", "--", "-12", "+3.5", "规章", "0"):  # numbers and the null markers stay as written
        assert sheets.escape_formula(harmless) == harmless


def test_csv_is_excel_safe_with_chinese_headers_and_a_codebook(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert run("batch", str(corpus(tmp_path)), "-o", str(out), "--headers", "zh", "--rules-only", "--no-progress") == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the Chinese right
    assert b"\r\n" in data
    df = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(df.columns[:3]) == ["编号", "来源", "标题"]
    assert "依申请公开｜（三）不予公开 1.属于国家秘密｜自然人" in df.columns
    ids = df["编号"].tolist()
    assert '\'=HYPERLINK("http://x","y")' in ids and "'@SUM(A1)" in ids and "'-2+3" in ids
    assert not any(v and v[0] in "=+-@" for col in df.columns for v in df[col] if not sheets._HARMLESS.match(v))
    book = pd.read_csv(codebook_path(out), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert len(book) == len(columns()) and list(book["header_zh"]) == list(df.columns)
    row = book.set_index("column").loc["applications.denied.state_secret.commercial"]
    assert row["table"] == "applications" and row["row"] == "denied.state_secret" and row["col"] == "commercial"
    assert row["row_group_zh"] == "三、本年度办理结果 › （三）不予公开" and row["col_group_zh"] == "法人或其他组织"
    assert row["row_zh_2019"] == row["row_zh_2021"] == "1.属于国家秘密" and row["formats"] == "2019,2021"
    fees = book.set_index("column").loc["active_disclosure.art20_8.admin_fees.amount_wan_yuan"]
    assert fees["unit"] == "万元" and fees["kind"] == "amount" and fees["formats"] == "2021"
    # --resume reads the Chinese headers and the escaped ids back: nothing parsed twice, no duplicates
    assert run("batch", str(corpus(tmp_path)), "-o", str(out), "--resume", "--rules-only", "--no-progress") == 0
    again = read_frame(out)
    assert sorted(again["id"]) == sorted([*SEEDS, *HOSTILE_IDS])


def test_xlsx_has_no_formulas_a_frozen_header_a_codebook_and_resumes_without_duplicates(tmp_path: Path, capsys) -> None:
    import openpyxl

    out, cells = tmp_path / "out.xlsx", tmp_path / "cells.xlsx"
    args = ["batch", str(corpus(tmp_path)), "-o", str(out), "--cells", str(cells), "--rules-only", "--no-progress"]
    assert run(*args) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["reports", "codebook"]
    sheet = book["reports"]
    assert sheet.freeze_panes == "A2" and book["codebook"].freeze_panes == "A2"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no live formula anywhere
    ids = [c.value for c in sheet["A"][1:]]
    assert "'@SUM(A1)" in ids and "bell_x0007_id" in ids and "_x005F_x0041_lit" in ids
    capsys.readouterr()
    for _ in range(2):
        assert run(*args, "--resume") == 0
        assert "0 reports" in capsys.readouterr().err  # every id recognised as done
    again = read_frame(out)
    assert sorted(again["id"]) == sorted([*SEEDS, *HOSTILE_IDS])
    long = read_frame(cells, long=True)
    assert set(long["id"]) == {*SEEDS, *HOSTILE_IDS}


# ----------------------------------------------------------------------------- frames and markdown


def test_to_frame_is_typed_and_keeps_the_groups() -> None:
    report = parse(seed_text(SEED_2021), model=None)
    app = report.tables["applications"].to_frame()
    assert set(app.dtypes) == {pd.Int64Dtype()}
    assert app.index.nlevels == 3 and app.columns.nlevels == 2
    denied = app.loc[("三、本年度办理结果", "（三）不予公开")]
    assert len(denied) == 8 and denied.index[0] == "1.属于国家秘密"
    assert list(app.columns.get_level_values(0)[1:6]) == ["法人或其他组织"] * 5
    cell = report.cell("applications", "denied.state_secret", "commercial").value
    assert app.loc[("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"), ("法人或其他组织", "商业企业")] == cell
    active = report.tables["active_disclosure"].to_frame()
    assert (
        active.loc[("第二十条第（八）项", "行政事业性收费"), "本年收费金额（单位：万元）"]
        == report.cell("active_disclosure", "art20_8.admin_fees", "amount_wan_yuan").value
    )
    assert active["本年收费金额（单位：万元）"].dtype == pd.Float64Dtype()
    assert active.loc[("第二十条第（一）项", "规章"), "本年处理决定数量"] is pd.NA  # not in that row
    ids = report.tables["applications"].to_frame(ids=True)
    assert (
        ids.index[4] == "denied.state_secret"
        and ids.loc["new", "total"] == report.cell("applications", "new", "total").value
    )


def test_markdown_tables_keep_group_rows_and_the_active_disclosure_grid() -> None:
    report = parse(seed_text(SEED_2019), model=None)
    md = export.to_markdown(report)
    active = md.split("## 主动公开政府信息情况")[1].split("## ")[0]
    assert "| **第二十条第（一）项** | **本年新制作数量** | **本年新公开数量** | **对外公开总数量** |" in active
    regulations = next(ln for ln in active.splitlines() if ln.startswith("| 规章 |"))
    cells = [c.strip() for c in regulations.strip("|").split("|")]
    spec = schema.tables("2019")["active_disclosure"].row("art20_1.regulations")
    assert cells[1:] == [export._value(report.cell("active_disclosure", spec.id, c.id).value) for c in spec.columns]
    app = md.split("## 收到和处理政府信息公开申请情况")[1].split("## ")[0]
    lines = app.splitlines()
    i = lines.index(next(ln for ln in lines if ln.startswith("| **（三）不予公开** |")))
    assert lines[i + 1].startswith("| 1.属于国家秘密 |")
    assert any(ln.startswith("| **三、本年度办理结果** |") for ln in lines)


# ----------------------------------------------------------------------------- provenance


def test_json_records_parser_schema_and_model() -> None:
    card = read_card(models_dir() / "line_classifier.npz")
    doc = json.loads(parse(seed_text(SEED_2021)).to_json())
    assert doc["provenance"]["model_sha256"] == card["arrays_sha256"]
    assert doc["provenance"]["schema_version"] == schema.SCHEMA_VERSION
    assert doc["provenance"]["parser_version"]
    rules = parse(seed_text(SEED_2021), model=None).to_dict()["provenance"]
    assert rules["model_sha256"] is None and rules["labels_by"] == "rules"


def test_batch_manifest_parquet_metadata_and_resume_refuses_to_mix(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out = tmp_path / "out.parquet"
    src = corpus(tmp_path)
    assert run("batch", str(src), "-o", str(out), "--no-progress", "--threshold", "0.6") == 0
    card = read_card(models_dir() / "line_classifier.npz")
    meta = json.loads(pq.read_schema(out).metadata[b"govparse_ml"])
    assert meta["model_sha256"] == card["arrays_sha256"] and meta["threshold"] == 0.6
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["provenance"] == meta and manifest["reports"] == len(SEEDS) + len(HOSTILE_IDS)
    capsys.readouterr()
    # another model (the rules) into the same dataset: refused, OUT untouched
    before = out.read_bytes()
    assert run("batch", str(src), "-o", str(out), "--resume", "--rules-only", "--no-progress") == 1
    err = capsys.readouterr().err
    assert "was made by another run" in err and "model_sha256" in err and "--allow-mixed" in err
    assert out.read_bytes() == before
    assert run("batch", str(src), "-o", str(out), "--resume", "--no-progress") == 1  # threshold 0.5 ≠ 0.6
    assert run("batch", str(src), "-o", str(out), "--resume", "--no-progress", "--threshold", "0.6") == 0
    assert run("batch", str(src), "-o", str(out), "--resume", "--rules-only", "--allow-mixed", "--no-progress") == 0
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["provenance"]["model_sha256"] is None and manifest["mixed_with"] == [meta]


def test_batch_threshold_reaches_the_parser(tmp_path: Path) -> None:
    """--threshold 1 leaves every label to the rules: the rows are the rules-only rows."""
    src = corpus(tmp_path)
    assert run("batch", str(src), "-o", str(tmp_path / "t1.jsonl"), "--threshold", "1", "--no-progress") == 0
    assert run("batch", str(src), "-o", str(tmp_path / "rules.jsonl"), "--rules-only", "--no-progress") == 0
    assert run("batch", str(src), "-o", str(tmp_path / "t0.jsonl"), "--threshold", "0", "--no-progress") == 0
    t1, rules, t0 = (read_frame(tmp_path / f"{n}.jsonl").drop(columns=["warnings"]) for n in ("t1", "rules", "t0"))
    pd.testing.assert_frame_equal(t1, rules)
    want = report_row(parse(seed_text(SEEDS[1]), threshold=0.0), SEEDS[1])
    got = t0.set_index("id").loc[SEEDS[1]]
    assert [got[k] if not pd.isna(got[k]) else None for k in cell_columns()] == [want[k] for k in cell_columns()]


# ----------------------------------------------------------------------------- messages


def _with_stray_values(n: int) -> str:
    """A report with ``n`` stray values (a share column of an HTML page) inside its applications table."""
    lines = seed_text(SEED_2021).split("\n")
    i = next(k for k, line in enumerate(lines) if "申请人情况" in line)
    extra = [x for k in range(n) for x in ("占比", f"{k}.5%")]
    return "\n".join(lines[: i + 1] + extra + lines[i + 1 :])


def test_stray_values_give_one_warning_per_table_not_one_per_value(tmp_path: Path, capsys) -> None:
    clean = parse(seed_text(SEED_2021), model=None)
    report = parse(_with_stray_values(200), model=None)
    stray = [w for w in report.warnings if "no row label" in w]
    assert len(stray) == 1 and stray[0].startswith("200 runs of values with no row label in applications")
    assert "and 192 more" in stray[0] and "0.5%; 1.5%; 2.5% …" in stray[0]
    assert [c.value for c in report.cells()] == [c.value for c in clean.cells()]  # and the cells are unharmed
    path = tmp_path / "r.txt"
    path.write_text(_with_stray_values(200), encoding="utf-8")
    assert run("parse", str(path), "-f", "cells", "--rules-only") == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == len(report.warnings) and all(line.startswith("warning: ") for line in err)
    assert run("parse", str(path), "-f", "cells", "--rules-only", "-q") == 0
    assert capsys.readouterr().err == ""


def test_batch_quiet_and_progress_lines_in_a_log(tmp_path: Path, capsys, monkeypatch) -> None:
    src = corpus(tmp_path)
    assert run("batch", str(src), "-o", str(tmp_path / "q.csv"), "--rules-only", "-q") == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(batch_progress, "PROGRESS_SECONDS", 0.0)  # standard error is not a terminal here
    assert run("batch", str(src), "-o", str(tmp_path / "p.csv"), "--rules-only", "--chunksize", "4") == 0
    err = capsys.readouterr().err.splitlines()
    progress = [line for line in err if line.startswith("batch: ")]
    total = len(SEEDS) + len(HOSTILE_IDS)
    assert progress[0].startswith(f"batch: 4/{total} reports (33 %)") and "reports/s" in progress[0]
    assert progress[-1].startswith(f"batch: {total}/{total} reports (100 %)")
    assert err[-1].startswith(f"{total} reports, 0 failed")


# ----------------------------------------------------------------------------- a real spreadsheet program


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_chinese_headers_ids_and_numbers_back(tmp_path: Path) -> None:
    """scripts/libreoffice_check.py: soffice --headless --convert-to xlsx of a batch CSV."""
    import importlib.util
    import shutil

    path = Path(__file__).resolve().parent.parent / "scripts" / "libreoffice_check.py"
    spec = importlib.util.spec_from_file_location("libreoffice_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.check(shutil.which("soffice"), tmp_path) == []


# ----------------------------------------------------------------------------- scale


def test_batch_streams_blocks_to_parquet_row_groups_and_csv(tmp_path: Path, monkeypatch) -> None:
    """The rows are written a block at a time from the checkpoint (memory flat in the number of
    reports): several parquet row groups, the same dataset as to_dataframe, resume appending."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    monkeypatch.setattr(checkpoint, "STREAM_BLOCK", 3)
    src = corpus(tmp_path)
    out, cells = tmp_path / "out.parquet", tmp_path / "cells.parquet"
    assert run("batch", str(src), "-o", str(out), "--cells", str(cells), "--rules-only", "-q") == 0
    ids = [*SEEDS, *HOSTILE_IDS]
    assert pq.ParquetFile(out).num_row_groups == -(-len(ids) // 3)
    got = pd.read_parquet(out)
    texts = [seed_text(n) for n in SEEDS] + ["=cmd|' /C calc'!A0\n" + seed_text(SEED_2021)] * len(HOSTILE_IDS)
    want = to_dataframe([parse(t, model=None) for t in texts], ids=ids)
    cols = [c for c in want.columns if c not in ("source", "encoding")]
    pd.testing.assert_frame_equal(got[cols], want[cols])
    long = pd.read_parquet(cells)
    assert len(long) == sum(len(parse(t, model=None).cells()) for t in texts)
    assert long["value"].dtype == pd.Float64Dtype() or str(long["value"].dtype) in ("double", "float64")
    # CSV: one BOM and one header however many blocks; --resume appends the new rows after the kept ones
    csv = tmp_path / "out.csv"
    first = tmp_path / "first.jsonl"
    first.write_text("".join(src.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8")
    assert run("batch", str(first), "-o", str(csv), "--rules-only", "-q") == 0
    assert run("batch", str(src), "-o", str(csv), "--rules-only", "-q", "--resume") == 0
    data = csv.read_bytes()
    assert data.count(b"\xef\xbb\xbf") == 1 and data.count(b"\r\nid,") == 0
    assert list(read_frame(csv)["id"]) == ids


def test_reports_pickle_compactly_and_round_trip() -> None:
    """parse_many ships whole Reports from its workers: Line, Cell and CheckResult pickle as tuples
    of their fields with the repeated ids interned, and come back equal."""
    import pickle

    report = parse(seed_text(SEED_2021))
    back = pickle.loads(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    assert back.to_dict() == report.to_dict()
    assert back.lines[3] == report.lines[3] and back.checks[0] == report.checks[0]
    names = [c for check in back.checks for c in check.cells]
    assert len({id(c) for c in names}) == len(set(names))  # each cell name once in the pickle


def test_parse_csv_is_one_row_per_cell_and_reads_back_with_pandas(tmp_path: Path, capsys) -> None:
    """``parse -f csv``: the cells as a spreadsheet or pandas opens them, same values as the report."""
    import io

    text = seed_text(seed_names()[0])
    src = tmp_path / "report.txt"
    src.write_text(text, encoding="utf-8")
    assert main(["parse", str(src), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    frame = pd.read_csv(io.StringIO(out), dtype={"raw": str}, keep_default_na=False)
    report = parse(text)
    assert list(frame.columns) == ["table", "row", "col", "value", "raw"]
    assert len(frame) == len(report.cells())
    for row, cell in zip(frame.itertuples(), report.cells(), strict=True):
        assert (row.table, row.row, row.col) == (cell.table, cell.row, cell.col)
        assert row.value == "" if cell.value is None else float(row.value) == cell.value
    assert "0" in set(frame["raw"])  # numbers stay as written
    # a raw text a spreadsheet would run as a formula is escaped; a null mark is not
    from govparse_ml.io import export

    first, second = report.cells()[:2]
    first.raw, second.raw = '=HYPERLINK("http://x","y")', "-"
    rows = export.render(report, "csv").splitlines()
    assert rows[1].endswith('"\'=HYPERLINK(""http://x"",""y"")"') and rows[2].endswith(",-")
