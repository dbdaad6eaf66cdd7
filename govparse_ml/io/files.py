"""Read stage: turn the bytes of a report file into text.

Supported encodings, tried in this order:

* a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides the codec;
* UTF-16 without a BOM, recognised by its NUL bytes and by the decoded text
  looking like ordinary (Chinese or ASCII) text;
* UTF-8;
* GB18030 (a superset of GBK and GB2312), accepted only when the decoded text
  looks like Chinese;
* UTF-16 without a BOM and without any NUL byte (pure-CJK text).

Decoding is always strict: characters are never replaced or dropped.  Known
binary formats (PDF, Office files, images, archives, executables) and other
binary data are refused with an :class:`InputError` that says how to convert
the file to text.  Detection heuristics look at a sample of at most 64 KiB, so
large files cost little more than one strict decode.
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import PurePath

__all__ = ["DecodedText", "InputError", "decode_bytes", "read_text"]

_SAMPLE_BYTES = 64 * 1024
# The largest input read: one report is rarely over 1 MB, and a 50 MB text already needs ~2 GB
# to parse; past this, /dev/zero or a runaway file would eat the machine's memory.
MAX_INPUT_BYTES = 256 * 1024 * 1024
_WINDOW_CHARS = 32 * 1024

# A decoded sample is "text" only if at most this share of it is control chars.
_MAX_CONTROL_SHARE = 0.05
# GB18030 must yield mostly ideographs, mostly from the common GB2312 set.
_MIN_IDEOGRAPH_SHARE = 0.5
_MAX_UNCOMMON_SHARE_GB = 0.25
# ... and hardly any kana (EUC-JP Japanese decodes as valid GB2312).
_MAX_KANA_SHARE_GB = 0.05
# BOM-less UTF-16 must yield at most this share of chars outside GB2312.
_MAX_UNCOMMON_SHARE_UTF16 = 0.1
# Invalid UTF-8 is called damaged UTF-8 (not another encoding) when at most
# this share of its sequences is bad, or when this many valid multi-byte
# characters precede the first bad byte.
_MAX_BAD_SHARE_UTF8 = 0.02
_MIN_VALID_PREFIX_UTF8 = 8

_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")
_IDEOGRAPH_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA_RE = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x20), 0x7F])
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)

# (BOM, codec used to decode the rest, encoding name reported); longest first.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)


class InputError(Exception):
    """Input that cannot be read as a report's text; message says what and what to do."""


@dataclass(frozen=True)
class DecodedText:
    """Text of a report and how it was decoded.

    ``confidence`` is ``'bom'`` when a byte-order mark named the encoding,
    ``'valid'`` when the bytes are valid UTF-8 (unambiguous in practice), and
    ``'guessed'`` when a heuristic chose the codec (GB18030, BOM-less UTF-16).
    """

    text: str
    encoding: str
    confidence: str


# --------------------------------------------------------------------------
# Known binary formats


@dataclass(frozen=True)
class _Kind:
    name: str  # "a PDF document"
    ext: str  # typical extension, used when the source has no file name
    how: str  # conversion hint; {src}, {txt} and {stem} are shell-quoted names


_LIBREOFFICE = "e.g. `libreoffice --headless --convert-to txt:Text {src}`"
_OCR = "it is an image, so run OCR on it, e.g. `tesseract {src} {stem} -l chi_sim`"
_PROGRAM = "pass the report's own text file instead of this program"

