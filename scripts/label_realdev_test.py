"""Write training_data/realdev_test/: real reports of ../shared/realdev through real HTML tools, labelled.

For three reports (001, 012, 027) the saved article HTML is extracted by inscriptis, html2text and
markdownify (BeautifulSoup's get_text gives each as one line, so it is left out). The inscriptis
lines were labelled by ``parse``'s first guess and then read one by one by hand (no label needed
a correction); the other tools' lines take those labels through the character alignment of
``scripts/build_route_corpus.py`` (none was unsure). The crawler's text of the same reports
(``realdev/text``: a header of 标题/发布时间/原文链接 … lines, then the whole report on one line) is
labelled other for its header and, for the report line, the label of most of its characters.

    pip install inscriptis html2text markdownify rapidfuzz
    python scripts/label_realdev_test.py
"""

import glob
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from build_route_corpus import html_text, project

from govparse_ml import parse

REALDEV = Path("/work/shared/realdev")
OUT = Path("training_data/realdev_test")
REPORTS = ("001", "012", "027")
TOOLS = ("inscriptis", "html2text", "markdownify")  # BeautifulSoup's get_text: the report on one line


def write(path: Path, lines: list[str], labels: list[str | None]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for text, label in zip(lines, labels, strict=True):
            f.write(json.dumps({"text": text, "label": label if text.strip() else None}, ensure_ascii=False) + "\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for n in REPORTS:
        page = (REALDEV / "html" / f"{n}.html").read_text(encoding="utf-8")
        base = html_text("inscriptis", page)
        # parse's first guess; every line was then read and confirmed by hand
        checked = [(line.text, line.label) for line in parse(base).lines]
        segments = [(text, label) for text, label in checked if label]
        for tool in TOOLS:
            if tool == "inscriptis":
                lines, labels = [t for t, _ in checked], [lab for _, lab in checked]
            else:
                lines, labels, sure = project(html_text(tool, page), segments)
                unsure = [line for line, lab, ok in zip(lines, labels, sure, strict=True) if lab and not ok]
                print(n, tool, len(lines), "lines, unsure:", unsure[:5])
            write(OUT / f"{n}-{tool}.jsonl", lines, labels)
        # the crawler's text: header lines other, the one-line report the label of most of its characters
        text = Path(glob.glob(str(REALDEV / "text" / f"{n}_*.txt"))[0]).read_text(encoding="utf-8")
        lines = text.split("\n")
        body = max(range(len(lines)), key=lambda i: len(lines[i]))
        labels: list[str | None] = ["other" if line.strip() else None for line in lines]
        labels[body] = project(lines[body], segments)[1][0]
        write(OUT / f"{n}-crawler_text.jsonl", lines, labels)


if __name__ == "__main__":
    main()
