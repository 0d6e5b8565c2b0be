"""Display helpers: any value a cell holds renders, report text stays text, paragraphs rejoin,
contradicting sentences are marked wherever the crawler cut their lines, links only to http(s)."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from conftest import FIXTURES
from helpers import consistent_t3, consistent_t4, edited, make_report
from html_helpers import Page

import govdisclosure as gd
from govdisclosure import charts, display, render
from govdisclosure.checks import check, compare_claims

HOSTILE = FIXTURES / "bad-inputs"  # the shared set of bad and hostile files


def html_of(shown) -> str:
    return shown.to_html() if hasattr(shown, "to_html") else str(shown)


def doc_of(shown):
    return lxml.html.fragment_fromstring(html_of(shown), create_parent="div")


# --------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("value, shown", [
    pytest.param(1234, "1,234", id="a count gets thousands separators"),
    pytest.param(3.5, "3.5", id="a fraction keeps its decimals"),
    pytest.param(481714587.29, "481,714,587.29", id="a large amount in yuan is written out"),
    pytest.param(float("inf"), "∞", id="infinity is shown, not a crash"),
    pytest.param(float("nan"), "—", id="NaN is unknown"),
    pytest.param(None, "—", id="None is unknown"),
    pytest.param(pd.NA, "—", id="pd.NA is unknown"),
    pytest.param(1e300, "1.000e+300", id="a huge number in scientific notation"),
    pytest.param("12a", "12a", id="text stays text"),
])
def test_fmt_count_renders_whatever_a_cell_holds(value, shown):
    assert display.fmt_count(value) == shown


@pytest.mark.parametrize("url, link", [
    ("https://www.sm.gov.cn/a/b.htm", "https://www.sm.gov.cn/a/b.htm"),
    ("http://example.gov.cn/x", "http://example.gov.cn/x"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("data:text/html,<script>x</script>", None),
    ("https://a.gov.cn/\"onmouseover=\"alert(1)", None),
    ("//evil.example/x", None),
    ("", None),
])
def test_only_http_addresses_become_links(url, link):
    assert display.safe_url(url) == link


# --------------------------------------------------------------------------- odd values

def odd_report():
    """A consistent report whose 本年新收 row holds a fraction, infinity, text and a dash."""
    report = make_report(consistent_t3(), consistent_t4(), agency='某$局$<b>粗体</b>{{7*7}}')
    report = edited(report, {("t3", "new_received", "natural_person"): 3.5,
                             ("t3", "new_received", "commercial"): "<script>alert(1)</script>"})
    for cell in report.cell_list:
        if (cell.table, cell.row, cell.column) == ("t3", "granted", "natural_person"):
            cell.value = float("inf")
            cell.raw = "9" * 400
        if (cell.table, cell.row, cell.column) == ("t3", "granted", "commercial"):
            cell.state, cell.value, cell.raw = "dash", None, "—"
    report.__dict__.pop("_index", None)
    return report


def test_tables_render_fractions_infinity_text_and_dashes():
    report = odd_report()
    findings = check(report)
    t3 = display.table(report, "t3", findings)
    doc = doc_of(t3)
    cells = {td.get("id"): td for td in doc.iter("td")}
    assert cells["T_t3_row0_col0"].text_content() == "3.5"
    assert cells["T_t3_row0_col1"].text_content() == "<script>alert(1)</script>"  # the text, escaped
    assert cells["T_t3_row2_col0"].text_content() == "∞"
    assert cells["T_t3_row2_col1"].text_content() == "—"
    assert not list(doc.iter("script"))
    # the raw text in the title attribute is escaped too
    assert "原文：<script>" in cells["T_t3_row0_col1"].get("title")
    assert "<script>" not in html_of(t3)
    # every failing finding that names a cell of table 三 marks it and links to it, and back
    table = display.findings(findings, report)
    targets = doc_of(table).xpath("//a[contains(@class, 'gd-goto')]/@href")
    hits = doc.xpath("//td[contains(@class, 'hit')]")
    assert hits and targets
    assert {t[1:] for t in targets} <= set(cells)
    for td in hits:
        back = td.xpath(".//a/@href")[0][1:]
        assert doc_of(table).xpath(f"//tr[@id='{back}']")


def test_summary_and_charts_of_odd_values_render():
    report = odd_report()
    findings = check(report)
    page = doc_of(display.summary(report, findings, gd.measures(report)))
    assert "某$局$<b>粗体</b>{{7*7}}" in page.text_content()
    assert not [b for b in page.iter("b") if "粗体" in b.text_content()]
    assert "49" not in page.xpath("string(//h2)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for chart in (charts.outcome_mix, charts.refusal_reasons, charts.applicant_mix, charts.review_litigation):
            figure = chart(report)
            png = charts.figure_to_png(figure)
            assert png.startswith(b"\x89PNG")
    label = charts.outcome_mix(report).get_supxlabel()
    note = label.get_text() if hasattr(label, "get_text") else str(label)
    assert "不是有限数" in note


def test_agency_with_dollars_is_drawn_as_text():
    report = gd.load_report(HOSTILE / "agency-dollars.txt")
    assert "$" in report.agency
    history = gd.measures.measures_table([report])
    trend = history[history["measure"].isin(["new_received", "open_rate"])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = charts.trend(trend[["year", "measure", "label", "value", "unit"]], title=f"{report.agency} 趋势")
        charts.figure_to_png(figure)
    assert any(report.agency in t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text")))


# --------------------------------------------------------------------------- paragraphs

CRAWLED = "2019\n年，\n为贯彻落实《通知》\n精神，\n按照原则，不断拓宽公开内容。\n（一）主动公开方面\n1.\n落实公开责任主体\n。\n编制印发任务。"


def test_paragraphs_rejoin_crawler_fragments():
    found = [p.text for p in display.paragraphs(CRAWLED)]
    assert found == ["2019年，为贯彻落实《通知》精神，按照原则，不断拓宽公开内容。", "（一）主动公开方面",
                     "1.落实公开责任主体。编制印发任务。"]


def test_table_text_is_folded_not_shown_as_prose():
    table = "一、本年新收政府信息公开申请数量\n102\n4\n0\n1\n2\n1\n110\n二、上年结转\n0\n0\n0\n0\n0\n1\n1"
    assert all(p.tabular for p in display.paragraphs(table))
    assert not any(p.tabular for p in display.paragraphs(CRAWLED))


SENTENCE = "全年依法按时办结依申请公开事项403件。"


@pytest.mark.parametrize("seed", range(12))
def test_contradicting_sentence_is_marked_wherever_the_lines_are_cut(seed):
    """The 三明 2019 kind: a sentence stating 403 办结 against 109 in table 三, cut into crawler
    lines at random places; the sentence is marked and the finding links to it."""
    rng = random.Random(seed)
    text = "一是加强组织领导。二是完善工作机制。" + SENTENCE + "三是做好咨询服务。"
    cuts = sorted(rng.sample(range(1, len(text)), rng.randint(2, 12)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    t3 = consistent_t3()
    report = make_report(t3, consistent_t4(), sections={"overview": "\n".join(pieces)})
    claims = compare_claims(report)
    assert (claims["status"] == "disagree").any(), claims
    findings = check(report)
    page = doc_of(display.narrative(report, claims, findings))
    marks = page.xpath("//mark")
    assert len(marks) == 1 and SENTENCE in marks[0].text_content().replace("↩", "")
    target = doc_of(display.findings(findings, report, claims)).xpath("//a[contains(@class, 'gd-goto')]/@href")
    assert f"#{marks[0].get('id')}" in target
    assert marks[0].xpath(".//a[contains(@class, 'gd-back')]")


def test_every_contradicting_sentence_of_the_corpus_is_marked(corpus_report):
    from conftest import corpus_ids

    for corpus_id in corpus_ids():
        report = corpus_report(corpus_id)
        claims = compare_claims(report)
        wrong = claims[claims["status"] == "disagree"]
        if wrong.empty:
            continue
        page = doc_of(display.narrative(report, claims, check(report)))
        marked = " ".join(m.text_content() for m in page.iter("mark"))
        for phrase in wrong["phrase"]:
            assert phrase in marked, (corpus_id, phrase)
        assert "原文语句未能在正文中定位" not in page.text_content(), corpus_id


# --------------------------------------------------------------------------- the whole page

@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory) -> dict[str, Page]:
    """report.ipynb on the hostile inputs (in-process engine), each page with its result."""
    out = tmp_path_factory.mktemp("hostile_pages")
    pages = {}
    for name in ("num-decimal.txt", "num-huge-int.txt", "agency-dollars.txt", "hostile-narrative.txt",
                 "hostile-markup.html", "agency-template.txt", "agency-rtl.txt"):
        result = render.render_report(HOSTILE / name, out, engine_name="govdisclosure")
        assert result.ok, (name, result.error)
        pages[name] = Page(Path(result.html))
    return pages


def test_hostile_inputs_render_every_part(hostile_pages):
    for name, page in hostile_pages.items():
        assert "Traceback" not in page.html, name
        for heading in ("办理结果构成", "行政复议、行政诉讼结果", "多年趋势"):
            assert len(page.images_under(heading)) == 1, (name, heading)
        assert page.doc.xpath("//table[@id='T_t3']"), name
        assert page.doc.xpath("//*[@id='findings']"), name


def test_hostile_text_stays_inert(hostile_pages):
    for name, page in hostile_pages.items():
        assert not page.doc.xpath("//script"), name
        assert not page.elements_with_attribute("onerror") and not page.elements_with_attribute("onload"), name
        assert not [a for a in page.doc.xpath("//a/@href") if a.lower().startswith(("javascript:", "data:"))], name
        assert "{{7*7}}" not in page.html or "49某局" not in page.text
    assert "{{7*7}}${7*7}某局" in hostile_pages["agency-template.txt"].text
    assert "3.5" in hostile_pages["num-decimal.txt"].text
    narrative = hostile_pages["hostile-narrative.txt"]
    assert "<script>" in narrative.text or "&lt;script&gt;" in narrative.html
