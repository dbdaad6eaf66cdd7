"""Random valid reports in every damaged layout, with their truth and line labels.

``generate(seed)`` renders one 政府信息公开工作年度报告 as plain text in one of ``LAYOUTS`` (the damaged
forms real text arrives in: tab rows, one cell per line, ``|`` fragments, PDF columns, OCR noise, …)
and returns, beside the text, the canonical cells it holds (values that satisfy every identity of
``schema.identities``) and the label of each physical line. Two uses: property tests (parsing the
rendering recovers every cell) and training data for the line classifier.

Tables, rows, columns and their labels all come from ``schema``; this module only adds the
printed group labels and header words of the official format, and the phrase banks of the prose.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from govparse_ml.format import schema

CellId = tuple[str, str, str]
Value = int | float | None
Line = tuple[str, str | None]  # (text, label); the label of a blank line is forced to None

LAYOUTS: tuple[str, ...] = (
    "tab_rows",
    "cell_per_line",
    "pipe_cells",
    "one_line_table",
    "markdown",
    "pdf_spaces",
    "vertical_labels",
    "ocr_noise",
    "page_breaks",
    "one_line_report",
    "column_major",
    "markdown_shifted",
    "missing_parts",
    # Damage seen in real reports, where position matters (issue: tables as grids):
    "blank_cells",  # zeros left blank: tab rows, markdown `|  |`, or one cell per line with empty lines
    "label_typos",  # row labels with typos and OCR slips (行政执法案件, 本年废纸件数)
    "extra_rows",  # subtotal rows and sentences between rows; the 规章 row left out
    "placeholder_headers",  # markdown mini-tables under placeholder headers (数据1 … 数据6)
)
# The base layouts the blank_cells layout draws its tables in.
BLANK_CELL_BASES = ("tab_rows", "markdown", "cell_per_line")
# Character slips of typing and OCR in row labels: a character for one that looks or sounds alike.
LABEL_SLIPS = {
    "卷": "件",
    "止": "址",
    "废": "纸",
    "制": "治",
    "发": "友",
    "开": "升",
    "申": "由",
    "请": "清",
    "数": "教",
    "量": "最",
    "理": "埋",
    "处": "外",
    "政": "攻",
    "信": "倍",
    "息": "急",
    "公": "分",
    "法": "去",
    "规": "现",
    "事": "争",
    "项": "顶",
    "复": "夏",
    "议": "义",
    "诉": "拆",
    "讼": "松",
}
# Placeholder header cells a converter writes over a table that had none.
PLACEHOLDER_HEADER = "数据{n}"
SUBTOTAL_LABELS = ("小计", "合计")
# Lines some reports put between two rows of a table, with their labels.
BETWEEN_ROWS_NOTES = (
    ("注：本表数据统计口径与上年一致。", "prose"),
    ("（续表）", "table"),
    ("说明：以下为依申请公开办理结果，其中不予公开的理由如下。", "prose"),
)

HEADING, TABLE, PROSE, OTHER = "heading", "table", "prose", "other"


@dataclass
class GeneratedReport:
    """A rendered report with its truth: every canonical cell and the label of every line."""

    text: str
    format_version: str  # "2019" | "2021"
    layout: str
    cells: dict[CellId, Value]  # every cell of schema.cell_ids(format_version); None where missing
    labels: list[str | None]  # one per line of text.split("\n"); None for blank lines
    meta: dict  # agency, year, title
    missing: list[str]  # "table", "table.row" or "table.prefix.*" entries deliberately left out
    blanks: frozenset[CellId] = frozenset()  # cells printed blank (a zero left out): their truth is None


# --------------------------------------------------------------------------- printed table words

# Header words and group labels of the official format that are not row/column labels in schema.
CONTENT_HEADER = "信息内容"
FEE_UNIT = "（单位：万元）"
FEE_UNIT_4_DECIMALS = "（单位：万元，保留4位小数）"  # the variant some reports print
APP_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
LEGAL_PERSON_HEADER = "法人或其他组织"
OUTCOME_GROUP_LABEL = "三、本年度办理结果"
# Merged group cells of the outcome rows, by row-id prefix. （六）其他处理 (2021) is the 2019 row of that id.
OUTCOME_SUBGROUP_LABELS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "not_processed": "（五）不予处理"}
REVIEW_GROUP_SEPARATOR = " · "  # schema label "行政诉讼 · 未经复议直接起诉" = group + column group

CN_NUMERALS = "一二三四五六七八九十"

# --------------------------------------------------------------------------- phrase banks

# (province, city, county): real places, so that names stay consistent with each other.
PLACES = (
    ("山东省", "淄博市", "沂源县"),
    ("山东省", "淄博市", "博山区"),
    ("山东省", "淄博市", "临淄区"),
    ("山东省", "淄博市", "桓台县"),
    ("山东省", "淄博市", "高青县"),
    ("山东省", "德州市", "齐河县"),
    ("河南省", "漯河市", "舞阳县"),
    ("河南省", "漯河市", "郾城区"),
    ("河南省", "洛阳市", "新安县"),
    ("河南省", "南阳市", "西峡县"),
    ("新疆维吾尔自治区", "昌吉回族自治州", "呼图壁县"),
    ("江苏省", "苏州市", "昆山市"),
    ("浙江省", "宁波市", "慈溪市"),
    ("四川省", "绵阳市", "江油市"),
    ("湖南省", "岳阳市", "平江县"),
    ("湖北省", "襄阳市", "南漳县"),
    ("广东省", "佛山市", "顺德区"),
    ("河北省", "保定市", "清苑区"),
    ("安徽省", "芜湖市", "繁昌区"),
    ("江西省", "赣州市", "信丰县"),
    ("福建省", "泉州市", "安溪县"),
    ("云南省", "曲靖市", "陆良县"),
    ("贵州省", "遵义市", "湄潭县"),
    ("陕西省", "宝鸡市", "凤翔区"),
    ("甘肃省", "天水市", "秦安县"),
    ("辽宁省", "大连市", "金州区"),
    ("山西省", "大同市", "阳高县"),
    ("广西壮族自治区", "桂林市", "阳朔县"),
    ("内蒙古自治区", "包头市", "土默特右旗"),
    ("吉林省", "吉林市", "永吉县"),
)
STREETS = ("城关街道", "城东街道", "新华街道", "东城街道", "南湖街道", "中山路街道", "人民路街道", "北关街道")
# (full name, short name, how the agency calls itself)
DEPARTMENTS = (
    ("工业和信息化局", "工信局", "我局"),
    ("商务局", "商务局", "我局"),
    ("商务和工业信息化局", "商务工信局", "我局"),
    ("自然资源和规划局", "自然资源局", "我局"),
    ("卫生健康委员会", "卫健委", "我委"),
    ("发展和改革委员会", "发改委", "我委"),
    ("教育局", "教育局", "我局"),
    ("民政局", "民政局", "我局"),
    ("司法局", "司法局", "我局"),
    ("财政局", "财政局", "我局"),
    ("生态环境局", "生态环境局", "我局"),
    ("住房和城乡建设局", "住建局", "我局"),
    ("交通运输局", "交通运输局", "我局"),
    ("农业农村局", "农业农村局", "我局"),
    ("市场监督管理局", "市场监管局", "我局"),
    ("人力资源和社会保障局", "人社局", "我局"),
    ("应急管理局", "应急局", "我局"),
    ("医疗保障局", "医保局", "我局"),
    ("科学技术局", "科技局", "我局"),
    ("文化和旅游局", "文旅局", "我局"),
    ("人民政府办公室", "政府办", "我办"),
    ("工业和科技创新委员会", "工科委", "我委"),
)
PROVINCE_DEPARTMENTS = (
    ("工业和信息化厅", "工信厅", "我厅"),
    ("商务厅", "商务厅", "我厅"),
    ("自然资源厅", "自然资源厅", "我厅"),
    ("卫生健康委员会", "卫健委", "我委"),
    ("发展和改革委员会", "发改委", "我委"),
    ("人民政府办公厅", "政府办公厅", "我厅"),
)

PREAMBLES = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》要求，由{agency}综合本单位政府信息公开工作情况编制而成。",
    "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
    "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。本报告电子版可在{gov}门户网站下载。如对本报告有疑问，请与{agency}办公室联系（电话：{phone}）。",
    "报告中所列数据统计期限自 {year} 年 1 月 1 日始，至 {year} 年 12 月 31 日止。",
    "现向社会公布{year}年度{agency}政府信息公开工作年度报告。",
)
OVERVIEW_INTROS = (
    "{year}年，{short}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，紧紧围绕中心工作，不断深化政务公开，切实保障人民群众的知情权、参与权、表达权和监督权。",
    "{year}年，在{gov}的正确领导下，{short}认真贯彻落实政务公开工作要点，进一步健全公开机制、拓宽公开渠道、丰富公开内容，政府信息公开工作取得了新的进展。",
    "{year}年，{short}按照《中华人民共和国政府信息公开条例》和上级有关要求，坚持以公开为常态、不公开为例外，扎实推进决策、执行、管理、服务、结果公开，各项工作有序开展。",
    "{year}年，{short}高度重视政府信息公开工作，把政务公开作为推进法治政府建设、提升治理能力的重要抓手，全年政府信息公开工作总体平稳。",
    "{year}年，{self}认真执行上级有关信息公开各项规定，结合工作职能和中心工作，进一步完善公开机制、拓宽公开渠道，扎实推进政府信息公开工作。",
)
# Sub-sections of 一、总体情况: (title, sentences)
OVERVIEW_TOPICS = (
    (
        "主动公开情况",
        (
            "全年通过政府门户网站主动公开政府信息{n1}条，其中政策文件{n2}条。",
            "围绕重点领域，及时公开财政预决算、重大建设项目、公共资源配置等信息，做到应公开尽公开。",
            "严格落实政策解读与政策文件同步起草、同步审签、同步发布制度，全年发布政策解读{n2}篇。",
            "及时更新机构职能、领导分工、权责清单等基础信息，确保公开内容准确、完整。",
            "通过政务微信公众号发布信息{n3}条，进一步扩大了政府信息的传播面和影响力。",
        ),
    ),
    (
        "依申请公开情况",
        (
            "{year}年，{short}共收到政府信息公开申请{new_total}件，均在法定期限内予以答复。",
            "进一步规范依申请公开受理、审查、答复等环节，严格按照法定时限和程序办理。",
            "明确办公室为依申请公开受理机构，公布受理地址、联系电话和电子邮箱，畅通申请渠道。",
            "对申请内容不明确的，及时告知申请人补正，切实做好沟通解释工作。",
        ),
    ),
    (
        "政府信息管理情况",
        (
            "严格落实信息发布“三审”制度，对拟公开信息进行保密审查，坚持“先审查、后公开”和“一事一审”原则。",
            "定期对已公开的政策文件进行清理，及时标注失效、废止文件，确保信息准确有效。",
            "建立健全政府信息公开属性源头认定机制，公文在起草环节即明确公开属性。",
            "加强政府信息发布管理，严格信息发布程序，认真执行先审后发制度。",
        ),
    ),
    (
        "政府信息公开平台建设情况",
        (
            "充分发挥政府门户网站第一平台作用，及时调整优化栏目设置，提升网站信息发布质量。",
            "依托政务新媒体、政务服务大厅公开栏等多种渠道，构建多元化的信息公开平台。",
            "在政务服务大厅设置政府信息查阅点，方便群众就近查阅政府信息。",
        ),
    ),
    (
        "监督保障情况",
        (
            "成立由主要负责同志任组长的政务公开工作领导小组，明确分管领导和专职工作人员，形成一级抓一级、层层抓落实的工作格局。",
            "将政务公开工作纳入年度目标考核，定期开展自查，发现问题及时整改。",
            "组织工作人员参加政务公开业务培训{n1}次，提升了业务能力和工作水平。",
            "本年度未发生因政府信息公开工作受到责任追究的情况。",
        ),
    ),
)
# Run-in item titles ("1.加强组织领导。…") under a sub-section.
ITEM_TITLES = (
    "加强组织领导，健全工作机制",
    "完善工作机制，确保公开工作有序开展",
    "注重公开实效，发挥便民利民作用",
    "抓好重点领域信息公开",
    "做好常规类信息公开",
    "强化政策解读",
    "规范依申请公开办理",
)
ACTIVE_INTROS = (
    "{year}年，{short}主动公开政府信息情况如下：",
    "主动公开政府信息情况统计如下表。",
    "{year}年，{self}共主动公开政府信息{n1}条。",
)
APPLICATION_INTROS = (
    "{year}年，{short}共收到政府信息公开申请{new_total}件，上年结转{carried_in_total}件，本年度办结{processed_total}件，结转下年度继续办理{carried_out_total}件。",
    "收到和处理政府信息公开申请情况统计如下：",
    "{year}年，{self}收到政府信息公开申请{new_total}件。",
)
REVIEW_INTROS_NONE = ("{year}年，{short}未发生政府信息公开行政复议、行政诉讼案件。",)
REVIEW_INTROS = (
    "{year}年，涉及{short}的政府信息公开行政复议{review_total}件、行政诉讼{litigation_total}件。",
    "政府信息公开行政复议、行政诉讼情况如下：",
)
TABLE_MISSING_NOTES = ("本年度无相关数据。", "（详见附表）", "本部分情况见附件。")
PROBLEM_STATEMENTS = (
    "{year}年，{short}政府信息公开工作虽然取得了一定成效，但仍存在一些不足：一是公开内容不够丰富，部分信息更新不够及时；二是政策解读形式较为单一，解读质量有待提高；三是工作人员业务能力还需进一步加强。",
    "存在的主要问题是：信息公开的主动性和及时性有待加强，公开平台的互动功能还需完善。",
    "{self}政府信息公开工作主要存在以下问题：一是信息公开的工作制度还不够完善，有待进一步细化；二是信息公开的实时性有待进一步加强。",
)
IMPROVEMENTS = (
    "下一步，{short}将从以下几个方面加以改进：一是加强学习培训，提高工作人员业务水平；二是拓展公开内容，及时更新发布信息；三是丰富解读形式，增强政策解读效果。",
    "针对上述问题，我们将进一步完善工作机制，压实工作责任，推动政府信息公开工作再上新台阶。",
    "改进情况：一是加强信息发布管理，进一步明确各科室公开任务和工作职责；二是加强业务培训，提升工作人员的业务能力。",
    "{next}年，{self}将全面贯彻落实《中华人民共和国政府信息公开条例》，把政府信息公开工作作为一项重要任务抓紧抓好。",
)
PROBLEM_ITEMS = (
    ("进一步加强业务培训", "明确专人负责政务信息公开工作，通过开展业务培训，不断提高工作人员的综合素质。"),
    ("抓好重点领域信息公开", "按照上级要求，做好权责清单、重大建设项目、食品安全等重点领域信息公开。"),
    ("强化督查考核", "充分发挥办公室的指导、监督作用，持续抓好政府信息公开工作规范化建设。"),
    ("丰富公开形式", "综合运用图表图解、音视频等方式开展政策解读，提升公开质量。"),
)
OTHER_MATTERS_NONE = ("无。", "无其他需要报告的事项。", "无", "本机关无其他需要报告的事项。")
OTHER_MATTERS = (
    "本年度未收取政府信息公开信息处理费。",
    "{year}年，{short}共承办人大代表建议{n1}件、政协委员提案{n2}件，均已按期办结，办理结果已按要求公开。",
    "根据《政府信息公开信息处理费管理办法》，本年度{self}未向申请人收取信息处理费。",
    "落实{year}年政务公开工作要点情况：严格按照工作要点要求，逐项细化任务，明确责任科室，各项任务均已完成。",
)
PAGE_NUMBER_FORMATS = ("- {n} -", "— {n} —", "第 {n} 页", "第{n}页", "{n}/{total}", "第{n}页 共{total}页", "-{n}-")
TABLE_SEPARATORS = ("--------\t---\t---", "--------", "----------------------------------------", "————————")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class _ApplicationShape:
    """Row and column roles of the applications table, read off the schema identities."""

    parts: tuple[str, ...]  # applicant columns that add up to the total column
    total_col: str
    new_row: str
    carried_in_row: str
    processed_row: str
    carried_out_row: str
    outcome_rows: tuple[str, ...]


@cache
def _application_shape(fmt: str) -> _ApplicationShape:
    identities = [i for i in schema.identities(fmt) if i.table == "applications"]
    balance = next(i for i in identities if len(i.lhs) == 2)
    (_, new_row, _), (_, carried_in_row, _) = balance.lhs
    (_, processed_row, _), (_, carried_out_row, _) = balance.rhs
    row_sum = next(i for i in identities if len(i.lhs) == 1 and all(c[1] == i.lhs[0][1] for c in i.rhs))
    column_sum = next(
        i
        for i in identities
        if len(i.lhs) == 1 and i.lhs[0][1] == processed_row and all(c[2] == i.lhs[0][2] for c in i.rhs)
    )
    return _ApplicationShape(
        parts=tuple(c[2] for c in row_sum.rhs),
        total_col=row_sum.lhs[0][2],
        new_row=new_row,
        carried_in_row=carried_in_row,
        processed_row=processed_row,
        carried_out_row=carried_out_row,
        outcome_rows=tuple(c[1] for c in column_sum.rhs),
    )


def _some(rng: random.Random, high: int) -> int:
    """A positive count skewed towards small numbers (log-uniform in 1..high)."""
    return max(1, round(high ** rng.random()))


def _count(rng: random.Random, p_nonzero: float, high: int) -> int:
    return _some(rng, high) if rng.random() < p_nonzero else 0


def _decimal(rng: random.Random, low_exp: float, high_exp: float, max_places: int) -> float:
    places = rng.choice((0, 0, 1, 2, 2, max_places))
    value = round(10 ** rng.uniform(low_exp, high_exp), places)
    return float(int(value)) if places == 0 else max(value, 10.0**-places)


def _active_disclosure_values(rng: random.Random, fmt: str) -> dict[CellId, Value]:
    spec = schema.tables(fmt)["active_disclosure"]
    out: dict[CellId, Value] = {}
    for index, row in enumerate(spec.rows):
        high = 5 if index == 0 else 40  # few agencies make 规章
        p = 0.35 if index == 0 else 0.85
        row_values: dict[str, Value] = {}
        for col in row.columns:
            row_values[col.id] = _active_value(rng, col.id, row_values, p, high)
            out[(spec.id, row.id, col.id)] = row_values[col.id]
    return out


def _active_value(rng: random.Random, col: str, row: dict[str, Value], p: float, high: int) -> Value:
    """One active-disclosure value; ``row`` holds the row's earlier columns (for total ≥ new)."""
    if col in ("new_made", "issued"):
        return _count(rng, p, high)
    if col == "new_published":
        made = int(row["new_made"] or 0)
        return made if rng.random() < 0.7 else rng.randint(0, made)
    if col == "total_published":
        return int(row["new_published"] or 0) + _count(rng, 0.8, high * 6)
    if col == "repealed":
        return _count(rng, p * 0.4, high // 3 + 1)
    if col == "in_force":
        return int(row["issued"] or 0) + _count(rng, 0.8, high * 5)
    if col == "prev_items":
        return _count(rng, 0.85, 300)
    if col == "delta":
        prev, draw = int(row["prev_items"] or 0), rng.random()
        if draw < 0.3:
            return 0
        if draw < 0.65 or prev == 0:
            return _some(rng, 25)
        return -_some(rng, min(prev, 25))
    if col == "decisions":
        return _count(rng, 0.8, 5000)
    if col == "projects":
        return _count(rng, 0.75, 60)
    if col == "amount":
        return _decimal(rng, 0, 3.7, 2) if row["projects"] else 0.0
    if col == "amount_wan_yuan":
        return _decimal(rng, -1, 3, 4) if rng.random() < 0.7 else 0.0
    raise KeyError(col)


def _application_values(rng: random.Random, fmt: str) -> dict[CellId, Value]:
    shape = _application_shape(fmt)
    table = "applications"
    p_col = (0.95, 0.8, 0.5, 0.5, 0.65, 0.6)  # by applicant column, natural persons first
    high_col = (30, 15, 5, 5, 8, 6)
    big = rng.random() < 0.15  # a busy agency: thousands of requests to a few outcomes
    busy_rows = rng.sample(shape.outcome_rows[2:], rng.randint(1, 4))
    counts: dict[tuple[str, str], int] = {}
    for rank, row in enumerate(shape.outcome_rows):
        factor = 1.0 if rank == 0 else 0.9 if rank == 1 or row in busy_rows else 0.7
        for j, col in enumerate(shape.parts):
            high = high_col[j % len(high_col)] * (3 if rank == 0 else 1)  # most requests are granted
            value = _count(rng, min(1.0, p_col[j % len(p_col)] * factor), high)
            if big and j == 0 and (rank == 0 or row in busy_rows[:1]):
                value = rng.randint(100, 3000)
            counts[(row, col)] = value
    for j, col in enumerate(shape.parts):
        processed = sum(counts[(row, col)] for row in shape.outcome_rows)
        carried_out = _count(rng, 0.5 * p_col[j % len(p_col)], 6)
        carried_in = min(_count(rng, 0.5 * p_col[j % len(p_col)], 6), processed + carried_out)
        counts[(shape.processed_row, col)] = processed
        counts[(shape.carried_out_row, col)] = carried_out
        counts[(shape.carried_in_row, col)] = carried_in
        counts[(shape.new_row, col)] = processed + carried_out - carried_in
    out: dict[CellId, Value] = {}
    for row in schema.tables(fmt)[table].rows:
        for col in row.columns:
            if col.id == shape.total_col:
                out[(table, row.id, col.id)] = sum(counts[(row.id, c)] for c in shape.parts)
            else:
                out[(table, row.id, col.id)] = counts[(row.id, col.id)]
    return out


def _review_values(rng: random.Random, fmt: str) -> dict[CellId, Value]:
    out: dict[CellId, Value] = {}
    quiet = rng.random() < 0.1  # no case at all, as in many small agencies
    for identity in schema.identities(fmt):
        if identity.table != "review_litigation":
            continue
        parts = [0 if quiet else _count(rng, 0.7, 6) for _ in identity.rhs]
        out.update(zip(identity.rhs, parts, strict=True))
        out[identity.lhs[0]] = sum(parts)
    return out


def generate_values(rng: random.Random, format_version: str) -> dict[CellId, Value]:
    """Random realistic values for every canonical cell, satisfying every schema identity exactly."""
    if format_version not in schema.FORMATS:
        raise ValueError(f"unknown format version {format_version!r}")
    drawn = {
        **_active_disclosure_values(rng, format_version),
        **_application_values(rng, format_version),
        **_review_values(rng, format_version),
    }
    return {cell: drawn[cell] for cell in schema.cell_ids(format_version)}


def format_value(value: Value) -> str:
    """The value as the generator prints it (the ``raw`` text of a cell)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def missing_cells(format_version: str, missing: list[str]) -> list[CellId]:
    """The cells covered by ``missing`` entries ("table", "table.row", "table.prefix.*")."""
    out = []
    for cell in schema.cell_ids(format_version):
        table, row, _ = cell
        for entry in missing:
            head, _, rest = entry.partition(".")
            if head == table and (not rest or row == rest or (rest.endswith(".*") and row.startswith(rest[:-1]))):
                out.append(cell)
                break
    return out


# --------------------------------------------------------------------------- logical tables


@dataclass
class _Row:
    """One row of a table before layout: caption/header cells, or label cells + value slots."""

    kind: str  # "caption" | "header" | "data"
    cells: list[str | None]  # None: merged with the cell on its left; "": empty (merged from above)
    values: list[CellId | None] = field(default_factory=list)  # data rows; None = a blank slot
    row_id: str | None = None
    block: str | None = None  # active-disclosure block (caption) the row belongs to
    group_cells: tuple[int, ...] = ()  # indexes of label cells that are merged group labels


@dataclass
class _Table:
    id: str
    rows: list[_Row]
    n_labels: int  # label columns of a data row
    n_values: int  # value columns


@dataclass
class _Style:
    """Per-report choices of punctuation and page furniture."""

    paren: str  # "full" （一） | "half" (一) | "half_space" (一) 予以公开
    dot: str  # "." or "．" after 1, 2, …
    heading: str  # "numbered" | "part" | "bare" | "spaced"
    blank_between: bool
    indent: str
    page_numbers: bool
    break_prob: float  # chance a paragraph is broken across lines mid-sentence
    wrap_width: int  # 0: broken at random places; else wrapped every wrap_width characters
    md_headings: bool


_NUMERIC = re.compile(r"[\s\d.%-]*")  # a fragment that would read as a table value
_LEADING_CN_PAREN = re.compile(r"^\(([一二三四五六七八九十]+)\)")
_LEADING_DIGIT_DOT = re.compile(r"^(\d+)\.")


def _styled(text: str, style: _Style) -> str:
    """A printed label in the report's punctuation: （一） or (一), 1. or 1．"""
    if style.paren != "full":
        text = text.replace("（", "(").replace("）", ")")
        if style.paren == "half_space":
            text = _LEADING_CN_PAREN.sub(r"(\1) ", text)
    if style.dot != ".":
        text = _LEADING_DIGIT_DOT.sub(rf"\1{style.dot}", text)
    return text


def _active_disclosure_table(fmt: str, style: _Style, rng: random.Random) -> _Table:
    spec = schema.tables(fmt)["active_disclosure"]
    width = max(len(r.columns) for r in spec.rows)
    rows: list[_Row] = []
    block = None
    for row in spec.rows:
        if row.block != block:
            block = row.block
            labels = [c.label for c in row.columns]
            labels = [
                label.removesuffix(FEE_UNIT) + FEE_UNIT_4_DECIMALS
                if label.endswith(FEE_UNIT) and rng.random() < 0.4
                else label
                for label in labels
            ]
            rows.append(_Row("caption", [_styled(block or "", style)] + [""] * width, block=block))
            rows.append(_Row("header", [CONTENT_HEADER, *labels] + [""] * (width - len(labels)), block=block))
        slots: list[CellId | None] = [(spec.id, row.id, c.id) for c in row.columns]
        rows.append(_Row("data", [row.label], slots + [None] * (width - len(slots)), row.id, block))
    return _Table(spec.id, rows, 1, width)


def _outcome_group(row_id: str) -> str | None:
    """The merged group label over an outcome row ((三)不予公开 …), None if the row has none."""
    prefix, dot, _ = row_id.partition(".")
    if not dot:
        return None
    if prefix in OUTCOME_SUBGROUP_LABELS:
        return OUTCOME_SUBGROUP_LABELS[prefix]
    return schema.tables("2019")["applications"].row(prefix).label


def _applications_table(fmt: str, style: _Style) -> _Table:
    spec = schema.tables(fmt)["applications"]
    shape = _application_shape(fmt)
    columns = {c.id: c.label for c in schema.APPLICANT_COLUMNS}
    natural, *legal = shape.parts
    n_values = len(shape.parts) + 1
    rows = [
        _Row("header", [_styled(APP_NOTE, style), "", "", APPLICANT_HEADER] + [""] * (n_values - 1)),
        _Row(
            "header",
            ["", "", "", columns[natural], LEGAL_PERSON_HEADER] + [""] * (len(legal) - 1) + [columns[shape.total_col]],
        ),
        _Row("header", ["", "", "", "", *(columns[c] for c in legal), ""]),
    ]
    in_outcomes = (*shape.outcome_rows, shape.processed_row)
    seen_groups: list[str] = []
    for row in spec.rows:
        slots: list[CellId | None] = [(spec.id, row.id, c.id) for c in row.columns]
        label = _styled(row.label, style)
        if row.id not in in_outcomes:
            rows.append(_Row("data", [label, None, None], slots, row.id))
            continue
        first = row.id == in_outcomes[0]
        cells: list[str | None] = [OUTCOME_GROUP_LABEL if first else ""]
        groups = (0,) if first else ()
        group = _outcome_group(row.id)
        if group is None:
            cells += [label, None]
        elif group in seen_groups:
            cells += ["", label]
        else:
            seen_groups.append(group)
            cells += [_styled(group, style), label]
            groups = (*groups, 1)
        rows.append(_Row("data", cells, slots, row.id, group_cells=groups))
    return _Table(spec.id, rows, 3, n_values)


def _review_table() -> _Table:
    spec = schema.tables("2019")["review_litigation"]
    columns = [c.label for c in schema.REVIEW_COLUMNS]
    n = len(columns)
    top: list[str | None] = []
    middle: list[str | None] = []
    bottom: list[str | None] = []
    slots: list[CellId | None] = []
    group_seen = None
    for row in spec.rows:
        group, _, sub = row.label.partition(REVIEW_GROUP_SEPARATOR)
        top += [group if group != group_seen else ""] + [""] * (n - 1)
        group_seen = group
        if sub:
            middle += [sub] + [""] * (n - 1)
            bottom += columns
        else:
            middle += columns
            bottom += [""] * n
        slots += [(spec.id, row.id, c.id) for c in row.columns]
    rows = [_Row("header", top), _Row("header", middle), _Row("header", bottom), _Row("data", [], slots)]
    return _Table(spec.id, rows, 0, len(slots))


def _cells(row: _Row, raw: dict[CellId, str], mode: str = "grid") -> tuple[list[str], int]:
    """The printed cells of a row and how many of them are labels.

    ``grid`` keeps every cell of the full grid; ``compact`` drops cells merged to the left; ``trim``
    drops every empty label cell (values shift left); ``join`` merges group and row label into one.
    """
    if row.kind != "data":
        cells = [c or "" for c in row.cells]
        if mode != "grid":
            while cells and not cells[-1]:
                cells.pop()
        return cells, len(cells)
    if mode == "grid":
        labels = [c or "" for c in row.cells]
    elif mode == "compact":
        labels = [c for c in row.cells if c is not None]
    elif mode == "trim":
        labels = [c for c in row.cells if c]
    else:
        joined = "".join(c for c in row.cells if c)
        labels = [joined] if joined else []
    values = [raw[v] if v is not None else "" for v in row.values]
    if mode != "grid":
        while values and not values[-1]:
            values.pop()
    return labels + values, len(labels)


# --------------------------------------------------------------------------- rendering context


@dataclass
class _Ctx:
    rng: random.Random
    style: _Style
    raw: dict[CellId, str]
    tables: dict[str, _Table | None]
    fields: dict[str, object]
    lines: list[Line] = field(default_factory=list)
    page: int = 1
    total_pages: int = 10
    page_format: str = PAGE_NUMBER_FORMATS[0]
    base_layout: str = ""  # layout whose renderer draws the tables (missing_parts picks one)
    variant: str = ""  # per-report sub-style of the layout
    stop_after: str | None = None  # table id where a truncated report ends

    def add(self, text: str, label: str | None) -> None:
        self.lines.append((text, label))

    def page_number(self) -> str:
        self.page += 1
        self.total_pages = max(self.total_pages, self.page)
        return self.page_format.format(n=self.page, total=self.total_pages)


Chunks = list[list[Line]]  # the lines of a rendered table, grouped by logical row


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _split_point(text: str, rng: random.Random) -> int:
    """A position inside ``text`` that does not cut a number or its ``1.`` numbering."""
    guarded = "0123456789.．"
    positions = [i for i in range(1, len(text)) if text[i - 1] not in guarded and text[i] not in guarded]
    return rng.choice(positions) if positions else len(text) // 2


def _tab_chunks(table: _Table, ctx: _Ctx, mode: str | None = None) -> Chunks:
    rng = ctx.rng
    if mode is None:
        mode = rng.choice(("grid", "grid", "compact", "trim")) if table.n_labels > 1 else rng.choice(("grid", "trim"))
    trail = "\t" if rng.random() < 0.25 else ""
    return [[("\t".join(_cells(row, ctx.raw, mode)[0]) + trail, TABLE)] for row in table.rows]


_CELL_PADS = ("", "", "", " ", "  ", "\u3000\u3000      ", "        ", "\u3000")


def _cell_lines(row: _Row, ctx: _Ctx, prefix: str, mode: str) -> list[Line]:
    rng = ctx.rng
    cells, n_labels = _cells(row, ctx.raw, mode)
    lines: list[Line] = []
    for i, cell in enumerate(cells):
        if i >= n_labels and cell:
            lines.append((prefix + rng.choice(_CELL_PADS) + cell + rng.choice(("", "", " ")), TABLE))
        elif row.kind == "header" and len(cell) >= 4 and rng.random() < 0.3:
            cut = _split_point(cell, rng)
            lines += [(prefix + cell[:cut], TABLE), (cell[cut:], TABLE)]
        else:
            lines.append((prefix + cell, TABLE))
    return lines


def _render_cell_per_line(table: _Table, ctx: _Ctx) -> Chunks:
    prefix = ctx.rng.choice(("\t", "\t", "    ", ""))
    mode = ctx.rng.choice(("grid", "compact"))
    return [[*_cell_lines(row, ctx, prefix, mode), ("", None)] for row in table.rows]


def _render_pipe_cells(table: _Table, ctx: _Ctx) -> Chunks:
    rng = ctx.rng
    chunks: Chunks = []
    for index, row in enumerate(table.rows):
        lines: list[Line] = [(cell + " |", TABLE) for cell in _cells(row, ctx.raw, "trim")[0] if cell]
        if index < len(table.rows) - 1:
            lines.append(("|" * rng.randint(1, 13), TABLE))
        chunks.append(lines)
    return chunks


def _render_one_line_table(table: _Table, ctx: _Ctx) -> Chunks:
    rng = ctx.rng
    tokens: list[str] = []
    for row in table.rows:
        for cell in _cells(row, ctx.raw, "trim")[0]:
            if row.kind == "header" and len(cell) >= 5 and rng.random() < 0.3:
                cut = _split_point(cell, rng)
                cell = cell[:cut] + " " + cell[cut:]
            if cell:
                tokens.append(cell)
    return [[(" ".join(tokens), TABLE)]]


def _render_glued(table: _Table, ctx: _Ctx) -> Chunks:
    """Every cell of the table glued together without separators (``规章000规范性文件898989``)."""
    return [[("".join(c for row in table.rows for c in _cells(row, ctx.raw, "trim")[0]), TABLE)]]


def _md_line(cells: list[str], spaced: bool) -> str:
    return "| " + " | ".join(cells) + " |" if spaced else "|" + "|".join(cells) + "|"


def _md_separator(n: int, rng: random.Random) -> str:
    cell = rng.choice(("---", "---", ":---:", "--------", " --- "))
    return "|" + "|".join([cell] * n) + "|"


def _render_markdown(table: _Table, ctx: _Ctx) -> Chunks:
    rng = ctx.rng
    spaced = rng.random() < 0.7
    width = table.n_labels + table.n_values
    per_block = table.id == "active_disclosure" and rng.random() < 0.5
    chunks: Chunks = []
    need_separator = True
    block = None
    for row in table.rows:
        if per_block and row.block != block:
            block = row.block
            need_separator = True
            if chunks:
                chunks.append([("", None)])
        cells = _cells(row, ctx.raw, "grid")[0]
        lines = [(_md_line(cells + [""] * (width - len(cells)), spaced), TABLE)]
        if need_separator:
            lines.append((_md_separator(width, rng), TABLE))
            need_separator = False
        chunks.append(lines)
    return chunks


def _render_markdown_shifted(table: _Table, ctx: _Ctx) -> Chunks:
    """Markdown whose rows disagree on their columns: merged label cells shift values left."""
    rng = ctx.rng
    spaced = rng.random() < 0.7
    width = table.n_labels + table.n_values
    data_rows = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    forced = rng.choice(data_rows) if data_rows else -1
    chunks: Chunks = []
    for index, row in enumerate(table.rows):
        if row.kind == "data" and table.n_labels == 0:
            # the lone value row of review_litigation: an empty leading cell shifts it right
            cells = _cells(row, ctx.raw)[0]
            if index == forced or rng.random() < 0.5:
                cells = ["", *cells]
        elif row.kind == "data":
            modes = ("compact", "trim", "join") if index == forced else ("grid", "grid", "compact", "trim", "join")
            mode = rng.choice(modes)
            if table.n_labels == 1 and mode != "grid":
                mode = "shift_right"
            if mode == "shift_right":
                labels, values = row.cells, [ctx.raw[v] if v else "" for v in row.values]
                cells = [c or "" for c in labels] + ["", *values]
            else:
                cells = _cells(row, ctx.raw, mode)[0]
        else:
            cells = _cells(row, ctx.raw, rng.choice(("grid", "trim")))[0]
        if rng.random() < 0.5:
            cells = cells + [""] * (width - len(cells))
        lines = [(_md_line(cells, spaced), TABLE)]
        if index == 0:
            lines.append((_md_separator(width, rng), TABLE))
        chunks.append(lines)
    return chunks


def _label_wrap(text: str) -> tuple[str, str]:
    """Where a PDF wraps a long row label over two lines: at its first （ 、 or 或."""
    for mark in ("（", "(", "、", "或"):
        cut = text.find(mark, 6)
        if 0 < cut < len(text) - 2:
            return text[:cut] if mark in "（(" else text[: cut + 1], text[cut if mark in "（(" else cut + 1 :]
    return text, ""


def _render_pdf_spaces(table: _Table, ctx: _Ctx) -> Chunks:
    """PDF text layout: columns padded with runs of ≥2 spaces, long header cells and labels wrapped."""
    rng = ctx.rng
    gap = " " * rng.randint(2, 4)
    wrap_prob = rng.uniform(0.4, 0.9)
    n_labels = table.n_labels
    # each logical row becomes one or two physical lines of cells
    physical: list[tuple[int, list[list[str]], int]] = []  # (row index, lines of cells, label count)
    lead: dict[int, list[str]] = {}  # lines before a row: the long 勾稽关系 note, wrapped
    note = _styled(APP_NOTE, ctx.style)
    for index, row in enumerate(table.rows):
        cells, n_row_labels = _cells(row, ctx.raw, "grid")
        if row.kind == "header" and cells and cells[0] == note:
            cut = len(note) // 2
            lead[index] = [note[:cut], note[cut:]]
            cells = ["", *cells[1:]]
        top, bottom = list(cells), [""] * len(cells)
        for i, cell in enumerate(cells):
            if row.kind == "header" and len(cell) >= 4 and rng.random() < wrap_prob:
                cut = max(2, len(cell) // 2)
                top[i], bottom[i] = cell[:cut], cell[cut:]
            elif row.kind == "data" and i < n_row_labels and len(cell) > 14:
                top[i], bottom[i] = _label_wrap(cell)
        lines = [top, bottom] if any(bottom) else [top]
        physical.append((index, lines, n_row_labels if row.kind == "data" else n_labels))
    width = max(len(c) for _, lines, _ in physical for c in lines)
    widths = [0] * width
    for _, lines, _ in physical:
        for cells in lines:
            for i, cell in enumerate(cells):
                widths[i] = max(widths[i], _display_width(cell))
    chunks: Chunks = []
    for index, lines, n_row_labels in physical:
        out: list[Line] = [(part, TABLE) for part in lead.get(index, [])]
        for cells in lines:
            parts = []
            for i, cell in enumerate(cells):
                pad = " " * (widths[i] - _display_width(cell))
                parts.append(cell + pad if i < n_row_labels else pad + cell)
            out.append((gap.join(parts).rstrip(), TABLE))
        chunks.append(out)
    return chunks


def _render_vertical_labels(table: _Table, ctx: _Ctx) -> Chunks:
    """Merged group labels written one character per line, the rows as tab rows or cell lines."""
    rng = ctx.rng
    as_cells = ctx.variant == "cells"
    prefix = rng.choice(("\t", ""))
    mode = rng.choice(("grid", "compact"))
    chunks: Chunks = []
    for row in table.rows:
        lines: list[Line] = []
        if row.group_cells:
            cells = list(row.cells)
            for i in row.group_cells:
                lines += [(ch, TABLE) for ch in cells[i] or "" if not ch.isspace()]
                cells[i] = ""
            row = replace(row, cells=cells)
        if as_cells:
            lines += [*_cell_lines(row, ctx, prefix, mode), ("", None)]
        else:
            lines.append(("\t".join(_cells(row, ctx.raw, mode)[0]), TABLE))
        chunks.append(lines)
    return chunks


def _ocr_spaced(text: str, rng: random.Random) -> str:
    cut = _split_point(text, rng)
    return text[:cut] + " " + text[cut:]


def _render_ocr_noise(table: _Table, ctx: _Ctx) -> Chunks:
    """Labels broken by OCR: stray spaces (不予公 开), letter-spaced headers (结 果 维 持), a group
    label split over two lines (（四）无 / 法提供); cells separated by tabs or spaces."""
    rng = ctx.rng
    sep = "\t" if ctx.variant == "tab" else rng.choice((" ", "  ", "   "))
    noise = rng.uniform(0.3, 0.6)
    letter_spaced = rng.random() < 0.6
    chunks: Chunks = []
    noisy = 0
    label_rows = [i for i, row in enumerate(table.rows) if any(c for c in row.cells)]
    forced = rng.choice(label_rows) if label_rows else -1
    for index, row in enumerate(table.rows):
        cells, n_labels = _cells(row, ctx.raw, "grid" if sep == "\t" else "trim")
        group_labels = [row.cells[i] for i in row.group_cells]
        lines: list[Line] = []
        for i in range(n_labels):
            cell = cells[i]
            if len(cell) < 2:
                continue
            must = index == forced and not noisy
            if row.kind == "header" and letter_spaced and len(cell) <= 6:
                cells[i] = " ".join(cell)
                noisy += 1
            elif must or rng.random() < noise:
                if row.kind == "data" and cell in group_labels and rng.random() < 0.5 and not lines:
                    cut = _split_point(cell, rng)
                    lines.append((cell[:cut], TABLE))
                    cells[i] = cell[cut:]
                else:
                    cells[i] = _ocr_spaced(cell, rng)
                noisy += 1
        lines.append((sep.join(cells), TABLE))
        chunks.append(lines)
    return chunks


def _page_break_lines(table: _Table, ctx: _Ctx) -> list[Line]:
    """A page break inside a table: form feed and/or page number, then a repeated header or a rule."""
    rng = ctx.rng
    number = ctx.page_number()
    kind = rng.randrange(4)
    if kind == 0:
        lines: list[Line] = [(number, OTHER), ("\f", None)]
    elif kind == 1:
        lines = [("\f" + number, OTHER)]
    elif kind == 2:
        lines = [("", None), (number, OTHER), ("", None)]
    else:
        lines = [("\f", None)]
    follow = rng.randrange(3)
    if follow == 0 or kind == 3:  # a lone form feed is always followed by the repeated header
        headers = [row for row in table.rows if row.kind == "header"]
        if rng.random() < 0.5:
            headers = headers[-1:]
        lines += [("\t".join(_cells(row, ctx.raw, "grid")[0]), TABLE) for row in headers]
    elif follow == 1:
        lines.append((rng.choice(TABLE_SEPARATORS), TABLE))
    return lines


def _render_page_breaks(table: _Table, ctx: _Ctx) -> Chunks:
    rng = ctx.rng
    chunks = _tab_chunks(table, ctx)
    data = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    candidates = data[1:] if len(data) > 1 else data
    count = min(len(candidates), 1 if len(data) < 8 else rng.randint(1, 2))
    for index in sorted(rng.sample(candidates, count), reverse=True):
        chunks.insert(index, _page_break_lines(table, ctx))
    return chunks


def _render_column_major(table: _Table, ctx: _Ctx) -> Chunks:
    """The applications table written column by column: every label, then each column's numbers."""
    if table.id != "applications":
        return _tab_chunks(table, ctx)
    rng = ctx.rng
    lines: list[Line] = []
    data = [row for row in table.rows if row.kind == "data"]
    for row in table.rows:
        if row.kind == "header":
            lines += [(cell, TABLE) for cell in _cells(row, ctx.raw, "trim")[0] if cell]
    for row in data:
        lines += [(cell, TABLE) for cell in row.cells if cell]
    one_per_line = ctx.variant == "lines"
    gap = rng.random() < 0.5
    for j in range(table.n_values):
        numbers = [ctx.raw[slot] for row in data if (slot := row.values[j]) is not None]
        if gap:
            lines.append(("", None))
        if one_per_line:
            lines += [(n, TABLE) for n in numbers]
        else:
            lines.append((" ".join(numbers), TABLE))
    return [lines]


def _render_tab_rows(table: _Table, ctx: _Ctx) -> Chunks:
    return _tab_chunks(table, ctx)


def _render_blank_cells(table: _Table, ctx: _Ctx) -> Chunks:
    """Zeros left blank (their truth is null), drawn as tab rows, markdown or one cell per line."""
    return _RENDERERS[ctx.variant](table, ctx)


def _slip(label: str, rng: random.Random, substitute: bool = False) -> str:
    """The label with one slip: a look-alike character, a character dropped, or a space inside."""
    spots = [i for i, ch in enumerate(label) if ch in LABEL_SLIPS]
    kind = rng.random()
    if spots and (kind < 0.6 or substitute):
        i = rng.choice(spots)
        return label[:i] + LABEL_SLIPS[label[i]] + label[i + 1 :]
    inner = [i for i, ch in enumerate(label) if "\u4e00" <= ch <= "\u9fff"][1:-1]
    if not inner:
        return label
    i = rng.choice(inner)
    return label[:i] + label[i + 1 :] if kind < 0.85 else label[:i] + " " + label[i:]


def _render_label_typos(table: _Table, ctx: _Ctx) -> Chunks:
    """Tab rows whose row labels carry typos and OCR slips (only labels of 6 characters or more:
    a 2-character label with a slip in it is another word)."""
    rng = ctx.rng
    rows = []
    slippable = [
        i for i, row in enumerate(table.rows) if row.kind == "data" and any(c and len(c) >= 6 for c in row.cells)
    ]
    forced = rng.choice(slippable) if slippable else -1  # every table has one slip at least
    for index, row in enumerate(table.rows):
        if index == forced or (row.kind == "data" and rng.random() < 0.35):
            cells = [
                _slip(c, rng, index == forced) if c and len(c) >= 6 and i not in row.group_cells else c
                for i, c in enumerate(row.cells)
            ]
            row = replace(row, cells=cells)
        rows.append(row)
    return _tab_chunks(replace(table, rows=rows), ctx)


def _render_extra_rows(table: _Table, ctx: _Ctx) -> Chunks:
    """Tab rows with a subtotal row after a group of rows and a sentence between two rows."""
    rng = ctx.rng
    chunks = _tab_chunks(table, ctx, "trim")
    data = [i for i, row in enumerate(table.rows) if row.kind == "data"]
    if table.id == "applications" and len(data) > 8:
        group = [i for i in data if (table.rows[i].row_id or "").startswith("denied.")]
        if group:
            sums = []
            for j in range(table.n_values):
                slots = [table.rows[i].values[j] for i in group]
                sums.append(str(sum(int(ctx.raw[c] or 0) for c in slots if c is not None)))
            chunks.insert(group[-1] + 1, [("\t".join([rng.choice(SUBTOTAL_LABELS), *sums]), TABLE)])
    if len(data) > 2 and rng.random() < 0.5:
        at = rng.choice(data[1:])
        chunks.insert(at, [rng.choice(BETWEEN_ROWS_NOTES)])
    return chunks


def _render_placeholder_headers(table: _Table, ctx: _Ctx) -> Chunks:
    """Markdown tables under placeholder headers (数据1 …), as a converter writes a table with no
    header row: one table, or one small table per row."""
    rng = ctx.rng
    width = table.n_labels + table.n_values
    per_row = rng.random() < 0.5
    header = [PLACEHOLDER_HEADER.format(n=n) for n in range(1, width + 1)]
    chunks: Chunks = []
    for index, row in enumerate(table.rows):
        cells = _cells(row, ctx.raw, "grid")[0]
        cells = cells + [""] * (width - len(cells))
        lines: list[Line] = []
        if per_row or index == 0:
            if per_row and index:
                lines.append(("", None))
            lines += [(_md_line(header, True), TABLE), (_md_separator(width, rng), TABLE)]
        lines.append((_md_line(cells, True), TABLE))
        chunks.append(lines)
    return chunks


_RENDERERS: dict[str, Callable[[_Table, _Ctx], Chunks]] = {
    "tab_rows": _render_tab_rows,
    "cell_per_line": _render_cell_per_line,
    "pipe_cells": _render_pipe_cells,
    "one_line_table": _render_one_line_table,
    "markdown": _render_markdown,
    "pdf_spaces": _render_pdf_spaces,
    "vertical_labels": _render_vertical_labels,
    "ocr_noise": _render_ocr_noise,
    "page_breaks": _render_page_breaks,
    "one_line_report": _render_glued,
    "column_major": _render_column_major,
    "markdown_shifted": _render_markdown_shifted,
    "blank_cells": _render_blank_cells,
    "label_typos": _render_label_typos,
    "extra_rows": _render_extra_rows,
    "placeholder_headers": _render_placeholder_headers,
}
MISSING_PARTS_BASES = ("tab_rows", "tab_rows", "markdown", "cell_per_line", "pdf_spaces", "pipe_cells")
LAYOUT_VARIANTS = {
    "vertical_labels": ("tab", "cells"),
    "ocr_noise": ("tab", "spaces"),
    "column_major": ("lines", "rows"),
    "blank_cells": BLANK_CELL_BASES,
}


# --------------------------------------------------------------------------- missing parts


def _drop_rows(table: _Table, keep: Callable[[_Row], bool]) -> _Table:
    """The table without the rows ``keep`` rejects (whole groups or blocks, so no label is orphaned)."""
    return replace(table, rows=[row for row in table.rows if keep(row)])


def _apply_missing(ctx: _Ctx) -> list[str]:
    """Leave out rows, a whole table, or the end of the report; return the ``missing`` entries."""
    rng = ctx.rng
    tables = ctx.tables
    missing: list[str] = []
    mode = rng.choice(("rows", "rows", "table", "truncate", "truncate", "rows+table"))
    if "rows" in mode:
        if rng.random() < 0.6:
            app = tables["applications"]
            assert app is not None
            prefixes = sorted({r.row_id.split(".")[0] for r in app.rows if r.row_id and "." in r.row_id})
            prefix = rng.choice(prefixes)
            tables["applications"] = _drop_rows(app, lambda r: not (r.row_id or "").startswith(prefix + "."))
            missing.append(f"applications.{prefix}.*")
        else:
            ad = tables["active_disclosure"]
            assert ad is not None
            blocks = list(dict.fromkeys(r.block for r in ad.rows))
            block = rng.choice(blocks[1:])
            gone = [r.row_id for r in ad.rows if r.block == block and r.kind == "data"]
            tables["active_disclosure"] = _drop_rows(ad, lambda r: r.block != block)
            missing += [f"active_disclosure.{row_id}" for row_id in gone]
    if "table" in mode:
        table_id = rng.choice(("review_litigation", "review_litigation", "active_disclosure", "applications"))
        tables[table_id] = None
        missing = [m for m in missing if not m.startswith(table_id + ".")] + [table_id]
    if mode == "truncate":
        table_id = rng.choice(("applications", "applications", "active_disclosure", "review_litigation"))
        table = tables[table_id]
        assert table is not None
        data = [i for i, row in enumerate(table.rows) if row.kind == "data"]
        # keep a value row of active_disclosure, so that the report holds some values at all
        cut = (
            data[0]
            if table_id == "review_litigation"
            else rng.choice(data[1:] if table_id == "active_disclosure" else data)
        )
        if table_id == "review_litigation" or cut == data[0]:
            missing.append(table_id)
        else:
            missing += [f"{table_id}.{row.row_id}" for row in table.rows[cut:] if row.kind == "data"]
        tables[table_id] = replace(table, rows=table.rows[:cut])
        later = list(tables)[list(tables).index(table_id) + 1 :]
        missing += later
        for later_id in later:
            tables[later_id] = None
        ctx.stop_after = table_id
    return missing


# --------------------------------------------------------------------------- report body


def _agency(rng: random.Random) -> tuple[str, str, str, str]:
    """(full name, short name, self-reference, the government whose portal publishes it)."""
    level = rng.choice(("county", "county", "county", "city", "city", "province", "government", "street"))
    province, city, county = rng.choice(PLACES)
    county_kind = county[-1] if county[-1] in "县区市旗" else "县"
    if level == "province":
        name, short, me = rng.choice(PROVINCE_DEPARTMENTS)
        return province + name, "省" + short, me, province + "人民政府"
    if level == "city":
        name, short, me = rng.choice(DEPARTMENTS)
        return city + name, "市" + short, me, city + "人民政府"
    if level == "government":
        place = rng.choice((county, city))
        return place + "人民政府", place[-1] + "政府", "本机关", place + "人民政府"
    if level == "street":
        street = rng.choice(STREETS)
        return f"{city}{county}{street}办事处", street + "办事处", "我街道", county + "人民政府"
    name, short, me = rng.choice(DEPARTMENTS)
    full = (city + county if rng.random() < 0.4 else county) + name
    return full, county_kind + short, me, county + "人民政府"


def _year_for(rng: random.Random, fmt: str | None) -> tuple[int, str]:
    """A report year and the format version of its tables (loosely: 2019 format up to 2020)."""
    if fmt is None:
        year = rng.randint(2019, 2024)
        fmt = "2019" if year <= 2020 else "2021"
        if rng.random() < 0.03:
            fmt = "2021" if fmt == "2019" else "2019"
        return year, fmt
    years = range(2019, 2021) if fmt == "2019" else range(2021, 2025)
    if rng.random() < 0.03:
        years = range(2021, 2025) if fmt == "2019" else range(2019, 2021)
    return rng.choice(years), fmt


def _fill(template: str, ctx: _Ctx) -> str:
    rng = ctx.rng
    return template.format(
        n1=rng.randint(60, 400),
        n2=rng.randint(1, 60),
        n3=rng.randint(5, 300),
        phone=f"0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}",
        **ctx.fields,
    )


def _emit_blank(ctx: _Ctx, always: bool = False) -> None:
    if always or ctx.style.blank_between:
        ctx.add("", None)


def _emit_paragraph(ctx: _Ctx, text: str, run_in: int = 0) -> None:
    """A prose paragraph, sometimes broken mid-sentence over lines, sometimes followed by a page number.

    ``run_in``: length of a run-in heading at its start (``（一）领导重视。``), never cut off alone,
    since a lone ``（一）领导重视`` would be a heading.
    """
    rng, style = ctx.rng, ctx.style
    _emit_blank(ctx)
    text = style.indent + text
    first_cut = len(style.indent) + max(run_in + 2, 10)
    if len(text) > first_cut + 12 and rng.random() < style.break_prob:
        if style.wrap_width and len(text) > style.wrap_width + 4:
            # wrapped at the page width, as text copied out of a PDF
            cuts = [c for c in range(style.wrap_width, len(text) - 2, style.wrap_width) if c >= first_cut]
        else:
            cuts = sorted(rng.sample(range(first_cut, len(text) - 4), rng.randint(1, 2)))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        if all(p.strip() and not _NUMERIC.fullmatch(p) for p in pieces):
            for piece in pieces:
                ctx.add(piece, PROSE)
        else:
            ctx.add(text, PROSE)
    else:
        ctx.add(text, PROSE)
    if style.page_numbers and rng.random() < 0.12:
        _emit_blank(ctx)
        ctx.add(ctx.page_number(), OTHER)


def _emit_heading(ctx: _Ctx, text: str) -> None:
    _emit_blank(ctx, always=ctx.style.blank_between or ctx.rng.random() < 0.3)
    ctx.add(text, HEADING)


def _sub_number(ctx: _Ctx, index: int) -> str:
    return _styled(f"（{CN_NUMERALS[index]}）", ctx.style)


def _item_number(ctx: _Ctx, index: int) -> str:
    return ctx.rng.choice((f"{index + 1}.", f"{index + 1}．", f"{index + 1}、"))


def _section_heading(ctx: _Ctx, section: schema.SectionSpec) -> str:
    rng, style = ctx.rng, ctx.style
    title = section.title
    if section.number == 5 and rng.random() < 0.3:
        title = "政府信息公开工作" + title
    numeral = CN_NUMERALS[section.number - 1]
    if style.heading == "part":
        text = rng.choice((f"第{numeral}部分 {title}", f"第{numeral}部分：{title}", f"第{numeral}部分　{title}"))
    elif style.heading == "bare":
        text = title
    elif style.heading == "spaced" and rng.random() < 0.6:
        text = rng.choice(
            (f"{numeral}、 {title}", f"  {numeral}、{title}", f"{numeral}、{title}  ", f"{numeral} 、 {title}")
        )
    else:
        text = f"{numeral}、{title}"
    return ("## " if style.md_headings else "") + text


def _emit_title(ctx: _Ctx) -> str | None:
    rng = ctx.rng
    agency, year = ctx.fields["agency"], ctx.fields["year"]
    year_text = rng.choice((f"{year}年", f"{year} 年", f"{year}年度"))
    kind = rng.choice(("one", "one", "two", "two_year_first", "none"))
    for _ in range(rng.choice((0, 0, 1, 2))):
        ctx.add("", None)
    if kind == "none":
        return None
    if kind == "one":
        lines = [f"{agency}{year_text}政府信息公开工作年度报告"]
    elif kind == "two":
        lines = [str(agency), f"{year_text}政府信息公开工作年度报告"]
    else:
        lines = [f"{year_text}{agency}", "政府信息公开工作年度报告"]
    for i, line in enumerate(lines):
        if i:
            _emit_blank(ctx)
        ctx.add(line, HEADING)
    if rng.random() < 0.1:
        ctx.add("—" * rng.randint(10, 30), OTHER)
    return "".join(lines)


def _emit_subsections(ctx: _Ctx, topics: list[tuple[str, tuple[str, ...]]]) -> None:
    """（一）… sub-sections alone on a line (heading) or run in with their text (prose)."""
    rng = ctx.rng
    run_in_share = rng.random()
    for index, (title, sentences) in enumerate(topics):
        picked = rng.sample(sentences, rng.randint(1, min(3, len(sentences))))
        body = "".join(_fill(s, ctx) for s in picked)
        number = _sub_number(ctx, index)
        if rng.random() < run_in_share:
            _emit_paragraph(ctx, f"{number}{title}。{body}", run_in=len(number + title))
            continue
        _emit_heading(ctx, number + title)
        if rng.random() < 0.3:
            for j, item in enumerate(rng.sample(ITEM_TITLES, rng.randint(2, 3))):
                item_text = _fill(rng.choice(sentences), ctx)
                if rng.random() < 0.25:
                    _emit_heading(ctx, _item_number(ctx, j) + item)
                    _emit_paragraph(ctx, item_text)
                else:
                    number = _item_number(ctx, j)
                    _emit_paragraph(ctx, f"{number}{item}。{item_text}", run_in=len(number + item))
        else:
            _emit_paragraph(ctx, body)


def _emit_table(ctx: _Ctx, table_id: str, intros: tuple[str, ...]) -> None:
    rng = ctx.rng
    table = ctx.tables[table_id]
    if rng.random() < 0.4:
        _emit_paragraph(ctx, _fill(rng.choice(intros), ctx))
    if table is None:
        if rng.random() < 0.5:
            _emit_paragraph(ctx, rng.choice(TABLE_MISSING_NOTES))
        return
    _emit_blank(ctx, always=ctx.style.blank_between or rng.random() < 0.5)
    renderer = _RENDERERS[ctx.base_layout]
    for chunk in renderer(table, ctx):
        ctx.lines += chunk
    if ctx.stop_after != table_id:
        _emit_blank(ctx, always=rng.random() < 0.6)


def _build_report(ctx: _Ctx) -> str | None:
    """Emit the whole report into ``ctx.lines``; return its title."""
    rng = ctx.rng
    title = _emit_title(ctx)
    for template in rng.sample(PREAMBLES, rng.randint(0, 3)):
        _emit_paragraph(ctx, _fill(template, ctx))
    table_sections = {
        2: ("active_disclosure", ACTIVE_INTROS),
        3: ("applications", APPLICATION_INTROS),
        4: (
            "review_litigation",
            REVIEW_INTROS if ctx.fields["review_total"] or ctx.fields["litigation_total"] else REVIEW_INTROS_NONE,
        ),
    }
    for section in schema.SECTIONS:
        _emit_heading(ctx, _section_heading(ctx, section))
        if section.number == 1:
            _emit_paragraph(ctx, _fill(rng.choice(OVERVIEW_INTROS), ctx))
            count = rng.randint(2, len(OVERVIEW_TOPICS))
            _emit_subsections(ctx, list(OVERVIEW_TOPICS[:count]))
        elif section.number in table_sections:
            table_id, intros = table_sections[section.number]
            _emit_table(ctx, table_id, intros)
            if ctx.stop_after == table_id:
                return title
        elif section.number == 5:
            _emit_paragraph(ctx, _fill(rng.choice(PROBLEM_STATEMENTS), ctx))
            if rng.random() < 0.4:
                items = rng.sample(PROBLEM_ITEMS, rng.randint(2, 4))
                _emit_subsections(ctx, [(t, (s,)) for t, s in items])
            else:
                for template in rng.sample(IMPROVEMENTS, rng.randint(1, 2)):
                    _emit_paragraph(ctx, _fill(template, ctx))
        elif rng.random() < 0.5:
            _emit_paragraph(ctx, rng.choice(OTHER_MATTERS_NONE))
        else:
            for template in rng.sample(OTHER_MATTERS, rng.randint(1, 2)):
                _emit_paragraph(ctx, _fill(template, ctx))
    if rng.random() < 0.5:
        _emit_blank(ctx, always=True)
        year = int(str(ctx.fields["year"])) + 1
        if rng.random() < 0.8:
            ctx.add(str(ctx.fields["agency"]), OTHER)
        ctx.add(f"{year}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日", OTHER)
    return title


def _style(rng: random.Random, layout: str) -> _Style:
    markdownish = layout in ("markdown", "markdown_shifted")
    return _Style(
        paren=rng.choice(("full", "full", "half", "half_space")),
        dot=rng.choice((".", ".", ".", "．")),
        heading=rng.choice(("numbered", "numbered", "numbered", "part", "bare", "spaced")),
        blank_between=rng.random() < 0.6,
        indent=rng.choice(("", "", "", "    ", "\u3000\u3000")),
        page_numbers=rng.random() < 0.3,
        break_prob=rng.choice((0.0, 0.15, 0.35, 0.9)),
        wrap_width=rng.choice((0, 0, 0, rng.randint(28, 45))),
        md_headings=markdownish and rng.random() < 0.3,
    )


def _one_line(lines: list[Line], rng: random.Random) -> list[Line]:
    """The whole report on one line, labelled by the label of most of its characters."""
    pieces = [(text.strip(), label) for text, label in lines if text.strip()]
    sep = rng.choice(("", " ", "  "))
    weight: dict[str, int] = {}
    for text, label in pieces:
        if label is not None:
            weight[label] = weight.get(label, 0) + len(text)
    label = max(sorted(weight), key=lambda k: weight[k])
    return [(sep.join(text for text, _ in pieces), label)]


def _summary_fields(values: dict[CellId, Value], fmt: str) -> dict[str, object]:
    shape = _application_shape(fmt)

    def app_total(row: str) -> int:
        return int(values[("applications", row, shape.total_col)] or 0)

    review = [i.lhs[0] for i in schema.identities(fmt) if i.table == "review_litigation"]
    return {
        "new_total": app_total(shape.new_row),
        "carried_in_total": app_total(shape.carried_in_row),
        "processed_total": app_total(shape.processed_row),
        "carried_out_total": app_total(shape.carried_out_row),
        "review_total": int(values[review[0]] or 0),
        "litigation_total": sum(int(values[cell] or 0) for cell in review[1:]),
    }


def _blank_zeros(ctx: _Ctx, values: dict[CellId, Value], fmt: str) -> set[CellId]:
    """Leave zero counts blank, as many real tables do: every zero, or about half of them."""
    rng = ctx.rng
    share = rng.choice((1.0, 0.5))
    blanks = {cell for cell, v in values.items() if v == 0 and rng.random() < share}
    for cell in blanks:
        ctx.raw[cell] = ""
    return blanks


def generate(seed: int, *, format_version: str | None = None, layout: str | None = None) -> GeneratedReport:
    """A random valid report rendered in one damaged layout, with its cells and line labels.

    Same seed and arguments give the same report. ``layout=None`` picks one of ``LAYOUTS``;
    ``format_version=None`` picks the version from the report year.
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    if format_version is not None and format_version not in schema.FORMATS:
        raise ValueError(f"unknown format version {format_version!r}")
    rng = random.Random(seed)
    layout = layout or rng.choice(LAYOUTS)
    year, fmt = _year_for(rng, format_version)
    values = generate_values(rng, fmt)
    agency, short, me, gov = _agency(rng)
    style = _style(rng, layout)
    ctx = _Ctx(
        rng=rng,
        style=style,
        raw={cell: format_value(v) for cell, v in values.items()},
        tables={
            "active_disclosure": _active_disclosure_table(fmt, style, rng),
            "applications": _applications_table(fmt, style),
            "review_litigation": _review_table(),
        },
        fields={
            "agency": agency,
            "short": short,
            "self": me,
            "gov": gov,
            "year": year,
            "next": year + 1,
            **_summary_fields(values, fmt),
        },
        page=rng.randint(0, 2),
        total_pages=rng.randint(6, 14),
        page_format=rng.choice(PAGE_NUMBER_FORMATS),
    )
    ctx.base_layout = rng.choice(MISSING_PARTS_BASES) if layout == "missing_parts" else layout
    ctx.variant = rng.choice(LAYOUT_VARIANTS.get(ctx.base_layout, ("",)))
    missing = _apply_missing(ctx) if layout == "missing_parts" else []
    blanks = _blank_zeros(ctx, values, fmt) if layout == "blank_cells" else set()
    if layout == "extra_rows" and rng.random() < 0.5:
        ad = ctx.tables["active_disclosure"]
        assert ad is not None
        ctx.tables["active_disclosure"] = _drop_rows(ad, lambda r: r.row_id != "art20_1.regulations")
        missing.append("active_disclosure.art20_1.regulations")
    title = _build_report(ctx)
    lines = ctx.lines
    if layout == "one_line_report":
        lines = _one_line(lines, rng)
    elif ctx.stop_after is None and rng.random() < 0.6:
        lines.append(("", None))  # the file ends with a newline
    gone = set(missing_cells(fmt, missing))
    meta = {"agency": agency, "year": year, "title": title}
    if layout == "missing_parts":
        meta["base_layout"] = ctx.base_layout
    return GeneratedReport(
        text="\n".join(text for text, _ in lines),
        format_version=fmt,
        layout=layout,
        cells={cell: None if cell in gone or cell in blanks else v for cell, v in values.items()},
        labels=[label if text.strip() else None for text, label in lines],
        meta=meta,
        missing=missing,
        blanks=frozenset(blanks),
    )
