"""Process a whole region's reports: corpus, exports, one HTML report per agency-year, index.

Stages (each file's failure is recorded, never the batch's end):

1. **corpus**: every file is parsed and checked in worker processes (chunks of files); the
   cross-year rules then run on the whole corpus.  Written to ``OUT/corpus/`` as Parquet and a
   DuckDB database, and to ``OUT/exports/`` as CSV and Excel;
2. **reports**: the report notebook runs once per agency-year, each in a fresh process forked
   from a warm server (see :mod:`.engine`), or on a Dask cluster;
3. **comparison and index**: ``OUT/compare.html`` and ``OUT/index.html``;
4. ``OUT/run_summary.csv``: file, status, seconds, error.

A re-run skips reports whose source, context, notebook and package version are unchanged
(recorded by content hash in ``OUT/.state/``).  Every file is written under a temporary name
and renamed when complete, so an interrupted run leaves no half-written file; leftovers of a
killed run are removed when the next run starts.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from . import __version__
from .checks import FINDING_COLUMNS, check_corpus
from .checks.frame import corpus_from_frames
from .export import atomic_write, write_table, write_text
from .index import write_index
from .model import TIDY_COLUMNS
from .readers import discover
from .render import COMPARE_NOTEBOOK, REPORT_NOTEBOOK, notebook_path, safe_stem

PRELOAD = ["govdisclosure.worker"]
CHUNK = 25
SEVERITIES = ("error", "warning", "info")


# --------------------------------------------------------------------------- executors

def _forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class LocalRunner:
    """Worker processes on this machine, forked from a server with everything imported."""

    def __init__(self, workers: int):
        self.workers = workers
        self._parse: ProcessPoolExecutor | None = None
        self._render: ProcessPoolExecutor | None = None

    def parse_pool(self) -> ProcessPoolExecutor:
        # reading and checking need none of the notebook machinery: fresh interpreters that
        # import only govdisclosure.digest start sooner than the render server
        if self._parse is None:
            self._parse = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                              initializer=_import_digest)
        return self._parse

    def render_pool(self) -> ProcessPoolExecutor:
        # one notebook per process: nothing of one report's run can reach the next
        if self._render is None:
            self._render = ProcessPoolExecutor(self.workers, mp_context=_forkserver(), max_tasks_per_child=1)
        return self._render

    def submit_digest(self, paths: list[str]) -> Future:
        from .digest import digest_files

        return self.parse_pool().submit(digest_files, paths)

    def submit_render(self, job: dict) -> Future:
        return self.render_pool().submit(_render_in_worker, job)

    def reset_render(self) -> None:
        """After a worker was killed the pool is broken: start a new one."""
        if self._render is not None:
            self._render.shutdown(wait=False, cancel_futures=True)
        self._render = None

    def close(self, cancel: bool = False) -> None:
        for pool in (self._parse, self._render):
            if pool is None:
                continue
            if not cancel:
                pool.shutdown(wait=True)
                continue
            # interrupted: stop the running workers too, and wait until they and the pool's
            # manager thread are gone (their temporary files are removed next).  Leaving them
            # would also hang the exit: a pool with max_tasks_per_child whose owner is gone starts
            # no replacement worker, so a call already queued never runs and the interpreter's
            # exit handler waits for it for ever.  A killed worker makes the pool "broken": its
            # manager then fails what is left and ends.  (shutdown() forgets the processes: take
            # the live table first.)
            processes = getattr(pool, "_processes", None) or {}
            manager = getattr(pool, "_executor_manager_thread", None)
            pool.shutdown(wait=False, cancel_futures=True)
            deadline = time.monotonic() + 30
            while True:
                for process in list(processes.copy().values()):  # the manager changes it meanwhile
                    process.terminate()
                    process.join()
                if manager is None or not manager.is_alive() or time.monotonic() > deadline:
                    break
                manager.join(0.1)


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


def _import_digest() -> None:
    import govdisclosure.digest  # noqa: F401


def _digest_on_dask_worker(paths: list[str]) -> dict:
    from .digest import digest_files

    return digest_files(paths)


class DaskRunner:
    """The same work on a Dask distributed cluster."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address)

    def submit_digest(self, paths: list[str]) -> Future:
        return self.client.submit(_digest_on_dask_worker, paths, pure=False)

    def submit_render(self, job: dict) -> Future:
        return self.client.submit(_render_on_dask_worker, job, pure=False)

    def reset_render(self) -> None:
        pass

    def close(self, cancel: bool = False) -> None:
        self.client.close()


