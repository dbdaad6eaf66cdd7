"""parse() from several threads, while the model loads, and on multi-threaded Dask workers:
the same cells and labels as the same calls made one by one."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from govparse_ml import parse, pipeline
from govparse_ml.batch.reader import read_frame
from govparse_ml.classifier import resolve, store
from govparse_ml.cli.commands import main
from govparse_ml.synth.generate import LAYOUTS, generate


@cache
def texts(n: int = 120) -> tuple[str, ...]:
    return tuple(generate(i, layout=LAYOUTS[i % len(LAYOUTS)]).text for i in range(n))


def outcome(text: str) -> tuple:
    """What a parse gives that a race would change: every cell, every line's label and source."""
    report = parse(text)
    cells = tuple(sorted((c.table, c.row, c.col, c.value, c.raw) for c in report.cells()))
    return cells, tuple((ln.label, ln.source) for ln in report.lines), tuple(report.warnings)


def test_threads_give_the_cells_of_sequential_calls() -> None:
    sequential = [outcome(t) for t in texts()]
    for _ in range(2):  # the second pass starts with the model's text cache cleared under the threads
        pipeline.clear_caches()
        with ThreadPoolExecutor(8) as pool:
            threaded = list(pool.map(outcome, texts()))
        differing = [i for i, (a, b) in enumerate(zip(sequential, threaded, strict=True)) if a != b]
        assert differing == []


def test_threads_that_parse_while_the_model_loads_wait_for_it(monkeypatch) -> None:
    monkeypatch.setattr(resolve, "_default_loaded", False)
    monkeypatch.setattr(resolve, "_default_model", None)
    real_load = store.load_default

    def slow_load():
        time.sleep(0.3)
        return real_load()

    monkeypatch.setattr(store, "load_default", slow_load)
    start = threading.Barrier(8)

    def parse_at_once(text: str):
        start.wait()
        return parse(text)

    with ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(parse_at_once, texts()[:8]))
    assert all(r.warnings == parse(t).warnings for r, t in zip(reports, texts()[:8], strict=True))
    assert all(any(ln.source == "model" for ln in r.lines) for r in reports)


def test_a_scorer_pickles_without_its_lock() -> None:
    import pickle

    scorer = store.load_default()
    copy = pickle.loads(pickle.dumps(scorer))
    doc = texts()[0].split("\n")
    assert (copy.doc_scores(doc) == scorer.doc_scores(doc)).all()


def test_dask_workers_with_four_threads_give_the_cells_of_a_local_run(tmp_path: Path, capsys) -> None:
    distributed = pytest.importorskip("distributed")
    root = tmp_path / "in"
    root.mkdir()
    for i, text in enumerate(texts()[:60]):
        (root / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    local = tmp_path / "local.csv"
    assert main(["batch", str(root), "-o", str(local), "--no-progress"]) == 0
    with distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=4, dashboard_address=None
    ) as cluster:
        pipeline.clear_caches()
        out = tmp_path / "dask.csv"
        argv = ["batch", str(root), "-o", str(out), "--no-progress", "--backend", "dask"]
        code = main([*argv, "--scheduler", cluster.scheduler_address, "--chunksize", "1"])
    assert code == 0, capsys.readouterr().err
    pd.testing.assert_frame_equal(read_frame(out), read_frame(local))


def _threads_in_a_fresh_process(docs: list[str]) -> list[tuple]:
    with ThreadPoolExecutor(4) as pool:  # the model loads while these threads already parse
        return list(pool.map(outcome, docs))


def test_soak_threads_in_two_fresh_processes_give_the_sequential_outcomes() -> None:
    """A small scripts/soak.py: 2 spawned processes × 4 threads, each the first to load the model."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = 40
    sequential = [outcome(t) for t in texts()[:n]]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = list(pool.map(_threads_in_a_fresh_process, [list(texts()[:n])] * 2))
    assert [[i for i, (a, b) in enumerate(zip(sequential, run, strict=True)) if a != b] for run in runs] == [[], []]
