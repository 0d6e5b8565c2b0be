"""Issue 4: the notebooks run with papermill and give one self-contained HTML report each.

Executions are slow (a Jupyter kernel takes seconds), so each notebook run is done once per
module and shared by the tests that read its HTML.  The expected values come from the source
files and from truth.json / meta.json (read by eye), never from the package.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nbformat
import papermill
import pytest

from conftest import CORPUS, ROOT, meta_of, source_of, truth_of
from html_helpers import Page, normalise_run_ids

from govdisclosure import render

NOTEBOOKS = ROOT / "notebooks"
VENV_BIN = Path(sys.executable).parent
FONT_TROUBLE = ("Glyph", "missing from font", "findfont")
CODE_SNIPPETS = ("gd.display.", "gd.charts.", "import govdisclosure", "gd.load_report(", "gd.check(",
                 "gd.compare.", "gd.measures(")


# --------------------------------------------------------------------------- running notebooks

class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@dataclass
class Run:
    """One notebook execution: what render_* returned, the executed notebook, its HTML, and
    everything the kernel said (papermill's log of its outputs, and what any process wrote to
    the file descriptor 2 the kernel inherited)."""

    result: render.Rendered
    notebook: nbformat.NotebookNode
    error: str
    page: Page
    log: str
    stderr: str

    @property
    def html(self) -> str:
        return self.page.html

    def streams(self, name: str = "stderr") -> str:
        return "".join(o.get("text", "") for c in self.notebook.cells if c.cell_type == "code"
                       for o in c.get("outputs", []) if o.output_type == "stream" and o.name == name)


def run_captured(call) -> Run:
    """``call()`` (a render_report / render_compare call) with the kernel's outputs captured.

    papermill is made to log every output (log_output=True) into a handler here, and fd 2 is
    pointed at a file while the kernel runs (the kernel process inherits it).
    """
    executed = []
    real_execute = render.execute
    real_papermill = papermill.execute_notebook

    def recording_execute(*args, **kwargs):
        notebook, error = real_execute(*args, **kwargs)
        executed.append((notebook, error))
        return notebook, error

    def logging_papermill(*args, **kwargs):
        kwargs["log_output"] = True
        return real_papermill(*args, **kwargs)

    handler = _ListHandler()
    logger = logging.getLogger("papermill")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            with mock.patch.object(render, "execute", recording_execute), \
                    mock.patch.object(papermill, "execute_notebook", logging_papermill):
                result = call()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            logger.removeHandler(handler)
            logger.setLevel(old_level)
        sink.seek(0)
        stderr = sink.read().decode("utf-8", "replace")
    assert len(executed) == 1, "render_* should execute exactly one notebook"
    notebook, error = executed[0]
    return Run(result, notebook, error, Page(Path(result.html)), "\n".join(handler.lines), stderr)


def pingtan_context(folder: Path) -> Path:
    """A .json list of the other Pingtan reports (every year but 2023, both renderings)."""
    files = sorted(str(source_of(p.name).resolve()) for p in CORPUS.glob("pingtan_*")
                   if not p.name.startswith("pingtan_2023"))
    path = folder / "pingtan_context.json"
    path.write_text(json.dumps(files, ensure_ascii=False), encoding="utf-8")
    return path


KERNEL_CASES = {
    # name: (corpus id, context)
    "shanghai_2019_template": ("shanghai_gov_office_2019", None),
    "changning_2021_template": ("seed_changning_tzcjb_2024", None),
    "pingtan_several_years": ("pingtan_2023_html", "pingtan"),
}


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory):
    """report.ipynb executed by a real Jupyter kernel (python3), once per case."""
    cache: dict[str, Run] = {}

    def get(name: str) -> Run:
        if name not in cache:
            corpus_id, context = KERNEL_CASES[name]
            out = tmp_path_factory.mktemp(f"kernel_{name}")
            if context == "pingtan":
                context = pingtan_context(out)
            cache[name] = run_captured(lambda: render.render_report(source_of(corpus_id), out / "html",
                                                                    context=context, engine_name=None))
        return cache[name]

    return get


# The in-process engine runs in a fresh interpreter here, as the batch runs it (one notebook per
# process): in one process, only its first notebook gets charts (see test_inprocess_engine_twice_in_one_process).
INPROCESS_SCRIPT = """
import json, sys
from pathlib import Path
import nbformat
from govdisclosure import render
source, out = sys.argv[1], Path(sys.argv[2])
executed = []
real = render.execute
def recording(*args, **kwargs):
    executed.append(real(*args, **kwargs))
    return executed[-1]
