"""The arguments of the ``govparse-ml`` command: one function per subcommand declares them,
and :func:`model_arg` reads the model options back."""

from __future__ import annotations

import argparse
from typing import Any

from govparse_ml._version import __version__
from govparse_ml.classifier.resolve import model_from_path
from govparse_ml.io import export


def probability(text: str) -> float:
    """A --threshold value: a number from 0 to 1 (argparse makes anything else exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def model_arg(args: argparse.Namespace) -> Any:
    """The ``model`` argument of ``parse`` from --rules-only / --model / --trust-model."""
    return model_from_path(
        getattr(args, "model", None),
        rules_only=getattr(args, "rules_only", False),
        trust=getattr(args, "trust_model", False),
    )


# --------------------------------------------------------------------------- options several commands take


def _quiet_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("-q", "--quiet", action="store_true", help="no warnings, progress or summary: errors only")


def _model_options(sp: argparse.ArgumentParser) -> None:
    _quiet_option(sp)
    sp.add_argument(
        "--model",
        metavar="PATH",
        help="a model file other than the shipped one: line_classifier.npz, or a .joblib with --trust-model",
    )
    sp.add_argument(
        "--trust-model",
        action="store_true",
        help="allow loading --model: a joblib file runs code when loaded, so only trust your own",
    )


def _json_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="OUT",
        help="the report as JSON on standard output (--json), or also into the file OUT (--json OUT)",
    )


def _rules_only_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")


def _threshold_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--threshold", type=probability, default=0.5, help="model confidence under which the rules decide (0 to 1)"
    )


# --------------------------------------------------------------------------- one function per subcommand


def _parse_command(sub: Any) -> None:
    sp = sub.add_parser("parse", help="parse one report", description="Parse one report and print it.")
    sp.add_argument(
        "file", nargs="?", help="the report: a text, markdown, HTML, DOCX or PDF file, or - for standard input"
    )
    sp.add_argument("--example", action="store_true", help="parse the bundled example report")
    sp.add_argument(
        "--format", "-f", choices=export.FORMATS, default="markdown", help="output format (default markdown)"
    )
    _rules_only_option(sp)
    _threshold_option(sp)
    sp.add_argument("--verbose", "-v", action="store_true", help="say which encoding was used")
    _model_options(sp)


def _train_command(sub: Any) -> None:
    sp = sub.add_parser(
        "train",
        help="train the line classifier",
        description="Train the line classifier into OUTPUT/model-last and OUTPUT/model-best, and compare it with "
        "the model it would replace. The report goes to standard output, progress to standard error.",
    )
    sp.add_argument(
        "--data",
        action="append",
        metavar="DIR",
        help="labeled data directory (DIR/labeled/*.jsonl, gold in DIR/gold); repeatable. "
        "Default: the bundled training data",
    )
    sp.add_argument("--bundled", action="store_true", help="with --data: add the bundled training data")
    sp.add_argument(
        "--output",
        "-o",
        "--out",
        dest="output",
        default="training-output",
        metavar="DIR",
        help="output directory: DIR/model-last, DIR/model-best (default training-output)",
    )
    sp.add_argument(
        "--force", action="store_true", help="allow --output to be the shipped model's directory and replace it"
    )
    sp.add_argument("--config", metavar="FILE", help="hyperparameters as TOML: [training] and [model] tables")
    sp.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set model.C=2 --set training.n_heldout=52 (repeatable)",
    )
    sp.add_argument("--no-generated", action="store_true", help="train on the labeled files only")
    sp.add_argument("--n-generated", type=int, default=None, help="how many generated reports to add")
    sp.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    _json_option(sp)
    _quiet_option(sp)


def _eval_command(sub: Any) -> None:
    sp = sub.add_parser(
        "eval",
        help="evaluate line labels and table cells",
        description="Evaluate a model: the report goes to standard output, progress to standard error.",
    )
    sp.add_argument("--data", metavar="DIR", help="labeled data directory (default: the bundled training data)")
    sp.add_argument("--cv", action="store_true", help="leave-one-document-out cross-validation on the real documents")
    _json_option(sp)
    _model_options(sp)


def _label_command(sub: Any) -> None:
    sp = sub.add_parser(
        "label",
        help="pre-label a report's lines for correction",
        description="Write a labeled JSONL of FILE (the format train reads) from the model's predictions, "
        "each line marked for review when its label is uncertain, so a person corrects rather than types.",
    )
    sp.add_argument("file", help="the report's text file, or - for standard input")
    sp.add_argument("-o", "--output", metavar="OUT", help="where to write (default: standard output)")
    sp.add_argument(
        "--review-below",
        type=probability,
        default=0.9,
        metavar="P",
        help="mark lines whose label has a confidence below P, or came from the rules (default 0.9)",
    )
    _rules_only_option(sp)
    _model_options(sp)


def _batch_command(sub: Any) -> None:
    sp = sub.add_parser("batch", help="parse many reports into one dataset", description="Parse many reports.")
    sp.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files, directories (*.txt, *.md, *.html, *.htm, *.docx, *.pdf) or a JSONL of {id, text}",
    )
    sp.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="dataset file: .csv, .parquet, .jsonl or .xlsx"
    )
    sp.add_argument("--cells", metavar="OUT", help="also write the long format, one row per cell")
    sp.add_argument("-j", "--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    sp.add_argument("--resume", action="store_true", help="skip ids already in OUT")
    sp.add_argument("--backend", choices=("local", "dask"), default="local", help="where to run (default local)")
    sp.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, with --backend dask")
    _rules_only_option(sp)
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.add_argument(
        "--retry-errors", action="store_true", help="with --resume, parse again the ids whose row in OUT has an error"
    )
    sp.add_argument(
        "--chunksize", type=int, metavar="N", help="reports sent to a worker at a time (default: from the batch size)"
    )
    _threshold_option(sp)
    sp.add_argument(
        "--headers",
        choices=("id", "zh"),
        default="id",
        help="column headers of .csv/.xlsx: ids (table.row.col, default) or the Chinese labels (表｜行｜列)",
    )
    sp.add_argument(
        "--allow-mixed",
        action="store_true",
        help="with --resume, add to OUT even if it was made by another version, model or threshold",
    )
    _model_options(sp)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; ``args.command`` names the one given."""
    p = argparse.ArgumentParser(
        prog="govparse-ml",
        description="Parse the text of Chinese government information-disclosure annual reports into checked data.",
        epilog="Exit codes: 0 ok, 1 input error, 2 usage error.",
    )
    p.add_argument("--version", action="version", version=f"govparse-ml {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_parse_command, _train_command, _eval_command, _label_command, _batch_command):
        add(sub)
    return p
