"""HTML pages as government sites serve them.

Seen in real reports: site navigation, search forms and scripts around the article; hidden
metadata tables; layout tables that contain the article; Word-exported paragraphs with
hundreds of characters of inline style and numbers split across ``<span>``s; tables with
``rowspan``/``colspan``; ``&nbsp;`` in empty cells; one table split across several
``<table>`` elements.  lxml parses the page; this module walks it once, turning block
elements into lines of text and every data table (one with no table inside it) into rows
of cells.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from html.parser import HTMLParser

from lxml import etree

from ..errors import ReportReadError
from .document import Document, Line

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "select", "option", "button",
                   "textarea", "iframe", "object", "svg", "map", "input"})
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section",
                    "article", "header", "footer", "nav", "aside", "blockquote", "center", "dl",
                    "dt", "dd", "form", "pre", "hr", "address", "figure", "figcaption", "main",
                    "body", "html", "table", "tr", "td", "th", "tbody", "thead", "tfoot",
                    "caption"})
_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_NUMERIC = re.compile(r"^[+\-]?\d+(?:\.\d+)?$")
# <meta name=…> fields of government CMS pages (TRS, Hanweb): PubDate and publishdate are the
# publication date the deadline rule (S-DEADLINE) reads
_META_FIELDS = {"articletitle": "标题", "pubdate": "发布时间", "publishdate": "发布时间", "contentsource": "发布机构"}


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


# plain elements (no lxml.html classes: a Python look-up per element) and no comments (iterwalk
# would not visit them; their tails stay text)
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
_HIDDEN_HINTS = ("isplay", "ISPLAY", "idden", "IDDEN", "<script", "<style", "<noscript", "<template", "<select")
_HIDDEN_MARKUP = re.compile(r"display\s*:\s*none|\shidden[\s=/>]|<(?:script|style|noscript|template|select)\b", re.I)
# cells with nothing to drop (most of them) are read in one call to libxml2
_NOTHING_TO_DROP = etree.XPath(
    "not(.//*[@hidden or contains(translate(@style, 'DISPLAYNOE \t\r\n', 'displaynoe'), 'display:none') "
    "or self::script or self::style or self::noscript or self::template or self::select])")


def _text_of(el, *, with_tail: bool = False) -> str:
    """The text of ``el`` and of everything inside it (``with_tail``: and the text after it), in
    one call to libxml2 — the same as ``"".join(el.itertext())`` (plus ``el.tail``), five times
    faster on Word's cells of nested ``<span>``s."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=with_tail)


def _cell_text(cell, *, clean: bool = False) -> str:
    """The visible text of a cell: scripts and hidden elements dropped, the text after them kept.

    ``clean``: the caller knows the cell has nothing to drop.
    """
    if clean or _NOTHING_TO_DROP(cell):
        text = _text_of(cell)
        return text if text.isalnum() else _clean(text)  # (no space in a number or a word)
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


_ROWS = etree.XPath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
# Elements that may be hidden: with ``hidden``, or "display" in their style (``_is_hidden`` decides).
_WITH_HIDDEN = etree.XPath("descendant-or-self::*[@hidden]")
_WITH_DISPLAY = etree.XPath("descendant-or-self::*[contains(@style, 'isplay') or contains(@style, 'ISPLAY')]")
# What a style that names display holds in the page's source: the word itself, or a character
# reference that could spell one of its letters (HTML 4's named entities spell no ASCII letter).
_DISPLAY_IN_SOURCE = ("isplay", "ISPLAY", "&#")
_MOST_PLACES = 64  # more places than this in the source: libxml2 looks at every style instead
_MOST_LINES = 65_000  # (libxml2's line numbers are exact below 65,535)


def _may_be_hidden(top, source: str | None = None) -> list:
    """The elements under ``top`` (and itself) that have ``hidden``, or "display" in their style:
    the only ones :func:`_is_hidden` can find hidden.

    ``source``: the markup ``top`` was parsed from.  Asking libxml2 to look inside every style
    of a Word page (a thousand of them) costs as much as a tenth of reading the page; with the
    source, only the elements at the few places where it says "display" are looked at
    (:func:`_elements_at`), and none when it never does.
    """
    found = _WITH_HIDDEN(top)
    places = _places(source) if source is not None else None
    if places is None:
        return found + _WITH_DISPLAY(top)
    if places:
        found += [el for el in _elements_at(top, places)
                  if "isplay" in (el.get("style") or "") or "ISPLAY" in (el.get("style") or "")]
    return found


