"""What the narrative says in words, read for the text rules (TX-SELF, TX-REPEAT, S-STALE, H-SUM,
S-COPY).  Phrases live in :mod:`govdisclosure.template`; this module finds them with their
sentence and leaves the judging to :mod:`.rules`.
"""

from __future__ import annotations

import re
from hashlib import blake2b
from dataclasses import dataclass
from typing import Iterable

from ..template import (REPEATED_WORD, REPEATED_WORD_ALLOWED, SCOPE_LEVEL, SECTION_CONTENT, SELF_ALL_DONE,
                        T2_COLUMN_DEFS, T2_ROWS, T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_ROWS,
                        SELF_ALL_DONE_OTHER, SELF_NO_APPLICATIONS, SELF_NO_CASES, SELF_NO_CASES_NOT, STALE_COMPARISON,
                        STALE_OWN_YEAR, STALE_PLAN, STALE_SCOPE, STALE_SCOPE_REFERENCE, SUMMARY_MARKERS)
from .narrative import quote

_CLAUSE_END = re.compile(r"[，,。；;！!？?]")
_ALL_DONE = re.compile(SELF_ALL_DONE)
_ALL_DONE_OTHER = re.compile(SELF_ALL_DONE_OTHER)
_NO_CASES = re.compile(SELF_NO_CASES)
_NO_CASES_NOT = re.compile(SELF_NO_CASES_NOT)
_NO_APPLICATIONS = re.compile(SELF_NO_APPLICATIONS)
_REPEATED = re.compile(REPEATED_WORD)
_OWN_YEAR = re.compile(STALE_OWN_YEAR)
_PLAN = re.compile(STALE_PLAN)
_COMPARISON = re.compile(STALE_COMPARISON)
_SCOPES = [re.compile(p) for p in STALE_SCOPE]
_SCOPE_REFERENCE = re.compile(STALE_SCOPE_REFERENCE)
_SUMMARY = re.compile(SUMMARY_MARKERS)
_CONTENT = {k: re.compile(p) for k, p in SECTION_CONTENT.items()}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# words of the tables' labels: "结果结果", "总计总计" are a table's header run into the text, not a typo
_LABEL_TEXT = "".join(r.label for r in (*T3_ROWS, *T4_ROWS, *T2_ROWS)) + "".join(
    c.label for c in (*T3_COLUMNS, *T4_COLUMNS, *T2_COLUMN_DEFS.values())) + "申请人情况法人或其他组织信息内容本年度办理结果"


class _Labels:
    def __contains__(self, word: str) -> bool:
        return word in _LABEL_TEXT


_LABEL_WORDS = _Labels()


@dataclass(frozen=True)
class Statement:
    """A statement found in the narrative: what it is, its sentence and section."""

    kind: str  # all_done | no_review | no_litigation | no_applications | repeated | stale_year | stale_scope
    sentence: str
    section: str
    words: str  # the words that make the statement ("均已按要求办结", "资金资金", "2024年，我局")
    value: int | None = None  # the year or the level spoken of


def _clause(sentence: str, at: int) -> tuple[int, int]:
    """The clause (between commas) of a sentence around offset ``at``."""
    start = max((m.end() for m in _CLAUSE_END.finditer(sentence, 0, at)), default=0)
    end = _CLAUSE_END.search(sentence, at)
    return start, end.start() if end else len(sentence)


