"""The labeled documents of training and evaluation, read and checked.

Real documents: ``DATA/labeled/*.jsonl``, one ``{"text", "label"}`` object per physical line (see
``training_data/README.md``), with their gold cells in ``DATA/gold/NAME.cells.jsonl``. Generated
documents: from :mod:`govparse_ml.synth.generate`, deterministic from the seed, every layout and
both formats in turn.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from govparse_ml.document import LABELS
from govparse_ml.format import schema
from govparse_ml.io.files import InputError, read_bytes
from govparse_ml.synth.generate import LAYOUTS, generate
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import Unit, split_units

# Generated documents added to the real ones by default: measured (see models/README.md), the
# held-out scores stop improving well before this and training stays under a minute.
DEFAULT_N_GENERATED = 400
# Generated documents for held-out scores use seeds from here on: never trained on.
HELDOUT_SEED_BASE = 1_000_000


class TrainingDataError(InputError):
    """A labeled file that cannot be used; the message names the file and the line."""


@dataclass
class LabeledDocument:
    """One labeled document: its physical lines and their labels (None for blank lines)."""

    name: str
    lines: list[str]
    labels: list[str | None]
    source: str = "file"  # "file" | "generated" | "route"
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def units(self) -> tuple[list[Unit], list[str | None], list[str | None]]:
        """The units ``parse`` cuts this document into, the label each inherits from its line,
        and the gold label of each of ``parse``'s lines (``split_lines`` of the text)."""
        text = self.text
        pipeline_lines = split_lines(text)
        # A \r inside a labeled line: parse sees more lines; each keeps its labeled line's label.
        same = len(pipeline_lines) == len(self.lines)
        gold = list(self.labels) if same else _realign(self.lines, self.labels, text)
        gold = [g if pl.strip() else None for g, pl in zip(gold, pipeline_lines, strict=True)]
        units = split_units(pipeline_lines)
        return units, [gold[u.line - 1] for u in units], gold


def _realign(lines: list[str], labels: list[str | None], text: str) -> list[str | None]:
    starts = np.cumsum([0] + [len(t) + 1 for t in lines[:-1]])
    breaks = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    return [labels[int(np.searchsorted(starts, b, side="right")) - 1] for b in breaks]


# --------------------------------------------------------------------------- labeled files


