"""What the index and a report page say in words: each file class counted and named as it is,
reasons in Chinese with the message behind them, measures left 「—」 by blanks shown beside their
blank-as-zero value, and no direction control reordering anything."""

from __future__ import annotations

import os
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from conftest import FIXTURES
from helpers import consistent_t3, consistent_t4, make_report
from html_helpers import Page

import govdisclosure as gd
from govdisclosure import display, index
from govdisclosure.digest import read_one

BAD = FIXTURES / "bad-inputs"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def summary_of(outcomes) -> pd.DataFrame:
    return pd.DataFrame([dict(file=o.file, status=o.status, agency=None, year=None, template="", rendered="",
                              seconds=0.0, error=o.error, note="", html="") for o in outcomes])


def headline(out: Path) -> str:
    return Page(out / "index.html").doc.xpath("//p[contains(@class, 'gd-counts')]")[0].text_content()


def file_table(out: Path) -> list[lxml.html.HtmlElement]:
    return Page(out / "index.html").doc.xpath("//table[@id='table-files']//tbody/tr")


# --------------------------------------------------------------------------- file classes

@pytest.fixture(scope="module")
def unreadable(tmp_path_factory) -> list:
    """Three files that cannot be read, each for its own reason (real messages of the readers)."""
    folder = tmp_path_factory.mktemp("unreadable")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b"  \n\t\n")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return [read_one(folder / n) for n in ("empty.txt", "blank.txt", "binary.txt")]


def test_only_unreadable_files_are_called_unreadable_not_failed(tmp_path, unreadable):
    assert [o.status for o in unreadable] == ["unreadable"] * 3
    index.write_index(tmp_path, {}, summary_of(unreadable))
    said = headline(tmp_path)
    assert "无法读取 3 个" in said and "失败" not in said, said


def test_each_class_is_counted_under_its_own_name(tmp_path, unreadable):
    summary = summary_of(unreadable[:2])
    summary.loc[len(summary)] = dict(file="/in/x.txt", status="failed", agency=None, year=None, template="",
                                     rendered="", seconds=0.0, note="", html="",
                                     error="/in/x.txt: stopped after 120 s (the time limit for one file)")
    for status, n in (("not a report", 2), ("duplicate", 1), ("pre-2019", 1), ("report", 3)):
        for i in range(n):
            summary.loc[len(summary)] = dict(file=f"/in/{status}-{i}.txt", status=status, agency="某局", year=2020,
                                             template="", rendered="new", seconds=0.0, error="", note="", html="")
    summary.loc[len(summary)] = dict(file="(comparison)", status="report", agency=None, year=None, template="",
                                     rendered="", seconds=0.0, error="", note="", html="compare.html")
    index.write_index(tmp_path, {}, summary)
    said = headline(tmp_path)
    for word in ("共 10 个文件", "无法读取 2 个", "失败 1 个", "不是年报 2 个", "重复版本 1 个", "2019年以前的旧格式 1 个",
                 "已生成 3 个"):
        assert word in said, (word, said)
    reasons = {r.xpath("td")[1].text_content(): r.xpath("td")[-1] for r in file_table(tmp_path)}
    assert reasons["x.txt"].text_content().startswith("超过单个文件的时间上限")
    assert reasons["x.txt"].xpath("small[@lang='en']")[0].text_content() == summary.loc[2, "error"]


def test_reasons_are_chinese_with_the_message_kept_beside_them(tmp_path, unreadable):
    index.write_index(tmp_path, {}, summary_of(unreadable))
    rows = {r.xpath("td")[1].text_content(): r.xpath("td")[-1] for r in file_table(tmp_path)}
    assert rows["empty.txt"].text.startswith("空文件（0 字节）")
    assert rows["blank.txt"].text.startswith("文件只有空白字符")
    assert "expected a report, found an empty file" in rows["empty.txt"].xpath("small")[0].text_content()


BAD_FILES = sorted(p.name for p in BAD.iterdir() if p.is_file() and p.name != "README.md")


@pytest.fixture(scope="module")
def bad_outcomes() -> dict:
    return {name: read_one(BAD / name) for name in BAD_FILES}


def test_every_kind_of_message_the_bad_inputs_give_has_a_chinese_reason(bad_outcomes):
    """Every file of the hostile set that is not read gets a reason of its kind, never the
    fallback word of its class (the mapping is by the message's kind, not by file)."""
    seen = 0
    for name, outcome in bad_outcomes.items():
        if outcome.status in ("report", "pre-2019"):
            continue
        seen += 1
        said = index.reason(outcome.status, outcome.error)
        assert said and said not in index.REASON_OF_STATUS.values(), (name, outcome.error)
        assert any("\u4e00" <= c <= "\u9fff" for c in said) and "found" not in said and "expected" not in said, said
    assert seen >= 5


