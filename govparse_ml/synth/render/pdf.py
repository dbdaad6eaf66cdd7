"""Generated reports as PDFs: the Word files of :mod:`govparse_ml.synth.render.docx` converted by
LibreOffice headless (``soffice --convert-to pdf``) with a CJK font installed
(``apt-get install -y libreoffice-writer fonts-noto-cjk``), as an agency exports its report."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from govparse_ml.synth.generate import GeneratedReport
from govparse_ml.synth.render.docx import render_docx


def soffice() -> str:
    """The LibreOffice executable, or a RuntimeError saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("LibreOffice is needed to render PDFs: apt-get install -y libreoffice-writer fonts-noto-cjk")


def docx_to_pdf(paths: list[Path], out_dir: Path, *, timeout: float = 600) -> list[Path]:
    """Convert Word files to PDFs in ``out_dir`` in one LibreOffice run (its start-up costs ~1 s)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:  # its own profile: runs side by side do not collide
        subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    pdfs = [out_dir / (p.stem + ".pdf") for p in paths]
    missing = [p for p in pdfs if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {len(missing)} PDF(s), e.g. {missing[0]}")
    return pdfs


def render_pdfs(
    seeds: list[int], out_dir: str | os.PathLike[str], format_version: str | None = None, *, split_rows: bool = False
) -> list[tuple[Path, GeneratedReport]]:
    """Write generated reports ``seeds`` as PDFs (``NAME.pdf`` beside ``NAME.docx``) in ``out_dir``;
    ``split_rows``: table rows may break across pages."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs: list[Path] = []
    truths: list[GeneratedReport] = []
    for seed in seeds:
        path = out / f"{format_version or 'any'}_{seed:05d}.docx"
        truths.append(render_docx(seed, path, format_version, split_rows=split_rows))
        docs.append(path)
    return list(zip(docx_to_pdf(docs, out), truths, strict=True))
