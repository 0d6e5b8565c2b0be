"""One generic function per kind of rule.

Every function takes a rule of the catalogue and a :class:`~.frame.Corpus` and returns the
cell groups that did not pass, as finding dicts (``status`` ``fail`` or ``not_assessable``).
Arithmetic rules run over all reports at once on the corpus's arrays; text rules run per
report.  "Selects the rows that fail, and passes when it returns none."
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from ..agencies import may_make_regulations
from ..template import (SECTIONS, T2_COLUMN_DEFS, T2_ROW, T3_COLUMNS, T3_ROW, T4_COLUMNS, T4_ROWS,
                        normalise)
from .catalogue import Rule
from .frame import BLANK, DASH, MISSING, NUMBER, STATES, TEXT, Corpus, Cube
from .narrative import claim_rows, fee_statement
from .versions import versions

EPS = 1e-6
COLUMN_LABEL = {"t3": {c.key: c.label for c in T3_COLUMNS}, "t4": {c.key: c.label for c in T4_COLUMNS}}
ROW_LABEL = {"t3": {k: r.label for k, r in T3_ROW.items()}, "t4": {r.key: r.label for r in T4_ROWS}}
TABLE_LABEL = {"t2": "表二", "t3": "表三", "t4": "表四"}
STATE_WORD = {"blank": "空白", "dash": "“—”等", "text": "文字", "ambiguous": "无法确定", "missing": "未找到"}


def _finding(rule: Rule, corpus: Corpus, rid: int, status: str, message: str, *, table: str = "",
             row: str = "", column: str = "", printed: str = "", expected=None, actual=None,
             location: str = "") -> dict:
    source, agency, year = corpus.identity(rid)
    gap = actual - expected if expected is not None and actual is not None else None
    return dict(source=source, agency=agency, year=year, rule=rule.id,
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
    sides = {}
    for name, idx in (("parts", P), ("total", T)):
        values, states, applies = take(idx)
        good = np.isin(states, usable) & applies
        sides[name] = dict(
            sum=np.where((states == NUMBER) & applies, values, 0.0).sum(axis=axis),
            bad=(~good & applies).any(axis=axis),
            printed=((states != MISSING) & applies).any(axis=axis),
            zeroed=(np.isin(states, (BLANK, DASH)) & applies).any(axis=axis) if blank_as_zero else None,
            total_blank=((states == BLANK) & applies).all(axis=axis),
        )
    parts, total = sides["parts"], sides["total"]
    present = parts["printed"] | total["printed"]
    if not along_rows:
        present &= cube.applies  # a row of another layout is not checked
    present &= cube.found[:, None]
    not_assessable = present & (parts["bad"] | total["bad"])
    failing = present & ~not_assessable & (np.abs(parts["sum"] - total["sum"]) > EPS)

    out: list[dict] = []
    for rid_pos in np.flatnonzero(~cube.found):
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
            out.append(_finding(rule, corpus, rid, "fail", message, table=cube.table, row=row_key, column=column,
                                printed=printed, expected=expected, actual=actual, location=location))
        else:
            if total["total_blank"][r, g] and not parts["bad"][r, g]:
                message = f"{group_word}总计未填（各项之和为 {_fmt(actual)}），不作为不一致"
            else:
                message = f"{group_word}有{_bad_cells(cube, r, g, along_rows, P + T)}单元格，无法检查"
            out.append(_finding(rule, corpus, rid, "not_assessable", message, table=cube.table, row=row_key,
                                column=column, printed=printed, location=location))
    return out


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
            out.append(_finding(rule, corpus, rid, "fail", f"{TABLE_LABEL[name]}「{label}」{column}：{what}",
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
        if allowed:
            continue
        j = columns[int(np.argmax(positive[r]))]
        raw, location, label = cube.info(r, i, j)
        value = float(cube.values[r, i, j])
        if allowed is None:
            message, status = f"填报规章 {_fmt(value)} 件；无法从机关名称判断其是否有权制定规章", "not_assessable"
        else:
            message, status = f"本机关（{_KIND_WORD.get(kind, kind)}）无权制定规章，表二却填报规章 {_fmt(value)} 件", "fail"
        out.append(_finding(rule, corpus, rid, status, message, table="t2", row="regulations",
                            column=cube.columns[j], printed=label, actual=value, location=location))
    return out


_KIND_WORD = {"county": "县级政府", "township": "乡镇、街道", "department": "地方政府部门"}


# --------------------------------------------------------------------------- across years

def previous_year(corpus: Corpus) -> np.ndarray:
    return corpus.previous


def _no_previous(rule: Rule, corpus: Corpus, pos: int) -> dict:
    rid = corpus.reports.index[pos]
    year = corpus.reports.at[rid, "year"]
    return _finding(rule, corpus, rid, "not_assessable",
                    f"未提供同一机关 {int(year) - 1 if not pd.isna(year) else '上一'} 年度的报告，无法检查")


def carry_over(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    cube = corpus.cubes["t3"]
    prev = previous_year(corpus)
    now_i, before_i = cube.rows.index("carried_over"), cube.rows.index("carried_forward")
    out = []
    for pos, p in enumerate(prev):
        if p < 0:
            out.append(_no_previous(rule, corpus, pos))
            continue
        rid, prev_rid = corpus.reports.index[pos], corpus.reports.index[p]
        prev_year = corpus.reports.at[prev_rid, "year"]
        for j, column in enumerate(cube.columns):
            s_now, s_before = cube.states[pos, now_i, j], cube.states[p, before_i, j]
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
                    f"（{corpus.reports.at[prev_rid, 'source']} {cube.location(p, before_i, j)}）",
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
    for rid, info in corpus.reports.iterrows():
        year, template = info["year"], info["template"]
        if pd.isna(year):
            continue
        if template == "2019" and year >= 2021:
            out.append(_finding(rule, corpus, rid, "fail", f"{year} 年度报告仍使用 2019 年格式（国办公开办函〔2019〕60号）"))
        elif template == "2021" and year <= 2020:
            out.append(_finding(rule, corpus, rid, "fail", f"{year} 年度报告使用了 2021 年格式，当年应使用 2019 年格式"))
        elif template == "2021" and info["t3_other"] == "single":
            out.append(_finding(rule, corpus, rid, "fail",
                                "表三（六）其他处理仍按 2019 年格式只列一行，2021 年格式分为三行",
                                table="t3", row="other_processing"))
    return out


def year_on_year(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    prev = previous_year(corpus)
    params = rule.params
    out = []
    for pos, p in enumerate(prev):
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
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        for c in (SimpleNamespace(**row) for row in claim_rows(report) if row["status"] != "agree"):
            statement = c.quantity.endswith(("_upheld", "_not_corrected"))
            if c.status == "disagree":
                if c.quantity.endswith("_percent"):
                    message = f"正文「{c.phrase}」所述 {_fmt(c.stated)}% 无法由表中数字复算（{c.detail}）"
                elif statement:
                    message = f"正文「{c.phrase}」与表四不符：{c.detail}"
                elif c.table is None:
                    message = f"正文称{c.label} {_fmt(c.stated)} 件，与表格不符：{c.detail}"
                else:
                    message = f"正文称{c.label} {_fmt(c.stated)} 件，{c.table_what}为 {_fmt(c.table)} 件"
                status = "fail"
            else:
                said = f"「{c.phrase}」" if statement else f"{c.label} {_fmt(c.stated)} 件"
                message = f"正文称{said}，表中对应数字无法确定：{c.detail}"
                status = "not_assessable"
            out.append(_finding(rule, corpus, rid, status, message, table="text", row=c.quantity,
                                printed=c.phrase, expected=c.table,
                                actual=c.stated, location=f"{c.section_title}（{c.location}）"))
    return out


def text_fee(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        if not report.sections.get("other"):
            out.append(_finding(rule, corpus, rid, "not_assessable", "未找到第六部分，无法检查信息处理费说明"))
            continue
        sentence, _ = fee_statement(report)
        unpaid = report.cell("t3", "other_unpaid_fee", "total")
        if sentence is None:
            extra = ""
            if unpaid is not None and unpaid.state == "number" and unpaid.value > 0:
                extra = f"；表三“逾期未按收费通知缴纳费用”有 {_fmt(unpaid.value)} 件，更应说明收费情况"
            out.append(_finding(rule, corpus, rid, "fail", "第六部分未说明信息处理费收取情况" + extra,
                                location=report.section_locations.get("other", "")))
    return out


def sections(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    out = []
    for rid, report in _each_report(corpus, rule.templates):
        missing = [s for s in SECTIONS if s.key not in report.sections]
        if missing:
            out.append(_finding(rule, corpus, rid, "fail",
                                "缺少：" + "、".join(f"{s.number}、{s.title}" for s in missing)))
        misnumbered = [f"“{report.section_headings[s.key][:24]}”应为第{s.number}部分" for s in SECTIONS
                       if s.key in report.section_headings and not report.section_headings[s.key].startswith(s.number)]
        if misnumbered:
            out.append(_finding(rule, corpus, rid, "fail", "部分编号或顺序不符：" + "；".join(misnumbered),
                                location=report.section_locations.get(SECTIONS[0].key, "")))
    return out


def copy(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    prev = previous_year(corpus)
    out = []
    for pos, p in enumerate(prev):
        now = corpus.sections[pos]
        if not now:
            continue
        if p < 0:
            out.append(_no_previous(rule, corpus, pos))
            continue
        before = corpus.sections[p]
        key = "problems" if now.get("problems") and before.get("problems") else None
        a = normalise(now[key] if key else "".join(now.values()))
        b = normalise(before[key] if key else "".join(before.values()))
        if not a or not b:
            continue
        similarity = fuzz.ratio(a, b) / 100
        if similarity >= rule.params["threshold"]:
            what = "第五部分（存在的主要问题及改进情况）" if key else "全文"
            rid = corpus.reports.index[pos]
            year_before = corpus.reports.iloc[p]["year"]
            out.append(_finding(rule, corpus, rid, "fail", f"{what}与 {year_before} 年度报告相似度 {similarity:.0%}，内容雷同",
                                expected=rule.params["threshold"], actual=similarity))
    return out


KINDS: dict[str, Callable[..., list[dict]]] = {
    "identity": identity, "integer": integer, "inequality": inequality, "fee_unit": fee_unit,
    "regulation_authority": regulation_authority, "carry_over": carry_over, "stock": stock,
    "template_year": template_year, "year_on_year": year_on_year, "text_counts": text_counts,
    "text_fee": text_fee, "sections": sections, "copy": copy, "versions": versions,
}
CROSS_YEAR = {"carry_over", "stock", "year_on_year", "copy"}
