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

from ..template import T3_APPLICANT_COLUMNS, T3_ROWS

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
    Rule("TX-COUNTS", "正文数字与表格一致", "正文所述申请数、办理结果、复议诉讼数及百分比与表三、表四一致",
         "warning", BOTH, "text_counts", {}),
    Rule("TX-FEE", "报告说明信息处理费收取情况", "2021 年起第六部分说明收取信息处理费情况；逾期未缴费行 > 0 时必须说明",
         "warning", ("2021",), "text_fee", {}),
    Rule("S-SECTIONS", "六个部分齐全且顺序正确", "一、总体情况 … 六、其他需要报告的事项，均在且按序",
         "warning", BOTH, "sections", {}),
    Rule("S-COPY", "内容与上一年度雷同", "第五部分（或全文）与同一机关上一年度报告几乎相同（相似度 ≥ 0.9）",
         "info", BOTH, "copy", dict(threshold=0.9)),
    Rule("X-VERSION", "同一年度报告的不同版本数字不一致",
         "同一机关同一年度的各个文件（转载、重新发布的版本）表二、表三、表四同一单元格的数字相同",
         "warning", BOTH, "versions", {}),
)

RULE = {r.id: r for r in RULES}


def catalogue() -> pd.DataFrame:
    """The catalogue as a table (what the notebooks and the README show)."""
    return pd.DataFrame([(r.id, r.title, r.formula, r.severity, "、".join(r.templates)) for r in RULES],
                        columns=["rule", "title", "formula", "severity", "templates"])
