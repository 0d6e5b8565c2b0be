"""Each reader (text, HTML, Markdown, PDF, DOCX) on real reports and on small synthetic ones.

Expected values are typed from the files themselves (the corpus source, its meta.json notes,
or the synthetic fixtures' README), never taken from the code under test.
"""

from __future__ import annotations

import codecs
import functools
import re

import pytest

import govdisclosure as gd
from conftest import FIXTURES, load, source_of
from govdisclosure.readers import read_document

T3_ROWS_2021 = [
    "new_received", "carried_over", "granted", "partially_granted",
    "denied_state_secret", "denied_prohibited_by_law", "denied_security_stability", "denied_third_party",
    "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_admin_query",
    "unable_not_held", "unable_needs_creation", "unable_unclear",
    "rejected_complaint", "rejected_duplicate", "rejected_publication", "rejected_excessive",
    "rejected_confirmation",
    "other_no_correction", "other_unpaid_fee", "other_reasons",
    "total_processed", "carried_forward",
]
T3_ROWS_SINGLE_OTHER = [k for k in T3_ROWS_2021 if not k.startswith("other_")]
T3_ROWS_SINGLE_OTHER.insert(T3_ROWS_SINGLE_OTHER.index("total_processed"), "other_processing")
T3_COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
T4_ROWS = ["review", "litigation_direct", "litigation_after_review"]
T4_COLUMNS = ["upheld", "corrected", "other", "pending", "total"]
ZERO7 = [0, 0, 0, 0, 0, 0, 0]

# Table 三 of the seed, typed from data/corpus/seed_changning_tzcjb_2024/source.txt lines 54-80.
SEED_T3 = {key: ZERO7 for key in T3_ROWS_2021}
SEED_T3.update({
    "new_received": [1, 0, 0, 0, 0, 0, 1],
    "granted": [1, 0, 0, 0, 0, 0, 1],
    "total_processed": [1, 0, 0, 0, 0, 0, 1],
})

# The invented report of tests/fixtures (README.md there); None is a blank cell.
SYNTH_T2 = {
    ("regulations", "issued"): None, ("regulations", "repealed"): None, ("regulations", "in_force"): None,
    ("normative_documents", "issued"): 3, ("normative_documents", "repealed"): 1,
    ("normative_documents", "in_force"): 12,
    ("licensing", "decisions"): 25, ("punishment", "decisions"): 7, ("coercion", "decisions"): 0,
    ("fees", "amount_wan_yuan"): 1.5,
}
SYNTH_T3 = {key: ZERO7 for key in T3_ROWS_2021}
SYNTH_T3.update({
    "new_received": [12, 1, 0, 0, 0, 1, 14],
    "carried_over": [2, 0, 0, 0, 0, 0, 2],
    "granted": [5, 1, 0, 0, 0, 0, 6],
    "partially_granted": [2, 0, None, 0, 0, 0, 2],
    "denied_third_party": [1, 0, 0, 0, 0, 0, 1],
    "unable_not_held": [3, 0, 0, 0, 0, 1, 4],
    "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
    "rejected_duplicate": [1, 0, 0, 0, 0, 0, 1],
    "total_processed": [13, 1, 0, 0, 0, 1, 15],
    "carried_forward": [1, 0, 0, 0, 0, 0, 1],
})
SYNTH_T4 = {"review": [1, 0, 0, 1, 2], "litigation_direct": [0, 1, 0, 0, 1],
            "litigation_after_review": [0, 0, 0, None, 0]}


def t3_values(report, rows=T3_ROWS_2021) -> dict[str, list]:
    return {row: [_value(report.cell("t3", row, col)) for col in T3_COLUMNS] for row in rows}


def t4_values(report) -> dict[str, list]:
    return {row: [_value(report.cell("t4", row, col)) for col in T4_COLUMNS] for row in T4_ROWS}


def _value(cell):
    if cell is None:
        return "missing"
    if cell.state == "blank":
        return None
    assert cell.state == "number", cell
    return cell.value


def assert_synthetic_report(report) -> None:
    assert t3_values(report) == SYNTH_T3
    assert t4_values(report) == SYNTH_T4
    for (row, col), expected in SYNTH_T2.items():
        cell = report.cell("t2", row, col)
        if expected is None:
            assert cell.state == "dash" and cell.value is None and cell.raw == "/", cell
        else:
            assert cell.value == expected and cell.state == "number", cell
    assert report.cell("t3", "partially_granted", "research").state == "blank"
    assert report.cell("t4", "litigation_after_review", "pending").state == "blank"


@functools.lru_cache(maxsize=None)
def doc_of(corpus_id: str):
    """A corpus file read once per session (documents are not mutated by these tests)."""
    return read_document(source_of(corpus_id))


