#!/usr/bin/env python
"""Fuzz ``govparse_ml.parse``: many generated inputs, none may crash it or lose a line.

Every case is generated from ``(--seed, case number)`` alone, so any failure can be replayed
with ``--case N --show``. The generators:

* ``unicode``   random code points from every awkward range (controls, NUL, C1, lone
                surrogates, astral, combining marks, zero-width, full-width, Unicode line
                separators that ``str.splitlines`` would split on but the parser must not);
* ``fragments`` random mixtures of report and table fragments (section headings, captions,
                row and column labels of the schema, numbers, glued digits, null marks) joined
                by ``|``, tabs, spaces and every kind of line break;
* ``long``      one very long line (20k–200k characters) of fragments or digits;
* ``control``   fragments with NUL and control characters sprinkled in;
* ``seed``      the seed reports (and the bundled example) truncated, shuffled, with lines
                dropped, doubled or glued, line breaks changed, tabs turned into bars or
                spaces, digits changed, random characters inserted;
* ``generated`` a generated report of any layout and format, damaged once as ``seed`` does
                (a tenth of the cases: 10,000 of the default 100,000);
* ``glued``     row labels of the schema each followed by 10-100 glued digits, on lines or all
                on one line (the inputs that once took 6-10 s), alone or inside a seed report;
* ``jsonl``     a JSON Lines corpus of hostile records for ``govparse-ml batch`` (lone surrogate
                escapes in ids and texts, deep nesting, raw U+2028/U+2029/U+0085 inside strings,
                non-objects, missing or non-string texts, CRLF): every line must give one item
                with the right ``FILE:LINE`` id, and every row and cell it gives must encode as
                UTF-8 (what the checkpoint and every output format need);
* ``bytes``     a file's bytes (a BOM alone or before junk, NULs, random bytes, a truncated
                UTF-8 or GB18030 text): ``decode_bytes`` returns text or raises ``InputError``,
                nothing else.

For each case: ``parse`` returns a ``Report`` and does not raise; ``Report.lines`` holds
every input line exactly once, in order, with its text unchanged
(``re.split(r"\\r\\n|\\n|\\r", text)``), numbered from 1; a line is unlabelled exactly when it
is blank; every schema cell of the format is present (none when no format was found); no
stage failed (a warning of parse's safety net counts as a failure). Every tenth case
also renders every export format and reads the JSON back.

    python scripts/fuzz.py                     # 100,000 cases over 2 processes
    python scripts/fuzz.py --n 2000 --seed 7   # a quick run
    python scripts/fuzz.py --case 1234 --show  # replay one case and print its input

Prints the cases per second, the number of failures and the slowest cases (CPU seconds of the
case in its worker, which other load on a shared machine barely moves; wall seconds beside),
and how many took over SLOW_SECONDS; exits 1 if there were failures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import re
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govparse_ml import Report, parse  # noqa: E402
from govparse_ml.batch.inputs import collect_inputs  # noqa: E402
from govparse_ml.batch.tasks import parse_item  # noqa: E402
from govparse_ml.document import LABELS  # noqa: E402
from govparse_ml.format import schema  # noqa: E402
from govparse_ml.io import export  # noqa: E402
from govparse_ml.io.files import InputError, decode_bytes  # noqa: E402
from govparse_ml.synth import generate  # noqa: E402
from govparse_ml.text.normalize import is_blank  # noqa: E402

LINE_BREAK = re.compile(r"\r\n|\n|\r")
SLOW_SECONDS = 0.5  # the target for any one case (CPU time)
# Warnings of parse's safety nets: a stage raised. parse survived, but it is a bug all the same.
INTERNAL = re.compile(r"could not be (?:assembled|read)|line classifier failed")

# ----------------------------------------------------------------------------- material


def _seed_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "training_data" / "labeled").glob("*.jsonl")):
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        texts.append("\n".join(r["text"] for r in rows))
    example = ROOT / "govparse_ml" / "data" / "example.txt"
    if example.exists():
        texts.append(example.read_text(encoding="utf-8"))
    shared = ROOT.parent / "shared" / "seeds"
    if shared.is_dir():
        texts.extend(p.read_text(encoding="utf-8") for p in sorted(shared.glob("*.txt")))
    return texts


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for version in schema.FORMATS:
        for table in schema.tables(version).values():
            words.add(table.title)
            words.update(table.header_keys)
            for row in table.rows:
                words.add(row.label)
                words.update(row.keys)
                words.update(c.label for c in row.columns)
    for s in schema.SECTIONS:
        words.update(s.keys)
        words.add(s.title)
    words.update(
        [
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
            "第二十条第（一）项",
            "第二十条第(五)项",
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            "申请人情况",
            "法人或其他组织",
            "（一）",
            "(二)",
            "1.",
            "2、",
            "第3页 共5页",
            "- 2 -",
            "2020年12月31日",
            "XX县人民政府办公室",
            "2021年XX局政府信息公开工作年度报告",
            "信息内容",
            "总计",
            "无",
            "/",
            "—",
            "--",
            "|---|---|",
            "**",
            "#",
            "```",
            "<br>",
            "。",
            "，",
            "；",
        ]
    )
    return sorted(words)


VOCAB = _vocabulary()
SEPARATORS = ["|", "\t", " ", "  ", "\n", "\r\n", "\r", "\n\n", " | ", "\t\t", "｜", "\u3000", ""]


def _number(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return str(rng.randint(0, 20))
    if r < 0.7:
        return str(rng.randint(0, 10 ** rng.randint(1, 6)))
    if r < 0.8:  # glued digits; long runs are rare, each costs the reading search up to ~3 s
        k = rng.randint(2, 40) if rng.random() < 0.01 else rng.randint(2, 12)
        return "".join(rng.choice("0123456789") for _ in range(k))
    if r < 0.85:
        return f"{rng.uniform(-1000, 1000):.{rng.randint(0, 4)}f}"
    if r < 0.9:
        return f"{rng.randint(0, 10**7):,}"
    return rng.choice(["/", "-", "--", "—", "——", "－", "无", "0%", "12万元", "3.5万", "+1", "-2"])


def _fragment(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return rng.choice(VOCAB)
    if r < 0.85:
        return _number(rng)
    if r < 0.95:
        word = rng.choice(VOCAB)
        return " ".join(word) if rng.random() < 0.5 else "\n".join(word)  # OCR spaces, vertical labels
    return _random_chars(rng, rng.randint(1, 10))


# Code point ranges, weighted toward the awkward ones.
_RANGES = [
    (0x20, 0x7E, 10),  # printable ASCII
    (0x4E00, 0x9FFF, 10),  # CJK
    (0x3000, 0x303F, 2),  # CJK punctuation
    (0xFF00, 0xFFEF, 2),  # full-width forms
    (0x00, 0x1F, 4),  # C0 controls, NUL, \t \n \r \x0b \x0c \x1c-\x1f
    (0x7F, 0x9F, 2),  # DEL and C1 controls, \x85
    (0x2000, 0x206F, 2),  # general punctuation: zero-width, \u2028 \u2029, bidi marks
    (0x0300, 0x036F, 1),  # combining marks
    (0xD800, 0xDFFF, 1),  # lone surrogates (a str can hold them)
    (0xE000, 0xF8FF, 1),  # private use
    (0x1F300, 0x1FAFF, 1),  # emoji
    (0x20000, 0x2A6DF, 1),  # CJK extension B
    (0x0600, 0x06FF, 1),  # Arabic (right to left)
    (0xFEFF, 0xFEFF, 1),  # BOM inside the text
    (0x00A0, 0x00FF, 1),  # Latin-1, no-break space, soft hyphen
]
_WEIGHTS = [w for _, _, w in _RANGES]


def _random_chars(rng: random.Random, n: int) -> str:
    out = []
    for lo, hi, _ in rng.choices(_RANGES, _WEIGHTS, k=n):
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


# ----------------------------------------------------------------------------- generators


def gen_unicode(rng: random.Random) -> str:
    n = int(rng.paretovariate(1.2) * 20) % 5000
    return _random_chars(rng, n)


def gen_fragments(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 150)):
        parts.append(_fragment(rng))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts)


def gen_long(rng: random.Random) -> str:
    target = rng.randint(20_000, 200_000)
    r = rng.random()
    if r < 0.3:
        return "".join(rng.choice("0123456789 |\t") for _ in range(target))
    if r < 0.4:
        return rng.choice(["1", "|", "\t", "。", "申", " ", "（", "无"]) * target
    parts: list[str] = []
    size = 0
    while size < target:
        piece = _fragment(rng).replace("\n", " ").replace("\r", " ")
        sep = rng.choice(["|", "\t", " ", "  ", "", "。"])
        parts += [piece, sep]
        size += len(piece) + len(sep)
    text = "".join(parts)
    return text if rng.random() < 0.7 else rng.choice(SEED_TEXTS)[:2000] + "\n" + text + "\n" + rng.choice(VOCAB)


def gen_control(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 200)):
        if rng.random() < 0.4:
            parts.append(
                "".join(chr(rng.choice([*range(0, 32), 0x7F, 0x85, 0x2028, 0x2029])) for _ in range(rng.randint(1, 5)))
            )
        else:
            parts.append(_fragment(rng))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts)


def _mutate(rng: random.Random, text: str) -> str:
    op = rng.randrange(14)
    lines = LINE_BREAK.split(text)
    if op == 0:  # truncate anywhere (mid-line, mid-table)
        return text[: rng.randint(0, len(text))]
    if op == 1:  # drop the head
        return text[rng.randint(0, len(text)) :]
    if op == 2:  # shuffle all lines
        rng.shuffle(lines)
        return "\n".join(lines)
    if op == 3:  # shuffle a block of lines
        a = rng.randrange(len(lines))
        b = min(len(lines), a + rng.randint(2, 30))
        block = lines[a:b]
        rng.shuffle(block)
        return "\n".join(lines[:a] + block + lines[b:])
    if op == 4:  # drop random lines
        return "\n".join(ln for ln in lines if rng.random() > 0.3)
    if op == 5:  # double random lines
        return "\n".join(x for ln in lines for x in ([ln, ln] if rng.random() < 0.2 else [ln]))
    if op == 6:  # the whole report on one line
        return rng.choice([" ", "", "\t", "　"]).join(lines)
    if op == 7:  # other line breaks
        return rng.choice(["\r\n", "\r", "\n\n", "\n\r", "\u2028", "\x0b", "\x0c"]).join(lines)
    if op == 8:  # tabs to bars, spaces or nothing
        return text.replace("\t", rng.choice(["|", " ", "  ", "", " | ", "\n"]))
    if op == 9:  # change digits
        return re.sub(r"\d", lambda _: rng.choice("0123456789"), text)
    if op == 10:  # insert random characters
        chars = list(text)
        for _ in range(rng.randint(1, 50)):
            chars.insert(rng.randint(0, len(chars)), _random_chars(rng, rng.randint(1, 4)))
        return "".join(chars)
    if op == 11:  # splice two reports
        other = rng.choice(SEED_TEXTS)
        return text[: rng.randint(0, len(text))] + other[rng.randint(0, len(other)) :]
    if op == 12:  # cut lines at random places (a PDF converter wrapping)
        out = []
        for ln in lines:
            while len(ln) > 5 and rng.random() < 0.3:
                k = rng.randint(1, len(ln) - 1)
                out.append(ln[:k])
                ln = ln[k:]
            out.append(ln)
        return "\n".join(out)
    # op == 13: repeat the table part
    return text + "\n" + text[len(text) // 2 :] * rng.randint(1, 3)


def gen_seed(rng: random.Random) -> str:
    text = rng.choice(SEED_TEXTS)
    for _ in range(rng.randint(1, 3)):
        text = _mutate(rng, text)
        if not text:
            break
    return text


def gen_generated(rng: random.Random) -> str:
    doc = generate.generate(
        rng.randrange(10**9), format_version=rng.choice(schema.FORMATS), layout=rng.choice(generate.LAYOUTS)
    )
    return _mutate(rng, doc.text) if rng.random() < 0.8 else doc.text


def gen_glued(rng: random.Random) -> str:
    lines = []
    low = rng.choice([10, 20, 30])
    high = rng.choice([low, 40, 100])
    for spec in schema.tables(rng.choice(schema.FORMATS)).values():
        if rng.random() < 0.8:
            lines.append(spec.title)
            for row in spec.rows:
                lines.append(row.label + "".join(rng.choice("0123456789") for _ in range(rng.randint(low, high))))
    text = ("" if rng.random() < 0.4 else "\n").join(lines)
    if rng.random() < 0.3:
        seed = rng.choice(SEED_TEXTS)
        cut = rng.randint(0, len(seed))
        text = seed[:cut] + "\n" + text + "\n" + seed[cut:]
    return text


# A JSONL case's text is the corpus; its first line says so, for --show.
JSONL_MARK = "#jsonl\n"
BYTES_MARK = "#bytes\n"


def gen_jsonl(rng: random.Random) -> str:
    records = []
    for _ in range(rng.randint(1, 12)):
        r = rng.random()
        body = _fragment(rng) + rng.choice(["\u2028", "\u2029", "\x85", "\t", "", "\u3000"]) + _fragment(rng)
        if r < 0.2:
            records.append(json.dumps({"id": "x\ud800" * rng.randint(1, 3), "text": body}))
        elif r < 0.35:
            records.append(json.dumps({"text": body[:5] + "\udc00\ud83d" + body[5:]}))
        elif r < 0.45:
            depth = rng.choice([10, 2_000, 100_000])
            records.append("[" * depth + "]" * depth if rng.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth)
        elif r < 0.6:  # raw line separators inside a string: valid JSON, one record
            records.append(json.dumps({"id": rng.choice([None, "", 7, "r"]), "text": body}, ensure_ascii=False))
        elif r < 0.7:
            records.append(rng.choice(["[1, 2]", '"text"', "null", '{"id": "a"}', '{"text": 5}', "{", ""]))
        else:
            records.append(json.dumps({"text": rng.choice(SEED_TEXTS)[: rng.randint(0, 3000)]}, ensure_ascii=False))
    return JSONL_MARK + rng.choice(["\n", "\r\n"]).join(records) + rng.choice(["\n", "", "\r\n"])


def gen_bytes(rng: random.Random) -> str:
    r = rng.random()
    bom = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""])
    if r < 0.3:
        data = bom + rng.choice([b"", b"\r\n", b"\x00", b" ", b"\n\n"])
    elif r < 0.6:
        text = rng.choice(SEED_TEXTS)[: rng.randint(0, 2000)]
        data = text.encode(rng.choice(["utf-8", "gb18030", "utf-16-le"]), "ignore")
        data = bom + data[: rng.randint(0, len(data))]
    else:
        data = bom + bytes(rng.randrange(256) for _ in range(rng.randint(0, 500)))
    return BYTES_MARK + data.hex()


def check_jsonl(corpus: str, model) -> str | None:
    import tempfile

    with tempfile.NamedTemporaryFile(
        "w", suffix=".jsonl", encoding="utf-8", delete=False, errors="surrogatepass"
    ) as fh:
        fh.write(corpus)
        path = Path(fh.name)
    try:
        try:
            items, _ = collect_inputs([str(path)])
        except InputError as exc:  # the file itself is refused (not UTF-8: a lone surrogate written raw)
            return None if "not valid" in str(exc) or "invalid" in str(exc) else f"collect_inputs: {exc}"
        lines = corpus.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        want = [n for n, line in enumerate(lines, start=1) if line.strip()]
        if [int(it.source.rsplit(":", 1)[1]) for it in items] != want:
            return f"items at lines {[it.source.rsplit(':', 1)[1] for it in items][:8]}, records at {want[:8]}"
        for it in items:
            row, cells = parse_item(it, model, True)
            for value in (*row, *(x for c in cells or () for x in c)):
                if isinstance(value, str):
                    value.encode("utf-8")  # what the checkpoint and the outputs need
            json.dumps({"row": row, "cells": cells}, ensure_ascii=False).encode("utf-8")
    except Exception:
        return "jsonl: " + traceback.format_exc(limit=4).strip().splitlines()[-1]
    finally:
        path.unlink()
    return None


def check_bytes(data: bytes) -> str | None:
    try:
        decoded = decode_bytes(data, source="case")
    except InputError:
        return None
    except Exception:
        return "decode_bytes raised: " + traceback.format_exc(limit=4).strip().splitlines()[-1]
    return check(decoded.text, False, None)


SEED_TEXTS = _seed_texts()
GENERATORS = [
    ("unicode", gen_unicode, 25),
    ("fragments", gen_fragments, 30),
    ("long", gen_long, 1),
    ("control", gen_control, 10),
    ("seed", gen_seed, 24),
    ("generated", gen_generated, 10),
    ("glued", gen_glued, 2),
    ("jsonl", gen_jsonl, 2),
    ("bytes", gen_bytes, 2),
]


def make_case(seed: int, case: int) -> tuple[str, str]:
    """The generator name and text of case ``case`` of run ``seed``: the same every time."""
    rng = random.Random(seed * 1_000_003 + case)
    name, gen, _ = rng.choices(GENERATORS, [w for _, _, w in GENERATORS])[0]
    return name, gen(rng)


# ----------------------------------------------------------------------------- checks


def check(text: str, full_export: bool, model) -> str | None:
    """None if parse behaves on ``text``, else what went wrong."""
    if text.startswith(JSONL_MARK):
        return check_jsonl(text[len(JSONL_MARK) :], model)
    if text.startswith(BYTES_MARK):
        return check_bytes(bytes.fromhex(text[len(BYTES_MARK) :]))
    try:
        report = parse(text, model=model)
    except Exception:
        return "raised: " + traceback.format_exc(limit=4).strip().splitlines()[-1]
    if not isinstance(report, Report):
        return f"returned {type(report).__name__}, not Report"
    expected = LINE_BREAK.split(text)
    got = [ln.text for ln in report.lines]
    if got != expected:
        if len(got) != len(expected):
            return f"lost or added lines: {len(expected)} input lines, {len(got)} in Report.lines"
        k = next(i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
        return f"line {k + 1} changed: {expected[k][:60]!r} became {got[k][:60]!r}"
    if [ln.n for ln in report.lines] != list(range(1, len(expected) + 1)):
        return "line numbers are not 1..N"
    for ln in report.lines:
        if (ln.label is None) != is_blank(ln.text):
            return f"line {ln.n} {ln.text[:40]!r}: label {ln.label!r} (blank lines and only they are unlabelled)"
        if ln.label is not None and ln.label not in LABELS:
            return f"line {ln.n}: unknown label {ln.label!r}"
    version = report.meta.format_version
    want_cells = len(schema.cell_ids(version)) if version else 0  # unknown format: no cells
    if len(report.cells()) != want_cells:
        return f"{len(report.cells())} cells, format {version} has {want_cells}"
    if set(report.tables) != {"active_disclosure", "applications", "review_litigation"}:
        return f"tables {sorted(report.tables)}"
    if not all(isinstance(w, str) and w for w in report.warnings):
        return "a warning is not a non-empty str"
    for w in report.warnings:  # a stage that raised and was caught by parse's safety net: a bug
        if INTERNAL.search(w):
            return f"a stage failed: {w[:200]}"
    if full_export:
        try:
            for fmt in export.FORMATS:
                out = export.render(report, fmt)
                if fmt == "json":
                    json.loads(out)
                elif fmt in ("cells", "lines"):
                    rows = [json.loads(x) for x in out.split("\n")[:-1]]  # JSON Lines: \n only
                    want = len(report.cells()) if fmt == "cells" else len(report.lines)
                    if len(rows) != want:
                        return f"--format {fmt}: {len(rows)} rows, expected {want}"
        except Exception:
            return "export raised: " + traceback.format_exc(limit=4).strip().splitlines()[-1]
    return None


_MODEL = "default"


def _init(model: str) -> None:
    global _MODEL
    _MODEL = None if model == "rules" else "default"
    parse("一、总体情况", model=_MODEL)  # load the model before the clock runs on any case


def run_chunk(args: tuple[int, int, int]) -> tuple:
    """Run cases [start, stop); returns (count, failures, slowest cases, characters parsed,
    cases over SLOW_SECONDS, the slowest case of each generator)."""
    seed, start, stop = args
    failures, slow = [], []
    chars = over = 0
    worst: dict[str, float] = {}
    for case in range(start, stop):
        name, text = make_case(seed, case)
        chars += len(text)
        t0, c0 = time.perf_counter(), time.process_time()
        problem = check(text, case % 10 == 0, _MODEL)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        if problem:
            failures.append((case, name, problem))
        slow.append((cpu, case, name, wall))
        slow = sorted(slow, reverse=True)[:5]
        over += cpu > SLOW_SECONDS
        worst[name] = max(worst.get(name, 0.0), cpu)
    return stop - start, failures, slow, chars, over, worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of cases (default 100000)")
    ap.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--model", choices=("default", "rules"), default="default", help="labelling (default: as parse)")
    ap.add_argument("--case", type=int, help="replay one case")
    ap.add_argument("--show", action="store_true", help="with --case: print the case's text (repr)")
    args = ap.parse_args(argv)

    if args.case is not None:
        _init(args.model)
        name, text = make_case(args.seed, args.case)
        if args.show:
            print(f"case {args.case} ({name}, {len(text)} chars): {text!r}")
        problem = check(text, True, _MODEL)
        print(f"case {args.case}: {problem or 'ok'}")
        return 1 if problem else 0

    chunk = 250
    tasks = [(args.seed, a, min(a + chunk, args.n)) for a in range(0, args.n, chunk)]
    t0 = time.perf_counter()
    done = 0
    chars = 0
    failures: list[tuple[int, str, str]] = []
    slow: list[tuple[float, int, str, float]] = []
    over = 0
    worst: dict[str, float] = {}
    with mp.get_context("fork" if sys.platform != "win32" else "spawn").Pool(
        args.jobs, initializer=_init, initargs=(args.model,)
    ) as pool:
        for count, fails, slowest, nchars, n_over, worst_of in pool.imap_unordered(run_chunk, tasks):
            done += count
            chars += nchars
            over += n_over
            for name, t in worst_of.items():
                worst[name] = max(worst.get(name, 0.0), t)
            failures += fails
            slow = sorted(slow + slowest, reverse=True)[:5]
            if done % 10_000 < chunk or done == args.n:
                rate = done / (time.perf_counter() - t0)
                print(f"  {done:>7} cases  {rate:7.0f} cases/s  {len(failures)} failures", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for _, _, problem in failures:
        key = re.sub(r"\d+", "N", problem)[:70]
        kinds[key] = kinds.get(key, 0) + 1
    for key, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"{count:>6} × {key}")
    for case, name, problem in sorted(failures)[:20]:
        print(
            f"FAIL case {case} ({name}): {problem}\n  replay: python scripts/fuzz.py --seed {args.seed} --case {case} --show"
        )
    print(
        "slowest cases (CPU s, wall s): " + ", ".join(f"{case} ({name}) {t:.2f} ({w:.2f})" for t, case, name, w in slow)
    )
    print("slowest of each generator (CPU s): " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(worst.items())))
    print(f"cases over {SLOW_SECONDS} s CPU: {over}")
    print(
        f"fuzz: {done} cases in {elapsed:.1f} s ({done / elapsed:.0f} cases/s, {chars / elapsed / 1e6:.2f} M chars/s) "
        f"on {args.jobs} processes, seed {args.seed}, model {args.model}: {len(failures)} failures"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
