"""Markdown, typically what a PDF-to-Markdown converter made of a report.

Pipe tables become rows of cells; their separator lines are dropped.  Converters break the
tables badly (rows split into many small tables, labels detached from their numbers and
floating as plain lines, page numbers inside tables): this reader keeps every line where it
was, and the parser decides what belongs where.
"""

from __future__ import annotations

import re

from .document import Document, Line
from .text import split_header

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and stripped.count("|") >= 2


def read_markdown(text: str, path: str, sha256: str, encoding: str) -> Document:
    raw_lines = text.splitlines()
    fields, body_start = split_header(raw_lines)
    lines: list[Line] = []
    for number, raw in enumerate(raw_lines[body_start:], start=body_start + 1):
        loc = f"line {number}"
        if _SEPARATOR.match(raw):
            continue
        if is_pipe_row(raw):
            stripped = raw.strip()
            inner = stripped[1:-1] if stripped.endswith("|") else stripped[1:]
            cells = [c.strip() for c in inner.split("|")]
            lines.append(Line(cells, loc, True, [f"{loc} cell {j + 1}" for j in range(len(cells))]))
        else:
            lines.append(Line([_HEADING.sub("", raw).strip()], loc))
    return Document(path, "markdown", lines, sha256, encoding, fields)


def looks_like_markdown(text: str) -> bool:
    rows = separators = 0
    for raw in text.splitlines():
        if _SEPARATOR.match(raw) and "|" in raw:
            separators += 1
        elif is_pipe_row(raw):
            rows += 1
    return separators >= 1 and rows >= 2