def file_lines(path, sep: bytes = b"\n") -> list[str]:
    """The lines of a file as an editor numbers them (read here, independently of the readers)."""
    return [line.decode("utf-8") for line in path.read_bytes().split(sep)]


# =========================================================================== text

HEADER_CASES = [
    pytest.param("pingtan_2021", {"标题": "平潭综合实验区2021年度政府信息公开工作年度报告",
                                  "发布时间": "2022-02-08 16:34",
                                  "原文链接": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202202/t20220208_80613.htm"},
                 id="pingtan-header-with-half-width-colons-and-a-separator-line-is-read-as-fields"),
    pytest.param("putian_cg_2021", {"标题": "莆田市城市管理局2021年度政府信息公开工作年度报告",
                                    "发布时间": "2022-01-13 11:47", "发布机构": "莆田市城市管理局"},
                 id="putian-header-ending-in-a-正文-line-is-read-as-fields"),
    pytest.param("sanming_2019", {"标题": "三明市2019年政府信息公开工作年度报告", "发布时间": "2019-01-01",
                                  "来源": "三明市政务公开办"},
                 id="sanming-header-with-full-width-colons-and-crlf-is-read-as-fields"),
    pytest.param("sanming_2021", {"标题": "三明市2021年政府信息公开工作年度报告", "发布时间": "",
                                  "来源": "政府信息公开办"},
                 id="sanming-header-with-an-empty-publication-time-keeps-it-empty"),
]


@pytest.mark.parametrize("corpus_id,expected", HEADER_CASES)
def test_crawler_header_fields_are_read_and_kept_out_of_the_body(corpus_id, expected):
    doc = read_document(source_of(corpus_id))
    assert doc.format == "text"
    for name, value in expected.items():
        assert doc.fields.get(name) == value, (name, doc.fields)
    header_names = ("标题", "发布时间", "文号", "发布机构", "原文链接", "原始链接", "本地目录")
    for line in doc.lines:
        assert not re.match(rf"^({'|'.join(header_names)})\s*[:：]", line.text), line
    assert load(corpus_id).fields["标题"] == expected["标题"]


def test_crlf_line_ends_leave_no_carriage_return_and_keep_line_numbers():
    path = source_of("sanming_2021")
    raw = path.read_bytes()
    assert raw.count(b"\r\n") > 100  # the fixture really is CRLF
    doc = read_document(path)
    assert not any("\r" in cell for line in doc.lines for cell in line.cells)
    assert not any("\r" in value for value in doc.fields.values())
    # the first cell of row 一 is printed on line 238 of the file (typed from the file)
    lines = file_lines(path, b"\r\n")
    assert lines[238 - 1] == "160"
    cell = load("sanming_2021").cell("t3", "new_received", "natural_person")
    assert (cell.value, cell.raw, cell.location) == (160, "160", "line 238")


def test_seed_tab_separated_table_three_reads_all_175_cells_in_template_order():
    report = load("seed_changning_tzcjb_2024")
    cells = [c for c in report.cell_list if c.table == "t3"]
    assert [(c.row, c.column) for c in cells] == [(r, col) for r in T3_ROWS_2021 for col in T3_COLUMNS]
    assert len(cells) == 175
    assert t3_values(report) == SEED_T3
    assert all(c.state == "number" and c.how == "" for c in cells)
    assert report.shape["t3_other"] == "split"
    assert "t3" in report.tables_found


def test_seed_rows_keep_their_tab_cells_including_the_empty_leading_one():
    doc = read_document(source_of("seed_changning_tzcjb_2024"))
    rows = {line.loc: line for line in doc.lines if line.is_row}
    partial = rows["line 58"]  # 本年 度办 理结 果 | (二)部分公开… | (empty) | 0 × 7
    assert partial.cells[0] == "本年 度办 理结 果"
    assert partial.cells[2] == "" and partial.cells[3:] == ["0"] * 7
    assert partial.cell_locs[3] == "line 58 cell 4"
    forward = rows["line 80"]  # (empty) | 四、结转下年度继续办理 | (empty) | 0 × 7
    assert forward.cells[:3] == ["", "四、结转下年度继续办理", ""]
    header = rows["line 53"]  # applicant columns split by stray spaces
    assert header.cells[2:6] == ["商 业 企 业", "科 研 机 构", "社 会 公 益 组 织", "法 律 服 务 机 构"]


def test_seed_cells_after_an_empty_leading_cell_point_at_their_own_tab_cells():
    report = load("seed_changning_tzcjb_2024")
    for row, line in (("partially_granted", 58), ("carried_forward", 80)):
        for j, col in enumerate(T3_COLUMNS):
            cell = report.cell("t3", row, col)
            assert (cell.raw, cell.location) == ("0", f"line {line} cell {j + 4}"), cell


def test_seed_table_two_reads_its_damaged_labels():
    report = load("seed_changning_tzcjb_2024")
    expected = {  # source.txt lines 34-47 ("本年度止件数" is the damaged 本年废止件数 header)
        ("regulations", "issued"): 0, ("regulations", "repealed"): 0, ("regulations", "in_force"): 0,
        ("normative_documents", "issued"): 0, ("normative_documents", "repealed"): 1,
        ("normative_documents", "in_force"): 0,
        ("licensing", "decisions"): 0, ("punishment", "decisions"): 0, ("coercion", "decisions"): 0,
        ("fees", "amount_wan_yuan"): 0,
    }
    got = {(c.row, c.column): c.value for c in report.cell_list if c.table == "t2"}
    assert got == expected
    assert report.cell("t2", "normative_documents", "repealed").location == "line 36 cell 3"
    loose = {(n.key, n.printed) for n in report.labels if n.table == "t2"}
    assert ("normative_documents", "规范性文件") in loose and ("fees", "行政事业性收") in loose


def test_seed_table_four_reads_fifteen_zeros_from_one_tab_row():
    report = load("seed_changning_tzcjb_2024")
    assert t4_values(report) == {row: [0, 0, 0, 0, 0] for row in T4_ROWS}
    locations = [report.cell("t4", r, c).location for r in T4_ROWS for c in T4_COLUMNS]
    assert locations == [f"line 87 cell {j}" for j in range(1, 16)]


def test_text_before_a_header_like_line_is_not_dropped(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("2019年某某局政府信息公开工作年度报告\n发布日期：2020-01-31\n一、总体情况\n", encoding="utf-8")
    doc = read_document(path)
    assert [(line.loc, line.text) for line in doc.lines] == [
        ("line 1", "2019年某某局政府信息公开工作年度报告"), ("line 2", "发布日期：2020-01-31"),
        ("line 3", "一、总体情况")]


def test_form_feeds_and_unicode_line_separators_do_not_shift_line_numbers(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("第一行\n\f第二页第一行\n规章\u2028说明\t0\t0\t0\n最后一行\n", encoding="utf-8")
    doc = read_document(path)
    assert [line.loc for line in doc.lines] == ["line 1", "line 2", "line 3", "line 4"]
    assert doc.lines[1].text == "第二页第一行"
    assert doc.lines[2].is_row and doc.lines[2].cells[1:] == ["0", "0", "0"]
    assert doc.lines[3].text == "最后一行"


def test_tab_indented_paragraphs_are_text_not_table_rows(tmp_path):
    """Word copy-paste indents paragraphs with a tab; the title must stay a line of text."""
    lines = source_of("seed_changning_tzcjb_2024").read_text(encoding="utf-8").split("\n")
    indented = ["\t" + line if line and "\t" not in line else line for line in lines]
    path = tmp_path / "indented.txt"
    path.write_text("\n".join(indented), encoding="utf-8")
    doc = read_document(path)
    title = next(line for line in doc.lines if line.loc == "line 3")
    assert not title.is_row and title.text == "上海市长宁区投资促进办公室 2024 年政府信息公开工作年度报告"
    assert next(line for line in doc.lines if line.loc == "line 54").is_row  # table rows stay rows
    assert next(line for line in doc.lines if line.loc == "line 33").is_row  # '第二十条第（一）项\t\t\t'
    assert t3_values(gd.load_report(path)) == SEED_T3


# =========================================================================== HTML

def test_html_blank_total_cells_stay_blank_not_zero():
    """shanghai_gov_office_2019: the 总计 column is '&nbsp;' for every result row (meta notes)."""
    report = load("shanghai_gov_office_2019")
    granted = report.cell("t3", "granted", "total")
    assert (granted.state, granted.value, granted.raw) == ("blank", None, "")
    assert t3_values(report, ["granted"])["granted"] == [258, 12, None, None, 1, 1, None]
    assert report.table("t3").loc["granted"].isna().tolist() == [False, False, True, True, False, False, True]
    for row in ("new_received", "carried_over", "total_processed", "carried_forward"):
        assert report.cell("t3", row, "total").state == "number"
    assert [report.cell("t3", r, "total").value for r in ("new_received", "total_processed")] == [859, 805]
    # table 四 as printed: 5 _ _ 2 7 | 8 _ _ 1 9 | _ _ _ _ _
    assert t4_values(report) == {"review": [5, None, None, 2, 7], "litigation_direct": [8, None, None, 1, 9],
                                 "litigation_after_review": [None] * 5}
    assert not any(c.state == "ambiguous" for c in report.cell_list)


def test_html_rowspan_labels_are_carried_down_and_colspans_advance_the_columns():
    doc = read_document(source_of("shanghai_gov_office_2019"))
    rows = {line.loc: line for line in doc.lines if line.is_row}
    second_denied = rows["table 2 row 9"]  # rowspan=20 and rowspan=8 labels carried into this row
    assert second_denied.cells[:3] == ["三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"]
    assert second_denied.cell_locs[0].endswith("(rowspan)") and second_denied.cell_locs[1].endswith("(rowspan)")
    assert second_denied.cell_locs[3] == "table 2 row 9 cell 4"
    header = rows["table 2 row 2"]  # 法人或其他组织 spans five columns: 总计 is column 10
    assert header.cells[1:] == ["自然人", "法人或其他组织", "总计"]
    assert header.cell_locs[1:] == ["table 2 row 2 cell 4", "table 2 row 2 cell 5", "table 2 row 2 cell 10"]
    other = rows["table 2 row 24"]  # （六）其他处理 spans two label columns
    assert other.cells[1] == "（六）其他处理" and other.cell_locs[2] == "table 2 row 24 cell 4"
    assert rows["table 2 row 6"].cells[2:] == ["258", "12", "", "", "1", "1", ""]  # &nbsp; -> ""


def test_html_numbers_split_across_spans_and_nbsp_padding_read_whole():
    doc = read_document(source_of("pingtan_2019_html"))
    rows = [line for line in doc.lines if line.is_row]
    first = next(line for line in rows if line.cells[0] == "一、本年新收政府信息公开申请数量")
    assert first.cells[1:] == ["23", "0", "0", "0", "0", "0", "23"]  # '0' + a span of &nbsp;
    prose = [line.text for line in doc.lines if not line.is_row]
    assert any(t.startswith("（6）推进农业机械农具购置补贴信息公开") for t in prose)  # '（</span>…6</span>）'
    assert doc.fields["标题"] == "平潭综合实验区2019年度政府信息公开工作年度报告"
    assert doc.fields["发布时间"] == "2020-01-20 15:22"
    text = "\n".join(line.text for line in read_document(source_of("putian_cg_2019_html")).lines)
    assert "2019年我局未接到政府信息公开申请" in text  # '201</span><span>9'
    assert "更新局政务公开栏12期" in text  # '1</span><span>2期'


def test_html_site_chrome_before_the_article_does_not_disturb_the_tables():
    report = load("pingtan_2019_html")
    doc = read_document(source_of("pingtan_2019_html"))
    assert doc.lines[0].text.startswith("国务院")  # the page starts with site navigation
    assert t3_values(report, ["new_received", "total_processed"]) == {
        "new_received": [23, 0, 0, 0, 0, 0, 23], "total_processed": [23, 0, 0, 0, 0, 0, 23]}
    assert t4_values(report) == {row: [0, 0, 0, 0, 0] for row in T4_ROWS}


def test_html_synthetic_page_with_chrome_scripts_hidden_parts_and_a_split_table():
    path = FIXTURES / "synthetic_2021_chrome.html"
    report = gd.load_report(path)
    assert_synthetic_report(report)
    assert report.cell("t3", "new_received", "total").raw == "14"  # <span>1</span><span>4</span>
    assert report.cell("t3", "carried_over", "natural_person").raw == "2"  # hidden '9' before it
    assert report.cell("t3", "granted", "natural_person").raw == "5"  # a <script> in the cell
    # table 三 is printed in two <table>s: the breadcrumb is table 1, 二 table 2, 三 tables 3 and 4
    assert report.cell("t3", "denied_admin_query", "total").location == "table 3 row 16 cell 10"
    assert report.cell("t3", "unable_not_held", "natural_person").location == "table 4 row 1 cell 4"
    assert report.cell("t3", "carried_forward", "total").location == "table 4 row 13 cell 10"
    assert not any("table 3 row 5" in c.location for c in report.cell_list)  # the hidden row
    assert "t3" in report.tables_found


def test_html_scripts_styles_forms_and_hidden_elements_give_no_text():
    doc = read_document(FIXTURES / "synthetic_2021_chrome.html")
    text = "\n".join(line.text for line in doc.lines)
    for planted in ("888", "555", "777", "999", "98765", "visits", "document.write", "border", "404", "搜索", "42"):
        assert planted not in text, planted
    assert doc.lines[0].text == "首页 政务公开 2020年报 2019年报"


@pytest.mark.parametrize("markup,expected", [
    pytest.param('<td>5<span style="display:none">99</span></td>', "5",
                 id="a-hidden-span-after-the-number-is-dropped"),
    pytest.param('<td><span style="display: none">9</span>7</td>', "7",
                 id="the-text-after-a-hidden-span-is-kept"),
    pytest.param('<td><div style="DISPLAY: NONE"><span>99</span></div>3</td>', "3",
                 id="the-children-of-a-hidden-element-are-dropped-too"),
    pytest.param('<td><span hidden>1</span>8</td>', "8", id="the-hidden-attribute-hides"),
    pytest.param("<td>6<script>var x = 1;</script><style>p{}</style></td>", "6",
                 id="scripts-and-styles-inside-a-cell-are-dropped"),
    pytest.param("<td>&nbsp;&nbsp;</td>", "", id="nbsp-only-cell-is-empty"),
    pytest.param("<td>&#12288;3&nbsp;</td>", "3", id="ideographic-and-nbsp-padding-is-stripped"),
])
def test_html_cell_text_is_what_a_browser_shows(tmp_path, markup, expected):
    path = tmp_path / "cell.html"
    path.write_text(f"<html><body><p>x</p><table><tr><td>行政许可</td>{markup}</tr></table></body></html>",
                    encoding="utf-8")
    rows = [line for line in read_document(path).lines if line.is_row]
    assert rows[0].cells == ["行政许可", expected]


def test_html_hidden_rows_and_cells_of_a_table_are_not_read(tmp_path):
    path = tmp_path / "rows.html"
    path.write_text(
        "<html><body><table>"
        "<tr><td rowspan=3>组</td><td>a</td><td>1</td></tr>"
        '<tr style="display:none"><td>b</td><td>42</td></tr>'
        '<tr><td>c</td><td style="display:none">9</td><td>3</td></tr>'
        "<tr><td>d</td><td>4</td></tr>"
        "</table></body></html>", encoding="utf-8")
    rows = [line for line in read_document(path).lines if line.is_row]
    assert [line.cells for line in rows] == [["组", "a", "1"], ["组", "c", "3"], ["d", "4"]]
    assert [line.loc for line in rows] == ["table 1 row 1", "table 1 row 3", "table 1 row 4"]


ENCODING_CASES = [
    pytest.param("encoding_gbk_meta.html", {"gb18030", "gbk"}, "堃山街道办事处", id="gbk-with-meta-charset"),
    pytest.param("encoding_gbk_no_meta.html", {"gb18030", "gbk"}, "堃山街道办事处", id="gbk-without-meta-charset"),
    pytest.param("encoding_gb2312_declared.html", {"gb18030", "gbk"}, "堃山街道办事处",
                 id="declared-gb2312-but-holding-a-gbk-only-character"),
    pytest.param("encoding_gb18030_meta.html", {"gb18030"}, "㙟头镇人民政府", id="gb18030-with-meta-charset"),
    pytest.param("encoding_gb18030_no_meta.html", {"gb18030"}, "㙟头镇人民政府",
                 id="gb18030-four-byte-character-without-meta-charset"),
    pytest.param("encoding_utf8_bom.html", {"utf-8-sig"}, "堃山街道办事处", id="utf-8-with-byte-order-mark"),
]


@pytest.mark.parametrize("name,encodings,agency", ENCODING_CASES)
def test_html_encodings_give_the_chinese_text_back(name, encodings, agency):
    path = FIXTURES / name
    data = path.read_bytes()
    if name.endswith("bom.html"):
        assert data.startswith(codecs.BOM_UTF8)
    else:
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # the fixture really is not UTF-8
    doc = read_document(path)
    assert doc.format == "html" and doc.encoding in encodings
    texts = [line.text for line in doc.lines]
    assert texts[0] == f"{agency}2021年政府信息公开工作年度报告"
    assert "六、其他需要报告的事项" in texts and "本年度本机关未收取信息处理费。" in texts
    assert not any("\ufffd" in t or "\ufeff" in t for t in texts)
    assert doc.fields["标题"] == f"{agency}2021年政府信息公开工作年度报告"
    assert_synthetic_report(gd.load_report(path))


def test_a_utf8_file_cut_inside_its_last_character_still_reads_as_utf8(tmp_path):
    data = source_of("seed_changning_tzcjb_2024").read_bytes()
    assert data.endswith("。".encode("utf-8"))
    path = tmp_path / "cut.txt"
    path.write_bytes(data[:-1])  # '。' is three bytes: keep two of them
    doc = read_document(path)
    assert doc.encoding == "utf-8"
    assert doc.lines[2].text == "上海市长宁区投资促进办公室 2024 年政府信息公开工作年度报告"
    assert any("not valid UTF-8" in note for note in doc.notes)
    assert gd.load_report(path).cell("t3", "new_received", "total").value == 1


# =========================================================================== Markdown

def test_markdown_rows_without_labels_are_placed_by_position():
    """shanghai_stcsm_2024: the values its meta notes list for the unlabelled rows."""
    report = load("shanghai_stcsm_2024")
    values = t3_values(report)
    assert values["unable_not_held"] == [4, 0, 0, 0, 0, 0, 4]
    assert values["unable_needs_creation"] == [6, 0, 0, 0, 0, 0, 6]
    assert values["other_no_correction"] == [8, 2, 0, 0, 0, 0, 10]
    assert values["partially_granted"] == ZERO7 and values["other_unpaid_fee"] == ZERO7
    assert values["new_received"] == [32, 2, 0, 0, 0, 0, 34]
    assert values["granted"] == [9, 0, 0, 0, 0, 0, 9]  # '三、 | （一）予以公开 | 9 …'
    assert values["total_processed"] == [33, 2, 0, 0, 0, 0, 35]
    assert values["carried_forward"] == [1, 0, 0, 0, 0, 0, None]  # empty 总计 cell stays blank
    assert report.cell("t3", "carried_forward", "total").state == "blank"
    assert report.cell("t3", "other_no_correction", "natural_person").location == "line 163 cell 1"
    placed = {n.key for n in report.labels if n.how == "position"}
    assert {"partially_granted", "unable_not_held", "unable_needs_creation", "other_no_correction"} <= placed
    assert t4_values(report)["review"] == [1, 0, 0, 0, 1]


def test_markdown_separator_lines_are_not_rows():
    doc = read_document(source_of("shanghai_stcsm_2024"))
    assert doc.format == "markdown"
    assert not any(set("".join(line.cells)) <= set("-:| ") for line in doc.lines if line.is_row)
    lines = file_lines(source_of("shanghai_stcsm_2024"))
    assert lines[101 - 1].startswith("|---")  # a separator in the file …
    assert not any(line.loc.startswith("line 101") for line in doc.lines)  # … is not in the document


def test_markdown_synthetic_converter_output_with_page_numbers_br_and_thin_separators():
    path = FIXTURES / "synthetic_2021_pdf2md.md"
    doc = read_document(path)
    assert doc.format == "markdown"  # <br> in cells does not make it HTML
    texts = [line.text for line in doc.lines]
    for page_number in ("- 3 -", "— 4 —", "第 2 页 共 5 页", "5 / 5"):
        assert page_number not in texts
    rows = [line for line in doc.lines if line.is_row]
    assert not any(all(c.strip("-") == "" for c in line.cells) for line in rows)  # '|-|-|…' dropped
    header = next(line for line in rows if line.cells[0].startswith("（本列数据"))
    assert header.cells[2:6] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构"]  # '商业<br>企业'
    assert_synthetic_report(gd.load_report(path))


def test_markdown_keeps_a_bare_number_line_and_a_row_of_dashes_inside_a_table(tmp_path):
    path = tmp_path / "r.md"
    path.write_text("| 行政许可 | 1 |\n|---|---|\n| - | - |\n|-|-|\n7\n", encoding="utf-8")
    doc = read_document(path)
    assert [(line.loc, line.cells) for line in doc.lines] == [
        ("line 1", ["行政许可", "1"]), ("line 3", ["-", "-"]), ("line 4", ["-", "-"]), ("line 5", ["7"])]


# =========================================================================== PDF

def test_pdf_hongze_2024_tables_across_pages():
    report = load("hongze_2024_pdf")
    assert t4_values(report) == {"review": [1, 1, 0, 0, 2], "litigation_direct": [1, 0, 0, 0, 1],
                                 "litigation_after_review": [2, 0, 1, 0, 3]}
    expected = {key: ZERO7 for key in T3_ROWS_SINGLE_OTHER}  # typed from the PDF's pages 3-4
    expected.update({
        "new_received": [95, 0, 0, 0, 0, 0, 95], "granted": [50, 0, 0, 0, 0, 0, 50],
        "partially_granted": [9, 0, 0, 0, 0, 0, 9], "denied_security_stability": [1, 0, 0, 0, 0, 0, 1],
        "denied_process_info": [1, 0, 0, 0, 0, 0, 1], "denied_enforcement_file": [1, 0, 0, 0, 0, 0, 1],
        "unable_not_held": [31, 0, 0, 0, 0, 0, 31], "unable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
        "rejected_complaint": [1, 0, 0, 0, 0, 0, 1], "total_processed": [95, 0, 0, 0, 0, 0, 95],
    })
    assert t3_values(report, T3_ROWS_SINGLE_OTHER) == expected
    assert report.cell("t3", "unable_not_held", "total").location.startswith("page 3 ")
    assert report.cell("t3", "unable_needs_creation", "total").location.startswith("page 4 ")
    assert report.cell("t2", "licensing", "decisions").value == 9487  # page 2
    assert report.cell("t2", "punishment", "decisions").value == 2776  # page 3
    assert report.cell("t2", "fees", "amount_wan_yuan").value == 7545


def test_pdf_hongze_2023_defective_table_four_is_read_as_printed():
    report = load("hongze_2023_pdf")
    # meta notes: 行政复议 parts 10+1+0+0 but 总计 0; 复议后起诉 维持 5 but 总计 0
    assert t4_values(report) == {"review": [10, 1, 0, 0, 0], "litigation_direct": [0, 0, 0, 0, 0],
                                 "litigation_after_review": [5, 0, 0, 0, 0]}
    assert all(c.how == "" for c in report.cell_list if c.table == "t4")
    assert report.cell("t3", "new_received", "total").value == 21


def test_pdf_page_numbers_are_dropped_and_locations_name_the_page():
    doc = doc_of("hongze_2024_pdf")
    assert doc.format == "pdf"
    assert not any(re.fullmatch(r"-\s*\d+\s*-", line.text) for line in doc.lines)
    pages = {int(line.loc.split()[1]) for line in doc.lines}
    assert pages == {1, 2, 3, 4, 5}


def test_pdf_total_row_after_an_empty_merged_cell_keeps_its_raw_values():
    report = load("hongze_2024_pdf")
    natural = report.cell("t3", "total_processed", "natural_person")
    total = report.cell("t3", "total_processed", "total")
    assert (natural.value, natural.raw) == (95, "95")
    assert (total.value, total.raw) == (95, "95")


def minimal_pdf(content: bytes, media=(0, 0, 300, 300)) -> bytes:
    """A one-page PDF with the given content stream (Helvetica as F1), xref offsets exact."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [%d %d %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % media,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_table_ruled_past_the_page_edge_is_still_read(tmp_path):
    grid = b"".join(b"%d -200 m %d 250 l S\n" % (x, x) for x in (50, 150, 250))
    grid += b"".join(b"50 %d m 250 %d l S\n" % (y, y) for y in (-200, 0, 100, 250))
    path = tmp_path / "ruled.pdf"
    path.write_bytes(minimal_pdf(b"BT /F1 12 Tf 20 280 Td (report text) Tj ET\n" + grid))
    doc = read_document(path)
    assert [line.text for line in doc.lines if not line.is_row] == ["report text"]


def test_pdf_with_bytes_before_its_header_is_still_a_pdf(tmp_path):
    path = tmp_path / "prefixed.pdf"
    path.write_bytes(codecs.BOM_UTF8 + b"\r\n" + minimal_pdf(b"BT /F1 12 Tf 20 280 Td (report text) Tj ET\n"))
    doc = read_document(path)
    assert doc.format == "pdf"
    assert [line.text for line in doc.lines] == ["report text"]


# =========================================================================== DOCX

def build_docx(path) -> None:
    """A Word report with a title, the six headings and tables 二/三/四 with merged cells."""
    import docx

    document = docx.Document()
    document.core_properties.title = "堃山街道办事处2021年政府信息公开工作年度报告"
    document.add_paragraph("堃山街道办事处2021年政府信息公开工作年度报告")
    document.add_paragraph("本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。")
    document.add_paragraph("一、总体情况")
    document.add_paragraph("2021年，本机关共收到政府信息公开申请14件。")
    document.add_paragraph("二、主动公开政府信息情况")
    t2 = document.add_table(rows=0, cols=4)
    for cells in (["第二十条第（一）项"] * 4, ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                  ["规章", "/", "/", "/"], ["行政规范性文件", "3", "1", "12"],
                  ["第二十条第（五）项"] * 4, ["信息内容", "本年处理决定数量", "", ""], ["行政许可", "25", "", ""],
                  ["第二十条第（六）项"] * 4, ["信息内容", "本年处理决定数量", "", ""], ["行政处罚", "7", "", ""],
                  ["行政强制", "0", "", ""], ["第二十条第（八）项"] * 4,
                  ["信息内容", "本年收费金额（单位：万元）", "", ""], ["行政事业性收费", "1.5", "", ""]):
        row = t2.add_row()
        if len(set(cells)) == 1:  # a block heading across the table
            row.cells[0].merge(row.cells[3]).text = cells[0]
            continue
        if cells[2] == "":
            row.cells[1].merge(row.cells[3])
        for j, text in enumerate(cells[:2] if cells[2] == "" else cells):
            row.cells[j].text = text
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    labels = [
        ("一、本年新收政府信息公开申请数量",), ("二、上年结转政府信息公开申请数量",),
        ("（一）予以公开",), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",),
        *[("（三）不予公开", x) for x in ("1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
                                         "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
                                         "7.属于行政执法案卷", "8.属于行政查询事项")],
        *[("（四）无法提供", x) for x in ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
                                         "3.补正后申请内容仍不明确")],
        *[("（五）不予处理", x) for x in ("1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
                                         "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息")],
        *[("（六）其他处理", x) for x in ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                                         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                                         "3.其他")],
        ("（七）总计",), ("四、结转下年度继续办理",),
    ]
    t3 = document.add_table(rows=1 + len(labels), cols=10)
    grid = t3._cells  # python-docx recomputes the grid on every table.cell(): take it once
    cell = lambda r, c: grid[r * 10 + c]  # noqa: E731 - merges below never absorb a corner used later
    for j, text in enumerate(["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]):
        cell(0, 3 + j).text = text
    group_start: dict[str, int] = {}
    for i, (key, label) in enumerate(zip(T3_ROWS_2021, labels), start=1):
        for j, value in enumerate(SYNTH_T3[key]):
            cell(i, 3 + j).text = "" if value is None else str(value)
        if len(label) == 2:
            group_start.setdefault(label[0], i)
            cell(i, 2).text = label[1]
    cell(0, 0).merge(cell(0, 2)).text = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    for i, label in enumerate(labels, start=1):
        if i in (1, 2, 25):
            cell(i, 0).merge(cell(i, 2)).text = label[0]
        elif len(label) == 1:
            cell(i, 1).merge(cell(i, 2)).text = label[0]
    cell(3, 0).merge(cell(24, 0)).text = "三、本年度办理结果"  # vertical merge over the results
    for group, start in group_start.items():
        size = sum(1 for label in labels if label[0] == group)
        cell(start, 1).merge(cell(start + size - 1, 1)).text = group
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = document.add_table(rows=4, cols=15)
    grid4 = t4._cells
    cell4 = lambda r, c: grid4[r * 15 + c]  # noqa: E731
    parts = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    for j, part in enumerate(parts * 2):
        cell4(2, 5 + j).text = part
    values = [v for row in T4_ROWS for v in SYNTH_T4[row]]
    for j, value in enumerate(values):
        cell4(3, j).text = "" if value is None else str(value)
    cell4(0, 0).merge(cell4(0, 4)).text = "行政复议"
    cell4(0, 5).merge(cell4(0, 14)).text = "行政诉讼"
    for j, part in enumerate(parts):
        cell4(1, j).merge(cell4(2, j)).text = part
    cell4(1, 5).merge(cell4(1, 9)).text = "未经复议直接起诉"
    cell4(1, 10).merge(cell4(1, 14)).text = "复议后起诉"
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph("政策解读形式还不够丰富。")
    document.add_paragraph("六、其他需要报告的事项")
    document.add_paragraph("本年度本机关未收取信息处理费。")
    document.save(path)


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "report.docx"
    build_docx(path)
    return path


def test_docx_report_with_merged_cells_reads_back_its_values(docx_path):
    path = docx_path
    doc = read_document(path)
    assert doc.format == "docx"
    assert doc.fields["标题"] == "堃山街道办事处2021年政府信息公开工作年度报告"
    assert doc.lines[0].text == "堃山街道办事处2021年政府信息公开工作年度报告"
    rows = [line for line in doc.lines if line.is_row]
    granted = next(line for line in rows if "（一）予以公开" in line.cells)
    assert granted.cells == ["三、本年度办理结果", "（一）予以公开", "5", "1", "0", "0", "0", "0", "6"]  # merged once
    denied = [line for line in rows if "（三）不予公开" in line.cells]
    assert len(denied) == 8 and all(line.cells[0] == "三、本年度办理结果" for line in denied)  # carried down
    assert denied[3].cells[2:] == ["4.保护第三方合法权益", "1", "0", "0", "0", "0", "0", "1"]
    report = gd.load_report(path)
    assert set(report.tables_found) == {"t2", "t3", "t4"}
    assert_synthetic_report(report)
    assert report.cell("t3", "granted", "total").location == "table 2 row 4 cell 10"


def test_docx_paragraphs_keep_their_order_around_the_tables(docx_path):
    doc = read_document(docx_path)
    headings = [line.text for line in doc.lines if not line.is_row and re.match(r"^[一二三四五六]、", line.text)]
    assert headings == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    kinds = [("row" if line.is_row else line.text[:2]) for line in doc.lines]
    assert kinds.index("三、") < kinds.index("row", kinds.index("三、")) < kinds.index("四、")


def test_docx_content_inside_content_controls_is_read(tmp_path, docx_path):
    """Word templates wrap parts of the body in content controls (w:sdt)."""
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document(str(docx_path))
    body = document.element.body
    tables = body.findall(qn_w("tbl"))
    for element in (tables[1], body.findall(qn_w("p"))[-1]):  # table 三 and the last paragraph
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        element.addprevious(sdt)
        sdt.append(content)
        content.append(element)
    path = tmp_path / "controls.docx"
    document.save(str(path))
    doc = read_document(path)
    assert doc.lines[-1].text == "本年度本机关未收取信息处理费。"
    assert_synthetic_report(gd.load_report(path))


def qn_w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag
