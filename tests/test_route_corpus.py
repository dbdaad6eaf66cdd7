"""The committed route corpus (training_data/routes): its shape, its truth, and training on it."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, seed_names
from test_training import make_data

from govparse_ml.document import LABELS
from govparse_ml.format import schema
from govparse_ml.training.route_corpus import (
    HTML_ROUTES,
    PDF_ROUTES,
    available_routes,
    read_routes,
    split_of,
    training_documents,
    truth_cells,
)
from govparse_ml.training.train import train

ROUTES = ROOT / "training_data" / "routes"
TRAINED_ROUTES = (*HTML_ROUTES, *PDF_ROUTES)


def raw_records(route: str) -> list[dict]:
    with gzip.open(ROUTES / f"{route}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(row) for row in f]


def test_corpus_is_small_and_has_every_route() -> None:
    assert set(TRAINED_ROUTES) <= set(available_routes(ROUTES))
    size = sum(p.stat().st_size for p in ROUTES.iterdir())
    assert size < 8_000_000, f"the route corpus is {size / 1e6:.1f} MB"


@pytest.mark.parametrize("route", TRAINED_ROUTES)
def test_route_documents(route: str) -> None:
    records = raw_records(route)
    per_format = Counter(r["format"] for r in records)
    assert per_format["2019"] >= 100 and per_format["2021"] >= 100
    truth = truth_cells(ROUTES)
    labelled = unsure = 0
    for r in records:
        assert r["route"] == route and (r["seed"], r["format"]) in truth
        assert len(r["lines"]) == len(r["labels"]) == len(r["sure"]) > 5
        for line, label, sure in zip(r["lines"], r["labels"], r["sure"], strict=True):
            assert "\n" not in line
            assert label in LABELS or (label is None and not line.strip())
            labelled += label is not None
            unsure += label is not None and not sure
        # every label but other is drawn by the report itself: the projection found them all
        assert {"heading", "table", "prose"} <= set(r["labels"])
    assert unsure / labelled < 0.05, f"{route}: {unsure} of {labelled} lines unsure"


def test_truth_has_every_cell_of_its_format() -> None:
    truth = truth_cells(ROUTES)
    assert len(truth) >= 200
    for (_, fmt), cells in truth.items():
        assert list(cells) == list(schema.cell_ids(fmt))


def test_read_routes_drops_unsure_labels_and_splits_by_source() -> None:
    docs = read_routes(ROUTES, ["pdfplumber"])
    records = raw_records("pdfplumber")
    for doc, r in zip(docs, records, strict=True):
        assert doc.lines == r["lines"]
        assert doc.labels == [lab if sure else None for lab, sure in zip(r["labels"], r["sure"], strict=True)]
    train_seeds = {d.meta["seed"] for d in read_routes(ROUTES, ["bs4"], split="train")}
    test_seeds = {d.meta["seed"] for d in read_routes(ROUTES, ["bs4"], split="test")}
    assert train_seeds and test_seeds and not train_seeds & test_seeds
    assert all(split_of(s) == "train" for s in train_seeds)


def write_gz(path: Path, records: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def test_train_takes_the_routes_of_its_data_dir(tmp_path: Path) -> None:
    data = make_data(tmp_path, seed_names()[:1])
    (data / "routes").mkdir()
    with gzip.open(ROUTES / "truth.jsonl.gz", "rt", encoding="utf-8") as f:
        write_gz(data / "routes" / "truth.jsonl.gz", [json.loads(row) for row in f])
    write_gz(data / "routes" / "inscriptis.jsonl.gz", raw_records("inscriptis")[:3])  # train-split seeds 0-2
    docs, files = training_documents(data)
    assert len(docs) == 3 and [f.name for f in files] == ["inscriptis.jsonl.gz"]
    out = tmp_path / "models"
    train(data, out, n_generated=2, cv=False, n_heldout=0, max_ngrams=2000)
    card = json.loads((out / "line_classifier.json").read_text(encoding="utf-8"))
    assert card["training_data"]["route_documents"] == 3
    assert card["training_data"]["generated_documents"] == 2
    assert set(card["training_data"]["route_files"]) == {"inscriptis.jsonl.gz"}
