"""Map printed row labels to the template's canonical keys.

A printed label run may hold more than one label (a group cell carried down by ``rowspan``,
or a flattened page where the header, the group and the row label run together); the row
that owns the numbers after it is the one whose label ends last.  A label that is the
canonical one (after normalisation) is an exact match; anything else that still identifies
the row (a typo, a cut-off label, a variant wording) is a loose match, recorded so a user can
see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from rapidfuzz import fuzz, process

from ..template import GENERIC_LABEL_BOUNDARY, GENERIC_LABELS, RowDef, normalise

_GENERIC = GENERIC_LABELS
_BOUNDARY = re.compile(GENERIC_LABEL_BOUNDARY)
_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、]|[一二三四五六七八九十]+(?=[、(]))+")


def bare(label: str) -> str:
    """A normalised label without its numbering ("三、(一)", "2.")."""
    return _PREFIX.sub("", normalise(label))


@dataclass(frozen=True, slots=True)
class LabelMatch:
    key: str
    end: int  # where the matched label ends in the printed label (normalised)
    how: str  # exact | loose | similar
    printed: str


class LabelMatcher:
    """Finds the template row a printed label names."""

    def __init__(self, rows: Sequence[RowDef], accepted: dict[str, tuple[str, ...]] | None = None):
        self.rows = {r.key: r for r in rows}
        cores: list[tuple[str, str]] = [(c, r.key) for r in rows for c in r.cores]
        cores.sort(key=lambda item: -len(item[0]))
        self._core_key = dict(cores)
        self._core_re = re.compile("|".join(re.escape(c) for c, _ in cores)) if cores else None
        self._exact = [(e, r.key) for r in rows for e in r.exact]
        self._canonical = {r.key: (bare(r.label),) + tuple(bare(a) for a in (accepted or {}).get(r.key, ()))
                           for r in rows}
        self._similar_choices = {bare(r.label): r.key for r in rows if len(bare(r.label)) >= 4}

    def all_matches(self, norm: str) -> list[tuple[int, int, str]]:
        """Every (start, end, key) of a core in a normalised label, in order."""
        if self._core_re is None:
            return []
        return [(m.start(), m.end(), self._core_key[m.group()]) for m in self._core_re.finditer(norm)]

    def match(self, norm: str) -> LabelMatch | None:
        """The row whose label ends last in ``norm`` (a normalised printed label)."""
        best: tuple[int, int, str] | None = None  # (end, length, key)
        for start, end, key in self.all_matches(norm):
            candidate = (end, end - start, key)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        for exact, key in self._exact:
            if norm.endswith(exact):
                head = norm[: len(norm) - len(exact)]
                # "其他" at the end of "法人或其他" is not the row "其他"; a whole label,
                # or one after numbering / a group label, is.
                if exact in _GENERIC and head and not _BOUNDARY.search(head):
                    continue
                candidate = (len(norm), len(exact), key)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
        if best is None:
            return None
        key = best[2]
        exact = any(norm.endswith(c) for c in self._canonical[key])
        return LabelMatch(key, best[0], "exact" if exact else "loose", norm)

    def similar(self, norm: str, *, cutoff: float = 80.0) -> LabelMatch | None:
        """A row whose label is similar to ``norm`` (for labels no core identifies)."""
        text = bare(norm)
        if len(text) < 4 or not self._similar_choices:
            return None
        found = process.extractOne(text, list(self._similar_choices), scorer=fuzz.ratio,
                                   score_cutoff=cutoff)
        if found is None:
            return None
        return LabelMatch(self._similar_choices[found[0]], len(norm), "similar", norm)
