"""The six sections of a report (its title, agency and year are in :mod:`.identity`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..readers.document import Document
from ..template import SECTION_CONTENT, SECTIONS

_CONTENT = {key: re.compile(pattern) for key, pattern in SECTION_CONTENT.items()}

_NUMERALS = "一二三四五六七八九十"
_HEADINGS = {
    s.key: re.compile(
        rf"(?<![第（(A-Za-z{_NUMERALS}、])([{_NUMERALS}])\s*[、.．]\s*(?:[^。\n\t]{{0,18}}?)"
        rf"(?:{'|'.join(map(re.escape, s.keywords))})(?:[^。\n\t]{{0,12}}?(?:情况|事项))?"
    )
    for s in SECTIONS
}


@dataclass
class Text:
    """The document's text with where each line starts, rows marked."""

    text: str
    starts: list[int]
    is_row: list[bool]
    first_section: int | None = None  # where the first section heading starts (find_sections)


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
    """(sections' prose by key, where each heading was printed, the headings, notes).  The
    offset in ``text`` where the first section starts is left in ``text.first_section``."""
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
    found += _by_content(text.text, found, notes)
    found.sort()
    text.first_section = found[0][0] if found else None
    sections: dict[str, str] = {}
    where: dict[str, str] = {}
    headings: dict[str, str] = {}
    for i, (start, end, key, heading) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text.text)
        sections[key] = _prose(text, end, stop)
        where[key] = doc.lines[_line_at(text, start)].loc
        headings[key] = re.sub(r"\s+", "", heading)
        expected = next(s for s in SECTIONS if s.key == key).number
        if heading and heading.strip()[:1] != expected:
            notes.append(f"section {key} is headed '{heading.strip()[:30]}' (expected numbering {expected}、)")
    return sections, where, headings, notes


def _by_content(text: str, found: list[tuple[int, int, str, str]], notes: list[str]) -> list[tuple[int, int, str, str]]:
    """Sections whose heading is missing, found by what they hold (:data:`SECTION_CONTENT`)
    between the sections found around them; their heading is "" (present, but not headed)."""
    keys = [s.key for s in SECTIONS]
    have = {key: (start, end) for start, end, key, _ in found}
    added = []
    for i, key in enumerate(keys):
        if key in have or key not in SECTION_CONTENT:
            continue
        before = [have[k][1] for k in keys[:i] if k in have]
        after = [have[k][0] for k in keys[i + 1:] if k in have]
        low, high = (max(before) if before else 0), (min(after) if after else len(text))
        if not before:
            continue  # nothing says where the report's sections begin
        hit = _CONTENT[key].search(text, low, high)
        if hit is None:
            continue
        hits = [hit.start()]
        start = text.rfind("\n", low, min(hits)) + 1 or min(hits)
        start = max(start, low)
        added.append((start, start, key, ""))
        have[key] = (start, start)
        notes.append(f"section {key} has no heading: found by its content at character {start + 1}")
    return added


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
