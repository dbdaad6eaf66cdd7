"""The token stream of a table's text: labels (any text) and values (numbers and null marks).

Each unit is a row; its layout reader (:mod:`govparse_ml.tables.layouts`) gives its cells, and
each cell gives its label and value pieces, with the line, unit and cell they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from govparse_ml.format import schema
from govparse_ml.format.vocabulary import VALUE_UNIT
from govparse_ml.tables.layouts import FILLER, ends_in_layout_tab, row_cells
from govparse_ml.text.units import Unit

_CJK = "\u4e00-\u9fff"
# Text whose digits belong to a label: notes in brackets, item numbers, years, page refs.
_PROTECTED = re.compile(
    rf"[(（][^()（）{_CJK}]*[{_CJK}][^()（）]*[)）]"  # no CJK before the first: linear, not quadratic
    rf"|(?<![\d.])[1-9]\d?\s*[.．、](?=\s*[{_CJK}“\"])"  # item numbers start at 1: "03.补正" is 0, then 3.
    r"|(?:19|20)\d{2}\s*年度?"
    r"|第\s*\d+\s*[页条项]"
    r"|增\s*/\s*减"
    r"|(?<!\d)\d+\s*位小数|保留\s*\d+\s*位"  # from the start of a digit run only: linear, not quadratic
)
# Units written after a number in a cell ("12件", "3.5万元"): part of the value's text.
_UNITS = VALUE_UNIT
_NUMBER = r"[-+]?\d+(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?"
_NULL = r"/|／|-{1,2}|—{1,2}|－|–|无(?!\s*[" + _CJK + r"])"
_PIECE = re.compile(
    rf"(?P<num>{_NUMBER})(?P<unit>{_UNITS})?|(?P<null>(?<!\S)(?:{_NULL})(?!\S))|(?P<text>[^\s\d+\-/／—－–无]+|\S)"
)
_ITEM_AFTER = re.compile(rf"[.．、]\s*[{_CJK}]")
_PLACEHOLDER = re.compile(schema.PLACEHOLDER_HEADER)
_WHOLE_VALUE = re.compile(rf"^\s*(?:(?P<num>{_NUMBER})(?:{_UNITS})?|(?P<null>{_NULL}))\s*$")


# The most digits a count or amount alone in its cell or on its line is read with as one
# number; a longer run is cells run together (a page's table text with its cell breaks lost).
MAX_WHOLE_DIGITS = 9


def one_number(digits: str) -> bool:
    """Whether a run of digits alone in its cell or line can be one number: not written with a
    leading zero ("043182250911013" is fifteen cells of one digit) and not too long."""
    return len(digits) == 1 or (digits[0] != "0" and len(digits) <= MAX_WHOLE_DIGITS)


@dataclass(slots=True)
class Token:
    kind: (
        str  # "label" | "value" | "empty" | "lead" (an empty cell before a row's first value) | "slot" (an empty line)
        # | "cell" (an empty line that is an empty cell) | "break" (an empty line that ends a row)
    )
    text: str
    line: int
    unit: int  # index of the unit (a physical row) the token came from
    tail: bool = False  # a value whose digits run straight into an item number ("…00002.其他")
    cell: int = 0  # index of the cell within its unit
    whole: bool = False  # a value that is a whole cell (its row has cell separators, or it is all its line)
    grid: bool = False  # from a row with cell separators: ``cell`` is its column in the row


# The token of an empty line between table lines, by its cut (stage.table_units).
_EMPTY_LINE_TOKENS = {"blank": "slot", "cell": "cell", "break": "break"}


def tokenize(units: list[Unit]) -> list[Token]:
    """The token stream of the table units, in order."""
    out: list[Token] = []
    layout_tab: list[bool] | None = None  # worked out when a row ends with a tab (most texts: none)
    for index, unit in enumerate(units):
        text = unit.text
        if not text:  # an empty line between table lines (stage.table_units): a slot, or told apart
            out.append(Token(_EMPTY_LINE_TOKENS.get(unit.cut, "slot"), "", unit.line, index))
            continue
        if layout_tab is None and text.endswith("\t") and not FILLER.fullmatch(text):
            layout_tab = ends_in_layout_tab(units)
        cells, grid = row_cells(text, layout_tab is not None and layout_tab[index])
        if grid:
            _grid_tokens(out, cells, unit.line, index)
        elif not cells:
            continue  # markdown separators and filler bars
        elif (cell := cells[0]).isdigit() and cell.isascii():  # the commonest row of one cell: a plain count
            out.append(Token("value", cell, unit.line, index, False, 0, one_number(cell)))
        else:  # a row that is one cell: no empties to place
            _cell_tokens(out, cell, unit.line, index, 0, whole_line=True)
    _vertical_wu(out)
    return out


def _grid_tokens(out: list[Token], cells: tuple[str, ...], line: int, index: int) -> None:
    """The tokens of a row of cells, its empty cells placed (:func:`_place_empties`)."""
    row: list[Token] = []
    empties: list[tuple[int, int]] = []  # (index in ``row`` it stands before, position) of each empty cell
    for position, cell in enumerate(cells):
        stripped = cell.strip()
        if not stripped:
            empties.append((len(row), position))
        elif stripped.isdigit() and stripped.isascii():  # inlined, as above
            row.append(Token("value", stripped, line, index, False, position, one_number(stripped), True))
        elif stripped[-1].isdigit() and _PLACEHOLDER.fullmatch(stripped):  # (placeholders end in their number)
            continue  # a converter's header over a table that had none: no label, no cell
        else:  # (not a plain count: its pieces)
            _piece_tokens(row, cell, line, index, position, True, True)
    if empties:
        _place_empties(out, row, empties, line, index)
    else:
        out.extend(row)


def _vertical_wu(tokens: list[Token]) -> None:
    """A 无 that is the first character of a label broken over lines is not a null cell:
    ``（四）无`` / ``法提供`` (the label's cell ends in it and the next line goes on with
    label text) or a vertical label written down the page (``无`` alone between one-character
    label lines)."""
    # Only a 无 token can change, and it only ever becomes a label: visiting the 无 tokens in
    # order sees the same neighbours as visiting every token.
    last = len(tokens) - 1
    for i in [i for i, t in enumerate(tokens) if t.text == "无"]:
        if i == 0 or i == last:
            continue
        t, before, after = tokens[i], tokens[i - 1], tokens[i + 1]
        if t.kind != "value" or before.kind != "label" or after.kind != "label":
            continue
        vertical = before.unit != t.unit != after.unit and len(before.text) <= 3 and len(after.text) <= 3
        broken = before.unit == t.unit and before.cell == t.cell and after.unit != t.unit
        if vertical or broken:
            t.kind = "label"


def _cell_tokens(
    out: list[Token],
    cell: str,
    line: int,
    index: int,
    position: int,
    whole_cell: bool = False,
    whole_line: bool = False,
) -> None:
    """Append the tokens of one cell to ``out``.

    A value is whole (never cut as glued digits) if it is alone in a cell of a row with cell
    separators (``whole_cell``), or alone on its line (``whole_line``): only digits inside
    running text can be glued together.
    """
    stripped = cell.strip()
    if stripped.isdigit() and stripped.isascii():  # the commonest cell: a plain count
        whole = (whole_cell or whole_line) and one_number(stripped)
        out.append(Token("value", stripped, line, index, False, position, whole, whole_cell))
        return
    _piece_tokens(out, cell, line, index, position, whole_cell or whole_line, whole_cell)


def _piece_tokens(out: list[Token], cell: str, line: int, index: int, position: int, whole: bool, grid: bool) -> None:
    """Append the tokens of a cell's pieces (:func:`cell_pieces`); a value alone in the cell is ``whole``."""
    pieces = cell_pieces(cell)
    if len(pieces) == 1:  # most cells (a comprehension for one item is a function call more)
        kind, text, tail = pieces[0]
        out.append(Token(kind, text, line, index, tail, position, whole, grid))
    else:
        out.extend([Token(kind, text, line, index, tail, position, False, grid) for kind, text, tail in pieces])


