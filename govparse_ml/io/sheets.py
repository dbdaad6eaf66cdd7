"""What a dataset needs to be opened safely and understood in a spreadsheet program.

- **Formula injection** (OWASP, "CSV Injection"): a text cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return (or their full-width forms ``＝＋－＠``) is run as a
  formula by Excel and LibreOffice when the file is opened. Such cells get a leading ``'``, the
  OWASP recommendation, which the programs show as text. A plain number (``-12``, ``+3.5``) and a
  run of dashes (``-``, ``--``: the null markers of the tables) are not formulas and are left as
  they are. The escaping is reversible (:func:`unescape_formula`), so ``--resume`` reads back the
  ids it wrote: a text that already starts with ``'`` before such a character gets one more.
- **Control characters** cannot be stored in an ``.xlsx`` (XML 1.0): they are written as
  ``_xHHHH_``, the OOXML escape Excel decodes, and a literal ``_x`` as ``_x005F_x``.
- **Headers and codebook**: the Chinese header of every column (``--headers zh``) and a
  codebook (id, table, row, column, Chinese labels per format version, kind, unit) written
  beside the dataset and as a sheet of an ``.xlsx``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from govparse_ml.format import schema

if TYPE_CHECKING:
    import pandas as pd

# --------------------------------------------------------------------------- formula injection

FORMULA_STARTS = "=+-@\t\r＝＋－＠"
_TRIGGER = re.compile(f"^[{re.escape(FORMULA_STARTS)}]")
# Not formulas: a plain number, or dashes only (the tables' null markers).
_HARMLESS = re.compile(r"^(?:[-+]?\d+(?:\.\d+)?|[-－]+)$")


def needs_escape(value: str) -> bool:
    """Whether a spreadsheet program would read ``value`` as a formula (or it is such a text
    already escaped once, which must be escaped again to stay reversible)."""
    if not value:
        return False
    if value[0] == "'":
        return needs_escape(value[1:])
    return bool(_TRIGGER.match(value)) and not _HARMLESS.match(value)


def escape_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` if it would run as a formula; anything but ``str`` as is."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def unescape_formula(value: Any) -> Any:
    """The inverse of :func:`escape_formula`."""
    if isinstance(value, str) and value.startswith("'") and needs_escape(value[1:]):
        return value[1:]
    return value


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_x(?=[0-9A-Fa-f]{4}_)")
_XML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_xlsx(value: Any) -> Any:
    """Control characters as OOXML ``_xHHHH_`` escapes (Excel shows the character itself)."""
    if not isinstance(value, str):
        return value
    return _XML_ILLEGAL.sub(lambda m: "_x005F_x" if m.group() == "_x" else f"_x{ord(m.group()):04X}_", value)


def unescape_xlsx(value: Any) -> Any:
    if not isinstance(value, str) or "_x" not in value:
        return value
    return _XML_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)


def _map_text(df: pd.DataFrame, fn) -> pd.DataFrame:
    out = df.copy()
    for name in out.columns:
        s = out[name]
        if s.dtype == "string" or s.dtype == object:
            mask = s.notna()
            if mask.any():
                out[name] = s.astype(object).where(~mask, s[mask].astype(object).map(fn)).astype(s.dtype)
    return out


def escape_frame(df: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    """Every text cell of ``df`` safe to open in a spreadsheet (see the module's docstring)."""
    if xlsx:
        return _map_text(df, lambda v: escape_xlsx(escape_formula(v)))
    return _map_text(df, escape_formula)


def unescape_frame(df: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    if xlsx:
        return _map_text(df, lambda v: unescape_formula(unescape_xlsx(v)))
    return _map_text(df, unescape_formula)


# --------------------------------------------------------------------------- headers and codebook

META_LABELS: dict[str, tuple[str, str]] = {  # column -> (Chinese header, what it holds)
    "id": ("编号", "the report's id: its path, or the id of its JSONL record"),
    "source": ("来源", "the file (and line of a JSONL file) it was read from"),
    "title": ("标题", "the report's title"),
    "agency": ("机关", "the agency that published it"),
    "year": ("年度", "the year reported on"),
    "format_version": ("格式版本", "the version of the official table format, 2019 or 2021"),
    "encoding": ("编码", "the text encoding the file was read in"),
    "n_checks_failed": ("未通过校验数", "arithmetic identities of the format that the values break"),
    "n_checks_unverifiable": ("无法校验数", "identities with a value missing"),
    "warnings": ("警告", "the parser's warnings, joined with ' | '"),
    "error": ("错误", "why the report could not be parsed (the row is otherwise empty)"),
    "table": ("表", "table id"),
    "row": ("行", "row id"),
    "col": ("列", "column id"),
    "value": ("值", "the cell's value (null: blank, a null marker such as / or 无, or not found)"),
    "raw": ("原文", "the text the value was read from"),
}


@cache
def _cell_labels() -> dict[tuple[str, str, str], dict[str, Any]]:
    """For every cell of either format: its labels per format version, kind and unit."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for version in schema.FORMATS:
        for t in schema.tables(version).values():
            for r in t.rows:
                for c in r.columns:
                    entry = out.setdefault(
                        (t.id, r.id, c.id),
                        {"formats": [], "row_zh": {}, "col_zh": {}, "kind": c.kind, "unit": schema.column_unit(c)},
                    )
                    entry["formats"].append(version)
                    groups = schema.row_groups(t.id, r)
                    entry["row_groups"] = groups
                    entry["row_zh"][version] = schema.row_label(t.id, r)
                    entry["col_zh"][version] = c.label
                    entry["col_group"] = schema.COLUMN_GROUPS.get(t.id, {}).get(c.id, "")
    return out


def _cell_header(table: str, info: dict[str, Any]) -> str:
    latest = info["formats"][-1]
    groups = info["row_groups"]
    row = info["row_zh"][latest]
    if groups:
        row = f"{groups[-1]} {row}"
    return f"{schema.TABLE_SHORT[table]}｜{row}｜{info['col_zh'][latest]}"


@cache
def zh_headers(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The Chinese header of each column (cells: ``表｜行｜列`` in the latest format that has
    the cell; the codebook has every format's labels). Unique: a clash gets its id appended."""
    cells = {schema.cell_key(*k): (k[0], v) for k, v in _cell_labels().items()}
    out: list[str] = []
    for name in columns:
        if name in META_LABELS:
            out.append(META_LABELS[name][0])
        elif name in cells:
            out.append(_cell_header(*cells[name]))
        else:
            out.append(name)
    seen: set[str] = set()
    for i, h in enumerate(out):
        if h in seen:
            out[i] = f"{h}（{columns[i]}）"
        seen.add(out[i])
    return tuple(out)


def ids_from_headers(headers: list[str], columns: tuple[str, ...]) -> list[str]:
    """Map Chinese headers written by :func:`zh_headers` back to column ids (others unchanged)."""
    back = dict(zip(zh_headers(columns), columns, strict=True))
    return [back.get(h, h) for h in headers]


def codebook(columns: tuple[str, ...]) -> pd.DataFrame:
    """One row per column of a dataset: what it is, in ids and in the labels of the official format."""
    import pandas as pd

    cells = {schema.cell_key(*k): (k, v) for k, v in _cell_labels().items()}
    rows = []
    for name, header in zip(columns, zh_headers(columns), strict=True):
        rec: dict[str, Any] = {"column": name, "header_zh": header}
        if name in cells:
            (table, row, col), info = cells[name]
            rec.update(
                table=table,
                row=row,
                col=col,
                table_zh=schema.tables(info["formats"][-1])[table].title,
                row_group_zh=" › ".join(info["row_groups"]),
                row_zh_2019=info["row_zh"].get("2019"),
                row_zh_2021=info["row_zh"].get("2021"),
                col_group_zh=info["col_group"] or None,
                col_zh_2019=info["col_zh"].get("2019"),
                col_zh_2021=info["col_zh"].get("2021"),
                formats=",".join(info["formats"]),
                kind=info["kind"],
                unit=info["unit"],
                description=None,
            )
        else:
            rec["description"] = META_LABELS.get(name, ("", None))[1]
        rows.append(rec)
    order = [
        "column",
        "header_zh",
        "table",
        "row",
        "col",
        "table_zh",
        "row_group_zh",
        "row_zh_2019",
        "row_zh_2021",
        "col_group_zh",
        "col_zh_2019",
        "col_zh_2021",
        "formats",
        "kind",
        "unit",
        "description",
    ]
    return pd.DataFrame(rows, columns=order).astype("string")
