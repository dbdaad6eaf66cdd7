"""The command line end to end: encodings, binary files, exit codes, standard input and every
output format of the contract (docs/output.md). Exit codes: 0 ok, 1 input error,
2 usage error.

Most tests call ``govparse_ml.cli.commands.main`` in the process; a few run the real command in a
subprocess to check what a shell sees (exit status, bytes on stdout).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import gold_cells, seed_text

from govparse_ml.cli.commands import main
from govparse_ml.cli.exit_codes import EXIT_INPUT, EXIT_OK, EXIT_USAGE
from govparse_ml.format import schema

SEED = "002_c0cda94c0518ae98"  # 2021 format, one cell per line
TEXT = seed_text(SEED)
LINES = re.split(r"\r\n|\n|\r", TEXT)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``main(argv)``: exit code, stdout, stderr (argparse's SystemExit counted as the exit code)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def lines_out(out: str) -> list[dict]:
    return [json.loads(x) for x in out.split("\n")[:-1]]  # JSON Lines split on \n only


# ----------------------------------------------------------------------------- encodings

GBK_TEXT = TEXT.replace("\xa0", " ")  # GBK has no no-break space (GB18030 has)
ENCODINGS = [
    ("utf-8", TEXT, TEXT.encode("utf-8"), "utf-8"),
    ("utf-8 with BOM", TEXT, TEXT.encode("utf-8-sig"), "utf-8-sig"),
    ("gb18030", TEXT, TEXT.encode("gb18030"), "gb18030"),
    ("gbk", GBK_TEXT, GBK_TEXT.encode("gbk"), "gb18030"),
    ("utf-16 with BOM", TEXT, TEXT.encode("utf-16"), "utf-16-le"),
    ("utf-16-le without BOM", TEXT, TEXT.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be without BOM", TEXT, TEXT.encode("utf-16-be"), "utf-16-be"),
    ("utf-8 with CRLF", TEXT, TEXT.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
]


@pytest.mark.parametrize(("text", "data", "encoding"), [e[1:] for e in ENCODINGS], ids=[e[0] for e in ENCODINGS])
def test_every_encoding_gives_the_same_text_and_verbose_names_it(
    capsys, tmp_path, text: str, data: bytes, encoding: str
) -> None:
    path = write(tmp_path, "report.txt", data)
    code, out, err = run(capsys, "parse", path, "--format", "lines", "--rules-only", "--verbose")
    assert code == EXIT_OK, err
    assert [row["text"] for row in lines_out(out)] == text.split("\n")
    assert re.search(rf"read .*report\.txt as {re.escape(encoding)} \((valid|bom|guessed)\)", err), err


def test_gbk_file_gives_the_gold_cells(capsys, tmp_path) -> None:
    path = write(tmp_path, "report.txt", GBK_TEXT.encode("gbk"))
    code, out, _ = run(capsys, "parse", path, "--format", "cells", "--rules-only")
    assert code == EXIT_OK
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in lines_out(out)}
    assert got == {(g["table"], g["row"], g["col"]): g["value"] for g in gold_cells(SEED)}


# ----------------------------------------------------------------------------- input errors: exit 1


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "word/document.xml",
            "<w:document><w:body><w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p></w:body></w:document>",
        )
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("report.txt", TEXT)
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + bytes(64)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + bytes(range(256)) * 4
BINARY = [
    ("report.pdf", PDF, "PDF", "pdftotext"),
    ("report.docx", _docx(), "DOCX", "libreoffice"),
    ("scan.png", PNG, "PNG image", "OCR"),
    ("reports.zip", _zip(), "ZIP", "unzip"),
    ("report.txt", PDF, "PDF", "pdftotext"),  # a PDF saved as .txt is still a PDF
    ("random.bin", bytes(range(256)) * 64, "binary", "convert"),
]


@pytest.mark.parametrize(("name", "data", "kind", "how"), BINARY, ids=[b[0] + ":" + b[2] for b in BINARY])
def test_binary_files_exit_1_naming_the_problem_and_saying_convert(capsys, tmp_path, name, data, kind, how) -> None:
    path = write(tmp_path, name, data)
    code, out, err = run(capsys, "parse", path)
    assert code == EXIT_INPUT
    assert out == ""
    assert "Traceback" not in err
    assert name in err and kind in err and "convert it to text" in err and how in err, err


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda tmp: str(tmp / "missing.txt"), "no such file"),
        (lambda tmp: str(tmp), "is a directory"),
        (
            lambda tmp: write(tmp, "bad.txt", TEXT.encode("utf-8")[:2000] + b"\xff\xfe\xfa" + TEXT.encode("utf-8")),
            "invalid bytes",
        ),
        (lambda tmp: write(tmp, "nul.txt", TEXT.encode("utf-8") + b"\x00" * 3 + TEXT.encode("utf-8")), "NUL"),
        (
            lambda tmp: write(tmp, "big5.txt", "臺灣的政府資訊公開報告，統計數據如下。".encode("big5") * 20),
            "not in a supported text encoding",
        ),
    ],
    ids=["missing file", "directory", "damaged utf-8", "NUL bytes", "big5"],
)
def test_unreadable_input_exits_1_with_a_message(capsys, tmp_path, make, phrase: str) -> None:
    code, out, err = run(capsys, "parse", make(tmp_path))
    assert code == EXIT_INPUT
    assert out == "" and phrase in err and "Traceback" not in err, err


# ----------------------------------------------------------------------------- usage errors: exit 2


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["parse"],
        ["parse", "x.txt", "--bogus"],
        ["parse", "x.txt", "--format", "xml"],
        ["parse", "x.txt", "--threshold", "abc"],
        ["parse", "x.txt", "--threshold", "7"],
        ["parse", "a.txt", "b.txt"],
    ],
    ids=[
        "no command",
        "unknown command",
        "no file",
        "unknown option",
        "unknown format",
        "bad number",
        "threshold > 1",
        "two files",
    ],
)
def test_bad_usage_exits_2(capsys, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == EXIT_USAGE
    assert out == "" and err and "Traceback" not in err


def test_two_files_to_parse_show_parse_usage(capsys) -> None:
    code, out, err = run(capsys, "parse", "a.txt", "b.txt")
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("usage: govparse-ml parse ")
    assert "unrecognized arguments: b.txt" in err and "govparse-ml batch" in err


def test_help_and_version_exit_0(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == EXIT_OK and "Exit codes: 0 ok, 1 input error, 2 usage error" in out
    code, out, _ = run(capsys, "--version")
    assert code == EXIT_OK and out.startswith("govparse-ml ")


# ----------------------------------------------------------------------------- standard input


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_dash_reads_standard_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(TEXT.encode("gb18030")))
    code, out, err = run(capsys, "parse", "-", "--format", "lines", "--rules-only", "-v")
    assert code == EXIT_OK
    assert [row["text"] for row in lines_out(out)] == LINES
    assert "read - as gb18030" in err


def test_binary_on_standard_input_names_stdin(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(PDF))
    code, _, err = run(capsys, "parse", "-")
    assert code == EXIT_INPUT and "<stdin>" in err and "PDF" in err


# ----------------------------------------------------------------------------- output formats


def test_format_json_is_the_whole_report(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "parse", write(tmp_path, "r.txt", TEXT.encode()), "--format", "json", "--rules-only")
    assert code == EXIT_OK
    doc = json.loads(out)
    assert {"meta", "sections", "tables", "checks", "warnings", "lines"} <= set(doc)
    assert doc["meta"]["format_version"] == "2021"
    assert [ln["text"] for ln in doc["lines"]] == LINES


def test_format_cells_has_every_schema_cell_with_nulls(capsys, tmp_path) -> None:
    # A report cut in the middle of its applications table: every cell of the 2021 schema
    # is there, those it does not have with value null.
    cut = TEXT[: TEXT.index("本机关不掌握相关政府信息")]
    code, out, err = run(capsys, "parse", write(tmp_path, "cut.txt", cut.encode()), "--format", "cells", "--rules-only")
    assert code == EXIT_OK
    cells = lines_out(out)
    assert [(c["table"], c["row"], c["col"]) for c in cells] == schema.cell_ids("2021")
    assert all(set(c) == {"table", "row", "col", "value", "raw"} for c in cells)
    assert any(c["value"] is None for c in cells) and any(c["value"] is not None for c in cells)
    assert all(c["value"] is None for c in cells if c["table"] == "review_litigation")
    assert "warning: table review_litigation" in err


def test_format_cells_of_a_text_of_unknown_format_is_empty(capsys, tmp_path) -> None:
    code, out, err = run(capsys, "parse", write(tmp_path, "news.txt", "今天天气很好。\n".encode()), "-f", "cells")
    assert code == EXIT_OK and out == ""
    assert "does not look like a government information-disclosure annual report" in err


def test_format_lines_has_one_object_per_input_line(capsys, tmp_path) -> None:
    text = TEXT + "\n\n  \n\x0c\n"  # blank lines at the end, one of white space, one form feed
    code, out, _ = run(capsys, "parse", write(tmp_path, "r.txt", text.encode()), "--format", "lines")
    assert code == EXIT_OK
    rows = lines_out(out)
    assert [r["n"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["text"] for r in rows] == re.split(r"\r\n|\n|\r", text)
    for r in rows:
        assert set(r) == {"n", "text", "label", "confidence", "source"}
        blank = not r["text"].strip() or r["text"] == "\x0c"
        assert (r["label"] is None) == blank, r
        assert r["label"] in (None, "heading", "table", "prose", "other")


def test_format_markdown_is_the_default_and_lists_warnings(capsys, tmp_path) -> None:
    cut = TEXT[: TEXT.index("本机关不掌握相关政府信息")]
    code, out, err = run(capsys, "parse", write(tmp_path, "cut.txt", cut.encode()), "--rules-only")
    assert code == EXIT_OK
    assert out.startswith("# ") and "## Checks" in out and "## Warnings" in out
    assert "table review_litigation" in out
    assert err == ""  # markdown carries its warnings itself


def test_empty_file_is_ok_with_a_warning(capsys, tmp_path) -> None:
    code, out, err = run(capsys, "parse", write(tmp_path, "empty.txt", b""), "--format", "lines")
    assert code == EXIT_OK
    assert lines_out(out) == [{"n": 1, "text": "", "label": None, "confidence": None, "source": None}]
    assert "warning: empty input" in err


def test_example(capsys) -> None:
    code, out, _ = run(capsys, "parse", "--example", "--rules-only")
    assert code == EXIT_OK and "## Sections" in out


# ----------------------------------------------------------------------------- the real command


def _command(*argv: str, stdin: bytes = b"", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "govparse_ml.cli", *argv],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_subprocess_stdin_utf16_and_exit_codes(tmp_path) -> None:
    done = _command("parse", "-", "--format", "lines", "--rules-only", "--verbose", stdin=TEXT.encode("utf-16"))
    assert done.returncode == EXIT_OK, done.stderr
    assert [json.loads(x)["text"] for x in done.stdout.decode("utf-8").split("\n")[:-1]] == LINES
    assert b"as utf-16-le (bom)" in done.stderr

    pdf = write(tmp_path, "report.pdf", PDF)
    done = _command("parse", pdf)
    assert done.returncode == EXIT_INPUT and b"PDF" in done.stderr and b"Traceback" not in done.stderr
    assert _command("parse", str(tmp_path / "missing.txt")).returncode == EXIT_INPUT
    assert _command("parse", "--no-such-option").returncode == EXIT_USAGE


def test_subprocess_output_in_an_ascii_terminal_is_utf8_not_a_traceback(tmp_path) -> None:
    path = write(tmp_path, "r.txt", TEXT.encode())
    done = _command("parse", path, "--format", "lines", "--rules-only", env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout.decode("utf-8").split("\n")[0])["text"] == LINES[0]
