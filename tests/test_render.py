"""Issue 4: file names of the reports, and `govdisclosure report` (index, failures, re-runs).

The command runs in this process (``govdisclosure.cli.main``); its worker processes are forked
from one server per test session, so only the first run pays for starting it.
"""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from conftest import CORPUS, ROOT, meta_of, source_of, truth_of
from html_helpers import Page

from govdisclosure import cli
from govdisclosure.render import safe_stem

# --------------------------------------------------------------------------- 6. safe_stem

FORBIDDEN = set('/\\:*?"<>|')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
LONG = "上海市长宁区投资促进办公室" * 20  # 260 characters
HOSTILE = {
    "slashes": "上海市/长宁区/投资促进办公室",
    "backslashes": "上海市\\长宁区\\投资促进办公室",
    "parent": "../../etc/平潭综合实验区",
    "dots": "..",
    "wildcards": '平潭:综合*实验区?"管委会"<办公室>|',
    "control": "三明\x00市\x01人民\x1f政府\x7f\n\t\r",
    "long": LONG,
    "CON": "CON",
    "nul": "nul",
    "COM1": "COM1",
    "LPT9.txt": "LPT9.txt",
    "AUX padded": " AUX ",
    "fullwidth": "平潭／综合＼实验区：管委会＊",
    "bidi": "平潭\u202e综合\u200b实验区",
    "markup": '长宁区<img src=x onerror="alert(1)">',
    "empty": "",
    "none": None,
}


def _check_stem(stem: str) -> None:
    assert not FORBIDDEN & set(stem), stem
    assert not [c for c in stem if unicodedata.category(c).startswith("C")], repr(stem)
    assert ".." not in stem and not stem.startswith((".", " ")) and not stem.endswith((".", " "))
    assert stem.split(".")[0].strip().upper() not in WINDOWS_RESERVED
    assert 0 < len(stem) <= 100, len(stem)


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("year", [2023, None])
def test_safe_stem_is_safe(name, year, tmp_path):
    agency = HOSTILE[name]
    stem = safe_stem(agency, year, f"/reports/{name}/source.html")
    _check_stem(stem)
    # a file of that name can be written and is found again under the same name
    path = tmp_path / f"{stem}.html"
    path.write_text("x", encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == [f"{stem}.html"]
    if year:
        assert str(year) in stem


@pytest.mark.parametrize("agency, kept", [
    ("上海市/长宁区/投资促进办公室", ("上海市", "长宁区", "投资促进办公室")),
    ('平潭:综合*实验区?"管委会"<办公室>|', ("平潭", "综合", "实验区", "管委会", "办公室")),
    ("三明\x00市\x01人民\x1f政府", ("三明", "人民", "政府")),
    ("平潭／综合＼实验区：管委会", ("平潭", "综合", "实验区", "管委会")),
    (LONG, ("上海市长宁区投资促进办公室",)),
    ("㙟头镇人民政府", ("㙟头镇人民政府",)),  # U+365F, CJK extension A
])
def test_safe_stem_keeps_chinese(agency, kept):
    stem = safe_stem(agency, 2024, "source.txt")
    for part in kept:
        assert part in stem, (part, stem)


def test_safe_stem_tells_renderings_apart_and_is_stable():
    agency = "平潭综合实验区"
    text, page = source_of("pingtan_2023"), source_of("pingtan_2023_html")
    assert safe_stem(agency, 2023, text) != safe_stem(agency, 2023, page)
    assert safe_stem(agency, 2023, text) == safe_stem(agency, 2023, text)  # re-runs find their files
    assert safe_stem("上海市/长宁区", 2024, "a/source.txt") != safe_stem("上海市:长宁区", 2024, "b/source.txt")
    assert safe_stem(agency, 2023, text) != safe_stem(agency, 2024, text)


def test_safe_stem_fits_file_system_limit_in_bytes(tmp_path):
    agency = "𠀀" * 100  # U+20000, CJK extension B
    stem = safe_stem(agency, 2024, "source.txt")
    _check_stem(stem)
    temporary = f".{stem}.html.abcdefgh.part"  # the longest name written for it (export.atomic_path)
    assert len(temporary.encode("utf-8")) <= 255
    (tmp_path / f"{stem}.html").write_text("x", encoding="utf-8")


# --------------------------------------------------------------------------- running the command

@dataclass
class Command:
    code: int
    stderr: str
    out: Path

    @property
    def index(self) -> Page:
        return Page(self.out / "index.html")

    @property
    def summary(self) -> pd.DataFrame:
        return pd.read_csv(self.out / "run_summary.csv", encoding="utf-8-sig")


def run_command(args: list[str], out: Path) -> Command:
    """``govdisclosure ARGS`` in this process, its stderr captured (and SIGTERM handling put back)."""
    handler = signal.getsignal(signal.SIGTERM)
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            code = cli.main(args)
    finally:
        signal.signal(signal.SIGTERM, handler)
    return Command(code, stderr.getvalue(), out)


def index_rows(page: Page) -> list[dict]:
    rows = page.table_with_header("机关 年度", "状态")
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:]]