def wait_first(futures: list) -> tuple[set, set]:
    """(done, not done) once at least one of ``futures`` is done: local futures or Dask's
    (:func:`concurrent.futures.wait` accepts only the former)."""
    if futures and not isinstance(futures[0], Future):
        from distributed import wait as dask_wait

        return dask_wait(futures, return_when="FIRST_COMPLETED")
    return wait(futures, return_when=FIRST_COMPLETED)


# --------------------------------------------------------------------------- run

@dataclass
class BatchResult:
    out: Path
    summary: pd.DataFrame  # one row per file: file, status, seconds, error, html
    reports: pd.DataFrame
    findings: pd.DataFrame
    rendered: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: bool = False
    timings: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    year read differently): their HTML would otherwise stay listed beside the new one."""
    current = {j["stem"] for j in jobs} | {"compare"}
    for state in (out / ".state").glob("*.json"):
        if state.stem not in current:
            (out / "reports" / f"{state.stem}.html").unlink(missing_ok=True)
            state.unlink(missing_ok=True)


def _progress(total: int, description: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="report", disable=not enabled, dynamic_ncols=True,
                file=sys.stderr, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}")


def build_corpus(files: Sequence[Path], runner, *, progress: bool = True) -> dict:
    """Parse and check every file (in chunks, in parallel); run the cross-year rules."""
    chunks = [[str(p) for p in files[i:i + CHUNK]] for i in range(0, len(files), CHUNK)]
    parts: list[dict] = []
    failures: list[dict] = []
    with _progress(len(files), "读取与检查", progress) as bar:
        pending = {runner.submit_digest(chunk): chunk for chunk in chunks}
        while pending:
            done, _ = wait_first(list(pending))
            for future in done:
                chunk = pending.pop(future)
                try:
                    part = future.result()
                except Exception as exc:  # a worker that died takes only its chunk with it
                    failures += [dict(file=p, error=f"worker failed: {type(exc).__name__}: {exc}", seconds=0.0)
                                 for p in chunk]
                    part = None
                if part is not None:
                    parts.append(part)
                    failures += part["failures"]
                bar.update(len(chunk))
                bar.set_postfix_str(f"失败 {len(failures)}")
    return merge_parts(parts, failures)


def merge_parts(parts: list[dict], failures: list[dict]) -> dict:
    """Join the workers' tables, renumber the reports, run the cross-year rules."""
    from .digest import CROSS_YEAR_RULES

    reports, cells, findings, measures, sections = [], [], [], [], []
    offset = 0
    for part in parts:
        table = part["reports"].copy()
        n = len(table)
        table["rid"] = range(offset, offset + n)
        reports.append(table)
        c = part["cells"].copy()
        c["rid"] = c["rid"] + offset
        cells.append(c)
        findings.append(part["findings"])
        measures.append(part["measures"])
        sections += part["sections"]
        offset += n
    report_frame = pd.concat(reports, ignore_index=True).set_index("rid", drop=False) if reports else pd.DataFrame()
    cell_frame = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(columns=["rid", *TIDY_COLUMNS])
    within = [f for f in findings if len(f)]
    if len(report_frame):
        corpus = corpus_from_frames(report_frame, cell_frame, sections)
        cross = check_corpus(corpus, rules=CROSS_YEAR_RULES)
        all_findings = pd.concat([*within, cross], ignore_index=True)
    else:
        all_findings = pd.DataFrame(columns=FINDING_COLUMNS)
    all_findings = all_findings.reindex(columns=FINDING_COLUMNS)
    return dict(reports=report_frame, cells=cell_frame, findings=all_findings,
                measures=pd.concat([m for m in measures if len(m)], ignore_index=True) if any(len(m) for m in measures)
                else pd.DataFrame(), failures=failures)


