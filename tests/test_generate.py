"""The generator: valid truth, true line labels, every value rendered, each layout its own damage."""

from __future__ import annotations

import importlib.util
import json
import random
import re
from functools import cache
from pathlib import Path

import pytest

from govparse_ml.format import schema
from govparse_ml.synth.generate import LAYOUTS, GeneratedReport, format_value, generate
from govparse_ml.synth.layouts import LABEL_SLIPS, SUBTOTAL_LABELS
from govparse_ml.synth.missing import missing_cells
from govparse_ml.synth.values import generate_values

SEEDS = (0, 1, 5, 42)
CASES = [(layout, fmt, seed) for layout in LAYOUTS for fmt in schema.FORMATS for seed in SEEDS]
LABELS = {"heading", "table", "prose", "other"}
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
CELL_SPLIT = re.compile(r"[\s|]+")
# Layouts whose table lines hold exactly the values, row by row (extra_rows adds subtotals,
# placeholder_headers numbers its placeholder headers: tested on their own below).
ROW_MAJOR_LAYOUTS = [
    layout
    for layout in LAYOUTS
    if layout not in ("one_line_report", "column_major", "extra_rows", "placeholder_headers")
]


@cache
def report(layout: str, fmt: str, seed: int) -> GeneratedReport:
    return generate(seed, format_version=fmt, layout=layout)


def lines_of(rep: GeneratedReport) -> list[str]:
    return rep.text.split("\n")


def table_lines(rep: GeneratedReport) -> list[str]:
    return [line for line, label in zip(lines_of(rep), rep.labels, strict=True) if label == "table"]


def table_numbers(rep: GeneratedReport) -> list[str]:
    """Every cell of the table lines that is a number, in reading order."""
    return [tok for line in table_lines(rep) for tok in CELL_SPLIT.split(line) if NUMBER.fullmatch(tok)]


def expected_numbers(rep: GeneratedReport, column_major_applications: bool = False) -> list[str]:
    cells = [cell for cell in schema.cell_ids(rep.format_version) if rep.cells[cell] is not None]
    if column_major_applications:
        app_rows = [r.id for r in schema.tables(rep.format_version)["applications"].rows]
        app_cols = [c.id for c in schema.APPLICANT_COLUMNS]
        app = sorted(
            (c for c in cells if c[0] == "applications"), key=lambda c: (app_cols.index(c[2]), app_rows.index(c[1]))
        )
        cells = (
            [c for c in cells if c[0] == "active_disclosure"] + app + [c for c in cells if c[0] == "review_litigation"]
        )
    return [format_value(rep.cells[cell]) for cell in cells]


# --------------------------------------------------------------------------- truth


@pytest.mark.parametrize(("layout", "fmt", "seed"), CASES)
def test_identities_hold_on_cells(layout: str, fmt: str, seed: int) -> None:
    rep = report(layout, fmt, seed)
    checked = 0
    for identity in schema.identities(fmt):
        involved = identity.lhs + identity.rhs
        if any(rep.cells[c] is None for c in involved):
            left_out = [c for c in involved if rep.cells[c] is None and c not in rep.blanks]
            assert rep.missing or not left_out, f"{identity.name}: a None cell in a report with nothing missing"
            # a blank cell stands for a zero: the identity holds with zeros for blanks
            if not left_out:
                lhs = sum(rep.cells[c] or 0 for c in identity.lhs)
                assert lhs == sum(rep.cells[c] or 0 for c in identity.rhs), identity.name
                checked += 1
            continue
        lhs = sum(rep.cells[c] for c in identity.lhs)  # type: ignore[misc]
        rhs = sum(rep.cells[c] for c in identity.rhs)  # type: ignore[misc]
        assert lhs == rhs, identity.name
        checked += 1
    if not rep.missing:
        assert checked == len(schema.identities(fmt))


