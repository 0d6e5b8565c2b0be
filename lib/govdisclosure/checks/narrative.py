"""Numbers stated in a report's narrative, found with the sentence they came from and compared
with the tables (TX-COUNTS), and the statement on 信息处理费 (TX-FEE).

A claim keeps the words that set its scope (the phrases are in :mod:`govdisclosure.template`):

* "不予公开等其他类型164件" is every outcome but those the sentence named before it (予以公开
  when it named none): 三（七）总计 − 予以公开;
* "属于已公开或部分公开343件" is 予以公开 + 部分公开;
* "区政府办代表区政府受理…17件" is what one office received for the government: a part of
  一、本年新收, compared as "at most";
* "涉及自然人72件、商业企业3件" and "其中自然人…件" are the applicant columns of the count;
* "占33.9%", "（占51.9%）", "（51.9%）" are percentages, recomputed over each denominator.

A stated number that the table does not give, but that equals another printed figure (a row
of the group, one column), is said with that figure, so the analyst sees where it came from.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

import pandas as pd

from ..measures import Amount, add, cell_amount, group_rows, group_total, row_total, t4_total
from ..model import Report
from ..template import (FEE_STATEMENT, NARRATIVE_APPLICATION_WORD, NARRATIVE_CLAIMS, NARRATIVE_NEEDS_APPLICATION,
                        NARRATIVE_NOT_CORRECTED, NARRATIVE_ON_BEHALF, NARRATIVE_PERCENT, NARRATIVE_RATE_WORD,
                        NARRATIVE_UPHELD, OUTCOME_GROUP_LABELS, SECTION_TITLES, T3_COLUMNS, T3_ROW)

_CLAIMS = [(q, re.compile(p)) for q, p in NARRATIVE_CLAIMS]
_PERCENT = re.compile(NARRATIVE_PERCENT)
_UPHELD = re.compile(NARRATIVE_UPHELD)
_NOT_CORRECTED = re.compile(NARRATIVE_NOT_CORRECTED)
_ON_BEHALF = re.compile(NARRATIVE_ON_BEHALF)
_FEE = re.compile(FEE_STATEMENT)
_SENTENCE_END = re.compile(r"[。；;！!？?]")
_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]?")
# a line break inside a sentence is an artefact of extraction ("申请\n403件")
_JOIN = re.compile(r"\s*\n\s*")
QUOTE_LIMIT = 120

_COLUMN_WORD = {c.key: c.label for c in T3_COLUMNS}
_ORGANISATIONS = ("commercial", "research", "social_welfare", "legal_service", "other_org")
APPLICANT_QUANTITIES = {f"applicant_{c}": (c,) for c in ("natural_person", "commercial", "research",
                                                           "social_welfare", "legal_service")}
APPLICANT_QUANTITIES["applicant_organisations"] = _ORGANISATIONS
OUTCOME_QUANTITIES = ("granted", "partially_granted", "granted_or_partial", "denied", "unable", "rejected", "other")

QUANTITY_LABELS = {
    "received": "收到申请数", "processed": "办结数", "carried_over": "上年结转", "carried_forward": "结转下年度",
    "granted": "予以公开", "partially_granted": "部分公开", "granted_or_partial": "予以公开及部分公开",
    **{g: OUTCOME_GROUP_LABELS[g] for g in ("denied", "unable", "rejected", "other")},
    "not_granted": "不予公开等其他类型",
    "review": "行政复议数", "litigation": "行政诉讼数",
    "review_upheld": "行政复议均获维持", "litigation_upheld": "行政诉讼均获维持",
    "review_not_corrected": "行政复议未被纠错",
    **{q: f"{'法人或其他组织' if q == 'applicant_organisations' else _COLUMN_WORD[cols[0]]}申请数"
       for q, cols in APPLICANT_QUANTITIES.items()},
}


@dataclass
class Claim:
    quantity: str
    stated: float
    phrase: str  # the words of the claim (what a page highlights)
    section: str
    percent: float | None = None
    sentence: str = ""  # the whole sentence, quoted in messages
    scope: str = ""  # "part": the stated count is a part of the table's (a named office's)
    named_before: tuple[str, ...] = field(default=())  # outcome groups the sentence named earlier


def prose(report: Report) -> dict[str, str]:
    """Each section's prose with extraction line breaks removed."""
    return {k: _JOIN.sub("", v) for k, v in report.sections.items() if v}