_PDF = _Kind("a PDF document", ".pdf", "e.g. `pdftotext -layout {src} {txt}`")
_ZIP = _Kind(
    "a DOCX/XLSX/ZIP archive",
    ".docx",
    f"{_LIBREOFFICE} for a DOCX/XLSX file, or unzip an archive and pick the text file",
)
_OLE = _Kind("a legacy Word/Excel (DOC/XLS) document", ".doc", _LIBREOFFICE)
_RTF = _Kind("an RTF document", ".rtf", _LIBREOFFICE)
_PNG = _Kind("a PNG image", ".png", _OCR)
_JPEG = _Kind("a JPEG image", ".jpg", _OCR)
_GIF = _Kind("a GIF image", ".gif", _OCR)
_TIFF = _Kind("a TIFF image", ".tif", _OCR)
_GZIP = _Kind("a gzip-compressed file", ".gz", "decompress it, e.g. `gzip -dc {src} > {txt}`")
_BZIP2 = _Kind("a bzip2-compressed file", ".bz2", "decompress it, e.g. `bzip2 -dc {src} > {txt}`")
_XZ = _Kind("an xz-compressed file", ".xz", "decompress it, e.g. `xz -dc {src} > {txt}`")
_7Z = _Kind("a 7z archive", ".7z", "extract it, e.g. `7z x {src}`, and pick the text file")
_RAR = _Kind("a RAR archive", ".rar", "extract it, e.g. `unrar x {src}`, and pick the text file")
_ELF = _Kind("an ELF executable", "", _PROGRAM)
_EXE = _Kind("a Windows executable", ".exe", _PROGRAM)
_MACHO = _Kind("a Mach-O executable or Java class file", "", _PROGRAM)
_SQLITE = _Kind("an SQLite database", ".db", "export the report's text from it")
_BINARY = _Kind("binary data", "", "pass the report's plain-text file")

_MAGIC: tuple[tuple[bytes, _Kind], ...] = (
    (b"%PDF", _PDF),
    (b"PK\x03\x04", _ZIP),
    (b"PK\x05\x06", _ZIP),  # empty ZIP archive
    (b"PK\x07\x08", _ZIP),  # spanned ZIP archive
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _OLE),
    (b"{\\rtf", _RTF),
    (b"\x89PNG\r\n\x1a\n", _PNG),
    (b"\xff\xd8\xff", _JPEG),
    (b"GIF87a", _GIF),
    (b"GIF89a", _GIF),
    (b"II*\x00", _TIFF),
    (b"MM\x00*", _TIFF),
    (b"\x1f\x8b", _GZIP),
    (b"\xfd7zXZ\x00", _XZ),
    (b"7z\xbc\xaf\x27\x1c", _7Z),
    (b"Rar!\x1a\x07", _RAR),
    (b"\x7fELF", _ELF),
    (b"\xfe\xed\xfa\xce", _MACHO),
    (b"\xfe\xed\xfa\xcf", _MACHO),
    (b"\xce\xfa\xed\xfe", _MACHO),
    (b"\xcf\xfa\xed\xfe", _MACHO),
    (b"\xca\xfe\xba\xbe", _MACHO),
    (b"SQLite format 3\x00", _SQLITE),
)
_BZIP2_RE = re.compile(rb"BZh[1-9]1AY&SY")


