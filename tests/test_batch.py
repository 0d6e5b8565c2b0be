"""The batch runner (issue 5): failures recorded, corpus and exports consistent, no rework,
resumable after a kill, SIGTERM like Ctrl-C, Dask clusters, and no state leaking between reports.

Real reports come from data/corpus; every run writes under tmp_path.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from govdisclosure import batch, cli
from govdisclosure.model import TIDY_COLUMNS

from conftest import CORPUS

GOOD = {  # file name in the batch folder -> (corpus source, agency names the report may be read as)
    "changning_2024.txt": ("seed_changning_tzcjb_2024/source.txt", {"上海市长宁区投资促进办公室"}),
    "pingtan_2023.txt": ("pingtan_2023/source.txt", {"平潭综合实验区"}),
    "pingtan_2024.txt": ("pingtan_2024/source.txt", {"平潭综合实验区"}),
    "stcsm_2024.md": ("shanghai_stcsm_2024/source.md", {"上海市科委", "上海市科学技术委员会"}),
}
NAVIGATION_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>政府信息公开</title></head>
<body><nav><ul>
<li><a href="/zwgk/index.html">政府信息公开</a></li>
<li><a href="/zwgk/ndbg/index.html">政府信息公开年度报告</a></li>
<li><a href="/zwgk/ndbg/2024.html">2024年政府信息公开工作年度报告</a></li>
<li><a href="/zwgk/ndbg/2023.html">2023年政府信息公开工作年度报告</a></li>
</ul></nav><p>版权所有</p></body></html>
"""
KILL_SET = [f"pingtan_{y}" for y in range(2019, 2026)] + ["putian_cg_2020"]  # 8 reports, .txt


def copy_good(folder: Path, names=GOOD) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(CORPUS / GOOD[name][0], folder / name)


def read_summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)


def part_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if ".part" in p.name]


def html_mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "reports").glob("*.html")}


