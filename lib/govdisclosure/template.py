"""The national template of 政府信息公开工作年度报告, as data.

This module is the one place where the Chinese labels of the template live, next to the
canonical keys that the rest of the package uses (see ``docs/domain.md`` of the project's
reference).  Two template versions exist:

* 2019 template (国办公开办函〔2019〕60号), used for report years 2019 and 2020;
* 2021 template (国办公开办函〔2021〕30号), used from report year 2021 on.

A row is identified in a printed report by *cores*: short phrases, in normalised form
(:func:`normalise`), that survive the damage seen in real reports (labels split by spaces,
line breaks inside labels, typos in the rest of the label).  A row whose printed label only
matches loosely (by similarity, not by a core) is recorded as a loose match.

Sources of the variants: the real reports under ``tests/fixtures/corpus`` (their ``meta.json``
describes each damage), and the two templates' official texts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

TEMPLATES = ("2019", "2021")
BOTH = frozenset(TEMPLATES)
# Reports from before the national template (2008–2018: free text and provincial statistics
# tables such as 当面申请数, 同意公开答复数): recognised, but no template table is read from them.
PRE_2019 = "pre-2019"


def normalise(text: str) -> str:
    """NFKC-fold a label and drop every whitespace character.

    NFKC turns full-width brackets, digits and punctuation into their ASCII forms
    (``（一）`` -> ``(一)``) and keeps Chinese characters intact.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class RowDef:
    """One row of a template table."""

    key: str
    label: str  # as printed in the template
    cores: tuple[str, ...] = ()  # normalised phrases that identify the row anywhere in a label
    exact: tuple[str, ...] = ()  # normalised labels that identify the row only as the whole label
    group: str | None = None  # outcome group of table 三 (granted, denied, ...)
    templates: frozenset[str] = BOTH


@dataclass(frozen=True)
class ColumnDef:
    key: str
    label: str
    cores: tuple[str, ...] = ()
    kind: str = "count"  # count | signed | amount


# --------------------------------------------------------------------------- table 三

T3_COLUMNS: tuple[ColumnDef, ...] = (
    ColumnDef("natural_person", "自然人", ("自然人",)),
    ColumnDef("commercial", "商业企业", ("商业企业",)),
    ColumnDef("research", "科研机构", ("科研机构",)),
    ColumnDef("social_welfare", "社会公益组织", ("社会公益组织",)),
    ColumnDef("legal_service", "法律服务机构", ("法律服务机构",)),
    ColumnDef("other_org", "其他", ()),
    ColumnDef("total", "总计", ()),
)
T3_APPLICANT_COLUMNS = tuple(c.key for c in T3_COLUMNS[:-1])

_T19 = frozenset({"2019"})
_T21 = frozenset({"2021"})