@pytest.mark.parametrize(("layout", "fmt", "seed"), CASES)
def test_cells_are_the_schema_and_none_exactly_where_missing(layout: str, fmt: str, seed: int) -> None:
    rep = report(layout, fmt, seed)
    assert rep.format_version == fmt and rep.layout == layout
    assert list(rep.cells) == schema.cell_ids(fmt)
    gone = set(missing_cells(fmt, rep.missing))
    assert {c for c, v in rep.cells.items() if v is None} == gone | rep.blanks
    assert all(c not in gone for c in rep.blanks)
    if layout == "missing_parts":
        assert rep.missing and gone
    elif layout == "extra_rows":
        assert rep.missing in ([], ["active_disclosure.art20_1.regulations"])
    else:
        assert rep.missing == []
    if layout != "blank_cells":
        assert not rep.blanks


def test_generate_values_satisfy_identities_and_kinds() -> None:
    rng = random.Random(7)
    kinds = {fmt: schema.column_kinds(fmt) for fmt in schema.FORMATS}
    for i in range(300):
        fmt = schema.FORMATS[i % 2]
        values = generate_values(rng, fmt)
        assert list(values) == schema.cell_ids(fmt)
        for identity in schema.identities(fmt):
            assert sum(values[c] for c in identity.lhs) == sum(values[c] for c in identity.rhs), identity.name  # type: ignore[misc]
        for (table, row, col), value in values.items():
            kind = kinds[fmt][(table, row, col)]
            if kind == "amount":
                assert isinstance(value, float) and value >= 0
            elif kind == "signed":
                assert isinstance(value, int)
            else:
                assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, (table, row, col)
        ad = {(r, c): v for (t, r, c), v in values.items() if t == "active_disclosure"}
        for (row, col), value in ad.items():
            if col == "total_published":
                assert value >= ad[(row, "new_published")]
            if col == "in_force":
                assert value >= ad[(row, "issued")]


def test_values_are_varied_signed_and_decimal() -> None:
    rng = random.Random(3)
    deltas, amounts, fees, big = [], [], [], 0
    for _ in range(200):
        v19 = generate_values(rng, "2019")
        v21 = generate_values(rng, "2021")
        deltas += [v for (t, r, c), v in v19.items() if c == "delta"]
        amounts += [v for (t, r, c), v in v19.items() if c == "amount"]
        fees += [v for (t, r, c), v in v21.items() if c == "amount_wan_yuan"]
        big += any(v > 500 for (t, r, c), v in v19.items() if t == "applications")
    assert any(d < 0 for d in deltas) and any(d > 0 for d in deltas)
    assert any(not a.is_integer() for a in amounts) and any(a.is_integer() and a > 0 for a in amounts)
    assert any(len(format_value(f).partition(".")[2]) >= 3 for f in fees)
    assert 5 < big < 150


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_values_are_mostly_non_zero(fmt: str) -> None:
    shares = []
    for layout in LAYOUTS:
        for seed in SEEDS:
            if layout == "missing_parts":
                continue  # a few rows left may be all zeros
            values = [v for v in report(layout, fmt, seed).cells.values() if v is not None]
            shares.append(sum(1 for v in values if v != 0) / len(values))
    assert min(shares) > 0.4
    assert sum(shares) / len(shares) > 0.5


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(("layout", "fmt", "seed"), CASES)
def test_one_label_per_line_none_exactly_on_blank_lines(layout: str, fmt: str, seed: int) -> None:
    rep = report(layout, fmt, seed)
    lines = lines_of(rep)
    assert len(rep.labels) == len(lines)
    for line, label in zip(lines, rep.labels, strict=True):
        if line.strip():
            assert label in LABELS, repr(line)
        else:
            assert label is None, repr(line)


HEADING_TEXT = re.compile(
    r"^(#+ )?\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、])"
)
OTHER_TEXT = re.compile(
    r"^\f?(\S*\s*\d+\s*\S*|.*(局|委员会|办公室|办公厅|政府|办事处|[厅委办])|\d{4}年\d{1,2}月\d{1,2}日|[-—]+|第\s*\d+\s*页.*)$"
)


