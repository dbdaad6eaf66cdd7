"""A generated report as an agency web page: the official table template inside the site's chrome.

``source_document(seed)`` draws a report with :mod:`govparse_ml.synth.generate` (its phrase banks, tables
and values) as logical blocks: headings, paragraphs, signature lines and the three tables, each
with its label. ``render_page(doc, seed)`` lays it out as the HTML page an agency's portal serves:
navigation, breadcrumbs, the 索引号/分类/发布机构/名称 info block, the article with its tables
(rowspan/colspan header cells, blank cells where a count is empty, ``<p>`` and ``&nbsp;`` inside
cells), related links and a footer. Beside the HTML it returns the page's truth as a list of
``(text, label)`` segments in reading order (chrome is ``other``, every table cell ``table``), so
that the text any tool extracts from the page (or from its print) can be labelled by aligning it
with the segments (``scripts/build_route_corpus.py``).
"""

from __future__ import annotations

import html
import itertools
import random
from dataclasses import dataclass, field, replace

from govparse_ml.format import schema
from govparse_ml.synth.body import build_report, report_fields
from govparse_ml.synth.context import HEADING, OTHER, PROSE, TABLE, Context, Line
from govparse_ml.synth.generate import format_value
from govparse_ml.synth.layouts import renderer
from govparse_ml.synth.phrases import draw_agency, draw_year
from govparse_ml.synth.style import draw_style
from govparse_ml.synth.tables import Row, Table, report_tables
from govparse_ml.synth.values import CellId, Value, generate_values

Segment = tuple[str, str]  # (text, label)


@dataclass
class Block:
    """One logical block of the report: a line of text (``kind`` heading/prose/other) or a table."""

    kind: str  # "heading" | "prose" | "other" | "table"
    text: str = ""
    table: Table | None = None


@dataclass
class SourceDocument:
    """A generated report as blocks, with its cells (the truth of the tables) and metadata."""

    seed: int
    format_version: str
    blocks: list[Block]
    cells: dict[CellId, Value]
    raw: dict[CellId, str]
    meta: dict = field(default_factory=dict)


@dataclass
class RenderedPage:
    html: str
    segments: list[Segment]  # the page's text in reading order, with labels
    title: str  # the page's <title>


def _blocks(lines: list[Line], tables: list[Table], rng: random.Random) -> list[Block]:
    """The ``tab_rows`` lines of a report as blocks: each table's lines (one per row) as the table."""
    blocks: list[Block] = []
    pending = list(tables)
    i = 0
    while i < len(lines):
        text, label = lines[i]
        if label == TABLE:
            table = pending.pop(0)
            blocks.append(Block("table", table=table))
            i += len(table.rows)  # tab_rows: one line per table row
            continue
        if text.strip():
            text = text.strip()
            if label == PROSE and len(text) <= 20 and text.endswith("。") and rng.random() < 0.4:
                text = text[:-1]  # a one-line answer (无其他需要报告的事项) is often written without its stop
            blocks.append(Block(label or OTHER, text))
        i += 1
    return blocks


def source_document(seed: int, format_version: str | None = None) -> SourceDocument:
    """A random valid report as logical blocks (same seed and format, same report).

    The report is drawn as :func:`generate.generate` draws its ``tab_rows`` layout, with no
    paragraph broken across lines and no page numbers (a web page has neither); each table's rows
    are then taken back as the generator's logical table.
    """
    rng = random.Random(seed)
    year, fmt = draw_year(rng, format_version)
    values = generate_values(rng, fmt)
    agency = draw_agency(rng)
    style = replace(draw_style(rng), break_prob=0.0, page_numbers=False, md_headings=False)
    tables = report_tables(fmt, style, rng)
    ctx = Context(
        rng=rng,
        style=style,
        raw={cell: format_value(v) for cell, v in values.items()},
        tables=dict(tables),
        fields=report_fields(agency, year, values, fmt),
        render=renderer("tab_rows"),
    )
    title = build_report(ctx)
    blocks = _blocks(ctx.lines, [t for t in tables.values() if t is not None], rng)
    meta = {
        "agency": agency.name,
        "year": year,
        "title": title or f"{agency.name}{year}年政府信息公开工作年度报告",
        "drawn_title": title,  # None when the report prints no title of its own
        "gov": agency.gov,
    }
    raw, cells = dict(ctx.raw), dict(values)
    if rng.random() < 0.25:  # many agencies leave a zero count blank: the cell is then null
        for cell, value in values.items():
            if value == 0 and cell[2] != "delta":
                raw[cell], cells[cell] = "", None
    return SourceDocument(seed, fmt, blocks, cells, raw, meta)


