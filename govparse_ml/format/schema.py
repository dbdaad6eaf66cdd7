"""The canonical schema of the three standard tables, as data.

Everything the parser knows about the official report format lives here: table, row and
column ids with their Chinese labels, the key phrases that recognise a row or a column in
damaged text, the header vocabulary that carries no numbers, the markers that tell the 2019
format from the 2021 one, the six standard sections, and the arithmetic identities.
See ``docs/tables.md`` for the prose version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Literal

FormatVersion = Literal["2019", "2021"]
FORMATS: tuple[FormatVersion, ...] = ("2019", "2021")
ValueKind = Literal["count", "signed", "amount"]


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    label: str
    kind: ValueKind = "count"


@dataclass(frozen=True)
class RowSpec:
    id: str
    label: str
    keys: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    # The caption of the block the row sits in (active_disclosure only).
    block: str | None = None


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    section: int  # number of the standard section that holds the table
    rows: tuple[RowSpec, ...]
    # Key phrases of header cells, captions and group labels: text of the table that is
    # never a row of numbers. Used to recognise table text and to skip it.
    header_keys: tuple[str, ...] = ()
    # Row ids that may be recognised only after an earlier row of the table was seen
    # (their key also names a column, e.g. 总计).
    late_rows: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def _row_positions(self) -> dict[str, int]:
        return {row.id: i for i, row in enumerate(self.rows)}

    def row(self, row_id: str) -> RowSpec:
        return self.rows[self._row_positions[row_id]]

    def row_index(self, row_id: str) -> int:
        """The row's place in the table (0 for the first row)."""
        return self._row_positions[row_id]

    def cell_ids(self) -> list[tuple[str, str]]:
        return [(row.id, col.id) for row in self.rows for col in row.columns]


@dataclass(frozen=True)
class Identity:
    """``sum(lhs) == sum(rhs)`` over cells given as ``(table, row, col)``."""

    name: str
    table: str
    lhs: tuple[tuple[str, str, str], ...]
    rhs: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class SectionSpec:
    number: int
    id: str
    title: str
    keys: tuple[str, ...]


# --------------------------------------------------------------------------- sections

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(1, "overview", "总体情况", ("总体情况", "基本情况", "概述")),
    SectionSpec(2, "active_disclosure", "主动公开政府信息情况", ("主动公开政府信息情况", "主动公开政府信息的情况")),
    SectionSpec(
        3,
        "applications",
        "收到和处理政府信息公开申请情况",
        ("收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请", "依申请公开政府信息情况"),
    ),
    SectionSpec(
        4,
        "review_litigation",
        "政府信息公开行政复议、行政诉讼情况",
        ("行政复议、行政诉讼情况", "行政复议和行政诉讼情况", "行政复议、行政诉讼", "行政复议和行政诉讼"),
    ),
    SectionSpec(
        5,
        "problems",
        "存在的主要问题及改进情况",
        ("存在的主要问题及改进情况", "存在的主要问题和改进情况", "存在的主要问题", "主要问题及改进", "主要问题和改进"),
    ),
    SectionSpec(6, "other_matters", "其他需要报告的事项", ("其他需要报告的事项",)),
)

# --------------------------------------------------------------------------- columns


def _cols(*pairs: tuple[str, str] | tuple[str, str, ValueKind]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(*p) for p in pairs)


_AD19_DOCS = _cols(
    ("new_made", "本年新制作数量"), ("new_published", "本年新公开数量"), ("total_published", "对外公开总数量")
)
_AD19_ITEMS = _cols(("prev_items", "上一年项目数量"), ("delta", "本年增/减", "signed"), ("decisions", "处理决定数量"))
_AD19_FEES = _cols(("prev_items", "上一年项目数量"), ("delta", "本年增/减", "signed"))
_AD19_PROC = _cols(("projects", "采购项目数量"), ("amount", "采购总金额", "amount"))
_AD21_DOCS = _cols(("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数"))
_AD21_DECISIONS = _cols(("decisions", "本年处理决定数量"))
_AD21_FEES = _cols(("amount_wan_yuan", "本年收费金额（单位：万元）", "amount"))

