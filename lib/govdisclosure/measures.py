"""The measures analysts compute from a report, each with its formula and denominator.

Blank-aware: a measure whose operand is blank, a dash, text or ambiguous is not computed
(``value`` is NaN and ``status`` says why).  One exception, said in ``note``: a row whose
总计 is blank while every applicant column is a number is taken as the sum of its columns
(the 2019 上海市人民政府办公厅 report leaves 总计 blank on most rows).

Rates are fractions (0.339, not 33.9); ``unit`` is "%" for them.  ``cases`` is the count the
measure rests on; rankings leave out measures with fewer than :data:`MIN_CASES` cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd

from .model import Report
from .template import (OUTCOME_GROUP_LABELS, T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_ROW, T4_COLUMNS,
                       t3_rows)

MIN_CASES = 30
_COLUMN_WORDS = {c.key: c.label for c in (*T3_COLUMNS, *T4_COLUMNS)}
T4_PARTS = tuple(c.key for c in T4_COLUMNS[:-1])


@dataclass(frozen=True)
class Amount:
    value: float | None
    note: str = ""  # how it was obtained when not read from one printed cell
    missing: str = ""  # why it is None
    # when ``value`` is None: what the printed numbers already add up to (counts are never
    # negative, so the true value is at least this); None when nothing bounds it
    lower: float | None = None


def row_total(report: Report, table: str, row: str) -> Amount:
    """A row's 总计 (or its parts' sum when 总计 alone is blank)."""
    cell = report.cell(table, row, "total")
    if cell is None:
        return Amount(None, missing=f"{table}:{row} 未找到")
    if cell.state == "number":
        return Amount(cell.value)
    parts = T3_APPLICANT_COLUMNS if table == "t3" else T4_PARTS
    if cell.state == "blank":
        values = [report.cell(table, row, c) for c in parts]
        if all(v is not None and v.state == "number" for v in values):
            return Amount(sum(v.value for v in values), note=f"{cell.label or row} 总计未填，按各列之和计")
        lower = sum(v.value for v in values if v is not None and v.state == "number")
        return Amount(None, missing=f"{_short(cell.label) or row} 总计为空白", lower=lower)
    return Amount(None, missing=f"{_short(cell.label) or row} 总计为{_state_word(cell.state)}", lower=0.0)


def cell_amount(report: Report, table: str, row: str, column: str) -> Amount:
    cell = report.cell(table, row, column)
    if cell is None:
        return Amount(None, missing=f"{table}:{row}:{column} 未找到")
    if cell.state == "number":
        return Amount(cell.value)
    return Amount(None, missing=f"{_short(cell.label) or row}「{_COLUMN_WORDS.get(column, column)}」为{_state_word(cell.state)}",
                  lower=0.0)


def _short(label: str) -> str:
    """The row's own label, without the group labels printed before it."""
    return label.split(" ")[-1] if label else label


def _state_word(state: str) -> str:
    return {"blank": "空白", "dash": "“—”", "text": "文字", "ambiguous": "无法确定的值"}.get(state, state)


def add(amounts: Iterable[Amount]) -> Amount:
    amounts = list(amounts)
    missing = [a.missing for a in amounts if a.value is None]
    if missing:
        lowers = [a.value if a.value is not None else a.lower for a in amounts]
        lower = None if any(x is None for x in lowers) else float(sum(lowers))
        return Amount(None, missing="；".join(missing), lower=lower)
    notes = "；".join(a.note for a in amounts if a.note)
    return Amount(sum(a.value for a in amounts), note=notes)


def layout_rows(report: Report) -> list[str]:
    single = report.shape.get("t3_other") == "single"
    return [r.key for r in t3_rows(report.template or "2021", single_other=single)]


def group_rows(report: Report, group: str) -> list[str]:
    return [k for k in layout_rows(report) if T3_ROW[k].group == group]


def group_total(report: Report, group: str) -> Amount:
    return add(row_total(report, "t3", k) for k in group_rows(report, group))


def t4_total(report: Report, rows: Sequence[str], column: str = "total") -> Amount:
    if column == "total":
        return add(row_total(report, "t4", r) for r in rows)
    return add(cell_amount(report, "t4", r, column) for r in rows)


# --------------------------------------------------------------------------- measures

@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # Chinese name
    formula: str  # as an analyst writes it
    unit: str  # "%" or "件"


MEASURES: tuple[Measure, ...] = (
    Measure("new_received", "本年新收申请", "一、本年新收（总计）", "件"),
    Measure("total_processed", "本年办结", "三（七）总计", "件"),
    Measure("open_rate", "公开率", "（予以公开 + 部分公开）÷ 三（七）总计", "%"),
    Measure("completion_rate", "办结率", "三（七）总计 ÷（一 + 二）", "%"),
    *(Measure(f"{g}_share", f"{label}占比", f"{label} ÷ 三（七）总计", "%") for g, label in OUTCOME_GROUP_LABELS.items()),
    Measure("natural_person_share", "自然人申请占比", "一、自然人 ÷ 一、总计", "%"),
    Measure("review_total", "行政复议", "表四 行政复议 总计", "件"),
    Measure("litigation_total", "行政诉讼", "表四 未经复议直接起诉 + 复议后起诉 总计", "件"),
    Measure("review_correction_rate", "复议纠错率", "复议 结果纠正 ÷（复议 总计 − 尚未审结）", "%"),
    Measure("litigation_correction_rate", "诉讼纠错率", "诉讼 结果纠正 ÷（诉讼 总计 − 尚未审结），两类诉讼合计", "%"),
    Measure("dispute_rate", "争议率", "（复议 总计 + 诉讼 总计）÷ 一、本年新收", "%"),
)
MEASURE = {m.key: m for m in MEASURES}
KEY_MEASURES = ("new_received", "open_rate", "completion_rate", "review_correction_rate",
                "litigation_correction_rate", "dispute_rate")