@pytest.mark.parametrize("error, said", [
    ("/a.pdf: expected a PDF that opens without a password, found a PDF encrypted with a password", "PDF 有密码保护"),
    ("/a: expected a regular report file, found a FIFO; not read", "不是普通文件"),
    ("/a.txt: stopped when it needed more than 2 GB of memory (the limit for one file)", "超过单个文件的内存上限"),
    ("/a.txt: KeyError while reading it: 'x' [f (a.py:1)] (a bug in govdisclosure)", "程序错误"),
    ("/a.txt: the worker process was lost while working on it, twice (BrokenProcessPool: x)", "处理进程两次意外终止"),
    ("/a.docx: expected a Word document whose XML is at most 32 MB, found 900 MB", "压缩炸弹"),
    ("something no pattern knows", "无法读取"),
])
def test_reason_by_kind(error, said):
    assert said in index.reason("unreadable", error)


# --------------------------------------------------------------------------- blank as zero

def blank_partial_report():
    """Table 三 with the row （二）部分公开 left blank: 公开率 is unknown; with blanks as 0 it is
    3 granted ÷ 4 processed = 75.0%."""
    t3 = consistent_t3()
    t3["partially_granted"] = [None] * 7
    return make_report(t3, consistent_t4())


def test_a_measure_left_unknown_by_blanks_shows_its_blank_as_zero_value_on_the_page():
    report = blank_partial_report()
    measures = gd.measures(report)
    card = lxml.html.fragment_fromstring(str(display.summary(report, gd.check(report), measures)),
                                         create_parent="div")
    rate = [c for c in card.xpath("//div[contains(@class, 'gd-card')]") if c.findtext("dt") == "公开率"][0]
    assert rate.xpath("dd")[0].text_content().split() == ["—", "空白按", "0", "计：75.0%"]
    table = display.measures(gd.measures.measures_table([report]), report).to_html()
    assert "—（空白按 0 计：75.0%）" in table


def test_a_measure_computed_shows_no_blank_as_zero_value():
    report = make_report(consistent_t3(), consistent_t4())
    assert "空白按" not in str(display.summary(report, gd.check(report), gd.measures(report)))


def test_the_index_shows_the_blank_as_zero_value_beside_the_dash(tmp_path):
    report = blank_partial_report()
    measures = gd.measures(report)
    reports = pd.DataFrame({"rid": [0], "source": [report.source], "agency": [report.agency], "year": [report.year],
                            "format": ["text"]})
    summary = pd.DataFrame({"file": [report.source], "status": ["report"], "agency": [report.agency],
                            "year": [report.year], "error": [""], "note": [""], "html": ["reports/a.html"]})
    index.write_index(tmp_path, dict(reports=reports, measures=measures), summary)
    page = Page(tmp_path / "index.html")
    rows = page.table_with_header("机关", "公开率")
    row = dict(zip(rows[0], rows[1]))
    assert row["公开率"] == "—（空白按 0 计：75.0%）"
    cell = page.doc.xpath("//table[@id='table-overview']//tbody/tr/td")[4]
    assert cell.get("data-value") is None  # sorted as unknown: the blank-as-zero value is not the value


# --------------------------------------------------------------------------- direction controls

@pytest.mark.parametrize("control", list(BIDI))
def test_no_direction_control_reaches_the_index(tmp_path, control):
    agency = f"莆田市<b>城管</b>{control}局"
    reports = pd.DataFrame({"rid": [0], "source": [f"/in/{control}a.txt"], "agency": [agency], "year": [2021],
                            "format": ["text"]})
    summary = pd.DataFrame({"file": [f"/in/{control}a.txt", "/in/b.txt"], "status": ["report", "unreadable"],
                            "agency": [agency, None], "year": [2021, None],
                            "error": ["", f"/in/b.txt: expected a report, found {control}x"],
                            "note": ["", ""], "html": ["reports/a.html", ""]})
    index.write_index(tmp_path, dict(reports=reports), summary)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert control not in html
    assert "莆田市&lt;b&gt;城管&lt;/b&gt;局 2021" in html


def test_no_direction_control_reaches_the_index_data_file(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "INLINE_LIMIT", 0)
    reports = pd.DataFrame({"rid": [0], "source": ["/in/a.txt"], "agency": ["某\u202e局"], "year": [2021],
                            "format": ["text"]})
    summary = pd.DataFrame({"file": ["/in/a.txt"], "status": ["report"], "agency": ["某\u202e局"], "year": [2021],
                            "error": [""], "note": [""], "html": ["reports/a.html"]})
    index.write_index(tmp_path, dict(reports=reports), summary)
    data = (tmp_path / "index-data.js").read_text(encoding="utf-8")
    assert "\u202e" not in data and "\\u202e" not in data.lower() and "某局" in data


def test_display_blocks_drop_direction_controls():
    report = make_report(consistent_t3(), consistent_t4(), agency="某\u202e市\u2067局",
                         sections={"overview": "本局\u202e公开2021年\u200f信息。"})
    shown = str(display.summary(report, gd.check(report))) + str(display.narrative(report))
    assert not display.BIDI_CONTROLS.search(shown)
    assert "某市局 2024" in shown and "本局公开2021年信息。" in shown
    assert display.report_title(report).startswith("某市局 2024")