def _decoded(path: Path, raw: bytes, advice: str = "") -> str:
    """The file's text without its BOM; a TrainingDataError naming the line that is not UTF-8."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise TrainingDataError(f"{path}, line {line_no}: not UTF-8 ({exc.reason}){advice}") from None


def _read(path: Path) -> bytes:
    try:
        return read_bytes(path)  # a regular file of bounded size: a FIFO would hang, /dev/zero eat the memory
    except InputError as exc:
        raise TrainingDataError(str(exc)) from None


def _json_object(row: str, where: str) -> dict[str, Any]:
    if not row.strip():
        raise TrainingDataError(f'{where}: empty line (a blank input line is {{"text": "", "label": null}})')
    try:
        obj = json.loads(row)
    except json.JSONDecodeError as exc:
        raise TrainingDataError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise TrainingDataError(
            f'{where}: expected a JSON object {{"text": ..., "label": ...}}, got {type(obj).__name__}'
        )
    for key in ("text", "label"):
        if key not in obj:
            raise TrainingDataError(f"{where}: missing field {key!r}")
    return obj


def _labeled_line(row: str, where: str) -> tuple[str, str | None]:
    """The text and label of one row of a labeled file, checked."""
    obj = _json_object(row, where)
    text, label = obj["text"], obj["label"]
    if not isinstance(text, str):
        raise TrainingDataError(f"{where}: field 'text' must be a string, not {type(text).__name__}")
    if "\n" in text:
        raise TrainingDataError(f"{where}: field 'text' holds a line break: one object per line")
    if label is not None and label not in LABELS:
        raise TrainingDataError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)} or null)")
    blank = not text.strip()
    if blank and label is not None:
        raise TrainingDataError(f"{where}: a blank line has label {label!r}; blank lines have label null")
    if not blank and label is None:
        raise TrainingDataError(f"{where}: label null on a line with text; give it one of {', '.join(LABELS)}")
    return text, label


def read_labeled_file(path: str | os.PathLike) -> LabeledDocument:
    """Read and check one ``NAME.jsonl`` file; raises :class:`TrainingDataError` naming the
    file and the line of the first problem."""
    p = Path(path)
    rows = _decoded(p, _read(p)).split("\n")
    if rows and rows[-1] == "":
        rows.pop()  # the file's final newline
    pairs = [_labeled_line(row, f"{p}, line {i}") for i, row in enumerate(rows, start=1)]
    if not pairs:
        raise TrainingDataError(f"{p}: no lines")
    return LabeledDocument(p.stem, [t for t, _ in pairs], [lab for _, lab in pairs], "file", p)


def labeled_files(data_dir: str | os.PathLike) -> list[Path]:
    """The labeled files of a data directory: ``DATA/labeled/*.jsonl`` (or ``DATA/*.jsonl``)."""
    d = Path(data_dir)
    if not d.is_dir():
        raise TrainingDataError(f"{d}: no such data directory")
    sub = d / "labeled"
    return sorted(sub.glob("*.jsonl")) if sub.is_dir() else sorted(d.glob("*.jsonl"))


def read_labeled_dir(data_dir: str | os.PathLike) -> list[LabeledDocument]:
    return [read_labeled_file(f) for f in labeled_files(data_dir)]


# --------------------------------------------------------------------------- gold cells


def gold_path(data_dir: str | os.PathLike, name: str) -> Path:
    return Path(data_dir) / "gold" / f"{name}.cells.jsonl"


def gold_of(doc: LabeledDocument, data_dir: Path | None) -> Path | None:
    """The gold cells of a labeled document: ``DATA/gold/NAME.cells.jsonl`` of the data
    directory its file is in (``DATA/labeled/NAME.jsonl`` or ``DATA/NAME.jsonl``)."""
    if doc.path is not None:
        parent = doc.path.parent
        root = parent.parent if parent.name == "labeled" else parent
        return gold_path(root, doc.name)
    return gold_path(data_dir, doc.name) if data_dir is not None else None


def read_gold(path: Path) -> list[dict[str, Any]]:
    """The gold cells of a document: one ``{table, row, col, value, raw}`` object per line."""
    content = _decoded(path, _read(path), ": save the gold file as UTF-8")
    cells = []
    for i, row in enumerate(content.split("\n"), start=1):
        if not row.strip():
            continue
        try:
            obj = json.loads(row)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{path}, line {i}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not {"table", "row", "col", "value", "raw"} <= obj.keys():
            raise TrainingDataError(f"{path}, line {i}: expected an object with table, row, col, value, raw")
        cells.append(obj)
    return cells


# --------------------------------------------------------------------------- generated documents


def generated_documents(seed: int, n: int, *, layouts: Sequence[str] | None = None) -> list[LabeledDocument]:
    """``n`` generated documents, deterministic from ``seed``: layouts and formats in turn, so
    that every layout and both formats are present in any run of a few dozen."""
    layouts = tuple(layouts or LAYOUTS)
    docs = []
    for i in range(n):
        layout = layouts[i % len(layouts)]
        fmt = schema.FORMATS[(i // len(layouts)) % len(schema.FORMATS)]
        g = generate(seed * 100_003 + i, format_version=fmt, layout=layout)
        lines = g.text.split("\n")
        labels = [lab if t.strip() else None for t, lab in zip(lines, g.labels, strict=True)]
        docs.append(
            LabeledDocument(
                f"generated-{seed}-{i}-{layout}-{fmt}",
                lines,
                labels,
                "generated",
                meta={"layout": layout, "format": fmt, "cells": g.cells},
            )
        )
    return docs


# --------------------------------------------------------------------------- what a model was trained on


def data_hashes(files: Iterable[Path]) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def documents_hash(docs: Iterable[LabeledDocument]) -> str:
    """SHA-256 of documents as labeled JSONL (what a generated training set was, exactly)."""
    h = hashlib.sha256()
    for doc in docs:
        for text, label in zip(doc.lines, doc.labels, strict=True):
            h.update(json.dumps({"text": text, "label": label}, ensure_ascii=False).encode("utf-8") + b"\n")
        h.update(b"\x00")
    return h.hexdigest()
