"""Many reports' cells as arrays, so that every rule runs over all reports at once.

``Cube.values[r, i, j]`` is the value of row ``i``, column ``j`` of report ``r`` (NaN when the
cell is not a number) and ``Cube.states`` its state code; ``Cube.applies[r, i]`` says whether
row ``i`` belongs to report ``r``'s layout (the 2019 and 2021 table 三 differ in （六）).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..agencies import AgencyTable, agency_key, agency_kind, agency_region, body_keys, same_body
from ..model import Report
from ..template import T2_COLUMN_DEFS, T2_ROWS, T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_ROWS, t3_rows

STATES = ("number", "blank", "dash", "text", "ambiguous", "missing")
NUMBER, BLANK, DASH, TEXT, AMBIGUOUS, MISSING = range(len(STATES))
STATE_CODE = {s: i for i, s in enumerate(STATES)}

LAYOUT = {
    "t2": ([r.key for r in T2_ROWS], list(T2_COLUMN_DEFS)),
    "t3": ([r.key for r in T3_ROWS], [c.key for c in T3_COLUMNS]),
    "t4": ([r.key for r in T4_ROWS], [c.key for c in T4_COLUMNS]),
}
_T3_SINGLE = {r.key for r in t3_rows("2019", single_other=True)}
_T3_SPLIT = {r.key for r in t3_rows("2021", single_other=False)}


@dataclass
class Cube:
    table: str
    rows: list[str]
    columns: list[str]
    values: np.ndarray  # (reports, rows, columns) float
    states: np.ndarray  # (reports, rows, columns) int8
    applies: np.ndarray  # (reports, rows) bool
    found: np.ndarray  # (reports,) bool: the table was found
    # where the printed facts of a cell are: a function (report position, row, column) ->
    # (raw, location, label as printed), or None when the cell is absent
    lookup: Callable[[int, str, str], tuple[str, str, str] | None] = field(repr=False, default=lambda *_: None)

    def info(self, r: int, i: int, j: int) -> tuple[str, str, str]:
        found = self.lookup(r, self.rows[i], self.columns[j])
        return found if found is not None else ("", "", "")

    def raw(self, r: int, i: int, j: int) -> str:
        return self.info(r, i, j)[0]

    def location(self, r: int, i: int, j: int) -> str:
        return self.info(r, i, j)[1]

    def label(self, r: int, i: int) -> str:
        """The row's label as printed (from its first cell that was found)."""
        for j in range(len(self.columns)):
            if self.states[r, i, j] != MISSING:
                return self.info(r, i, j)[2]
        return ""

    def row_index(self, keys: Sequence[str]) -> list[int]:
        return [self.rows.index(k) for k in keys if k in self.rows]

    def column_index(self, keys: Sequence[str]) -> list[int]:
        return [self.columns.index(k) for k in keys if k in self.columns]