# --------------------------------------------------------------------------- tables


class _TableWriter:
    """Collects ``<tr>`` markup and the cell texts (the segments) of one table."""

    def __init__(self, rng: random.Random, segments: list[Segment]):
        self.rng = rng
        self.segments = segments
        self.rows: list[str] = []
        self.cells: list[str] = []
        self.pad = rng.random() < 0.4  # &nbsp; padding in empty cells
        self.p_in_cell = rng.random() < 0.5

    def cell(self, text: str, colspan: int = 1, rowspan: int = 1, header: bool = False) -> None:
        attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
        tag = "th" if header and self.rng.random() < 0.3 else "td"
        if text:
            self.segments.append((text, TABLE))
            body = html.escape(text)
            if self.p_in_cell:
                body = f'<p style="text-align:center">{body}</p>'
        else:
            body = "&nbsp;" if self.pad else ""
        self.cells.append(f"<{tag}{attrs}>{body}</{tag}>")

    def end_row(self) -> None:
        self.rows.append("<tr>" + "".join(self.cells) + "</tr>")
        self.cells = []

    def markup(self) -> str:
        border = self.rng.choice(('border="1" cellspacing="0" cellpadding="4"', 'class="MsoNormalTable"', "border=1"))
        return f"<table {border}><tbody>\n" + "\n".join(self.rows) + "\n</tbody></table>"


def _grid_rows(w: _TableWriter, rows: list[Row], raw: dict[CellId, str], n_labels: int) -> None:
    """Data rows: a label cell starts where its text is, ``None`` widens the cell on its left,
    ``""`` lengthens the cell above (a merged group label); value cells follow."""
    spans: list[list[int]] = []  # per row, per label cell: [col, colspan, rowspan]
    owner: dict[int, tuple[int, int]] = {}  # label column -> (row index, cell index) of the cell covering it
    for r, row in enumerate(rows):
        spans.append([])
        for j in range(n_labels):
            c = row.cells[j] if j < len(row.cells) else None
            if c:
                spans[r].append([j, 1, 1])
                owner[j] = (r, len(spans[r]) - 1)
            elif c is None and spans[r]:
                spans[r][-1][1] += 1
                owner[j] = (r, len(spans[r]) - 1)
            elif c == "" and j in owner:
                orow, ocell = owner[j]
                if spans[orow][ocell][0] == j:
                    spans[orow][ocell][2] = r - orow + 1
    for r, row in enumerate(rows):
        for col, colspan, rowspan in spans[r]:
            w.cell(row.cells[col] or "", colspan, rowspan)
        for slot in row.values:
            if slot is None:
                continue
            w.cell(raw.get(slot, ""))
        w.end_row()


def _active_disclosure(w: _TableWriter, table: Table, raw: dict[CellId, str]) -> None:
    width = table.n_values + 1
    for row in table.rows:
        if row.kind == "caption":
            w.cell(row.cells[0] or "", colspan=width, header=True)
        elif row.kind == "header":
            labels = [c for c in row.cells if c]
            for k, label in enumerate(labels):
                w.cell(label, colspan=width - len(labels) + 1 if k == len(labels) - 1 else 1, header=True)
        else:
            w.cell(row.cells[0] or "")
            slots = [s for s in row.values if s is not None]
            for k, slot in enumerate(slots):
                w.cell(raw.get(slot, ""), colspan=width - len(slots) if k == len(slots) - 1 else 1)
        w.end_row()


