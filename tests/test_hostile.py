"""Hostile corpora: records and files built to break a batch, each a row or a clear message, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import seed_names, seed_text

from govparse_ml import batch
from govparse_ml.cli import main

SEED = seed_text(seed_names()[1])  # a complete report: 198 cells


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(["batch", *argv, "--no-progress"])
    return code, capsys.readouterr().err


# --------------------------------------------------------------------------- JSON Lines


def test_lone_surrogates_in_a_record_are_kept_with_a_warning_and_resume_works(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        json.dumps({"id": "ok", "text": SEED})
        + "\n"
        + '{"id": "bad\\ud800", "text": "x"}\n'
        + json.dumps({"id": "half", "text": SEED[:300] + "\ud800" + SEED[300:]})
        + "\n"
        + json.dumps({"id": "after", "text": SEED})
        + "\n",
        encoding="utf-8",
    )
    for ext in (".csv", ".parquet", ".jsonl"):
        out = tmp_path / f"out{ext}"
        code, err = run(capsys, str(corpus), "-o", str(out), "--cells", str(tmp_path / f"cells{ext}"))
        assert code == 0, err
        df = batch.read_frame(out)
        assert list(df["id"]) == ["ok", "bad\\ud800", "half", "after"]
        assert df["error"].isna().all()
        assert "lone surrogate" in df.loc[2, "warnings"]
        cells = list(batch.cell_columns())
        assert df.loc[3, cells].equals(df.loc[0, cells]) and df.loc[0, cells].notna().sum() > 50
        code, err = run(capsys, str(corpus), "-o", str(out), "--resume")
        assert code == 0 and "4 already in" in err, err


def test_a_deeply_nested_line_is_an_error_row(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    corpus.write_text(json.dumps({"text": SEED}) + "\n" + deep + "\n" + json.dumps({"text": SEED}) + "\n")
    code, err = run(capsys, str(corpus), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    df = batch.read_frame(tmp_path / "out.csv")
    assert "nested too deeply" in df.loc[1, "error"]
    assert df.loc[[0, 2], "error"].isna().all()


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_jsonl_records_split_on_newlines_only(tmp_path: Path, capsys, separator: str) -> None:
    corpus = tmp_path / "corpus.jsonl"
    records = [{"text": f"第一段{separator}第二段"}, {"text": SEED}, {"text": SEED}]
    corpus.write_text("\r\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    code, err = run(capsys, str(corpus), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    df = batch.read_frame(tmp_path / "out.csv")
    assert list(df["id"]) == [f"{corpus}:1", f"{corpus}:2", f"{corpus}:3"]
    assert df["error"].isna().all()


def test_a_file_name_that_is_not_utf8_gets_an_escaped_id(tmp_path: Path, capsys) -> None:
    root = tmp_path / "in"
    root.mkdir()
    try:
        (Path(os.fsdecode(os.fsencode(root) + b"/r\xff.txt"))).write_text(SEED, encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system does not take a name that is not UTF-8")
    code, err = run(capsys, str(root), "-o", str(tmp_path / "out.parquet"))
    assert code == 0, err
    df = batch.read_frame(tmp_path / "out.parquet")
    assert list(df["id"]) == ["r\\xff.txt"] and df["error"].isna().all()
