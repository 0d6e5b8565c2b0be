"""Read, classify and check files — one at a time (:func:`read_one`, for the command line) or a
chunk in a worker process (:func:`digest_files`, the corpus stage of the batch), returning
tables, not objects.

Every file ends in one class (:data:`FILE_CLASSES`): ``report`` (read), ``pre-2019`` (a
report from before the national template: recognised, no statistical table read), ``not a
report`` (a page or note without the template's tables and sections), ``unreadable``
(damaged, empty, binary, encrypted, or not a regular file), ``failed`` (the kit broke on it:
a bug, or a file that reached a limit of :mod:`.limits`; the error says which).  The batch
adds ``duplicate``: another file of an agency-year already read (see :mod:`.checks.versions`).
Nothing a file does ends the work on the others.

This module imports only what reading and checking need (no IPython, papermill or nbconvert),
so worker processes start quickly.
"""

from __future__ import annotations

import functools
import time
import traceback
from dataclasses import dataclass

import pandas as pd

from .checks import FINDING_COLUMNS, check_corpus
from .checks.catalogue import RULES
from .checks.frame import build_corpus, cells_table, prose
from .checks.text import is_summary, report_fingerprints
from .checks.versions import published_date, unread_cells
from .errors import NotAReportError, ReportReadError
from .limits import FILE_MEMORY_BYTES, FILE_SECONDS, TimeLimitExceeded, file_limits
from .measures import MIN_CASES, measure_rows
from .model import Report
from .names import fallback_agency, known
from .parse import parse_document
from .readers import display_path, read_document
from .template import PRE_2019

# rules that compare reports with each other: the batch runs them once on the whole corpus
CROSS_YEAR_RULES = ("X-CARRY", "X-STOCK", "X-YOY", "S-COPY", "S-COPY-PEER", "S-COPY-TABLE", "H-SUM", "X-VERSION")
WITHIN_REPORT_RULES = tuple(r.id for r in RULES if r.id not in CROSS_YEAR_RULES)
FILE_CLASSES = ("report", "duplicate", "pre-2019", "not a report", "unreadable", "failed")
PRE_2019_NOTE = "2019年以前的旧格式年报，未读取统计表"
NO_AGENCY_NOTE = "机关名称未识别，以文件名代替"
NO_YEAR_NOTE = "年度未识别"
HEAD_LINES = 12  # lines near the top where a page states when it was published or updated


@dataclass
class Outcome:
    """What became of one file."""

    file: str
    status: str  # report | pre-2019 | not a report | unreadable | failed
    report: Report | None = None
    error: str = ""
    seconds: float = 0.0
    updated: str | None = None  # ISO date the page says it was published or last updated


def read_one(path, *, seconds: float | None = FILE_SECONDS, memory: int | None = FILE_MEMORY_BYTES) -> Outcome:
    """Read one file under the limits of :mod:`.limits` and class it; never raises (except
    ``KeyboardInterrupt``)."""
    started = time.perf_counter()
    name = str(path)
    try:
        with file_limits(seconds, memory):
            doc = read_document(path)
            report = parse_document(doc)
            updated = published_date(doc.fields, (line.text for line in doc.lines[:HEAD_LINES]))
    except NotAReportError as exc:
        return Outcome(name, "not a report", error=str(exc), seconds=time.perf_counter() - started)
    except ReportReadError as exc:
        return Outcome(name, "unreadable", error=str(exc), seconds=time.perf_counter() - started)
    except TimeLimitExceeded as exc:
        return Outcome(name, "failed", error=f"{name}: {exc}", seconds=time.perf_counter() - started)
    except MemoryError:
        return Outcome(name, "failed", seconds=time.perf_counter() - started,
                       error=f"{name}: stopped when it needed more than {memory / 2 ** 30:g} GB of memory "
                             "(the limit for one file)" if memory else f"{name}: ran out of memory")
    except Exception as exc:  # a bug of the kit: recorded against this file, the others go on
        return Outcome(name, "failed", seconds=time.perf_counter() - started, error=failure(name, exc))
    # a file name that is not UTF-8 cannot enter a table (pandas holds text as UTF-8): the report
    # is known by its name with escapes (readers.display_path)
    report.source = display_path(report.source)
    status = "pre-2019" if report.template == PRE_2019 else "report"
    return Outcome(name, status, report, seconds=time.perf_counter() - started, updated=updated)


