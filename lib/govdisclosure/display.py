"""What a report notebook displays: styled tables and small HTML blocks, built from templates.

The notebook does the analysis in visible steps (load, check, measure, chart); this module
only turns the resulting objects into something a reader can take in::

    import govdisclosure as gd
    gd.display.setup()
    report = gd.load_report(source)
    findings = gd.check(report)
    gd.display.summary(report, findings, gd.measures(report))   # the first screen
    gd.display.table(report, "t3", findings)                    # a pandas Styler
    gd.display.findings(findings)
    gd.display.narrative(report, gd.checks.compare_claims(report), findings)

HTML is made by Jinja2 templates (``templates/display/*.html.j2``, autoescaped) and pandas
``Styler`` (``format(escape="html")``); no report text reaches the page unescaped.  Anchors tie
a finding to the cells or the sentence it concerns and back: ``finding-<index>`` for a finding
(its label in the findings frame, so a filtered frame keeps its links), ``T_<table>_row<i>_col<j>``
for a cell of :func:`table` (pandas' own cell ids), ``claim-<n>`` for a sentence of
:func:`narrative`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from markupsafe import Markup, escape

from . import __version__
from .checks import at_or_above
from .checks.reviews import counted
from .errors import GovDisclosureError
from .measures import KEY_MEASURES, MEASURE
from .model import Report
from .names import DIRECTION_CONTROLS
from .template import (OUTCOME_GROUP_LABELS, SECTION_KEYS, SECTIONS, T2_COLUMN_DEFS, T2_LAYOUT, T2_ROW,
                       T3_COLUMNS, T3_ROW, T4_COLUMNS, T4_ROWS, t3_rows)

TEMPLATES = Path(__file__).resolve().parent / "templates"
SEVERITY_WORD = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_WORD = {"fail": "不通过", "not_assessable": "无法判断"}
STATE_SHOWN = {"blank": "（空白）", "ambiguous": "？"}
TABLE_WORD = {"t2": "表二", "t3": "表三", "t4": "表四"}
READER_WORD = {"text": "文本（爬虫或复制）", "html": "网页 HTML", "markdown": "Markdown", "docx": "Word 文档",
               "pdfplumber": "PDF 文字层（pdfplumber）", "pdfium": "PDF 文字层（pdfium）", "ocr": "PDF 图像文字识别（OCR）"}
_FROM_WORDS = {"caller": "运行参数", "statistical period": "统计期限", "publisher field": "发布机构字段",
               "title (title field)": "标题", "title (first lines)": "正文开头的标题"}
_LOCATION_WORDS = ((re.compile(r"\bpage (\d+)"), r"第\1页"), (re.compile(r"\btable (\d+)"), r"表格\1"),
                   (re.compile(r"\brow (\d+)"), r"第\1行"), (re.compile(r"\bcell (\d+)"), r"第\1格"),
                   (re.compile(r"\bline (\d+)"), r"第\1行"), (re.compile(r"\bchar (\d+)"), r"第\1字"),
                   (re.compile(r"\bparagraph (\d+)"), r"第\1段"), (re.compile(r"\by (\d+)"), r"纵坐标\1"),
                   (re.compile(r"\(rowspan\)"), "（合并单元格）"))
#: the page's stylesheet, shared with the HTML export (``templates/report.css``)
STYLESHEET = TEMPLATES / "report.css"
PAGE_RULES = "/* == the page"  # where the stylesheet's rules for whole pages begin


#: Unicode direction controls (bidi embeddings, overrides and isolates, LRM/RLM, ALM): report
#: text never needs them, and one left open reorders what follows it on the page (U+202E
#: shows "2021" as "1202"), so they are dropped from everything a page or index shows
BIDI_CONTROLS = DIRECTION_CONTROLS


def plain(text):
    """``text`` without direction controls (:data:`BIDI_CONTROLS`); markup stays markup and
    anything that is not text is returned as it is."""
    if not isinstance(text, str) or not BIDI_CONTROLS.search(text):
        return text
    if hasattr(text, "__html__"):  # removing a character never makes a tag
        return Markup(BIDI_CONTROLS.sub("", str(text.__html__())))
    return BIDI_CONTROLS.sub("", text)


class Html(str):
    """A block of HTML made by a template; Jupyter displays it as HTML.

    ``metadata`` travels with the display output (the HTML export reads the page title from
    it).  Its plain-text form, which a notebook also stores, is a short placeholder.
    """

    metadata: dict | None = None

    def __new__(cls, text: str, metadata: dict | None = None):
        self = super().__new__(cls, text)
        self.metadata = metadata
        return self

    def __html__(self) -> str:  # Jinja2 and markupsafe take it as safe markup
        return str(self)

    def _repr_html_(self):
        return (str(self), self.metadata) if self.metadata else str(self)

    def __repr__(self) -> str:
        return f"<HTML, {len(self)} characters>"


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment of the package's templates: autoescaped, undefined names fail,
    every value shown without direction controls (:func:`plain`)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=plain)
    env.filters.update(count=fmt_count, rate=fmt_rate, location=zh_location)
    return env


def render(name: str, metadata: dict | None = None, **context) -> Html:
    """Render ``templates/<name>`` with ``context`` (every value escaped unless it is Markup)."""
    return Html(environment().get_template(name).render(**context), metadata)


# --------------------------------------------------------------------------- set-up

def setup() -> None:
    """Once per notebook: figures display as compact PNG (one renderer for every chart), Chinese
    renders in figures, report text is never read as matplotlib math ($…$), and the rules of
    the stylesheet for the display blocks are there for JupyterLab (not its rules for whole
    pages; the HTML export has the whole stylesheet and skips this output)."""
    from IPython import get_ipython
    from IPython.display import HTML, display

    from .fonts import use_cjk_font

    use_cjk_font()
    shell = get_ipython()
    if shell is not None:
        from matplotlib.figure import Figure

        # figures are shown by this one formatter, never drawn by pyplot's inline backend
        formatter = shell.display_formatter.formatters["image/png"]
        formatter.for_type(Figure, _png_base64)
        blocks = STYLESHEET.read_text(encoding="utf-8").split(PAGE_RULES)[0]  # JupyterLab keeps its own page style
        stylesheet = render("display/stylesheet.html.j2", css=blocks)
        display(HTML(str(stylesheet)), metadata={"govdisclosure": "stylesheet"})
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)


def _png_base64(figure) -> str:
    """A figure as base64 PNG text (what Jupyter's image/png outputs hold)."""
    import base64

    from .charts import figure_to_png

    return base64.b64encode(figure_to_png(figure)).decode("ascii")


# --------------------------------------------------------------------------- formatting

def fmt_count(value, unit: str = "") -> str:
    """A count for display: 1,234 (integers), 3.5 (fractions), — (unknown); never fails on
    NaN, infinity, huge numbers or text."""
    if value is None or value is pd.NA:
        return "—"
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return str(value)
    if math.isnan(number):
        return "—"
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if abs(number) >= 1e15:
        return f"{number:.3e}"
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit else text


def fmt_rate(value) -> str:
    """A fraction as a percentage with one decimal (0.339 → 33.9%); — when unknown."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(number) or math.isinf(number):
        return "—"
    return f"{number:.1%}"


def fmt_measure(value, unit: str) -> str:
    """A measure's value: a percentage when ``unit`` is "%", else a count; — when unknown."""
    return fmt_rate(value) if unit == "%" else fmt_count(value)


def _known(value) -> bool:
    try:
        return value is not None and not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def blank_as_zero_text(measure, unit: str) -> str:
    """「空白按 0 计：34.2%」 for a measure left uncomputed because of blank cells whose value
    with blanks counted as 0 exists (``measure``: a row of
    :func:`govdisclosure.measures.measures`, with ``value``, ``value_blank_as_zero`` and
    ``blanks``); "" otherwise — the value shown stays 「—」, this is said beside it."""
    get = measure.get if hasattr(measure, "get") else lambda k, d=None: getattr(measure, k, d)
    zero, blanks = get("value_blank_as_zero"), get("blanks")
    blanks = _known(blanks) and bool(blanks)  # NaN or None (a frame without it): no
    if _known(get("value")) or not _known(zero) or not blanks:
        return ""
    return f"空白按 0 计：{fmt_measure(zero, unit)}"


def zh_location(location) -> str:
    """"line 12 char 40" → "第12行 第40字": where a number was printed, in Chinese."""
    location = "" if location is None or (isinstance(location, float) and math.isnan(location)) else str(location)
    for pattern, word in _LOCATION_WORDS:
        location = pattern.sub(word, location)
    return location.replace(", ", "，")


def safe_link(url) -> str | None:
    """``url`` when a link may point to it: a relative address or an http(s) one; else None."""
    if not isinstance(url, str) or not url.strip() or any(c in url for c in "\x00\r\n\t <>\"'`\\"):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https"):
        return url.strip() if parts.netloc else None
    return url.strip() if not parts.scheme and not parts.netloc else None


def safe_url(url) -> str | None:
    """``url`` when it is an absolute http(s) address (what a link may point to), else None."""
    if not isinstance(url, str) or any(c in url for c in "\x00\r\n\t <>\"'`\\") or len(url) > 2000:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


# --------------------------------------------------------------------------- data quality

def data_quality(report: Report) -> pd.DataFrame:
    """How the report's cells were obtained: one row per kind, with a count.

    Kinds: read as printed, recovered from the template's arithmetic (``Cell.how``), corrected
    after OCR (``how`` starting "OCR corrected"), and the cells that hold no number — blank,
    dash, text, ambiguous (no value guessed) — plus the printed numbers that found no cell.
    """
    numbers = [c for c in report.cell_list if c.state == "number"]
    ocr = [c for c in numbers if c.how.startswith("OCR corrected")]
    recovered = [c for c in numbers if c.how and not c.how.startswith("OCR corrected")]
    rows = [("read", "按原文读出", len(numbers) - len(recovered) - len(ocr)),
            ("recovered", "从表格算术关系恢复", len(recovered)),
            ("ocr_corrected", "文字识别后校正", len(ocr)),
            ("blank", "空白", sum(c.state == "blank" for c in report.cell_list)),
            ("dash", "“/”“—”“无”等", sum(c.state == "dash" for c in report.cell_list)),
            ("text", "文字（非数字）", sum(c.state == "text" for c in report.cell_list)),
            ("ambiguous", "受损、无法唯一确定（未猜测）", sum(c.state == "ambiguous" for c in report.cell_list)),
            ("lost", "原文数字未能归入单元格", len(getattr(report, "lost", []) or []))]
    return pd.DataFrame(rows, columns=["kind", "label", "cells"])


def _failing(findings: pd.DataFrame) -> pd.DataFrame:
    """The failures that count: failed and not dismissed by a reviewer (those are listed apart,
    never counted, marked or highlighted)."""
    return findings[(findings["status"] == "fail") & counted(findings)] if len(findings) else findings


def finding_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Failures by severity (error, warning, info, and every other severity that comes; a
    reviewer's dismissed ones not counted) and the checks that could not be decided
    (``not_assessable``)."""
    fails = _failing(findings)
    counts = {s: 0 for s in SEVERITY_WORD}
    for severity, n in (fails["severity"].value_counts().items() if len(fails) else ()):
        counts[str(severity)] = int(n)
    counts["not_assessable"] = int((findings["status"] == "not_assessable").sum()) if len(findings) else 0
    return counts


def report_title(report: Report) -> str:
    """The page title of a report: agency, year, what the page is (direction controls dropped)."""
    return plain(f"{report.agency or '（机关名称未识别）'} {report.year or ''} 年度政府信息公开工作年度报告 · 检查报告")


# --------------------------------------------------------------------------- 1 the first screen

def summary(report: Report, findings: pd.DataFrame, measures: pd.DataFrame | None = None) -> Html:
    """The first screen: can this report be trusted?

    Agency and year (and where they were read), the key numbers (``measures``: the frame of
    :func:`govdisclosure.measures.measures`), data quality (:func:`data_quality`, the reader
    used), failures by severity linking to the findings, the source file and its URL (a link
    only for http/https).  Its display metadata carries the page title for the HTML export.
    """
    counts = finding_counts(findings)
    key = []
    if measures is not None and len(measures):
        by_key = measures.set_index("measure")
        for name in ("new_received", "total_processed", "open_rate", "completion_rate", "review_total",
                     "litigation_total"):
            if name in by_key.index:
                m = by_key.loc[name]
                key.append(dict(label=MEASURE[name].label, value=fmt_measure(m["value"], MEASURE[name].unit),
                                zero=blank_as_zero_text(m, MEASURE[name].unit),
                                formula=MEASURE[name].formula,
                                note="" if m["status"] == "ok" else str(m["note"] or "")))
    quality = data_quality(report)
    fields = report.fields or {}
    url = next((fields[k] for k in ("原文链接", "原始链接", "url", "URL") if fields.get(k)), None)
    how_word = {"loose": "按含义匹配", "similar": "按相似度匹配", "position": "原文缺标签，按位置确定"}
    labels = [dict(printed=n.printed or "（无标签）", canonical=n.canonical, how=how_word.get(n.how, n.how),
                   location=zh_location(n.location)) for n in report.labels]
    single = report.shape.get("t3_other") == "single" and report.template == "2021"
    return render("display/summary.html.j2", metadata={"govdisclosure": {"title": report_title(report)}},
                  title=report_title(report), report=report, counts=counts, severity_word=SEVERITY_WORD,
                  key=key, quality=quality.to_dict("records"), reader=READER_WORD.get(report.reader, report.reader),
                  agency_from=_FROM_WORDS.get(report.agency_from, report.agency_from),
                  year_from=_FROM_WORDS.get(report.year_from, report.year_from), single_other=single,
                  tables=[TABLE_WORD[t] for t in report.tables_found], missing=[TABLE_WORD[t] for t in
                                                                                report.missing_tables],
                  source_name=Path(report.source).name, url=url, url_link=safe_url(url),
                  fields={k: v for k, v in fields.items() if v and k in ("标题", "发布时间", "发布机构", "落款日期")},
                  labels=labels, notes=list(report.notes))


# --------------------------------------------------------------------------- 2 measures

def measures(history: pd.DataFrame, report: Report) -> "pd.io.formats.style.Styler":
    """The key measures of ``report`` beside the same agency's previous year.

    ``history`` is the long frame of :func:`govdisclosure.measures.measures_table` over the
    report and its other years (columns source, measure, value, previous, change, note,
    rankable).  Returns a Styler: one row per measure — this year, last year, change, formula,
    note.
    """
    mine = history[history["source"] == report.source] if len(history) else history
    this_year = f"{report.year} 年" if report.year else "本年"
    last_year = f"{report.year - 1} 年" if report.year else "上年"
    rows = []
    for key in KEY_MEASURES + ("total_processed", "review_total", "litigation_total"):
        found = mine[mine["measure"] == key] if len(mine) else mine
        if found.empty:
            continue
        m = found.iloc[0]
        unit = MEASURE[key].unit
        change = ""
        if not pd.isna(m["previous"]):
            delta = m["change"]
            change = "—" if pd.isna(delta) else (f"{delta * 100:+.1f} 个百分点" if unit == "%" else
                                                 f"{fmt_count(delta) if delta < 0 else '+' + fmt_count(delta)} 件")
        note = str(m["note"] or "") if m["status"] != "ok" or m["note"] else ""
        if not m["rankable"]:
            note += "（不足 30 件，不参与排名）"
        zero = blank_as_zero_text(m, unit)
        rows.append({"指标": MEASURE[key].label,
                     this_year: fmt_measure(m["value"], unit) + (f"（{zero}）" if zero else ""),
                     last_year: fmt_measure(m["previous"], unit), "变化": change,
                     "计算方法": MEASURE[key].formula, "说明": note})
    frame = pd.DataFrame(rows, columns=["指标", this_year, last_year, "变化", "计算方法", "说明"])
    styler = frame.style.format(escape="html").format_index(escape="html", axis=1).hide(axis="index") \
        .set_uuid("measures").set_table_attributes('class="gd-table"')
    styler = styler.set_td_classes(pd.DataFrame([["label", "num", "num", "num", "muted", "muted"]] * len(frame),
                                                index=frame.index, columns=frame.columns))
    caption = "" if len(history["source"].unique() if len(history) else []) > 1 else \
        "未提供同一机关其他年度的报告，无同比数据。"
    return styler.set_caption(caption) if caption else styler


# --------------------------------------------------------------------------- 3 tables

def touched(report: Report, findings: pd.DataFrame) -> dict[tuple[str, str, str], list]:
    """The cells each failing finding involves: {(table, row, column): [finding labels]}."""
    hits: dict[tuple[str, str, str], list] = {}
    layout = [r.key for r in t3_rows(report.template or "2021",
                                     single_other=report.shape.get("t3_other") == "single")]
    fails = _failing(findings)
    for label, f in fails.iterrows():
        keys: list[tuple[str, str, str]] = []
        if f["rule"] in ("T3-ROWSUM", "T4-SUM"):
            columns = [c.key for c in (T3_COLUMNS if f["table"] == "t3" else T4_COLUMNS)]
            keys = [(f["table"], f["row"], c) for c in columns]
        elif f["rule"] == "T3-OUTCOMES":
            keys = [("t3", k, f["column"]) for k in layout if T3_ROW[k].group or k == "total_processed"]
        elif f["rule"] == "T3-BALANCE":
            keys = [("t3", k, f["column"]) for k in ("new_received", "carried_over", "total_processed",
                                                     "carried_forward")]
        elif f["table"] in ("t2", "t3", "t4") and isinstance(f["row"], str) and isinstance(f["column"], str):
            keys = [(f["table"], f["row"], f["column"])]
        for key in keys:
            hits.setdefault(key, []).append(label)
    return hits


def cell_anchor(report: Report, table: str, row: str, column: str) -> str | None:
    """The id of a cell in the table :func:`table` displays (pandas Styler's cell id)."""
    try:
        i, j = report.row_keys(table).index(row), report.column_keys(table).index(column)
    except (KeyError, ValueError):
        return None
    return f"T_{table}_row{i}_col{j}"


def _row_label(name: str, key: str) -> str:
    if name == "t3":
        row = T3_ROW[key]
        if row.group in ("denied", "unable", "rejected") or (row.group == "other" and key != "other_processing"):
            return f"{OUTCOME_GROUP_LABELS[row.group]} · {row.label}"
        return row.label
    if name == "t4":
        return {r.key: r.label for r in T4_ROWS}[key]
    return T2_ROW[key].label


def _column_label(name: str, key: str) -> str:
    if name == "t3":
        return {c.key: c.label for c in T3_COLUMNS}[key]
    if name == "t4":
        return {c.key: c.label for c in T4_COLUMNS}[key]
    return T2_COLUMN_DEFS[key].heading


def table(report: Report, name: str, findings: pd.DataFrame | None = None):
    """A table of the report as the template prints it, as a pandas ``Styler``.

    Rows and columns in template order with their Chinese labels; numbers formatted (any
    value renders: fractions, huge numbers, text); a blank cell shows "（空白）", a damaged
    one "？"; each cell's title says where it was printed, its raw text and how it was
    recovered; cells a failing finding involves are marked (class ``hit``) and link to the
    finding.  A table the report lacks gives a sentence instead.
    """
    if name not in TABLE_WORD:
        raise ValueError(f"table(): expected 't2', 't3' or 't4', found {name!r}")
    if name not in report.tables_found:
        return render("display/sentence.html.j2", text=f"报告中未找到{TABLE_WORD[name]}。", kind="na")
    findings = findings if findings is not None else pd.DataFrame(columns=["status"])
    hits = touched(report, findings)
    rows, columns = report.row_keys(name), report.column_keys(name)
    layout = T2_LAYOUT[report.template or "2021"] if name == "t2" else {}
    shown, classes, titles = [], [], []
    for row in rows:
        s, k, t = [], [], []
        for column in columns:
            if layout and column not in layout.get(row, ()):
                s.append(""), k.append("none"), t.append("")
                continue
            cell = report.cell(name, row, column)
            kind = ["num"]
            if cell is None:
                text, kind, title = "", ["blank"], ""
            else:
                text = fmt_count(cell.value) if cell.state == "number" else STATE_SHOWN.get(cell.state, cell.raw)
                if cell.state != "number":
                    kind.append(cell.state)
                title = f"{zh_location(cell.location)}；原文：{cell.raw}" + (f"；{cell.how}" if cell.how else "")
            labels = hits.get((name, row, column))
            if labels:
                kind.append("hit")
                rules = findings.loc[labels, "rule"].astype(str).unique()
                title += "；检查：" + "、".join(rules)
                text = Markup('<a href="#finding-{}">{}</a>').format(labels[0], text)
            else:
                text = Markup("{}").format(plain(text))  # escaped here; the Styler adds no escaping of its own
            s.append(plain(text)), k.append(" ".join(kind)), t.append(str(escape(plain(title))))  # pandas: titles as given
        shown.append(s), classes.append(k), titles.append(t)
    index = pd.Index([_row_label(name, r) for r in rows])
    header = pd.Index([_column_label(name, c) for c in columns])
    frame = pd.DataFrame(shown, index=index, columns=header)
    styler = (frame.style.set_uuid(name).set_table_attributes('class="gd-table"')
              .set_td_classes(pd.DataFrame(classes, index=index, columns=header))
              .set_tooltips(pd.DataFrame(titles, index=index, columns=header), as_title_attribute=True)
              .format_index(escape="html", axis=0).format_index(escape="html", axis=1))
    if name == "t3":
        styler = styler.set_caption("红框：检查发现涉及的单元格（点击转到该项发现）；“（空白）”：原文未填；"
                                    "“？”：原文受损、无法唯一确定（未猜测）；鼠标悬停可见原文位置。")
    return styler


# --------------------------------------------------------------------------- 4 findings

def _shown(value, rule: str, row) -> str:
    if value is None or pd.isna(value):
        return ""
    if rule == "S-COPY":
        return fmt_rate(value)
    if str(row).endswith("_percent"):
        return f"{fmt_count(value)}%"
    return fmt_count(value)


def _section_target(f) -> str | None:
    """Where in the narrative a finding on a whole section (or the whole text) points: TX-FEE
    to section 六, S-COPY to section 五 or the whole text, S-COPY-PEER to the whole text,
    S-SECTIONS and S-HEADINGS to the section they name."""
    rule, row = f["rule"], f["row"]
    if rule == "TX-FEE":
        return "#section-other"
    if rule == "S-COPY":
        return "#section-problems" if row == "problems" else "#narrative"
    if rule == "S-COPY-PEER":
        return "#narrative"
    first = str(row).split("+")[0]  # S-SECTIONS names every missing section: "proactive+problems"
    if rule in ("S-SECTIONS", "S-HEADINGS") and first in SECTION_KEYS:
        return f"#section-{first}"
    return None


def findings(findings: pd.DataFrame, report: Report | None = None, claims: pd.DataFrame | None = None) -> Html:
    """The findings of one report: failures grouped by severity (most severe first, every
    severity that comes), then the checks that could not be decided, folded.

    Each failure has the id ``finding-<label>`` and links to what it concerns: the first cell
    it marks in :func:`table` (given ``report``); when the page also shows :func:`narrative`
    (given ``report`` and ``claims``, the frame of :func:`govdisclosure.checks.compare_claims`
    the narrative is shown with), else the sentence the narrative marks for it, else the
    section it concerns (TX-FEE, S-COPY, S-COPY-PEER, S-SECTIONS, S-HEADINGS).
    """
    hits = touched(report, findings) if report is not None else {}
    first_cell: dict = {}
    for key, labels in hits.items():
        for label in labels:
            first_cell.setdefault(label, key)
    shown = report is not None and claims is not None  # the page shows the narrative
    sentences = _narrative_layout(report, claims, findings).target if shown else {}
    order = list(SEVERITY_WORD) + sorted(set(findings["severity"].astype(str)) - set(SEVERITY_WORD)) \
        if len(findings) else []
    groups, undecided, dismissed = [], [], []
    out = ~counted(findings)
    for label, f in findings.iterrows():
        target = None
        if label in first_cell and report is not None:
            anchor = cell_anchor(report, *first_cell[label])
            target = f"#{anchor}" if anchor else None
        elif label in sentences:
            target = sentences[label]
        elif f["status"] == "fail" and shown:
            target = _section_target(f)
        item = dict(id=f"finding-{label}", severity=str(f["severity"]),
                    severity_word=SEVERITY_WORD.get(str(f["severity"]), str(f["severity"])), rule=str(f["rule"]),
                    title=str(f["title"] or ""), message=str(f["message"] or ""),
                    expected=_shown(f["expected"], f["rule"], f["row"]), actual=_shown(f["actual"], f["rule"], f["row"]),
                    location=zh_location(f["location"]), target=target)
        if out[label]:
            item["review"] = "；".join(str(f.get(k) or "") for k in ("review_reason", "reviewer", "review_date")
                                      if str(f.get(k) or ""))
            dismissed.append(item)
        else:
            (groups if f["status"] == "fail" else undecided).append(item)
    by_severity = [(s, SEVERITY_WORD.get(s, s), [g for g in groups if g["severity"] == s]) for s in order]
    return render("display/findings.html.j2", groups=[g for g in by_severity if g[2]], failures=len(groups),
                  undecided=undecided, dismissed=dismissed)


# --------------------------------------------------------------------------- 5 narrative

_PARAGRAPH_END = re.compile(r"[。！？!?]$")
_ENUMERATION = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十\d]+\)|"
                          r"\d{1,2}[.、．](?!\d))")
