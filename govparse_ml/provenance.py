"""Which code, schema and model made an output: recorded in the JSON of a report, the
metadata of a parquet file and the manifest of a batch, so that outputs of different
versions are never mixed unawares (``batch --resume`` refuses to, unless asked)."""

from __future__ import annotations

from typing import Any

from govparse_ml.format import schema

PARSER = "govparse-ml"
# The fields two runs must share for their rows to be one dataset.
IDENTITY_FIELDS = ("parser_version", "schema_version", "model_sha256", "threshold")


def parser_version() -> str:
    from govparse_ml._version import __version__

    return __version__


def model_sha256(model: Any) -> str | None:
    """The SHA-256 of the file a loaded model was read from (None: rules only or unknown)."""
    return getattr(model, "sha256", None) if model is not None else None


def describe(model: Any, threshold: float | None = None) -> dict[str, Any]:
    """The provenance of outputs made with ``model`` (a loaded model, ``None`` for the rules, or
    ``"default"``, resolved to the shipped model as ``parse`` resolves it)."""
    from govparse_ml.classifier.features import FEATURE_VERSION

    if isinstance(model, str) and model == "default":
        from govparse_ml.classifier.resolve import resolve

        model = resolve("default", [])
    sha = model_sha256(model)
    out: dict[str, Any] = {
        "parser": PARSER,
        "parser_version": parser_version(),
        "schema_version": schema.SCHEMA_VERSION,
        "feature_version": FEATURE_VERSION,
        "labels_by": "rules" if model is None else "model",
        "model_sha256": sha if model is not None else None,
    }
    if threshold is not None:
        out["threshold"] = threshold
    return out


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two provenances in the fields that make rows comparable."""
    out = []
    for key in IDENTITY_FIELDS:
        if key in old or key in new:
            a, b = old.get(key), new.get(key)
            if a != b:
                out.append(f"{key} {a if a is not None else '(none)'} → {b if b is not None else '(none)'}")
    return out