T3_ROWS: tuple[RowDef, ...] = (
    RowDef("new_received", "一、本年新收政府信息公开申请数量", ("本年新收", "本年度新收", "新收政府信息公开申请")),
    RowDef("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转", "上年度结转", "结转政府信息公开申请")),
    RowDef("granted", "三、（一）予以公开", ("予以公开",), group="granted"),
    RowDef("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
           ("部分公开",), group="partially_granted"),
    RowDef("denied_state_secret", "1.属于国家秘密", ("国家秘密",), group="denied"),
    RowDef("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", ("禁止公开", "其他法律行政"),
           group="denied"),
    RowDef("denied_security_stability", "3.危及“三安全一稳定”", ("三安全一稳定", "三安全"),
           group="denied"),
    RowDef("denied_third_party", "4.保护第三方合法权益", ("第三方合法权益", "保护第三方"),
           group="denied"),
    RowDef("denied_internal_affairs", "5.属于三类内部事务信息", ("三类内部事务",), group="denied"),
    RowDef("denied_process_info", "6.属于四类过程性信息", ("四类过程性", "过程性信息"), group="denied"),
    RowDef("denied_enforcement_file", "7.属于行政执法案卷", ("行政执法案卷",), group="denied"),
    RowDef("denied_admin_query", "8.属于行政查询事项", ("行政查询事项",), group="denied"),
    RowDef("unable_not_held", "1.本机关不掌握相关政府信息", ("本机关不掌握", "不掌握相关"), group="unable"),
    RowDef("unable_needs_creation", "2.没有现成信息需要另行制作", ("没有现成信息", "另行制作"),
           group="unable"),
    RowDef("unable_unclear", "3.补正后申请内容仍不明确", ("仍不明确", "补正后申请内容"), group="unable"),
    RowDef("rejected_complaint", "1.信访举报投诉类申请", ("信访举报投诉",), group="rejected"),
    RowDef("rejected_duplicate", "2.重复申请", ("重复申请",), group="rejected"),
    RowDef("rejected_publication", "3.要求提供公开出版物", ("公开出版物",), group="rejected"),
    RowDef("rejected_excessive", "4.无正当理由大量反复申请", ("大量反复申请", "大量反复"), group="rejected"),
    RowDef("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息", ("确认或重新出具", "重新出具"),
           group="rejected"),
    RowDef("other_no_correction",
           "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
           ("逾期不补正",), group="other", templates=_T21),
    RowDef("other_unpaid_fee",
           "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
           ("缴纳费用", "收费通知"), group="other", templates=_T21),
    RowDef("other_reasons", "3.其他", (), exact=("3.其他", "其他", "3其他"), group="other",
           templates=_T21),
    RowDef("other_processing", "（六）其他处理", ("其他处理",), group="other", templates=_T19),
    RowDef("total_processed", "（七）总计", ("(七)总计", "七、总计"), exact=("总计", "(七)", "七总计")),
    RowDef("carried_forward", "四、结转下年度继续办理", ("结转下年度", "继续办理")),
)

T3_OUTCOME_GROUPS = ("granted", "partially_granted", "denied", "unable", "rejected", "other")
OUTCOME_GROUP_LABELS = {
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied": "不予公开",
    "unable": "无法提供",
    "rejected": "不予处理",
    "other": "其他处理",
}

# Agencies sometimes print a subtotal row for a group; it is kept, under these keys, but is
# not a template row.
SUBTOTAL_MARKERS = ("小计", "合计")
SUBTOTAL_GROUP_CORES = {
    "denied": ("不予公开",),
    "unable": ("无法提供",),
    "rejected": ("不予处理",),
    "other": ("其他处理",),
}

# Group and header phrases that may precede a row's own label (rowspan cells, flattened text);
# they are removed before a label is compared with an ``exact`` label.
T3_GROUP_PHRASES = (
    "三、本年度办理结果", "本年度办理结果", "(一)", "(二)", "(三)不予公开", "(四)无法提供",
    "(五)不予处理", "(六)其他处理", "三、", "不予公开", "无法提供", "不予处理",
)


def t3_rows(template: str, *, single_other: bool | None = None) -> tuple[RowDef, ...]:
    """Template rows of table 三 in printed order.

    ``single_other`` overrides the template's shape of （六）其他处理: some 2021-template
    reports still print it as the single 2019 row.
    """
    if single_other is None:
        single_other = template == "2019"
    drop = {"other_no_correction", "other_unpaid_fee", "other_reasons"} if single_other \
        else {"other_processing"}
    return tuple(r for r in T3_ROWS if r.key not in drop)


T3_ROW = {r.key: r for r in T3_ROWS}

# --------------------------------------------------------------------------- table 四

T4_ROWS: tuple[RowDef, ...] = (
    RowDef("review", "行政复议", ("行政复议",)),
    RowDef("litigation_direct", "行政诉讼·未经复议直接起诉", ("未经复议直接起诉",)),
    RowDef("litigation_after_review", "行政诉讼·复议后起诉", ("复议后起诉",)),
)
# "行政诉讼" alone (a group header) names both litigation rows.
T4_LITIGATION = "行政诉讼"
T4_COLUMNS: tuple[ColumnDef, ...] = (
    ColumnDef("upheld", "结果维持", ("维持",)),
    ColumnDef("corrected", "结果纠正", ("纠正",)),
    ColumnDef("other", "其他结果", ("其他结果",)),
    ColumnDef("pending", "尚未审结", ("尚未审结",)),
    ColumnDef("total", "总计", ("总计",)),
)