_HEADING_MARK = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
_CLAUSE_END = re.compile(r"[。：:；;！？!?]$")
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]?")
_NUMBER_LINE = re.compile(r"^[\d.,，%/\-—\s]+$")
PARAGRAPH_MIN = 80  # characters: a shorter run ending in 。 goes on (crawler text cuts lines at 。)


@dataclass
class Paragraph:
    text: str
    fragments: int  # printed lines joined into it
    numbers: int  # of which bare numbers

    @property
    def tabular(self) -> bool:
        """Text of a table (label and number fragments), not prose."""
        if self.fragments >= 3 and self.numbers >= 0.3 * self.fragments:
            return True
        return self.fragments >= 2 and self.numbers >= 1 and not re.search(r"[。，,；]", self.text)


def paragraphs(text: str) -> list[Paragraph]:
    """A section's text rejoined into paragraphs.

    Crawler text has one HTML text node a line, so one sentence is cut into many lines (a
    number even: "201" / "9" / "年").  Lines are joined without a space (Chinese has none)
    and a paragraph ends at a blank line, before an enumeration ("（一）", "二、", "1.") that
    follows a finished sentence, or after a sentence end once the paragraph is
    :data:`PARAGRAPH_MIN` characters long.
    """
    out: list[Paragraph] = []
    lines: list[str] = []

    def close():
        if lines:
            joined = "".join(lines)
            out.append(Paragraph(joined, len(lines), sum(bool(_NUMBER_LINE.match(x)) for x in lines)))
            lines.clear()

    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            close()
            continue
        if lines and _ENUMERATION.match(line) and (_HEADING_MARK.match(line) or _CLAUSE_END.search(lines[-1])
                                                   or (_HEADING_MARK.match(lines[0]) and sum(map(len, lines)) < 40)):
            close()  # "（一）" and "二、" start a paragraph; "1." does after a finished clause or a heading
        lines.append(line)
        if _PARAGRAPH_END.search(line) and sum(map(len, lines)) >= PARAGRAPH_MIN:
            close()
    close()
    return out


