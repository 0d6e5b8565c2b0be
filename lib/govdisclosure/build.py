"""The corpus stage of the batch: files → parts (in workers) → key table → cross rules.

1. **Which files to read.**  The store's manifest (:mod:`.store`) says what every file read
   before held (its SHA-256) and where its rows are.  A file whose content is unchanged, read
   by the same package code, is not read again (unless it ``failed``: a bug or a limit may not
   recur); the others are read in chunks by the workers, which write their parts as they go.
2. **The key table**: one row per report kept (no cell, finding or text) — what the rules
   that compare reports, the primary rule, the run summary and the index need.  Reports are
   numbered ``rid`` in the order of their *family* (:func:`.cross.families`), agency, year and
   file path, so that every agency's reports are a range of ``rid``.
3. **One agency-year, one report**: the primary of each agency-year
   (:func:`.checks.versions.choose_primaries`); the other files are ``duplicate``.
4. **Working files** ordered by ``rid`` (DuckDB over the parts): the cells (which become
   ``corpus/cells.parquet``) and the sentence fingerprints.
5. **The cross rules** (:mod:`.cross`), bucket by bucket of whole families, S-COPY-PEER year
   by year — or, when the folder holds an earlier run, only where files were added, changed
   or removed; their findings are written to a working file as they come.

Nothing here holds a table of every cell, finding or sentence of the corpus: peak memory is
that of the key table (a few hundred bytes a report), one bucket of a few thousand reports, and
DuckDB's bounded working memory.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .checks.frame import with_body_keys
from .checks.reviews import REVIEW_FIELDS
from .checks.versions import choose_primaries, version_keys
from .cross import CROSS_COLUMNS, changes, cross_tasks, families, run_cross
from .store import (CELL_FIELDS, FINDING_FIELDS, PART_SCHEMAS, Store, StoreError, batches, chunk_of, connect,
                    copy_to_parquet, parts_from_bytes, published_schema, write_parts)

CHUNK_MIN, CHUNK_MAX = 25, 200  # files a worker reads per task
SEVERITY_SQL = "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"
FILE_COLUMNS = ["file", "status", "error", "seconds", "sha256", "uid"]

def cell_dtypes() -> dict[str, object]:
    """What ``corpus/cells.parquet`` holds, as pandas dtypes (pandas restores them when reading)."""
    from .checks.frame import _CATEGORIES

    return {"rid": "int64", "source": "str", "agency": "str", "year": "Int64", "template": "str",
            "table": pd.CategoricalDtype(_CATEGORIES["table"]), "row": pd.CategoricalDtype(_CATEGORIES["row"]),
            "column": pd.CategoricalDtype(_CATEGORIES["column"]), "value": "float64",
            "state": pd.CategoricalDtype(_CATEGORIES["state"]), "raw": "str", "location": "str", "label": "str",
            "how": "str"}


def _dtypes_of(fields) -> dict[str, object]:
    out = {}
    for name, kind in fields:
        out[name] = ("Int64" if kind == pa.int64() else "float64" if kind == pa.float64() else
                     "boolean" if kind == pa.bool_() else "str")
    return out


FINDING_DTYPES = _dtypes_of(FINDING_FIELDS)
CROSS_SCHEMA = pa.schema([*FINDING_FIELDS, ("seq", pa.int64())])


@dataclass
class CorpusBuild:
    """What the corpus stage decided, with its tables in the store (see the module docstring).

    ``files``: one row per input file (file, status, error, seconds, sha256, uid, version_of);
    ``reports``: the key table, one row per report in ``rid`` order (indexed by ``rid``), with
    ``primary``, ``versions`` and ``family``; ``cells``: the working cell file (ordered by
    ``rid``, as ``corpus/cells.parquet``); ``cross``: the cross findings files of this run
    (new ones, and the last run's that still hold); ``errors``: bugs met in the cross rules;
    ``output_error``: parts that could not be written (a full disk).  ``build["cells"]`` (and
    findings, measures) loads a table whole: for tests and small corpora.
    """

    store: Store
    files: pd.DataFrame
    reports: pd.DataFrame
    cells: Path | None = None
    prints: Path | None = None
    cross: list[str] = field(default_factory=list)
    cross_reused: str = ""  # SQL selecting the last run's cross findings that still hold
    touched: tuple[list, list] = ([], [])  # families and years whose cross findings were run again
    errors: list[str] = field(default_factory=list)
    output_error: str = ""
    code: str = ""
    settings: dict = field(default_factory=dict)  # the analyst's settings the corpus was built with
    reviews: pd.DataFrame | None = None  # a reviewer's decisions (:func:`.checks.reviews.read_reviews`), by key
    full: bool = True  # the cross rules ran on the whole corpus (no earlier run reused)
    read: int = 0  # files read by this run (the others were unchanged since an earlier run)
    timings: dict = field(default_factory=dict)  # seconds per step; cross_families, cross_years: counts
    _keep: object = None  # a temporary store folder, removed with this object

    # ----------------------------------------------------------------- the tables, whole

    def __getitem__(self, name: str):
        if name == "files":
            return self.files.to_dict("records")
        if name == "reports":
            return self.reports
        if name == "errors":
            return self.errors
        con = connect(self.store.work)
        try:
            register_state(con, self)
            if name == "cells":
                return con.sql(f"SELECT * FROM read_parquet('{self.cells}')").df() if self.cells else pd.DataFrame()
            if name == "findings":
                return con.sql(self.findings_sql()).df().astype(FINDING_DTYPES)
            if name == "measures":
                return con.sql(self.measures_sql()).df()
        finally:
            con.close()
        raise KeyError(name)

    def get(self, name: str, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    # ----------------------------------------------------------------- after publishing

    def remember(self) -> None:
        """Keep what this run decided across reports for the next run (a new ``state-<n>/``:
        the key table and every cross finding now holding), and remove the parts no file of
        this run uses any more.  Call after the outputs are published; with a bug in a cross
        rule (``errors``) the state is dropped instead, so that the next run runs them all."""
        if self.errors:
            self.store.drop_state()
            return
        con = connect(self.store.work)
        try:
            register_state(con, self)
            cross = pa.Table.from_batches(list(batches(con, self._cross_sql())), schema=CROSS_SCHEMA)
        finally:
            con.close()
        keys = self.reports[["uid", "source", "family", "year"]].reset_index(drop=True).assign(code=self.code)
        state = self.store.save_state(dict(keys=keys, cross=cross))
        self.cross, self.cross_reused = [str(state / "cross.parquet")], ""
        self.store.remove_chunks(set(self.live_chunks()))

    def close(self) -> None:
        """Remove the run's working files (and a temporary store)."""
        import shutil

        shutil.rmtree(self.store.work, ignore_errors=True)
        if self._keep is not None:
            self._keep.cleanup()
            self._keep = None

    def _cross_sql(self) -> str:
        names = ", ".join(f'c."{n}"' for n, _ in FINDING_FIELDS)
        sources = [f"SELECT {names}, c.seq FROM read_parquet('{_quote(Path(c))}') c" for c in self.cross]
        if self.cross_reused:
            sources.append(self.cross_reused)
        if not sources:
            return f"SELECT * FROM read_parquet('{_quote(Path(self.cross[0]))}') WHERE false"
        return " UNION ALL ".join(sources)

    # ----------------------------------------------------------------- SQL over the parts

    def live_chunks(self) -> list[int]:
        return sorted({chunk_of(int(u)) for u in self.reports["uid"].tolist()})

    def part_list(self, table: str) -> str:
        paths = self.store.paths(table, self.live_chunks())
        return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"

    def findings_sql(self, columns: str = "f.* EXCLUDE (rid, seq)") -> str:
        """Every finding (within-report and cross), ordered by report, severity, status, rule.
        Needs the key table registered as ``keys`` (uid, rid, source)."""
        names = ", ".join(f'"{n}"' for n, _ in FINDING_FIELDS)
        parts = [f"SELECT k.rid, {', '.join('w.' + chr(34) + n + chr(34) for n, _ in FINDING_FIELDS)}, "
                 f"CAST(w.seq AS BIGINT) AS seq FROM read_parquet({self.part_list('findings')}) w "
                 "JOIN keys k USING (uid)"] if self.live_chunks() else []
        sources = [f"read_parquet('{_quote(Path(c))}')" for c in self.cross]
        if self.cross_reused:
            sources.append(f"({self.cross_reused})")
        for source in sources:
            parts.append(f"SELECT k.rid, {', '.join('c.' + chr(34) + n + chr(34) for n, _ in FINDING_FIELDS)}, "
                         f"c.seq FROM {source} c JOIN keys k USING (source)")
        if not parts:
            return f"SELECT {names} FROM (SELECT {', '.join(f'NULL AS {chr(34)}{n}{chr(34)}' for n, _ in FINDING_FIELDS)}) WHERE false"
        union = " UNION ALL ".join(parts)
        if self.reviews is not None and len(self.reviews):  # a reviewer's decisions, matched by key
            fields = ", ".join(f'coalesce(r."{n}", \'\') AS "{n}"' for n in REVIEW_FIELDS)
            union = (f"SELECT u.* REPLACE ({fields}) FROM ({union}) u "
                     "LEFT JOIN (SELECT * FROM reviews) r ON u.\"key\" = r.\"key\"")
        return (f"SELECT {columns} FROM ({union}) f "
                f"ORDER BY f.rid, {SEVERITY_SQL.replace('severity', 'f.severity')}, f.status <> 'fail', f.rule, f.seq")

    def measures_sql(self, columns: str = "m.* EXCLUDE (rid, seq)") -> str:
        if not self.live_chunks():
            return "SELECT NULL AS source WHERE false"
        return (f"SELECT {columns} FROM (SELECT k.rid, p.* EXCLUDE (uid) FROM read_parquet({self.part_list('measures')}) p "
                "JOIN keys k USING (uid)) m ORDER BY m.rid, m.seq")

    def reports_sql(self, columns: str = "r.* EXCLUDE (uid, has_text, summary_words)") -> str:
        return (f"SELECT {columns} FROM (SELECT k.rid, p.* FROM read_parquet({self.part_list('reports')}) p "
                "JOIN keys k USING (uid)) r ORDER BY r.rid")


# --------------------------------------------------------------------------- the stage

def chunk_size(files: int, workers: int) -> int:
    """Files per task: enough tasks to keep every worker busy to the end, few enough that the
    store does not fill with tiny parts."""
    return int(min(CHUNK_MAX, max(CHUNK_MIN, files // max(1, workers * 8))))


def plan_reads(files: Sequence[Path], manifest: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """(files to read, manifest rows of the files kept as they were read before).  A file is
    kept when the manifest has it, it did not fail, and its content hash is unchanged (hashed
    here, a few files at a time in threads)."""
    names = [str(p) for p in files]
    if not len(manifest):
        return names, manifest.iloc[0:0]
    known = manifest[(manifest["status"] != "failed") & (manifest["sha256"].fillna("") != "")]
    known = known.drop_duplicates("file", keep="last").set_index("file", drop=False)
    candidates = [n for n in names if n in known.index]
    from .digest import content_hash

    with ThreadPoolExecutor(4) as pool:
        hashes = dict(zip(candidates, pool.map(content_hash, candidates)))
    same = [n for n in candidates if hashes[n] and hashes[n] == known.at[n, "sha256"]]
    kept = known.loc[same].reset_index(drop=True)
    unchanged = set(same)
    return [n for n in names if n not in unchanged], kept


def read_files(todo: list[str], runner, store: Store, *, code: str, progress: bool = True,
               folder: str | None = None, settings: dict | None = None) -> tuple[pd.DataFrame, str]:
    """Read ``todo`` in chunks on ``runner``'s workers (each writes its parts, or returns them
    for this process to write when ``folder`` is None); returns (one row per file, the first
    error writing parts or "")."""
    from .batch import BAD, FILE_SECONDS, Lost, _progress, schedule

    size = chunk_size(len(todo), runner.workers)

    def job(paths: list[str]) -> dict:
        return dict(paths=paths, chunk=store.next_chunk(), folder=folder, code=code, settings=settings)

    jobs = [job(todo[i:i + size]) for i in range(0, len(todo), size)]
    rows: list[pd.DataFrame] = []
    output_error = ""
    failed = 0
    with _progress(len(todo), "读取与检查", progress) as bar:
        for item, result in schedule(jobs, runner.submit_digest, limit=runner.workers,
                                     seconds=lambda j: len(j["paths"]) * FILE_SECONDS + 60,
                                     restart=runner.reset_parse, split=lambda j: [job([p]) for p in j["paths"]],
                                     deadlines=runner.deadlines):
            if isinstance(result, Lost):
                frame = pd.DataFrame([dict(file=p, status="failed", error=f"{p}: {result.reason}", seconds=0.0,
                                           sha256="", uid=None) for p in item["paths"]])
            else:
                frame = pd.DataFrame(result["files"])
                if "parts" in result:  # a worker that does not share the folder
                    try:
                        write_parts(store.folder, result["chunk"], parts_from_bytes(result["parts"]))
                    except StoreError as exc:
                        result["error"] = f"{exc.strerror} ({exc.filename})" if exc.filename else str(exc.strerror)
                if result.get("error"):
                    output_error = output_error or result["error"]
                    frame["uid"] = None  # its rows were not stored
            rows.append(frame.reindex(columns=FILE_COLUMNS))
            failed += int(frame["status"].isin(BAD).sum())
            bar.update(len(item["paths"]))
            bar.set_postfix_str(f"无法读取或失败 {failed}")
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=FILE_COLUMNS)
    return frame, output_error


def build_corpus(files: Sequence[Path], runner, *, store: str | Path | None = None, progress: bool = True,
                 code: str | None = None, settings: dict | None = None) -> CorpusBuild:
    """Read, class and check every file (new or changed ones only when ``store`` holds an
    earlier run), choose each agency-year's primary, run the cross rules.  ``store``: the
    parts folder (``OUT/corpus/parts``); None: a temporary one, removed with the result.
    ``settings``: the analyst's agency table and blank-as-zero (:func:`.digest.settings_of`);
    they are part of the code key, so a run with other settings reads every file again."""
    from .batch import code_hash

    keep = None
    if store is None:
        keep = tempfile.TemporaryDirectory(prefix="govdisclosure-store-")
        store = keep.name
    store = Store(store)
    store.folder.mkdir(parents=True, exist_ok=True)
    store.clear_work()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    code = code or code_hash()
    if settings and any(settings.values()):
        code = hashlib.sha256(json.dumps([code, settings], sort_keys=True).encode()).hexdigest()
    manifest = store.manifest(code)
    todo, kept = plan_reads(files, manifest)
    lap("hash")
    folder = runner.store_folder(store.folder) if hasattr(runner, "store_folder") else str(store.folder)
    read, output_error = read_files(todo, runner, store, code=code, progress=progress, folder=folder,
                                    settings=settings)
    lap("read")
    table = pd.concat([kept.reindex(columns=FILE_COLUMNS), read], ignore_index=True) if len(kept) else read
    order = {str(p): i for i, p in enumerate(files)}
    table = table.assign(_order=table["file"].map(order).fillna(len(order))).sort_values("_order", kind="stable")
    table = table.drop(columns="_order").reset_index(drop=True)
    table["uid"] = table["uid"].astype("Int64")
    build = CorpusBuild(store, table, _key_table(store, table), output_error=output_error, code=code, _keep=keep,
                        read=len(todo), timings=timings, settings=settings or {})
    _class_versions(build)
    lap("keys")
    if len(build.reports) and not output_error:
        _work_files(build)
        lap("order")
        _cross(build, runner)
        lap("cross")
    if hasattr(runner, "reset_parse"):
        runner.reset_parse()  # the reading workers' memory is not needed any more
    return build


def _key_table(store: Store, files: pd.DataFrame) -> pd.DataFrame:
    """The reports of the live files (their rows in the parts), in ``rid`` order."""
    uids = files["uid"].dropna().astype("int64")
    columns = [n for n in PART_SCHEMAS["reports"].names]
    if not len(uids):
        frame = pd.DataFrame(columns=["rid", *columns, "family", "primary", "versions"])
        return frame.set_index("rid", drop=False)
    con = connect(store.work)
    try:
        con.register("live", pd.DataFrame({"uid": uids.to_numpy()}))
        paths = store.paths("reports", {chunk_of(int(u)) for u in uids.tolist()})
        frame = con.sql("SELECT p.* FROM read_parquet(?) p SEMI JOIN live USING (uid)", params=[paths]).df()
    finally:
        con.close()
    frame["year"] = frame["year"].astype("Int64")
    frame["summary"] = frame["summary"].astype("boolean")
    frame = with_body_keys(frame)  # bodies of one name in different regions told apart, over the whole corpus
    frame["family"] = families(frame).to_numpy()
    frame = frame.assign(_year=frame["year"].fillna(-1)).sort_values(
        ["family", "agency_key", "_year", "source"], kind="stable").drop(columns="_year")
    frame.insert(0, "rid", np.arange(len(frame), dtype=np.int64))
    return frame.set_index("rid", drop=False)


def _class_versions(build: CorpusBuild) -> None:
    """The primary of each agency-year; the other files become ``duplicate`` (with the primary
    they are a version of), and each primary's row lists its other versions (JSON)."""
    import json

    reports = build.reports
    if not len(reports):
        reports["primary"], reports["versions"] = pd.Series(dtype=bool), pd.Series(dtype="str")
        build.files["version_of"] = ""
        return
    reports["primary"] = choose_primaries(reports)
    keys = version_keys(reports).to_numpy()
    sources = reports["source"].astype(str).to_numpy()
    primary = reports["primary"].to_numpy()
    primary_of = dict(zip(keys[primary], sources[primary]))
    others: dict[str, list[str]] = {}
    for key, source, p in zip(keys, sources, primary):
        if not p:
            others.setdefault(primary_of[key], []).append(source)
    reports["versions"] = [json.dumps(others.get(s, []), ensure_ascii=False) for s in sources]
    duplicate_of = {s: primary_of[k] for k, s, p in zip(keys, sources, primary) if not p}
    files = build.files
    files["version_of"] = [duplicate_of.get(f, "") for f in files["file"].astype(str)]
    files.loc[files["version_of"] != "", "status"] = "duplicate"


def _work_files(build: CorpusBuild) -> None:
    """The cells (as ``corpus/cells.parquet`` will hold them) and the sentence fingerprints,
    ordered by ``rid``, from the parts of the reports kept."""
    work = build.store.work
    con = connect(work)
    try:
        keys = build.reports[["uid", "rid", "source", "agency", "year", "template"]].reset_index(drop=True)
        con.register("keys", keys)
        build.cells = work / "cells.parquet"
        names = ", ".join(f'c."{n}"' for n, _ in CELL_FIELDS)
        copy_to_parquet(con, f"SELECT k.rid, k.source, k.agency, k.year, k.template, {names} "
                             f"FROM read_parquet({build.part_list('cells')}) c JOIN keys k USING (uid) "
                             "ORDER BY k.rid, c.seq", build.cells, published_schema(cell_dtypes()))
        build.prints = work / "prints.parquet"
        con.execute(f"COPY (SELECT k.rid, p.part, p.hash, p.n FROM read_parquet({build.part_list('prints')}) p "
                    f"JOIN keys k USING (uid) ORDER BY k.rid) TO '{_quote(build.prints)}' "
                    "(FORMAT PARQUET, ROW_GROUP_SIZE 65536)")
    finally:
        con.close()


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _cross(build: CorpusBuild, runner=None) -> None:
    """The cross rules, everywhere or where the last run's findings no longer hold, as tasks
    on ``runner``'s workers when it can run them (both cores; a Dask cluster that shares the
    folder), else here; the findings go to ``work/cross.parquet`` as each task finishes."""
    from .batch import Lost, schedule

    keys = build.reports
    previous_keys, previous_cross = _previous_state(build)
    touched_families, touched_years = changes(previous_keys, keys)
    build.full = touched_families is None
    tasks = cross_tasks(keys, build.cells, build.prints, build.store.work, touched_families=touched_families,
                        touched_years=touched_years)
    for task in tasks:
        task["blank_as_zero"] = bool(build.settings.get("blank_as_zero"))
    # how much was checked again: the families (agencies and the bodies they sum) and the years
    build.timings["cross_families"] = sum(int(t["keys"]["family"].nunique()) for t in tasks if t["kind"] == "family")
    build.timings["cross_years"] = sum(1 for t in tasks if t["kind"] == "year")
    path = build.store.work / "cross.parquet"
    with pq.ParquetWriter(path, CROSS_SCHEMA, compression="zstd") as writer:
        if runner is not None and getattr(runner, "cross_here", lambda: True)() is False:
            for item, result in schedule(tasks, runner.submit_cross, limit=runner.workers, seconds=lambda t: 600,
                                         restart=runner.reset_parse, deadlines=runner.deadlines):
                if isinstance(result, Lost):
                    build.errors.append(f"(cross-year rules): a worker was lost checking {len(item['keys'])} "
                                        f"reports across years: {result.reason}")
                    continue
                if result["error"]:
                    build.errors.append(result["error"])
                if result["findings"] is not None:
                    writer.write_table(_cross_table(result["findings"]))
        else:
            for frame in run_cross(tasks, build.errors):
                writer.write_table(_cross_table(frame))
    build.cross = [str(path)]
    if previous_cross is not None and not build.full:
        build.touched = (sorted(touched_families), sorted(touched_years))
        build.cross_reused = _reused_sql(previous_cross)


def _cross_table(frame: pd.DataFrame) -> pa.Table:
    frame = frame[CROSS_COLUMNS].copy()
    for f in CROSS_SCHEMA:
        if pa.types.is_string(f.type):
            frame[f.name] = frame[f.name].astype(object).where(frame[f.name].notna(), None)
    return pa.Table.from_pandas(frame, schema=CROSS_SCHEMA, preserve_index=False)


def _previous_state(build: CorpusBuild) -> tuple[pd.DataFrame | None, str | None]:
    """The last published run's key table and cross findings file, when they were made by the
    same package code (else None: the cross rules run on everything)."""
    state = build.store.state()
    if state is None or not (state / "keys.parquet").exists() or not (state / "cross.parquet").exists():
        return None, None
    keys = pq.read_table(state / "keys.parquet").to_pandas()
    codes = set(keys["code"].unique().tolist()) if "code" in keys else set()
    if codes != {build.code} and len(keys):
        return None, None
    return keys, str(state / "cross.parquet")


def _reused_sql(previous: str) -> str:
    """SQL selecting the last run's cross findings that still hold (see :func:`.cross.reusable`);
    reads the tables ``keys`` (source, family, year) and ``touched_families``, ``touched_years``
    registered where it runs."""
    names = ", ".join(f'c."{n}"' for n, _ in FINDING_FIELDS)
    return (f"SELECT {names}, c.seq FROM read_parquet('{_quote(Path(previous))}') c JOIN keys_all k USING (source) "
            "WHERE (c.rule = 'S-COPY-PEER' AND (k.year IS NULL OR k.year NOT IN (SELECT year FROM touched_years))) "
            "OR (c.rule <> 'S-COPY-PEER' AND k.family NOT IN (SELECT family FROM touched_families))")


def register_state(con, build: CorpusBuild) -> None:
    """Register what :meth:`CorpusBuild.findings_sql` reads: the key table (``keys``, and
    ``keys_all`` with family and year) and the touched families and years."""
    reports = build.reports
    con.register("keys", reports[["uid", "rid", "source"]].reset_index(drop=True))
    con.register("keys_all", reports[["source", "family", "year"]].reset_index(drop=True))
    if build.reviews is not None and len(build.reviews):
        con.register("reviews", build.reviews[["key", *REVIEW_FIELDS]].astype(str).reset_index(drop=True))
    families_, years = build.touched
    con.register("touched_families", pd.DataFrame({"family": pd.Series(families_, dtype=object)}))
    con.register("touched_years", pd.DataFrame({"year": pd.Series(years, dtype="int64")}))


__all__ = ["CorpusBuild", "build_corpus", "cell_dtypes", "chunk_size", "plan_reads", "read_files", "register_state"]
