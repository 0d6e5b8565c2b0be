"""The corpus's published outputs, built from the store (:mod:`.store`, :mod:`.build`):

* ``corpus/reports.parquet`` (every file read, with ``primary``), ``cells.parquet``,
  ``findings.parquet``, ``measures.parquet`` and ``corpus.duckdb`` (the same four tables);
* ``exports/cells.csv``, ``findings.csv``, ``measures.csv`` and ``corpus.xlsx``: primaries only.

Every table is streamed: DuckDB joins the parts with the key table and orders them, Arrow
writes Parquet and CSV batch by batch, xlsxwriter writes Excel row by row.  Everything is
written under temporary names, checked (row counts) and published together
(:class:`.export.Publisher`); a full disk leaves the previous run's outputs as they were.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .build import FINDING_DTYPES, CorpusBuild, register_state
from .export import IncompleteOutput, publishing, write_csv_stream, write_excel_stream, write_table
from .model import TIDY_COLUMNS
from .store import (DUCKDB_MEMORY, DUCKDB_THREADS, MEASURE_FIELDS, REPORT_FIELDS, connect, copy_to_parquet,
                    published_schema)

EXCEL_LAYOUT_LIMIT = 2_000  # agency-years; beyond, the laid-out sheets would be unusably long
EXCEL_ROWS = 10_000  # rows handed to the Excel writer at a time
REPORT_COLUMNS = ["rid", *[n for n, _ in REPORT_FIELDS], "primary", "versions"]
MEASURE_DTYPES = {n: ("Int64" if t == pa.int64() else "float64" if t == pa.float64() else
                      "bool" if t == pa.bool_() else "str") for n, t in MEASURE_FIELDS}
TABLES = ("reports", "cells", "findings", "measures")


def reports_frame(build: CorpusBuild) -> pd.DataFrame:
    """``corpus/reports.parquet``: the key table's published columns, in ``rid`` order."""
    frame = build.reports.reset_index(drop=True).reindex(columns=REPORT_COLUMNS)
    frame["primary"] = frame["primary"].astype(bool)
    return frame


def write_corpus(build: CorpusBuild, out: Path, *, excel: bool = True) -> None:
    """Parquet and DuckDB (every report read, with ``primary``), CSV and Excel (primaries):
    all written under temporary names, checked, and published together.  The run's cell file
    (``build.cells``) becomes ``corpus/cells.parquet``."""
    import duckdb

    folder, exports = out / "corpus", out / "exports"
    reports = reports_frame(build)
    primary = reports[reports["primary"]]
    con = connect(build.store.work)
    register_state(con, build)
    try:
        with publishing() as publisher:
            written: dict[str, tuple[Path, int]] = {}
            write_table(reports, folder / "reports.parquet", publisher=publisher)
            written["reports"] = (publisher.pending[-1][0], len(reports))
            cells = publisher.reserve(folder / "cells.parquet")
            _move(build.cells, cells)
            written["cells"] = (cells, pq.read_metadata(cells).num_rows)
            path = publisher.reserve(folder / "findings.parquet")
            written["findings"] = (path, copy_to_parquet(con, build.findings_sql(), path,
                                                         published_schema(FINDING_DTYPES)))
            path = publisher.reserve(folder / "measures.parquet")
            written["measures"] = (path, copy_to_parquet(con, build.measures_sql(), path,
                                                         published_schema(MEASURE_DTYPES)))
            excel_job = None
            if excel:  # xlsxwriter works in Python; DuckDB and Arrow below mostly do not: side by side
                excel_job = _Background(write_excel, build.store.work, primary, written["cells"][0],
                                        written["findings"][0], written["measures"][0],
                                        publisher.reserve(exports / "corpus.xlsx"))
            try:
                database = publisher.reserve(folder / "corpus.duckdb")
                database.unlink()  # DuckDB creates the file itself
                try:
                    with duckdb.connect(str(database),
                                        config={"memory_limit": DUCKDB_MEMORY, "threads": DUCKDB_THREADS}) as db:
                        db.execute(f"SET temp_directory = '{_sql(build.store.work / 'duckdb')}'")
                        for name in TABLES:
                            path, rows = written[name]
                            if name == "reports":
                                db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(path)])
                            else:  # each row says whether its report is its agency-year's primary
                                db.execute(f'CREATE TABLE {name} AS SELECT t.*, coalesce(r."primary", false) AS "primary" '
                                           "FROM read_parquet(?) t LEFT JOIN (SELECT source, \"primary\" FROM reports) r "
                                           "USING (source)", [str(path)])
                            found = db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
                            if found != rows:
                                raise IncompleteOutput(f"{folder / 'corpus.duckdb'}: expected {rows} rows in table "
                                                       f"{name}, found {found}")
                        db.execute("CHECKPOINT")
                finally:
                    Path(str(database) + ".wal").unlink(missing_ok=True)
                rids = pa.array(primary["rid"].to_numpy())
                sources = pa.array(primary["source"].astype(str).tolist(), type=pa.string())
                write_csv_stream(_selected(written["cells"][0], [*TIDY_COLUMNS, "label", "how"], "rid", rids),
                                 publisher.reserve(exports / "cells.csv"))
                write_csv_stream(_selected(written["findings"][0], None, "source", sources),
                                 publisher.reserve(exports / "findings.csv"))
                write_csv_stream(_selected(written["measures"][0], None, "source", sources),
                                 publisher.reserve(exports / "measures.csv"))
            finally:
                if excel_job is not None:
                    excel_job.result()  # waited for also when the rest failed: nothing writes after
    finally:
        con.close()
    build.cells = None


