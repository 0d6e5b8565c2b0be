"""Process a whole folder of reports as analysts keep it: corpus, exports, one HTML report per
agency-year, index.

Stages (each file's trouble is recorded against it, never the batch's end):

1. **corpus**: every file is read, classed and checked in worker processes (chunks of files,
   see :mod:`.digest`); several files of one agency-year are grouped and one is made primary
   (:mod:`.checks.versions`); the cross-year rules and X-VERSION run on the whole corpus.
   Written to ``OUT/corpus/`` (Parquet and DuckDB: every file read, with a boolean
   ``primary``) and ``OUT/exports/`` (CSV and Excel: primaries only);
2. **reports**: the report notebook runs once per agency-year (its primary), each in a fresh
   process forked from a warm server (see :mod:`.engine`), or on a Dask cluster;
3. **comparison and index**: ``OUT/compare.html`` and ``OUT/index.html``;
4. ``OUT/run_summary.csv``: one row per file with its class (``status``: report, duplicate,
   pre-2019, not a report, unreadable, failed; ``interrupted`` for files an interrupted run did
   not finish), the error, and its HTML.

Faults: a worker process that dies (killed, out of memory) or passes its deadline loses only
what it held; that work is run again, alone, after the rest, and only a file that loses its
worker a second time fails.  Outputs are written under temporary names, checked (row counts)
and renamed when complete; the corpus files are published together; a full disk leaves the
outputs of the previous run, never an empty one.  One batch at a time writes into a folder
(``OUT/.lock``).

A re-run skips reports whose source, context, versions, notebook, fail-on level and package
code are unchanged (recorded by content hash in ``OUT/.state/``); leftovers of a killed run
are removed when the next run starts.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import signal
import threading
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pandas as pd

from . import __version__
from .checks import FINDING_COLUMNS
from .errors import GovDisclosureError
from .export import write_table, write_text
from .limits import FILE_SECONDS, RENDER_SECONDS, die_with_parent
from .index import write_index
from .names import safe_stem
from .readers import display_path, scan
from .render import COMPARE_NOTEBOOK, REPORT_NOTEBOOK, notebook_path
from .digest import NO_AGENCY_NOTE
from .template import PRE_2019

from .build import CorpusBuild, build_corpus  # noqa: E402  (build.py imports this module lazily)
from .publish import EXCEL_LAYOUT_LIMIT, remove_corpus, write_corpus  # noqa: E402

PRELOAD = ["govdisclosure.worker"]
CHUNK = 25
SEVERITIES = ("error", "warning", "info")
SUMMARY_COLUMNS = ["file", "status", "agency", "year", "template", "rendered", "seconds", "error", "note", "html"]
# what counts against the run: every other class is an answer, not a fault
BAD = ("unreadable", "failed")


# --------------------------------------------------------------------------- executors

def _forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _init_parse_worker() -> None:
    die_with_parent()
    _leave_interrupt_to_parent()
    import govdisclosure.digest  # noqa: F401


def _init_render_worker() -> None:
    die_with_parent()
    _leave_interrupt_to_parent()


def _leave_interrupt_to_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group.  A worker ignores it: the batch
    stops the workers itself, so no worker prints a traceback, and no notebook interrupted half-way
    is written out as a failed report page."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _interrupt_ignored() -> Iterator[None]:
    """Start worker processes (and the render server) with Ctrl-C ignored: an ignored signal is
    inherited across ``exec`` and Python keeps it ignored, so one arriving while a worker or the
    server is still importing never ends there in a traceback.  The batch itself ignores Ctrl-C
    only for the milliseconds a process takes to start (a Ctrl-C in that instant is lost; press
    it again)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


