"""Where each template table is printed: the tokens between its anchor and the next table.

Table 二 starts at 「第二十条第（一）项」, table 三 at its header (「勾稽关系」, 「申请人情况」) or its
first row, table 四 at 「行政复议」 after table 三 (or a label naming both kinds of case); each
ends where the next begins, and table 四 at the heading of section 五 or 六.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..template import AFTER_T4, BEFORE_T3, T4_FALLBACK, TABLE_START
from .tokens import Token

_SECTION_AFTER_T4, _AFTER_T4_HINTS = re.compile(AFTER_T4[0]), AFTER_T4[1]
_SECTION_T3, _BEFORE_T3_HINTS = re.compile(BEFORE_T3[0]), BEFORE_T3[1]
_T4_FALLBACK, _T4_FALLBACK_HINTS = re.compile(T4_FALLBACK[0]), T4_FALLBACK[1]


def find_regions(tokens: Sequence[Token]) -> dict[str, tuple[int, int]]:
    """Token ranges of t2, t3 and t4 (only the tables found)."""
    return _regions(tokens)[0]


def settled_regions(tokens: Sequence[Token]) -> dict[str, tuple[int, int]] | None:
    """:func:`find_regions` of ``tokens`` when more tokens after them could not change it: every
    table's anchor and the heading that ends table 四 found by their first search (each search
    takes the first match from where it starts, so a match within ``tokens`` is the match within
    any longer list that begins with them); else None."""
    regions, settled = _regions(tokens)
    return regions if settled else None


def _regions(tokens: Sequence[Token]) -> tuple[dict[str, tuple[int, int]], bool]:

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
    settled = t2 is not None and t3 is not None and t4 is not None
    if t4 is None:
        after = t3 if t3 is not None else (t2 or 0)
        t4 = first((), after, pattern=_T4_FALLBACK, hints=_T4_FALLBACK_HINTS)
    end = len(tokens)
    if t4 is not None:
        stop = first((), t4 + 1, pattern=_SECTION_AFTER_T4, hints=_AFTER_T4_HINTS)
        end = stop if stop is not None else len(tokens)
        settled = settled and stop is not None
    regions: dict[str, tuple[int, int]] = {}
    if t2 is not None:
        stop2 = next(x for x in (t3, t4, end) if x is not None)
        heading3 = first((), t2 + 1, stop2, pattern=_SECTION_T3, hints=_BEFORE_T3_HINTS)
        regions["t2"] = (t2, heading3 if heading3 is not None and heading3 > t2 else stop2)
    if t3 is not None:
        regions["t3"] = (t3, t4 if t4 is not None else end)
    if t4 is not None:
        regions["t4"] = (t4, end)
    return regions, settled


def extend_to_grid_start(tokens: Sequence[Token], regions: dict[str, tuple[int, int]], is_row, table: str = "t3",
                         floor: int = 0) -> None:
    """Start ``table``'s region at the first row of the real table (HTML, Markdown, tab-separated)
    its anchor sits in: a converter that wrapped the first row's label over several rows, or a
    table under generic headers (数据1…), leaves the anchor below the table's first rows.
    ``is_row(line)`` says whether a document line is a table row; ``floor`` is where the region may
    start at the earliest (the end of the table before)."""
    if table not in regions:
        return
    start, stop = regions[table]
    line = tokens[start].line
    if not is_row(line):
        return
    first = start
    while first - 1 >= floor and tokens[first - 1].line >= line - 1 and is_row(tokens[first - 1].line):
        line = tokens[first - 1].line
        first -= 1
    regions[table] = (first, stop)
