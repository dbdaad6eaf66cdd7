"""``govparse-ml batch``: its arguments checked and turned into the options of a run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from govparse_ml.batch.formats import check_output_dirs, output_is_an_input, output_problem
from govparse_ml.batch.options import BatchOptions
from govparse_ml.batch.run import run_batch
from govparse_ml.cli.exit_codes import EXIT_OK, EXIT_USAGE
from govparse_ml.cli.parser import model_arg
from govparse_ml.io.files import InputError


def _usage(msg: str) -> int:
    print(f"govparse-ml batch: {msg}", file=sys.stderr)
    return EXIT_USAGE


def _argument_problem(args: argparse.Namespace, out_path: Path, cells_path: Path | None) -> str | None:
    """What is wrong with the arguments themselves (before any file is looked at), or None."""
    for path, what in ((args.output, "-o"), (args.cells, "--cells")):
        if path and (problem := output_problem(path, what)):
            return problem
    if cells_path is not None and cells_path.resolve() == out_path.resolve():
        return "--cells must be another file than -o"
    if args.jobs < 1:
        return f"-j must be at least 1, not {args.jobs}"
    if args.chunksize is not None and args.chunksize < 1:
        return f"--chunksize must be at least 1, not {args.chunksize}"
    if args.scheduler and args.backend != "dask":
        return "--scheduler needs --backend dask"
    if args.backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            return "--backend dask needs dask.distributed: pip install 'govparse-ml[dask]'"
    return None


def _command_line() -> list[str] | None:
    """The command line the manifest records (None when not run as ``govparse-ml batch``)."""
    return ["govparse-ml", "batch", *sys.argv[2:]] if sys.argv[1:2] == ["batch"] else None


def cmd_batch(args: argparse.Namespace) -> int:
    out_path = Path(args.output)
    cells_path = Path(args.cells) if args.cells else None
    if problem := _argument_problem(args, out_path, cells_path):
        return _usage(problem)
    outputs = [p for p in (out_path, cells_path) if p is not None]
    check_output_dirs(outputs)
    if args.retry_errors and not args.resume:
        return _usage("--retry-errors needs --resume")
    if clash := output_is_an_input(args.inputs, outputs):
        raise InputError(clash)
    options = BatchOptions(
        inputs=args.inputs,
        output=out_path,
        cells=cells_path,
        jobs=args.jobs,
        chunksize=args.chunksize,
        backend=args.backend,
        scheduler=args.scheduler,
        model=model_arg(args),
        threshold=args.threshold,
        headers=args.headers,
        resume=args.resume,
        retry_errors=args.retry_errors,
        allow_mixed=args.allow_mixed,
        progress=not args.no_progress,
        command=_command_line(),
    )
    run_batch(options)
    return EXIT_OK
