"""The problem cases about checks (copied from the shared cases into tests/fixtures/cases,
see its README) give their expected results; the publication deadline on reports made from a
corpus report's crawler header and page metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

import govdisclosure as gd
from conftest import FIXTURES, source_of
from govdisclosure.agencies import AgencyTable
from govdisclosure.checks import check
from govdisclosure.checks.dates import parse_date, publication_date

CASES = FIXTURES / "cases"


def load_case(name: str):
    return gd.load_report(CASES / name)


def fails(findings, rule):
    return findings[(findings["rule"] == rule) & (findings["status"] == "fail")]


def test_all_done_but_carried_is_a_self_contradiction_and_the_doubled_word_is_flagged():
    findings = check(load_case("all-done-but-carried.txt"))
    said = fails(findings, "TX-SELF")
    assert len(said) == 1 and said.iloc[0]["row"] == "all_done" and said.iloc[0]["actual"] == 1
    assert "所有申请均已按要求办结" in said.iloc[0]["message"] and "结转下年度继续办理" in said.iloc[0]["message"]
    doubled = fails(findings, "TX-REPEAT")
    assert list(doubled["printed"]) == ["资金资金"] and (doubled["severity"] == "info").all()


def test_column_swap_fails_the_balance_in_two_columns_whose_gaps_cancel():
    findings = fails(check(load_case("column-swap.txt")), "T3-BALANCE")
    assert {(r.column, r.expected, r.actual) for r in findings.itertuples()} == {
        ("natural_person", 40, 41), ("other_org", 1, 0)}
    assert all("相互抵消，总计列平衡" in m and "错误的申请人类别" in m for m in findings["message"])
    # 「共收到政府信息公开申请41件，均已办结」 with 结转 0: no contradiction
    assert fails(check(load_case("column-swap.txt")), "TX-SELF").empty


def test_the_same_agencys_text_two_years_running_and_another_agencys_copy():
    reports = [load_case(f) for f in ("copy-same-agency-2022.txt", "copy-same-agency-2023.txt",
                                      "copy-other-agency-2023.txt")]
    findings = check(reports)
    same = fails(findings, "S-COPY")
    assert set(same["source"]) == {reports[1].source}
    assert set(same["row"]) == {"problems", "full"} and "2022 年度报告相同" in same.iloc[0]["message"]
    peer = fails(findings, "S-COPY-PEER")
    by_source = {r.source: r.message for r in peer.itertuples()}
    assert set(by_source) == {reports[1].source, reports[2].source}  # 2022 has no peer that year
    assert "示例县样本局" in by_source[reports[1].source] and "示例县测试局" in by_source[reports[2].source]
    # the other agency copied, it did not carry over its own previous year
    assert fails(findings[findings["source"] == reports[2].source], "S-COPY").empty


def test_a_higher_threshold_is_the_analysts_choice():
    reports = [load_case("copy-same-agency-2022.txt"), load_case("copy-same-agency-2023.txt")]
    assert fails(check(reports, params={"S-COPY": {"threshold": 1.0}}), "S-COPY").empty


def summary_table() -> AgencyTable:
    return AgencyTable.from_records([
        dict(match="name:示例县人民政府", agency_id="county", name="示例县人民政府", kind="county", parent=""),
        dict(match="name:示例县甲局", agency_id="dept-a", name="示例县甲局", kind="department", parent="county"),
        dict(match="file:summary-vs-departments/dept-b-*.txt", agency_id="dept-b", name="示例县乙局",
             kind="department", parent="county")])


def summary_reports():
    folder = CASES / "summary-vs-departments"
    return [gd.load_report(folder / f) for f in ("county-summary-2023.txt", "dept-a-2023.txt", "dept-b-2023.txt")]


def test_a_summary_below_the_sum_of_its_members_is_found_with_the_members_listed():
    findings = fails(check(summary_reports(), agencies=summary_table()), "H-SUM")
    assert set(findings["row"]) == {"new_received", "total_processed"}
    first = findings[findings["row"] == "new_received"].iloc[0]
    assert (first["actual"], first["expected"]) == (20, 23) and first["agency_id"] == "county"
    assert "示例县甲局 12 件" in first["message"] and "示例县乙局 11 件" in first["message"]
    assert check(summary_reports(), rules=["H-SUM"]).empty  # without parents, nothing to compare


def test_a_government_report_that_does_not_say_it_is_a_summary_is_not_assessable():
    reports = summary_reports()
    reports[0].sections["overview"] = "本机关本级共收到政府信息公开申请20件。"
    found = check(reports, agencies=summary_table(), rules=["H-SUM"])
    assert set(found["status"]) == {"not_assessable"} and "未说明本报告为汇总报告" in found.iloc[0]["message"]
    flagged = AgencyTable.from_records([
        dict(match="name:示例县人民政府", agency_id="county", name="示例县人民政府", kind="county", parent="",
             summary="yes"),
        dict(match="name:示例县甲局", agency_id="dept-a", name="示例县甲局", kind="department", parent="county"),
        dict(match="name:示例县乙局", agency_id="dept-b", name="示例县乙局", kind="department", parent="county")])
    assert set(check(reports, agencies=flagged, rules=["H-SUM"])["status"]) == {"fail"}


def test_a_city_governments_office_reporting_the_citys_regulations_gets_no_warning():
    findings = check(load_case("t2-2019-signed-delta.txt"))
    assert findings[findings["rule"] == "T2-REG-AUTH"].empty


def test_a_full_width_minus_is_a_negative_change_not_text():
    findings = check(load_case("t2-2019-signed-delta.txt"))
    assert fails(findings, "INT").empty


# --------------------------------------------------------------------------- the deadline

def variant(tmp_path: Path, corpus_id: str, old: str, new: str) -> Path:
    source = source_of(corpus_id)
    text = source.read_bytes().decode("utf-8")
    assert old in text
    path = tmp_path / corpus_id / source.name
    path.parent.mkdir(parents=True)
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return path


def deadline(path, **kw):
    found = check(gd.load_report(path), rules=["S-DEADLINE"], **kw)
    return found


def test_a_department_report_published_in_february_is_late(tmp_path):
    late = variant(tmp_path, "putian_cg_2021", "发布时间: 2022-01-13 11:47", "发布时间: 2022-02-15 09:00")
    found = deadline(late)
    assert list(found["status"]) == ["fail"]
    message = found.iloc[0]["message"]
    assert "2022-02-15" in message and "2022-01-31" in message and "15 天" in message
    assert "页面元数据“发布时间”" in message and "第四十九条" in message
    assert deadline(source_of("putian_cg_2021")).empty  # as published: 2022-01-13, on time


def test_a_government_report_published_in_march_is_on_time_and_its_kind_decides(tmp_path):
    on_time = variant(tmp_path, "sanming_2021", "发布时间：\r\n", "发布时间：2022-03-20 10:00\r\n")
    assert deadline(on_time).empty  # 三明市人民政府: a government, 31 March
    table = AgencyTable.from_records([dict(match="name:三明市", agency_id="sm", name="三明市某局", kind="department",
                                           parent="")])
    late = deadline(on_time, agencies=table)
    assert list(late["status"]) == ["fail"] and "48 天" in late.iloc[0]["message"]


def test_the_html_publishdate_meta_is_read(tmp_path):
    page = variant(tmp_path, "putian_cg_2021_html", '<meta name="PubDate" content="2022-01-13 11:47">',
                   '<meta name="publishdate" content="2022-04-02 08:00">')
    found = deadline(page)
    assert list(found["status"]) == ["fail"] and "2022-04-02" in found.iloc[0]["message"]


def test_a_zone_whose_kind_the_name_cannot_tell_is_not_assessable_between_the_two_deadlines():
    found = deadline(source_of("pingtan_2023"))
    assert list(found["status"]) == ["not_assessable"]
    assert "2024-01-31" in found.iloc[0]["message"] and "2024-03-31" in found.iloc[0]["message"]
    table = AgencyTable.from_records([dict(match="name:平潭综合实验区", agency_id="pt", name="平潭综合实验区",
                                           kind="city", parent="")])
    assert deadline(source_of("pingtan_2023"), agencies=table).empty


def test_a_metadata_date_before_the_year_ended_gives_way_to_the_signature():
    # 三明 2019: 发布时间 2019-01-01 (impossible for a 2019 report), signed 2020-03-06
    report = gd.load_report(source_of("sanming_2019"))
    published = publication_date(report.fields, report.year)
    assert published.iso == "2020-03-06" and published.from_signature
    assert "早于报告年度结束" in published.describe()
    assert deadline(source_of("sanming_2019")).empty


def test_no_usable_date_is_not_assessable_and_says_why():
    found = deadline(source_of("sanming_2020"))  # 发布时间：2020-10- (cut short), no signature date
    assert list(found["status"]) == ["not_assessable"] and "不是完整日期" in found.iloc[0]["message"]


@pytest.mark.parametrize("text,iso", [
    ("2022-01-13 11:47", "2022-01-13"), ("2022年1月13日", "2022-01-13"), ("2022/1/13", "2022-01-13"),
    ("2022.01.13", "2022-01-13"), ("20220113", "2022-01-13"), ("２０２２年１月１３日", "2022-01-13"),
    ("2022-02-30", None), ("2020-10-", None), ("", None),
])
def test_publication_dates_as_pages_print_them(text, iso):
    day = parse_date(text)
    assert (day.isoformat() if day else None) == iso


# --------------------------------------------------------------------------- sections by meaning

def test_a_heading_worded_otherwise_is_its_section_and_only_an_info(tmp_path):
    text = (CASES / "copy-same-agency-2023.txt").read_text(encoding="utf-8").replace("六、其他需要报告的事项",
                                                                                     "六、其他应说明事项")
    path = tmp_path / "other-worded.txt"
    path.write_text(text, encoding="utf-8")
    report = gd.load_report(path)
    assert report.section_headings.get("other") == "六、其他应说明事项"
    findings = check(report)
    assert fails(findings, "S-SECTIONS").empty
    assert "标题与模板「六、其他需要报告的事项」不同" in " ".join(fails(findings, "S-HEADINGS")["message"])


def test_a_dropped_heading_is_found_by_its_content():
    report = gd.load_report(source_of("shanghai_stcsm_2024"))
    assert report.sections.get("problems", "").lstrip().startswith("（一）主要问题")
    assert "主要问题" not in report.sections.get("review_litigation", "")
