"""``OUT/index.html``: the page a batch opens with — every agency-year and every file.

Two tables, sortable and filterable in the page by a small script of the project's own
(``templates/index/index.js``; no library, works offline from a file):

* **机关年度**: one row per agency-year (the primary rendering where the reports table has a
  ``primary`` column): agency, year, 本年新收, 办结, 公开率, 复议纠错率, 复议/诉讼, failures by
  severity, data quality (cells read, recovered, ambiguous; the reader), status, links;
* **文件**: one row per input file with its status class and reason (unreadable files,
  duplicates, failures …).

Up to :data:`INLINE_LIMIT` rows a table is written into the page.  Beyond, the rows go to a
compact data file ``index-data.js`` beside it (loaded by a ``<script>`` element, so it also
works from ``file://``) and the script shows them a page of :data:`PAGE_ROWS` at a time: at
10,000 agency-years and more the page opens in well under a second.  All report text is
escaped by the template (autoescaping) or set as text by the script (never as markup).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from . import __version__
from .display import environment, fmt_count, fmt_rate, plain
from .checks.reviews import counted
from .export import write_text
from .names import year_text

INLINE_LIMIT = 2_000  # rows of a table written into the page itself
# the measures the overview shows (the batch hands over only these)
INDEX_MEASURES = ("new_received", "total_processed", "open_rate", "review_correction_rate", "review_total",
                  "litigation_total")
PAGE_ROWS = 200  # rows the script shows at a time for a table read from the data file
SEVERITIES = ("error", "warning", "info")
STATUS_WORD = {"ok": "已生成", "skipped": "未变化（沿用）", "failed": "失败", "unreadable": "无法读取",
               "interrupted": "中断", "parsed": "已读取", "report": "已生成", "duplicate": "重复版本",
               "pre-2019": "2019年以前的旧格式", "not a report": "不是年报"}
PROBLEM = ("failed", "unreadable", "interrupted")
READER_WORD = {"text": "文本", "html": "网页", "markdown": "Markdown", "docx": "Word", "pdfplumber": "PDF",
               "pdfium": "PDF", "ocr": "PDF·OCR", "pdf": "PDF"}
OVERVIEW_COLUMNS = (("agency", "机关", "text"), ("year", "年度", "num"), ("new_received", "本年新收", "num"),
                    ("total_processed", "办结", "num"), ("open_rate", "公开率", "num"),
                    ("review_correction_rate", "复议纠错率", "num"), ("disputes", "复议/诉讼", "num"),
                    ("error", "错误", "num"), ("warning", "警告", "num"), ("info", "提示", "num"),
                    ("quality", "数据质量", "text"), ("status", "状态", "text"), ("link", "报告", "text"))
FILE_COLUMNS = (("who", "机关 年度", "text"), ("file", "文件", "text"), ("status", "状态", "text"),
                ("error", "错误", "num"), ("warning", "警告", "num"), ("info", "提示", "num"),
                ("reason", "原因", "text"))


def _text(value) -> str:
    """A cell as text: "" for a missing value (not "nan" or "None")."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) or number in (float("inf"), float("-inf")) else number


def _cell(text: str, sort=None, href: str | None = None, detail: str = "", numeric: bool = False) -> list:
    """One cell of a row: [shown text, sort key (None: the text; for a ``numeric`` cell None
    stays None, an unknown value sorted last), link or None] and, when given, a second line of
    detail (the English message behind a Chinese reason)."""
    text = plain(text)
    return [text, text if sort is None and not numeric else sort, href] + ([plain(detail)] if detail else [])


