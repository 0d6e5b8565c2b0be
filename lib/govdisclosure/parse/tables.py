"""Read the three template tables from their regions of a document.

The steps, for each table (each its own module):

1. **region** (:mod:`.regions`): the tokens between the table's anchor and the next table;
2. **records** (:mod:`.records`): label runs and the values that follow them, with the layout
   rules that act before any value is read (wrapped labels, a column split in two);
3. **keys** (:mod:`.labels`): each record's label is mapped to a template row; rows whose labels
   a converter detached are placed by position when the gap they sit in has exactly as many
   missing rows as unlabelled rows;
4. **readings** (:mod:`.recover`): the values of a damaged row are read every way the damage
   allows, kept by the row's own sums, then by the table's identities across rows;
5. **cells** (:mod:`.cells`): each row's cells from its single reading, or from what every
   reading agrees on; the rest are ambiguous.

Numbers printed in a table that no cell takes are recorded (``TableResult.lost``), so a user
sees them as a finding, not only in a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from ..model import Cell, LabelNote
from ..readers.document import Document
from ..template import (GENERIC_LABELS, RowDef, T2_COLUMN_DEFS, T2_COLUMN_LABEL_2019, T2_LAYOUT, T2_ROWS, T3_COLUMNS, T3_ROWS,
                        T4_COLUMNS, T4_LITIGATION, T4_ROWS, TEMPLATE_MARKERS, t3_rows)
from .cells import emit, emit_all_dash, parse_cell
from .labels import LabelMatcher, bare
from .records import (PROSE_MARKS, Record, build_records, drop_split_columns, join_wrapped, merged_nil,
                      record_readings, subtotal_key)
from .recover import Budget, Candidate, Linear, solve
from .tokens import Token

T3_MATCHER = LabelMatcher(T3_ROWS)
T2_MATCHER = LabelMatcher(T2_ROWS)
T4_ROW_MATCHER = LabelMatcher(T4_ROWS)
_T2_ROW_DEFS = {r.key: r for r in T2_ROWS}
_T3_ROW_DEFS = {r.key: r for r in T3_ROWS}
_T4_COLUMN_CORES = [(core, c.key) for c in T4_COLUMNS for core in c.cores]
_T4_CORES = re.compile("|".join(re.escape(core) for core, _ in
                                sorted(_T4_COLUMN_CORES + [(c, r.key) for r in T4_ROWS for c in r.cores]
                                       + [(T4_LITIGATION, "litigation")], key=lambda x: -len(x[0]))))
_T4_KEY_OF = dict(_T4_COLUMN_CORES + [(c, r.key) for r in T4_ROWS for c in r.cores] + [(T4_LITIGATION, "litigation")])
_T4_ROW_KEYS = [r.key for r in T4_ROWS]
_HEADING_END = "情况"
_CJK = re.compile(r"[\u3400-\u9fff]")
_T4_COLUMN_KEYS = [c.key for c in T4_COLUMNS]


@dataclass
class TableResult:
    cells: list[Cell]
    labels: list[LabelNote]
    notes: list[str]
    found: bool
    shape: dict[str, str] = field(default_factory=dict)
    # printed numbers no cell took: (table, what was printed, where, why)
    lost: list[tuple[str, str, str, str]] = field(default_factory=list)


def _t3_key(norm: str) -> str | None:
    match = T3_MATCHER.match(norm)
    return match.key if match else None


def _count(candidate: Candidate) -> tuple:
    return tuple(parse_cell(p, "count")[0] for p in candidate.pieces)


def _label_note(table: str, record: Record, rows: dict[str, RowDef]) -> LabelNote | None:
    how = record.how or (record.match.how if record.match else "")
    if how == "exact" or record.key not in rows:
        return None
    return LabelNote(table, record.key, record.label, rows[record.key].label, how, record.loc)


def _printed(record: Record) -> str:
    return " ".join(v.text for v in record.values if v.text)


def _lose(lost: list, table: str, record: Record, why: str) -> None:
    """Record the numbers of a record no cell took (nil markers and blanks are no loss, nor are
    the numbers of a sentence: prose before or after a table is not the table)."""
    if record.norm and PROSE_MARKS.search(record.norm):
        return
    if any(ch.isdigit() for v in record.values for ch in v.text):
        lost.append((table, _printed(record), record.loc, why))


def _cut_note(record: Record) -> str:
    """Why a row with no reading is ambiguous, for its cells' ``how`` and the notes."""
    if record.cut == "positions":
        return "the row has blank cells and too few cells: the positions of its numbers are lost"
    if record.cut:
        return (f"the search for the readings of the damaged row was cut ({record.cut}) before it "
                "finished; no value guessed")
    return "no reading of the printed numbers fits the row; no value guessed"


