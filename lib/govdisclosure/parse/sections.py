"""The six sections, the title (agency and year) and the statistical period of a report."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..readers.document import Document
from ..template import PERIOD_PATTERN, SECTIONS

_NUMERALS = "一二三四五六七八九十"
_HEADINGS = {
    s.key: re.compile(
        rf"(?<![第（(A-Za-z{_NUMERALS}、])([{_NUMERALS}])\s*[、.．]\s*(?:[^。\n\t]{{0,18}}?)"
        rf"(?:{'|'.join(map(re.escape, s.keywords))})(?:[^。\n\t]{{0,12}}?(?:情况|事项))?"
    )
    for s in SECTIONS
}
_TITLE = re.compile(
    r"(?P<pre>[^\n。]*?)(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<post>[^\n。]*?)\s*"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?\s*(?:年度)?\s*(?:报告|年报|工作)")
_AGENCY_JUNK = re.compile(r"^(?:关于|印发|公布|《|“|\"|\s)+|(?:》|”|\"|\s|的)+$")
_SIGNATURE_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")


@dataclass
class Text:
    """The document's text with where each line starts, rows marked."""

    text: str
    starts: list[int]
    is_row: list[bool]


def joined_text(doc: Document) -> Text:
    parts: list[str] = []
    starts: list[int] = []
    rows: list[bool] = []
    position = 0
    for line in doc.lines:
        starts.append(position)
        rows.append(line.is_row)
        piece = line.text
        parts.append(piece)
        position += len(piece) + 1
    return Text("\n".join(parts), starts, rows)


def find_sections(doc: Document, text: Text) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[str]]:
    """(sections' prose by key, where each heading was printed, the headings, notes)."""
    found: list[tuple[int, int, str, str]] = []  # (start, end, key, heading)
    notes: list[str] = []
    position = 0
    for section in SECTIONS:
        pattern = _HEADINGS[section.key]
        match = pattern.search(text.text, position)
        if match is None:
            continue
        found.append((match.start(), match.end(), section.key, match.group(0)))
        position = match.end()
    found.sort()
    sections: dict[str, str] = {}
    where: dict[str, str] = {}
    headings: dict[str, str] = {}
    for i, (start, end, key, heading) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text.text)
        sections[key] = _prose(text, end, stop)
        where[key] = doc.lines[_line_at(text, start)].loc
        headings[key] = re.sub(r"\s+", "", heading)
        expected = next(s for s in SECTIONS if s.key == key).number
        if heading.strip()[:1] != expected:
            notes.append(f"section {key} is headed '{heading.strip()[:30]}' (expected numbering {expected}、)")
    return sections, where, headings, notes


def _line_at(text: Text, offset: int) -> int:
    from bisect import bisect_right

    return max(0, bisect_right(text.starts, offset) - 1)


def _prose(text: Text, start: int, stop: int) -> str:
    """Text between two offsets without the rows of real tables."""
    first, last = _line_at(text, start), _line_at(text, max(start, stop - 1))
    pieces: list[str] = []
    for i in range(first, last + 1):
        if text.is_row[i]:
            continue
        line_start = text.starts[i]
        line_end = text.starts[i + 1] - 1 if i + 1 < len(text.starts) else len(text.text)
        piece = text.text[max(start, line_start):min(stop, line_end)].strip()
        if piece:
            pieces.append(piece)
    return "\n".join(pieces).strip()


def find_title(doc: Document) -> tuple[str | None, int | None, str]:
    """(agency, year, where found) from the title."""
    candidates: list[tuple[str, str]] = []
    if doc.fields.get("标题"):
        candidates.append((doc.fields["标题"], "title field"))
    head: list[str] = []
    for line in doc.lines[:12]:
        if not line.is_row and line.cells[0].strip():
            head.append(line.cells[0].strip())
        if len(head) >= 4:
            break
    for i in range(len(head)):
        candidates.append((head[i][:200], "first lines"))
        if i + 1 < len(head):
            candidates.append(((head[i] + head[i + 1])[:200], "first lines"))
    for text, where in candidates:
        match = _TITLE.search(text)
        if match:
            agency = _AGENCY_JUNK.sub("", match.group("pre").strip()) or _AGENCY_JUNK.sub("", match.group("post").strip())
            agency = re.sub(r"\s+", "", agency) or None
            return agency, int(match.group("year")), where
    return None, None, ""


def find_period_year(text: str) -> int | None:
    match = PERIOD_PATTERN.search(text)
    return int(match.group(1)) if match else None


def find_signature_date(doc: Document) -> str | None:
    for line in reversed(doc.lines[-15:]):
        if line.is_row:
            continue
        match = _SIGNATURE_DATE.search(line.cells[0])
        if match:
            y, m, d = match.groups()
            return f"{y}-{int(m):02d}-{int(d):02d}"
    return None
