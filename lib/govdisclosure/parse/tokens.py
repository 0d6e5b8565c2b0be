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

# A number as printed in a cell: optional sign, digits, optional decimals, optional unit.
NUMBER = re.compile(r"[+\-−]?\d+(?:[.．]\d+)?(?:\s*(?:万元|亿元|元|%))?")
VALUE_CELL = re.compile(r"^[+\-−]?\d[\d,，]*(?:[.．]\d+)?\s*(?:万元|亿元|元|%|件|项|个|条)?$")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff“\"《（(]")
# A number directly followed by one of these is part of the text ("2019年", "第3项").
_TEXT_AFTER = frozenset("年月日号期届次条款项页号楼层")


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


def _label_or_markers(run: str, sep: str, loc: str, index: int, out: list[Token]) -> str:
    """Emit a run of text: explicit nil markers standing alone become values."""
    stripped = run.strip()
    if not stripped:
        return sep
    parts = stripped.split() if len(stripped) < 24 else ()
    if parts and all(p in DASH_MARKERS or p in NONE_MARKERS for p in parts):
        for j, p in enumerate(parts):
            out.append(Token("V", p, sep if j == 0 else "space", loc, index))
        return "space"
    out.append(Token("L", stripped, sep, loc, index))
    return "none"


def tokenise_text(text: str, loc: str, index: int, sep: str, out: list[Token]) -> None:
    """Cut one line of text into label and value tokens, appended to ``out``.

    In a long line (a page flattened into one line) each value's location also names the
    character where it starts.
    """
    position = 0
    long_line = len(text) > 160
    for match in NUMBER.finditer(text):
        start, end = match.span()
        after = text[end:end + 4].lstrip()
        before = text[start - 1] if start else ""
        value = match.group()
        if (after[:1] in _TEXT_AFTER or before == "第" or (before.isascii() and before.isalpha())
                or (before and before in "@/_:：.-")):
            continue
        if after[:1] in ".．、" and len(after) > 1 and (_CJK.match(after[1]) or after[1] == " ") \
                and value[-1].isdigit() and "." not in value and "．" not in value:
            # "…00000002.其他法律…": the last digit numbers the next label ("2.")
            value = value[:-1]
            end -= 1
            if not value or value in "+-−":
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
    for index in range(start, stop):
        line = lines[index]
        if line.is_row:
            locs = line.cell_locs or [line.loc] * len(line.cells)
            for cell, loc in zip(line.cells, locs):
                if is_value_cell(cell) or not _HAS_CJK.search(cell):  # "12a" is one (bad) value
                    out.append(Token("V", cell.strip(), "cell", loc, index))
                else:
                    tokenise_text(cell, loc, index, "cell", out)
            out.append(Token("R", "", "cell", line.loc, index))
        else:
            text = line.cells[0]
            if text:
                tokenise_text(text, line.loc, index, "line", out)
    return out
