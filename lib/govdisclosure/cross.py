"""The rules that compare reports (:data:`.digest.CROSS_YEAR_RULES`), over a corpus that no
process holds in memory.

Each rule looks at a bounded neighbourhood of a report, and the batch runs it there:

* X-CARRY, X-STOCK, X-YOY, S-COPY, S-COPY-TABLE compare a report with the same agency's
  previous year, X-VERSION the files of one agency-year, H-SUM a summary report with its
  members (the agency table's ``parent``).  They run per **family** — an agency with every
  agency whose ``parent`` links it (:func:`families`; without an agency table, each agency
  alone) — on :class:`~.checks.frame.Corpus` objects of a few thousand reports at a time
  (:data:`BUCKET_REPORTS`), whose cells are read from the run's cell file ordered by family
  (a range of ``rid``), and whose text is given as sentence fingerprints.
* S-COPY-PEER compares a report with every other body's report of the same year: it runs per
  year, its pairs found by DuckDB (:func:`.checks.rules.peer_pairs`) from the stored
  fingerprints.

The same rule functions run as in :func:`.checks.check` on a list of reports, so the findings
are the same (``tests/test_scale.py`` compares them).  An incremental run re-runs the family
rules only for the families whose reports were added, changed or removed, and S-COPY-PEER only
for the years they belong to; the other findings are the last run's (:func:`changes`, and
:func:`.build._reused_sql` for which of them still hold).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from .checks import FINDING_COLUMNS, check_corpus
from .checks.frame import Corpus, corpus_from_frames

FAMILY_RULES = ("X-CARRY", "X-STOCK", "X-YOY", "S-COPY", "S-COPY-TABLE", "H-SUM", "X-VERSION")
PEER_RULES = ("S-COPY-PEER",)
BUCKET_REPORTS = 1_000  # reports whose cells and fingerprints are held at once (≈ 100 MB)
CROSS_COLUMNS = [*FINDING_COLUMNS, "seq"]


def families(reports: pd.DataFrame) -> pd.Series:
    """Per report: its family — the smallest ``agency_key`` of the agencies linked to its own
    by ``parent`` (union–find over the agency table's tree; "" for a report whose agency is
    unknown).  H-SUM compares a summary with its members only within a family."""
    keys = reports["agency_key"].fillna("").astype(str).tolist()
    parents = reports["parent"].fillna("").astype(str).tolist() if "parent" in reports else [""] * len(keys)
    root: dict[str, str] = {}

    def find(k: str) -> str:
        path = []
        while root.get(k, k) != k:
            path.append(k)
            k = root[k]
        for p in path:
            root[p] = k
        return k

    for k, p in zip(keys, parents):
        if k and p:
            a, b = find(k), find(p)
            if a != b:
                root[max(a, b)] = min(a, b)
    return pd.Series([find(k) if k else "" for k in keys], index=reports.index, dtype=object)


def buckets(family: pd.Series, touched: set[str] | None = None, size: int = BUCKET_REPORTS) -> Iterator[np.ndarray]:
    """Positions (in ``family``'s order, which keeps each family together) grouped into runs
    of whole families of about ``size`` reports; only the ``touched`` families when given."""
    values = family.to_numpy()
    if not len(values):
        return
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    current: list[np.ndarray] = []
    count = 0
    for start, end in zip(starts, ends):
        if touched is not None and values[start] not in touched:
            continue
        current.append(np.arange(start, end))
        count += end - start
        if count >= size:
            yield np.concatenate(current)
            current, count = [], 0
    if current:
        yield np.concatenate(current)


def changes(previous: pd.DataFrame | None, keys: pd.DataFrame) -> tuple[set[str] | None, set[int] | None]:
    """(families, years) whose cross findings must be computed again, given the last run's key
    table (``uid``, ``family``, ``year``; None: everything).  A report is changed when its
    ``uid`` is in one table and not the other (a file added, removed, or read again because its
    content changed); its family and year, before and after, are touched."""
    if previous is None:
        return None, None
    before, now = set(previous["uid"].tolist()), set(keys["uid"].tolist())
    gone = previous[previous["uid"].isin(before - now)]
    new = keys[keys["uid"].isin(now - before)]
    # a report read before whose family changed: a new file made its name ambiguous or not
    # (福州市鼓楼区 beside a new 南京市鼓楼区, :func:`.agencies.body_keys`), or the agency table did
    both = previous[["uid", "family", "year"]].merge(keys[["uid", "family"]], on="uid", suffixes=("", "_now"))
    moved = both[both["family"] != both["family_now"]]
    touched_families = (set(gone["family"].tolist()) | set(new["family"].tolist())
                        | set(moved["family"].tolist()) | set(moved["family_now"].tolist()))
    years = pd.concat([gone["year"], new["year"], moved["year"]]).dropna()
    return touched_families, {int(y) for y in years}


def cross_tasks(keys: pd.DataFrame, cells: str | Path, prints: str | Path, work: str | Path, *,
                touched_families: set[str] | None = None, touched_years: set[int] | None = None) -> list[dict]:
    """The cross rules' work as independent tasks (run by :func:`run_task`, in any process that
    sees the working files): one per bucket of whole families (:func:`buckets`) and one per year
    (S-COPY-PEER), for the families and years given (None: all).

    ``keys``: the corpus's key table, one row per report in ``rid`` order (indexed by
    ``rid``), with the columns of :func:`.checks.frame.report_table` and ``family``,
    ``unread``, ``updated``, ``has_text``, ``summary_words``; ``cells`` and ``prints``: the run's
    working files ordered by ``rid`` (tidy cells; fingerprints rid, part, hash, n)."""
    where = dict(cells=str(Path(cells).resolve()), prints=str(Path(prints).resolve()), work=str(Path(work).resolve()))
    tasks = [dict(where, kind="family", keys=keys.iloc[positions])
             for positions in buckets(keys["family"], touched_families)]
    for year in sorted({int(y) for y in keys["year"].dropna()}):
        if touched_years is None or year in touched_years:
            tasks.append(dict(where, kind="year", keys=keys[keys["year"] == year]))
    return tasks


def run_task(task: dict) -> dict:
    """One task of :func:`cross_tasks`: its findings (:data:`CROSS_COLUMNS`, or None) and the
    error of a bug in a rule ("" when none: a bug is said, never raised, so that the other
    tasks go on)."""
    from .digest import failure
    from .store import connect

    keys = task["keys"]
    rids = keys.index.to_numpy()
    con = connect(task["work"])
    try:
        loaders = _loaders(con, task["cells"], task["prints"])
        if task["kind"] == "family":
            corpus = corpus_from_frames(keys, loaders.cells(rids), None,
                                        fingerprints=fingerprint_list(rids, loaders.prints(rids, None)))
            found = check_corpus(corpus, rules=FAMILY_RULES, blank_as_zero=bool(task.get("blank_as_zero")))
        else:
            corpus = Corpus(keys, {}, [None] * len(keys), None, whole_prints=_year_prints(rids, loaders.prints))
            found = check_corpus(corpus, rules=PEER_RULES)
    except Exception as exc:  # a bug of the kit: said in the summary, the rest is kept
        doing = "checking across years" if task["kind"] == "family" else "comparing reports of the same year"
        return dict(findings=None, error=failure("(cross-year rules)", exc, doing))
    finally:
        con.close()
    return dict(findings=_numbered(found) if len(found) else None, error="")


def run_cross(tasks: list[dict], errors: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Run ``tasks`` here, one after the other (the batch runs them on its workers); yields
    each task's findings, records each bug in ``errors``."""
    for task in tasks:
        result = run_task(task)
        if result["error"] and errors is not None:
            errors.append(result["error"])
        if result["findings"] is not None:
            yield result["findings"]


