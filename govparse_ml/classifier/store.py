"""The model files: where the shipped model lives, its card, and reading a model file only
after it checks out (its SHA-256 against the card, its feature version against the code's, an
arrays file's shapes and sizes against what a scorer needs), and writing a model's files as one set.

A joblib file runs code when it is loaded; an arrays file (``line_classifier.npz``, what
``parse`` loads) is read with ``allow_pickle=False`` and cannot. Which model a parse uses is
:mod:`govparse_ml.classifier.resolve`'s to say.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from govparse_ml.classifier.features import FEATURE_VERSION
from govparse_ml.classifier.scorer import _SPACE_PARAMS, UnitScorer, scorer_from_arrays
from govparse_ml.document import LABELS
from govparse_ml.io.files import InputError, read_bytes

MODEL_FILE = "line_classifier.joblib"
ARRAYS_FILE = "line_classifier.npz"
CARD_FILE = "line_classifier.json"


class ModelError(InputError):
    """The line classifier cannot be used; the message says why. ``parse`` falls back to the rules."""


class ModelNotFoundError(ModelError):
    pass


class ModelIntegrityError(ModelError):
    """The model file does not match its card, or cannot be read."""


class ModelVersionError(ModelError):
    """The model was trained on other features than this version of the code computes."""


# --------------------------------------------------------------------------- files


def models_dir() -> Path:
    """Where the shipped model lives: ``govparse_ml/models`` in an installed wheel, else
    ``models/`` of the checkout the package runs from (an editable install)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "models"
    return installed if (installed / CARD_FILE).exists() else package.parent / "models"


def read_card(model_path: str | os.PathLike) -> dict[str, Any]:
    card_path = Path(model_path).with_name(CARD_FILE)
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelNotFoundError(f"model card {card_path} not found") from None
    except (OSError, ValueError) as exc:
        raise ModelIntegrityError(f"model card {card_path} is unreadable: {exc}") from None


def read_verified(path: str | os.PathLike, card: dict[str, Any] | None, hash_field: str) -> bytes:
    """The bytes of a model file, checked against ``card`` when given: its SHA-256 against the
    card's ``hash_field``, and the card's feature version against the code's."""
    p = Path(path)
    if not p.exists():
        raise ModelNotFoundError(f"model file {p} not found")
    try:
        data = read_bytes(p, f"model file {p}")  # a regular file of bounded size: not a FIFO, not /dev/zero
    except InputError as exc:
        raise ModelIntegrityError(str(exc)) from None
    if card is not None:
        expected = card.get(hash_field)
        actual = hashlib.sha256(data).hexdigest()
        if expected != actual:
            raise ModelIntegrityError(
                f"model file {p} does not match its card (SHA-256 {actual[:12]}…, card says "
                f"{str(expected)[:12]}…): refusing to load it"
            )
        check_feature_version(p, card.get("feature_version"))
    return data


def check_feature_version(path: str | os.PathLike, version: object) -> None:
    """Refuse a model trained on other features than this code computes."""
    if version != FEATURE_VERSION:
        raise ModelVersionError(
            f"model {path} was trained on feature version {version}, this code computes "
            f"version {FEATURE_VERSION}: retrain it (govparse-ml train)"
        )


# What each array of an arrays file is: its dtype kind (i int, f float, U str) and number of dims.
_ARRAY_SPECS: dict[str, tuple[str, int]] = {
    "feature_version": ("i", 0),
    "space_params": ("i", 1),
    "dictionary": ("U", 1),
    "head_vocab": ("i", 1),
    "tail_vocab": ("i", 1),
    "tokens": ("U", 1),
    "classes": ("U", 1),
    "weights": ("f", 2),
    "edge_weights": ("f", 2),
    "intercept": ("f", 1),
    "offsets": ("i", 1),
    "blocks": ("U", 1),  # only in a model with extra feature blocks
}
_OPTIONAL_ARRAYS = {"blocks"}
# The most an arrays file may unpack to: the shipped model is 2 MB; a file declaring more is refused
# before any of it is read (a 1 MB file of zeros declaring a 1 GB array took 1.1 GB to load).
MAX_ARRAYS_BYTES = 128 * 2**20


def check_arrays_file(data: bytes, path: str | os.PathLike, card: dict[str, Any] | None = None) -> None:
    """Refuse an arrays file whose arrays are not those :func:`export_arrays` writes, with shapes
    that fit together (and the card, if given), before anything in it is unpacked: only the
    zip directory and each array's header are read."""
    p = Path(path)
    try:
        shapes = _array_shapes(data, p)
    except ModelIntegrityError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ModelIntegrityError(f"model file {p} is corrupt: {type(exc).__name__}: {exc}") from None
    k, n_off = shapes["classes"][0], shapes["offsets"][0]
    rows = shapes["weights"][0]
    fits = (
        shapes["weights"][1] == n_off * k
        and shapes["edge_weights"] == (n_off - 1, k)
        and shapes["intercept"] == (k,)
        and shapes["space_params"] == (len(_SPACE_PARAMS),)
        and rows >= shapes["head_vocab"][0] + shapes["tail_vocab"][0] + shapes["tokens"][0]
    )
    if not fits:
        raise _not_arrays(
            p, f"array shapes do not fit together ({ {n: shapes[n] for n in ('weights', 'edge_weights', 'classes')} })"
        )
    if card is not None:
        expected = card.get("n_features")
        if expected is not None and expected != rows * n_off + n_off - 1:
            raise _not_arrays(p, f"{rows * n_off + n_off - 1} features, its card says {expected}")
        if card.get("labels") is not None and len(card["labels"]) != k:
            raise _not_arrays(p, f"{k} labels, its card says {len(card['labels'])}")


def _not_arrays(p: Path, why: str) -> ModelIntegrityError:
    return ModelIntegrityError(f"model file {p} is not a line classifier's arrays file: {why}")


def _array_shapes(data: bytes, p: Path) -> dict[str, tuple[int, ...]]:
    """The shape of every array of an arrays file, from the headers alone, each checked for its
    dtype and number of dimensions, the whole bounded by :data:`MAX_ARRAYS_BYTES`."""
    shapes: dict[str, tuple[int, ...]] = {}
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = {n.removesuffix(".npy"): n for n in zf.namelist()}
        if not set(_ARRAY_SPECS) - _OPTIONAL_ARRAYS <= set(names) <= set(_ARRAY_SPECS):
            missing = set(_ARRAY_SPECS) - _OPTIONAL_ARRAYS - set(names)
            extra = set(names) - set(_ARRAY_SPECS)
            raise _not_arrays(p, f"arrays missing {sorted(missing)}, unknown {sorted(extra)[:5]}")
        for name, member in names.items():
            with zf.open(member) as fh:
                shape, dtype = _array_header(fh, name, p)
            kind, ndim = _ARRAY_SPECS[name]
            if dtype.kind != kind or len(shape) != ndim:
                raise _not_arrays(p, f"array {name} is {dtype} of {len(shape)} dimensions, not {kind} of {ndim}")
            total += math.prod(shape) * dtype.itemsize
            if total > MAX_ARRAYS_BYTES:
                raise _not_arrays(
                    p, f"its arrays declare more than {MAX_ARRAYS_BYTES // 2**20} MB (array {name}: {shape})"
                )
            shapes[name] = shape
    return shapes


def _array_header(fh: Any, name: str, p: Path) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise _not_arrays(p, f"array {name} has .npy format {version}")
    return shape, dtype