#: what a file's error says, by kind, in Chinese: (pattern of the English message, reason).
#: The messages are the package's own (``ReportReadError``: "PATH: expected X, found Y",
#: ``limits``, ``digest.failure``, the batch's lost workers); the first pattern that matches
#: gives the reason, the English message stays beside it.
REASON_KINDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.IGNORECASE), word) for p, word in (
    (r"found an empty file", "空文件（0 字节）"),
    (r"found a file with only whitespace", "文件只有空白字符"),
    (r"found no such file", "文件不存在"),
    (r"found a directory", "是文件夹，不是文件"),
    (r"expected a regular report file", "不是普通文件（管道、设备或循环链接等），未读取"),
    (r"expected a report file of at most|expected a text, HTML or Markdown report of at most", "文件超过大小上限"),
    (r"expected a Word document whose XML is at most", "Word 文档解压后超过大小上限（疑似压缩炸弹）"),
    (r"XML that declares entities", "Word 文档声明了 XML 实体（疑似实体扩展或外部实体攻击），拒绝读取"),
    (r"encrypted with a password|an encryption it cannot undo", "PDF 有密码保护，无法读取"),
    (r"expected a PDF with a text layer", "PDF 没有文字层（扫描件，需安装 OCR 扩展）"),
    (r"neither in a text layer nor by OCR", "页面上没有文字（文字层和文字识别均未读出）"),
    (r"expected a scan OCR reads within", "扫描件文字识别超时"),
    (r"expected a (?:scanned )?report of at most \d+ pages", "页数超过上限"),
    (r"expected a (?:readable PDF|PDF PDFium can read)", "PDF 已损坏或无法打开"),
    (r"found a ZIP archive that is not a Word document", "ZIP 压缩包，不是 Word 文档"),
    (r"found an Office file that is not a Word document", "Office 文件，但不是 Word 文档（如 Excel、PowerPoint）"),
    (r"expected a Word document", "Word 文档已损坏或无法打开"),
    (r"expected a readable page image", "图片已损坏或无法打开"),
    (r"expected an HTML page nested at most", "网页嵌套层数超过上限"),
    (r"expected an HTML page", "网页无法解析"),
    (r"expected text in|bytes in no known encoding", "文字编码无法识别"),
    (r"installed to read", "缺少读取此格式所需的软件包"),
    (r"expected a report (?:as |\()text, HTML, Markdown, PDF or DOCX", "不是可读取的格式（二进制文件或不支持的格式，如 .doc）"),
    (r"expected a readable report file|an OS error", "操作系统拒绝读取（权限等）"),
    (r"expected a 政府信息公开工作年度报告", "不是政府信息公开工作年度报告（没有模板的统计表和章节）"),
    (r"the time limit for one file|did not finish within", "超过单个文件的时间上限"),
    (r"more than [\d.]+ GB of memory|ran out of memory", "超过单个文件的内存上限"),
    (r"worker process was lost", "处理进程两次意外终止"),
    (r"a bug in govdisclosure", "程序错误（govdisclosure 的缺陷，请报告）"),
    (r"^rendering ", "生成报告页面失败"),
))
#: the reason of a file whose message no pattern knows, by its class
REASON_OF_STATUS = {"unreadable": "无法读取", "failed": "处理失败", "not a report": "不是年报",
                    "interrupted": "运行中断，未处理"}


def reason(status: str, error: str) -> str:
    """A file's error in Chinese, by its kind (:data:`REASON_KINDS`), else by its class; ""
    for no error."""
    if not error:
        return ""
    return next((word for pattern, word in REASON_KINDS if pattern.search(error)),
                REASON_OF_STATUS.get(status, "出错"))


def failure_counts(corpus: dict) -> pd.DataFrame:
    """Failures per report (index: source) and severity (columns), from the corpus's
    ``fail_counts`` (source, severity, n: what the batch hands over) or its ``findings``."""
    given = corpus.get("fail_counts")
    if given is not None:
        if not len(given):
            return pd.DataFrame()
        return given.pivot_table(index="source", columns="severity", values="n", aggfunc="sum", fill_value=0)
    findings = corpus.get("findings")
    fails = findings[findings["status"] == "fail"] if findings is not None and len(findings) else None
    if fails is not None:  # a reviewer's dismissed findings are not counted
        fails = fails[counted(fails)]
    return fails.groupby(["source", "severity"]).size().unstack(fill_value=0) if fails is not None and len(fails) \
        else pd.DataFrame()


