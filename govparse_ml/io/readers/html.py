"""HTML reader: a saved web page (or a copied fragment of one) into paragraphs and table grids.

Parsed with lxml's HTML parser (libxml2): lenient like a browser with the tag soup of
government sites (unclosed ``<p>``, upper-case tags, stray ``</div>``, Word's ``<o:p>``) and 7x
faster than html5lib on the real pages (median 15 ms against 112 ms a page, the same lines on
all 24; ``scripts/formats_recovery.py --html-bench``).

- The encoding comes from a byte-order mark, else the page's ``<meta charset>`` (or
  ``http-equiv`` content type; GB2312 and GBK are read as their superset GB18030), else UTF-8,
  else GB18030.
- The article is found inside the page chrome: scripts, styles, navigation, headers, footers
  and forms are dropped, then the deepest element holding most of the page's text outside links
  is the article (a heading just before it, the report's title, is kept).
- Tables: ``rowspan``/``colspan`` become spans of the grid; the text of a cell (several
  ``<p>``, ``<br>``) is joined without line breaks; ``&nbsp;`` and blank cells are empty. A
  table that holds other tables is page layout: its cells are read as blocks.
"""

from __future__ import annotations

import codecs
import re

from govparse_ml.io.files import InputError, decode_bytes
from govparse_ml.io.readers import Grid, GridCell, Paragraph, SourceDocument, missing_extra

try:
    import lxml.html
    from lxml import etree
except ImportError:  # the [html] extra is not installed
    lxml = None  # type: ignore[assignment]

# Elements whose content is never part of the report's text.
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "select", "button"}
# Page chrome: dropped when the article is looked for, kept when they are all there is.
_CHROME = {"nav", "header", "footer", "aside", "form", "menu"}
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section", "article",
    "blockquote", "pre", "center", "address", "figure", "figcaption", "main", "hr", "caption", "body", "html",
    "tr", "td", "th", "tbody", "thead", "tfoot", "nav", "header", "footer", "aside", "form", "fieldset", "legend",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3"}
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b\ufeff]+")
# White space between two CJK characters is source formatting (a line break in the markup, a
# cell's <p>s on separate lines), not a space in the text.
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
# Share of the page's text outside links that the article element must hold.
_ARTICLE_SHARE = 0.8


def decode_html(data: bytes, *, source: str = "<bytes>") -> tuple[str, str]:
    """The page's text and the encoding it was read with."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    match = _META_CHARSET.search(data[:8192])
    if match:
        name = match.group(1).decode("ascii").lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        if codec in ("gb2312", "gbk", "euc_cn", "cp936", "hz"):
            codec = "gb18030"
        if codec is not None:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                pass  # a page that lies about its encoding: guess as for text
    try:
        decoded = decode_bytes(data, source=source)
    except InputError:
        return data.decode("utf-8", errors="replace"), "utf-8 (with replacements)"
    return decoded.text, decoded.encoding


def read_html(data: bytes, *, source: str = "<bytes>", parser: str = "lxml") -> SourceDocument:
    """Read an HTML page's bytes into paragraphs and table grids. ``parser="html5lib"`` (for
    comparison) builds the same lxml tree with html5lib's browser-exact algorithm."""
    if lxml is None:
        raise missing_extra("html", "lxml", "HTML")
    text, encoding = decode_html(data, source=source)
    root = _parse(text) if parser == "lxml" else _parse_html5lib(text)
    document = SourceDocument("html", encoding=encoding)
    if root is None:
        document.warnings.append(f"{source}: the HTML page has no content")
        return document
    for el in root.iter(*_DROP):
        _remove(el)
    for el in root.iter(etree.Comment, etree.ProcessingInstruction):
        _remove(el)
    article = _article(root)
    _Walker(document).read(article)
    return document


def _parse(text: str):
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)  # lxml refuses a str with an XML encoding declaration
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError:
        return None


def _parse_html5lib(text: str):
    import html5lib

    return html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False).getroot()


def _remove(el) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _text_lengths(root) -> dict:
    """Characters of text outside links under each element, in one pass."""
    lengths: dict[int, int] = {}

    def walk(el, in_link: bool) -> int:
        in_link = in_link or el.tag == "a"
        n = 0 if in_link else len(_SPACE.sub("", el.text or ""))
        for child in el:
            if isinstance(child.tag, str):
                n += walk(child, in_link)
            if not in_link:
                n += len(_SPACE.sub("", child.tail or ""))
        lengths[el] = n
        return n

    walk(root, False)
    return lengths


