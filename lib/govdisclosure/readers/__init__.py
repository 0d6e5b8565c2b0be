"""Readers: one per input format, chosen from the file's content, not only its extension."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..errors import ReportReadError
from .document import Document, Line, sha256_of
from .encoding import decode_report, is_binary
from .html import looks_like_html, read_html
from .markdown import looks_like_markdown, read_markdown
from .text import read_text

__all__ = ["Document", "Line", "discover", "read_document", "sniff_format", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".shtml", ".md", ".markdown", ".pdf", ".docx",
                      ".png", ".jpg", ".jpeg")

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


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and report files under folders named (sorted, hidden files left out), in order."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))
        else:
            found.append(path)
    return found


def sniff_format(data: bytes, path: str) -> str:
    """The format of a file from its first bytes: pdf, docx or text-like (page images are
    recognised before, in :func:`read_document`)."""
    if _pdf_start(data) >= 0:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or path.lower().endswith(".docx"):
            return "docx"
        raise ReportReadError(path, "a report (text, HTML, Markdown, PDF or DOCX)",
                              "a ZIP archive that is not a Word document")
    return "text-like"


def read_document(path: str | Path, *, data: bytes | None = None) -> Document:
    """Read one report file into a :class:`Document`.

    The format comes from the content: text, HTML, Markdown, DOCX, PDF (its text layer, or
    OCR for a scan: :mod:`.pdf`), PNG or JPEG page images (OCR).  ``Document.reader`` names
    the reader used.  Raises :class:`ReportReadError` for a file that is missing, empty,
    binary or in no encoding we can read, and for a scan or page image when the ``ocr`` extra
    is not installed (the message names it).
    """
    name = str(path)
    if data is None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise ReportReadError(name, "a report file", "no such file") from None
        except IsADirectoryError:
            raise ReportReadError(name, "a report file", "a directory") from None
        except OSError as exc:
            raise ReportReadError(name, "a readable report file", f"an OS error: {exc.strerror}") from None
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
    if is_binary(data):
        raise ReportReadError(name, "a report as text, HTML, Markdown, PDF or DOCX",
                              "binary data (NUL or control bytes)")
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
