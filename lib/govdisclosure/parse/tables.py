"""Find the three template tables in a document and read their cells.

The steps, for each table:

1. **region**: the tokens between the table's anchor label and the next table (or the next
   section heading);
2. **records**: label runs and the values that follow them.  In a real table row (HTML,
   Markdown, tab-separated) a record is the row; in text whose table structure was lost, a
   record runs from a label to the next label;
3. **keys**: each record's label is mapped to a template row (:mod:`.labels`); rows whose
   labels a converter detached (unlabelled Markdown rows) are placed by position when the
   gap they sit in has exactly as many missing rows as unlabelled rows;
4. **cells**: the values are decoded into cells, recovering damaged rows (:mod:`.recover`)
   with the template's arithmetic.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from itertools import groupby
from typing import Sequence

from ..model import Cell, LabelNote
from ..readers.document import Document
from ..template import (AFTER_T4, BEFORE_T3, DASH_MARKERS, NONE_MARKERS, RowDef, SUBTOTAL_GROUP_CORES,
                        SUBTOTAL_MARKERS, T2_COLUMN_DEFS, T2_COLUMN_LABEL_2019, T2_LAYOUT, T2_ROWS,
                        T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_FALLBACK, T4_HEADER_END, T4_ROWS, TABLE_START,
                        TEMPLATE_MARKERS, UNIT_FACTORS, t3_rows)
from .labels import LabelMatch, LabelMatcher, bare
from .recover import Candidate, candidates, solve
from .tokens import Token

T3_MATCHER = LabelMatcher(T3_ROWS)
T2_MATCHER = LabelMatcher(T2_ROWS)
_T4_HEADER_END = re.compile(T4_HEADER_END)
_SECTION_AFTER_T4, _AFTER_T4_HINTS = re.compile(AFTER_T4[0]), AFTER_T4[1]
_SECTION_T3, _BEFORE_T3_HINTS = re.compile(BEFORE_T3[0]), BEFORE_T3[1]
_T4_FALLBACK, _T4_FALLBACK_HINTS = re.compile(T4_FALLBACK[0]), T4_FALLBACK[1]
_THOUSANDS = re.compile(r"^[+\-]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?\D*$")
_NUMBER = re.compile(r"^([+\-−]?)(\d+(?:[.．]\d+)?)\s*(万元|亿元|元|%|件|项|个|条)?$")


# --------------------------------------------------------------------------- regions

def find_regions(tokens: Sequence[Token]) -> dict[str, tuple[int, int]]:
    """Token ranges of t2, t3 and t4 (only the tables found)."""

    def first(anchors: Sequence[str], start: int, stop: int | None = None,
              pattern: re.Pattern | None = None, hints: str = "") -> int | None:
        """The first label token from ``start`` holding an anchor or matching ``pattern``.

        ``hints`` (or the anchors' first characters) must appear in a token's raw text before
        it is normalised: most tokens are passed over without that work.
        """
        stop = len(tokens) if stop is None else stop
        needed = hints or "".join({a[0] for a in anchors})
        for i in range(start, stop):
            t = tokens[i]
            if t.kind != "L" or (needed and not any(ch in t.text for ch in needed)):
                continue
            if pattern is not None and pattern.search(t.norm):
                return i
            if any(a in t.norm for a in anchors):
                return i
        return None

    t2 = first(TABLE_START["t2"], 0)
    t3 = first(TABLE_START["t3"], t2 or 0)
    if t3 is None and t2 is not None:
        t3 = first(TABLE_START["t3"], 0)
    t4 = first(TABLE_START["t4"], t3) if t3 is not None else None
    if t4 is None:
        after = t3 if t3 is not None else (t2 or 0)
        t4 = first((), after, pattern=_T4_FALLBACK, hints=_T4_FALLBACK_HINTS)
    end = len(tokens)
    if t4 is not None:
        stop = first((), t4 + 1, pattern=_SECTION_AFTER_T4, hints=_AFTER_T4_HINTS)
        end = stop if stop is not None else len(tokens)
    regions: dict[str, tuple[int, int]] = {}
    if t2 is not None:
        stop2 = next(x for x in (t3, t4, end) if x is not None)
        heading3 = first((), t2 + 1, stop2, pattern=_SECTION_T3, hints=_BEFORE_T3_HINTS)
        regions["t2"] = (t2, heading3 if heading3 is not None and heading3 > t2 else stop2)
    if t3 is not None:
        regions["t3"] = (t3, t4 if t4 is not None else end)
    if t4 is not None:
        regions["t4"] = (t4, end)
    return regions


# --------------------------------------------------------------------------- records

@dataclass
class Record:
    label: str
    norm: str
    values: list[Token]
    loc: str
    grid: bool
    match: LabelMatch | None = None
    key: str | None = None
    how: str = ""
    options: list[Candidate] = field(default_factory=list)


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
                                  labels[0].loc if labels else group[0].loc, True))
            continue
        for t in group:
            if t.kind == "L":
                if stream is None or stream.values:
                    stream = Record(t.text, t.norm, [], t.loc, False)
                    records.append(stream)
                else:
                    stream.label += " " + t.text
                    stream.norm += t.norm
            elif t.kind == "V":
                if stream is None:
                    stream = Record("", "", [], t.loc, False)
                    records.append(stream)
                stream.values.append(t)
    return records


def _subtotal_key(norm: str) -> str | None:
    if not any(m in norm for m in SUBTOTAL_MARKERS):
        return None
    found = None
    for group, cores in SUBTOTAL_GROUP_CORES.items():
        for core in cores:
            position = norm.rfind(core)
            if position >= 0 and (found is None or position > found[0]):
                found = (position, group)
    return f"{found[1]}_subtotal" if found else "subtotal"


def _grid_values(values: list[Token], n: int) -> list[Token]:
    """Drop the empty cells a row has beyond ``n`` (label colspans, trailing empties)."""
    values = list(values)
    while len(values) > n and not values[-1].text:
        values.pop()
    while len(values) > n and not values[0].text:
        values.pop(0)
    return values


def record_options(record: Record, kinds: Sequence[str], doc: Document) -> list[Candidate]:
    values = _grid_values(record.values, len(kinds)) if record.grid else record.values
    record.values = values
    if record.grid and len(values) == len(kinds):
        return [Candidate(tuple(v.text for v in values), tuple((i,) for i in range(len(values))), "")]
    usable = [v for v in values if v.text]
    if record.grid and len(usable) != len(values):
        return []  # blanks mixed into a short row: positions are lost
    return candidates(usable, kinds, dropped_repeats=doc.dropped_repeats and not record.grid,
                      one_per_line=not record.grid)


# --------------------------------------------------------------------------- cells

@functools.lru_cache(maxsize=16384)
def parse_cell(raw: str, kind: str) -> tuple[float | None, str]:
    """(value, state) of a cell's text."""
    text = raw.strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "").replace("，", "")
    if not text:
        return None, "blank"
    if text in DASH_MARKERS or text in NONE_MARKERS:
        return None, "dash"
    match = _NUMBER.match(text)
    if not match:
        return None, "text"
    sign, digits, unit = match.groups()
    value = float(digits.replace("．", "."))
    if sign in ("-", "−"):
        value = -value
    if kind == "amount" and unit in UNIT_FACTORS and unit != "元":
        value *= UNIT_FACTORS[unit]
    return value, "number"


