"""Recover the cells of tables that converters, OCR and crawlers damaged.

A row of a template table has a known number of cells; a damaged row arrives with another
number of printed pieces.  The kinds of damage seen in real reports, each a *move* of the
search below (domain.md, "Cells"; issue 9):

* **glued cells**: a row's cells concatenated with no separator (``640020470`` is
  64|0|0|2|0|4|70) — a token is cut into several cells;
* **dropped repeats**: a crawler that drops consecutive duplicate lines collapses equal
  neighbouring cells (``19 0 0 1 0 0 20`` arrives as ``19 0 1 0 20``);
* **split numbers**: one number broken over two lines (162 as ``1`` / ``62``), or by a space
  inside a row (``1 0`` for 10) — neighbouring tokens are joined;
* **dropped zero**: a converter lost one or two ``0`` cells of a row printed on one line — a
  zero is put back.  This move adds what was not printed, so a reading made with it is taken
  only when the row's own sum confirms it.

:func:`readings` lists every reading of a row that the moves allow (numbers never have leading
zeros; only boundaries the source could have lost are changed), keeping those under which the
row's own sums hold (table 三's 总计 column, table 四's three 总计): the search follows the
sums, so a long glued row costs the readings that fit, not all readings.  :func:`solve` then
keeps the readings of the whole table under which its column identities hold (the balance, the
outcome sum).  A cell is taken when every surviving reading agrees on it, and the way it was
recovered is recorded; otherwise it is ambiguous and no value is guessed.

Every search is bounded (:class:`Budget`): a search that does not finish proves nothing, so a
row it could not settle stays ambiguous — never the readings found so far.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from .tokens import Token

PIECE = {
    "count": re.compile(r"(?:0|[1-9]\d{0,8})"),
    "signed": re.compile(r"[+\-−－﹣]?(?:0|[1-9]\d{0,8})"),
    "amount": re.compile(r"(?:0|[1-9]\d*)(?:[.．]\d+)?(?:万元|亿元|元|%)?"),
}
# A count has at most nine digits in a recovered reading (the largest counts in real reports
# have six; a reading that needs more is not one); the longest piece of each kind, in characters.
MAX_DIGITS = 9
MAX_PIECE = {"count": MAX_DIGITS, "signed": MAX_DIGITS + 1, "amount": 24}
# The most readings of one row that fit its sums before the row is left ambiguous.
MAX_READINGS = 256
# Work units one report's searches may spend (a unit is a search state or a reading checked,
# a few microseconds): about ten milliseconds of work on one core.  Counted, not timed, so a
# report reads the same on every machine.
REPORT_BUDGET = 8_000

GLUED = "glued cells split"
REPEATS = "dropped repeats restored"
SPLIT = "split number joined"
SPLIT_DIGITS = "digits split by a space joined"
ZERO = "dropped zero restored"


@dataclass(frozen=True, slots=True)
class Candidate:
    pieces: tuple[str, ...]
    sources: tuple[tuple[int, ...], ...]  # the token(s) each piece came from; () for a restored zero
    method: str  # "" when the row was printed with the right number of cells
    invented: bool = False  # the move added a piece that was not printed (needs the sums to confirm)


class SearchCut(Exception):
    """The search ran out of its budget or found too many readings: it proves nothing."""


class Budget:
    """Work units for the searches of one report (see :data:`REPORT_BUDGET`)."""

    def __init__(self, units: int = REPORT_BUDGET):
        self.left = units
        self.cut = 0  # searches that were cut

    def spend(self, units: int = 1) -> None:
        self.left -= units
        if self.left < 0:
            raise SearchCut("budget")


_VALID_CACHE: dict[tuple[str, str], bool] = {}


def _valid(piece: str, kind: str) -> bool:
    key = (piece, kind)
    found = _VALID_CACHE.get(key)
    if found is None:
        found = PIECE[kind].fullmatch(piece) is not None
        if len(_VALID_CACHE) < 100_000:
            _VALID_CACHE[key] = found
    return found


def clear_caches() -> None:
    _VALID_CACHE.clear()


def _number(piece: str) -> int | None:
    return int(piece) if piece.isdigit() else None


# --------------------------------------------------------------------------- moves

def _step(j: int, piece: str, running: int, totals, parts) -> int | None:
    """The running sum of piece ``j``'s group after it, or None when the piece cannot stand there:
    it closes a group (``totals``) but does not print the group's sum, or it is a part of one
    (``parts``) that is not a number."""
    if j in totals:
        return 0 if _number(piece) == running else None
    if j in parts:
        value = _number(piece)
        return None if value is None else running + value
    return 0


def _glued(texts: Sequence[str], kinds: Sequence[str], sums: Sequence[tuple[int, int]], budget: Budget,
           cap: int) -> list[Candidate]:
    """Every way to cut each token into one or more pieces, ``len(kinds)`` pieces in all, under
    which the ``sums`` hold (``(a, b)``: pieces a … b−2 add up to piece b−1).  A depth-first
    search that remembers the states with no completion; the piece that closes a sum is not
    searched for but read off (it must print the sum)."""
    n, k = len(kinds), len(texts)
    total_of = {b - 1: a for a, b in sums}
    group_of = {j: a for a, b in sums for j in range(a, b - 1)}
    found: list[Candidate] = []
    dead: set[tuple[int, int, int, int]] = set()
    pieces: list[str] = []
    sources: list[int] = []

    def walk(i: int, pos: int, j: int, running: int) -> bool:
        budget.spend()
        if j == n:
            if i == k:
                found.append(Candidate(tuple(pieces), tuple((s,) for s in sources), GLUED))
                if len(found) > cap:
                    raise SearchCut("readings")
                return True
            return False
        if i == k:
            return False
        state = (i, pos, j, running)
        if state in dead:
            return False
        text = texts[i]
        if j in total_of:
            want = str(running)
            ends = (pos + len(want),) if text.startswith(want, pos) else ()
        else:
            ends = range(pos + 1, min(len(text), pos + MAX_PIECE[kinds[j]]) + 1)
        any_found = False
        for end in ends:
            piece = text[pos:end]
            if not _valid(piece, kinds[j]):
                if piece[:1] == "0" or (piece[:1] in "+-−－﹣" and piece[1:2] == "0"):
                    break  # a piece that starts with 0 cannot grow into a valid one
                continue
            last_of_token = end == len(text)
            left_after = n - j - 1
            if last_of_token:
                if left_after < k - i - 1:
                    continue
                following = (i + 1, 0)
            else:
                if left_after < k - i:
                    continue  # the rest of this token and each later token need a piece
                following = (i, end)
            nxt = _step(j, piece, running, total_of, group_of)
            if nxt is None:
                continue
            pieces.append(piece)
            sources.append(i)
            if walk(following[0], following[1], j + 1, nxt):
                any_found = True
            pieces.pop()
            sources.pop()
        if not any_found:
            dead.add(state)
        return any_found

    if sum(len(t) for t in texts) <= sum(MAX_PIECE[kind] for kind in kinds):
        walk(0, 0, 0, 0)
    return found


def _repeats(texts: Sequence[str], kinds: Sequence[str], sums: Sequence[tuple[int, int]], budget: Budget,
             cap: int, joins: int = 0, halves: bool = False) -> list[Candidate]:
    """Readings of text whose crawler dropped repeated lines (it kept one of each run of equal
    lines), ``len(kinds)`` cells in all, under which the ``sums`` hold.

    Each printed line stands for one or more equal lines in a row; with ``joins`` > 0 the
    crawler also broke numbers over lines (Word split them over spans), so up to ``joins`` cells
    are two consecutive lines joined — a line that a repeat made disappear may be half of one
    (110 as "1" / "10" after a cell "1" kept as "1" / "10"; with ``halves``, 33 as "3" / "3" kept
    as "3", a reading that only a sum can confirm).  A search that follows the sums like
    :func:`_glued`.
    """
    n, k = len(kinds), len(texts)
    total_of = {b - 1 for a, b in sums}
    grouped = {j for a, b in sums for j in range(a, b - 1)}
    found: list[Candidate] = []
    dead: set[tuple[int, int, int, int]] = set()
    pieces: list[str] = []
    sources: list[tuple[int, ...]] = []
    method = REPEATS if not joins else f"{SPLIT}; {REPEATS}"

    def lines(i: int, used: bool) -> tuple[int, ...]:
        """The printed line the next piece may come from: the same again (a repeat), or the next."""
        return (i, i + 1) if used and i >= 0 else (i + 1,)

    def walk(i: int, j: int, running: int, left: int) -> bool:
        # line i was the last one used (−1: none yet)
        budget.spend()
        if j == n:
            if i == k - 1:
                joined = sum(len(s) > 1 for s in sources)
                found.append(Candidate(tuple(pieces), tuple(sources), method if joined else REPEATS))
                if len(found) > cap:
                    raise SearchCut("readings")
                return True
            return False
        state = (i, j, running, left)
        if state in dead:
            return False
        any_found = False
        for first in lines(i, True):
            if first >= k:
                continue
            options = [((first,), texts[first])]
            if left:
                options += [((first, second), texts[first] + texts[second])
                            for second in ((first, first + 1) if halves else (first + 1,)) if second < k]
            for used, piece in options:
                last = used[-1]
                still = left - (len(used) > 1)  # joins left after this cell
                if n - j - 1 + still < k - 1 - last or not _valid(piece, kinds[j]):
                    continue  # the lines left need more cells than are left
                nxt = _step(j, piece, running, total_of, grouped)
                if nxt is None:
                    continue
                pieces.append(piece)
                sources.append(used)
                if walk(last, j + 1, nxt, still):
                    any_found = True
                pieces.pop()
                sources.pop()
        if not any_found:
            dead.add(state)
        return any_found

    walk(-1, 0, 0, joins)
    return found


def _joined(texts: Sequence[str], seps: Sequence[str], kinds: Sequence[str], joinable_seps: frozenset[str],
            budget: Budget) -> list[Candidate]:
    """Readings that join ``k − n`` pairs of neighbouring tokens across the separators allowed."""
    n, k = len(kinds), len(texts)
    joinable = [i for i in range(1, k) if seps[i] in joinable_seps]
    found = []
    for joins in itertools.combinations(joinable, k - n):
        budget.spend()
        pieces: list[str] = []
        sources: list[tuple[int, ...]] = []
        kinds_of_join: set[str] = set()
        for i, text in enumerate(texts):
            if i in joins:
                pieces[-1] += text
                sources[-1] += (i,)
                kinds_of_join.add(seps[i])
            else:
                pieces.append(text)
                sources.append((i,))
        if all(_valid(p, kinds[j]) for j, p in enumerate(pieces)):
            method = SPLIT if kinds_of_join == {"line"} else SPLIT_DIGITS if kinds_of_join == {"space"} \
                else f"{SPLIT}; {SPLIT_DIGITS}"
            found.append(Candidate(tuple(pieces), tuple(sources), method))
    return found


def _zeros(texts: Sequence[str], kinds: Sequence[str], budget: Budget) -> list[Candidate]:
    """Readings that put back ``n − k`` dropped zeros (every printed token is one cell)."""
    n, k = len(kinds), len(texts)
    found = []
    for at in itertools.combinations(range(n), n - k):
        budget.spend()
        pieces: list[str] = []
        sources: list[tuple[int, ...]] = []
        token = 0
        for j in range(n):
            if j in at:
                pieces.append("0")
                sources.append(())
            else:
                pieces.append(texts[token])
                sources.append((token,))
                token += 1
        if all(_valid(p, kinds[j]) for j, p in enumerate(pieces)):
            found.append(Candidate(tuple(pieces), tuple(sources), ZERO, invented=True))
    return found


# --------------------------------------------------------------------------- a row's readings

def sums_hold(values: Sequence[float | None], sums: Sequence[tuple[int, int]]) -> bool | None:
    """Whether each sum holds (None when one cannot be assessed: an operand is not a number)."""
    assessed = False
    for a, b in sums:
        part = values[a:b]
        if any(v is None for v in part):
            continue
        assessed = True
        if abs(sum(part[:-1]) - part[-1]) > 1e-9:
            return False
    return True if assessed else None


@dataclass
class RowReadings:
    """What the search found for one row.

    ``options``: the readings kept — those under which the row's own sums hold, or, when none
    does (a report whose printed numbers break the template's arithmetic), every reading the
    moves allow except those that add what was not printed; ``fits`` says which.  ``cut``: the
    search did not finish (budget or too many readings), so ``options`` is empty and the row
    stays ambiguous.
    """

    options: list[Candidate]
    fits: bool = True
    cut: str = ""


def readings(values: Sequence[Token], kinds: Sequence[str], *, sums: Sequence[tuple[int, int]] = (),
             dropped_repeats: bool = False, split_lines: bool = False, grid: bool = False,
             parse: Callable[[Candidate], tuple] | None = None, budget: Budget | None = None) -> RowReadings:
    """Every reading of a row's value tokens as ``len(kinds)`` cells, kept by the row's sums.

    ``dropped_repeats``: the source is known to have lost equal neighbours; ``split_lines``:
    the source is known to break numbers over lines (one text node per span); ``grid``: the row
    is a real table row (cells are positions: no token is a piece of a neighbour's number).
    ``parse`` turns a candidate into cell values (for the sums).  Raises nothing: a search that
    runs out of ``budget`` gives ``cut``.
    """
    budget = budget or Budget()
    texts = [re.sub(r"(?<=\d) (?=\d)", "", v.text) for v in values]
    n, k = len(kinds), len(texts)
    parse = parse or (lambda c: tuple(_number(p) for p in c.pieces))
    counts_only = all(kind == "count" for kind in kinds)
    # a crawler that drops repeated lines may also have broken a number over two lines: then a
    # row can arrive with as many pieces as cells and still be damaged
    crawled = dropped_repeats and split_lines and counts_only and not grid
    if k == n and not crawled:
        spaced = [i for i, v in enumerate(values) if v.text != texts[i]]
        method = SPLIT_DIGITS if spaced else ""
        return RowReadings([Candidate(tuple(texts), tuple((i,) for i in range(k)), method)])
    try:
        found: dict[tuple[str, ...], Candidate] = {}
        numeric = all(t and (t[0].isdigit() or t[0] in "+-−－﹣") for t in texts)
        if k == n:
            found[tuple(texts)] = Candidate(tuple(texts), tuple((i,) for i in range(k)), "")
        if crawled and numeric:
            for c in _repeats(texts, kinds, sums, budget, MAX_READINGS, joins=2, halves=bool(sums)):
                found.setdefault(c.pieces, c)
        if 0 < k < n and numeric:
            # the sums steer the search
            for c in _glued(texts, kinds, sums if counts_only else (), budget, MAX_READINGS):
                found.setdefault(c.pieces, c)
            if dropped_repeats:
                for c in _repeats(texts, kinds, sums if counts_only else (), budget, MAX_READINGS):
                    found.setdefault(c.pieces, c)
            if n - k <= 2 and counts_only and sums and all(_valid(t, "count") for t in texts):
                for c in _zeros(texts, kinds, budget):
                    found.setdefault(c.pieces, c)
        elif k > n and k - n <= 4:
            seps = frozenset({"line"} if split_lines else set()) | (frozenset() if grid else {"space"})
            for c in _joined(texts, [v.sep for v in values], kinds, seps, budget):
                found.setdefault(c.pieces, c)
        options = list(found.values())
        budget.spend(len(options))
        checked = [(c, sums_hold(parse(c), sums) if sums else None) for c in options]
        fitting = [c for c, ok in checked if ok is not False and (ok or not c.invented)]
        if len(fitting) > MAX_READINGS:
            raise SearchCut("readings")
        if fitting:
            return RowReadings(fitting)
        if not sums or any(ok is None for _, ok in checked):
            # no sum to judge by (table 二's rows, a blank total): every reading the moves allow
            # stays, and only what they all agree on is taken
            fallback = [c for c, ok in checked if ok is None and not c.invented]
            if len(fallback) > MAX_READINGS:
                raise SearchCut("readings")
            return RowReadings(fallback, fits=False)
        # nothing fits: the printed row breaks the arithmetic, or a damage no move undoes hit it;
        # either way no reading is known to be the printed one
        return RowReadings([], fits=False)
    except SearchCut as cut:
        budget.cut += 1
        return RowReadings([], fits=False, cut=str(cut))


# --------------------------------------------------------------------------- the whole table

Number = float | int | None


@dataclass(frozen=True)
class Linear:
    """``Σ plus = Σ minus`` in every column (the rows named by key)."""

    plus: tuple[str, ...]
    minus: tuple[str, ...]


@dataclass
class Solution:
    chosen: dict[str, Candidate | None]  # a row's single surviving reading, if any
    values: dict[str, tuple[Number, ...]]  # per row: the value of each cell (None = ambiguous)
    method: dict[str, str]
    combinations: int  # readings of the whole table that satisfy every constraint (−1: not searched)
    cut: bool = False  # the search over the whole table did not finish
    notes: list[str] = field(default_factory=list)


MAX_TABLE_STEPS = 5_000
TABLE_STEP_UNITS = 20  # a step of the table's search costs about twenty steps of a row's


def _surviving(parsed: dict[str, list[tuple[Candidate, tuple]]], open_rows: list[str],
               constraints: Sequence[Linear], budget: Budget) -> tuple[dict[str, set[int]], int]:
    """The readings of each open row that take part in a combination under which every
    identity holds, and how many such combinations there are.

    A depth-first search over the open rows (fewest readings first).  Each identity is a sum
    with coefficients ±1 over rows, in every column; a column with an operand that is not a
    number cannot be assessed and rejects nothing.  A branch is cut as soon as an identity can no
    longer hold whatever the rows left choose (the bounds of their readings).  Raises
    :class:`SearchCut` past :data:`MAX_TABLE_STEPS` steps or the budget.
    """
    import numpy as np

    width = max(len(v[0][1]) for v in parsed.values() if v)
    matrix = {k: np.array([[np.nan if x is None else float(x) for x in values] + [np.nan] * (width - len(values))
                           for _, values in options]) for k, options in parsed.items()}
    depth_of = {k: d for d, k in enumerate(open_rows)}
    checks = []  # (coefficients of open rows by depth, constant part, columns assessable at all)
    for c in constraints:
        coef = {k: 1.0 for k in c.plus if k in parsed}
        for k in c.minus:
            if k in parsed:
                coef[k] = coef.get(k, 0.0) - 1.0
        if not any(k in depth_of for k in coef):
            continue
        constant = np.zeros(width)
        assessable = np.ones(width, dtype=bool)
        for k, w in coef.items():
            if k not in depth_of:
                row = matrix[k][0]
                assessable &= ~np.isnan(row)
                constant += w * np.nan_to_num(row)
        terms = sorted((depth_of[k], w) for k, w in coef.items() if k in depth_of)
        # bounds of what the rows after each depth can still add (NaN: unbounded, the column is
        # then not assessable for that reading and nothing is cut)
        low = np.zeros((len(open_rows) + 1, width))
        high = np.zeros((len(open_rows) + 1, width))
        loose = np.zeros((len(open_rows) + 1, width), dtype=bool)
        for d in range(len(open_rows) - 1, -1, -1):
            low[d], high[d], loose[d] = low[d + 1], high[d + 1], loose[d + 1]
            for dd, w in terms:
                if dd == d:
                    values = matrix[open_rows[d]] * w
                    loose[d] |= np.isnan(values).any(axis=0)
                    low[d] = low[d] + np.nan_to_num(np.nanmin(values, axis=0)) if not np.isnan(values).all() else low[d]
                    high[d] = high[d] + np.nan_to_num(np.nanmax(values, axis=0)) if not np.isnan(values).all() else high[d]
        checks.append((dict(terms), constant, assessable, low, high, loose))
    filled = {k: np.nan_to_num(m) for k, m in matrix.items()}
    missing = {k: np.isnan(m) for k, m in matrix.items()}
    surviving: dict[str, set[int]] = {k: set() for k in open_rows}
    chosen = [0] * len(open_rows)
    steps = [0]
    count = [0]

    def dfs(depth: int, partials: list, nan_seen: list) -> None:
        steps[0] += 1
        budget.spend(TABLE_STEP_UNITS)
        if steps[0] > MAX_TABLE_STEPS:
            raise SearchCut("table")
        if depth == len(open_rows):
            count[0] += 1
            for d, k in enumerate(open_rows):
                surviving[k].add(chosen[d])
            return
        key = open_rows[depth]
        for index in range(len(matrix[key])):
            row, row_nan = filled[key][index], missing[key][index]
            new_partials, new_nan, ok = [], [], True
            for (terms, constant, assessable, low, high, loose), partial, nans in zip(checks, partials, nan_seen):
                w = terms.get(depth)
                if w is not None:
                    partial = partial + w * row
                    nans = nans | row_nan
                live = assessable & ~nans & ~loose[depth + 1]
                if live.any():
                    total = constant + partial
                    if ((total + low[depth + 1] > 1e-9) | (total + high[depth + 1] < -1e-9))[live].any():
                        ok = False
                        break
                new_partials.append(partial)
                new_nan.append(nans)
            if ok:
                chosen[depth] = index
                dfs(depth + 1, new_partials, new_nan)

    dfs(0, [np.zeros(width) for _ in checks], [np.zeros(width, dtype=bool) for _ in checks])
    return surviving, count[0]


def solve(rows: Mapping[str, list[Candidate]], parse: Callable[[Candidate], tuple[Number, ...]],
          constraints: Sequence[Linear] = (), *, budget: Budget | None = None) -> Solution:
    """Pick the readings of the rows under which the table's identities hold.

    Each row comes with its readings (already kept by its own sums); ``constraints`` are the
    identities across rows.  :func:`_surviving` keeps the combinations of readings under which
    every identity holds.  If none survives, the printed table breaks its arithmetic, and every
    reading stays; if the search does not finish, the same.  A cell is taken when every reading
    that stays agrees on it.
    """
    budget = budget or Budget()
    parsed = {k: [(c, parse(c)) for c in cands] for k, cands in rows.items()}
    open_rows = sorted((k for k, v in parsed.items() if len(v) > 1), key=lambda k: len(parsed[k]))
    method: dict[str, str] = {}
    pools = {k: v for k, v in parsed.items()}
    combinations = -1
    cut = False
    if open_rows and constraints:
        try:
            surviving, combinations = _surviving(parsed, open_rows, constraints, budget)
        except SearchCut:
            cut = True
            budget.cut += 1
        if not cut and combinations:
            for k in open_rows:
                kept = [parsed[k][i] for i in sorted(surviving[k])]
                if len(kept) < len(parsed[k]):
                    method[k] = "column sums"
                pools[k] = kept
    chosen: dict[str, Candidate | None] = {}
    values: dict[str, tuple[Number, ...]] = {}
    for key, pool in pools.items():
        if not pool:
            chosen[key], values[key] = None, ()
            continue
        first = pool[0][1]
        same = [all(p[1][j] == first[j] for p in pool) for j in range(len(first))]
        distinct = {p[0].pieces for p in pool}
        chosen[key] = pool[0][0] if len(distinct) == 1 else None
        values[key] = tuple(first[j] if same[j] else None for j in range(len(first)))
    return Solution(chosen, values, method, combinations, cut)
