"""A parsed report: its identity, its six sections and every cell of its three tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from .template import (SECTION_KEYS, T2_LAYOUT, T2_ROWS, T3_COLUMNS, T4_COLUMNS, T4_ROWS, t3_rows)

CELL_STATES = ("number", "blank", "dash", "text", "ambiguous")
TIDY_COLUMNS = ["source", "agency", "year", "template", "table", "row", "column", "value", "state",
                "raw", "location"]
# where each value came from, beside the tidy columns: the label as printed, how a value was
# recovered ("" when read as printed), OCR's recognition confidence (NaN for text)
PROVENANCE_COLUMNS = ["label", "how", "confidence"]
TABLE_NAMES = {"t2": "表二 主动公开政府信息情况", "t3": "表三 收到和处理政府信息公开申请情况",
               "t4": "表四 政府信息公开行政复议、行政诉讼情况"}


@dataclass(slots=True)
class Cell:
    """One cell of a template table, as printed and as read.

    ``state`` is ``number`` (``value`` holds it), ``blank`` (nothing printed), ``dash``
    (an explicit nil such as "/", "—" or "无"), ``text`` (something that is not a number) or
    ``ambiguous`` (the source lost the information and several readings fit: no value is
    guessed).  ``how`` says how a damaged cell was recovered ("" when read as printed).
    """

    table: str
    row: str
    column: str
    value: float | None
    state: str
    raw: str
    location: str
    label: str = ""
    how: str = ""
    # recognition confidence (0–1) of a cell read by OCR; None for cells read from text
    confidence: float | None = None


@dataclass(slots=True)
class LabelNote:
    """How a printed label was mapped to a canonical key (kept for loose matches)."""

    table: str
    key: str
    printed: str
    canonical: str
    how: str  # exact | loose | similar | position
    location: str


@dataclass
class Report:
    """A report read by :func:`govdisclosure.load_report`."""

    source: str
    format: str
    sha256: str
    agency: str | None
    year: int | None
    template: str | None
    sections: dict[str, str]
    cell_list: list[Cell]
    tables_found: tuple[str, ...] = ()
    shape: dict[str, str] = field(default_factory=dict)  # e.g. {"t3_other": "single"}
    labels: list[LabelNote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the parser noticed, for the user
    fields: dict[str, str] = field(default_factory=dict)  # crawler header / page metadata
    section_locations: dict[str, str] = field(default_factory=dict)
    section_headings: dict[str, str] = field(default_factory=dict)  # key -> heading as printed
    agency_from: str = ""  # where the agency name came from (title, caller, …)
    year_from: str = ""
    # which reader produced the text: text | html | markdown | docx | pdfplumber | pdfium | ocr
    reader: str = ""
    # printed numbers that could not be placed in a cell: (table, what was printed, where, why)
    lost: list[tuple[str, str, str, str]] = field(default_factory=list)

    # ----------------------------------------------------------------- tidy cells
    @cached_property
    def cells(self) -> pd.DataFrame:
        """One row per cell: the tidy table with labels, recovery notes (``how``) and, for cells
        read by OCR, the recognition ``confidence`` (0–1; NaN for cells read from text)."""
        frame = pd.DataFrame(
            [(c.table, c.row, c.column, c.value, c.state, c.raw, c.location, c.label, c.how, c.confidence)
             for c in self.cell_list],
            columns=["table", "row", "column", "value", "state", "raw", "location", "label", "how", "confidence"],
        )
        frame.insert(0, "template", self.template)
        frame.insert(0, "year", pd.array([self.year] * len(frame), dtype="Int64"))
        frame.insert(0, "agency", self.agency)
        frame.insert(0, "source", self.source)
        frame["value"] = frame["value"].astype("float64")
        frame["confidence"] = frame["confidence"].astype("float64")  # OCR only; NaN for text
        return frame

    def tidy(self) -> pd.DataFrame:
        """The tidy table with exactly the documented export columns."""
        return self.cells[TIDY_COLUMNS]

    # ----------------------------------------------------------------- wide tables
    def row_keys(self, table: str) -> list[str]:
        if table == "t3":
            single = self.shape.get("t3_other") == "single"
            return [r.key for r in t3_rows(self.template or "2021", single_other=single)]
        if table == "t4":
            return [r.key for r in T4_ROWS]
        if table == "t2":
            layout = T2_LAYOUT[self.template or "2021"]
            return [r.key for r in T2_ROWS if r.key in layout]
        raise KeyError(f"unknown table {table!r}: use t2, t3 or t4")

    def column_keys(self, table: str) -> list[str]:
        if table == "t3":
            return [c.key for c in T3_COLUMNS]
        if table == "t4":
            return [c.key for c in T4_COLUMNS]
        if table == "t2":
            seen: list[str] = []
            for columns in T2_LAYOUT[self.template or "2021"].values():
                seen += [c for c in columns if c not in seen]
            return seen
        raise KeyError(f"unknown table {table!r}: use t2, t3 or t4")

    def table(self, name: str) -> pd.DataFrame:
        """A table as printed: canonical rows × canonical columns, in template order.

        Cells that are blank, dashes, text or ambiguous are missing values here; ``cells``
        says which.  A table the report does not contain comes back empty.
        """
        rows, columns = self.row_keys(name), self.column_keys(name)
        frame = pd.DataFrame(index=pd.Index(rows, name="row"), columns=pd.Index(columns, name="column"),
                             dtype="float64")
        for c in self.cell_list:
            if c.table == name and c.row in frame.index and c.column in frame.columns and c.value is not None:
                frame.at[c.row, c.column] = c.value
        values = frame.to_numpy(dtype="float64", na_value=float("nan"))
        whole = values[~pd.isna(values)]
        if name in ("t3", "t4") and (whole == whole.round()).all():
            frame = frame.astype("Int64")  # counts as integers; a printed 3.5 keeps the table float
        return frame

    def cell(self, table: str, row: str, column: str) -> Cell | None:
        return self._index.get((table, row, column))

    def value(self, table: str, row: str, column: str) -> float | None:
        c = self._index.get((table, row, column))
        return None if c is None else c.value

    @cached_property
    def _index(self) -> dict[tuple[str, str, str], Cell]:
        return {(c.table, c.row, c.column): c for c in self.cell_list}

    @property
    def missing_tables(self) -> list[str]:
        return [t for t in ("t2", "t3", "t4") if t not in self.tables_found]

    @property
    def missing_sections(self) -> list[str]:
        return [k for k in SECTION_KEYS if not self.sections.get(k)]

    def __repr__(self) -> str:  # pragma: no cover - for interactive use
        return (f"Report({self.agency!r}, {self.year}, template={self.template}, "
                f"tables={','.join(self.tables_found) or 'none'}, cells={len(self.cell_list)}, "
                f"source={self.source!r})")
