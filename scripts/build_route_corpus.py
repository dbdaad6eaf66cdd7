"""Build training_data/routes/: generated reports rendered as web pages and extracted by real tools.

Each source report (``govparse_ml.synth.render.html.source_document``) is rendered as an agency web
page, printed to PDF by Chromium headless, and its text extracted by the tools people use:

- HTML routes: inscriptis, html2text (its defaults, lines wrapped at 78), BeautifulSoup
  ``get_text()`` (plain, as crawlers call it: cells of a row glued together), markdownify (ATX
  headings, pipe tables); about a third of these get a crawler's header (标题/发布时间/原文链接/采集时间).
- PDF routes (the Chromium print, page numbers in the footer): pdfminer.six, PyMuPDF,
  ``pdftotext -layout`` (poppler-utils), pdfplumber.
- OCR (``--ocr N``): ``pdftoppm -r 150`` pages read by ``tesseract -l chi_sim``, for N reports.

Every extracted line is labelled by projecting the page's truth through the rendering: the
page's text segments (chrome ``other``, cells ``table``, ...) and the extracted text are both
compacted (whitespace removed), aligned character by character (Levenshtein opcodes of
rapidfuzz), and each line takes the label of most of its aligned characters. A line is *unsure*
when less than 60 % of its characters align or when no label holds 85 % of them; lines with no
letter or digit (markdown bars, ``---``) take the label of their neighbours when both agree, and
lines the renderer adds itself (page numbers) are ``other``. Unsure lines keep their best label
in the corpus, flagged, and are neither trained on nor scored.

    apt-get install -y chromium fonts-noto-cjk poppler-utils tesseract-ocr tesseract-ocr-chi-sim
    pip install inscriptis html2text beautifulsoup4 markdownify pdfminer.six pymupdf pdfplumber rapidfuzz
    python scripts/build_route_corpus.py --n 100                          # 100 reports per format: ~17 min
    OMP_THREAD_LIMIT=1 python scripts/build_route_corpus.py --n 15 --ocr 15 --first 70 --tools tesseract  # OCR of test-split reports: ~20 min

Writes ``training_data/routes/ROUTE.jsonl.gz`` (one JSON object per document: name, seed, format,
route, lines, labels, sure) and ``training_data/routes/truth.jsonl.gz`` (the cells of every source).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govparse_ml.synth.render.html import render_page, source_document

HTML_TOOLS = ("inscriptis", "html2text", "bs4", "markdownify")
PDF_TOOLS = ("pdfminer", "pymupdf", "pdftotext", "pdfplumber")
SEED_BASE = {"2019": 50_000, "2021": 60_000}  # source seeds, apart from the generator's training seeds
_CJK = re.compile(r"[\u3400-\u9fff]")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—]\s*\d{1,3}\s*[-—]|第\s*\d{1,3}\s*[页⻚])\s*$")  # the print's footers
_WS = re.compile(r"\s+")
_MARKUP = re.compile(r"\]\([^)]*\)|[|*#>\[\]`]")  # markdown link targets and marks: not text of the page


def compact(text: str, markup: bool = False) -> str:
    """Text as the alignment compares it: NFKC (PDF fonts give radicals such as ⼈ for 人), no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return _WS.sub("", _MARKUP.sub("", text) if markup else text)


SURE_ALIGNED, SURE_SHARE = 0.6, 0.85


# --------------------------------------------------------------------------- extraction


def html_text(tool: str, page: str) -> str:
    if tool == "inscriptis":
        import inscriptis

        return inscriptis.get_text(page)
    if tool == "html2text":
        import html2text

        return html2text.HTML2Text().handle(page)
    if tool == "bs4":
        from bs4 import BeautifulSoup

        return BeautifulSoup(page, "html.parser").get_text()
    if tool == "markdownify":
        from markdownify import markdownify

        body = page.split("<body>", 1)[-1]  # markdownify prints <style> contents otherwise
        return markdownify(body, heading_style="ATX")
    raise ValueError(tool)


