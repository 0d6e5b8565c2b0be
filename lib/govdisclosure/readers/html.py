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
    notes: list[str] = []
    try:
        root = etree.fromstring(text, _PARSER)
        if _too_deep(_PARSER):
            root = etree.fromstring(text, _DEEP_PARSER)
            if not _too_deep(_DEEP_PARSER):
                notes.append("HTML nested more than 255 levels deep: read with libxml2's deeper limit")
            else:
                root = etree.fromstring(_flatten(text), _DEEP_PARSER)
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
    return root, notes


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


# <br> and <span> are left out: PDF-to-Markdown converters put them in pipe-table cells, and a
# page or fragment of HTML always has block elements.
_HTML_SNIFF = re.compile(r"<\s*(html|body|table|p|div|tr|td|meta|head)\b", re.I)


def looks_like_html(text: str) -> bool:
    return len(_HTML_SNIFF.findall(text[:20000])) >= 2
