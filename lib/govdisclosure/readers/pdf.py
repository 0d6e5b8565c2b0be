"""PDF reports: a text layer read with PDFium, or a scan read by OCR (:mod:`.ocr`).

Three readers, tried in this order, and named in ``Document.reader``:

``pdfium`` (the fast path)
    PDFium (pypdfium2, which pdfplumber itself depends on) gives every character with its box
    and every painted path, from which the ruling lines are taken the way pdfminer takes them
    (each sub-path a line, a rectangle or a polyline, whatever its colour).  pdfplumber's own
    table finder (``pdfplumber.table.TableFinder``) and text-line grouping then run on those
    objects, so the tables, rows and cells are pdfplumber's, without pdfminer's layout
    analysis (about 20× faster; ``bench/bench_parse.py``).
``pdfplumber`` (the fallback)
    For a PDF the fast path cannot read (PDFium refuses it, or a page it cannot lay out); the
    document's notes say why it was used.
``ocr``
    For a PDF without a text layer, or whose text layer is garbage — none of the template's
    words, and either most characters unmapped (a font without a Unicode map) or pages
    covered by an image (a scan with a broken OCR layer) — the
    pages are rendered and recognised (:func:`govdisclosure.readers.ocr.read_scan`), when the
    ``ocr`` extra is installed; without it the error names the extra.

Seen in real reports: a page frame drawn as a one-column "table" around the prose, tables
that continue on the next page, labels wrapped inside cells, page numbers ("- 3 -").  Rows
with one filled cell are prose; the others are table rows, merged cells given once.
Locations: ``page 3 table 2 row 5 cell 4`` for table cells, ``page 3 y 363`` for prose
(points from the top of the page).
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import io
import re
from dataclasses import dataclass, field

from ..errors import ReportReadError
from ..template import normalise
from .document import Document, Line

_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$")

# Limits of one PDF: more pages than this is not an annual report (they run 3–30 pages).
MAX_PAGES = 200
# The template's own words: a text layer in which none of them appears is not a report's
# text (a scan with a broken OCR layer, a font without a Unicode map), and is read as a scan.
TEMPLATE_WORDS = ("政府信息公开", "信息公开", "主动公开", "依申请", "行政复议", "行政诉讼", "申请人",
                  "本年新收", "予以公开", "年度报告")
OCR_EXTRA_HINT = "install the OCR extra to read scans offline: pip install 'govdisclosure[ocr]'"


class FastPathError(Exception):
    """The PDFium reader cannot read this PDF; the pdfplumber reader is tried instead."""


def _clean(cell: str) -> str:
    # labels wrap inside cells; a line break in a label is not a space
    return re.sub(r"\s*\n\s*", "", cell).strip()


# --------------------------------------------------------------------------- entry point

def read_pdf(data: bytes, path: str, sha256: str, *, reader: str = "auto") -> Document:
    """Read a PDF report into a :class:`Document` (lines of text and rows of cells).

    ``reader``: ``"auto"`` (PDFium, pdfplumber when PDFium cannot, OCR for a scan),
    ``"pdfium"``, ``"pdfplumber"`` or ``"ocr"`` to force one.  Raises
    :class:`ReportReadError` for a PDF no reader can open, or a scan when the ``ocr`` extra
    is not installed (the message names it).
    """
    if reader not in ("auto", "pdfium", "pdfplumber", "ocr"):
        raise ValueError(f"unknown PDF reader {reader!r}: use auto, pdfium, pdfplumber or ocr")
    if reader == "ocr":
        return _read_as_scan(data, path, sha256, why="OCR asked for")
    notes: list[str] = []
    if reader == "pdfplumber":
        doc = read_pdf_pdfplumber(data, path, sha256)
    else:
        try:
            doc = read_pdf_pdfium(data, path, sha256)
        except FastPathError as exc:
            if reader == "pdfium":
                raise ReportReadError(path, "a PDF PDFium can read", str(exc)) from None
            doc = read_pdf_pdfplumber(data, path, sha256)
            notes.append(f"read with pdfplumber: PDFium could not ({exc})")
    doc.notes[:0] = notes
    text_chars = sum(len(line.text) for line in doc.lines)
    if text_chars == 0:
        return _read_as_scan(data, path, sha256, why="its pages have no text layer")
    if not has_template_words(doc) and (is_garbled(doc) or has_page_images(data)):
        return _read_as_scan(data, path, sha256, why="its text layer holds none of the template's words "
                                                      "(a broken OCR layer or font mapping)", text_layer=doc)
    return doc


def is_garbled(doc: Document) -> bool:
    """Whether most characters of the text layer are not text (private-use code points,
    replacement or control characters: a font without a Unicode map)."""
    text = "".join(line.text for line in doc.lines)
    bad = sum(1 for ch in text if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or (ch < " " and ch not in "\t"))
    return bool(text) and bad > 0.3 * len(text)


def has_page_images(data: bytes) -> bool:
    """Whether a page is covered (half its area or more) by an image: a scan, whatever text
    layer was laid over it."""
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
    except Exception:  # PDFium cannot open it: the text layer is all there is
        return False
    try:
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            try:
                width, height = page.get_size()
                for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                    left, bottom, right, top = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
                    if (right - left) * (top - bottom) >= 0.5 * width * height:
                        return True
            finally:
                page.close()
    finally:
        pdf.close()
    return False


def has_template_words(doc: Document) -> bool:
    """Whether the document's text holds any of the template's words (:data:`TEMPLATE_WORDS`)."""
    text = normalise("".join(line.text for line in doc.lines))
    return any(word in text for word in TEMPLATE_WORDS)


def _read_as_scan(data: bytes, path: str, sha256: str, *, why: str, text_layer: Document | None = None) -> Document:
    try:
        from .ocr import OcrUnavailable, read_scan
    except ImportError:  # pragma: no cover - ocr.py imports its heavy modules lazily
        OcrUnavailable, read_scan = ImportError, None
    try:
        if read_scan is None:
            raise OcrUnavailable("the OCR reader is missing")
        doc = read_scan(data, path, sha256, kind="pdf")
    except OcrUnavailable:
        if text_layer is not None:
            # without OCR the garbled text layer is all there is: parsing will say what it lacks
            text_layer.notes.append(f"{why}; it may be a scan, but OCR is not installed ({OCR_EXTRA_HINT})")
            return text_layer
        raise ReportReadError(path, "a PDF with a text layer", "pages with no text (a scan?)", OCR_EXTRA_HINT) from None
    doc.notes.insert(0, f"read by OCR: {why}")
    return doc


# --------------------------------------------------------------------------- shared page layout

def _read_page(page, page_number: int) -> tuple[list[Line], int]:
    """The lines of one page, tables and text in reading order, and its number of characters.

    ``page`` is a pdfplumber ``Page`` or a :class:`PdfiumPage` (the same interface).
    """
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


# --------------------------------------------------------------------------- pdfplumber (fallback)

def read_pdf_pdfplumber(data: bytes, path: str, sha256: str) -> Document:
    """The text layer read with pdfplumber (pdfminer's layout analysis): slow, the fallback."""
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
        raise ReportReadError(path, "a readable PDF", f"a file pdfplumber cannot open ({type(exc).__name__})") from exc
    with pdf:
        try:
            pages = list(pdf.pages)
        except Exception as exc:  # a damaged page tree
            raise ReportReadError(path, "a readable PDF", f"a damaged page tree ({type(exc).__name__})") from exc
        if len(pages) > MAX_PAGES:
            raise ReportReadError(path, f"a report of at most {MAX_PAGES} pages", f"{len(pages)} pages")
        for page_number, page in enumerate(pages, start=1):
            try:
                page_lines, _ = _read_page(page, page_number)
            except Exception as exc:  # pdfminer/pdfplumber raise many kinds on damaged pages
                raise ReportReadError(path, "a readable PDF",
                                      f"page {page_number} that cannot be read ({type(exc).__name__}: {exc})") from exc
            lines += page_lines
    return Document(path, "pdf", lines, sha256, None, {}, reader="pdfplumber")


# --------------------------------------------------------------------------- PDFium (fast path)

@dataclass
class PdfiumPage:
    """One page as pdfplumber's table finder and text grouping expect it: ``chars`` and
    ``edges`` as dicts in points from the top-left corner (pdfplumber's coordinates)."""

    chars: list[dict]
    edges: list[dict]
    bbox: tuple[float, float, float, float]
    _tables: list | None = field(default=None, repr=False)

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]

    def find_tables(self) -> list["FastTable"]:
        return find_tables(self.edges, self.chars)

    def outside_bbox(self, bbox, strict: bool = False) -> "PdfiumPage":
        return PdfiumPage(_outside(self.chars, bbox), _outside(self.edges, bbox), self.bbox)

    def extract_text_lines(self) -> list[dict]:
        from pdfplumber.utils.text import chars_to_textmap

        textmap = chars_to_textmap(self.chars, layout_bbox=self.bbox, layout_width=self.width,
                                   layout_height=self.height)
        return textmap.extract_text_lines(strip=True, return_chars=False)


