"""Arithmetic verification of the cells OCR read (tables 三 and 四).

An OCR reading is a claim, not a fact: a 3 printed faintly reads as 8, a 1 as 7, a speck
turns 0 into 6.  The template's identities check every cell of tables 三 and 四 that OCR
read (domain.md, the rule catalogue; the same identities as T3-ROWSUM, T3-OUTCOMES,
T3-BALANCE and T4-SUM):

* six applicant columns = 总计, every row of table 三;
* （一）+（二）+ Σ（三）+ Σ（四）+ Σ（五）+ Σ（六）= （七）总计, every column;
* 一 + 二 = （七）总计 + 四, every column;
* 维持 + 纠正 + 其他 + 尚未审结 = 总计, every row of table 四.

Where an identity does not hold, each cell of it that OCR read is given its alternative
readings: the recogniser's second candidate for one of its characters
(:attr:`~govdisclosure.readers.ocr.Recognition.alternatives`), the digits of a cell read
as letters ("1O"), and the known confusions of printed digits (8/3/6, 1/7, 0/6 — a
:data:`CONFUSIONS` table).  When exactly one cell has exactly one alternative under which
every identity it takes part in holds, and every broken identity is then mended, that
reading is taken and the cell's ``how`` says so, starting with :data:`CORRECTED` ("OCR
corrected: …").  Repeated while a single correction fits.  Otherwise no value is invented:

* when several cells each have a reading that would mend a broken identity, any of them may
  be the misread one: they become ``ambiguous``;
* an identity still broken that no single reading mends, whose cells were all read clearly
  (confidence ≥ :data:`CLEAR`), is the report's own mismatch, left as printed for the checks
  to report, as for any other format;
* the doubtful cells of a broken identity become ``ambiguous``;
* a doubtful cell in no identity that can be assessed (table 二 has none) is ``ambiguous``
  too — only the arithmetic could have confirmed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..model import Cell, Report
from ..template import T3_COLUMNS, T4_COLUMNS, T4_ROWS, t3_rows

CORRECTED = "OCR corrected:"
UNCONFIRMED = "OCR unconfirmed:"
# Below this recognition confidence a reading needs the arithmetic to confirm it.
CLEAR = 0.90
# Digits printed or scanned so that a recogniser takes one for another.
CONFUSIONS: Mapping[str, str] = {"0": "6", "1": "7", "3": "86", "6": "038", "7": "1", "8": "36"}
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Identity:
    """One identity of the template: Σ plus = Σ minus, over cell keys (table, row, column)."""

    name: str
    plus: tuple[tuple[str, str, str], ...]
    minus: tuple[tuple[str, str, str], ...]

    @property
    def keys(self) -> tuple[tuple[str, str, str], ...]:
        return self.plus + self.minus


def identities(report: Report) -> list[Identity]:
    """The identities of tables 三 and 四 for this report's template and shape."""
    out: list[Identity] = []
    columns3 = [c.key for c in T3_COLUMNS]
    single = report.shape.get("t3_other") == "single"
    rows3 = t3_rows(report.template or "2021", single_other=single)
    for row in rows3:
        out.append(Identity(f"表三 {row.label[:16]}: 六类申请人之和 = 总计",
                            tuple(("t3", row.key, c) for c in columns3[:-1]), (("t3", row.key, "total"),)))
    outcome_rows = [r.key for r in rows3 if r.group]
    for column in T3_COLUMNS:
        out.append(Identity(f"表三 {column.label}: 办理结果之和 = （七）总计",
                            tuple(("t3", r, column.key) for r in outcome_rows),
                            (("t3", "total_processed", column.key),)))
        out.append(Identity(f"表三 {column.label}: 一 + 二 = （七）总计 + 四",
                            (("t3", "new_received", column.key), ("t3", "carried_over", column.key)),
                            (("t3", "total_processed", column.key), ("t3", "carried_forward", column.key))))
    columns4 = [c.key for c in T4_COLUMNS]
    for row in T4_ROWS:
        out.append(Identity(f"表四 {row.label}: 维持 + 纠正 + 其他 + 尚未审结 = 总计",
                            tuple(("t4", row.key, c) for c in columns4[:-1]), (("t4", row.key, "total"),)))
    return out


def _holds(identity: Identity, values: Mapping[tuple, float | None]) -> bool | None:
    """True or False, or None when an operand is missing (blank, text, not found)."""
    plus = [values.get(k) for k in identity.plus]
    minus = [values.get(k) for k in identity.minus]
    if any(v is None for v in plus + minus):
        return None
    return abs(sum(plus) - sum(minus)) < 1e-9


def _as_count(text: str) -> float | None:
    text = text.strip()
    if text.isdigit() and text.isascii() and (text == "0" or not text.startswith("0")):
        return float(int(text))
    return None


def alternatives(cell: Cell, recognition) -> dict[float, str]:
    """Other values the printed cell may hold: value → how that reading arises."""
    read = recognition.text.strip()
    found: dict[float, str] = {}
    for text, probability in recognition.alternatives:
        value = _as_count(text)
        if value is not None:
            found.setdefault(value, f"the recogniser's second reading '{text}' (p = {probability:.2f})")
    if recognition.free_text and recognition.free_text != read:
        value = _as_count(read)
        if value is not None and cell.state != "number":
            found.setdefault(value, f"'{recognition.free_text}' read as digits")
    for i, char in enumerate(read):
        for other in CONFUSIONS.get(char, ""):
            value = _as_count(read[:i] + other + read[i + 1:])
            if value is not None:
                found.setdefault(value, f"'{char}' and '{other}' are confused in scans")
    found.pop(cell.value, None)
    return found


