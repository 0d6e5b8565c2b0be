"""What the report notebook shows, as displayable objects (the notebook only calls these).

Every piece of text that comes from a report is escaped before it goes into HTML: a report
is untrusted input, and its narrative may contain markup.

>>> view = ReportView.load("data/corpus/seed_changning_tzcjb_2024/source.txt", context="data/corpus")
>>> view.header()            # displays as an HTML table in Jupyter
>>> view.table("t3")         # table 三 as the template prints it, cells with findings highlighted
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, charts
from .agencies import agency_key
from .checks import at_or_above, check
from .checks.narrative import compare_claims
from .errors import GovDisclosureError
from .export import write_text
from .measures import KEY_MEASURES, MEASURE, measures_table
from .model import Report
from .parse import load_report
from .readers import discover
from .template import (SECTIONS, T2_COLUMN_DEFS, T2_LAYOUT, T2_ROW, T3_COLUMNS, T3_ROW, T4_COLUMNS, T4_ROWS,
                       t3_rows)

CSS = """
<style>
.gd { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 14px; }
.gd table { border-collapse: collapse; margin: 4px 0 12px; }
.gd th, .gd td { border: 1px solid #c9d3df; padding: 3px 8px; vertical-align: top; }
.gd th { background: #eef3f8; font-weight: 600; text-align: left; }
.gd td.num { text-align: right; font-variant-numeric: tabular-nums; }
.gd td.hit { background: #fde2e1; outline: 2px solid #d9534f; }
.gd td.blank, .gd td.dash { color: #8a94a3; }
.gd td.ambiguous { background: #fff3cd; }
.gd .sev-error { color: #b52a25; font-weight: 600; }
.gd .sev-warning { color: #9a6700; font-weight: 600; }
.gd .sev-info { color: #35608f; }
.gd .na { color: #6b7785; }
.gd mark { background: #ffe58f; }
.gd .claim { margin: 2px 0 8px 1.5em; font-size: 13px; }
.gd .muted { color: #6b7785; font-size: 12px; }
.gd p.section { white-space: pre-wrap; line-height: 1.7; }
</style>
"""
_GROUP_HEADINGS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "rejected": "（五）不予处理",
                   "other": "（六）其他处理"}
SEVERITY_WORD = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_WORD = {"fail": "不通过", "not_assessable": "无法判断"}
STATE_SHOWN = {"blank": "（空白）", "ambiguous": "？"}


class Html(str):
    """A string of HTML that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return f'<div class="gd">{CSS}{self}</div>'

    def __repr__(self) -> str:  # the plain-text form a notebook stores beside the HTML
        return f"<HTML, {len(self)} characters>"


def esc(value) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))


def setup() -> None:
    """Once per notebook: figures display as PNG, Chinese renders, wide tables fit."""
    from IPython import get_ipython

    from .fonts import use_cjk_font

    shell = get_ipython()
    if shell is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        shell.run_line_magic("matplotlib", "inline")
        # matplotlib-inline registers the figure formatter once per process; a second shell in
        # the same process (the in-process engine) needs it registered again.  No "tight" box:
        # the charts lay themselves out, and a tight box draws every figure twice.
        set_matplotlib_formats("png", bbox_inches=None)
    use_cjk_font()
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)


_LOCATION_WORDS = ((re.compile(r"\bpage (\d+)"), r"第\1页"), (re.compile(r"\btable (\d+)"), r"表格\1"),
                   (re.compile(r"\brow (\d+)"), r"第\1行"), (re.compile(r"\bcell (\d+)"), r"第\1格"),
                   (re.compile(r"\bline (\d+)"), r"第\1行"), (re.compile(r"\bchar (\d+)"), r"第\1字"),
                   (re.compile(r"\bparagraph (\d+)"), r"第\1段"), (re.compile(r"\by (\d+)"), r"纵坐标\1"),
                   (re.compile(r"\(rowspan\)"), "（合并单元格）"))
_FROM_WORDS = {"caller": "运行参数", "statistical period": "统计期限", "publisher field": "发布机构字段",
               "title (title field)": "标题", "title (first lines)": "正文开头的标题"}


def zh_location(location: str) -> str:
    """"line 12 char 40" → "第12行 第40字": where a number was printed, in Chinese."""
    for pattern, word in _LOCATION_WORDS:
        location = pattern.sub(word, location)
    return location.replace(", ", "，")


def _fmt_number(value, unit: str = "件") -> str:
    if value is None or pd.isna(value):
        return "—"
    if unit == "%":
        return f"{value:.1%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


# --------------------------------------------------------------------------- context

def context_reports(report: Report, context: str | Path | None) -> list[Report]:
    """The same agency's other reports: from a folder, or from a JSON list of files."""
    if not context:
        return []
    path = Path(context)
    if path.suffix == ".json":
        files = [Path(p) for p in json.loads(path.read_text(encoding="utf-8"))]
    elif path.is_dir():
        files = discover([path])
    else:
        raise GovDisclosureError(f"{path}: expected a folder of reports or a .json list of report files, "
                                 f"found {'no such path' if not path.exists() else 'a file of another kind'}")
    key = agency_key(report.agency)
    others: list[Report] = []
    for file in files:
        if file.resolve() == Path(report.source).resolve():
            continue
        try:
            other = load_report(file)
        except GovDisclosureError:
            continue  # a context file that cannot be read does not stop the report
        if agency_key(other.agency) == key and other.year != report.year:
            others.append(other)
    # one report per year: of two renderings, the one with fewer ambiguous cells
    best: dict[int, Report] = {}
    for other in others:
        ambiguous = sum(c.state == "ambiguous" for c in other.cell_list)
        if other.year not in best or ambiguous < sum(c.state == "ambiguous" for c in best[other.year].cell_list):
            best[other.year] = other
    return [best[y] for y in sorted(best)]


def write_file_list(files: list[str], path: Path) -> Path:
    """A .json list of report files (what ``context`` and the comparison accept)."""
    return write_text(path, json.dumps([str(Path(f).resolve()) for f in files], ensure_ascii=False, indent=1))


@dataclass
class ReportView:
    report: Report
    others: list[Report]
    findings: pd.DataFrame  # of this report
    claims: pd.DataFrame
    measures: pd.DataFrame  # this and the other years, long
    parameters: dict = field(default_factory=dict)

    @classmethod
    def load(cls, source: str | Path, *, agency: str | None = None, year: int | None = None,
             context: str | Path | None = None, **parameters) -> "ReportView":
        report = load_report(source, agency=agency, year=year)
        others = context_reports(report, context)
        everything = [*others, report]
        findings = check(everything)
        mine = findings[findings["source"] == report.source].reset_index(drop=True)
        params = dict(source=str(source), agency=agency, year=year, context=None if context is None else str(context))
        params.update(parameters)
        return cls(report, others, mine, compare_claims(report), measures_table(everything), params)

    # ----------------------------------------------------------------- 1 header
    def heading(self) -> Html:
        return Html(f"<h2>{esc(self.title())}</h2>")

    def title(self) -> str:
        r = self.report
        return f"{r.agency or '（机关名称未识别）'} {r.year or ''} 年度政府信息公开工作年度报告 · 检查报告"

    def header(self) -> Html:
        r = self.report
        fields = r.fields
        counts = self.findings[self.findings["status"] == "fail"]["severity"].value_counts()
        rows = [
            ("机关", f"{esc(r.agency)} <span class='muted'>（来自{esc(_FROM_WORDS.get(r.agency_from, r.agency_from))}）</span>"),
            ("年度", f"{esc(r.year)} <span class='muted'>（来自{esc(_FROM_WORDS.get(r.year_from, r.year_from))}）</span>"),
            ("表格格式", f"{esc(r.template)} 年格式" + ("（表三（六）只列一行）" if r.shape.get("t3_other") == "single"
                                                  and r.template == "2021" else "")),
            ("来源文件", f"{esc(Path(r.source).name)} <span class='muted'>{esc(r.format)}</span>"),
            ("SHA-256", f"<code>{esc(r.sha256)}</code>"),
        ]
        for name in ("标题", "发布时间", "发布机构", "落款日期", "原文链接", "原始链接"):
            if fields.get(name):
                rows.append((name, esc(fields[name])))
        rows.append(("表格", "、".join({"t2": "表二", "t3": "表三", "t4": "表四"}[t] for t in r.tables_found) or "未找到"))
        ambiguous = sum(c.state == "ambiguous" for c in r.cell_list)
        recovered = sum(1 for c in r.cell_list if c.how and c.state == "number")
        if recovered or ambiguous:
            rows.append(("受损表格", f"从排版损坏中恢复 {recovered} 个单元格；{ambiguous} 个单元格无法确定（未猜测）"))
        rows.append(("检查结果", "；".join(f"{SEVERITY_WORD[s]} {counts.get(s, 0)} 项" for s in SEVERITY_WORD)
                     + f"；无法判断 {int((self.findings['status'] == 'not_assessable').sum())} 项"))
        body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        notes = "".join(f"<li>{esc(n)}</li>" for n in r.notes)
        how_word = {"loose": "按含义匹配", "similar": "按相似度匹配", "position": "原文缺标签，按位置确定"}
        loose = "".join(f"<li>{esc(n.printed) or '（无标签）'} → {esc(n.canonical)}（{how_word.get(n.how, esc(n.how))}，"
                        f"{esc(zh_location(n.location))}）</li>"
                        for n in r.labels)
        extra = ""
        if loose:
            extra += f"<p class='muted'>与模板不完全一致的标签：</p><ul class='muted'>{loose}</ul>"
        if notes:
            extra += f"<details><summary class='muted'>解析说明（{len(r.notes)} 条）</summary><ul class='muted'>{notes}</ul></details>"
        return Html(f"<table>{body}</table>{extra}")

    # ----------------------------------------------------------------- 2 measures
    def key_measures(self) -> Html:
        table = self.measures
        mine = table[table["source"] == self.report.source]
        rows = []
        for key in KEY_MEASURES + ("total_processed", "review_total", "litigation_total"):
            found = mine[mine["measure"] == key]
            if found.empty:
                continue
            m = found.iloc[0]
            unit = MEASURE[key].unit
            change = ""
            if not pd.isna(m["previous"]):
                delta = m["change"]
                change = (f"{delta * 100:+.1f} 个百分点" if unit == "%" else f"{delta:+,.0f} 件") \
                    if not pd.isna(delta) else "—"
            rows.append(f"<tr><th>{esc(MEASURE[key].label)}</th><td class='num'>{esc(_fmt_number(m['value'], unit))}</td>"
                        f"<td class='num'>{esc(_fmt_number(m['previous'], unit))}</td><td class='num'>{esc(change)}</td>"
                        f"<td class='muted'>{esc(MEASURE[key].formula)}</td>"
                        f"<td class='muted'>{esc(m['note']) if m['status'] != 'ok' or m['note'] else ''}"
                        f"{'' if m['rankable'] else '（不足 30 件，不参与排名）'}</td></tr>")
        previous_year = (self.report.year - 1) if self.report.year else None
        head = (f"<tr><th>指标</th><th>{esc(self.report.year)} 年</th><th>{esc(previous_year)} 年</th><th>变化</th>"
                f"<th>计算方法</th><th>说明</th></tr>")
        note = "" if self.others else "<p class='muted'>未提供同一机关其他年度的报告，无同比数据。</p>"
        return Html(f"<table>{head}{''.join(rows)}</table>{note}")

    # ----------------------------------------------------------------- 3 tables
    def touched(self) -> dict[tuple[str, str, str], list[str]]:
        """Cells that a failing finding involves, with the rules."""
        hits: dict[tuple[str, str, str], list[str]] = {}
        single = self.report.shape.get("t3_other") == "single"
        layout = [r.key for r in t3_rows(self.report.template or "2021", single_other=single)]
        for f in self.findings[self.findings["status"] == "fail"].itertuples():
            keys: list[tuple[str, str, str]] = []
            if f.rule in ("T3-ROWSUM", "T4-SUM"):
                columns = [c.key for c in (T3_COLUMNS if f.table == "t3" else T4_COLUMNS)]
                keys = [(f.table, f.row, c) for c in columns]
            elif f.rule == "T3-OUTCOMES":
                keys = [("t3", k, f.column) for k in layout if T3_ROW[k].group or k == "total_processed"]
            elif f.rule == "T3-BALANCE":
                keys = [("t3", k, f.column) for k in ("new_received", "carried_over", "total_processed", "carried_forward")]
            elif f.table in ("t2", "t3", "t4") and f.row and f.column:
                keys = [(f.table, f.row, f.column)]
            for key in keys:
                hits.setdefault(key, []).append(f.rule)
        return hits

    def table(self, name: str) -> Html:
        r = self.report
        if name not in r.tables_found:
            return Html(f"<p class='na'>报告中未找到{'表二' if name == 't2' else '表三' if name == 't3' else '表四'}。</p>")
        hits = self.touched()
        rows, columns = r.row_keys(name), r.column_keys(name)
        if name == "t2":
            labels = {k: T2_ROW[k].label for k in rows}
            column_labels = {c: T2_COLUMN_DEFS[c].label for c in columns}
            layout = T2_LAYOUT[r.template or "2021"]
        elif name == "t3":
            labels = {k: T3_ROW[k].label for k in rows}
            column_labels = {c.key: c.label for c in T3_COLUMNS}
            layout = {}
        else:
            labels = {row.key: row.label for row in T4_ROWS}
            column_labels = {c.key: c.label for c in T4_COLUMNS}
            layout = {}
        head = "<tr><th></th>" + "".join(f"<th>{esc(column_labels[c])}</th>" for c in columns) + "</tr>"
        body = []
        groups_shown: set[str] = set()
        for row in rows:
            group = T3_ROW[row].group if name == "t3" else None
            if group in _GROUP_HEADINGS and group not in groups_shown:
                groups_shown.add(group)
                body.append(f"<tr><th colspan='{len(columns) + 1}'>{esc(_GROUP_HEADINGS[group])}</th></tr>")
            cells = []
            for column in columns:
                if layout and column not in layout.get(row, ()):
                    cells.append("<td class='blank'></td>")
                    continue
                cell = r.cell(name, row, column)
                classes = ["num"]
                title = ""
                if cell is None:
                    shown, classes = "", ["blank"]
                elif cell.state == "number":
                    shown = _fmt_number(cell.value, "")
                else:
                    shown = STATE_SHOWN.get(cell.state, cell.raw)
                    classes.append(cell.state)
                if cell is not None:
                    title = f"{zh_location(cell.location)}；原文：{cell.raw}" + (f"；{cell.how}" if cell.how else "")
                if (name, row, column) in hits:
                    classes.append("hit")
                    title += "；检查：" + "、".join(hits[(name, row, column)])
                cells.append(f"<td class='{' '.join(classes)}' title='{esc(title)}'>{esc(shown)}</td>")
            indent = "　" if group in _GROUP_HEADINGS else ""
            body.append(f"<tr><th>{indent}{esc(labels[row])}</th>{''.join(cells)}</tr>")
        legend = ("<p class='muted'>红框：检查发现涉及的单元格；“（空白）”：原文未填；“？”：原文受损、无法唯一确定（未猜测）；"
                  "鼠标悬停可见原文位置。</p>")
        return Html(f"<table>{head}{''.join(body)}</table>{legend if name == 't3' else ''}")

    # ----------------------------------------------------------------- 4 charts
    def chart(self, name: str):
        r = self.report
        if name == "trend":
            table = self.measures[self.measures["measure"].isin(
                ("open_rate", "completion_rate", "review_correction_rate", "new_received", "total_processed"))]
            return charts.trend(table[["year", "measure", "label", "value", "unit"]].dropna(subset=["year"]),
                                title=f"{r.agency or ''} 关键指标年度变化")
        if name == "review_litigation":
            return charts.review_litigation(r.table("t4"))
        function = {"outcome_mix": charts.outcome_mix, "refusal_reasons": charts.refusal_reasons,
                    "applicant_mix": charts.applicant_mix}[name]
        table, filled = totals_from_parts(r.table("t3"))
        figure = function(table)
        if filled and name != "applicant_mix":
            charts.add_note(figure, f"{filled} 行总计未填，按已填各列之和绘制（空白未计入，实际可能更多）")
        return figure

    # ----------------------------------------------------------------- 5 findings
    def findings_table(self, *, include_not_assessable: bool = True) -> Html:
        """Failures, most severe first; checks that could not be decided folded below them."""
        fails = self.findings[self.findings["status"] == "fail"]
        undecided = self.findings[self.findings["status"] != "fail"]
        head = "<tr><th>严重程度</th><th>规则</th><th>说明</th><th>应为</th><th>实为</th><th>原文位置</th></tr>"
        parts = [f"<table>{head}{self._finding_rows(fails)}</table>" if len(fails) else "<p>所有可判断的检查均通过。</p>"]
        if include_not_assessable and len(undecided):
            parts.append(f"<details><summary>无法判断的检查 {len(undecided)} 项（所需单元格空白、受损或缺失，或缺少上一年度报告）"
                         f"</summary><table>{head}{self._finding_rows(undecided)}</table></details>")
        return Html("".join(parts))

    @staticmethod
    def _finding_rows(table: pd.DataFrame) -> str:
        rows = []
        for f in table.itertuples():
            percent = str(f.row).endswith("_percent") or f.rule == "S-COPY"
            expected = "" if pd.isna(f.expected) else (f"{f.expected:g}%" if percent and f.rule != "S-COPY" else
                                                       f"{f.expected:.0%}" if f.rule == "S-COPY" else _fmt_number(f.expected, ""))
            actual = "" if pd.isna(f.actual) else (f"{f.actual:g}%" if percent and f.rule != "S-COPY" else
                                                   f"{f.actual:.0%}" if f.rule == "S-COPY" else _fmt_number(f.actual, ""))
            severity = (f"<span class='sev-{esc(f.severity)}'>{SEVERITY_WORD[f.severity]}</span>" if f.status == "fail"
                        else f"<span class='na'>{SEVERITY_WORD[f.severity]}（无法判断）</span>")
            rows.append(f"<tr><td>{severity}</td><td><b>{esc(f.rule)}</b><br><span class='muted'>{esc(f.title)}</span></td>"
                        f"<td>{esc(f.message)}</td><td class='num'>{esc(expected)}</td><td class='num'>{esc(actual)}</td>"
                        f"<td class='muted'>{esc(zh_location(str(f.location)))}</td></tr>")
        return "".join(rows)

    # ----------------------------------------------------------------- 6 sections
    def sections(self) -> Html:
        r = self.report
        claims = self.claims
        parts = []
        for section in SECTIONS:
            text = r.sections.get(section.key)
            heading = r.section_headings.get(section.key, f"{section.number}、{section.title}")
            if not text:
                parts.append(f"<h4>{esc(heading)}</h4><p class='na'>（未找到本部分，或本部分只有表格）</p>")
                continue
            escaped = esc(text)
            mine = claims[claims["section"] == section.key] if not claims.empty else claims
            notes = []
            for c in mine.itertuples():
                phrase = esc(c.phrase)
                if c.status != "agree" and phrase and phrase in escaped:
                    escaped = escaped.replace(phrase, f"<mark>{phrase}</mark>", 1)
                verdict = {"agree": "✓ 与表格一致", "disagree": "✗ 与表格不符", "not_assessable": "？ 无法核对"}[c.status]
                table_value = "" if c.table is None or pd.isna(c.table) else f"，{c.table_what} {_fmt_number(c.table, '')}"
                notes.append(f"<div class='claim'><b>{verdict}</b>：「{esc(c.phrase)}」{esc(table_value)}"
                             f"<span class='muted'> {esc(c.detail)}</span></div>")
            parts.append(f"<h4>{esc(heading)}</h4><p class='section'>{escaped}</p>{''.join(notes)}")
        return Html("".join(parts))

    # ----------------------------------------------------------------- 7 footer
    def footer(self) -> Html:
        rows = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in self.parameters.items())
        return Html(f"<p class='muted'>由 govdisclosure {esc(__version__)} 生成。运行参数：</p><table>{rows}</table>")

    def outcome(self, fail_on: str = "never") -> Html:
        """Raise when a finding at or above ``fail_on`` failed (papermill then marks the run failed)."""
        failing = at_or_above(self.findings, fail_on)
        if len(failing):
            raise ReportCheckFailed(f"{len(failing)} 项检查未通过（级别 ≥ {fail_on}）：" +
                                    "；".join(failing["rule"].unique()))
        return Html(f"<p class='muted'>检查完成（fail_on = {esc(fail_on)}）。</p>")


def totals_from_parts(t3: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Table 三 with each blank 总计 replaced by the sum of its filled applicant columns (for
    charts only: a lower bound, said on the chart); returns the table and how many rows."""
    parts = t3.drop(columns="total")
    fill = t3["total"].isna() & parts.notna().any(axis=1)
    if not fill.any():
        return t3, 0
    table = t3.copy()
    table.loc[fill, "total"] = parts[fill].sum(axis=1, skipna=True).astype("Int64")
    return table, int(fill.sum())


class ReportCheckFailed(GovDisclosureError):
    """A report has findings at or above the ``fail_on`` level the run was given."""


__all__ = ["Html", "ReportView", "ReportCheckFailed", "context_reports", "esc", "setup"]