# --------------------------------------------------------------------------- tables from ruling lines

# pdfplumber's default table settings ("lines" strategy), which the fast path reproduces
SNAP, JOIN, EDGE_MIN, EDGE_MIN_PREFILTER, INTERSECTION, TEXT_TOLERANCE = 3, 3, 3, 1, 3, 3


@dataclass
class FastRow:
    cells: list  # cell boxes (x0, top, x1, bottom), None where a merged cell covers the column
    bbox: tuple


@dataclass
class FastTable:
    """A table as ``pdfplumber.table.Table`` gives it (``bbox``, ``rows``, ``extract()``),
    found and filled with the same rules, in a fraction of the time."""

    cells: list[tuple]
    chars: list[dict] = field(repr=False, default_factory=list)

    @property
    def bbox(self) -> tuple:
        return (min(c[0] for c in self.cells), min(c[1] for c in self.cells),
                max(c[2] for c in self.cells), max(c[3] for c in self.cells))

    @functools.cached_property
    def rows(self) -> list[FastRow]:
        xs = sorted({c[0] for c in self.cells})
        rows = []
        for top in sorted({c[1] for c in self.cells}):
            by_x = {c[0]: c for c in self.cells if c[1] == top}
            cells = [by_x.get(x) for x in xs]
            present = [c for c in cells if c is not None]
            rows.append(FastRow(cells, (min(c[0] for c in present), min(c[1] for c in present),
                                        max(c[2] for c in present), max(c[3] for c in present))))
        return rows

    def extract(self) -> list[list[str | None]]:
        """Each row's cells' text: ``None`` for a column a merged cell covers, ``""`` for an
        empty cell.  A character belongs to the cell that holds its centre (pdfplumber's rule)."""
        from pdfplumber.utils.text import LIGATURES, extract_text

        centred = sorted((((ch["top"] + ch["bottom"]) / 2, (ch["x0"] + ch["x1"]) / 2, n, ch)
                          for n, ch in enumerate(self.chars)), key=lambda t: (t[0], t[2]))
        middles = [t[0] for t in centred]
        out = []
        for row in self.rows:
            x0, top, x1, bottom = row.bbox
            lo, hi = bisect.bisect_left(middles, top), bisect.bisect_left(middles, bottom)
            row_chars = sorted((t for t in centred[lo:hi] if x0 <= t[1] < x1), key=lambda t: t[2])
            texts: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    texts.append(None)
                    continue
                chars = [t[3] for t in row_chars if cell[0] <= t[1] < cell[2] and cell[1] <= t[0] < cell[3]]
                texts.append(_one_word(chars, LIGATURES) if chars else "")
                if texts[-1] is None:
                    texts[-1] = extract_text(chars)
            out.append(texts)
        return out