def _places(source: str) -> list[int] | None:
    """The line numbers (libxml2's, from 1) of every place where ``source`` holds one of
    :data:`_DISPLAY_IN_SOURCE`; None when there are too many, or too many lines, to tell."""
    at: list[int] = []
    for needle in _DISPLAY_IN_SOURCE:
        position = source.find(needle)
        while position >= 0:
            if needle != "&#" or _spells_display(source, position):
                at.append(position)
                if len(at) > _MOST_PLACES:
                    return None
            position = source.find(needle, position + 1)
    if not at:
        return []
    at.sort()
    if at[-1] > 0 and source.count("\n", 0, at[-1]) >= _MOST_LINES:
        return None
    lines, line, previous = [], 1, 0
    for position in at:
        line += source.count("\n", previous, position)
        previous = position
        lines.append(line)
    return sorted(set(lines))


_CHARACTER_REFERENCE = re.compile(r"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+))")


def _spells_display(source: str, position: int) -> bool:
    """Whether the character reference at ``position`` could spell a letter of "display" in
    either case (``&#39;``, Word's quote around font names, cannot)."""
    found = _CHARACTER_REFERENCE.match(source, position)
    if found is None:
        return False  # "&#" that is no reference stays as printed
    decimal, hexadecimal = found.groups()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    return code < 0x110000 and chr(code) in "isplayISPLAY"


def _elements_at(top, lines: list[int]) -> list:
    """Every element whose start tag may hold a place on one of ``lines``.

    libxml2 numbers an element by the line where its start tag ends, and elements in document
    order are numbered in order; so the element whose start tag holds a place on line L is
    numbered L, or is the first element numbered after L.  A child's descendants are numbered
    from its own number to its next sibling's: only children whose range holds an L are
    entered.  (A superset: the caller checks each element's attributes.)
    """
    found = [top]
    todo = [(top, None)]  # (element whose children to look at, highest number in its subtree)
    while todo:
        el, upper = todo.pop()
        children = [c for c in el if isinstance(c.tag, str)]
        numbers = [c.sourceline or 0 for c in children]
        for i, child in enumerate(children):
            low = numbers[i]
            high = numbers[i + 1] if i + 1 < len(children) else upper
            before = numbers[i - 1] if i else None
            j = bisect_left(lines, low)  # the first line at or after this child's number
            inside = j < len(lines) and (high is None or lines[j] <= high)
            # the first element numbered after a line L: this child, when the one before it is not
            first_after = j > 0 and (before is None or lines[j - 1] >= before)
            if inside or first_after:
                found.append(child)
            if inside:
                todo.append((child, high))
    return found


# what a cell leaves out of its text (``_NOTHING_TO_DROP``) besides hidden elements
_DROPPED_IN_CELLS = ("script", "style", "noscript", "template", "select")


def _nothing_hidden(table, may_hide: bool | None = None) -> bool:
    """True when no row, cell or part of a cell of ``table`` is to be left out.

    ``may_hide``: whether the table holds an element that :func:`_may_be_hidden` finds or one of
    :data:`_DROPPED_IN_CELLS` (the caller may know; else it is looked up).  When it may, the
    table's markup decides, as it always has: hidden parts are then looked for row by row and
    cell by cell.
    """
    if may_hide is None:
        may_hide = bool(_may_be_hidden(table)) or next(table.iterdescendants(*_DROPPED_IN_CELLS), None) is not None
    if not may_hide:
        return True
    markup = etree.tostring(table, encoding="unicode")
    return not (any(word in markup for word in _HIDDEN_HINTS) and _HIDDEN_MARKUP.search(markup))


