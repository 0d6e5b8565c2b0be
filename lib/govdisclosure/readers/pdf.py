"""PDF reports: a text layer read with PDFium, or a scan read by OCR (:mod:`.ocr`).

Three readers, tried in this order, and named in ``Document.reader``:

``pdfium`` (the fast path)
    PDFium (pypdfium2, which pdfplumber itself depends on) gives every character with its box
    and every painted path, from which the ruling lines are taken the way pdfminer takes them
    (each sub-path a line, a rectangle or a polyline, whatever its colour).  Tables, rows and
    cells follow pdfplumber's rules ("lines" strategy, default settings: edges snapped,
    joined, intersected; cells; a character in the cell that holds its centre; a cell's text
    as ``extract_text`` gives it; the prose outside the tables in lines as
    ``extract_text_lines`` gives them), rewritten step for step on plain tuples — the same
    arithmetic in the same order, checked against pdfplumber's own functions on generated
    edges and characters (``tests/test_pdf_fast.py``).  No pdfminer layout analysis: about
    11× faster than the pdfplumber reader (``bench/bench_parse.py``).  Known difference: for one of the
    14 standard fonts used without a font descriptor (not embedded, no metrics in the file),
    PDFium and pdfminer take the descent from different metrics, so character boxes differ by
    a few hundredths of the font size; fonts that carry their metrics (embedded or
    described, as in the bundled reports) give the same boxes.
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
import itertools
import operator
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
    return _LINE_BREAK.sub("", cell).strip() if "\n" in cell else cell.strip()


_LINE_BREAK = re.compile(r"\s*\n\s*")


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

def _read_page(page, page_number: int) -> list[Line]:
    """The lines of one page, tables and text in reading order.

    ``page`` is a pdfplumber ``Page`` or a :class:`PdfiumPage` (the same interface).
    """
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
        if text and not _PAGE_NUMBER.match(text):
            items.append((text_line["top"], len(items), Line([text], f"page {page_number} y {text_line['top']:.0f}")))
    items.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in items]


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
        try:
            pages = list(pdf.pages)
        except Exception as exc:  # a damaged page tree
            raise ReportReadError(path, "a readable PDF", f"a damaged page tree ({type(exc).__name__})") from exc
        if len(pages) > MAX_PAGES:
            raise ReportReadError(path, f"a report of at most {MAX_PAGES} pages", f"{len(pages)} pages")
        for page_number, page in enumerate(pages, start=1):
            try:
                page_lines = _read_page(page, page_number)
            except Exception as exc:  # pdfminer/pdfplumber raise many kinds on damaged pages
                raise ReportReadError(path, "a readable PDF",
                                      f"page {page_number} that cannot be read ({type(exc).__name__}: {exc})") from exc
            lines += page_lines
    return Document(path, "pdf", lines, sha256, None, {}, notes=notes, reader="pdfplumber")


# --------------------------------------------------------------------------- PDFium (fast path)
#
# Plain tuples, not pdfplumber's dicts, from PDFium to the table finder: a page has 500–800
# characters and as many edges, and the per-object work is what a Python reader spends its
# time on.  Dicts are made only for the characters pdfplumber's own text functions group
# (prose outside the tables, cells of more than one word or line).
#
# A character: (text, x0, x1, top, bottom), points from the page's top-left corner.
# An edge:     (orientation "h" or "v", x0, top, x1, bottom, length), the same.

TEXT, X0, X1, TOP, BOTTOM = range(5)


def char_dict(char: tuple) -> dict:
    """A character tuple as the dict pdfplumber's text functions take."""
    text, x0, x1, top, bottom = char
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "upright": True,
            "width": x1 - x0, "height": bottom - top, "object_type": "char"}


