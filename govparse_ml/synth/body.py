"""The text of a report: its title, the six section headings, the paragraphs, sub-sections and
item lists of the prose, and the tables where their sections put them (printed by
``Context.render``, the report's layout)."""

from __future__ import annotations

import re

from govparse_ml.format import schema
from govparse_ml.synth.context import HEADING, OTHER, PROSE, Context
from govparse_ml.synth.phrases import (
    ACTIVE_INTROS,
    APPLICATION_INTROS,
    CN_NUMERALS,
    IMPROVEMENTS,
    ITEM_TITLES,
    OTHER_MATTERS,
    OTHER_MATTERS_NONE,
    OVERVIEW_INTROS,
    OVERVIEW_TOPICS,
    PREAMBLES,
    PROBLEM_ITEMS,
    PROBLEM_STATEMENTS,
    REVIEW_INTROS,
    REVIEW_INTROS_NONE,
    TABLE_MISSING_NOTES,
    Agency,
)
from govparse_ml.synth.style import styled
from govparse_ml.synth.values import CellId, Value, summary_totals

_NUMERIC = re.compile(r"[\s\d.%-]*")  # a fragment that would read as a table value
# The table of each section that has one.
_SECTION_TABLES = {2: "active_disclosure", 3: "applications", 4: "review_litigation"}


def report_fields(agency: Agency, year: int, values: dict[CellId, Value], fmt: str) -> dict[str, object]:
    """What the prose templates are filled with: the agency's names, the year, the totals."""
    return {
        "agency": agency.name,
        "short": agency.short,
        "self": agency.self_name,
        "gov": agency.gov,
        "year": year,
        "next": year + 1,
        **summary_totals(values, fmt),
    }


def _fill(template: str, ctx: Context) -> str:
    rng = ctx.rng
    return template.format(
        n1=rng.randint(60, 400),
        n2=rng.randint(1, 60),
        n3=rng.randint(5, 300),
        phone=f"0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}",
        **ctx.fields,
    )


def _emit_blank(ctx: Context, always: bool = False) -> None:
    if always or ctx.style.blank_between:
        ctx.add("", None)


def _paragraph_cuts(ctx: Context, text: str, first_cut: int) -> list[int]:
    """Where a paragraph is broken: at the page width (text copied out of a PDF), or at random."""
    width = ctx.style.wrap_width
    if width and len(text) > width + 4:
        return [c for c in range(width, len(text) - 2, width) if c >= first_cut]
    return sorted(ctx.rng.sample(range(first_cut, len(text) - 4), ctx.rng.randint(1, 2)))


def _emit_paragraph(ctx: Context, text: str, run_in: int = 0) -> None:
    """A prose paragraph, sometimes broken mid-sentence over lines, sometimes followed by a page number.

    ``run_in``: length of a run-in heading at its start (``（一）领导重视。``), never cut off alone,
    since a lone ``（一）领导重视`` would be a heading.
    """
    rng, style = ctx.rng, ctx.style
    _emit_blank(ctx)
    text = style.indent + text
    first_cut = len(style.indent) + max(run_in + 2, 10)
    pieces = [text]
    if len(text) > first_cut + 12 and rng.random() < style.break_prob:
        cuts = _paragraph_cuts(ctx, text, first_cut)
        broken = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        if all(p.strip() and not _NUMERIC.fullmatch(p) for p in broken):  # no piece reads as a number
            pieces = broken
    for piece in pieces:
        ctx.add(piece, PROSE)
    if style.page_numbers and rng.random() < 0.12:
        _emit_blank(ctx)
        ctx.add(ctx.page_number(), OTHER)


def _emit_heading(ctx: Context, text: str) -> None:
    _emit_blank(ctx, always=ctx.style.blank_between or ctx.rng.random() < 0.3)
    ctx.add(text, HEADING)


def _sub_number(ctx: Context, index: int) -> str:
    return styled(f"（{CN_NUMERALS[index]}）", ctx.style)


def _item_number(ctx: Context, index: int) -> str:
    return ctx.rng.choice((f"{index + 1}.", f"{index + 1}．", f"{index + 1}、"))


def _section_heading(ctx: Context, section: schema.SectionSpec) -> str:
    rng, style = ctx.rng, ctx.style
    title = section.title
    if section.number == 5 and rng.random() < 0.3:
        title = "政府信息公开工作" + title
    numeral = CN_NUMERALS[section.number - 1]
    if style.heading == "part":
        text = rng.choice((f"第{numeral}部分 {title}", f"第{numeral}部分：{title}", f"第{numeral}部分　{title}"))
    elif style.heading == "bare":
        text = title
    elif style.heading == "spaced" and rng.random() < 0.6:
        text = rng.choice(
            (f"{numeral}、 {title}", f"  {numeral}、{title}", f"{numeral}、{title}  ", f"{numeral} 、 {title}")
        )
    else:
        text = f"{numeral}、{title}"
    return ("## " if style.md_headings else "") + text


def _emit_title(ctx: Context) -> str | None:
    """The title on one or two lines (or none); returns it as one string."""
    rng = ctx.rng
    agency, year = ctx.fields["agency"], ctx.fields["year"]
    year_text = rng.choice((f"{year}年", f"{year} 年", f"{year}年度"))
    kind = rng.choice(("one", "one", "two", "two_year_first", "none"))
    for _ in range(rng.choice((0, 0, 1, 2))):
        ctx.add("", None)
    if kind == "none":
        return None
    if kind == "one":
        lines = [f"{agency}{year_text}政府信息公开工作年度报告"]
    elif kind == "two":
        lines = [str(agency), f"{year_text}政府信息公开工作年度报告"]
    else:
        lines = [f"{year_text}{agency}", "政府信息公开工作年度报告"]
    for i, line in enumerate(lines):
        if i:
            _emit_blank(ctx)
        ctx.add(line, HEADING)
    if rng.random() < 0.1:
        ctx.add("—" * rng.randint(10, 30), OTHER)
    return "".join(lines)