@dataclass
class Corpus:
    """Reports and their cells, ready for the rules."""

    reports: pd.DataFrame  # one row per report (index = report number)
    cubes: dict[str, Cube]
    objects: list[Report | None]  # the Report objects (for text rules), when available
    # each report's sections (for S-COPY and H-SUM), also without objects; None when the batch
    # gives what those rules need instead: ``fingerprints``, and the ``has_text`` and
    # ``summary_words`` columns of ``reports`` (computed where each report was read)
    sections: list[dict[str, str]] | None
    fingerprints: list[tuple[dict[int, int], dict[int, int]]] | None = field(default=None, repr=False)
    # (positions) → one row per (report, sentence) of their whole text: pos, hash, n — for
    # S-COPY-PEER over a batch's stored fingerprints; None: made from ``fingerprints``
    whole_prints: Callable[[Sequence[int]], pd.DataFrame] | None = field(default=None, repr=False)
    _previous: np.ndarray | None = field(default=None, repr=False)

    @property
    def previous(self) -> np.ndarray:
        """Position of each report's previous year (same agency), −1 when there is none.

        Same agency: the same ``agency_key`` and, for names whose higher regions were dropped
        from the key, regions that do not contradict each other (:func:`~..agencies.same_body`:
        福州市鼓楼区 is not 南京市鼓楼区).  Of several candidates (one report in two renderings)
        the one with fewest ambiguous cells, then the first by file path (never by the order
        the files were given in).
        """
        if self._previous is None:
            self._previous = self.year_offset(-1)
        return self._previous

    def year_offset(self, offset: int) -> np.ndarray:
        """Position of each report's year ``year + offset`` of the same agency (−1: none)."""
        table = self.reports
        keys = table["agency_key"].tolist()
        years = table["year"].tolist()
        regions = [str(r or "") for r in table["agency_region"]] if "agency_region" in table else [""] * len(table)
        ambiguous = table["ambiguous"].tolist()
        sources = table["source"].astype(str).tolist()
        lookup: dict[tuple[str, int], list[int]] = {}
        for p in sorted(range(len(keys)), key=lambda p: (ambiguous[p], sources[p])):
            if keys[p] and years[p] is not None and years[p] is not pd.NA:
                lookup.setdefault((keys[p], int(years[p])), []).append(p)
        out = np.full(len(table), -1, dtype=np.int64)
        for pos, (k, y, region) in enumerate(zip(keys, years, regions)):
            if not k or y is None or y is pd.NA:
                continue
            for candidate in lookup.get((k, int(y) + offset), ()):
                if same_body(region, regions[candidate]):
                    out[pos] = candidate
                    break
        return out

    def primary(self) -> np.ndarray:
        """Whether each report is the one chosen for its agency-year (fewest ambiguous cells,
        then the first by file path)."""
        table = self.reports.reset_index(drop=True)
        order = table.assign(pos=np.arange(len(table)), path=table["source"].astype(str)) \
            .sort_values(["ambiguous", "path"], kind="stable")
        first = order.drop_duplicates(["agency_key", "year"])["pos"].to_numpy()
        chosen = np.zeros(len(table), dtype=bool)
        chosen[first] = True
        return chosen

    def identity(self, rid: int) -> tuple[str, str | None, int | None, str]:
        """(source, agency, year, agency id) of a report."""
        if not hasattr(self, "_identity"):
            self._identity = dict(zip(self.reports.index, zip(self.reports["source"], self.reports["agency"],
                                                                self.reports["year"], self.reports["agency_key"])))
        return self._identity[rid]

    def texts(self, pos: int) -> dict[str, str]:
        """A report's sections as prose (line breaks of extraction removed), computed once."""
        if not hasattr(self, "_texts"):
            self._texts: dict[int, dict[str, str]] = {}
        found = self._texts.get(pos)
        if found is None:
            found = prose(self.sections[pos]) if self.sections is not None else {}
            self._texts[pos] = found
        return found

    def has_text(self, pos: int) -> bool:
        """Whether the report has any section text (S-COPY compares only those that have)."""
        if self.sections is None:
            return bool(self.reports["has_text"].iat[pos])
        return bool(self.sections[pos])

    def summary_words(self, pos: int) -> str:
        """The words by which a report says it sums its members' (H-SUM), or ""."""
        if self.sections is None:
            return str(self.reports["summary_words"].iat[pos] or "")
        from .text import is_summary

        return is_summary(self.texts(pos).values())


def prose(sections: dict[str, str] | None) -> dict[str, str]:
    """Sections as prose: the line breaks of extraction removed, empty sections left out."""
    return {k: _JOIN.sub("", v) for k, v in (sections or {}).items() if v}


_JOIN = re.compile(r"\s*\n\s*")


REPORT_COLUMNS = ["rid", "source", "agency", "agency_key", "agency_name", "agency_region", "kind", "parent",
                  "summary", "year", "template", "t3_other", "tables", "ambiguous", "recovered", "published",
                  "published_from"]


