"""Every file ends in one class (issue 8), proven on the kit's side with the parser's behaviour
stubbed where the parser is still being taught it: a pre-2019 report, a note that is not a
report, a bug, a file past its time or memory limit, a report whose checking breaks, a report
without agency or year.  In-process and fast: the corpus stage runs through an inline runner."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest

from conftest import CORPUS
from govdisclosure import NotAReportError, batch, digest
from govdisclosure.checks.versions import published_date
from govdisclosure.digest import PRE_2019_NOTE, read_one
from govdisclosure.export import defuse_formulas
from govdisclosure.names import fallback_agency, safe_stem, terminal_text, year_text
from govdisclosure.template import PRE_2019

SEED = CORPUS / "seed_changning_tzcjb_2024" / "source.txt"


class InlineRunner:
    """The corpus stage in this process (so that a stubbed parser applies)."""

    workers = 1
    deadlines = False

    def submit_digest(self, job):
        future = Future()
        future.set_result(digest.digest_job(job))
        return future

    def reset_parse(self):
        pass


def stub_parser(monkeypatch, behaviour: dict[str, object], *, distinct: bool = True) -> None:
    """``parse_document`` of the digest, with ``behaviour[file name]`` applied to what it returns
    (a function of the report) or raised (an exception).  ``distinct``: each file (all copies of
    the seed) is made another agency's, so that none is a version of another."""
    real = digest.parse_document

    def parse(doc, **kw):
        action = behaviour.get(Path(doc.path).name)
        if isinstance(action, BaseException):
            raise action
        report = real(doc, **kw)
        if distinct:
            report.agency = f"测试{Path(doc.path).stem}局"
        if callable(action):
            action(report)
        return report

    monkeypatch.setattr(digest, "parse_document", parse)


def as_pre_2019(report):
    report.template, report.cell_list, report.tables_found = PRE_2019, [], ()


def corpus_of(tmp_path: Path, names: list[str]) -> dict:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copyfile(SEED, folder / name)
    return batch.build_corpus(sorted(folder.iterdir()), InlineRunner(), progress=False)


def classes(corpus: dict) -> dict[str, str]:
    return {Path(f["file"]).name: f["status"] for f in corpus["files"]}


# --------------------------------------------------------------------------- classes

def test_each_kind_of_file_gets_its_class(tmp_path, monkeypatch):
    stub_parser(monkeypatch, {
        "old.txt": as_pre_2019,
        "note.md": NotAReportError("note.md", "a 政府信息公开工作年度报告 with its template tables", "a note"),
        "bug.txt": KeyError("a bug"),
    })
    corpus = corpus_of(tmp_path, ["good.txt", "old.txt", "note.md", "bug.txt"])
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    corpus = batch.build_corpus(sorted((tmp_path / "in").iterdir()), InlineRunner(), progress=False)
    assert classes(corpus) == {"good.txt": "report", "old.txt": "pre-2019", "note.md": "not a report",
                               "bug.txt": "failed", "empty.txt": "unreadable"}
    bug = next(f for f in corpus["files"] if f["file"].endswith("bug.txt"))
    assert "KeyError while reading it" in bug["error"] and "a bug in govdisclosure" in bug["error"]
    reports = corpus["reports"].set_index("source")
    old = reports.loc[str(tmp_path / "in" / "old.txt")]
    assert old["template"] == PRE_2019 and old["note"] == PRE_2019_NOTE
    # no measure and no cell from the old format; the good report has its own
    assert set(corpus["measures"]["source"]) == {str(tmp_path / "in" / "good.txt")}
    assert set(corpus["cells"]["rid"]) == {reports.loc[str(tmp_path / "in" / "good.txt"), "rid"]}