def _emit_items(ctx: Context, sentences: tuple[str, ...]) -> None:
    """Numbered items (1.加强组织领导。…) alone on a line or run in with their text."""
    rng = ctx.rng
    for j, item in enumerate(rng.sample(ITEM_TITLES, rng.randint(2, 3))):
        item_text = _fill(rng.choice(sentences), ctx)
        if rng.random() < 0.25:
            _emit_heading(ctx, _item_number(ctx, j) + item)
            _emit_paragraph(ctx, item_text)
        else:
            number = _item_number(ctx, j)
            _emit_paragraph(ctx, f"{number}{item}。{item_text}", run_in=len(number + item))


def _emit_subsections(ctx: Context, topics: list[tuple[str, tuple[str, ...]]]) -> None:
    """（一）… sub-sections alone on a line (heading) or run in with their text (prose)."""
    rng = ctx.rng
    run_in_share = rng.random()
    for index, (title, sentences) in enumerate(topics):
        picked = rng.sample(sentences, rng.randint(1, min(3, len(sentences))))
        body = "".join(_fill(s, ctx) for s in picked)
        number = _sub_number(ctx, index)
        if rng.random() < run_in_share:
            _emit_paragraph(ctx, f"{number}{title}。{body}", run_in=len(number + title))
        else:
            _emit_heading(ctx, number + title)
            if rng.random() < 0.3:
                _emit_items(ctx, sentences)
            else:
                _emit_paragraph(ctx, body)


def _table_intros(ctx: Context, table_id: str) -> tuple[str, ...]:
    if table_id == "active_disclosure":
        return ACTIVE_INTROS
    if table_id == "applications":
        return APPLICATION_INTROS
    return REVIEW_INTROS if ctx.fields["review_total"] or ctx.fields["litigation_total"] else REVIEW_INTROS_NONE


def _emit_table(ctx: Context, table_id: str) -> None:
    """A table in the report's layout, maybe after an intro; a note where the table is left out."""
    rng = ctx.rng
    table = ctx.tables[table_id]
    if rng.random() < 0.4:
        _emit_paragraph(ctx, _fill(rng.choice(_table_intros(ctx, table_id)), ctx))
    if table is None:
        if rng.random() < 0.5:
            _emit_paragraph(ctx, rng.choice(TABLE_MISSING_NOTES))
        return
    _emit_blank(ctx, always=ctx.style.blank_between or rng.random() < 0.5)
    for chunk in ctx.render(table, ctx):
        ctx.lines += chunk
    if ctx.stop_after != table_id:
        _emit_blank(ctx, always=rng.random() < 0.6)


def _emit_overview(ctx: Context) -> None:
    rng = ctx.rng
    _emit_paragraph(ctx, _fill(rng.choice(OVERVIEW_INTROS), ctx))
    count = rng.randint(2, len(OVERVIEW_TOPICS))
    _emit_subsections(ctx, list(OVERVIEW_TOPICS[:count]))


def _emit_problems(ctx: Context) -> None:
    rng = ctx.rng
    _emit_paragraph(ctx, _fill(rng.choice(PROBLEM_STATEMENTS), ctx))
    if rng.random() < 0.4:
        items = rng.sample(PROBLEM_ITEMS, rng.randint(2, 4))
        _emit_subsections(ctx, [(t, (s,)) for t, s in items])
    else:
        for template in rng.sample(IMPROVEMENTS, rng.randint(1, 2)):
            _emit_paragraph(ctx, _fill(template, ctx))


def _emit_other_matters(ctx: Context) -> None:
    rng = ctx.rng
    if rng.random() < 0.5:
        _emit_paragraph(ctx, rng.choice(OTHER_MATTERS_NONE))
    else:
        for template in rng.sample(OTHER_MATTERS, rng.randint(1, 2)):
            _emit_paragraph(ctx, _fill(template, ctx))


def _emit_signature(ctx: Context) -> None:
    """Sometimes the agency and the date under the report."""
    rng = ctx.rng
    if rng.random() < 0.5:
        _emit_blank(ctx, always=True)
        year = int(str(ctx.fields["year"])) + 1
        if rng.random() < 0.8:
            ctx.add(str(ctx.fields["agency"]), OTHER)
        ctx.add(f"{year}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日", OTHER)


def build_report(ctx: Context) -> str | None:
    """Emit the whole report into ``ctx.lines``; return its title."""
    rng = ctx.rng
    title = _emit_title(ctx)
    for template in rng.sample(PREAMBLES, rng.randint(0, 3)):
        _emit_paragraph(ctx, _fill(template, ctx))
    for section in schema.SECTIONS:
        _emit_heading(ctx, _section_heading(ctx, section))
        table_id = _SECTION_TABLES.get(section.number)
        if table_id is not None:
            _emit_table(ctx, table_id)
            if ctx.stop_after == table_id:
                return title  # a truncated report ends in this table
        elif section.number == 1:
            _emit_overview(ctx)
        elif section.number == 5:
            _emit_problems(ctx)
        else:
            _emit_other_matters(ctx)
    _emit_signature(ctx)
    return title
