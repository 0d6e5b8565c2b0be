"""Recover the cells of tables that crawlers damaged.

Three kinds of damage are seen in real reports (domain.md, "Cells"):

* **glued cells**: a row's cells concatenated with no separator
  (``640020470`` is 64|0|0|2|0|4|70);
* **dropped repeats**: a crawler that drops consecutive duplicate lines collapses equal
  neighbouring cells (``19 0 0 1 0 0 20`` arrives as ``19 0 1 0 20``);
* **split numbers**: one number broken over two lines (162 as ``1`` / ``62``).

For a row printed with the wrong number of cells, :func:`candidates` lists every reading the
damage allows (numbers never have leading zeros; only boundaries the source could have lost
are changed).  :func:`solve` keeps the readings under which the template's arithmetic holds
(row sums, column sums, the balance, table 四's sums).  A cell is taken when every surviving
reading agrees on it, and the way it was recovered is recorded; otherwise it is ambiguous and
no value is guessed.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from .tokens import Token

PIECE = {
    "count": re.compile(r"(?:0|[1-9]\d*)"),
    "signed": re.compile(r"[+\-−]?(?:0|[1-9]\d*)"),
    "amount": re.compile(r"(?:0|[1-9]\d*)(?:[.．]\d+)?(?:万元|亿元|元|%)?"),
}
MAX_CANDIDATES = 20_000
MAX_COMBINATIONS = 200_000

GLUED = "glued cells split"
REPEATS = "dropped repeats restored"
SPLIT = "split number joined"


@dataclass(frozen=True, slots=True)
class Candidate:
    pieces: tuple[str, ...]
    sources: tuple[tuple[int, ...], ...]  # the token(s) each piece came from
    method: str  # "" when the row was printed with the right number of cells


@functools.lru_cache(maxsize=65536)
def _valid(piece: str, kind: str) -> bool:
    return PIECE[kind].fullmatch(piece) is not None


@functools.lru_cache(maxsize=4096)
def _cuts(text: str, kinds: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every way to cut ``text`` into ``len(kinds)`` valid pieces (memoised: rows repeat)."""
    if len(kinds) == 1:
        return ((text,),) if _valid(text, kinds[0]) else ()
    found: list[tuple[str, ...]] = []
    for i in range(1, len(text) - len(kinds) + 2):
        head = text[:i]
        if not _valid(head, kinds[0]):
            if head[:1] == "0" or (head[:1] in "+-−" and head[1:2] == "0"):
                break  # a piece that starts with 0 cannot grow into a valid one
            continue
        for rest in _cuts(text[i:], kinds[1:]):
            found.append((head,) + rest)
            if len(found) >= MAX_CANDIDATES:
                return tuple(found)
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def _glued_pieces(texts: tuple[str, ...], kinds: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]:
    """Every way to cut each token into one or more pieces, ``len(kinds)`` pieces in all."""
    n, k = len(kinds), len(texts)
    if k == 0:
        return (((), ()),) if n == 0 else ()
    found: list[tuple[tuple[str, ...], tuple[int, ...]]] = []
    for width in range(1, n - k + 2):
        heads = _cuts(texts[0], kinds[:width])
        if not heads:
            continue
        for rest, sources in _glued_pieces(texts[1:], kinds[width:]):
            shifted = tuple(s + 1 for s in sources)
            for pieces in heads:
                found.append((pieces + rest, (0,) * width + shifted))
                if len(found) >= MAX_CANDIDATES:
                    return tuple(found)
    return tuple(found)


def _glued(texts: list[str], kinds: Sequence[str]) -> Iterable[Candidate]:
    for pieces, sources in _glued_pieces(tuple(texts), tuple(kinds)):
        yield Candidate(pieces, tuple((i,) for i in sources), GLUED)


def _repeats(texts: list[str], kinds: Sequence[str]) -> Iterable[Candidate]:
    n, k = len(kinds), len(texts)
    for bars in itertools.combinations(range(1, n), k - 1):
        bounds = (0,) + bars + (n,)
        pieces: list[str] = []
        sources: list[int] = []
        for i in range(k):
            width = bounds[i + 1] - bounds[i]
            pieces += [texts[i]] * width
            sources += [i] * width
        if all(_valid(p, kinds[j]) for j, p in enumerate(pieces)):
            yield Candidate(tuple(pieces), tuple((i,) for i in sources), REPEATS)


