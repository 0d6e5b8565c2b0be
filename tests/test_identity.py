"""Who published a report and for which year; reports from before the national template; files
that are not reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import govdisclosure as gd
from conftest import CORPUS, FIXTURES, load
from govdisclosure import NotAReportError
from govdisclosure.parse import PRE_2019_NOTE
from govdisclosure.parse.identity import clean_name

TABLE = (CORPUS / "seed_changning_tzcjb_2024" / "source.txt").read_text(encoding="utf-8")
BODY = TABLE[TABLE.index("一、总体情况"):]


def report_from(tmp_path, text: str, name: str = "report.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return gd.load_report(path)


@pytest.mark.parametrize("printed,name", [
    pytest.param("根据《中华人民共和国政府信息公开条例》规定，特向社会公布莆田市城市管理局", "莆田市城市管理局",
                 id="a-preamble-sentence-before-the-name-is-cut-off"),
    pytest.param("关于印发《上海市长宁区投资促进办公室", "上海市长宁区投资促进办公室", id="quotes-and-verbs-dropped"),
    pytest.param("上海市人民政府办公厅（代表市政府）", "上海市人民政府办公厅", id="a-bracketed-note-dropped"),
    pytest.param("一、总体情况", None, id="a-section-heading-is-no-name"),
    pytest.param("本机关认真贯彻落实条例要求，全面推进", None, id="a-sentence-is-no-name"),
    pytest.param("", None, id="nothing"),
])
def test_agency_names_are_names(printed, name):
    assert clean_name(printed) == name


def test_a_title_run_into_the_preamble_gives_the_name_not_the_sentence(tmp_path):
    text = ("根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，特向社会公布莆田市城市管理局\n"
            "2019年度政府信息公开工作年度报告。\n" + BODY)
    report = report_from(tmp_path, text)
    assert report.agency == "莆田市城市管理局" and report.year == 2019


def test_a_report_whose_title_line_is_missing_is_named_by_its_signature_never_by_a_heading(tmp_path):
    text = BODY.rstrip() + "\n\n上海市长宁区投资促进办公室\n2025年1月20日\n"
    report = report_from(tmp_path, text)
    assert report.agency == "上海市长宁区投资促进办公室"
    assert report.agency_from == "signature"
    assert report.year == 2024  # the statistical period is not in the body; the year before the signature
    assert report.agency != "一、总体情况"


def test_a_report_with_no_name_anywhere_says_so(tmp_path):
    report = report_from(tmp_path, BODY)
    assert report.agency is None
    assert any(n.startswith("机关名称未识别") for n in report.notes)


def test_the_publisher_field_names_a_report_whose_title_does_not(tmp_path):
    text = "标题: 2024年政府信息公开工作年度报告\n发布机构: 示例县测试局\n正文:\n" + BODY
    report = report_from(tmp_path, text)
    assert report.agency == "示例县测试局" and report.agency_from.startswith("publisher field")
    assert report.year == 2024


@pytest.mark.parametrize("spaces", [20_000, 200_000])
def test_a_title_padded_with_spaces_is_read_like_a_short_one(spaces, tmp_path):
    text = f"示例县测试局{' ' * spaces}2024年政府信息公开工作年度报告\n" + BODY
    report = report_from(tmp_path, text)
    assert report.agency == "示例县测试局" and report.year == 2024


# --------------------------------------------------------------------------- before the national template

@pytest.mark.parametrize("path", [
    pytest.param(CORPUS / "fujian_pingtan_2018_pre2019" / "source.txt", id="平潭-2018-flattened-old-table"),
    pytest.param(FIXTURES / "cases" / "pre2019-format.txt", id="an-old-statistics-table"),
])
def test_a_report_from_before_the_template_is_recognised_and_no_table_cell_is_made(path):
    report = gd.load_report(path)
    assert report.template == "pre-2019"
    assert report.cell_list == [] and report.tables_found == ()
    assert report.notes[0] == PRE_2019_NOTE
    assert report.year is not None and report.year <= 2018


def test_the_telephone_number_of_an_old_report_is_no_cell():
    report = load("fujian_pingtan_2018_pre2019")
    assert not any("23165255" in c.raw for c in report.cell_list)


def test_a_2019_template_report_is_never_taken_for_an_old_one():
    for corpus_id in ("pingtan_2019", "sanming_2019", "putian_cg_2019", "shanghai_gov_office_2019"):
        assert load(corpus_id).template == "2019"


# --------------------------------------------------------------------------- not a report

@pytest.mark.parametrize("text", [
    pytest.param("# Real reports\n\n| id | agency | year |\n|---|---|---|\n| pingtan_2019 | 平潭综合实验区 | 2019 |\n"
                 "| sanming_2021 | 三明市 | 2021 |\n\nThe 行政复议 and 行政诉讼 rows: 1 0 0 1 and 复议后起诉 2 0 0 2.\n",
                 id="a-readme-listing-reports"),
    pytest.param("某某区政府信息公开年报\n" + "\n".join(f"某某区{y}年政府信息公开工作年度报告 {y + 1}-01-20" for y in range(2019, 2025)),
                 id="a-list-page"),
])
def test_a_note_or_a_list_page_is_not_a_report(text, tmp_path):
    with pytest.raises(NotAReportError):
        report_from(tmp_path, text, "note.md")


# --------------------------------------------------------------------------- title forms, dates in Chinese numerals

_CASE = Path(__file__).parent / "fixtures" / "cases" / "column-swap.txt"


@pytest.mark.parametrize("title,agency,year", [
    ("示例县测试局政府信息公开工作年度报告（2023年度）", "示例县测试局", 2023),
    ("示例县测试局政府信息公开工作年度报告(2023年)", "示例县测试局", 2023),
    ("示例县测试局关于2023年政府信息公开工作年度报告", "示例县测试局", 2023),
    ("示例县测试局关于2023年度政府信息公开工作的年度报告", "示例县测试局", 2023),
    ("示例县测试局二〇二三年政府信息公开工作年度报告", "示例县测试局", 2023),
    ("示例县测试局二〇二三年度政府信息公开工作年度报告", "示例县测试局", 2023),
    ("示例县测试局2023年政府信息公开工作年度报告", "示例县测试局", 2023),
])
def test_the_title_forms_reports_use_give_agency_and_year(tmp_path, title, agency, year):
    text = _CASE.read_text(encoding="utf-8")
    path = tmp_path / "r.txt"
    path.write_text(text.replace(text.splitlines()[0], title, 1), encoding="utf-8")
    report = gd.load_report(path)
    assert (report.agency, report.year) == (agency, year)


@pytest.mark.parametrize("text,shown", [
    ("二〇二四年二月十五日", "2024年2月15日"), ("二〇二四年十二月三十一日", "2024年12月31日"),
    ("二〇二三年", "2023年"), ("二零二四年一月十日", "2024年1月10日"), ("2024年2月15日", "2024年2月15日"),
    ("一二三件", "一二三件"),
])
def test_dates_in_chinese_numerals(text, shown):
    from govdisclosure.parse.identity import arabic_dates

    assert arabic_dates(text) == shown


@pytest.mark.parametrize("edit", [
    pytest.param(lambda t: t.replace("2024-01-20", "2024-02-15"), id="发布日期-under-the-title"),
    pytest.param(lambda t: t.replace("发布日期：2024-01-20", "发布时间：2024-02-15  来源：本局"), id="发布时间-beside-another-field"),
    pytest.param(lambda t: t.replace("发布日期：2024-01-20\n", "") + "\n示例区测试局\n二〇二四年二月十五日\n",
                 id="signed-in-chinese-numerals"),
])
def test_a_publication_date_under_the_title_or_signed_in_chinese_numerals_is_used(tmp_path, edit):
    text = (Path(__file__).parent / "fixtures" / "cases" / "republished-version" / "first-fetch.txt").read_text(
        encoding="utf-8")
    path = tmp_path / "r.txt"
    path.write_text(edit(text), encoding="utf-8")
    found = gd.check([gd.load_report(path)], rules=["S-DEADLINE"])
    assert found.iloc[0]["status"] == "fail" and "2024-02-15" in found.iloc[0]["message"]


@pytest.mark.parametrize("name", ["agency-rtl.txt", "agency-nul-escape.html"])
def test_an_agency_name_carries_no_direction_control_into_any_output(name):
    """Direction controls in a printed name are invisible and reorder what follows them in
    every table, page, chart and export that shows the name: the name is kept without them."""
    from govdisclosure.names import DIRECTION_CONTROLS

    report = gd.load_report(FIXTURES / "bad-inputs" / name)
    assert report.agency and not DIRECTION_CONTROLS.search(report.agency)
    assert not DIRECTION_CONTROLS.search(report.tidy()["agency"].astype(str).str.cat())
