"""The corpus store: what the batch's workers write as they read, under ``OUT/corpus/parts/``.

A batch reads its files in *chunks*; each chunk is read by one worker, which writes its share
of the corpus as Parquet *parts* — one file per table, named by the chunk's number::

    parts/reports/<chunk>.parquet   one row per file read as a report (class report or pre-2019)
    parts/cells/<chunk>.parquet     their tidy cells
    parts/findings/<chunk>.parquet  findings of the rules that look at one report at a time
    parts/measures/<chunk>.parquet  measures
    parts/prints/<chunk>.parquet    sentence fingerprints of their text (S-COPY, S-COPY-PEER)
    parts/files/<chunk>.parquet     one row per file of the chunk: class, error, seconds, content
                                    hash (SHA-256), the report's id, the package code it was read with

Each part is written under a temporary name and renamed when complete; the ``files`` part is
written last, so a chunk is *complete* when it has one (a chunk cut short by a kill has none
and is ignored, then removed).  The ``files`` parts together are the **manifest**: for every
file ever read into this folder, its content hash and where its rows are.  A report's rows
carry ``uid`` = chunk number × 2**20 + its place in the chunk, unique in the store; a run
selects the rows of the reports it keeps by joining on ``uid``, so rows of a file that
changed since, or was removed, are simply not selected.

``parts/state-<n>/`` holds what the last published run decided across reports (its key table
and the findings of the cross-year rules) so that the next run re-runs those rules only for
the agencies its new or changed files touch (:mod:`.cross`); ``parts/work/`` holds a run's
working files (cells and fingerprints ordered by agency, DuckDB's spill files).

DuckDB does the joining and ordering (:func:`connect`: bounded memory, spilling to
``work/``), Arrow streams the results into Parquet (:func:`copy_to_parquet`): no table of the
whole corpus is ever held in one process's memory.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

PART_TABLES = ("reports", "cells", "findings", "measures", "prints", "files")  # files last: the commit
LID_BITS = 20  # a chunk holds fewer than 2**20 files
DUCKDB_MEMORY = os.environ.get("GOVDISCLOSURE_DUCKDB_MEMORY", "256MB")  # DuckDB spills to disk beyond this
DUCKDB_THREADS = 2
_CHUNK_NAME = re.compile(r"^(\d{13})\.parquet$")

_STR = pa.string()
_CAT = pa.dictionary(pa.int8(), pa.string())
REPORT_FIELDS = [
    ("source", _STR), ("agency", _STR), ("agency_key", _STR), ("agency_name", _STR), ("agency_region", _STR),
    ("kind", _STR), ("parent", _STR), ("summary", pa.bool_()), ("year", pa.int64()), ("template", _STR),
    ("t3_other", _STR), ("tables", _STR), ("ambiguous", pa.int64()), ("recovered", pa.int64()), ("published", _STR), ("published_from", _STR),
    ("note", _STR), ("seconds", pa.float64()), ("format", _STR), ("sha256", _STR), ("updated", _STR),
    # cells of the template's layout not read (the primary rule), and the data quality the index shows
    ("unread", pa.int64()), ("cells_read", pa.int64()), ("cells_recovered", pa.int64()),
    ("cells_ambiguous", pa.int64()),
]
CELL_FIELDS = [("table", _CAT), ("row", _CAT), ("column", _CAT), ("value", pa.float64()), ("state", _CAT),
               ("raw", _STR), ("location", _STR), ("label", _STR), ("how", _STR)]
FINDING_FIELDS = [
    ("source", _STR), ("agency", _STR), ("agency_id", _STR), ("year", pa.int64()), ("rule", _STR), ("title", _STR),
    ("severity", _STR), ("status", _STR), ("table", _STR), ("row", _STR), ("column", _STR), ("printed", _STR),
    ("expected", pa.float64()), ("actual", pa.float64()), ("gap", pa.float64()), ("message", _STR),
    ("location", _STR), ("key", _STR), ("review", _STR), ("review_reason", _STR), ("reviewer", _STR),
    ("review_date", _STR),
]
MEASURE_FIELDS = [
    ("source", _STR), ("agency", _STR), ("year", pa.int64()), ("measure", _STR), ("label", _STR),
    ("value", pa.float64()), ("numerator", pa.float64()), ("denominator", pa.float64()), ("unit", _STR),
    ("formula", _STR), ("status", _STR), ("note", _STR), ("cases", pa.float64()),
    ("value_blank_as_zero", pa.float64()), ("blanks", pa.bool_()), ("rankable", pa.bool_()),
]
PART_SCHEMAS = {
    "reports": pa.schema([("uid", pa.int64()), *REPORT_FIELDS, ("has_text", pa.bool_()), ("summary_words", _STR)]),
    "cells": pa.schema([("uid", pa.int64()), ("seq", pa.int32()), *CELL_FIELDS]),
    "findings": pa.schema([("uid", pa.int64()), ("seq", pa.int32()), *FINDING_FIELDS]),
    "measures": pa.schema([("uid", pa.int64()), ("seq", pa.int32()), *MEASURE_FIELDS]),
    # part 0: section 五, 1: the whole text; n: the sentence's length in characters
    "prints": pa.schema([("uid", pa.int64()), ("part", pa.int8()), ("hash", pa.int64()), ("n", pa.int32())]),
    "files": pa.schema([("file", _STR), ("status", _STR), ("error", _STR), ("seconds", pa.float64()),
                        ("sha256", _STR), ("uid", pa.int64()), ("code", _STR)]),
}


class StoreError(OSError):
    """A part could not be written (a full disk, a read-only folder)."""


def uid_of(chunk: int, lid: int) -> int:
    return (chunk << LID_BITS) | lid


def chunk_of(uid: int) -> int:
    return uid >> LID_BITS


# --------------------------------------------------------------------------- worker side

def part_tables(tables: dict, chunk: int) -> dict[str, pa.Table]:
    """A chunk's tables (as :func:`.digest.digest_files` returns them, reports numbered
    ``lid`` 0…) as Arrow tables of :data:`PART_SCHEMAS`, with ``uid`` in place of ``lid``."""
    import pandas as pd

    out: dict[str, pa.Table] = {}
    base = chunk << LID_BITS
    for name in PART_TABLES:
        schema = PART_SCHEMAS[name]
        frame = tables.get(name)
        if frame is None or not len(frame):
            out[name] = schema.empty_table()
            continue
        frame = frame.copy() if name != "files" else pd.DataFrame(frame)
        if "lid" in frame.columns:
            frame["uid"] = frame.pop("lid").astype("int64") + base
        if "seq" in schema.names:
            frame["seq"] = range(len(frame))
        for field in schema:
            if field.name not in frame.columns:
                frame[field.name] = None
            elif pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                frame[field.name] = frame[field.name].astype(object).where(frame[field.name].notna(), None)
        out[name] = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    return out


def write_parts(folder: str | Path, chunk: int, parts: dict[str, pa.Table]) -> None:
    """Write a chunk's parts, each atomically, the ``files`` part last (see the module
    docstring).  Raises :class:`StoreError` when the disk refuses (the parts written so far
    stay as an incomplete chunk: ignored, then removed)."""
    folder = Path(folder)
    try:
        for name in PART_TABLES:
            path = folder / name / f"{chunk:013d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
            try:
                pq.write_table(parts[name], tmp, compression="zstd")
                os.replace(tmp, path)
            finally:
                if tmp.exists():
                    tmp.unlink()
    except OSError as exc:
        raise StoreError(exc.errno, exc.strerror or str(exc), exc.filename) from exc


def parts_to_bytes(parts: dict[str, pa.Table]) -> dict[str, bytes]:
    """The parts as Parquet files in memory (a Dask worker that does not share the output
    folder returns them to the client, which writes them)."""
    out = {}
    for name, table in parts.items():
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        out[name] = buffer.getvalue()
    return out


def parts_from_bytes(data: dict[str, bytes]) -> dict[str, pa.Table]:
    return {name: pq.read_table(io.BytesIO(blob)) for name, blob in data.items()}


# --------------------------------------------------------------------------- the store

class Store:
    """The parts folder of one output folder (see the module docstring)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.work = self.folder / "work"
        self._next: int | None = None

    def part(self, table: str, chunk: int) -> Path:
        return self.folder / table / f"{chunk:013d}.parquet"

    def chunks(self, table: str = "files") -> list[int]:
        """Chunk numbers with a part of ``table`` (for ``files``: the complete chunks)."""
        folder = self.folder / table
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for m in map(_CHUNK_NAME.match, os.listdir(folder)) if m)

    def next_chunk(self) -> int:
        """A chunk number no part in the store has yet."""
        if self._next is None:
            self._next = max((c for t in PART_TABLES for c in self.chunks(t)), default=0) + 1
        number, self._next = self._next, self._next + 1
        return number

    def paths(self, table: str, chunks: Iterable[int]) -> list[str]:
        return [str(self.part(table, c)) for c in sorted(set(chunks))]

    def manifest(self, code: str):
        """One row per file read into the store with ``code`` (the package code's hash): the
        latest complete chunk's row for it (file, status, error, seconds, sha256, uid, chunk).
        Files read with other code are not in it (they are read again)."""
        import pandas as pd

        chunks = self.chunks("files")
        if not chunks:
            return pd.DataFrame(columns=[*PART_SCHEMAS["files"].names, "chunk"])
        con = connect(self.work)
        try:
            frame = con.sql(
                "SELECT * EXCLUDE (filename), CAST(regexp_extract(filename, '(\\d{13})\\.parquet$', 1) AS BIGINT) "
                "AS chunk FROM read_parquet(?, filename = true) WHERE code = ? "
                "QUALIFY row_number() OVER (PARTITION BY file ORDER BY chunk DESC) = 1",
                params=[self.paths("files", chunks), code]).df()
        finally:
            con.close()
        return frame

    def remove_chunks(self, keep: set[int]) -> int:
        """Remove every part of the chunks not in ``keep`` (and leftovers of killed writers)."""
        removed = 0
        for table in PART_TABLES:
            folder = self.folder / table
            if not folder.is_dir():
                continue
            for name in os.listdir(folder):
                m = _CHUNK_NAME.match(name)
                if (m and int(m.group(1)) not in keep) or name.endswith(".part"):
                    (folder / name).unlink(missing_ok=True)
                    removed += 1
        return removed

    # ----------------------------------------------------------------- state of the last run

    def state(self) -> Path | None:
        """The folder of the last published run's state (``keys.parquet``, ``cross.parquet``)."""
        found = sorted((p for p in self.folder.glob("state-*") if p.is_dir() and (p / "done").exists()),
                       key=lambda p: int(p.name.split("-")[1]) if p.name.split("-")[1].isdigit() else -1)
        return found[-1] if found else None

    def drop_state(self) -> None:
        for old in self.folder.glob("state-*"):
            shutil.rmtree(old, ignore_errors=True)

    def save_state(self, tables: dict[str, object]) -> Path:
        """Write the run's state (name → frame or Arrow table) as a new ``state-<n>/``, complete
        before it counts (a ``done`` file written last), then remove the older ones."""
        current = self.state()
        number = int(current.name.split("-")[1]) + 1 if current else 1
        folder = self.folder / f"state-{number}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, table in tables.items():
            if not isinstance(table, pa.Table):
                table = pa.Table.from_pandas(table, preserve_index=False)
            pq.write_table(table, folder / f"{name}.parquet")
        (folder / "done").write_text("complete\n", encoding="utf-8")
        for old in self.folder.glob("state-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        return folder

    def clear_work(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True, exist_ok=True)


# --------------------------------------------------------------------------- DuckDB and Arrow

def connect(work: Path | None = None, memory: str = DUCKDB_MEMORY):
    """An in-memory DuckDB connection whose memory is bounded (``memory``; it spills to
    ``work`` beyond), on :data:`DUCKDB_THREADS` threads, keeping the order rows are read in."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory, "threads": DUCKDB_THREADS})
    if work is not None:
        Path(work).mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{_sql_text(str(Path(work) / 'duckdb'))}'")
    return con


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def batches(con, sql: str, params=None, rows: int = 65_536) -> Iterator[pa.RecordBatch]:
    """The result of ``sql`` as Arrow record batches of at most ``rows`` rows, streamed."""
    relation = con.sql(sql, params=params)
    reader = relation.to_arrow_reader(rows) if hasattr(relation, "to_arrow_reader") else \
        relation.fetch_record_batch(rows)
    yield from reader


def published_schema(dtypes: dict[str, object]) -> pa.Schema:
    """The Arrow schema (with pandas's metadata, so that ``pandas.read_parquet`` restores the
    dtypes: nullable integers, categories) of a frame with ``dtypes`` (column → pandas dtype)."""
    import pandas as pd

    empty = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def copy_to_parquet(con, sql: str, path: Path, schema: pa.Schema, params=None, row_group: int = 65_536) -> int:
    """Write the result of ``sql`` (its columns in ``schema``'s order) to ``path`` as Parquet
    of ``schema``, streamed batch by batch; returns the number of rows, checked against the
    file's own count (:class:`.export.IncompleteOutput` when they differ)."""
    from .export import IncompleteOutput

    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches(con, sql, params, row_group):
            table = pa.Table.from_batches([batch]).rename_columns(schema.names).cast(schema)
            writer.write_table(table, row_group_size=row_group)
            rows += table.num_rows
    written = pq.read_metadata(path).num_rows
    if written != rows:
        raise IncompleteOutput(f"{path}: expected {rows} rows written, found {written}")
    return rows


__all__ = ["PART_SCHEMAS", "PART_TABLES", "Store", "StoreError", "batches", "connect", "copy_to_parquet",
           "part_tables", "parts_from_bytes", "parts_to_bytes", "published_schema", "uid_of", "write_parts"]