class _Background:
    """``function(connection, *args)`` in a thread with a DuckDB connection of its own."""

    def __init__(self, function, work: Path, *args):
        import threading

        self.error: BaseException | None = None

        def target():
            con = connect(work)
            try:
                function(con, *args)
            except BaseException as exc:  # handed to the caller by result()
                self.error = exc
            finally:
                con.close()

        self.thread = threading.Thread(target=target, name="corpus.xlsx", daemon=True)
        self.thread.start()

    def result(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError:  # another file system
        shutil.copyfile(source, target)


def _sql(path: Path) -> str:
    return str(path).replace("'", "''")


def _selected(path: Path, columns: list[str] | None, key: str, values: pa.Array) -> Iterator[pa.RecordBatch]:
    """The rows of a Parquet file whose ``key`` is in ``values``, ``columns`` only (None: all),
    as record batches in the file's order, dictionary columns as text.  At least one batch
    (possibly empty), so that a CSV of no rows still has its header."""
    file = pq.ParquetFile(path)
    names = columns or file.schema_arrow.names
    read = names if key in names else [*names, key]
    yielded = False
    for batch in file.iter_batches(batch_size=65_536, columns=read):
        batch = batch.filter(pc.is_in(batch.column(key), value_set=values))
        arrays = [_plain(batch.column(n)) for n in names]
        yield pa.RecordBatch.from_arrays(arrays, names=names)
        yielded = True
    if not yielded:
        schema = file.schema_arrow
        yield pa.RecordBatch.from_arrays([_plain(pa.array([], type=schema.field(n).type)) for n in names],
                                         names=names)


def _plain(array: pa.Array) -> pa.Array:
    return array.cast(array.type.value_type) if pa.types.is_dictionary(array.type) else array


# --------------------------------------------------------------------------- Excel

# The workbook is read by people: the 报告 sheet shows these columns of the reports table under
# Chinese headings (every column is in reports.parquet and corpus.duckdb under its key), and
# 检查发现 its columns under theirs.
REPORT_SHEET = {"agency": "机关", "agency_key": "机关标识", "agency_name": "机关名称（机关表）", "kind": "机关类型",
                "parent": "上级机关", "year": "年度", "template": "模板", "source": "来源文件", "format": "格式",
                "reader": "读取方式", "published": "发布日期", "published_from": "发布日期来源",
                "cells_read": "照原文读取的单元格", "cells_recovered": "恢复的单元格", "cells_ambiguous": "存疑的单元格",
                "note": "说明", "versions": "同一年度的其他版本", "sha256": "文件 SHA-256"}
FINDINGS_SHEET = {"source": "来源文件", "agency": "机关", "agency_id": "机关标识", "year": "年度", "rule": "规则",
                  "title": "规则名称", "severity": "严重程度", "status": "结果", "table": "表", "row": "行",
                  "column": "列", "printed": "原文", "expected": "应为", "actual": "实为", "gap": "差额",
                  "message": "说明", "location": "原文位置", "key": "发现标识（复核用）", "review": "复核结论",
                  "review_reason": "复核理由", "reviewer": "复核人", "review_date": "复核日期"}


def _headed(frame: pd.DataFrame, headings: dict[str, str]) -> pd.DataFrame:
    """``frame``'s columns named in ``headings``, in that order, under those headings."""
    return frame[[c for c in headings if c in frame.columns]].rename(columns=headings)


def write_excel(con, primary: pd.DataFrame, cells: Path, findings: Path, measures: Path, path: Path) -> Path:
    """Sheets: 报告; 表二, 表三, 表四 laid out as printed, one block per agency-year; 指标; 检查发现
    (primaries only).  Every string is written as a string (never a formula).

    Above :data:`EXCEL_LAYOUT_LIMIT` agency-years the table sheets are left out (a sheet says
    so) and 检查发现 counts each agency-year's failures by rule: the tidy cells and findings are
    in the Parquet, DuckDB and CSV files.  Written row by row (:func:`.export.write_excel_stream`).
    """
    con.register("prim", primary[["rid", "source", "agency", "year"]].reset_index(drop=True))
    overview = _headed(primary, REPORT_SHEET)
    sheets: dict[str, object] = {"报告": _pieces(overview)}
    if len(primary) <= EXCEL_LAYOUT_LIMIT:
        tidy = con.sql(f"SELECT c.rid, c.\"table\", c.\"row\", c.\"column\", c.value FROM read_parquet('{_sql(cells)}') c "
                       "SEMI JOIN prim USING (rid)").df()
        sheets.update({name: [frame] for name, frame in laid_out_tables(primary, tidy).items()})
    else:
        sheets["说明"] = [pd.DataFrame({"说明": [
            f"共 {len(primary)} 个机关年度，超过 {EXCEL_LAYOUT_LIMIT} 个时不按表格排版、不逐条列出检查发现；"
            "各单元格见 corpus/cells.parquet、corpus/corpus.duckdb 或 exports/cells.csv，"
            "检查发现见 exports/findings.csv；本文件的“检查发现”为各机关年度未通过项数。"]})]
    sheets["指标"] = measures_sheet(con, measures)
    if len(primary) <= EXCEL_LAYOUT_LIMIT:
        sheets["检查发现"] = [_headed(con.sql(f"SELECT f.* FROM read_parquet('{_sql(findings)}') f "
                                          "SEMI JOIN prim USING (source)").df(), FINDINGS_SHEET)]
    else:
        sheets["检查发现"] = failure_counts(con, findings)
    write_excel_stream(sheets, path)
    return path


def _pieces(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for start in range(0, max(1, len(frame)), EXCEL_ROWS):
        yield frame.iloc[start:start + EXCEL_ROWS]


def laid_out_tables(reports: pd.DataFrame, cells: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """表二, 表三, 表四 as printed: one block of rows per agency-year (机关, 年度, 来源, 行, the
    table's columns), from tidy cells (rid, table, row, column, value)."""
    from .template import T2_COLUMN_DEFS, T2_ROW, T3_COLUMNS, T3_ROW, T4_COLUMNS, T4_ROWS

    labels = {"t2": ({k: r.label for k, r in T2_ROW.items()}, {k: c.heading for k, c in T2_COLUMN_DEFS.items()}),
              "t3": ({k: r.label for k, r in T3_ROW.items()}, {c.key: c.label for c in T3_COLUMNS}),
              "t4": ({r.key: r.label for r in T4_ROWS}, {c.key: c.label for c in T4_COLUMNS})}
    sheets = {}
    who = reports.set_index("rid")[["agency", "year", "source"]]
    for table, name in (("t2", "表二"), ("t3", "表三"), ("t4", "表四")):
        part = cells[cells["table"].astype(str) == table]
        row_labels, column_labels = labels[table]
        wide = part.pivot_table(index=["rid", "row"], columns="column", values="value", aggfunc="first",
                                dropna=False, observed=True)
        wide = wide.reindex(columns=[c for c in column_labels if c in wide.columns])
        order = {k: i for i, k in enumerate(row_labels)}
        wide = wide.reset_index()
        wide = wide[wide["row"].isin(order)]
        wide = wide.assign(_order=wide["row"].map(order)).sort_values(["rid", "_order"])
        block = who.loc[wide["rid"]].reset_index(drop=True).rename(columns={"agency": "机关", "year": "年度",
                                                                            "source": "来源"})
        block["行"] = wide["row"].map(row_labels).to_numpy()
        for column in wide.columns.drop(["rid", "row", "_order"]):
            block[column_labels[column]] = wide[column].to_numpy()
        sheets[name] = block
    return sheets


def measures_sheet(con, measures: Path) -> Iterator[pd.DataFrame]:
    """指标: one row per agency-year (primaries), one column per measure (its Chinese name;
    rates as percentages), in the order of :data:`.measures.MEASURES`, sorted by agency and
    year; built by DuckDB and handed over a piece at a time."""
    from .measures import MEASURES

    present = {m for (m,) in con.sql(f"SELECT DISTINCT measure FROM read_parquet('{_sql(measures)}')").fetchall()}
    columns = []
    for m in MEASURES:
        if m.key in present:
            scale = " * 100" if m.unit == "%" else ""
            label = (m.label + ("（%）" if m.unit == "%" else "")).replace('"', '""')
            columns.append(f"max(m.value) FILTER (WHERE m.measure = '{m.key}'){scale} AS \"{label}\"")
    if not columns:
        yield pd.DataFrame(columns=["机关", "年度", "来源"])
        return
    sql = (f"SELECT p.agency AS \"机关\", p.year AS \"年度\", p.source AS \"来源\", {', '.join(columns)} "
           f"FROM read_parquet('{_sql(measures)}') m JOIN prim p USING (source) GROUP BY p.agency, p.year, p.source "
           "ORDER BY \"机关\" NULLS LAST, \"年度\" NULLS LAST, \"来源\"")
    yield from _frames(con, sql)


def failure_counts(con, findings: Path) -> Iterator[pd.DataFrame]:
    """检查发现 beyond :data:`EXCEL_LAYOUT_LIMIT`: per agency-year, its failures by rule."""
    rules = [r for (r,) in con.sql(f"SELECT DISTINCT rule FROM read_parquet('{_sql(findings)}') f SEMI JOIN prim "
                                   "USING (source) WHERE status = 'fail' ORDER BY rule").fetchall()]
    counts = ", ".join(f"count(*) FILTER (WHERE rule = '{r}') AS \"{r}\"" for r in rules)
    if not rules:
        yield pd.DataFrame(columns=["来源文件", "机关", "年度"])
        return
    yield from _frames(con, f"SELECT source AS \"来源文件\", agency AS \"机关\", year AS \"年度\", {counts} "
                            f"FROM read_parquet('{_sql(findings)}') f "
                            "SEMI JOIN prim USING (source) WHERE status = 'fail' GROUP BY source, agency, year "
                            "ORDER BY source, agency, year")


def _frames(con, sql: str) -> Iterator[pd.DataFrame]:
    from .store import batches

    yielded = False
    for batch in batches(con, sql, rows=EXCEL_ROWS):
        yielded = True
        yield batch.to_pandas()
    if not yielded:
        yield con.sql(sql + " LIMIT 0").df()


def remove_corpus(out: Path) -> None:
    """The corpus and exports of an earlier run, when this run has no report to replace them
    (they would describe files that are no longer read)."""
    for folder, names in (("corpus", ("reports.parquet", "cells.parquet", "findings.parquet", "measures.parquet",
                                      "corpus.duckdb")),
                          ("exports", ("cells.csv", "findings.csv", "measures.csv", "corpus.xlsx"))):
        for name in names:
            (out / folder / name).unlink(missing_ok=True)


__all__ = ["EXCEL_LAYOUT_LIMIT", "laid_out_tables", "measures_sheet", "remove_corpus", "reports_frame",
           "write_corpus", "write_excel"]