def write_corpus(corpus: dict, out: Path, *, excel: bool = True) -> None:
    """Parquet, DuckDB, CSV and Excel, each written under a temporary name first."""
    folder = out / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    reports = corpus["reports"].reset_index(drop=True)
    cells = corpus["cells"].merge(reports[["rid", "source", "agency", "year", "template"]], on="rid", how="left")
    cells = cells[["rid", *TIDY_COLUMNS, "label", "how"]] if len(cells) else cells
    tables = {"reports": reports, "cells": cells, "findings": corpus["findings"], "measures": corpus["measures"]}
    for name, frame in tables.items():
        write_table(frame, folder / f"{name}.parquet")
    database = folder / "corpus.duckdb"
    import duckdb

    with atomic_write(database) as tmp:
        tmp.unlink()  # DuckDB creates the file itself
        try:
            with duckdb.connect(str(tmp)) as con:
                for name in tables:
                    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)",
                                [str(folder / f"{name}.parquet")])
        finally:
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
    exports = out / "exports"
    write_table(cells[TIDY_COLUMNS] if len(cells) else cells, exports / "cells.csv")
    write_table(corpus["findings"], exports / "findings.csv")
    if excel:
        write_excel(reports, cells, corpus["findings"], exports / "corpus.xlsx")


EXCEL_LAYOUT_LIMIT = 2_000  # agency-years; beyond, the laid-out sheets would be unusably long


def write_excel(reports: pd.DataFrame, cells: pd.DataFrame, findings: pd.DataFrame, path: Path) -> Path:
    """Sheets: 报告; 表二, 表三, 表四 laid out as printed, one block per agency-year; 检查发现.

    Above :data:`EXCEL_LAYOUT_LIMIT` agency-years the table sheets are left out (a sheet
    says so): the tidy cells are in the Parquet, DuckDB and CSV files.
    """
    from .template import T2_COLUMN_DEFS, T2_ROW, T3_COLUMNS, T3_ROW, T4_COLUMNS, T4_ROWS

    labels = {"t2": ({k: r.label for k, r in T2_ROW.items()}, {k: c.label for k, c in T2_COLUMN_DEFS.items()}),
              "t3": ({k: r.label for k, r in T3_ROW.items()}, {c.key: c.label for c in T3_COLUMNS}),
              "t4": ({r.key: r.label for r in T4_ROWS}, {c.key: c.label for c in T4_COLUMNS})}
    sheets: dict[str, pd.DataFrame] = {}
    if len(reports) <= EXCEL_LAYOUT_LIMIT:
        for table, name in (("t2", "表二"), ("t3", "表三"), ("t4", "表四")):
            part = cells[cells["table"] == table]
            row_labels, column_labels = labels[table]
            wide = part.pivot_table(index=["rid", "row"], columns="column", values="value", aggfunc="first",
                                    dropna=False, observed=True)
            wide = wide.reindex(columns=[c for c in column_labels if c in wide.columns])
            order = {k: i for i, k in enumerate(row_labels)}
            wide = wide.reset_index()
            wide = wide[wide["row"].isin(order)]
            wide = wide.assign(_order=wide["row"].map(order)).sort_values(["rid", "_order"])
            who = reports.set_index("rid")[["agency", "year", "source"]]
            block = who.loc[wide["rid"]].reset_index(drop=True).rename(columns={"agency": "机关", "year": "年度",
                                                                                "source": "来源"})
            block["行"] = wide["row"].map(row_labels).to_numpy()
            for column in wide.columns.drop(["rid", "row", "_order"]):
                block[column_labels[column]] = wide[column].to_numpy()
            sheets[name] = block
    else:
        sheets["说明"] = pd.DataFrame({"说明": [
            f"共 {len(reports)} 个机关年度，超过 {EXCEL_LAYOUT_LIMIT} 个时不按表格排版、不逐条列出检查发现；"
            "各单元格见 corpus/cells.parquet、corpus/corpus.duckdb 或 exports/cells.csv，"
            "检查发现见 exports/findings.csv；本文件的“检查发现”为各机关年度未通过项数。"]})
        fails = findings[findings["status"] == "fail"]
        findings = fails.pivot_table(index=["source", "agency", "year"], columns="rule", values="status",
                                     aggfunc="count", fill_value=0).reset_index()
    with atomic_write(path) as tmp, pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
        reports.drop(columns=["rid"], errors="ignore").to_excel(writer, sheet_name="报告", index=False)
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        findings.to_excel(writer, sheet_name="检查发现", index=False)
    return path


