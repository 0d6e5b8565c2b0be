"""What a reader accepts (issue 8): only regular files, found without blocking in folders as
downloads leave them; limits on size, DOCX inflation and HTML depth, each said when hit and
never a silent cut."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

import govdisclosure as gd
from conftest import CORPUS, ROOT
from govdisclosure import ReportReadError
from govdisclosure.readers import display_path, read_document, scan
from hostile import SEED, bomb_docx, nested_divs_page, nested_tables_page, odd_folder


def _in_time(function, seconds: float = 20):
    """``function()``'s result, failing the test (not hanging it) when it blocks."""
    result: dict = {}

    def run():
        try:
            result["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function} blocked for more than {seconds} s"
    if "error" in result:
        raise result["error"]
    return result["value"]


# --------------------------------------------------------------------------- folders

def test_scan_reads_every_regular_report_file_and_lists_the_rest_without_blocking(tmp_path):
    paths = odd_folder(tmp_path / "in")
    found = _in_time(lambda: scan([tmp_path / "in"]))
    assert sorted(map(str, found.files)) == sorted(str(paths[k]) for k in ("gbk", "shell", "in_dir_named_txt"))
    skipped = {p.name: why for p, why in found.skipped}
    assert skipped == {"pipe.txt": "a FIFO (named pipe)", "zero.txt": "a device", "loop.txt": "a symbolic link that loops",
                       "gone.txt": "a symbolic link to nothing"}
    assert dict(found.ignored) == {".json": 1}  # the hidden file is left out, the link back entered once


def test_every_file_found_reads_as_the_seed_whatever_its_name(tmp_path):
    paths = odd_folder(tmp_path / "in")
    seed = gd.load_report(SEED)
    files = scan([tmp_path / "in"]).files
    assert len(files) == 3 and paths["gbk"] in files
    for path in files:
        report = gd.load_report(path)
        assert report.table("t3").equals(seed.table("t3")), path
        assert report.source == str(path)


def test_a_name_that_is_not_utf8_is_shown_with_escapes_and_valid_names_unchanged(tmp_path):
    paths = odd_folder(tmp_path / "in")
    shown = display_path(paths["gbk"])
    # 公开年报 in GBK: b9ab bfaa c4ea b1a8; "ea b1 a8" happens to be valid UTF-8 (걨)
    assert shown.endswith("\\xb9\\xab\\xbf\\xaa\\xc4\uac68.txt") and shown.encode("utf-8")
    assert display_path(paths["shell"]) == str(paths["shell"])
    assert display_path(CORPUS / "pingtan_2023" / "source.txt") == str(CORPUS / "pingtan_2023" / "source.txt")


@pytest.mark.parametrize("role, found", [
    pytest.param("fifo", "a FIFO (named pipe); not read", id="a-fifo-named-on-the-command-line-is-refused-at-once"),
    pytest.param("device", "a device; not read", id="a-link-to-dev-zero-is-refused-at-once"),
    pytest.param("loop", "a symbolic link that loops", id="a-symlink-loop-is-refused"),
    pytest.param("dangling", "no such file", id="a-link-to-nothing-is-no-such-file"),
])
def test_a_special_file_named_explicitly_is_refused_without_blocking(tmp_path, role, found):
    path = odd_folder(tmp_path / "in")[role]
    with pytest.raises(ReportReadError) as caught:
        _in_time(lambda: read_document(path))
    assert caught.value.found == found


# --------------------------------------------------------------------------- sizes

def test_a_text_file_over_the_size_limit_is_refused_saying_the_limit(tmp_path, monkeypatch):
    import govdisclosure.readers as readers

    monkeypatch.setattr(readers, "MAX_TEXT_BYTES", 4096)
    with pytest.raises(ReportReadError) as caught:
        read_document(SEED)
    assert "MAX_TEXT_BYTES" in str(caught.value) and "at most 4096 bytes" in caught.value.expected


def test_a_file_over_the_file_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import govdisclosure.readers as readers

    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ReportReadError) as caught:
        read_document(SEED)
    assert "MAX_FILE_BYTES" in str(caught.value)


# --------------------------------------------------------------------------- DOCX inflation

# peak memory from VmHWM: ru_maxrss of a child also counts its parent's size when it was forked
PEAK_MEMORY = """
import re, sys
import govdisclosure as gd
try:
    gd.load_report(sys.argv[1])
    print("READ")
except gd.ReportReadError as exc:
    print(exc)
print(int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024)
"""


