"""The fast text-layer PDF reader (PDFium) gives what the pdfplumber reader gives, faster."""

from __future__ import annotations

import random

import pytest

import govdisclosure as gd
from conftest import corpus_ids, source_of
from govdisclosure.parse import parse_document
from govdisclosure.readers import pdf, read_document
from test_readers import minimal_pdf

PDF_IDS = [c for c in corpus_ids() if source_of(c).suffix == ".pdf"]


def _lines(doc):
    return [(line.loc, line.is_row, line.cells, line.cell_locs) for line in doc.lines]


def _cells(report):
    return [(c.table, c.row, c.column, c.value, c.state, c.raw, c.location, c.how) for c in report.cell_list]


@pytest.mark.parametrize("corpus_id", PDF_IDS)
def test_pdfium_and_pdfplumber_give_the_same_lines_and_cells(corpus_id):
    data = source_of(corpus_id).read_bytes()
    fast = pdf.read_pdf_pdfium(data, corpus_id, "0")
    slow = pdf.read_pdf_pdfplumber(data, corpus_id, "0")
    assert (fast.reader, slow.reader) == ("pdfium", "pdfplumber")
    assert _lines(fast) == _lines(slow)
    fast_report, slow_report = parse_document(fast), parse_document(slow)
    assert len(fast_report.cell_list) > 150
    assert _cells(fast_report) == _cells(slow_report)
    assert (fast_report.reader, slow_report.reader) == ("pdfium", "pdfplumber")


def test_load_report_uses_the_fast_reader_and_says_so():
    report = gd.load_report(source_of("hongze_2024_pdf"))
    assert report.reader == "pdfium"
    assert report.format == "pdf"


def test_a_pdf_pdfium_cannot_read_falls_back_to_pdfplumber_and_says_why(tmp_path, monkeypatch):
    def refuse(data, path, sha256):
        raise pdf.FastPathError("a test refusal")

    monkeypatch.setattr(pdf, "read_pdf_pdfium", refuse)
    doc = read_document(source_of("hongze_2024_pdf"))
    assert doc.reader == "pdfplumber"
    assert doc.notes[0] == "read with pdfplumber: PDFium could not (a test refusal)"


def _grid_pdf(rows: list[list[str]], *, width: int = 60, height: int = 20) -> bytes:
    """A one-page PDF with a ruled table of the given cells (Helvetica, drawn as lines and as
    rectangles alternately, so that both kinds of ruling are read)."""
    top, left = 260, 20
    ops = []
    n_rows, n_cols = len(rows), len(rows[0])
    for r in range(n_rows + 1):
        y = top - r * height
        ops.append(b"%d %d m %d %d l S" % (left, y, left + n_cols * width, y))
    for c in range(n_cols + 1):
        x = left + c * width
        ops.append(b"%d %d %d %d re f" % (x, top - n_rows * height, 0.5, n_rows * height) if c % 2 else
                   b"%d %d m %d %d l S" % (x, top, x, top - n_rows * height))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                ops.append(b"BT /F1 9 Tf %d %d Td (%s) Tj ET" % (left + c * width + 4, top - (r + 1) * height + 6,
                                                                text.encode("latin-1")))
    ops.append(b"BT /F1 10 Tf 20 280 Td (a line of prose above the table) Tj ET")
    return minimal_pdf(b"\n".join(ops), media=(0, 0, 300, 300))


@pytest.mark.parametrize("rows", [
    pytest.param([["a", "1", "2"], ["b", "30", ""], ["c total", "31", "2"]], id="three-by-three-with-an-empty-cell"),
    pytest.param([["x"] * 4, ["12", "3", "4", "5"]], id="two-rows-of-four"),
    pytest.param([["label one", "7"], ["label two", "x y"], ["", "0"]], id="words-with-spaces-and-a-blank-label"),
])
def test_generated_ruled_tables_read_the_same_with_both_readers(rows):
    data = _grid_pdf(rows)
    fast, slow = pdf.read_pdf_pdfium(data, "grid.pdf", "0"), pdf.read_pdf_pdfplumber(data, "grid.pdf", "0")
    assert _lines(fast) == _lines(slow)
    assert any(line.is_row for line in fast.lines)


# --------------------------------------------------------------------------- generated pages
#
# Random ruled pages, drawn the ways real reports draw their tables, read by both readers:
# every line, row and cell must be the same.  Each variant draws a grid with merged cells,
# borders as stroked lines, thin filled rectangles or one stroked rectangle per cell (so that
# edges repeat, as Word draws them), ends a little off the grid (within pdfplumber's snap
# tolerance) and lines broken by small gaps (within its join tolerance), cells of one word,
# of words with spaces, of two lines, empty cells, prose above and below, and sometimes a
# second table.
#
# The font is described (/FontDescriptor with /Descent and /Widths), as the fonts of real
# reports are: for one of the 14 standard fonts left undescribed, PDFium and pdfminer take
# the descent from different metrics and the two readers' character boxes differ by a few
# hundredths of the font size (a line's printed ``y`` can round the other way).