#: rules whose failing finding names a sentence of the narrative: ``printed`` holds the sentence
#: as the message quotes it (cut with "…" beyond 120 characters; for TX-REPEAT the doubled word)
#: and ``column`` the section it is in (:mod:`govdisclosure.checks.rules`)
SENTENCE_RULES = ("TX-COUNTS", "TX-SELF", "TX-REPEAT", "S-STALE")
_VERDICT_WORD = {"agree": "✓ 与表格一致", "disagree": "✗ 与表格不符", "not_assessable": "？ 无法核对"}


def _claim_ids(claims: pd.DataFrame | None) -> dict[str, str]:
    """{phrase: sentence id} of the claims that contradict the tables."""
    if claims is None or claims.empty:
        return {}
    ids: dict[str, str] = {}
    for n, c in enumerate(claims.itertuples()):
        if c.status == "disagree" and c.phrase and c.phrase not in ids:
            ids[c.phrase] = f"claim-{n}"
    return ids


def _quoted(printed) -> str:
    """The part of a quoted sentence that is the report's own text (the "…" of a cut removed)."""
    text = printed.strip() if isinstance(printed, str) else ""
    text = text[1:] if text.startswith("…") else text
    return text[:-1] if text.endswith("…") and len(text) > 1 else text


def _marked(text: str, probes: list[tuple[str, str]]) -> list[dict]:
    """``text`` cut into sentences; each piece with the keys of the probes (phrase, key) it
    holds (``keys``, empty for plain text).  A probe that runs over several sentences marks
    them as one piece."""
    spans = []
    for phrase, key in probes:
        at = text.find(phrase) if phrase else -1
        if at >= 0:
            spans.append((at, at + len(phrase), key))
    if not spans:
        return [dict(text=text, keys=[])]
    pieces, position = [], 0
    for sentence in _SENTENCE.finditer(text):
        start, end = sentence.span()
        if start == end:
            continue
        hits = [s for s in spans if s[0] < end and start < s[1]]
        if hits:
            start, end = min(start, *(h[0] for h in hits)), max(end, *(h[1] for h in hits))
        start = max(start, position)
        if end <= start:
            continue
        if start > position:
            pieces.append(dict(text=text[position:start], keys=[]))
        pieces.append(dict(text=text[start:end], keys=list(dict.fromkeys(h[2] for h in hits))))
        position = end
    if position < len(text):
        pieces.append(dict(text=text[position:], keys=[]))
    merged: list[dict] = []  # neighbouring plain pieces are one run; a probe's pieces are one mark
    for piece in pieces:
        last = merged[-1] if merged else None
        if last is not None and ((not piece["keys"] and not last["keys"]) or set(piece["keys"]) & set(last["keys"])):
            last["text"] += piece["text"]
            last["keys"] = list(dict.fromkeys(last["keys"] + piece["keys"]))
        else:
            merged.append(piece)
    return merged


