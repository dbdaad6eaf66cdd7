"""The report being written: its lines with their labels, and what the writers share."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from govparse_ml.synth.phrases import PAGE_NUMBER_FORMATS
from govparse_ml.synth.style import Style
from govparse_ml.synth.tables import Table
from govparse_ml.synth.values import CellId

HEADING, TABLE, PROSE, OTHER = "heading", "table", "prose", "other"

Line = tuple[str, str | None]  # (text, label); the label of a blank line is forced to None
Chunks = list[list[Line]]  # the lines of a rendered table, grouped by logical row
TableRenderer = Callable[[Table, "Context"], Chunks]


@dataclass
class Context:
    """A report while it is written: its draws, its printed values and tables, the lines so far."""

    rng: random.Random
    style: Style
    raw: dict[CellId, str]  # the printed value of every cell ("" where left blank)
    tables: dict[str, Table | None]  # None: the table is left out
    fields: dict[str, object]  # what the prose templates are filled with
    render: TableRenderer  # how the report's layout prints a table
    lines: list[Line] = field(default_factory=list)
    page: int = 1
    total_pages: int = 10
    page_format: str = PAGE_NUMBER_FORMATS[0]
    variant: str = ""  # per-report sub-style of the layout
    stop_after: str | None = None  # table id where a truncated report ends

    def add(self, text: str, label: str | None) -> None:
        self.lines.append((text, label))

    def page_number(self) -> str:
        self.page += 1
        self.total_pages = max(self.total_pages, self.page)
        return self.page_format.format(n=self.page, total=self.total_pages)
