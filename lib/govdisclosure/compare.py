"""Compare agencies and years: what the comparison notebook calls.

A corpus is a folder of report files (parsed here), a ``.json`` list of files, or the output
folder of ``govdisclosure batch`` (its ``corpus/*.parquet`` are read, nothing is parsed again).
One report per agency-year is kept: the batch's ``primary`` rendering, or for a folder parsed
here the primary of its versions by the same rule (:mod:`.checks.versions`).

>>> corpus = load("data/corpus")
>>> overview(corpus)                          # a Styler: one row per agency-year
>>> ranking(corpus, "open_rate")              # ranked, fewer than 30 cases left out
>>> query(corpus, "SELECT agency, year, value FROM measures WHERE measure = 'open_rate'")
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import charts
from .agencies import agency_key
from .checks import check
from .checks.catalogue import RULES
from .display import fmt_count, fmt_measure, sentence
from .checks.frame import build_corpus
from .checks.versions import primaries
from .errors import GovDisclosureError
from .measures import MEASURE, MIN_CASES, measures_table
from .parse import load_report
from .readers import discover

OVERVIEW_MEASURES = ("new_received", "total_processed", "open_rate", "completion_rate", "review_correction_rate",
                     "dispute_rate")
HEATMAP_LIMIT = 30  # agency-years; above, the rules are drawn as counts
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


def validate_measure(measure: str) -> str:
    """``measure`` when it is a key of :data:`govdisclosure.measures.MEASURE`; else ValueError
    listing the keys."""
    if measure not in MEASURE:
        raise ValueError(f"measure: expected one of {', '.join(MEASURE)}, found {measure!r}")
    return measure


def parse_years(text: str | None) -> set[int] | None:
    """"2021-2024" or "2023,2024" (empty: every year)."""
    if not text:
        return None
    years: set[int] = set()
    for part in str(text).split(","):
        match = _YEARS.match(part)
        if not match:
            raise ValueError(f"years: expected '2021-2024' or '2023,2024', found {text!r}")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        years.update(range(first, last + 1))
    return years


@dataclass
class Corpus:
    """One report per agency-year: ``reports`` (one row each), their ``findings`` and
    ``measures`` (long: source, agency, year, measure, value, cases …); ``dropped`` counts the
    other renderings left out."""

    reports: pd.DataFrame
    findings: pd.DataFrame
    measures: pd.DataFrame
    dropped: int

    @property
    def agencies(self) -> int:
        return int(self.reports["agency_key"].nunique()) if len(self.reports) else 0


def load(corpus: str | Path, *, years: str | None = None, agencies: str | None = None) -> Corpus:
    """Read a corpus (see the module docstring), keep the agency-years asked for.

    ``years``: "2021-2024" or "2023,2024"; ``agencies``: comma-separated parts of agency
    names.  Raises :class:`GovDisclosureError` for a path that is none of the three kinds.
    """
    path = Path(corpus)
    wanted_years = parse_years(years)
    wanted = [a.strip() for a in (agencies or "").split(",") if a.strip()]
    stored = path / "corpus" / "reports.parquet"
    if stored.exists():
        reports = pd.read_parquet(stored)
        findings = pd.read_parquet(path / "corpus" / "findings.parquet")
        measures = pd.read_parquet(path / "corpus" / "measures.parquet")
    elif path.is_dir() or path.suffix == ".json":
        loaded = []
        files = ([Path(p) for p in json.loads(path.read_text(encoding="utf-8"))] if path.suffix == ".json" else
                 discover([path]))
        for file in files:
            try:
                loaded.append(load_report(file))
            except GovDisclosureError:
                continue
        reports = report_rows(loaded)
        reports["primary"] = primaries(build_corpus(loaded)) if loaded else []
        findings = check(loaded)
        measures = measures_table(loaded)
    else:
        raise GovDisclosureError(f"{path}: expected a folder of reports, a .json list of report files or a batch "
                                 f"output folder, found {'no such path' if not path.exists() else 'a file'}")
    keep = reports
    if wanted_years is not None:
        keep = keep[keep["year"].isin(wanted_years)]
    if wanted:
        keep = keep[keep["agency"].fillna("").map(lambda a: any(w in a for w in wanted))]
    if "primary" in keep.columns:
        best = keep[keep["primary"].fillna(False).astype(bool)]
    else:
        best = keep.sort_values(["ambiguous", "source"]).drop_duplicates(["agency_key", "year"])
    sources = set(best["source"])
    findings = findings[findings["source"].isin(sources)].reset_index(drop=True) if len(findings) else findings
    measures = measures[measures["source"].isin(sources)].reset_index(drop=True) if len(measures) else measures
    best, findings, measures = _one_name_per_agency(best, findings, measures)
    return Corpus(best.sort_values(["agency_key", "year"]).reset_index(drop=True), findings, measures,
                  len(keep) - len(best))


def _one_name_per_agency(reports: pd.DataFrame, *frames: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """One body under one name across its years: each agency-year is shown under the name its
    latest report prints (淮安市洪泽区人民政府 2024 and 洪泽区人民政府 2023 share the key 洪泽区 and
    are one line in the trends, not two).  ``frames`` (findings, measures) are renamed by source."""
    if reports.empty or "agency_key" not in reports.columns:
        return (reports, *frames)
    known = reports[reports["agency_key"].fillna("") != ""]
    latest = known.sort_values("year", na_position="first").groupby("agency_key")["agency"].last()
    reports = reports.assign(agency=reports["agency_key"].map(latest).fillna(reports["agency"]))
    by_source = dict(zip(reports["source"], reports["agency"]))
    renamed = tuple(f.assign(agency=f["source"].map(by_source).fillna(f["agency"])) if len(f) and "source" in f
                    else f for f in frames)
    return (reports, *renamed)


def report_rows(reports) -> pd.DataFrame:
    """One row per report: what the comparison needs to know about it."""
    rows = [dict(source=r.source, agency=r.agency, agency_key=agency_key(r.agency), year=r.year, template=r.template,
                 format=r.format, sha256=r.sha256, tables=",".join(r.tables_found),
                 ambiguous=sum(c.state == "ambiguous" for c in r.cell_list)) for r in reports]
    frame = pd.DataFrame(rows, columns=["source", "agency", "agency_key", "year", "template", "format", "sha256",
                                        "tables", "ambiguous"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


# --------------------------------------------------------------------------- tables

def _styled(frame: pd.DataFrame, numeric: list[str], uuid: str, caption: str = ""):
    styler = frame.style.format(escape="html").format_index(escape="html", axis=1).hide(axis="index") \
        .set_uuid(uuid).set_table_attributes('class="gd-table"')
    styler = styler.set_td_classes(pd.DataFrame([["num" if c in numeric else "" for c in frame.columns]] * len(frame),
                                                index=frame.index, columns=frame.columns))
    return styler.set_caption(caption) if caption else styler


def overview(corpus: Corpus):
    """One row per agency-year: agency, year, template, the key measures, failures by
    severity — a Styler (or a sentence when there is nothing to show)."""
    if corpus.reports.empty:
        return sentence("没有符合条件的报告。", "na")
    wide = corpus.measures.pivot_table(index="source", columns="measure", values="value", aggfunc="first") \
        if len(corpus.measures) else pd.DataFrame()
    fails = corpus.findings[corpus.findings["status"] == "fail"] if len(corpus.findings) else corpus.findings
    counts = fails.groupby(["source", "severity"]).size().unstack(fill_value=0) if len(fails) else pd.DataFrame()
    rows = []
    for r in corpus.reports.itertuples():
        row = {"机关": r.agency or "（未识别）", "年度": "" if pd.isna(r.year) else str(int(r.year)), "格式": r.template}
        for m in OVERVIEW_MEASURES:
            value = wide.at[r.source, m] if r.source in wide.index and m in wide.columns else None
            row[MEASURE[m].label] = fmt_measure(value, MEASURE[m].unit)
        for severity, word in (("error", "错误"), ("warning", "警告"), ("info", "提示")):
            row[word] = str(int(counts.at[r.source, severity])) if r.source in counts.index and \
                severity in counts.columns else "0"
        rows.append(row)
    frame = pd.DataFrame(rows)
    caption = f"同一报告的另一种版本（如爬虫文本与网页）{corpus.dropped} 份未重复计入。" if corpus.dropped else ""
    return _styled(frame, [MEASURE[m].label for m in OVERVIEW_MEASURES] + ["错误", "警告", "提示"], "overview", caption)


def values(corpus: Corpus, measure: str = "open_rate", *, min_cases: int = MIN_CASES) -> pd.DataFrame:
    """The agency-years that have ``measure``: agency, year, value, cases, with those below
    ``min_cases`` cases (a rate over a handful of cases says little) and those that could
    not be computed left out."""
    validate_measure(measure)
    table = corpus.measures[corpus.measures["measure"] == measure] if len(corpus.measures) else corpus.measures
    if table.empty:
        return pd.DataFrame(columns=["agency", "year", "value", "cases"])
    table = table[table["value"].notna()]
    if MEASURE[measure].unit == "%":
        table = table[table["cases"].fillna(0) >= min_cases]
    return table[["agency", "year", "value", "cases"]].reset_index(drop=True)


def ranking(corpus: Corpus, measure: str = "open_rate", *, min_cases: int = MIN_CASES):
    """Agency-years ranked by ``measure`` (a Styler: 名次, 机关, 年度, value, 件数), leaving out
    those below ``min_cases`` cases; fewer than two agency-years give a sentence instead."""
    eligible = values(corpus, measure, min_cases=min_cases).sort_values("value", ascending=False, kind="stable")
    all_rows = corpus.measures[corpus.measures["measure"] == measure] if len(corpus.measures) else []
    left_out = len(all_rows) - len(eligible)
    label, unit = MEASURE[measure].label, MEASURE[measure].unit
    note = (f"{label} = {MEASURE[measure].formula}。件数不足 {min_cases} 件或无法计算的 {left_out} 个机关年度不参与排名。")
    if len(eligible) < 2:
        return sentence(f"件数达到 {min_cases} 件、能计算{label}的机关年度不足两个，不作排名。{note}", "na")
    frame = pd.DataFrame({"名次": [str(i) for i in range(1, len(eligible) + 1)],
                          "机关": eligible["agency"].fillna("（未识别）").to_numpy(),
                          "年度": [str(int(y)) for y in eligible["year"]],
                          label: [fmt_measure(v, unit) for v in eligible["value"]],
                          "件数": [fmt_count(c) for c in eligible["cases"]]})
    return _styled(frame, ["名次", label, "件数"], "ranking", note)


# --------------------------------------------------------------------------- charts

def ranking_chart(corpus: Corpus, measure: str = "open_rate", year: int | None = None, *,
                  highlight: str | None = None):
    """The agencies of one year (by default the latest with two agencies) ranked by ``measure``
    (:func:`govdisclosure.charts.ranking`: top and bottom 10 with the median beyond 20
    agencies); a sentence when fewer than two agencies have it."""
    table = values(corpus, measure)
    if year is None and len(table):  # the latest year that has two agencies to compare
        per_year = table.groupby("year")["agency"].nunique()
        year = int(per_year[per_year >= 2].index.max() if (per_year >= 2).any() else table["year"].max())
    table = table[table["year"] == year] if len(table) else table
    label = MEASURE[measure].label
    if table["agency"].nunique() < 2:
        return sentence(f"{year or ''} 年能比较{label}的机关不足两个，不作图。", "na")
    series = pd.Series(table["value"].to_numpy(), index=table["agency"].fillna("（未识别）"))
    suffix = f"（{MIN_CASES} 件以上）" if MEASURE[measure].unit == "%" else ""
    return charts.ranking(series, title=f"{year} 年各机关{label}{suffix}", unit=MEASURE[measure].unit,
                          highlight=highlight)


def trends(corpus: Corpus, measure: str = "open_rate", *, highlight: str | None = None):
    """``measure`` over the years, one small panel per agency (or one panel with the median
    beyond 12 agencies, :func:`govdisclosure.charts.small_multiples`); a sentence when fewer
    than two agencies have it."""
    table = values(corpus, measure)
    label = MEASURE[measure].label
    if table["agency"].nunique() < 2:
        return sentence(f"能比较{label}的机关不足两个，不作趋势图。", "na")
    return charts.small_multiples(table, title=f"各机关{label}年度变化", unit=MEASURE[measure].unit,
                                  highlight=highlight)


def rule_chart(corpus: Corpus):
    """Which checks fail where: agency-years × rules as a heat map up to
    :data:`HEATMAP_LIMIT` agency-years, beyond that the number of agency-years failing each
    rule (ranked)."""
    fails = corpus.findings[corpus.findings["status"] == "fail"] if len(corpus.findings) else corpus.findings
    if fails.empty:
        return sentence("没有未通过的检查。", "na")
    rules = [r.id for r in RULES] + sorted(set(fails["rule"]) - {r.id for r in RULES})
    if len(corpus.reports) <= HEATMAP_LIMIT:
        label = fails["agency"].fillna("（未识别）") + " " + fails["year"].astype("string").fillna("")
        matrix = pd.crosstab(label, fails["rule"]).reindex(columns=[r for r in rules if r in set(fails["rule"])])
        return charts.heatmap(matrix, title="各机关年度 × 检查规则：未通过项数")
    counts = fails.drop_duplicates(["source", "rule"]).groupby("rule").size()
    return charts.ranking(counts.astype(float), title=f"各检查规则未通过的机关年度数（共 {len(corpus.reports)} 个）",
                          unit="件")


def query(corpus: Corpus, sql: str) -> pd.DataFrame:
    """Run a DuckDB ``sql`` query over the corpus's tables ``reports``, ``findings`` and
    ``measures``; return the result as a DataFrame."""
    import duckdb

    with duckdb.connect() as con:
        for name in ("reports", "findings", "measures"):
            con.register(name, getattr(corpus, name))
        return con.execute(sql).df()


__all__ = ["Corpus", "load", "overview", "parse_years", "query", "ranking", "ranking_chart", "report_rows",
           "rule_chart", "trends", "validate_measure", "values"]