def pdf_text(tool: str, path: Path) -> str:
    if tool == "pdfminer":
        from pdfminer.high_level import extract_text

        return extract_text(str(path))
    if tool == "pymupdf":
        import pymupdf

        with pymupdf.open(str(path)) as doc:
            return "".join(page.get_text() for page in doc)
    if tool == "pdftotext":
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    if tool == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(str(path)) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    raise ValueError(tool)


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path}",
                str(html_path),
            ],
            capture_output=True,
            check=True,
            timeout=120,
        )


def ocr_text(pdf_path: Path, workdir: Path) -> str:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf_path), str(workdir / "pg")], check=True)
    pages = []
    for png in sorted(workdir.glob("pg-*.png"), key=lambda p: int(p.stem.split("-")[-1])):
        out = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], capture_output=True, text=True, check=True)
        pages.append(out.stdout)
        png.unlink()
    return "\n".join(pages)


def crawler_header(rng: random.Random, title: str, date: str) -> list[str]:
    url = f"http://www.example.gov.cn/zwgk/ndbg/{date[:4]}{rng.randint(10, 99)}/t{rng.randint(10**7, 10**8)}.html"
    lines = [
        rng.choice((f"标题：{title}", f"标题: {title}", f"title: {title}")),
        rng.choice((f"发布时间：{date}", f"发布日期: {date}")),
        rng.choice((f"原文链接：{url}", f"来源：{url}", f"url: {url}")),
        f"采集时间：{date} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
    ]
    if rng.random() < 0.5:
        lines.append(rng.choice(("=" * 40, "-" * 40, "正文：", "")))
    return lines


# --------------------------------------------------------------------------- projection