render.execute = recording
result = render.render_report(source, out, engine_name="govdisclosure")
nbformat.write(executed[0][0], out / "executed.ipynb")
print(json.dumps(dict(html=str(result.html), ok=result.ok, error=result.error)))
"""


@pytest.fixture(scope="module")
def inprocess_changning(tmp_path_factory) -> Run:
    """report.ipynb on the Changning report by the in-process engine, in a fresh interpreter."""
    out = tmp_path_factory.mktemp("inprocess_changning")
    done = subprocess.run([sys.executable, "-c", INPROCESS_SCRIPT, str(source_of("seed_changning_tzcjb_2024")),
                           str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rendered = render.Rendered(str(source_of("seed_changning_tzcjb_2024")), Path(result["html"]), result["ok"],
                               result["error"])
    return Run(rendered, nbformat.read(out / "executed.ipynb", as_version=4), result["error"],
               Page(Path(result["html"])), "", done.stderr)


# --------------------------------------------------------------------------- 1. real kernel

@pytest.mark.parametrize("case", list(KERNEL_CASES))
def test_kernel_run_succeeds_and_shows_no_code(kernel_run, case):
    run = kernel_run(case)
    assert run.result.ok and run.error == "", run.error
    assert run.notebook.metadata.kernelspec.name == "python3"
    assert run.notebook.metadata.papermill.get("exception") in (None, False)
    # no notebook source in the HTML: code cells are hidden, prompts too
    for snippet in CODE_SNIPPETS:
        assert snippet not in run.html, f"code {snippet!r} shown in the HTML"
    assert not run.page.doc.xpath("//*[contains(concat(' ', @class, ' '), ' jp-CodeCell ')]"
                                  "//*[contains(concat(' ', @class, ' '), ' jp-InputArea ')]")
    assert not run.page.doc.xpath("//*[contains(@class, 'jp-CodeMirrorEditor') or contains(@class, 'highlight')]")
    assert not re.search(r"In\s*\[\d+\]", run.page.text)
    # no traceback, no error output, nothing on the kernel's stderr
    assert "Traceback" not in run.html and "papermill-error" not in run.html
    assert not [o for c in run.notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if o.output_type == "error"]
    assert run.streams("stderr") == ""
    # self-contained: no script is fetched
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", run.html, re.I)
    assert not re.search(r"<link\b[^>]*\bhref\s*=\s*[\"']?https?:", run.html, re.I)


@pytest.mark.parametrize("case", list(KERNEL_CASES))
def test_kernel_run_has_charts_without_font_warnings(kernel_run, case):
    run = kernel_run(case)
    images = run.page.images()
    assert len(images) >= 4, f"{len(images)} embedded chart images"
    for heading in ("办理结果构成", "不予公开、无法提供、不予处理的理由", "新收申请的申请人构成", "行政复议、行政诉讼结果",
                    "多年趋势"):
        assert len(run.page.images_under(heading)) == 1, heading
    assert len(set(images)) == len(images), "two charts are the same image"
    # the capture works: papermill logged the kernel's outputs (the plain-text form of an Html)
    assert "<HTML," in run.log
    for word in FONT_TROUBLE:
        assert word not in run.log, f"kernel log: {run.log[run.log.find(word) - 200:][:400]}"
        assert word not in run.stderr, f"kernel stderr: {run.stderr[run.stderr.find(word) - 200:][:400]}"
        assert word not in run.streams("stderr") + run.streams("stdout")


def test_font_warning_capture_can_fail(tmp_path):
    """The capture used above does see matplotlib's missing-glyph warning when one happens:
    a notebook drawing Chinese with matplotlib's default font, run in a real kernel."""
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import io\nfrom matplotlib.figure import Figure\nfig = Figure()\nfig.text(0.5, 0.5, '公开率')\n"
        "fig.savefig(io.BytesIO(), format='png')")])
    book.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "glyph.ipynb"
    nbformat.write(book, path)

    def call():
        notebook, error = render.execute(path, {}, cwd=tmp_path)
        return render.Rendered(str(path), render.export_html(notebook, tmp_path / "glyph.html"), not error, error)

    run = run_captured(call)
    assert "missing from font" in run.log and "Glyph" in run.log


