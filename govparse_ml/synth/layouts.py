"""The text layouts: the damaged forms a report's text arrives in, each registered by name.

A layout prints a table as chunks of lines, one chunk per logical row (tab rows, one cell per
line, ``|`` fragments, PDF columns, OCR noise, …). A few also change the report around their
tables (``damage``: parts left out, zeros left blank, a row dropped) or the whole text
(``whole``: all on one line). ``LAYOUTS`` is the order of registration, which a random report
draws from: adding a layout is one function here under ``@layout("name")``, appended at the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from govparse_ml.format import schema
from govparse_ml.synth.context import OTHER, TABLE, Chunks, Context, Line, TableRenderer
from govparse_ml.synth.missing import apply_missing, drop_rows
from govparse_ml.synth.style import styled
from govparse_ml.synth.tables import APP_NOTE, Row, Table, printed_cells
from govparse_ml.synth.values import CellId, Value, application_shape

# What a layout's damage left out of the truth: the ``missing`` entries, and cells printed blank.
Damage = tuple[list[str], set[CellId]]


@dataclass(frozen=True)
class Layout:
    """How a report is printed: its tables (``render``) and what else it does to the report."""

    name: str
    render: TableRenderer | None  # None: the tables are printed by one of ``bases``
    variants: tuple[str, ...] = ("",)  # sub-styles, one drawn per report (``Context.variant``)
    bases: tuple[str, ...] = ()  # layouts that print the tables, one drawn per report
    markdown: bool = False  # its headings may be marked with ``##``
    damage: Callable[[Context, dict[CellId, Value]], Damage] | None = None  # before the text is written
    whole: Callable[[list[Line], random.Random], list[Line]] | None = None  # on the finished lines


REGISTRY: dict[str, Layout] = {}


def _register(spec: Layout) -> None:
    if spec.name in REGISTRY:
        raise ValueError(f"layout {spec.name!r} registered twice")
    REGISTRY[spec.name] = spec


def layout(
    name: str,
    *,
    variants: tuple[str, ...] = ("",),
    markdown: bool = False,
    damage: Callable[[Context, dict[CellId, Value]], Damage] | None = None,
    whole: Callable[[list[Line], random.Random], list[Line]] | None = None,
) -> Callable[[TableRenderer], TableRenderer]:
    """Register the decorated table renderer as layout ``name`` (the options: see :class:`Layout`)."""

    def register(render: TableRenderer) -> TableRenderer:
        _register(Layout(name, render, variants, markdown=markdown, damage=damage, whole=whole))
        return render

    return register


def renderer(name: str) -> TableRenderer:
    """The table renderer of layout ``name``."""
    render = REGISTRY[name].render
    if render is None:
        raise ValueError(f"layout {name!r} prints its tables with another layout")
    return render


# --------------------------------------------------------------------------- shared pieces


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _split_point(text: str, rng: random.Random) -> int:
    """A position inside ``text`` that does not cut a number or its ``1.`` numbering."""
    guarded = "0123456789.．"
    positions = [i for i in range(1, len(text)) if text[i - 1] not in guarded and text[i] not in guarded]
    return rng.choice(positions) if positions else len(text) // 2


def _tab_chunks(table: Table, ctx: Context, mode: str | None = None) -> Chunks:
    rng = ctx.rng
    if mode is None:
        mode = rng.choice(("grid", "grid", "compact", "trim")) if table.n_labels > 1 else rng.choice(("grid", "trim"))
    trail = "\t" if rng.random() < 0.25 else ""
    return [[("\t".join(printed_cells(row, ctx.raw, mode)[0]) + trail, TABLE)] for row in table.rows]


_CELL_PADS = ("", "", "", " ", "  ", "\u3000\u3000      ", "        ", "\u3000")


def _cell_lines(row: Row, ctx: Context, prefix: str, mode: str) -> list[Line]:
    rng = ctx.rng
    cells, n_labels = printed_cells(row, ctx.raw, mode)
    lines: list[Line] = []
    for i, cell in enumerate(cells):
        if i >= n_labels and cell:
            lines.append((prefix + rng.choice(_CELL_PADS) + cell + rng.choice(("", "", " ")), TABLE))
        elif row.kind == "header" and len(cell) >= 4 and rng.random() < 0.3:
            cut = _split_point(cell, rng)
            lines += [(prefix + cell[:cut], TABLE), (cell[cut:], TABLE)]
        else:
            lines.append((prefix + cell, TABLE))
    return lines


def _md_line(cells: list[str], spaced: bool) -> str:
    return "| " + " | ".join(cells) + " |" if spaced else "|" + "|".join(cells) + "|"


def _md_separator(n: int, rng: random.Random) -> str:
    cell = rng.choice(("---", "---", ":---:", "--------", " --- "))
    return "|" + "|".join([cell] * n) + "|"


def _padded(cells: list[str], width: int) -> list[str]:
    return cells + [""] * (width - len(cells))


# --------------------------------------------------------------------------- the layouts


@layout("tab_rows")
def _tab_rows(table: Table, ctx: Context) -> Chunks:
    """One row per line, cells separated by tabs."""
    return _tab_chunks(table, ctx)


@layout("cell_per_line")
def _cell_per_line(table: Table, ctx: Context) -> Chunks:
    """One cell per line, a blank line after each row."""
    prefix = ctx.rng.choice(("\t", "\t", "    ", ""))
    mode = ctx.rng.choice(("grid", "compact"))
    return [[*_cell_lines(row, ctx, prefix, mode), ("", None)] for row in table.rows]


@layout("pipe_cells")
def _pipe_cells(table: Table, ctx: Context) -> Chunks:
    """``cell |`` fragments, one per line, rows separated by runs of ``|``."""
    rng = ctx.rng
    chunks: Chunks = []
    for index, row in enumerate(table.rows):
        lines: list[Line] = [(cell + " |", TABLE) for cell in printed_cells(row, ctx.raw, "trim")[0] if cell]
        if index < len(table.rows) - 1:
            lines.append(("|" * rng.randint(1, 13), TABLE))
        chunks.append(lines)
    return chunks


@layout("one_line_table")
def _one_line_table(table: Table, ctx: Context) -> Chunks:
    """The whole table on one line, cells separated by spaces, some header cells split."""
    rng = ctx.rng
    tokens: list[str] = []
    for row in table.rows:
        for cell in printed_cells(row, ctx.raw, "trim")[0]:
            if row.kind == "header" and len(cell) >= 5 and rng.random() < 0.3:
                cut = _split_point(cell, rng)
                cell = cell[:cut] + " " + cell[cut:]
            if cell:
                tokens.append(cell)
    return [[(" ".join(tokens), TABLE)]]


@layout("markdown", markdown=True)
def _markdown(table: Table, ctx: Context) -> Chunks:
    """A markdown table, or one per active-disclosure block."""
    rng = ctx.rng
    spaced = rng.random() < 0.7
    width = table.n_labels + table.n_values
    per_block = table.id == "active_disclosure" and rng.random() < 0.5
    chunks: Chunks = []
    need_separator = True
    block = None
    for row in table.rows:
        if per_block and row.block != block:
            block = row.block
            need_separator = True
            if chunks:
                chunks.append([("", None)])
        cells = printed_cells(row, ctx.raw, "grid")[0]
        lines = [(_md_line(_padded(cells, width), spaced), TABLE)]
        if need_separator:
            lines.append((_md_separator(width, rng), TABLE))
            need_separator = False
        chunks.append(lines)
    return chunks


# --------------------------------------------------------------------------- pdf_spaces

_PhysicalRow = tuple[int, list[list[str]], int]  # (row index, lines of cells, label count)


def _label_wrap(text: str) -> tuple[str, str]:
    """Where a PDF wraps a long row label over two lines: at its first （ 、 or 或."""
    for mark in ("（", "(", "、", "或"):
        cut = text.find(mark, 6)
        if 0 < cut < len(text) - 2:
            return text[:cut] if mark in "（(" else text[: cut + 1], text[cut if mark in "（(" else cut + 1 :]
    return text, ""


def _wrapped(row: Row, cells: list[str], n_labels: int, rng: random.Random, wrap_prob: float) -> list[list[str]]:
    """The row's cells on one line, or two where header cells and long labels wrap."""
    top, bottom = list(cells), [""] * len(cells)
    for i, cell in enumerate(cells):
        if row.kind == "header" and len(cell) >= 4 and rng.random() < wrap_prob:
            cut = max(2, len(cell) // 2)
            top[i], bottom[i] = cell[:cut], cell[cut:]
        elif row.kind == "data" and i < n_labels and len(cell) > 14:
            top[i], bottom[i] = _label_wrap(cell)
    return [top, bottom] if any(bottom) else [top]


def _pdf_rows(table: Table, ctx: Context, wrap_prob: float) -> tuple[list[_PhysicalRow], dict[int, list[str]]]:
    """Each logical row as one or two physical lines of cells; the lines before a row (the long
    勾稽关系 note of the applications table, wrapped)."""
    physical: list[_PhysicalRow] = []
    lead: dict[int, list[str]] = {}
    note = styled(APP_NOTE, ctx.style)
    for index, row in enumerate(table.rows):
        cells, n_row_labels = printed_cells(row, ctx.raw, "grid")
        if row.kind == "header" and cells and cells[0] == note:
            cut = len(note) // 2
            lead[index] = [note[:cut], note[cut:]]
            cells = ["", *cells[1:]]
        lines = _wrapped(row, cells, n_row_labels, ctx.rng, wrap_prob)
        physical.append((index, lines, n_row_labels if row.kind == "data" else table.n_labels))
    return physical, lead


def _column_widths(physical: list[_PhysicalRow]) -> list[int]:
    widths = [0] * max(len(c) for _, lines, _ in physical for c in lines)
    for _, lines, _ in physical:
        for cells in lines:
            for i, cell in enumerate(cells):
                widths[i] = max(widths[i], _display_width(cell))
    return widths


@layout("pdf_spaces")
def _pdf_spaces(table: Table, ctx: Context) -> Chunks:
    """PDF text layout: columns padded with runs of ≥2 spaces, long header cells and labels wrapped;
    labels left-aligned, values right-aligned."""
    rng = ctx.rng
    gap = " " * rng.randint(2, 4)
    wrap_prob = rng.uniform(0.4, 0.9)
    physical, lead = _pdf_rows(table, ctx, wrap_prob)
    widths = _column_widths(physical)
    chunks: Chunks = []
    for index, lines, n_row_labels in physical:
        out: list[Line] = [(part, TABLE) for part in lead.get(index, [])]
        for cells in lines:
            parts = []
            for i, cell in enumerate(cells):
                pad = " " * (widths[i] - _display_width(cell))
                parts.append(cell + pad if i < n_row_labels else pad + cell)
            out.append((gap.join(parts).rstrip(), TABLE))
        chunks.append(out)
    return chunks


@layout("vertical_labels", variants=("tab", "cells"))
def _vertical_labels(table: Table, ctx: Context) -> Chunks:
    """Merged group labels written one character per line, the rows as tab rows or cell lines."""
    rng = ctx.rng
    as_cells = ctx.variant == "cells"
    prefix = rng.choice(("\t", ""))
    mode = rng.choice(("grid", "compact"))
    chunks: Chunks = []
    for row in table.rows:
        lines: list[Line] = []
        if row.group_cells:
            cells = list(row.cells)
            for i in row.group_cells:
                lines += [(ch, TABLE) for ch in cells[i] or "" if not ch.isspace()]
                cells[i] = ""
            row = replace(row, cells=cells)
        if as_cells:
            lines += [*_cell_lines(row, ctx, prefix, mode), ("", None)]
        else:
            lines.append(("\t".join(printed_cells(row, ctx.raw, mode)[0]), TABLE))
        chunks.append(lines)
    return chunks


# --------------------------------------------------------------------------- ocr_noise


def _ocr_slip(cell: str, row: Row, rng: random.Random, lines: list[Line]) -> str:
    """A stray space inside a label (不予公 开), or a group label's head on a line of its own
    (appended to ``lines``); returns the rest of the cell."""
    group_labels = [row.cells[i] for i in row.group_cells]
    if row.kind == "data" and cell in group_labels and rng.random() < 0.5 and not lines:
        cut = _split_point(cell, rng)
        lines.append((cell[:cut], TABLE))
        return cell[cut:]
    cut = _split_point(cell, rng)
    return cell[:cut] + " " + cell[cut:]


def _noisy_labels(
    row: Row, cells: list[str], n_labels: int, ctx: Context, noise: tuple[float, bool, bool], noisy: int
) -> tuple[list[Line], int]:
    """Break the label cells of a row in place: letter-spaced headers, else a slip with chance
    ``p`` (``must``: the first label of the row, if no label was broken yet). Returns the lines
    before the row (a group label's head) and the count of broken labels so far."""
    p, letter_spaced, must = noise
    lines: list[Line] = []
    for i in range(n_labels):
        if len(cells[i]) < 2:
            continue
        if row.kind == "header" and letter_spaced and len(cells[i]) <= 6:
            cells[i] = " ".join(cells[i])
            noisy += 1
        elif (must and not noisy) or ctx.rng.random() < p:
            cells[i] = _ocr_slip(cells[i], row, ctx.rng, lines)
            noisy += 1
    return lines, noisy


@layout("ocr_noise", variants=("tab", "spaces"))
def _ocr_noise(table: Table, ctx: Context) -> Chunks:
    """Labels broken by OCR: stray spaces (不予公 开), letter-spaced headers (结 果 维 持), a group
    label split over two lines (（四）无 / 法提供); cells separated by tabs or spaces."""
    rng = ctx.rng
    sep = "\t" if ctx.variant == "tab" else rng.choice((" ", "  ", "   "))
    p = rng.uniform(0.3, 0.6)
    letter_spaced = rng.random() < 0.6
    label_rows = [i for i, row in enumerate(table.rows) if any(c for c in row.cells)]
    forced = rng.choice(label_rows) if label_rows else -1  # a label broken in every table
    chunks: Chunks = []
    noisy = 0
    for index, row in enumerate(table.rows):
        cells, n_labels = printed_cells(row, ctx.raw, "grid" if sep == "\t" else "trim")
        lines, noisy = _noisy_labels(row, cells, n_labels, ctx, (p, letter_spaced, index == forced), noisy)
        lines.append((sep.join(cells), TABLE))
        chunks.append(lines)
    return chunks


# --------------------------------------------------------------------------- page_breaks

TABLE_SEPARATORS = ("--------\t---\t---", "--------", "----------------------------------------", "————————")


def _page_break_lines(table: Table, ctx: Context) -> list[Line]:
    """A page break inside a table: form feed and/or page number, then a repeated header or a rule."""
    rng = ctx.rng
    number = ctx.page_number()
    kind = rng.randrange(4)
    if kind == 0:
        lines: list[Line] = [(number, OTHER), ("\f", None)]
    elif kind == 1:
        lines = [("\f" + number, OTHER)]
    elif kind == 2:
        lines = [("", None), (number, OTHER), ("", None)]
    else:
        lines = [("\f", None)]
    follow = rng.randrange(3)
    if follow == 0 or kind == 3:  # a lone form feed is always followed by the repeated header
        headers = [row for row in table.rows if row.kind == "header"]
        if rng.random() < 0.5:
            headers = headers[-1:]
        lines += [("\t".join(printed_cells(row, ctx.raw, "grid")[0]), TABLE) for row in headers]
    elif follow == 1:
        lines.append((rng.choice(TABLE_SEPARATORS), TABLE))
    return lines


@layout("page_breaks")
def _page_breaks(table: Table, ctx: Context) -> Chunks:
    """Tab rows with one or two page breaks between data rows."""
    rng = ctx.rng
    chunks = _tab_chunks(table, ctx)
    data = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    candidates = data[1:] if len(data) > 1 else data
    count = min(len(candidates), 1 if len(data) < 8 else rng.randint(1, 2))
    for index in sorted(rng.sample(candidates, count), reverse=True):
        chunks.insert(index, _page_break_lines(table, ctx))
    return chunks


# --------------------------------------------------------------------------- one_line_report


def _one_line(lines: list[Line], rng: random.Random) -> list[Line]:
    """The whole report on one line, labelled by the label of most of its characters."""
    pieces = [(text.strip(), label) for text, label in lines if text.strip()]
    sep = rng.choice(("", " ", "  "))
    weight: dict[str, int] = {}
    for text, label in pieces:
        if label is not None:
            weight[label] = weight.get(label, 0) + len(text)
    label = max(sorted(weight), key=lambda k: weight[k])
    return [(sep.join(text for text, _ in pieces), label)]


@layout("one_line_report", whole=_one_line)
def _glued(table: Table, ctx: Context) -> Chunks:
    """Every cell of the table glued together without separators (``规章000规范性文件898989``),
    in a report all on one line."""
    return [[("".join(c for row in table.rows for c in printed_cells(row, ctx.raw, "trim")[0]), TABLE)]]


# --------------------------------------------------------------------------- column_major


def _number_lines(numbers: list[str], one_per_line: bool, gap: bool) -> list[Line]:
    lines: list[Line] = [("", None)] if gap else []
    if one_per_line:
        return lines + [(n, TABLE) for n in numbers]
    return [*lines, (" ".join(numbers), TABLE)]


@layout("column_major", variants=("lines", "rows", "boxes"))
def _column_major(table: Table, ctx: Context) -> Chunks:
    """The applications table written column by column: every label, then each column's numbers
    (one per line, or a column per line); the other tables as tab rows. ``boxes``: every table
    as pdfminer.six writes a PDF's (:func:`pdf_boxes`)."""
    if ctx.variant == "boxes":
        return pdf_boxes(table, ctx)
    if table.id != "applications":
        return _tab_chunks(table, ctx)
    data = [row for row in table.rows if row.kind == "data"]
    lines: list[Line] = []
    for row in table.rows:
        if row.kind == "header":
            lines += [(cell, TABLE) for cell in printed_cells(row, ctx.raw, "trim")[0] if cell]
    for row in data:
        lines += [(cell, TABLE) for cell in row.cells if cell]
    gap = ctx.rng.random() < 0.5
    for j in range(table.n_values):
        numbers = [ctx.raw[slot] for row in data if (slot := row.values[j]) is not None]
        lines += _number_lines(numbers, ctx.variant == "lines", gap)
    return [lines]


def pdf_boxes(table: Table, ctx: Context) -> Chunks:
    """A table as pdfminer.six writes a PDF's: each cell a text box of its own, a blank line
    after each, in the order its grouping of boxes gives. A small table column by column: its
    headers, its row labels, then each column's numbers downward. The applications table in
    regions: the rows above the outcomes and those below them (总计, 结转) each as such a block;
    the outcome rows' labels a few at a time, each few followed by their first column, then the
    outcome rows' other columns downward (the last two, as often, in pairs row by row). The
    review table's headers, then its numbers."""
    data = [row for row in table.rows if row.kind == "data"]
    if table.id == "active_disclosure":
        boxes = [b for block in _blocks_of(table, ctx) for b in block]
    else:
        boxes = [b for row in table.rows if row.kind != "data" for b in _header_boxes(row, ctx)]
        if table.id == "applications":
            boxes += _application_boxes(data, ctx)
        else:
            boxes += [ctx.raw[slot] for row in data for slot in row.values if slot is not None]
    lines: list[Line] = []
    for box in boxes:
        lines += [*((part, TABLE) for part in box.split("\n")), ("", None)]
    return [lines]


def _blocks_of(table: Table, ctx: Context) -> list[list[str]]:
    """The boxes of each block of the active-disclosure table: its caption and header, then
    its rows as one block (:func:`_block_boxes`)."""
    out = []
    for block in dict.fromkeys(r.block for r in table.rows):
        rows = [r for r in table.rows if r.block == block]
        heads = [b for r in rows if r.kind != "data" for b in _header_boxes(r, ctx)]
        out.append(heads + _block_boxes([r for r in rows if r.kind == "data"], ctx))
    return out


def _header_boxes(row: Row, ctx: Context) -> list[str]:
    """A header row's cells as boxes; pdfminer joins the column labels of a row on one line."""
    cells = [c for c in printed_cells(row, ctx.raw, "trim")[0] if c]
    if len(cells) > 2 and ctx.rng.random() < 0.5:
        return [cells[0], " ".join(cells[1:])]
    return cells


def _label_boxes(row: Row, ctx: Context) -> list[str]:
    """A data row's label cells as boxes, a long label wrapped inside its box."""
    out = []
    for cell in printed_cells(row, ctx.raw, "trim")[0][: len([c for c in row.cells if c])]:
        top, bottom = _label_wrap(cell) if len(cell) > 12 and ctx.rng.random() < 0.7 else (cell, "")
        out.append(f"{top}\n{bottom}" if bottom else top)
    return out


def _values(row: Row, ctx: Context) -> list[str]:
    return [ctx.raw[slot] for slot in row.values if slot is not None]


def _block_boxes(rows: list[Row], ctx: Context) -> list[str]:
    """Rows as one block: their labels, then their values column by column (or, as pdfminer
    sometimes groups them, the first two and the last two columns row by row in pairs)."""
    boxes = [b for row in rows for b in _label_boxes(row, ctx)]
    values = [_values(row, ctx) for row in rows]
    width = min(len(v) for v in values)
    pairs = len(rows) > 1 and width >= 5 and ctx.rng.random() < 0.5
    groups = (
        [[0, 1], *([j] for j in range(2, width - 2)), [width - 2, width - 1]] if pairs else [[j] for j in range(width)]
    )
    for group in groups:
        if len(group) == 1:
            boxes += [v[group[0]] for v in values]
        else:
            boxes += [v[j] for v in values for j in group]
    return boxes


_OUTCOME_ROWS = frozenset(r for fmt in schema.FORMATS for r in application_shape(fmt).outcome_rows)


def _application_boxes(rows: list[Row], ctx: Context) -> list[str]:
    """The applications table's data rows as pdfminer groups them (:func:`pdf_boxes`)."""
    rng = ctx.rng
    outcome = [i for i, row in enumerate(rows) if row.row_id in _OUTCOME_ROWS]
    first, last = outcome[0], outcome[-1]
    boxes = _block_boxes(rows[:first], ctx)
    middle = rows[first : last + 1]
    k = 0
    while k < len(middle):
        few = middle[k : k + rng.randint(1, 5)]
        boxes += [b for row in few for b in _label_boxes(row, ctx)] + [_values(row, ctx)[0] for row in few]
        k += len(few)
    values = [_values(row, ctx) for row in middle]
    width = len(values[0])
    pairs = rng.random() < 0.5
    for j in range(1, width - 2 if pairs else width):
        boxes += [v[j] for v in values]
    if pairs:
        boxes += [v[j] for v in values for j in (width - 2, width - 1)]
    return boxes + _block_boxes(rows[last + 1 :], ctx)


# --------------------------------------------------------------------------- markdown_shifted


def _shifted_cells(row: Row, table: Table, ctx: Context, forced: bool) -> list[str]:
    """A row's cells with merged label cells dropped or joined, so that its values shift."""
    rng = ctx.rng
    if row.kind != "data":
        return printed_cells(row, ctx.raw, rng.choice(("grid", "trim")))[0]
    if table.n_labels == 0:
        # the lone value row of review_litigation: an empty leading cell shifts it right
        cells = printed_cells(row, ctx.raw)[0]
        return ["", *cells] if forced or rng.random() < 0.5 else cells
    modes = ("compact", "trim", "join") if forced else ("grid", "grid", "compact", "trim", "join")
    mode = rng.choice(modes)
    if table.n_labels == 1 and mode != "grid":
        # a single label cell has nothing to merge with: an empty cell shifts the values right
        return [c or "" for c in row.cells] + ["", *(ctx.raw[v] if v else "" for v in row.values)]
    return printed_cells(row, ctx.raw, mode)[0]


@layout("markdown_shifted", markdown=True)
def _markdown_shifted(table: Table, ctx: Context) -> Chunks:
    """Markdown whose rows disagree on their columns: merged label cells shift values left."""
    rng = ctx.rng
    spaced = rng.random() < 0.7
    width = table.n_labels + table.n_values
    data_rows = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    forced = rng.choice(data_rows) if data_rows else -1  # a shifted row in every table
    chunks: Chunks = []
    for index, row in enumerate(table.rows):
        cells = _shifted_cells(row, table, ctx, index == forced)
        if rng.random() < 0.5:
            cells = _padded(cells, width)
        lines = [(_md_line(cells, spaced), TABLE)]
        if index == 0:
            lines.append((_md_separator(width, rng), TABLE))
        chunks.append(lines)
    return chunks


# --------------------------------------------------------------------------- missing_parts

# The layouts a missing_parts report prints its tables in (plain tab rows twice as often).
MISSING_PARTS_BASES = ("tab_rows", "tab_rows", "markdown", "cell_per_line", "pdf_spaces", "pipe_cells")
_register(
    Layout(
        "missing_parts",
        None,
        bases=MISSING_PARTS_BASES,
        damage=lambda ctx, values: (apply_missing(ctx), set()),
    )
)


# --------------------------------------------------------------------------- blank_cells

# The base layouts the blank_cells layout draws its tables in.
BLANK_CELL_BASES = ("tab_rows", "markdown", "cell_per_line")


def _blank_zeros(ctx: Context, values: dict[CellId, Value]) -> Damage:
    """Leave zero counts blank, as many real tables do: every zero, or about half of them."""
    rng = ctx.rng
    share = rng.choice((1.0, 0.5))
    blanks = {cell for cell, v in values.items() if v == 0 and rng.random() < share}
    for cell in blanks:
        ctx.raw[cell] = ""
    return [], blanks


@layout("blank_cells", variants=BLANK_CELL_BASES, damage=_blank_zeros)
def _blank_cells(table: Table, ctx: Context) -> Chunks:
    """Zeros left blank (their truth is null), drawn as tab rows, markdown `|  |`, or one cell per
    line with empty lines."""
    return renderer(ctx.variant)(table, ctx)


# --------------------------------------------------------------------------- label_typos

# Character slips of typing and OCR in row labels: a character for one that looks or sounds alike.
LABEL_SLIPS = {
    "卷": "件",
    "止": "址",
    "废": "纸",
    "制": "治",
    "发": "友",
    "开": "升",
    "申": "由",
    "请": "清",
    "数": "教",
    "量": "最",
    "理": "埋",
    "处": "外",
    "政": "攻",
    "信": "倍",
    "息": "急",
    "公": "分",
    "法": "去",
    "规": "现",
    "事": "争",
    "项": "顶",
    "复": "夏",
    "议": "义",
    "诉": "拆",
    "讼": "松",
}


def _slip(label: str, rng: random.Random, substitute: bool = False) -> str:
    """The label with one slip: a look-alike character, a character dropped, or a space inside."""
    spots = [i for i, ch in enumerate(label) if ch in LABEL_SLIPS]
    kind = rng.random()
    if spots and (kind < 0.6 or substitute):
        i = rng.choice(spots)
        return label[:i] + LABEL_SLIPS[label[i]] + label[i + 1 :]
    inner = [i for i, ch in enumerate(label) if "\u4e00" <= ch <= "\u9fff"][1:-1]
    if not inner:
        return label
    i = rng.choice(inner)
    return label[:i] + label[i + 1 :] if kind < 0.85 else label[:i] + " " + label[i:]


def _slipped(row: Row, rng: random.Random, forced: bool) -> Row:
    """The row with a slip in each label of 6 characters or more (a 2-character label with a
    slip in it is another word); group labels are left alone."""
    cells = [
        _slip(c, rng, forced) if c and len(c) >= 6 and i not in row.group_cells else c for i, c in enumerate(row.cells)
    ]
    return replace(row, cells=cells)


@layout("label_typos")
def _label_typos(table: Table, ctx: Context) -> Chunks:
    """Tab rows whose row labels carry typos and OCR slips (行政执法案件, 本年废纸件数)."""
    rng = ctx.rng
    slippable = [
        i for i, row in enumerate(table.rows) if row.kind == "data" and any(c and len(c) >= 6 for c in row.cells)
    ]
    forced = rng.choice(slippable) if slippable else -1  # every table has one slip at least
    rows = [
        _slipped(row, rng, index == forced) if index == forced or (row.kind == "data" and rng.random() < 0.35) else row
        for index, row in enumerate(table.rows)
    ]
    return _tab_chunks(replace(table, rows=rows), ctx)


# --------------------------------------------------------------------------- extra_rows

SUBTOTAL_LABELS = ("小计", "合计")
# Lines some reports put between two rows of a table, with their labels.
BETWEEN_ROWS_NOTES = (
    ("注：本表数据统计口径与上年一致。", "prose"),
    ("（续表）", "table"),
    ("说明：以下为依申请公开办理结果，其中不予公开的理由如下。", "prose"),
)
_DROPPED_ROW = "art20_1.regulations"  # the 规章 row some reports leave out


def _drop_regulations(ctx: Context, values: dict[CellId, Value]) -> Damage:
    """Half the reports leave out the 规章 row of active disclosure."""
    if ctx.rng.random() >= 0.5:
        return [], set()
    ad = ctx.tables["active_disclosure"]
    assert ad is not None
    ctx.tables["active_disclosure"] = drop_rows(ad, lambda r: r.row_id != _DROPPED_ROW)
    return [f"active_disclosure.{_DROPPED_ROW}"], set()


def _subtotal_line(table: Table, ctx: Context, group: list[int]) -> Line:
    """A 小计 row: the sums of the rows ``group`` per value column."""
    sums = []
    for j in range(table.n_values):
        slots = [table.rows[i].values[j] for i in group]
        sums.append(str(sum(int(ctx.raw[c] or 0) for c in slots if c is not None)))
    return "\t".join([ctx.rng.choice(SUBTOTAL_LABELS), *sums]), TABLE


@layout("extra_rows", damage=_drop_regulations)
def _extra_rows(table: Table, ctx: Context) -> Chunks:
    """Tab rows with a subtotal row after the 不予公开 rows and a sentence between two rows; the
    规章 row left out."""
    rng = ctx.rng
    chunks = _tab_chunks(table, ctx, "trim")
    data = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    group = [i for i in data if (table.rows[i].row_id or "").startswith("denied.")]
    if table.id == "applications" and len(data) > 8 and group:
        chunks.insert(group[-1] + 1, [_subtotal_line(table, ctx, group)])
    if len(data) > 2 and rng.random() < 0.5:
        at = rng.choice(data[1:])
        chunks.insert(at, [rng.choice(BETWEEN_ROWS_NOTES)])
    return chunks


# --------------------------------------------------------------------------- placeholder_headers

# Placeholder header cells a converter writes over a table that had none.
PLACEHOLDER_HEADER = "数据{n}"


@layout("placeholder_headers")
def _placeholder_headers(table: Table, ctx: Context) -> Chunks:
    """Markdown tables under placeholder headers (数据1 … 数据6), as a converter writes a table with
    no header row: one table, or one small table per row."""
    rng = ctx.rng
    width = table.n_labels + table.n_values
    per_row = rng.random() < 0.5
    header = [PLACEHOLDER_HEADER.format(n=n) for n in range(1, width + 1)]
    chunks: Chunks = []
    for index, row in enumerate(table.rows):
        cells = _padded(printed_cells(row, ctx.raw, "grid")[0], width)
        lines: list[Line] = []
        if per_row or index == 0:
            if per_row and index:
                lines.append(("", None))
            lines += [(_md_line(header, True), TABLE), (_md_separator(width, rng), TABLE)]
        lines.append((_md_line(cells, True), TABLE))
        chunks.append(lines)
    return chunks


LAYOUTS: tuple[str, ...] = tuple(REGISTRY)