class LocalRunner:
    """Worker processes on this machine: fresh interpreters for reading (they import only
    :mod:`.digest`), processes forked from a warm server for rendering (one per report).
    Every worker ends with the batch, even when the batch is killed."""

    deadlines = True  # the parent can stop a worker that overruns (see :func:`schedule`)

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._parse: ProcessPoolExecutor | None = None
        self._render: ProcessPoolExecutor | None = None

    def parse_pool(self) -> ProcessPoolExecutor:
        if self._parse is None:
            self._parse = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                              initializer=_init_parse_worker)
        return self._parse

    def render_pool(self) -> ProcessPoolExecutor:
        # one notebook per process: nothing of one report's run can reach the next
        if self._render is None:
            self._render = ProcessPoolExecutor(self.workers, mp_context=_forkserver(), max_tasks_per_child=1,
                                               initializer=_init_render_worker)
        return self._render

    def submit_digest(self, job: dict) -> Future:
        """Read a chunk of files (``job``: paths, chunk, folder, code; see
        :func:`.digest.digest_chunk`) in a reading worker."""
        from .digest import digest_job

        with _interrupt_ignored():
            return self.parse_pool().submit(digest_job, job)

    def store_folder(self, folder: Path) -> str:
        """Where the workers write their parts: the store itself (they share this machine)."""
        return str(folder)

    def cross_here(self) -> bool:
        """Whether the cross rules' tasks must run in the batch's own process (no: the reading
        workers run them, on every core)."""
        return False

    def submit_cross(self, task: dict) -> Future:
        from .cross import run_task

        with _interrupt_ignored():
            return self.parse_pool().submit(run_task, task)

    def submit_render(self, job: dict) -> Future:
        with _interrupt_ignored():
            return self.render_pool().submit(_render_in_worker, job)

    def reset_parse(self) -> None:
        """Stop the reading workers (after one died or overran) and start anew on next use."""
        self._parse = _stop(self._parse)

    def reset_render(self) -> None:
        self._render = _stop(self._render)

    def close(self, cancel: bool = False) -> None:
        for pool in (self._parse, self._render):
            if pool is None:
                continue
            if cancel:
                _stop(pool)
            else:
                pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor | None, timeout: float = 30) -> None:
    """Stop ``pool`` now, its running workers too, and wait until they and its manager thread
    are gone; what was in flight fails with ``BrokenProcessPool``.

    The workers are killed first: the pool's manager thread then finds it broken, fails what is
    left, ends its remaining workers (also one it just started) and ends itself; only then is
    the pool shut down (shutting it down first would pull its process table from under that
    thread).  Leaving the workers would hang the exit: a pool with max_tasks_per_child whose
    owner is gone starts no replacement worker, so a call already queued never runs and the
    interpreter's exit handler waits for it for ever.
    """
    if pool is None:
        return None
    manager = getattr(pool, "_executor_manager_thread", None)
    processes = list((getattr(pool, "_processes", None) or {}).copy().values())
    for process in processes:
        process.kill()
    if manager is not None and processes:
        manager.join(timeout)
    pool.shutdown(wait=manager is None or not manager.is_alive(), cancel_futures=True)
    for process in processes:
        process.join(5)
    return None


def _render_on_dask_worker(job: dict) -> dict:
    """Render on a Dask worker: in a fresh forked process when the worker may fork, else in
    a fresh interpreter (daemonic workers may not have child processes)."""
    if not multiprocessing.current_process().daemon:
        from concurrent.futures import ProcessPoolExecutor as Pool

        with Pool(1, mp_context=_forkserver(), max_tasks_per_child=1) as pool:
            from .worker import render_job

            return pool.submit(render_job, job).result()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(job, handle, ensure_ascii=False)
    try:
        done = subprocess.run([sys.executable, "-m", "govdisclosure.worker", handle.name], capture_output=True,
                              text=True)
        lines = done.stdout.strip().splitlines()
        if lines:
            return json.loads(lines[-1])
        return dict(stem=job["stem"], status="failed", error=done.stderr[-2000:], seconds=0.0)
    finally:
        os.unlink(handle.name)


def _render_in_worker(job: dict) -> dict:
    """Runs in a render worker, where govdisclosure.worker is already imported (preloaded)."""
    from .worker import render_job

    return render_job(job)


def _digest_on_dask_worker(job: dict) -> dict:
    from .digest import digest_job

    return digest_job(job)


def _sees(path: str, token: str) -> bool:
    """On a Dask worker: whether it sees the file ``path`` holding ``token`` (a shared folder)."""
    try:
        return Path(path).read_text(encoding="utf-8") == token
    except OSError:
        return False


