"""The line classifier: fit / predict, Viterbi decoding, persistence, and every way loading can refuse."""

from __future__ import annotations

import copy
import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import seed_names, seed_text

from govparse_ml.classifier import estimator as classifier
from govparse_ml.classifier import resolve, store
from govparse_ml.classifier.estimator import (
    LineClassifier,
    UntrustedModelError,
    load_model,
    load_shipped,
    save_model,
    viterbi,
)
from govparse_ml.classifier.store import (
    ARRAYS_FILE,
    CARD_FILE,
    MODEL_FILE,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
)
from govparse_ml.cli.commands import main
from govparse_ml.label import labeling
from govparse_ml.pipeline import parse
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import split_units
from govparse_ml.training.data import generated_documents
from govparse_ml.training.fit import unit_dataset

SMALL = {"max_ngrams": 3000, "min_df": 2, "max_iter": 200}


@pytest.fixture(scope="module")
def small_model() -> LineClassifier:
    """A model fitted on 26 generated documents (two of every layout)."""
    X, y = unit_dataset(generated_documents(7, 26))
    return LineClassifier(**SMALL).fit(X, y)


@pytest.fixture(scope="module")
def saved(small_model: LineClassifier, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model")
    save_model(small_model, out, {"note": "test"})
    return out


def test_fit_predict_recovers_labels_of_unseen_documents(small_model: LineClassifier) -> None:
    X, y = unit_dataset(generated_documents(8, 13))  # other seeds, every layout
    pred = small_model.predict(X)
    assert [len(p) for p in pred] == [len(d) for d in X]
    flat_pred = [p for doc in pred for p in doc]
    flat_gold = [g for doc in y for g in doc]
    accuracy = np.mean([p == g for p, g in zip(flat_pred, flat_gold, strict=True)])
    assert accuracy >= 0.97
    assert small_model.score(X, y) == pytest.approx(accuracy)
    assert set(small_model.classes_) == {"heading", "table", "prose", "other"}


def test_predict_proba_is_the_pipelines(small_model: LineClassifier) -> None:
    """The fast per-document scoring gives the numbers of Pipeline.predict_proba."""
    docs = [split_units(split_lines(seed_text(n))) for n in seed_names()]
    fast = small_model.predict_proba(docs)
    slow = small_model.pipeline_.predict_proba(docs)
    assert np.allclose(np.vstack(fast), slow, atol=1e-9)
    assert all(np.allclose(p.sum(axis=1), 1.0) for p in fast)


def test_predict_units_is_the_labelling_protocol(small_model: LineClassifier) -> None:
    units = split_units(split_lines(seed_text(seed_names()[2])))
    labels, confidences = small_model.predict_units(units)
    assert len(labels) == len(confidences) == len(units)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert labeling.label_units(units, small_model)[0].source in ("model", "rule")
    assert small_model.predict_units([]) == ([], [])


def test_strings_or_units(small_model: LineClassifier) -> None:
    labels = small_model.predict([["一、总体情况", "本机关认真落实条例。", "规章\t0\t0\t0"]])[0]
    assert labels == ["heading", "prose", "table"]


def test_fit_checks_its_input() -> None:
    with pytest.raises(ValueError, match="unknown labels"):
        LineClassifier().fit([["a", "b"]], [["prose", "title"]])
    with pytest.raises(ValueError, match="2 units but 1 labels"):
        LineClassifier().fit([["a", "b"]], [["prose"]])
    with pytest.raises(ValueError, match="decode"):
        LineClassifier(decode="beam").fit([["a"]], [["prose"]])


# --------------------------------------------------------------------------- Viterbi


def brute_force(log_emit, log_trans, log_start):
    n, k = log_emit.shape
    best, best_path = -np.inf, None
    for path in itertools.product(range(k), repeat=n):
        s = log_start[path[0]] + sum(log_emit[t, path[t]] for t in range(n))
        s += sum(log_trans[path[t - 1], path[t]] for t in range(1, n))
        if s > best:
            best, best_path = s, path
    return list(best_path)


def test_viterbi_handcrafted() -> None:
    # Emissions alone say A A B A A; sticky transitions make the lone B give way.
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.8, 0.2], [0.9, 0.1]])
    sticky = np.log(np.array([[0.95, 0.05], [0.05, 0.95]]))
    start = np.log(np.array([0.5, 0.5]))
    assert viterbi(np.log(p), sticky, start).tolist() == [0, 0, 0, 0, 0]
    # With flat transitions, Viterbi is the per-unit argmax.
    flat = np.log(np.full((2, 2), 0.5))
    assert viterbi(np.log(p), flat, start).tolist() == [0, 0, 1, 0, 0]
    # A strong emission wins over the transitions.
    p[2] = [0.001, 0.999]
    assert viterbi(np.log(p), sticky, start).tolist() == [0, 0, 1, 0, 0]
    assert viterbi(np.zeros((0, 2)), sticky, start).tolist() == []


