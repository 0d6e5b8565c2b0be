"""Who published a report and for which year: from its title, and failing that its page.

The agency is taken, in order, from the title (the crawler's 标题 field, the page's ``<title>``, the
first lines), the publisher field (发布机构, 来源), the preamble ("…由上海市长宁区投资促进办公室
编制…") and the signature at the end; the year from the title, the statistical-period sentence
("统计期限自2024年1月1日起") and, last, the signature date (reports are signed early in the next
year).  A candidate name is cleaned (the sentence before it, brackets, quotes) and must look like a
name: never a whole sentence of the preamble (「根据《中华人民共和国政府信息公开条例》……发布《莆田市
城市管理局」) nor a section heading (「一、总体情况」).  Whitespace runs are folded before any pattern
runs, so a title padded with 200,000 spaces costs no more than a short one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..readers.document import Document
from ..template import (AGENCY_SUFFIXES, HEADER_FIELD, PERIOD_PATTERN, PUBLISHED_FIELD_NAMES, PUBLISHER_FIELD_NAMES,
                        REPORT_TITLE_WORDS)

_TITLE = re.compile(
    r"(?P<pre>[^\n。]{0,120}?)(?P<year>(?:19|20)\d{2})\s?年\s?度?\s?(?P<post>[^\n。]{0,60}?)\s?"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?\s?(?:年度)?\s?(?:报告|年报|工作)")
# a note in brackets after a name (「（代表市政府）」, 「（市科委）」): it holds Chinese
_BRACKETED = re.compile(r"[（(][^（）()]{0,40}?[\u3400-\u9fff][^（）()]{0,40}?[）)]")
# What comes before a name in a title or a sentence: the name starts after the last of these.
_BEFORE_NAME = re.compile(r".*(?:[。，；;：:、《「“”」》【】]|关于|印发|公布|发布|转发|编制|现将|特将|根据)")
_NAME = re.compile(rf"^[\u3400-\u9fffA-Za-z0-9·]{{2,40}}?(?:{'|'.join(AGENCY_SUFFIXES)})$")
_NOT_A_NAME = re.compile(r"^[一二三四五六七八九十]+、|报告|条例|本机关|我局|我区|我市|我委|我办|本单位|年度|以下简称")
_PREAMBLE = re.compile(r"(?:由|，|。|^)\s?([^，。；;《》“”\s]{2,40}?)(?:（以下简称[^）]{0,20}）)?\s?(?:编制|编写|制作|发布)(?:完成)?了?(?:本|此)")
_SIGNATURE_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_SPACES = re.compile(r"\s+")
# the title's words, then its year in brackets: 「…政府信息公开工作年度报告（2023年度）」
_TITLE_YEAR_AFTER = re.compile(
    r"(?P<pre>[^\n。]{0,120}?)(?:政府信息公开|政务公开|信息公开)(?:工作)?\s?(?:年度)?\s?(?:报告|年报)\s?"
    r"[（(]\s?(?P<year>(?:19|20)\d{2})\s?年?\s?度?\s?[）)]")
# years and dates written in Chinese numerals: 二〇二三年, 二〇二四年二月十五日
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0"}
_CN_YEAR = re.compile(r"([〇零○Ｏ一二三四五六七八九]{4})(\s*年)")
_CN_DAY = re.compile(r"((?:19|20)\d{2}\s*年\s*)([一二三四五六七八九十]{1,3})(\s*月\s*)([一二三四五六七八九十]{1,3})(\s*日)")


def _cn_small(text: str) -> str:
    """十五 → 15, 二十三 → 23, 三十一 → 31, 二 → 2 (a month or a day)."""
    tens, _, units = text.partition("十")
    if "十" not in text:
        return _CN_DIGIT.get(text, text)
    return str(int(_CN_DIGIT.get(tens, "1") if tens else 1) * 10 + (int(_CN_DIGIT[units]) if units else 0))


def arabic_dates(text: str) -> str:
    """``text`` with years and dates in Chinese numerals written in digits (二〇二三年 → 2023年,
    二〇二四年二月十五日 → 2024年2月15日); everything else unchanged."""
    if not any(c in text for c in "〇零○Ｏ"):
        return text
    text = _CN_YEAR.sub(lambda m: "".join(_CN_DIGIT[c] for c in m.group(1)) + m.group(2), text)
    return _CN_DAY.sub(lambda m: m.group(1) + _cn_small(m.group(2)) + m.group(3) + _cn_small(m.group(4)) + m.group(5),
                       text)


@dataclass
class Identity:
    agency: str | None = None
    agency_from: str = ""
    year: int | None = None
    year_from: str = ""
    signed: str | None = None  # the signature date, ISO
    notes: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # publication fields printed under the title


def fold(text: str, limit: int = 400) -> str:
    """Whitespace runs as one space, cut to ``limit`` characters (after folding; a line is read
    up to its first megabyte)."""
    return _SPACES.sub(" ", text[:1_000_000]).strip()[:limit]


def clean_name(candidate: str | None, *, strict: bool = True) -> str | None:
    """The agency name in ``candidate`` (a title's words before the year, a field), or None when
    what is there is not a name (a sentence, a heading, a phrase of the report).

    ``strict``: the name must end as names of bodies end (局, 委员会, 政府 …); the words a title
    puts before its year are the publisher's name by the title's own form, and need only be a
    phrase (some Chinese, no sentence punctuation, at most 40 characters) — whatever else they
    hold is shown escaped, never interpreted.
    """
    if not candidate:
        return None
    text = _SPACES.sub("", fold(candidate))
    text = _BRACKETED.sub("", text)
    text = _BEFORE_NAME.sub("", text)
    text = text.strip("《》“”\"'「」 ·-—_")
    text = re.sub(r"的$", "", text)
    if not text or _NOT_A_NAME.search(text):
        return None
    if strict and not _NAME.match(text):
        return None
    if not strict and (len(text) > 40 or not re.search(r"[\u3400-\u9fff]", text)):
        return None
    return text


def _title_candidates(doc: Document) -> list[tuple[str, str]]:
    candidates: list[tuple[str, str]] = []
    if doc.fields.get("标题"):
        candidates.append((arabic_dates(fold(doc.fields["标题"])), "title field"))
    head: list[str] = []
    for line in doc.lines[:12]:
        if not line.is_row and line.cells[0].strip():
            head.append(fold(line.cells[0], 200))
        if len(head) >= 4:
            break
    head = [arabic_dates(line) for line in head]
    for i in range(len(head)):
        candidates.append((head[i], "first lines"))
        if i + 1 < len(head):
            candidates.append((head[i] + head[i + 1], "first lines"))
    return candidates


def find_signature_date(doc: Document) -> str | None:
    for line in reversed(doc.lines[-15:]):
        if line.is_row:
            continue
        match = _SIGNATURE_DATE.search(arabic_dates(fold(line.cells[0], 200)))
        if match:
            y, m, d = match.groups()
            return f"{y}-{int(m):02d}-{int(d):02d}"
    return None


def _signature_name(doc: Document) -> str | None:
    """The name signed above the date at the end of the report."""
    tail = [arabic_dates(fold(line.cells[0], 80)) for line in doc.lines[-15:] if not line.is_row and line.cells[0].strip()]
    for i in range(len(tail) - 1, 0, -1):
        if _SIGNATURE_DATE.search(tail[i]):
            name = tail[i][: _SIGNATURE_DATE.search(tail[i]).start()].strip() or tail[i - 1]
            return clean_name(name)
    return None


def _before(text: str, offset: int) -> list[tuple[str, str]]:
    """The last lines before ``offset`` (the first section heading): where a report's title is
    when the file holds other text before the report (a page's chrome, a crawler's dump)."""
    lines = [fold(line, 200) for line in text[max(0, offset - 1500):offset].splitlines() if line.strip()][-4:]
    lines = [arabic_dates(line) for line in lines]
    out = [(line, "lines before the first section") for line in lines]
    out += [(a + b, "lines before the first section") for a, b in zip(lines, lines[1:])]
    return out


_ABOUT = re.compile(r"(?:关于|的)\s*$")


def _head_fields(doc: Document) -> dict[str, str]:
    """Publication fields printed among the first lines, under the title (「发布日期：2024-02-15」
    on the line after it) rather than in a crawler's header."""
    found: dict[str, str] = {}
    seen = 0
    for line in doc.lines[:30]:
        if line.is_row:
            break
        text = line.cells[0].strip()
        if not text:
            continue
        seen += 1
        if seen > 8:
            break
        for part in re.split(r"\s{2,}|\u3000|\|", text):  # 「发布日期：2024-02-15  来源：…」
            match = HEADER_FIELD.match(part)
            if match and match.group(1) in PUBLISHED_FIELD_NAMES and match.group(2).strip():
                found.setdefault(match.group(1), match.group(2).strip())
    return found


def find_identity(doc: Document, text: str, first_section: int | None = None) -> Identity:
    """The report's agency and year, and where each came from (``text``: the report's text, for the
    statistical period and the preamble; ``first_section``: where the first section heading
    starts in it, when one was found)."""
    found = Identity()
    title_year = None
    candidates = _title_candidates(doc)
    if first_section:
        candidates += _before(text, first_section)
    for candidate, where in candidates:
        match = _TITLE.search(candidate) or _TITLE_YEAR_AFTER.search(candidate)
        if not match:
            continue
        if title_year is None:
            title_year, year_where = int(match.group("year")), where
        pre = _ABOUT.sub("", match.group("pre"))  # 「某局关于2023年…」: the name is before 关于
        post = match.groupdict().get("post")
        name = clean_name(pre, strict=False) or clean_name(post)
        if name:
            found.agency, found.agency_from = name, f"title ({where})"
            break
    if found.agency is None:
        for field_name in PUBLISHER_FIELD_NAMES:
            name = clean_name(doc.fields.get(field_name))
            if name:
                found.agency, found.agency_from = name, f"publisher field ({field_name})"
                break
    head = fold(text[:3000], 3000)
    if first_section and first_section > 3000:
        head += " " + fold(text[max(0, first_section - 3000):first_section + 3000], 6000)
    if found.agency is None:
        match = _PREAMBLE.search(head)
        name = clean_name(match.group(1)) if match else None
        if name:
            found.agency, found.agency_from = name, "preamble"
    if found.agency is None:
        name = _signature_name(doc)
        if name:
            found.agency, found.agency_from = name, "signature"
    found.signed = find_signature_date(doc)
    found.fields = _head_fields(doc)
    period = PERIOD_PATTERN.search(arabic_dates(head))
    period_year = int(period.group(1)) if period else None
    if title_year is not None:
        found.year, found.year_from = title_year, f"title ({year_where})"
        if period_year and period_year != title_year:
            found.notes.append(f"title says {title_year} but the statistical period says {period_year}")
    elif period_year is not None:
        found.year, found.year_from = period_year, "statistical period"
    elif found.signed:
        found.year, found.year_from = int(found.signed[:4]) - 1, "signature date (the year before)"
    if found.agency is None:
        found.notes.append("机关名称未识别：标题、发布机构、正文开头和落款中都没有可用的机关名称")
    if found.year is None:
        found.notes.append("年度未识别：标题、统计期限和落款日期中都没有年份")
    return found


def looks_like_report_title(doc: Document) -> bool:
    """A title of the kind every report carries (…政府信息公开工作年度报告) in the title field or
    the first lines."""
    return any(_TITLE.search(candidate) and any(w in candidate for w in REPORT_TITLE_WORDS)
               for candidate, _ in _title_candidates(doc))
