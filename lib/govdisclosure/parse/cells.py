"""From a row's chosen reading to cells: the value and state of each printed piece.

A cell's state is ``number``, ``blank``, ``dash`` (an explicit nil: "/", "—", "无"), ``text``
(something that is not a number of the template: "12a", "1O", "1e308", a count of more than
twelve digits) or ``ambiguous`` (no single reading fits; no value is guessed).
"""

from __future__ import annotations

import functools
import re
from typing import Sequence

from ..model import Cell
from ..template import DASH_MARKERS, NONE_MARKERS, UNIT_FACTORS
from .records import Record
from .recover import Candidate

_THOUSANDS = re.compile(r"^[+\-−－﹣＋﹢]?\d{1,3}(?:[,，]\d{3})+(?:[.．]\d+)?\D*$")
_NUMBER = re.compile(r"^([+\-−－﹣＋﹢]?)(\d+(?:[.．]\d+)?)\s*(万元|亿元|元|%|件|项|个|条)?$")
# No count of the template has more digits than this (a country's applications in a year have
# seven); a longer run of digits is not a number of the template, whatever it prints.
MAX_COUNT_DIGITS = 12
MAX_AMOUNT_DIGITS = 18


@functools.lru_cache(maxsize=16384)
def parse_cell(raw: str, kind: str) -> tuple[float | None, str]:
    """(value, state) of a cell's text; ``kind`` is count, signed or amount (table 二's money)."""
    text = raw.strip()
    if len(text) > 64:
        return None, "text"
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
    whole = digits.replace("．", ".").split(".")[0]
    if len(whole) > (MAX_AMOUNT_DIGITS if kind == "amount" else MAX_COUNT_DIGITS):
        return None, "text"
    value = float(digits.replace("．", "."))
    if sign and sign not in "+＋﹢":
        value = -value
    if kind == "amount" and unit in UNIT_FACTORS and unit != "元":
        value *= UNIT_FACTORS[unit]
    return value, "number"


def emit(table: str, key: str, columns: Sequence[str], kinds: Sequence[str], record: Record,
         chosen: Candidate | None, values: tuple, method: str, out: list[Cell], *, why: str = "") -> None:
    """Append the cells of one row: from its single reading (``chosen``), else from what every
    reading agrees on (``values``: None where they differ, so the cell is ambiguous).

    ``why`` says why a row with no reading at all is ambiguous.
    """
    tokens = record.values
    if chosen is not None:
        for j, column in enumerate(columns):
            sources = [tokens[i] for i in chosen.sources[j] if i < len(tokens)]
            printed = " / ".join(t.text for t in sources) or chosen.pieces[j]
            value, state = parse_cell(chosen.pieces[j], kinds[j])
            # every cell of a recovered row says so: its place in the row came from the reading
            how = ""
            if chosen.method:
                how = f"{chosen.method} ({method or 'the only reading'}) from '{printed}'"
                if len(sources) == 1 and sources[0].text == chosen.pieces[j]:
                    # printed whole; only its column came from the row's reading
                    how = (f"as printed, from '{printed}'; its column from the row's reading "
                           f"({chosen.method}, {method or 'the only reading'})")
                if not sources:
                    how = f"{chosen.method} ({method or 'the only reading'}): not printed, confirmed by the row's sum"
            out.append(Cell(table, key, column, value, state, printed,
                            sources[0].loc if sources else record.loc, record.label, how))
        return
    raw_all = " ".join(t.text for t in tokens)
    loc = tokens[0].loc if tokens else record.loc
    for j, column in enumerate(columns):
        value = values[j] if j < len(values) else None
        if value is None:
            out.append(Cell(table, key, column, None, "ambiguous", raw_all, loc, record.label,
                            why or "several readings fit the damaged row; no value guessed"))
        else:
            out.append(Cell(table, key, column, value, "number", raw_all, loc, record.label,
                            f"recovered ({method or 'every reading agrees'}) from '{raw_all}'"))


def emit_all_dash(table: str, key: str, columns: Sequence[str], record: Record, out: list[Cell]) -> None:
    """A row printed as one merged nil cell (「无」 across the data row): every cell a dash."""
    token = next(t for t in record.values if t.text)
    for column in columns:
        out.append(Cell(table, key, column, None, "dash", token.text, token.loc, record.label,
                        f"one merged cell '{token.text}' for the whole row"))