_COUNT = re.compile(r"[\d维纠](?:(?<=\d)\s*[件条起个]|(?<=维)持|(?<=纠)[错正])")


def _counting_sentences(text: str) -> str:
    """Only the sentences that state a count (the claim patterns never cross a sentence)."""
    search = _COUNT.search
    return "。".join(s for s in _SENTENCE_END.split(text) if search(s))


def quote(sentence: str, start: int = 0, end: int | None = None, limit: int = QUOTE_LIMIT) -> str:
    """A sentence for a message, cut around ``start:end`` with "…" when longer than ``limit``."""
    sentence = sentence.strip()
    if len(sentence) <= limit:
        return sentence
    end = len(sentence) if end is None else end
    middle = (start + end) // 2
    left = max(0, min(middle - limit // 2, len(sentence) - limit))
    right = left + limit
    return ("…" if left > 0 else "") + sentence[left:right] + ("…" if right < len(sentence) else "")


def find_claims(report: Report, texts: dict[str, str] | None = None) -> list[Claim]:
    """The claims of a report's narrative (``texts``: its :func:`prose`, when already made).

    The sentences that state a count, of every section, are read as one text (each pattern
    runs once per report); a claim belongs to the section its sentence came from.
    """
    pieces, sections, starts = [], [], []
    position = 0
    for section, body in (prose(report) if texts is None else texts).items():
        counting = _counting_sentences(body)
        if counting:
            pieces.append(counting)
            sections.append(section)
            starts.append(position)
            position += len(counting) + 1
    if not pieces:
        return []
    text = "。".join(pieces) + "。"
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    section_of = lambda at: sections[bisect_right(starts, at) - 1]  # noqa: E731
    taken: list[tuple[int, int]] = []
    spans: list[tuple[int, int, Claim]] = []
    for quantity, pattern in _CLAIMS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < b and a < end for a, b in taken):
                continue
            if NARRATIVE_RATE_WORD in text[m.start():m.start("n")]:
                continue  # "办结率100%" is a rate, not a count
            before = bisect_right(ends, start) - 1
            sentence_start = ends[before] if before >= 0 else 0
            sentence_end = ends[before + 1] if before + 1 < len(ends) else len(text)
            sentence = text[sentence_start:sentence_end].rstrip("。；;！!？?")
            taken.append((start, end))  # no later pattern reads these words another way
            if quantity in NARRATIVE_NEEDS_APPLICATION and NARRATIVE_APPLICATION_WORD not in text[sentence_start:end]:
                continue  # "共办理公共服务事项8057件" is not about applications
            phrase = text[max(sentence_start, start - 12):end]
            claim = Claim(quantity, float(m.group("n")), phrase.strip(), section_of(start),
                          sentence=quote(sentence, start - sentence_start, end - sentence_start))
            if quantity == "received" and _ON_BEHALF.search(text, sentence_start, end):
                claim.scope = "part"
            pm = _PERCENT.match(text, end)
            if pm:
                claim.percent = float(pm.group("p"))
                claim.phrase = text[max(sentence_start, start - 12):pm.end()].strip()
            spans.append((start, sentence_start, claim))
    if "维持" in text or "纠" in text or "撤销" in text:
        for m in _SENTENCE.finditer(text):
            sentence, at = m.group(0).rstrip("。；;！!？?"), m.start()
            upheld = _UPHELD.search(sentence)
            if upheld:
                phrase = sentence[max(0, upheld.end() - 50):upheld.end()].strip()
                for word, quantity in (("复议", "review_upheld"), ("诉讼", "litigation_upheld")):
                    if word in sentence[:upheld.end()]:
                        spans.append((at, at, Claim(quantity, 1, phrase, section_of(at), sentence=quote(sentence))))
            corrected = _NOT_CORRECTED.search(sentence)
            if corrected and "复议" in sentence[:corrected.end()]:
                phrase = sentence[max(0, corrected.end() - 50):corrected.end()].strip()
                spans.append((at, at, Claim("review_not_corrected", 1, phrase, section_of(at), sentence=quote(sentence))))
    spans.sort(key=lambda item: item[0])
    for start, sentence_start, claim in spans:
        if claim.quantity == "not_granted":
            claim.named_before = tuple(
                c.quantity for s, ss, c in spans
                if ss == sentence_start and s < start and c.quantity in OUTCOME_QUANTITIES)
        elif claim.quantity in APPLICANT_QUANTITIES:  # a split of the count named before it
            claim.named_before = tuple(
                c.quantity for s, ss, c in spans
                if ss == sentence_start and s < start and c.quantity in ("received", "processed"))[-1:]
    return [c for _, _, c in spans]


def _minus(total: Amount, parts: list[Amount]) -> Amount:
    if total.value is None or any(p.value is None for p in parts):
        return Amount(None, missing="；".join(a.missing for a in (total, *parts) if a.value is None))
    return Amount(total.value - sum(p.value for p in parts), note="；".join(a.note for a in (total, *parts) if a.note))


def _outcome_amount(report: Report, quantity: str) -> Amount:
    if quantity in ("granted", "partially_granted"):
        return row_total(report, "t3", quantity)
    if quantity == "granted_or_partial":
        return add([row_total(report, "t3", "granted"), row_total(report, "t3", "partially_granted")])
    return group_total(report, quantity)


def _applicant_amount(report: Report, rows: tuple[str, ...], columns: tuple[str, ...]) -> Amount:
    return add(cell_amount(report, "t3", row, column) for row in rows for column in columns)


def table_amounts(report: Report, quantity: str, claim: Claim | None = None) -> list[tuple[str, Amount]]:
    """The table value(s) a claim of ``quantity`` may mean, as (what, amount)."""
    t3 = lambda row: row_total(report, "t3", row)  # noqa: E731
    if quantity == "received":
        return [("一、本年新收", t3("new_received")),
                ("一 + 二（新收加上年结转）", add([t3("new_received"), t3("carried_over")]))]
    if quantity == "processed":
        return [("三（七）总计", t3("total_processed"))]
    if quantity in ("carried_over", "carried_forward", "granted", "partially_granted"):
        return [(QUANTITY_LABELS[quantity], t3(quantity))]
    if quantity == "granted_or_partial":
        return [("予以公开 + 部分公开", _outcome_amount(report, quantity))]
    if quantity in ("denied", "unable", "rejected", "other"):
        return [(f"{OUTCOME_GROUP_LABELS[quantity]}各项之和", group_total(report, quantity))]
    if quantity == "not_granted":
        named = [q for q in (claim.named_before if claim else ()) if q != "not_granted"] or ["granted"]
        groups = set()
        for q in named:
            groups |= {"granted", "partially_granted"} if q == "granted_or_partial" else {q}
        words = "、".join(OUTCOME_GROUP_LABELS[g] for g in ("granted", "partially_granted", "denied", "unable",
                                                             "rejected", "other") if g in groups)
        return [(f"三（七）总计 − {words}",
                 _minus(t3("total_processed"), [_outcome_amount(report, g) for g in sorted(groups)]))]
    if quantity in APPLICANT_QUANTITIES:
        columns = APPLICANT_QUANTITIES[quantity]
        word = "法人或其他组织" if quantity == "applicant_organisations" else _COLUMN_WORD[columns[0]]
        received = [(f"一、本年新收「{word}」", _applicant_amount(report, ("new_received",), columns)),
                    (f"一 + 二「{word}」", _applicant_amount(report, ("new_received", "carried_over"), columns))]
        processed = [(f"三（七）总计「{word}」", _applicant_amount(report, ("total_processed",), columns))]
        split_of = claim.named_before if claim is not None else ()
        return received if "received" in split_of else processed if "processed" in split_of else received + processed
    if quantity == "review":
        return [("表四 行政复议 总计", t4_total(report, ("review",)))]
    if quantity == "litigation":
        return [("表四 行政诉讼 总计（两类）", t4_total(report, ("litigation_direct", "litigation_after_review")))]
    raise KeyError(quantity)


def _outcome_claim(report: Report, claim: Claim) -> dict:
    """"均获维持" / "未被纠错": no concluded case may show another outcome in table 四.

    Cases 尚未审结 are not contradicted by "均获维持" (it speaks of the cases decided), but a
    statement that all were upheld when none was decided is.
    """
    if claim.quantity == "review_not_corrected":
        rows, columns = ("review",), ("corrected",)
    else:
        rows = ("review",) if claim.quantity == "review_upheld" else ("litigation_direct", "litigation_after_review")
        columns = ("corrected", "other")
    words = {"corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "upheld": "结果维持"}
    others = [t4_total(report, rows, c) for c in columns]
    shown = sum(a.value if a.value is not None else (a.lower or 0) for a in others)
    what = "表四 " + "、".join(words[c] for c in columns)
    row = _row(claim, 0, Amount(shown), what)
    row.update(stated=None, table=None)  # the claim is a statement, not a number
    if shown > 0:
        parts = "，".join(f"{words[c]} {a.value if a.value is not None else a.lower:g} 件"
                         for c, a in zip(columns, others) if (a.value if a.value is not None else (a.lower or 0)) > 0)
        row.update(status="disagree", detail=f"正文称{QUANTITY_LABELS[claim.quantity]}，但表四{parts}")
        return row
    if any(a.value is None for a in others):
        row.update(status="not_assessable", table=None, detail="；".join(a.missing for a in others if a.value is None))
        return row
    if claim.quantity != "review_not_corrected":
        upheld, pending = t4_total(report, rows, "upheld"), t4_total(report, rows, "pending")
        if upheld.value == 0 and (pending.value or 0) > 0:
            row.update(status="disagree",
                       detail=f"正文称{QUANTITY_LABELS[claim.quantity]}，但表四无结果维持的案件，{pending.value:g} 件尚未审结")
        elif pending.value:
            row.update(detail=f"另有 {pending.value:g} 件尚未审结，“均获维持”指已审结的案件")
    return row


def _row(claim: Claim, expected, amount: Amount, what: str) -> dict:
    if amount.value is None and amount.lower is not None and expected is not None and expected < amount.lower - 1e-9 \
            and claim.scope != "part":
        # counts are never negative: the cells left blank can only add to what is filled
        status, detail = "disagree", f"表中已填各项之和已达 {amount.lower:g}（{amount.missing}）"
    elif amount.value is None:
        status, detail = "not_assessable", amount.missing
    elif claim.scope == "part" and expected is not None:
        if expected <= amount.value + 1e-9:
            status, detail = "agree", f"正文所述为代为受理的部分，不超过{what} {amount.value:g} 件"
        else:
            status, detail = "disagree", f"代为受理的部分 {expected:g} 件多于{what} {amount.value:g} 件"
    elif expected is not None and abs(amount.value - expected) < 1e-9:
        status, detail = "agree", amount.note
    else:
        status, detail = "disagree", amount.note
    return dict(quantity=claim.quantity, label=QUANTITY_LABELS[claim.quantity], stated=claim.stated,
                table=amount.value, table_what=what, status=status, detail=detail, phrase=claim.phrase,
                sentence=claim.sentence or claim.phrase, scope=claim.scope,
                section=claim.section, percent=claim.percent, denominator=None, same_as="")


def _denominators(report: Report) -> list[tuple[str, Amount]]:
    return [("三（七）总计", row_total(report, "t3", "total_processed")),
            ("一、本年新收", row_total(report, "t3", "new_received")),
            ("一 + 二", add([row_total(report, "t3", "new_received"), row_total(report, "t3", "carried_over")]))]


def _percent_check(report: Report, claim: Claim, numerators: list[float],
                   denominators: list[tuple[str, Amount]] | None = None) -> tuple[str, str]:
    """(status, which denominator reproduces the stated percentage)."""
    decimals = len(str(claim.percent).split(".")[1]) if "." in str(claim.percent) and not str(claim.percent).endswith(".0") else 0
    unit = 10 ** -decimals
    tried = []
    for name, den in denominators if denominators is not None else _denominators(report):
        if den.value in (None, 0):
            continue
        for numerator in numerators:
            value = 100 * numerator / den.value
            tried.append(f"{numerator:g}/{den.value:g}（{name}）={value:.2f}%")
            if -unit / 2 - 1e-9 <= value - claim.percent < unit - 1e-9:  # rounded or truncated
                return "agree", f"{numerator:g} ÷ {name} {den.value:g} = {value:.{decimals}f}%"
    return ("disagree" if tried else "not_assessable"), "；".join(tried) or "无可用分母"


def same_figure(report: Report, quantity: str, stated: float) -> str:
    """A printed figure of table 三 equal to ``stated`` near the claim's rows, said in Chinese, or "".

    For an outcome claim: the rows of its groups (each row's 总计 and each column); for a
    count of applications: the columns of 一、本年新收 and 三（七）总计.
    """
    if quantity in ("granted", "partially_granted"):
        rows = ["granted", "partially_granted"]
    elif quantity == "granted_or_partial":
        rows = ["granted", "partially_granted"]
    elif quantity in ("denied", "unable", "rejected", "other"):
        rows = group_rows(report, quantity)
    elif quantity in ("received", "processed", "carried_over", "carried_forward") or quantity in APPLICANT_QUANTITIES:
        rows = ["new_received", "carried_over", "total_processed", "carried_forward"]
    else:
        return ""
    for row in rows:
        label = T3_ROW[row].label
        cells = [report.cell("t3", row, c) for c in ("natural_person", *_ORGANISATIONS, "total")]
        total = cells[-1]
        numbers = [c.value for c in cells[:-1] if c is not None and c.state == "number"]
        if total is not None and total.state == "number" and abs(total.value - stated) < 1e-9 and len(rows) > 1:
            return f"与表三「{label}」总计相同"
        if (total is None or total.state != "number") and numbers and abs(sum(numbers) - stated) < 1e-9 and stated > 0:
            return f"与表三「{label}」已填各栏之和相同"
        for column, cell in zip(("natural_person", *_ORGANISATIONS), cells):
            if cell is not None and cell.state == "number" and abs(cell.value - stated) < 1e-9 and stated > 0:
                return f"与表三「{label}」的「{_COLUMN_WORD[column]}」一栏相同"
    return ""


def compare_claims(report: Report) -> pd.DataFrame:
    """Every claim with the table value it is compared with and whether they agree."""
    columns = ["quantity", "label", "stated", "table", "table_what", "status", "detail", "phrase", "section",
               "percent", "denominator", "location", "section_title", "sentence", "scope", "same_as"]
    return pd.DataFrame(claim_rows(report), columns=columns)


def claim_rows(report: Report, texts: dict[str, str] | None = None) -> list[dict]:
    """:func:`compare_claims` as a list of dicts (what the checks use: no frame per report)."""
    rows: list[dict] = []
    denominators: list[tuple[str, Amount]] | None = None
    for claim in find_claims(report, texts):
        if claim.quantity in ("review_upheld", "litigation_upheld", "review_not_corrected"):
            rows.append(_outcome_claim(report, claim))
            continue
        options = table_amounts(report, claim.quantity, claim)
        chosen = None
        for what, amount in options:
            row = _row(claim, claim.stated, amount, what)
            if chosen is None or row["status"] == "agree":
                chosen = row
            if row["status"] == "agree":
                break
        if chosen["status"] == "disagree":
            chosen["same_as"] = same_figure(report, claim.quantity, claim.stated)
        rows.append(chosen)
        if claim.percent is not None:
            numerators = sorted({claim.stated} | ({chosen["table"]} if chosen["table"] is not None else set()))
            if denominators is None:
                denominators = _denominators(report)
            status, how = _percent_check(report, claim, numerators, denominators)
            rows.append(dict(chosen, quantity=f"{claim.quantity}_percent", label=f"{chosen['label']}百分比",
                             stated=claim.percent, table=None, table_what="百分比", status=status, detail=how,
                             denominator=how if status == "agree" else None, same_as=""))
    for row in rows:
        row["location"] = report.section_locations.get(row["section"], "")
        row["section_title"] = SECTION_TITLES.get(row["section"], row["section"])
    return rows


def fee_statement(report: Report) -> tuple[str | None, str]:
    """(the sentence of section 六 about 信息处理费, or None; the section's text)."""
    text = _JOIN.sub("", report.sections.get("other", ""))
    match = _FEE.search(text)
    if not match:
        return None, text
    start = max((s.end() for s in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
    end = _SENTENCE_END.search(text, match.end())
    return text[start:end.end() if end else len(text)].strip(), text
