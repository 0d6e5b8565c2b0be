"""Records: a printed label and the values that follow it, as the layout gives them.

In a real table row (HTML, Markdown, tab-separated) a record is the row; in text whose table
structure was lost, a record runs from a label to the next label.  Layout rules that act on
records before any value is read:

* **wrapped labels** (:func:`join_wrapped`): a long label a converter continued on the next one
  or two rows — the pieces are one row, whose numbers may be on any of them;
* **a column split in two** (:func:`drop_split_columns`): every row has an extra cell that is
  empty in every row (a header 「自然 | 人」 cut by the converter) — it is dropped;
* **padding cells** (:func:`grid_values`): empty cells beyond the row's width at either end.

:func:`record_readings` then lists the readings of a record's values (:mod:`.recover`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby
from typing import Callable, Sequence

from ..readers.document import Document
from ..template import DASH_MARKERS, NONE_MARKERS, SUBTOTAL_GROUP_CORES, SUBTOTAL_MARKERS
from .labels import LabelMatch
from .recover import Budget, Candidate, RowReadings, readings
from .tokens import Token

# A label that starts a template row: numbering such as 一、 （二） 3. 三（一）.
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、])")
# Sentence punctuation: a label holding it is prose, not a table's label.
PROSE_MARKS = re.compile(r"[。；;]|[，,](?![^(（]*[)）])")


@dataclass
class Record:
    label: str
    norm: str
    values: list[Token]
    loc: str
    grid: bool
    first_line: int = -1
    last_line: int = -1
    match: LabelMatch | None = None
    key: str | None = None
    how: str = ""
    options: list[Candidate] = field(default_factory=list)
    fits: bool = True
    cut: str = ""

    @property
    def has_values(self) -> bool:
        return any(v.text for v in self.values)


def build_records(tokens: Sequence[Token], doc: Document) -> list[Record]:
    records: list[Record] = []
    stream: Record | None = None
    for line_index, group in groupby(tokens, key=lambda t: t.line):
        group = list(group)
        if doc.lines[line_index].is_row:
            stream = None
            last_label = max((i for i, t in enumerate(group) if t.kind == "L"), default=-1)
            labels = [t for t in group if t.kind == "L"]
            values = [t for t in group[last_label + 1:] if t.kind == "V"]
            if not any(v.text for v in values) and len(values) < 3:
                values = []  # a header row's trailing empty cells
            if not labels and not values:
                continue
            records.append(Record(" ".join(t.text for t in labels), "".join(t.norm for t in labels), values,
                                  labels[0].loc if labels else group[0].loc, True, line_index, line_index))
            continue
        for t in group:
            if t.kind == "L":
                if stream is None or stream.values:
                    stream = Record(t.text, t.norm, [], t.loc, False, line_index, line_index)
                    records.append(stream)
                else:
                    stream.label += " " + t.text
                    stream.norm += t.norm
                    stream.last_line = line_index
            elif t.kind == "V":
                if stream is None:
                    stream = Record("", "", [], t.loc, False, line_index, line_index)
                    records.append(stream)
                stream.values.append(t)
                stream.last_line = line_index
    return records


def subtotal_key(norm: str) -> str | None:
    """``denied_subtotal`` etc. for a subtotal row some agencies add (小计, 合计), else None."""
    if not any(m in norm for m in SUBTOTAL_MARKERS):
        return None
    found = None
    for group, cores in SUBTOTAL_GROUP_CORES.items():
        for core in cores:
            position = norm.rfind(core)
            if position >= 0 and (found is None or position > found[0]):
                found = (position, group)
    return f"{found[1]}_subtotal" if found else "subtotal"


def join_wrapped(records: list[Record], key_of: Callable[[str], str | None],
                 keys_in: Callable[[str], set[str]], generic: Callable[[str], bool]) -> list[Record]:
    """Join the pieces of labels a converter wrapped onto the next rows.

    A grid row continues the row above it when its label is not numbered (一、 （二） 3.), is no
    subtotal, no header (naming several rows), the two rows do not both carry numbers, and its
    label names no row by itself or
    the same row as the joined label (「2.其他」 + 「法律行政法规禁止公开」, 「5.要求」 + 「行政机关确认或重新
    出具已获取信息」); the label is joined and the numbers are those of whichever piece printed them.
    """
    out: list[Record] = []
    for record in records:
        previous = out[-1] if out else None
        if (previous is not None and record.grid and previous.grid and record.norm
                and record.first_line == previous.last_line + 1
                and not _NUMBERED.match(record.norm) and subtotal_key(record.norm) is None
                and not (previous.has_values and record.has_values)):
            own = key_of(record.norm)
            joined = key_of(previous.norm + record.norm)
            header = len(keys_in(record.norm)) >= 2  # a header row names several rows
            # a piece that is only a generic word (「其他」) names a row only if it adds to none
            if generic(record.norm) and joined == key_of(previous.norm):
                own = None
            if not header and (own is None or joined == own):
                previous.label += record.label
                previous.norm += record.norm
                previous.last_line = record.last_line
                if record.has_values and not previous.has_values:
                    previous.values = record.values
                continue
        out.append(record)
    return out


def drop_split_columns(records: Sequence[Record], width: int) -> int:
    """Drop cells that are empty in every row of a table whose rows are wider than ``width``
    (a column a converter cut in two); return how many positions were dropped (0 when the rows
    do not say unambiguously which cells are the extra ones).

    Rows are aligned on their last cell, after the padding at either end is dropped.  A position
    counts as an extra column only if at least three rows have it and it is empty in all of them.
    """
    rows = [r for r in records if r.grid and r.has_values]
    if not rows:
        return 0
    for r in rows:
        r.values = grid_values(r.values, width)  # padding at either end is not a split column
    widest = max(len(r.values) for r in rows)
    if widest <= width:
        return 0
    empty = set()
    for q in range(widest):
        having = [r for r in rows if len(r.values) > q]
        if len(having) >= 3 and all(not r.values[-1 - q].text for r in having):
            empty.add(q)
    if len(empty & set(range(widest))) != widest - width:
        return 0
    for r in rows:
        drop = {len(r.values) - 1 - q for q in empty if q < len(r.values)}
        if len(r.values) - len(drop) == width:
            r.values = [v for i, v in enumerate(r.values) if i not in drop]
    return widest - width


def grid_values(values: list[Token], n: int) -> list[Token]:
    """Drop the empty cells a row has beyond ``n`` (label colspans, trailing empties)."""
    values = list(values)
    while len(values) > n and not values[-1].text:
        values.pop()
    while len(values) > n and not values[0].text:
        values.pop(0)
    return values


def merged_nil(record: Record, n: int) -> bool:
    """The row's values are one nil cell (「无」, "/") standing for all ``n`` cells: a cell merged
    across the row (HTML ``colspan``), or its text in the first cell of a span a converter lost
    with the other cells left empty."""
    filled = [v for v in record.values if v.text]
    return (n > 1 and len(filled) == 1 and (filled[0].text in NONE_MARKERS or filled[0].text in DASH_MARKERS))


def record_readings(record: Record, kinds: Sequence[str], doc: Document, *, sums: Sequence[tuple[int, int]] = (),
                    parse: Callable[[Candidate], tuple] | None = None, budget: Budget | None = None) -> RowReadings:
    """The readings of a record's values as ``len(kinds)`` cells (see :func:`.recover.readings`)."""
    values = grid_values(record.values, len(kinds)) if record.grid else record.values
    record.values = values
    if record.grid and len(values) == len(kinds):
        return readings(values, kinds, grid=True, parse=parse, budget=budget)
    usable = [v for v in values if v.text]
    if record.grid and len(usable) != len(values):
        return RowReadings([], fits=False, cut="positions")  # blanks mixed into a short row: positions are lost
    return readings(usable, kinds, sums=sums, dropped_repeats=doc.dropped_repeats and not record.grid,
                    split_lines=doc.split_numbers and not record.grid, grid=record.grid, parse=parse,
                    budget=budget)