def _one_word(chars: list[dict], ligatures) -> str | None:
    """The text of characters that make one word on one line (most table cells), or None when
    pdfplumber's word and line grouping is needed."""
    tops = [ch["top"] for ch in chars]
    if max(tops) - min(tops) > TEXT_TOLERANCE:
        return None
    ordered = sorted(chars, key=lambda ch: (ch["x0"], ch["x1"]))
    for previous, current in zip(ordered, ordered[1:]):
        if current["x0"] > previous["x1"] + TEXT_TOLERANCE:
            return None
    text = "".join(ch["text"] for ch in ordered)
    if any(ch.isspace() or ch in ligatures for ch in text):
        return None
    return text


def find_tables(edges: list[dict], chars: list[dict]) -> list[FastTable]:
    """Tables from ruling lines, by pdfplumber's "lines" strategy with its default settings.

    The steps are pdfplumber's (``TableFinder``: edges snapped and joined, intersections,
    the smallest cell to the lower right of each intersection, cells that share a corner
    grouped into tables of two or more cells, ordered top to bottom then left to right),
    written with indexes instead of pairwise scans.
    """
    from pdfplumber.table import merge_edges
    from pdfplumber.utils import filter_edges

    edges = filter_edges(edges, "v", min_length=EDGE_MIN_PREFILTER) + filter_edges(edges, "h", min_length=EDGE_MIN_PREFILTER)
    edges = merge_edges(edges, snap_x_tolerance=SNAP, snap_y_tolerance=SNAP,
                        join_x_tolerance=JOIN, join_y_tolerance=JOIN)
    edges = filter_edges(edges, min_length=EDGE_MIN)
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: (e["x0"], e["top"]))
    horizontals = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: (e["top"], e["x0"]))
    # intersections: point -> the boxes of the vertical and horizontal edges through it
    points: dict[tuple, tuple[set, set]] = {}
    tops = [h["top"] for h in horizontals]
    for v in verticals:
        lo = bisect.bisect_left(tops, v["top"] - INTERSECTION)
        hi = bisect.bisect_right(tops, v["bottom"] + INTERSECTION)
        for h in horizontals[lo:hi]:
            if (v["top"] <= h["top"] + INTERSECTION and v["bottom"] >= h["top"] - INTERSECTION
                    and h["x0"] - INTERSECTION <= v["x0"] <= h["x1"] + INTERSECTION):
                entry = points.setdefault((v["x0"], h["top"]), (set(), set()))
                entry[0].add((v["x0"], v["top"], v["x1"], v["bottom"]))
                entry[1].add((h["x0"], h["top"], h["x1"], h["bottom"]))
    below: dict[float, list] = {}
    right: dict[float, list] = {}
    for point in sorted(points):
        below.setdefault(point[0], []).append(point)
        right.setdefault(point[1], []).append(point)
    for group in right.values():
        group.sort()

    def joined_v(p, q) -> bool:
        return not points[p][0].isdisjoint(points[q][0])

    def joined_h(p, q) -> bool:
        return not points[p][1].isdisjoint(points[q][1])

    cells = []
    for point in sorted(points):
        x, y = point
        downs = [q for q in below[x] if q[1] > y]
        rights = [q for q in right[y] if q[0] > x]
        found = None
        for down in downs:
            if not joined_v(point, down):
                continue
            for across in rights:
                if not joined_h(point, across):
                    continue
                corner = (across[0], down[1])
                if corner in points and joined_v(corner, across) and joined_h(corner, down):
                    found = (x, y, corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    # cells sharing a corner make one table (connected components)
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple, int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            if corner in owner:
                a, b = root(owner[corner]), root(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[corner] = i
    groups: dict[int, list] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(root(i), []).append(cell)
    tables = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [FastTable(t, chars) for t in tables if len(t) > 1]


def _outside(objects: list[dict], bbox) -> list[dict]:
    """The objects that do not overlap ``bbox`` (``pdfplumber.utils.outside_bbox``: touching
    along an edge is overlapping, touching at a corner is not)."""
    left, top, right, bottom = bbox
    kept = []
    for o in objects:
        width = min(o["x1"], right) - max(o["x0"], left)
        height = min(o["bottom"], bottom) - max(o["top"], top)
        if not (width >= 0 and height >= 0 and width + height > 0):
            kept.append(o)
    return kept


def read_pdf_pdfium(data: bytes, path: str, sha256: str) -> Document:
    """The text layer read with PDFium: characters, their boxes and the ruling lines.

    Raises :class:`FastPathError` for a PDF PDFium cannot open or lay out (the caller falls
    back to pdfplumber), :class:`ReportReadError` for one with too many pages.
    """
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a dependency of pdfplumber
        raise FastPathError("pypdfium2 is not installed") from exc
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise FastPathError(f"PDFium cannot open it: {exc}") from None
    lines: list[Line] = []
    try:
        if len(pdf) > MAX_PAGES:
            raise ReportReadError(path, f"a report of at most {MAX_PAGES} pages", f"{len(pdf)} pages")
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                lite = _pdfium_page(page)
            finally:
                page.close()
            try:
                page_lines, _ = _read_page(lite, index + 1)
            except Exception as exc:  # a geometry pdfplumber's finder cannot handle
                raise FastPathError(f"page {index + 1}: {type(exc).__name__}: {exc}") from exc
            lines += page_lines
    finally:
        pdf.close()
    return Document(path, "pdf", lines, sha256, None, {}, reader="pdfium")


def _pdfium_page(page) -> PdfiumPage:
    import pypdfium2.raw as c

    if page.get_rotation() % 360:
        raise FastPathError("a rotated page")
    left, bottom, right, top = page.get_mediabox()
    crop = page.get_cropbox()
    if tuple(round(v, 3) for v in crop) != tuple(round(v, 3) for v in (left, bottom, right, top)):
        raise FastPathError("a page whose crop box differs from its media box")
    height = top - bottom
    chars = _chars(page, c, left, top)
    edges: list[dict] = []
    paths = _PathReader(c, left, top, height)
    for matrix, obj in _path_objects(page, c):
        edges += paths.edges(obj, matrix)
    return PdfiumPage(chars, edges, (0.0, 0.0, right - left, height))


def _chars(page, c, left: float, top: float) -> list[dict]:
    """Every character the PDF prints (not those PDFium generates for spaces and line ends),
    boxed as pdfminer boxes it: advance width across, font size high from the descent."""
    textpage = page.get_textpage()
    raw = textpage.raw
    out: list[dict] = []
    rect, matrix = c.FS_RECTF(), c.FS_MATRIX()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    get_box, get_matrix, get_size = c.FPDFText_GetLooseCharBox, c.FPDFText_GetMatrix, c.FPDFText_GetFontSize
    try:
        count = c.FPDFText_CountChars(raw)
        if count <= 0:
            return out
        buffer = (ctypes.c_ushort * (count + 1))()
        written = c.FPDFText_GetText(raw, 0, count, buffer)
        units = bytes(buffer)[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
        if len(units) != count:  # characters outside the BMP: one call per character instead
            units = "".join(chr(c.FPDFText_GetUnicode(raw, i)) if c.FPDFText_GetUnicode(raw, i) < 0x110000 else "\ufffd"
                            for i in range(count))
        for i, text in enumerate(units):
            if text in "\r\n\ufffe\uffff\x00" or "\ud800" <= text <= "\udfff":
                continue  # a line end, a character with no mapping
            if text == " " and c.FPDFText_IsGenerated(raw, i) == 1:
                continue  # a space PDFium made up between words
            if not get_box(raw, i, rect):
                continue
            size = get_size(raw, i)
            if get_matrix(raw, i, matrix):
                size *= (matrix.c * matrix.c + matrix.d * matrix.d) ** 0.5
            if size <= 0:
                size = rect.top - rect.bottom
            x0, x1, lower = rect.left, rect.right, rect.bottom
            if x1 - x0 > 2 * size or rect.top - lower > 2 * size:
                # vertical writing (an Identity-V font): PDFium's loose box spans the font's
                # unscaled size; pdfminer boxes the glyph from its origin
                c.FPDFText_GetCharOrigin(raw, i, origin_x, origin_y)
                x0, x1, lower = origin_x.value, origin_x.value + size, origin_y.value
            char_top = top - (lower + size)
            out.append({"text": text, "x0": x0 - left, "x1": x1 - left, "top": char_top,
                        "bottom": char_top + size, "doctop": char_top, "upright": True,
                        "width": x1 - x0, "height": size, "object_type": "char"})
    finally:
        textpage.close()
    return out


def _multiply(m, n):
    """The product of two PDF matrices (a, b, c, d, e, f): first ``m``, then ``n``."""
    a, b, c_, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c_ * A + d * C, c_ * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_objects(page, c, depth_limit: int = 8):
    """(matrix to page space, object) of every path object, inside form XObjects too."""
    raw = page.raw
    stack = [((1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [c.FPDFPage_GetObject(raw, i) for i in range(c.FPDFPage_CountObjects(raw))], 0)]
    matrix = c.FS_MATRIX()
    path, form = c.FPDF_PAGEOBJ_PATH, c.FPDF_PAGEOBJ_FORM
    while stack:
        outer, objects, depth = stack.pop()
        for obj in objects:
            kind = c.FPDFPageObj_GetType(obj)
            if kind == path:
                yield outer, obj
            elif kind == form and depth < depth_limit:
                if not c.FPDFPageObj_GetMatrix(obj, matrix):
                    continue
                inner = _multiply((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
                children = [c.FPDFFormObj_GetObject(obj, i) for i in range(c.FPDFFormObj_CountObjects(obj))]
                stack.append((inner, children, depth + 1))


class _PathReader:
    """The straight, axis-parallel edges of path objects, as pdfplumber makes them from
    pdfminer's lines, rectangles and polylines (one per sub-path, painted in any colour)."""

    def __init__(self, c, left: float, top: float, height: float):
        self.c, self.left, self.top, self.height = c, left, top, height
        self.matrix, self.fill, self.stroke = c.FS_MATRIX(), ctypes.c_int(), ctypes.c_int()
        self.x, self.y = ctypes.c_float(), ctypes.c_float()

    def edges(self, obj, outer) -> list[dict]:
        c, matrix, x, y = self.c, self.matrix, self.x, self.y
        if not c.FPDFPageObj_GetMatrix(obj, matrix):
            return []
        if c.FPDFPath_GetDrawMode(obj, self.fill, self.stroke) and not self.fill.value and not self.stroke.value:
            return []  # a clipping path or an unpainted one: pdfminer makes nothing of it either
        a, b, c_, d, e, f = _multiply((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
        get_segment, get_point, get_type, get_close = (c.FPDFPath_GetPathSegment, c.FPDFPathSegment_GetPoint,
                                                       c.FPDFPathSegment_GetType, c.FPDFPathSegment_GetClose)
        moveto, bezier = c.FPDF_SEGMENT_MOVETO, c.FPDF_SEGMENT_BEZIERTO
        subpaths: list[list] = []  # [points, curved, closed]
        for i in range(c.FPDFPath_CountSegments(obj)):
            segment = get_segment(obj, i)
            if not get_point(segment, x, y):
                continue
            px, py = x.value, y.value
            point = (a * px + c_ * py + e, b * px + d * py + f)
            kind = get_type(segment)
            if kind == moveto or not subpaths:
                subpaths.append([[point], False, False])
            else:
                subpaths[-1][0].append(point)
                if kind == bezier:
                    subpaths[-1][1] = True
            if get_close(segment):
                subpaths[-1][2] = True
        out: list[dict] = []
        left, top, height = self.left, self.top, self.height
        for points, curved, closed in subpaths:
            if len(points) < 2 or curved:
                continue
            if closed and points[0] != points[-1]:
                points.append(points[0])
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                horizontal, vertical = abs(y0 - y1) < 1e-6, abs(x0 - x1) < 1e-6
                if horizontal == vertical:
                    continue  # a point, or a slanted segment
                lo_x, hi_x = (x0 - left, x1 - left) if x0 <= x1 else (x1 - left, x0 - left)
                edge_top, edge_bottom = (top - y0, top - y1) if y0 >= y1 else (top - y1, top - y0)
                out.append({"object_type": "line", "x0": lo_x, "x1": hi_x, "top": edge_top, "bottom": edge_bottom,
                            "doctop": edge_top, "y0": height - edge_bottom, "y1": height - edge_top,
                            "width": hi_x - lo_x, "height": edge_bottom - edge_top,
                            "orientation": "h" if horizontal else "v"})
        return out