@dataclass
class _Layout:
    """The narrative as shown: blocks per section, and where each finding's sentence is."""

    sections: list[dict]
    target: dict  # finding label -> "#anchor" of its sentence in the narrative


def _narrative_layout(report: Report, claims: pd.DataFrame, findings: pd.DataFrame | None) -> _Layout:
    """Every section's paragraphs, with the sentences of the failing findings of
    :data:`SENTENCE_RULES` and of the claims that contradict the tables marked.  A marked
    sentence has the id of its first key (``claim-<n>`` for a claim, ``text-<label>`` for a
    finding); every further key gets an anchor inside it."""
    ids = _claim_ids(claims)
    fails = pd.DataFrame(columns=["rule", "status"])
    if findings is not None and len(findings):
        fails = _failing(findings)
        fails = fails[fails["rule"].isin(SENTENCE_RULES)] if len(fails) else fails
    counts_of: dict[str, str] = {}  # TX-COUNTS: the claim's sentence -> finding label
    for label, f in fails[fails["rule"] == "TX-COUNTS"].iterrows():
        counts_of.setdefault(f["printed"], label)
    claim_finding: dict[str, object] = {}  # claim id -> label of its TX-COUNTS finding
    if len(claims) and ids:
        for c in claims.itertuples():
            if c.phrase in ids:
                found = counts_of.get(c.phrase, counts_of.get(getattr(c, "sentence", None)))
                if found is not None:
                    claim_finding.setdefault(ids[c.phrase], found)
    rule_of = {f"text-{label}": (label, str(f["rule"]), str(f["title"] or "")) for label, f in fails.iterrows()}
    rule_of.update({i: (label, "TX-COUNTS", "") for i, label in claim_finding.items()})
    sections, placed = [], set()
    for section in SECTIONS:
        text = report.sections.get(section.key)
        heading = report.section_headings.get(section.key, f"{section.number}、{section.title}")
        mine = claims[claims["section"] == section.key] if len(claims) else claims
        probes = [(p, i) for p, i in ids.items() if p in set(mine["phrase"])]
        probes += [(_quoted(f["printed"]), f"text-{label}") for label, f in fails.iterrows()
                   if f["column"] == section.key]
        blocks = []
        for paragraph in paragraphs(text or ""):
            if paragraph.tabular and not any(p and p in paragraph.text for p, _ in probes):
                if blocks and blocks[-1]["kind"] == "table":
                    blocks[-1]["texts"].append(paragraph.text)
                else:
                    blocks.append(dict(kind="table", texts=[paragraph.text]))
                continue
            pieces = _marked(paragraph.text, probes)
            for piece in pieces:
                placed.update(piece["keys"])
                piece["id"] = piece["keys"][0] if piece["keys"] else None
                piece["anchors"] = piece["keys"][1:]
                links = {}
                for key in piece["keys"]:
                    if key in rule_of:
                        label, rule, title = rule_of[key]
                        links.setdefault(label, dict(href=f"#finding-{label}", rule=rule, title=title))
                piece["links"] = list(links.values())
            blocks.append(dict(kind="prose", pieces=pieces))
        sections.append(dict(key=section.key, heading=heading, blocks=blocks, claims=mine, found=bool(text)))
    target = {}
    for key, (label, rule, _) in rule_of.items():
        if key in placed and (label not in target or key.startswith("claim-")):
            target[label] = f"#{key}"  # a TX-COUNTS finding goes to its claim's mark
    return _Layout(sections, target)