# --------------------------------------------------------------------------- table 三

def read_t3(tokens: Sequence[Token], doc: Document, template: str, budget: Budget | None = None) -> TableResult:
    budget = budget or Budget()
    notes: list[str] = []
    lost: list[tuple[str, str, str, str]] = []
    kinds = ["count"] * len(T3_COLUMNS)
    records = join_wrapped(build_records(tokens, doc), _t3_key,
                           lambda norm: {key for _, _, key in T3_MATCHER.all_matches(norm)},
                           lambda norm: bare(norm) in GENERIC_LABELS)
    dropped = drop_split_columns(records, len(kinds))
    if dropped:
        notes.append(f"表三: {dropped} column(s) empty in every row (a header cut in two) dropped")
    grid_rows = sum(1 for r in records if r.grid and r.values)
    keyed: dict[str, Record] = {}
    unlabeled: list[tuple[int, Record]] = []
    order: list[tuple[int, str]] = []  # (record index, key) of labelled records
    for index, record in enumerate(records):
        if not record.values:
            continue
        if merged_nil(record, len(kinds)):
            record.options = []
            record.how = record.how or ""
            record.cut = "nil"
        else:
            found = record_readings(record, kinds, doc, sums=((0, len(kinds)),), parse=_count, budget=budget)
            record.options, record.fits, record.cut = found.options, found.fits, found.cut
        match = T3_MATCHER.match(record.norm) if record.norm else None
        subtotal = subtotal_key(record.norm) if record.norm else None
        if subtotal:
            record.key, record.how = subtotal, "subtotal"
        elif match:
            record.key, record.match = match.key, match
        elif record.norm:
            similar = T3_MATCHER.similar(record.norm)
            if similar:
                record.key, record.match = similar.key, similar
        if not record.options and not record.cut and not record.grid and grid_rows >= 3:
            notes.append(f"表三: stray numbers '{_printed(record)}' at {record.loc} ignored")
            _lose(lost, "t3", record, "表格行以外的数字")
            continue
        if record.key is None:
            if record.grid and (record.options or record.cut == "nil") and not _CJK.search(record.norm):
                unlabeled.append((index, record))  # a row whose label a converter detached
            elif record.has_values:
                notes.append(f"表三: values after unknown label '{record.label[:30]}' at {record.loc} ignored")
                _lose(lost, "t3", record, f"所在行的标签「{record.label[:30]}」不是模板中的行")
            continue
        if record.key in keyed:
            notes.append(f"表三: row {record.key} printed twice; the first ({keyed[record.key].loc}) is used")
            if _printed(record) != _printed(keyed[record.key]):
                _lose(lost, "t3", record, f"与前面一行同为「{_T3_ROW_DEFS[record.key].label if record.key in _T3_ROW_DEFS else record.key}」的第二行")
            continue
        keyed[record.key] = record
        order.append((index, record.key))

    split_keys = ("other_no_correction", "other_unpaid_fee", "other_reasons")
    single = "other_processing" in keyed and not any(k in keyed for k in split_keys)
    if not single and not any(k in keyed for k in split_keys + ("other_processing",)):
        single = template == "2019"
    template_keys = [r.key for r in t3_rows(template, single_other=single)]
    placed = _place_unlabeled(unlabeled, order, keyed, template_keys, notes)
    for record in placed:
        _lose(lost, "t3", record, "没有标签、也无法按位置归入的行")

    present = [k for k in template_keys if k in keyed] + [k for k in keyed if k not in template_keys]
    outcome_keys = tuple(r.key for r in T3_ROWS if r.group and r.key in template_keys)
    constraints = [Linear(outcome_keys, ("total_processed",)),
                   Linear(("new_received", "carried_over"), ("total_processed", "carried_forward"))]
    solution = solve({k: keyed[k].options for k in present if keyed[k].options}, _count, constraints,
                     budget=budget)
    cells: list[Cell] = []
    labels: list[LabelNote] = []
    columns = [c.key for c in T3_COLUMNS]
    for key in present:
        record = keyed[key]
        if record.cut == "nil":
            emit_all_dash("t3", key, columns, record, cells)
        elif not record.options:
            emit("t3", key, columns, kinds, record, None, (), "", cells, why=_cut_note(record))
            notes.append(f"表三: row {key} at {record.loc} has {len(record.values)} numbers for "
                         f"{len(kinds)} cells: {_cut_note(record)}; its cells are ambiguous")
        else:
            _emit_solved("t3", key, columns, kinds, record, solution, cells)
        note = _label_note("t3", record, _T3_ROW_DEFS)
        if note:
            labels.append(note)
    if solution.cut:
        notes.append("表三: the search over the whole table was cut before it finished; rows it could not "
                     "settle are left to what their own readings agree on")
    missing = [k for k in template_keys if k not in keyed]
    if missing:
        notes.append("表三: rows not found: " + ", ".join(missing))
    return TableResult(cells, labels, notes, bool(keyed), {"t3_other": "single" if single else "split"}, lost)