APPLICANT_COLUMNS = _cols(
    ("natural", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
REVIEW_COLUMNS = _cols(
    ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计")
)

_B1, _B5, _B6, _B8, _B9 = (f"第二十条第（{n}）项" for n in "一五六八九")

# --------------------------------------------------------------------------- tables

_AD_HEADER_KEYS = (
    "第二十条",
    "信息内容",
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "本年增减",
    "处理决定数量",
    "采购项目数量",
    "采购总金额",
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年收费金额",
    "单位：万元",
    "保留4位小数",
)


def _active_disclosure(version: FormatVersion) -> TableSpec:
    if version == "2019":
        rows = (
            RowSpec("art20_1.regulations", "规章", ("规章",), _AD19_DOCS, _B1),
            RowSpec("art20_1.normative_docs", "规范性文件", ("规范性文件",), _AD19_DOCS, _B1),
            RowSpec("art20_5.admin_license", "行政许可", ("行政许可",), _AD19_ITEMS, _B5),
            RowSpec("art20_5.other_mgmt_services", "其他对外管理服务事项", ("对外管理服务",), _AD19_ITEMS, _B5),
            RowSpec("art20_6.admin_penalty", "行政处罚", ("行政处罚",), _AD19_ITEMS, _B6),
            RowSpec("art20_6.admin_coercion", "行政强制", ("行政强制",), _AD19_ITEMS, _B6),
            RowSpec("art20_8.admin_fees", "行政事业性收费", ("事业性收费",), _AD19_FEES, _B8),
            RowSpec("art20_9.central_procurement", "政府集中采购", ("集中采购",), _AD19_PROC, _B9),
        )
    else:
        rows = (
            RowSpec("art20_1.regulations", "规章", ("规章",), _AD21_DOCS, _B1),
            RowSpec("art20_1.normative_docs", "行政规范性文件", ("规范性文件",), _AD21_DOCS, _B1),
            RowSpec("art20_5.admin_license", "行政许可", ("行政许可",), _AD21_DECISIONS, _B5),
            RowSpec("art20_6.admin_penalty", "行政处罚", ("行政处罚",), _AD21_DECISIONS, _B6),
            RowSpec("art20_6.admin_coercion", "行政强制", ("行政强制",), _AD21_DECISIONS, _B6),
            RowSpec("art20_8.admin_fees", "行政事业性收费", ("事业性收费",), _AD21_FEES, _B8),
        )
    return TableSpec("active_disclosure", "主动公开政府信息情况", 2, rows, _AD_HEADER_KEYS)


_APP_HEADER_KEYS = (
    "勾稽关系",
    "第一项加第二项之和",
    "等于第三项加第四项之和",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "本年度办理结果",
    "不予公开",
    "无法提供",
    "不予处理",
)


def _applications(version: FormatVersion) -> TableSpec:
    a = APPLICANT_COLUMNS

    def r(row_id: str, label: str, *keys: str) -> RowSpec:
        return RowSpec(row_id, label, keys, a)

    head = (
        r("new", "一、本年新收政府信息公开申请数量", "本年新收", "新收政府信息公开申请"),
        r("carried_in", "二、上年结转政府信息公开申请数量", "上年结转", "上年度结转"),
        r("granted", "（一）予以公开", "予以公开"),
        r("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开"),
        r("denied.state_secret", "1.属于国家秘密", "国家秘密"),
        r("denied.law_forbidden", "2.其他法律行政法规禁止公开", "法规禁止公开", "禁止公开"),
        r("denied.three_safety_one_stability", "3.危及“三安全一稳定”", "三安全", "一稳定"),
        r("denied.third_party", "4.保护第三方合法权益", "第三方合法权益", "第三方"),
        r("denied.internal_affairs", "5.属于三类内部事务信息", "内部事务"),
        r("denied.process_info", "6.属于四类过程性信息", "过程性信息", "过程性"),
        r("denied.enforcement_file", "7.属于行政执法案卷", "执法案卷"),
        r("denied.admin_query", "8.属于行政查询事项", "查询事项"),
        r("unable.not_held", "1.本机关不掌握相关政府信息", "不掌握"),
        r("unable.need_creation", "2.没有现成信息需要另行制作", "另行制作", "现成信息"),
        r("unable.unclear_after_fix", "3.补正后申请内容仍不明确", "补正后申请", "仍不明确"),
        r("not_processed.petition_complaint", "1.信访举报投诉类申请", "信访", "举报投诉"),
        r("not_processed.repeat", "2.重复申请", "重复申请"),
        r("not_processed.publication", "3.要求提供公开出版物", "出版物"),
        r("not_processed.massive_repeat", "4.无正当理由大量反复申请", "大量反复", "反复申请"),
        r("not_processed.confirm_reissue", "5.要求行政机关确认或重新出具已获取信息", "重新出具", "已获取信息"),
    )
    other = _other_processing(version, r)
    header_keys = _APP_HEADER_KEYS if version == "2019" else (*_APP_HEADER_KEYS, "其他处理")
    tail = (
        r("total_processed", "（七）总计", "(七)总计", "七)总计", "总计"),
        r("carried_out", "四、结转下年度继续办理", "结转下年", "下年度继续", "结转下一年度"),
    )
    return TableSpec(
        "applications",
        "收到和处理政府信息公开申请情况",
        3,
        head + other + tail,
        header_keys,
        late_rows=frozenset({"total_processed"}),
    )


def _other_processing(version: FormatVersion, r) -> tuple[RowSpec, ...]:
    """The rows of （六）其他处理: one in the 2019 format, three in the 2021 one."""
    if version == "2019":
        return (r("other", "（六）其他处理", "其他处理"),)
    return (
        r(
            "other.no_fix_overdue",
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "逾期不补正",
            "不补正",
        ),
        r(
            "other.fee_unpaid",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "缴纳费用",
            "收费通知",
        ),
        # "3.其他": the bare word also names a column, so the numbering is part of the key.
        r("other.other", "3.其他", "3.其他", "3其他", "三其他"),
    )


def _review_litigation() -> TableSpec:
    rows = (
        RowSpec("review", "行政复议", ("行政复议",), REVIEW_COLUMNS),
        RowSpec("lit_direct", "行政诉讼 · 未经复议直接起诉", ("未经复议直接起诉", "直接起诉"), REVIEW_COLUMNS),
        RowSpec("lit_after_review", "行政诉讼 · 复议后起诉", ("复议后起诉",), REVIEW_COLUMNS),
    )
    header_keys = ("行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    return TableSpec("review_litigation", "政府信息公开行政复议、行政诉讼情况", 4, rows, header_keys)


TABLE_IDS: tuple[str, ...] = ("active_disclosure", "applications", "review_litigation")


@cache
def tables(version: FormatVersion) -> dict[str, TableSpec]:
    """The three table specs of a format version, in report order."""
    specs = (_active_disclosure(version), _applications(version), _review_litigation())
    return {t.id: t for t in specs}


def cell_ids(version: FormatVersion) -> list[tuple[str, str, str]]:
    """Every canonical cell ``(table, row, col)`` of a format version, in schema order."""
    return [(t.id, r, c) for t in tables(version).values() for r, c in t.cell_ids()]


def cell_key(table: str, row: str, col: str) -> str:
    """The flat column name of a cell in a dataset: ``table.row.col``."""
    return f"{table}.{row}.{col}"


# --------------------------------------------------------------------------- format version

# Header phrases that occur in only one of the two formats, with their weight.
FORMAT_MARKERS: dict[FormatVersion, tuple[tuple[str, int], ...]] = {
    "2019": (
        ("本年新制作数量", 2),
        ("本年新公开数量", 2),
        ("对外公开总数量", 2),
        ("上一年项目数量", 2),
        ("本年增/减", 1),
        ("采购项目数量", 2),
        ("采购总金额", 1),
        ("对外管理服务", 1),
    ),
    "2021": (
        ("本年制发件数", 2),
        ("本年废止件数", 2),
        ("现行有效件数", 2),
        ("本年收费金额", 2),
        ("逾期不补正", 2),
        ("收费通知", 2),
        ("缴纳费用", 1),
        ("行政规范性文件", 1),
    ),
}

# --------------------------------------------------------------------------- identities


def _identities(version: FormatVersion) -> tuple[Identity, ...]:
    app = tables(version)["applications"]
    cols = [c.id for c in APPLICANT_COLUMNS]
    parts = cols[:-1]
    out: list[Identity] = []
    for row in app.rows:
        out.append(
            Identity(
                f"applications.{row.id}: total = sum of applicant columns",
                "applications",
                (("applications", row.id, "total"),),
                tuple(("applications", row.id, c) for c in parts),
            )
        )
    processed = [r.id for r in app.rows if r.id not in ("new", "carried_in", "total_processed", "carried_out")]
    for col in cols:
        out.append(
            Identity(
                f"applications.{col}: total_processed = sum of outcomes",
                "applications",
                (("applications", "total_processed", col),),
                tuple(("applications", r, col) for r in processed),
            )
        )
    for col in cols:
        out.append(
            Identity(
                f"applications.{col}: new + carried_in = total_processed + carried_out",
                "applications",
                (("applications", "new", col), ("applications", "carried_in", col)),
                (("applications", "total_processed", col), ("applications", "carried_out", col)),
            )
        )
    for row in tables(version)["review_litigation"].rows:
        out.append(
            Identity(
                f"review_litigation.{row.id}: total = upheld + corrected + other + pending",
                "review_litigation",
                (("review_litigation", row.id, "total"),),
                tuple(("review_litigation", row.id, c) for c in ("upheld", "corrected", "other", "pending")),
            )
        )
    return tuple(out)


@cache
def identities(version: FormatVersion) -> tuple[Identity, ...]:
    """The arithmetic identities a correct report of this format satisfies."""
    return _identities(version)


@cache
def column_kinds(version: FormatVersion) -> dict[tuple[str, str, str], ValueKind]:
    """The kind of value (count, signed, amount) of every cell of a format version."""
    return {(t.id, r.id, c.id): c.kind for t in tables(version).values() for r in t.rows for c in r.columns}


# Cell text that stands for "no value"; the raw text is kept beside the null.
NULL_MARKERS: frozenset[str] = frozenset({"", "/", "-", "--", "—", "——", "－", "–", "无", "／", "\\"})
# Units written after a number in a cell ("12件", "3.5万元", "832995元"): part of the value's text.
VALUE_UNITS: tuple[str, ...] = ("万元", "元", "万", "件", "条", "个", "项", "次", "家", "人", "笔", "宗", "份", "%")
# What one 万元 is in the unit an amount is written in: an amount's prior is priced in 万元.
UNIT_IN_WAN_YUAN: dict[str, float] = {"万元": 1.0, "万": 1.0, "元": 1e-4}
# Rows some reports add that are none of the schema's (subtotals): their values are skipped.
SUBTOTAL_LABELS: tuple[str, ...] = ("小计", "合计", "其中")
# Header cells a converter writes over a table that had no header row ("数据1", "列2", "Column 3").
PLACEHOLDER_HEADER = r"(?:数据|列|字段|栏目?|[Cc]olumn|[Cc]ol)\s*\d{1,2}"

# --------------------------------------------------------------------------- labels for people

# The version of this schema (table, row and column ids) that datasets record: bump it when an
# id changes meaning, is renamed or removed, so that data of two schemas is not mixed unawares.
SCHEMA_VERSION = "1"

# Short table names for column headers (the full titles are TableSpec.title).
TABLE_SHORT: dict[str, str] = {
    "active_disclosure": "主动公开",
    "applications": "依申请公开",
    "review_litigation": "复议诉讼",
}

# The groups a row sits in, as printed in the official tables: the row-id prefix (before its
# first ".") or the row id, and the captions from the outermost in.
_RESULTS = "三、本年度办理结果"
ROW_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "applications": {
        "granted": (_RESULTS,),
        "partial": (_RESULTS,),
        "denied": (_RESULTS, "（三）不予公开"),
        "unable": (_RESULTS, "（四）无法提供"),
        "not_processed": (_RESULTS, "（五）不予处理"),
        "other": (_RESULTS,),  # 2019: the row （六）其他处理 itself
        "other.": (_RESULTS, "（六）其他处理"),  # 2021: its three sub-rows
        "total_processed": (_RESULTS,),
    },
    "review_litigation": {"lit_direct": ("行政诉讼",), "lit_after_review": ("行政诉讼",)},
}

# The column groups of the official tables (column id -> caption above it).
COLUMN_GROUPS: dict[str, dict[str, str]] = {
    "applications": {
        c: "法人或其他组织" for c in ("commercial", "research", "public_interest", "legal_service", "other_org")
    }
}

# The unit of each column's values (count columns not listed count 件: applications, cases).
COLUMN_UNITS: dict[str, str] = {
    "prev_items": "项",
    "delta": "项",
    "projects": "个",
    "amount": "万元（以报告所写为准）",
    "amount_wan_yuan": "万元",
}


def row_groups(table_id: str, row: RowSpec) -> tuple[str, ...]:
    """The captions of the groups ``row`` sits in, outermost first (the block of an
    active-disclosure row, （三）不予公开 for the denied rows, …)."""
    if row.block:
        return (row.block,)
    groups = ROW_GROUPS.get(table_id, {})
    prefix = row.id.split(".", 1)[0]
    if row.id in groups:
        return groups[row.id]
    if "." in row.id and f"{prefix}." in groups:
        return groups[f"{prefix}."]
    return groups.get(prefix, ())


def parent_row(table_id: str, row: RowSpec) -> str | None:
    """The caption of the parent row a sub-row sits under (（三）不予公开 for the denied rows,
    （六）其他处理 for the 2021 format's three other rows); None for a row of its own."""
    if row.block or "." not in row.id:
        return None
    groups = row_groups(table_id, row)
    return groups[-1] if len(groups) >= 2 else None


def row_label(table_id: str, row: RowSpec) -> str:
    """The row's own label, without the group its id or label already names."""
    if table_id == "review_litigation" and " · " in row.label:
        return row.label.split(" · ", 1)[1]
    return row.label


def column_unit(column: ColumnSpec) -> str:
    return COLUMN_UNITS.get(column.id, "件")