@dataclass
class TableResult:
    cells: list[Cell]
    labels: list[LabelNote]
    notes: list[str]
    found: bool
    shape: dict[str, str] = field(default_factory=dict)


def _emit(table: str, key: str, columns: Sequence[str], kinds: Sequence[str], record: Record,
          chosen: Candidate | None, values: tuple, method: str, out: list[Cell]) -> None:
    tokens = record.values
    if chosen is not None:
        for j, column in enumerate(columns):
            sources = [tokens[i] for i in chosen.sources[j] if i < len(tokens)]
            printed = " / ".join(t.text for t in sources) or chosen.pieces[j]
            value, state = parse_cell(chosen.pieces[j], kinds[j])
            how = chosen.method
            if how:
                how = f"{how} ({method or 'the only reading'}) from '{printed}'"
            out.append(Cell(table, key, column, value, state, printed,
                            sources[0].loc if sources else record.loc, record.label, how))
        return
    raw_all = " ".join(t.text for t in tokens)
    loc = tokens[0].loc if tokens else record.loc
    for j, column in enumerate(columns):
        value = values[j] if j < len(values) else None
        if value is None:
            out.append(Cell(table, key, column, None, "ambiguous", raw_all, loc, record.label,
                            "several readings fit the damaged row; no value guessed"))
        else:
            out.append(Cell(table, key, column, value, "number", raw_all, loc, record.label,
                            f"recovered ({method or 'every reading agrees'}) from '{raw_all}'"))