def _emit_solved(table: str, key: str, columns, kinds, record: Record, solution, cells: list[Cell]) -> None:
    method = solution.method.get(key, "")
    if not record.fits and method == "":
        method = "every reading agrees; none fits the row's sum"
    emit(table, key, columns, kinds, record, solution.chosen.get(key), solution.values.get(key, ()), method, cells)


def _place_unlabeled(unlabeled, order, keyed, template_keys, notes) -> list[Record]:
    """Give unlabelled rows the missing keys of the gap they sit in, when counts agree; return
    the rows that could not be placed."""
    if not unlabeled:
        return []
    position = {k: i for i, k in enumerate(template_keys)}
    anchors = [(idx, position[k]) for idx, k in order if k in position]
    gaps: dict[tuple[int, int], list] = {}
    for idx, record in unlabeled:
        before = max((p for i, p in anchors if i < idx), default=-1)
        after = min((p for i, p in anchors if i > idx), default=len(template_keys))
        gaps.setdefault((before, after), []).append(record)
    left: list[Record] = []
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
            left += [r for r in records if r.has_values]
    return left


# --------------------------------------------------------------------------- table 四

def _t4_names(norm: str) -> tuple[list[str], list[str], list[str]]:
    """(rows, columns, columns named after the last row) of table 四 that a label names, in
    printed order.  "行政诉讼" alone (a group header) names both litigation rows; beside
    「未经复议直接起诉」 or 「复议后起诉」 it names only those."""
    rows: list[str] = []
    columns: list[str] = []
    after: list[str] = []
    group_at = None
    for match in _T4_CORES.finditer(norm):
        key = _T4_KEY_OF[match.group()]
        if key == "litigation":
            group_at = len(rows) if group_at is None else group_at
            after = []
        elif key in _T4_ROW_KEYS:
            if key not in rows:
                rows.append(key)
            after = []
        else:
            if key not in columns:
                columns.append(key)
            after.append(key)
    litigation = ["litigation_direct", "litigation_after_review"]
    if group_at is not None and not any(k in rows for k in litigation):
        rows[group_at:group_at] = litigation
    return rows, columns, after