def project(text: str, segments: list[tuple[str, str]]) -> tuple[list[str], list[str | None], list[bool]]:
    """The lines of ``text``, each one's label projected from ``segments``, and whether it is sure."""
    from rapidfuzz.distance import Levenshtein

    truth_chars: list[str] = []
    truth_labels: list[str] = []
    for seg, label in segments:
        c = compact(seg)
        truth_chars.append(c)
        truth_labels += [label] * len(c)
    truth = "".join(truth_chars)
    lines = text.split("\n")
    ext_chars, ext_line = [], []
    for n, line in enumerate(lines):
        c = compact(line, markup=True)
        ext_chars.append(c)
        ext_line += [n] * len(c)
    ext = "".join(ext_chars)
    votes = [Counter() for _ in lines]
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(ext, truth):
        if tag == "equal":
            for k in range(a1 - a0):
                votes[ext_line[a0 + k]][truth_labels[b0 + k]] += 1.0
        elif tag == "replace":  # a misread character still sits where its truth is
            for k in range(a1 - a0):
                j = b0 + min(b1 - b0 - 1, k * (b1 - b0) // (a1 - a0))
                votes[ext_line[a0 + k]][truth_labels[j]] += 0.5
    labels: list[str | None] = []
    sure: list[bool] = []
    pending = []  # lines the alignment does not place
    for n, line in enumerate(lines):
        size = len(ext_chars[n])
        if not line.strip():
            labels.append(None)
            sure.append(True)
            continue
        if _PAGE_NUMBER.match(unicodedata.normalize("NFKC", line)):
            labels.append("other")
            sure.append(True)
            continue
        v = votes[n]
        aligned = sum(v.values())
        best, count = v.most_common(1)[0] if v else ("other", 0.0)
        labels.append(best)
        if size and aligned >= SURE_ALIGNED * size and count >= SURE_SHARE * aligned:
            sure.append(True)
        else:
            sure.append(False)
            pending.append(n)
    settled = list(sure)
    for n in pending:
        # A line the alignment cannot place (markup, a lone value or a header fragment out of
        # the page's order) belongs where both its placed neighbours are.
        before = next((labels[k] for k in range(n - 1, -1, -1) if labels[k] and settled[k]), None)
        after = next((labels[k] for k in range(n + 1, len(lines)) if labels[k] and settled[k]), None)
        if "|" in lines[n] and "table" in (before, after) and not _CJK.search(lines[n]):
            labels[n], sure[n] = "table", True  # pipe-table markup
        elif before is not None and before == after:
            labels[n], sure[n] = before, True
    return lines, labels, sure


# --------------------------------------------------------------------------- build


def build(
    n: int, n_ocr: int, out_dir: Path, tools: list[str] | None = None, first: int = 0, verbose: bool = True
) -> None:
    """``tools``: run only these routes (and keep truth.jsonl.gz as it is: the seeds are the same)."""
    html_tools = [t for t in HTML_TOOLS if tools is None or t in tools]
    pdf_tools = [t for t in PDF_TOOLS if tools is None or t in tools]
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # "Could not get FontBBox" per glyph
    out_dir.mkdir(parents=True, exist_ok=True)
    routes: dict[str, list[dict]] = {}
    truth = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for fmt in ("2019", "2021"):
            for i in range(first, first + n):
                seed = SEED_BASE[fmt] + i
                doc = source_document(seed, fmt)
                rng = random.Random(seed)
                page = render_page(doc, seed, chrome=rng.random() < 0.8)
                truth.append(
                    {
                        "seed": seed,
                        "format": fmt,
                        "cells": [[t, r, c, v] for (t, r, c), v in doc.cells.items()],
                    }
                )
                name = f"route-{fmt}-{seed}"
                date = f"{doc.meta['year'] + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
                for tool in html_tools:
                    text = html_text(tool, page.html)
                    lines, labels, sure = project(text, page.segments)
                    if rng.random() < 0.33:
                        header = crawler_header(rng, doc.meta["title"], date)
                        lines = header + lines
                        labels = ["other" if h.strip() else None for h in header] + labels
                        sure = [True] * len(header) + sure
                    routes.setdefault(tool, []).append(_record(name, seed, fmt, tool, lines, labels, sure))
                html_path, pdf_path = work / f"{name}.html", work / f"{name}.pdf"
                html_path.write_text(page.html, encoding="utf-8")
                print_pdf(html_path, pdf_path)
                # The PDF holds the printed page: the <title> is not printed.
                printed = [s for s in page.segments if not (page.title and s[0] == page.title)]
                for tool in pdf_tools:
                    lines, labels, sure = project(pdf_text(tool, pdf_path), printed)
                    routes.setdefault(tool, []).append(_record(name, seed, fmt, tool, lines, labels, sure))
                if i < first + n_ocr:
                    lines, labels, sure = project(ocr_text(pdf_path, work), printed)
                    routes.setdefault("tesseract", []).append(
                        _record(name, seed, fmt, "tesseract", lines, labels, sure)
                    )
                html_path.unlink()
                pdf_path.unlink()
                if verbose and (i + 1 - first) % 10 == 0:
                    print(f"{fmt} {i + 1 - first}/{n} {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    for route, records in routes.items():
        _write(out_dir / f"{route}.jsonl.gz", records)
    if tools is None:
        _write(out_dir / "truth.jsonl.gz", truth)
    for route, records in sorted(routes.items()):
        n_lines = sum(sum(1 for lab in r["labels"] if lab) for r in records)
        unsure = sum(sum(1 for lab, s in zip(r["labels"], r["sure"], strict=True) if lab and not s) for r in records)
        print(
            f"{route}: {len(records)} documents, {n_lines} lines, unsure {unsure} ({100 * unsure / max(n_lines, 1):.2f} %)"
        )


def _record(name, seed, fmt, tool, lines, labels, sure) -> dict:
    return {
        "name": f"{name}-{tool}",
        "seed": seed,
        "format": fmt,
        "route": tool,
        "lines": lines,
        "labels": labels,
        "sure": sure,
    }


def _write(path: Path, records: list[dict]) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    path.write_bytes(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100, help="source reports per format version")
    ap.add_argument("--ocr", type=int, default=0, help="of these, how many per format also go through OCR")
    ap.add_argument("--out", type=Path, default=Path("training_data/routes"))
    ap.add_argument("--tools", nargs="*", help="only these routes (e.g. --tools tesseract --ocr 15 --n 15)")
    ap.add_argument("--first", type=int, default=0, help="first source seed offset (70: the test split of --n 100)")
    args = ap.parse_args(argv)
    build(args.n, args.ocr, args.out, args.tools, args.first)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