def _sniff_binary(data: bytes) -> _Kind | None:
    """Return the binary format announced by ``data``'s magic bytes, if any."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:1024].lstrip().startswith(b"%PDF-"):  # PDFs may have leading junk
        return _PDF
    if _BZIP2_RE.match(data):
        return _BZIP2
    if data.startswith(b"MZ") and b"\x00" in data[2:64]:
        return _EXE
    return None


def _shell_names(source: str, ext: str) -> dict[str, str]:
    """Shell-quoted input name, output .txt name and its stem, for hints."""
    src = PurePath("report" + (ext or ".bin") if not source or source.startswith("<") else source)
    txt = src.with_suffix(".txt") if src.suffix else src.with_name(src.name + ".txt")
    if txt == src:  # a .txt file that is not usable text: don't overwrite it
        txt = src.with_name(src.stem + ".converted.txt")
    return {
        "src": shlex.quote(str(src)),
        "txt": shlex.quote(str(txt)),
        "stem": shlex.quote(str(txt.with_suffix(""))),
    }


def conversion_hint(source: str, kind: str) -> tuple[str, str]:
    """What a ``"pdf"`` (else a DOCX) file is called in messages and how to convert ``source`` to text."""
    what = _PDF if kind == "pdf" else _ZIP
    return what.name, what.how.format(**_shell_names(source, what.ext))


def _binary_error(source: str, kind: _Kind, detail: str = "") -> InputError:
    """Build the "not text, convert it" error for ``source``."""
    how = kind.how.format(**_shell_names(source, kind.ext))
    return InputError(f"{source} looks like {kind.name}{detail}, not text: convert it to text first ({how})")


# --------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class _Profile:
    """Character statistics of a decoded sample."""

    chars: int
    controls: int
    non_ascii: int
    ideographs: int
    kana: int
    uncommon: int  # non-ASCII chars outside GB2312 (rare hanzi, PUA, other scripts)

    @property
    def texty(self) -> bool:
        return self.chars > 0 and self.controls <= _MAX_CONTROL_SHARE * self.chars

    def looks_chinese(self) -> bool:
        """Ordinary Chinese text: mostly common ideographs among non-ASCII chars."""
        return (
            self.texty
            and self.non_ascii > 0
            and self.ideographs >= _MIN_IDEOGRAPH_SHARE * self.non_ascii
            and self.uncommon <= _MAX_UNCOMMON_SHARE_GB * self.non_ascii
            and self.kana <= _MAX_KANA_SHARE_GB * self.non_ascii
        )

    def uncommon_share(self) -> float:
        return self.uncommon / self.chars if self.chars else 1.0


def _profile(window: str) -> _Profile:
    """Count control, non-ASCII, ideograph and uncommon chars (C-speed regexes)."""
    non_ascii = "".join(_NON_ASCII_RUN_RE.findall(window))
    # '?' is ASCII, so every '?' in the encoded non-ASCII chars is a replacement.
    uncommon = non_ascii.encode("gb2312", errors="replace").count(b"?")
    return _Profile(
        chars=len(window),
        controls=len(_CONTROL_RE.findall(window)),
        non_ascii=len(non_ascii),
        ideographs=len(_IDEOGRAPH_RE.findall(non_ascii)),
        kana=len(_KANA_RE.findall(non_ascii)),
        uncommon=uncommon,
    )


def _decode_prefix(sample: bytes, codec: str, errors: str = "strict") -> tuple[str, bool]:
    """Decode a sample that may end mid-character.

    Returns the text of the longest valid prefix and whether it is all of it.
    """
    decoder = codecs.getincrementaldecoder(codec)
    try:
        return decoder(errors=errors).decode(sample, final=False), True
    except UnicodeDecodeError as exc:
        return decoder(errors=errors).decode(sample[: exc.start], final=False), False


def _guess_utf16(sample: bytes) -> str | None:
    """Return 'utf-16-le'/'utf-16-be' if the BOM-less sample reads as text in it."""
    # ASCII chars put their NUL byte at odd offsets in LE, even offsets in BE:
    # try the endianness the NUL pattern suggests first (it wins ties).
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd_nuls >= even_nuls else ("utf-16-be", "utf-16-le")
    best: tuple[float, str] | None = None
    for codec in order:
        text, whole = _decode_prefix(sample, codec)
        if not whole or not text:
            continue
        prof = _profile(text[:_WINDOW_CHARS])
        share = prof.uncommon_share()
        if prof.texty and share <= _MAX_UNCOMMON_SHARE_UTF16 and (best is None or share < best[0]):
            best = (share, codec)
    return best[1] if best else None


def _control_byte_share(sample: bytes) -> float:
    return len(sample.translate(None, _NON_CONTROL_BYTES)) / len(sample) if sample else 0.0


# --------------------------------------------------------------------------
# Decoding


def _strict(data: bytes, codec: str, source: str, what: str) -> str:
    """Decode all of ``data`` strictly or raise InputError naming the offset."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} {what}, but byte {exc.start} is not valid {codec.upper()} "
            f"({exc.reason}): the file may be truncated or mix encodings; "
            f"re-export it as UTF-8 text"
        ) from None