@dataclass
class _Piece:
    record: Record
    rows: list[str]  # table 四 rows the values fill
    columns: list[str]  # in printed order
    vertical: bool  # one record per column (values are rows)


def _t4_pieces(records: list[Record]) -> tuple[list[_Piece], list[Record]]:
    """The records that carry table 四's numbers, each with the rows and columns it fills.

    Table 四 is printed as one row of 15 numbers under a two-level header, as three small
    tables each under its own heading (行政复议 / 行政诉讼（未经复议直接起诉） / 行政诉讼（复议后起诉））,
    or vertically (one row per outcome, a column per kind of case).  A heading or header names
    the rows and columns of the numbers that follow it.  Prose around the table (numbers in
    sentences) is not read.
    """
    pieces: list[_Piece] = []
    skipped: list[Record] = []
    started = False
    context_rows: list[str] = []
    naming: list[str] = []
    columns = list(_T4_COLUMN_KEYS)
    for record in records:
        tail = PROSE_MARKS.split(record.norm)[-1] if record.norm else ""
        prose = tail != record.norm
        # the section's heading (「四、政府信息公开行政复议、行政诉讼情况」) names the rows in another
        # order than the table's header after it
        tail = tail.rsplit(_HEADING_END, 1)[-1]
        rows, named, after_rows = _t4_names(tail)
        if prose and not rows and not named:
            if pieces:
                break  # the prose after the table
            continue
        if len(named) >= 2:
            started = True
            columns = named[:len(_T4_COLUMN_KEYS)] if len(set(named)) == len(_T4_COLUMN_KEYS) else columns
        if not record.has_values:
            # header rows and headings name the rows of the numbers that follow them
            naming += [r for r in rows if r not in naming]
            continue
        if rows and len(after_rows) == 1 and not started:
            # a header naming the kinds of case, then the first outcome of a vertical table, with
            # nothing between them (text that lost the table's rows)
            naming += [r for r in rows if r not in naming]
            rows, named = [], after_rows
        if naming:
            context_rows, naming = naming, []
        vertical = len(named) == 1 and not rows and (len(tail) <= 8 or after_rows == named)
        if vertical:
            pieces.append(_Piece(record, context_rows or list(_T4_ROW_KEYS), named, True))
        elif started:
            pieces.append(_Piece(record, rows or context_rows or list(_T4_ROW_KEYS), columns, False))
        else:
            skipped.append(record)
    return pieces, skipped