@lru_cache(maxsize=16384)
def cell_pieces(cell: str) -> tuple[tuple[str, str, bool], ...]:
    """``(kind, text, tail)`` of the label and value pieces of one cell.

    Cached: row labels and headers are the same in every report of a format.
    """
    if _WHOLE_VALUE.match(cell):
        return (("value", cell.strip(), False),)
    # Mask the digits that are part of label text, then scan.
    masked = _PROTECTED.sub(lambda m: "#" * len(m.group(0)), cell)
    pieces: list[tuple[str, str, bool]] = []
    label: list[str] = []
    for m in _PIECE.finditer(masked):
        if m.group("text") is not None:
            label.append(cell[m.start() : m.end()])
            continue
        if label:
            pieces.append(("label", "".join(label), False))
            label = []
        end = m.end()
        tail = m.group("num") is not None and _ITEM_AFTER.match(masked, end) is not None
        pieces.append(("value", cell[m.start() : end], tail))
    # Label characters separated only by spaces stay one label ("不予公 开").
    if label:
        pieces.append(("label", "".join(label), False))
    merged: list[tuple[str, str, bool]] = []
    for piece in pieces:
        if merged and piece[0] == "label" and merged[-1][0] == "label":
            merged[-1] = ("label", merged[-1][1] + piece[1], False)
        else:
            merged.append(piece)
    return tuple(merged)


def _place_empties(out: list[Token], row: list[Token], empties: list[tuple[int, int]], line: int, index: int) -> None:
    """Append ``row`` to ``out`` with its empty cells placed: an empty cell between two values is
    kept; those between the label and the first value (``lead``) and after the last value
    (``trail``) are counted, as they place a row's values when some of its cells are blank; the
    others (layout before the label, or in a row with no value) are dropped.

    ``empties`` holds where each empty cell stands: before ``row[k]``. Only the empty cells
    kept become tokens (a quarter of a tab table's cells are empty, most of them layout)."""
    kinds = [t.kind for t in row]
    if "value" not in kinds:
        out.extend(row)
        return
    if empties[0][0] == len(row):  # all after the row's last token (a row's trailing cells): counted
        out.extend(row)
        out.extend([Token("trail", "", line, index) for _ in empties])
        return
    first = kinds.index("value")
    last = len(kinds) - 1 - kinds[::-1].index("value")
    label = kinds.index("label") if "label" in kinds else -1
    # Empties after the first label count, and in a row of values only, its leading empties too.
    lead_after = -1 if label < 0 else min(label, first)
    done = 0
    for k, position in empties:
        if k <= lead_after:
            continue
        out.extend(row[done:k])
        done = k
        if k <= first:
            out.append(Token("lead", "", line, index))
        elif k <= last:
            out.append(Token("empty", "", line, index, False, position, False, True))
        else:
            out.append(Token("trail", "", line, index))
    out.extend(row[done:])
