"""Cut a document's lines into label and value tokens.

A row of a real table gives one token per cell (blank cells included: their position is
information).  A line of text is cut into runs of label text and numbers; the separator
before each number is kept (``space``, ``line``, or ``none`` when the number was glued to
its neighbour), because the recovery of damaged tables needs to know which boundaries the
source printed and which it lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..readers.document import Line
from ..template import DASH_MARKERS, NONE_MARKERS, normalise

# A number as printed in a cell: optional sign (ASCII, U+2212, full-width U+FF0D, small
# U+FE63), digits with optional thousands separators, optional decimals, optional unit.
SIGNS = "+-−－﹣＋﹢"
NUMBER = re.compile(r"[+\-−－﹣＋﹢]?(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:[.．]\d+)?(?:\s*(?:万元|亿元|元|%))?")
# Letters O, o, l and I among digits ("1O", "l2"): OCR and retyping put them for 0 and 1.  The
# run is one value token, which is never read as a number (its cell is flagged as text).
MIXED = re.compile(r"(?<![A-Za-z])(?:\d+[OolI]+[\dOolI]*|[OolI]+\d[\dOolI]*)(?![A-Za-z])")
LOOKALIKE_LETTERS = frozenset({"O", "o", "l", "I"})
VALUE_CELL = re.compile(r"^[+\-−－﹣＋﹢]?\d[\d,，]*(?:[.．]\d+)?\s*(?:万元|亿元|元|%|件|项|个|条)?$")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff“\"《（(]")
# A number directly followed by one of these is part of the text ("2019年", "第3项").
_TEXT_AFTER = frozenset("年月日号期届次条款项页号楼层")
# Telephone and fax numbers (0591-23165255) and ranges of years (2019-2020): text, not cells.
_CODES = re.compile(r"(?<!\d)(?:0\d{2,3}\s?[-－—]\s?\d{7,8}|(?:19|20)\d{2}\s?[-－—]\s?(?:19|20)?\d{2})(?!\d)")
# A list number printed alone before a label ("1." on its own line or in its own cell).
# A cell of punctuation only (a label's "，" or "）" a converter put in a row of its own).
_PUNCTUATION = re.compile(r"^\s*[，。、；：,.;:（）()“”\"'《》【】]+\s*$")
ITEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}\s*[.．、]|[（(]\s*\d{1,2}\s*[)）])\s*$")


@dataclass(slots=True)
class Token:
    kind: str  # "L" label, "V" value, "R" end of a table row
    text: str
    sep: str  # separator before the token: cell | space | line | none
    loc: str
    line: int  # index of the document line
    _norm: str | None = None

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = normalise(self.text)
        return self._norm


def is_value_cell(text: str) -> bool:
    stripped = text.strip()
    return (not stripped or stripped in DASH_MARKERS or stripped in NONE_MARKERS
            or VALUE_CELL.match(stripped) is not None)


def _marker(part: str) -> bool:
    return part in DASH_MARKERS or part in NONE_MARKERS or part in LOOKALIKE_LETTERS


def _label_or_markers(run: str, sep: str, loc: str, index: int, out: list[Token]) -> str:
    """Emit a run of text: explicit nil markers standing alone become values."""
    stripped = run.strip()
    if not stripped:
        return sep
    parts = stripped.split() if len(stripped) < 24 else ()
    if parts and all(_marker(p) for p in parts):
        for j, p in enumerate(parts):
            out.append(Token("V", p, sep if j == 0 else "space", loc, index))
        return "space"
    out.append(Token("L", stripped, sep, loc, index))
    return "none"


_TOKEN = re.compile("(?P<mixed>" + MIXED.pattern + ")|(?P<number>" + NUMBER.pattern + ")")


def tokenise_text(text: str, loc: str, index: int, sep: str, out: list[Token]) -> None:
    """Cut one line of text into label and value tokens, appended to ``out``.

    Numbers that belong to the text are left in it: years and dates ("2019年"), ordinals
    ("第3项"), numbers after Latin letters or in codes ("ISO9001", "0591-23165255"), list
    numbers that start a label ("2.其他法律…", "(1)", a "1." standing alone).  In a long line
    (a page flattened into one line) each value's location also names the character where it
    starts.
    """
    position = 0
    long_line = len(text) > 160
    if ITEM_NUMBER.match(text):
        out.append(Token("L", text.strip(), sep, loc, index))
        return
    codes = [m.span() for m in _CODES.finditer(text)] if "-" in text or "－" in text or "—" in text else ()
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        after = text[end:end + 4].lstrip()
        before = text[start - 1] if start else ""
        value = match.group()
        if match.lastgroup == "number":
            nxt = after[:1]
            if ((nxt and nxt in _TEXT_AFTER) or before == "第" or (before.isascii() and before.isalpha())
                    or (before and before in "@/_:：.-") or (before and before in "（(" and nxt and nxt in ")）")
                    or (codes and any(a <= start < b for a, b in codes))):
                continue  # part of the text: a year, an ordinal, a code, a telephone number, "(1)"
            if nxt and nxt in ".．、" and value[-1].isdigit() and "." not in value and "．" not in value:
                if len(after) == 1 or after[1:].strip() == "":
                    if len(value.lstrip(SIGNS)) <= 2 and not text[end + 1:].strip():
                        continue  # "…1." ending the line: the number of the label on the next line
                elif _CJK.match(after[1]) or after[1] == " ":
                    # "…00000002.其他法律…": the last digit numbers the next label ("2.")
                    value = value[:-1]
                    end -= 1
                    if not value or value in SIGNS:
                        continue
        gap = text[position:start]
        if gap.strip():
            sep = _label_or_markers(gap, sep, loc, index, out)
        elif gap:
            sep = "space" if sep == "none" else sep
        out.append(Token("V", value.strip(), sep, f"{loc} char {start + 1}" if long_line else loc,
                         index))
        sep = "none"
        position = end
    rest = text[position:]
    if rest.strip():
        _label_or_markers(rest, sep, loc, index, out)


def tokenise(lines: list[Line], start: int = 0, stop: int | None = None) -> list[Token]:
    """Tokens of ``lines[start:stop]``."""
    out: list[Token] = []
    stop = len(lines) if stop is None else stop
    kinds: dict[str, tuple[str, str]] = {}  # a cell's text -> (kind, stripped text): cells repeat ("0")
    for index in range(start, stop):
        line = lines[index]
        if line.is_row:
            locs = line.cell_locs or [line.loc] * len(line.cells)
            for cell, loc in zip(line.cells, locs):
                known = kinds.get(cell)
                if known is None:
                    if ITEM_NUMBER.match(cell) or _PUNCTUATION.match(cell):
                        # "5." in its own cell numbers the label beside it; "，" is a piece of a label
                        known = ("L", cell.strip())
                    elif is_value_cell(cell) or not _HAS_CJK.search(cell):  # "12a" is one (bad) value
                        known = ("V", cell.strip())
                    else:
                        known = ("", "")  # label text, cut into runs of text and numbers
                    kinds[cell] = known
                if known[0]:
                    out.append(Token(known[0], known[1], "cell", loc, index))
                else:
                    tokenise_text(cell, loc, index, "cell", out)
            out.append(Token("R", "", "cell", line.loc, index))
        else:
            text = line.cells[0]
            if text:
                tokenise_text(text, line.loc, index, "line", out)
    return out