def test_2019_template_report_values_and_findings(kernel_run):
    """上海市人民政府办公厅 2019: a 2019-template HTML report with blank cells and a narrative
    that contradicts table 三 (258 予以公开及部分公开 against 258+12+1+1 granted + 3 partial = 275)."""
    page = kernel_run("shanghai_2019_template").page
    truth, meta = truth_of("shanghai_gov_office_2019"), meta_of("shanghai_gov_office_2019")
    assert meta["template"] == "2019"
    title = [h for h in page.headings() if "检查报告" in h]
    assert title and "上海市人民政府办公厅" in title[0] and "2019" in title[0]
    assert page.row(("机关",), "机关", header=False)[0].startswith("上海市人民政府办公厅")
    assert page.row(("机关",), "表格格式")[0].startswith("2019 年格式")

    t3 = ("自然人", "总计")
    t3_total = truth["table3_total"]
    assert page.row(t3, "本年新收")[-1] == str(t3_total["new_received"]) == "859"
    assert page.row(t3, "本年新收")[:2] == ["821", "35"]
    assert page.row(t3, "上年结转")[-1] == str(t3_total["carried_over"])
    assert page.row(t3, "（七）总计")[-1] == str(t3_total["total_processed"]) == "805"
    assert page.row(t3, "结转下年度")[-1] == str(t3_total["carried_forward"])
    granted = page.row(t3, "（一）予以公开")
    assert granted[:2] == ["258", "12"] and granted[4:6] == ["1", "1"]
    assert t3_total["granted"] is None and granted[-1] == "（空白）"  # a blank is shown as blank, not 0
    t4 = ("结果维持", "尚未审结")
    assert page.row(t4, "行政复议", exact=True)[-1] == str(truth["table4"]["review_total"])
    assert page.row(t4, "未经复议直接起诉")[-1] == str(truth["table4"]["litigation_direct_total"])
    assert truth["table4"]["litigation_after_review_total"] is None
    assert page.row(t4, "复议后起诉")[-1] == "（空白）"
    assert page.row(("指标",), "本年新收申请")[0] == "859"

    failing = [r for t in page.tables() if t and "严重程度" in t[0] for r in t[1:] if "无法判断" not in r[0]]
    tx = [r for r in failing if r[1].startswith("TX-COUNTS")]
    assert any("258" in r[2] and "275" in r[2] for r in tx), tx
    assert all(r[0] in ("错误", "警告", "提示") for r in failing)
    # the contradicting sentence is marked in the narrative, with the verdict under it
    marks = [m.text_content() for m in page.doc.iter("mark")]
    assert any("258" in m for m in marks), marks
    assert "✗ 与表格不符" in page.text


def test_2021_template_consistent_report(kernel_run):
    """上海市长宁区投资促进办公室 2024: 2021 template, one application, every identity holds."""
    page = kernel_run("changning_2021_template").page
    truth = truth_of("seed_changning_tzcjb_2024")["table3_total"]
    title = [h for h in page.headings() if "检查报告" in h]
    assert title and "上海市长宁区投资促进办公室" in title[0] and "2024" in title[0]
    assert page.row(("机关",), "表格格式")[0].startswith("2021 年格式")
    t3 = ("自然人", "总计")
    assert page.row(t3, "本年新收")[-1] == str(truth["new_received"]) == "1"
    assert page.row(t3, "（一）予以公开")[-1] == str(truth["granted"])
    assert page.row(t3, "（七）总计")[-1] == str(truth["total_processed"])
    assert page.row(t3, "结转下年度")[-1] == str(truth["carried_forward"])
    assert page.row(("结果维持", "尚未审结"), "行政复议", exact=True) == ["0"] * 5
    # a consistent report: no check fails, the header says so
    result = page.row(("机关",), "检查结果")[0]
    assert result.startswith("错误 0 项；警告 0 项；提示 0 项"), result
    findings = [t for t in page.tables() if t and "严重程度" in t[0]]
    assert not findings or not [r for r in findings[0][1:] if "无法判断" not in r[0]]  # no failure
    assert "✗ 与表格不符" not in page.text
    assert "✓ 与表格一致" in page.text  # 共收到信息公开申请1件 = 一、本年新收 总计


