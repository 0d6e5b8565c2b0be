"""Scanned reports (PDF pages without a text layer, PNG and JPEG page images) read offline by OCR.

Everything runs on this machine: ``rapidocr-onnxruntime`` ships the PP-OCR (v4) Chinese text
detection and recognition models inside its wheel, ONNX Runtime runs them on the CPU, PDFium
(pypdfium2) renders the PDF pages and OpenCV finds the ruling lines.  Install with
``pip install 'govdisclosure[ocr]'``; without it :class:`OcrUnavailable` is raised and the
caller names the extra.

One page, step by step:

1. **render** at the resolution of the page's scanned image (150–300 dpi; 200 dpi when the
   page has none), in grey;
2. **straighten**: the skew (up to ±3°) is the angle at which the rows of ink line up best
   (the variance of the horizontal projection, searched coarse then fine), and the page is
   turned back by it;
3. **ruling lines**: long horizontal and vertical runs of ink (morphological opening), as the
   edges pdfplumber's table finder takes (:func:`govdisclosure.readers.pdf.find_tables`), so
   the tables, rows and cells follow the same rules as a text-layer PDF's;
4. **text boxes** found by the detection model on a copy of the page at about 90 dpi (the
   model needs no more), of the part of the page that holds ink (blank margins left out); a
   box that crosses a table's column line is cut at the line; in a table cell, a box that
   holds none of the cell's ink is dropped and boxes over the same ink are joined (each
   number read once); a table cell with ink but no box gets its ink's box (a lone "0" the
   detector missed is still read);
5. **recognition** of every box by the recognition model, keeping per character the
   best and the second-best candidate (CTC decoding) — the second candidates are the
   alternatives :mod:`govdisclosure.parse.ocr_verify` tries against the template's
   arithmetic — and, for a box that reads as a number, the reading restricted to digits.
   Table cells are cropped without their ruling lines and read at the model's own height
   (48 pixels); numbers of three digits or more, or with a digit twice in a row, are read a
   second time from a wider crop (two readings that differ make the cell doubtful).  Prose
   is read at 32 pixels, and what the parser needs of it again at 48: title lines and
   headings whole, every number from a piece of its line (:func:`_prose_at_full_height`).
   What that costs: nothing measured on scans of the bundled reports at 150–300 dpi (the
   sections' numbers the same as read whole at 48 pixels, their text as close to the text
   layer); scans below 150 dpi were not measured;
6. **lines**: table rows with one cell per table cell and prose lines, as every reader gives
   them, so label matching and recovery run unchanged.

Locations: ``page 4 box x0,y0,x1,y1`` — the printed text's box in points (1/72 inch) from the
top-left corner of the page as scanned (for an image, at the resolution it declares, or as if
it were an A4 page: :func:`image_dpi`).  :attr:`OcrDocument.recognitions`
holds, by location, what the recogniser read there, with its confidence (0–1).

Limits: at most :data:`MAX_PAGES` pages and :data:`MAX_PIXELS` pixels a page (larger pages
are rendered smaller).
"""

from __future__ import annotations

import io
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import ReportReadError
from .document import Document, Line

MAX_PAGES = 60
MAX_PIXELS = 12_000_000  # about A3 at 300 dpi
MIN_DPI, MAX_DPI, DEFAULT_DPI = 150, 300, 200
DETECTION_DPI = 90
# Recognition heights (pixels): the model's own for table cells and the prose lines the
# parser needs whole (title, headings, unclear lines); the rest of the prose at
# PROSE_HEIGHT, with its numbers read again at full height (bench/RESULTS.md: the same
# characters on the bundled scans, at 0.45 of the cost).
FULL_HEIGHT, PROSE_HEIGHT = 48, 32
# A prose line this short or shorter (a title line, a heading, a page number), one that
# opens like one of the six section headings ("三、", or a bare "、" where a thin "一" was
# lost) and one whose least sure character is below UNSURE are read whole at full height.
SHORT_LINE, UNSURE = 12, 0.5
HEADING = re.compile(r"^\s*[一二三四五六七八九十]{0,2}\s*[、.．]")
# Pixels (height × total width) a recognition batch may hold: beyond about 30,000 a batch
# costs more per crop than its crops one by one (measured on one core; bench/RESULTS.md).
BATCH_AREA = 48 * 640
MAX_SKEW_DEG = 3.0
# A second candidate below this share of the probability is no alternative worth trying.
ALTERNATIVE_MIN_PROB = 0.02
# Characters a digit can be printed as or confused with: the recogniser reads these as
# letters or symbols when a table cell holds a number (O for 0, l for 1, …).
DIGIT_CLASSES = "0123456789"
NUMBER_LIKE = re.compile(r"^[0-9OoDQlI|!iSsBZzgq.,，．]+$")
# What a speck beside a number reads as: left out of a number cell's reading.
EDGE_NOISE = frozenset(":;'`·,，、.。\"‘’“”：；")

_ENGINE = None
_ENGINE_LOCK = threading.Lock()


class OcrUnavailable(ImportError):
    """The ``ocr`` extra (rapidocr-onnxruntime, OpenCV) is not installed."""


