"""Random valid reports in every damaged layout, with their truth and line labels.

``generate(seed)`` renders one 政府信息公开工作年度报告 as plain text in one of ``LAYOUTS`` (the damaged
forms real text arrives in: tab rows, one cell per line, ``|`` fragments, PDF columns, OCR noise, …)
and returns, beside the text, the canonical cells it holds (values that satisfy every identity of
``schema.identities``) and the label of each physical line. Two uses: property tests (parsing the
rendering recovers every cell) and training data for the line classifier.

The parts: :mod:`~govparse_ml.synth.values` draws the cells, :mod:`~govparse_ml.synth.tables` lays
them out as logical tables, :mod:`~govparse_ml.synth.body` writes the prose around them (phrase
banks in :mod:`~govparse_ml.synth.phrases`), :mod:`~govparse_ml.synth.layouts` prints the tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from govparse_ml.format import schema
from govparse_ml.synth.body import build_report, report_fields
from govparse_ml.synth.context import Context, Line, TableRenderer
from govparse_ml.synth.layouts import LAYOUTS, REGISTRY, Layout, renderer
from govparse_ml.synth.missing import missing_cells
from govparse_ml.synth.phrases import PAGE_NUMBER_FORMATS, draw_agency, draw_year
from govparse_ml.synth.style import draw_style
from govparse_ml.synth.tables import report_tables
from govparse_ml.synth.values import CellId, Value, generate_values


@dataclass
class GeneratedReport:
    """A rendered report with its truth: every canonical cell and the label of every line."""

    text: str
    format_version: str  # "2019" | "2021"
    layout: str
    cells: dict[CellId, Value]  # every cell of schema.cell_ids(format_version); None where missing
    labels: list[str | None]  # one per line of text.split("\n"); None for blank lines
    meta: dict  # agency, year, title
    missing: list[str]  # "table", "table.row" or "table.prefix.*" entries deliberately left out
    blanks: frozenset[CellId] = frozenset()  # cells printed blank (a zero left out): their truth is None


def format_value(value: Value) -> str:
    """The value as the generator prints it (the ``raw`` text of a cell)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _check(format_version: str | None, layout: str | None) -> None:
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    if format_version is not None and format_version not in schema.FORMATS:
        raise ValueError(f"unknown format version {format_version!r}")


def generate(seed: int, *, format_version: str | None = None, layout: str | None = None) -> GeneratedReport:
    """A random valid report rendered in one damaged layout, with its cells and line labels.

    Same seed and arguments give the same report. ``layout=None`` picks one of ``LAYOUTS``;
    ``format_version=None`` picks the version from the report year.
    """
    return generate_with(seed, format_version=format_version, layout=layout)


def generate_with(
    seed: int,
    *,
    format_version: str | None = None,
    layout: str | None = None,
    render_table: TableRenderer | None = None,
) -> GeneratedReport:
    """:func:`generate`, with the tables printed by ``render_table`` instead of the layout's
    renderer when it is given (the Word renderer takes the logical tables this way)."""
    _check(format_version, layout)
    rng = random.Random(seed)
    spec = REGISTRY[layout or rng.choice(LAYOUTS)]
    year, fmt = draw_year(rng, format_version)
    values = generate_values(rng, fmt)
    agency = draw_agency(rng)
    style = draw_style(rng, markdown=spec.markdown)
    raw = {cell: format_value(v) for cell, v in values.items()}
    tables = report_tables(fmt, style, rng)
    page, total_pages, page_format = rng.randint(0, 2), rng.randint(6, 14), rng.choice(PAGE_NUMBER_FORMATS)
    base = REGISTRY[rng.choice(spec.bases)] if spec.bases else spec
    ctx = Context(
        rng=rng,
        style=style,
        raw=raw,
        tables=tables,
        fields=report_fields(agency, year, values, fmt),
        render=render_table or renderer(base.name),
        page=page,
        total_pages=total_pages,
        page_format=page_format,
        variant=rng.choice(base.variants),
    )
    missing, blanks = spec.damage(ctx, values) if spec.damage else ([], set())
    title = build_report(ctx)
    meta = {"agency": agency.name, "year": year, "title": title}
    if spec.bases:
        meta["base_layout"] = base.name
    gone = set(missing_cells(fmt, missing)) | blanks
    lines = _finished_lines(ctx, spec)
    return GeneratedReport(
        text="\n".join(text for text, _ in lines),
        format_version=fmt,
        layout=spec.name,
        cells={cell: None if cell in gone else v for cell, v in values.items()},
        labels=[label if text.strip() else None for text, label in lines],
        meta=meta,
        missing=missing,
        blanks=frozenset(blanks),
    )


def _finished_lines(ctx: Context, spec: Layout) -> list[Line]:
    """The report's lines as the layout leaves them; most files end with a newline."""
    if spec.whole is not None:
        return spec.whole(ctx.lines, ctx.rng)
    if ctx.stop_after is None and ctx.rng.random() < 0.6:
        ctx.lines.append(("", None))
    return ctx.lines