def _applications(w: _TableWriter, table: Table, raw: dict[CellId, str]) -> None:
    headers = [r for r in table.rows if r.kind == "header"]
    data = [r for r in table.rows if r.kind == "data"]
    n_values = table.n_values
    if len(headers) == 3:
        top, middle, bottom = (h.cells for h in headers)
        legal = [c for c in bottom[4:] if c]
        w.cell(top[0] or "", colspan=3, rowspan=3, header=True)
        w.cell(top[3] or "", colspan=n_values, header=True)
        w.end_row()
        w.cell(middle[3] or "", rowspan=2, header=True)
        w.cell(middle[4] or "", colspan=len(legal), header=True)
        w.cell(middle[-1] or "", rowspan=2, header=True)
        w.end_row()
        for label in legal:
            w.cell(label, header=True)
        w.end_row()
    _grid_rows(w, data, raw, table.n_labels)


def _review_headers(w: _TableWriter, top: list, middle: list, bottom: list) -> None:
    """行政复议 over its columns, 行政诉讼 over both of its groups; a sub-group (未经复议直接起诉)
    over its columns, which are on the row below; the other column labels down two rows."""
    n = len(schema.REVIEW_COLUMNS)
    starts = [k for k, c in enumerate(top) if c] + [len(top)]
    for k, end in itertools.pairwise(starts):
        w.cell(top[k] or "", colspan=end - k, header=True)
    w.end_row()
    for k in range(0, len(middle), n):
        if bottom[k]:
            w.cell(middle[k] or "", colspan=n, header=True)
        else:
            for label in middle[k : k + n]:
                w.cell(label or "", rowspan=2, header=True)
    w.end_row()
    for label in bottom:
        if label:
            w.cell(label, header=True)
    w.end_row()


def _review(w: _TableWriter, table: Table, raw: dict[CellId, str]) -> None:
    headers = [r.cells for r in table.rows if r.kind == "header"]
    if len(headers) == 3:
        _review_headers(w, *headers)
    for row in table.rows:
        if row.kind == "data":
            for slot in row.values:
                w.cell(raw.get(slot, "") if slot else "")
            w.end_row()


_TABLE_WRITERS = {"active_disclosure": _active_disclosure, "applications": _applications, "review_litigation": _review}


# --------------------------------------------------------------------------- page chrome

_NAV = ("首页", "政务公开", "政务服务", "互动交流", "走进{place}", "专题专栏", "数据开放", "政府信息公开")
_CATEGORIES = ("政府信息公开年报", "其他", "综合政务/政务公开", "年度报告", "政务公开/政府信息公开年报")
_RELATED = ("相关链接", "相关文章", "相关信息")
_SITE_SUFFIXES = ("门户网站", "网", "官网", "")


def _para(text: str, label: str, segments: list[Segment], tag: str = "p", attrs: str = "") -> str:
    segments.append((text, label))
    return f"<{tag}{attrs}>{html.escape(text)}</{tag}>"


def _date(rng: random.Random, year: int) -> str:
    return f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"


def _info_block(rng: random.Random, meta: dict, date: str, segments: list[Segment]) -> list[str]:
    """The 索引号/分类/发布机构/发文日期/名称/文号 block over the article (on most pages)."""
    year, agency = meta["year"], meta["agency"]
    index_no = f"{rng.randint(10000000, 99999999)}{rng.choice(('X', ''))}/{year + 1}-{rng.randint(1, 99999):05d}"
    info = [
        ("索引号：", index_no),
        ("分类：", rng.choice(_CATEGORIES)),
        ("发布机构：", agency),
        ("发文日期：", date),
        ("名称：", meta["title"]),
        ("文号：", rng.choice(("", "无"))),
    ]
    if rng.random() >= 0.6:
        return []
    rows = []
    for k in range(0, len(info), 2):
        tds = "".join(
            f"<td>{_para(key, OTHER, segments, 'b')}</td><td>{_para(value, OTHER, segments, 'span') if value else ''}</td>"
            for key, value in info[k : k + 2]
        )
        rows.append(f"<tr>{tds}</tr>")
    return ['<table class="info">' + "".join(rows) + "</table>"]