@dataclass(frozen=True)
class Recognition:
    """What the recogniser read in one box.

    ``text``: the reading; ``confidence``: the mean probability of its characters (0–1);
    ``alternatives``: other readings of the whole box with their probability, best first —
    each differs from ``text`` in one character, the recogniser's second candidate there;
    ``page``, ``box``: where (points from the page's top-left corner);
    ``free_text``: the reading before it was restricted to digits (equal to ``text`` unless a
    number cell read as letters, "O" for "0").
    """

    text: str
    confidence: float
    page: int
    box: tuple[int, int, int, int]
    alternatives: tuple[tuple[str, float], ...] = ()
    free_text: str = ""

    @property
    def location(self) -> str:
        return f"page {self.page} box {','.join(str(v) for v in self.box)}"


class Reading(NamedTuple):
    """What the recogniser read in one crop: ``text``; ``confidence`` (mean probability of its
    characters, or of its digits for a number); ``alternatives`` (one character changed,
    with its probability); ``digits`` (the reading restricted to digits, for a number, else
    ""); ``steps`` (the model's time step at which each character of ``text`` was read) of
    ``length`` steps across the crop; ``lowest`` (the probability of its least sure
    character)."""

    text: str
    confidence: float
    alternatives: tuple
    digits: str
    steps: tuple[int, ...] = ()
    length: int = 0
    lowest: float = 0.0


@dataclass
class OcrDocument(Document):
    """A :class:`Document` read by OCR, with what was recognised at each location."""

    recognitions: dict[str, Recognition] = field(default_factory=dict)
    seconds_per_page: list[float] = field(default_factory=list)


# --------------------------------------------------------------------------- engine

def _modules():
    try:
        import cv2
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(f"the OCR extra is not installed ({exc.name} is missing)") from None
    return cv2, np, RapidOCR


def available() -> bool:
    """Whether the ``ocr`` extra is installed."""
    try:
        _modules()
    except OcrUnavailable:
        return False
    return True