HELVETICA_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584)  # Adobe's Helvetica metrics, characters 32–126


def described_font_pdf(content: bytes, media=(0, 0, 595, 600)) -> bytes:
    """A one-page PDF with the given content stream, its font F1 (Helvetica) described as an
    embedded font is: widths and a font descriptor with its ascent and descent."""
    widths = b" ".join(b"%d" % w for w in HELVETICA_WIDTHS)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [%d %d %d %d] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % media,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar 126 /Widths [%s] "
        b"/FontDescriptor 6 0 R >>" % widths,
        b"<< /Type /FontDescriptor /FontName /Helvetica /Flags 32 /FontBBox [-166 -225 1000 931] /ItalicAngle 0 "
        b"/Ascent 718 /Descent -207 /CapHeight 718 /StemV 88 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _random_page(seed: int) -> bytes:
    rng = random.Random(seed)
    ops: list[bytes] = []

    def line(x0, y0, x1, y1):
        style = rng.random()
        if style < 0.5:
            ops.append(b"%.2f w %.2f %.2f m %.2f %.2f l S" % (rng.choice((0.5, 0.75, 1)), x0, y0, x1, y1))
        elif style < 0.8:  # a thin filled rectangle along the line
            if y0 == y1:
                ops.append(b"%.2f %.2f %.2f 0.5 re f" % (x0, y0, x1 - x0))
            else:
                ops.append(b"%.2f %.2f 0.5 %.2f re f" % (x0, y0, y1 - y0))
        else:  # the line broken by a gap narrower than the join tolerance
            if y0 == y1:
                middle = (x0 + x1) / 2
                ops.append(b"%.2f %.2f m %.2f %.2f l S %.2f %.2f m %.2f %.2f l S"
                           % (x0, y0, middle, y0, middle + rng.uniform(0.2, 2.5), y0, x1, y1))
            else:
                middle = (y0 + y1) / 2
                ops.append(b"%.2f %.2f m %.2f %.2f l S %.2f %.2f m %.2f %.2f l S"
                           % (x0, y0, x0, middle, x0, middle + rng.uniform(0.2, 2.5), x1, y1))

    def text(x, y, words, size=8):
        ops.append(b"BT /F1 %d Tf %.2f %.2f Td (%s) Tj ET" % (size, x, y, words.encode("latin-1")))

    def table(left: float, top: float) -> float:
        widths = [rng.uniform(28, 80) for _ in range(rng.randint(2, 5))]
        heights = [rng.uniform(14, 30) for _ in range(rng.randint(2, 7))]
        xs = [left + sum(widths[:k]) for k in range(len(widths) + 1)]
        ys = [top - sum(heights[:k]) for k in range(len(heights) + 1)]
        jitter = lambda: rng.uniform(-0.8, 0.8)  # noqa: E731
        merged_across = {(r, c) for r in range(len(heights)) for c in range(1, len(widths)) if rng.random() < 0.12}
        merged_down = {(r, c) for r in range(1, len(heights)) for c in range(len(widths)) if rng.random() < 0.1}
        if rng.random() < 0.3:  # one stroked rectangle per cell: every inner edge drawn twice
            for r in range(len(heights)):
                for c in range(len(widths)):
                    ops.append(b"%.2f %.2f %.2f %.2f re S" % (xs[c] + jitter(), ys[r + 1], widths[c], heights[r]))
        else:
            for r, y in enumerate(ys):
                for c in range(len(widths)):
                    if (r, c) not in merged_down:
                        line(xs[c] + jitter(), y, xs[c + 1] + jitter(), y)
            for c, x in enumerate(xs):
                for r in range(len(heights)):
                    if (r, c) not in merged_across:
                        line(x, ys[r + 1] + jitter(), x, ys[r] + jitter())
        for r in range(len(heights)):
            for c in range(len(widths)):
                kind = rng.random()
                x, y = xs[c] + rng.uniform(2, 6), ys[r + 1] + rng.uniform(3, max(3.5, heights[r] - 12))
                if kind < 0.35:
                    text(x, y, str(rng.randint(0, 999)))
                elif kind < 0.55:
                    text(x, y, rng.choice(["total", "a b", "re view", "x"]))
                elif kind < 0.7 and heights[r] > 22:
                    text(x, y + 9, "upper")
                    text(x, y, "lower")
        return ys[-1]

    text(20, 560, "a line of prose above", 10)
    bottom = table(rng.uniform(20, 60), rng.uniform(480, 540))
    if rng.random() < 0.5:
        text(30, bottom - 20, "prose between the tables", 9)
        table(rng.uniform(20, 60), bottom - 40)
    text(20, 30, "- 2 -", 9)  # a page number
    return described_font_pdf(b"\n".join(ops))


@pytest.mark.parametrize("seed", range(40))
def test_generated_pages_read_the_same_with_both_readers(seed):
    data = _random_page(seed)
    fast, slow = pdf.read_pdf_pdfium(data, "generated.pdf", "0"), pdf.read_pdf_pdfplumber(data, "generated.pdf", "0")
    assert _lines(fast) == _lines(slow)
    assert any(line.is_row for line in fast.lines)