def report_table(reports: Sequence[Report], ids: Sequence[str | None] | None = None,
                 kinds: Sequence[str | None] | None = None, *, agencies: AgencyTable | None = None) -> pd.DataFrame:
    """One row per report: its identity as the rules use it.

    ``agency_key`` is the id that groups one body's reports across years: the ``agency_id``
    of the analyst's agency table when a row matches (``agencies``), the id given in ``ids``,
    else :func:`~..agencies.agency_key` of the printed name.  ``kind`` (from the table, from
    ``kinds``, else guessed from the name), ``parent`` (from the table) and ``summary``
    (whether the table says the report sums its members') follow the same order.
    ``published`` is the page's publication date (ISO) with ``published_from`` saying which
    field or the signature it came from (see :func:`.dates.publication_date`).
    """
    from .dates import publication_date

    rows = []
    for i, r in enumerate(reports):
        info = agencies.resolve(r.source, r.agency) if agencies is not None else None
        given = ids[i] if ids is not None else None
        guessed = kinds[i] if kinds is not None and kinds[i] else None
        if info is not None:
            key, name, region, kind, parent, summary = (info.agency_id, info.name, "", guessed or info.kind,
                                                        info.parent or "", info.summary)
        else:
            key = given or agency_key(r.agency)
            name, region = r.agency or "", "" if given else agency_region(r.agency)
            kind, parent, summary = guessed or agency_kind(r.agency), "", None
        published = publication_date(r.fields, r.year)
        rows.append(dict(rid=i, source=r.source, agency=r.agency, agency_key=key, agency_name=name,
                         agency_region=region, kind=kind, parent=parent, summary=summary,
                         year=r.year, template=r.template, t3_other=r.shape.get("t3_other", ""),
                         tables=",".join(r.tables_found),
                         ambiguous=sum(1 for c in r.cell_list if c.state == "ambiguous"),
                         recovered=sum(1 for c in r.cell_list if c.how and c.state == "number"),
                         published=published.iso, published_from=published.describe()))
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    frame["summary"] = frame["summary"].astype("boolean")
    return frame.set_index("rid", drop=False)


_CATEGORIES = {
    "table": ["t2", "t3", "t4"],
    "row": sorted({k for t in LAYOUT for k in LAYOUT[t][0]} | {f"{g}_subtotal" for g in ("denied", "unable", "rejected", "other")}
                  | {"subtotal"}),
    "column": sorted({k for t in LAYOUT for k in LAYOUT[t][1]}),
    "state": list(STATES),
}
_CELL_FIELDS = ("table", "row", "column", "value", "state", "raw", "location", "label", "how")
_GET = attrgetter(*_CELL_FIELDS)


def cells_table(reports: Sequence[Report]) -> pd.DataFrame:
    """All reports' cells in one frame, with the report's number as ``rid``."""
    records = [(i, *_GET(c)) for i, r in enumerate(reports) for c in r.cell_list]
    frame = pd.DataFrame.from_records(records, columns=("rid", *_CELL_FIELDS))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    # the few values these columns take, as categories (the same for every chunk of a batch,
    # so chunks concatenate without losing them): a tenth of the memory of strings
    for name, values in _CATEGORIES.items():
        frame[name] = pd.Categorical(frame[name], categories=values)
    return frame


def _applies(table: str, rows: list[str], reports: pd.DataFrame) -> np.ndarray:
    n = len(reports)
    if table != "t3":
        return np.ones((n, len(rows)), dtype=bool)
    single = (reports["t3_other"] == "single").to_numpy()
    in_single = np.array([k in _T3_SINGLE for k in rows])
    in_split = np.array([k in _T3_SPLIT for k in rows])
    return np.where(single[:, None], in_single[None, :], in_split[None, :])


def _found(table: str, reports: pd.DataFrame) -> np.ndarray:
    return np.array([table in str(t).split(",") for t in reports["tables"]], dtype=bool)


def _positions(series: pd.Series, keys: list[str]) -> np.ndarray:
    """Each value's position in ``keys`` (−1 when absent), fast for categorical columns."""
    index = pd.Index(keys)
    if isinstance(series.dtype, pd.CategoricalDtype):
        table = np.append(index.get_indexer(series.cat.categories), -1)  # code −1 (missing) → −1
        return table[series.cat.codes.to_numpy()]
    return index.get_indexer(series)


def build_cube(table: str, cells: pd.DataFrame, reports: pd.DataFrame) -> Cube:
    """A cube from the tidy cells of many reports (the batch's tables)."""
    rows, columns = LAYOUT[table]
    n = len(reports)
    values = np.full((n, len(rows), len(columns)), np.nan)
    states = np.full((n, len(rows), len(columns)), MISSING, dtype=np.int8)
    where = np.full((n, len(rows), len(columns)), -1, dtype=np.int64)
    part = cells[cells["table"] == table]
    r_idx = _positions(part["row"], rows)
    c_idx = _positions(part["column"], columns)
    keep = (r_idx >= 0) & (c_idx >= 0)
    positions = reports.index.get_indexer(part["rid"].to_numpy())
    keep &= positions >= 0
    pr, ri, ci = positions[keep], r_idx[keep], c_idx[keep]
    values[pr, ri, ci] = part["value"].to_numpy()[keep]
    states[pr, ri, ci] = _positions(part["state"], list(STATES))[keep]
    where[pr, ri, ci] = np.flatnonzero(keep)
    values[states != NUMBER] = np.nan
    row_at, column_at = {k: i for i, k in enumerate(rows)}, {k: j for j, k in enumerate(columns)}
    facts = [part[name].array for name in ("raw", "location", "label")]  # read only for findings

    def lookup(r: int, row: str, column: str):
        k = where[r, row_at[row], column_at[column]]
        return None if k < 0 else tuple(str(f[k]) for f in facts)

    return Cube(table, rows, columns, values, states, _applies(table, rows, reports), _found(table, reports), lookup)


