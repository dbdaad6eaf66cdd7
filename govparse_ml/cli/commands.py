"""The ``govparse-ml`` command line.

Exit codes: 0 success; 1 input error (unreadable file, binary file, bad training data);
2 usage error (unknown option, bad argument).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from importlib import resources
from pathlib import Path

from govparse_ml._version import __version__
from govparse_ml.classifier.resolve import model_from_path
from govparse_ml.cli import log
from govparse_ml.io import export

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def example_path() -> Path:
    """The bundled example report."""
    return Path(str(resources.files("govparse_ml") / "data" / "example.txt"))


def _model_arg(args: argparse.Namespace):
    """The ``model`` argument of ``parse`` from --rules-only / --model / --trust-model."""
    return model_from_path(
        getattr(args, "model", None),
        rules_only=getattr(args, "rules_only", False),
        trust=getattr(args, "trust_model", False),
    )


def _probability(text: str) -> float:
    """A --threshold value: a number from 0 to 1 (argparse makes anything else exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _write(text: str) -> None:
    """Write to standard output; as UTF-8 bytes when its encoding cannot hold the text
    (PYTHONIOENCODING=ascii, a Latin-1 locale): JSON Lines are UTF-8 in any case."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            raise
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def cmd_parse(args: argparse.Namespace) -> int:
    from govparse_ml.io.files import InputError, read_text
    from govparse_ml.io.readers import SourceDocument, parse_document, read_input
    from govparse_ml.pipeline import parse

    source = example_path() if args.example else args.file
    if source is None:
        print("govparse-ml parse: give a FILE, - for standard input, or --example", file=sys.stderr)
        return EXIT_USAGE
    read = read_text(source) if args.example else read_input(source)
    if isinstance(read, SourceDocument):  # HTML, DOCX, PDF
        if args.verbose:
            how = f" ({read.encoding})" if read.encoding else ""
            log.get("parse").info(f"read {source} as {read.source_format}{how}")
        report = parse_document(read, model=_model_arg(args), threshold=args.threshold)
    else:
        if args.verbose:
            log.get("parse").info(f"read {source} as {read.encoding} ({read.confidence})")
        report = parse(read.text, model=_model_arg(args), threshold=args.threshold)
    try:
        _write(export.render(report, args.format))
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk under `> out.json`
        _silence_stdout()
        raise InputError(f"cannot write the output to standard output: {exc.strerror or exc}") from None
    for w in report.warnings if args.format != "markdown" else []:
        log.get("parse").warning(w)
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from govparse_ml.training.retrain import ConfigError, emit, format_report, run

    try:
        report = run(args)
    except ConfigError as exc:
        print(f"govparse-ml train: {exc}", file=sys.stderr)
        return EXIT_USAGE
    emit(report, args.json, format_report(report))
    return EXIT_OK


def _eval_model_path(args: argparse.Namespace) -> str | None:
    """--model, else the GOVPARSE_MODEL setting, else None (the shipped model)."""
    if args.model:
        return args.model
    from govparse_ml.classifier.inference import configured_model_path

    configured = configured_model_path()
    return str(configured) if configured is not None else None


def cmd_eval(args: argparse.Namespace) -> int:
    from govparse_ml.training.retrain import emit
    from govparse_ml.training.train import bundled_data_dir, evaluate, format_scores

    scores = evaluate(
        data_dir=args.data or bundled_data_dir(),
        model_path=_eval_model_path(args),
        trust_model=args.trust_model,
        cv=args.cv,
        verbose=True,
        print_report=False,
    )
    emit(scores, args.json, format_scores(scores, scores["setup"]["title"]) + "\n")
    return EXIT_OK


def cmd_label(args: argparse.Namespace) -> int:
    from govparse_ml.training.label_file import label_file

    return label_file(args, _model_arg(args))


def cmd_batch(args: argparse.Namespace) -> int:
    from govparse_ml.batch.engine import run_batch

    return run_batch(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="govparse-ml",
        description="Parse the text of Chinese government information-disclosure annual reports into checked data.",
        epilog="Exit codes: 0 ok, 1 input error, 2 usage error.",
    )
    p.add_argument("--version", action="version", version=f"govparse-ml {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def quiet_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("-q", "--quiet", action="store_true", help="no warnings, progress or summary: errors only")

    def model_options(sp: argparse.ArgumentParser) -> None:
        quiet_option(sp)
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

    sp = sub.add_parser("parse", help="parse one report", description="Parse one report and print it.")
    sp.add_argument(
        "file", nargs="?", help="the report: a text, markdown, HTML, DOCX or PDF file, or - for standard input"
    )
    sp.add_argument("--example", action="store_true", help="parse the bundled example report")
    sp.add_argument(
        "--format", "-f", choices=export.FORMATS, default="markdown", help="output format (default markdown)"
    )
    sp.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")
    sp.add_argument(
        "--threshold", type=_probability, default=0.5, help="model confidence under which the rules decide (0 to 1)"
    )
    sp.add_argument("--verbose", "-v", action="store_true", help="say which encoding was used")
    model_options(sp)
    sp.set_defaults(func=cmd_parse)

    def json_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--json",
            nargs="?",
            const="-",
            metavar="OUT",
            help="the report as JSON on standard output (--json), or also into the file OUT (--json OUT)",
        )

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
    json_option(sp)
    quiet_option(sp)
    sp.set_defaults(func=cmd_train)

    sp = sub.add_parser(
        "eval",
        help="evaluate line labels and table cells",
        description="Evaluate a model: the report goes to standard output, progress to standard error.",
    )
    sp.add_argument("--data", metavar="DIR", help="labeled data directory (default: the bundled training data)")
    sp.add_argument("--cv", action="store_true", help="leave-one-document-out cross-validation on the real documents")
    json_option(sp)
    model_options(sp)
    sp.set_defaults(func=cmd_eval)

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
        type=_probability,
        default=0.9,
        metavar="P",
        help="mark lines whose label has a confidence below P, or came from the rules (default 0.9)",
    )
    sp.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")
    model_options(sp)
    sp.set_defaults(func=cmd_label)

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
    sp.add_argument("--rules-only", action="store_true", help="label lines with the rules, not the model")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.add_argument(
        "--retry-errors", action="store_true", help="with --resume, parse again the ids whose row in OUT has an error"
    )
    sp.add_argument(
        "--chunksize", type=int, metavar="N", help="reports sent to a worker at a time (default: from the batch size)"
    )
    sp.add_argument(
        "--threshold", type=_probability, default=0.5, help="model confidence under which the rules decide (0 to 1)"
    )
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
    model_options(sp)
    sp.set_defaults(func=cmd_batch)
    return p


def _parse_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """``parser.parse_args``, but an argument a command does not take is reported with that
    command's usage (``parse a.txt b.txt`` shows parse's, not the top-level one)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub = commands.choices[args.command]
        files = [x for x in extra if not x.startswith("-")]
        hint = (
            " (parse reads one report: use `govparse-ml batch` for several)"
            if args.command == "parse" and files
            else ""
        )
        sub.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    return args


def main(argv: list[str] | None = None) -> int:
    from govparse_ml.io.files import InputError

    parser = build_parser()
    args = _parse_args(parser, argv)
    log.setup(quiet=getattr(args, "quiet", False))
    try:
        return args.func(args)
    except InputError as exc:
        print(f"govparse-ml: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a full disk, a read-only or vanished output: a message, not a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"govparse-ml: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT


def _silence_stdout() -> None:
    """Point standard output at /dev/null after it failed, so that the interpreter's last
    flush of what it still holds does not fail again with a traceback."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