class DaskRunner:
    """The same work on a Dask distributed cluster (Dask itself reruns the work of a lost worker)."""

    deadlines = False
    workers = 8

    def __init__(self, address: str, *, shared: bool | None = None):
        from distributed import Client

        self.client = Client(address)
        self.shared = shared  # None: find out whether the workers see the output folder

    def submit_digest(self, job: dict) -> Future:
        return self.client.submit(_digest_on_dask_worker, job, pure=False)

    def store_folder(self, folder: Path) -> str | None:
        """The store folder when every worker sees it (a shared file system: they write their
        parts there), else None (they return their parts, and the batch writes them)."""
        if self.shared is None:
            import secrets

            token = secrets.token_hex(16)
            probe = Path(folder) / f".probe-{token}"
            probe.write_text(token, encoding="utf-8")
            try:
                seen = self.client.run(_sees, str(probe.resolve()), token)
                self.shared = bool(seen) and all(seen.values())
            finally:
                probe.unlink(missing_ok=True)
        return str(Path(folder).resolve()) if self.shared else None

    def cross_here(self) -> bool:
        """The cross rules' tasks read the run's working files: on the cluster when its workers
        share the output folder, else in the batch's own process."""
        return not self.shared

    def submit_cross(self, task: dict) -> Future:
        from .cross import run_task

        return self.client.submit(run_task, task, pure=False)

    def submit_render(self, job: dict) -> Future:
        return self.client.submit(_render_on_dask_worker, job, pure=False)

    def reset_parse(self) -> None:
        pass

    def reset_render(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        self.client.close()


def wait_first(futures: list, timeout: float | None = None) -> tuple[set, set]:
    """(done, not done) once at least one of ``futures`` is done or ``timeout`` passed: local
    futures or Dask's (:func:`concurrent.futures.wait` accepts only the former)."""
    if futures and not isinstance(futures[0], Future):
        from distributed import wait as dask_wait

        try:
            return dask_wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set(), set(futures)
    return wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)


@dataclass
class Lost:
    """Work whose worker was lost twice (died, or overran its deadline)."""

    reason: str


def schedule(items: list, submit: Callable[[object], Future], *, limit: int, seconds: Callable[[object], float],
             restart: Callable[[], None], split: Callable[[object], list] = lambda item: [item],
             deadlines: bool = True) -> Iterator[tuple[object, object]]:
    """Run ``items`` with at most ``limit`` in flight; yield (item, result) as each finishes.

    An item whose worker is lost — the process died (killed, out of memory) or the item passed
    its deadline of ``seconds(item)`` (the pool is then restarted, which loses whatever else
    was in flight) — is run again after the others, alone, as ``split(item)`` (a chunk of
    files as single files), so that nothing else is lost with it.  A part lost again is
    yielded with :class:`Lost`.  The functions submitted must not raise themselves: any
    exception from a future is a lost worker.
    """
    queue = deque(items)
    retry: list = []
    pending: dict = {}  # future -> (item, deadline)

    def launch(item) -> Future:
        try:
            return submit(item)
        except BrokenProcessPool:  # a worker died since the last result: the pool refuses work
            restart()
            return submit(item)

    def drain() -> Iterator[tuple[object, object]]:
        """After the pool broke or was stopped: everything in flight is done or lost with it."""
        for future in list(pending):
            item, _ = pending.pop(future)
            wait([future], timeout=60)
            if future.done() and not future.cancelled() and future.exception() is None:
                yield item, future.result()
            else:
                retry.extend(split(item))

    while queue or pending:
        while queue and len(pending) < limit:
            item = queue.popleft()
            pending[launch(item)] = (item, time.monotonic() + seconds(item))
        soonest = min(d for _, d in pending.values())
        done, _ = wait_first(list(pending), timeout=max(0.1, soonest - time.monotonic()) if deadlines else None)
        if not done:
            if deadlines and time.monotonic() >= soonest:
                restart()  # stops every worker of the pool
                yield from drain()
            continue
        broken = False
        for future in done:
            item, _ = pending.pop(future)
            try:
                yield item, future.result()
            except Exception as exc:
                retry += split(item)
                broken |= isinstance(exc, BrokenProcessPool)
        if broken:  # a lost worker breaks a local pool: what was in flight in it is lost too
            yield from drain()
            restart()
    for item in retry:  # alone: a loss now is this item's own
        future = launch(item)
        done, _ = wait_first([future], timeout=seconds(item) if deadlines else None)
        if not done:
            restart()
            yield item, Lost(f"did not finish within {seconds(item):g} s (run twice)")
            continue
        try:
            yield item, future.result()
        except Exception as exc:
            restart()
            yield item, Lost(f"the worker process was lost while working on it, twice ({type(exc).__name__}: {exc})")


# --------------------------------------------------------------------------- the corpus

# the corpus stage is build.py (build_corpus), its outputs publish.py (write_corpus)


# --------------------------------------------------------------------------- rendering