def _check_text(text: str, source: str) -> None:
    """Refuse decoded text that is really binary (NULs or many control chars)."""
    if not text:  # a byte-order mark and nothing else: parse says "empty input"
        return
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(
            f"{source} contains NUL characters (first at character {nul}), so it is "
            f"binary data, not text: convert it to text first (if it is text with "
            f"stray NUL bytes, remove them, e.g. `tr -d '\\000' < in.txt > out.txt`)"
        )
    prof = _profile(text[:_SAMPLE_BYTES])
    if not prof.texty:
        share = prof.controls / prof.chars
        raise _binary_error(source, _BINARY, f" ({share:.0%} control characters)")


def decode_bytes(data: bytes, *, source: str = "<bytes>") -> DecodedText:
    """Decode a report's raw bytes strictly, detecting the encoding.

    ``source`` names the input in error messages.  Raises InputError for
    binary formats, binary data and bytes that no supported codec decodes.
    """
    if not data:
        return DecodedText("", "utf-8", "valid")
    kind = _sniff_binary(data)
    if kind is not None:
        raise _binary_error(source, kind)
    decoded = _decode_bom(data, source)
    if decoded is None and b"\x00" in data:
        decoded = _decode_with_nul(data, source)
    if decoded is not None:
        return decoded
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _decode_not_utf8(data, source, exc)
    _check_text(text, source)
    return DecodedText(text, "utf-8", "valid")


def _checked(text: str, encoding: str, confidence: str, source: str) -> DecodedText:
    _check_text(text, source)
    return DecodedText(text, encoding, confidence)


