"""One generic function per kind of rule.

Every function takes a rule of the catalogue and a :class:`~.frame.Corpus` and returns the
cell groups that did not pass, as finding dicts (``status`` ``fail`` or ``not_assessable``).
Arithmetic rules run over all reports at once on the corpus's arrays; text rules run per
report.  "Selects the rows that fail, and passes when it returns none."
"""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..agencies import (KIND_WORDS, agency_level, government_office_of, may_make_regulations, split_region)
from ..template import (PRE_2019, SECTIONS, T2_COLUMN_DEFS, T2_ROW, T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_ROW,
                        T4_COLUMNS, T4_ROWS, normalise)
from .catalogue import Rule
from .dates import parse_date
from .frame import BLANK, DASH, MISSING, NUMBER, STATES, TEXT, Corpus, Cube
from .narrative import claim_rows, fee_statement
from .text import (content_of, report_fingerprints, repeated_words, self_statements,
                   shared_share, stale_statements)
from .versions import versions

EPS = 1e-6
COLUMN_LABEL = {"t3": {c.key: c.label for c in T3_COLUMNS}, "t4": {c.key: c.label for c in T4_COLUMNS},
                "t2": {k: c.label for k, c in T2_COLUMN_DEFS.items()}}
ROW_LABEL = {"t3": {k: r.label for k, r in T3_ROW.items()}, "t4": {r.key: r.label for r in T4_ROWS},
             "t2": {k: r.label for k, r in T2_ROW.items()}}
TABLE_LABEL = {"t2": "表二", "t3": "表三", "t4": "表四"}
STATE_WORD = {"blank": "空白", "dash": "“—”等", "text": "文字", "ambiguous": "无法确定", "missing": "未找到"}


def _finding(rule: Rule, corpus: Corpus, rid: int, status: str, message: str, *, table: str = "",
             row: str = "", column: str = "", printed: str = "", expected=None, actual=None,
             location: str = "") -> dict:
    source, agency, year, agency_id = corpus.identity(rid)
    gap = actual - expected if expected is not None and actual is not None else None
    return dict(source=source, agency=agency, agency_id=agency_id, year=year, rule=rule.id,
                title=rule.title, severity=rule.severity, status=status, table=table, row=row, column=column,
                printed=printed, expected=expected, actual=actual, gap=gap, message=message, location=location)