@pytest.mark.parametrize(("layout", "fmt", "seed"), [c for c in CASES if c[0] != "one_line_report"])
def test_labels_fit_their_lines(layout: str, fmt: str, seed: int) -> None:
    rep = report(layout, fmt, seed)
    titles = [s.title for s in schema.SECTIONS]
    for line, label in zip(lines_of(rep), rep.labels, strict=True):
        if label == "heading":
            assert "\t" not in line and "。" not in line and len(line) <= 60, line
            assert (
                HEADING_TEXT.match(line)
                or any(t in line for t in titles)
                or "年度报告" in line
                or rep.meta["agency"] in line
            ), line
        elif label == "prose":
            assert "\t" not in line and "|" not in line and not NUMBER.fullmatch(line.strip()), line
        elif label == "other":
            assert OTHER_TEXT.match(line), repr(line)
        elif label == "table":
            assert not any(t in line for t in ("工作年度报告", "。")), line


@pytest.mark.parametrize(("fmt", "seed"), [(f, s) for f in schema.FORMATS for s in SEEDS])
def test_one_line_report_is_one_line_with_the_majority_label(fmt: str, seed: int) -> None:
    rep = report("one_line_report", fmt, seed)
    assert "\n" not in rep.text and len(rep.labels) == 1
    assert rep.labels[0] in ("prose", "table")
    # glued cells: a row label followed directly by its first number
    assert re.search(r"本年新收政府信息公开申请数量\d", rep.text)


@pytest.mark.parametrize(("layout", "fmt"), [(layout, f) for layout in LAYOUTS for f in schema.FORMATS])
def test_section_headings_and_tables_are_labelled(layout: str, fmt: str) -> None:
    rep = report(layout, fmt, SEEDS[0])
    if layout == "one_line_report":
        return
    labelled = {line.strip().lstrip("# ").strip(): label for line, label in zip(lines_of(rep), rep.labels, strict=True)}
    headings = [text for text, label in labelled.items() if label == "heading"]
    assert any(schema.SECTIONS[1].title in h for h in headings)
    assert len(table_lines(rep)) >= 3


# --------------------------------------------------------------------------- rendering carries the truth


@pytest.mark.parametrize(("layout", "fmt", "seed"), CASES)
def test_every_value_is_in_the_text(layout: str, fmt: str, seed: int) -> None:
    rep = report(layout, fmt, seed)
    for cell, value in rep.cells.items():
        if value is not None:
            assert format_value(value) in rep.text, cell


@pytest.mark.parametrize(("layout", "fmt", "seed"), [c for c in CASES if c[0] in ROW_MAJOR_LAYOUTS])
def test_table_lines_hold_the_values_in_row_order(layout: str, fmt: str, seed: int) -> None:
    rep = report(layout, fmt, seed)
    assert table_numbers(rep) == expected_numbers(rep)


@pytest.mark.parametrize(("layout", "fmt", "seed"), [c for c in CASES if c[0] in ("extra_rows", "placeholder_headers")])
def test_extra_numbers_come_between_the_values_in_row_order(layout: str, fmt: str, seed: int) -> None:
    """Subtotals and placeholder headers add numbers; the values are still there, in row order."""
    rep = report(layout, fmt, seed)
    numbers = iter(table_numbers(rep))
    assert all(any(n == want for n in numbers) for want in expected_numbers(rep))


@pytest.mark.parametrize(("fmt", "seed"), [(f, s) for f in schema.FORMATS for s in SEEDS])
def test_column_major_holds_the_application_values_by_column(fmt: str, seed: int) -> None:
    rep = report("column_major", fmt, seed)
    if _written_as_boxes(rep):
        pytest.skip("the boxes variant writes the applications table in blocks (tests/test_column_major.py)")
    assert table_numbers(rep) == expected_numbers(rep, column_major_applications=True)


def _written_as_boxes(rep: GeneratedReport) -> bool:
    """The column_major layout's boxes variant: most table lines followed by a blank line."""
    lines = rep.text.split("\n")
    table = [i for i, label in enumerate(rep.labels) if label == "table" and i + 1 < len(lines)]
    return sum(not lines[i + 1].strip() for i in table) > len(table) / 2


def test_format_value() -> None:
    assert format_value(3) == "3" and format_value(-3) == "-3"
    assert format_value(123.45) == "123.45" and format_value(12.0) == "12" and format_value(0.1234) == "0.1234"


# --------------------------------------------------------------------------- layouts