def index_links(out: Path) -> dict[str, Path]:
    doc = Page(out / "index.html").doc
    return {" ".join(a.text_content().split()): out / a.get("href") for a in doc.iter("a")
            if a.get("href") and not a.get("href").startswith("#") and a.text_content().strip() != "报告"}


# --------------------------------------------------------------------------- 8. two years of one agency

PINGTAN = [str(CORPUS / "pingtan_2023"), str(CORPUS / "pingtan_2024")]


@pytest.fixture(scope="module")
def pingtan_runs(tmp_path_factory):
    """`govdisclosure report data/corpus/pingtan_2023 data/corpus/pingtan_2024 -o DIR`, twice."""
    out = tmp_path_factory.mktemp("pingtan_report")
    first = run_command(["report", *PINGTAN, "-o", str(out), "-q"], out)
    reports = sorted((out / "reports").glob("*.html"))
    after_first = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in reports}
    index_first = (out / "index.html").read_text(encoding="utf-8")
    summary_first = first.summary
    second = run_command(["report", *PINGTAN, "-o", str(out), "-q"], out)
    return dict(first=first, second=second, after_first=after_first, index_first=Page(index_first),
                summary_first=summary_first, out=out)


def test_report_command_writes_index_and_reports(pingtan_runs):
    first, out = pingtan_runs["first"], pingtan_runs["out"]
    assert first.code == 0, first.stderr
    assert "2 report(s) rendered, 0 unchanged" in first.stderr
    reports = sorted((out / "reports").glob("*.html"))
    assert len(reports) == 2
    links = index_links(out)
    for year in (2023, 2024):
        target = links[f"平潭综合实验区 {year}"]
        assert target.parent == out / "reports" and target.is_file()
        title = [h for h in Page(target).headings() if "检查报告" in h]
        assert title and "平潭综合实验区" in title[0] and str(year) in title[0]
    assert set(links.values()) == set(reports)
    rows = index_rows(pingtan_runs["index_first"])
    assert len(rows) == 2
    for row in rows:
        assert row["状态"] == "已生成"
        assert row["文件"] == "source.txt"
        assert all(row[s].isdigit() for s in ("错误", "警告", "提示"))
        # both reports balance and their narratives agree with the tables (meta.json)
        assert row["错误"] == "0"
    summary = pingtan_runs["summary_first"]
    assert list(summary["status"]) == ["report", "report"]
    assert list(summary["rendered"]) == ["new", "new"]
    assert sorted(summary["year"]) == [2023, 2024]
    assert sorted(out / h for h in summary["html"]) == reports


def test_report_command_year_on_year_between_the_two(pingtan_runs):
    """The 2024 report has the 2023 report as context: 218 against 81 new applications."""
    out = pingtan_runs["out"]
    page = Page(index_links(out)["平潭综合实验区 2024"])
    this, last = truth_of("pingtan_2024")["table3_total"], truth_of("pingtan_2023")["table3_total"]
    head = page.table_with_header("指标")[0]
    assert "2024 年" in head and "2023 年" in head
    assert page.row(("指标",), "本年新收申请")[:3] == [str(this["new_received"]), str(last["new_received"]),
                                                  f"+{218 - 81} 件"]
    assert page.row(("自然人", "总计"), "本年新收")[-1] == "218"


