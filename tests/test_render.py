"""The agency web page of a generated report: its markup, its truth segments, its tables."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from govparse_ml import parse
from govparse_ml.format import schema
from govparse_ml.synth.render.html import render_page, source_document


class _Text(HTMLParser):
    """The page's text nodes in order, and the span attributes of its table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.spans: list[tuple[int, int]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        if tag in ("td", "th"):
            a = dict(attrs)
            self.spans.append((int(a.get("rowspan") or 1), int(a.get("colspan") or 1)))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("fmt", ["2019", "2021"])
def test_page_text_is_its_segments_in_order(seed: int, fmt: str) -> None:
    doc = source_document(seed, fmt)
    page = render_page(doc, seed, chrome=seed % 2 == 0)
    reader = _Text()
    reader.feed(page.html)
    assert reader.texts == [text for text, _ in page.segments]
    assert {label for _, label in page.segments} <= {"heading", "table", "prose", "other"}
    # the official template: merged header cells, and a group label spanning its rows
    assert any(r > 1 for r, _ in reader.spans) and any(c > 1 for _, c in reader.spans)
    if page.title:
        assert page.segments[0] == (page.title, "other")


@pytest.mark.parametrize("seed", [0, 1, 2, 4, 5, 6])
def test_segments_one_per_line_parse_to_the_truth(seed: int) -> None:
    """The page's text, one segment per line (a cell per line in the tables), holds the source's cells."""
    fmt = schema.FORMATS[seed % 2]
    doc = source_document(seed, fmt)
    assert None not in doc.cells.values()  # these seeds print every count
    page = render_page(doc, seed, chrome=False)
    report = parse("\n".join(text for text, _ in page.segments), model=None)
    assert report.meta.format_version == fmt
    wrong = [cell for cell, value in doc.cells.items() if report.cell(*cell).value != value]
    assert not wrong


def test_blank_counts_are_empty_cells_and_null_truth() -> None:
    """Seed 11 leaves its zero counts blank: null in the truth, empty cells in the page."""
    doc = source_document(11, "2021")
    blank = [cell for cell, value in doc.cells.items() if value is None]
    assert blank and all(doc.raw[cell] == "" for cell in blank)
    assert "<td></td>" in render_page(doc, 11).html or "<td>&nbsp;</td>" in render_page(doc, 11).html


def test_same_seed_same_page() -> None:
    a, b = render_page(source_document(7, "2021"), 7), render_page(source_document(7, "2021"), 7)
    assert a.html == b.html and a.segments == b.segments
    assert render_page(source_document(8, "2021"), 8).html != a.html