def test_a_pre_2019_report_is_not_rendered_but_is_context_for_the_next_year(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(CORPUS / "pingtan_2019" / "source.txt", folder / "2019.txt")
    shutil.copyfile(CORPUS / "fujian_pingtan_2018_pre2019" / "source.txt", folder / "2018.txt")
    stub_parser(monkeypatch, {"2018.txt": as_pre_2019}, distinct=False)
    corpus = batch.build_corpus(sorted(folder.iterdir()), InlineRunner(), progress=False)
    assert classes(corpus) == {"2018.txt": "pre-2019", "2019.txt": "report"}
    jobs = batch.plan_jobs(corpus["reports"], tmp_path / "out", "never", batch.notebook_path("report.ipynb"))
    assert [j["source"] for j in jobs] == [str(folder / "2019.txt")]
    context = Path(jobs[0]["parameters"]["context"]).read_text(encoding="utf-8")
    assert str((folder / "2018.txt").resolve()) in context


def test_a_file_past_its_time_limit_fails_with_the_limit_named(tmp_path, monkeypatch):
    def slow(report):
        time.sleep(5)

    stub_parser(monkeypatch, {"slow.txt": slow})
    shutil.copyfile(SEED, tmp_path / "slow.txt")
    started = time.perf_counter()
    outcome = read_one(tmp_path / "slow.txt", seconds=0.5)
    assert time.perf_counter() - started < 3
    assert outcome.status == "failed" and "stopped after 0.5 s (the time limit for one file)" in outcome.error


def test_a_file_past_its_memory_limit_fails_with_the_limit_named(tmp_path, monkeypatch):
    def greedy(report):
        report.lost = [bytearray(2 ** 30)]  # 1 GB more than allowed below

    stub_parser(monkeypatch, {"big.txt": greedy})
    shutil.copyfile(SEED, tmp_path / "big.txt")
    outcome = read_one(tmp_path / "big.txt", memory=256 * 2 ** 20)
    assert outcome.status == "failed" and "more than 0.25 GB of memory" in outcome.error
    assert read_one(SEED).status == "report"  # and the limit is lifted afterwards


def test_a_report_whose_checking_breaks_fails_alone(tmp_path, monkeypatch):
    from govdisclosure import measures

    real = measures.measure_rows

    def measure_rows(report, **kw):
        if report.source.endswith("bad.txt"):
            raise ZeroDivisionError("a bug in a measure")
        return real(report, **kw)

    monkeypatch.setattr(digest, "measure_rows", measure_rows)
    stub_parser(monkeypatch, {})
    corpus = corpus_of(tmp_path, ["a.txt", "bad.txt", "c.txt"])
    assert classes(corpus) == {"a.txt": "report", "bad.txt": "failed", "c.txt": "report"}
    assert "ZeroDivisionError while checking it" in next(f["error"] for f in corpus["files"] if "bad" in f["file"])
    assert len(corpus["reports"]) == 2


def test_a_report_without_agency_or_year_has_a_name_in_every_output(tmp_path, monkeypatch):
    def anonymous(report):
        report.agency, report.year = None, None

    stub_parser(monkeypatch, {"无名.txt": anonymous})
    corpus = corpus_of(tmp_path, ["无名.txt"])
    row = corpus["reports"].iloc[0]
    assert row["agency"] == "无名.txt" and pd.isna(row["year"])
    assert row["note"] == "机关名称未识别，以文件名代替；年度未识别"
    assert set(corpus["findings"]["agency"]) == {"无名.txt"}
    assert set(corpus["measures"]["agency"]) == {"无名.txt"}
    assert row["agency_key"] == ""  # matched with nothing across years
    stem = safe_stem(row["agency"], None, row["source"])
    assert stem.startswith("年度未识别_无名_txt_") and "nan" not in stem.lower()
    jobs = batch.plan_jobs(corpus["reports"], tmp_path / "out", "never", batch.notebook_path("report.ipynb"))
    assert jobs[0]["parameters"]["agency"] == "无名.txt"  # the HTML report shows the same fallback


@pytest.mark.parametrize("agency, year, shown", [
    pytest.param(float("nan"), float("nan"), ("x.txt", "年度未识别"), id="nan-from-a-table"),
    pytest.param(None, None, ("x.txt", "年度未识别"), id="none"),
    pytest.param(pd.NA, pd.NA, ("x.txt", "年度未识别"), id="pandas-na"),
    pytest.param("  ", 2024.0, ("x.txt", "2024"), id="blank-name-float-year"),
    pytest.param("某局", 2023, ("某局", "2023"), id="known"),
])
def test_fallback_names(agency, year, shown):
    assert (fallback_agency(agency, "/a/x.txt"), year_text(year)) == shown


# --------------------------------------------------------------------------- versions

def test_the_primary_is_the_most_completely_read_then_the_latest_published(tmp_path, monkeypatch):
    def damaged(report):
        cell = next(c for c in report.cell_list if c.table == "t3")
        cell.state, cell.value = "ambiguous", None

    stub_parser(monkeypatch, {"a-damaged.txt": damaged}, distinct=False)
    corpus = corpus_of(tmp_path, ["a-damaged.txt", "b.txt", "c.txt"])
    primary = corpus["reports"].set_index("source")["primary"]
    # b and c read equally well and state no date: the path decides, never the listing order
    assert primary.to_dict() == {str(tmp_path / "in" / n): n == "b.txt" for n in ("a-damaged.txt", "b.txt", "c.txt")}
    assert classes(corpus) == {"a-damaged.txt": "duplicate", "b.txt": "report", "c.txt": "duplicate"}


@pytest.mark.parametrize("fields, head, date", [
    pytest.param({"发布时间": "2022-01-13 11:47"}, [], "2022-01-13", id="crawler-field"),
    pytest.param({}, ["某局2023年报告", "发布日期：2024-01-20（2024-03-02更新）"], "2024-03-02", id="update-in-the-text"),
    pytest.param({"发布日期": "2024年1月5日"}, ["更新时间：2024-02-01"], "2024-02-01", id="the-later-of-two"),
    pytest.param({}, ["本局2023年共收到申请8件"], None, id="no-date-stated"),
    pytest.param({"发布时间": "2024-13-40"}, [], None, id="not-a-date"),
])
def test_the_publication_date_a_report_states(fields, head, date):
    assert published_date(fields, head) == date


# --------------------------------------------------------------------------- hostile text

@pytest.mark.parametrize("text, shown", [
    pytest.param("某\x1b[31m局", "某\\x1b[31m局", id="ansi-colour"),
    pytest.param("某\x1b]0;title\x07局", "某\\x1b]0;title\\x07局", id="terminal-title"),
    pytest.param("\u202e局某", "\\u202e局某", id="right-to-left-override"),
    pytest.param("某\r局\x00", "某\\x0d局\\x00", id="carriage-return-and-nul"),
    pytest.param("某局\u2028处", "某局\\u2028处", id="line-separator"),
    pytest.param("平潭\t2024\n", "平潭\t2024\n", id="tab-and-newline-kept"),
])
def test_terminal_text_escapes_what_could_act_on_a_terminal(text, shown):
    assert terminal_text(text) == shown


def test_csv_cells_that_could_be_formulas_are_defused_and_numbers_kept():
    frame = pd.DataFrame({"raw": ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=x", "-5", "+6", "-", "1,234",
                                  "正常", None], "n": range(11)})
    out = defuse_formulas(frame)
    assert out["raw"].tolist()[:10] == ["'=1+1", "'@SUM(A1)", "'+cmd|' /C calc'!A0", "'-2+3", "'\t=x", "-5", "+6",
                                        "-", "1,234", "正常"]
    assert pd.isna(out["raw"].iloc[10])
    assert out["n"].tolist() == list(range(11))
    assert frame["raw"].iloc[0] == "=1+1"  # the caller's frame is left as it was
