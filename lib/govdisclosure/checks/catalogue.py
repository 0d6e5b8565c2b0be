"""The rule catalogue, as data.

Each rule is a row an analyst can read: its id, Chinese title, the formula as an analyst
would write it, severity, the template versions it applies to, and the *kind* of rule with
its parameters.  Each kind is one generic function in :mod:`.rules`; adding a rule of an
existing kind is adding a row here.

Severity (domain.md): ``error`` = an arithmetic identity of the template is broken;
``warning`` = continuity or plausibility; ``info`` = an anomaly worth a look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..template import PRE_2019, T3_APPLICANT_COLUMNS, T3_ROWS

BOTH = ("2019", "2021")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

OUTCOME_ROWS = tuple(r.key for r in T3_ROWS if r.group)
T4_PARTS = ("upheld", "corrected", "other", "pending")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # Chinese title an analyst reads
    formula: str  # the rule as an analyst would write it
    severity: str
    templates: tuple[str, ...]
    kind: str  # the generic function that runs it (see rules.KINDS)
    params: dict = field(default_factory=dict)


RULES: tuple[Rule, ...] = (
    Rule("T3-BALANCE", "表三勾稽关系：收到的申请 = 办结 + 结转", "一 + 二 = 三（七）总计 + 四（每一列）",
         "error", BOTH, "identity",
         dict(table="t3", along="rows", total=("new_received", "carried_over"),
              parts=("total_processed", "carried_forward"))),
    Rule("T3-OUTCOMES", "表三办理结果之和等于（七）总计",
         "（一）+（二）+Σ（三）+Σ（四）+Σ（五）+Σ（六）=（七）总计（每一列）",
         "error", BOTH, "identity",
         dict(table="t3", along="rows", total=("total_processed",), parts=OUTCOME_ROWS)),
    Rule("T3-ROWSUM", "表三各类申请人之和等于总计", "自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他 = 总计（每一行）",
         "error", BOTH, "identity",
         dict(table="t3", along="columns", total=("total",), parts=T3_APPLICANT_COLUMNS)),
    Rule("T4-SUM", "表四结果之和等于总计", "维持 + 纠正 + 其他 + 尚未审结 = 总计（复议、直接起诉、复议后起诉各一行）",
         "error", BOTH, "identity",
         dict(table="t4", along="columns", total=("total",), parts=T4_PARTS)),
    Rule("INT", "数量为非负整数", "表三、表四及表二件数栏每个数都是非负整数",
         "error", BOTH, "integer", {}),
    Rule("T2-STOCK", "表二存量不小于增量", "现行有效 ≥ 本年制发 − 本年废止（2021）；本年新公开 ≤ 对外公开总数（2019）",
         "warning", BOTH, "inequality",
         dict(cases=(("2021", ("in_force",), ("issued",), ("repealed",)),
                     ("2019", ("total_published",), ("published",), ())))),
    Rule("T2-FEE-UNIT", "行政事业性收费金额单位为万元", "收费金额以“元”书写，或大于 1000 万万元（1000 亿元）",
         "warning", ("2021",), "fee_unit", dict(limit_wan_yuan=10_000_000)),
    Rule("T2-REG-AUTH", "只有有权制定规章的机关填报规章", "规章 > 0 仅限国务院部门、省级政府和设区的市政府",
         "warning", BOTH, "regulation_authority", {}),
    Rule("X-CARRY", "上年结转等于上一年度结转下年度", "上年结转（Y）= 结转下年度继续办理（Y−1），每一列，同一机关",
         "warning", BOTH, "carry_over", {}),
    Rule("X-STOCK", "现行有效件数逐年衔接", "现行有效（Y）= 现行有效（Y−1）+ 本年制发（Y）− 本年废止（Y）",
         "warning", ("2021",), "stock", {}),
    Rule("X-TEMPLATE", "表格式与报告年度一致", "2020 年以后使用 2019 年格式，或 2021 年以前使用 2021 年格式",
         "warning", BOTH, "template_year", {}),
    Rule("X-YOY", "关键数量同比异常变化", "同比变化超过 5 倍或低于 0.2 倍（两年中较大值 ≥ 30 件）",
         "info", BOTH, "year_on_year",
         dict(measures=(("t3", "new_received", "total"), ("t3", "total_processed", "total"),
                        ("t3", "granted", "total"), ("t4", "review", "total"),
                        ("t4", "litigation_direct", "total")), min_cases=30, high=5.0, low=0.2)),
    Rule("TX-COUNTS", "正文数字与表格一致", "正文所述申请数、办理结果、申请人类别、复议诉讼数及百分比与表三、表四一致（按其所指范围）",
         "warning", BOTH, "text_counts", {}),
    Rule("TX-FEE", "报告说明信息处理费收取情况", "2021 年起第六部分说明收取信息处理费情况；逾期未缴费行 > 0 时必须说明",
         "warning", ("2021",), "text_fee", {}),
    Rule("TX-SELF", "正文文字与表格不矛盾", "称“均已办结”时 四、结转下年度 = 0；称“未发生行政复议/诉讼”时表四相应总计 = 0；"
         "称“未收到申请”时 一、本年新收 = 0", "warning", BOTH, "self_contradiction", {}),
    Rule("TX-REPEAT", "正文无重复字词", "同一词语连续出现两次（如“资金资金”）", "info", BOTH, "repeated", {}),
    Rule("S-SECTIONS", "六个部分齐全且顺序正确", "一、总体情况 … 六、其他需要报告的事项，均在（标题或内容）且按序",
         "warning", BOTH, "sections", {}),
    Rule("P-LOST", "原文有数字未能读入", "表格中印出的数字都读入了某个单元格（未能读入的数字逐一列出）",
         "warning", BOTH, "lost_numbers", {}),
    Rule("S-HEADINGS", "部分标题与模板一致", "各部分标题的编号和文字与模板一致；标题缺失而内容在时指出",
         "info", BOTH, "headings", {}),
    Rule("S-DEADLINE", "按时公布年度报告", "发布日期 ≤ 次年 1 月 31 日（政府部门）或 3 月 31 日（县级以上政府）"
         "（《政府信息公开条例》第四十九条）", "warning", (*BOTH, PRE_2019), "deadline", {}),
    Rule("S-BLANK", "表格无空白单元格", "模板要求填写数字的单元格均已填写（没有的填 0）；总计空白另列“总计未填”",
         "warning", BOTH, "blanks", {}),
    Rule("S-STALE", "无沿用其他年度或上级机关的文字", "正文以报告年度以外的年份为本机关当年，或以上级范围（全省、全市）为本机关工作",
         "warning", (*BOTH, PRE_2019), "stale", {}),
    Rule("S-COPY", "内容与上一年度雷同", "第五部分或全文中与同一机关上一年度相同的文字（按句计，数字不计）超过一半",
         "warning", (*BOTH, PRE_2019), "copy", dict(threshold=0.5)),
    Rule("S-COPY-PEER", "内容与同年度其他机关雷同", "全文中与同年度另一机关报告相同的文字（按句计，数字和通用表述不计）超过一半且不少于 80 字",
         "warning", (*BOTH, PRE_2019), "copy_peer", dict(threshold=0.5, boilerplate_share=0.05, boilerplate_min=5, min_chars=80)),
    Rule("S-COPY-TABLE", "表格与上一年度逐格相同", "表二、表三或表四与同一机关上一年度逐格相同，且非零数字足够多、数量足够大，不属巧合"
         "（表三 ≥ 10 个非零数且总计栏之和 ≥ 30；表四 ≥ 4 个且总计栏之和 ≥ 10；表二 ≥ 4 个且之和 ≥ 20）",
         "info", BOTH, "copy_table", dict(min_nonzero={"t3": 10, "t4": 4, "t2": 4}, min_sum={"t3": 30, "t4": 10, "t2": 20})),
    Rule("H-SUM", "汇总报告不少于所属机关之和", "汇总报告（全县、全市）表三、表四各行总计 ≥ 机关表中所属机关同年度之和",
         "warning", BOTH, "hierarchy_sum", {}),
    Rule("X-VERSION", "同一年度报告的不同版本数字不一致",
         "同一机关同一年度的各个文件（转载、重新发布的版本）表二、表三、表四同一单元格的数字相同",
         "warning", BOTH, "versions", {}),
)

RULE = {r.id: r for r in RULES}


def catalogue() -> pd.DataFrame:
    """The catalogue as a table (what the notebooks and the README show)."""
    return pd.DataFrame([(r.id, r.title, r.formula, r.severity, "、".join(r.templates), r.kind) for r in RULES],
                        columns=["rule", "title", "formula", "severity", "templates", "kind"])
