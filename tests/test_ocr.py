"""Scanned reports read offline by OCR, and OCR cells checked by the template's arithmetic.

The scans are made at test time from the bundled text-layer PDFs (tests/fixtures/make_scans.py:
150 dpi, turned by up to 1°, grain and specks, image-only PDF); their truth is the original's.
"""

from __future__ import annotations

import io
from functools import lru_cache

import pytest

import govdisclosure as gd
from conftest import FIXTURES, corpus_ids, load, source_of, truth_of
from govdisclosure import ReportReadError
from govdisclosure.parse import ocr_verify
from govdisclosure.readers import ocr, pdf, read_document
from helpers import consistent_t3, consistent_t4, make_report

import sys

sys.path.insert(0, str(FIXTURES))
import make_scans  # noqa: E402

PDF_IDS = [c for c in corpus_ids() if source_of(c).suffix == ".pdf"]
T4_ROWS = {"review_total": "review", "litigation_direct_total": "litigation_direct",
           "litigation_after_review_total": "litigation_after_review"}


@pytest.fixture(scope="session")
def scans(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans")
    return {c: make_scans.make_scan(source_of(c), folder) for c in PDF_IDS}


@lru_cache(maxsize=None)
def _scan_report(path):
    return gd.load_report(path)


# --------------------------------------------------------------------------- scans of real reports

@pytest.mark.parametrize("corpus_id", PDF_IDS)
def test_a_scan_reads_tables_three_and_four_exactly_or_flags_them(scans, corpus_id):
    scanned, original = _scan_report(scans[corpus_id]), load(corpus_id)
    assert scanned.reader == "ocr" and original.reader == "pdfium"
    read = {(c.table, c.row, c.column): c for c in scanned.cell_list}
    exact = wrong = ambiguous = 0
    cells = [c for c in original.cell_list if c.table in ("t3", "t4")]
    for cell in cells:
        got = read.get((cell.table, cell.row, cell.column))
        if got is not None and got.state == "ambiguous":
            ambiguous += 1
        elif got is not None and (got.value, got.state) == (cell.value, cell.state):
            exact += 1
        else:
            wrong += 1
    assert len(cells) >= 169
    assert wrong == 0, f"{wrong} wrong cells"
    assert exact >= 0.95 * len(cells), (exact, ambiguous, len(cells))


@pytest.mark.parametrize("corpus_id", PDF_IDS)
def test_a_scan_gives_every_value_read_by_eye(scans, corpus_id):
    report = _scan_report(scans[corpus_id])
    truth = truth_of(corpus_id)
    for row, expected in truth["table3_total"].items():
        assert report.value("t3", row, "total") == expected, row
    for key, expected in truth["table4"].items():
        assert report.value("t4", T4_ROWS[key], "total") == expected, key
    assert report.year == load(corpus_id).year and report.template == load(corpus_id).template


def test_ocr_cells_say_where_they_were_read_and_how_sure(scans):
    report = _scan_report(scans["hongze_2024_pdf"])
    cell = report.cell("t3", "new_received", "total")
    assert cell.location.startswith("page 3 box ")
    x0, y0, x1, y1 = (int(v) for v in cell.location.split(" box ")[1].split(","))
    assert 0 <= x0 < x1 <= 595 and 0 <= y0 < y1 <= 842  # points on an A4 page
    assert 0.9 <= cell.confidence <= 1.0
    frame = report.cells
    assert frame.loc[frame["table"] == "t3", "confidence"].notna().all()
    assert any(note.startswith("OCR: ") and "checked by the template's arithmetic" in note for note in report.notes)
    assert any(note.startswith("read by OCR: its pages have no text layer") for note in report.notes)


def _page_png(corpus_id: str, page: int, settings=make_scans.ScanSettings()) -> bytes:
    image = make_scans.scan_pages(source_of(corpus_id), settings)[page - 1]
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_png_page_image_is_read_by_ocr(tmp_path):
    path = tmp_path / "page4.png"
    path.write_bytes(_page_png("hongze_2024_pdf", 4))
    doc = read_document(path)
    assert (doc.reader, doc.format) == ("ocr", "image")
    rows = [line.cells for line in doc.lines if line.is_row]
    assert ["1", "1", "0", "0", "2", "1", "0", "0", "0", "1", "2", "0", "1", "0", "3"] in rows  # table 四
    assert all(loc.startswith("page 1 box ") for line in doc.lines if line.is_row for loc in line.cell_locs)


@pytest.mark.parametrize("dpi,seed,kind", [(200, 5, "pdf"), (300, 3, "pdf"), (300, 11, "png")])
def test_a_table_page_scanned_finer_reads_every_number_of_table_four(tmp_path, dpi, seed, kind):
    """At 200 and 300 dpi a lone "0" cropped tight, or with its cell's ruling line, read as
    nothing, and a box cut at a column line read a "3" twice ("33"): each number of a cell is
    read once, without the lines around it.  A PNG that declares no resolution is measured as
    an A4 page (at 72 dpi its lines and strokes were mistaken for each other)."""
    settings = make_scans.ScanSettings(dpi=dpi, seed=seed)
    path = tmp_path / f"page4.{kind}"
    if kind == "png":
        path.write_bytes(_page_png("hongze_2024_pdf", 4, settings))
    else:
        path.write_bytes(make_scans.image_only_pdf(make_scans.scan_pages(source_of("hongze_2024_pdf"), settings)[3:4], dpi))
    rows = [line.cells for line in read_document(path).lines if line.is_row]
    assert ["1", "1", "0", "0", "2", "1", "0", "0", "0", "1", "2", "0", "1", "0", "3"] in rows


@pytest.mark.parametrize("size,declared,expected", [
    ((1240, 1754), None, 1754 / 11.69),       # A4 at 150 dpi, no resolution written
    ((2480, 3508), (72, 72), 3508 / 11.69),   # A4 at 300 dpi, a screen's 72 written
    ((2480, 3508), (300, 300), 300),          # as written
    ((1748, 2480), (200, 200), 200),          # A5 at 200 dpi
])
def test_the_resolution_of_a_page_image(size, declared, expected):
    assert ocr.image_dpi(*size, declared) == pytest.approx(expected)


def _with_garbage_text_layer(pdf_bytes: bytes) -> bytes:
    """The PDF with an invisible line of text that is none of the template's words laid over
    page 1 (a scan whose OCR layer is broken)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pdf = pdfium.PdfDocument(pdf_bytes)
    page = pdf[0]
    text = c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(12))
    garbage = "xq#7 vv0 kk Zp ;;1 wq" * 3
    buffer = (ctypes.c_ushort * (len(garbage) + 1))(*[ord(ch) for ch in garbage], 0)
    c.FPDFText_SetText(text, buffer)
    c.FPDFTextObj_SetTextRenderMode(text, c.FPDF_TEXTRENDERMODE_INVISIBLE)  # as OCR layers are
    c.FPDFPageObj_Transform(text, 1, 0, 0, 1, 40, 400)
    c.FPDFPage_InsertObject(page.raw, text)
    assert c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_scan_with_a_garbage_text_layer_is_read_as_a_scan(tmp_path):
    page = make_scans.scan_pages(source_of("hongze_2024_pdf"))[3:4]
    path = tmp_path / "broken-ocr-layer.pdf"
    path.write_bytes(_with_garbage_text_layer(make_scans.image_only_pdf(page, 150)))
    assert "xq#7" in "".join(line.text for line in pdf.read_pdf_pdfium(path.read_bytes(), "x", "0").lines)
    doc = read_document(path)
    assert doc.reader == "ocr"
    assert doc.notes[0].startswith("read by OCR: its text layer holds none of the template's words")
    assert "xq#7" not in "".join(line.text for line in doc.lines)


def test_a_scan_without_the_ocr_extra_names_the_extra(tmp_path, monkeypatch):
    def missing():
        raise ocr.OcrUnavailable("the OCR extra is not installed (rapidocr_onnxruntime is missing)")

    monkeypatch.setattr(ocr, "_modules", missing)
    monkeypatch.setattr(ocr, "_ENGINE", None)
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_scans.image_only_pdf(make_scans.scan_pages(source_of("hongze_2024_pdf"))[:1], 150))
    with pytest.raises(ReportReadError) as caught:
        read_document(path)
    assert caught.value.found == "pages with no text (a scan?)"
    assert "pip install 'govdisclosure[ocr]'" in str(caught.value)


@pytest.mark.parametrize("angle", [-2.0, -0.7, 0.35, 1.2, 1.9])
def test_the_skew_of_a_page_is_measured(angle):
    cv2, np, _ = ocr._modules()
    ink = np.zeros((1100, 800), dtype=np.uint8)
    for y in range(100, 1000, 37):  # ruling lines and lines of "text"
        ink[y:y + 2, 80:720] = 255
        ink[y + 10:y + 24, 100:700:9] = 255
    turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D((400, 550), -angle, 1.0), (800, 1100))
    assert abs(ocr.skew_angle(turned, cv2, np) - angle) <= 0.15


# --------------------------------------------------------------------------- arithmetic verification

def _ocr_report(changes: dict | None = None, confidence: float = 0.99):
    """A consistent report whose tables 三 and 四 were 'read by OCR', with some cells read
    otherwise: {(table, row, column): text read}."""
    report = make_report(consistent_t3(), consistent_t4())
    recognitions = {}
    for cell in report.cell_list:
        text = f"{cell.value:g}"
        if changes and (cell.table, cell.row, cell.column) in changes:
            text = changes[(cell.table, cell.row, cell.column)]
            value, state = (float(text), "number") if text.isdigit() else (None, "text")
            cell.value, cell.state, cell.raw = value, state, text
        recognitions[cell.location] = ocr.Recognition(text, confidence, 1, (0, 0, 1, 1), (), text)
    return report, recognitions


def _cell_keys():
    report = make_report(consistent_t3(), consistent_t4())
    return [(c.table, c.row, c.column, c.value) for c in report.cell_list]


@pytest.mark.parametrize("table,row,column,value", _cell_keys(), ids=lambda v: str(v))
def test_a_digit_misread_in_any_cell_is_corrected_or_flagged_never_left_wrong(table, row, column, value):
    printed = f"{value:g}"
    for i, digit in enumerate(printed):
        for misread in ocr_verify.CONFUSIONS.get(digit, ""):
            text = printed[:i] + misread + printed[i + 1:]
            report, recognitions = _ocr_report({(table, row, column): text})
            ocr_verify.verify(report, recognitions)
            cell = report.cell(table, row, column)
            assert cell.state == "ambiguous" or (cell.value == value and cell.how.startswith("OCR corrected: ")), \
                (text, cell)
            for other in report.cell_list:  # no other cell changed
                if (other.table, other.row, other.column) != (table, row, column) and other.state == "number":
                    assert other.how == ""


def test_a_misread_that_one_reading_mends_is_corrected_with_how():
    report, recognitions = _ocr_report({("t3", "total_processed", "natural_person"): "8"})  # printed 3
    counts = ocr_verify.verify(report, recognitions)
    cell = report.cell("t3", "total_processed", "natural_person")
    assert (cell.value, cell.state) == (3, "number")
    assert cell.how.startswith("OCR corrected: read '8'")
    assert counts == {"corrected": 1, "ambiguous": 0, "checked": len([c for c in report.cell_list])}


def test_a_clear_mismatch_is_left_as_printed_for_the_checks():
    report, recognitions = _ocr_report({("t4", "review", "total"): "5"})  # printed 2; 5 has no confusion
    ocr_verify.verify(report, recognitions)
    cell = report.cell("t4", "review", "total")
    assert (cell.value, cell.state, cell.how) == (5, "number", "")
    assert any(n.startswith("OCR: read clearly but not adding up, as printed: 表四 行政复议") for n in report.notes)


def test_an_unclear_mismatch_with_no_single_fix_is_ambiguous():
    report, recognitions = _ocr_report({("t4", "review", "total"): "5"}, confidence=0.6)
    ocr_verify.verify(report, recognitions)
    cell = report.cell("t4", "review", "total")
    assert (cell.value, cell.state) == (None, "ambiguous")
    assert cell.how.startswith("OCR unconfirmed: read '5'")


def test_letters_read_in_a_number_cell_become_digits_only_when_the_arithmetic_agrees():
    report, recognitions = _ocr_report({("t3", "granted", "total"): "3"})
    key = next(c.location for c in report.cell_list if (c.table, c.row, c.column) == ("t3", "granted", "total"))
    cell = report.cell("t3", "granted", "total")
    cell.value, cell.state, cell.raw = None, "text", "B"  # the free reading; digits-only said 3
    recognitions[key] = ocr.Recognition("3", 0.7, 1, (0, 0, 1, 1), (), "B")
    ocr_verify.verify(report, recognitions)
    assert (cell.value, cell.state) == (3, "number") and cell.how.startswith("OCR corrected: read 'B'")


def test_an_unclear_table_two_cell_is_ambiguous_no_identity_can_confirm_it():
    report = make_report(consistent_t3(), consistent_t4(), t2={("licensing", "decisions"): 77})
    recognitions = {c.location: ocr.Recognition(f"{c.value:g}", 0.99, 1, (0, 0, 1, 1), (), "") for c in report.cell_list}
    t2 = report.cell("t2", "licensing", "decisions")
    recognitions[t2.location] = ocr.Recognition("77", 0.5, 1, (0, 0, 1, 1), (("773", 0.5),), "77")
    ocr_verify.verify(report, recognitions)
    assert (t2.value, t2.state) == (None, "ambiguous")
    assert "no identity can confirm it" in t2.how


# --------------------------------------------------------------------------- page layout, no model

def test_the_inked_region_leaves_out_margins_and_specks():
    cv2, np, _ = ocr._modules()
    ink = np.zeros((1000, 800), dtype=np.uint8)
    ink[200:230, 150:600] = 255  # a line of "text"
    ink[700:720, 100:130] = 255  # a page number
    rng = np.random.default_rng(3)
    ink[rng.integers(0, 1000, 300), rng.integers(0, 800, 300)] = 255  # specks all over
    left, top, right, bottom = ocr.inked_region(ink, cv2, np, margin=10)
    assert (left, top) <= (100 - 10 + 4, 200 - 10 + 4) and left >= 100 - 10 - 4 and top >= 200 - 10 - 4
    assert 600 + 10 - 4 <= right <= 600 + 10 + 4 and 720 + 10 - 4 <= bottom <= 720 + 10 + 4
    assert ocr.inked_region(np.zeros((50, 60), dtype=np.uint8), cv2, np) == (0, 0, 60, 50)


def test_boxes_of_a_cell_are_read_once_and_only_where_there_is_ink():
    _, np, _ = ocr._modules()
    ink = np.zeros((100, 300), dtype=np.uint8)
    ink[40:60, 130:140] = 255  # a digit in the middle cell
    cells = [[(0.0, 20.0, 100.0, 80.0), (100.0, 20.0, 200.0, 80.0), (200.0, 20.0, 300.0, 80.0)]]
    boxes = [ocr._Box(125, 35, 145, 65),  # the digit's own box
             ocr._Box(102, 33, 138, 66),  # a piece of a box cut at x=100, over the same digit
             ocr._Box(160, 35, 196, 65),  # a piece over the blank right half of the cell
             ocr._Box(210, 35, 250, 65),  # in the right cell, with no ink at all
             ocr._Box(10, 0, 90, 15)]     # outside the table: prose, kept as it is
    placed = ocr._clean_cell_boxes(boxes, cells, ink, np)
    in_middle = [b for b, c in placed if c == cells[0][1]]
    assert [(b.x0, b.x1) for b in in_middle] == [(102, 145)]
    assert not any(c == cells[0][2] for _, c in placed)
    assert [(b.x0, c) for b, c in placed if c is None] == [(10, None)]


def test_a_cell_crop_never_shows_its_ruling_lines():
    _, np, _ = ocr._modules()
    gray = np.full((100, 100), 255, dtype=np.uint8)
    gray[20:22, :] = 0   # ruling lines around the cell (20..80, 20..80)
    gray[78:80, :] = 0
    gray[:, 20:22] = 0
    gray[:, 78:80] = 0
    gray[40:60, 45:55] = 0  # the digit
    crop = ocr._crop(gray, ocr._Box(19, 19, 81, 81), np, within=(20, 20, 80, 80), line=3)
    assert (crop == 0).sum() == 200  # the digit's 20 × 10 pixels, no line
    plain = ocr._crop(gray, ocr._Box(19, 19, 81, 81), np)
    assert (plain == 0).sum() > 200


def _reading(text, steps=None, length=0, lowest=0.9):
    return ocr.Reading(text, 0.95, (), "", tuple(steps if steps is not None else range(len(text))),
                       length or len(text), lowest)


class _ScriptedEngine:
    """Stands for the recogniser: what each crop reads as at each height, by the crop's tag
    (the value of its first row) and width."""

    def __init__(self, script):
        self.script, self.calls = script, []

    def recognise(self, crops, height=ocr.FULL_HEIGHT):
        self.calls.append((height, len(crops)))
        return [_reading(self.script[(int(crop[0, 0]), crop.shape[1], height)]) for crop in crops]


def test_prose_numbers_are_read_again_at_full_height_from_a_piece_of_the_line():
    _, np, _ = ocr._modules()
    # a line of 20 characters, 20 pixels each, blank columns between them; its number (the
    # characters at 8 and 9) read at PROSE_HEIGHT as "17", at full height as "19"
    crop = np.full((20, 400), 255, dtype=np.uint8)
    ink = np.zeros((20, 400), dtype=np.uint8)
    for k in range(20):
        ink[4:16, 20 * k + 2:20 * k + 18] = 255
    crop[0, :] = 1  # the tag, on every column
    crop[1, :] = np.arange(400) % 200  # where each column came from
    text = "本年收到申请17件均已按时答复完毕谢谢了"
    assert text.index("17") == 6 and len(text) == 20
    line = _reading(text)
    piece = ocr._number_piece(line, 6, 8, crop, ink)
    assert piece is not None
    left, right = int(piece[1, 0]), int(piece[1, -1]) + 1
    # cut at blank columns (between 20k + 18 and 20k + 22), around whole characters: the
    # number's two and at least half a character either side, none cut
    assert left % 20 in (18, 19, 0, 1) and right % 20 in (18, 19, 0, 1, 2)
    assert left <= 6 * 20 - 8 and right >= 8 * 20 + 8
    engine = _ScriptedEngine({(1, piece.shape[1], ocr.FULL_HEIGHT): "请19件"})
    readings = [line]
    ocr._prose_at_full_height(engine, readings, [0], [crop], [ink])
    assert readings[0].text == "本年收到申请19件均已按时答复完毕谢谢了"
    assert engine.calls == [(ocr.FULL_HEIGHT, 1), (ocr.FULL_HEIGHT, 0)]


@pytest.mark.parametrize("text,whole", [
    ("一、总体情况", True),                                   # short: a heading
    ("三、收到和处理政府信息公开申请情况", True),                 # a section heading
    ("、收到和处理政府信息公开申请情况以及其他", True),             # one whose thin "一" was lost
    ("本报告由区人民政府办公室根据条例要求编制而成", False),         # prose without numbers
    ("（一）主动公开情况。主要通过政府门户网站主动公开", False),      # a sub-heading inside prose
])
def test_title_and_headings_are_read_whole_at_full_height(text, whole):
    _, np, _ = ocr._modules()
    crop = np.full((20, 20 * len(text)), 255, dtype=np.uint8)
    crop[0, :] = 2
    engine = _ScriptedEngine({(2, crop.shape[1], ocr.FULL_HEIGHT): text + "!"})
    readings = [_reading(text)]
    ocr._prose_at_full_height(engine, readings, [0], [crop], [np.zeros_like(crop)])
    assert (readings[0].text == text + "!") == whole


def test_a_piece_that_reads_as_several_numbers_has_its_whole_line_read_again():
    _, np, _ = ocr._modules()
    text = "自2024年1月1日起至2024年12月31日止本报告"
    crop = np.full((20, 20 * len(text)), 255, dtype=np.uint8)
    crop[0, :] = 3
    ink = np.zeros_like(crop)
    for k in range(len(text)):
        ink[4:16, 20 * k + 2:20 * k + 18] = 255
    script = {}
    for match in ocr._NUMBER_RUN.finditer(text):
        piece = ocr._number_piece(_reading(text), match.start(), match.end(), crop, ink)
        script[(3, piece.shape[1], ocr.FULL_HEIGHT)] = "1年1月"  # two numbers: cannot say which
    script[(3, crop.shape[1], ocr.FULL_HEIGHT)] = "whole"
    engine = _ScriptedEngine(script)
    readings = [_reading(text)]
    ocr._prose_at_full_height(engine, readings, [0], [crop], [ink])
    assert readings[0].text == "whole"