def is_doubtful(cell: Cell, recognition) -> bool:
    """A reading the arithmetic must confirm: not a number, or read with a confidence below
    :data:`CLEAR` (for a number, how sure the recogniser is which digits they are)."""
    return cell.state not in ("number", "blank", "dash") or recognition.confidence < CLEAR


def verify(report: Report, recognitions: Mapping[str, object]) -> dict[str, int]:
    """Check and correct the OCR-read cells of ``report`` in place (see the module's text).

    ``recognitions``: location → :class:`~govdisclosure.readers.ocr.Recognition`.  Sets
    each OCR cell's ``confidence``.  Returns the counts ``{"corrected": n, "ambiguous": m,
    "checked": k}`` and adds a note to the report.
    """
    read: dict[tuple, tuple[Cell, object]] = {}
    for cell in report.cell_list:
        recognition = recognitions.get(cell.location)
        if recognition is None:
            continue
        cell.confidence = round(float(recognition.confidence), 4)
        read[(cell.table, cell.row, cell.column)] = (cell, recognition)
    if not read:
        return {"corrected": 0, "ambiguous": 0, "checked": 0}
    index = {(c.table, c.row, c.column): c for c in report.cell_list}
    values = {k: (c.value if c.state == "number" else None) for k, c in index.items()}
    # a doubtful text reading ("1O") takes part with its digits until the arithmetic decides
    for key, (cell, recognition) in read.items():
        if cell.state == "text":
            values[key] = _as_count(recognition.text)
    rules = [i for i in identities(report) if all(k in index for k in i.keys)]
    by_key: dict[tuple, list[Identity]] = {}
    for rule in rules:
        for key in rule.keys:
            by_key.setdefault(key, []).append(rule)
    def mending(broken: list[Identity]) -> list[tuple[tuple, float, str]]:
        """(cell, value, why) of each single other reading that mends every broken identity
        without breaking another."""
        fixes = []
        for key in sorted({k for r in broken for k in r.keys if k in read}):
            cell, recognition = read[key]
            for value, why in alternatives(cell, recognition).items():
                trial = dict(values)
                trial[key] = value
                if all(_holds(r, trial) is not False for r in by_key[key]) and \
                        all(_holds(r, trial) is not False for r in broken):
                    fixes.append((key, value, why))
        return fixes

    corrected = 0
    for _ in range(MAX_ROUNDS):
        broken = [r for r in rules if _holds(r, values) is False]
        if not broken:
            break
        fixes = mending(broken)
        if len(fixes) != 1:
            break
        key, value, why = fixes[0]
        cell, recognition = read[key]
        mended = [r.name for r in broken if key in r.keys]
        cell.how = (f"{CORRECTED} read '{recognition.free_text or recognition.text}' "
                    f"(confidence {recognition.confidence:.2f}); only {value:g} makes {'; '.join(mended)} hold "
                    f"— {why}")
        cell.value, cell.state = value, "number"
        values[key] = value
        corrected += 1
    # a number cell read as letters ("B"), whose digits the identities confirm
    for key, (cell, recognition) in read.items():
        rules_of = by_key.get(key, [])
        if cell.state == "text" and values.get(key) is not None and rules_of \
                and any(_holds(r, values) is True for r in rules_of) \
                and not any(_holds(r, values) is False for r in rules_of):
            confirmed = [r.name for r in rules_of if _holds(r, values) is True]
            cell.how = (f"{CORRECTED} read '{recognition.free_text or cell.raw}' (confidence "
                        f"{recognition.confidence:.2f}); as digits, {values[key]:g}, it makes "
                        f"{'; '.join(confirmed)} hold")
            cell.value, cell.state = values[key], "number"
            corrected += 1
    ambiguous = 0
    broken = [r for r in rules if _holds(r, values) is False]
    # several single readings mend it: any of those cells may be the misread one
    flagged: set[tuple] = {key for key, _, _ in mending(broken)} if broken else set()
    for rule in broken:
        for key in rule.keys:
            if key in read and is_doubtful(*read[key]) and CORRECTED not in read[key][0].how:
                flagged.add(key)
    # doubtful cells no assessable identity confirmed
    for key, (cell, recognition) in read.items():
        if CORRECTED in cell.how or not is_doubtful(cell, recognition):
            continue
        confirmed = any(_holds(r, values) is True for r in by_key.get(key, []))
        if not confirmed:
            flagged.add(key)
    for key in flagged:
        cell, recognition = read[key]
        rule_names = [r.name for r in by_key.get(key, []) if _holds(r, values) is False]
        reason = ("does not add up: " + "; ".join(rule_names)) if rule_names else "no identity can confirm it"
        cell.how = (f"{UNCONFIRMED} read '{recognition.free_text or recognition.text}' with confidence "
                    f"{recognition.confidence:.2f}; {reason}; no single reading of one cell is the only "
                    f"one that fits — no value guessed")
        cell.value, cell.state = None, "ambiguous"
        ambiguous += 1
    clear_mismatch = [r.name for r in broken if not any(k in flagged for k in r.keys)]
    checked = sum(1 for key in read if key[0] in ("t3", "t4"))
    report.notes.append(f"OCR: {checked} cells of tables 三 and 四 checked by the template's arithmetic; "
                        f"{corrected} corrected by it, {ambiguous} cells ambiguous")
    if clear_mismatch:
        report.notes.append("OCR: read clearly but not adding up, as printed: " + "; ".join(clear_mismatch))
    report.__dict__.pop("cells", None)
    report.__dict__.pop("_index", None)
    return {"corrected": corrected, "ambiguous": ambiguous, "checked": checked}
