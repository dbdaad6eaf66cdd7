"""Training as a user runs it: model-last / model-best in an output directory, the shipped
model never replaced unless asked, the comparison with the model it would replace, TOML
config and overrides recorded in the card, the default-model setting, the model files
written as a set, ``label`` for pre-labeled files, and one output convention for train/eval."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import LABELED, seed_names, seed_text

from govparse_ml import pipeline
from govparse_ml.classifier import resolve, store
from govparse_ml.classifier.store import ARRAYS_FILE, CARD_FILE, MODEL_ENV, load_arrays, models_dir, read_card
from govparse_ml.cli.commands import main
from govparse_ml.training.data import read_labeled_file

TINY = """\
# a small, fast training run
[training]
n_generated = 13
n_heldout = 13
seed = 3

[model]
max_ngrams = 3000
"""


def run(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


def make_data(root: Path, names: list[str], rename: str = "") -> Path:
    data = root / "data"
    (data / "labeled").mkdir(parents=True, exist_ok=True)
    (data / "gold").mkdir(exist_ok=True)
    for name in names:
        shutil.copy(LABELED / f"{name}.jsonl", data / "labeled" / f"{rename}{name}.jsonl")
        shutil.copy(LABELED.parent / "gold" / f"{name}.cells.jsonl", data / "gold" / f"{rename}{name}.cells.jsonl")
    return data


def shipped_state() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(models_dir().iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny `train` run through the command line: (output dir, its JSON report, stderr)."""
    root = tmp_path_factory.mktemp("train")
    data = make_data(root, seed_names()[3:5])
    config = root / "tiny.toml"
    config.write_text(TINY, encoding="utf-8")
    before = shipped_state()
    out = root / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run("train", "--data", str(data), "-o", str(out), "--config", str(config), "--json")
    assert code == 0, stderr.getvalue()
    assert shipped_state() == before  # the shipped model is never touched by default
    return out, json.loads(stdout.getvalue()), stderr.getvalue(), data, config


def test_train_writes_model_last_and_best_and_compares_with_the_model_it_would_replace(trained) -> None:
    out, report, err, _, config = trained
    for d in ("model-last", "model-best"):
        card = read_card(out / d / ARRAYS_FILE)
        load_arrays(out / d / ARRAYS_FILE, card)  # a consistent set: hashes match the card
    assert report["model_dir"] == str(out / "model-last") and report["model_best"]["is_this_run"] is True
    assert report["compared_with"]["model"].endswith("(shipped)")
    assert report["compared_with"]["sha256"] == read_card(models_dir() / ARRAYS_FILE)["arrays_sha256"]
    new, old = report["heldout_generated"]["model"], report["compared_with"]["heldout_generated"]["model"]
    assert report["difference"]["macro_f1"] == pytest.approx(new["macro_f1"] - old["macro_f1"], abs=1e-4)
    assert report["better"] == (new["macro_f1"] >= old["macro_f1"])
    # progress on stderr, the report (here JSON) alone on stdout
    assert "folds trained" in err and "final model" in err
    # the configuration is in the card: the file, its hash, the values, and they were used
    card = read_card(out / "model-last" / ARRAYS_FILE)
    assert card["config"]["file"] == str(config)
    assert card["config"]["file_sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()
    assert card["config"]["model"] == {"max_ngrams": 3000} and card["params"]["max_ngrams"] == 3000
    assert card["training_data"]["generated_documents"] == 13 and card["training_data"]["generated_seed"] == 3


def test_a_worse_run_goes_to_model_last_only_and_the_text_report_says_so(trained, capsys) -> None:
    out, _, _, data, config = trained
    best_before = (out / "model-best" / CARD_FILE).read_bytes()
    # --set beats the file: a model regularised into uselessness
    args = ["train", "--data", str(data), "-o", str(out), "--config", str(config), "--set", "model.C=0.0001"]
    assert run(*args, "--set", "training.cv=false") == 0
    text = capsys.readouterr().out
    card = read_card(out / "model-last" / ARRAYS_FILE)
    assert card["params"]["C"] == 0.0001 and card["config"]["overrides"] == ["model.C=0.0001", "training.cv=false"]
    assert "kept: an earlier model scored better" in text and "WARNING: the new model scores below" in text
    assert (out / "model-best" / CARD_FILE).read_bytes() == best_before
    assert "held-out generated documents (13, seeds never trained on)" in text


def test_train_refuses_the_shipped_model_directory_without_force(capsys) -> None:
    before = shipped_state()
    assert run("train", "-o", str(models_dir()), "--set", "training.n_generated=0") == 2
    assert "never replaces the shipped model unless asked: add --force" in capsys.readouterr().err
    assert shipped_state() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "model.bogus=1"], "unknown model setting 'bogus'"),
        (["--set", "model.C=abc"], "model.C must be float"),
        (["--set", "training.seed=1.5"], "training.seed must be int"),
        (["--set", "C=2"], "write section.key=value"),
    ],
)
def test_bad_settings_are_usage_errors(capsys, argv, message) -> None:
    assert run("train", *argv) == 2
    assert message in capsys.readouterr().err