@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """A hash of the package's code: an edited install renders again (the version alone would not
    change)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def plan_jobs(reports: pd.DataFrame, out: Path, fail_on: str, notebook: Path, settings: dict | None = None,
              reviews: str | None = None) -> list[dict]:
    """One render job per agency-year (its primary, when it is a report of the national
    template), with its content hash, the same agency's other years as context and the other
    versions of its own year; the analyst's ``settings`` (agency table, blank as zero) and
    review file are the notebook's parameters and part of the job's key."""
    settings = settings or {}
    analyst = dict(agencies=settings.get("agencies"), reviews=reviews, blank_as_zero=bool(settings.get("blank_as_zero")))
    analyst_key = [settings.get("agencies_sha", ""), sha256_file(Path(reviews)) if reviews else "", analyst["blank_as_zero"]]
    context_dir = out / "corpus" / "context"
    context_dir.mkdir(parents=True, exist_ok=True)
    notebook_hash = sha256_file(notebook)
    sha = dict(zip(reports["source"], reports["sha256"]))
    primaries_only = reports[reports["primary"]]
    jobs = []
    groups = {key: group for key, group in primaries_only.groupby("agency_key", dropna=False)}
    for row in primaries_only.itertuples():
        if row.template == PRE_2019:
            continue
        group = groups.get(row.agency_key)
        others = (group[group["source"] != row.source] if group is not None and row.agency_key
                  else primaries_only.iloc[0:0])
        context_files = sorted(notebook_path_of(Path(s).resolve(), out) for s in others["source"])
        versions = sorted(notebook_path_of(Path(s).resolve(), out) for s in json.loads(row.versions or "[]"))
        fingerprint = [sha[s] for s in sorted(others["source"])] + [sha[s] for s in json.loads(row.versions or "[]")]
        year = None if pd.isna(row.year) else int(row.year)
        stem = safe_stem(row.agency, year, row.source)
        context = context_dir / f"{stem}.json"
        write_json(context, context_files)
        key = hashlib.sha256(json.dumps([row.sha256, sorted(fingerprint), notebook_hash, __version__, code_hash(),
                                         fail_on, analyst_key]).encode()).hexdigest()
        parameters = dict(source=notebook_path_of(Path(row.source).resolve(), out), agency=None, year=None,
                          context=str(context.resolve()), fail_on=fail_on,
                          **{k: v for k, v in analyst.items() if v})
        if isinstance(row.note, str) and NO_AGENCY_NOTE in row.note:
            parameters["agency"] = row.agency  # the fallback (the file's name), as in every output
        if versions:
            parameters["versions"] = versions  # the other versions of this agency-year, to be listed
        jobs.append(dict(stem=stem, source=row.source, key=key, html=str(out / "reports" / f"{stem}.html"),
                         notebook=str(notebook), parameters=parameters))
    return jobs


def notebook_path_of(path: Path, out: Path) -> str:
    """``path`` as the report notebook can be given it: itself, or, for a file name that is not
    valid UTF-8 (GBK bytes from a Windows archive, kept by Python as surrogates that no notebook
    or page can hold), a link to it under ``OUT/corpus/links`` named by the hash of its bytes."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = os.fsencode(path)
        suffix = path.suffix if path.suffix.isascii() else ""
        link = out / "corpus" / "links" / f"{hashlib.sha256(raw).hexdigest()[:16]}{suffix}"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(link):
            os.symlink(raw, os.fsencode(link))
        return str(link.parent.resolve() / link.name)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_json(path: Path, data) -> None:
    # ASCII: a file name that is not UTF-8 (kept by Python as surrogates) survives the round trip
    write_text(path, json.dumps(data, ensure_ascii=True, indent=1))


def _state(out: Path, stem: str) -> Path:
    return out / ".state" / f"{stem}.json"


