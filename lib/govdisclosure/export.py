"""Write tables to CSV, Parquet, JSON or Excel, chosen by the output file's extension."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

FORMATS = {".csv": "CSV", ".parquet": "Parquet", ".json": "JSON", ".xlsx": "Excel"}


class UnsupportedFormat(ValueError):
    pass


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
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: Path, text: str) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a byte-order mark (Excel opens Chinese CSV correctly only with it),
    written by Arrow's C++ writer (millions of cells a second)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    with open(path, "wb") as handle:
        handle.write("\ufeff".encode("utf-8"))
        pacsv.write_csv(table, handle, pacsv.WriteOptions(quoting_style="needed"))


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` in the format named by ``path``'s extension, atomically."""
    out = check_output(path, tuple(FORMATS))
    suffix = out.suffix.lower()
    with atomic_write(out) as tmp:
        if suffix == ".csv":
            write_csv(frame, tmp)
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        elif suffix == ".json":
            frame.to_json(tmp, orient="records", force_ascii=False, indent=1)
        elif suffix == ".xlsx":
            frame.to_excel(tmp, index=False, engine="openpyxl")
    return out