def failure(name: str, exc: BaseException, doing: str = "reading it") -> str:
    """The message of a file that broke the kit: the error and where it arose."""
    where = traceback.extract_tb(exc.__traceback__)[-3:]
    trail = " < ".join(f"{frame.name} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" for frame in reversed(where))
    return f"{name}: {type(exc).__name__} while {doing}: {exc} [{trail}] (a bug in govdisclosure)"


def notes_of(report: Report) -> str:
    """What an analyst must know of a report's identity: a fallback name, an unknown year, an
    old format."""
    notes = []
    if report.template == PRE_2019:
        notes.append(PRE_2019_NOTE)
    if not (known(report.agency) and str(report.agency).strip()):
        notes.append(NO_AGENCY_NOTE)
    if not known(report.year):
        notes.append(NO_YEAR_NOTE)
    return "；".join(notes)


def settings_of(settings: dict | None) -> tuple["AgencyTable | None", bool]:
    """(agency table or None, blank_as_zero) of a batch's ``settings`` (``agencies``: the path
    of the analyst's agency table CSV, ``blank_as_zero``); the table read once per process."""
    settings = settings or {}
    path = settings.get("agencies")
    return (_agency_table(path, settings.get("agencies_sha", "")) if path else None,
            bool(settings.get("blank_as_zero")))


@functools.lru_cache(maxsize=4)
def _agency_table(path: str, sha: str):  # ``sha``: an edited table at the same path is read again
    from .agencies import AgencyTable

    return AgencyTable.from_csv(path)


def _tables(reports: list[Report], outcomes: list[Outcome], settings: dict | None = None) -> dict:
    """The chunk's tables (raises on a bug in checking or measuring any one report).

    Reports are numbered ``lid`` 0… in the chunk; besides the within-report findings and
    measures, each report's row says what the rules that compare reports need of it — cells
    not read (the primary rule), whether it has text and whether it calls itself a summary
    (S-COPY, H-SUM) — and ``prints`` holds its sentence fingerprints (S-COPY, S-COPY-PEER),
    so that the batch need not keep its text."""
    agencies, blank_as_zero = settings_of(settings)
    corpus = build_corpus(reports, agencies=agencies)
    table = corpus.reports.reset_index(drop=True).rename(columns={"rid": "lid"})
    table["agency"] = [fallback_agency(r.agency, r.source) for r in reports]  # never NaN in an output
    table["note"] = [notes_of(r) for r in reports]
    table["seconds"] = [o.seconds for o in outcomes]
    table["format"] = [r.format for r in reports]
    table["sha256"] = [r.sha256 for r in reports]
    table["updated"] = [o.updated for o in outcomes]  # which version of an agency-year is primary
    table["unread"] = unread_cells(corpus) if reports else []
    quality = [_quality(r) for r in reports]
    for i, name in enumerate(("cells_read", "cells_recovered", "cells_ambiguous")):
        table[name] = [q[i] for q in quality]
    texts = [prose(r.sections) for r in reports]
    table["has_text"] = [bool(r.sections) for r in reports]
    table["summary_words"] = [is_summary(t.values()) for t in texts]
    shown = dict(zip(table["source"], table["agency"]))
    findings = (check_corpus(corpus, rules=WITHIN_REPORT_RULES, blank_as_zero=blank_as_zero) if reports
                else pd.DataFrame(columns=FINDING_COLUMNS))
    if len(findings):
        findings["agency"] = findings["source"].map(shown)
        findings["lid"] = findings["source"].map({r.source: i for i, r in enumerate(reports)})
    rows = [dict(row, lid=i) for i, r in enumerate(reports) if r.template != PRE_2019
            for row in measure_rows(r, blank_as_zero=blank_as_zero)]  # no table: no measure
    measures = pd.DataFrame(rows)
    if rows:
        measures["agency"] = measures["source"].map(shown)
        measures["rankable"] = measures["cases"].fillna(0) >= MIN_CASES
    cells = cells_table(reports).rename(columns={"rid": "lid"})
    prints = [(i, part, h, n) for i, t in enumerate(texts)
              for part, found in enumerate(report_fingerprints(t)) for h, n in found.items()]
    return dict(reports=table, cells=cells, findings=findings, measures=measures,
                prints=pd.DataFrame(prints, columns=["lid", "part", "hash", "n"]))