# --------------------------------------------------------------------------- pdfplumber's own rules

def _random_chars(rng: random.Random) -> list[tuple]:
    """Characters of a cell: one to three lines (tops within or beyond the tolerance), gaps
    narrower and wider than the tolerance, blanks, ligatures, equal left edges."""
    chars = []
    for line in range(rng.randint(1, 3)):
        top = 100 + line * rng.choice((2.5, 3.0, 3.5, 9.0)) + rng.uniform(-0.4, 0.4)
        x = 10.0
        for _ in range(rng.randint(1, 8)):
            text = rng.choice("0123456789ab ﬁ总计")
            width = rng.uniform(2, 6)
            if rng.random() < 0.1:
                x -= width  # overprinted: the same left edge as the previous character
            chars.append((text, x, x + width, top + rng.uniform(-1.2, 1.2), top + 8))
            x += width + rng.choice((0.0, 0.5, 2.9, 3.1, 6.0))
    rng.shuffle(chars)
    return chars


@pytest.mark.parametrize("seed", range(300))
def test_cell_text_is_pdfplumbers_extract_text(seed):
    from pdfplumber.utils.text import extract_text

    chars = _random_chars(random.Random(seed))
    assert pdf.extract_text(chars) == extract_text([pdf.char_dict(ch) for ch in chars])


def _random_edges(rng: random.Random) -> list[tuple]:
    """Edges of a ruled grid with jitter, gaps, duplicates, stray short strokes and merged
    cells, as (orientation, x0, top, x1, bottom, length)."""
    xs = sorted(rng.sample(range(20, 400, 7), rng.randint(2, 7)))
    ys = sorted(rng.sample(range(20, 500, 5), rng.randint(2, 9)))
    edges = []
    for y in ys:
        for x0, x1 in zip(xs, xs[1:]):
            if rng.random() < 0.9:
                j = rng.uniform(-2.9, 2.9) if rng.random() < 0.3 else 0.0
                a, b = x0 + rng.uniform(-1, 1), x1 + rng.choice((0.0, rng.uniform(-3.5, 3.5)))
                edges.append(("h", min(a, b), y + j, max(a, b), y + j, abs(b - a)))
    for x in xs:
        for y0, y1 in zip(ys, ys[1:]):
            if rng.random() < 0.9:
                j = rng.uniform(-2.9, 2.9) if rng.random() < 0.3 else 0.0
                a, b = y0 + rng.uniform(-1, 1), y1 + rng.choice((0.0, rng.uniform(-3.5, 3.5)))
                edges.append(("v", x + j, min(a, b), x + j, max(a, b), abs(b - a)))
    for _ in range(rng.randint(0, 6)):  # stray strokes, some shorter than the minimum
        x, y, n = rng.uniform(0, 400), rng.uniform(0, 500), rng.choice((0.5, 2.0, 40.0))
        edges.append(("h", x, y, x + n, y, n) if rng.random() < 0.5 else ("v", x, y, x, y + n, n))
    edges += rng.sample(edges, min(len(edges), rng.randint(0, 5)))  # drawn twice
    rng.shuffle(edges)
    return edges


def _as_dict(edge: tuple) -> dict:
    orientation, x0, top, x1, bottom, length = edge
    return {"orientation": orientation, "object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "doctop": top, "width": length if orientation == "h" else x1 - x0,
            "height": length if orientation == "v" else bottom - top}


@pytest.mark.parametrize("seed", range(150))
def test_edges_cells_and_tables_are_pdfplumbers(seed):
    from pdfplumber import table as plumber
    from pdfplumber.utils import filter_edges

    edges = _random_edges(random.Random(seed))
    dicts = [_as_dict(e) for e in edges]
    dicts = filter_edges(dicts, "v", min_length=1) + filter_edges(dicts, "h", min_length=1)
    merged = filter_edges(plumber.merge_edges(dicts, 3, 3, 3, 3), min_length=3)
    assert [(e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in merged] == \
        [e[:5] for e in pdf.merge_edges(edges)]
    cells = plumber.intersections_to_cells(plumber.edges_to_intersections(merged, 3, 3))
    tables = [sorted(t) for t in plumber.cells_to_tables(cells)]
    found = pdf.find_tables(edges, [])
    assert [sorted(t.cells) for t in found] == tables


@pytest.mark.parametrize("seed", range(200))
def test_text_lines_are_pdfplumbers(seed):
    from pdfplumber.utils.text import chars_to_textmap

    rng = random.Random(seed)
    chars = _random_chars(rng) + [(t, x + 50, x1 + 50, top + rng.choice((0, 20, 40)), bottom + rng.choice((0, 20)))
                                  for t, x, x1, top, bottom in _random_chars(rng)]
    dicts = [pdf.char_dict(ch) for ch in chars]
    expected = chars_to_textmap(dicts, layout_bbox=(0, 0, 600, 800), layout_width=600,
                                layout_height=800).extract_text_lines(strip=True, return_chars=False)
    assert pdf.text_lines(chars) == [(line["text"], line["top"]) for line in expected]