def _decode_bom(data: bytes, source: str) -> DecodedText | None:
    """The text after a byte-order mark, in the codec it names; None without one."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            what = f"starts with a {name.upper().removesuffix('-SIG')} byte-order mark"
            return _checked(_strict(data[len(bom) :], codec, source, what), name, "bom", source)
    return None


def _decode_with_nul(data: bytes, source: str) -> DecodedText:
    """Bytes with a NUL and no BOM: UTF-16 text, or refused as binary."""
    nul = data.find(b"\x00")
    codec16 = _guess_utf16(data[:_SAMPLE_BYTES])
    if codec16 is None:
        if nul < 1024:
            raise _binary_error(source, _BINARY, f" (NUL byte at offset {nul})")
        raise InputError(
            f"{source} contains NUL bytes (first at offset {nul}), so it is binary "
            f"data, not text: convert it to text first (if it is text with stray NUL "
            f"bytes, remove them, e.g. `tr -d '\\000' < in.txt > out.txt`)"
        )
    text = _strict(data, codec16, source, f"looks like {codec16.upper()} text without a BOM")
    return _checked(text, codec16, "guessed", source)


def _decode_not_utf8(data: bytes, source: str, utf8_error: UnicodeDecodeError) -> DecodedText:
    """Bytes that are not UTF-8: GB18030 Chinese, or BOM-less UTF-16 without NULs; refused as
    damaged UTF-8, binary data or an unsupported encoding otherwise."""
    # Look at the bytes from the first non-ASCII one on: it is a character boundary in every
    # ASCII-compatible encoding.
    high = _HIGH_BYTE_RE.search(data)
    start = high.start() if high else 0
    tail = data[start : start + _SAMPLE_BYTES]
    _refuse_damaged_utf8(data, start, tail, source, utf8_error)
    as_gb, _ = _decode_prefix(tail, "gb18030")  # a valid prefix is enough to judge
    if _profile(as_gb[:_WINDOW_CHARS]).looks_chinese():
        text = _strict(data, "gb18030", source, "looks like GB18030/GBK Chinese text")
        return _checked(text, "gb18030", "guessed", source)
    sample = data[:_SAMPLE_BYTES]
    codec16 = _guess_utf16(sample)
    if codec16 is not None:
        try:
            return _checked(data.decode(codec16), codec16, "guessed", source)
        except UnicodeDecodeError:
            pass
    control_share = _control_byte_share(sample)
    if control_share > _MAX_CONTROL_SHARE:
        raise _binary_error(source, _BINARY, f" ({control_share:.0%} control bytes)")
    names = _shell_names(source, ".txt")
    raise InputError(
        f"{source} is not in a supported text encoding (UTF-8, GB18030/GBK, UTF-16): "
        f"byte {utf8_error.start} is not valid UTF-8 and it does not read as Chinese "
        f"text in GB18030; convert it to UTF-8 first, e.g. "
        f"`iconv -f ENCODING -t UTF-8 {names['src']} > {names['txt']}` "
        f"with ENCODING its real encoding (such as BIG5 or SHIFT_JIS)"
    )


def _refuse_damaged_utf8(data: bytes, start: int, tail: bytes, source: str, utf8_error: UnicodeDecodeError) -> None:
    """Raise InputError if invalid UTF-8 is damaged UTF-8 rather than another encoding: few bad
    sequences, or enough valid multi-byte characters before the first bad byte."""
    valid_prefix, _ = _decode_prefix(data[start : utf8_error.start][:_SAMPLE_BYTES], "utf-8")
    valid_multibyte = sum(map(len, _NON_ASCII_RUN_RE.findall(valid_prefix)))
    as_utf8, _ = _decode_prefix(tail, "utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    non_ascii = sum(map(len, _NON_ASCII_RUN_RE.findall(as_utf8)))
    if valid_multibyte >= _MIN_VALID_PREFIX_UTF8 or bad <= _MAX_BAD_SHARE_UTF8 * non_ascii:
        names = _shell_names(source, ".txt")
        raise InputError(
            f"{source} is UTF-8 text with invalid bytes (first at offset "
            f"{utf8_error.start}: {utf8_error.reason}): the file is damaged or mixes "
            f"encodings; fix those bytes or re-export the report as UTF-8 "
            f"(`iconv -c -f UTF-8 -t UTF-8 {names['src']} > {names['txt']}` drops them, "
            f"if losing them is acceptable)"
        )


def read_text(path: str | os.PathLike[str], *, source: str | None = None) -> DecodedText:
    """Read and decode a report file; ``"-"`` reads standard input's bytes.

    ``source`` names the input in error messages (default: the path, or
    ``<stdin>``).  Raises InputError if the file cannot be read or decoded.
    """
    if isinstance(path, str) and path == "-":
        label = source or "<stdin>"
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise InputError(
                f"{label}: standard input has no byte stream to read from; pass the report as a file path instead"
            )
        try:
            data = stream.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{label}: cannot read standard input ({exc})") from None
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(_too_large(label, MAX_INPUT_BYTES))
        return decode_bytes(data, source=label)

    fspath = os.fspath(path)
    label = source or str(fspath)
    return decode_bytes(read_bytes(fspath, label), source=label)


_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def read_bytes(path: str | os.PathLike[str], label: str | None = None, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` (default :data:`MAX_INPUT_BYTES`).

    A FIFO would block the reader for good and ``/dev/zero`` fill the memory (13 GB in 8 s):
    anything but a regular file is refused before it is opened, and a file past the limit
    is refused rather than read. Raises InputError with the reason.
    """
    fspath = os.fspath(path)
    label = label or str(fspath)
    limit = MAX_INPUT_BYTES if max_bytes is None else max_bytes
    try:
        mode = os.stat(fspath).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            hint = "pass the report's text file" if kind == "a directory" else "pass a regular file (or - for a pipe)"
            raise InputError(f"{label} is {kind}, not a file: {hint}")
        with open(fspath, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{label}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{label} is a directory, not a file: pass the report's text file") from None
    except PermissionError:
        raise InputError(
            f"{label}: permission denied; make the file readable (e.g. `chmod u+r`) or copy it somewhere readable"
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(f"{label}: cannot read the file ({reason})") from None
    if len(data) > limit:
        raise InputError(_too_large(label, limit))
    return data


def _too_large(label: str, limit: int) -> str:
    return (
        f"{label} is larger than {limit / 2**20:,.0f} MB, the limit for one input "
        f"(govparse_ml.io.files.MAX_INPUT_BYTES): split it into its reports first"
    )