def _article(root):
    """The element that holds the report inside the page chrome."""
    body = root.find("body")
    if body is None:
        body = root
    lengths = _text_lengths(body)
    total = lengths[body]
    # Navigation, headers, footers, forms: dropped unless they hold most of the text (a whole page
    # inside one <form>, an article inside <header>).
    for el in list(body.iter(*_CHROME)):
        if el.getparent() is not None and lengths.get(el, 0) < 0.5 * total:
            _remove(el)
    lengths = _text_lengths(body)
    total = lengths[body]
    if total == 0:
        return body
    node = body
    # Down to the deepest element that holds most of the text: through page layout (a table of
    # tables), not into a data table or a paragraph.
    while node.tag != "p" and not (node.tag == "table" and not _is_layout(node)):
        children = [c for c in node if isinstance(c.tag, str)]
        best = max(children, key=lambda c: lengths[c], default=None)
        if best is None or lengths[best] < _ARTICLE_SHARE * total:
            break
        node = best
    if node is body:
        return body
    title = _title_before(node, body)
    if title is None:
        return node
    wrapper = etree.Element("div")
    wrapper.append(_copy_block(title))
    parent = node.getparent()
    index = parent.index(node)
    tail, node.tail = node.tail, None
    wrapper.append(node)
    wrapper.tail = tail
    parent.insert(index, wrapper)
    return wrapper


def _title_before(node, body):
    """The last short heading (h1-h3 or an element whose class/id says title) before ``node``."""
    candidate = None
    for el in body.iter():
        if el is node:
            break
        if not isinstance(el.tag, str):
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}".lower()
        if el.tag in _HEADINGS or "title" in marker:
            text = _SPACE.sub("", "".join(el.itertext()))
            if 4 <= len(text) <= 100 and not any(a.tag == "a" for a in el.iterancestors()) and el.find(".//a") is None:
                candidate = el
    if candidate is not None and any(x is candidate for x in node.iterancestors()):
        return None
    return candidate


def _copy_block(el):
    copy = etree.Element("p")
    copy.text = "".join(el.itertext())
    return copy


class _Walker:
    """Walks the article in document order, cutting lines at block boundaries."""

    def __init__(self, document: SourceDocument) -> None:
        self.document = document
        self.buffer: list[str] = []
        self.paragraphs = 0
        self.tables = 0

    def read(self, el) -> None:
        self.visit(el)
        self.flush()

    def flush(self) -> None:
        text = _clean("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.paragraphs += 1
            self.document.blocks.append(Paragraph(text, f"paragraph {self.paragraphs}"))

    def visit(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if tag == "table" and not _is_layout(el):
            self.flush()
            self.tables += 1
            grid = read_table(el, f"table {self.tables}")
            if grid.cells:
                self.document.blocks.append(grid)
        elif tag == "br":
            self.flush()
        elif tag:
            block = tag in _BLOCK
            if block:
                self.flush()
            if el.text:
                self.buffer.append(el.text)
            for child in el:
                self.visit(child)
            if block:
                self.flush()
        if el.tail:
            self.buffer.append(el.tail)


def _is_layout(table) -> bool:
    """A table that holds another table is the page's layout, not a data table."""
    return table.find(".//table") is not None


def cell_text(cell) -> str:
    """The text of a cell on one line: its paragraphs and line breaks joined without a break."""
    parts: list[str] = []

    def walk(el) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(cell)
    return _clean("".join(parts))


def _clean(text: str) -> str:
    return _CJK_GAP.sub("", _SPACE.sub(" ", text)).strip()


def _span(value: str | None) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return max(1, min(int(match.group(1)), 1000)) if match else 1


def read_table(table, origin: str) -> Grid:
    """A ``<table>`` as a grid: each cell placed at the first free position of its row."""
    rows = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
    taken: set[tuple[int, int]] = set()
    cells: list[GridCell] = []
    n_cols = 0
    n_rows = 0
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
            rowspan = min(rowspan, len(rows) - r)  # a rowspan past the last row ends with the table
            cells.append(GridCell(cell_text(td), r, c, rowspan, colspan))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
            n_cols = max(n_cols, c)
        n_rows = r + 1
    if taken:
        n_cols = max(n_cols, max(k for _, k in taken) + 1)
    return Grid(cells, n_rows, n_cols, origin)


def _owner_table(tr):
    for a in tr.iterancestors():
        if isinstance(a.tag, str) and a.tag.lower() == "table":
            return a
    return None