def _rows(table, clean: bool) -> list[list[tuple[str | None, str | None, str]] | None]:
    """Every row of a table, (colspan, rowspan, cleaned text) of each cell shown, None for a
    hidden row; hidden cells and the hidden parts of cells left out (``clean``: there are none)."""
    found: list = []
    for tr in _ROWS(table):
        if not clean and _is_hidden(tr):
            found.append(None)
            continue
        parsed = []
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            if not clean and _is_hidden(cell):
                continue  # a hidden cell takes no column
            parsed.append((cell.get("colspan"), cell.get("rowspan"), _cell_text(cell, clean=clean)))
        found.append(parsed)
    return found


def table_rows(table, table_number: int, *, may_hide: bool | None = None) -> list[Line]:
    """Rows of one data table, ``rowspan`` label cells carried down, ``colspan`` cells once.

    Returns one :class:`Line` per ``<tr>`` that shows a cell (location ``table N row R``, each
    cell's ``… cell C``, ``(rowspan)`` for a label carried down from a row above; numbers are
    not carried).  Hidden rows and cells take no column; a hidden row still passes the spans
    from above through.  ``may_hide``: see :func:`_nothing_hidden`.  A table with nothing
    hidden (nearly all) is read without looking for hidden parts.
    """
    rows = _rows(table, _nothing_hidden(table, may_hide))
    carried: dict[int, list] = {}  # column -> [rows left, text, width]
    lines: list[Line] = []
    for r, cells in enumerate(rows, start=1):
        placed: list[tuple[int, str, bool]] = []  # (column, text, carried)
        occupied: set[int] = set()
        if carried:
            for col, (left, text, width) in list(carried.items()):
                occupied.update(range(col, col + width))
                if not _NUMERIC.match(text):
                    placed.append((col, text, True))
                if left <= 1:
                    del carried[col]
                else:
                    carried[col][0] = left - 1
        if cells is None:
            continue  # not shown (its cells start no rowspan), but spans from above run through it
        col = 0
        for colspan, rowspan, text in cells:
            while col in occupied:
                col += 1
            width = span = 1
            if colspan or rowspan:
                try:
                    width = max(1, int(colspan or 1))
                    span = max(1, int(rowspan or 1))
                except ValueError:
                    width, span = 1, 1
            placed.append((col, text, False))
            if span > 1:
                carried[col] = [span - 1, text, width]
            col += width
        if not placed:
            continue
        if len(placed) > 1:
            placed.sort(key=lambda item: item[0])
        loc = f"table {table_number} row {r}"
        lines.append(Line([text for _, text, _ in placed], loc, True,
                          [f"{loc} cell {c + 1} (rowspan)" if was_carried else f"{loc} cell {c + 1}"
                           for c, _, was_carried in placed]))
    return lines


def _meta_fields(root) -> dict[str, str]:
    fields: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").lower()
        if name in _META_FIELDS and meta.get("content"):
            fields.setdefault(_META_FIELDS[name], _clean(meta.get("content")))
    title = root.find(".//title")
    if title is not None and title.text and "标题" not in fields:
        fields["标题"] = _clean(title.text).split("_")[0]
    return fields


# --------------------------------------------------------------------------- pages nested too deep

# libxml2 stops at 256 levels of nesting (2,048 with its "huge" option) and silently drops
# everything below: a page of Word-exported <div>s nested 300 deep lost its tables.
_DEEP_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
_DEEPEST = 2048
# elements that only lay a page out: dropped when a page nests too deep (block ones become a
# line break, so the text keeps its lines)
_LAYOUT_BLOCK = frozenset({"div", "section", "article", "center", "main", "header", "footer", "aside", "nav",
                           "blockquote", "figure", "figcaption", "form"})
_LAYOUT_INLINE = frozenset({"span", "font", "b", "i", "u", "em", "strong", "small", "big", "a", "label", "sup", "sub",
                            "o:p", "ins", "del", "s", "strike", "abbr", "code", "nobr", "wbr"})
_DROP = _SKIP - {"head"}  # the head's title and meta fields name the report
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})


def _too_deep(parser) -> bool:
    return any("Excessive depth" in entry.message for entry in parser.error_log)


def _hidden_attributes(attrs: dict) -> bool:
    if "hidden" in attrs:
        return True
    style = attrs.get("style") or ""
    return "display:none" in re.sub(r"\s+", "", style).lower()


