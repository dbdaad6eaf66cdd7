"""The ways a table row's cells are written, one registered reader each.

A reader takes the text of a row (its edges trimmed by :func:`row_edges`) and gives its cells,
or None when the row is not written its way. The first reader that takes a row reads it
(:func:`read_row`). Adding a layout is one function here, registered by :func:`layout_reader`.

Readers of a grid (tab rows, markdown ``|`` rows, runs of spaces) give the row's cells in
column order: an empty string is an empty cell. The reader of a row that is one cell (a
table written one cell per line) gives that cell alone, and its position counts for nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from govparse_ml.format import schema
from govparse_ml.text.units import Unit

# A tab, a bar or a run of spaces: where the cells of a row part when separators are mixed.
CELL_SPLIT = re.compile(r"\t|\||\s{2,}")
# A space (not a tab) with white space after it: where CELL_SPLIT may cut other than at a tab.
_WIDE_GAP = re.compile(r"[^\S\t]\s")
_HAS_DIGIT = re.compile(r"\d")
# A row of markdown separators and filler bars: no cells.
FILLER = re.compile(r"[\s|:\-—=+_]*")

CellReader = Callable[[str], list[str] | None]


@dataclass(frozen=True, slots=True)
class LayoutReader:
    """One way a row's cells are written."""

    name: str
    cells: CellReader  # the row's cells, or None if the row is not written this way
    grid: bool  # its cells are columns of a row (a cell's position in the row counts)


# Tried in order; the readers' conditions do not overlap but for the last, which takes the rest.
READERS: list[LayoutReader] = []


def layout_reader(name: str, *, grid: bool = True, before: str | None = None) -> Callable[[CellReader], CellReader]:
    """Register a reader, last or before the reader named ``before``."""

    def register(cells: CellReader) -> CellReader:
        at = next((i for i, r in enumerate(READERS) if r.name == before), len(READERS))
        READERS.insert(at, LayoutReader(name, cells, grid))
        row_cells.cache_clear()
        return cells

    return register


def read_row(text: str) -> tuple[list[str], bool]:
    """The cells of a row and whether they are a grid's, by the first reader that takes it."""
    for reader in READERS:
        cells = reader.cells(text)
        if cells is not None:
            return cells, reader.grid
    return [text], False  # (unreachable while the last reader takes every row)


@lru_cache(maxsize=16384)
def row_cells(text: str, layout_tab: bool) -> tuple[tuple[str, ...], bool]:
    """:func:`read_row` of a row's text without its edges (:func:`row_edges`), the cells a tuple;
    none for a row of filler (:data:`FILLER`).

    Cached: header rows, label rows and rows of zeros recur from report to report (registering
    a reader empties the cache)."""
    if FILLER.fullmatch(text):
        return (), False
    cells, grid = read_row(row_edges(text, layout_tab))
    return tuple(cells), grid


@layout_reader("line", grid=False)
def one_cell(text: str) -> list[str] | None:
    """A row with no separator is one cell: a table written one cell per line, or a line of
    running text."""
    if "\t" in text or "|" in text or "  " in text:
        return None
    return [text]


@layout_reader("markdown")
def markdown_row(text: str) -> list[str] | None:
    """``| 予以公开 | 258 | 12 |``: the bars are the cells' edges; spaces inside are padding."""
    if "|" not in text or "\t" in text:
        return None
    return text.split("|")


# Tried first: a row with a tab is taken by none of the readers before it in the order of their
# registration (CSV, one cell, markdown), and tab rows are the commonest in a table's text.
@layout_reader("tab", before="line")
def tab_row(text: str) -> list[str] | None:
    """Cells parted by tabs (a word processor's or a spreadsheet's text), no wide gap between them.

    Cut by str.split where CELL_SPLIT would cut the same, 3 times as fast.
    """
    if "\t" not in text or "|" in text or _WIDE_GAP.search(text) is not None:
        return None
    return text.split("\t")


@layout_reader("spaces")
def spaced_row(text: str) -> list[str] | None:
    """Cells parted by runs of spaces (a PDF's text), or by tabs, bars and spaces mixed: the rest."""
    return CELL_SPLIT.split(text)


