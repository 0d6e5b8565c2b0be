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
    import pyarrow as pa
    from pyarrow import csv as pacsv

    table = pa.Table.from_pandas(defuse_formulas(frame.reset_index(drop=True)), preserve_index=False)
    with open(path, "wb") as handle:
        handle.write("\ufeff".encode("utf-8"))
        pacsv.write_csv(table, handle, pacsv.WriteOptions(quoting_style="needed"))


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV :func:`write_csv` writes, as text without the byte-order mark (to print)."""
    import io

    import pyarrow as pa
    from pyarrow import csv as pacsv

    table = pa.Table.from_pandas(defuse_formulas(frame.reset_index(drop=True)), preserve_index=False)
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(quoting_style="needed"))
    return buffer.getvalue().decode("utf-8")


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
