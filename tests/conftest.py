"""Shared fixtures: the seed reports and their gold files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "training_data"
GOLD = TRAINING / "gold"
LABELED = TRAINING / "labeled"


def seed_names() -> list[str]:
    return sorted(p.name.removesuffix(".cells.jsonl") for p in GOLD.glob("*.cells.jsonl"))


def seed_text(name: str) -> str:
    """The seed's text, rebuilt from its labeled lines (the labeled file joins back to the document)."""
    rows = [json.loads(line) for line in (LABELED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    return "\n".join(r["text"] for r in rows)


def gold_cells(name: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / f"{name}.cells.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(params=seed_names())
def seed(request) -> str:
    return request.param
