"""Numbers stated in a report's narrative, found with the phrase they came from and compared
with the tables (TX-COUNTS), and the statement on 信息处理费 (TX-FEE)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import pandas as pd

from ..measures import Amount, add, group_total, row_total, t4_total
from ..model import Report
from ..template import (FEE_STATEMENT, NARRATIVE_APPLICATION_WORD, NARRATIVE_CLAIMS, NARRATIVE_NEEDS_APPLICATION, NARRATIVE_NOT_CORRECTED, NARRATIVE_PERCENT,
                        NARRATIVE_RATE_WORD, NARRATIVE_UPHELD, OUTCOME_GROUP_LABELS, SECTION_TITLES)

_CLAIMS = [(q, re.compile(p)) for q, p in NARRATIVE_CLAIMS]
_PERCENT = re.compile(NARRATIVE_PERCENT)
_UPHELD = re.compile(NARRATIVE_UPHELD)
_NOT_CORRECTED = re.compile(NARRATIVE_NOT_CORRECTED)
_FEE = re.compile(FEE_STATEMENT)
_SENTENCE_END = re.compile(r"[。；;]")
# a line break inside a sentence is an artefact of extraction ("申请\n403件")
_JOIN = re.compile(r"\s*\n\s*")

QUANTITY_LABELS = {
    "received": "收到申请数", "processed": "办结数", "carried_over": "上年结转", "carried_forward": "结转下年度",
    "granted": "予以公开", "partially_granted": "部分公开", "granted_or_partial": "予以公开及部分公开",
    **{g: OUTCOME_GROUP_LABELS[g] for g in ("denied", "unable", "rejected", "other")},
    "review": "行政复议数", "litigation": "行政诉讼数",
    "review_upheld": "行政复议均获维持", "litigation_upheld": "行政诉讼均获维持",
    "review_not_corrected": "行政复议未被纠错",
}


@dataclass
class Claim:
    quantity: str
    stated: float
    phrase: str
    section: str
    percent: float | None = None


def prose(report: Report) -> dict[str, str]:
    """Each section's prose with extraction line breaks removed."""
    return {k: _JOIN.sub("", v) for k, v in report.sections.items() if v}


_COUNT = re.compile(r"\d\s*[件条起个]|维持|纠错|纠正")


def _counting_sentences(text: str) -> str:
    """Only the sentences that state a count (the claim patterns never cross a sentence)."""
    hits = [m.start() for m in _COUNT.finditer(text)]
    if not hits:
        return ""
    ends = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text) + 1]
    chosen = sorted({bisect_right(ends, h) - 1 for h in hits})
    return "。".join(text[ends[i]:ends[i + 1] - 1] for i in chosen)


def find_claims(report: Report) -> list[Claim]:
    found: list[Claim] = []
    for section, text in prose(report).items():
        text = _counting_sentences(text)
        taken: list[tuple[int, int]] = []
        spans: list[tuple[int, int, Claim]] = []
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        for quantity, pattern in _CLAIMS:
            for m in pattern.finditer(text):
                start, end = m.span()
                if any(start < b and a < end for a, b in taken):
                    continue
                if NARRATIVE_RATE_WORD in text[m.start():m.start("n")]:
                    continue  # "办结率100%" is a rate, not a count
                before = bisect_right(ends, start) - 1
                sentence_start = ends[before] if before >= 0 else 0
                if quantity in NARRATIVE_NEEDS_APPLICATION and NARRATIVE_APPLICATION_WORD not in text[sentence_start:end]:
                    continue  # "共办理公共服务事项8057件" is not about applications
                taken.append((start, end))
                phrase = text[max(sentence_start, start - 12):end]
                claim = Claim(quantity, float(m.group("n")), phrase.strip(), section)
                pm = _PERCENT.match(text, end)
                if pm:
                    claim.percent = float(pm.group("p"))
                    claim.phrase = text[max(sentence_start, start - 12):pm.end()].strip()
                spans.append((start, end, claim))
        for sentence in _SENTENCE_END.split(text):
            at = text.find(sentence)
            upheld = _UPHELD.search(sentence)
            if upheld:
                phrase = sentence[max(0, upheld.end() - 50):upheld.end()].strip()
                for word, quantity in (("复议", "review_upheld"), ("诉讼", "litigation_upheld")):
                    if word in sentence[:upheld.end()]:
                        spans.append((at, 0, Claim(quantity, 1, phrase, section)))
            corrected = _NOT_CORRECTED.search(sentence)
            if corrected and "复议" in sentence[:corrected.end()]:
                phrase = sentence[max(0, corrected.end() - 50):corrected.end()].strip()
                spans.append((at, 0, Claim("review_not_corrected", 1, phrase, section)))
        found += [c for _, _, c in sorted(spans, key=lambda item: item[0])]
    return found