def _fmt(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- identity

def identity(rule: Rule, corpus: Corpus, *, blank_as_zero: bool = False) -> list[dict]:
    """``Σ parts = Σ total`` along rows (one group per column) or columns (one per row)."""
    p = rule.params
    cube: Cube = corpus.cubes[p["table"]]
    along_rows = p["along"] == "rows"
    if along_rows:
        P, T = cube.row_index(p["parts"]), cube.row_index(p["total"])
        take = lambda idx: (cube.values[:, idx, :], cube.states[:, idx, :],  # noqa: E731
                            np.broadcast_to(cube.applies[:, idx, None], (len(cube.values), len(idx), len(cube.columns))))
        axis = 1
    else:
        P, T = cube.column_index(p["parts"]), cube.column_index(p["total"])
        take = lambda idx: (cube.values[:, :, idx], cube.states[:, :, idx],  # noqa: E731
                            np.broadcast_to(cube.applies[:, :, None], (len(cube.values), len(cube.rows), len(idx))))
        axis = 2
    usable = (NUMBER, BLANK, DASH) if blank_as_zero else (NUMBER,)
    total_column = np.array([c == "total" for c in cube.columns])
    sides = {}
    for name, idx in (("parts", P), ("total", T)):
        values, states, applies = take(idx)
        good = np.isin(states, usable) & applies
        if blank_as_zero:  # a blank 总计 is 「总计未填」, never 0
            in_total = total_column[None, None, :] if along_rows else total_column[idx][None, None, :]
            good &= ~((states == BLANK) & in_total)
        sides[name] = dict(
            sum=np.where((states == NUMBER) & applies, values, 0.0).sum(axis=axis),
            bad=(~good & applies).any(axis=axis),
            printed=((states != MISSING) & applies).any(axis=axis),
            zeroed=(np.isin(states, (BLANK, DASH)) & applies).any(axis=axis) if blank_as_zero else None,
            total_blank=((states == BLANK) & applies).all(axis=axis),
        )
    parts, total = sides["parts"], sides["total"]
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    present = parts["printed"] | total["printed"]
    if not along_rows:
        present &= cube.applies  # a row of another layout is not checked
    present &= (cube.found & in_template)[:, None]
    not_assessable = present & (parts["bad"] | total["bad"])
    # a blank 总计 beside filled parts is "总计未填", also when blanks count as 0
    unfilled_total = present & total["total_blank"] & ~(parts["bad"]) & parts["printed"]
    if blank_as_zero:
        not_assessable |= unfilled_total & (parts["sum"] > EPS)
    failing = present & ~not_assessable & (np.abs(parts["sum"] - total["sum"]) > EPS)
    cancelling = _cancelling_columns(rule, cube, failing, not_assessable, parts["sum"] - total["sum"]) \
        if along_rows else {}

    out: list[dict] = []
    for rid_pos in np.flatnonzero(~cube.found & in_template):
        rid = corpus.reports.index[rid_pos]
        out.append(_finding(rule, corpus, rid, "not_assessable", f"{TABLE_LABEL[cube.table]}未找到，无法检查",
                            table=cube.table))
    for (r, g) in zip(*np.nonzero(failing | not_assessable)):
        rid = corpus.reports.index[r]
        expected, actual = float(total["sum"][r, g]), float(parts["sum"][r, g])
        if along_rows:
            column = cube.columns[g]
            row_key = "+".join(p["total"])
            where_rows = cube.row_index(p["total"])
            printed = "、".join(cube.label(r, i) or ROW_LABEL[cube.table][cube.rows[i]] for i in where_rows) \
                + f" / {COLUMN_LABEL[cube.table][column]}"
            location = "; ".join(x for x in (cube.location(r, i, g) for i in where_rows) if x)
            group_word = f"「{COLUMN_LABEL[cube.table][column]}」列"
        else:
            row_key = cube.rows[g]
            column = "+".join(p["total"])
            printed = cube.label(r, g) or ROW_LABEL[cube.table][row_key]
            location = "; ".join(x for x in (cube.location(r, g, j) for j in T) if x)
            group_word = f"「{printed}」行"
        if failing[r, g]:
            message = _identity_message(rule, group_word, expected, actual)
            if blank_as_zero and (parts["zeroed"][r, g] or total["zeroed"][r, g]):
                message += "（空白按 0 计）"
            if (r, g) in cancelling:
                message += cancelling[(r, g)]
            out.append(_finding(rule, corpus, rid, "fail", message, table=cube.table, row=row_key, column=column,
                                printed=printed, expected=expected, actual=actual, location=location))
        else:
            if total["total_blank"][r, g] and not parts["bad"][r, g]:
                message = f"{group_word}总计未填（各项之和为 {_fmt(actual)}），不作为不一致"
            elif along_rows and column == "total" and blank_as_zero:
                message = f"{group_word}有总计未填的行（空白的总计不按 0 计），无法检查"
            else:
                message = f"{group_word}有{_bad_cells(cube, r, g, along_rows, P + T)}单元格，无法检查"
            out.append(_finding(rule, corpus, rid, "not_assessable", message, table=cube.table, row=row_key,
                                column=column, printed=printed, location=location))
    return out


def _cancelling_columns(rule: Rule, cube: Cube, failing: np.ndarray, not_assessable: np.ndarray,
                        gaps: np.ndarray) -> dict[tuple[int, int], str]:
    """Column gaps that cancel out while the 总计 column holds: an application entered in the wrong column.

    Returns a note for each failing (report, column) of such a report.
    """
    if "total" not in cube.columns:
        return {}
    t = cube.columns.index("total")
    applicant = [cube.columns.index(c) for c in T3_APPLICANT_COLUMNS if c in cube.columns]
    notes: dict[tuple[int, int], str] = {}
    for r in np.flatnonzero(failing[:, applicant].sum(axis=1) >= 2):
        if failing[r, t] or not_assessable[r, t] or not_assessable[r, applicant].any():
            continue
        columns = [j for j in applicant if failing[r, j]]
        if abs(sum(gaps[r, j] for j in columns)) > EPS:
            continue
        said = "、".join(f"「{COLUMN_LABEL[cube.table][cube.columns[j]]}」{gaps[r, j]:+g}" for j in columns)
        note = (f"；{said}相互抵消，总计列平衡：可能是{_fmt(sum(abs(gaps[r, j]) for j in columns) / 2)}件申请"
                "录入在错误的申请人类别")
        for j in columns:
            notes[(r, j)] = note
    return notes


def _identity_message(rule: Rule, group: str, expected: float, actual: float) -> str:
    gap = actual - expected
    if rule.id == "T3-BALANCE":
        return (f"{group}：本年新收 + 上年结转 = {_fmt(expected)}，办理结果总计 + 结转下年度 = {_fmt(actual)}，"
                f"勾稽关系不成立（相差 {_fmt(gap)}）")
    if rule.id == "T3-OUTCOMES":
        return f"{group}：各项办理结果之和为 {_fmt(actual)}，（七）总计为 {_fmt(expected)}（相差 {_fmt(gap)}）"
    return f"{group}：各项之和为 {_fmt(actual)}，总计栏为 {_fmt(expected)}（相差 {_fmt(gap)}）"


def _bad_cells(cube: Cube, r: int, g: int, along_rows: bool, idx: list[int]) -> str:
    states = cube.states[r, idx, g] if along_rows else cube.states[r, g, idx]
    applies = cube.applies[r, idx] if along_rows else np.repeat(cube.applies[r, g], len(idx))
    found = sorted({STATES[s] for s, a in zip(states, applies) if a and s != NUMBER})
    return "、".join(STATE_WORD[s] for s in found)


# --------------------------------------------------------------------------- cell-wise rules

def integer(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """Every count cell is a non-negative integer (text in a count cell fails too)."""
    out = []
    for name in ("t2", "t3", "t4"):
        cube = corpus.cubes[name]
        kinds = np.array([T2_COLUMN_DEFS[c].kind if name == "t2" else "count" for c in cube.columns])
        counted = np.isin(kinds, ("count", "signed"))[None, None, :]
        values = np.nan_to_num(cube.values)
        fraction = np.abs(values - np.round(values)) > EPS
        negative = (kinds == "count")[None, None, :] & (values < 0)
        bad = counted & ((cube.states == TEXT) | ((cube.states == NUMBER) & (fraction | negative)))
        for r, i, j in zip(*np.nonzero(bad)):
            rid = corpus.reports.index[r]
            raw, location, label = cube.info(r, i, j)
            column = cube.columns[j]
            if cube.states[r, i, j] == TEXT:
                what, actual = f"“{raw}”不是数字", None
            else:
                actual = float(cube.values[r, i, j])
                what = f"{_fmt(actual)} 不是{'非负整数' if kinds[j] == 'count' else '整数'}"
            word = COLUMN_LABEL[name].get(column, column)
            out.append(_finding(rule, corpus, rid, "fail", f"{TABLE_LABEL[name]}「{label or ROW_LABEL[name].get(cube.rows[i], '')}」"
                                                          f"「{word}」栏：{what}",
                                table=name, row=cube.rows[i], column=column, printed=label, actual=actual,
                                location=location))
    return out


def _t2_message_label(cube: Cube, r: int, i: int) -> str:
    return cube.label(r, i) or T2_ROW[cube.rows[i]].label


def inequality(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """``Σ big ≥ Σ plus − Σ minus`` within a table-二 row, per template (T2-STOCK)."""
    cube = corpus.cubes["t2"]
    rows = cube.row_index(("regulations", "normative_documents"))
    out = []
    for template, big, plus, minus in rule.params["cases"]:
        in_template = (corpus.reports["template"] == template).to_numpy()
        operands = cube.column_index(big + plus + minus)
        states = cube.states[:, rows][:, :, operands]
        printed = (states != MISSING).any(axis=2) & in_template[:, None]
        unknown = printed & (states != NUMBER).any(axis=2)
        value = lambda cols: np.nansum(cube.values[:, rows][:, :, cube.column_index(cols)], axis=2)  # noqa: E731
        lhs, rhs = value(big), value(plus) - value(minus)
        failing = printed & ~unknown & (lhs + EPS < rhs)
        names = {c: T2_COLUMN_DEFS[c].label for c in big + plus + minus}
        formula = " − ".join([" + ".join(names[c] for c in plus)] + [names[c] for c in minus])
        first = cube.columns.index(big[0])
        for r, k in zip(*np.nonzero(failing | unknown)):
            i = rows[k]
            rid, label = corpus.reports.index[r], _t2_message_label(cube, r, i)
            location = cube.location(r, i, first)
            if unknown[r, k]:
                out.append(_finding(rule, corpus, rid, "not_assessable", f"表二「{label}」有空白或无法确定的单元格，无法检查",
                                    table="t2", row=cube.rows[i], column=big[0], printed=label, location=location))
            else:
                out.append(_finding(
                    rule, corpus, rid, "fail",
                    f"表二「{label}」：{' + '.join(names[c] for c in big)} {_fmt(lhs[r, k])} 小于 {formula} = {_fmt(rhs[r, k])}",
                    table="t2", row=cube.rows[i], column=big[0], printed=label, expected=float(rhs[r, k]),
                    actual=float(lhs[r, k]), location=location))
    return out


def fee_unit(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    cube = corpus.cubes["t2"]
    i, j = cube.rows.index("fees"), cube.columns.index("amount_wan_yuan")
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    out = []
    for r in np.flatnonzero(in_template & (cube.states[:, i, j] == NUMBER)):
        raw, location, label = cube.info(r, i, j)
        value = float(cube.values[r, i, j])
        if raw.endswith("元") and not raw.endswith("万元"):
            message = f"行政事业性收费金额写作“{raw}”，本栏单位为万元"
        elif value >= rule.params["limit_wan_yuan"]:
            message = f"行政事业性收费金额 {_fmt(value)} 万元大得不合常理，是否按元填写？"
        else:
            continue
        out.append(_finding(rule, corpus, corpus.reports.index[r], "fail", message, table="t2", row="fees",
                            column="amount_wan_yuan", printed=label, actual=value, location=location))
    return out


def regulation_authority(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    cube = corpus.cubes["t2"]
    i = cube.rows.index("regulations")
    columns = cube.column_index(("issued", "in_force", "made", "published", "total_published"))
    positive = (cube.states[:, i, columns] == NUMBER) & (cube.values[:, i, columns] > 0)
    out = []
    for r in np.flatnonzero(positive.any(axis=1)):
        rid = corpus.reports.index[r]
        kind = corpus.reports.at[rid, "kind"]
        allowed = may_make_regulations(kind)
        office = government_office_of(corpus.reports.at[rid, "agency"]) if kind == "department" else None
        if allowed or (office is not None and may_make_regulations(office)):
            continue  # a government's 办公室/办公厅 reports the government's 规章
        j = columns[int(np.argmax(positive[r]))]
        raw, location, label = cube.info(r, i, j)
        value = float(cube.values[r, i, j])
        if allowed is None:
            message, status = f"填报规章 {_fmt(value)} 件；无法从机关名称判断其是否有权制定规章", "not_assessable"
        else:
            message, status = (f"本机关（{_KIND_WORD.get(kind, kind)}）无权制定规章（《立法法》第九十三条：国务院部门、"
                               f"省级和设区的市级政府），表二却填报规章 {_fmt(value)} 件", "fail")
        out.append(_finding(rule, corpus, rid, status, message, table="t2", row="regulations",
                            column=cube.columns[j], printed=label, actual=value, location=location))
    return out


_KIND_WORD = {"county": "县级政府", "township": "乡镇、街道", "department": "地方政府部门"}


# --------------------------------------------------------------------------- across years

def previous_year(corpus: Corpus) -> np.ndarray:
    return corpus.previous


def _no_previous(rule: Rule, corpus: Corpus, pos: int) -> dict:
    rid = corpus.reports.index[pos]
    year = corpus.identity(rid)[2]
    return _finding(rule, corpus, rid, "not_assessable",
                    f"未提供同一机关 {int(year) - 1 if not pd.isna(year) else '上一'} 年度的报告，无法检查")


def carry_over(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    cube = corpus.cubes["t3"]
    prev = previous_year(corpus)
    now_i, before_i = cube.rows.index("carried_over"), cube.rows.index("carried_forward")
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    templates, years, sources = (corpus.reports[c].tolist() for c in ("template", "year", "source"))
    out = []
    for pos, p in enumerate(prev):
        if not in_template[pos]:
            continue
        if p < 0:
            out.append(_no_previous(rule, corpus, pos))
            continue
        rid = corpus.reports.index[pos]
        prev_year = years[p]
        if templates[p] == PRE_2019:
            out.append(_finding(rule, corpus, rid, "not_assessable",
                                f"上一年度（{prev_year}年）报告为2019年以前的旧格式，无结转数据可核对",
                                table="t3", row="carried_over"))
            continue
        for j, column in enumerate(cube.columns):
            s_now, s_before = cube.states[pos, now_i, j], cube.states[p, before_i, j]
            if s_now == NUMBER and s_before == NUMBER and abs(cube.values[pos, now_i, j] - cube.values[p, before_i, j]) <= EPS:
                continue
            printed = f"{cube.label(pos, now_i) or ROW_LABEL['t3']['carried_over']} / {COLUMN_LABEL['t3'][column]}"
            if s_now != NUMBER or s_before != NUMBER:
                if s_now == MISSING and s_before == MISSING:
                    continue
                out.append(_finding(rule, corpus, rid, "not_assessable",
                                    f"「{COLUMN_LABEL['t3'][column]}」列：本年上年结转为{STATE_WORD.get(STATES[s_now], '数字')}，"
                                    f"{prev_year}年结转下年度为{STATE_WORD.get(STATES[s_before], '数字')}，无法核对",
                                    table="t3", row="carried_over", column=column, printed=printed,
                                    location=cube.location(pos, now_i, j)))
                continue
            now, before = cube.values[pos, now_i, j], cube.values[p, before_i, j]
            if abs(now - before) > EPS:
                out.append(_finding(
                    rule, corpus, rid, "fail",
                    f"「{COLUMN_LABEL['t3'][column]}」列：上年结转 {_fmt(now)} 件，但 {prev_year} 年报告结转下年度 {_fmt(before)} 件"
                    f"（{sources[p]} {cube.location(p, before_i, j)}）",
                    table="t3", row="carried_over", column=column, printed=printed, expected=float(before),
                    actual=float(now), location=cube.location(pos, now_i, j)))
    return out


def stock(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    cube = corpus.cubes["t2"]
    prev = previous_year(corpus)
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    f, i_, r_ = (cube.columns.index(c) for c in ("in_force", "issued", "repealed"))
    out = []
    for pos, p in enumerate(prev):
        if not in_template[pos]:
            continue
        if p < 0:
            out.append(_no_previous(rule, corpus, pos))
            continue
        if not in_template[p]:
            continue  # the stock is not printed in the 2019 template
        rid = corpus.reports.index[pos]
        for i in cube.row_index(("regulations", "normative_documents")):
            states = (cube.states[pos, i, f], cube.states[p, i, f], cube.states[pos, i, i_], cube.states[pos, i, r_])
            if MISSING in states:
                continue
            label, location = _t2_message_label(cube, pos, i), cube.location(pos, i, f)
            if any(s != NUMBER for s in states):
                out.append(_finding(rule, corpus, rid, "not_assessable", f"表二「{label}」有空白或无法确定的单元格，无法核对",
                                    table="t2", row=cube.rows[i], column="in_force", printed=label, location=location))
                continue
            now, before = cube.values[pos, i, f], cube.values[p, i, f]
            issued, repealed = cube.values[pos, i, i_], cube.values[pos, i, r_]
            expected = before + issued - repealed
            if abs(now - expected) > EPS:
                out.append(_finding(
                    rule, corpus, rid, "fail",
                    f"表二「{label}」现行有效 {_fmt(now)} 件，上年现行有效 {_fmt(before)} + 本年制发 {_fmt(issued)} − "
                    f"本年废止 {_fmt(repealed)} = {_fmt(expected)} 件",
                    table="t2", row=cube.rows[i], column="in_force", printed=label, expected=float(expected),
                    actual=float(now), location=location))
    return out


def template_year(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    out = []
    table = corpus.reports
    for rid, year, template, t3_other in zip(table.index, table["year"].tolist(), table["template"].tolist(),
                                             table["t3_other"].tolist()):
        if year is None or year is pd.NA:
            continue
        if template == PRE_2019:
            if year >= 2019:
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"{year} 年度报告仍使用2019年以前的旧格式，未按国家模板（国办公开办函〔2019〕60号）列表"))
            continue
        if template == "2019" and year >= 2021:
            out.append(_finding(rule, corpus, rid, "fail", f"{year} 年度报告仍使用 2019 年格式（国办公开办函〔2019〕60号）"))
        elif template == "2021" and year <= 2020:
            out.append(_finding(rule, corpus, rid, "fail", f"{year} 年度报告使用了 2021 年格式，当年应使用 2019 年格式"))
        elif template == "2021" and t3_other == "single":
            out.append(_finding(rule, corpus, rid, "fail",
                                "表三（六）其他处理仍按 2019 年格式只列一行，2021 年格式分为三行",
                                table="t3", row="other_processing"))
    return out


def year_on_year(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    prev = previous_year(corpus)
    params = rule.params
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    out = []
    for pos, p in enumerate(prev):
        if not in_template[pos]:
            continue
        if p >= 0 and not in_template[p]:
            continue  # an old-format year has none of these counts
        if p < 0:
            out.append(_no_previous(rule, corpus, pos))
            continue
        rid = corpus.reports.index[pos]
        for table, row, column in params["measures"]:
            cube = corpus.cubes[table]
            i, j = cube.rows.index(row), cube.columns.index(column)
            now, before = cube.values[pos, i, j], cube.values[p, i, j]
            if np.isnan(now) or np.isnan(before) or max(now, before) < params["min_cases"]:
                continue
            ratio = now / before if before else np.inf
            if ratio > params["high"] or ratio < params["low"]:
                label = ROW_LABEL[table][row]
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"{TABLE_LABEL[table]}「{label}」由 {_fmt(before)} 件变为 {_fmt(now)} 件"
                                    + (f"（为上年的 {ratio:.1f} 倍）" if before else "（上年为 0）"),
                                    table=table, row=row, column=column, printed=label, expected=float(before),
                                    actual=float(now), location=cube.location(pos, i, j)))
    return out


# --------------------------------------------------------------------------- text rules

def _each_report(corpus: Corpus, templates: Iterable[str]) -> Iterable[tuple[int, object]]:
    for pos, report in enumerate(corpus.objects):
        if report is None or report.template not in templates:
            continue
        yield corpus.reports.index[pos], report


def text_counts(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """Numbers the narrative states against the tables (see :mod:`.narrative`); each message quotes the sentence."""
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        texts = corpus.texts(corpus.reports.index.get_loc(rid))
        for c in (SimpleNamespace(**row) for row in claim_rows(report, texts) if row["status"] != "agree"):
            statement = c.quantity.endswith(("_upheld", "_not_corrected"))
            said = f"正文「{c.sentence}」"
            if c.status == "disagree":
                if c.quantity.endswith("_percent"):
                    message = f"{said}所述 {_fmt(c.stated)}% 无法由表中数字复算（{c.detail}）"
                elif statement:
                    message = f"{said}与表四不符：{c.detail}"
                elif c.table is None:
                    message = f"{said}称{c.label} {_fmt(c.stated)} 件，与表格不符：{c.detail}"
                else:
                    message = f"{said}称{c.label} {_fmt(c.stated)} 件，{c.table_what}为 {_fmt(c.table)} 件"
                if c.same_as:
                    message += f"（{_fmt(c.stated)} {c.same_as}）"
                status = "fail"
            else:
                what = "" if statement else f"（{c.label} {_fmt(c.stated)} 件）"
                message = f"{said}{what}，表中对应数字无法确定：{c.detail}"
                status = "not_assessable"
            out.append(_finding(rule, corpus, rid, status, message, table="text", row=c.quantity, column=c.section,
                                printed=c.sentence, expected=c.table,
                                actual=c.stated, location=f"{c.section_title}（{c.location}）"))
    return out


def text_fee(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        if not report.sections.get("other"):
            out.append(_finding(rule, corpus, rid, "not_assessable", "未找到第六部分，无法检查信息处理费说明",
                                table="text", row="other"))
            continue
        sentence, text = fee_statement(report)
        unpaid = report.cell("t3", "other_unpaid_fee", "total")
        if sentence is None:
            extra = ""
            if unpaid is not None and unpaid.state == "number" and unpaid.value > 0:
                extra = f"；表三“逾期未按收费通知缴纳费用”有 {_fmt(unpaid.value)} 件，更应说明收费情况"
            shown = text.strip()[:60] or "（空）"
            out.append(_finding(rule, corpus, rid, "fail", f"第六部分（「{shown}」）未说明信息处理费收取情况" + extra,
                                table="text", row="other", printed=shown,
                                location=report.section_locations.get("other", "")))
    return out


def _title_of(heading: str) -> str:
    """A heading without its numbering ("五、存在的主要问题…" → "存在的主要问题…"), normalised."""
    return normalise(_NUMBERING.sub("", heading))


def sections(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """S-SECTIONS: a section missing (neither heading nor content) or out of order."""
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        pos = corpus.reports.index.get_loc(rid)
        texts = corpus.texts(pos)
        missing = [s for s in SECTIONS if s.key not in report.sections and content_of(texts, s.key) is None]
        if missing:
            out.append(_finding(rule, corpus, rid, "fail",
                                "缺少：" + "、".join(f"{s.number}、{s.title}" for s in missing) + "（标题和内容均未找到）",
                                table="sections", row="+".join(s.key for s in missing)))
        order = [k for k in report.sections if k in SECTION_ORDER]
        if order != sorted(order, key=SECTION_ORDER.get):
            printed = "、".join(report.section_headings.get(k, k)[:16] for k in order)
            out.append(_finding(rule, corpus, rid, "fail", f"六个部分顺序不符：{printed}", table="sections",
                                row="order", location=report.section_locations.get(order[0], "")))
    return out


SECTION_ORDER = {s.key: i for i, s in enumerate(SECTIONS)}


def headings(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """S-HEADINGS: a section present under another title or number, or whose heading is missing
    while its content is there (a converter dropped it)."""
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        pos = corpus.reports.index.get_loc(rid)
        texts = corpus.texts(pos)
        for s in SECTIONS:
            heading = report.section_headings.get(s.key)
            if heading is None:
                if s.key in report.sections:
                    continue
                found = content_of(texts, s.key)
                if found is not None:
                    where, words = found
                    out.append(_finding(rule, corpus, rid, "fail",
                                        f"未找到第{s.number}部分「{s.title}」的标题，但其内容在"
                                        f"「{report.section_headings.get(where, SECTION_TITLE_OF.get(where, where))}」之后（「{words}」）："
                                        "标题可能缺失或在转换中丢失",
                                        table="sections", row=s.key))
                continue
            if not heading:  # the parser found the section by its content: the heading was dropped
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"未找到第{s.number}部分「{s.title}」的标题，按其内容在"
                                    f"{report.section_locations.get(s.key, '')}找到：标题可能缺失或在转换中丢失",
                                    table="sections", row=s.key, location=report.section_locations.get(s.key, "")))
                continue
            problems = []
            if not heading.startswith(s.number):
                problems.append(f"编号应为“{s.number}、”")
            title = _title_of(heading)
            if not any(title.startswith(k) or k.startswith(title) for k in _KNOWN_TITLES[s.key]):
                problems.append(f"标题与模板「{s.number}、{s.title}」不同")
            if problems:
                out.append(_finding(rule, corpus, rid, "fail", f"“{heading[:30]}”：" + "；".join(problems),
                                    table="sections", row=s.key, printed=heading[:30],
                                    location=report.section_locations.get(s.key, "")))
    return out


SECTION_TITLE_OF = {s.key: f"{s.number}、{s.title}" for s in SECTIONS}
_KNOWN_TITLES = {s.key: {normalise(s.title), *(normalise(v) for v in s.variants)} for s in SECTIONS}
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]\s*")


# --------------------------------------------------------------------------- the report as a publication

_DEADLINE_RULE = {"department": (1, 31, "《政府信息公开条例》第四十九条：县级以上人民政府部门应于每年1月31日前公布"),
                  "state_council_department": (1, 31, "《政府信息公开条例》第四十九条：国务院部门应于每年1月31日前公布"),
                  "government": (3, 31, "《政府信息公开条例》第四十九条：县级以上地方人民政府应于每年3月31日前公布本级政府年度报告")}
_OLD_DEADLINE = (3, 31, "2008年《政府信息公开条例》第三十一条：各级行政机关应于每年3月31日前公布")


def deadline(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """S-DEADLINE: the publication date against the statutory deadline of the body's kind.

    Departments (of governments at county level and above, and State Council departments)
    publish by 31 January, governments by 31 March of the next year (条例 2019 第四十九条;
    before the 2019 revision, 31 March for every body).  A body whose kind the name does not
    tell (a government's 办公室, a zone, a 县级市 without an agency table) is late only after
    31 March and on time only by 31 January; in between it is not assessable.
    """
    out = []
    table = corpus.reports
    n = len(table)
    published = table["published"].tolist() if "published" in table else [""] * n
    sources = table["published_from"].tolist() if "published_from" in table else [""] * n
    for rid, year, kind, agency, day, source in zip(table.index, table["year"].tolist(), table["kind"].tolist(),
                                                     table["agency"].tolist(), published, sources):
        if year is None or year is pd.NA:
            continue
        year = int(year)
        when = parse_date(day) if isinstance(day, str) else None
        source = source if isinstance(source, str) and source else "未找到发布日期"
        if when is None:
            out.append(_finding(rule, corpus, rid, "not_assessable",
                                f"{source}（页面元数据和落款均无可用日期），无法检查是否按时公布", table="publication",
                                row="published"))
            continue
        office = government_office_of(agency) if kind == "department" else None
        if year <= 2018:
            rules = [_OLD_DEADLINE]
        elif kind in ("province", "city", "county"):
            rules = [_DEADLINE_RULE["government"]]
        elif kind in ("department", "state_council_department") and office is None:
            rules = [_DEADLINE_RULE[kind]]
        elif kind == "township":
            out.append(_finding(rule, corpus, rid, "not_assessable",
                                f"{when.isoformat()} 公布（{source}）；《条例》未规定乡镇、街道的公布期限，按各地规定核对",
                                table="publication", row="published"))
            continue
        else:
            rules = [_DEADLINE_RULE["department"], _DEADLINE_RULE["government"]]
        limits = [(date(year + 1, m, d), basis) for m, d, basis in rules]
        latest, earliest = max(limits), min(limits)
        said = f"{when.isoformat()} 公布（日期来自{source}）"
        if when > latest[0]:
            days = (when - latest[0]).days
            out.append(_finding(rule, corpus, rid, "fail",
                                f"{said}，晚于 {latest[0].isoformat()} 的期限 {days} 天（{latest[1]}）",
                                table="publication", row="published", printed=when.isoformat(),
                                expected=float(latest[0].toordinal()), actual=float(when.toordinal())))
        elif when > earliest[0]:
            what = "政府办公室（厅）可能代表本级政府公布年度报告" if office else f"本机关类型（{KIND_WORDS.get(kind, kind)}）无法从名称判断"
            out.append(_finding(rule, corpus, rid, "not_assessable",
                                f"{said}：{what}；作为部门报告期限为 {earliest[0].isoformat()}（已逾期 "
                                f"{(when - earliest[0]).days} 天），作为政府报告期限为 {latest[0].isoformat()}（按时）。"
                                "可在机关表中注明类型", table="publication", row="published"))
    return out


def blanks(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """S-BLANK: cells of the report's layout left blank where the template asks for a number (0 when none).

    A blank 总计 beside filled parts is listed as 「总计未填」.
    """
    out = []
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    for name in ("t3", "t4", "t2"):
        cube = corpus.cubes[name]
        blank = (cube.states == BLANK)
        if name == "t3":
            blank &= cube.applies[:, :, None]
        blank &= in_template[:, None, None]
        for r in np.flatnonzero(blank.any(axis=(1, 2))):
            rid = corpus.reports.index[r]
            rows_said, unfilled = [], []
            count = 0
            for i in np.flatnonzero(blank[r].any(axis=1)):
                label = ROW_LABEL[name].get(cube.rows[i], cube.rows[i])
                columns = [j for j in np.flatnonzero(blank[r, i])]
                filled = [j for j in range(len(cube.columns)) if cube.states[r, i, j] == NUMBER]
                total_j = cube.columns.index("total") if "total" in cube.columns else None
                if total_j in columns and filled:
                    unfilled.append(f"「{_short_label(label)}」")
                    columns.remove(total_j)
                    count += 1
                if columns:
                    words = "、".join(COLUMN_LABEL[name].get(cube.columns[j], cube.columns[j]) for j in columns)
                    rows_said.append(f"「{_short_label(label)}」{words}")
                    count += len(columns)
            parts = []
            if rows_said:
                parts.append("；".join(rows_said[:6]) + (f" 等 {len(rows_said)} 行" if len(rows_said) > 6 else ""))
            if unfilled:
                parts.append("总计未填：" + "、".join(unfilled[:6]) + (f" 等 {len(unfilled)} 行" if len(unfilled) > 6 else ""))
            first = np.argwhere(blank[r])[0]
            out.append(_finding(rule, corpus, rid, "fail",
                                f"{TABLE_LABEL[name]}有 {count} 个单元格空白（模板要求填写数字，没有的填 0）：" + "；".join(parts),
                                table=name, row="blank", actual=float(count),
                                location=cube.location(r, int(first[0]), int(first[1]))))
    return out


def _short_label(label: str) -> str:
    return label.split(" ")[-1][:24]


_STATEMENT_WORDS = {"all_done": "称申请均已办结", "no_review": "称未发生行政复议", "no_litigation": "称未发生行政诉讼",
                    "no_applications": "称未收到政府信息公开申请"}


def self_contradiction(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """TX-SELF: the narrative contradicts its tables in words ("均已办结" beside 结转下年度 > 0)."""
    from ..measures import row_total, t4_total

    out = []
    for rid, report in _each_report(corpus, rule.templates):
        pos = corpus.reports.index.get_loc(rid)
        for st in self_statements(corpus.texts(pos)):
            if st.kind == "all_done":
                amount, what = row_total(report, "t3", "carried_forward"), "表三「四、结转下年度继续办理」"
            elif st.kind == "no_applications":
                amount, what = row_total(report, "t3", "new_received"), "表三「一、本年新收政府信息公开申请数量」"
            elif st.kind == "no_review":
                amount, what = t4_total(report, ("review",)), "表四「行政复议」总计"
            else:
                amount, what = t4_total(report, ("litigation_direct", "litigation_after_review")), "表四「行政诉讼」总计"
            value = amount.value if amount.value is not None else amount.lower
            location = f"{SECTION_TITLE_OF.get(st.section, st.section)}（{report.section_locations.get(st.section, '')}）"
            if value is not None and value > EPS:
                shown = _fmt(value) if amount.value is not None else f"至少 {_fmt(value)}"
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"正文「{st.sentence}」{_STATEMENT_WORDS[st.kind]}，但{what}为 {shown} 件",
                                    table="text", row=st.kind, column=st.section, printed=st.sentence,
                                    expected=0.0, actual=float(value), location=location))
            elif amount.value is None and value is None:
                out.append(_finding(rule, corpus, rid, "not_assessable",
                                    f"正文「{st.sentence}」{_STATEMENT_WORDS[st.kind]}；{what}无法确定（{amount.missing}）",
                                    table="text", row=st.kind, column=st.section, printed=st.sentence, location=location))
    return out


def repeated(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """TX-REPEAT: a word printed twice in a row ("资金资金")."""
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        pos = corpus.reports.index.get_loc(rid)
        for st in repeated_words(corpus.texts(pos)):
            out.append(_finding(rule, corpus, rid, "fail", f"文字重复「{st.words}」：「{st.sentence}」",
                                table="text", row="repeated", column=st.section, printed=st.words,
                                location=f"{SECTION_TITLE_OF.get(st.section, st.section)}（{report.section_locations.get(st.section, '')}）"))
    return out


def stale(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """S-STALE: text carried over from another year (another year spoken of as the body's own)
    or from a higher level (its 「全省」 work in a city's report)."""
    out = []
    table = corpus.reports
    columns = zip(table.index, table["template"].tolist(), table["year"].tolist(), table["kind"].tolist(),
                  table["agency"].tolist())
    for pos, (rid, template, year, kind, agency) in enumerate(columns):
        if template not in rule.templates:
            continue
        texts = corpus.texts(pos)
        if not texts:
            continue
        level = agency_level(agency, kind)
        units = split_region(agency).units
        own = units[-1][1] if units else ""
        for st in stale_statements(texts, None if pd.isna(year) else int(year), level, own):
            where = SECTION_TITLE_OF.get(st.section, st.section)
            if st.kind == "stale_year":
                message = (f"{where}：「{st.sentence}」以 {st.value} 年为本机关当年，而本报告为 {int(year)} 年度："
                           "可能沿用了其他年度的文字")
            else:
                scope = st.words
                message = (f"{where}：「{st.sentence}」以上级范围（{_scope_word(st.value)}）为本机关的工作，"
                           f"而本机关为{KIND_WORDS.get(kind, kind)}：可能沿用了上级机关的文字（「{scope}」）")
            out.append(_finding(rule, corpus, rid, "fail", message, table="text", row=st.kind, column=st.section,
                                printed=st.sentence, actual=float(st.value) if st.value is not None else None,
                                location=where))
    return out


def _scope_word(level: int | None) -> str:
    return {4: "全省", 3: "全市", 2: "全县、全区"}.get(level, "上级")


# --------------------------------------------------------------------------- copies

def _fingerprints(corpus: Corpus) -> list[tuple[dict[int, int], dict[int, int]]]:
    """Each report's (section 五, whole text) sentence fingerprints, computed once per corpus
    (or given: the batch computes them where each report is read)."""
    if corpus.fingerprints is None:
        corpus.fingerprints = [report_fingerprints(corpus.texts(pos)) for pos in range(len(corpus.reports))]
    return corpus.fingerprints


def copy(rule: Rule, corpus: Corpus, *, threshold: float | None = None, **_) -> list[dict]:
    """S-COPY: section 五 and the whole text against the same agency's previous year.

    The share of this year's text (sentences of at least 8 characters, numbers masked) that
    repeats last year's; a finding above the threshold (default: more than half, as the
    local scoring rules that deduct for it).
    """
    limit = rule.params["threshold"] if threshold is None else threshold
    prev = previous_year(corpus)
    prints = _fingerprints(corpus)
    years, sources = corpus.reports["year"].to_numpy(), corpus.reports["source"].to_numpy()
    out = []
    for pos, p in enumerate(prev):
        if not corpus.has_text(pos):
            continue
        if p < 0:
            out.append(_no_previous(rule, corpus, pos))
            continue
        rid = corpus.reports.index[pos]
        year_before = years[p]
        for k, (what, key) in enumerate((("第五部分（存在的主要问题及改进情况）", "problems"), ("全文", "full"))):
            mine, before = prints[pos][k], prints[p][k]
            if not mine or not before:
                continue
            share = shared_share(mine, before)
            if share > limit:
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"{what}有 {share:.0%} 的文字（按句计，数字不计）与 {year_before} 年度报告相同，"
                                    f"超过 {limit:.0%}：内容雷同（{sources[p]}）", table="text", row=key,
                                    column=str(year_before), expected=limit, actual=share))
    return out


_LOST_TABLE = {"t2": "表二", "t3": "表三", "t4": "表四"}


def lost_numbers(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """Numbers printed in a table's region that no cell took (``Report.lost``): a value the
    reader could not place, shown as a finding rather than only a note."""
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        for table, printed, where, why in getattr(report, "lost", ()):
            out.append(_finding(rule, corpus, rid, "fail",
                                f"{_LOST_TABLE.get(table, table)}中印出的“{printed[:60]}”未能读入任何单元格（{why}）",
                                table=table, printed=printed[:200], location=where))
    return out


def copy_peer(rule: Rule, corpus: Corpus, *, threshold: float | None = None, **_) -> list[dict]:
    """S-COPY-PEER (雷同): a report whose text repeats another body's report of the same year.

    Sentences that many bodies print (the template's own wording: more than
    ``boilerplate_share`` of the year's agencies, at least ``boilerplate_min``) are left out,
    so what remains is the body's own text.  One primary rendering per agency-year is
    compared; every rendering gets the finding.  The bodies named are those sharing most,
    ties by file path (last first).  The pairs are found by :func:`peer_pairs` (DuckDB: a
    year of a national corpus does not fit in Python dictionaries).
    """
    limit = rule.params["threshold"] if threshold is None else threshold
    table = corpus.reports.reset_index(drop=True)
    primary = corpus.primary()
    keys, names = table["agency_key"].tolist(), table["agency"].tolist()
    sources = table["source"].astype(str).tolist()
    min_chars = rule.params["min_chars"]
    out = []
    for year, group in table[primary & table["year"].notna().to_numpy()].groupby("year"):
        prints = _whole_prints(corpus, list(group.index))
        having = set(prints["pos"].unique().tolist())
        positions = [p for p in group.index if p in having]
        if len(positions) < 2:
            continue
        agencies = len({keys[p] for p in positions})
        cap = max(rule.params["boilerplate_min"], int(rule.params["boilerplate_share"] * agencies))
        codes = {k: i for i, k in enumerate(dict.fromkeys(keys[p] for p in positions))}
        prints = prints.assign(agency=prints["pos"].map(lambda p: codes[keys[p]]).astype("int64"))
        pairs = peer_pairs(prints, cap=cap, limit=limit, min_chars=min_chars)
        found: dict[int, list[tuple[float, str, int]]] = {}
        for p, q, n, total in pairs.itertuples(index=False):
            if n / total > limit and n >= min_chars:
                found.setdefault(int(p), []).append((n / total, sources[q], int(q)))
        for p in positions:
            if p not in found:
                continue
            hits = sorted(found[p], reverse=True)
            key = keys[p]
            said = "、".join(f"「{names[q] or keys[q]}」（{share:.0%}）"
                             for share, _, q in hits[:5]) + (f" 等 {len(hits)} 个机关" if len(hits) > 5 else "")
            for r in np.flatnonzero((table["agency_key"] == key).to_numpy() & (table["year"] == year).to_numpy()):
                rid = corpus.reports.index[r]
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"全文与同年度其他机关的报告雷同：{said}的文字（按句计，数字和通用表述不计）与本报告相同",
                                    table="text", row="peer", column=str(keys[hits[0][2]]),
                                    expected=limit, actual=hits[0][0]))
    return out


def _whole_prints(corpus: Corpus, positions: list[int]) -> pd.DataFrame:
    """pos, hash, n: the whole-text sentences of the reports at ``positions``."""
    if corpus.whole_prints is not None:
        return corpus.whole_prints(positions)
    prints = _fingerprints(corpus)
    rows = [(p, h, n) for p in positions for h, n in prints[p][1].items()]
    return pd.DataFrame(rows, columns=["pos", "hash", "n"]).astype("int64")


def peer_pairs(prints: pd.DataFrame, *, cap: int, limit: float, min_chars: int) -> pd.DataFrame:
    """The pairs of reports of one year that S-COPY-PEER may name.

    ``prints``: one row per (report, sentence): ``pos`` (the report), ``agency`` (an integer
    per body), ``hash`` and ``n`` (the sentence's length).  A sentence printed by more than
    ``cap`` bodies is common wording and left out.  Returns ``p``, ``q``, ``shared`` (the
    characters of p's own sentences that q also prints, q another body) and ``total`` (all of
    p's own characters), for pairs with ``shared ≥ min_chars`` and ``shared / total`` about
    above ``limit`` (the caller applies the exact test).  DuckDB does the grouping and the
    join, and spills to disk rather than running out of memory.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.register("fp", prints[["pos", "agency", "hash", "n"]])
        return con.execute("""
            WITH common AS (SELECT hash FROM fp GROUP BY hash HAVING count(DISTINCT agency) > $cap),
            own AS (SELECT pos, agency, hash, n FROM fp ANTI JOIN common USING (hash)),
            totals AS (SELECT pos, sum(n) AS total FROM own GROUP BY pos),
            pairs AS (SELECT a.pos AS p, b.pos AS q, sum(a.n) AS shared FROM own a JOIN own b
                      ON a.hash = b.hash AND a.agency <> b.agency GROUP BY a.pos, b.pos)
            SELECT p, q, shared::BIGINT AS shared, total::BIGINT AS total
            FROM pairs JOIN totals ON totals.pos = pairs.p
            WHERE shared >= $min_chars AND shared >= $limit * total * (1 - 1e-9)
            ORDER BY p, q""", dict(cap=int(cap), limit=float(limit), min_chars=int(min_chars))).df()
    finally:
        con.close()


def copy_table(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """S-COPY-TABLE: a table identical to the previous year's, with enough non-zero cells and a
    large enough count that the repetition is not chance (``min_nonzero``, ``min_sum`` per table)."""
    prev = previous_year(corpus)
    in_template = corpus.reports["template"].isin(rule.templates).to_numpy()
    now = np.flatnonzero(prev >= 0)
    now = now[in_template[now] & in_template[prev[now]]]
    before = prev[now]
    out = []
    for name, minimum in rule.params["min_nonzero"].items():
        cube = corpus.cubes[name]
        pairs = cube.found[now] & cube.found[before]
        a_states, b_states = cube.states[now], cube.states[before]
        a, b = np.nan_to_num(cube.values[now], nan=-1.0), np.nan_to_num(cube.values[before], nan=-1.0)
        same = pairs & (a_states == b_states).all(axis=(1, 2)) & (np.abs(a - b) <= EPS).all(axis=(1, 2))
        nonzero = ((a_states == NUMBER) & (a > 0)).sum(axis=(1, 2))
        if "total" in cube.columns:
            amount = np.nansum(cube.values[now][:, :, cube.columns.index("total")], axis=1)
        else:
            amount = np.nansum(cube.values[now], axis=(1, 2))
        hit = same & (nonzero >= minimum) & (amount >= rule.params["min_sum"][name])
        for k in np.flatnonzero(hit):
            pos, p = int(now[k]), int(before[k])
            rid = corpus.reports.index[pos]
            year_before = corpus.identity(corpus.reports.index[p])[2]
            out.append(_finding(rule, corpus, rid, "fail",
                                f"{TABLE_LABEL[name]}与 {year_before} 年度报告逐格相同（{int(nonzero[k])} 个非零数字）："
                                "可能沿用了上一年度的表格", table=name, row="all",
                                column=str(year_before), actual=float(nonzero[k])))
    return out


# --------------------------------------------------------------------------- a summary and its members

H_SUM_ROWS = (("t3", "new_received"), ("t3", "carried_over"), ("t3", "total_processed"), ("t3", "carried_forward"),
              ("t4", "review"), ("t4", "litigation_direct"), ("t4", "litigation_after_review"))


def hierarchy_sum(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """H-SUM: a government-wide summary report (全县汇总) holds at least the sum of its members'.

    Members are the reports of the same year whose agency table ``parent`` is the summary's
    agency id (one rendering each).  A member's blank 总计 counts at its filled parts (counts
    are never negative), so the sum is a lower bound and a shortfall is certain.  A report is
    a summary when the agency table says so, or its text says 汇总 / 全县各级行政机关; when
    neither and its members exceed it, the finding is not assessable and says why.
    """
    table = corpus.reports.reset_index(drop=True)
    if "parent" not in table or not (table["parent"].fillna("") != "").any():
        return []
    primary = corpus.primary()
    keys, parents, years = table["agency_key"].tolist(), table["parent"].fillna("").tolist(), table["year"].tolist()
    templates, names = table["template"].tolist(), table["agency"].tolist()
    sources = table["source"].astype(str).tolist()
    flags = table["summary"].tolist() if "summary" in table else [None] * len(table)
    members: dict[tuple[str, int], list[int]] = {}
    for pos in np.flatnonzero(primary):
        if parents[pos] and years[pos] is not None and years[pos] is not pd.NA:
            members.setdefault((parents[pos], int(years[pos])), []).append(int(pos))
    out = []
    for pos in range(len(table)):
        year = years[pos]
        if year is None or year is pd.NA or templates[pos] not in rule.templates:
            continue
        mine = [m for m in members.get((keys[pos], int(year)), []) if m != pos]
        if not mine:
            continue
        rid = corpus.reports.index[pos]
        flag = flags[pos] if flags[pos] is not pd.NA else None
        marker = "" if flag is True else corpus.summary_words(pos)
        if flag is False:
            continue
        for name, row in H_SUM_ROWS:
            cube = corpus.cubes[name]
            i, t = cube.rows.index(row), cube.columns.index("total")
            if cube.states[pos, i, t] != NUMBER:
                continue
            own = float(cube.values[pos, i, t])
            counts = [(m, _lower_total(cube, m, i)) for m in mine]
            known = sum(v for _, v in counts)
            if known <= own + EPS:
                continue
            listed = "、".join(f"{names[m] or keys[m]} {_fmt(v)} 件"
                              for m, v in sorted(counts, key=lambda c: (-c[1], sources[c[0]]))[:10] if v > 0)
            more = f" 等 {len(mine)} 个机关" if len(mine) > 10 else f"（共 {len(mine)} 个机关）"
            label = ROW_LABEL[name][row]
            if flag is True or marker:
                why = "机关表注明为汇总报告" if flag is True else f"正文称「{marker}」"
                out.append(_finding(rule, corpus, rid, "fail",
                                    f"汇总报告（{why}）{TABLE_LABEL[name]}「{label}」一行的总计 {_fmt(own)} 件，少于所属机关之和 "
                                    f"{_fmt(known)} 件：{listed}{more}", table=name, row=row, column="total",
                                    printed=label, expected=known, actual=own,
                                    location=cube.location(pos, i, t)))
            else:
                out.append(_finding(rule, corpus, rid, "not_assessable",
                                    f"{TABLE_LABEL[name]}「{label}」一行的总计 {_fmt(own)} 件，少于所属机关之和 {_fmt(known)} 件"
                                    f"（{listed}）；正文未说明本报告为汇总报告，若为本级报告则不构成问题"
                                    "（可在机关表 summary 栏注明）", table=name, row=row, column="total",
                                    printed=label, expected=known, actual=own))
    return out


def _lower_total(cube: Cube, pos: int, i: int) -> float:
    """A row's 总计, or the sum of its filled parts when 总计 is not a number (a lower bound)."""
    t = cube.columns.index("total")
    if cube.states[pos, i, t] == NUMBER:
        return float(cube.values[pos, i, t])
    parts = [j for j in range(len(cube.columns)) if j != t and cube.states[pos, i, j] == NUMBER]
    return float(sum(cube.values[pos, i, j] for j in parts))


KINDS: dict[str, Callable[..., list[dict]]] = {
    "identity": identity, "integer": integer, "inequality": inequality, "fee_unit": fee_unit,
    "regulation_authority": regulation_authority, "carry_over": carry_over, "stock": stock,
    "template_year": template_year, "year_on_year": year_on_year, "text_counts": text_counts,
    "text_fee": text_fee, "sections": sections, "headings": headings, "copy": copy, "copy_peer": copy_peer,
    "copy_table": copy_table, "deadline": deadline, "blanks": blanks, "self_contradiction": self_contradiction,
    "repeated": repeated, "stale": stale, "hierarchy_sum": hierarchy_sum, "lost_numbers": lost_numbers,
    "versions": versions,
}
CROSS_YEAR = {"carry_over", "stock", "year_on_year", "copy", "copy_peer", "copy_table", "hierarchy_sum"}