def plan_jobs(reports: pd.DataFrame, out: Path, fail_on: str, notebook: Path) -> list[dict]:
    """One render job per report, with its content hash and its agency's context list."""
    context_dir = out / "corpus" / "context"
    context_dir.mkdir(parents=True, exist_ok=True)
    notebook_hash = sha256_file(notebook)
    jobs = []
    groups = {key: group for key, group in reports.groupby("agency_key", dropna=False)}
    for row in reports.itertuples():
        group = groups.get(row.agency_key)
        others = group[group["source"] != row.source] if group is not None and row.agency_key else reports.iloc[0:0]
        context_files = sorted(str(Path(s).resolve()) for s in others["source"])
        context_hash = hashlib.sha256("".join(sorted(others["sha256"])).encode()).hexdigest()
        stem = safe_stem(row.agency, None if pd.isna(row.year) else int(row.year), row.source)
        context = context_dir / f"{stem}.json"
        write_json(context, context_files)
        key = hashlib.sha256(json.dumps([row.sha256, context_hash, notebook_hash, __version__, fail_on]).encode()).hexdigest()
        jobs.append(dict(stem=stem, source=row.source, key=key, html=str(out / "reports" / f"{stem}.html"),
                         notebook=str(notebook),
                         parameters=dict(source=str(Path(row.source).resolve()), agency=None, year=None,
                                         context=str(context.resolve()), fail_on=fail_on)))
    return jobs


def write_json(path: Path, data) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1))


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
    """Render the jobs that are not current; a killed worker fails only its own report."""
    todo = [j for j in jobs if not is_current(out, j)]
    results = [dict(stem=j["stem"], status="skipped", error="", seconds=0.0) for j in jobs if j not in todo]
    for result in results if on_result else ():
        on_result(result)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    failed = 0
    with _progress(len(todo), "生成报告", progress) as bar:
        queue = list(todo)
        pending: dict[Future, dict] = {}
        while queue or pending:
            while queue and len(pending) < 4 * max(1, getattr(runner, "workers", 8)):
                job = queue.pop(0)
                pending[runner.submit_render(job)] = job
            done, _ = wait_first(list(pending))
            broken = False
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    result = dict(stem=job["stem"], status="failed", seconds=0.0,
                                  error=f"the worker process died ({exc}); rerun to retry")
                    broken = True
                except Exception as exc:
                    result = dict(stem=job["stem"], status="failed", seconds=0.0, error=f"{type(exc).__name__}: {exc}")
                write_json(_state(out, job["stem"]), dict(key=job["key"], status=result["status"],
                                                          seconds=result["seconds"]))
                results.append(result)
                failed += result["status"] != "ok"
                bar.update(1)
                bar.set_postfix_str(f"完成 {bar.n - failed} · 失败 {failed} · 剩余 {len(todo) - bar.n}")
                if on_result:
                    on_result(result)
            if broken:
                # every job still in the broken pool is lost with it: run them again
                queue = [pending[f] for f in pending] + queue
                pending.clear()
                runner.reset_render()
    return results


