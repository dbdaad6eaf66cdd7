"""Stage 7: export a Report as JSON, cells (JSON Lines or CSV), lines (JSON Lines) or markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from govparse_ml.document import Report, Table
from govparse_ml.format import schema


def to_json(report: Report) -> str:
    return report.to_json(indent=2)


def iter_cells(report: Report) -> Iterator[str]:
    """One JSON object per canonical cell of the report's format (every cell, null if absent)."""
    for cell in report.cells():
        yield json.dumps(cell.to_dict(), ensure_ascii=False)


def iter_lines(report: Report) -> Iterator[str]:
    """One JSON object per input line, blank lines included."""
    for line in report.lines:
        yield json.dumps(line.to_dict(), ensure_ascii=False)


def to_csv(report: Report) -> str:
    """One CSV row per canonical cell (table, row, col, value, raw), with a header, as a
    spreadsheet opens it: text that a spreadsheet would run as a formula gets a leading ``'``
    (OWASP's advice; a number or a null mark such as ``-`` is left as it is)."""
    import csv
    import io

    from govparse_ml.io.sheets import escape_formula

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("table", "row", "col", "value", "raw"))
    for cell in report.cells():
        value = "" if cell.value is None else cell.value
        writer.writerow((cell.table, cell.row, cell.col, value, escape_formula(cell.raw or "")))
    return out.getvalue()


# The output formats of ``parse --format``, by name: each renders a whole report as text.
RENDERERS: dict[str, Callable[[Report], str]] = {
    "json": lambda report: to_json(report) + "\n",
    "cells": lambda report: "".join(s + "\n" for s in iter_cells(report)),
    "lines": lambda report: "".join(s + "\n" for s in iter_lines(report)),
    "markdown": lambda report: to_markdown(report),
    "csv": to_csv,
}
FORMATS = tuple(RENDERERS)


def render(report: Report, fmt: str) -> str:
    """``report`` in the output format ``fmt`` (one of :data:`FORMATS`)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}") from None
    return renderer(report)


def _value(v) -> str:
    if v is None:
        return "—"
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def to_markdown(report: Report) -> str:
    """A readable summary: metadata, the section outline, the three tables, the checks."""
    out = _md_meta(report)
    out += ["", "## Sections", ""]
    out += _md_sections(report)
    if report.meta.format_version:
        out += _md_tables(report)
    out += ["", "## Checks", ""]
    out += _md_checks(report)
    if report.readings:
        out += ["", "## Readings chosen", ""]
        out += [f"- {r.table}.{r.row} `{r.raw}` → {[_value(v) for v in r.chosen]}: {r.reason}" for r in report.readings]
    if report.warnings:
        out += ["", "## Warnings", ""]
        out += [f"- {w}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _md_meta(report: Report) -> list[str]:
    """The title, then the metadata and the line counts as a list."""
    m = report.meta
    labels = [ln.label for ln in report.lines if ln.label]
    counts = {lab: labels.count(lab) for lab in ("heading", "table", "prose", "other")}
    sources = {s: sum(ln.source == s for ln in report.lines) for s in ("model", "rule")}
    return [
        f"# {m.title or '(untitled report)'}",
        "",
        f"- agency: {m.agency or '?'}",
        f"- year: {m.year or '?'}",
        f"- format version: {m.format_version or 'unknown'}",
        f"- lines: {len(report.lines)} ({', '.join(f'{k} {v}' for k, v in counts.items())}; "
        f"labelled by model {sources['model']}, by rules {sources['rule']})",
    ]


def _md_sections(report: Report) -> list[str]:
    out = []
    for top in report.sections:
        for s in top.walk():
            indent = "  " * (s.level - 1)
            number = f"{s.number} " if s.number else ""
            title = s.title or "(preamble)"
            std = f" [{s.std_id}]" if s.std_id else ""
            out.append(f"{indent}- {number}{title}{std}: {len(s.paragraphs)} paragraph(s), lines {_span(s.lines)}")
    return out


def _md_tables(report: Report) -> list[str]:
    out: list[str] = []
    for table in report.tables.values():
        out += ["", f"## {table.title} ({table.id})", ""]
        if not table.found:
            out.append("_not found_")
            continue
        out.append(_table_markdown(report, table.id))
        out += [f"\n> note: {note}" for note in table.notes]
    return out


def _md_checks(report: Report) -> list[str]:
    out = [
        f"- {status}: {sum(c.status == status for c in report.checks)}"
        for status in ("passed", "failed", "unverifiable")
    ]
    out += [f"  - FAILED {check.name}: {check.detail}" for check in report.failed_checks]
    return out


def _span(lines: list[int]) -> str:
    return f"{lines[0]}–{lines[-1]}" if lines else "-"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _table_markdown(report: Report, table_id: str) -> str:
    """The table as a markdown table laid out as the official one: the group captions
    (第二十条第（一）项, 三、本年度办理结果, （三）不予公开, 行政诉讼, …) as rows of their own, in bold,
    and in the active-disclosure table each block's own column headers on its caption row."""
    version = report.meta.format_version or "2019"
    spec = schema.tables(version)[table_id]
    table = report.tables[table_id]
    if table_id == "active_disclosure":
        return _blocks_markdown(spec, table)
    cols = spec.rows[0].columns
    col_groups = schema.COLUMN_GROUPS.get(table_id, {})
    heads = [f"{col_groups[c.id]}：{c.label}" if c.id in col_groups else c.label for c in cols]
    out = [_md_row(["项目", *heads]), "|---" * (len(cols) + 1) + "|"]
    shown: tuple[str, ...] = ()
    for row in spec.rows:
        groups = schema.row_groups(table_id, row)
        for depth, caption in enumerate(groups):
            if shown[: depth + 1] != groups[: depth + 1]:
                out.append(_md_row([f"**{caption}**", *[""] * len(cols)]))
        shown = groups
        values = [_value(table.value(row.id, c.id)) for c in cols]
        out.append(_md_row([schema.row_label(table_id, row), *values]))
    return "\n".join(out)


def _blocks_markdown(spec: schema.TableSpec, table: Table) -> str:
    """The active-disclosure table: a caption row per block, with the block's own column headers."""
    width = max(len(r.columns) for r in spec.rows)
    out = [_md_row(["信息内容", *[""] * width]), "|---" * (width + 1) + "|"]
    block = None
    for row in spec.rows:
        if row.block != block:
            block = row.block
            heads = [f"**{c.label}**" for c in row.columns]
            out.append(_md_row([f"**{block}**", *heads, *[""] * (width - len(heads))]))
        values = [_value(table.value(row.id, c.id)) for c in row.columns]
        out.append(_md_row([row.label, *values, *[""] * (width - len(values))]))
    return "\n".join(out)