def narrative(report: Report, claims: pd.DataFrame | None = None, findings: pd.DataFrame | None = None) -> Html:
    """The six sections' text, rejoined into paragraphs (:func:`paragraphs`), with every
    sentence a finding names highlighted with its rule and linked to its finding.

    ``claims`` is the frame of :func:`govdisclosure.checks.compare_claims`: each claim's
    verdict is listed under its section; a claim whose sentence a failing finding marks is
    never shown as agreeing.  ``findings``: the frame of :func:`govdisclosure.check`; the
    rules whose sentence is marked are :data:`SENTENCE_RULES` (TX-COUNTS, TX-SELF, TX-REPEAT,
    S-STALE).  Runs of table text (label and number fragments) are folded: the tables are
    shown above, laid out by the template.  Each section heading has the id ``section-<key>``.
    """
    claims = claims if claims is not None else pd.DataFrame(columns=["section", "status", "phrase"])
    ids = _claim_ids(claims)
    layout = _narrative_layout(report, claims, findings)
    sections = []
    for s in layout.sections:
        pieces = [p for b in s["blocks"] if b["kind"] == "prose" for p in b["pieces"]]
        marks = [p for p in pieces if p["links"]]
        placed = {k for p in pieces for k in p["keys"]}
        verdicts = []
        for c in s["claims"].itertuples():
            word, status = _VERDICT_WORD.get(c.status, c.status), c.status
            claim_id = ids.get(c.phrase) if c.status == "disagree" else None
            mark = next((p for p in marks if c.phrase and c.phrase in p["text"]), None)
            target = f"#{claim_id}" if claim_id in placed else None
            finding, detail = None, c.detail or ""
            others = [link for link in (mark["links"] if mark else []) if link["rule"] != "TX-COUNTS"]
            if c.status == "disagree":
                link = next((link for link in (mark["links"] if mark else []) if link["rule"] == "TX-COUNTS"), None)
                finding = link["href"][1:] if link else None
            elif others:  # the number agrees, but a finding names its sentence: never a "✓"
                rules = "、".join(dict.fromkeys(o["rule"] for o in others))
                word, status = (f"✗ 本句与表格不符（{rules}）", "disagree") if "TX-SELF" in rules else \
                    (f"！ 本句有检查发现（{rules}）", "flagged")
                target, finding = f"#{mark['id']}", others[0]["href"][1:]
                detail = ("所述数字与表格一致" if c.status == "agree" else "") + (f"；{detail}" if detail else "")
            table_value = "" if c.table is None or pd.isna(c.table) else f"，{c.table_what} {fmt_count(c.table)}"
            verdicts.append(dict(word=word, status=status, phrase=c.phrase, table=table_value, detail=detail,
                                 target=target, finding=finding, unplaced=bool(claim_id) and target is None))
        sections.append(dict(key=s["key"], heading=s["heading"], blocks=s["blocks"], verdicts=verdicts,
                             found=s["found"]))
    return render("display/narrative.html.j2", sections=sections)


