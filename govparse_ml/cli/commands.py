"""The ``govparse-ml`` command line.

Exit codes: 0 success; 1 input error (unreadable file, binary file, bad training data);
2 usage error (unknown option, bad argument).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from govparse_ml.cli import log
from govparse_ml.cli.batch import cmd_batch
from govparse_ml.cli.exit_codes import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from govparse_ml.cli.parser import build_parser, model_arg
from govparse_ml.io import export


def example_path() -> Path:
    """The bundled example report."""
    return Path(str(resources.files("govparse_ml") / "data" / "example.txt"))


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
    from govparse_ml.io.readers import SourceDocument
    from govparse_ml.io.readers.read import parse_document, read_input
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
        report = parse_document(read, model=model_arg(args), threshold=args.threshold)
    else:
        if args.verbose:
            log.get("parse").info(f"read {source} as {read.encoding} ({read.confidence})")
        report = parse(read.text, model=model_arg(args), threshold=args.threshold)
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
    from govparse_ml.classifier.store import configured_model_path

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

    return label_file(args, model_arg(args))


# What runs each subcommand of the parser (govparse_ml.cli.parser).
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "parse": cmd_parse,
    "train": cmd_train,
    "eval": cmd_eval,
    "label": cmd_label,
    "batch": cmd_batch,
}


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
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"govparse-ml: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
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
