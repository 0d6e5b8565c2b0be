"""Word (.docx) reports: paragraphs and tables in document order, read with python-docx.

A merged cell appears once per row it covers in python-docx; horizontally repeated copies
are dropped (a cell is given once), vertically merged label cells are carried down like
``rowspan`` cells in HTML.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from ..errors import ReportReadError
from ..limits import MAX_DOCX_XML_BYTES
from .document import Document, Line


def _mb(size: int) -> str:
    return f"{size / 2 ** 20:,.1f} MB"


# a DTD at the head of an XML part, in UTF-8 or UTF-16 (Word writes neither a DTD nor entities)
_DTD_MARKS = tuple(m.encode(e) for m in ("<!DOCTYPE", "<!ENTITY") for e in ("utf-8", "utf-16-le", "utf-16-be"))


def check_inflation(data: bytes, path: str, limit: int = MAX_DOCX_XML_BYTES) -> None:
    """Refuse a DOCX whose XML would inflate beyond ``limit`` bytes, or whose XML declares a
    DTD (entity expansion, external entities naming system files), before python-docx parses
    it whole (a 325 KB file whose XML inflates to 100 MB once took 2.7 GB and 71 s).

    Both the sizes the ZIP declares and the bytes that actually come out are counted, in
    1 MB steps, so memory stays bounded whatever the archive claims.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        return  # python-docx says what is wrong with it
    with archive:
        parts = [i for i in archive.infolist() if i.filename.lower().endswith((".xml", ".rels"))]
        declared = sum(i.file_size for i in parts)
        packed = sum(i.compress_size for i in parts)
        if declared > limit:
            raise ReportReadError(path, f"a Word document whose XML is at most {_mb(limit)}",
                                  f"XML that inflates from {_mb(packed)} to {_mb(declared)}",
                                  "a compression bomb? the limit is govdisclosure.limits.MAX_DOCX_XML_BYTES")
        actual = 0
        for info in parts:
            try:
                with archive.open(info) as member:
                    first = True
                    while chunk := member.read(2 ** 20):
                        if first and any(mark in chunk[:8192] for mark in _DTD_MARKS):
                            raise ReportReadError(
                                path, "a Word document (Word never declares a DTD or XML entities)",
                                f"XML that declares entities in {info.filename} (a DTD): refused unread",
                                "entity expansion and external entities are attacks, not documents")
                        first = False
                        actual += len(chunk)
                        if actual > limit:
                            raise ReportReadError(
                                path, f"a Word document whose XML is at most {_mb(limit)}",
                                f"XML that inflates beyond {_mb(limit)} (its ZIP declares {_mb(declared)})",
                                "a compression bomb? the limit is govdisclosure.limits.MAX_DOCX_XML_BYTES")
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                raise ReportReadError(path, "a Word document (.docx)",
                                      f"a damaged ZIP archive ({type(exc).__name__}: {exc})",
                                      "was the download cut short?") from exc


def _blocks(parent):
    """Paragraphs and tables in document order, including those inside content controls
    (``w:sdt``, used by Word templates for cover pages and form fields) and custom-XML
    wrappers, which a walk over the body's children alone would skip."""
    for child in parent.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag in ("p", "tbl"):
            yield child
        elif tag in ("sdt", "sdtContent", "customXml"):
            yield from _blocks(child)


def read_docx(data: bytes, path: str, sha256: str) -> Document:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ReportReadError(path, "python-docx installed to read DOCX", "it is missing",
                              "pip install python-docx") from exc
    from lxml import etree

    check_inflation(data, path)
    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReportReadError(path, "a Word document (.docx)", f"a damaged ZIP archive ({exc})",
                              "was the download cut short?") from exc
    except KeyError as exc:  # no [Content_Types].xml or no main document part
        raise ReportReadError(path, "a Word document (.docx)",
                              f"a ZIP archive that is not a Word document (missing {exc})") from exc
    except ValueError as exc:  # another kind of Office file (a workbook, a presentation)
        raise ReportReadError(path, "a Word document (.docx)",
                              f"an Office file that is not a Word document ({str(exc).split(', ')[-1]})") from exc
    except etree.XMLSyntaxError as exc:
        raise ReportReadError(path, "a Word document (.docx)", f"a Word document whose XML is damaged ({exc})") from exc
    except Exception as exc:  # python-docx raises its own kinds (PackageNotFoundError, …)
        raise ReportReadError(path, "a Word document (.docx)", f"a file python-docx cannot open ({type(exc).__name__})") from exc
    lines: list[Line] = []
    fields: dict[str, str] = {}
    title = (document.core_properties.title or "").strip()
    if title:
        fields["标题"] = title
    paragraph_number = 0
    table_number = 0
    for block in _blocks(document.element.body):
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph_number += 1
            text = Paragraph(block, document).text.strip()
            if text:
                lines.append(Line([text], f"paragraph {paragraph_number}"))
        elif tag == "tbl":
            table_number += 1
            table = Table(block, document)
            for r, row in enumerate(table.rows, start=1):
                loc = f"table {table_number} row {r}"
                cells: list[str] = []
                locs: list[str] = []
                previous = None
                for c, cell in enumerate(row.cells, start=1):
                    if cell._tc is previous:
                        continue  # a horizontally merged cell, already given
                    previous = cell._tc
                    cells.append(" ".join(p.text for p in cell.paragraphs).strip())
                    locs.append(f"{loc} cell {c}")
                if cells:
                    lines.append(Line(cells, loc, True, locs))
    return Document(path, "docx", lines, sha256, None, fields)