def is_current(out: Path, job: dict) -> bool:
    state = _state(out, job["stem"])
    if not state.exists() or not Path(job["html"]).exists():
        return False
    try:
        recorded = json.loads(state.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return False
    return recorded.get("key") == job["key"] and recorded.get("status") == "ok"


def render_all(jobs: list[dict], runner, out: Path, *, progress: bool = True,
               on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Render the jobs that are not current; a lost worker fails (after one retry) only its own
    report."""
    todo = [j for j in jobs if not is_current(out, j)]
    results = [dict(stem=j["stem"], status="skipped", error="", seconds=0.0) for j in jobs if j not in todo]
    for result in results if on_result else ():
        on_result(result)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    failed = 0
    with _progress(len(todo), "生成报告", progress) as bar:
        for job, result in schedule(todo, runner.submit_render, limit=4 * runner.workers,
                                    seconds=lambda j: RENDER_SECONDS + 60, restart=runner.reset_render,
                                    deadlines=runner.deadlines):
            if isinstance(result, Lost):
                result = dict(stem=job["stem"], status="failed", seconds=0.0, error=f"rendering {result.reason}")
            try:
                write_json(_state(out, job["stem"]), dict(key=job["key"], status=result["status"],
                                                          seconds=result["seconds"]))
            except OSError as exc:
                result = dict(result, status="failed", error=f"{result.get('error', '')} (state not recorded: {exc})")
            results.append(result)
            failed += result["status"] != "ok"
            bar.update(1)
            bar.set_postfix_str(f"完成 {bar.n - failed} · 失败 {failed} · 剩余 {len(todo) - bar.n}")
            if on_result:
                on_result(result)
    return results


def comparison_job(out: Path, jobs: list[dict]) -> dict:
    """The comparison report of the whole corpus (redone when any report changed).  It reads
    the corpus files, not the reports' HTML, so it runs beside them."""
    notebook = notebook_path(COMPARE_NOTEBOOK)
    key = hashlib.sha256(json.dumps([[j["key"] for j in jobs], sha256_file(notebook), __version__,
                                     code_hash()]).encode()).hexdigest()
    return dict(stem="compare", source="", key=key, html=str(out / "compare.html"), notebook=str(notebook),
                parameters=dict(corpus=str(out.resolve()), years="", agencies="", measure="open_rate",
                                index_url="index.html"))


def remove_leftovers(out: Path) -> int:
    """Temporary files of a run that was killed (they never have the final name)."""
    removed = 0
    if out.exists():
        for pattern in ("*.part", "*.part.wal"):
            for path in out.rglob(pattern):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def remove_stale(out: Path, jobs: list[dict]) -> None:
    """Reports of an earlier run that no input makes any more (a file renamed, or its agency or
    year read differently, or now a duplicate): their HTML would otherwise stay listed."""
    current = {j["stem"] for j in jobs} | {"compare"}
    for state in (out / ".state").glob("*.json"):
        if state.stem not in current:
            (out / "reports" / f"{state.stem}.html").unlink(missing_ok=True)
            state.unlink(missing_ok=True)


def _progress(total: int, description: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="report", disable=not enabled, dynamic_ncols=True,
                file=sys.stderr, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}")


# --------------------------------------------------------------------------- the run

class OutputBusy(GovDisclosureError):
    """Another batch is writing into the same output folder."""


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold ``OUT/.lock`` for the run: a second batch into the same folder refuses (an
    operating-system lock, released even when the holder is killed)."""
    import fcntl

    path = out / ".lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise OutputBusy(f"{out}: another govdisclosure batch ({holder}) is writing into this folder; wait "
                             "for it to finish, or choose another output folder") from None
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)  # the holder removed the file as we opened it: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # a run leaves no lock file (a killed one leaves it, unlocked)
        os.close(fd)  # releases the lock


@dataclass
class BatchResult:
    out: Path
    summary: pd.DataFrame  # one row per file: see SUMMARY_COLUMNS
    reports: pd.DataFrame  # the key table: one row per report read
    rendered: int = 0
    skipped: int = 0
    failed: int = 0  # files unreadable or failed, and a failed comparison
    interrupted: bool = False
    output_error: str = ""  # outputs that could not be written (then nothing of them is published)
    timings: dict = field(default_factory=dict)
    unmatched_reviews: list = field(default_factory=list)  # review decisions that match no finding (their keys)

    @property
    def findings(self) -> pd.DataFrame:
        """Every finding, read from ``OUT/corpus/findings.parquet`` (not held by the batch)."""
        path = self.out / "corpus" / "findings.parquet"
        if self.output_error or not len(self.reports) or not path.exists():
            return pd.DataFrame(columns=FINDING_COLUMNS)
        return pd.read_parquet(path)

    @property
    def counts(self) -> Counter:
        files = self.summary[self.summary["file"] != "(comparison)"]
        return Counter(files["status"])

    @property
    def exit_code(self) -> int:
        """130 interrupted; 2 outputs not written, or nothing read as a report; 1 a file
        unreadable or failed (the others done); 0 otherwise."""
        if self.interrupted:
            return 130
        if self.output_error:
            return 2
        if not len(self.reports):
            return 2
        return 1 if self.failed else 0


def input_paths(found, out: Path) -> tuple[list[Path], dict[str, str]]:
    """The files to read, absolute (workers may not share our working directory), and the
    names to show for them.  A file whose name is not valid UTF-8 is read through a link under
    ``OUT/.state/inputs/`` with a valid name (no output table, notebook or JSON file can hold
    the original), and shown under its name with escapes (:func:`.readers.display_path`)."""
    files, shown = [], {}
    for path in found.files:
        path = Path(os.path.abspath(path))
        text = display_path(path)
        if text != str(path):
            link = out / ".state" / "inputs" / (hashlib.sha256(os.fsencode(str(path))).hexdigest()[:16] + path.suffix)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.unlink(missing_ok=True)
            os.symlink(path, link)
            path = link
        files.append(path)
        shown[str(path)] = text
    return files, shown


def run(inputs: Sequence[str | Path], out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
        fail_on: str = "never", render: bool = True, compare: bool = True, excel: bool = True,
        progress: bool = True, notebook: str | Path | None = None, agencies: str | Path | None = None,
        reviews: str | Path | None = None, blank_as_zero: bool = False) -> BatchResult:
    """The whole batch (see the module docstring).

    ``agencies``: the analyst's agency table (CSV, :class:`.agencies.AgencyTable`) — ids,
    names, kinds and parents that override what the kit guesses, for matching, the rules and
    H-SUM; ``reviews``: a review file (:func:`.checks.reviews.read_reviews`) whose decisions
    the findings carry; ``blank_as_zero``: blanks counted as 0 by the rules and measures.  The
    same three reach every report page.  Raises what reading them raises
    (:class:`.agencies.AgencyTableError`, :class:`.checks.reviews.ReviewFileError`).

    Raises :class:`OutputBusy` when another batch writes into ``out``, and :class:`OSError`
    when ``out`` cannot be created; every other trouble is in the result.
    """
    from .agencies import AgencyTable
    from .checks.reviews import read_reviews

    settings = dict(blank_as_zero=bool(blank_as_zero))
    if agencies:
        AgencyTable.from_csv(agencies)  # a table with a fault stops here, with its line named
        settings.update(agencies=str(Path(agencies).resolve()), agencies_sha=sha256_file(Path(agencies)))
    decisions = read_reviews(reviews) if reviews else None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with output_lock(out):
        return _run(inputs, out, workers=workers, scheduler=scheduler, fail_on=fail_on, render=render,
                    compare=compare, excel=excel, progress=progress, notebook=notebook, settings=settings,
                    reviews=decisions, reviews_path=str(Path(reviews).resolve()) if reviews else None)


def _run(inputs, out: Path, *, workers, scheduler, fail_on, render, compare, excel, progress, notebook,
         settings=None, reviews=None, reviews_path=None) -> BatchResult:
    begun = time.perf_counter()
    remove_leftovers(out)
    timings: dict[str, float] = {}
    found = scan(inputs)
    files, shown = input_paths(found, out)
    skipped = pd.DataFrame([dict(file=str(p), status="unreadable", seconds=0.0,
                                 error=f"{display_path(p)}: expected a regular report file, found {why}; not read")
                            for p, why in found.skipped], columns=["file", "status", "seconds", "error"])
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    runner = DaskRunner(scheduler) if scheduler else LocalRunner(workers or os.cpu_count() or 1)
    if render and not scheduler and files:
        # the render server imports everything once; let it do so while the corpus is read
        from multiprocessing import forkserver

        _forkserver()
        with _interrupt_ignored():
            forkserver.ensure_running()
    interrupted = False
    output_error = ""
    results: list[dict] = []
    finished: list[dict] = []  # the results as they come: what an interrupted run still knows
    build: CorpusBuild | None = None
    reports = pd.DataFrame()
    try:
        started = time.perf_counter()
        try:
            build = build_corpus(files, runner, store=out / "corpus" / "parts", progress=progress, settings=settings)
            build.reviews = reviews
        except OSError as exc:  # the store cannot be written at all (a read-only folder, a full disk)
            output_error = f"the corpus files could not be written into {out}: {_os_reason(exc)}"
        if build is not None:
            build.files = pd.concat([build.files, skipped], ignore_index=True) if len(skipped) else build.files
            reports = build.reports
            if build.output_error:
                output_error = f"the corpus files could not be written into {out}: {build.output_error}"
        if build is not None:
            timings.update(build.timings)
        clock = time.perf_counter()
        try:
            if build is not None and not output_error:
                if len(reports):
                    write_corpus(build, out, excel=excel)
                else:
                    remove_corpus(out)
        except Exception as exc:  # a full disk, a read-only folder: nothing half-written is published
            output_error = f"the corpus files could not be written into {out}: {_os_reason(exc)}"
        timings["publish"] = round(time.perf_counter() - clock, 3)
        if render and len(reports) and not output_error:
            started = time.perf_counter()
            jobs = plan_jobs(reports, out, fail_on, notebook_path(notebook or REPORT_NOTEBOOK), settings, reviews_path)
            for job in jobs:  # each page links back to the index and the comparison
                job["parameters"].update(index_url="../index.html", compare_url="../compare.html" if compare else None)
            jobs.sort(key=lambda j: -Path(j["source"]).stat().st_size)  # the largest (slowest) first
            remove_stale(out, jobs)
            queue = ([comparison_job(out, jobs)] if compare and jobs else []) + jobs  # the longest first
            results = render_all(queue, runner, out, progress=progress, on_result=finished.append)
            timings["render"] = round(time.perf_counter() - started, 3)
    except KeyboardInterrupt:
        interrupted = True
        results = results or finished
        runner.close(cancel=True)
        remove_leftovers(out)
    except OSError as exc:  # the disk filled while rendering's own files were written
        output_error = f"the outputs could not be written into {out}: {_os_reason(exc)}"
        runner.close(cancel=True)
        remove_leftovers(out)
    else:
        runner.close()
    clock = time.perf_counter()
    unmatched_reviews: list[str] = []
    files_table = build.files if build is not None else skipped
    summary = run_summary(dict(files=files_table, reports=reports, errors=build.errors if build else []), results,
                          out, shown, interrupted=interrupted)
    try:
        write_table(summary, out / "run_summary.csv")
        tables = index_tables(build)
        unmatched_reviews = tables.pop("unmatched_reviews", [])
        write_index(out, tables, summary, shown)
    except Exception as exc:
        output_error = output_error or f"the run summary could not be written into {out}: {_os_reason(exc)}"
        remove_leftovers(out)
    if build is not None:
        if not output_error and not interrupted and len(reports):
            with contextlib.suppress(OSError):  # only the next run's work is at stake
                build.remember()
        build.close()
        timings["files_read"] = build.read
    timings["summary"] = round(time.perf_counter() - clock, 3)
    timings["total"] = round(time.perf_counter() - begun, 3)
    files_only = summary[summary["file"] != "(comparison)"]
    failed = int(files_only["status"].isin(BAD).sum()) + int((summary["file"] == "(comparison)").sum()
                                                              and summary.iloc[-1]["status"] == "failed")
    return BatchResult(out, summary, reports,
                       rendered=sum(r["status"] == "ok" for r in results),
                       skipped=sum(r["status"] == "skipped" for r in results), failed=failed,
                       interrupted=interrupted, output_error=output_error, timings=timings,
                       unmatched_reviews=unmatched_reviews)


def index_tables(build: CorpusBuild | None) -> dict:
    """What :func:`.index.write_index` reads, small whatever the corpus's size: the key table
    (with each report's data quality), the measures it shows (primaries), and the failures per
    report and severity."""
    from .index import INDEX_MEASURES
    from .store import connect

    if build is None or not len(build.reports):
        return dict(reports=pd.DataFrame(), measures=pd.DataFrame(), fail_counts=pd.DataFrame())
    con = connect(build.store.work)
    try:
        from .build import register_state

        register_state(con, build)
        wanted = ", ".join(f"'{m}'" for m in INDEX_MEASURES)
        measures = con.sql(f"SELECT source, measure, value, value_blank_as_zero, blanks FROM ({build.measures_sql()}) "
                           f"WHERE measure IN ({wanted})"
                           ).df()
        counts = con.sql(f"SELECT source, severity, count(*) AS n FROM ({build.findings_sql()}) "
                         "WHERE status = 'fail' AND coalesce(review, '') <> 'dismissed' "  # a reviewer's: not counted
                         "GROUP BY source, severity").df()
        unmatched = []
        if build.reviews is not None and len(build.reviews):
            unmatched = [k for (k,) in con.sql(f"SELECT key FROM reviews ANTI JOIN ({build.findings_sql()}) f "
                                               "USING (key) ORDER BY key").fetchall()]
    finally:
        con.close()
    return dict(reports=build.reports, measures=measures, fail_counts=counts, unmatched_reviews=unmatched)


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}" + (f" ({exc.filename})" if exc.filename else "")
    return f"{type(exc).__name__}: {exc}"


def run_summary(corpus: dict, results: list[dict], out: Path, shown: dict[str, str] | None = None, *,
                interrupted: bool = False) -> pd.DataFrame:
    """One row per file (and one for the comparison): see :data:`SUMMARY_COLUMNS`.

    ``corpus``: ``files`` (a frame, or a list of dicts: file, status, error, seconds,
    version_of), ``reports`` (the key table) and ``errors``.  ``rendered`` is "new" or
    "unchanged" for a report whose HTML this run wrote or kept; a report whose rendering
    failed is ``failed`` with the error, its HTML still linked.
    """
    shown = shown or {}
    files = corpus.get("files")
    files = pd.DataFrame(files) if not isinstance(files, pd.DataFrame) else files
    files = files.reindex(columns=["file", "status", "error", "seconds", "version_of"]).drop_duplicates("file")
    reports = corpus["reports"]
    by_stem = {r["stem"]: r for r in results}
    names = files["file"].astype(str).tolist()
    status = files["status"].astype(str).tolist()
    error = files["error"].fillna("").astype(str).tolist()
    seconds = [round(float(x or 0.0), 3) for x in files["seconds"].fillna(0.0).tolist()]
    version_of = files["version_of"].fillna("").astype(str).tolist()
    n = len(names)
    agency, year, template, rendered = [None] * n, [None] * n, [""] * n, [""] * n
    note, html = [""] * n, [""] * n
    stems: dict[str, str] = {}
    info: dict[str, tuple] = {}
    if len(reports):
        for source, who, y, tpl, nt in zip(reports["source"].astype(str), reports["agency"], reports["year"],
                                           reports["template"], reports["note"]):
            y = None if pd.isna(y) else int(y)
            stems[source] = safe_stem(who, y, source)
            info[source] = (who, y, "" if pd.isna(tpl) else tpl, "" if pd.isna(nt) else nt)
    for i, name in enumerate(names):
        if name in info:
            agency[i], year[i], template[i], note[i] = info[name]
            stem = stems[name]
            if status[i] == "duplicate":
                primary = version_of[i]
                note[i] = "；".join(x for x in (note[i], f"同一机关年度的另一版本；主版本 {shown.get(primary, primary)}") if x)
                target = out / "reports" / f"{stems.get(primary, '')}.html"
                html[i] = str(target.relative_to(out)) if primary in stems and target.exists() else ""
            elif status[i] == "report":
                result = by_stem.get(stem)
                page = out / "reports" / f"{stem}.html"
                html[i] = str(page.relative_to(out)) if result and page.exists() else ""
                if result is None:
                    status[i] = "interrupted" if interrupted else "report"
                elif result["status"] == "failed":
                    status[i], error[i] = "failed", result["error"]
                else:
                    rendered[i] = "new" if result["status"] == "ok" else "unchanged"
                seconds[i] = round(seconds[i] + (result["seconds"] if result else 0.0), 3)
        elif status[i] not in ("not a report", "unreadable", "failed") and interrupted:
            status[i] = "interrupted"
    frame = pd.DataFrame(dict(file=[shown.get(x, display_path(x)) for x in names], status=status, agency=agency,
                              year=year, template=template, rendered=rendered, seconds=seconds, error=error, note=note,
                              html=html), columns=SUMMARY_COLUMNS)
    extra = []
    if interrupted:
        done = set(names)
        extra += [dict(file=shown.get(x, display_path(x)), status="interrupted", agency=None, year=None, template="",
                       rendered="", seconds=0.0, error="", note="", html="") for x in shown if x not in done]
    for message in corpus.get("errors", []):
        extra.append(dict(file="(cross-year rules)", status="failed", agency=None, year=None, template="", rendered="",
                          seconds=0.0, error=message, note="", html=""))
    if "compare" in by_stem:
        r = by_stem["compare"]
        extra.append(dict(file="(comparison)", status="failed" if r["status"] == "failed" else "report", agency=None,
                          year=None, template="", rendered={"ok": "new", "skipped": "unchanged"}.get(r["status"], ""),
                          seconds=round(r["seconds"], 3), error=r["error"], note="", html="compare.html"))
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra, columns=SUMMARY_COLUMNS)], ignore_index=True)
    frame["year"] = frame["year"].astype("Int64")  # 2024, not 2024.0 beside the files without a year
    return frame


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def install_sigterm_as_interrupt() -> None:
    """A terminated run stops like Ctrl-C: pools cancelled, temporary files removed."""
    signal.signal(signal.SIGTERM, _interrupt)
