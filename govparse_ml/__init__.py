"""govparse-ml: parse Chinese government information-disclosure annual reports into checked data."""

from govparse_ml._version import __version__
from govparse_ml.batch.run import parse_many, to_dataframe
from govparse_ml.document import Cell, CheckResult, Line, Meta, Paragraph, Reading, Report, Section, Table
from govparse_ml.io.readers.read import parse_file
from govparse_ml.pipeline import parse


def __getattr__(name: str):
    # train / evaluate import scikit-learn: only when asked for, so that `import govparse_ml` stays light.
    if name in ("train", "evaluate"):
        from govparse_ml.training import train as training

        return getattr(training, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "evaluate",
    "parse",
    "parse_file",
    "parse_many",
    "to_dataframe",
    "train",
]
