"""Every failing finding on the real reports of data/corpus, each with the printed evidence that
makes it true (numbers as the cells hold them, or the sentence as the report prints it).

The list is exact: a new failing finding (a false warning, until its evidence is read and
added here) or a lost one (a true defect no longer found) fails the first test.  Each entry's
evidence is checked against the parsed report, so an entry cannot describe what the report
does not print.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from conftest import corpus_ids, load
from govdisclosure.checks import check

# (corpus id, rule, row, column) → evidence: {"cells": {(table, row, column): value printed}},
# {"text": words the narrative prints}, {"message": words the finding must say}
EXPECTED: dict[tuple[str, str, str, str], dict] = {
    # errors: the printed tables break the template's identities
    ("hongze_2023_pdf", "T4-SUM", "review", "total"): dict(
        cells={("t4", "review", "upheld"): 10, ("t4", "review", "corrected"): 1, ("t4", "review", "total"): 0},
        message="各项之和为 11，总计栏为 0"),
    ("hongze_2023_pdf", "T4-SUM", "litigation_after_review", "total"): dict(
        cells={("t4", "litigation_after_review", "upheld"): 5, ("t4", "litigation_after_review", "total"): 0},
        message="各项之和为 5，总计栏为 0"),
    ("pingtan_2020", "T3-OUTCOMES", "total_processed", "natural_person"): dict(
        cells={("t3", "total_processed", "natural_person"): 20}, message="各项办理结果之和为 26，（七）总计为 20"),
    ("pingtan_2020", "T3-OUTCOMES", "total_processed", "total"): dict(
        cells={("t3", "total_processed", "total"): 21}, message="各项办理结果之和为 27，（七）总计为 21"),
    # warnings
    ("hongze_2023_pdf", "X-TEMPLATE", "other_processing", ""): dict(
        cells={("t3", "other_processing", "total"): 0}, message="（六）其他处理仍按 2019 年格式只列一行"),
    ("hongze_2024_pdf", "X-TEMPLATE", "other_processing", ""): dict(
        cells={("t3", "other_processing", "total"): 0}, message="（六）其他处理仍按 2019 年格式只列一行"),
    ("pingtan_2024_html", "X-STOCK", "normative_documents", "in_force"): dict(
        cells={("t2", "normative_documents", "issued"): 62, ("t2", "normative_documents", "repealed"): 33,
               ("t2", "normative_documents", "in_force"): 440},
        message="上年现行有效 470 + 本年制发 62 − 本年废止 33 = 499 件"),
    ("pingtan_2025_html", "X-STOCK", "normative_documents", "in_force"): dict(
        cells={("t2", "normative_documents", "issued"): 58, ("t2", "normative_documents", "repealed"): 45,
               ("t2", "normative_documents", "in_force"): 546},
        message="上年现行有效 440 + 本年制发 58 − 本年废止 45 = 453 件"),
    ("sanming_2019", "TX-COUNTS", "processed", "overview"): dict(
        text="依法按时办结依申请公开事项403件", cells={("t3", "total_processed", "total"): 109},
        message="办结数 403 件，三（七）总计为 109 件"),
    ("sanming_2021", "S-STALE", "stale_scope", "overview"): dict(
        text="做好全省政府信息依申请公开工作", message="以上级范围（全省）为本机关的工作"),
    ("sanming_2021", "S-STALE", "stale_scope", "problems"): dict(
        text="强化对全省政务公开工作的统筹推进和指导监督", message="强化对全省"),
    ("sanming_2021", "S-STALE", "stale_scope", "problems#2"): dict(
        text="以集约全省政府网站数据的统一信息资源库为基础", message="集约全省"),
    ("sanming_2021", "TX-FEE", "other", ""): dict(section=("other", "无。"), message="未说明信息处理费"),
    ("shanghai_gov_office_2019", "S-BLANK", "blank", "t3"): dict(
        cells={("t3", "granted", "total"): None, ("t3", "carried_over", "commercial"): None},
        message="表三有 126 个单元格空白"),
    ("shanghai_gov_office_2019", "S-BLANK", "blank", "t4"): dict(
        cells={("t4", "review", "corrected"): None, ("t4", "litigation_after_review", "total"): None},
        message="表四有 9 个单元格空白"),
    ("shanghai_gov_office_2019", "TX-COUNTS", "granted_or_partial", "overview"): dict(
        text="予以公开及部分公开258件，占33.9%", cells={("t3", "granted", "natural_person"): 258},
        message="已达 275"),
    ("shanghai_gov_office_2019", "TX-COUNTS", "granted_or_partial_percent", "overview"): dict(
        text="予以公开及部分公开258件，占33.9%", cells={("t3", "total_processed", "total"): 805},
        message="258/805（三（七）总计）=32.05%"),
    ("shanghai_gov_office_2019", "TX-COUNTS", "unable", "overview"): dict(
        text="因本机关不掌握等原因无法提供265件", cells={("t3", "unable_not_held", "natural_person"): 252},
        message="已达 337"),
    ("shanghai_stcsm_2024", "S-BLANK", "blank", "t3"): dict(
        cells={("t3", "carried_forward", "total"): None, ("t3", "carried_forward", "natural_person"): 1},
        message="总计未填：「四、结转下年度继续办理」"),
    ("shanghai_stcsm_2024", "P-LOST", "", ""): dict(  # the stray '1' line its meta.json describes
        message="表三中印出的“1”未能读入任何单元格"),
    ("shanghai_stcsm_2024", "TX-SELF", "all_done", "requests"): dict(
        text="所有申请均已按要求办理完成", cells={("t3", "carried_forward", "natural_person"): 1},
        message="结转下年度继续办理」为 1 件"),
    # info
    ("hongze_2024_pdf", "X-YOY", "granted", "total"): dict(
        cells={("t3", "granted", "total"): 50}, message="由 0 件变为 50 件"),
    ("pingtan_2025", "X-YOY", "review", "total"): dict(text="行政复议36起", message="由 7 件变为 36 件"),
    ("pingtan_2025_html", "X-YOY", "review", "total"): dict(
        cells={("t4", "review", "total"): 36}, message="由 7 件变为 36 件"),
    ("pingtan_2021", "TX-REPEAT", "repeated", "overview"): dict(text="规范审核审核发布机制", message="审核审核"),
    ("shanghai_stcsm_2024", "TX-REPEAT", "repeated", "proactive"): dict(text="科技计划资金资金分配结果",
                                                                       message="资金资金"),
    ("shanghai_stcsm_2024", "S-HEADINGS", "proactive", ""): dict(
        heading=("proactive", "三、主动公开工作情况"), message="编号应为“二、”"),
    ("shanghai_stcsm_2024", "S-HEADINGS", "requests", ""): dict(
        heading=("requests", "四、政府信息公开申请情况"), message="编号应为“三、”"),
    ("shanghai_stcsm_2024", "S-HEADINGS", "review_litigation", ""): dict(
        heading=("review_litigation", "三、政府信息公开行政复议、行政诉讼情况"), message="编号应为“四、”"),
    ("shanghai_stcsm_2024", "S-HEADINGS", "problems", ""): dict(
        text="（一）主要问题", message="未找到第五部分「存在的主要问题及改进情况」的标题"),
    ("shanghai_stcsm_2024", "S-HEADINGS", "other", ""): dict(
        heading=("other", "五、其他需要报告的事项"), message="编号应为“六、”"),
}


@lru_cache(maxsize=None)
def corpus_findings():
    ids = corpus_ids()
    findings = check([load(i) for i in ids])
    by_source = {load(i).source: i for i in ids}
    findings = findings.assign(corpus_id=findings["source"].map(by_source))
    return findings[findings["status"] == "fail"]


def entries(findings) -> dict[tuple[str, str, str, str], object]:
    """Each failing finding under (corpus id, rule, row, column-or-table-or-section), "#2" for a repeat."""
    out = {}
    for f in findings.itertuples():
        where = f.column or (f.table if f.rule == "S-BLANK" else "")
        key = (f.corpus_id, f.rule, f.row, where)
        n = 2
        while key in out:
            key = (f.corpus_id, f.rule, f.row, f"{where}#{n}")
            n += 1
        out[key] = f
    return out


def test_the_failing_findings_on_the_corpus_are_exactly_the_listed_ones():
    found = entries(corpus_findings())
    assert sorted(set(found) - set(EXPECTED)) == [], "new failing findings: read each against its source"
    assert sorted(set(EXPECTED) - set(found)) == [], "true findings no longer found"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: "-".join(x for x in k if x))
def test_each_finding_on_the_corpus_is_true_as_printed(key):
    evidence = EXPECTED[key]
    report = load(key[0])
    for (table, row, column), value in evidence.get("cells", {}).items():
        cell = report.cell(table, row, column)
        assert cell is not None, (table, row, column)
        if value is None:
            assert cell.state == "blank", (table, row, column, cell.raw)
        else:
            assert cell.state == "number" and cell.value == value, (table, row, column, cell.raw)
    if "text" in evidence:
        assert _squeeze(evidence["text"]) in _squeeze("".join(report.sections.values())), evidence["text"]
    if "section" in evidence:
        name, text = evidence["section"]
        assert _squeeze(report.sections[name]) == _squeeze(text)
    if "heading" in evidence:
        name, text = evidence["heading"]
        assert report.section_headings[name] == text
    finding = entries(corpus_findings())[key]
    assert evidence["message"] in finding.message
    assert finding.key and finding.agency_id  # every finding can be settled by a reviewer