_ROW_AT = {t: {k: i for i, k in enumerate(LAYOUT[t][0])} for t in LAYOUT}
_COLUMN_AT = {t: {k: j for j, k in enumerate(LAYOUT[t][1])} for t in LAYOUT}


def cubes_from_reports(reports: Sequence[Report], table: pd.DataFrame) -> dict[str, Cube]:
    """Cubes of t2, t3 and t4 straight from Report objects (no frame of every cell)."""
    n = len(reports)
    values = {t: np.full((n, len(LAYOUT[t][0]), len(LAYOUT[t][1])), np.nan) for t in LAYOUT}
    states = {t: np.full((n, len(LAYOUT[t][0]), len(LAYOUT[t][1])), MISSING, dtype=np.int8) for t in LAYOUT}
    for r, report in enumerate(reports):
        for c in report.cell_list:
            i = _ROW_AT[c.table].get(c.row)
            j = _COLUMN_AT[c.table].get(c.column)
            if i is None or j is None:
                continue
            states[c.table][r, i, j] = STATE_CODE[c.state]
            if c.state == "number":
                values[c.table][r, i, j] = c.value

    def lookup_in(name: str):
        def lookup(r: int, row: str, column: str):
            cell = reports[r].cell(name, row, column)
            return None if cell is None else (cell.raw, cell.location, cell.label)
        return lookup

    return {t: Cube(t, LAYOUT[t][0], LAYOUT[t][1], values[t], states[t], _applies(t, LAYOUT[t][0], table),
                    _found(t, table), lookup_in(t)) for t in LAYOUT}


def build_corpus(reports: Sequence[Report], ids: Sequence[str | None] | None = None,
                 kinds: Sequence[str | None] | None = None, *, agencies: AgencyTable | None = None) -> Corpus:
    table = with_body_keys(report_table(reports, ids, kinds, agencies=agencies))
    return Corpus(table, cubes_from_reports(reports, table), list(reports), [r.sections for r in reports])


def with_body_keys(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (the reports of a whole corpus, :func:`report_table`'s columns) with
    ``agency_key`` telling apart the bodies that share a name in different regions
    (:func:`~..agencies.body_keys`).  Only a whole corpus can say so: apply it once all
    reports are together, never to a part."""
    if not len(table) or "agency_region" not in table:
        return table
    keys = body_keys(table["agency_key"].fillna("").astype(str).tolist(), table["agency_region"].tolist())
    return table.assign(agency_key=keys)


def corpus_from_frames(reports: pd.DataFrame, cells: pd.DataFrame, sections: Sequence[dict[str, str]] | None,
                       objects: Sequence[Report | None] | None = None, *,
                       fingerprints: Sequence[tuple[dict[int, int], dict[int, int]]] | None = None) -> Corpus:
    """A corpus from tables (as the batch keeps them) rather than from Report objects.

    ``reports`` has the columns of :func:`report_table` indexed by ``rid``; ``cells`` the
    tidy cells with ``rid``.  Without ``objects`` the rules that read a report's text
    (TX-COUNTS, TX-FEE, S-SECTIONS) have nothing to run on; the others all run.  Without
    ``sections``, S-COPY and H-SUM take the report's ``fingerprints`` (section 五, whole text:
    :func:`.text.report_fingerprints`) and the ``has_text`` and ``summary_words`` columns of
    ``reports`` instead.
    """
    cubes = {t: build_cube(t, cells, reports) for t in ("t2", "t3", "t4")}
    return Corpus(reports, cubes, list(objects) if objects is not None else [None] * len(reports),
                  list(sections) if sections is not None else None,
                  fingerprints=list(fingerprints) if fingerprints is not None else None)
