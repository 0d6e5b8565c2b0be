"""The HTML reader as it was before issue 13 made it faster: the reference the fast reader is
compared with on generated pages (``tests/test_html_fast.py``).

A verbatim copy of ``read_html``, ``table_rows`` and their helpers from
``lib/govdisclosure/readers/html.py`` at the commit before the rewrite (it walked every element
with ``etree.iterwalk``); the page is parsed and its meta fields read by the package's own
``parse_page`` and ``_meta_fields``, which the rewrite left as they were.
"""

from __future__ import annotations

import re

from lxml import etree

from govdisclosure.readers.document import Document, Line
from govdisclosure.readers.html import _meta_fields, parse_page

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "select", "option", "button",
                   "textarea", "iframe", "object", "svg", "map", "input"})
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section",
                    "article", "header", "footer", "nav", "aside", "blockquote", "center", "dl",
                    "dt", "dd", "form", "pre", "hr", "address", "figure", "figcaption", "main",
                    "body", "html", "table", "tr", "td", "th", "tbody", "thead", "tfoot",
                    "caption"})
_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_NUMERIC = re.compile(r"^[+\-]?\d+(?:\.\d+)?$")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _is_hidden(el) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style and ("isplay" in style or "ISPLAY" in style):
        # style="DISPLAY: NONE" (Word exports write CSS in capitals)
        compact = re.sub(r"\s+", "", style).lower()
        return "display:none" in compact
    return False


_HIDDEN_HINTS = ("isplay", "ISPLAY", "idden", "IDDEN", "<script", "<style", "<noscript", "<template", "<select")
_HIDDEN_MARKUP = re.compile(r"display\s*:\s*none|\shidden[\s=/>]|<(?:script|style|noscript|template|select)\b", re.I)
# cells with nothing to drop (most of them) are read in one call to libxml2
_NOTHING_TO_DROP = etree.XPath(
    "not(.//*[@hidden or contains(translate(@style, 'DISPLAYNOE \t\r\n', 'displaynoe'), 'display:none') "
    "or self::script or self::style or self::noscript or self::template or self::select])")


def _cell_text(cell, *, clean: bool = False) -> str:
    """The visible text of a cell: scripts and hidden elements dropped, the text after them kept.

    ``clean``: the caller knows the cell has nothing to drop.
    """
    if clean or _NOTHING_TO_DROP(cell):
        return _clean("".join(cell.itertext()))
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag.lower() if isinstance(child.tag, str) else None
            if tag is not None and tag not in _SKIP and not _is_hidden(child):
                walk(child)
            if child.tail:  # the tail follows the element: visible even when the element is not
                parts.append(child.tail)

    walk(cell)
    return _clean("".join(parts))


def table_rows(table, table_number: int) -> list[Line]:
    """Rows of one data table, ``rowspan`` label cells carried down, ``colspan`` cells once."""
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    # most tables have nothing hidden: one regex over the table's markup spares inspecting every cell
    markup = etree.tostring(table, encoding="unicode")
    clean = not (any(word in markup for word in _HIDDEN_HINTS) and _HIDDEN_MARKUP.search(markup))
    carried: dict[int, list] = {}  # column -> [rows left, text, width]
    lines: list[Line] = []
    for r, tr in enumerate(rows, start=1):
        placed: list[tuple[int, str, bool]] = []  # (column, text, carried)
        occupied = {}
        hidden_row = not clean and _is_hidden(tr)
        for col, (left, text, width) in list(carried.items()):
            for c in range(col, col + width):
                occupied[c] = True
            if not _NUMERIC.match(text):
                placed.append((col, text, True))
            if left <= 1:
                del carried[col]
            else:
                carried[col][0] = left - 1
        if hidden_row:
            continue  # not shown (its cells start no rowspan), but spans from above run through it
        col = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            if not clean and _is_hidden(cell):
                continue  # a hidden cell takes no column
            while occupied.get(col):
                col += 1
            try:
                width = max(1, int(cell.get("colspan") or 1))
                span = max(1, int(cell.get("rowspan") or 1))
            except ValueError:
                width, span = 1, 1
            text = _cell_text(cell, clean=clean)
            placed.append((col, text, False))
            if span > 1:
                carried[col] = [span - 1, text, width]
            col += width
        placed.sort(key=lambda item: item[0])
        if not placed:
            continue
        loc = f"table {table_number} row {r}"
        cells = [text for _, text, _ in placed]
        cell_locs = [f"{loc} cell {c + 1}" + (" (rowspan)" if was_carried else "")
                     for c, _, was_carried in placed]
        lines.append(Line(cells, loc, True, cell_locs))
    return lines


def read_html(text: str, path: str, sha256: str, encoding: str) -> Document:
    root, notes = parse_page(text, path)
    fields = _meta_fields(root)
    lines: list[Line] = []
    buffer: list[str] = []
    line_number = [1]
    tables = 0

    def flush():
        if buffer:
            text = _clean("".join(buffer))
            buffer.clear()
            if text:
                lines.append(Line([text], f"line {line_number[0]}"))

    body = root.find("body")
    walker = etree.iterwalk(body if body is not None else root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if event == "start":
            if tag is None:
                continue
            if tag in _SKIP or _is_hidden(el):
                walker.skip_subtree()  # its "end" event still comes, and adds the tail
                continue
            if tag in _BLOCK or tag == "br":
                flush()
                if el.sourceline:
                    line_number[0] = el.sourceline
            if tag == "table" and el.find(".//table") is None:
                tables += 1
                lines.extend(table_rows(el, tables))
                walker.skip_subtree()
                continue
            if el.text:
                buffer.append(el.text)
        else:  # end
            if tag is None:
                continue
            if tag in _BLOCK:
                flush()
            if el.tail:
                buffer.append(el.tail)
    flush()
    return Document(path, "html", lines, sha256, encoding, fields, notes=notes)