class _loaders:
    """Reading a range of reports from the working files (ordered by ``rid``: DuckDB reads only
    the row groups of the range), through Arrow (text stays in Arrow buffers)."""

    def __init__(self, con, cells: str, prints: str):
        self.con, self.cells_path, self.prints_path = con, cells.replace("'", "''"), prints.replace("'", "''")

    def _frame(self, sql: str, rids: np.ndarray) -> pd.DataFrame:
        import pyarrow as pa

        from .store import batches

        self.con.register("wanted", pd.DataFrame({"rid": np.asarray(rids, dtype=np.int64)}))
        query = sql.format(lo=int(np.min(rids)), hi=int(np.max(rids)))
        found = list(batches(self.con, query))
        if not found:  # no row (reports without cells: pre-2019 ones): the columns all the same
            return self.con.sql(query).df()
        return pa.Table.from_batches(found).to_pandas()

    def cells(self, rids: np.ndarray) -> pd.DataFrame:
        return self._frame(f"SELECT rid, \"table\", \"row\", \"column\", value, state, raw, location, label "
                           f"FROM read_parquet('{self.cells_path}') WHERE rid BETWEEN {{lo}} AND {{hi}} "
                           "AND rid IN (SELECT rid FROM wanted)", rids)

    def prints(self, rids: np.ndarray, part: int | None) -> pd.DataFrame:
        which = "" if part is None else f"AND part = {int(part)}"
        return self._frame(f"SELECT rid, part, hash, n FROM read_parquet('{self.prints_path}') "
                           f"WHERE rid BETWEEN {{lo}} AND {{hi}} {which} AND rid IN (SELECT rid FROM wanted)", rids)


def _numbered(findings: pd.DataFrame) -> pd.DataFrame:
    return findings.assign(seq=np.arange(len(findings), dtype=np.int64))


def fingerprint_list(rids: np.ndarray, prints: pd.DataFrame) -> list[tuple[dict[int, int], dict[int, int]]]:
    """Per report of ``rids`` (in order): its (section 五, whole text) fingerprints as dicts."""
    found: dict[int, tuple[dict[int, int], dict[int, int]]] = {int(r): ({}, {}) for r in rids}
    if len(prints):
        for rid, part, h, n in zip(prints["rid"].tolist(), prints["part"].tolist(), prints["hash"].tolist(),
                                   prints["n"].tolist()):
            found[rid][part][h] = n
    return [found[int(r)] for r in rids]


def _year_prints(rids: np.ndarray, load_prints) -> Callable[[Iterable[int]], pd.DataFrame]:
    """S-COPY-PEER's source of whole-text fingerprints for one year's corpus (positions →
    pos, hash, n), read from the store when the rule asks for them."""

    def whole(positions) -> pd.DataFrame:
        positions = np.asarray(list(positions), dtype=np.int64)
        wanted = rids[positions]
        prints = load_prints(wanted, 1)
        pos_of = pd.Series(positions, index=wanted)
        return pd.DataFrame({"pos": pos_of.reindex(prints["rid"].to_numpy()).to_numpy(),
                             "hash": prints["hash"].to_numpy(), "n": prints["n"].to_numpy()}).astype("int64")

    return whole


__all__ = ["BUCKET_REPORTS", "CROSS_COLUMNS", "FAMILY_RULES", "PEER_RULES", "buckets", "changes", "cross_tasks",
           "families", "fingerprint_list", "run_cross", "run_task"]