@pytest.mark.parametrize("inflated, declared, found", [
    pytest.param(100 * 2 ** 20, None, "inflates from", id="xml-inflating-to-100-mb-refused-by-its-declared-size"),
    pytest.param(2 ** 30, None, "inflates from", id="xml-inflating-to-1-gb-refused-by-its-declared-size"),
    pytest.param(100 * 2 ** 20, 5000, "damaged ZIP", id="a-zip-lying-about-its-size-is-damaged-not-inflated"),
])
def test_a_docx_bomb_is_refused_in_bounded_memory(tmp_path, inflated, declared, found):
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb_docx(inflated, declared=declared))
    assert path.stat().st_size < 2 * 2 ** 20
    done = subprocess.run([sys.executable, "-c", PEAK_MEMORY, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    message, peak_mb = done.stdout.strip().splitlines()
    assert message.startswith(f"{path}: expected a Word document"), message
    assert found in message
    baseline = subprocess.run([sys.executable, "-c", PEAK_MEMORY, str(ROOT / "tests/fixtures/bad-inputs/good.docx")],
                              capture_output=True, text=True, timeout=120, cwd=ROOT).stdout.strip().splitlines()
    assert baseline[0] == "READ"
    # refusing it costs no more than reading a real Word report (python-docx would take gigabytes)
    assert int(peak_mb) < int(baseline[1]) + 50, f"{peak_mb} MB to refuse it, {baseline[1]} MB to read the seed"


def test_a_docx_just_under_the_limit_is_still_read(tmp_path, monkeypatch):
    """The limit refuses bombs, not Word files: a real-sized one (the seed as DOCX) reads."""
    from govdisclosure.readers import docx as docx_reader

    path = ROOT / "tests" / "fixtures" / "bad-inputs" / "good.docx"
    docx_reader.check_inflation(path.read_bytes(), str(path))  # no error
    assert len(gd.load_report(path).cell_list) == 200


# --------------------------------------------------------------------------- HTML depth

@pytest.mark.parametrize("depth", [300, 10_000])
def test_a_page_nested_deeper_than_libxml2_reads_is_read_whole_and_says_so(tmp_path, depth):
    path = tmp_path / "deep.html"
    path.write_text(nested_divs_page(depth), encoding="utf-8")
    deep, flat = gd.load_report(path), gd.load_report(CORPUS / "putian_cg_2021_html" / "source.html")
    for table in ("t2", "t3", "t4"):
        assert deep.table(table).equals(flat.table(table)), table
    assert (deep.agency, deep.year) == (flat.agency, flat.year)
    assert 888 not in deep.table("t3").to_numpy()  # the hidden decoy stays hidden
    assert any("nested more than" in note for note in deep.notes)


def test_tables_nested_thousands_deep_give_a_clear_message(tmp_path):
    path = tmp_path / "tables.html"
    path.write_text(nested_tables_page(3000), encoding="utf-8")
    with pytest.raises(ReportReadError) as caught:
        gd.load_report(path)
    assert "nested deeper" in caught.value.found and "2048 levels" in caught.value.expected


# --------------------------------------------------------------------------- UTF-16 without a mark

def test_utf16_without_a_byte_order_mark_reads_like_the_original(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode("utf-16-le"))
    report = gd.load_report(path)
    assert report.table("t3").equals(gd.load_report(SEED).table("t3"))
    assert any("UTF-16-LE" in note for note in report.notes)


def test_random_binary_is_not_taken_for_utf16(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ReportReadError, match="binary"):
        gd.load_report(path)


# --------------------------------------------------------------------------- encrypted PDFs

def test_a_pdf_encrypted_with_a_password_is_refused_saying_so(tmp_path):
    from hostile import encrypted_pdf

    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_pdf("report text", b"secret"))
    with pytest.raises(ReportReadError) as caught:
        read_document(path)
    assert caught.value.found == "a PDF encrypted with a password"


@pytest.mark.parametrize("before", [b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n"],
                         ids=["as-saved", "with-an-http-header-before-it"])
def test_a_pdf_encrypted_with_an_empty_password_is_read_and_said(tmp_path, before):
    from hostile import encrypted_pdf

    path = tmp_path / "open.pdf"
    path.write_bytes(before + encrypted_pdf("report text", b""))
    doc = read_document(path)
    assert [line.text for line in doc.lines] == ["report text"]
    assert any("empty password" in note for note in doc.notes)
    assert any("before the PDF header were skipped" in note for note in doc.notes) == bool(before)