def load_arrays(path: str | os.PathLike, card: dict[str, Any] | None = None) -> UnitScorer:
    """A scorer from an arrays file, checked against ``card`` (SHA-256, feature version) when given.

    The file is read with ``allow_pickle=False``: an arrays file cannot run code, so, unlike
    a joblib file, one from elsewhere needs no trust to be loaded.
    """
    p = Path(path)
    data = read_verified(p, card, "arrays_sha256")
    check_arrays_file(data, p, card)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            check_feature_version(p, int(arrays["feature_version"]))
            scorer = scorer_from_arrays(arrays)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelIntegrityError(f"model file {p} is corrupt: {type(exc).__name__}: {exc}") from None
    unknown = sorted(set(scorer.classes_) - set(LABELS))
    if unknown:
        raise ModelIntegrityError(f"model {p} predicts unknown labels {unknown}")
    if scorer.weights.shape[1] != len(scorer.offsets) * len(scorer.classes_):
        raise ModelIntegrityError(f"model {p} is inconsistent: weights of shape {scorer.weights.shape}")
    scorer.sha256 = hashlib.sha256(data).hexdigest()  # what outputs record as the model used
    return scorer


MODEL_ENV = "GOVPARSE_MODEL"


def configured_model_path() -> Path | None:
    """The model named by the ``GOVPARSE_MODEL`` environment variable: an arrays file (``.npz``)
    or a directory holding ``line_classifier.npz`` (a ``train`` output's ``model-best``); None
    when it is unset or empty."""
    value = os.environ.get(MODEL_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path / ARRAYS_FILE if path.is_dir() else path


def load_default() -> UnitScorer:
    """The default model for parsing: the one ``GOVPARSE_MODEL`` names, else the shipped
    ``models/line_classifier.npz`` beside the package, checked against its card's SHA-256 and
    feature version before it is read (a ``GOVPARSE_MODEL`` file without a card beside it is
    checked for its shapes only).

    Raises :class:`ModelError` (missing, tampered, corrupt or outdated); ``parse`` then uses
    the rules and says so in ``Report.warnings``.
    """
    configured = configured_model_path()
    if configured is not None:
        if configured.suffix != ".npz":
            raise ModelError(
                f"{MODEL_ENV}={configured}: give an arrays file (.npz) or a directory holding {ARRAYS_FILE} "
                "(a joblib file runs code when it is loaded, so it is never loaded from the environment)"
            )
        if not configured.exists():
            raise ModelNotFoundError(f"{MODEL_ENV}={configured}: no such model file")
        card = read_card(configured) if configured.with_name(CARD_FILE).exists() else None
        return load_arrays(configured, card)
    path = models_dir() / ARRAYS_FILE
    if not path.exists():
        raise ModelNotFoundError(
            f"no shipped model at {path} (an install from the repository carries one; or train one: govparse-ml train)"
        )
    return load_arrays(path, read_card(path))


# --------------------------------------------------------------------------- writing


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


MODEL_FILES = (MODEL_FILE, ARRAYS_FILE, CARD_FILE)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where
    the system or file system cannot."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def write_model_set(out: Path, files: dict[str, bytes]) -> None:
    """Write the files of a model (estimator, arrays, card) into ``out`` as one set.

    They are written into a new directory beside ``out`` (with copies of whatever else
    ``out`` holds, e.g. a README), which then takes ``out``'s place in one step: on Linux the
    two directories are exchanged atomically, elsewhere (or on a file system that cannot)
    ``out`` is renamed away and the new one renamed in. At no moment does ``out`` hold a model
    file and a card that disagree; a failure before the swap leaves ``out`` as it was.
    """
    import shutil

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a model directory is an ordinary one
        if out.is_dir():
            for item in out.iterdir():
                if item.name in files:
                    continue
                if item.is_dir():
                    shutil.copytree(item, tmp / item.name, symlinks=True)
                else:
                    shutil.copy2(item, tmp / item.name, follow_symlinks=False)
        for name, data in files.items():
            path = tmp / name
            with open(path, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(path, 0o666 & ~umask)
        if not out.exists():
            os.rename(tmp, out)
            return
        if not _exchange(tmp, out):
            old = out.with_name(f".{out.name}.{os.getpid()}.old")
            os.rename(out, old)
            os.rename(tmp, out)
            tmp = old
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