_T2_ROW_DEFS = {r.key: r for r in T2_ROWS}
_T3_ROW_DEFS = {r.key: r for r in T3_ROWS}


def _label_note(table: str, record: Record, rows: dict[str, RowDef]) -> LabelNote | None:
    how = record.how or (record.match.how if record.match else "")
    if how == "exact" or record.key not in rows:
        return None
    return LabelNote(table, record.key, record.label, rows[record.key].label, how, record.loc)


def read_t3(tokens: Sequence[Token], doc: Document, template: str) -> TableResult:
    notes: list[str] = []
    records = build_records(tokens, doc)
    kinds = ["count"] * len(T3_COLUMNS)
    grid_rows = sum(1 for r in records if r.grid and r.values)
    keyed: dict[str, Record] = {}
    unlabeled: list[tuple[int, Record]] = []
    order: list[tuple[int, str]] = []  # (record index, key) of labelled records
    for index, record in enumerate(records):
        if not record.values:
            continue
        record.options = record_options(record, kinds, doc)
        match = T3_MATCHER.match(record.norm) if record.norm else None
        subtotal = _subtotal_key(record.norm) if record.norm else None
        if subtotal:
            record.key, record.how = subtotal, "subtotal"
        elif match:
            record.key, record.match = match.key, match
        elif record.norm:
            similar = T3_MATCHER.similar(record.norm)
            if similar:
                record.key, record.match = similar.key, similar
        if not record.options and not record.grid and grid_rows >= 3:
            notes.append(f"表三: stray numbers '{' '.join(v.text for v in record.values)}' at {record.loc} ignored")
            continue
        if record.key is None:
            if record.grid and record.options:
                unlabeled.append((index, record))
            elif record.norm and any(v.text for v in record.values):
                    notes.append(f"表三: values after unknown label '{record.label[:30]}' at {record.loc} ignored")
            continue
        if record.key in keyed:
            notes.append(f"表三: row {record.key} printed twice; the first ({keyed[record.key].loc}) is used")
            continue
        keyed[record.key] = record
        order.append((index, record.key))

    single = ("other_processing" in keyed
              and not any(k in keyed for k in ("other_no_correction", "other_unpaid_fee", "other_reasons")))
    if not single and not any(k in keyed for k in ("other_no_correction", "other_unpaid_fee", "other_reasons",
                                                   "other_processing")):
        single = template == "2019"
    row_defs = t3_rows(template, single_other=single)
    template_keys = [r.key for r in row_defs]
    _place_unlabeled(unlabeled, order, keyed, template_keys, notes)

    present = [k for k in template_keys if k in keyed] + [k for k in keyed if k not in template_keys]
    totals = len(kinds) - 1

    def rowsum(key):
        def check(a):
            v = a.get(key)
            if not v or any(x is None for x in v):
                return None
            return abs(sum(v[:totals]) - v[totals]) < 1e-9
        return check

    outcome_keys = [r.key for r in row_defs if r.group]

    def column_rule(plus: list[str], minus: list[str]):
        def check(a):
            if not all(k in a for k in plus + minus):
                return None
            for j in range(len(kinds)):
                left = [a[k][j] for k in plus]
                right = [a[k][j] for k in minus]
                if any(x is None for x in left + right):
                    continue
                if abs(sum(left) - sum(right)) > 1e-9:
                    return False
            return True
        return check

    constraints = [column_rule(outcome_keys, ["total_processed"]),
                   column_rule(["new_received", "carried_over"], ["total_processed", "carried_forward"])]
    solution = solve({k: keyed[k].options for k in present},
                     lambda c: tuple(parse_cell(p, "count")[0] for p in c.pieces),
                     constraints, {k: rowsum(k) for k in present})
    cells: list[Cell] = []
    labels: list[LabelNote] = []
    columns = [c.key for c in T3_COLUMNS]
    for key in present:
        record = keyed[key]
        if not record.options:
            _emit("t3", key, columns, kinds, record, None, (), "", cells)
            notes.append(f"表三: row {key} at {record.loc} has {len(record.values)} numbers for "
                         f"{len(kinds)} cells and no reading fits; its cells are ambiguous")
        else:
            _emit("t3", key, columns, kinds, record, solution.chosen[key], solution.values[key],
                  solution.method.get(key, ""), cells)
        note = _label_note("t3", record, _T3_ROW_DEFS)
        if note:
            labels.append(note)
    missing = [k for k in template_keys if k not in keyed]
    if missing:
        notes.append("表三: rows not found: " + ", ".join(missing))
    return TableResult(cells, labels, notes, bool(keyed), {"t3_other": "single" if single else "split"})