class _Flattener(HTMLParser):
    """The page again without its layout elements (:data:`_LAYOUT_BLOCK`, :data:`_LAYOUT_INLINE`)
    and without hidden, script and style elements and their content: tables, rows, cells and
    paragraphs stay, so the report reads as before, only much less deep."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.dropping: str | None = None  # the tag whose hidden subtree is being dropped
        self.level = 0

    def handle_starttag(self, tag, attrs):
        if self.dropping is not None:
            self.level += tag == self.dropping and tag not in _VOID
            return
        if (tag in _DROP or _hidden_attributes(dict(attrs))) and tag not in _VOID:
            self.dropping, self.level = tag, 1
            return
        if tag in _LAYOUT_BLOCK:
            self.out.append("<br>")
        elif tag not in _LAYOUT_INLINE:
            self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        if self.dropping is None and tag not in _LAYOUT_BLOCK and tag not in _LAYOUT_INLINE:
            self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.dropping is not None:
            if tag == self.dropping:
                self.level -= 1
                if self.level == 0:
                    self.dropping = None
            return
        if tag in _LAYOUT_BLOCK:
            self.out.append("<br>")
        elif tag not in _LAYOUT_INLINE:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self.dropping is None:
            self.out.append(data)

    def handle_entityref(self, name):
        if self.dropping is None:
            self.out.append(f"&{name};")

    def handle_charref(self, name):
        if self.dropping is None:
            self.out.append(f"&#{name};")


def _flatten(text: str) -> str:
    flattener = _Flattener()
    flattener.feed(text)
    flattener.close()
    return "".join(flattener.out)


def parse_page(text: str, path: str) -> tuple[etree._Element, list[str]]:
    """The page's element tree, and notes on how it was read.

    A page nested deeper than libxml2's 256 levels is read again with its deeper limit (2,048),
    and deeper still after removing its layout elements (:class:`_Flattener`); never cut
    silently.  Raises :class:`ReportReadError` for markup that cannot be parsed or that is too
    deep even then (tables inside tables thousands of levels down).
    """
    root, notes, _ = _parse_page(text, path)
    return root, notes


def _parse_page(text: str, path: str) -> tuple[etree._Element, list[str], str]:
    """:func:`parse_page`, and the markup the tree was parsed from (``text``, or ``text`` flattened)."""
    notes: list[str] = []
    source = text
    try:
        root = etree.fromstring(text, _PARSER)
        if _too_deep(_PARSER):
            root = etree.fromstring(text, _DEEP_PARSER)
            if not _too_deep(_DEEP_PARSER):
                notes.append("HTML nested more than 255 levels deep: read with libxml2's deeper limit")
            else:
                source = _flatten(text)
                root = etree.fromstring(source, _DEEP_PARSER)
                if _too_deep(_DEEP_PARSER):
                    raise ReportReadError(path, f"an HTML page nested at most {_DEEPEST} levels deep",
                                          "markup nested deeper than that even without its layout elements "
                                          "(tables inside tables?)", "libxml2 cannot read deeper markup")
                notes.append(f"HTML nested more than {_DEEPEST} levels deep: read after removing its layout "
                             "elements (div, span, font …) and its hidden parts")
    except (etree.ParserError, ValueError) as exc:
        raise ReportReadError(path, "an HTML page", f"markup lxml cannot parse ({exc})") from exc
    if root is None:
        raise ReportReadError(path, "an HTML page", "markup with no element in it")
    return root, notes, source


# Elements the walk looks at one by one: those that end a line (blocks, <br>), and those whose
# content is left out (scripts, forms; hidden elements: :func:`_may_be_hidden`).  Everything else
# (span, font, a, strong …) only adds its text, read in one call to libxml2 for a whole subtree
# without any of these.
_LOOK_AT_SET = _BLOCK | _SKIP | {"br"}
_LOOK_AT = tuple(sorted(_LOOK_AT_SET))


def read_html(text: str, path: str, sha256: str, encoding: str) -> Document:
    """A page as lines: every block element (``<p>``, ``<div>``, ``<td>`` of a layout table …) and
    ``<br>`` ends a line of text, located by the source line where its block starts
    (``line N``); every data table (a ``<table>`` with no table inside) becomes rows of cells
    (:func:`table_rows`); scripts, styles, forms and hidden elements are left out, the text after
    them kept.  The page's ``<meta>`` fields and title go to ``Document.fields``.

    Only the elements that end a line or hide their content are visited one by one, in document
    order; the text of a run of inline markup (Word's ``<span>``s, links) is read in one call
    to libxml2.  Raises :class:`ReportReadError` as :func:`parse_page` does.
    """
    root, notes, source = _parse_page(text, path)
    fields = _meta_fields(root)
    lines: list[Line] = []
    buffer: list[str] = []
    line_number = 1
    tables = 0

    def flush():
        if buffer:
            text = _clean("".join(buffer))
            buffer.clear()
            if text:
                lines.append(Line([text], f"line {line_number}"))

    body = root.find("body")
    top = body if body is not None else root
    may_be_hidden = _may_be_hidden(top, source)
    hidden = {el for el in may_be_hidden if _is_hidden(el)}
    may_be_hidden = set(may_be_hidden)
    # elements with an element that may be hidden inside them (their tables are read with care)
    hiding = set()
    for el in may_be_hidden:
        parent = el.getparent()
        while parent is not None and parent not in hiding:
            hiding.add(parent)
            parent = parent.getparent()
    # elements with an element to look at inside them: walked child by child; any other element
    # is read whole.  Data tables (a table with no table inside) are read apart: not entered.
    holders = set(hiding)
    data_tables = set()
    walker = etree.iterwalk(top, events=("start",), tag=_LOOK_AT)
    for _, el in walker:
        parent = el.getparent()
        while parent is not None and parent not in holders:
            holders.add(parent)
            parent = parent.getparent()
        if el.tag == "table" and next(el.iterdescendants("table"), None) is None:
            data_tables.add(el)
            walker.skip_subtree()

    todo: list = [top]  # elements to start, and (element,) to end, in document order from the end
    while todo:
        el = todo.pop()
        if el.__class__ is tuple:  # the end of an element whose children were walked
            el = el[0]
            if buffer and el.tag in _BLOCK:
                flush()
            if el.tail:
                buffer.append(el.tail)
            continue
        tag = el.tag
        if tag.__class__ is not str:
            continue  # (the parser keeps no comment or processing instruction; nor their text)
        if tag not in _LOOK_AT_SET and el not in may_be_hidden:  # inline
            if el not in holders:
                buffer.append(_text_of(el, with_tail=True))
                continue
        elif tag in _SKIP or el in hidden:  # left out, but not the text after it
            if buffer and tag in _BLOCK:
                flush()
            if el.tail:
                buffer.append(el.tail)
            continue
        else:
            if tag in _BLOCK or tag == "br":
                if buffer:
                    flush()
                if el.sourceline:
                    line_number = el.sourceline
            if el in data_tables:
                tables += 1
                may_hide = el in hiding or next(el.iterdescendants(*_DROPPED_IN_CELLS), None) is not None
                lines.extend(table_rows(el, tables, may_hide=may_hide))
                if el.tail:
                    buffer.append(el.tail)
                continue
            if el not in holders:
                buffer.append(_text_of(el))
                if tag in _BLOCK:
                    flush()
                if el.tail:
                    buffer.append(el.tail)
                continue
        if el.text:
            buffer.append(el.text)
        todo.append((el,))
        todo.extend(reversed(el))
    flush()
    return Document(path, "html", lines, sha256, encoding, fields, notes=notes)


# <br> and <span> are left out: PDF-to-Markdown converters put them in pipe-table cells, and a
# page or fragment of HTML always has block elements.
_HTML_SNIFF = re.compile(r"<\s*(html|body|table|p|div|tr|td|meta|head)\b", re.I)


def looks_like_html(text: str) -> bool:
    """At least two of the tags a page or a fragment of HTML has, in the first 20,000 characters."""
    found = _HTML_SNIFF.finditer(text, 0, 20000)
    return next(found, None) is not None and next(found, None) is not None