@dataclass
class PdfiumPage:
    """One page as :func:`_read_page` reads it (the interface of a pdfplumber ``Page`` it
    uses): ``chars`` and ``edges`` as tuples (see above), in points from the top-left
    corner (pdfplumber's coordinates), characters in the order the PDF prints them."""

    chars: list[tuple]
    edges: list[tuple]
    bbox: tuple[float, float, float, float]
    excluded: list[tuple] = field(default_factory=list)  # boxes whose text is read elsewhere

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]

    def find_tables(self) -> list["FastTable"]:
        return find_tables(self.edges, self.chars)

    def outside_bbox(self, bbox, strict: bool = False) -> "PdfiumPage":
        """The page without what overlaps ``bbox`` (``pdfplumber.utils.outside_bbox``:
        touching along an edge is overlapping, touching at a corner is not).  Only the
        characters are kept: once the tables are found only the text outside them is read."""
        return PdfiumPage(self.chars, [], self.bbox, self.excluded + [tuple(bbox)])

    def outside_chars(self) -> list[tuple]:
        """The characters outside every box left out by :meth:`outside_bbox`."""
        if not self.excluded or not self.chars:
            return self.chars
        import numpy as np

        x0, x1, top, bottom = np.array([ch[1:] for ch in self.chars], dtype=np.float64).T
        keep = np.ones(len(self.chars), dtype=bool)
        for left, upper, right, lower in self.excluded:
            width = np.minimum(x1, right) - np.maximum(x0, left)
            height = np.minimum(bottom, lower) - np.maximum(top, upper)
            keep &= ~((width >= 0) & (height >= 0) & (width + height > 0))
        return [ch for ch, kept in zip(self.chars, keep.tolist()) if kept]

    def extract_text_lines(self) -> list[dict]:
        """Lines of text (``text``, ``top``) as ``pdfplumber.Page.extract_text_lines(strip=True)``
        gives them (:func:`text_lines`)."""
        return [{"text": text, "top": top} for text, top in text_lines(self.outside_chars())]


# --------------------------------------------------------------------------- tables from ruling lines

# pdfplumber's default table settings ("lines" strategy), which the fast path reproduces
SNAP, JOIN, EDGE_MIN, EDGE_MIN_PREFILTER, INTERSECTION, TEXT_TOLERANCE = 3, 3, 3, 1, 3, 3


@dataclass
class FastRow:
    cells: list  # cell boxes (x0, top, x1, bottom), None where a merged cell covers the column
    bbox: tuple


class _CharIndex:
    """A page's characters by the middle of their height (pdfplumber puts a character in
    the cell that holds its centre), built once for all the page's tables."""

    def __init__(self, chars: list[tuple]):
        # (middle of the height, page order, middle of the width, character): sorted by the
        # first two, which are never equal twice
        centred = [((ch[TOP] + ch[BOTTOM]) / 2, n, (ch[X0] + ch[X1]) / 2, ch) for n, ch in enumerate(chars)]
        centred.sort()
        self.centred = centred
        self.middles = [t[0] for t in centred]


@dataclass
class FastTable:
    """A table as ``pdfplumber.table.Table`` gives it (``bbox``, ``rows``, ``extract()``),
    found and filled with the same rules, in a fraction of the time."""

    cells: list[tuple]
    index: _CharIndex | None = field(repr=False, default=None)

    @property
    def bbox(self) -> tuple:
        return (min(c[0] for c in self.cells), min(c[1] for c in self.cells),
                max(c[2] for c in self.cells), max(c[3] for c in self.cells))

    @functools.cached_property
    def rows(self) -> list[FastRow]:
        """Rows as pdfplumber's ``Table.rows``: cells grouped by their top, one slot per
        distinct left edge of the table."""
        xs = sorted({c[0] for c in self.cells})
        by_top: dict[float, dict] = {}
        for c in self.cells:
            by_top.setdefault(c[1], {})[c[0]] = c
        rows = []
        for top in sorted(by_top):
            by_x = by_top[top]
            cells = [by_x.get(x) for x in xs]
            present = list(by_x.values())
            rows.append(FastRow(cells, (min(c[0] for c in present), min(c[1] for c in present),
                                        max(c[2] for c in present), max(c[3] for c in present))))
        return rows

    def extract(self) -> list[list[str | None]]:
        """Each row's cells' text: ``None`` for a column a merged cell covers, ``""`` for an
        empty cell.  A character belongs to the cell that holds its centre (pdfplumber's
        rule); a cell's text is pdfplumber's ``extract_text`` of its characters."""
        index = self.index or _CharIndex([])
        centred, middles = index.centred, index.middles
        left_of, bisect_left, ligatures = _ACROSS, bisect.bisect_left, _ligatures()
        out = []
        for row in self.rows:
            x0, top, x1, bottom = row.bbox
            lo, hi = bisect_left(middles, top), bisect_left(middles, bottom)
            # the row's characters, by the middle of their width
            row_chars = [t for t in centred[lo:hi] if x0 <= t[2] < x1]
            row_chars.sort(key=left_of)
            across = [t[2] for t in row_chars]
            texts: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    texts.append(None)
                    continue
                a = bisect_left(across, cell[0])
                b = bisect_left(across, cell[2], a)
                inside = [t for t in row_chars[a:b] if cell[1] <= t[0] < cell[3]]
                if not inside:
                    texts.append("")
                    continue
                if len(inside) == 1:  # most table cells: one digit
                    text = inside[0][3][TEXT]
                    texts.append("" if text.isspace() else ligatures.get(text, text))
                    continue
                inside.sort(key=_PRINTED)  # back in page order
                texts.append(extract_text([t[3] for t in inside]))
            out.append(texts)
        return out