def test_default_model_setting(trained, monkeypatch, tmp_path) -> None:
    """GOVPARSE_MODEL names the model parse, batch and eval use when no --model is given."""
    out = trained[0]
    monkeypatch.setattr(resolve, "_default_loaded", False)
    monkeypatch.setattr(resolve, "_default_model", None)
    monkeypatch.setenv(MODEL_ENV, str(out / "model-best"))
    report = pipeline.parse(seed_text(seed_names()[0]))
    assert report.provenance["model_sha256"] == read_card(out / "model-best" / ARRAYS_FILE)["arrays_sha256"]
    assert not any("line classifier not used" in w for w in report.warnings)
    monkeypatch.setattr(resolve, "_default_loaded", False)
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing.npz"))
    report = pipeline.parse(seed_text(seed_names()[0]))
    assert report.provenance["labels_by"] == "rules"
    assert any(f"{MODEL_ENV}=" in w and "no such model file" in w for w in report.warnings)
    monkeypatch.setattr(resolve, "_default_loaded", False)


def test_eval_json_on_stdout_and_the_default_model_setting(trained, monkeypatch, capsys) -> None:
    out, _, _, data, _ = trained
    monkeypatch.setenv(MODEL_ENV, str(out / "model-best"))
    assert run("eval", "--data", str(data), "--json") == 0
    captured = capsys.readouterr()
    scores = json.loads(captured.out)  # the report alone on stdout
    assert scores["setup"]["model"] == str(out / "model-best" / ARRAYS_FILE)
    assert scores["setup"]["model_sha256"] == read_card(out / "model-best" / ARRAYS_FILE)["arrays_sha256"]


def test_train_on_the_users_files_plus_the_bundled_set(tmp_path) -> None:
    data = make_data(tmp_path, seed_names()[:1], rename="mine_")
    out = tmp_path / "out"
    assert run("train", "--data", str(data), "--bundled", "-o", str(out), "-q", "--no-generated") == 0
    files = read_card(out / "model-last" / ARRAYS_FILE)["training_data"]["labeled_files"]
    assert set(files) == {f"mine_{seed_names()[0]}.jsonl"} | {f"{n}.jsonl" for n in seed_names()}


# ----------------------------------------------------------------------------- the model set


def _model_dir(tmp_path: Path) -> Path:
    d = tmp_path / "models"
    d.mkdir()
    for name in (store.MODEL_FILE, ARRAYS_FILE, CARD_FILE, "README.md"):
        shutil.copy(models_dir() / name, d / name)
    return d


def _state(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


NEW = {store.MODEL_FILE: b"new joblib", ARRAYS_FILE: b"new arrays", CARD_FILE: b'{"new": true}'}


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_failure_while_writing_the_model_set_leaves_the_old_set(tmp_path, monkeypatch, fail_at) -> None:
    d = _model_dir(tmp_path)
    before = _state(d)
    calls = {"n": 0}
    real_fsync = store.os.fsync

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        store.write_model_set(d, NEW)
    assert _state(d) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]  # no temporary directory left behind
    load_arrays(d / ARRAYS_FILE, read_card(d / ARRAYS_FILE))  # still a consistent model


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_the_model_set_is_swapped_in_whole(tmp_path, monkeypatch, exchange) -> None:
    d = _model_dir(tmp_path)
    readme = (d / "README.md").read_bytes()
    if not exchange:
        monkeypatch.setattr(store, "_exchange", lambda a, b: False)
    store.write_model_set(d, NEW)
    assert _state(d) == {**NEW, "README.md": readme}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]


# ----------------------------------------------------------------------------- label


def test_label_writes_a_prelabeled_file_train_reads(tmp_path, capsys) -> None:
    name = seed_names()[2]
    src = tmp_path / f"{name}.txt"
    src.write_text(seed_text(name), encoding="utf-8")
    out = tmp_path / "pre.jsonl"
    assert run("label", str(src), "-o", str(out)) == 0
    err = capsys.readouterr().err
    doc = read_labeled_file(out)  # the format train reads
    gold = read_labeled_file(LABELED / f"{name}.jsonl")
    assert doc.lines == gold.lines
    agree = sum(a == b for a, b in zip(doc.labels, gold.labels, strict=True)) / len(gold.labels)
    assert agree > 0.95
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    marked = [r["label"] is not None and (r["confidence"] < 0.9 or r["source"] == "rule") for r in records]
    assert [r["review"] for r in records] == marked
    assert f"{sum(marked)} marked" in err
    assert run("label", str(src), "--review-below", "1") == 0
    strict = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert sum(r["review"] for r in strict) > sum(marked)
    assert all(r["review"] for r in strict if r["label"] is not None and r["confidence"] < 0.9999)