def _broken_labels(rep: GeneratedReport) -> list[str]:
    """Labels that appear in the table text only once spaces and line breaks are removed."""
    text = "\n".join(table_lines(rep))
    squashed = re.sub(r"\s", "", text)
    labels = [r.label for t in schema.tables(rep.format_version).values() for r in t.rows]
    labels += [c.label for c in (*schema.APPLICANT_COLUMNS, *schema.REVIEW_COLUMNS)] + ["本年度办理结果", "申请人情况"]
    cores = [re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）.．、]\s*", "", label).split(" · ")[-1] for label in labels]
    return [core for core in cores if len(core) >= 2 and core not in text and core in squashed]


def _has_page_break_inside_table(rep: GeneratedReport) -> bool:
    labels = rep.labels
    for i, (line, label) in enumerate(zip(lines_of(rep), labels, strict=True)):
        if label == "other" or "\f" in line:
            before = next((lab for lab in reversed(labels[:i]) if lab), None)
            after = next((lab for lab in labels[i + 1 :] if lab and lab != "other"), None)
            if before == "table" and after == "table":
                return True
    return False


def _first_number_positions(rep: GeneratedReport) -> set[int]:
    positions = set()
    for line in table_lines(rep):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        numbers = [i for i, c in enumerate(cells) if NUMBER.fullmatch(c)]
        if len(numbers) == 7:  # an applications row
            positions.add(numbers[0])
    return positions


SIGNATURES = {
    "tab_rows": lambda r: (
        sum("\t" in line for line in table_lines(r)) >= 20 and not any("|" in line for line in table_lines(r))
    ),
    "cell_per_line": lambda r: sum(len(line.split()) <= 1 for line in table_lines(r)) >= 0.9 * len(table_lines(r)),
    "pipe_cells": lambda r: (
        sum(line.endswith(" |") for line in table_lines(r)) >= 60
        and any(re.fullmatch(r"\|+", line) for line in table_lines(r))
    ),
    "one_line_table": lambda r: len(table_lines(r)) == 3,
    "markdown": lambda r: (
        all(line.startswith("|") and line.endswith("|") for line in table_lines(r))
        and sum(bool(re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line)) for line in table_lines(r)) >= 3
    ),
    "pdf_spaces": lambda r: (
        not any("\t" in line for line in table_lines(r))
        and sum(bool(re.search(r"\S {2,}\S", line)) for line in table_lines(r)) >= 20
    ),
    "vertical_labels": lambda r: sum(len(line.strip()) == 1 for line in table_lines(r)) >= 9,
    "ocr_noise": lambda r: len(_broken_labels(r)) >= 1,
    "page_breaks": _has_page_break_inside_table,
    "one_line_report": lambda r: "\n" not in r.text,
    "column_major": lambda r: (
        sum(bool(NUMBER.fullmatch(line.strip())) for line in table_lines(r)) >= 7 * 23
        or sum(len(line.split()) >= 23 for line in table_lines(r)) >= 7
    ),
    "markdown_shifted": lambda r: len(_first_number_positions(r)) >= 2,
    "missing_parts": lambda r: bool(r.missing),
    "blank_cells": lambda r: bool(r.blanks),
    # a look-alike character where the schema's label has the original one
    "label_typos": lambda r: any(
        any(label[:i] + LABEL_SLIPS[ch] + label[i + 1 :] in line for i, ch in enumerate(label) if ch in LABEL_SLIPS)
        for line in table_lines(r)
        for label in {row.label for t in schema.tables(r.format_version).values() for row in t.rows}
    ),
    "extra_rows": lambda r: any(line.split("\t")[0] in SUBTOTAL_LABELS for line in table_lines(r)) or bool(r.missing),
    "placeholder_headers": lambda r: sum("数据1" in line for line in table_lines(r)) >= 3,
}


def test_every_layout_has_a_signature() -> None:
    assert set(SIGNATURES) == set(LAYOUTS)


@pytest.mark.parametrize(("layout", "fmt", "seed"), CASES)
def test_layout_shows_its_damage(layout: str, fmt: str, seed: int) -> None:
    assert SIGNATURES[layout](report(layout, fmt, seed))