# --------------------------------------------------------------------------- table 二

T2_ROWS: tuple[RowDef, ...] = (
    RowDef("regulations", "规章", (), exact=("规章",)),
    RowDef("normative_documents", "行政规范性文件", ("规范性文件",)),
    RowDef("licensing", "行政许可", ("行政许可",)),
    RowDef("other_services", "其他对外管理服务事项", ("其他对外管理服务", "对外管理服务"), templates=_T19),
    RowDef("punishment", "行政处罚", ("行政处罚",)),
    RowDef("coercion", "行政强制", ("行政强制",)),
    RowDef("fees", "行政事业性收费", ("行政事业性收", "事业性收费")),
    RowDef("procurement", "政府集中采购", ("政府集中采购", "集中采购"), templates=_T19),
)
T2_ROW = {r.key: r for r in T2_ROWS}

T2_COLUMN_DEFS: dict[str, ColumnDef] = {c.key: c for c in (
    ColumnDef("issued", "本年制发件数", ("制发件数", "本年制发")),
    ColumnDef("repealed", "本年废止件数", ("废止件数", "本年度止件数", "止件数")),
    ColumnDef("in_force", "现行有效件数", ("现行有效",)),
    ColumnDef("decisions", "本年处理决定数量", ("处理决定数量", "决定数量")),
    ColumnDef("amount_wan_yuan", "本年收费金额（单位：万元）", ("本年收费金额", "收费金额"), kind="amount"),
    ColumnDef("made", "本年新制作数量", ("新制作数量", "本年新制作")),
    ColumnDef("published", "本年新公开数量", ("新公开数量", "本年新公开")),
    ColumnDef("total_published", "对外公开总数量", ("对外公开总数", "公开总数量")),
    ColumnDef("prior_year_items", "上一年项目数量", ("上一年项目数量", "上一年项目")),
    ColumnDef("change", "本年增/减", ("本年增/减", "增/减", "增减"), kind="signed"),
    ColumnDef("projects", "采购项目数量", ("采购项目数量", "采购项目")),
    ColumnDef("amount", "采购总金额", ("采购总金额",), kind="amount"),
)}

# Column headers the 2019 template prints differently from the 2021 one.
T2_COLUMN_LABEL_2019 = {"decisions": "处理决定数量"}

# Columns of each table-二 row, by template.
T2_LAYOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "2021": {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_documents": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "punishment": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("amount_wan_yuan",),
    },
    "2019": {
        "regulations": ("made", "published", "total_published"),
        "normative_documents": ("made", "published", "total_published"),
        "licensing": ("prior_year_items", "change", "decisions"),
        "other_services": ("prior_year_items", "change", "decisions"),
        "punishment": ("prior_year_items", "change", "decisions"),
        "coercion": ("prior_year_items", "change", "decisions"),
        "fees": ("prior_year_items", "change"),
        "procurement": ("projects", "amount"),
    },
}

T2_BLOCK_CORE = "第二十条第"

# Labels (normalised) that mark a template version when found in table 二 or 三.
TEMPLATE_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": ("制发件数", "废止件数", "现行有效件数", "本年收费金额", "逾期不补正", "缴纳费用"),
    "2019": ("新制作数量", "新公开数量", "对外公开总数", "上一年项目数量", "政府集中采购",
             "其他对外管理服务"),
}

# --------------------------------------------------------------------------- units in cells

UNIT_FACTORS = {"元": 1.0, "万元": 10_000.0, "亿元": 100_000_000.0}
DASH_MARKERS = frozenset({"/", "-", "—", "——", "－", "–", "─", "\\", "／", "、"})
NONE_MARKERS = frozenset({"无", "暂无", "空"})

# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class SectionDef:
    key: str
    number: str
    title: str  # as printed in the 2021 template
    keywords: tuple[str, ...]  # any of these within the heading marks the section
    variants: tuple[str, ...] = field(default=())  # real headings seen (for reference and tests)


SECTIONS: tuple[SectionDef, ...] = (
    SectionDef("overview", "一", "总体情况", ("总体情况", "总体概况", "基本情况", "概述")),
    SectionDef("proactive", "二", "主动公开政府信息情况", ("主动公开",)),
    SectionDef("requests", "三", "收到和处理政府信息公开申请情况",
               ("收到和处理", "依申请公开", "公开申请情况", "申请情况")),
    SectionDef("review_litigation", "四", "政府信息公开行政复议、行政诉讼情况",
               ("行政复议", "行政诉讼", "行政法复议"),
               ("因政府信息公开工作被申请行政复议和提起行政诉讼情况", "政府信息公开行政法复议、行政诉讼情况")),
    SectionDef("problems", "五", "存在的主要问题及改进情况", ("存在的主要问题", "主要问题", "改进情况", "存在的问题"),
               ("政府信息公开工作存在的主要问题及改进情况",)),
    SectionDef("other", "六", "其他需要报告的事项", ("其他需要报告", "其他事项", "其他应说明", "应说明事项", "其他需说明")),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
SECTION_TITLES = {s.key: f"{s.number}、{s.title}" for s in SECTIONS}

# Anchors that start the region of each table in the report text (normalised).
TABLE_START = {
    "t2": ("第二十条第(一)项", "第二十条第"),
    "t3": ("勾稽关系", "申请人情况", "本年新收", "本年度新收"),
    "t4": ("行政复议",),
}
# Parts of those anchors that survive damage without normalising (spaces, full width): the
# first line holding one is where the tables may start.
TABLE_HINTS = ("二十条", "勾稽", "申请人", "本年新收", "新收政府")
# Table 四 printed without its own heading: a label naming both kinds of case.
T4_FALLBACK = (r"行政复议.*行政诉讼|行政诉讼.*行政复议|复议后起诉", "复诉")
# The end of table 四's header (its numbers follow).
T4_HEADER_END = r"(审结|总计|合计)$"
# Section headings that end the tables' regions, with characters one of them must contain.
AFTER_T4 = (r"(?:五|六)、.{0,16}?(存在的主要问题|主要问题|改进情况|其他需要报告)|存在的主要问题|其他需要报告", "存问改其")
BEFORE_T3 = (r"三、.{0,6}(收到和处理|依申请)", "收依")
# Generic words that are a row's label only as the whole label, or after numbering or a group
# label ("（六）其他处理 3.其他"), never at the end of a longer phrase ("法人或其他").
GENERIC_LABELS = frozenset({"其他", "总计"})
GENERIC_LABEL_BOUNDARY = r"(?:[、.)\]]|\d|处理|结果)$"

# --------------------------------------------------------------------------- title and period

REPORT_TITLE_WORDS = ("政府信息公开", "政务公开", "信息公开")
# How the names of administrative bodies end (a name found in a title or a field must end so).
AGENCY_SUFFIXES = ("局", "委员会", "委", "办公室", "办", "厅", "政府", "中心", "院", "所", "署", "站", "队", "处",
                   "会", "区", "县", "市", "州", "盟", "旗", "镇", "乡", "街道", "办事处", "管委会", "集团", "公司",
                   "部", "省", "自治区", "社", "馆", "台", "团", "组", "室", "科")
# Reports from before the national template (2008–2018) print provincial statistics tables with
# these labels; none of them is a label of the 2019 or 2021 template.
PRE_2019_MARKERS = ("当面申请数", "传真申请数", "网络申请数", "信函申请数", "同意公开答复数", "同意部分公开答复数",
                    "不同意公开答复数", "主动公开政府信息数", "主动公开文件数", "政府网站公开数", "政府公报公开数",
                    "受理依申请公开信息总数", "对申请的答复总数", "申请办结数", "按时办结数", "延期办结数",
                    "申请答复数", "属于已主动公开范围数", "不属于本行政机关公开数", "申请信息不存在数",
                    "政府信息公开情况统计表", "行政复议数量", "行政诉讼数量", "接受行政诉讼、举报数")
# How the national template's tables announce themselves: a report read with none of these is
# not in the 2019 or 2021 template.
TEMPLATE_TABLE_WORDS = ("本年新收", "本年度新收", "上年结转", "结转下年度", "勾稽关系", "第二十条第", "予以公开",
                        "未经复议直接起诉", "复议后起诉", "尚未审结")
REPORT_TITLE_SUFFIX = re.compile(
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:报告|年报)")
TITLE_FIELD_NAMES = ("标题", "题目", "ArticleTitle")
PUBLISHER_FIELD_NAMES = ("发布机构", "来源", "ContentSource")
# The page's publication date (the crawler's header, the HTML meta PubDate/publishdate read as
# 发布时间), then dates of the document itself (the signature under the report, its 成文日期).
PUBLISHED_FIELD_NAMES = ("发布时间", "发布日期", "公开日期", "PubDate", "publishdate")
SIGNED_FIELD_NAMES = ("落款日期", "成文日期")
PERIOD_PATTERN = re.compile(
    r"(?:统计期限|统计周期|统计时限|统计时间|期限|时间|周期)[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
HEADER_FIELD = re.compile(r"^\s*(标题|题目|发布时间|发布日期|公开日期|成文日期|文号|发布机构|栏目|原文链接|原始链接|本地目录|索引号|来源)\s*[:：]\s*(.*)$")
BODY_MARKERS = ("正文", "==================== 正文 ====================")

# --------------------------------------------------------------------------- narrative claims
# Phrases in the narrative that state a number the tables also give (TX-COUNTS).  Each entry:
# (quantity, pattern).  A pattern's group "n" is the number; patterns are tried in order and
# a stretch of text claimed by an earlier pattern is not claimed again.  Seen in the corpus:
# "共收到信息公开申请1件", "本年度全区共收到70件申请", "依法按时办结依申请公开事项403件",
# "予以公开及部分公开258件，占33.9%", "另有72件申请按照《条例》顺延到下年度答复",
# "结转至2026年6件", "有 1 件涉及政府信息公开工作的行政复议", "行政诉讼数为 0 件",
# "涉及自然人72件、商业企业3件"; and in reports seen by users: "不予公开等其他类型164件" (every
# outcome but those already named), "属于已公开或部分公开343件" (予以公开 + 部分公开),
# "区政府办代表区政府受理政府信息公开申请17件" (a part: what one office received).
_GAP = r"[^。；;，,\d%]{0,16}?"
_N = r"(?P<n>\d+)\s*(?:件|条|起|个)"
NARRATIVE_CLAIMS: tuple[tuple[str, str], ...] = (
    ("granted_or_partial",
     rf"(?:予以公开|同意公开|已公开)(?:答复)?(?:及|和|与|、|或)部分公开(?:答复)?{_GAP}{_N}"),
    ("carried_over", rf"(?:上年度?|上一年度?)结转{_GAP}{_N}"),
    ("carried_forward", rf"{_N}[^。；;，,\d]{{0,20}}?(?:顺延|结转|转)(?:到|至)?下一?年度?"),
    ("carried_forward", rf"(?:结转(?:到|至)?(?:下一?年度?|\d{{4}}年)|转下一?年度){_GAP}{_N}"),
    ("not_granted", rf"不予公开等(?:其他|其它)?(?:类型|情形|情况|结果)?{_GAP}{_N}"),
    ("granted", rf"(?:予以公开|同意公开)(?:答复)?{_GAP}{_N}"),
    ("partially_granted", rf"部分公开(?:答复)?{_GAP}{_N}"),
    ("denied", rf"不予公开(?:答复)?{_GAP}{_N}"),
    ("unable", rf"无法提供{_GAP}{_N}"),
    ("rejected", rf"不予处理{_GAP}{_N}"),
    ("other", rf"其他处理{_GAP}{_N}"),
    ("review", rf"行政复议(?:案件|案)?(?:数为|数|共)?{_GAP}{_N}"),
    ("litigation", rf"(?:行政)?诉讼(?:案件|案)?(?:数为|数|共)?{_GAP}{_N}"),
    ("review", rf"{_N}(?:(?!诉讼)[^。；;，,、\d]){{0,16}}?行政复议"),
    ("received", rf"(?:收到|受理|接到|接收|新收)[^。；;，,\d%]{{0,24}}?申请(?:共计|共|数量)?{_GAP}{_N}"),
    ("received", rf"(?:收到|受理|接到|接收|新收)(?:各类)?{_N}[^。；;，,\d]{{0,4}}申请"),
    ("applicant_natural_person", rf"(?:自然人|公民个人)(?:申请|提出|提交)?(?:的申请)?{_GAP}{_N}"),
    ("applicant_organisations", rf"法人(?:或|及|和|与)其他组织(?:申请|提出|提交)?{_GAP}{_N}"),
    ("applicant_commercial", rf"商业企业(?:申请|提出|提交)?{_GAP}{_N}"),
    ("applicant_research", rf"科研机构(?:申请|提出|提交)?{_GAP}{_N}"),
    ("applicant_social_welfare", rf"社会公益组织(?:申请|提出|提交)?{_GAP}{_N}"),
    ("applicant_legal_service", rf"法律服务机构(?:申请|提出|提交)?{_GAP}{_N}"),
    ("processed", rf"(?:办结|答复|办理){_GAP}{_N}"),
)
# A percentage right after a claim: "占33.9%", "占比为33.9%", "（占51.9%）", "（51.9%）".
NARRATIVE_PERCENT = r"[^。；;\d]{0,6}?(?:占(?:比)?(?:为|达)?|[（(])\s*(?P<p>\d+(?:\.\d+)?)\s*%"
NARRATIVE_UPHELD = r"均(?:获|被|予以|得到)?维持|全部(?:获得?|被)?维持"
NARRATIVE_NOT_CORRECTED = r"未被(?:复议机关|复议审查机关|法院)?(?:纠错|纠正|撤销)|无(?:一)?(?:被)?纠错"
NARRATIVE_RATE_WORD = "率"
# Counts of applications are only taken from sentences that speak of applications.
NARRATIVE_APPLICATION_WORD = "申请"
NARRATIVE_NEEDS_APPLICATION = ("received", "processed", "carried_over", "carried_forward",
                               "applicant_natural_person", "applicant_organisations", "applicant_commercial",
                               "applicant_research", "applicant_social_welfare", "applicant_legal_service")
# A count received by a named body on another's behalf is a part of the table's count
# ("区政府办代表区政府受理政府信息公开申请17件" beside 一、本年新收 95).
NARRATIVE_ON_BEHALF = r"代表[^。；;，,\d]{1,16}?(?:受理|收到|接收|接到|办理)"
FEE_STATEMENT = r"信息处理费|处理费|收取.{0,6}费|收费"

# --------------------------------------------------------------------------- narrative in words
# What the narrative says without a number that the tables contradict (TX-SELF).
# "所有申请均已按要求办结", "均已办结", "全部办理完成", "办结率100%" (not "按时办结率", which is
# about timeliness; not "均在法定期限内予以答复", which is about the answers given).
SELF_ALL_DONE = (r"(?:所有|全部|均|都|一律)[^。；;，,\d]{0,10}?(?:办结|办理完(?:成|毕)|处理完(?:成|毕)|完成办理)(?!的|率)"
                 r"|(?<!按时)(?<!按期)(?<!及时)办结率(?:为|达到?)?\s*100(?:\.0+)?\s*%")
# clauses about something else than this year's applications
SELF_ALL_DONE_OTHER = r"结转|上年|去年|诉求|建议|提案|留言|转办件|咨询|意见|投诉|热线|信件|事项清单"
# "未发生因政府信息公开被申请行政复议、提起行政诉讼的情况", "没有收到行政复议", "无行政复议和行政诉讼案件"
SELF_NO_CASES = (r"(?:未|没有)(?:发生|出现|收到|产生|接到|有|因|涉及|被)|无(?:一起|一件|任何)?(?=行政复议|行政诉讼|因|涉及)")
SELF_NO_CASES_NOT = r"未经复议|尚未|未审结|未结|纠错|纠正|败诉|撤销|确认违法|维持|未被"
SELF_NO_APPLICATIONS = r"(?:未|没有)(?:收到|接到|受理|接收)(?:任何|过)?(?:政府信息公开|信息公开|依申请公开)?(?:的)?申请"
# "资金资金": a word printed twice in a row (TX-REPEAT); reduplications that are words
REPEATED_WORD = r"([\u4e00-\u9fff]{2,4})\1"
REPEATED_WORD_ALLOWED = frozenset({"研究研究", "学习学习", "讨论讨论", "看一看", "试一试"})

# --------------------------------------------------------------------------- stale text
# Text carried over from another year or another body (S-STALE).  A year other than the
# report's spoken of as the body's own year ("2024年，我局……" in a 2025 report) — not a plan
# ("2025年，我局将……"), not a comparison ("较2023年", "2019年以来").
STALE_OWN_YEAR = (r"(?P<year>(?:19|20)\d{2})\s*年度?\s*[，,]?\s*"
                  r"(?P<subject>(?:我|本)(?:局|区|市|县|委|办|厅|机关|单位|部门|镇|乡|街道|中心|院|署|政府|司|处|所|们))")
STALE_PLAN = r"将|拟|计划|要|力争|争取|预计|准备|打算"
STALE_COMPARISON = r"较|比|同比|相比|环比|以来|至今|为止|截至|同期|上年|去年|前年|起"
# The scope of a higher level spoken of as the body's own work: "做好全省政府信息依申请公开工作"
# and "强化对全省政务公开工作的统筹推进" in a city's report (三明 2021), "全省各级行政机关要……",
# "全省共收到申请N件"; not a reference to it ("按照全市统一部署", "在全省率先", 《2021年全省…》).
STALE_SCOPE = (
    r"(?:做好|提升|推进|推动|强化对|加强对|指导|督促|统筹|组织|部署|集约|带动|引导)(?P<scope>全省|全市|全县|全区)",
    r"(?P<scope>全省|全市|全县|全区)各级(?:行政机关|人民政府|政府|部门|单位)",
    r"(?P<scope>全省|全市|全县|全区)(?:共|累计|共计)?(?:收到|受理|办结|主动公开|发布|办理)[^。；;，,]{0,16}?\d+\s*(?:件|条)",
)
STALE_SCOPE_REFERENCE = r"按照|根据|依据|配合|参与|协助|落实|贯彻|《[^》]*$"
# the level each scope word speaks for (4 province, 3 city, 2 county/district)
SCOPE_LEVEL = {"全省": 4, "全市": 3, "全县": 2, "全区": 2}

# --------------------------------------------------------------------------- summaries
# A government's report that sums its members' (H-SUM): "本报告汇总全县各乡镇、县直各部门情况编制",
# "全市汇总", "全县各级行政机关共收到申请N件".
SUMMARY_MARKERS = r"汇总|全(?:省|市|县|区)各级行政机关|本级政府(?:及其|和)(?:各)?部门"

# --------------------------------------------------------------------------- sections by content
# What a section holds, for one whose heading a converter dropped (patterns): the parser starts
# the section at the first match in the prose after the section before it, and S-HEADINGS says
# the heading is missing while the content is there.
SECTION_CONTENT = {
    "proactive": r"第二十条第",
    "requests": r"勾稽关系|申请人情况|本年新收",
    "review_litigation": r"未经复议直接起诉|复议后起诉",
    "problems": r"[（(]一[）)]\s*(?:存在的)?主要问题|[（(]二[）)]\s*改进(?:情况|措施)|存在的主要问题",
    "other": r"信息处理费|其他需要报告|其他应说明",
}