def test_report_command_second_run_renders_nothing(pingtan_runs):
    second, out = pingtan_runs["second"], pingtan_runs["out"]
    assert second.code == 0, second.stderr
    assert "0 report(s) rendered, 2 unchanged" in second.stderr
    now = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / "reports").glob("*.html")}
    assert now == pingtan_runs["after_first"]  # the same files, not written again
    rows = index_rows(second.index)
    assert [r["状态"] for r in rows] == ["未变化（沿用）"] * 2
    assert list(second.summary["status"]) == ["report", "report"]
    assert list(second.summary["rendered"]) == ["unchanged", "unchanged"]
    assert set(index_links(out).values()) == {out / "reports" / name for name in now}


# --------------------------------------------------------------------------- 5. a failing report

@pytest.fixture(scope="module")
def failing_command(tmp_path_factory) -> Command:
    out = tmp_path_factory.mktemp("failing_report")
    return run_command(["report", str(source_of("sanming_2019")), "-o", str(out), "--fail-on", "warning", "-q"], out)


def test_report_command_fails_on_warning(failing_command):
    """三明市 2019 says 403 办结 where table 三 （七）总计 is 109 (meta.json): a warning."""
    assert "403" in meta_of("sanming_2019")["notes"]
    run = failing_command
    assert run.code != 0
    failed_lines = [line for line in run.stderr.splitlines() if line.startswith("failed:")]
    assert failed_lines and str(source_of("sanming_2019")) in failed_lines[0], run.stderr
    assert "TX-COUNTS" in failed_lines[0]
    rows = index_rows(run.index)
    assert len(rows) == 1
    row = rows[0]
    assert row["状态"] == "失败" and row["文件"] == "source.txt"
    assert (row["错误"], row["警告"]) == ("0", "1")
    assert "TX-COUNTS" in row["原因"]
    assert run.index.doc.xpath("//tr[@class='failed']")
    assert list(run.summary["status"]) == ["failed"]
    # its HTML is written all the same, with papermill's banner
    links = index_links(run.out)
    assert list(links) == ["三明市 2019"]
    page = Page(links["三明市 2019"])
    assert "An Exception was encountered at" in page.text
    assert "ReportCheckFailed" in page.text


# --------------------------------------------------------------------------- the engine module