_ACROSS, _PRINTED = operator.itemgetter(2), operator.itemgetter(1)


def _clusters(items: list, key, tolerance: float) -> list[list]:
    """``pdfplumber.utils.cluster_objects``: items grouped by ``key`` (each value within
    ``tolerance`` of the previous one, in sorted order), groups in that order, items in their
    own order within a group."""
    values = sorted({key(item) for item in items})
    cluster_of: dict[float, int] = {}
    number, last = 0, None
    for value in values:
        if last is not None and value > last + tolerance:
            number += 1
        cluster_of[value] = number
        last = value
    groups: list[list] = [[] for _ in range(number + 1)] if values else []
    for item in items:
        groups[cluster_of[key(item)]].append(item)
    return groups


def extract_text(chars: list[tuple]) -> str:
    """The text of characters as ``pdfplumber.utils.extract_text`` gives it with its default
    settings (no layout): characters in lines by their top (:data:`TEXT_TOLERANCE`), each line
    ordered left to right and cut into words at blanks and at gaps wider than
    :data:`TEXT_TOLERANCE`, ligatures expanded, the words' lines again by their top, words
    joined by a space and lines by a line break.  ``chars``: character tuples in page order."""
    LIGATURES = _ligatures()
    if len(chars) == 1:  # most table cells: one digit
        text = chars[0][TEXT]
        return "" if text.isspace() else LIGATURES.get(text, text)
    tops = [ch[TOP] for ch in chars]
    # all within the tolerance of each other: one line (and its words one line)
    one_line = max(tops) - min(tops) <= TEXT_TOLERANCE
    if one_line:
        ordered = sorted(chars, key=_LEFT)
        text = "".join([ch[TEXT] for ch in ordered])
        if not _BLANK.search(text) and all(b[X0] <= a[X1] + TEXT_TOLERANCE for a, b in zip(ordered, ordered[1:])):
            # one word (most cells: a number, a label on one line)
            return "".join([LIGATURES.get(c, c) for c in text]) if not _LIGATURE_CHARS.isdisjoint(text) else text
    words: list[tuple[str, float]] = []  # (text, top)
    for line in ([chars] if one_line else _clusters(chars, _TOP, TEXT_TOLERANCE)):
        current: list[tuple] = []
        for ch in sorted(line, key=_LEFT):
            if ch[TEXT].isspace():
                if current:
                    words.append(_word(current, LIGATURES))
                current = []
            elif current and (ch[X0] < current[-1][X0] or ch[X0] > current[-1][X1] + TEXT_TOLERANCE
                              or abs(ch[TOP] - current[-1][TOP]) > TEXT_TOLERANCE):
                words.append(_word(current, LIGATURES))
                current = [ch]
            else:
                current.append(ch)
        if current:
            words.append(_word(current, LIGATURES))
    if one_line:
        return " ".join(word for word, _ in words)
    return "\n".join(" ".join(word for word, _ in line) for line in _clusters(words, _WORD_TOP, TEXT_TOLERANCE))


_TOP, _LEFT, _WORD_TOP = operator.itemgetter(TOP), operator.itemgetter(X0), operator.itemgetter(1)
_BLANK = re.compile(r"\s")  # what str.isspace() calls blank, as pdfplumber splits words at it


_LIGATURES: dict[str, str] = {}
_LIGATURE_CHARS: frozenset[str] = frozenset()


