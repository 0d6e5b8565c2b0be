"""The fast text-layer PDF reader (PDFium) gives what the pdfplumber reader gives, faster."""

from __future__ import annotations

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
