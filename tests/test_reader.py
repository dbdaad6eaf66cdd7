"""Tests for govparse_ml.io.files: encodings, binary refusal, file errors, stdin."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import random
import sys
import types
import zipfile
from pathlib import Path

import pytest

from govparse_ml.io import files as reader
from govparse_ml.io.files import DecodedText, InputError, decode_bytes, read_text

REPORT = (
    "2020年沂源县工信局\n"
    "政府信息公开工作年度报告\n"
    "\n"
    "本报告按照新修订的《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，"
    "由沂源县工业和信息化局综合本部门各科室信息公开工作情况编制。"
    "报告中所列数据统计期限自2020年1月1日始，至2020年12月31日止。\n"
    "\n"
    "一、总体情况\n"
    "2020年，县工信局认真贯彻落实《条例》要求，围绕中心，服务大局，进一步健全政府信息"
    "公开工作的体制机制建设，加强组织领导，完善信息公开程序，不断深化公开内容。\n"
    "\n"
    "二、主动公开政府信息情况\n"
    "第二十条第（一）项\t\t\t\n"
    "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n"
    "规章\t0\t0\t0\n"
    "规范性文件\t2\t2\t15\n"
    "\n"
    "五、政府信息公开工作存在的主要问题及改进情况\n"
    "一是公开内容不够全面；二是信息更新不够及时。下一步，我局将加强业务培训，"
    "提高工作人员的业务水平，确保政府信息公开工作规范、有序开展。\n"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------
# Encodings


@pytest.mark.parametrize(
    ("data", "encoding", "confidence"),
    [
        pytest.param(REPORT.encode("utf-8"), "utf-8", "valid", id="utf-8"),
        pytest.param(REPORT.encode("utf-8-sig"), "utf-8-sig", "bom", id="utf-8-sig"),
        pytest.param(REPORT.encode("gb18030"), "gb18030", "guessed", id="gb18030"),
        pytest.param(REPORT.encode("gbk"), "gb18030", "guessed", id="gbk"),
        pytest.param(codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), "utf-16-le", "bom", id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), "utf-16-be", "bom", id="utf-16-be-bom"),
        pytest.param(REPORT.encode("utf-16-le"), "utf-16-le", "guessed", id="utf-16-le-no-bom"),
        pytest.param(REPORT.encode("utf-16-be"), "utf-16-be", "guessed", id="utf-16-be-no-bom"),
        pytest.param(REPORT.encode("utf-32"), "utf-32-le", "bom", id="utf-32-bom"),
    ],
)
def test_round_trip(tmp_path: Path, data: bytes, encoding: str, confidence: str) -> None:
    path = _write(tmp_path, "report.txt", data)
    result = read_text(path)
    assert result == DecodedText(REPORT, encoding, confidence)
    assert decode_bytes(data) == result


def test_gbk_and_gb18030_bytes_really_differ_from_utf8() -> None:
    # Guard for the round-trip test: the GB bytes must not be UTF-8 by accident.
    with pytest.raises(UnicodeDecodeError):
        REPORT.encode("gbk").decode("utf-8")


def test_bom_is_stripped_only_once() -> None:
    # A second U+FEFF inside the text is content and must survive.
    data = codecs.BOM_UTF8 + "\ufeff一、总体情况\n".encode()
    assert decode_bytes(data) == DecodedText("\ufeff一、总体情况\n", "utf-8-sig", "bom")


def test_ascii_only_is_utf8() -> None:
    assert decode_bytes(b"2021 annual report\n") == DecodedText("2021 annual report\n", "utf-8", "valid")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_or_nul_bytes(codec: str) -> None:
    text = "政府信息主动公布情况"
    data = text.encode(codec)
    assert b"\x00" not in data
    assert decode_bytes(data) == DecodedText(text, codec, "guessed")


def test_short_gbk_text() -> None:
    assert decode_bytes("主动公开".encode("gbk")) == DecodedText("主动公开", "gb18030", "guessed")


def test_gbk_after_long_ascii_prefix() -> None:
    data = b"-" * 100_000 + b"\n" + REPORT.encode("gbk")
    result = decode_bytes(data)
    assert result.encoding == "gb18030"
    assert result.text.endswith(REPORT)


def test_damaged_utf8_is_refused_not_guessed(tmp_path: Path) -> None:
    cut = len(REPORT[:100].encode("utf-8"))
    good = REPORT.encode("utf-8")
    path = _write(tmp_path, "damaged.txt", good[:cut] + b"\xff" + good[cut:])
    with pytest.raises(InputError) as exc:
        read_text(path)
    message = str(exc.value)
    assert str(path) in message
    assert "UTF-8" in message
    assert f"offset {cut}" in message


def test_truncated_utf8_is_refused() -> None:
    data = REPORT.encode("utf-8") + "报".encode()[:2]
    with pytest.raises(InputError, match="UTF-8"):
        decode_bytes(data)


def test_utf8_followed_by_gbk_is_refused() -> None:
    data = REPORT.encode("utf-8") + REPORT.encode("gbk")
    first_bad = len(REPORT.encode("utf-8")) + len("2020")  # the GBK text starts "2020年"
    with pytest.raises(InputError, match=f"offset {first_bad}:"):
        decode_bytes(data)


def test_gbk_with_an_invalid_byte_is_refused() -> None:
    gbk = REPORT.encode("gbk")
    with pytest.raises(InputError, match="GB18030"):
        decode_bytes(gbk[:200] + b"\x80\x80" + gbk[200:], source="mixed.txt")


@pytest.mark.parametrize("codec", ["shift_jis", "euc_jp", "big5"])
def test_other_cjk_encodings_are_not_guessed_as_gb18030(codec: str) -> None:
    if codec == "big5":
        text = "政府資訊公開年度報告，本機關依據條例辦理。\n" * 20
    else:
        text = "日本語のテキストです。政府の情報公開に関する年次報告書。\n" * 20
    with pytest.raises(InputError, match="convert it to UTF-8") as exc:
        decode_bytes(text.encode(codec), source="other.txt")
    assert "other.txt" in str(exc.value)


def test_gb18030_requires_chinese_text() -> None:
    # Valid GBK bytes, but symbols and Greek rather than Chinese prose: not guessed.
    data = "ΑΒΓΔ αβγδ ★☆○● №§ ←→↑↓\n".encode("gbk") * 20
    assert data.decode("gb18030")
    with pytest.raises(InputError, match="does not read as Chinese"):
        decode_bytes(data)


def test_latin1_is_refused() -> None:
    with pytest.raises(InputError, match="not in a supported text encoding"):
        decode_bytes("Rapport annuel: résumé, données, année\n".encode("latin-1") * 5)


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.txt", b"")
    assert read_text(path) == DecodedText("", "utf-8", "valid")


# --------------------------------------------------------------------------
# Binary input


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types/>")
        zf.writestr("word/document.xml", f"<w:document><w:t>{REPORT}</w:t></w:document>")
    return buf.getvalue()


_FILLER = bytes(range(256)) * 4

BINARY_CASES = [
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "PDF"),
    ("report.docx", _docx_bytes(), "DOCX/XLSX/ZIP archive"),
    ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _FILLER, "DOC/XLS"),
    ("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _FILLER, "PNG image"),
    ("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + _FILLER, "JPEG image"),
    ("scan.gif", b"GIF89a\x10\x00\x10\x00" + _FILLER, "GIF image"),
    ("scan.tif", b"II*\x00\x08\x00\x00\x00" + _FILLER, "TIFF image"),
    ("scan-mm.tif", b"MM\x00*\x00\x00\x00\x08" + _FILLER, "TIFF image"),
    ("report.txt.gz", gzip.compress(REPORT.encode()), "gzip"),
    ("report.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + _FILLER, "7z archive"),
    ("report.rar", b"Rar!\x1a\x07\x01\x00" + _FILLER, "RAR archive"),
    ("parser", b"\x7fELF\x02\x01\x01\x00" + _FILLER, "ELF executable"),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + _FILLER, "Windows executable"),
]


@pytest.mark.parametrize(("name", "data", "kind"), BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_binary_formats_are_refused(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(InputError) as exc:
        read_text(path)
    message = str(exc.value)
    assert str(path) in message
    assert kind in message
    assert "convert" in message
    assert "not text" in message


def test_pdf_message_gives_a_pdftotext_command(tmp_path: Path) -> None:
    path = _write(tmp_path, "report.pdf", BINARY_CASES[0][1])
    with pytest.raises(InputError) as exc:
        read_text(path)
    expected = f"`pdftotext -layout {path} {tmp_path / 'report.txt'}`"
    assert str(exc.value) == (f"{path} looks like a PDF document, not text: convert it to text first (e.g. {expected})")


def test_mislabelled_pdf_hint_does_not_overwrite_input() -> None:
    with pytest.raises(InputError) as exc:
        decode_bytes(b"%PDF-1.4\n" + _FILLER, source="report.txt")
    assert "pdftotext -layout report.txt report.converted.txt" in str(exc.value)


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    data = random.Random(20240101).randbytes(8192)
    path = _write(tmp_path, "noise.txt", data)
    with pytest.raises(InputError) as exc:
        read_text(path)
    assert str(path) in str(exc.value)
    assert "binary data" in str(exc.value)
    assert f"NUL byte at offset {data.index(0)}" in str(exc.value)


def test_random_bytes_without_nul_are_refused() -> None:
    data = bytes(b or 1 for b in random.Random(7).randbytes(8192))
    assert b"\x00" not in data
    with pytest.raises(InputError, match=r"^noise\.bin looks like binary data .*control bytes"):
        decode_bytes(data, source="noise.bin")


def test_control_characters_are_refused() -> None:
    data = bytes(range(1, 9)) * 50 + "正文".encode()
    with pytest.raises(InputError, match=r"binary data.*control"):
        decode_bytes(data)


def test_stray_nul_bytes_in_text_are_refused() -> None:
    data = REPORT.encode("utf-8") * 10 + b"\x00" * 64
    with pytest.raises(InputError, match=f"NUL bytes \\(first at offset {len(data) - 64}\\).*tr -d"):
        decode_bytes(data, source="padded.txt")


def test_decode_bytes_default_source_in_message() -> None:
    with pytest.raises(InputError, match=r"^<bytes> looks like a PNG image"):
        decode_bytes(b"\x89PNG\r\n\x1a\n" + _FILLER)


# --------------------------------------------------------------------------
# File system errors


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-report.txt"
    with pytest.raises(InputError, match="no such file") as exc:
        read_text(path)
    assert str(path) in str(exc.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory") as exc:
        read_text(tmp_path)
    assert str(tmp_path) in str(exc.value)


def test_permission_denied_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "locked.txt", REPORT.encode())

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(reader, "open", deny, raising=False)
    with pytest.raises(InputError, match="permission denied") as exc:
        read_text(path)
    assert str(path) in str(exc.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read unreadable files")
def test_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "locked.txt", REPORT.encode())
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="permission denied"):
            read_text(path)
    finally:
        path.chmod(0o600)


def test_source_label_overrides_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.bin", b"%PDF-1.5\n" + _FILLER)
    with pytest.raises(InputError, match=r"^年度报告\.pdf looks like a PDF"):
        read_text(path, source="年度报告.pdf")


def test_str_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "report.txt", REPORT.encode())
    assert read_text(str(path)).text == REPORT


# --------------------------------------------------------------------------
# Standard input


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.SimpleNamespace(buffer=io.BytesIO(REPORT.encode("gbk")))
    monkeypatch.setattr(sys, "stdin", fake)
    assert read_text("-") == DecodedText(REPORT, "gb18030", "guessed")


def test_stdin_binary_names_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.SimpleNamespace(buffer=io.BytesIO(b"%PDF-1.7\n" + _FILLER))
    monkeypatch.setattr(sys, "stdin", fake)
    with pytest.raises(InputError, match=r"^<stdin> looks like a PDF document.*convert"):
        read_text("-")


def test_stdin_without_byte_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(REPORT))
    with pytest.raises(InputError, match="standard input"):
        read_text("-")