class Engine:
    """The detection and recognition models, loaded once per process (about 0.3 s).

    ``threads``: ONNX Runtime threads per model, and OpenCV's; 1 by default (a batch runs one
    report per core), ``GOVDISCLOSURE_OCR_THREADS`` overrides it.
    """

    def __init__(self, threads: int | None = None):
        cv2, np, RapidOCR = _modules()
        threads = threads or int(os.environ.get("GOVDISCLOSURE_OCR_THREADS", "1"))
        cv2.setNumThreads(threads)
        self._ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        self.detector = self._ocr.text_det
        self.detector.limit_type, self.detector.limit_side_len = "min", 32  # no upscaling
        self.session = self._ocr.text_rec.session
        self.characters = list(self._ocr.text_rec.postprocess_op.character)
        self.digit_ids = np.array([self.characters.index(d) for d in DIGIT_CLASSES])
        self.blank_id = 0
        self.np, self.cv2 = np, cv2

    # ------------------------------------------------------------------ detection
    def detect(self, gray, scale: float) -> list[tuple[float, float, float, float]]:
        """Axis-parallel boxes (x0, y0, x1, y1, in ``gray``'s pixels) of the text lines found
        on ``gray`` shrunk by ``scale``."""
        cv2, np = self.cv2, self.np
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        boxes, _ = self.detector(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
        out = []
        if boxes is None:
            return out
        for quad in boxes:
            xs, ys = quad[:, 0] / scale, quad[:, 1] / scale
            out.append((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())))
        return out

    # ------------------------------------------------------------------ recognition
    def recognise(self, crops: list, height: int = FULL_HEIGHT) -> list[Reading]:
        """The :class:`Reading` of each grey crop, each scaled to ``height`` pixels
        (:data:`FULL_HEIGHT`, the model's own; :data:`PROSE_HEIGHT` for a cheaper reading).

        Crops of similar width share a batch (padded to its widest) only while the batch
        stays small — at most :data:`BATCH_AREA` pixels: on one core a batch of wide crops
        costs more per crop than the crops one by one (the activations leave the cache),
        while single digits gain from sharing a run.
        """
        np, cv2 = self.np, self.cv2
        prepared = []
        for crop in crops:
            h, w = crop.shape[:2]
            width = max(16, min(3200, int(math.ceil(height * w / max(h, 1)))))
            resized = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR if h < height else cv2.INTER_AREA)
            prepared.append(((resized.astype(np.float32) / 255.0) - 0.5) / 0.5)
        order = sorted(range(len(prepared)), key=lambda i: prepared[i].shape[1])
        results: list = [None] * len(prepared)
        start = 0
        while start < len(order):
            # widths within 25 % of each other, at most BATCH_AREA pixels, share a batch
            first = prepared[order[start]].shape[1]
            stop = start + 1
            while (stop < len(order) and prepared[order[stop]].shape[1] <= first * 1.25 + 8
                   and (stop - start + 1) * prepared[order[stop]].shape[1] * height <= BATCH_AREA):
                stop += 1
            batch_ids = order[start:stop]
            width = max(prepared[i].shape[1] for i in batch_ids)
            batch = np.ones((len(batch_ids), 3, height, width), dtype=np.float32)
            for row, i in enumerate(batch_ids):
                image = prepared[i]
                batch[row, :, :, : image.shape[1]] = image[None, :, :]
            probabilities = self.session(batch)[0]
            for row, i in enumerate(batch_ids):
                results[i] = self._decode(probabilities[row])
            start = stop
        return results

    def _decode(self, probs) -> Reading:
        """Greedy CTC decoding with, per emitted character, the second-best class."""
        np = self.np
        best = probs.argmax(axis=1)
        chars: list[tuple[str, float, str, float]] = []  # (char, prob, second char, second prob)
        steps: list[int] = []
        previous = -1
        for t, k in enumerate(best):
            if k != self.blank_id and k != previous:
                row = probs[t]
                order = np.argpartition(row, -3)[-3:]
                order = order[np.argsort(row[order])[::-1]]
                second = next((j for j in order if j != k and j != self.blank_id), None)
                chars.append((self.characters[k], float(row[k]),
                              self.characters[second] if second is not None else "",
                              float(row[second]) if second is not None else 0.0))
                steps.append(t)
            previous = k
        text = "".join(c for c, *_ in chars)
        confidence = float(np.mean([p for _, p, _, _ in chars])) if chars else 0.0
        alternatives = []
        for i, (char, p, other, q) in enumerate(chars):
            if other and q >= ALTERNATIVE_MIN_PROB and other != " ":
                alternatives.append((text[:i] + other + text[i + 1:], q))
        alternatives.sort(key=lambda a: -a[1])
        digits = ""
        positions = [t for t, k in enumerate(best) if k != self.blank_id and (t == 0 or k != best[t - 1])]
        while positions and self.characters[best[positions[0]]] in EDGE_NOISE:
            positions.pop(0)  # a speck before the number read as ":" or "'"
        while positions and self.characters[best[positions[-1]]] in EDGE_NOISE:
            positions.pop()
        core = "".join(self.characters[best[t]] for t in positions)
        if core and NUMBER_LIKE.match(core):
            # a number cell: at each position where a character was emitted, the digits' own
            # ranking — how sure the recogniser is which digit it is, given that it is one
            # ("0" and "o" are one shape; 0 against 6 or 8 is the question)
            digit_text, sureness, digit_alternatives = "", [], []
            for t in positions:
                char = self.characters[best[t]]
                if char in ".,，．":
                    digit_text += "."
                    continue
                row = probs[t][self.digit_ids]
                total = float(row.sum())
                order = np.argsort(row)[::-1]
                first, second = int(order[0]), int(order[1])
                share = float(row[first]) / total if total > 0 else 0.0
                other = float(row[second]) / total if total > 0 else 0.0
                if other >= ALTERNATIVE_MIN_PROB:
                    digit_alternatives.append((len(digit_text), DIGIT_CLASSES[second], other))
                digit_text += DIGIT_CLASSES[first]
                sureness.append(share)
            if sureness:
                digits = digit_text
                confidence = float(np.mean(sureness))
                alternatives = [(digits[:i] + d + digits[i + 1:], q) for i, d, q in digit_alternatives]
                alternatives.sort(key=lambda a: -a[1])
        lowest = min((p for _, p, _, _ in chars), default=0.0)
        return Reading(text, confidence, tuple(alternatives[:4]), digits, tuple(steps), len(best), lowest)


