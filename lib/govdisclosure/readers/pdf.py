"""PDF reports with a text layer (scanned PDFs without one cannot be read).

pdfplumber finds the tables from their ruling lines.  Seen in real reports: a page frame
drawn as a one-column "table" around the prose, tables that continue on the next page,
labels wrapped inside cells, page numbers ("- 3 -").  Rows with one filled cell are prose;
the others are table rows, merged cells given once.
"""

from __future__ import annotations

import io
import re

from ..errors import ReportReadError
from .document import Document, Line

_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$")


def _clean(cell: str) -> str:
    # labels wrap inside cells; a line break in a label is not a space
    return re.sub(r"\s*\n\s*", "", cell).strip()


def read_pdf(data: bytes, path: str, sha256: str) -> Document:
    try:
        import pdfplumber
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ReportReadError(path, "pdfplumber installed to read PDF", "it is missing",
                              "pip install pdfplumber") from exc
    lines: list[Line] = []
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many kinds on broken files
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc  # pdfplumber wraps them
        if type(cause).__name__ == "PDFPasswordIncorrect":
            raise ReportReadError(path, "a PDF that opens without a password", "a PDF encrypted with a password",
                                  "ask the publisher for an unprotected copy, or open it with its password "
                                  "and save it again") from exc
        if type(cause).__name__ == "PDFEncryptionError":
            raise ReportReadError(path, "a readable PDF", f"an encryption it cannot undo ({cause})") from exc
        raise ReportReadError(path, "a readable PDF", f"a file pdfplumber cannot open ({type(cause).__name__})") from exc
    notes = ["the PDF is encrypted with an empty password: read as any reader opens it"] \
        if pdf.doc.encryption else []
    with pdf:
        text_chars = 0
        try:
            pages = list(pdf.pages)
        except Exception as exc:  # a damaged page tree
            raise ReportReadError(path, "a readable PDF", f"a damaged page tree ({type(exc).__name__})") from exc
        for page_number, page in enumerate(pages, start=1):
            try:
                page_lines, page_chars = _read_page(page, page_number)
            except Exception as exc:  # pdfminer/pdfplumber raise many kinds on damaged pages
                raise ReportReadError(path, "a readable PDF",
                                      f"page {page_number} that cannot be read ({type(exc).__name__}: {exc})") from exc
            lines += page_lines
            text_chars += page_chars
    if text_chars == 0:
        raise ReportReadError(path, "a PDF with a text layer", "pages with no text (a scan?)",
                              "run OCR first (for example ocrmypdf) and read the result")
    return Document(path, "pdf", lines, sha256, None, {}, notes=notes)


def _read_page(page, page_number: int) -> tuple[list[Line], int]:
    """The lines of one page, tables and text in reading order, and its number of characters."""
    text_chars = 0
    items: list[tuple[float, int, Line]] = []
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    for t_index, table in enumerate(tables, start=1):
        for r_index, (row, cells) in enumerate(zip(table.rows, table.extract()), start=1):
            loc = f"page {page_number} table {t_index} row {r_index}"
            kept = [(j, _clean(c)) for j, c in enumerate(cells) if c is not None]
            filled = [c for _, c in kept if c]
            top = row.bbox[1]
            if len(kept) == 1 or (len(filled) == 1 and len(cells) > 1 and len(filled[0]) > 30):
                text = (filled or [""])[0]
                if text and not _PAGE_NUMBER.match(text):
                    items.append((top, len(items), Line([text], loc)))
            elif kept:
                items.append((top, len(items), Line([c for _, c in kept], loc, True,
                                                    [f"{loc} cell {j + 1}" for j, _ in kept])))
    outside = page
    for box in boxes:
        # strict=False: ruling lines drawn past the page edge give a table box that is
        # not inside the page, which is no reason to fail
        outside = outside.outside_bbox(box, strict=False)
    for text_line in outside.extract_text_lines():
        text = text_line["text"].strip()
        text_chars += len(text)
        if text and not _PAGE_NUMBER.match(text):
            items.append((text_line["top"], len(items), Line([text], f"page {page_number} y {text_line['top']:.0f}")))
    text_chars += sum(len(l.text) for _, _, l in items)
    items.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in items], text_chars
