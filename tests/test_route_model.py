"""The shipped model on text that real tools extracted: the route corpus's test split and real reports."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from govparse_ml.classifier.estimator import load_shipped
from govparse_ml.document import Line
from govparse_ml.label.labeling import label_lines, label_units
from govparse_ml.training.data import read_labeled_file
from govparse_ml.training.route_corpus import HTML_ROUTES, PDF_ROUTES, read_routes
from govparse_ml.training.scoring import label_scores

ROUTES = ROOT / "training_data" / "routes"
REALDEV_TEST = ROOT / "training_data" / "realdev_test"


@pytest.fixture(scope="module")
def model():
    return load_shipped()


def scored_lines(doc, model) -> tuple[list[str], list[str], list[float]]:
    units, _, gold = doc.units()
    lines = [Line(n, "") for n in range(1, len(gold) + 1)]
    label_lines(lines, units, label_units(units, model))
    keep = [(g, ln.label or "(none)", ln.confidence or 0.0) for g, ln in zip(gold, lines, strict=True) if g]
    return [k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep]


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, n_bins: int = 15) -> float:
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    return float(sum((bins == b).mean() * abs(correct[bins == b].mean() - conf[bins == b].mean()) for b in set(bins)))


@pytest.mark.parametrize("route", [*HTML_ROUTES, *PDF_ROUTES])
def test_lines_of_unseen_reports_by_route(route: str, model) -> None:
    """Reports of the test split (never trained on, through any tool): macro-F1 and calibration."""
    docs = read_routes(ROUTES, [route], split="test")[::3]  # 20 of the 60, for time
    gold, pred, conf = [], [], []
    for doc in docs:
        g, p, c = scored_lines(doc, model)
        gold, pred, conf = gold + g, pred + p, conf + c
    scores = label_scores(gold, pred)
    assert scores["macro_f1"] >= 0.97, (route, scores["per_label"])
    correct = np.array([a == b for a, b in zip(gold, pred, strict=True)], dtype=float)
    assert expected_calibration_error(np.array(conf), correct) <= 0.03


def test_real_reports(model) -> None:
    """Real reports through real tools, hand-checked labels: crawler headers are other, tables table."""
    gold, pred = [], []
    for path in sorted(REALDEV_TEST.glob("*.jsonl")):
        g, p, _ = scored_lines(read_labeled_file(path), model)
        gold, pred = gold + g, pred + p
    scores = label_scores(gold, pred)
    assert scores["per_label"]["table"]["f"] >= 0.98
    assert scores["per_label"]["other"]["r"] >= 0.8, scores["confusion"]
    assert scores["macro_f1"] >= 0.9, scores["per_label"]