def table_amounts(report: Report, quantity: str) -> list[tuple[str, Amount]]:
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
        return [("予以公开 + 部分公开", add([t3("granted"), t3("partially_granted")]))]
    if quantity in ("denied", "unable", "rejected", "other"):
        return [(f"{OUTCOME_GROUP_LABELS[quantity]}各项之和", group_total(report, quantity))]
    if quantity == "review":
        return [("表四 行政复议 总计", t4_total(report, ("review",)))]
    if quantity == "litigation":
        return [("表四 行政诉讼 总计（两类）", t4_total(report, ("litigation_direct", "litigation_after_review")))]
    raise KeyError(quantity)


def _outcome_claim(report: Report, claim: Claim) -> dict:
    """"均获维持" / "未被纠错": no case may show another outcome in table 四."""
    if claim.quantity == "review_not_corrected":
        rows, columns = ("review",), ("corrected",)
    else:
        rows = ("review",) if claim.quantity == "review_upheld" else ("litigation_direct", "litigation_after_review")
        columns = ("corrected", "other", "pending")
    others = [t4_total(report, rows, c) for c in columns]
    shown = sum(a.value if a.value is not None else (a.lower or 0) for a in others)
    what = "表四 " + "、".join({"corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结"}[c] for c in columns)
    row = _row(claim, 0, Amount(shown), what)
    row.update(stated=None, table=None)  # the claim is a statement, not a number
    if shown > 0:
        parts = "，".join(f"{label} {a.value if a.value is not None else a.lower:g} 件"
                         for label, a in zip(what[3:].split("、"), others)
                         if (a.value if a.value is not None else (a.lower or 0)) > 0)
        row.update(status="disagree", detail=f"正文称{QUANTITY_LABELS[claim.quantity]}，但表四{parts}")
    elif any(a.value is None for a in others):
        row.update(status="not_assessable", table=None, detail="；".join(a.missing for a in others if a.value is None))
    return row


def _row(claim: Claim, expected, amount: Amount, what: str) -> dict:
    if amount.value is None and amount.lower is not None and expected is not None and expected < amount.lower - 1e-9:
        # counts are never negative: the cells left blank can only add to what is filled
        status, detail = "disagree", f"表中已填各项之和已达 {amount.lower:g}（{amount.missing}）"
    elif amount.value is None:
        status, detail = "not_assessable", amount.missing
    elif expected is not None and abs(amount.value - expected) < 1e-9:
        status, detail = "agree", amount.note
    else:
        status, detail = "disagree", amount.note
    return dict(quantity=claim.quantity, label=QUANTITY_LABELS[claim.quantity], stated=claim.stated,
                table=amount.value, table_what=what, status=status, detail=detail, phrase=claim.phrase,
                section=claim.section, percent=claim.percent, denominator=None)


def _denominators(report: Report) -> list[tuple[str, Amount]]:
    return [("三（七）总计", row_total(report, "t3", "total_processed")),
            ("一、本年新收", row_total(report, "t3", "new_received")),
            ("一 + 二", add([row_total(report, "t3", "new_received"), row_total(report, "t3", "carried_over")]))]


def _percent_check(report: Report, claim: Claim, numerators: list[float]) -> tuple[str, str]:
    """(status, which denominator reproduces the stated percentage)."""
    decimals = len(str(claim.percent).split(".")[1]) if "." in str(claim.percent) and not str(claim.percent).endswith(".0") else 0
    unit = 10 ** -decimals
    tried = []
    for name, den in _denominators(report):
        if den.value in (None, 0):
            continue
        for numerator in numerators:
            value = 100 * numerator / den.value
            tried.append(f"{numerator:g}/{den.value:g}（{name}）={value:.2f}%")
            if -unit / 2 - 1e-9 <= value - claim.percent < unit - 1e-9:  # rounded or truncated
                return "agree", f"{numerator:g} ÷ {name} {den.value:g} = {value:.{decimals}f}%"
    return ("disagree" if tried else "not_assessable"), "；".join(tried) or "无可用分母"


def compare_claims(report: Report) -> pd.DataFrame:
    """Every claim with the table value it is compared with and whether they agree."""
    columns = ["quantity", "label", "stated", "table", "table_what", "status", "detail", "phrase", "section",
               "percent", "denominator", "location", "section_title"]
    return pd.DataFrame(claim_rows(report), columns=columns)


def claim_rows(report: Report) -> list[dict]:
    """:func:`compare_claims` as a list of dicts (what the checks use: no frame per report)."""
    rows: list[dict] = []
    for claim in find_claims(report):
        if claim.quantity in ("review_upheld", "litigation_upheld", "review_not_corrected"):
            rows.append(_outcome_claim(report, claim))
            continue
        options = table_amounts(report, claim.quantity)
        chosen = None
        for what, amount in options:
            row = _row(claim, claim.stated, amount, what)
            if chosen is None or row["status"] == "agree":
                chosen = row
            if row["status"] == "agree":
                break
        rows.append(chosen)
        if claim.percent is not None:
            numerators = sorted({claim.stated} | ({chosen["table"]} if chosen["table"] is not None else set()))
            status, how = _percent_check(report, claim, numerators)
            rows.append(dict(chosen, quantity=f"{claim.quantity}_percent", label=f"{chosen['label']}百分比",
                             stated=claim.percent, table=None, table_what="百分比", status=status, detail=how,
                             denominator=how if status == "agree" else None))
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
