"""Faults (issue 8): a worker killed while reading or rendering fails, after one retry, only its
own file; a full disk or a read-only output folder ends in a message, never in a partial or
empty output, and the rerun completes; two batches into one folder; a killed batch leaves no
process or temporary file; an edited install renders again."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import CORPUS, ROOT
from govdisclosure import batch

EIGHT = [f"pingtan_{y}" for y in range(2019, 2026)] + ["putian_cg_2020"]
FOUR = EIGHT[3:7]


def copy_reports(folder: Path, ids=FOUR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in ids:
        shutil.copyfile(next((CORPUS / i).glob("source.*")), folder / f"{i}.txt")
    return folder


def start(*args: str, tmp: Path | None = None, **kw) -> subprocess.Popen:
    env = dict(os.environ, TMPDIR=str(tmp)) if tmp else None
    return subprocess.Popen([sys.executable, "-m", "govdisclosure.cli", *args], cwd=ROOT, env=env,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{process.args} did not finish within {timeout} s")
    return process.returncode, err.decode("utf-8", "replace")


def summary_of(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)


# --------------------------------------------------------------------------- processes

def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    return found


def descendants(pid: int) -> dict[int, str]:
    table = processes()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, cmdline) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmdline
                frontier.append(child)
    return found


def wait_for(predicate, timeout: float = 120, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    pytest.fail(f"{what} did not happen within {timeout} s")


def group_gone(pgid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


# --------------------------------------------------------------------------- killed workers

def test_a_killed_parse_worker_and_a_killed_render_worker_lose_nothing(tmp_path):
    """Killed from outside (as the out-of-memory killer does): their work is run again, so
    every file is read and every report rendered."""
    folder, out = copy_reports(tmp_path / "in"), tmp_path / "out"
    process = start("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    try:
        readers = wait_for(lambda: [p for p, c in descendants(process.pid).items() if "spawn_main" in c],
                           what="a parse worker")
        os.kill(readers[0], signal.SIGKILL)

        def renderer():
            server = [p for p, c in descendants(process.pid).items() if "forkserver" in c]
            return server and [p for p in descendants(server[0]) if p not in server]

        os.kill(wait_for(renderer, what="a render worker")[0], signal.SIGKILL)
        code, err = finish(process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert code == 0, err
    summary = summary_of(out)
    files = summary[summary["file"] != "(comparison)"]
    assert set(files["status"]) == {"report"} and set(files["rendered"]) == {"new"}, files.to_dict("records")
    assert "Traceback" not in err


class _KillingRunner(batch.LocalRunner):
    """Reading a file named kill-me*.txt kills the worker, every time (a file that crashes the
    parser from C, or needs more memory than the machine has)."""

    def submit_digest(self, job):
        from hostile import digest_or_die

        return self.parse_pool().submit(digest_or_die, job)


def test_a_file_that_kills_its_reader_fails_alone_after_one_retry(tmp_path):
    folder = copy_reports(tmp_path / "in", EIGHT[:3])
    shutil.copyfile(CORPUS / "sanming_2021" / "source.txt", folder / "kill-me.txt")
    runner = _KillingRunner(2)
    try:
        corpus = batch.build_corpus(sorted(folder.iterdir()), runner, progress=False)
    finally:
        runner.close(cancel=True)
    statuses = {Path(f["file"]).name: f["status"] for f in corpus["files"]}
    assert statuses == {"kill-me.txt": "failed", **{f"{i}.txt": "report" for i in EIGHT[:3]}}
    error = next(f["error"] for f in corpus["files"] if f["file"].endswith("kill-me.txt"))
    assert "lost while working on it, twice" in error
    assert len(corpus["reports"]) == 3


KILLER = """\
import os
if marker == "kill":
    os.kill(os.getpid(), 9)