def engine() -> Engine:
    """The process's OCR engine (loaded on first use)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = Engine()
        return _ENGINE


# --------------------------------------------------------------------------- page images

def _page_images(data: bytes, path: str, kind: str, found: str = ""):
    """(page number, grey image as a numpy array, points per pixel) of each page."""
    cv2, np, _ = _modules()
    if kind == "image":
        from PIL import Image, ImageOps

        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except Exception as exc:  # Pillow raises many kinds on damaged images
            raise ReportReadError(path, "a readable page image", f"{found or 'an image'} Pillow cannot open ({type(exc).__name__})") from exc
        frames = []
        try:
            count = getattr(image, "n_frames", 1)
        except Exception:  # pragma: no cover - a damaged multi-page TIFF
            count = 1
        if count > MAX_PAGES:
            raise ReportReadError(path, f"a report of at most {MAX_PAGES} pages", f"{count} pages")
        for index in range(count):
            image.seek(index)
            frame = ImageOps.exif_transpose(image).convert("L")
            dpi = image_dpi(frame.width, frame.height, image.info.get("dpi"))
            if frame.width * frame.height > MAX_PIXELS:
                factor = math.sqrt(MAX_PIXELS / (frame.width * frame.height))
                frame = frame.resize((int(frame.width * factor), int(frame.height * factor)))
                dpi *= factor
            frames.append((index + 1, np.asarray(frame), 72 / dpi))
        return frames
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReportReadError(path, "a readable PDF", f"a file PDFium cannot open ({exc})") from None
    try:
        if len(pdf) > MAX_PAGES:
            raise ReportReadError(path, f"a scanned report of at most {MAX_PAGES} pages", f"{len(pdf)} pages")
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                width_pt, height_pt = page.get_size()
                dpi = _native_dpi(page, width_pt, height_pt)
                if width_pt * height_pt * (dpi / 72) ** 2 > MAX_PIXELS:
                    dpi = 72 * math.sqrt(MAX_PIXELS / (width_pt * height_pt))
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                gray = np.array(bitmap.to_numpy()[:, :, 0] if bitmap.to_numpy().ndim == 3 else bitmap.to_numpy())
                pages.append((index + 1, gray, 72 / dpi))
            finally:
                page.close()
        return pages
    finally:
        pdf.close()


# The paper of the reports (A4), by its long side in inches.
PAGE_LONG_SIDE_IN = 11.69


def image_dpi(width: int, height: int, declared=None) -> float:
    """The resolution (dots per inch) of a page image ``width`` × ``height`` pixels: the one it
    declares (``declared``: Pillow's ``info["dpi"]``, from PNG pHYs or JPEG JFIF/EXIF) when that
    makes it a page of paper (its long side 8–17 inches, A5 to A3) — 72 or 96, which screens
    and phones write, make no such page — else the one that makes it an A4 page.  Without it
    the lines, cells and text of a 300-dpi image would be measured as if at 72 dpi."""
    long_side = max(width, height)
    try:
        dots = float(declared[0]) if declared else 0.0
    except (TypeError, ValueError, IndexError):
        dots = 0.0
    if dots > 0 and 8 <= long_side / dots <= 17:
        return dots
    return max(36.0, long_side / PAGE_LONG_SIDE_IN)


def _native_dpi(page, width_pt: float, height_pt: float) -> float:
    """The resolution of the largest scanned image on the page, within 150–300 dpi."""
    import pypdfium2 as pdfium

    best = 0.0
    try:
        for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            left, bottom, right, top = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
            w_px, h_px = obj.get_px_size()
            if right - left > width_pt * 0.5:
                best = max(best, w_px / ((right - left) / 72))
    except Exception:  # a damaged image object: render at the default resolution
        best = 0.0
    if best <= 0:
        return DEFAULT_DPI
    return min(MAX_DPI, max(MIN_DPI, best))


# --------------------------------------------------------------------------- one page

def _binary(gray, cv2, np):
    """Ink as 255 on 0 (Otsu's threshold after a light blur, which also drops grain)."""
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    _, ink = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def inked_region(ink, cv2, np, margin: int = 24) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom, pixels) of the page's ink with ``margin`` pixels
    around it: the page shrunk by 4 (each cell the share of ink of 16 pixels), cells of less
    than a sixth ink left out — specks and grain, never a stroke of text — and the box of
    the rest.  The whole page when nothing is left."""
    h, w = ink.shape
    small = cv2.resize(ink, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    rows = np.flatnonzero((small > 42).any(axis=1))
    cols = np.flatnonzero((small > 42).any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return 0, 0, w, h
    return (max(0, int(cols[0]) * 4 - margin), max(0, int(rows[0]) * 4 - margin),
            min(w, int(cols[-1] + 1) * 4 + margin), min(h, int(rows[-1] + 1) * 4 + margin))


def skew_angle(ink, cv2, np) -> float:
    """The page's skew in degrees (counter-clockwise positive), within ±:data:`MAX_SKEW_DEG`:
    the angle whose rotation makes the rows of ink most uneven (text lines and ruling lines
    fall into few rows)."""
    h, w = ink.shape
    factor = min(1.0, 800 / max(h, w))
    small = cv2.resize(ink, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else ink
    sh, sw = small.shape
    centre = (sw / 2, sh / 2)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(small, matrix, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = turned.sum(axis=1, dtype=np.float64)
        return float(np.var(rows))

    coarse = [a / 2 for a in range(int(-2 * MAX_SKEW_DEG), int(2 * MAX_SKEW_DEG) + 1)]
    best = max(coarse, key=score)
    fine = [best + d / 20 for d in range(-10, 11)]
    best = max(fine, key=score)
    finer = [best + d / 100 for d in range(-5, 6)]
    return max(finer, key=score)


def ruling_lines(ink, dpi: float, cv2, np) -> tuple[list, list]:
    """Horizontal and vertical ruling lines: (x0, x1, y) and (x, y0, y1) in pixels.

    A ruling line is a run of ink at least 0.3 inch long (horizontal) or 0.2 inch (vertical;
    the lowest table rows are about 0.25 inch) that meets a line of the other direction:
    the strokes of large characters are shorter, and meet none.
    """
    horizontal_k = max(20, int(0.3 * dpi))
    vertical_k = max(14, int(0.2 * dpi))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (horizontal_k, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vertical_k)))
    # close the small gaps a faint scan leaves in a line
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    h_lines, v_lines = [], []
    thickness = max(6, int(0.06 * dpi))
    count, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    for x, y, bw, bh, _ in stats[1:count]:
        if bw >= horizontal_k and bh <= thickness:
            h_lines.append((float(x + 4), float(x + bw - 4), float(y + bh / 2)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    for x, y, bw, bh, _ in stats[1:count]:
        if bh >= vertical_k and bw <= thickness:
            v_lines.append((float(x + bw / 2), float(y + 4), float(y + bh - 4)))
    reach = max(6.0, 0.03 * dpi)

    def meets(h, v) -> bool:
        (x0, x1, y), (x, y0, y1) = h, v
        return x0 - reach <= x <= x1 + reach and y0 - reach <= y <= y1 + reach

    h_kept = [h for h in h_lines if any(meets(h, v) for v in v_lines)]
    v_kept = [v for v in v_lines if any(meets(h, v) for h in h_lines)]
    return h_kept, v_kept


def _edges(h_lines, v_lines, pt: float) -> list[tuple]:
    """Ruling lines as the edge tuples of the table finder
    (:func:`govdisclosure.readers.pdf.find_tables`: orientation, x0, top, x1, bottom,
    length), in points."""
    edges = []
    for x0, x1, y in h_lines:
        edges.append(("h", x0 * pt, y * pt, x1 * pt, y * pt, (x1 - x0) * pt))
    for x, y0, y1 in v_lines:
        edges.append(("v", x * pt, y0 * pt, x * pt, y1 * pt, (y1 - y0) * pt))
    return edges


@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""
    confidence: float = 0.0
    alternatives: tuple = ()
    free_text: str = ""

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


def read_page(gray, page_number: int, pt: float, ocr: Engine) -> tuple[list[Line], dict[str, Recognition], str]:
    """The lines of one page image (grey, ``pt`` points per pixel), what was recognised at
    each table cell's location, and a note on the page (its skew)."""
    cv2, np = ocr.cv2, ocr.np
    from .pdf import find_tables

    ink = _binary(gray, cv2, np)
    angle = skew_angle(ink, cv2, np)
    h, w = gray.shape
    inverse = None
    if abs(angle) >= 0.05:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        gray = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        ink = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        inverse = cv2.invertAffineTransform(matrix)
    h_lines, v_lines = ruling_lines(ink, 72 / pt, cv2, np)
    tables = find_tables(_edges(h_lines, v_lines, pt), [])
    scale = min(1.0, DETECTION_DPI * pt / 72)
    # the detector sees the part of the page that holds ink, not its blank margins
    left, top, right, bottom = inked_region(ink, cv2, np)
    boxes = [_Box(x0 + left, y0 + top, x1 + left, y1 + top)
             for x0, y0, x1, y1 in ocr.detect(gray[top:bottom, left:right], scale)]

    # table cells in pixels; boxes cut at the column lines they cross; inked cells without a box
    cells_px = [[(c[0] / pt, c[1] / pt, c[2] / pt, c[3] / pt) for c in t.cells] for t in tables]
    placed = _clean_cell_boxes(_cut_at_lines(boxes, cells_px), cells_px, ink, np)
    for table in cells_px:
        for cell in table:
            if not any(c == cell for _, c in placed):
                found = _ink_box(ink, cell, cv2, np)
                if found is not None:
                    placed.append((_Box(*found), cell))
    boxes = [b for b, _ in placed]
    line = max(2, int(round(0.015 * 72 / pt)))  # a ruling line's half width and more
    crops = [_crop(gray, b, np, within=c, line=line) for b, c in placed]
    # table cells at full height; prose at PROSE_HEIGHT, then what the parser needs of it
    # (title, headings, numbers, unclear lines) again at full height
    readings: list = [None] * len(placed)
    in_cells = [i for i, (_, c) in enumerate(placed) if c is not None]
    prose = [i for i, (_, c) in enumerate(placed) if c is None]
    for i, reading in zip(in_cells, ocr.recognise([crops[i] for i in in_cells])):
        readings[i] = reading
    for i, reading in zip(prose, ocr.recognise([crops[i] for i in prose], PROSE_HEIGHT)):
        readings[i] = reading
    _prose_at_full_height(ocr, readings, prose, crops, [ink[y0:y1, x0:x1] for x0, y0, x1, y1
                                                          in (_crop_rect(ink.shape, placed[i][0]) for i in prose)])
    for box, reading in zip(boxes, readings):
        box.free_text = reading.text
        box.text, box.confidence, box.alternatives = (reading.digits or reading.text), reading.confidence, reading.alternatives
    # a box of a cell that read as nothing: once more from the box of the cell's ink (a lone
    # "0" cropped with too little margin can read as nothing at all)
    empty = [i for i, (b, c) in enumerate(placed) if c is not None and not b.text.strip()]
    inked = [(i, _ink_box(ink, placed[i][1], cv2, np)) for i in empty]
    inked = [(i, found) for i, found in inked if found is not None]
    if inked:
        retried = ocr.recognise([_crop(gray, _Box(*found), np, 4, placed[i][1], line) for i, found in inked])
        for (i, found), reading in zip(inked, retried):
            if (reading.digits or reading.text).strip():
                box = boxes[i]
                box.x0, box.y0, box.x1, box.y1 = found
                box.free_text, box.text = reading.text, reading.digits or reading.text
                box.confidence, box.alternatives = reading.confidence, reading.alternatives
    # a second look at numbers of three characters or more, and at any with a digit twice in
    # a row, from a wider crop stretched across (more time steps a digit): the CTC decoder
    # can double a digit ("7730" as "77330", "3" as "33"); two looks that disagree make the
    # reading doubtful
    again = [i for i, b in enumerate(boxes) if b.text != b.free_text or NUMBER_LIKE.match(b.text or "-")]
    again = [i for i in again if len(boxes[i].text) >= 3 or _DOUBLED.search(boxes[i].text)]
    if again:
        stretched = [cv2.resize(c, None, fx=1.5, fy=1.0, interpolation=cv2.INTER_CUBIC)
                     for c in (_crop(gray, boxes[i], np, 4, placed[i][1], line) for i in again)]
        for i, reading in zip(again, ocr.recognise(stretched)):
            box = boxes[i]
            second = reading.digits or reading.text
            if second != box.text:
                box.alternatives = ((second, 0.5),) + tuple(a for a in box.alternatives if a[0] != second)
                box.confidence = min(box.confidence, 0.5)

    def page_box(b: _Box | tuple) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = (b.x0, b.y0, b.x1, b.y1) if isinstance(b, _Box) else b
        if inverse is not None:
            corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64) @ inverse.T
            x0, y0 = corners[:, 0].min(), corners[:, 1].min()
            x1, y1 = corners[:, 0].max(), corners[:, 1].max()
        return (int(round(x0 * pt)), int(round(y0 * pt)), int(round(x1 * pt)), int(round(y1 * pt)))

    items: list[tuple[float, int, Line]] = []
    recognitions: dict[str, Recognition] = {}
    used: set[int] = set()
    for table, fast in zip(cells_px, tables):
        for row in fast.rows:
            kept: list[tuple[str, str]] = []
            for cell in row.cells:
                if cell is None:
                    continue
                cell = (cell[0] / pt, cell[1] / pt, cell[2] / pt, cell[3] / pt)
                inside = [i for i, b in enumerate(boxes) if i not in used and _inside(b.centre, cell)]
                used.update(inside)
                members = sorted((boxes[i] for i in inside), key=lambda b: (round(b.y0 / 12), b.x0))
                text = "".join(b.text for b in members).strip()
                if members:
                    union = (min(b.x0 for b in members), min(b.y0 for b in members),
                             max(b.x1 for b in members), max(b.y1 for b in members))
                else:
                    union = cell
                loc = f"page {page_number} box {','.join(str(v) for v in page_box(union))}"
                if members:
                    single = members[0] if len(members) == 1 else None
                    recognitions[loc] = Recognition(
                        text, min((b.confidence for b in members if b.text.strip()), default=0.0),
                        page_number, page_box(union),
                        single.alternatives if single else (), "".join(b.free_text for b in members))
                kept.append((text, loc))
            filled = [t for t, _ in kept if t]
            top = row.bbox[1]
            if len(kept) == 1 or (len(filled) == 1 and len(row.cells) > 1 and len(filled[0]) > 30):
                text = (filled or [""])[0]
                if text and not _PAGE_NUMBER.match(text):
                    items.append((top, len(items), Line([text], kept[0][1])))
            elif kept:
                items.append((top, len(items), Line([t for t, _ in kept], f"page {page_number} row y {top:.0f}", True,
                                                    [loc for _, loc in kept])))
    # prose: the other boxes, grouped into lines by their vertical overlap
    rest = sorted((b for i, b in enumerate(boxes) if i not in used and b.text.strip()), key=lambda b: (b.y0, b.x0))
    lines: list[list[_Box]] = []
    for box in rest:
        for line in lines:
            last = line[-1]
            overlap = min(last.y1, box.y1) - max(last.y0, box.y0)
            if overlap > 0.5 * min(last.y1 - last.y0, box.y1 - box.y0):
                line.append(box)
                break
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
        text = "".join(b.text for b in line).strip()
        if text and not _PAGE_NUMBER.match(text):
            top = min(b.y0 for b in line) * pt
            loc = f"page {page_number} box {','.join(str(v) for v in page_box((min(b.x0 for b in line), min(b.y0 for b in line), max(b.x1 for b in line), max(b.y1 for b in line))))}"
            items.append((top, len(items), Line([text], loc)))
    items.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in items], recognitions, f"page {page_number} straightened by {angle:+.2f}°"


