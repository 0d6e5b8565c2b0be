"""Plain text as crawlers and copy-paste extract it from report pages.

Seen in real reports: tab-separated table rows (copied from a browser), one HTML text node
per line (crawlers), a whole page flattened into one line, crawler header fields
(``标题: …``) before the body, CRLF line ends.  Tab-separated lines become rows of cells;
everything else stays a line of text for the parser to tokenise.
"""

from __future__ import annotations

import re

from ..template import BODY_MARKERS, HEADER_FIELD
from .document import Document, Line

_NUMBER_LINE = re.compile(r"^\s*[+\-]?\d+(?:\.\d+)?\s*$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: broken at CRLF, CR and LF only.

    ``str.splitlines`` also breaks at form feeds (pdftotext's page breaks), U+2028 and other
    separators, which would shift every location after them and cut table rows in two.
    """
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def split_header(raw_lines: list[str]) -> tuple[dict[str, str], int]:
    """Crawler header fields at the top of a text file; return (fields, first body line).

    The header must start the file (blank lines aside): a field line after other text (a
    report's title followed by "发布日期：…") is part of the report, and nothing is dropped.
    """
    fields: dict[str, str] = {}
    body_start = 0
    for i, line in enumerate(raw_lines[:20]):
        stripped = line.strip()
        if stripped.strip("=").strip() in BODY_MARKERS or stripped in BODY_MARKERS:
            return fields, i + 1
        if stripped.rstrip("：:") == "正文":
            return fields, i + 1
        match = HEADER_FIELD.match(line)
        if match:
            fields.setdefault(match.group(1), match.group(2).strip())
            body_start = i + 1
        elif stripped and not fields:
            return {}, 0  # text before any field: there is no crawler header
        elif stripped and not stripped.startswith(("页面链接", "=")):
            break
    return fields, body_start


def detect_dropped_repeats(lines: list[Line]) -> bool:
    """A crawler that drops consecutive duplicate lines leaves none behind.

    One-node-per-line text always has runs of equal cells ("0" after "0") unless the crawler
    collapsed them; when many lines are single numbers and no two neighbours are equal, the
    collapse happened.
    """
    numbers = 0
    previous = None
    for line in lines:
        if line.is_row:
            return False
        text = line.cells[0].strip()
        if not text:
            continue
        if text == previous:
            return False
        if _NUMBER_LINE.match(text):
            numbers += 1
        previous = text
    return numbers >= 20


_PROSE_ENDS_IN_DIGIT = re.compile(r"[\u3400-\u9fff，。、；：“”（）].*\d$")


def detect_split_numbers(lines: list[Line]) -> bool:
    """A crawler that writes one text node per line breaks numbers that Word split over spans:
    prose ending in digits continued by a line that starts with digits ("…新要求。202" / "1" /
    "年底前").  Two such places are evidence; a table's one-number-per-line cells are not."""
    seen = 0
    for line, following in zip(lines, lines[1:]):
        if line.is_row or following.is_row:
            continue
        text, after = line.cells[0].strip(), following.cells[0].strip()
        if after[:1].isdigit() and _PROSE_ENDS_IN_DIGIT.search(text):
            seen += 1
            if seen >= 2:
                return True
    return False


def _indented_text(raw: str) -> bool:
    """A paragraph indented with tabs (Word copy-paste), not a table row: tabs only before one
    piece of text that is not a number.  A row's single label with trailing empty cells
    ("第二十条第（一）项\t\t\t") and a lone value stay rows."""
    head = raw.lstrip("\t")
    return head != raw and "\t" not in head and not _NUMBER_LINE.match(head)


def text_lines(text: str, *, first_line: int = 1, tabs_are_cells: bool = True) -> list[Line]:
    lines: list[Line] = []
    for offset, raw in enumerate(split_lines(text)):
        number = first_line + offset
        loc = f"line {number}"
        if tabs_are_cells and "\t" in raw and raw.strip() and not _indented_text(raw):
            cells = [c.strip() for c in raw.split("\t")]
            lines.append(Line(cells, loc, True, [f"{loc} cell {j + 1}" for j in range(len(cells))]))
        else:
            lines.append(Line([raw.strip()], loc))
    return lines


def read_text(text: str, path: str, sha256: str, encoding: str) -> Document:
    raw_lines = split_lines(text)
    fields, body_start = split_header(raw_lines)
    body = "\n".join(raw_lines[body_start:])
    lines = text_lines(body, first_line=body_start + 1)
    doc = Document(path, "text", lines, sha256, encoding, fields)
    doc.dropped_repeats = detect_dropped_repeats(lines)
    doc.split_numbers = detect_split_numbers(lines)
    if doc.split_numbers:
        doc.notes.append("crawler broke numbers over lines (one text node per span): a number split "
                         "over lines is joined where the template's arithmetic leaves one reading")
    if doc.dropped_repeats:
        doc.notes.append("crawler dropped consecutive duplicate lines: equal neighbouring cells "
                         "arrive as one and are restored from the template's arithmetic")
    return doc