def _quality(report: Report) -> tuple[int | None, int | None, int | None]:
    """Cells read as printed, recovered (a number the parser had to mend, ``how`` says how),
    and ambiguous: the data quality the index shows (None for a report without cells)."""
    if not report.cell_list:
        return None, None, None
    read = recovered = ambiguous = 0
    for c in report.cell_list:
        if c.state == "number":
            if c.how:
                recovered += 1
            else:
                read += 1
        elif c.state == "ambiguous":
            ambiguous += 1
    return read, recovered, ambiguous


def digest_files(paths: list[str], settings: dict | None = None) -> dict:
    """Read, class and check (within-report rules) a chunk of files.

    Returns the reports' rows (class ``report`` and ``pre-2019``, numbered ``lid``), their
    tidy cells, findings, measures and sentence fingerprints (``prints``), and ``files``: one
    row per path with its class, error, seconds and content hash.  Cross-year rules run
    later, on the whole corpus.  A report on which checking or measuring breaks is class
    ``failed`` and left out of the tables; the others stay.  ``settings``: the batch's analyst
    settings (:func:`settings_of`).
    """
    outcomes = [read_one(path) for path in paths]
    read = [o for o in outcomes if o.report is not None]
    try:
        tables = _tables([o.report for o in read], read, settings)
    except Exception:  # find the report that breaks it, and keep the others
        kept = []
        for outcome in read:
            try:
                _tables([outcome.report], [outcome], settings)
                kept.append(outcome)
            except Exception as exc:
                outcome.status, outcome.error = "failed", failure(outcome.file, exc, "checking it")
                outcome.report = None
        read = kept
        tables = _tables([o.report for o in read], read, settings)
    lids = {id(o): i for i, o in enumerate(read)}
    tables["files"] = [dict(file=o.file, status=o.status, error=o.error, seconds=o.seconds, sha256=content_hash(o.file),
                            lid=lids.get(id(o))) for o in outcomes]
    return tables


def content_hash(path) -> str:
    """SHA-256 of a file's bytes ("" when it cannot be read): how a later run knows the file
    is unchanged."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""


def digest_chunk(paths: list[str], chunk: int, folder: str | None, code: str, settings: dict | None = None) -> dict:
    """A worker's whole task in the batch: read a chunk of files (:func:`digest_files`) and
    write its parts into the store at ``folder`` (:mod:`.store`), or, with ``folder`` None,
    return them as Parquet bytes for the caller to write.

    Returns ``files`` (one dict per path: class, error, seconds, sha256, ``uid`` of its report
    or None), ``chunk``, and either ``parts`` (bytes) or ``error`` when the parts could not be
    written (a full disk).  Never raises for a file's or a disk's trouble.
    """
    from .store import StoreError, part_tables, parts_to_bytes, uid_of, write_parts

    tables = digest_files(paths, settings)
    files = []
    for f in tables["files"]:
        lid = f.pop("lid")
        files.append(dict(f, uid=None if lid is None else uid_of(chunk, lid), code=code))
    tables["files"] = pd.DataFrame(files, columns=["file", "status", "error", "seconds", "sha256", "uid", "code"])
    parts = part_tables(tables, chunk)
    result = dict(files=files, chunk=chunk)
    if folder is None:
        result["parts"] = parts_to_bytes(parts)
        return result
    try:
        write_parts(folder, chunk, parts)
    except StoreError as exc:
        result["error"] = f"{exc.strerror} ({exc.filename})" if exc.filename else str(exc.strerror)
    return result


def digest_job(job: dict) -> dict:
    """:func:`digest_chunk` of a job dict (paths, chunk, folder, code): what the batch submits.
    Afterwards the worker gives the memory it freed back to the system (glibc keeps it
    otherwise), so that an idle worker holds little."""
    result = digest_chunk(job["paths"], job["chunk"], job["folder"], job["code"], job.get("settings"))
    release_memory()
    return result


def release_memory() -> None:
    """Collect garbage and hand the heap's free pages back to the system (glibc's
    ``malloc_trim``; nothing elsewhere), so that a worker between tasks holds only what it uses."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