def overview_rows(out: Path, corpus: dict, summary: pd.DataFrame) -> list[dict]:
    """One dict per agency-year: the values of :data:`OVERVIEW_COLUMNS` as cells."""
    reports = corpus.get("reports")
    if reports is None or not len(reports):
        return []
    if "primary" in reports.columns:
        reports = reports[reports["primary"].fillna(False).astype(bool)]
    reports = reports.sort_values(["agency", "year", "source"], na_position="last")
    measures = corpus.get("measures")
    wide = (measures.pivot_table(index="source", columns="measure", values="value", aggfunc="first")
            if measures is not None and len(measures) else pd.DataFrame())
    zero = pd.DataFrame()  # 「空白按 0 计」 beside a measure left uncomputed by blanks
    if measures is not None and len(measures) and {"value_blank_as_zero", "blanks"} <= set(measures.columns):
        shown = measures[measures["value"].isna() & measures["blanks"].fillna(False).astype(bool)
                         & measures["value_blank_as_zero"].notna()]
        if len(shown):
            zero = shown.pivot_table(index="source", columns="measure", values="value_blank_as_zero", aggfunc="first")
    counts = failure_counts(corpus)
    quality = pd.DataFrame()
    cells = corpus.get("cells")
    if {"cells_read", "cells_recovered", "cells_ambiguous"} <= set(reports.columns):
        # counted where each report was read (the batch): no table of every cell needed
        quality = pd.DataFrame({"read": reports["cells_read"].to_numpy(),
                                "recovered": reports["cells_recovered"].to_numpy(),
                                "ambiguous": reports["cells_ambiguous"].to_numpy()}, index=reports["rid"].to_numpy())
        quality = quality[quality.notna().all(axis=1)]  # a report without cells has no quality to show
    elif cells is not None and len(cells) and "rid" in cells.columns:
        number = cells["state"].astype(str) == "number"
        recovered = number & (cells["how"].astype(str).str.len() > 0) if "how" in cells.columns else number & False
        quality = pd.DataFrame({"rid": cells["rid"], "read": number & ~recovered, "recovered": recovered,
                                "ambiguous": cells["state"].astype(str) == "ambiguous"}).groupby("rid").sum()
    by_source = {str(r.file): r for r in summary.itertuples()} if len(summary) else {}
    measured = {str(s): row for s, row in zip(wide.index, wide.to_dict("records"))} if len(wide) else {}
    severity = {str(s): row for s, row in zip(counts.index, counts.to_dict("records"))} if len(counts) else {}
    quality_of = dict(zip(quality.index, quality.to_dict("records"))) if len(quality) else {}
    rows = []
    for r in reports.itertuples():
        source = str(r.source)
        value = lambda m: measured.get(source, {}).get(m)  # noqa: E731

        def shown(m, fmt):
            text = fmt(value(m))
            if source in zero.index and m in zero.columns and not pd.isna(zero.at[source, m]):
                text += f"（空白按 0 计：{fmt(zero.at[source, m])}）"
            return _cell(text, _number(value(m)), numeric=True)
        s = by_source.get(source)
        status = _text(getattr(s, "status", "")) or "parsed"
        html = _text(getattr(s, "html", "")) if s is not None else ""
        review, litigation = _number(value("review_total")), _number(value("litigation_total"))
        q = quality_of.get(getattr(r, "rid", None))
        reader = _text(getattr(r, "reader", "")) or _text(getattr(r, "format", ""))
        q_text = (f"读 {int(q['read'])} · 恢复 {int(q['recovered'])} · 存疑 {int(q['ambiguous'])}" if q is not None else "—") \
            + (f" · {READER_WORD.get(reader, reader)}" if reader else "")
        found = severity.get(source, {})
        sev = {s_: int(found.get(s_, 0)) for s_ in SEVERITIES}
        year = None if pd.isna(r.year) else int(r.year)
        rows.append(dict(
            status_class=status.replace(" ", "-"),
            agency=_cell(_text(r.agency) or "（未识别）"),
            year=_cell("" if year is None else str(year), year),
            new_received=shown("new_received", fmt_count), total_processed=shown("total_processed", fmt_count),
            open_rate=shown("open_rate", fmt_rate), review_correction_rate=shown("review_correction_rate", fmt_rate),
            disputes=_cell(f"{fmt_count(review)} / {fmt_count(litigation)}",
                           None if review is None and litigation is None else (review or 0) + (litigation or 0)),
            error=_cell(str(sev["error"]), sev["error"]), warning=_cell(str(sev["warning"]), sev["warning"]),
            info=_cell(str(sev["info"]), sev["info"]),
            quality=_cell(q_text, None if q is None else int(q["ambiguous"])),
            status=_cell(STATUS_WORD.get(status, status)),
            link=_cell("报告" if html else "—", None, html or None)))
    return rows