print(marker)
"""


def test_a_report_that_kills_its_renderer_fails_alone_after_one_retry(tmp_path):
    parameters = new_code_cell('marker: str = "a"')
    parameters.metadata["tags"] = ["parameters"]
    book = new_notebook(cells=[new_markdown_cell("# kill"), parameters, new_code_cell(KILLER)])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = tmp_path / "kill.ipynb"
    nbformat.write(book, notebook)
    jobs = [dict(stem=f"job{i}", source="", key=f"k{i}", html=str(tmp_path / "out" / "reports" / f"job{i}.html"),
                 notebook=str(notebook), parameters=dict(marker="kill" if i == 2 else f"m{i}")) for i in range(6)]
    runner = batch.LocalRunner(2)
    try:
        results = {r["stem"]: r for r in batch.render_all(jobs, runner, tmp_path / "out", progress=False)}
    finally:
        runner.close(cancel=True)
    assert {s: r["status"] for s, r in results.items()} == {f"job{i}": "failed" if i == 2 else "ok" for i in range(6)}
    assert "lost while working on it, twice" in results["job2"]["error"]


# --------------------------------------------------------------------------- a full disk

@contextlib.contextmanager
def small_disk(path: Path, size: str):
    """A folder where writes can be made to fail: on a tmpfs of its own where this machine lets
    us mount one (yields "tmpfs": filled, it is a full disk), else made read-only (yields
    "read-only"), else — root, which ignores permissions, without mount — under a file-size limit
    (yields "file-size": writes past it fail as on a full disk)."""
    path.mkdir(parents=True)
    mounted = os.geteuid() == 0 and shutil.which("mount") and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode == 0
    try:
        yield "tmpfs" if mounted else "read-only" if os.geteuid() != 0 else "file-size"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    for name, block in (("filler.bin", 65536), ("filler-tail.bin", 1)):
        with contextlib.suppress(OSError), open(folder / name, "wb") as handle:
            while True:
                handle.write(b"\0" * block)
                handle.flush()


def _small_files_only():
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))


def database_reports(out: Path) -> int:
    with duckdb.connect(str(out / "corpus" / "corpus.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM reports").fetchone()[0]


def test_a_full_disk_publishes_nothing_partial_and_the_rerun_completes(tmp_path):
    folder = copy_reports(tmp_path / "in", EIGHT[:3])
    disk = tmp_path / "disk"
    with small_disk(disk, "40m") as kind:
        out = disk / "out"
        code, err = finish(start("batch", str(folder), "-o", str(out), "--no-render", "-q"))
        assert code == 0, err
        before = {p.relative_to(out): p.read_bytes() for p in (out / "corpus").glob("*.*")}
        assert database_reports(out) == 3

        copy_reports(folder, ["putian_cg_2020"])  # a new report: the corpus must be written anew
        extra = {}
        if kind == "tmpfs":
            fill(disk)
        elif kind == "read-only":
            for path in [out, *out.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        else:
            extra = dict(preexec_fn=_small_files_only)
        code, err = finish(start("batch", str(folder), "-o", str(out), "--no-render", "-q", **extra))
        assert code == 2, err
        assert "Traceback" not in err
        reason = {"tmpfs": "No space left on device", "read-only": "Permission denied", "file-size": "File too large"}
        assert reason[kind] in err and err.strip().splitlines()[-1].startswith("error: "), err
        # what was published before is there, whole; nothing half-written beside it
        assert {p.relative_to(out): p.read_bytes() for p in (out / "corpus").glob("*.*")} == before
        assert database_reports(out) == 3
        assert [p for p in out.rglob("*") if ".part" in p.name] == []

        if kind == "tmpfs":
            for filler in disk.glob("filler*.bin"):
                filler.unlink()
        elif kind == "read-only":
            for path in [out, *out.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        code, err = finish(start("batch", str(folder), "-o", str(out), "-q", "--workers", "2"))
        assert code == 0, err
        assert database_reports(out) == 4
        summary = summary_of(out)
        assert set(summary["status"]) == {"report"} and set(summary["rendered"]) == {"new"}


# --------------------------------------------------------------------------- two batches, a kill

def test_a_second_batch_into_the_same_folder_refuses_clearly(tmp_path):
    folder, out = copy_reports(tmp_path / "in"), tmp_path / "out"
    first = start("batch", str(folder), "-o", str(out), "--workers", "1", "-q")
    try:
        wait_for(lambda: (out / ".lock").exists() and (out / ".lock").read_text().startswith("pid"),
                 what="the first batch's lock")
        code, err = finish(start("batch", str(folder), "-o", str(out), "-q"), timeout=60)
        assert code == 2
        assert f"pid {first.pid}" in err and "another govdisclosure batch" in err and "Traceback" not in err
        code, err = finish(first)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
    assert code == 0, err  # the first one was not disturbed
    assert set(summary_of(out)["status"]) == {"report"}
    assert not (out / ".lock").exists()  # a finished run leaves no lock file behind


@pytest.mark.parametrize("stage", ["reading", "rendering"])
def test_ctrl_c_stops_every_process_quietly_and_publishes_no_half_rendered_page(tmp_path, stage):
    """Ctrl-C in a terminal signals the whole process group, workers included.  The workers
    leave the stopping to the batch: no traceback from any of them, no report page written from
    a notebook interrupted half-way (a page is there complete, or not at all), and the summary
    says which reports the interruption left undone."""
    folder, out = copy_reports(tmp_path / "in"), tmp_path / "out"
    for copy in range(12):  # enough files that the reading workers are still busy when interrupted
        for source in list(folder.glob("*.txt"))[:4]:
            shutil.copyfile(source, folder / f"copy{copy}-{source.name}")
    process = start("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    try:
        if stage == "reading":
            wait_for(lambda: any("multiprocessing" in c for c in descendants(process.pid).values()),
                     what="the reading workers")
            time.sleep(0.3)
        else:
            wait_for(lambda: list((out / ".state").glob("*.json")) if (out / ".state").exists() else [],
                     what="a first rendered report")
        os.killpg(process.pid, signal.SIGINT)  # as the terminal does
        code, err = finish(process, timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted" in err
    assert group_gone(process.pid)
    summary = summary_of(out)
    assert set(summary["status"]) <= {"report", "duplicate", "interrupted"}, summary
    for page in (out / "reports").glob("*.html") if (out / "reports").exists() else ():
        text = page.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>")
        assert "KeyboardInterrupt" not in text  # not a notebook stopped half-way written out as a page
    assert not list(out.rglob("*.part"))


def test_killing_the_batch_alone_leaves_no_worker_and_no_temporary_file(tmp_path):
    """``kill -9`` of the batch process only: its workers end with it (they are told to when
    their parent dies), and no temporary notebook or other file of ours is left in its
    temporary folder."""
    folder, out, tmp = copy_reports(tmp_path / "in"), tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    process = start("batch", str(folder), "-o", str(out), "--workers", "2", "-q", tmp=tmp)
    try:
        wait_for(lambda: list((out / "reports").glob("*.html")) if (out / "reports").exists() else [],
                 what="a first report")
        assert descendants(process.pid)  # the workers are running
        os.kill(process.pid, signal.SIGKILL)  # the batch only, not its process group
        process.wait(timeout=30)
        assert group_gone(process.pid), "worker processes outlived the killed batch"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    # nothing but multiprocessing's own socket folder (pymp-*), which only its killed owner removes
    assert [p.name for p in tmp.iterdir() if not p.name.startswith("pymp-")] == []
    assert all(not f.name.endswith((".ipynb", ".json", ".part")) for f in tmp.rglob("*"))
    code, err = finish(start("batch", str(folder), "-o", str(out), "--workers", "2", "-q"))
    assert code == 0, err
    assert [p for p in out.rglob("*") if ".part" in p.name] == []


# --------------------------------------------------------------------------- the rerun key

def test_the_rerun_key_holds_the_package_code(tmp_path, monkeypatch):
    reports = pd.DataFrame([dict(rid=0, source=str(CORPUS / "pingtan_2024" / "source.txt"), agency="平潭综合实验区",
                                 agency_key="平潭综合实验区", year=2024, template="2021", sha256="0" * 64, primary=True,
                                 versions="[]", note="")])
    notebook = batch.notebook_path("report.ipynb")
    key = batch.plan_jobs(reports, tmp_path, "never", notebook)[0]["key"]
    assert batch.plan_jobs(reports, tmp_path, "never", notebook)[0]["key"] == key  # stable
    monkeypatch.setattr(batch, "code_hash", lambda: "an edited install")
    assert batch.plan_jobs(reports, tmp_path, "never", notebook)[0]["key"] != key


def test_the_code_hash_changes_when_a_module_of_the_package_does(tmp_path, monkeypatch):
    package = Path(batch.__file__).parent
    copy = tmp_path / "govdisclosure"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(batch, "__file__", str(copy / "batch.py"))
    original = batch.code_hash.__wrapped__()  # uncached
    assert original == batch.code_hash()  # the copy is the installed code
    (copy / "checks" / "rules.py").write_text((copy / "checks" / "rules.py").read_text() + "\n# edited\n")
    assert batch.code_hash.__wrapped__() != original
