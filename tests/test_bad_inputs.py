"""The bad-input suite as data (tests/fixtures/bad-inputs/README.md) beside real reports, with the
large and special inputs generated here (tests/hostile.py), through ``parse``, ``check``,
``report`` and ``batch`` as a user runs them: no traceback, every file classed, the good
reports rendered, exit statuses as documented, no live formula or markup in any output, no
terminal escape code on the terminal, bounded time and memory."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import openpyxl
import pandas as pd
import pytest

from conftest import CORPUS, FIXTURES, ROOT
from hostile import (SEED, bomb_docx, encrypted_pdf, nested_divs_page, nested_tables_page, odd_folder)

BAD = FIXTURES / "bad-inputs"
CLASSES = {"report", "duplicate", "pre-2019", "not a report", "unreadable", "failed"}
REAL = ("pingtan_2024", "sanming_2021", "shanghai_gov_office_2019")  # agency-years of their own
UNREADABLE = ["empty.txt", "whitespace.txt", "whitespace-ideographic.txt", "noise.txt", "noise.html", "noise.pdf",
              "noise.docx", "noise-highbytes.txt", "truncated-header.pdf", "pdf-garbage-body.pdf",
              "pdf-header-only.pdf", "truncated.docx", "docx-broken-xml.docx", "billion-laughs.docx", "xlsx-as.docx",
              "zip-not-docx.docx", "zip-not-docx.txt"]
GENERATED_UNREADABLE = ["bomb-100mb.docx", "bomb-1gb.docx", "deep-tables.html", "encrypted-password.pdf",
                        "odd/pipe.txt", "odd/zero.txt", "odd/loop.txt", "odd/gone.txt"]
SAME_AS_SEED = ["gbk.txt", "utf16-bom.txt", "utf16-nobom.txt", "utf8-bom.txt", "good.docx", "nul-late.txt"]
SAME_AS_PUTIAN = ["gbk-nometa.html", "gb18030-meta-utf8.html"]
MEMORY_LIMIT_MB = 3500  # per process of the batch: 2 GB for one file (limits.FILE_MEMORY_BYTES) and its baseline
PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))
sys.exit(done.returncode)
"""


