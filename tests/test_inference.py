"""The line classifier at parse time: the arrays file, the text cache, and no scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import seed_names, seed_text

from govparse_ml.classifier import scorer, store
from govparse_ml.classifier.estimator import LineClassifier, save_model
from govparse_ml.classifier.store import (
    ARRAYS_FILE,
    CARD_FILE,
    ModelIntegrityError,
    ModelVersionError,
    load_arrays,
    read_card,
)
from govparse_ml.synth.generate import generate
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import split_units
from govparse_ml.training.data import generated_documents
from govparse_ml.training.fit import unit_dataset


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[LineClassifier, Path]:
    X, y = unit_dataset(generated_documents(3, 13))
    model = LineClassifier(max_ngrams=2000, min_df=2, max_iter=150).fit(X, y)
    out = tmp_path_factory.mktemp("model")
    save_model(model, out)
    return model, out


def docs() -> list[list]:
    seeds = [split_units(split_lines(seed_text(n))) for n in seed_names()]
    return seeds + [split_units(split_lines(generate(s).text)) for s in range(4)]


def test_arrays_give_the_estimators_probabilities(trained) -> None:
    model, out = trained
    scorer = load_arrays(out / ARRAYS_FILE, read_card(out / ARRAYS_FILE))
    for doc in docs():
        expected = model.pipeline_.predict_proba([doc])  # through the Pipeline's sparse matrices
        got = np.exp(scorer.doc_log_proba(doc))
        assert np.allclose(got, expected, atol=1e-9)
        labels, conf = scorer.predict_units(doc)
        assert labels == model.predict([doc])[0]
        assert np.allclose(conf, expected.max(axis=1))


def test_text_cache_changes_nothing_and_stays_bounded(trained) -> None:
    _, out = trained
    cold = load_arrays(out / ARRAYS_FILE)
    small = load_arrays(out / ARRAYS_FILE)
    small.cache_size = 50  # far fewer than the units of one report: cleared again and again
    small.clear_cache()
    for doc in docs():
        first = cold.doc_scores(doc)
        assert np.array_equal(cold.doc_scores(doc), first)  # from the cache the second time
        assert np.allclose(small.doc_scores(doc), first)
        assert len(small._cache_index) <= 50
        cold.clear_cache()
    # the cache fills up with a document half in it (a first version lost the half it had)
    tight = load_arrays(out / ARRAYS_FILE)
    tight.cache_size = 80
    tight.clear_cache()
    texts = list(dict.fromkeys(t for doc in docs() for t in (u.text for u in doc)))
    for doc in (texts[:60], texts[30:90], texts[85:160:2], texts[:40]):
        assert np.allclose(tight.doc_scores(doc), cold.doc_scores(doc))
        assert len(tight._cache_index) <= 80
    # the same text in another place: same text part, other context part
    units = docs()[0]
    moved = [units[-1], *units[:-1]]
    assert not np.allclose(cold.doc_scores(moved)[0], cold.doc_scores(units)[-1])


def test_arrays_file_cannot_hold_code_and_is_checked(trained, tmp_path: Path) -> None:
    _, out = trained
    card = json.loads((out / CARD_FILE).read_text(encoding="utf-8"))
    assert card["arrays_sha256"] == store.hashlib.sha256((out / ARRAYS_FILE).read_bytes()).hexdigest()
    with np.load(out / ARRAYS_FILE, allow_pickle=False) as arrays:  # loads with pickling off
        assert {a.dtype.kind for a in arrays.values()} <= {"i", "f", "U", "b"}
    bad = tmp_path / ARRAYS_FILE
    data = bytearray((out / ARRAYS_FILE).read_bytes())
    data[len(data) // 3] ^= 0x10
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="does not match its card"):
        load_arrays(bad, card)
    with pytest.raises(ModelVersionError, match="retrain"):
        load_arrays(out / ARRAYS_FILE, {**card, "feature_version": -1})
    bad.write_bytes(b"PK\x03\x04 not an archive")
    with pytest.raises(ModelIntegrityError, match="corrupt"):
        load_arrays(bad)


def test_parsing_with_the_shipped_model_never_imports_scikit_learn() -> None:
    code = (
        "import sys, govparse_ml\n"
        "r = govparse_ml.parse(open(sys.argv[1], encoding='utf-8').read())\n"
        "assert any(line.source == 'model' for line in r.lines), r.warnings\n"
        "print(sorted(m for m in ('sklearn', 'joblib', 'pandas') if m in sys.modules))\n"
    )
    path = Path(__file__).resolve().parent.parent / "govparse_ml" / "data" / "example.txt"
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_product_gives_the_same_scores(trained, monkeypatch) -> None:
    """Where scipy's private COO loop is missing or changed, the public product stands in."""
    _, out = trained
    fast = load_arrays(out / ARRAYS_FILE).doc_scores(docs()[1])
    monkeypatch.setattr(scorer, "_coo_matmat_dense", None)
    slow = load_arrays(out / ARRAYS_FILE).doc_scores(docs()[1])
    assert np.allclose(fast, slow, atol=1e-12)