def read_t4(tokens: Sequence[Token], doc: Document, budget: Budget | None = None) -> TableResult:
    budget = budget or Budget()
    notes: list[str] = []
    lost: list[tuple[str, str, str, str]] = []
    records = build_records(tokens, doc)
    pieces, _ = _t4_pieces(records)
    if not pieces:
        return TableResult([], [], ["表四: no numbers found after its header"], False)
    width = len(T4_COLUMNS)
    assigned: dict[tuple[str, str], tuple[_Piece, int]] = {}  # (row, column) -> (piece, index in piece)
    options: dict[str, list[Candidate]] = {}
    nil: set[int] = set()
    for p, piece in enumerate(pieces):
        if piece.vertical:
            cells = [(row, piece.columns[0]) for row in piece.rows]
            sums: tuple[tuple[int, int], ...] = ()
        else:
            cells = [(row, column) for row in piece.rows for column in piece.columns]
            total_last = piece.columns[-1] == "total" and len(piece.columns) == width
            sums = tuple((g * width, (g + 1) * width) for g in range(len(piece.rows))) if total_last else ()
        if any(cell in assigned for cell in cells):
            notes.append(f"表四: numbers at {piece.record.loc} repeat cells already read; ignored")
            _lose(lost, "t4", piece.record, "重复印出的表四数字")
            continue
        for i, cell in enumerate(cells):
            assigned[cell] = (piece, i)
        kinds = ["count"] * len(cells)
        if merged_nil(piece.record, len(kinds)):
            nil.add(p)
            continue
        found = record_readings(piece.record, kinds, doc, sums=sums, parse=_count, budget=budget)
        piece.record.options, piece.record.fits, piece.record.cut = found.options, found.fits, found.cut
        options[str(p)] = found.options
    vertical = [str(p) for p, piece in enumerate(pieces) if piece.vertical and str(p) in options]
    constraints = []
    if vertical:
        by_column = {pieces[int(p)].columns[0]: p for p in vertical}
        if "total" in by_column:
            constraints.append(Linear(tuple(by_column[c] for c in by_column if c != "total"), (by_column["total"],)))
    solution = solve({p: o for p, o in options.items() if o}, _count, constraints, budget=budget)
    flat: dict[tuple[str, str], Cell] = {}
    for p, piece in enumerate(pieces):
        cells_of = [cell for cell, (owner, _) in assigned.items() if owner is piece]
        if not cells_of:
            continue
        out: list[Cell] = []
        names = [f"{r}|{c}" for r, c in cells_of]
        kinds = ["count"] * len(names)
        if p in nil:
            emit_all_dash("t4", "t4", names, piece.record, out)
        elif not piece.record.options:
            emit("t4", "t4", names, kinds, piece.record, None, (), "", out, why=_cut_note(piece.record))
            notes.append(f"表四: {len(piece.record.values)} numbers at {piece.record.loc} for {len(names)} cells: "
                         f"{_cut_note(piece.record)}; cells ambiguous")
        else:
            _emit_solved("t4", "t4", names, kinds, piece.record, PieceSolution(solution, str(p)), out)
        for cell in out:
            row, column = cell.column.split("|")
            cell.row, cell.column = row, column
            cell.label = next(r.label for r in T4_ROWS if r.key == row)
            flat[(row, column)] = cell
    cells = [flat[(r, c)] for r in _T4_ROW_KEYS for c in _T4_COLUMN_KEYS if (r, c) in flat]
    missing = [r for r in _T4_ROW_KEYS if not any((r, c) in flat for c in _T4_COLUMN_KEYS)]
    if missing and cells:
        notes.append("表四: rows not found: " + ", ".join(missing))
    return TableResult(cells, [], notes, bool(cells), {}, lost)


@dataclass
class PieceSolution:
    """A :class:`~.recover.Solution` seen under the key ``t4`` for one piece of table 四."""

    solution: object
    key: str

    @property
    def method(self) -> dict:
        return {"t4": self.solution.method.get(self.key, "")}

    @property
    def chosen(self) -> dict:
        return {"t4": self.solution.chosen.get(self.key)}

    @property
    def values(self) -> dict:
        return {"t4": self.solution.values.get(self.key, ())}


# --------------------------------------------------------------------------- table 二

def read_t2(tokens: Sequence[Token], doc: Document, template: str, budget: Budget | None = None) -> TableResult:
    budget = budget or Budget()
    notes: list[str] = []
    lost: list[tuple[str, str, str, str]] = []
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
        parse = lambda c, kinds=kinds: tuple(parse_cell(p, k)[0] for p, k in zip(c.pieces, kinds))  # noqa: E731
        if merged_nil(record, len(kinds)):
            emit_all_dash("t2", key, columns, record, cells)
        else:
            found = record_readings(record, kinds, doc, parse=parse, budget=budget)
            record.options, record.fits, record.cut = found.options, found.fits, found.cut
            if not record.options:
                notes.append(f"表二: row {key} at {record.loc}: {len(record.values)} numbers for "
                             f"{len(columns)} cells; {_cut_note(record)}")
                emit("t2", key, columns, kinds, record, None, (), "", cells, why=_cut_note(record))
            else:
                solution = solve({key: record.options}, parse, budget=budget)
                emit("t2", key, columns, kinds, record, solution.chosen[key], solution.values[key], "", cells)
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
    return TableResult(cells, labels, notes, bool(seen), {}, lost)


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
