"""Batch: many reports into one dataset (files, directories, JSONL; four output formats; -j; --resume; Dask)."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import gold_cells, seed_names, seed_text

from govparse_ml import parse, parse_many, to_dataframe
from govparse_ml.batch import tasks
from govparse_ml.batch.columns import CELLS_COLUMNS, cell_columns, columns
from govparse_ml.batch.reader import read_frame
from govparse_ml.batch.workers import mp_context
from govparse_ml.cli.commands import main
from govparse_ml.format import schema

SEEDS = seed_names()


def _version(name: str) -> str:
    return "2021" if any(g["row"] == "other.other" for g in gold_cells(name)) else "2019"


def write_seeds(root: Path, names: list[str] | None = None, *, sub: str = "") -> list[Path]:
    folder = root / sub
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names or SEEDS:
        p = folder / f"{name}.txt"
        p.write_text(seed_text(name), encoding="utf-8")
        paths.append(p)
    return paths


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(["batch", *argv, "--no-progress"])
    return code, capsys.readouterr().err


def read(path: Path, long: bool = False) -> pd.DataFrame:
    return read_frame(path, long=long)


# --------------------------------------------------------------------------- columns


def test_columns_are_the_union_of_both_formats_in_schema_order() -> None:
    cols = cell_columns()
    assert len(cols) == len(set(cols))
    for version in schema.FORMATS:
        keys = [schema.cell_key(*c) for c in schema.cell_ids(version)]
        assert set(keys) <= set(cols)
        positions = [cols.index(k) for k in keys]
        assert positions == sorted(positions), f"{version} cells out of schema order"
    assert set(cols) == {schema.cell_key(*c) for v in schema.FORMATS for c in schema.cell_ids(v)}
    assert columns()[:7] == ("id", "source", "title", "agency", "year", "format_version", "encoding")
    assert columns()[-4:] == ("n_checks_failed", "n_checks_unverifiable", "warnings", "error")


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".jsonl", ".xlsx"])
def test_each_output_format_has_a_row_per_report_and_the_cell_columns(tmp_path: Path, capsys, ext: str) -> None:
    write_seeds(tmp_path / "in")
    out = tmp_path / f"reports{ext}"
    cells_out = tmp_path / f"cells{ext}"
    code, err = run(capsys, str(tmp_path / "in"), "-o", str(out), "--cells", str(cells_out), "--rules-only")
    assert code == 0
    assert f"{len(SEEDS)} reports, 0 failed" in err
    df = read(out)
    assert list(df.columns) == list(columns())
    assert list(df["id"]) == [f"{n}.txt" for n in SEEDS]
    assert df["error"].isna().all()
    long = read(cells_out, long=True)
    assert list(long.columns) == list(CELLS_COLUMNS)
    assert len(long) == sum(len(schema.cell_ids(_version(n))) for n in SEEDS)
    for name in SEEDS:
        row = df[df["id"] == f"{name}.txt"].iloc[0]
        assert row["format_version"] == _version(name)
        assert row["source"] == str(tmp_path / "in" / f"{name}.txt")
        assert row["encoding"] == "utf-8"
        for g in gold_cells(name):
            got = row[schema.cell_key(g["table"], g["row"], g["col"])]
            assert (None if pd.isna(got) else got) == g["value"], (name, g)
        other = next(v for v in schema.FORMATS if v != _version(name))
        only_other = {schema.cell_key(*c) for c in schema.cell_ids(other)} - {
            schema.cell_key(*c) for c in schema.cell_ids(_version(name))
        }
        assert row[sorted(only_other)].isna().all()
        mine = long[long["id"] == f"{name}.txt"]
        gold = {(g["table"], g["row"], g["col"]): g for g in gold_cells(name)}
        assert len(mine) == len(gold)
        for r in mine.itertuples():
            g = gold[(r.table, r.row, r.col)]
            assert (None if pd.isna(r.value) else r.value) == g["value"]
            assert (None if pd.isna(r.raw) else r.raw or None) == (g["raw"] or None)  # CSV: "" is empty
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.name.endswith(".partial")]


def test_failed_files_become_error_rows_and_the_batch_goes_on(tmp_path: Path, capsys) -> None:
    root = tmp_path / "in"
    write_seeds(root, SEEDS[:2])
    (root / "scan.txt").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>\x00\x00\x01endobj")
    (root / "zz_shift_jis.txt").write_bytes(
        "政府の情報公開に関する年次報告書。カタカナとひらがな。".encode("shift_jis") * 4
    )
    out = tmp_path / "out.csv"
    code, err = run(capsys, str(root), "-o", str(out), "--rules-only")
    assert code == 0
    assert "4 reports, 2 failed" in err
    df = read(out).set_index("id")
    assert "PDF" in df.loc["scan.txt", "error"] and "pdftotext" in df.loc["scan.txt", "error"]
    assert "not in a supported text encoding" in df.loc["zz_shift_jis.txt", "error"]
    assert pd.isna(df.loc["scan.txt", "n_checks_failed"]) and pd.isna(df.loc["scan.txt", "title"])
    for name in SEEDS[:2]:
        assert pd.isna(df.loc[f"{name}.txt", "error"])
        assert df.loc[f"{name}.txt", "n_checks_failed"] == 0
        assert df.loc[f"{name}.txt", "title"]


def test_a_parser_crash_costs_only_that_report(tmp_path: Path, capsys, monkeypatch) -> None:
    paths = write_seeds(tmp_path, SEEDS[:3])
    doomed = seed_text(SEEDS[1])

    def flaky(text: str, **kw):
        if text == doomed:
            raise RuntimeError("boom in tables")
        return parse(text, **kw)

    monkeypatch.setattr(tasks, "parse", flaky)
    out = tmp_path / "out.parquet"
    code, err = run(capsys, *map(str, paths), "-o", str(out))
    assert code == 0 and "3 reports, 1 failed" in err
    df = read(out)
    assert df["error"].notna().tolist() == [False, True, False]
    assert "RuntimeError: boom in tables" in df["error"][1]


def test_a_worker_that_dies_costs_only_its_report(tmp_path: Path, capsys, monkeypatch) -> None:
    if mp_context().get_start_method() != "fork":
        pytest.skip("the patched parser reaches the workers only when they are forked")
    paths = write_seeds(tmp_path, SEEDS)
    doomed = seed_text(SEEDS[2])

    def fatal(text: str, **kw):
        if text == doomed:
            os._exit(3)  # what an out-of-memory kill looks like from the pool
        return parse(text, **kw)

    monkeypatch.setattr(tasks, "parse", fatal)
    out = tmp_path / "out.csv"
    code, err = run(capsys, *map(str, paths), "-o", str(out), "-j", "2", "--chunksize", "2", "--rules-only")
    assert code == 0 and f"{len(SEEDS)} reports, 1 failed" in err
    df = read(out)
    assert df["id"].tolist() == [p.as_posix() for p in paths]
    assert df["error"].notna().tolist() == [i == 2 for i in range(len(SEEDS))]
    assert "worker process died" in df["error"][2]


# --------------------------------------------------------------------------- inputs


def test_jsonl_input(tmp_path: Path, capsys) -> None:
    src = tmp_path / "corpus.jsonl"
    lines = [
        json.dumps({"id": "007", "text": seed_text(SEEDS[0])}, ensure_ascii=False),
        json.dumps({"id": 42, "text": seed_text(SEEDS[2])}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps({"id": "no-text"}),
        json.dumps({"text": seed_text(SEEDS[3])}, ensure_ascii=False),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, err = run(capsys, str(src), "-o", str(out), "--rules-only")
    assert code == 0 and "5 reports, 2 failed" in err
    df = read(out)
    assert df["id"].tolist() == ["007", "42", f"{src}:4", "no-text", f"{src}:6"]
    assert df["format_version"].tolist()[:2] == [_version(SEEDS[0]), _version(SEEDS[2])]
    assert "not JSON" in df["error"][2] and 'no "text"' in df["error"][3]
    assert df["source"][1] == f"{src}:2"
    assert df["title"][4] == parse(seed_text(SEEDS[3]), model=None).meta.title


def test_directory_recursion_md_and_ids(tmp_path: Path, capsys) -> None:
    root = tmp_path / "reports"
    write_seeds(root, SEEDS[:1])
    write_seeds(root, SEEDS[1:2], sub="2021/县级")
    (root / "2021" / "县级" / "notes.md").write_text(seed_text(SEEDS[2]), encoding="utf-8")
    (root / "index.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # not a report: skipped
    write_seeds(root, SEEDS[3:4], sub=".cache")  # hidden: skipped
    out = tmp_path / "out.jsonl"
    code, _ = run(capsys, str(root), "-o", str(out), "--rules-only")
    assert code == 0
    df = read(out)
    assert df["id"].tolist() == [f"{SEEDS[0]}.txt", f"2021/县级/{SEEDS[1]}.txt", "2021/县级/notes.md"]
    assert df["error"].isna().all()
    assert df["format_version"].tolist() == [_version(SEEDS[0]), _version(SEEDS[1]), _version(SEEDS[2])]


def test_same_name_in_two_directories_gets_unique_ids(tmp_path: Path, capsys) -> None:
    write_seeds(tmp_path / "a", SEEDS[:1])
    write_seeds(tmp_path / "b", SEEDS[:1])
    out = tmp_path / "out.csv"
    code, err = run(capsys, str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(out), "--rules-only")
    assert code == 0 and "duplicate ids" in err
    assert read(out)["id"].tolist() == [f"{SEEDS[0]}.txt", f"{SEEDS[0]}.txt#2"]


# --------------------------------------------------------------------------- resume


def test_resume_skips_ids_already_in_out(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "in"
    write_seeds(root, SEEDS[:3])
    out = tmp_path / "out.xlsx"
    cells = tmp_path / "cells.csv"
    assert run(capsys, str(root), "-o", str(out), "--cells", str(cells), "--rules-only")[0] == 0
    first = read(out)
    write_seeds(root, SEEDS[3:])
    seen: list[str] = []

    def spy(text: str, **kw):
        seen.append(text)
        return parse(text, **kw)

    monkeypatch.setattr(tasks, "parse", spy)
    code, err = run(capsys, str(root), "-o", str(out), "--cells", str(cells), "--resume", "--rules-only")
    assert code == 0
    assert f"{len(SEEDS) - 3} reports" in err and "3 already in" in err
    assert seen == [seed_text(n) for n in SEEDS[3:]]
    df = read(out)
    assert df["id"].tolist() == [f"{n}.txt" for n in SEEDS]
    pd.testing.assert_frame_equal(df.iloc[:3], first)
    assert set(read(cells, long=True)["id"]) == {f"{n}.txt" for n in SEEDS}


def test_resume_after_an_interrupted_run(tmp_path: Path, capsys, monkeypatch) -> None:
    paths = write_seeds(tmp_path / "in", SEEDS)
    out = tmp_path / "out.parquet"
    stop_at = seed_text(SEEDS[3])

    def interrupted(text: str, **kw):
        if text == stop_at:
            raise KeyboardInterrupt
        return parse(text, **kw)

    monkeypatch.setattr(tasks, "parse", interrupted)
    code = main(["batch", str(tmp_path / "in"), "-o", str(out), "--no-progress", "--chunksize", "1", "--rules-only"])
    assert code == 130
    assert "--resume" in capsys.readouterr().err
    assert not out.exists()  # never half-written
    partial = tmp_path / "out.parquet.partial"
    assert partial.exists()
    monkeypatch.setattr(tasks, "parse", parse)
    code, err = run(capsys, str(tmp_path / "in"), "-o", str(out), "--resume", "--rules-only")
    assert code == 0 and f"{len(SEEDS) - 3} reports" in err and "3 already in" in err
    assert read(out)["id"].tolist() == [p.name for p in paths]
    assert not partial.exists()


def test_retry_errors_parses_the_failed_ids_again(tmp_path: Path, capsys) -> None:
    root = tmp_path / "in"
    write_seeds(root, SEEDS[:2])
    fixed = root / "late.txt"
    fixed.write_bytes(b"\x00\xff" * 200)
    out = tmp_path / "out.jsonl"
    assert run(capsys, str(root), "-o", str(out), "--rules-only")[0] == 0
    assert read(out).set_index("id")["error"].notna().tolist() == [False, False, True]
    fixed.write_text(seed_text(SEEDS[2]), encoding="utf-8")  # the file is re-exported as text
    code, err = run(capsys, str(root), "-o", str(out), "--resume", "--rules-only")
    assert code == 0 and err.startswith("0 reports")  # an error row is a done id
    code, err = run(capsys, str(root), "-o", str(out), "--resume", "--retry-errors", "--rules-only")
    assert code == 0 and "1 reports, 0 failed" in err
    df = read(out)
    assert sorted(df["id"]) == sorted([f"{n}.txt" for n in SEEDS[:2]] + ["late.txt"])
    assert df["error"].isna().all()
    assert df.set_index("id").loc["late.txt", "format_version"] == _version(SEEDS[2])


# --------------------------------------------------------------------------- parallel


def test_two_workers_give_the_same_dataset_as_one(tmp_path: Path, capsys) -> None:
    root = tmp_path / "in"
    write_seeds(root)
    (root / "broken.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    results = {}
    for jobs in ("1", "2"):
        out, cells = tmp_path / f"out{jobs}.parquet", tmp_path / f"cells{jobs}.parquet"
        assert run(capsys, str(root), "-o", str(out), "--cells", str(cells), "-j", jobs, "--chunksize", "2")[0] == 0
        results[jobs] = (read(out), read(cells, long=True))
    pd.testing.assert_frame_equal(results["1"][0], results["2"][0])
    pd.testing.assert_frame_equal(results["1"][1], results["2"][1])
    assert len(results["2"][0]) == len(SEEDS) + 1


def _texts() -> list[str]:
    return [seed_text(n) for n in SEEDS] * 3


def test_parse_many_keeps_input_order() -> None:
    texts = _texts()
    want = [parse(t, model=None).to_dict() for t in texts]
    assert [r.to_dict() for r in parse_many(texts, n_jobs=1, model=None)] == want
    got = parse_many(iter(texts), n_jobs=2, model=None, chunksize=1)  # a generator, tiny chunks
    assert [r.to_dict() for r in got] == want
    pairs = [(f"r{i}", t) for i, t in enumerate(texts)]
    assert [r.meta.title for r in parse_many(pairs, n_jobs=2, model=None)] == [w["meta"]["title"] for w in want]
    with pytest.raises(TypeError, match="not str") as info:
        list(parse_many([b"bytes"], model=None))
    # the hint names functions that exist and do what it says
    import govparse_ml

    named = re.findall(r"(govparse_ml(?:\.\w+)+)\((\w+)\)\.text", str(info.value))
    assert {n for n, _ in named} == {"govparse_ml.io.files.read_text", "govparse_ml.io.files.decode_bytes"}
    for name, _ in named:
        module, func = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), func))
    assert govparse_ml.io.files.decode_bytes("报告".encode("gb18030")).text == "报告"
    with pytest.raises(ValueError):
        parse_many(texts, n_jobs=-3)


def test_to_dataframe() -> None:
    reports = [parse(seed_text(n), model=None) for n in SEEDS]
    df = to_dataframe(reports, ids=SEEDS)
    assert df.shape == (len(SEEDS), len(columns()))
    assert df["id"].tolist() == SEEDS
    assert str(df["applications.new.total"].dtype) == "Int64"
    for name, report in zip(SEEDS, reports, strict=True):
        row = df.set_index("id").loc[name]
        assert row["format_version"] == report.meta.format_version
        assert row["n_checks_failed"] == len(report.failed_checks)
        for c in report.cells():
            v = row[schema.cell_key(c.table, c.row, c.col)]
            assert (None if pd.isna(v) else v) == c.value
    paired = to_dataframe((f"x{i}", r) for i, r in enumerate(reports))
    assert paired["id"].tolist() == [f"x{i}" for i in range(len(SEEDS))]
    assert to_dataframe(reports)["id"].tolist() == [str(i) for i in range(len(SEEDS))]
    with pytest.raises(ValueError):
        to_dataframe(reports, ids=SEEDS[:2])


# --------------------------------------------------------------------------- exit codes


def test_exit_codes(tmp_path: Path, capsys) -> None:
    write_seeds(tmp_path, SEEDS[:1])
    good = str(tmp_path / f"{SEEDS[0]}.txt")
    assert run(capsys, str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.csv"))[0] == 1
    assert run(capsys, good, "-o", str(tmp_path / "missing_dir" / "o.csv"))[0] == 1
    assert run(capsys, good, "-o", str(tmp_path / "o.txt"))[0] == 2
    assert run(capsys, good, "-o", str(tmp_path / "o.csv"), "--cells", str(tmp_path / "c.doc"))[0] == 2
    assert run(capsys, good, "-o", str(tmp_path / "o.csv"), "-j", "0")[0] == 2
    assert run(capsys, good, "-o", str(tmp_path / "o.csv"), "--scheduler", "tcp://127.0.0.1:1")[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["batch", good])  # no -o
    assert exc.value.code == 2
    assert not (tmp_path / "o.csv").exists()
    # A batch whose every report fails still ran: 0.
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert run(capsys, str(tmp_path / "bin.txt"), "-o", str(tmp_path / "o.csv"))[0] == 0


def test_the_installed_command_summary_and_exit_code(tmp_path: Path) -> None:
    write_seeds(tmp_path / "in", SEEDS[:2])
    cmd = [sys.executable, "-m", "govparse_ml.cli", "batch", str(tmp_path / "in"), "-o", str(tmp_path / "o.csv")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("2 reports, 0 failed, 0 with failed checks, ")
    missing = subprocess.run([*cmd[:4], str(tmp_path / "nope"), "-o", "x.csv"], capture_output=True, text=True)
    assert missing.returncode == 1 and "no such file" in missing.stderr


# --------------------------------------------------------------------------- Dask (last: it leaves threads behind)


@pytest.mark.parametrize(("processes", "n_workers"), [(False, 2), (True, 1)], ids=["threads", "processes"])
def test_dask_cluster_gives_the_same_dataset_as_a_local_run(tmp_path: Path, capsys, processes, n_workers) -> None:
    distributed = pytest.importorskip("distributed")
    root = tmp_path / "in"
    write_seeds(root)
    (root / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x00binary")
    local, local_cells = tmp_path / "local.parquet", tmp_path / "local_cells.parquet"
    assert run(capsys, str(root), "-o", str(local), "--cells", str(local_cells), "--rules-only")[0] == 0
    with distributed.LocalCluster(
        n_workers=n_workers, processes=processes, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        out, cells = tmp_path / "dask.parquet", tmp_path / "dask_cells.parquet"
        code, err = run(
            capsys,
            str(root),
            "-o",
            str(out),
            "--cells",
            str(cells),
            "--rules-only",
            "--backend",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--chunksize",
            "2",
        )
    assert code == 0, err
    assert f"{len(SEEDS) + 1} reports, 1 failed" in err
    pd.testing.assert_frame_equal(read(out), read(local))
    pd.testing.assert_frame_equal(read(cells, long=True), read(local_cells, long=True))