# A number written with thousands separators ("1,234") not after a comma or a quote: text (a
# PDF's "行政许可 1,242", "合计1,234"), where the comma is no cell's edge. A CSV row quotes such
# a number, and a field after a comma is a cell of its own ("行政许可,114,-4,103": -4 and 103).
_GROUPED_NUMBER = re.compile(r'(?<![\d,"+-])[-+]?\d{1,3}(?:,\d{3})+(?!\d)')
# A CSV field that is a value or blank: a number (quoted if it has thousands separators) or a null mark.
_CSV_VALUE = re.compile(r"|[-+]?\d+(?:,\d{3})*(?:\.\d+)?|" + "|".join(map(re.escape, sorted(schema.NULL_MARKERS))))
_MASK = "\ue000"  # stands for a comma inside brackets while csv cuts the row (NUL is not fine on Python 3.10)
# In no CSV row: another layout's separators, a sentence's end, the mask.
_NOT_CSV = ("\t", "|", "  ", "。", _MASK)


@layout_reader("csv", before="line")
def csv_row(text: str) -> list[str] | None:
    """``予以公开,258,12,,,1,1,``: a spreadsheet's "Save as CSV" (or csv.writer): cells parted by
    commas, an empty field an empty cell, a field with a comma in it (``"1,234"``) in quotes.

    Text is normalised with half-width commas, so the commas of a label or a sentence are told
    apart from cell edges: a label's sit inside brackets (``(区分处理的,只计这一情形)``), and a
    line with a full stop is running text.
    """
    if "," not in text or any(s in text for s in _NOT_CSV) or _GROUPED_NUMBER.search(text):
        return None
    try:
        cells = next(csv.reader([_mask_bracketed(text)]))
    except csv.Error:  # a stray quote: not a CSV row
        return None
    return [cell.replace(_MASK, ",") for cell in cells] if _row_of_cells(cells) else None


def _row_of_cells(fields: list[str]) -> bool:
    """Whether the fields a row's commas part are a table row's cells, not pieces of text."""
    if len(fields) < 2 or any(f.count("(") != f.count(")") for f in fields):
        return False  # a bracket left open: the comma cut a label
    # Two fields of text are a sentence cut at its comma; a row has a value, a blank or 3 cells.
    return len(fields) > 2 or any(_CSV_VALUE.fullmatch(f.strip()) for f in fields)


def _mask_bracketed(text: str) -> str:
    """The text with the commas inside brackets masked: they are a label's, not cell edges."""
    if "(" not in text:
        return text
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        out.append(_MASK if ch == "," and depth else ch)
    return "".join(out)


def row_edges(text: str, layout_tab: bool) -> str:
    """A row's text without the empty cells at its edges that are layout, not cells.

    Empty cells before a row's first cell are layout (merged cells), unless the row holds
    values only; a markdown row's outer bars are its edges; a tab after the last cell is a
    cell unless it is a tool's (``layout_tab``: see :func:`ends_in_layout_tab`).
    """
    core = text.strip(" \t|")
    if "\t" not in core and "|" not in core:
        return core  # one cell (or cells set apart by runs of spaces): tabs and bars around it are layout
    if core[0].isdigit():  # a row of values only: the empty cells before its first value are cells
        text = text.strip(" ")
        text = text[1:] if text.startswith("|") else text  # (but a markdown row's left edge)
    else:
        text = text.lstrip(" \t|").rstrip(" ")  # empty cells before a label are layout
    if text.endswith("|"):
        return text[:-1].rstrip(" ")  # a markdown row's right edge
    if layout_tab and text.endswith("\t"):
        text = text[:-1]
    return text


def ends_in_layout_tab(units: list[Unit]) -> list[bool]:
    """For each unit, whether its table's tab rows end with a tab a tool added: nine in ten of
    the rows with numbers do, in its run of table lines (the blank lines between them are
    units too: a line between two units is another label's, a heading between two tables)."""
    flags = [False] * len(units)
    start = 0
    for end in range(1, len(units) + 1):
        if end < len(units) and units[end].line - units[end - 1].line <= 1:
            continue
        rows = [
            u.text.rstrip(" ")
            for u in units[start:end]
            if "\t" in u.text and "|" not in u.text and _HAS_DIGIT.search(u.text)
        ]
        if len(rows) >= 3 and sum(r.endswith("\t") for r in rows) >= 0.9 * len(rows):
            flags[start:end] = [True] * (end - start)
        start = end
    return flags