def _ligatures() -> dict[str, str]:
    """pdfplumber's ligature expansions ("ﬁ" → "fi"), which its text extraction applies."""
    global _LIGATURES, _LIGATURE_CHARS
    if not _LIGATURES:
        from pdfplumber.utils.text import LIGATURES

        _LIGATURES, _LIGATURE_CHARS = LIGATURES, frozenset(LIGATURES)
    return _LIGATURES


def text_lines(chars: list[tuple]) -> list[tuple[str, float]]:
    """(text, top) of each line of the characters, as pdfplumber's ``extract_text_lines``
    (no layout, blanks stripped) gives them: words made as for :func:`extract_text`, a line
    being a run of consecutive words whose tops fall in one cluster (pdfplumber's text map
    keeps the words in the order made); its text the words joined by a space, its top the
    least top of its characters.  ``chars``: character tuples in page order."""
    ligatures = _ligatures()
    words: list[tuple[str, float]] = []  # (text, top)
    for line in _clusters(chars, _TOP, TEXT_TOLERANCE):
        current: list[tuple] = []
        for ch in sorted(line, key=_LEFT):
            if ch[TEXT].isspace():
                if current:
                    words.append(_word(current, ligatures))
                current = []
            elif current and (ch[X0] < current[-1][X0] or ch[X0] > current[-1][X1] + TEXT_TOLERANCE
                              or abs(ch[TOP] - current[-1][TOP]) > TEXT_TOLERANCE):
                words.append(_word(current, ligatures))
                current = [ch]
            else:
                current.append(ch)
        if current:
            words.append(_word(current, ligatures))
    cluster_of: dict[float, int] = {}
    number, last = 0, None
    for value in sorted({top for _, top in words}):
        if last is not None and value > last + TEXT_TOLERANCE:
            number += 1
        cluster_of[value] = number
        last = value
    out = []
    for _, run in itertools.groupby(words, key=lambda word: cluster_of[word[1]]):
        run = list(run)
        text = " ".join(word for word, _ in run).strip(" ")
        if text.strip():
            out.append((text, min(top for _, top in run)))
    return out


def _word(chars: list[tuple], ligatures) -> tuple[str, float]:
    return "".join(ligatures.get(ch[TEXT], ch[TEXT]) for ch in chars), min(ch[TOP] for ch in chars)


def merge_edges(edges: list[tuple]) -> list[tuple]:
    """pdfplumber's ``TableFinder.get_edges`` for the "lines" strategy with its default
    settings, on edge tuples: edges shorter than :data:`EDGE_MIN_PREFILTER` dropped, edges
    within :data:`SNAP` of each other snapped to their mean position, edges on one line
    within :data:`JOIN` of each other joined, edges shorter than :data:`EDGE_MIN` dropped.
    Horizontal edges first, then vertical ones, each by position (pdfplumber's order).

    The arithmetic is pdfplumber's own, step for step (``snap_objects``: a cluster's mean
    summed in the cluster's order and each edge moved by ``mean - position``;
    ``join_edge_group``; ``resize_object``), so that the positions — and so the cells and
    their characters — are the same to the last bit.
    """
    return (_merge_lines([e for e in edges if e[0] == "h" and e[5] >= EDGE_MIN_PREFILTER], False)
            + _merge_lines([e for e in edges if e[0] == "v" and e[5] >= EDGE_MIN_PREFILTER], True))


