"""Compare agencies and years: what the comparison notebook shows.

A corpus is a folder of report files (parsed here) or the output folder of
``govdisclosure batch`` (its ``corpus/*.parquet`` are read, nothing is parsed again).  One
report per agency-year is kept: of several files of an agency-year (crawler text and the HTML
page, a republished version) its primary (:mod:`.checks.versions`).
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
from .checks.frame import build_corpus
from .checks.versions import primaries
from .errors import GovDisclosureError
from .measures import MEASURE, MIN_CASES, measures_table
from .notebook import Html, esc
from .parse import load_report
from .readers import discover

OVERVIEW_MEASURES = ("new_received", "open_rate", "completion_rate", "review_correction_rate", "dispute_rate")
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


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
class CorpusView:
    reports: pd.DataFrame  # one row per agency-year kept
    findings: pd.DataFrame
    measures: pd.DataFrame  # long
    dropped: int  # duplicate renderings left out

    @classmethod
    def load(cls, corpus: str | Path, *, years: str | None = None, agencies: str | None = None) -> "CorpusView":
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
            raise GovDisclosureError(f"{path}: expected a folder of reports or a batch output folder, found "
                                     f"{'no such folder' if not path.exists() else 'a file'}")
        keep = reports
        if wanted_years is not None:
            keep = keep[keep["year"].isin(wanted_years)]
        if wanted:
            keep = keep[keep["agency"].fillna("").map(lambda a: any(w in a for w in wanted))]
        if "primary" not in keep.columns:  # a batch output of an earlier version
            keep = keep.assign(primary=~keep.sort_values(["ambiguous", "source"])
                               .duplicated(["agency_key", "year"]).reindex(keep.index))
        best = keep[keep["primary"].astype(bool)]  # one rendering per agency-year (checks.versions)
        dropped = len(keep) - len(best)
        sources = set(best["source"])
        return cls(best.sort_values(["agency_key", "year"]).reset_index(drop=True),
                   findings[findings["source"].isin(sources)].reset_index(drop=True),
                   measures[measures["source"].isin(sources)].reset_index(drop=True), dropped)

    # ----------------------------------------------------------------- tables
    def overview(self) -> Html:
        """One row per agency-year: key measures and finding counts."""
        if self.reports.empty:
            return Html("<p class='na'>没有符合条件的报告。</p>")
        wide = self.measures.pivot_table(index="source", columns="measure", values="value", aggfunc="first")
        fails = self.findings[self.findings["status"] == "fail"]
        counts = fails.pivot_table(index="source", columns="severity", values="rule", aggfunc="count", fill_value=0)
        head = ("<tr><th>机关</th><th>年度</th><th>格式</th>"
                + "".join(f"<th>{esc(MEASURE[m].label)}</th>" for m in OVERVIEW_MEASURES)
                + "<th>错误</th><th>警告</th><th>提示</th></tr>")
        rows = []
        for r in self.reports.itertuples():
            cells = []
            for m in OVERVIEW_MEASURES:
                value = wide.at[r.source, m] if r.source in wide.index and m in wide.columns else None
                cells.append(f"<td class='num'>{esc(_fmt(value, MEASURE[m].unit))}</td>")
            sev = [int(counts.at[r.source, s]) if r.source in counts.index and s in counts.columns else 0
                   for s in ("error", "warning", "info")]
            rows.append(f"<tr><th>{esc(r.agency)}</th><td>{esc(r.year)}</td><td>{esc(r.template)}</td>{''.join(cells)}"
                        + "".join(f"<td class='num'>{n}</td>" for n in sev) + "</tr>")
        note = f"<p class='muted'>同一报告的另一种版本（如爬虫文本与网页）{self.dropped} 份未重复计入。</p>" if self.dropped else ""
        return Html(f"<table>{head}{''.join(rows)}</table>{note}")

    def ranking(self, measure: str = "open_rate", *, min_cases: int = MIN_CASES) -> Html:
        """Agency-years ranked by a measure, leaving out those below ``min_cases`` cases."""
        table = self.measures[self.measures["measure"] == measure].copy()
        eligible = table[(table["cases"].fillna(0) >= min_cases) & table["value"].notna()]
        left_out = len(table) - len(eligible)
        eligible = eligible.sort_values("value", ascending=False)
        unit = MEASURE[measure].unit
        rows = "".join(f"<tr><td class='num'>{i}</td><th>{esc(r.agency)}</th><td>{esc(r.year)}</td>"
                       f"<td class='num'>{esc(_fmt(r.value, unit))}</td><td class='num'>{esc(_fmt(r.cases, '件'))}</td></tr>"
                       for i, r in enumerate(eligible.itertuples(), start=1))
        head = f"<tr><th>名次</th><th>机关</th><th>年度</th><th>{esc(MEASURE[measure].label)}</th><th>件数</th></tr>"
        note = (f"<p class='muted'>{esc(MEASURE[measure].label)} = {esc(MEASURE[measure].formula)}。"
                f"件数不足 {min_cases} 件或无法计算的 {left_out} 个机关年度不参与排名。</p>")
        if eligible.empty:
            return Html(f"<p class='na'>没有件数达到 {min_cases} 件的机关年度，不作排名。</p>{note}")
        return Html(f"<table>{head}{rows}</table>{note}")

    # ----------------------------------------------------------------- charts
    def distribution(self, measure: str = "open_rate", year: int | None = None):
        table = self.measures[self.measures["measure"] == measure]
        if year is None and not table.empty:
            year = int(table["year"].max())
        table = table[table["year"] == year]
        if MEASURE[measure].unit == "%":  # a rate over a handful of cases says little
            table = table[table["cases"].fillna(0) >= MIN_CASES]
            title = f"{year} 年各机关{MEASURE[measure].label}（{MIN_CASES} 件以上）"
        else:
            title = f"{year} 年各机关{MEASURE[measure].label}"
        values = pd.Series(table["value"].to_numpy(), index=table["agency"].fillna("（未识别）"))
        return charts.distribution(values, title=title, unit=MEASURE[measure].unit)

    def rule_heatmap(self):
        """Agencies × rules: how many checks failed."""
        fails = self.findings[self.findings["status"] == "fail"]
        rules = [r.id for r in RULES]
        label = fails["agency"].fillna("（未识别）") + " " + fails["year"].astype("string").fillna("")
        matrix = pd.crosstab(label, fails["rule"]).reindex(columns=[r for r in rules if r in set(fails["rule"])])
        return charts.heatmap(matrix, title="各机关年度 × 检查规则：未通过项数")

    def trends(self, measure: str = "open_rate"):
        """One line per agency over the years."""
        table = self.measures[self.measures["measure"] == measure].copy()
        table["agency_key"] = table["agency"].map(agency_key)
        table = table.drop_duplicates(["agency_key", "year"])
        long = pd.DataFrame({"year": table["year"], "measure": table["agency_key"], "label": table["agency"],
                             "value": table["value"], "unit": MEASURE[measure].unit})
        return charts.trend(long.dropna(subset=["year"]), title=f"各机关{MEASURE[measure].label}年度变化")


def report_rows(reports) -> pd.DataFrame:
    """One row per report: what the comparison needs to know about it."""
    rows = [dict(source=r.source, agency=r.agency, agency_key=agency_key(r.agency), year=r.year, template=r.template,
                 format=r.format, sha256=r.sha256, tables=",".join(r.tables_found),
                 ambiguous=sum(c.state == "ambiguous" for c in r.cell_list)) for r in reports]
    frame = pd.DataFrame(rows, columns=["source", "agency", "agency_key", "year", "template", "format", "sha256",
                                        "tables", "ambiguous"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _fmt(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.1%}" if unit == "%" else f"{value:,.0f}"