def test_several_years_year_on_year_and_trend(kernel_run):
    """平潭综合实验区 2023 with its other years as context: the 2022 column and the changes."""
    page = kernel_run("pingtan_several_years").page
    this, last = truth_of("pingtan_2023_html"), truth_of("pingtan_2022")
    title = [h for h in page.headings() if "检查报告" in h]
    assert title and "平潭综合实验区" in title[0] and "2023" in title[0]
    head = page.table_with_header("指标")[0]
    assert "2023 年" in head and "2022 年" in head
    measures = ("指标",)
    new = page.row(measures, "本年新收申请")
    assert new[:3] == [str(this["table3_total"]["new_received"]), str(last["table3_total"]["new_received"]),
                       f"+{81 - 74} 件"]
    done = page.row(measures, "本年办结")
    assert done[:3] == [str(this["table3_total"]["total_processed"]), str(last["table3_total"]["total_processed"]),
                        "+6 件"]
    litigation = page.row(measures, "行政诉讼")
    t4, t4_last = this["table4"], last["table4"]
    assert litigation[:3] == [str(t4["litigation_direct_total"] + t4["litigation_after_review_total"]),
                              str(t4_last["litigation_direct_total"] + t4_last["litigation_after_review_total"]),
                              "+6 件"]
    assert page.row(measures, "公开率")[0] == "51.9%"  # (22 + 20) / 81, meta.json
    assert page.row(measures, "办结率")[:3] == ["100.0%", "100.0%", "+0.0 个百分点"]
    assert "无同比数据" not in page.text
    assert len(page.images_under("多年趋势")) == 1
    # table values of this year (meta.json notes)
    t3 = ("自然人", "总计")
    assert page.row(t3, "本年新收") == ["80", "1", "0", "0", "0", "0", "81"]
    assert page.row(t3, "（二）部分公开")[0] == "19" and page.row(t3, "（二）部分公开")[-1] == "20"
    assert page.row(("结果维持", "尚未审结"), "复议后起诉") == ["1", "0", "1", "0", "2"]


# --------------------------------------------------------------------------- 2. markup in a report

PAYLOAD = '<script>alert("x")</script><b>粗体</b>'
AGENCY_PAYLOAD = '长宁区投促办<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Run:
    """The Changning report with markup in section 五's text, and an agency name with markup."""
    text = source_of("seed_changning_tzcjb_2024").read_text(encoding="utf-8")
    anchor = "主要表现在："
    assert text.count(anchor) == 1
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "source.txt"
    source.write_text(text.replace(anchor, anchor + PAYLOAD), encoding="utf-8")
    return run_captured(lambda: render.render_report(source, folder / "html", agency=AGENCY_PAYLOAD,
                                                     engine_name="govdisclosure"))


def test_markup_in_narrative_is_text(hostile_run):
    run = hostile_run
    assert run.result.ok, run.error
    assert "&lt;script&gt;alert" in run.html
    assert "&lt;b&gt;粗体&lt;/b&gt;" in run.html
    assert "<script>alert" not in run.html.lower()
    assert "<b>粗体" not in run.html
    assert not [s for s in run.page.doc.iter("script") if "alert" in (s.text or "")]
    assert not [b for b in run.page.doc.iter("b") if "粗体" in b.text_content()]
    # the reader sees the markup as it is printed in the report, inside section 五
    sections = [p.text_content() for p in run.page.doc.xpath("//p[contains(@class, 'section')]")]
    assert any(PAYLOAD in s and "一是政务信息公开范围" in s for s in sections)


def test_markup_in_agency_name_is_text(hostile_run):
    run = hostile_run
    assert not run.page.elements_with_attribute("onerror")
    assert not [i for i in run.page.doc.iter("img") if i.get("src") == "x"]
    title = [h for h in run.page.headings() if "检查报告" in h]
    assert title and AGENCY_PAYLOAD in title[0]
    name = Path(run.result.html).name  # the file name made from the agency holds no markup
    assert not set('<>"= ') & set(name) and "长宁区投促办" in name


# --------------------------------------------------------------------------- 3. compare.ipynb