def _merge_lines(edges: list[tuple], vertical: bool) -> list[tuple]:
    """Edges of one orientation snapped, joined and filtered (see :func:`merge_edges`)."""
    # position across the edge, the coordinate moved with it, the edge's two ends
    at, other_at, lo_at, hi_at = (1, 3, 2, 4) if vertical else (2, 4, 1, 3)
    # snap: positions clustered, each within SNAP of the previous one in sorted order
    cluster_of: dict[float, int] = {}
    number, last = 0, None
    for value in sorted({e[at] for e in edges}):
        if last is not None and value > last + SNAP:
            number += 1
        cluster_of[value] = number
        last = value
    clusters: list[list] = [[] for _ in range(number + 1)]
    for e in edges:
        clusters[cluster_of[e[at]]].append(e)
    # every edge moved by (mean - its position): one line per resulting position, its
    # edges in the cluster's order
    lines: dict[float, list] = {}
    for members in clusters:
        if not members:
            continue
        mean = sum(e[at] for e in members) / len(members)
        for e in members:
            shift = mean - e[at]
            position = e[at] + shift
            segment = (e[lo_at], e[hi_at], e[5], e[other_at] + shift)  # lo, hi, length, other
            if position in lines:
                lines[position].append(segment)
            else:
                lines[position] = [segment]
    out: list[tuple] = []
    for position in sorted(lines):
        segments = sorted(lines[position], key=_LOW)
        joined = [list(segments[0])]
        for lo, hi, length, other in segments[1:]:
            current = joined[-1]
            if lo <= current[1] + JOIN:
                if hi > current[1]:
                    # resize_object: x1 − x0 across; the height moved by as much as the bottom
                    current[2] = current[2] + (hi - current[1]) if vertical else hi - current[0]
                    current[1] = hi
            else:
                joined.append([lo, hi, length, other])
        for lo, hi, length, other in joined:
            if length >= EDGE_MIN:
                out.append(("v", position, lo, other, hi, length) if vertical else ("h", lo, position, hi, other, length))
    return out


_LOW = operator.itemgetter(0)


def find_tables(edges: list[tuple], chars: list[tuple]) -> list[FastTable]:
    """Tables from ruling lines, by pdfplumber's "lines" strategy with its default settings.

    ``edges``: edge tuples (orientation, x0, top, x1, bottom, length); ``chars``: character
    tuples (text, x0, x1, top, bottom), which fill the cells.  The steps are pdfplumber's
    (``TableFinder``: edges snapped and joined, intersections, the smallest cell to the lower
    right of each intersection, cells that share a corner grouped into tables of two or more
    cells, ordered top to bottom then left to right), written with indexes instead of
    pairwise scans.
    """
    edges = merge_edges(edges)
    verticals = sorted((e for e in edges if e[0] == "v"), key=lambda e: (e[1], e[2]))
    horizontals = sorted((e for e in edges if e[0] == "h"), key=lambda e: (e[2], e[1]))
    # intersections: point -> the vertical and the horizontal edges through it, by their
    # index (pdfplumber keeps their boxes; edges with one box meet the same edges, so sets
    # of indexes share a member exactly when sets of boxes do)
    points: dict[tuple, tuple[set, set]] = {}
    tops = [h[2] for h in horizontals]
    for v_index, (_, vx, vtop, _, vbottom, _) in enumerate(verticals):
        lo = bisect.bisect_left(tops, vtop - INTERSECTION)
        hi = bisect.bisect_right(tops, vbottom + INTERSECTION, lo)
        for h_index in range(lo, hi):
            _, hx0, htop, hx1, _, _ = horizontals[h_index]
            if (vtop <= htop + INTERSECTION and vbottom >= htop - INTERSECTION
                    and hx0 - INTERSECTION <= vx <= hx1 + INTERSECTION):
                entry = points.get((vx, htop))
                if entry is None:
                    entry = points[(vx, htop)] = (set(), set())
                entry[0].add(v_index)
                entry[1].add(h_index)
    # the intersections in columns (top to bottom) and in rows (left to right)
    columns: dict[float, list] = {}
    rows: dict[float, list] = {}
    for point in sorted(points):
        columns.setdefault(point[0], []).append(point)
        rows.setdefault(point[1], []).append(point)
    place_in_row = {point: k for row in rows.values() for k, point in enumerate(row)}
    # each intersection's smallest cell: the first point below it on a shared vertical edge
    # and the first to its right on a shared horizontal edge whose corner closes the cell
    # (pdfplumber's intersections_to_cells); in the order of the sorted intersections
    cells = []
    for x in sorted(columns):
        column = columns[x]
        for j, point in enumerate(column):
            vertical_here, horizontal_here = points[point]
            row = rows[point[1]]
            found = None
            for down in itertools.islice(column, j + 1, None):
                down_vertical, down_horizontal = points[down]
                if vertical_here.isdisjoint(down_vertical):
                    continue
                for across in itertools.islice(row, place_in_row[point] + 1, None):
                    across_vertical, across_horizontal = points[across]
                    if horizontal_here.isdisjoint(across_horizontal):
                        continue
                    corner = points.get((across[0], down[1]))
                    if corner is not None and not corner[0].isdisjoint(across_vertical) \
                            and not corner[1].isdisjoint(down_horizontal):
                        found = (x, point[1], across[0], down[1])
                        break
                if found:
                    break
            if found:
                cells.append(found)
    # cells sharing a corner make one table (connected components), tables of two cells or
    # more, top to bottom then left to right (pdfplumber's cells_to_tables)
    by_corner: dict[tuple, list] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            if corner in by_corner:
                by_corner[corner].append(i)
            else:
                by_corner[corner] = [i]
    seen = [False] * len(cells)
    tables = []
    for first in range(len(cells)):
        if seen[first]:
            continue
        seen[first] = True
        stack, group = [first], []
        while stack:
            i = stack.pop()
            group.append(i)
            x0, top, x1, bottom = cells[i]
            for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
                for k in by_corner[corner]:
                    if not seen[k]:
                        seen[k] = True
                        stack.append(k)
        if len(group) > 1:
            group.sort()  # the cells in the order they were found
            tables.append([cells[i] for i in group])
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    index = _CharIndex(chars) if tables and chars else None
    return [FastTable(t, index) for t in tables]


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
    notes: list[str] = []
    try:
        if pdfium.raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:  # opened: the password is empty
            notes.append("the PDF is encrypted with an empty password: read as any reader opens it")
        if len(pdf) > MAX_PAGES:
            raise ReportReadError(path, f"a report of at most {MAX_PAGES} pages", f"{len(pdf)} pages")
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                lite = _pdfium_page(page)
            finally:
                page.close()
            try:
                page_lines = _read_page(lite, index + 1)
            except Exception as exc:  # a geometry pdfplumber's finder cannot handle
                raise FastPathError(f"page {index + 1}: {type(exc).__name__}: {exc}") from exc
            lines += page_lines
    finally:
        pdf.close()
    return Document(path, "pdf", lines, sha256, None, {}, notes=notes, reader="pdfium")