def file_rows(corpus: dict, summary: pd.DataFrame, shown: dict[str, str] | None = None) -> list[dict]:
    """One dict per input file (not the comparison): who, file, status, failures, reason.
    ``shown``: the name a file is listed under when it was read under another path (a name
    that is not UTF-8 shown with escapes), source → shown."""
    counts = failure_counts(corpus)
    severity = {str(s): row for s, row in zip(counts.index, counts.to_dict("records"))} if len(counts) else {}
    source_of = {v: k for k, v in (shown or {}).items()}
    rows = []
    order = summary.assign(_year=pd.to_numeric(summary["year"], errors="coerce"))
    for r in order.sort_values(["agency", "_year", "file"], na_position="last").itertuples():
        if r.file in ("(comparison)", "(cross-year rules)"):
            continue
        status = _text(r.status)
        word = STATUS_WORD.get(status, status)
        if status == "report" and _text(getattr(r, "rendered", "")) == "unchanged":
            word = STATUS_WORD["skipped"]
        who = f"{_text(r.agency)} {year_text(r.year)}" if _text(r.agency) else "—"
        source = source_of.get(r.file, r.file)
        found = severity.get(source, {})
        sev = [int(found.get(s, 0)) for s in SEVERITIES]
        error = _text(r.error)
        why = "；".join(x for x in (_text(getattr(r, "note", "")), reason(status, error)) if x)
        rows.append(dict(status_class=status.replace(" ", "-"), who=_cell(who, None, _text(r.html) or None),
                         file=_cell(Path(str(r.file)).name), status=_cell(word),
                         error=_cell(str(sev[0]), sev[0]), warning=_cell(str(sev[1]), sev[1]),
                         info=_cell(str(sev[2]), sev[2]), reason=_cell(why[:300], None, None, error[:300])))
    return rows


def file_classes(summary: pd.DataFrame) -> list[tuple[str, int, bool]]:
    """How many input files ended in each class, as (Chinese word, count, is a problem): each
    class named as it is (已生成, 重复版本, 2019年以前的旧格式, 不是年报, 无法读取, 失败, 中断 …),
    in the order of :data:`STATUS_WORD`; the comparison and the cross-year rules are not files."""
    if not len(summary):
        return []
    files = summary[~summary["file"].isin(("(comparison)", "(cross-year rules)"))]
    counts: dict[str, list] = {}
    order = list(STATUS_WORD)
    for status, n in sorted(files["status"].astype(str).value_counts().items(),
                            key=lambda x: (order.index(x[0]) if x[0] in order else len(order), x[0])):
        word = STATUS_WORD.get(status, status)
        entry = counts.setdefault(word, [word, 0, False])
        entry[1] += int(n)
        entry[2] = entry[2] or status in PROBLEM
    return [tuple(e) for e in counts.values()]


def write_index(out: Path, corpus: dict, summary: pd.DataFrame, shown: dict[str, str] | None = None) -> Path:
    """Write ``OUT/index.html`` (and ``OUT/index-data.js`` for tables above
    :data:`INLINE_LIMIT` rows; removed when no longer needed).  ``corpus`` holds the
    reports (the batch's key table, with each report's cells read, recovered and ambiguous)
    and measures, and either ``fail_counts`` (source, severity, n) or the findings (and, for
    data quality without those columns, the cells); ``summary`` its run summary (file,
    agency, year, status, rendered, note, error, html); ``shown`` as for :func:`file_rows`."""
    out = Path(out)
    overview = overview_rows(out, corpus, summary)
    files = file_rows(corpus, summary, shown)
    data: dict[str, list] = {}
    tables = []
    for name, title, columns, rows in (("overview", "机关年度", OVERVIEW_COLUMNS, overview),
                                       ("files", "文件", FILE_COLUMNS, files)):
        external = len(rows) > INLINE_LIMIT
        if external:
            data[name] = [[r["status_class"], *[r[key] for key, _, _ in columns]] for r in rows]
        tables.append(dict(name=name, title=title, columns=columns, rows=[] if external else rows,
                           external=external, count=len(rows)))
    statuses = file_classes(summary)
    data_file = out / "index-data.js"
    if data:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        write_text(data_file, f"window.GD_INDEX = {payload};\n")
    else:
        data_file.unlink(missing_ok=True)
    env = environment()
    page = env.get_template("index/index.html.j2").render(
        tables=tables, version=__version__, files=sum(n for _, n, _ in statuses), statuses=statuses,
        cross_year=int((summary["file"] == "(cross-year rules)").sum()) if len(summary) else 0,
        agency_years=len(overview),
        compare=(out / "compare.html").exists(), data_file=data_file.name if data else None, page_rows=PAGE_ROWS,
        css=(Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8"),
        script=(Path(__file__).parent / "templates" / "index" / "index.js").read_text(encoding="utf-8"))
    return write_text(out / "index.html", page)


__all__ = ["INLINE_LIMIT", "PAGE_ROWS", "REASON_KINDS", "file_classes", "file_rows", "overview_rows", "reason",
           "write_index"]