def _table_shape(rep: GeneratedReport) -> str:
    """The table and page-furniture lines (not prose or headings), numbers masked."""
    kept = [line for line, label in zip(lines_of(rep), rep.labels, strict=True) if label not in ("prose", "heading")]
    return re.sub(r"[0-9]+", "0", "\n".join(kept))


@pytest.mark.parametrize(("fmt", "seed"), [(f, s) for f in schema.FORMATS for s in SEEDS])
def test_layouts_differ_from_each_other(fmt: str, seed: int) -> None:
    shapes = {layout: _table_shape(report(layout, fmt, seed)) for layout in LAYOUTS}
    assert len(set(shapes.values())) == len(LAYOUTS)
    # the plain tab rows show none of the other layouts' damage
    plain = report("tab_rows", fmt, seed)
    assert [layout for layout in LAYOUTS if layout != "tab_rows" and SIGNATURES[layout](plain)] == []


# --------------------------------------------------------------------------- determinism, choice, speed


@pytest.mark.parametrize("layout", [*LAYOUTS, None])
def test_deterministic(layout: str | None) -> None:
    for seed in (3, 11):
        a, b = generate(seed, layout=layout), generate(seed, layout=layout)
        assert (a.text, a.cells, a.labels, a.meta, a.missing, a.layout) == (
            b.text,
            b.cells,
            b.labels,
            b.meta,
            b.missing,
            b.layout,
        )
    assert generate(3, layout=layout).text != generate(4, layout=layout).text


def test_random_layout_and_format_spread() -> None:
    reports = [generate(seed) for seed in range(150)]
    layouts = {r.layout for r in reports}
    assert layouts == set(LAYOUTS)
    assert {r.format_version for r in reports} == set(schema.FORMATS)
    matching = sum((r.meta["year"] <= 2020) == (r.format_version == "2019") for r in reports)
    assert matching >= 0.9 * len(reports)
    assert len({r.meta["agency"] for r in reports}) >= 60
    assert min(r.meta["year"] for r in reports) >= 2019 and max(r.meta["year"] for r in reports) <= 2024


def test_layouts_keep_their_order() -> None:
    """A random report draws its layout from LAYOUTS, the order the layouts are registered in:
    reordering them would change every report of ``generate(seed)``; new layouts go at the end."""
    first = (
        "tab_rows",
        "cell_per_line",
        "pipe_cells",
        "one_line_table",
        "markdown",
        "pdf_spaces",
        "vertical_labels",
        "ocr_noise",
        "page_breaks",
        "one_line_report",
        "column_major",
        "markdown_shifted",
        "missing_parts",
        "blank_cells",
        "label_typos",
        "extra_rows",
        "placeholder_headers",
    )
    assert LAYOUTS[: len(first)] == first


def test_forced_layout_and_format() -> None:
    for layout in LAYOUTS:
        rep = generate(9, layout=layout, format_version="2021")
        assert rep.layout == layout and rep.format_version == "2021"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        generate(1, layout="nope")
    with pytest.raises(ValueError):
        generate(1, format_version="2020")


# --------------------------------------------------------------------------- corpus script


def test_generate_corpus_script(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parents[1] / "scripts" / "generate_corpus.py"
    spec = importlib.util.spec_from_file_location("generate_corpus", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(tmp_path), "--n", "3", "--seed", "5", "--layout", "missing_parts", "--format", "2019"])
    texts = sorted(tmp_path.glob("*.txt"))
    assert len(texts) == 3
    for text_path in texts:
        name = text_path.stem
        text = text_path.read_text(encoding="utf-8")
        labeled = [
            json.loads(line)
            for line in (tmp_path / "labeled" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        assert "\n".join(row["text"] for row in labeled) == text
        assert all(set(row) == {"text", "label"} for row in labeled)
        gold = [
            json.loads(line)
            for line in (tmp_path / "gold" / f"{name}.cells.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        assert [(g["table"], g["row"], g["col"]) for g in gold] == schema.cell_ids("2019")
        assert any(g["value"] is None and g["raw"] is None for g in gold)
        for g in gold:
            assert (g["raw"] is None) == (g["value"] is None)
            if g["raw"] is not None:
                assert g["raw"] in text and format_value(g["value"]) == g["raw"]