def _sentence_at(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence of ``text`` that holds ``start:end`` (its end mark excluded)."""
    left = max(text.rfind(c, 0, start) for c in _ENDERS) + 1
    right = min((i for i in (text.find(c, end) for c in _ENDERS) if i >= 0), default=len(text))
    return left, right


_ENDERS = "。；;！!？?\n"
_DONE_WORDS = ("办结", "办理完", "处理完", "完成办理", "答复")


def _anchors(text: str, words: tuple[str, ...]) -> list[int]:
    """Positions of ``words`` in ``text`` (str.find: faster than a regex over the whole text)."""
    found = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            found.append(at)
            at = text.find(word, at + 1)
    return sorted(found)


def self_statements(texts: dict[str, str]) -> list[Statement]:
    """Statements the tables can contradict: all applications completed, no review or
    litigation, no application at all (one of each kind per sentence).

    Each pattern is tried only in a short window before the words it ends on (办结, 复议 …).
    """
    out: list[Statement] = []
    for section, text in texts.items():
        seen: set[tuple[str, int]] = set()
        starts: set[int] = set()
        for a in _anchors(text, _DONE_WORDS):
            m = _ALL_DONE.search(text, max(0, a - 14), a + 14)
            if m is None or m.start() in starts:
                continue
            starts.add(m.start())
            left, right = _sentence_at(text, m.start(), m.end())
            sentence = text[left:right]
            start, end = _clause(sentence, m.start() - left)
            if "申请" in sentence and not _ALL_DONE_OTHER.search(sentence, start, end) and ("all_done", left) not in seen:
                seen.add(("all_done", left))
                out.append(Statement("all_done", quote(sentence, m.start() - left, m.end() - left), section, m.group(0)))
        for a in _anchors(text, ("申请",)):
            m = _NO_APPLICATIONS.search(text, max(0, a - 16), a + 2)
            if m is None:
                continue
            left, right = _sentence_at(text, m.start(), m.end())
            if ("no_applications", left) not in seen:
                seen.add(("no_applications", left))
                out.append(Statement("no_applications", quote(text[left:right], m.start() - left, m.end() - left),
                                     section, m.group(0)))
        for a in _anchors(text, ("复议", "诉讼")):
            m = None
            for m in _NO_CASES.finditer(text, max(0, a - 40), a):
                pass  # the negation nearest before the word
            if m is None or ("case", m.start()) in seen:
                continue
            seen.add(("case", m.start()))
            left, right = _sentence_at(text, m.start(), m.end())
            sentence = text[left:right]
            at = m.start() - left
            start, end = _clause(sentence, at)
            if _NO_CASES_NOT.search(sentence, start, end):
                continue
            clause = sentence[at:end]
            for kind, word in (("no_review", "复议"), ("no_litigation", "诉讼")):
                if word in clause and (kind, left) not in seen:
                    seen.add((kind, left))
                    out.append(Statement(kind, quote(sentence, at, end), section, clause))
    return out


def repeated_words(texts: dict[str, str]) -> list[Statement]:
    """Words printed twice in a row ("资金资金"), with their sentence."""
    out: list[Statement] = []
    for section, text in texts.items():
        for m in _REPEATED.finditer(text):
            word = m.group(0)
            if word in REPEATED_WORD_ALLOWED or len(set(m.group(1))) == 1 or m.group(1) in _LABEL_WORDS:
                continue
            left, right = _sentence_at(text, m.start(), m.end())
            out.append(Statement("repeated", quote(text[left:right], m.start() - left, m.end() - left), section, word))
    return out


def stale_statements(texts: dict[str, str], year: int | None, level: int | None, own_unit: str = "") -> list[Statement]:
    """Sentences that speak of another year as the body's own, or of a higher level's scope as its work.

    ``level`` is the body's administrative level (4 province … 1 township; None: unknown, the
    scope test is skipped); ``own_unit`` its own region's name, so that "全市" in a 县级市's
    report (kind county, unit "昆山市") is its own scope.  One finding per sentence.
    """
    out: list[Statement] = []
    for section, text in texts.items():
        seen: set[int] = set()
        if year is not None:
            for m in _OWN_YEAR.finditer(text):
                said = int(m.group("year"))
                if said == year:
                    continue
                left, right = _sentence_at(text, m.start(), m.end())
                sentence = text[left:right]
                start, _ = _clause(sentence, m.start() - left)
                _, end = _clause(sentence, m.end() - left)
                after = sentence[m.end() - left:end]
                if _PLAN.search(after[:8]) or _COMPARISON.search(sentence, start, end):
                    continue
                if said > year and _PLAN.search(after):
                    continue
                if left not in seen:
                    seen.add(left)
                    out.append(Statement("stale_year", quote(sentence, m.start() - left, m.end() - left), section,
                                         m.group(0), said))
        if level is None or "全" not in text:
            continue
        for pattern in _SCOPES:
            for m in pattern.finditer(text):
                scope = m.group("scope")
                if SCOPE_LEVEL[scope] <= level or (own_unit and own_unit.endswith(scope[-1])):
                    continue
                left, right = _sentence_at(text, m.start(), m.end())
                sentence = text[left:right]
                start, _ = _clause(sentence, m.start() - left)
                if _SCOPE_REFERENCE.search(sentence[start:m.start("scope") - left]) or left in seen:
                    continue
                seen.add(left)
                out.append(Statement("stale_scope", quote(sentence, m.start() - left, m.end() - left), section,
                                     m.group(0), SCOPE_LEVEL[scope]))
    return out


def is_summary(texts: Iterable[str]) -> str:
    """The words that say a report sums its members' ("汇总", "全县各级行政机关"), or ""."""
    for text in texts:
        m = _SUMMARY.search(text)
        if m:
            return m.group(0)
    return ""


