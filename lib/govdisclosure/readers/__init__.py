"""Readers: one per input format, chosen from the file's content, not only its extension."""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import ReportReadError
from ..limits import MAX_FILE_BYTES, MAX_TEXT_BYTES
from .document import Document, Line, display_path, sha256_of
from .encoding import decode_report, is_binary, utf16_without_bom
from .html import looks_like_html, read_html
from .markdown import looks_like_markdown, read_markdown
from .text import read_text

__all__ = ["Discovery", "Document", "Line", "discover", "display_path", "read_document", "scan", "sniff_format",
           "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".shtml", ".md", ".markdown", ".pdf", ".docx",
                      ".png", ".jpg", ".jpeg")
# old office formats reports were published in: read to say what they are (a .doc may be HTML)
LEGACY_SUFFIXES = (".doc", ".wps", ".rtf")
READ_SUFFIXES = SUPPORTED_SUFFIXES + LEGACY_SUFFIXES


# Page images (a scanned report saved as pictures), read by OCR when the ``ocr`` extra is
# installed: (signature, what was found).
_PAGE_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


# Files that are often saved by mistake where a report was expected, by their first bytes:
# (signature, what was found, what the user can do).
_NOT_A_REPORT_SIGNATURES = (
    (b"GIF8", "a GIF image", ""),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls, OLE2 format)",
     "open it in Word or LibreOffice and save it as .docx or PDF"),
    (b"{\\rtf", "an RTF document", "save it as .docx or PDF"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract the report from it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract the report from it first"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"%!PS", "a PostScript file", "convert it to PDF first"),
)


def _known_non_report(data: bytes) -> tuple[str, str] | None:
    for signature, found, hint in _NOT_A_REPORT_SIGNATURES:
        if data.startswith(signature):
            return found, hint
    return None


def _pdf_start(data: bytes) -> int:
    """Where the PDF header is: readers accept it anywhere in the first 1024 bytes (servers and
    download tools sometimes put a BOM, blank lines or an HTTP header before it)."""
    if data.startswith(b"%PDF-"):
        return 0
    return data.find(b"%PDF-", 0, 1024)


@dataclass
class Discovery:
    """What :func:`scan` found: the files to read, and what it passed over and why."""

    files: list[Path] = field(default_factory=list)  # to read, in order
    # entries with a report's name that are not regular files (a FIFO, a device, a link
    # that loops or leads nowhere): (path, reason); never opened
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    # other files under the folders (meta.json, images…): count by extension; not read
    ignored: Counter = field(default_factory=Counter)


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def scan(paths: Iterable[str | Path]) -> Discovery:
    """Files named, and report files under folders named, in order; hidden files left out.

    A file named on the command line is always read (a missing one is refused when read).
    Under a folder, files whose extension is a report's (:data:`SUPPORTED_SUFFIXES`, and
    :data:`LEGACY_SUFFIXES` so that an old Word file is refused with a hint rather than passed
    over) are read; FIFOs, devices and links that loop or lead nowhere are listed in
    ``skipped`` and never opened (reading a FIFO would block, a link to ``/dev/zero`` never
    ends); folders are entered (a folder named ``x.txt`` too; a linked folder once, so a link
    loop ends).  File names need not be valid UTF-8 (see :func:`display_path`).
    """
    found = Discovery()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            _walk(path, found, set())
        else:
            found.files.append(path)
    return found


