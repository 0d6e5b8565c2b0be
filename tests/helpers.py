"""Build and edit reports in tests (small inline cases)."""

from __future__ import annotations

import copy
from typing import Mapping, Sequence

from govdisclosure.model import Cell, Report
from govdisclosure.template import T3_COLUMNS, T4_COLUMNS, t3_rows

T3_KEYS = [c.key for c in T3_COLUMNS]
T4_KEYS = [c.key for c in T4_COLUMNS]


def make_report(t3: Mapping[str, Sequence[float | None]] | None = None,
                t4: Mapping[str, Sequence[float | None]] | None = None,
                t2: Mapping[tuple[str, str], float | str] | None = None, *, template: str = "2021",
                year: int = 2024, agency: str = "某某市某某局", source: str | None = None,
                sections: Mapping[str, str] | None = None) -> Report:
    """A report from inline tables.  ``None`` in a table is a blank cell; a str is printed text."""
    cells: list[Cell] = []

    def put(table, row, column, value, loc):
        if value is None:
            cells.append(Cell(table, row, column, None, "blank", "", loc, row))
        elif isinstance(value, str):
            cells.append(Cell(table, row, column, None, "text", value, loc, row))
        else:
            cells.append(Cell(table, row, column, float(value), "number", f"{value:g}", loc, row))

    for i, (row, values) in enumerate((t3 or {}).items()):
        for j, v in enumerate(values):
            put("t3", row, T3_KEYS[j], v, f"line {100 + i} cell {j + 2}")
    for i, (row, values) in enumerate((t4 or {}).items()):
        for j, v in enumerate(values):
            put("t4", row, T4_KEYS[j], v, f"line 200 cell {5 * i + j + 1}")
    for (row, column), v in (t2 or {}).items():
        put("t2", row, column, v, f"line 50 {row} {column}")
    found = tuple(t for t, data in (("t2", t2), ("t3", t3), ("t4", t4)) if data)
    single = t3 is not None and "other_processing" in t3
    return Report(source=source or f"{agency}-{year}.txt", format="text", sha256="0" * 64, agency=agency, year=year,
                  template=template, sections=dict(sections or {}), cell_list=cells, tables_found=found,
                  shape={"t3_other": "single" if single else "split"})


def consistent_t3(template: str = "2021") -> dict[str, list[float]]:
    """A table 三 whose every identity holds: 3 granted, 1 denied, 1 carried forward."""
    rows = {r.key: [0.0] * 7 for r in t3_rows(template)}
    rows["new_received"] = [4, 1, 0, 0, 0, 0, 5]
    rows["carried_over"] = [0, 0, 0, 0, 0, 0, 0]
    rows["granted"] = [2, 1, 0, 0, 0, 0, 3]
    rows["denied_third_party"] = [1, 0, 0, 0, 0, 0, 1]
    rows["total_processed"] = [3, 1, 0, 0, 0, 0, 4]
    rows["carried_forward"] = [1, 0, 0, 0, 0, 0, 1]
    return rows


def consistent_t4() -> dict[str, list[float]]:
    return {"review": [1, 1, 0, 0, 2], "litigation_direct": [0, 0, 0, 1, 1], "litigation_after_review": [0, 0, 0, 0, 0]}


def edited(report: Report, changes: Mapping[tuple[str, str, str], float | str | None] = {}, **fields) -> Report:
    """A copy of ``report`` with some cells changed (None: blank; str: text) and fields replaced."""
    new = copy.deepcopy(report)
    for key, value in fields.items():
        setattr(new, key, value)
    for cell in new.cell_list:
        key = (cell.table, cell.row, cell.column)
        if key in changes:
            value = changes[key]
            if value is None:
                cell.value, cell.state, cell.raw = None, "blank", ""
            elif isinstance(value, str):
                cell.value, cell.state, cell.raw = None, "text", value
            else:
                cell.value, cell.state, cell.raw = float(value), "number", f"{value:g}"
    new.__dict__.pop("_index", None)
    new.__dict__.pop("cells", None)
    return new
