"""Files that are not reports, or reports that are cut short: clear errors or notes, never a traceback."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

import govdisclosure as gd
from conftest import source_of
from govdisclosure import NotAReportError, ReportReadError
from govdisclosure.readers import read_document
from test_readers import minimal_pdf


# --------------------------------------------------------------------------- files that are not reports

def _nav_page() -> bytes:
    links = "".join(f'<li><a href="/nb/{y}.htm">某某区{y}年政府信息公开工作年度报告</a><span>{y + 1}-01-20</span></li>'
                    for y in range(2019, 2025))
    return (f'<html><head><meta charset="utf-8"><title>政府信息公开年报_某某区人民政府</title></head><body>'
            f'<div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a></div>'
            f'<ul class="list">{links}</ul><div class="page">共 6 条 1/1 页</div></body></html>').encode("utf-8")


def _random_binary() -> bytes:
    data = bytearray(random.Random(20240101).randbytes(4096))
    data[10:20] = bytes(10)  # NULs
    return bytes(data)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _docx_with_damaged_xml() -> bytes:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["word/document.xml"] = b"<w:document garbage"
    return _zip(entries)


def _half_a_pdf() -> bytes:
    data = source_of("hongze_2024_pdf").read_bytes()
    return data[: len(data) // 2]


BAD_FILES = [
    pytest.param("empty.txt", b"", ReportReadError, "empty", id="an-empty-file-is-refused-as-empty"),
    pytest.param("blank.txt", b"  \n\t\r\n   \n", ReportReadError, "whitespace",
                 id="a-whitespace-only-file-is-refused-as-whitespace"),
    pytest.param("blank-bom.txt", "\ufeff \u3000\n\u00a0\n".encode("utf-8"), ReportReadError, "whitespace",
                 id="a-file-of-a-bom-and-ideographic-spaces-is-refused-as-whitespace"),
    pytest.param("noise.txt", _random_binary(), ReportReadError, "binary",
                 id="random-bytes-with-nuls-are-refused-as-binary"),
    pytest.param("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), ReportReadError, "PNG",
                 id="a-png-image-is-refused-as-an-image"),
    pytest.param("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ReportReadError, ".doc",
                 id="a-legacy-word-doc-is-refused-as-such"),
    pytest.param("bundle.zip", _zip({"a.txt": b"hello", "b.csv": b"1,2"}), ReportReadError, "ZIP",
                 id="a-zip-that-is-not-a-docx-is-refused-as-a-zip"),
    pytest.param("fake.docx", _zip({"a.txt": b"hello"}), ReportReadError, "not a Word document",
                 id="a-zip-named-docx-without-word-parts-is-refused"),
    pytest.param("broken.docx", _docx_with_damaged_xml(), ReportReadError, "damaged",
                 id="a-docx-whose-xml-is-damaged-is-refused"),
    pytest.param("half.pdf", _half_a_pdf(), ReportReadError, "PDF", id="a-truncated-pdf-is-refused"),
    pytest.param("scan.pdf", minimal_pdf(b""), ReportReadError, "no text",
                 id="a-pdf-without-a-text-layer-is-refused-as-a-scan"),
    pytest.param("list.html", _nav_page(), NotAReportError, "no template table",
                 id="a-navigation-page-is-not-a-report"),
    pytest.param("news.txt", "某某区召开政务公开工作会议。\n会议强调要做好信息公开。\n".encode("utf-8"),
                 NotAReportError, "no template table", id="a-news-item-without-tables-is-not-a-report"),
]


@pytest.mark.parametrize("name,data,error,found", BAD_FILES)
def test_a_file_that_is_not_a_report_gives_a_clear_error(tmp_path, name, data, error, found):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as caught:
        gd.load_report(path)
    exc = caught.value
    assert type(exc) is error  # a NotAReportError only where the file reads but holds no report
    assert exc.path == str(path)
    assert str(exc).startswith(f"{path}: expected ")
    assert exc.expected and exc.found and ", found " in str(exc)
    assert found.lower() in exc.found.lower(), exc.found
    assert "\n" not in str(exc)


def test_a_missing_path_is_refused(tmp_path):
    path = tmp_path / "nowhere" / "report.txt"
    with pytest.raises(ReportReadError) as caught:
        gd.load_report(path)
    assert str(caught.value) == f"{path}: expected a report file, found no such file"


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(ReportReadError) as caught:
        gd.load_report(tmp_path)
    assert str(caught.value) == f"{tmp_path}: expected a report file, found a directory"


def test_a_damaged_png_is_named_in_the_message(tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    with pytest.raises(ReportReadError) as caught:
        read_document(path)
    assert str(caught.value) == (f"{path}: expected a readable page image, "
                                 "found a PNG image Pillow cannot open (UnidentifiedImageError)")


def test_a_png_without_the_ocr_extra_names_the_extra(tmp_path, monkeypatch):
    from govdisclosure.readers import ocr

    def missing():
        raise ocr.OcrUnavailable("the OCR extra is not installed (rapidocr_onnxruntime is missing)")

    monkeypatch.setattr(ocr, "_modules", missing)
    monkeypatch.setattr(ocr, "_ENGINE", None)
    path = tmp_path / "scan.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    with pytest.raises(ReportReadError) as caught:
        read_document(path)
    assert str(caught.value) == (f"{path}: expected a report as text, HTML, Markdown, PDF or DOCX, or a page image "
                                 "with the OCR extra installed, found a PNG image (install the OCR extra to read "
                                 "scans offline: pip install 'govdisclosure[ocr]')")


# --------------------------------------------------------------------------- reports cut short

@pytest.fixture
def seed_lines() -> list[str]:
    lines = source_of("seed_changning_tzcjb_2024").read_text(encoding="utf-8").split("\n")
    assert lines[49 - 1] == "三、收到和处理政府信息公开申请情况"
    assert lines[54 - 1].startswith("一、本年新收政府信息公开申请数量\t1\t")
    assert lines[66 - 1].startswith("\t\t8.属于行政查询事项\t0")
    assert lines[80 - 1].startswith("\t四、结转下年度继续办理")
    assert lines[82 - 1] == "四、政府信息公开行政复议、行政诉讼情况"
    return lines


def test_a_report_without_table_three_loads_and_says_so(tmp_path, seed_lines):
    path = tmp_path / "no-table-3.txt"
    path.write_text("\n".join(seed_lines[:50] + seed_lines[80:]), encoding="utf-8")  # drop lines 51-80
    report = gd.load_report(path)
    assert "t3" not in report.tables_found and "t3" in report.missing_tables
    assert not any(c.table == "t3" for c in report.cell_list)
    assert any("t3" in note for note in report.notes)
    assert [report.cell("t4", "review", col).value for col in ("upheld", "total")] == [0, 0]  # the rest reads
    assert report.cell("t2", "normative_documents", "repealed").value == 1


def test_a_table_three_cut_after_whole_rows_reports_the_missing_rows(tmp_path, seed_lines):
    path = tmp_path / "cut-table-3.txt"
    path.write_text("\n".join(seed_lines[:66] + seed_lines[80:]), encoding="utf-8")  # rows up to （三）8
    report = gd.load_report(path)
    missing = ["unable_not_held", "unable_needs_creation", "unable_unclear", "rejected_complaint",
               "rejected_duplicate", "rejected_publication", "rejected_excessive", "rejected_confirmation",
               "other_no_correction", "other_unpaid_fee", "other_reasons", "total_processed", "carried_forward"]
    note = next(n for n in report.notes if "rows not found" in n)
    for key in missing:
        assert key in note
        assert report.cell("t3", key, "total") is None
    assert report.cell("t3", "new_received", "total").value == 1
    assert report.cell("t3", "denied_admin_query", "total").value == 0
    assert "t4" in report.tables_found


def test_a_file_ending_in_the_middle_of_a_table_three_row_still_loads(tmp_path, seed_lines):
    path = tmp_path / "ends-mid-row.txt"
    path.write_text("\n".join(seed_lines[:63]) + "\n\t\t6.属于四类过程性信 息\t0\t0", encoding="utf-8")
    report = gd.load_report(path)
    cells = [report.cell("t3", "denied_process_info", col) for col in ("natural_person", "total")]
    assert all(c is None or (c.state == "ambiguous" and c.value is None) for c in cells)
    assert any("denied_process_info" in note for note in report.notes)
    assert "t4" not in report.tables_found


# --------------------------------------------------------------------------- a cell with letters

def _text_with_letters() -> tuple[str, str]:
    text = source_of("seed_changning_tzcjb_2024").read_text(encoding="utf-8")
    old = "一、本年新收政府信息公开申请数量\t1\t0"
    assert text.count(old) == 1
    return "seed.txt", text.replace(old, "一、本年新收政府信息公开申请数量\t12a\t0")


def _html_with_letters() -> tuple[str, str]:
    text = source_of("shanghai_gov_office_2019").read_text(encoding="utf-8")
    assert text.count(">821<") == 1  # 一、本年新收 自然人
    return "page.html", text.replace(">821<", ">12a<")


def _markdown_with_letters() -> tuple[str, str]:
    text = source_of("shanghai_stcsm_2024").read_text(encoding="utf-8")
    old = "| 一、本年新收政府信息公开申请数量 | 32 |"
    assert text.count(old) == 1
    return "report.md", text.replace(old, "| 一、本年新收政府信息公开申请数量 | 12a |")


@pytest.mark.parametrize("build,others", [
    pytest.param(_text_with_letters, [0, 0, 0, 0, 0, 1], id="in-a-tab-separated-text-row"),
    pytest.param(_html_with_letters, [35, None, None, 2, 1, 859], id="in-an-html-table-row"),
    pytest.param(_markdown_with_letters, [2, 0, 0, 0, 0, 34], id="in-a-markdown-pipe-row"),
])
def test_a_cell_with_letters_is_text_never_a_number(tmp_path, build, others):
    name, text = build()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = gd.load_report(path)
    cell = report.cell("t3", "new_received", "natural_person")
    assert (cell.state, cell.value, cell.raw) == ("text", None, "12a")
    columns = ["commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
    assert [report.cell("t3", "new_received", col).value for col in columns] == others
    assert report.table("t3").isna().loc["new_received", "natural_person"]