def _walk(folder: Path, found: Discovery, seen: set[tuple[int, int]]) -> None:
    try:
        info = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.skipped.append((folder, f"a folder that cannot be listed ({exc.strerror})"))
        return
    if (info.st_dev, info.st_ino) in seen:
        return  # a link back to a folder already entered
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            mode = os.stat(entry.path).st_mode  # follows links
        except OSError as exc:
            if path.suffix.lower() in READ_SUFFIXES:
                what = ("a symbolic link that loops" if exc.errno == errno.ELOOP else
                        "a symbolic link to nothing" if entry.is_symlink() else f"an entry that cannot be read ({exc.strerror})")
                found.skipped.append((path, what))
            continue
        if stat.S_ISDIR(mode):
            _walk(path, found, seen)
        elif path.suffix.lower() not in READ_SUFFIXES:
            if stat.S_ISREG(mode):
                found.ignored[path.suffix.lower() or "(no extension)"] += 1
        elif stat.S_ISREG(mode):
            found.files.append(path)
        else:
            found.skipped.append((path, _special(mode)))


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The files :func:`scan` would read (named files, and report files under named folders)."""
    return scan(paths).files


def sniff_format(data: bytes, path: str) -> str:
    """The format of a file from its first bytes: pdf, docx, html, markdown or text."""
    if _pdf_start(data) >= 0:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or path.lower().endswith(".docx"):
            return "docx"
        raise ReportReadError(path, "a report (text, HTML, Markdown, PDF or DOCX)",
                              "a ZIP archive that is not a Word document")
    return "text-like"


def _mb(size: int) -> str:
    return f"{size / 2 ** 20:.0f} MB" if size >= 2 ** 20 else f"{size} bytes"


def _read_bytes(path: str | Path, name: str) -> bytes:
    """The file's bytes: a regular file only (a FIFO would block, a device never end), and at
    most :data:`~govdisclosure.limits.MAX_FILE_BYTES`."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ReportReadError(name, "a report file", "no such file") from None
    except OSError as exc:
        found = "a symbolic link that loops" if exc.errno == errno.ELOOP else f"an OS error: {exc.strerror}"
        raise ReportReadError(name, "a readable report file", found) from None
    if stat.S_ISDIR(info.st_mode):
        raise ReportReadError(name, "a report file", "a directory")
    if not stat.S_ISREG(info.st_mode):
        raise ReportReadError(name, "a regular report file", f"{_special(info.st_mode)}; not read")
    if info.st_size > MAX_FILE_BYTES:
        raise ReportReadError(name, f"a report file of at most {_mb(MAX_FILE_BYTES)}", f"{_mb(info.st_size)}",
                              "the limit is govdisclosure.limits.MAX_FILE_BYTES")
    try:
        # O_NONBLOCK: should the file have become a FIFO since, opening it does not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(info.st_size + 1)  # (a buffer of the file's size, not of the limit)
            if len(data) > info.st_size:  # it grew since: read on, up to the limit
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise ReportReadError(name, "a readable report file", f"an OS error: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ReportReadError(name, f"a report file of at most {_mb(MAX_FILE_BYTES)}", "a larger file")
    return data


def _read_page_image(data: bytes, name: str, digest: str, found: str) -> Document:
    """A report scanned as a page image, read by OCR (:mod:`.ocr`)."""
    from .ocr import OcrUnavailable, read_scan
    from .pdf import OCR_EXTRA_HINT

    try:
        doc = read_scan(data, name, digest, kind="image", found=found)
    except OcrUnavailable:
        raise ReportReadError(name, "a report as text, HTML, Markdown, PDF or DOCX, or a page image with the "
                              "OCR extra installed", found, OCR_EXTRA_HINT) from None
    doc.notes.insert(0, f"read by OCR: {found}")
    return doc


def read_document(path: str | Path, *, data: bytes | None = None) -> Document:
    """Read one report file into a :class:`Document`.

    The format comes from the content: text, HTML, Markdown, DOCX, PDF (its text layer, or
    OCR for a scan: :mod:`.pdf`), PNG or JPEG page images (OCR).  ``Document.reader`` names
    the reader used.  Raises :class:`ReportReadError` for a file that is missing, not a regular
    file, larger than the limits of :mod:`govdisclosure.limits`, empty, binary or in no encoding
    we can read, and for a scan or page image when the ``ocr`` extra is not installed (the
    message names it).
    """
    name = str(path)
    if data is None:
        data = _read_bytes(path, name)
    if not data:
        raise ReportReadError(name, "a report", "an empty file (0 bytes)")
    if not data.strip():
        raise ReportReadError(name, "a report", f"a file with only whitespace ({len(data)} bytes)")
    digest = sha256_of(data)
    image = next((found for signature, found in _PAGE_IMAGE_SIGNATURES if data.startswith(signature)), None)
    if image is not None:
        return _read_page_image(data, name, digest, image)
    known = _known_non_report(data)
    if known is not None:
        raise ReportReadError(name, "a report as text, HTML, Markdown, PDF or DOCX", *known)
    kind = sniff_format(data, name)
    if kind == "pdf":
        from .pdf import read_pdf

        doc = read_pdf(data[_pdf_start(data):], name, digest)
        if _pdf_start(data) > 0:
            doc.notes.append(f"{_pdf_start(data)} byte(s) before the PDF header were skipped")
        return doc
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data, name, digest)
    if len(data) > MAX_TEXT_BYTES:
        raise ReportReadError(name, f"a text, HTML or Markdown report of at most {_mb(MAX_TEXT_BYTES)}",
                              f"{_mb(len(data))} of text", "the limit is govdisclosure.limits.MAX_TEXT_BYTES")
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        try:
            text, encoding = data.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise ReportReadError(name, "text in one encoding", f"UTF-16 text without a byte-order mark, "
                                  f"damaged at byte {exc.start}") from None
        notes = [f"read as {utf16.upper()} (a text file without a byte-order mark)"]
    elif is_binary(data):
        raise ReportReadError(name, "a report as text, HTML, Markdown, PDF or DOCX",
                              "binary data (NUL or control bytes)")
    else:
        text, encoding, notes = decode_report(data, name)
    if not text.strip("\ufeff \t\r\n\x0b\x0c\u3000\u00a0"):
        raise ReportReadError(name, "a report", f"a file with only whitespace ({len(data)} bytes, {encoding})")
    if looks_like_html(text):
        doc = read_html(text, name, digest, encoding)
    elif looks_like_markdown(text):
        doc = read_markdown(text, name, digest, encoding)
    else:
        doc = read_text(text, name, digest, encoding)
    doc.notes[:0] = notes
    return doc