def _site_header(rng: random.Random, meta: dict, site: str, page_title: str, segments: list[Segment]) -> list[str]:
    """The site's chrome above the article: logo, navigation, breadcrumbs, info block, title, source line."""
    gov, agency, year, title = meta["gov"], meta["agency"], meta["year"], meta["title"]
    segments.append((page_title, OTHER))  # <title>: tools that read the whole page print it
    place = gov.removesuffix("人民政府")
    header = _para(site, OTHER, segments, "div", ' class="logo"')
    nav_items = [n.format(place=place) for n in _NAV[: rng.randint(4, len(_NAV))]]
    nav = "".join(f'<li><a href="/{k}/">{_para(n, OTHER, segments, "span")}</a></li>' for k, n in enumerate(nav_items))
    crumbs = rng.choice(
        (
            "当前位置：首页 > 政务公开 > 政府信息公开年报",
            "您当前的位置：首页 > 信息公开 > 年度报告",
            "首页 >> 政务公开 >> 法定主动公开内容 >> 政府信息公开年报",
        )
    )
    out = [f'<div class="header">{header}<ul class="nav">{nav}</ul></div>']
    out.append(_para(crumbs, OTHER, segments, "div", ' class="crumbs"'))
    date = _date(rng, year)
    out += _info_block(rng, meta, date, segments)
    out.append(_para(title, HEADING, segments, "h1", ' class="art-title"'))
    source_line = rng.choice(  # every choice is drawn, as the page's script fills them all
        (
            f"来源：{agency}　发布时间：{date}　浏览次数：{rng.randint(10, 9999)}",
            f"发布时间：{date} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}　来源：{agency}",
            f"信息来源：{rng.choice((agency, site))}　发布日期：{date}",
            f"【字体：大 中 小】　发布时间：{date}",
        )
    )
    out.append(_para(source_line, OTHER, segments, "div", ' class="art-info"'))
    return out


def _is_own_title(block: Block, index: int, doc: SourceDocument) -> bool:
    """The block is (a line of) the title the report prints at its top."""
    return index < 2 and bool(doc.meta.get("drawn_title")) and block.text in doc.meta["drawn_title"]


def _heading(block: Block, index: int, doc: SourceDocument, look: tuple[str, str], segments: list[Segment]) -> str:
    """A heading block: the report's own title centred in bold, the others in the page's ``look``
    (heading tag, paragraph attributes)."""
    heading_tag, indent = look
    if _is_own_title(block, index, doc):
        return '<p style="text-align:center"><b>' + _para(block.text, HEADING, segments, "span") + "</b></p>"
    if heading_tag == "h2":
        return _para(block.text, HEADING, segments, "h3" if block.text.startswith(("（", "(")) else "h2")
    if heading_tag == "p_strong":
        return f"<p {indent}><strong>" + _para(block.text, HEADING, segments, "span") + "</strong></p>"
    return _para(block.text, HEADING, segments, "p", f" {indent}")


def _article(rng: random.Random, doc: SourceDocument, segments: list[Segment], chrome: bool) -> list[str]:
    """The report's blocks as the article's markup: headings, paragraphs, the tables, signature."""
    out = ['<div class="article-content">']
    heading_tag = rng.choice(("h2", "p_strong", "p_center", "p"))
    indent = rng.choice(
        ('style="text-indent:2em"', 'style="text-indent:32px;line-height:1.8"', "", 'class="MsoNormal"')
    )
    skip_title = chrome and rng.random() < 0.5  # the <h1> already carries it
    for index, block in enumerate(doc.blocks):
        if block.kind == "table":
            assert block.table is not None
            writer = _TableWriter(rng, segments)
            _TABLE_WRITERS[block.table.id](writer, block.table, doc.raw)
            out.append(writer.markup())
        elif block.kind == HEADING:
            if not (skip_title and _is_own_title(block, index, doc)):
                out.append(_heading(block, index, doc, (heading_tag, indent), segments))
        elif block.kind == OTHER and index >= len(doc.blocks) - 2:
            out.append(_para(block.text, OTHER, segments, "p", ' style="text-align:right"'))
        else:
            out.append(_para(block.text, block.kind, segments, "p", f" {indent}" if indent else ""))
    out.append("</div>")
    return out


def _site_footer(rng: random.Random, meta: dict, segments: list[Segment]) -> list[str]:
    """Print and close tools, related links (sometimes), the site's footer."""
    gov, agency, year = meta["gov"], meta["agency"], meta["year"]
    tools = rng.choice(("【打印本页】【关闭窗口】", "打印本页 | 关闭窗口", "【我要打印】【关闭】", "分享到："))
    out = [_para(tools, OTHER, segments, "div", ' class="tools"')]
    if rng.random() < 0.5:
        out.append(_para(rng.choice(_RELATED), OTHER, segments, "h4"))
        for k in range(rng.randint(1, 3)):
            related = f"{agency}{year - k - 1}年政府信息公开工作年度报告"
            out.append(_para(related, OTHER, segments, "div", ' class="related"'))
    province = ("闽", "鲁", "浙", "苏", "豫")
    footer = [
        f"主办：{gov}办公室　承办：{gov.removesuffix('人民政府')}大数据中心",
        f"网站标识码：{rng.randint(1000000000, 9999999999)}　{rng.choice(province)}ICP备{rng.randint(10000000, 99999999)}号",
        f"{rng.choice(province)}公网安备 {rng.randint(10000000000000, 99999999999999)}号",
    ]
    if rng.random() < 0.5:
        footer.append("联系我们 | 网站地图 | 使用帮助")
    out.append('<div class="footer">' + "".join(_para(f, OTHER, segments, "p") for f in footer) + "</div>")
    return out


def _document(rng: random.Random, body: list[str], page_title: str | None) -> str:
    """The whole HTML document; a printed page carries a page number, as reports printed from a
    browser or Word do."""
    footer_format = rng.choice(
        ('"— " counter(page) " —"', '"- " counter(page) " -"', '"第 " counter(page) " 页"', "counter(page)")
    )
    style = (
        "@page{size:A4;margin:2cm 2cm 2.2cm 2cm;@bottom-center{content:"
        + footer_format
        + "}} body{font-family:'Noto Sans CJK SC','Noto Serif CJK SC',sans-serif;font-size:14px} table{border-collapse:collapse} td,th{border:1px solid #333;padding:2px 4px} .nav li{display:inline;margin-right:1em}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        + (f"<title>{html.escape(page_title)}</title>" if page_title is not None else "")
        + f"<style>{style}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_page(doc: SourceDocument, seed: int = 0, *, chrome: bool = True) -> RenderedPage:
    """The report as an agency's web page (``chrome=False``: the article alone, as a saved
    content area is) and its truth segments in reading order."""
    rng = random.Random(seed * 7919 + doc.seed)
    site = doc.meta["gov"] + rng.choice(_SITE_SUFFIXES)
    page_title = f"{doc.meta['title']}{rng.choice(('_', '-', ' - ', '|'))}{site}"
    segments: list[Segment] = []
    body = _site_header(rng, doc.meta, site, page_title, segments) if chrome else []
    body += _article(rng, doc, segments, chrome)
    if chrome:
        body += _site_footer(rng, doc.meta, segments)
    page = _document(rng, body, page_title if chrome else None)
    return RenderedPage(page, segments, page_title if chrome else "")