def _place_unlabeled(unlabeled, order, keyed, template_keys, notes) -> None:
    """Give unlabelled rows the missing keys of the gap they sit in, when counts agree."""
    if not unlabeled:
        return
    position = {k: i for i, k in enumerate(template_keys)}
    anchors = [(idx, position[k]) for idx, k in order if k in position]
    gaps: dict[tuple[int, int], list] = {}
    for idx, record in unlabeled:
        before = max((p for i, p in anchors if i < idx), default=-1)
        after = min((p for i, p in anchors if i > idx), default=len(template_keys))
        gaps.setdefault((before, after), []).append(record)
    for (before, after), records in gaps.items():
        missing = [k for k in template_keys[before + 1:after] if k not in keyed]
        if len(missing) == len(records):
            for key, record in zip(missing, records):
                record.key, record.how = key, "position"
                keyed[key] = record
            notes.append(f"表三: {len(records)} row(s) printed without labels placed by position as "
                         + ", ".join(missing))
        else:
            notes.append(f"表三: {len(records)} row(s) without labels between template rows "
                         f"{template_keys[before] if before >= 0 else 'start'} and "
                         f"{template_keys[after] if after < len(template_keys) else 'end'}, "
                         f"where {len(missing)} are missing: not placed")


def read_t4(tokens: Sequence[Token], doc: Document) -> TableResult:
    notes: list[str] = []
    header_end = None
    for i, t in enumerate(tokens):
        if t.kind == "L" and _T4_HEADER_END.search(t.norm):
            header_end = i
        elif t.kind == "V" and t.text and header_end is not None:
            break
    start = header_end + 1 if header_end is not None else 0
    values: list[Token] = []
    grid = False
    header_line = tokens[header_end].line if header_end is not None else -1
    for t in tokens[start:]:
        if doc.lines[t.line].is_row:
            if t.line == header_line and header_end is not None and header_line >= 0 \
                    and doc.lines[t.line].is_row and t.kind == "V" and not t.text:
                continue  # empty cells left in the header row
            grid = True
            if t.kind == "V":
                values.append(t)
        elif t.kind == "V":
            values.append(t)
        elif t.kind == "L" and values and len(t.norm) > 12:
            break  # prose after the table
    n = len(T4_ROWS) * len(T4_COLUMNS)
    kinds = ["count"] * n
    if not values:
        return TableResult([], [], ["表四: no numbers found after its header"], False)
    record = Record("表四", "", values, values[0].loc, grid)
    record.options = record_options(record, kinds, doc)
    width = len(T4_COLUMNS)

    def groups(a):
        v = a.get("t4")
        if not v:
            return None
        for g in range(len(T4_ROWS)):
            part = v[g * width:(g + 1) * width]
            if any(x is None for x in part):
                continue
            if abs(sum(part[:-1]) - part[-1]) > 1e-9:
                return False
        return True

    cells: list[Cell] = []
    if not record.options:
        notes.append(f"表四: {len(record.values)} numbers for {n} cells and no reading fits; cells ambiguous")
        flat: list[Cell] = []
        _emit("t4", "t4", [str(j) for j in range(n)], kinds, record, None, (), "", flat)
    else:
        solution = solve({"t4": record.options}, lambda c: tuple(parse_cell(p, "count")[0] for p in c.pieces),
                         [], {"t4": groups})
        flat = []
        _emit("t4", "t4", [str(j) for j in range(n)], kinds, record, solution.chosen["t4"],
              solution.values["t4"], solution.method.get("t4", ""), flat)
    for j, cell in enumerate(flat):
        cell.row = T4_ROWS[j // width].key
        cell.column = T4_COLUMNS[j % width].key
        cell.label = T4_ROWS[j // width].label
        cells.append(cell)
    return TableResult(cells, [], notes, True)


def read_t2(tokens: Sequence[Token], doc: Document, template: str) -> TableResult:
    notes: list[str] = []
    layout = T2_LAYOUT[template]
    records = build_records(tokens, doc)
    cells: list[Cell] = []
    labels: list[LabelNote] = []
    seen: set[str] = set()
    for record in records:
        if not record.values or not record.norm:
            continue
        match = T2_MATCHER.match(record.norm)
        if match is None:
            continue
        key = match.key
        record.key, record.match = key, match
        if key not in layout:
            notes.append(f"表二: row {key} ({record.label[-20:]}) at {record.loc} is not in the {template} template")
            continue
        if key in seen:
            notes.append(f"表二: row {key} printed twice; the first is used")
            continue
        seen.add(key)
        columns = layout[key]
        kinds = [T2_COLUMN_DEFS[c].kind for c in columns]
        record.options = record_options(record, kinds, doc)
        if not record.options:
            notes.append(f"表二: row {key} at {record.loc}: {len(record.values)} numbers for "
                         f"{len(columns)} cells; no reading fits")
            _emit("t2", key, columns, kinds, record, None, (), "", cells)
        else:
            solution = solve({key: record.options},
                             lambda c, kinds=kinds: tuple(parse_cell(p, k)[0] for p, k in zip(c.pieces, kinds)), [])
            _emit("t2", key, columns, kinds, record, solution.chosen[key], solution.values[key], "", cells)
        note = _label_note("t2", record, _T2_ROW_DEFS)
        if note and not (template == "2019" and bare(record.label).endswith("规范性文件")):
            labels.append(note)
    labels += _t2_column_labels(tokens, doc, template)
    missing = [k for k in layout if k not in seen]
    if missing and seen:
        notes.append("表二: rows not found: " + ", ".join(missing))
    for c in cells:
        if c.column == "amount" and c.state == "number" and c.raw and not c.raw.rstrip().endswith("元"):
            c.how = (c.how + "; " if c.how else "") + "no unit printed: taken as 元"
        elif c.column == "amount" and c.raw.endswith(("万元", "亿元")):
            c.how = (c.how + "; " if c.how else "") + "converted to 元"
    return TableResult(cells, labels, notes, bool(seen))


def _t2_column_labels(tokens: Sequence[Token], doc: Document, template: str) -> list[LabelNote]:
    """Column headers of table 二 printed other than the template prints them ("本年度止件数")."""
    columns = dict.fromkeys(c for cs in T2_LAYOUT[template].values() for c in cs)
    headers = [r for r in build_records(tokens, doc) if r.norm]  # a label broken over lines is joined
    notes = []
    for key in columns:
        column = T2_COLUMN_DEFS[key]
        printed = T2_COLUMN_LABEL_2019.get(key, column.label) if template == "2019" else column.label
        if any(bare(printed) in r.norm for r in headers):
            continue
        for record in headers:
            if any(c in record.norm for c in column.cores):
                notes.append(LabelNote("t2", key, record.label, printed, "loose", record.loc))
                break
    return notes


def detect_template(tokens: Sequence[Token]) -> tuple[str | None, dict[str, int]]:
    """The template version whose labels the tables use, with the marker counts."""
    counts = {t: 0 for t in TEMPLATE_MARKERS}
    for token in tokens:
        if token.kind != "L":
            continue
        for template, markers in TEMPLATE_MARKERS.items():
            counts[template] += sum(1 for m in markers if m in token.norm)
    if counts["2021"] == counts["2019"]:
        return None, counts
    return max(counts, key=counts.get), counts