def _pdfium_page(page) -> PdfiumPage:
    if page.get_rotation() % 360:
        raise FastPathError("a rotated page")
    left, bottom, right, top = page.get_mediabox()
    crop = page.get_cropbox()
    if tuple(round(v, 3) for v in crop) != tuple(round(v, 3) for v in (left, bottom, right, top)):
        raise FastPathError("a page whose crop box differs from its media box")
    height = top - bottom
    calls = _calls()
    page_handle = calls.handle(page.raw)
    textpage = page.get_textpage()
    try:
        chars = _chars(calls, calls.handle(textpage.raw), left, top)
    finally:
        textpage.close()
    return PdfiumPage(chars, _edges(calls, page_handle, left, top), (0.0, 0.0, right - left, height))


class _Handle(ctypes.c_void_p):
    """A PDFium handle (page, text page, object, segment) as the calls below take and
    return it: a ``c_void_p`` subclass, which ctypes returns as it is and passes as it is."""


class _Calls:
    """The PDFium functions the fast path calls per character, per page object and per path
    segment, declared for speed: same functions, same library, same calling convention (each
    is made from pypdfium2's own function-pointer class), but handles pass as :class:`_Handle`
    and out-parameters as ctypes arrays, with no argument types declared — every argument is
    a handle, an array or an ``int`` index, which ctypes passes as they are — so that no
    pointer object is made and converted for each of a page's thousands of calls (a third of
    the reader's time went there).  Each array an out-parameter points to is read with one
    ``struct`` call.
    """

    def __init__(self):
        import struct

        import pypdfium2.raw as c

        self.c = c
        i, d, h = ctypes.c_int, ctypes.c_double, _Handle
        self.count_chars = self._untyped(c.FPDFText_CountChars, i)
        self.get_text = self._untyped(c.FPDFText_GetText, i)  # (textpage, start, count, ushort[])
        self.get_unicode = self._untyped(c.FPDFText_GetUnicode, ctypes.c_uint)
        self.is_generated = self._untyped(c.FPDFText_IsGenerated, i)
        self.char_box = self._untyped(c.FPDFText_GetLooseCharBox, i)  # FS_RECTF: float[4]
        self.char_matrix = self._untyped(c.FPDFText_GetMatrix, i)  # FS_MATRIX: float[6]
        self.font_size = self._untyped(c.FPDFText_GetFontSize, d)
        self.char_origin = self._untyped(c.FPDFText_GetCharOrigin, i)  # double[1], double[1]
        self.count_objects = self._untyped(c.FPDFPage_CountObjects, i)
        self.get_object = self._untyped(c.FPDFPage_GetObject, h)
        self.object_type = self._untyped(c.FPDFPageObj_GetType, i)
        self.object_matrix = self._untyped(c.FPDFPageObj_GetMatrix, i)  # float[6]
        self.count_form_objects = self._untyped(c.FPDFFormObj_CountObjects, i)
        # its index is an unsigned long: declared, as an int is not one
        self.get_form_object = self._untyped(c.FPDFFormObj_GetObject, h)
        self.get_form_object.argtypes = (ctypes.c_void_p, ctypes.c_ulong)
        self.draw_mode = self._untyped(c.FPDFPath_GetDrawMode, i)  # int[1], int[1]
        self.count_segments = self._untyped(c.FPDFPath_CountSegments, i)
        self.get_segment = self._untyped(c.FPDFPath_GetPathSegment, h)
        self.segment_point = self._untyped(c.FPDFPathSegment_GetPoint, i)  # float[1], float[1]
        self.segment_type = self._untyped(c.FPDFPathSegment_GetType, i)
        self.segment_close = self._untyped(c.FPDFPathSegment_GetClose, i)
        self.four_floats = struct.Struct("4f")
        self.six_floats = struct.Struct("6f")

    @staticmethod
    def _untyped(function, restype):
        untyped = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
        untyped.restype = restype
        return untyped

    @staticmethod
    def handle(pointer) -> _Handle:
        """A pypdfium2 pointer (``page.raw``, ``textpage.raw``) as a :class:`_Handle`."""
        return _Handle(ctypes.cast(pointer, ctypes.c_void_p).value)