def run(inputs: Sequence[str | Path], out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
        fail_on: str = "never", render: bool = True, compare: bool = True, excel: bool = True,
        progress: bool = True, notebook: str | Path | None = None) -> BatchResult:
    """The whole batch (see the module docstring)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    timings: dict[str, float] = {}
    files = [p.resolve() for p in discover(inputs)]  # workers may not share our working directory
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    runner = DaskRunner(scheduler) if scheduler else LocalRunner(workers or os.cpu_count() or 1)
    if render and not scheduler:
        # the render server imports everything once; let it do so while the corpus is read
        from multiprocessing import forkserver

        _forkserver()
        forkserver.ensure_running()
    interrupted = False
    results: list[dict] = []
    finished: list[dict] = []  # the results as they come: what an interrupted run still knows
    corpus = dict(reports=pd.DataFrame(), findings=pd.DataFrame(columns=FINDING_COLUMNS), failures=[])
    try:
        started = time.perf_counter()
        corpus = build_corpus(files, runner, progress=progress)
        write_corpus(corpus, out, excel=excel)
        timings["corpus"] = time.perf_counter() - started
        reports = corpus["reports"]
        if render and len(reports):
            started = time.perf_counter()
            jobs = plan_jobs(reports, out, fail_on, notebook_path(notebook or REPORT_NOTEBOOK))
            for job in jobs:  # each page links back to the index and the comparison
                job["parameters"].update(index_url="../index.html", compare_url="../compare.html" if compare else None)
            jobs.sort(key=lambda j: -Path(j["source"]).stat().st_size)  # the largest (slowest) first
            remove_stale(out, jobs)
            queue = ([comparison_job(out, jobs)] if compare else []) + jobs  # the longest first
            results = render_all(queue, runner, out, progress=progress, on_result=finished.append)
            timings["render"] = time.perf_counter() - started
    except KeyboardInterrupt:
        interrupted = True
        results = results or finished
        runner.close(cancel=True)
        remove_leftovers(out)
    else:
        runner.close()
    summary = run_summary(files, corpus, results, out, interrupted=interrupted)
    write_table(summary, out / "run_summary.csv")
    write_index(out, corpus, summary)
    failed = int((summary["status"].isin(["failed", "unreadable"])).sum())
    return BatchResult(out, summary, corpus["reports"], corpus["findings"],
                       rendered=sum(r["status"] == "ok" for r in results),
                       skipped=sum(r["status"] == "skipped" for r in results), failed=failed,
                       interrupted=interrupted, timings=timings)


def comparison_job(out: Path, jobs: list[dict]) -> dict:
    """The comparison report of the whole corpus (redone when any report changed).  It reads
    the corpus files, not the reports' HTML, so it runs beside them."""
    notebook = notebook_path(COMPARE_NOTEBOOK)
    key = hashlib.sha256(json.dumps([[j["key"] for j in jobs], sha256_file(notebook), __version__]).encode()).hexdigest()
    return dict(stem="compare", source="", key=key, html=str(out / "compare.html"), notebook=str(notebook),
                parameters=dict(corpus=str(out.resolve()), years="", agencies="", measure="open_rate",
                                index_url="index.html"))


def run_summary(files: Sequence[Path], corpus: dict, results: list[dict], out: Path, *,
                interrupted: bool = False) -> pd.DataFrame:
    reports = corpus["reports"]
    by_stem = {r["stem"]: r for r in results}
    rows = []
    parsed = {}
    for row in (reports.itertuples() if len(reports) else []):
        stem = safe_stem(row.agency, None if pd.isna(row.year) else int(row.year), row.source)
        parsed[str(row.source)] = (row, stem)
    failures = {f["file"]: f for f in corpus.get("failures", [])}
    for path in files:
        key = str(path)
        if key in failures:
            f = failures[key]
            rows.append(dict(file=key, agency=None, year=None, status="unreadable", seconds=round(f["seconds"], 3),
                             error=f["error"], html=""))
            continue
        if key not in parsed:
            rows.append(dict(file=key, agency=None, year=None, status="interrupted", seconds=0.0, error="", html=""))
            continue
        row, stem = parsed[key]
        result = by_stem.get(stem)
        status = result["status"] if result else ("parsed" if not (results or interrupted) else "interrupted")
        html = out / "reports" / f"{stem}.html"
        rows.append(dict(file=key, agency=row.agency, year=row.year, status=status,
                         seconds=round(float(row.seconds) + (result["seconds"] if result else 0.0), 3),
                         error=(result or {}).get("error", ""),
                         html=str(html.relative_to(out)) if html.exists() else ""))
    if "compare" in by_stem:
        r = by_stem["compare"]
        rows.append(dict(file="(comparison)", agency=None, year=None, status=r["status"],
                         seconds=round(r["seconds"], 3), error=r["error"], html="compare.html"))
    frame = pd.DataFrame(rows, columns=["file", "agency", "year", "status", "seconds", "error", "html"])
    frame["year"] = frame["year"].astype("Int64")  # 2024, not 2024.0 beside the files without a year
    return frame


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def install_sigterm_as_interrupt() -> None:
    """A terminated run stops like Ctrl-C: pools cancelled, temporary files removed."""
    signal.signal(signal.SIGTERM, _interrupt)
