"""The measures analysts compute from a report, each with its formula and denominator.

Blank-aware: a measure whose operand is blank, a dash, text or ambiguous is not computed
(``value`` is NaN and ``status`` says why).  One exception, said in ``note``: a row whose
总计 is blank while every applicant column is a number is taken as the sum of its columns
(the 2019 上海市人民政府办公厅 report leaves 总计 blank on most rows).  Beside ``value``,
``value_blank_as_zero`` holds the measure with blanks and dashes counted as 0, and ``blanks``
says whether the two differ because of blanks (a report shows 「—」 beside
「空白按 0 计：34.2%」); ``measures(report, blank_as_zero=True)`` makes that the ``value``.

A 总计 that fails its own sum is not used silently: a row's 总计 that differs from the sum of
its printed columns, (七)总计 that differs from the sum of the outcome rows, a table-四 总计
that differs from 维持 + 纠正 + 其他 + 尚未审结 — the measure uses the sum of the parts and
``note`` says so (the rules T3-ROWSUM, T3-OUTCOMES and T4-SUM report the defect itself).  One
exception: a (七)总计 that the balance 一 + 二 = 三（七）+ 四 confirms while the outcome rows'
sum does not is kept (the outcome rows are then what is wrong), and ``note`` says so.

Rates are fractions (0.339, not 33.9); ``unit`` is "%" for them.  ``cases`` is the count the
measure rests on; rankings leave out measures with fewer than :data:`MIN_CASES` cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd

from .model import Report
from .template import (OUTCOME_GROUP_LABELS, T2_COLUMN_DEFS, T2_ROW, T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_ROW,
                       T4_COLUMNS, T4_ROWS, t3_rows)

MIN_CASES = 30
_COLUMN_WORDS = {c.key: c.label for c in (*T3_COLUMNS, *T4_COLUMNS)}
T4_PARTS = tuple(c.key for c in T4_COLUMNS[:-1])
_TABLE_WORDS = {"t2": "表二", "t3": "表三", "t4": "表四"}
_ROW_WORDS = {"t3": {k: r.label for k, r in T3_ROW.items()}, "t4": {r.key: r.label for r in T4_ROWS},
              "t2": {k: r.label for k, r in T2_ROW.items()}}


def _where(table: str, row: str, column: str | None = None) -> str:
    """「表三「（一）予以公开」」 or with a column: 表三「（一）予以公开」「商业企业」 — for messages."""
    said = f"{_TABLE_WORDS.get(table, table)}「{_ROW_WORDS.get(table, {}).get(row, row)}」"
    if column:
        said += f"「{_COLUMN_WORDS.get(column) or (T2_COLUMN_DEFS[column].label if column in T2_COLUMN_DEFS else column)}」"
    return said


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
        return Amount(None, missing=f"{_where(table, row)}未找到")
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
        return Amount(None, missing=f"{_where(table, row, column)}未找到")
    if cell.state == "number":
        return Amount(cell.value)
    return Amount(None, missing=f"{_where(table, row, column)}为{_state_word(cell.state)}", lower=0.0)


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


# --------------------------------------------------------------------------- totals as measured

def _zeroed(report: Report, table: str, row: str, column: str) -> Amount:
    """A cell with blanks and dashes counted as 0 (text, ambiguous or missing still unknown)."""
    cell = report.cell(table, row, column)
    if cell is not None and cell.state in ("blank", "dash"):
        return Amount(0.0, note=f"{_where(table, row, column)}空白按 0 计")
    return cell_amount(report, table, row, column)


def measured_total(report: Report, table: str, row: str, *, blank_as_zero: bool = False,
                   cache: dict | None = None) -> Amount:
    """A row's 总计 as a measure uses it: the printed 总计 when it is the sum of its printed
    columns, else the sum of the columns (said in ``note``); a blank 总计 is the columns' sum.

    For 三（七）总计 the outcome rows are its parts too: when they are all known and their sum
    differs from it, their sum is used.  With ``blank_as_zero`` blank and dash cells count as 0.
    ``cache``: a dict kept while one report's measures are computed (a row's total is asked
    for by several measures; it is the same each time).
    """
    if cache is None:
        return _measured_total(report, table, row, blank_as_zero, {})
    return _measured_total(report, table, row, blank_as_zero, cache)


def _measured_total(report: Report, table: str, row: str, blank_as_zero: bool, cache: dict) -> Amount:
    key = (table, row, blank_as_zero)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _compute_total(report, table, row, blank_as_zero, cache)
    return found


def _compute_total(report: Report, table: str, row: str, blank_as_zero: bool, cache: dict) -> Amount:
    parts_keys = T3_APPLICANT_COLUMNS if table == "t3" else T4_PARTS
    cell = report.cell(table, row, "total")
    printed = add(cell_amount(report, table, row, c) for c in parts_keys)  # the parts as printed
    parts = add(_zeroed(report, table, row, c) for c in parts_keys) if blank_as_zero else printed
    if cell is None:
        amount = row_total(report, table, row)
    elif cell.state == "number":
        if printed.value is not None and abs(printed.value - cell.value) > 1e-9:
            amount = Amount(printed.value, note=f"{_where(table, row)}总计 {cell.value:g} 与各栏之和 {printed.value:g} 不符，"
                                                "按各栏之和计")
        else:
            amount = Amount(cell.value)
    elif (cell.state == "blank" or (blank_as_zero and cell.state == "dash")) and parts.value is not None:
        amount = Amount(parts.value, note="；".join(x for x in (parts.note, f"{_where(table, row)}总计未填，按各栏之和计") if x))
    else:
        amount = row_total(report, table, row)
    if table == "t3" and row == "total_processed":
        outcome_rows = [k for k in layout_rows(report) if T3_ROW[k].group]
        strict = add(_measured_total(report, "t3", k, False, cache) for k in outcome_rows)
        if amount.value is not None and strict.value is not None and abs(strict.value - amount.value) > 1e-9:
            if _balance_holds(report, amount.value) and not _balance_holds(report, strict.value):
                # 一 + 二 = 三（七）+ 四 holds with the printed total: the outcome rows are what is wrong
                amount = Amount(amount.value, note=f"各项办理结果之和 {strict.value:g} 与（七）总计 {amount.value:g} 不符；"
                                                   "（七）总计与本年新收、上年结转、结转下年度的勾稽关系相符，按（七）总计计")
            else:
                amount = Amount(strict.value, note="；".join(x for x in (
                    strict.note, f"（七）总计 {amount.value:g} 与各项办理结果之和 {strict.value:g} 不符，按各项之和计") if x))
        elif amount.value is None:
            outcomes = add(_measured_total(report, "t3", k, blank_as_zero, cache) for k in outcome_rows)
            if outcomes.value is not None:
                amount = Amount(outcomes.value, note="；".join(x for x in (outcomes.note, "（七）总计无法确定，按各项办理结果之和计")
                                                              if x))
    return amount


def _balance_holds(report: Report, processed: float) -> bool:
    """Whether 一 + 二 = 三（七）+ 四 (the template's 勾稽关系, 总计 column) holds with ``processed``
    as 三（七）总计 (False when an operand is unknown)."""
    parts = [measured_total(report, "t3", k) for k in ("new_received", "carried_over", "carried_forward")]
    if any(p.value is None for p in parts):
        return False
    return abs(parts[0].value + parts[1].value - processed - parts[2].value) < 1e-9


# --------------------------------------------------------------------------- measures

@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # Chinese name
    formula: str  # as an analyst writes it
    unit: str  # "%" or "件" or "万元"


_APPLICANTS = [(c.key, c.label) for c in T3_COLUMNS[:-1]]
MEASURES: tuple[Measure, ...] = (
    Measure("new_received", "本年新收申请", "一、本年新收（总计）", "件"),
    Measure("total_processed", "本年办结", "三（七）总计", "件"),
    Measure("open_rate", "公开率", "（予以公开 + 部分公开）÷ 三（七）总计", "%"),
    *(Measure(f"open_rate_{key}", f"公开率（{label}）", f"（予以公开 + 部分公开）÷ 三（七）总计，「{label}」列", "%")
      for key, label in _APPLICANTS),
    Measure("completion_rate", "办结率", "三（七）总计 ÷（一 + 二）", "%"),
    Measure("carry_forward_rate", "结转率", "四、结转下年度继续办理 ÷（一 + 二）", "%"),
    *(Measure(f"{g}_share", f"{label}占比", f"{label} ÷ 三（七）总计", "%") for g, label in OUTCOME_GROUP_LABELS.items()),
    Measure("natural_person_share", "自然人申请占比", "一、自然人 ÷ 一、总计", "%"),
    Measure("review_total", "行政复议", "表四 行政复议 总计", "件"),
    Measure("litigation_total", "行政诉讼", "表四 未经复议直接起诉 + 复议后起诉 总计", "件"),
    Measure("review_correction_rate", "复议纠错率", "复议 结果纠正 ÷（复议 总计 − 尚未审结）", "%"),
    Measure("litigation_correction_rate", "诉讼纠错率", "诉讼 结果纠正 ÷（诉讼 总计 − 尚未审结），两类诉讼合计", "%"),
    Measure("dispute_rate", "争议率", "（复议 总计 + 未经复议直接起诉 总计）÷ 一、本年新收（复议后起诉的案件已在复议中计过一次，不重复计）", "%"),
    Measure("normative_issued", "行政规范性文件 本年制发", "表二 行政规范性文件 本年制发件数（2021 年格式）", "件"),
    Measure("normative_repealed", "行政规范性文件 本年废止", "表二 行政规范性文件 本年废止件数（2021 年格式）", "件"),
    Measure("normative_in_force", "行政规范性文件 现行有效", "表二 行政规范性文件 现行有效件数（2021 年格式）", "件"),
    Measure("licensing_decisions", "行政许可决定", "表二 行政许可 处理决定数量", "件"),
    Measure("punishment_decisions", "行政处罚决定", "表二 行政处罚 处理决定数量", "件"),
    Measure("coercion_decisions", "行政强制决定", "表二 行政强制 处理决定数量", "件"),
    Measure("fees_wan_yuan", "行政事业性收费金额", "表二 行政事业性收费 本年收费金额（万元，2021 年格式）", "万元"),
)
MEASURE = {m.key: m for m in MEASURES}
KEY_MEASURES = ("new_received", "open_rate", "completion_rate", "review_correction_rate",
                "litigation_correction_rate", "dispute_rate")
_T2_MEASURES = {"normative_issued": ("normative_documents", "issued", ("2021",)),
                "normative_repealed": ("normative_documents", "repealed", ("2021",)),
                "normative_in_force": ("normative_documents", "in_force", ("2021",)),
                "licensing_decisions": ("licensing", "decisions", ("2019", "2021")),
                "punishment_decisions": ("punishment", "decisions", ("2019", "2021")),
                "coercion_decisions": ("coercion", "decisions", ("2019", "2021")),
                "fees_wan_yuan": ("fees", "amount_wan_yuan", ("2021",))}


def _ratio(numerator: Amount, denominator: Amount) -> tuple[float | None, str, str]:
    notes = "；".join(a.note for a in (numerator, denominator) if a.note)
    if numerator.value is None or denominator.value is None:
        why = "；".join(a.missing for a in (numerator, denominator) if a.value is None)
        return None, "not_assessable", why
    if denominator.value == 0:
        return None, "no_cases", "分母为 0"
    return numerator.value / denominator.value, "ok", notes


def measures(report: Report, *, blank_as_zero: bool = False) -> pd.DataFrame:
    """One row per measure: value, numerator, denominator, formula, status, note, cases, and
    ``value_blank_as_zero``/``blanks`` (see the module's docstring)."""
    frame = pd.DataFrame(measure_rows(report, blank_as_zero=blank_as_zero))
    frame["rankable"] = frame["cases"].fillna(0) >= MIN_CASES
    return frame


def _operands(report: Report, zero: bool) -> dict[str, tuple[Amount, Amount | None]]:
    """Every measure's (numerator, denominator) — blanks counted as 0 when ``zero``."""
    cache: dict = {}
    total = lambda table, row: _measured_total(report, table, row, zero, cache)  # noqa: E731
    cell = (lambda t, r, c: _zeroed(report, t, r, c)) if zero else (lambda t, r, c: cell_amount(report, t, r, c))  # noqa: E731
    received, carried = total("t3", "new_received"), total("t3", "carried_over")
    processed, forward = total("t3", "total_processed"), total("t3", "carried_forward")
    granted = add([total("t3", "granted"), total("t3", "partially_granted")])
    litigation_rows = ("litigation_direct", "litigation_after_review")
    review_total = total("t4", "review")
    lit_total = add(total("t4", r) for r in litigation_rows)
    review_pending = cell("t4", "review", "pending")
    lit_pending = add(cell("t4", r, "pending") for r in litigation_rows)

    def closed(whole: Amount, pending: Amount) -> Amount:
        if whole.value is None or pending.value is None:
            return Amount(None, missing="；".join(a.missing for a in (whole, pending) if a.value is None))
        return Amount(whole.value - pending.value, note="；".join(a.note for a in (whole, pending) if a.note))

    def group(g: str) -> Amount:
        return add(total("t3", k) for k in group_rows(report, g))

    ops: dict[str, tuple[Amount, Amount | None]] = {
        "new_received": (received, None), "total_processed": (processed, None),
        "open_rate": (granted, processed),
        "completion_rate": (processed, add([received, carried])),
        "carry_forward_rate": (forward, add([received, carried])),
        "natural_person_share": (cell("t3", "new_received", "natural_person"), received),
        "review_total": (review_total, None), "litigation_total": (lit_total, None),
        "review_correction_rate": (cell("t4", "review", "corrected"), closed(review_total, review_pending)),
        "litigation_correction_rate": (add(cell("t4", r, "corrected") for r in litigation_rows),
                                       closed(lit_total, lit_pending)),
        "dispute_rate": (add([review_total, total("t4", "litigation_direct")]), received),
    }
    for key, _ in _APPLICANTS:
        ops[f"open_rate_{key}"] = (add([cell("t3", "granted", key), cell("t3", "partially_granted", key)]),
                                   cell("t3", "total_processed", key))
    for g in OUTCOME_GROUP_LABELS:
        ops[f"{g}_share"] = (group(g), processed)
    for key, (row, column, templates) in _T2_MEASURES.items():
        if report.template not in templates:
            ops[key] = (Amount(None, missing=f"{report.template} 年格式的表二没有此栏"), None)
        else:
            ops[key] = (cell("t2", row, column), None)
    return ops


# the columns of :func:`measure_rows`' dicts (an empty table of measures has them too)
MEASURE_ROW_COLUMNS = ["source", "agency", "year", "measure", "label", "value", "numerator", "denominator", "unit",
                       "formula", "status", "note", "cases", "value_blank_as_zero", "blanks"]


def measure_rows(report: Report, *, blank_as_zero: bool = False) -> list[dict]:
    """:func:`measures` as a list of dicts (many reports make one frame at once)."""
    strict, zeroed = _operands(report, False), _operands(report, True)
    rows: list[dict] = []
    for m in MEASURES:
        values = []
        for ops in (strict, zeroed):
            numerator, denominator = ops[m.key]
            if denominator is None:
                value, status = numerator.value, "ok" if numerator.value is not None else "not_assessable"
                note, cases = numerator.note or numerator.missing, numerator.value
            else:
                value, status, note = _ratio(numerator, denominator)
                cases = denominator.value
            values.append((value, status, note, cases, numerator, denominator))
        (value, status, note, cases, numerator, denominator), (zero_value, zero_status, zero_note, *_) = values
        blanks = status != "ok" and zero_status == "ok"
        if blank_as_zero:
            value, status, note, cases, numerator, denominator = values[1]
            if not note and blanks:
                note = "空白按 0 计"
        rows.append(dict(source=report.source, agency=report.agency, year=report.year,
                         measure=m.key, label=m.label, value=value, numerator=numerator.value,
                         denominator=None if denominator is None else denominator.value, unit=m.unit,
                         formula=m.formula, status=status, note=note, cases=cases,
                         value_blank_as_zero=zero_value if zero_status == "ok" else None, blanks=blanks))
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


def measures_table(reports: Iterable[Report], *, blank_as_zero: bool = False) -> pd.DataFrame:
    """Measures of many reports, long form, with the change from each agency's previous year."""
    from .agencies import agency_key, agency_region, body_keys

    rows = [row for r in reports for row in measure_rows(r, blank_as_zero=blank_as_zero)]
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows)
    table["rankable"] = table["cases"].fillna(0) >= MIN_CASES
    # one body's years, never another body of the same name (福州市鼓楼区 is not 南京市鼓楼区)
    table["agency_key"] = body_keys(table["agency"].map(agency_key).tolist(),
                                    table["agency"].map(agency_region).tolist())
    table = table.sort_values(["agency_key", "measure", "year"], kind="stable")
    previous = table.drop_duplicates(["agency_key", "measure", "year"]).copy()
    previous["year"] = previous["year"] + 1
    previous = previous[["agency_key", "measure", "year", "value"]].rename(columns={"value": "previous"})
    table = table.merge(previous, on=["agency_key", "measure", "year"], how="left")
    table["change"] = table["value"] - table["previous"]
    return table.reset_index(drop=True)


__all__ = ["MEASURES", "KEY_MEASURES", "MEASURE_ROW_COLUMNS", "MIN_CASES", "Amount", "applicant_mix", "group_total", "measured_total",
           "measures", "measures_table", "reasons", "row_total"]
