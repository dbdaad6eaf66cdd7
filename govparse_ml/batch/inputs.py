"""The reports a batch parses: the INPUT arguments (files, directories, JSON Lines) as work items."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govparse_ml.batch.rows import clean_text
from govparse_ml.io.files import InputError, read_text

__all__ = ["Item", "collect_inputs", "jsonl_lines"]

INPUT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".docx", ".pdf"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(frozen=True)
class Item:
    """One report to parse: a file path, its bytes, or its text; or an error found before parsing."""

    id: str
    source: str
    path: str | None = None
    data: bytes | None = None
    text: str | None = None
    encoding: str | None = None
    error: str | None = None


def jsonl_lines(text: str) -> list[str]:
    """The records of a JSON Lines text: split on ``\\n`` (and ``\\r\\n``) only, as JSON Lines
    says. ``str.splitlines`` also splits on U+2028, U+2029, U+0085 and more, which JSON allows
    raw inside a string: it tore valid records apart and shifted every later ``FILE:LINE``."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _jsonl_items(path: Path, label: str) -> list[Item]:
    decoded = read_text(path, source=label)
    return [
        _jsonl_item(line, n, label, decoded.encoding)
        for n, line in enumerate(jsonl_lines(decoded.text), start=1)
        if line.strip()
    ]


def _jsonl_item(line: str, n: int, label: str, encoding: str) -> Item:
    """The item of line ``n`` of a JSON Lines input: its report, or why it has none."""
    source = f"{label}:{n}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Item(source, source, encoding=encoding, error=f"line {n} of {label} is not JSON: {exc}")
    except RecursionError:
        error = f"line {n} of {label} is JSON nested too deeply to read (a report is an object of id and text)"
        return Item(source, source, encoding=encoding, error=error)
    if not isinstance(obj, dict):
        return Item(source, source, encoding=encoding, error=f"line {n} of {label} is not an object")
    rid = obj.get("id")
    rid = source if rid is None or rid == "" else clean_text(rid if isinstance(rid, str) else _id_text(rid))
    text = obj.get("text")
    if not isinstance(text, str):
        what = 'has no "text"' if text is None else f'has a {type(text).__name__} "text", not a string'
        return Item(rid, source, encoding=encoding, error=f"line {n} of {label} {what}")
    return Item(rid, source, text=text, encoding=encoding)


def _id_text(rid: Any) -> str:
    try:
        return str(rid)
    except (RecursionError, ValueError):  # a deeply nested id; an int too long for str()
        return f"<{type(rid).__name__} id>"


def _directory_items(path: Path, arg: str, notes: list[str]) -> list[Item]:
    """The report files under a directory, sorted, hidden ones skipped; ids relative to it."""
    found = sorted(
        (p for p in path.rglob("*") if p.suffix.lower() in INPUT_SUFFIXES and p.is_file()),
        key=lambda p: p.relative_to(path).as_posix(),
    )
    found = [p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts)]
    if not found:
        notes.append(f"{arg}: no *.txt, *.md, *.html, *.htm, *.docx or *.pdf files in this directory")
    return [Item(p.relative_to(path).as_posix(), str(p), path=str(p)) for p in found]


def _unique_ids(items: list[Item], notes: list[str]) -> list[Item]:
    """The items with ids made unique by a ``#N`` suffix (and escaped where not valid Unicode)."""
    seen: dict[str, int] = {}
    unique: list[Item] = []
    renamed = 0
    for item in items:
        if clean_text(item.id) != item.id:  # an undecodable byte in a file name
            item = dataclasses.replace(item, id=clean_text(item.id))
        n = seen.get(item.id, 0) + 1
        seen[item.id] = n
        if n > 1:
            renamed += 1
            new_id = f"{item.id}#{n}"
            while new_id in seen:
                n += 1
                new_id = f"{item.id}#{n}"
            seen[new_id] = 1
            item = dataclasses.replace(item, id=new_id)
        unique.append(item)
    if renamed:
        notes.append(
            f"{renamed} duplicate ids made unique with a #N suffix (e.g. the same file name in two directories)"
        )
    return unique


def collect_inputs(inputs: Sequence[str]) -> tuple[list[Item], list[str]]:
    """The items of the INPUT arguments, in order, and notes for the user.

    A directory gives its ``*.txt``, ``*.md``, ``*.html``, ``*.htm``, ``*.docx`` and ``*.pdf`` files (recursively, sorted, hidden ones skipped)
    with ids relative to it; a ``.jsonl`` gives one item per line; any other file is one report,
    its id the path as given. Raises InputError if an input does not exist.
    """
    missing = [p for p in inputs if not os.path.exists(p)]
    if missing:
        raise InputError(f"no such file or directory: {', '.join(missing)}")
    items: list[Item] = []
    notes: list[str] = []
    for arg in inputs:
        path = Path(arg)
        if path.is_dir():
            items.extend(_directory_items(path, arg, notes))
        elif path.suffix.lower() in JSONL_SUFFIXES:
            items.extend(_jsonl_items(path, arg))
        else:
            items.append(Item(Path(arg).as_posix(), arg, path=arg))
    return _unique_ids(items, notes), notes