def run_cli(*args: str) -> tuple[int, str]:
    """``govdisclosure ARGS`` in this process; (exit status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, err.getvalue()


@pytest.fixture(autouse=True)
def _keep_sigterm():
    """``cmd_batch`` turns SIGTERM into KeyboardInterrupt: not in the test process after the test."""
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


# --------------------------------------------------------------------------- 1. a mixed folder

@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """One batch over four good reports, a corrupt PDF and a navigation page; the output as it
    was after that first run is kept in ``first`` (later tests run again over ``out``)."""
    base = tmp_path_factory.mktemp("mixed")
    folder = base / "in"
    copy_good(folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Cat" + os.urandom(200))
    (folder / "nav.html").write_text(NAVIGATION_PAGE, encoding="utf-8")
    out = base / "out"
    started = time.perf_counter()
    code, err = run_cli("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    seconds = time.perf_counter() - started
    first = base / "first"
    shutil.copytree(out, first)
    return dict(folder=folder, out=out, first=first, code=code, stderr=err, seconds=seconds,
                mtimes=html_mtimes(out))


def test_mixed_folder_renders_good_reports_and_records_failures(mixed):
    out, folder = mixed["first"], mixed["folder"]
    assert mixed["code"] == 1, mixed["stderr"]
    summary = read_summary(out).set_index("file")
    assert list(summary.columns) == ["status", "agency", "year", "template", "rendered", "seconds", "error", "note",
                                     "html"]

    for name, (_, agencies) in GOOD.items():
        row = summary.loc[str(folder / name)]
        assert (row["status"], row["rendered"]) == ("report", "new"), row.to_dict()
        assert row["agency"] in agencies
        assert row["year"] == name.split("_")[-1].split(".")[0]  # "2024", not "2024.0"
        html = out / row["html"]
        assert html.parent == out / "reports" and html.suffix == ".html"
        text = html.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>")
        assert row["agency"] in text
    assert len(list((out / "reports").glob("*.html"))) == 4
    assert (out / "compare.html").exists()
    assert (summary.loc["(comparison)", "status"], summary.loc["(comparison)", "rendered"]) == ("report", "new")

    broken, nav = summary.loc[str(folder / "broken.pdf")], summary.loc[str(folder / "nav.html")]
    assert broken["status"] == "unreadable" and broken["html"] == ""
    assert "PDF" in broken["error"]
    assert nav["status"] == "not a report" and nav["html"] == ""
    assert "no template table" in nav["error"] and "navigation page" in nav["error"]

    # stderr names each unreadable or failed file with its reason, then the totals by class
    lines = mixed["stderr"].splitlines()
    assert any(line.startswith(f"unreadable: {folder / 'broken.pdf'}") and "PDF" in line for line in lines)
    assert not any("nav.html" in line for line in lines)  # a page that is not a report is no failure
    assert ("6 file(s): 4 report(s) rendered, 0 unchanged, 1 not a report, 1 unreadable; comparison ok"
            in mixed["stderr"])

    # the index lists every file: the others with their class and reason, the reports with their link
    index = (out / "index.html").read_text(encoding="utf-8")
    for name, status, word in (("broken.pdf", "unreadable", "无法读取"), ("nav.html", "not-a-report", "不是年报")):
        row = re.search(rf"<tr class='{status}'><td>[^<]*</td><td>{re.escape(name)}</td><td>{word}</td>.*?</tr>",
                        index)
        assert row, name
        assert ">nan<" not in row.group(0)
    assert "pdfplumber" in index and "navigation page" in index
    for name in GOOD:
        link = summary.loc[str(folder / name), "html"]
        assert f"href='{link}'" in index
        assert (out / link).exists()
    assert "2024.0" not in index and ">nan<" not in index
    assert "<a href='compare.html'>" in index
    assert part_files(out) == []


def test_mixed_folder_corpus_outputs_agree(mixed):
    import duckdb
    import openpyxl

    out, folder = mixed["first"], mixed["folder"]
    cells = pd.read_parquet(out / "corpus" / "cells.parquet")
    assert TIDY_COLUMNS == ["source", "agency", "year", "template", "table", "row", "column", "value", "state",
                            "raw", "location"]
    assert set(TIDY_COLUMNS) <= set(cells.columns)
    assert set(cells["source"]) == {str(folder / name) for name in GOOD}
    assert set(cells["table"]) == {"t2", "t3", "t4"}
    assert len(cells) > 4 * 100
    reports = pd.read_parquet(out / "corpus" / "reports.parquet")
    assert sorted(reports["source"]) == sorted(str(folder / name) for name in GOOD)

    with duckdb.connect(str(out / "corpus" / "corpus.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cells").fetchone()[0] == len(cells)
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 4
        assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == \
            len(pd.read_parquet(out / "corpus" / "findings.parquet"))
    exported = pd.read_csv(out / "exports" / "cells.csv", encoding="utf-8-sig")
    assert len(exported) == len(cells)
    assert set(TIDY_COLUMNS) <= set(exported.columns)
    assert (out / "corpus" / "measures.parquet").exists()

    book = openpyxl.load_workbook(out / "exports" / "corpus.xlsx", read_only=True)
    assert {"报告", "表二", "表三", "表四", "检查发现"} <= set(book.sheetnames)
    assert book["报告"].max_row == 1 + 4
    t3 = [r for r in book["表三"].iter_rows(min_row=2, values_only=True)]
    assert {r[0] for r in t3} == set(reports["agency"])
    book.close()


def test_mixed_folder_checks_across_years(mixed):
    """X-CARRY runs on the whole corpus: pingtan 2024 is paired with 2023 (and passes, so it has
    no finding), pingtan 2023 has no 2022 to compare with."""
    from govdisclosure import load_report
    from govdisclosure.checks import check

    out, folder = mixed["first"], mixed["folder"]
    findings = pd.read_parquet(out / "corpus" / "findings.parquet")
    carry = findings[findings["rule"] == "X-CARRY"].set_index("source")
    assert carry.loc[str(folder / "pingtan_2023.txt"), "status"] == "not_assessable"
    assert "2022" in carry.loc[str(folder / "pingtan_2023.txt"), "message"]
    assert str(folder / "pingtan_2024.txt") not in carry.index
    # alone, 2024 could not be checked: its silence above comes from the pairing with 2023
    alone = check([load_report(folder / "pingtan_2024.txt")], rules=["X-CARRY"])
    assert list(alone["status"]) == ["not_assessable"] and "2023" in alone["message"].iloc[0]
    # and the pairing is right: 2024's 上年结转 is 2023's 结转下年度
    cells = pd.read_parquet(out / "corpus" / "cells.parquet")
    t3 = cells[(cells["table"] == "t3") & (cells["column"] == "total")].set_index(["source", "row"])["value"]
    assert t3[(str(folder / "pingtan_2024.txt"), "carried_over")] == \
        t3[(str(folder / "pingtan_2023.txt"), "carried_forward")]


# --------------------------------------------------------------------------- 2. no rework

def test_second_run_does_no_rework_and_a_changed_file_only_its_report(mixed):
    out, folder = mixed["out"], mixed["folder"]
    before = html_mtimes(out)
    assert before == mixed["mtimes"] and len(before) == 4
    compare_before = (out / "compare.html").stat().st_mtime_ns

    code, err = run_cli("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    assert code == 1
    summary = read_summary(out).set_index("file")
    assert {summary.loc[str(folder / name), "status"] for name in GOOD} == {"report"}
    assert {summary.loc[str(folder / name), "rendered"] for name in GOOD} == {"unchanged"}
    assert summary.loc["(comparison)", "rendered"] == "unchanged"
    assert "0 report(s) rendered, 4 unchanged" in err
    assert html_mtimes(out) == before
    assert (out / "compare.html").stat().st_mtime_ns == compare_before
    assert all(summary.loc[str(folder / name), "html"] for name in GOOD)  # the links stay

    # one report changes (same agency and year, one more line): only it is rendered again
    changed = folder / "changning_2024.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    code, err = run_cli("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    assert code == 1
    summary = read_summary(out).set_index("file")
    statuses = {name: summary.loc[str(folder / name), "rendered"] for name in GOOD}
    assert statuses == {"changning_2024.txt": "new", "pingtan_2023.txt": "unchanged", "pingtan_2024.txt": "unchanged",
                        "stcsm_2024.md": "unchanged"}
    after = html_mtimes(out)
    target = Path(summary.loc[str(changed), "html"]).name
    assert after[target] != before[target]
    assert {k: v for k, v in after.items() if k != target} == {k: v for k, v in before.items() if k != target}

    # another year's report copied over pingtan 2024: it becomes pingtan 2025, and 2023, whose
    # year-on-year context it is, is rendered again too; the other agencies are not
    shutil.copyfile(CORPUS / "pingtan_2025" / "source.txt", folder / "pingtan_2024.txt")
    before = html_mtimes(out)
    code, err = run_cli("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    summary = read_summary(out).set_index("file")
    row = summary.loc[str(folder / "pingtan_2024.txt")]
    assert (row["status"], row["rendered"], row["year"]) == ("report", "new", "2025")
    assert summary.loc[str(folder / "pingtan_2023.txt"), "rendered"] == "new"
    assert summary.loc[str(folder / "changning_2024.txt"), "rendered"] == "unchanged"
    assert summary.loc[str(folder / "stcsm_2024.md"), "rendered"] == "unchanged"
    after = html_mtimes(out)
    for name in ("changning_2024.txt", "stcsm_2024.md"):
        html = Path(summary.loc[str(folder / name), "html"]).name
        assert after[html] == before[html]
    assert part_files(out) == []


# --------------------------------------------------------------------------- 3. killed, terminated

def _start(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "govdisclosure.cli", "batch", str(folder), "-o", str(out),
                             "-q", *extra], start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_first_report(process: subprocess.Popen, out: Path, timeout: float = 120) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list((out / "reports").glob("*.html")) if (out / "reports").exists() else []
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(f"the batch ended ({process.returncode}) before rendering: {process.stderr.read().decode()}")
        time.sleep(0.02)
    pytest.fail("no report rendered in time")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _group_gone(pgid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def eight(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in KILL_SET:
        shutil.copyfile(CORPUS / name / "source.txt", folder / f"{name}.txt")
    return folder


def test_killed_run_leaves_no_partial_file_and_resumes(eight, tmp_path):
    out = tmp_path / "out"
    process = _start(eight, out, "--workers", "1")
    try:
        _wait_for_first_report(process, out)
        time.sleep(0.3)  # into the next report
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        _kill_group(process)
    assert _group_gone(process.pid)

    rendered = sorted((out / "reports").glob("*.html"))
    assert 1 <= len(rendered) < len(KILL_SET), "the kill came too late to be midway"
    for html in rendered:
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>"), f"{html.name} is half-written"
    compare = out / "compare.html"  # rendered beside the reports: complete if there at all
    assert not compare.exists() or compare.read_text(encoding="utf-8").rstrip().endswith("</html>")
    # finished: the report's HTML is there and the run recorded it
    finished = {p.stem: p.stat().st_mtime_ns for p in rendered if (out / ".state" / f"{p.stem}.json").exists()}
    assert finished
    # what a kill during a write leaves behind (each writer's temporary name)
    (out / "reports" / ".2099_某机关_00000000.html.k1ll3d.part").write_text("<html><body>half", encoding="utf-8")
    (out / "corpus" / ".cells.parquet.k1ll3d.part").write_bytes(b"PAR1")

    code, err = run_cli("batch", str(eight), "-o", str(out), "--workers", "2", "-q")
    assert code == 0, err
    summary = read_summary(out)
    reports = summary[summary["file"] != "(comparison)"].set_index("file")
    assert len(reports) == len(KILL_SET)
    assert set(reports["status"]) == {"report"}
    for file, row in reports.iterrows():
        html = out / row["html"]
        assert html.exists() and html.read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert (row["rendered"] == "unchanged") == (html.stem in finished), (file, row["rendered"])
        if html.stem in finished:
            assert html.stat().st_mtime_ns == finished[html.stem]  # not rendered again
    assert (out / "compare.html").exists()
    assert part_files(out) == []


def test_sigterm_stops_like_ctrl_c(eight, tmp_path):
    out = tmp_path / "out"
    process = _start(eight, out, "--workers", "1")
    try:
        _wait_for_first_report(process, out)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)  # the batch process only, as `kill PID` does
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the batch did not stop within 60 s of SIGTERM")
        stderr = process.stderr.read().decode()
    finally:
        _kill_group(process)
    assert code == 130, stderr
    assert "interrupted" in stderr
    assert _group_gone(process.pid), "worker processes outlived the interrupted batch"
    assert part_files(out) == []
    for html in (out / "reports").glob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    summary = read_summary(out)
    summary = summary[summary["file"] != "(comparison)"]  # rendered first, beside the reports
    assert len(summary) == len(KILL_SET)
    assert set(summary["status"]) <= {"report", "interrupted"}
    assert "interrupted" in set(summary["status"])
    assert ((summary["status"] == "report") & (summary["rendered"] == "new")).sum() >= 1
    assert "中断" in (out / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 5. no state leaks

LEAK_CHECK = """\
import os
if "LEAKED_MARKER" in globals() or os.environ.get("GOVDISCLOSURE_LEAK"):
    raise RuntimeError(f"state of an earlier report: {globals().get('LEAKED_MARKER')!r} "
                       f"{os.environ.get('GOVDISCLOSURE_LEAK')!r}")
