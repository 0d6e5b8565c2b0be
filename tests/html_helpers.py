"""Read the exported HTML reports in tests: headings, the images under them, tables, text.

Only lxml is used (no code of the package under test), so what a test finds here is what a
reader of the HTML sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import lxml.html

PNG_URI = "data:image/png;base64,"
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# the papermill/nbconvert cell id of the injected-parameters cell: a fresh uuid on every run
_INJECTED_CELL = re.compile(r"<div\b[^>]*celltag_injected-parameters[^>]*>")
_CELL_ID = re.compile(r"cell-id=[0-9a-f-]+")


def clean(text: str) -> str:
    """Text as a reader sees it: the anchor pilcrows of headings dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", text.replace("¶", "")).strip()


@dataclass
class Section:
    heading: str
    images: list[str] = field(default_factory=list)  # base64 PNG payloads of <img> elements


class Page:
    """One exported HTML file."""

    def __init__(self, source: str | Path):
        self.html = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
        self.doc = lxml.html.document_fromstring(self.html)

    # ------------------------------------------------------------------ structure
    @cached_property
    def body(self):
        return self.doc.body

    @cached_property
    def text(self) -> str:
        """The visible text of the body (style and script contents left out)."""
        body = lxml.html.fromstring(lxml.html.tostring(self.body, encoding="unicode"))
        for element in body.xpath("//style|//script"):
            element.drop_tree()
        return clean(body.text_content())

    @cached_property
    def sections(self) -> list[Section]:
        """Every heading in document order, with the PNG images that follow it (until the next)."""
        sections = [Section("")]
        for element in self.body.iter():
            if not isinstance(element.tag, str):
                continue
            if element.tag in HEADINGS:
                sections.append(Section(clean(element.text_content())))
            elif element.tag == "img" and (element.get("src") or "").startswith(PNG_URI):
                sections[-1].images.append(element.get("src")[len(PNG_URI):])
        return sections

    def images(self) -> list[str]:
        return [image for s in self.sections for image in s.images]

    def images_under(self, heading: str) -> list[str]:
        found = [s for s in self.sections if s.heading == heading]
        assert found, f"no heading {heading!r}; headings: {[s.heading for s in self.sections]}"
        return [image for s in found for image in s.images]

    def headings(self) -> list[str]:
        return [s.heading for s in self.sections[1:]]

    # ------------------------------------------------------------------ tables
    def tables(self) -> list[list[list[str]]]:
        """Every <table> as rows of cell texts (th and td alike)."""
        out = []
        for table in self.body.iter("table"):
            rows = []
            for tr in table.iter("tr"):
                rows.append([clean(cell.text_content()) for cell in tr if isinstance(cell.tag, str)
                             and cell.tag in ("td", "th")])
            out.append(rows)
        return out

    def table_with_header(self, *words: str) -> list[list[str]]:
        """The first table whose first row holds every one of ``words``."""
        for rows in self.tables():
            if rows and all(any(w in cell for cell in rows[0]) for w in words):
                return rows
        raise AssertionError(f"no table whose header holds {words}")

    def row(self, words: tuple[str, ...], label: str, *, exact: bool = False, header: bool = True) -> list[str]:
        """The cells after the label of the row whose label is (or contains) ``label``, in the
        table found by :meth:`table_with_header` (``header=False``: its first row is data too)."""
        rows = self.table_with_header(*words)
        for cells in rows[1 if header else 0:]:
            if cells and (cells[0] == label if exact else label in cells[0]):
                return cells[1:]
        raise AssertionError(f"no row {label!r} in the table with header {words}: {[r[0] for r in rows if r]}")

    def elements_with_attribute(self, name: str) -> list:
        return self.doc.xpath(f"//*[@{name}]")


def normalise_run_ids(html: str) -> str:
    """Drop what differs between two executions of the same notebook and parameters: the
    uuid papermill gives the cell it injects."""
    return _INJECTED_CELL.sub(lambda m: _CELL_ID.sub("cell-id=", m.group(0)), html)