# --------------------------------------------------------------------------- 6 run

def run_info(**parameters) -> Html:
    """The parameters of the run and the package version, as a small table."""
    return render("display/run_info.html.j2", version=__version__,
                  parameters=[(k, "None" if v is None else str(v)) for k, v in parameters.items()])


class ReportCheckFailed(GovDisclosureError):
    """A report has findings at or above the ``fail_on`` level the run was given."""


def outcome(findings: pd.DataFrame, fail_on: str = "never") -> Html:
    """Raise :class:`ReportCheckFailed` when a finding at or above ``fail_on`` failed
    (papermill then marks the run failed, and its HTML shows the error banner here)."""
    failing = at_or_above(findings, fail_on)
    if len(failing):
        raise ReportCheckFailed(f"{len(failing)} 项检查未通过（级别 ≥ {fail_on}）：" + "；".join(failing["rule"].unique()))
    return render("display/sentence.html.j2", text=f"检查完成（fail_on = {fail_on}）。", kind="muted")


def sentence(text: str, kind: str = "") -> Html:
    """One sentence instead of a table or chart (e.g. "不足两个机关，不作比较")."""
    return render("display/sentence.html.j2", text=text, kind=kind)


__all__ = ["BIDI_CONTROLS", "Html", "ReportCheckFailed", "blank_as_zero_text", "data_quality", "findings",
           "fmt_count", "fmt_rate", "measures", "narrative", "outcome", "paragraphs", "plain", "run_info", "safe_url",
           "sentence", "setup", "summary", "table"]
