"""The route corpus: generated reports rendered as web pages and extracted by real tools.

``training_data/routes/ROUTE.jsonl.gz`` holds, per extraction tool (a *route*: inscriptis,
html2text, BeautifulSoup, markdownify on the HTML page; pdfminer.six, PyMuPDF, pdftotext,
pdfplumber on its print; tesseract on the printed pages), one JSON object per document:
``name, seed, format, route, lines, labels, sure``. The labels were projected from the page's
truth by aligning the extracted text with it (``scripts/build_route_corpus.py``); a line whose
projection is unsure keeps its best label with ``sure`` false and is neither trained on nor
scored (its label reads as None here). ``truth.jsonl.gz`` holds the cells of every source
report (``seed, format, cells``), whatever tool extracted it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from govparse_ml.training.data import LabeledDocument, TrainingDataError

HTML_ROUTES = ("inscriptis", "html2text", "bs4", "markdownify")
PDF_ROUTES = ("pdfminer", "pymupdf", "pdftotext", "pdfplumber")
OCR_ROUTES = ("tesseract",)
# Source reports 0..69 of each format (seed offsets) are the training split, 70.. the test split.
TRAIN_SEEDS = 70


def routes_dir(data_dir: str | Path = "training_data") -> Path:
    return Path(data_dir) / "routes"


def available_routes(directory: str | Path) -> list[str]:
    d = Path(directory)
    return sorted(p.name.removesuffix(".jsonl.gz") for p in d.glob("*.jsonl.gz") if p.name != "truth.jsonl.gz")


def _records(path: Path) -> Iterable[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for i, row in enumerate(f, start=1):
                try:
                    yield json.loads(row)
                except json.JSONDecodeError as exc:
                    raise TrainingDataError(f"{path}, line {i}: not valid JSON ({exc.msg})") from None
    except (OSError, EOFError) as exc:
        raise TrainingDataError(f"{path}: cannot read: {exc}") from None


def truth_cells(directory: str | Path) -> dict[tuple[int, str], dict[tuple[str, str, str], Any]]:
    """``(seed, format) -> {(table, row, col): value}`` for every source report."""
    out = {}
    for r in _records(Path(directory) / "truth.jsonl.gz"):
        out[(int(r["seed"]), str(r["format"]))] = {(t, row, c): v for t, row, c, v in r["cells"]}
    return out


def split_of(seed: int) -> str:
    """The side ("train" or "test") of the source report ``seed``, whatever tool extracted it."""
    return "train" if seed % 10_000 < TRAIN_SEEDS else "test"


def read_routes(
    directory: str | Path,
    routes: Iterable[str] | None = None,
    *,
    split: str | None = None,
    per_format: int | None = None,
) -> list[LabeledDocument]:
    """The documents of ``routes`` (default: all in ``directory``) as labeled documents, unsure
    lines unlabelled. ``split`` ("train"/"test") keeps one side of the source seeds;
    ``per_format`` keeps at most that many documents per route and format (the first seeds)."""
    d = Path(directory)
    names = list(routes) if routes is not None else available_routes(d)
    docs: list[LabeledDocument] = []
    for route in names:
        kept: dict[str, int] = {}
        for r in _records(d / f"{route}.jsonl.gz"):
            fmt = r["format"]
            if split is not None and split_of(int(r["seed"])) != split:
                continue
            if per_format is not None and kept.get(fmt, 0) >= per_format:
                continue
            kept[fmt] = kept.get(fmt, 0) + 1
            lines = r["lines"]
            labels = [
                lab if lab is not None and sure and line.strip() else None
                for line, lab, sure in zip(lines, r["labels"], r["sure"], strict=True)
            ]
            docs.append(
                LabeledDocument(
                    r["name"],
                    lines,
                    labels,
                    "route",
                    meta={"route": route, "format": fmt, "seed": int(r["seed"])},
                )
            )
    return docs


# What ``govparse-ml train`` takes from the corpus: the training split of every non-OCR route,
# at most this many documents per route and format (the fit's time grows with the units).
TRAIN_PER_FORMAT: int | None = None
# Temperature of the shipped model's scores: the one that minimises the negative log-likelihood
# of the units of held-out tools (``scripts/route_eval.py loto``: each tool's units scored by the
# model trained without that tool; 1.894 over all eight). 1.0 when the corpus is absent.
TEMPERATURE = 1.89


def training_documents(data_dir: str | Path) -> tuple[list[LabeledDocument], list[Path]]:
    """The route documents ``govparse-ml train`` adds to its data, and the files they come from
    (none if ``data_dir`` has no ``routes/``)."""
    d = routes_dir(data_dir)
    if not (d / "truth.jsonl.gz").is_file():
        return [], []
    names = [r for r in available_routes(d) if r not in OCR_ROUTES]
    docs = read_routes(d, names, split="train", per_format=TRAIN_PER_FORMAT)
    return docs, [d / f"{r}.jsonl.gz" for r in names]
