"""Write tables to CSV, Parquet, JSON or Excel, chosen by the output file's extension.

Every output is written under a temporary name beside its final one, checked, and renamed
only when complete: a reader never finds a half-written file, and a full disk leaves the
previous file in place rather than an empty one.  A Parquet file is checked by reading back
its row count; the other formats by flushing to disk (an error there is an exception, never a
short file).  :class:`Publisher` renames several files together, after all of them are
written and checked.

Text from reports is data, never a formula: Excel cells are always written as strings (never
formulas, links or numbers parsed from text), and a CSV cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'`` as OWASP recommends against CSV
injection — except plain numbers such as ``-5`` and a lone ``-``, which no spreadsheet runs.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from .errors import GovDisclosureError

FORMATS = {".csv": "CSV", ".parquet": "Parquet", ".json": "JSON", ".xlsx": "Excel"}
# xlsxwriter: every string is a string (not "=…" as a formula, "http…" as a link, "12" as a number)
EXCEL_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP, "CSV Injection"
_PLAIN_NUMBER = r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?|[+-]"
_PLAIN = re.compile(_PLAIN_NUMBER)


class UnsupportedFormat(ValueError):
    pass


class IncompleteOutput(GovDisclosureError):
    """An output did not come out whole (fewer rows than written): it is not published."""


def check_output(path: str | Path, allowed: tuple[str, ...] = (".csv", ".parquet", ".json")) -> Path:
    out = Path(path)
    if out.suffix.lower() not in allowed:
        raise UnsupportedFormat(f"{out}: expected an output file ending in {', '.join(allowed)}, "
                                f"found '{out.suffix or 'no extension'}'")
    return out


def atomic_path(path: Path):
    """A temporary path beside ``path``; rename it over ``path`` when done (no half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    os.chmod(name, 0o644)  # mkstemp makes it private; outputs are to be read by others
    return Path(name)


@contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """A temporary path to write; renamed over ``path`` when the block ends without error and
    removed in any case, so ``path`` is never half-written."""
    tmp = atomic_path(path)
    try:
        yield tmp
        _sync(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _sync(path: Path) -> None:
    """Flush ``path`` to disk, so that a full disk shows here as an error and not later as a
    short file under the final name."""
    if not path.exists():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (22, 95):  # EINVAL, EOPNOTSUPP: file systems without fsync
            raise
    finally:
        os.close(fd)


class Publisher:
    """Several outputs published together: each is written to a temporary path
    (:meth:`reserve`); :meth:`commit` renames them all once every one is written and checked;
    whatever is not committed is removed (:meth:`discard`)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def reserve(self, path: Path) -> Path:
        tmp = atomic_path(path)
        self.pending.append((tmp, path))
        return tmp

    def commit(self) -> None:
        for tmp, _ in self.pending:
            _sync(tmp)
        for tmp, path in self.pending:
            os.replace(tmp, path)
        self.pending.clear()

    def discard(self) -> None:
        for tmp, _ in self.pending:
            tmp.unlink(missing_ok=True)
        self.pending.clear()


@contextmanager
def publishing() -> Iterator[Publisher]:
    """A :class:`Publisher` that commits when the block ends without error, else discards."""
    publisher = Publisher()
    try:
        yield publisher
        publisher.commit()
    finally:
        publisher.discard()


def write_text(path: Path, text: str) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas (see the module
    docstring).  Numbers, and text that is a plain number, are unchanged."""
    out = frame
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = column.cat.categories
            textual = categories.dtype == object or pd.api.types.is_string_dtype(categories.dtype)
            if textual and _risky(pd.Series(categories)).any():
                column = column.astype(object)
            else:
                continue
        if column.dtype != object and not pd.api.types.is_string_dtype(column.dtype):
            continue
        risky = _risky(column)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out[name] = column.where(~risky, "'" + column.astype(str))
    return out


def _risky(column: pd.Series) -> pd.Series:
    # string columns are tested as they are (vectorised); mixed object columns by their strings
    text = column if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object else \
        column.where(column.map(type) == str)
    starts = text.str.startswith(FORMULA_START).fillna(False).astype(bool)
    if not starts.any():
        return starts
    return starts & ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False).astype(bool)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a byte-order mark (Excel opens Chinese CSV correctly only with it),
    formulas defused (:func:`defuse_formulas`), written by Arrow's C++ writer (millions of cells
    a second)."""
    with open(path, "wb") as handle:
        handle.write("\ufeff".encode("utf-8"))
        _write_csv(frame, handle)


def _write_csv(frame: pd.DataFrame, handle) -> None:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    table = pa.Table.from_pandas(defuse_formulas(frame.reset_index(drop=True)), preserve_index=False)
    pacsv.write_csv(table, handle, pacsv.WriteOptions(quoting_style="needed"))


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV :func:`write_csv` writes, as text without the byte-order mark (to print)."""
    import io

    buffer = io.BytesIO()
    _write_csv(frame, buffer)
    return buffer.getvalue().decode("utf-8")


