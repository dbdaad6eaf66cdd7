"""Rewrite the shipped joblib model after its classes moved to other modules.

A pickle names each class by its module path, so moving ``LineClassifier`` (or a class it
holds) makes the old file unloadable although nothing in it changed. This reads the joblib file
with the old module names pointed at the new ones, writes it again and records the new hash in
the card. The arrays file (what ``parse`` loads) is not touched, so parse outputs cannot change.

    python scripts/repickle_model.py govparse_ml.classifier=govparse_ml.classifier.estimator \
        govparse_ml.features=govparse_ml.classifier.features
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import json
import sys
import types
from pathlib import Path

import joblib

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("moves", nargs="+", metavar="OLD=NEW", help="old module path = new module path")
    ap.add_argument("--models", type=Path, default=ROOT / "models")
    args = ap.parse_args(argv)
    card_path = args.models / "line_classifier.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    model_path = args.models / card["model_file"]
    data = model_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != card["model_sha256"]:
        print(f"{model_path} does not match its card; refusing to rewrite it", file=sys.stderr)
        return 1
    saved = {}
    for move in args.moves:
        old, new = move.split("=")
        alias = types.ModuleType(old)
        alias.__dict__.update(vars(importlib.import_module(new)))
        saved[old] = sys.modules.get(old)
        sys.modules[old] = alias
    try:
        model = joblib.load(io.BytesIO(data))
    finally:
        for old, module in saved.items():
            if module is None:
                del sys.modules[old]
            else:
                sys.modules[old] = module
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    new_data = buf.getvalue()
    joblib.load(io.BytesIO(new_data))  # loads with today's module paths
    model_path.write_bytes(new_data)
    card["model_sha256"] = hashlib.sha256(new_data).hexdigest()
    card["model_bytes"] = len(new_data)
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"rewrote {model_path} ({len(new_data):,} bytes), sha256 {card['model_sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