def _joined(texts: list[str], seps: list[str], kinds: Sequence[str]) -> Iterable[Candidate]:
    n, k = len(kinds), len(texts)
    joinable = [i for i in range(1, k) if seps[i] == "line"]
    for joins in itertools.combinations(joinable, k - n):
        pieces: list[str] = []
        sources: list[tuple[int, ...]] = []
        for i, text in enumerate(texts):
            if i in joins:
                pieces[-1] += text
                sources[-1] += (i,)
            else:
                pieces.append(text)
                sources.append((i,))
        if all(_valid(p, kinds[j]) for j, p in enumerate(pieces)):
            yield Candidate(tuple(pieces), tuple(sources), SPLIT)


def candidates(values: Sequence[Token], kinds: Sequence[str], *, dropped_repeats: bool,
               one_per_line: bool) -> list[Candidate]:
    """Every reading of a row's value tokens as ``len(kinds)`` cells.

    ``dropped_repeats``: the source is known to have lost equal neighbours;
    ``one_per_line``: the source printed one cell per line, so a line break inside a
    number is possible.
    """
    texts = [v.text.replace(" ", "") for v in values]
    n, k = len(kinds), len(texts)
    if k == n:
        return [Candidate(tuple(texts), tuple((i,) for i in range(k)), "")]
    found: dict[tuple[str, ...], Candidate] = {}
    if 0 < k < n:
        if all(t and (t[0].isdigit() or t[0] in "+-−") for t in texts):
            for c in _glued(texts, kinds):
                found.setdefault(c.pieces, c)
        if dropped_repeats:
            for c in _repeats(texts, kinds):
                found.setdefault(c.pieces, c)
    elif k > n and one_per_line:
        for c in _joined(texts, [v.sep for v in values], kinds):
            found.setdefault(c.pieces, c)
    return list(found.values())[:MAX_CANDIDATES]


Number = float | int | None
Assignment = Mapping[str, tuple[Number, ...]]
Constraint = Callable[[Assignment], bool | None]


@dataclass
class Solution:
    chosen: dict[str, Candidate | None]  # a row's single surviving reading, if any
    agreed: dict[str, list[bool]]  # per row and cell: do all surviving readings agree?
    values: dict[str, tuple[Number, ...]]  # per row: the value of each cell (None = ambiguous)
    method: dict[str, str]
    combinations: int  # readings of the whole table that satisfy every constraint


def solve(rows: Mapping[str, list[Candidate]], parse: Callable[[Candidate], tuple[Number, ...]],
          constraints: Sequence[Constraint], row_checks: Mapping[str, Constraint] = {}) -> Solution:
    """Pick the readings of the rows under which the constraints hold.

    ``row_checks`` filter each row's readings alone (a row sum); ``constraints`` see the
    whole table (column sums, the balance).  A constraint returns ``None`` when it cannot be
    assessed (an operand missing), which does not reject a reading.
    """
    parsed: dict[str, list[tuple[Candidate, tuple[Number, ...]]]] = {}
    method: dict[str, str] = {}
    for key, cands in rows.items():
        options = [(c, parse(c)) for c in cands]
        check = row_checks.get(key)
        if check is not None and (len(options) > 1 or (options and options[0][0].method)):
            kept = [o for o in options if check({key: o[1]}) is not False]
            if kept:
                if len(kept) < len(options):
                    method[key] = "row sum"
                options = kept
        parsed[key] = options

    fixed = {k: v for k, v in parsed.items() if len(v) == 1}
    open_rows = [k for k, v in parsed.items() if len(v) > 1]
    size = math.prod(len(parsed[k]) for k in open_rows) if open_rows else 1
    surviving: list[dict[str, tuple[Candidate, tuple[Number, ...]]]] = []
    base = {k: v[0] for k, v in fixed.items()}
    if size <= MAX_COMBINATIONS:
        for combo in itertools.product(*(parsed[k] for k in open_rows)):
            assignment = dict(base)
            assignment.update(zip(open_rows, combo))
            values = {k: v[1] for k, v in assignment.items()}
            if all(c(values) is not False for c in constraints):
                surviving.append(assignment)
    if open_rows and surviving and len(surviving) < size:
        for k in open_rows:
            method[k] = "column sums" if k not in method else method[k] + " and column sums"

    chosen: dict[str, Candidate | None] = {}
    agreed: dict[str, list[bool]] = {}
    values: dict[str, tuple[Number, ...]] = {}
    for key, options in parsed.items():
        pool = [s[key] for s in surviving if key in s] if surviving and options else options
        if not pool:
            chosen[key], agreed[key], values[key] = None, [], ()
            continue
        width = len(pool[0][1])
        first = pool[0][1]
        same = [all(p[1][j] == first[j] for p in pool) for j in range(width)]
        distinct = {p[0].pieces for p in pool}
        chosen[key] = pool[0][0] if len(distinct) == 1 else None
        agreed[key] = same
        values[key] = tuple(first[j] if same[j] else None for j in range(width))
    return Solution(chosen, agreed, values, method, len(surviving))