def defuse_arrow(table):
    """:func:`defuse_formulas` for an Arrow table or record batch (text columns, also
    dictionary-encoded ones): the same cells get the same leading ``'``.  Arrow finds the few
    cells that start like a formula; Python's ``re`` decides them, as in the frame version."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    changed = False
    for name, column in zip(table.schema.names, table.columns):
        kind = column.type
        if pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or
                                             pa.types.is_large_string(kind.value_type)):
            text = column.cast(kind.value_type)
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            text = column
        else:
            columns.append(column)
            continue
        starts = None
        for prefix in FORMULA_START:
            hit = pc.starts_with(text, prefix)
            starts = hit if starts is None else pc.or_(starts, hit)
        if not pc.any(starts).as_py():
            columns.append(column)
            continue
        values = text.to_pylist()
        for i in pc.indices_nonzero(pc.fill_null(starts, False)).to_pylist():
            if not _PLAIN.fullmatch(values[i]):
                values[i] = "'" + values[i]
        columns.append(pa.array(values, type=text.type))
        changed = True
    if not changed:
        return table
    maker = pa.RecordBatch if isinstance(table, pa.RecordBatch) else pa.Table
    return maker.from_arrays(columns, names=table.schema.names)


def write_csv_stream(batches, path: Path) -> int:
    """CSV as :func:`write_csv` writes it (UTF-8 with a byte-order mark, formulas defused,
    quoted where needed), from Arrow record batches of one schema, streamed; returns the rows."""
    from pyarrow import csv as pacsv

    rows = 0
    writer = None
    with open(path, "wb") as handle:
        handle.write("\ufeff".encode("utf-8"))
        try:
            for batch in batches:
                batch = defuse_arrow(batch)
                if writer is None:
                    writer = pacsv.CSVWriter(handle, batch.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
                writer.write(batch)
                rows += batch.num_rows
        finally:
            if writer is not None:
                writer.close()
    return rows


def write_excel_stream(sheets: dict, path: Path) -> None:
    """An Excel workbook, each sheet (name → an iterable of frames with the same columns)
    written row by row as the frames come (xlsxwriter's constant-memory mode: a sheet of a
    million rows needs no more memory than one frame).  A header row of the column names; empty
    and missing values are empty cells; every string is a string (:data:`EXCEL_OPTIONS`)."""
    import math

    import numpy as np
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {**EXCEL_OPTIONS, "constant_memory": True})
    bold = book.add_format({"bold": True})
    try:
        for name, frames in sheets.items():
            sheet = book.add_worksheet(name)
            row = 0
            for frame in frames:
                if row == 0:
                    for j, column in enumerate(frame.columns):
                        sheet.write_string(0, j, str(column), bold)
                    row = 1
                for values in frame.itertuples(index=False, name=None):
                    for j, value in enumerate(values):
                        if value is None or value is pd.NA or value is pd.NaT:
                            continue
                        if isinstance(value, (bool, np.bool_)):
                            sheet.write_boolean(row, j, bool(value))
                        elif isinstance(value, (int, float, np.integer, np.floating)):
                            if not math.isfinite(float(value)):
                                continue
                            sheet.write_number(row, j, float(value))
                        elif isinstance(value, str):
                            if value:
                                sheet.write_string(row, j, value)
                        else:
                            sheet.write_string(row, j, str(value))
                    row += 1
    finally:
        book.close()


def write_excel_sheets(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """An Excel workbook of ``sheets`` (name → frame, no index); every string written as a
    string (:data:`EXCEL_OPTIONS`)."""
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": EXCEL_OPTIONS}) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)


def _write(frame: pd.DataFrame, tmp: Path, suffix: str) -> None:
    if suffix == ".csv":
        write_csv(frame, tmp)
    elif suffix == ".parquet":
        frame.to_parquet(tmp, index=False)
        import pyarrow.parquet as pq

        rows = pq.read_metadata(tmp).num_rows
        if rows != len(frame):
            raise IncompleteOutput(f"{tmp}: expected {len(frame)} rows written, found {rows}")
    elif suffix == ".json":
        frame.to_json(tmp, orient="records", force_ascii=False, indent=1)
    elif suffix == ".xlsx":
        write_excel_sheets({"Sheet1": frame}, tmp)


def write_table(frame: pd.DataFrame, path: str | Path, *, publisher: Publisher | None = None) -> Path:
    """Write ``frame`` in the format named by ``path``'s extension, atomically (or as part of
    ``publisher``'s set)."""
    out = check_output(path, tuple(FORMATS))
    suffix = out.suffix.lower()
    if publisher is not None:
        _write(frame, publisher.reserve(out), suffix)
        return out
    with atomic_write(out) as tmp:
        _write(frame, tmp, suffix)
    return out