@functools.lru_cache(maxsize=1)
def _calls() -> _Calls:
    return _Calls()


def _chars(calls: _Calls, textpage: _Handle, left: float, top: float) -> list[tuple]:
    """Every character the PDF prints (not those PDFium generates for spaces and line ends),
    boxed as pdfminer boxes it: advance width across, font size high from the descent."""
    out: list[tuple] = []
    append = out.append
    count = calls.count_chars(textpage)
    if count <= 0:
        return out
    buffer = (ctypes.c_ushort * (count + 1))()
    written = calls.get_text(textpage, 0, count, buffer)
    units = bytes(buffer)[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(units) != count:  # characters outside the BMP: one call per character instead
        # (a code point that is a lone surrogate half has no mapping: skipped, as "\x00")
        units = "".join(chr(code) if (code := calls.get_unicode(textpage, i)) < 0x110000
                        and not 0xD800 <= code <= 0xDFFF else "\x00" if code < 0x110000 else "\ufffd"
                        for i in range(count))
    rect = (ctypes.c_float * 4)()  # FS_RECTF: left, top, right, bottom
    matrix = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
    origin_x, origin_y = (ctypes.c_double * 1)(), (ctypes.c_double * 1)()
    read_rect, read_matrix = calls.four_floats.unpack_from, calls.six_floats.unpack_from
    get_box, get_matrix, get_size, is_generated = calls.char_box, calls.char_matrix, calls.font_size, calls.is_generated
    skipped = frozenset("\r\n\ufffe\uffff\x00")
    for i, text in enumerate(units):
        if text in skipped:
            continue  # a line end, a character with no mapping (no surrogate is left in units)
        if text == " " and is_generated(textpage, i) == 1:
            continue  # a space PDFium made up between words
        if not get_box(textpage, i, rect):
            continue
        size = get_size(textpage, i)
        if get_matrix(textpage, i, matrix):
            _, _, c, d, _, _ = read_matrix(matrix)
            size *= (c * c + d * d) ** 0.5
        x0, upper, x1, lower = read_rect(rect)
        if size <= 0:
            size = upper - lower
        if x1 - x0 > 2 * size or upper - lower > 2 * size:
            # vertical writing (an Identity-V font): PDFium's loose box spans the font's
            # unscaled size; pdfminer boxes the glyph from its origin
            calls.char_origin(textpage, i, origin_x, origin_y)
            x0, x1, lower = origin_x[0], origin_x[0] + size, origin_y[0]
        char_top = top - (lower + size)
        append((text, x0 - left, x1 - left, char_top, char_top + size))
    return out


def _multiply(m, n):
    """The product of two PDF matrices (a, b, c, d, e, f): first ``m``, then ``n``."""
    a, b, c_, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c_ * A + d * C, c_ * B + d * D, e * A + f * C + E, e * B + f * D + F)


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _path_objects(calls: _Calls, page: _Handle, depth_limit: int = 8):
    """(matrix to page space, object handle) of every path object, inside form XObjects too."""
    c = calls.c
    get_object, get_type, get_form_object = calls.get_object, calls.object_type, calls.get_form_object
    stack = [(IDENTITY, [get_object(page, i) for i in range(calls.count_objects(page))], 0)]
    matrix = (ctypes.c_float * 6)()
    path, form = c.FPDF_PAGEOBJ_PATH, c.FPDF_PAGEOBJ_FORM
    while stack:
        outer, objects, depth = stack.pop()
        for obj in objects:
            kind = get_type(obj)
            if kind == path:
                yield outer, obj
            elif kind == form and depth < depth_limit:
                if not calls.object_matrix(obj, matrix):
                    continue
                inner = _multiply(calls.six_floats.unpack_from(matrix), outer)
                children = [get_form_object(obj, i) for i in range(calls.count_form_objects(obj))]
                stack.append((inner, children, depth + 1))


