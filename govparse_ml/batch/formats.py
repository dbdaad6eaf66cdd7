"""The output files of a batch: their formats, where their companions go, how they are replaced."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from govparse_ml.io.files import InputError

__all__ = ["OUTPUT_FORMATS", "codebook_path", "manifest_path"]

OUTPUT_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".jsonl", ".xlsx")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a BOM: Excel then reads the Chinese text right
PARQUET_METADATA_KEY = b"govparse_ml"
EXCEL_MAX_ROWS = 1_048_576
_NEEDS = {".parquet": ("pyarrow", "parquet"), ".xlsx": ("openpyxl", "xlsx")}  # (module, extra)


def output_format(path: str | os.PathLike[str]) -> str:
    """The format of an output file: its extension, lower case (``".csv"``)."""
    return Path(path).suffix.lower()


def codebook_path(path: str | os.PathLike[str]) -> Path:
    """Where the codebook of dataset ``path`` goes: ``NAME.codebook.csv`` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.codebook.csv")


def manifest_path(path: str | os.PathLike[str]) -> Path:
    """Where the manifest of dataset ``path`` goes: ``NAME.manifest.json`` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.manifest.json")


def checkpoint_path(path: Path) -> Path:
    """Where the checkpoint of a batch writing ``path`` goes: ``NAME.partial`` beside it."""
    return path.with_name(path.name + ".partial")


def tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """``write`` a temporary file beside ``path``, then rename it to ``path`` (removed if it fails)."""
    tmp = tmp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def output_problem(path: str, what: str) -> str | None:
    """A usage problem with an output path (an unknown format, a missing library), or None."""
    fmt = output_format(path)
    if fmt not in OUTPUT_FORMATS:
        return f"{what} {path}: unknown format {fmt or '(no extension)'}; use one of {', '.join(OUTPUT_FORMATS)}"
    need = _NEEDS.get(fmt)
    if need:
        try:
            __import__(need[0])
        except ImportError:
            return f"{what} {path}: writing {fmt} needs {need[0]}: pip install 'govparse-ml[{need[1]}]'"
    return None


def check_output_dirs(outputs: Sequence[Path]) -> None:
    """Raise InputError if an output is a directory, or its directory does not exist."""
    for path in outputs:
        if path.is_dir():
            raise InputError(f"{path} is a directory: give the output file's name")
        if not path.parent.is_dir():
            raise InputError(f"{path}: directory {path.parent} does not exist; create it first")


def output_is_an_input(inputs: Sequence[str], outputs: Sequence[Path]) -> str | None:
    """Why writing ``outputs`` would overwrite an input (``-o corpus.jsonl`` on corpus.jsonl), or None."""
    for out in outputs:
        for path in (out, checkpoint_path(out)):
            for arg in inputs:
                if _same_file(arg, path):
                    return (
                        f"{path} is the input {arg}: writing it would overwrite the reports; give another output file"
                    )
    return None


def _same_file(arg: str, path: Path) -> bool:
    try:
        return os.path.samefile(arg, path) if path.exists() else Path(arg).resolve() == path.resolve()
    except OSError:
        return False
