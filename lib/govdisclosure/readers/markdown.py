"""Markdown, typically what a PDF-to-Markdown converter made of a report.

Pipe tables become rows of cells; their separator lines are dropped.  Converters break the
tables badly (rows split into many small tables, labels detached from their numbers and
floating as plain lines, page numbers inside tables, ``<br>`` where a label wrapped inside
its cell): this reader keeps every line where it was, and the parser decides what belongs
where.  Only page numbers printed as such ("- 3 -", "第 3 页", "3 / 12") are dropped; a bare
number on its own line is kept, because it may be a value that lost its row.
"""

from __future__ import annotations

import re

from .document import Document, Line
from .text import split_header, split_lines

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
# "|-|-|" (one hyphen per cell) is a separator only as the second line of a table: elsewhere
# it may be a row of "-" cells (nil markers).
_THIN_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_BR = re.compile(r"<\s*br\s*/?\s*>", re.I)
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]"
    r"|第\s*\d{1,4}\s*页(?:\s*[/，,、]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)\s*$")


def is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and stripped.count("|") >= 2


def _is_separator(raw: str, previous: str | None, before_previous: str | None) -> bool:
    if _SEPARATOR.match(raw):
        return True
    if "|" not in raw or not _THIN_SEPARATOR.match(raw):
        return False
    # the second line of a table: a pipe row above it, and no pipe row above that one
    return (previous is not None and is_pipe_row(previous)
            and not (before_previous is not None and is_pipe_row(before_previous)))


def _pipe_cells(raw: str) -> list[str]:
    stripped = raw.strip()
    inner = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
    # a line break inside a cell (a wrapped label, a number broken in two) is not a space
    return [_BR.sub("", c).strip() for c in inner.split("|")]


def read_markdown(text: str, path: str, sha256: str, encoding: str) -> Document:
    raw_lines = split_lines(text)
    fields, body_start = split_header(raw_lines)
    lines: list[Line] = []
    dropped = 0
    for number, raw in enumerate(raw_lines[body_start:], start=body_start + 1):
        loc = f"line {number}"
        previous = raw_lines[number - 2] if number >= 2 else None
        before_previous = raw_lines[number - 3] if number >= 3 else None
        if _is_separator(raw, previous, before_previous):
            continue
        if is_pipe_row(raw):
            cells = _pipe_cells(raw)
            filled = [c for c in cells if c]
            if len(filled) == 1 and _PAGE_NUMBER.match(filled[0]):
                dropped += 1
                continue
            lines.append(Line(cells, loc, True, [f"{loc} cell {j + 1}" for j in range(len(cells))]))
        else:
            if _PAGE_NUMBER.match(raw):
                dropped += 1
                continue
            lines.append(Line([_BR.sub("", _HEADING.sub("", raw)).strip()], loc))
    doc = Document(path, "markdown", lines, sha256, encoding, fields)
    if dropped:
        doc.notes.append(f"{dropped} page number line(s) dropped")
    return doc


def looks_like_markdown(text: str) -> bool:
    if "|" not in text:
        return False
    rows = separators = 0
    raw_lines = split_lines(text)
    for i, raw in enumerate(raw_lines):
        previous = raw_lines[i - 1] if i >= 1 else None
        before_previous = raw_lines[i - 2] if i >= 2 else None
        if "|" in raw and _is_separator(raw, previous, before_previous):
            separators += 1
        elif is_pipe_row(raw):
            rows += 1
    return separators >= 1 and rows >= 2
