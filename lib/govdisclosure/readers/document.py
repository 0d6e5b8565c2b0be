"""What every reader returns: the report as a list of lines, tables kept as rows of cells."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class Line:
    """One line of a report.

    ``cells`` has one element for a line of prose (or of text whose table structure was
    lost), and one element per cell for a row of a real table (an HTML ``<tr>``, a Markdown
    pipe row, a tab-separated line).  ``loc`` says where the line was printed; ``cell_locs``
    where each cell was, for rows.
    """

    cells: list[str]
    loc: str
    is_row: bool = False
    cell_locs: list[str] | None = None

    @property
    def text(self) -> str:
        return "\t".join(self.cells) if self.is_row else self.cells[0]


@dataclass
class Document:
    """A report file read into lines, with what the reader learnt about the file."""

    path: str
    format: str  # text | html | markdown | pdf | docx
    lines: list[Line]
    sha256: str
    encoding: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # crawler header / HTML meta fields
    # The crawler dropped consecutive duplicate lines (so equal neighbouring cells collapsed).
    dropped_repeats: bool = False
    # The crawler broke numbers over lines (one text node per span: "202" / "1" / "年").
    split_numbers: bool = False
    notes: list[str] = field(default_factory=list)
    # which reader produced the lines (pdfplumber, pdfium, ocr, …); the format when empty
    reader: str = ""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def display_path(path: str | Path) -> str:
    """``path`` as valid UTF-8 text for messages and output tables.

    A file name that is not valid UTF-8 (GBK bytes from a Windows archive unpacked on Linux)
    reaches Python with its bad bytes as lone surrogates, which no UTF-8 file, terminal or
    Parquet column accepts; they are shown as ``\\xNN`` escapes.  Valid names are unchanged.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")