_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$")
_DOUBLED = re.compile(r"(\d)\1")


_NUMBER_RUN = re.compile(r"\d+(?:[.．,，]\d+)*%?")


def _prose_at_full_height(ocr: Engine, readings: list, prose: list[int], crops: list, inks: list) -> None:
    """Prose read at :data:`PROSE_HEIGHT` made as good as a full-height reading where the
    parser needs it (in place, ``readings`` indexed like ``crops``; ``prose``: the indexes of
    the prose lines; ``inks``: their binary images, in ``prose`` order).

    * Read again whole at :data:`FULL_HEIGHT`: short lines (at most :data:`SHORT_LINE`
      characters: title lines, headings, page numbers), lines that open like a heading
      (:data:`HEADING`) and lines with a character the recogniser was unsure of (below
      :data:`UNSURE`).
    * In the other lines every number (a run of digits, with its decimal point or percent
      sign) is read again at full height from a piece of the line around it, cut at blank
      columns on either side; the piece's one number replaces the line's.  A piece that
      cannot be cut, or that reads as no number or as several, has its whole line read again.
    """
    whole: list[int] = []
    pieces: list[tuple[int, int, int]] = []  # (crop index, start, end of the number in the text)
    images = []
    for k, i in enumerate(prose):
        reading = readings[i]
        if len(reading.text.strip()) <= SHORT_LINE or HEADING.match(reading.text) or reading.lowest < UNSURE:
            whole.append(i)
            continue
        found = []
        for match in _NUMBER_RUN.finditer(reading.text):
            piece = _number_piece(reading, match.start(), match.end(), crops[i], inks[k])
            if piece is None:
                found = None
                break
            found.append((match.start(), match.end(), piece))
        if found is None:
            whole.append(i)
            continue
        for start, end, piece in found:
            pieces.append((i, start, end))
            images.append(piece)
    again: dict[int, list[tuple[int, int, str]]] = {}
    for (i, start, end), reading in zip(pieces, ocr.recognise(images)):
        numbers = _NUMBER_RUN.findall(reading.text)
        if len(numbers) != 1:
            whole.append(i)
        else:
            again.setdefault(i, []).append((start, end, numbers[0]))
    whole_set = set(whole)
    for i, changes in again.items():
        if i in whole_set:
            continue
        reading = readings[i]
        text = reading.text
        for start, end, number in sorted(changes, reverse=True):
            text = text[:start] + number + text[end:]
        if text != reading.text:
            readings[i] = reading._replace(text=text, steps=(), alternatives=())
    ordered = sorted(whole_set)
    for i, reading in zip(ordered, ocr.recognise([crops[i] for i in ordered])):
        readings[i] = reading