def _ratio(numerator: Amount, denominator: Amount) -> tuple[float | None, str, str]:
    notes = "；".join(a.note for a in (numerator, denominator) if a.note)
    if numerator.value is None or denominator.value is None:
        why = "；".join(a.missing for a in (numerator, denominator) if a.value is None)
        return None, "not_assessable", why
    if denominator.value == 0:
        return None, "no_cases", "分母为 0"
    return numerator.value / denominator.value, "ok", notes


def measures(report: Report) -> pd.DataFrame:
    """One row per measure: value, numerator, denominator, formula, status, note, cases."""
    frame = pd.DataFrame(measure_rows(report))
    frame["rankable"] = frame["cases"].fillna(0) >= MIN_CASES
    return frame


def measure_rows(report: Report) -> list[dict]:
    """:func:`measures` as a list of dicts (many reports make one frame at once)."""
    received = row_total(report, "t3", "new_received")
    carried = row_total(report, "t3", "carried_over")
    processed = row_total(report, "t3", "total_processed")
    granted = add([row_total(report, "t3", "granted"), row_total(report, "t3", "partially_granted")])
    litigation_rows = ("litigation_direct", "litigation_after_review")
    review_total = t4_total(report, ("review",))
    review_pending = t4_total(report, ("review",), "pending")
    lit_total = t4_total(report, litigation_rows)
    lit_pending = t4_total(report, litigation_rows, "pending")

    def closed(total: Amount, pending: Amount) -> Amount:
        if total.value is None or pending.value is None:
            return Amount(None, missing="；".join(a.missing for a in (total, pending) if a.value is None))
        return Amount(total.value - pending.value, note="；".join(a.note for a in (total, pending) if a.note))

    rows: list[dict] = []

    def put(key: str, numerator: Amount, denominator: Amount | None = None):
        m = MEASURE[key]
        if denominator is None:
            value, status, note = numerator.value, "ok" if numerator.value is not None else "not_assessable", \
                numerator.note or numerator.missing
            cases = numerator.value
        else:
            value, status, note = _ratio(numerator, denominator)
            cases = denominator.value
        rows.append(dict(source=report.source, agency=report.agency, year=report.year,
                         measure=key, label=m.label, value=value, numerator=numerator.value,
                         denominator=None if denominator is None else denominator.value, unit=m.unit,
                         formula=m.formula, status=status, note=note, cases=cases))

    put("new_received", received)
    put("total_processed", processed)
    put("open_rate", granted, processed)
    put("completion_rate", processed, add([received, carried]))
    for group in OUTCOME_GROUP_LABELS:
        put(f"{group}_share", group_total(report, group), processed)
    put("natural_person_share", cell_amount(report, "t3", "new_received", "natural_person"), received)
    put("review_total", review_total)
    put("litigation_total", lit_total)
    put("review_correction_rate", t4_total(report, ("review",), "corrected"), closed(review_total, review_pending))
    put("litigation_correction_rate", t4_total(report, litigation_rows, "corrected"), closed(lit_total, lit_pending))
    put("dispute_rate", add([review_total, lit_total]), received)
    return rows


def reasons(report: Report) -> pd.DataFrame:
    """Refusal reasons: each 不予公开 / 无法提供 / 不予处理 row, its count and share of its group."""
    rows = []
    for group in ("denied", "unable", "rejected"):
        total = group_total(report, group)
        for key in group_rows(report, group):
            amount = row_total(report, "t3", key)
            share = amount.value / total.value if amount.value is not None and total.value else None
            rows.append(dict(group=group, group_label=OUTCOME_GROUP_LABELS[group], row=key,
                             label=T3_ROW[key].label, count=amount.value, share_of_group=share,
                             note=amount.note or amount.missing))
    return pd.DataFrame(rows)


def applicant_mix(report: Report) -> pd.DataFrame:
    """本年新收 by applicant column, with shares of the 总计."""
    total = row_total(report, "t3", "new_received")
    rows = []
    for column in T3_COLUMNS[:-1]:
        amount = cell_amount(report, "t3", "new_received", column.key)
        share = amount.value / total.value if amount.value is not None and total.value else None
        rows.append(dict(column=column.key, label=column.label, count=amount.value, share=share))
    return pd.DataFrame(rows)


def measures_table(reports: Iterable[Report]) -> pd.DataFrame:
    """Measures of many reports, long form, with the change from each agency's previous year."""
    from .agencies import agency_key

    rows = [row for r in reports for row in measure_rows(r)]
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows)
    table["rankable"] = table["cases"].fillna(0) >= MIN_CASES
    table["agency_key"] = table["agency"].map(agency_key)
    table = table.sort_values(["agency_key", "measure", "year"], kind="stable")
    previous = table.drop_duplicates(["agency_key", "measure", "year"]).copy()
    previous["year"] = previous["year"] + 1
    previous = previous[["agency_key", "measure", "year", "value"]].rename(columns={"value": "previous"})
    table = table.merge(previous, on=["agency_key", "measure", "year"], how="left")
    table["change"] = table["value"] - table["previous"]
    return table.reset_index(drop=True)


__all__ = ["MEASURES", "KEY_MEASURES", "MIN_CASES", "Amount", "applicant_mix", "group_total", "measures",
           "measures_table", "reasons", "row_total"]
