"""The words of a generated report outside its tables: places and agencies, and the phrase banks
of its prose (preambles, overview topics, problems and improvements, other matters).

The sentences are templates filled with the report's fields (``{agency}``, ``{year}``,
``{new_total}`` …) and a few random counts (``{n1}`` …).
"""

from __future__ import annotations

import random
from typing import NamedTuple

CN_NUMERALS = "一二三四五六七八九十"


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


class Agency(NamedTuple):
    """The agency that publishes a report."""

    name: str  # full name: 淄博市沂源县商务局
    short: str  # short name: 县商务局
    self_name: str  # how it calls itself: 我局
    gov: str  # the government whose portal publishes it


def draw_agency(rng: random.Random) -> Agency:
    """A county, city or province department, a government office, or a street office."""
    level = rng.choice(("county", "county", "county", "city", "city", "province", "government", "street"))
    province, city, county = rng.choice(PLACES)
    county_kind = county[-1] if county[-1] in "县区市旗" else "县"
    if level == "province":
        name, short, me = rng.choice(PROVINCE_DEPARTMENTS)
        return Agency(province + name, "省" + short, me, province + "人民政府")
    if level == "city":
        name, short, me = rng.choice(DEPARTMENTS)
        return Agency(city + name, "市" + short, me, city + "人民政府")
    if level == "government":
        place = rng.choice((county, city))
        return Agency(place + "人民政府", place[-1] + "政府", "本机关", place + "人民政府")
    if level == "street":
        street = rng.choice(STREETS)
        return Agency(f"{city}{county}{street}办事处", street + "办事处", "我街道", county + "人民政府")
    name, short, me = rng.choice(DEPARTMENTS)
    full = (city + county if rng.random() < 0.4 else county) + name
    return Agency(full, county_kind + short, me, county + "人民政府")


def draw_year(rng: random.Random, fmt: str | None) -> tuple[int, str]:
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