def test_viterbi_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    for _ in range(30):
        n, k = int(rng.integers(1, 6)), int(rng.integers(2, 4))
        emit = np.log(rng.dirichlet(np.ones(k), size=n))
        trans = np.log(rng.dirichlet(np.ones(k), size=k))
        start = np.log(rng.dirichlet(np.ones(k)))
        assert viterbi(emit, trans, start).tolist() == brute_force(emit, trans, start)


def test_transition_matrix_is_learned(small_model: LineClassifier) -> None:
    t = np.exp(small_model.log_transitions_)
    assert np.allclose(t.sum(axis=1), 1.0)
    classes = list(small_model.classes_)
    table = classes.index("table")
    assert t[table, table] > 0.8  # table units follow table units
    m = copy.deepcopy(small_model)
    m.decode = "viterbi"
    units = split_units(split_lines(seed_text(seed_names()[1])))
    labels, conf = m.predict_units(units)
    assert len(labels) == len(units) and len(conf) == len(units)


# --------------------------------------------------------------------------- persistence


def test_save_load_round_trip(small_model: LineClassifier, saved: Path) -> None:
    card = json.loads((saved / CARD_FILE).read_text(encoding="utf-8"))
    assert card["model_sha256"] == store.sha256_file(saved / MODEL_FILE)
    assert card["labels"] == list(small_model.classes_)
    assert card["feature_version"] == classifier.FEATURE_VERSION
    assert {"python", "scikit-learn", "numpy", "jieba"} <= card["library_versions"].keys()
    assert card["note"] == "test"
    loaded = load_model(saved / MODEL_FILE, trust=True)
    docs = [split_units(split_lines(seed_text(n))) for n in seed_names()]
    assert loaded.predict(docs) == small_model.predict(docs)
    assert all(
        np.allclose(a, b) for a, b in zip(loaded.predict_proba(docs), small_model.predict_proba(docs), strict=True)
    )
    assert load_model(saved, trust=True).predict(docs[:1]) == small_model.predict(docs[:1])  # a directory works too
    assert not [p for p in saved.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_untrusted_path_is_refused(saved: Path) -> None:
    with pytest.raises(UntrustedModelError, match=r"trust=True.*--trust-model"):
        load_model(saved / MODEL_FILE)


def test_cli_refuses_untrusted_model_and_accepts_it_with_trust(saved: Path, capsys) -> None:
    example = str(Path(__file__).resolve().parent.parent / "govparse_ml" / "data" / "example.txt")
    assert main(["parse", example, "--model", str(saved / MODEL_FILE), "--format", "lines"]) == 1
    assert "--trust-model" in capsys.readouterr().err
    assert main(["parse", example, "--model", str(saved / MODEL_FILE), "--trust-model", "--format", "lines"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(json.loads(line)["source"] == "model" for line in out)


def test_cli_loads_an_arrays_file_without_trust_but_checks_its_card(saved: Path, tmp_path: Path, capsys) -> None:
    example = str(Path(__file__).resolve().parent.parent / "govparse_ml" / "data" / "example.txt")
    assert main(["parse", example, "--model", str(saved / ARRAYS_FILE), "--format", "lines"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(json.loads(line)["source"] == "model" for line in out)
    d = copy_model(saved, tmp_path / "m")
    data = bytearray((d / ARRAYS_FILE).read_bytes())
    data[-200] ^= 0x01
    (d / ARRAYS_FILE).write_bytes(bytes(data))
    assert main(["parse", example, "--model", str(d / ARRAYS_FILE)]) == 1
    assert "does not match its card" in capsys.readouterr().err


def copy_model(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in (MODEL_FILE, ARRAYS_FILE, CARD_FILE):
        shutil.copy(src / name, dst / name)
    return dst


def test_tampered_model_is_refused_before_unpickling(saved: Path, tmp_path: Path, monkeypatch) -> None:
    d = copy_model(saved, tmp_path / "m")
    data = bytearray((d / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit
    (d / MODEL_FILE).write_bytes(bytes(data))
    import joblib

    calls = []
    monkeypatch.setattr(joblib, "load", lambda *a, **k: calls.append(a))
    with pytest.raises(ModelIntegrityError, match="does not match its card"):
        load_model(d / MODEL_FILE, trust=True)
    monkeypatch.setattr(store, "models_dir", lambda: d)
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        load_shipped()
    assert calls == []  # never unpickled


def reset_default(monkeypatch, models: Path) -> None:
    monkeypatch.setattr(store, "models_dir", lambda: models)
    monkeypatch.setattr(resolve, "_default_loaded", False)
    monkeypatch.setattr(resolve, "_default_model", None)


def test_parse_falls_back_to_rules_on_a_tampered_model(saved: Path, tmp_path: Path, monkeypatch) -> None:
    d = copy_model(saved, tmp_path / "m")
    data = bytearray((d / ARRAYS_FILE).read_bytes())  # what parse loads
    data[100] ^= 0xFF
    (d / ARRAYS_FILE).write_bytes(bytes(data))
    reset_default(monkeypatch, d)
    report = parse(seed_text(seed_names()[0]))
    assert any("line classifier not used" in w and "does not match" in w for w in report.warnings)
    assert {ln.source for ln in report.lines if ln.label} == {"rule"}
    assert report.meta.format_version is not None  # the rules still read the report


def test_parse_falls_back_to_rules_without_a_model(tmp_path: Path, monkeypatch) -> None:
    reset_default(monkeypatch, tmp_path / "nothing-here")
    with pytest.raises(ModelNotFoundError):
        load_shipped()
    report = parse(seed_text(seed_names()[3]))
    assert any("line classifier not used" in w for w in report.warnings)
    assert {ln.source for ln in report.lines if ln.label} == {"rule"}


def test_corrupt_model_with_matching_card(saved: Path, tmp_path: Path) -> None:
    d = copy_model(saved, tmp_path / "m")
    (d / MODEL_FILE).write_bytes(b"this is not a joblib file")
    card = json.loads((d / CARD_FILE).read_text(encoding="utf-8"))
    card["model_sha256"] = store.sha256_file(d / MODEL_FILE)
    (d / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="corrupt"):
        load_model(d / MODEL_FILE, trust=True)


def test_missing_or_broken_card(saved: Path, tmp_path: Path, monkeypatch) -> None:
    d = copy_model(saved, tmp_path / "m")
    (d / CARD_FILE).unlink()
    monkeypatch.setattr(store, "models_dir", lambda: d)
    with pytest.raises(ModelNotFoundError, match="card"):
        load_shipped()
    (d / CARD_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="card"):
        load_shipped()


def test_feature_version_mismatch_is_refused(saved: Path, tmp_path: Path, monkeypatch) -> None:
    d = copy_model(saved, tmp_path / "m")
    card = json.loads((d / CARD_FILE).read_text(encoding="utf-8"))
    card["feature_version"] = classifier.FEATURE_VERSION + 1
    (d / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setattr(store, "models_dir", lambda: d)
    with pytest.raises(ModelVersionError, match="retrain"):
        load_shipped()


def test_save_is_atomic(small_model: LineClassifier, saved: Path, tmp_path: Path, monkeypatch) -> None:
    d = copy_model(saved, tmp_path / "m")
    before = {p.name: p.read_bytes() for p in d.iterdir()}

    def fail(*args, **kwargs):
        raise OSError("disk full")

    # the new set is swapped in by renames (or one renameat2 exchange): make them fail
    monkeypatch.setattr(store, "_exchange", lambda a, b: False)
    monkeypatch.setattr(store.os, "rename", fail)
    with pytest.raises(OSError, match="disk full"):
        save_model(small_model, d)
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before  # nothing changed
    assert [p.name for p in d.parent.iterdir()] == ["m"]  # no temporary directory left


# --------------------------------------------------------------------------- the shipped model


def test_shipped_model_loads_and_is_small() -> None:
    path = classifier.default_model_path()
    assert path.exists(), "models/line_classifier.joblib is missing: run `govparse-ml train`"
    card = json.loads(path.with_name(CARD_FILE).read_text(encoding="utf-8"))
    assert card["model_sha256"] == store.sha256_file(path)
    assert card["feature_version"] == classifier.FEATURE_VERSION
    assert path.stat().st_size < 5_000_000
    model = load_shipped()  # load time is measured by scripts/bench.py, not asserted here
    assert load_model(path) is not None  # the shipped path needs no trust
    units = split_units(split_lines(seed_text(seed_names()[0])))
    assert len(model.predict_units(units)[0]) == len(units)


def test_parse_uses_the_shipped_model(monkeypatch) -> None:
    monkeypatch.setattr(resolve, "_default_loaded", False)
    monkeypatch.setattr(resolve, "_default_model", None)
    report = parse(seed_text(seed_names()[1]))
    assert not any("line classifier" in w for w in report.warnings)
    assert any(ln.source == "model" for ln in report.lines)


def test_pieces_of_a_cut_line_are_labelled_by_the_rules() -> None:
    """The model never trained on the pieces of a line cut into several; the rules label them,
    and the glued tables of a one-line report are read as with the rules alone."""
    from govparse_ml.synth.generate import generate

    doc = generate(574, layout="one_line_report", format_version="2021")
    units = split_units(split_lines(doc.text))
    composite = {u.line for u in units if u.part > 0}
    assert composite, "a one-line report is cut into pieces"
    labels = labeling.label_units(units, store.load_default())
    assert {lab.source for u, lab in zip(units, labels, strict=True) if u.line in composite} == {"rule"}
    report = parse(doc.text)
    assert report.tables["active_disclosure"].found
    assert all(report.cell(*key).value == value for key, value in doc.cells.items() if key[0] != "active_disclosure")