def build_battery(folder: Path) -> None:
    """The bad inputs, three real reports, and the large and special inputs."""
    folder.mkdir(parents=True)
    for path in BAD.iterdir():
        if path.name != "README.md":
            shutil.copyfile(path, folder / path.name)
    for i in REAL:
        source = next((CORPUS / i).glob("source.*"))
        shutil.copyfile(source, folder / f"real-{i}{source.suffix}")
    seed = SEED.read_text(encoding="utf-8")
    filler = "本段为无关文字，用于测试大文件的读取。" * 20 + "\n"
    around = filler * ((25 * 2 ** 20) // len(filler.encode("utf-8")))
    (folder / "big-50mb.txt").write_text(around + seed + around, encoding="utf-8")
    row = "一、本年新收政府信息公开申请数量\t1\t0"
    assert seed.count(row) == 1
    (folder / "digits-million-cell.txt").write_text(
        seed.replace(row, "一、本年新收政府信息公开申请数量\t" + "7" * 1_000_000 + "\t0"), encoding="utf-8")
    (folder / "digits-million-glued.txt").write_text(
        seed.replace(row, "一、本年新收政府信息公开申请数量" + "1" * 1_000_000), encoding="utf-8")
    extra = "".join(f"（八）附加行{i}\t0\t0\t0\t0\t0\t0\t0\n" for i in range(10_000))
    (folder / "rows-10000.txt").write_text(seed.replace("四、结转下年度继续办理", extra + "四、结转下年度继续办理", 1),
                                           encoding="utf-8")
    (folder / "bomb-100mb.docx").write_bytes(bomb_docx(100 * 2 ** 20))
    (folder / "bomb-1gb.docx").write_bytes(bomb_docx(2 ** 30))
    (folder / "deep-divs.html").write_text(nested_divs_page(10_000), encoding="utf-8")
    (folder / "deep-tables.html").write_text(nested_tables_page(3_000), encoding="utf-8")
    (folder / "encrypted-password.pdf").write_bytes(encrypted_pdf("report", b"secret"))
    (folder / "encrypted-empty.pdf").write_bytes(encrypted_pdf("report", b""))
    (folder / "http-header.pdf").write_bytes(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n"
                                             + (CORPUS / "hongze_2024_pdf" / "source.pdf").read_bytes())
    odd_folder(folder / "odd")


def command(*args: str, peak: Path | None = None, tmp: Path | None = None) -> subprocess.Popen:
    """``govdisclosure ARGS`` as a user runs it; ``peak``: where to write the peak memory of its
    processes (MB); ``tmp``: its own temporary folder."""
    prefix = [sys.executable, "-c", PEAK, str(peak)] if peak else []
    env = dict(os.environ, TMPDIR=str(tmp)) if tmp else None
    return subprocess.Popen([*prefix, sys.executable, "-m", "govdisclosure.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{process.args} did not finish within {timeout} s")
    return process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def battery(tmp_path_factory):
    base = tmp_path_factory.mktemp("battery")
    folder = base / "in"
    build_battery(folder)
    tmp = base / "tmp"
    tmp.mkdir()
    runs = {}
    batch = command("batch", str(folder), "-o", str(base / "out"), "--workers", "2", "-q", peak=base / "peak", tmp=tmp)
    runs["batch"] = finish(batch)
    parse = command("parse", str(folder), "-o", str(base / "cells.csv"))
    check = command("check", str(folder), "-o", str(base / "findings.csv"), "--fail-on", "never")
    runs["parse"], runs["check"] = finish(parse), finish(check)
    summary = pd.read_csv(base / "out" / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
    summary["name"] = summary["file"].str.replace(str(folder) + "/", "", regex=False)
    return dict(base=base, folder=folder, out=base / "out", runs=runs, peak_mb=int((base / "peak").read_text()),
                summary=summary.set_index("name"), leftover_temporary=sorted(p.name for p in tmp.iterdir()))


def every_file(folder: Path) -> list[str]:
    """What a batch must account for: every file but hidden ones and meta.json, as shown."""
    names = []
    for root, _, files in os.walk(folder):
        for name in files:
            if not name.startswith(".") and not name.endswith(".json"):
                relative = os.path.relpath(os.path.join(root, name), folder)
                names.append(os.fsencode(relative).decode("utf-8", "backslashreplace"))
    return sorted(names)


# --------------------------------------------------------------------------- batch

def test_batch_classes_every_file_and_exits_1(battery):
    code, _, err = battery["runs"]["batch"]
    assert code == 1, err[-3000:]
    summary = battery["summary"]
    files = summary.drop(index="(comparison)")
    assert sorted(files.index) == every_file(battery["folder"])
    assert set(files["status"]) <= CLASSES
    counts = files["status"].value_counts()
    assert f"{len(files)} file(s): " in err and f"{counts['unreadable']} unreadable" in err


@pytest.mark.parametrize("name", UNREADABLE + GENERATED_UNREADABLE)
def test_an_unreadable_file_gets_one_clear_line(battery, name):
    row = battery["summary"].loc[name]
    assert row["status"] == "unreadable", row.to_dict()
    assert row["error"].startswith(f"{row['file']}: expected ") and ", found " in row["error"]
    assert "\n" not in row["error"]
    lines = [line for line in battery["runs"]["batch"][2].splitlines() if line.startswith(f"unreadable: {row['file']}:")]
    assert len(lines) == 1


@pytest.mark.parametrize("name, found", [
    pytest.param("bomb-1gb.docx", "inflates from 1.0 MB to 1,023.8 MB", id="a-zip-bomb-says-what-it-inflates-to"),
    pytest.param("deep-tables.html", "nested deeper", id="tables-nested-3000-deep-are-said-too-deep"),
    pytest.param("encrypted-password.pdf", "encrypted with a password", id="a-password-pdf-says-so"),
    pytest.param("odd/pipe.txt", "a FIFO", id="a-fifo-is-not-opened"),
    pytest.param("odd/zero.txt", "a device", id="a-link-to-dev-zero-is-not-opened"),
    pytest.param("odd/loop.txt", "loops", id="a-symlink-loop-is-said"),
])
def test_the_message_says_which_kind_of_trouble(battery, name, found):
    assert found in battery["summary"].loc[name, "error"]


def test_the_good_reports_beside_them_are_rendered(battery):
    out = battery["out"]
    for i in REAL:
        row = battery["summary"].loc[next(n for n in battery["summary"].index if n.startswith(f"real-{i}."))]
        assert (row["status"], row["rendered"]) == ("report", "new"), row.to_dict()
        assert (out / row["html"]).read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.parametrize("name", SAME_AS_SEED + SAME_AS_PUTIAN + ["deep-divs.html", "http-header.pdf", "rows-10000.txt",
                                                                  "big-50mb.txt", "odd/x.txt/inner.txt",
                                                                  "odd/a b 'c' \"d\" $(e) ;f&.txt"])
def test_a_readable_file_is_read(battery, name):
    assert battery["summary"].loc[name, "status"] in ("report", "duplicate")


def test_a_file_name_that_is_not_utf8_is_read_and_shown_with_escapes(battery):
    name = next(n for n in battery["summary"].index if n.startswith("odd/\\xb9"))
    assert battery["summary"].loc[name, "status"] in ("report", "duplicate")


@pytest.mark.parametrize("name", SAME_AS_SEED + SAME_AS_PUTIAN)
def test_an_encoding_variant_reads_all_200_cells_of_the_original(battery, name):
    reports = pd.read_parquet(battery["out"] / "corpus" / "reports.parquet")
    cells = pd.read_parquet(battery["out"] / "corpus" / "cells.parquet")
    rid = reports.loc[reports["source"] == str(battery["folder"] / name), "rid"].iloc[0]
    assert len(cells[cells["rid"] == rid]) == 200


def test_a_million_glued_digits_end_within_the_limits(battery):
    row = battery["summary"].loc["digits-million-glued.txt"]
    # recovered as ambiguous, or stopped at a limit that is named; never 19 GB and 227 s
    assert row["status"] in ("duplicate", "report") or (row["status"] == "failed" and "limit" in row["error"]), row.to_dict()


def test_a_million_digit_cell_is_text_not_infinity(battery):
    assert battery["summary"].loc["digits-million-cell.txt", "status"] in ("report", "duplicate")


def test_bounded_time_and_memory(battery):
    # the time bound is the timeout of finish(); the memory one, the largest process of the batch
    assert battery["peak_mb"] < MEMORY_LIMIT_MB, f"{battery['peak_mb']} MB"


def test_no_traceback_and_no_terminal_escape_reaches_the_terminal(battery):
    for name, (_, out, err) in battery["runs"].items():
        for stream in (out, err):
            assert "Traceback" not in stream, (name, stream[-3000:])
            assert "\x1b" not in stream and "\u202e" not in stream, name


def test_no_partial_file_and_no_temporary_notebook_is_left(battery):
    assert [p for p in battery["out"].rglob("*") if ".part" in p.name] == []
    assert battery["leftover_temporary"] == []  # the batch's own temporary folder: no notebook left


# --------------------------------------------------------------------------- outputs

def _html_outputs(out: Path) -> list[Path]:
    return [out / "index.html", out / "compare.html", *sorted((out / "reports").glob("*.html"))]


INDEX_SCRIPT = (ROOT / "lib" / "govdisclosure" / "templates" / "index" / "index.js").read_text(encoding="utf-8")


def foreign_scripts(page: Path, doc) -> list:
    """Script elements other than the index's own sorting script and its data file (the only
    scripts the kit writes; no report text ever becomes one)."""
    scripts = doc.xpath("//script")
    if page.name != "index.html":
        return scripts
    return [s for s in scripts if not ((s.get("src") == "index-data.js" and not (s.text or "").strip())
                                       or (s.get("src") is None and (s.text or "").strip() == INDEX_SCRIPT.strip()))]


def test_no_live_markup_in_any_html_output(battery):
    pages = _html_outputs(battery["out"])
    assert len(pages) > 10
    for page in pages:
        doc = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
        assert not foreign_scripts(page, doc) and not doc.xpath("//iframe|//object|//embed"), page.name
        assert not doc.xpath("//@*[starts-with(name(), 'on')]"), page.name
        assert not [h for h in doc.xpath("//@href|//@src") if h.strip().lower().startswith("javascript:")], page.name
        assert not doc.xpath("//svg"), page.name
    index = lxml.html.document_fromstring((battery["out"] / "index.html").read_text(encoding="utf-8"))
    assert "<script>alert('agency')</script>" in index.text_content()  # shown, as text (and no script: above)


def _csv_outputs(battery) -> list[Path]:
    out = battery["out"]
    return [out / "run_summary.csv", *sorted((out / "exports").glob("*.csv")), battery["base"] / "cells.csv",
            battery["base"] / "findings.csv"]


# a number (as written, or "-inf" from a numeric column while the parser still makes inf), or a lone sign
NUMBER = re.compile(r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$|^[+-]$|^[+-]?inf$")


def test_no_csv_cell_can_run_as_a_formula(battery):
    for path in _csv_outputs(battery):
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for column in frame.columns:
            risky = frame[column][frame[column].str.startswith(("=", "+", "-", "@", "\t", "\r"))]
            assert risky.map(lambda v: bool(NUMBER.match(v))).all(), (path.name, column, risky.tolist()[:3])
    cells = pd.read_csv(battery["base"] / "cells.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "'=1+1" in set(cells["raw"])  # the formula of num-formula.txt, defused and kept


def test_no_excel_cell_is_a_formula(battery):
    book = openpyxl.load_workbook(battery["out"] / "exports" / "corpus.xlsx")
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert any(t.startswith("<script>") for t in texts)  # the hostile agency name, as a string


def test_xxe_never_reads_the_system_file(battery):
    for name in ("xxe.docx", "billion-laughs.docx"):  # refused for what they are, before any XML is parsed
        row = battery["summary"].loc[name]
        assert row["status"] == "unreadable" and "declares entities" in row["error"], row.to_dict()
    for path in [*_html_outputs(battery["out"]), *_csv_outputs(battery)]:
        assert "root:x:0:0" not in path.read_text(encoding="utf-8", errors="replace"), path


# --------------------------------------------------------------------------- parse and check

def test_parse_says_one_line_per_file_and_exits_2(battery):
    code, _, err = battery["runs"]["parse"]
    assert code == 2
    folder = str(battery["folder"])
    lines = [line for line in err.splitlines() if folder in line and not line.startswith("wrote ")]
    named = sorted(re.search(re.escape(folder) + r"/(.*?)(: |$)", line).group(1) for line in lines)
    assert named == every_file(battery["folder"])
    assert all(line.startswith(("read ", "error: ", "failed: ", "not a report: ")) for line in lines)


def test_check_prints_findings_and_exits_2(battery):
    code, out, err = battery["runs"]["check"]
    assert code == 2
    assert "T3-BALANCE" in out and "X-VERSION" in out  # inconsistent.txt, and the seed's variants
    findings = pd.read_csv(battery["base"] / "findings.csv", encoding="utf-8-sig")
    assert len(findings) and findings["source"].map(lambda s: s.encode("utf-8") is not None).all()


# --------------------------------------------------------------------------- report

def test_report_renders_hostile_text_as_text(tmp_path):
    out = tmp_path / "out"
    code, _, err = finish(command("report", str(BAD / "hostile-narrative.txt"), str(BAD / "hostile-markup.html"),
                                  str(BAD / "agency-script.txt"), "-o", str(out), "-q"))
    assert code == 0, err
    summary = pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(summary["status"]) == ["report"] * 3
    for page in _html_outputs(out)[:1] + sorted((out / "reports").glob("*.html")):
        doc = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
        assert not foreign_scripts(page, doc) and not doc.xpath("//@*[starts-with(name(), 'on')]|//svg"), page.name
    texts = " ".join(lxml.html.document_fromstring(p.read_text(encoding="utf-8")).text_content()
                     for p in (out / "reports").glob("*.html"))
    assert "{{7*7}}" in texts and "<script>alert('agency')</script>" in texts  # shown, never run


@pytest.mark.parametrize("agency", [
    pytest.param("</title><script>alert('x')</script>某局", id="closing-the-title-then-a-script"),
    pytest.param("</title><b>粗体</b>某局", id="closing-the-title-then-markup"),
])
def test_an_agency_name_never_becomes_markup_in_the_page_title_or_anywhere(agency, tmp_path):
    seed = (BAD / "agency-script.txt").read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t.txt").write_text(f"{agency}2024年政府信息公开工作年度报告\n" + "\n".join(seed[3:]), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = finish(command("report", str(folder), "-o", str(out), "-q"))
    assert code == 0, err
    pages = [out / "index.html", *sorted((out / "reports").glob("*.html"))]
    assert len(pages) == 2
    for page in pages:
        doc = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
        assert not foreign_scripts(page, doc) and not doc.xpath("//body//b[text()='粗体']"), page.name
        assert agency in doc.text_content(), page.name  # shown as text
    title = lxml.html.document_fromstring(pages[1].read_text(encoding="utf-8")).xpath("//title")[0].text
    assert title.startswith(agency)


def test_a_report_whose_file_name_is_not_utf8_is_rendered_like_any_other(tmp_path):
    """GBK bytes in a name from a Windows archive: read, rendered (through a link the notebook can
    be given), listed with escapes; a rerun finds it unchanged."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsencode(folder) + b"/\xc8\xfd\xc3\xf72019.txt"
    with open(name, "wb") as handle:
        handle.write((CORPUS / "sanming_2019" / "source.txt").read_bytes())
    out = tmp_path / "out"
    code, _, err = finish(command("batch", str(folder), "-o", str(out), "-q"))
    assert code == 0, err
    summary = pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False)
    row = summary[summary["file"].str.endswith(".txt")].iloc[0]
    assert row["status"] == "report" and "\\xc8\\xfd" in row["file"] and (out / row["html"]).is_file()
    code, _, err = finish(command("batch", str(folder), "-o", str(out), "-q"))
    assert code == 0 and "1 unchanged" in err, err


def test_report_with_nothing_readable_still_writes_its_summary_and_exits_2(tmp_path):
    out = tmp_path / "out"
    code, _, err = finish(command("report", *(str(BAD / n) for n in UNREADABLE[:6]), "-o", str(out), "-q"))
    assert code == 2
    assert "error: no file could be read as a report" in err and "Traceback" not in err
    summary = pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(summary["status"]) == ["unreadable"] * 6
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(n in index for n in UNREADABLE[:6])
    assert not (out / "corpus" / "corpus.duckdb").exists()  # nothing to publish: no empty database


def test_batch_of_an_empty_folder_says_so_and_exits_2(tmp_path):
    (tmp_path / "in").mkdir()
    code, _, err = finish(command("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"))
    assert code == 2 and f"no report file found in {tmp_path / 'in'}" in err
    assert (tmp_path / "out" / "run_summary.csv").exists() and (tmp_path / "out" / "index.html").exists()


@pytest.mark.parametrize("name", [
    pytest.param("num-decimal.txt", id="a-decimal-count"),
    pytest.param("num-huge-int.txt", id="four-hundred-nines"),
])
def test_an_odd_number_still_renders_every_part_of_its_report(tmp_path, name):
    out = tmp_path / "out"
    code, _, err = finish(command("report", str(BAD / name), "-o", str(out), "-q"))
    summary = pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False)
    assert (code, summary["status"].tolist()) == (0, ["report"]), err


# --------------------------------------------------------------------------- what each odd number gives

def _row_one(battery, name: str) -> pd.DataFrame:
    reports = pd.read_parquet(battery["out"] / "corpus" / "reports.parquet")
    cells = pd.read_parquet(battery["out"] / "corpus" / "cells.parquet")
    rid = reports.loc[reports["source"] == str(battery["folder"] / name), "rid"].iloc[0]
    mine = cells[(cells["rid"] == rid) & (cells["table"] == "t3") & (cells["row"] == "new_received")]
    return mine.set_index("column")


def _int_failures(battery, name: str) -> int:
    findings = pd.read_parquet(battery["out"] / "corpus" / "findings.parquet")
    mine = findings[(findings["source"] == str(battery["folder"] / name)) & (findings["rule"] == "INT")]
    return int((mine["status"] == "fail").sum())


@pytest.mark.parametrize("name, state, value, int_finding", [
    pytest.param("num-1e308.txt", "text", None, True, id="1e308-is-text-with-an-int-finding"),
    pytest.param("num-negative.txt", "number", -5, True, id="minus-five-gives-an-int-finding"),
    pytest.param("num-decimal.txt", "number", 3.5, True, id="three-and-a-half-gives-an-int-finding"),
    pytest.param("num-fullwidth.txt", "number", 1, False, id="full-width-one-is-1"),
    pytest.param("num-fullwidth12.txt", "number", 12, False, id="full-width-twelve-is-12"),
    pytest.param("num-arabic-indic.txt", "number", 1, False, id="arabic-indic-one-is-1"),
    pytest.param("num-thousands.txt", "number", 1234, False, id="thousands-separator"),
    pytest.param("num-formula.txt", "text", None, True, id="a-formula-is-text"),
    pytest.param("num-huge-int.txt", "text", None, True, id="four-hundred-nines-are-not-a-number"),
    pytest.param("num-20k-glued.txt", "ambiguous", None, False, id="twenty-thousand-glued-digits-are-ambiguous"),
])
def test_what_each_odd_number_gives(battery, name, state, value, int_finding):
    cell = _row_one(battery, name).loc["natural_person"]
    assert cell["state"] == state
    assert (pd.isna(cell["value"]) if value is None else cell["value"] == value)
    assert (_int_failures(battery, name) > 0) == int_finding


def test_the_suite_readme_names_every_file():
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    assert all(f"`{p.name}`" in readme for p in BAD.iterdir() if p.name != "README.md")
    assert json.dumps(sorted(p.name for p in BAD.iterdir()))
