"""Readers: one per input format, chosen from the file's content, not only its extension."""

from __future__ import annotations

from pathlib import Path

from ..errors import ReportReadError
from .document import Document, Line, sha256_of
from .encoding import decode, is_binary
from .html import looks_like_html, read_html
from .markdown import looks_like_markdown, read_markdown
from .text import read_text

__all__ = ["Document", "Line", "read_document", "sniff_format", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".shtml", ".md", ".markdown", ".pdf", ".docx")


def sniff_format(data: bytes, path: str) -> str:
    """The format of a file from its first bytes: pdf, docx, html, markdown or text."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or path.lower().endswith(".docx"):
            return "docx"
        raise ReportReadError(path, "a report (text, HTML, Markdown, PDF or DOCX)",
                              "a ZIP archive that is not a Word document")
    return "text-like"


def read_document(path: str | Path, *, data: bytes | None = None) -> Document:
    """Read one report file into a :class:`Document`.

    Raises :class:`ReportReadError` for a file that is missing, empty, binary or in no
    encoding we can read.
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
    if not data.strip():
        raise ReportReadError(name, "a report", "an empty file")
    digest = sha256_of(data)
    kind = sniff_format(data, name)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(data, name, digest)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data, name, digest)
    if is_binary(data):
        raise ReportReadError(name, "a report as text, HTML, Markdown, PDF or DOCX",
                              "binary data (NUL or control bytes)")
    text, encoding = decode(data, name)
    if looks_like_html(text):
        return read_html(text, name, digest, encoding)
    if looks_like_markdown(text):
        return read_markdown(text, name, digest, encoding)
    return read_text(text, name, digest, encoding)