def _edges(calls: _Calls, page: _Handle, left: float, top: float) -> list[tuple]:
    """The straight, axis-parallel edges of the page's path objects, as pdfplumber makes them
    from pdfminer's lines, rectangles and polylines (one per sub-path, painted in any colour):
    edge tuples (orientation, x0, top, x1, bottom, length)."""
    c = calls.c
    matrix, fill, stroke = (ctypes.c_float * 6)(), (ctypes.c_int * 1)(), (ctypes.c_int * 1)()
    x, y = (ctypes.c_float * 1)(), (ctypes.c_float * 1)()
    read_matrix = calls.six_floats.unpack_from
    get_matrix, get_mode, count_segments = calls.object_matrix, calls.draw_mode, calls.count_segments
    get_segment, get_point, get_type, get_close = (calls.get_segment, calls.segment_point, calls.segment_type,
                                                   calls.segment_close)
    moveto, bezier = c.FPDF_SEGMENT_MOVETO, c.FPDF_SEGMENT_BEZIERTO
    out: list[tuple] = []
    append = out.append
    for outer, obj in _path_objects(calls, page):
        if not get_matrix(obj, matrix):
            continue
        if get_mode(obj, fill, stroke) and not fill[0] and not stroke[0]:
            continue  # a clipping path or an unpainted one: pdfminer makes nothing of it either
        own = read_matrix(matrix)
        a, b, c_, d, e, f = own if outer == IDENTITY else _multiply(own, outer)
        subpaths: list[list] = []  # [points, segments, curved]
        for i in range(count_segments(obj)):
            segment = get_segment(obj, i)
            if not get_point(segment, x, y):
                continue
            px, py = x[0], y[0]
            xy = (a * px + c_ * py + e, b * px + d * py + f)
            kind = get_type(segment)
            if kind == moveto or not subpaths:
                subpaths.append([[xy], [segment], False])
            else:
                subpaths[-1][0].append(xy)
                subpaths[-1][1].append(segment)
                if kind == bezier:
                    subpaths[-1][2] = True
        for points, segments, curved in subpaths:
            if len(points) < 2 or curved:
                continue
            # a closed sub-path ends where it began (a rectangle's fourth side); the close
            # flags are read only when it matters, for a sub-path that does not
            if points[0] != points[-1] and any(get_close(segment) for segment in segments):
                points.append(points[0])
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                horizontal, vertical = abs(y0 - y1) < 1e-6, abs(x0 - x1) < 1e-6
                if horizontal == vertical:
                    continue  # a point, or a slanted segment
                lo_x, hi_x = (x0 - left, x1 - left) if x0 <= x1 else (x1 - left, x0 - left)
                edge_top, edge_bottom = (top - y0, top - y1) if y0 >= y1 else (top - y1, top - y0)
                if horizontal:
                    append(("h", lo_x, edge_top, hi_x, edge_bottom, hi_x - lo_x))
                else:
                    append(("v", lo_x, edge_top, hi_x, edge_bottom, edge_bottom - edge_top))
    return out
