"""govparse-ml: parse Chinese government information-disclosure annual reports into checked data."""

from .batch import parse_many, to_dataframe
from .document import Cell, CheckResult, Line, Meta, Paragraph, Reading, Report, Section, Table
from .pipeline import parse

__version__ = "0.1.0"

__all__ = [
    "Cell",
    "CheckResult",
    "Line",
    "Meta",
    "Paragraph",
    "Reading",
    "Report",
    "Section",
    "Table",
    "__version__",
    "parse",
    "parse_many",
    "to_dataframe",
]
