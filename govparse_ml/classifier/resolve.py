"""Which model labels the lines: the one place that turns what a caller gave (``"default"``,
``None``, a path, a loaded model) into a model, and loads the shipped one once per process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from govparse_ml.classifier import store

# "default": the shipped model if it loads and checks out; None: rules only; or a loaded model.
ModelArg = Any

_default_model: Any = None
_default_loaded = False
# Held while the shipped model loads: a thread that calls parse() meanwhile waits for it
# rather than seeing "not loaded yet" and labelling with the rules.
_default_lock = threading.Lock()


def default_model() -> Any:
    """The shipped model, or the exception that kept it from loading: loaded once per process."""
    global _default_model, _default_loaded
    if not _default_loaded:
        with _default_lock:
            if not _default_loaded:
                try:
                    _default_model = store.load_default()
                except Exception as exc:  # missing, corrupt or tampered: rules, and say so
                    _default_model = exc
                _default_loaded = True
    return _default_model


def resolve(model: ModelArg, warnings: list[str]) -> Any:
    """The model to label with (None: the rules); a shipped model that cannot be used is a warning."""
    if model is None:
        return None
    if not (isinstance(model, str) and model == "default"):
        return model
    loaded = default_model()
    if isinstance(loaded, Exception):
        warnings.append(f"line classifier not used ({loaded}): labels come from the rules")
        return None
    return loaded


def model_from_path(path: str | Path | None, *, rules_only: bool = False, trust: bool = False) -> ModelArg:
    """The ``model`` argument of ``parse`` for a command line's --rules-only / --model / --trust-model."""
    if rules_only:
        return None
    if path is None:
        return "default"
    if str(path).endswith(".npz"):
        # An arrays file holds numbers and strings only (read without pickle): no trust needed,
        # but its card, if it has one beside it, must match.
        card = store.read_card(path) if Path(path).with_name(store.CARD_FILE).exists() else None
        return store.load_arrays(path, card)
    from govparse_ml.classifier.estimator import load_model  # scikit-learn: only for a joblib file

    return load_model(path, trust=trust)


def clear_caches() -> None:
    """Empty the shipped model's cache of text scores (the model stays loaded)."""
    if _default_model is not None and hasattr(_default_model, "clear_cache"):
        _default_model.clear_cache()