COMPARE_SUBSET = ("pingtan_2022", "pingtan_2023", "pingtan_2023_html", "pingtan_2024", "sanming_2019",
                  "sanming_2020", "seed_changning_tzcjb_2024")


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory) -> Run:
    corpus = tmp_path_factory.mktemp("compare_corpus")
    for corpus_id in COMPARE_SUBSET:
        source = source_of(corpus_id)
        (corpus / corpus_id).mkdir()
        (corpus / corpus_id / source.name).write_bytes(source.read_bytes())
    return run_captured(lambda: render.render_compare(corpus, corpus.parent / "compare.html"))


def test_compare_notebook(compare_run):
    run = compare_run
    page = run.page
    assert run.result.ok, run.error
    for snippet in CODE_SNIPPETS:
        assert snippet not in run.html
    assert "Traceback" not in run.html
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", run.html, re.I)
    overview = page.table_with_header("机关", "年度", "错误")
    agencies = {r[0] for r in overview[1:]}
    assert {"平潭综合实验区", "三明市", "上海市长宁区投资促进办公室"} <= agencies
    years = {(r[0], r[1]) for r in overview[1:]}
    assert {("平潭综合实验区", "2022"), ("平潭综合实验区", "2023"), ("平潭综合实验区", "2024"),
            ("三明市", "2019"), ("三明市", "2020"), ("上海市长宁区投资促进办公室", "2024")} == years
    # pingtan_2023 and pingtan_2023_html are one report: counted once
    assert len(overview) - 1 == 6
    new_received = {(r[0], r[1]): r[3] for r in overview[1:]}
    assert new_received[("平潭综合实验区", "2023")] == str(truth_of("pingtan_2023")["table3_total"]["new_received"])
    assert new_received[("三明市", "2019")] == str(truth_of("sanming_2019")["table3_total"]["new_received"])
    # ranking: agency-years with fewer than 30 cases are left out (Changning had 1)
    ranking = page.table_with_header("名次", "机关")
    ranked = [(r[1], r[2]) for r in ranking[1:]]
    assert ("上海市长宁区投资促进办公室", "2024") not in ranked
    assert ("平潭综合实验区", "2023") in ranked and ("三明市", "2019") in ranked
    # open rates read from the sources: 三明 2019 (77 + 7) / 109, 三明 2020 (63 + 4) / 108, 平潭 2023 (22 + 20) / 81
    assert ranking[1] == ["1", "三明市", "2019", "77.1%", "109"]
    assert ranking[2] == ["2", "三明市", "2020", "62.0%", "108"]
    assert ranking[3] == ["3", "平潭综合实验区", "2023", "51.9%", "81"]
    assert "不足 30 件" in page.text
    assert re.search(r"件数不足 30 件或无法计算的 1 个机关年度不参与排名", page.text)
    # charts: the agency × rule heat map, the trends (two agencies); no year of the subset has two
    # agencies with 30 cases, so the distribution is a sentence, not a chart of one dot
    assert len(page.images_under("检查发现：机关 × 规则")) == 1
    assert len(page.images_under("各机关趋势")) == 1
    assert page.images_under("各机关分布") == [] and "不足两个，不作图" in page.text
    for word in FONT_TROUBLE:
        assert word not in run.log and word not in run.stderr


# --------------------------------------------------------------------------- 4. stored notebooks

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_notebooks_found():
    assert {p.name for p in NOTEBOOK_FILES} >= {"report.ipynb", "compare.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebook_stored_clean(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    assert book.metadata.kernelspec.name == "python3"
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], f"{path.name}: stored outputs in {cell.source[:40]!r}"
        assert cell.execution_count is None, f"{path.name}: execution count in {cell.source[:40]!r}"
        assert not re.search(r"^\s*(async\s+def|def|class)\s", cell.source, re.M), \
            f"{path.name}: a definition in a notebook cell: {cell.source[:80]!r}"
    tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"


