"""Hostile corpora: records and files built to break a batch, each a row or a clear message, never a crash."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from conftest import seed_names, seed_text

from govparse_ml.batch import workers
from govparse_ml.batch.checkpoint import Checkpoint
from govparse_ml.batch.columns import cell_columns
from govparse_ml.batch.reader import read_frame
from govparse_ml.cli.commands import main

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
        df = read_frame(out)
        assert list(df["id"]) == ["ok", "bad\\ud800", "half", "after"]
        assert df["error"].isna().all()
        assert "lone surrogate" in df.loc[2, "warnings"]
        cells = list(cell_columns())
        assert df.loc[3, cells].equals(df.loc[0, cells]) and df.loc[0, cells].notna().sum() > 50
        code, err = run(capsys, str(corpus), "-o", str(out), "--resume")
        assert code == 0 and "4 already in" in err, err


def test_a_deeply_nested_line_is_an_error_row(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    corpus.write_text(json.dumps({"text": SEED}) + "\n" + deep + "\n" + json.dumps({"text": SEED}) + "\n")
    code, err = run(capsys, str(corpus), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    df = read_frame(tmp_path / "out.csv")
    assert "nested too deeply" in df.loc[1, "error"]
    assert df.loc[[0, 2], "error"].isna().all()


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_jsonl_records_split_on_newlines_only(tmp_path: Path, capsys, separator: str) -> None:
    corpus = tmp_path / "corpus.jsonl"
    records = [{"text": f"第一段{separator}第二段"}, {"text": SEED}, {"text": SEED}]
    corpus.write_text("\r\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    code, err = run(capsys, str(corpus), "-o", str(tmp_path / "out.csv"))
    assert code == 0, err
    df = read_frame(tmp_path / "out.csv")
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
    df = read_frame(tmp_path / "out.parquet")
    assert list(df["id"]) == ["r\\xff.txt"] and df["error"].isna().all()


# --------------------------------------------------------------------------- slow inputs


def _glued_rows(digits_per_row: tuple[int, int], seed: int, one_line: bool) -> str:
    """Every row label of the three 2021 tables, each followed by a run of random glued digits."""
    import random

    from govparse_ml.format import schema

    rng = random.Random(seed)
    lines = []
    for spec in schema.tables("2021").values():
        lines.append(spec.title)
        for row in spec.rows:
            lines.append(row.label + "".join(rng.choice("0123456789") for _ in range(rng.randint(*digits_per_row))))
    return ("" if one_line else "\n").join(lines)


@pytest.mark.parametrize(
    ("digits", "one_line"),
    [((30, 100), False), ((10, 10), True), ((40, 40), False)],
    ids=["30-100", "10-one-line", "40"],
)
def test_the_reading_search_of_a_document_is_bounded(monkeypatch, digits, one_line) -> None:
    """The cuts tried (each a call of the searches' step functions) over the whole document stay
    within the document's inputs limit, plus a floor per row, for each format it is read as."""
    from govparse_ml import parse
    from govparse_ml.format import schema
    from govparse_ml.tables import candidates, glued

    calls = {"n": 0}
    for name in ("_parts_summing_to", "_first_pieces"):
        real = getattr(glued, name)

        def counted(*args, _real=real, **kwargs):
            calls["n"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(glued, name, counted)
    report = parse(_glued_rows(digits, 0, one_line), model=None)
    rows = sum(len(t.rows) for t in schema.tables("2021").values())
    bound = 2 * (candidates.MAX_DOC_STEPS + rows * 2 * candidates.MIN_ROW_STEPS)  # two format versions at most
    assert calls["n"] <= bound, f"{calls['n']:,} search steps for one document"
    assert any(t.found for t in report.tables.values())


def test_choosing_the_readings_of_a_glued_document_evaluates_each_identity_a_bounded_number_of_times(
    monkeypatch,
) -> None:
    """Coordinate ascent over the readings re-counts only the identities a row's cells touch
    (it counted all of them for every trial: 344,000 evaluations, a second, for 10 digits a row)."""
    from govparse_ml import parse
    from govparse_ml.format import schema
    from govparse_ml.tables import explanation, solver

    evaluated = {"n": 0}
    real = solver.holding

    def holding(cells, version, identities=None):
        ids = list(schema.identities(version) if identities is None else identities)
        evaluated["n"] += len(ids)
        return real(cells, version, ids)

    for user in (solver, explanation):  # coordinate ascent, and the explanations after it
        monkeypatch.setattr(user, "holding", holding)
    report = parse(_glued_rows((10, 10), 0, True), model=None)
    assert evaluated["n"] < 60_000
    assert report.tables["applications"].found


def test_the_inputs_limit_warns_on_the_22_long_glued_rows_and_not_on_a_real_glued_report() -> None:
    from govparse_ml import parse
    from govparse_ml.synth import generate

    report = parse(_glued_rows((30, 100), 0, False), model=None)
    assert [w for w in report.warnings if "inputs limit" in w]
    for fmt in ("2019", "2021"):
        real = parse(generate.generate(7, format_version=fmt, layout="one_line_report").text, model=None)
        assert not [w for w in real.warnings if "inputs limit" in w]


# --------------------------------------------------------------------------- overwrites and crashes


def test_batch_refuses_to_write_onto_an_input(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": SEED}) + "\n", encoding="utf-8")
    before = corpus.read_bytes()
    for argv in (["-o", str(corpus)], ["-o", str(tmp_path / "o.csv"), "--cells", str(tmp_path / "." / "corpus.jsonl")]):
        code, err = run(capsys, str(corpus), *argv)
        assert code == 1 and "would overwrite" in err
    assert corpus.read_bytes() == before


@pytest.mark.parametrize(
    "data", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\r\n"], ids=["utf8", "le", "be", "crlf"]
)
def test_a_file_holding_only_a_bom_is_empty_input(tmp_path: Path, capsys, data: bytes) -> None:
    from govparse_ml.io.files import read_text

    path = tmp_path / "bom.txt"
    path.write_bytes(data)
    assert read_text(path).text.strip() == ""
    assert main(["parse", str(path), "-f", "json"]) == 0
    assert "empty input" in capsys.readouterr().err
    code, err = run(capsys, str(path), "-o", str(tmp_path / "o.csv"))
    assert code == 0 and "0 failed" in err
    assert "empty input" in read_frame(tmp_path / "o.csv").loc[0, "warnings"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_refused_not_read(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)  # opening it to read would block until a writer came
    targets = [str(fifo)] + (["/dev/zero"] if os.path.exists("/dev/zero") else [])
    for target in targets:
        assert main(["parse", target]) == 1
        assert "not a file" in capsys.readouterr().err
    code, err = run(capsys, *targets, "-o", str(tmp_path / "o.csv"))
    assert code == 0, err
    errors = read_frame(tmp_path / "o.csv")["error"]
    assert errors.str.contains("not a file").all()


def test_an_input_over_the_size_limit_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    from govparse_ml.io import files as reader

    monkeypatch.setattr(reader, "MAX_INPUT_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_text(SEED, encoding="utf-8")
    assert main(["parse", str(path)]) == 1
    assert "larger than 0 MB, the limit for one input" in capsys.readouterr().err


def test_training_data_problems_are_messages(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    (data / "labeled").mkdir(parents=True)
    (data / "gold").mkdir()
    lines = [json.dumps({"text": f"本机关依法公开第{i}条", "label": "prose"}, ensure_ascii=False) for i in range(10)]
    (data / "labeled" / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--no-generated"]) == 1
    assert "one label only (prose)" in capsys.readouterr().err
    (data / "gold" / "a.cells.jsonl").write_bytes(b'{"table": "\xb1\xed"}\n')
    from govparse_ml.training.data import TrainingDataError, read_gold

    with pytest.raises(TrainingDataError, match="not UTF-8"):
        read_gold(data / "gold" / "a.cells.jsonl")
    (data / "gold" / "a.cells.jsonl").unlink()  # (eval would stop at it first)
    assert main(["eval", "--data", str(data), "--json", str(tmp_path / "missing" / "s.json")]) == 1
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_disk_is_a_message(tmp_path: Path, capsys, monkeypatch) -> None:
    import errno
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "govparse_ml.cli", "parse", "--example", "-f", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1 and "No space left" in done.stderr and "Traceback" not in done.stderr
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": SEED}) + "\n", encoding="utf-8")

    def full_disk(self, results):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Checkpoint, "add", full_disk)
    code, err = run(capsys, str(corpus), "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "No space left on device" in err and "--resume" in err


def test_an_unreachable_dask_scheduler_is_a_message(tmp_path: Path, capsys, monkeypatch) -> None:
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(workers, "DASK_CONNECT_TIMEOUT", "1s")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": SEED}) + "\n", encoding="utf-8")
    argv = [str(corpus), "-o", str(tmp_path / "o.csv"), "--backend", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"]
    code, err = run(capsys, *argv)
    assert code == 1 and "cannot reach the Dask scheduler" in err


# --------------------------------------------------------------------------- orphans and bombs


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as fh:
            out |= {int(x) for x in fh.read().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"), reason="needs Linux /proc")
def test_batch_workers_exit_when_the_batch_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "in"
    root.mkdir()
    for i in range(200):  # slow enough reports that the workers are busy when the parent dies
        (root / f"{i:03d}.txt").write_text(_glued_rows((30, 100), i, False), encoding="utf-8")
    cmd = [sys.executable, "-m", "govparse_ml.cli", "batch", str(root), "-o", str(tmp_path / "o.csv")]
    proc = subprocess.Popen([*cmd, "-j", "2", "--chunksize", "1", "--no-progress", "--rules-only"])
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            workers = {p for p in _children(proc.pid) if _alive(p)}
        assert len(workers) == 2, "the batch did not start its workers"
        time.sleep(0.5)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if _alive(p)], "workers outlived their batch"
    finally:
        for p in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)


def test_a_foreign_arrays_file_is_checked_before_it_is_unpacked(tmp_path: Path, capsys, monkeypatch) -> None:
    import numpy as np

    from govparse_ml.classifier import store

    with np.load(store.models_dir() / store.ARRAYS_FILE) as shipped:
        arrays = {name: shipped[name] for name in shipped.files}
    bomb = tmp_path / "bomb.npz"
    np.savez_compressed(bomb, **{**arrays, "weights": np.zeros((20_000, 1_000))})  # 160 MB of zeros
    assert bomb.stat().st_size < 2_000_000
    odd = tmp_path / "odd.npz"
    np.savez_compressed(odd, **{**arrays, "intercept": np.zeros(7)})
    real_load = np.load
    monkeypatch.setattr(store.np, "load", lambda *a, **k: pytest.fail("np.load called on a refused file"))
    for path, why in ((bomb, "declare more than"), (odd, "do not fit together")):
        with pytest.raises(store.ModelIntegrityError, match=why):
            store.load_arrays(path)
        assert main(["parse", "--example", "--model", str(path)]) == 1
        assert why in capsys.readouterr().err
    monkeypatch.setattr(store.np, "load", real_load)
    good = tmp_path / "good.npz"
    np.savez_compressed(good, **arrays)
    assert store.load_arrays(good).weights.shape == arrays["weights"].shape