def content_of(texts: dict[str, str], key: str) -> tuple[str, str] | None:
    """(section it is in, words) of content that belongs to section ``key`` when its heading is missing."""
    pattern = _CONTENT.get(key)
    if pattern is None:
        return None
    for section, text in texts.items():
        m = pattern.search(text)
        if m:
            return section, m.group(0)
    return None


# --------------------------------------------------------------------------- fingerprints (S-COPY)

MIN_SENTENCE = 8  # characters: shorter sentences ("无。", "本机关未收取信息处理费。") say nothing of copying


_ENDS = re.compile(r"[。；;！!？?]+")


def sentence_hash(piece: str) -> int:
    """A sentence's 64-bit hash (BLAKE2b, as a signed integer): the same in every process and
    on every machine, so that fingerprints made by different workers, or in different runs of
    a batch, can be compared (Python's own ``hash`` of a string changes from process to process)."""
    return int.from_bytes(blake2b(piece.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def fingerprint(text: str) -> dict[int, int]:
    """The text's sentences as {hash: length}: without spaces, every number as "#".

    Numbers and years change when last year's text is carried over ("2024年" for "2023年", new
    counts), so they are masked (``\\d`` also matches full-width digits); sentences shorter
    than :data:`MIN_SENTENCE` characters are left out.  Hashes are :func:`sentence_hash`
    (stable across processes and runs).
    """
    return {sentence_hash(piece): len(piece) for piece in _ENDS.split(_DIGITS.sub("#", "".join(text.split())))
            if len(piece) >= MIN_SENTENCE}


def report_fingerprints(texts: dict[str, str]) -> tuple[dict[int, int], dict[int, int]]:
    """(section 五, whole text) fingerprints of a report's sections as prose (section key →
    text with the line breaks of extraction removed): what S-COPY and S-COPY-PEER compare."""
    whole: dict[int, int] = {}
    problems: dict[int, int] = {}
    for key, text in texts.items():
        found = fingerprint(text)
        whole.update(found)
        if key == "problems":
            problems = found
    return problems, whole


def shared_share(mine: dict[int, int], other: dict[int, int] | set[int], ignore: set[int] = frozenset()) -> float:
    """Share of ``mine``'s characters in sentences that ``other`` also has (sentences in ``ignore`` left out)."""
    total = sum(n for h, n in mine.items() if h not in ignore)
    if not total:
        return 0.0
    return sum(n for h, n in mine.items() if h in other and h not in ignore) / total