def test_report_parameters_listed_by_papermill():
    done = subprocess.run([str(VENV_BIN / "papermill"), "--help-notebook", str(NOTEBOOKS / "report.ipynb")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    listed = re.findall(r"^  (\w+): ", done.stdout, re.M)
    assert listed == ["source", "agency", "year", "context", "fail_on", "index_url", "compare_url", "agencies",
                      "reviews", "blank_as_zero"], done.stdout


def test_compare_parameters_inferred():
    assert list(papermill.inspect_notebook(str(NOTEBOOKS / "compare.ipynb"))) == ["corpus", "years", "agencies",
                                                                                   "measure", "index_url"]


# --------------------------------------------------------------------------- 5. a failing run

@pytest.fixture(scope="module")
def failing_run(tmp_path_factory) -> Run:
    out = tmp_path_factory.mktemp("failing")
    return run_captured(lambda: render.render_report(source_of("sanming_2019"), out, fail_on="warning"))


def test_failing_run_keeps_html_with_banner(failing_run):
    """三明市 2019: the narrative says 403 办结 against table 三 （七）总计 109; with
    fail_on="warning" the run fails, and its HTML says where and why."""
    meta = meta_of("sanming_2019")
    assert "403" in meta["notes"] and truth_of("sanming_2019")["table3_total"]["total_processed"] == 109
    run = failing_run
    assert run.result.ok is False
    assert "ReportCheckFailed" in run.result.error and "TX-COUNTS" in run.result.error
    assert Path(run.result.html).is_file()
    page = run.page
    assert "An Exception was encountered at" in page.text  # papermill's banner
    assert page.doc.xpath("//*[@id='papermill-error-cell']")
    assert "ReportCheckFailed" in page.text and "级别 ≥ warning" in page.text and "TX-COUNTS" in page.text
    # everything before the failing cell is still there: the tables and the finding
    assert page.row(("自然人", "总计"), "（七）总计")[-1] == "109"
    findings = [r for t in page.tables() if t and "严重程度" in t[0] for r in t[1:]]
    assert any("无法判断" not in r[0] and "403" in r[2] and "109" in r[2] for r in findings)


# --------------------------------------------------------------------------- 7. both engines agree

def _outputs(notebook) -> list[list[tuple]]:
    return [[(o.output_type, o.get("data", {}).get("text/html"), o.get("data", {}).get("image/png"),
              o.get("name"), o.get("text")) for o in cell.outputs]
            for cell in notebook.cells if cell.cell_type == "code"]


def test_inprocess_engine_equals_kernel(kernel_run, inprocess_changning):
    kernel, inprocess = kernel_run("changning_2021_template"), inprocess_changning
    assert inprocess.result.ok, inprocess.error
    a, b = _outputs(kernel.notebook), _outputs(inprocess.notebook)
    assert len(a) == len(b)
    pngs = [o[2] for cell in a for o in cell if o[2]]
    assert len(pngs) >= 4  # the comparison covers the charts
    for index, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"code cell {index}: outputs differ"
    assert [c.execution_count for c in kernel.notebook.cells if c.cell_type == "code"] == \
           [c.execution_count for c in inprocess.notebook.cells if c.cell_type == "code"]
    assert normalise_run_ids(kernel.html) == normalise_run_ids(inprocess.html)



def _charts(run: Run) -> list[str]:
    return [cell.source for cell in run.notebook.cells if cell.cell_type == "code" and "gd.charts." in cell.source
            and not any("image/png" in o.get("data", {}) for o in cell.outputs)]


def test_inprocess_engine_twice_in_one_process(hostile_run, tmp_path):
    """Two reports rendered by the in-process engine in this process both get their charts."""
    second = run_captured(lambda: render.render_report(source_of("seed_changning_tzcjb_2024"), tmp_path,
                                                       engine_name="govdisclosure"))
    assert second.result.ok, second.error
    assert _charts(second) == []
    assert len(second.page.images()) >= 4


# --------------------------------------------------------------------------- 6. defaults

@pytest.mark.parametrize("name, heading", [("report.ipynb", "三、图表"), ("compare.ipynb", "自行查询")])
def test_notebook_runs_with_its_defaults_in_a_kernel(name, heading, tmp_path):
    """What an analyst gets on opening the notebook in JupyterLab and running every cell: the
    defaults, a real kernel, no error, the last section there."""
    notebook, error = render.execute(name, {})
    assert error == "", error
    assert not [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if o.output_type == "error"]
    page = Page(render.export_html(notebook, tmp_path / "page.html"))
    assert heading in page.headings()
    assert page.images()