def _number_piece(reading: Reading, start: int, end: int, crop, ink):
    """The part of a prose line's crop that holds the number at ``reading.text[start:end]``:
    from the time steps at which its first and last characters were read, half the line's
    height more on either side, then out to the nearest blank column (within another half
    height) — so that no character is cut in two.  None when there is no blank column."""
    if not reading.steps or reading.length <= 0:
        return None
    h, w = crop.shape[:2]
    per_step = w / reading.length
    left = int(reading.steps[start] * per_step - 0.5 * h)
    right = int(math.ceil((reading.steps[end - 1] + 1) * per_step + 0.5 * h))
    blank = ~ink.any(axis=0)
    reach = int(0.5 * h)
    if left <= 0:
        left = 0
    else:
        spaces = [x for x in range(left, max(-1, left - reach), -1) if blank[x]]
        if not spaces:
            return None
        left = spaces[0]
    if right >= w:
        right = w
    else:
        spaces = [x for x in range(right, min(w, right + reach)) if blank[x]]
        if not spaces:
            return None
        right = spaces[0] + 1
    return crop[:, left:right]


def _inside(point, cell) -> bool:
    return cell[0] <= point[0] < cell[2] and cell[1] <= point[1] < cell[3]


def _clean_cell_boxes(boxes: list[_Box], tables: list[list[tuple]], ink, np) -> list[tuple[_Box, tuple | None]]:
    """The boxes in table cells made fit to read, each once, with the cell each lies in
    (``None`` outside the tables):

    * a box that holds no ink of its cell (a piece of a box cut at a column line, reaching
      over the blank side of the cell) is dropped — the cell's own ink is then read instead
      of nothing;
    * boxes of one cell that overlap on one line (sharing more than half the height of the
      lower one, and any width) are joined: two boxes over the same ink would read it twice
      ("3" as "33": a box cut at a column line reaching into the next cell's number, beside
      that number's own box).
    """
    kept: list[_Box] = []
    cells: list[tuple | None] = []
    for box in boxes:
        cell = next((c for table in tables for c in table if _inside(box.centre, c)), None)
        if cell is not None and not _holds_ink(ink, box, cell, np):
            continue
        kept.append(box)
        cells.append(cell)
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(kept):
            if a is None or cells[i] is None:
                continue
            for j in range(i + 1, len(kept)):
                b = kept[j]
                if b is None or cells[j] != cells[i]:
                    continue
                across = min(a.x1, b.x1) - max(a.x0, b.x0)
                down = min(a.y1, b.y1) - max(a.y0, b.y0)
                if across > 0 and down > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0):
                    a = kept[i] = _Box(min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
                    kept[j] = None
                    changed = True
    return [(b, cells[i]) for i, b in enumerate(kept) if b is not None]


def _holds_ink(ink, box: _Box, cell: tuple, np, margin: int = 4) -> bool:
    """Whether the part of ``box`` inside ``cell`` (its ruling lines left out) holds more
    ink than a speck."""
    x0, y0 = int(max(box.x0, cell[0] + margin)), int(max(box.y0, cell[1] + margin))
    x1, y1 = int(min(box.x1, cell[2] - margin)), int(min(box.y1, cell[3] - margin))
    return x1 > x0 and y1 > y0 and int(np.count_nonzero(ink[y0:y1, x0:x1])) >= 12


def _cut_at_lines(boxes: list[_Box], tables: list[list[tuple]]) -> list[_Box]:
    """Cut a text box that runs over a table's column line (two cells read as one) at the
    line: a cell edge of the table it lies in, at the height of the box."""
    out = []
    for box in boxes:
        cx, cy = box.centre
        cuts: set[float] = set()
        for table in tables:
            if not any(c[0] - 2 <= cx <= c[2] + 2 and c[1] <= cy <= c[3] for c in table):
                continue
            for c in table:
                if c[1] <= cy <= c[3]:
                    cuts.update(x for x in (c[0], c[2]) if box.x0 + 6 < x < box.x1 - 6)
        if not cuts:
            out.append(box)
            continue
        edges = [box.x0] + sorted(cuts) + [box.x1]
        for a, b in zip(edges, edges[1:]):
            if b - a > 4:
                out.append(_Box(a + (2 if a != box.x0 else 0), box.y0, b - (2 if b != box.x1 else 0), box.y1))
    return out


def _ink_box(ink, cell, cv2, np):
    """The box of the ink inside a table cell (its ruling lines left out), if it holds any."""
    x0, y0, x1, y1 = (int(round(v)) for v in cell)
    margin = 5
    inner = ink[y0 + margin:y1 - margin, x0 + margin:x1 - margin]
    if inner.size == 0:
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats(inner, connectivity=8)
    parts = [s for s in stats[1:count] if s[4] >= 12 and s[3] >= 6]  # not grain or specks
    if not parts:
        return None
    left = min(s[0] for s in parts)
    top = min(s[1] for s in parts)
    right = max(s[0] + s[2] for s in parts)
    bottom = max(s[1] + s[3] for s in parts)
    pad = 3
    return (x0 + margin + left - pad, y0 + margin + top - pad, x0 + margin + right + pad, y0 + margin + bottom + pad)


def _crop_rect(shape, box: _Box, extra: int = 0) -> tuple[int, int, int, int]:
    """The pixels (x0, y0, x1, y1) :func:`_crop` takes for ``box``: the box with a little
    margin (``extra`` pixels more), within the page."""
    h, w = shape[:2]
    pad_y = max(2, int((box.y1 - box.y0) * 0.08)) + extra
    return (max(0, int(box.x0) - 2 - extra), max(0, int(box.y0) - pad_y),
            min(w, int(math.ceil(box.x1)) + 2 + extra), min(h, int(math.ceil(box.y1)) + pad_y))


def _crop(gray, box: _Box, np, extra: int = 0, within: tuple | None = None, line: int = 0):
    """The grey image of ``box`` with a little margin (``extra`` pixels more).  ``within``: the
    table cell the box lies in — what lies outside the cell's interior (``line`` pixels
    inside its edges: the ruling lines) is made white, so that a ruling line is never read
    as a stroke of the text."""
    x0, y0, x1, y1 = _crop_rect(gray.shape, box, extra)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0:
        return np.full((8, 8), 255, dtype=gray.dtype)
    if within is not None:
        left, top = int(math.ceil(within[0])) + line - x0, int(math.ceil(within[1])) + line - y0
        right, bottom = int(within[2]) - line - x0, int(within[3]) - line - y0
        if left > 0 or top > 0 or right < crop.shape[1] or bottom < crop.shape[0]:
            crop = crop.copy()
            crop[:, :max(0, left)] = 255
            crop[:max(0, top), :] = 255
            crop[:, max(0, right):] = 255
            crop[max(0, bottom):, :] = 255
    return crop


# --------------------------------------------------------------------------- documents

def read_scan(data: bytes, path: str, sha256: str, *, kind: str = "pdf", time_limit_s: float = 600.0,
              found: str = "") -> OcrDocument:
    """Read a scanned report (``kind``: ``pdf`` or ``image``) by OCR.

    Returns an :class:`OcrDocument` (``reader`` ``"ocr"``).  Raises :class:`OcrUnavailable`
    without the ``ocr`` extra and :class:`ReportReadError` for a file that cannot be
    rendered, with more than :data:`MAX_PAGES` pages, that takes longer than ``time_limit_s``,
    or on whose pages no text is found.
    """
    ocr = engine()
    started = time.perf_counter()
    lines: list[Line] = []
    recognitions: dict[str, Recognition] = {}
    notes: list[str] = []
    seconds: list[float] = []
    for page_number, gray, pt in _page_images(data, path, kind, found):
        page_start = time.perf_counter()
        page_lines, page_recognitions, note = read_page(gray, page_number, pt, ocr)
        seconds.append(time.perf_counter() - page_start)
        lines += page_lines
        recognitions.update(page_recognitions)
        notes.append(note)
        if time.perf_counter() - started > time_limit_s:
            raise ReportReadError(path, f"a scan OCR reads within {time_limit_s:.0f} s",
                                  f"a scan still unread after page {page_number}")
    if not any(line.text.strip() for line in lines):
        raise ReportReadError(path, "a report", "pages with no text, neither in a text layer nor by OCR")
    skews = [n for n in notes if not n.endswith("+0.00°") and not n.endswith("-0.00°")]
    summary = [f"OCR read {len(seconds)} page(s) in {sum(seconds):.1f} s"]
    if skews:
        summary.append("; ".join(skews))
    return OcrDocument(path, "pdf" if kind == "pdf" else "image", lines, sha256, None, {}, notes=summary,
                       reader="ocr", recognitions=recognitions, seconds_per_page=seconds)