LEAKED_MARKER = marker
os.environ["GOVDISCLOSURE_LEAK"] = marker
print(f"PID={os.getpid()} MARKER={marker}")
"""


def leak_notebook(folder: Path) -> Path:
    parameters = new_code_cell('marker: str = "a"')
    parameters.metadata["tags"] = ["parameters"]
    book = new_notebook(cells=[new_markdown_cell("# leak test"), parameters, new_code_cell(LEAK_CHECK)])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "leak.ipynb"
    nbformat.write(book, path)
    return path


def leak_jobs(folder: Path, notebook: Path, n: int, prefix: str = "leak") -> list[dict]:
    return [dict(stem=f"{prefix}{i}", source="", key=f"{prefix}{i}", html=str(folder / f"{prefix}{i}.html"),
                 notebook=str(notebook), parameters=dict(marker=f"m{i}")) for i in range(n)]


def printed(job: dict) -> tuple[int, str]:
    found = re.search(r"PID=(\d+) MARKER=(\w+)", Path(job["html"]).read_text(encoding="utf-8"))
    assert found, job["html"]
    return int(found.group(1)), found.group(2)


def test_no_state_leaks_between_reports(tmp_path):
    notebook = leak_notebook(tmp_path)
    jobs = leak_jobs(tmp_path, notebook, 5)
    runner = batch.LocalRunner(2)
    try:
        results = [runner.submit_render(job).result(timeout=120) for job in jobs[:2]]  # one after the other
        futures = [runner.submit_render(job) for job in jobs[2:]]  # and several queued at once
        results += [f.result(timeout=120) for f in futures]
    finally:
        runner.close()
    assert [r["status"] for r in results] == ["ok"] * len(jobs), [r["error"] for r in results]
    seen = [printed(job) for job in jobs]
    assert [marker for _, marker in seen] == [f"m{i}" for i in range(len(jobs))]
    pids = [pid for pid, _ in seen]
    assert len(set(pids)) == len(pids), f"two reports ran in one process: {pids}"
    assert os.getpid() not in pids
    assert os.environ.get("GOVDISCLOSURE_LEAK") is None


def test_leak_notebook_does_detect_a_reused_process(tmp_path):
    """The control: two jobs in one process (a pool without max_tasks_per_child) - the second fails."""
    from concurrent.futures import ProcessPoolExecutor

    from govdisclosure.worker import render_job

    notebook = leak_notebook(tmp_path)
    jobs = leak_jobs(tmp_path, notebook, 2, prefix="reused")
    with ProcessPoolExecutor(1, mp_context=batch._forkserver()) as pool:
        results = [pool.submit(render_job, job).result(timeout=120) for job in jobs]
    assert results[0]["status"] == "ok"
    assert results[1]["status"] == "failed" and "state of an earlier report" in results[1]["error"]


# --------------------------------------------------------------------------- 4. Dask

@contextlib.contextmanager
def local_cluster(daemon: bool):
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.daemon": daemon}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    try:
        with Client(cluster) as client:
            yield cluster, client
    finally:
        cluster.close()


def test_dask_cluster_renders_and_writes_corpus(tmp_path, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    folder = tmp_path / "in"
    copy_good(folder, ["pingtan_2023.txt", "pingtan_2024.txt"])
    out = tmp_path / "out"
    notebook = leak_notebook(tmp_path)
    with local_cluster(daemon=False) as (cluster, client):
        code, err = run_cli("batch", str(folder), "-o", str(out), "--scheduler", cluster.scheduler_address, "-q")
        prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
        worker_pids = set(client.run(os.getpid).values())
        # each report in a process of its own, forked on the worker
        runner = batch.DaskRunner(cluster.scheduler_address)
        try:
            jobs = leak_jobs(tmp_path, notebook, 2)
            results = [f.result() for f in [runner.submit_render(job) for job in jobs]]
        finally:
            runner.close()
    assert code == 0, err
    # both stages ran on the cluster (Dask names a task's prefix after its function)
    assert any("digest" in p for p in prefixes) and any("render" in p for p in prefixes), prefixes
    summary = read_summary(out).set_index("file")
    for name in ("pingtan_2023.txt", "pingtan_2024.txt"):
        row = summary.loc[str(folder / name)]
        assert row["status"] == "report", row.to_dict()
        text = (out / row["html"]).read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>") and "平潭综合实验区" in text
    assert summary.loc["(comparison)", "status"] == "report" and (out / "compare.html").exists()
    cells = pd.read_parquet(out / "corpus" / "cells.parquet")
    assert set(cells["source"]) == {str(folder / "pingtan_2023.txt"), str(folder / "pingtan_2024.txt")}
    import duckdb

    with duckdb.connect(str(out / "corpus" / "corpus.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM cells").fetchone()[0] == len(cells)
    assert (out / "exports" / "corpus.xlsx").exists() and (out / "index.html").exists()
    assert part_files(out) == []

    assert [r["status"] for r in results] == ["ok"] * 2, [r["error"] for r in results]
    pids = [printed(job)[0] for job in jobs]
    assert len(set(pids)) == 2 and not set(pids) & worker_pids


def test_dask_daemonic_workers_render_in_a_fresh_interpreter(tmp_path):
    """Daemonic workers may not have child processes: the job runs in ``python -m govdisclosure.worker``."""
    notebook = leak_notebook(tmp_path)
    jobs = leak_jobs(tmp_path, notebook, 1)
    with local_cluster(daemon=True) as (cluster, client):
        assert all(client.run(lambda: __import__("multiprocessing").current_process().daemon).values())
        worker_pids = set(client.run(os.getpid).values())
        runner = batch.DaskRunner(cluster.scheduler_address)
        try:
            results = [f.result() for f in [runner.submit_render(job) for job in jobs]]
        finally:
            runner.close()
    assert [r["status"] for r in results] == ["ok"], [r["error"] for r in results]
    pid, marker = printed(jobs[0])
    assert marker == "m0" and pid not in worker_pids