def test_engine_module_imports_on_its_own():
    done = subprocess.run([sys.executable, "-c", "import govdisclosure.engine"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]


# --------------------------------------------------------------------------- the index page

def index_inputs(primary: bool | None):
    """Three files: one agency-year in two renderings (text and page) and an unreadable file."""
    reports = pd.DataFrame({"rid": [0, 1], "source": ["/in/a.txt", "/in/a.html"], "agency": ["三明市", "三明市"],
                            "year": pd.array([2019, 2019], dtype="Int64"), "format": ["text", "html"],
                            "ambiguous": [0, 0]})
    if primary is not None:
        reports["primary"] = [True, False]
    measures = pd.DataFrame({"source": ["/in/a.txt"] * 3 + ["/in/a.html"] * 3,
                             "measure": ["new_received", "open_rate", "review_total"] * 2,
                             "value": [110.0, 84 / 109, 0.0] * 2})
    findings = pd.DataFrame({"source": ["/in/a.txt"], "status": ["fail"], "severity": ["warning"],
                             "rule": ["TX-COUNTS"]})
    statuses = ["ok", "duplicate" if primary else "ok", "unreadable"]
    summary = pd.DataFrame({"file": ["/in/a.txt", "/in/a.html", "/in/broken.pdf"],
                            "agency": ["三明市", "三明市", None], "year": pd.array([2019, 2019, None], dtype="Int64"),
                            "status": statuses, "seconds": [1.0, 1.0, 0.0],
                            "error": ["", "", "/in/broken.pdf: expected a PDF, found <b>noise</b>"],
                            "html": ["reports/a.html", "reports/b.html" if not primary else "", ""]})
    return dict(reports=reports, measures=measures, findings=findings), summary


@pytest.mark.parametrize("primary", [None, True], ids=["without a primary column", "with a primary column"])
def test_index_overview_has_numbers_for_every_agency_year(tmp_path, primary):
    from govdisclosure.index import write_index

    corpus, summary = index_inputs(primary)
    write_index(tmp_path, corpus, summary)
    page = Page(tmp_path / "index.html")
    overview = page.table_with_header("机关", "本年新收", "公开率", "数据质量")
    rows = [dict(zip(overview[0], r)) for r in overview[1:]]
    assert len(rows) == (1 if primary else 2)  # the duplicate rendering is not an agency-year of its own
    assert all(r["本年新收"] == "110" and r["公开率"] == "77.1%" for r in rows)  # (84 / 109)
    assert sorted(r["警告"] for r in rows) == (["1"] if primary else ["0", "1"])  # a.txt has the finding
    files = index_rows(page)
    assert [(r["文件"], r["状态"]) for r in files] == [("a.html", "重复版本" if primary else "已生成"),
                                                     ("a.txt", "已生成"), ("broken.pdf", "无法读取")]
    assert "<b>noise</b>" in page.text and not [b for b in page.doc.iter("b") if b.text == "noise"]
    assert not (tmp_path / "index-data.js").exists()
    assert page.doc.xpath("//script") and not page.doc.xpath("//script[@src]")  # the sorting script, nothing loaded


def test_index_above_the_limit_moves_rows_to_a_data_file(tmp_path, monkeypatch):
    import json

    from govdisclosure import index

    monkeypatch.setattr(index, "INLINE_LIMIT", 1)
    corpus, summary = index_inputs(None)
    index.write_index(tmp_path, corpus, summary)
    page = Page(tmp_path / "index.html")
    assert page.doc.xpath("//table[@id='table-overview']/@data-rows") == ["overview"]
    assert not page.doc.xpath("//table[@id='table-overview']//tbody/tr")
    assert page.doc.xpath("//script[@src='index-data.js']")
    data = (tmp_path / "index-data.js").read_text(encoding="utf-8")
    rows = json.loads(data.removeprefix("window.GD_INDEX = ").rstrip().rstrip(";"))
    assert [r[1][0] for r in rows["overview"]] == ["三明市", "三明市"] and rows["overview"][0][3][0] == "110"
    monkeypatch.setattr(index, "INLINE_LIMIT", 100)  # back under the limit: the data file goes
    index.write_index(tmp_path, corpus, summary)
    assert not (tmp_path / "index-data.js").exists()


# --------------------------------------------------------------------------- how the HTML is made

LIB = ROOT / "lib" / "govdisclosure"


def test_no_html_assembled_from_f_strings():
    """HTML comes from templates (autoescaped) and pandas Styler: no Python string of the
    package starts a tag inside an f-string."""
    import re

    for path in LIB.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            assert not re.search(r"""\bf["'][^"']*<(?:/?[a-z]+[\s>/]|!DOCTYPE)""", line, re.I), f"{path.name}:{number}"
    assert "class ReportView" not in (LIB / "notebook.py").read_text(encoding="utf-8")


def test_templates_are_package_data():
    import fnmatch
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["govdisclosure"]
    files = [p.relative_to(LIB).as_posix() for p in (LIB / "templates").rglob("*") if p.is_file()]
    assert files
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) and name.count("/") == pattern.count("/") for pattern in patterns), name


def test_measure_is_validated():
    from govdisclosure.compare import validate_measure

    assert validate_measure("open_rate") == "open_rate"
    with pytest.raises(ValueError, match="open_rate"):
        validate_measure("open_rates")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as stop:
        cli.main(["compare", "data/corpus", "-o", "x.html", "--measure", "nonsense"])
    assert stop.value.code == 2 and "open_rate" in stderr.getvalue()
