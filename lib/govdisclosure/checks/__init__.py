"""Check reports against the template's arithmetic, across years, and text against tables.

>>> findings = check(report)              # or check([report2023, report2024, ...])
>>> findings[findings.status == "fail"]   # one row per cell group that did not pass

A finding has ``status`` ``fail`` (the rule is broken) or ``not_assessable`` (an operand is
blank, a dash, text, ambiguous or missing, so the rule cannot be decided; with
``blank_as_zero=True`` blanks and dashes count as 0 and the message says so).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd

from ..model import Report
from .catalogue import RULE, RULES, SEVERITY_ORDER, Rule, catalogue
from .frame import Corpus, build_corpus
from .narrative import compare_claims
from .rules import KINDS

FINDING_COLUMNS = ["source", "agency", "year", "rule", "title", "severity", "status", "table", "row", "column",
                   "printed", "expected", "actual", "gap", "message", "location"]
SEVERITIES = ("error", "warning", "info")

__all__ = ["FINDING_COLUMNS", "RULES", "catalogue", "check", "check_corpus", "compare_claims", "summary",
           "at_or_above"]


def check(reports: Report | Iterable[Report], *, blank_as_zero: bool = False,
          agency_ids: Sequence[str | None] | None = None, kinds: Sequence[str | None] | None = None,
          rules: Iterable[str] | None = None) -> pd.DataFrame:
    """Run the rule catalogue over one report or many; return the findings, most severe first.

    Several reports of the same agency (matched by normalised name, or by ``agency_ids`` given
    in the same order) are checked across consecutive years.  ``kinds`` overrides the kind of
    body guessed from the agency name (``province``, ``city``, ``county``, ``department`` …),
    which decides whether it may make 规章.
    """
    items = [reports] if isinstance(reports, Report) else list(reports)
    return check_corpus(build_corpus(items, agency_ids, kinds), blank_as_zero=blank_as_zero, rules=rules)


def check_corpus(corpus: Corpus, *, blank_as_zero: bool = False, rules: Iterable[str] | None = None) -> pd.DataFrame:
    chosen: list[Rule] = [RULE[r] for r in rules] if rules is not None else list(RULES)
    found: list[dict] = []
    for rule in chosen:
        found += KINDS[rule.kind](rule, corpus, blank_as_zero=blank_as_zero)
    frame = pd.DataFrame(found, columns=FINDING_COLUMNS)
    if frame.empty:
        return frame.astype({"year": "Int64", "expected": "float64", "actual": "float64", "gap": "float64"})
    frame["year"] = frame["year"].astype("Int64")
    for column in ("expected", "actual", "gap"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    order = frame["severity"].map(SEVERITY_ORDER) * 2 + (frame["status"] != "fail")
    frame = frame.assign(_order=order).sort_values(["_order", "source", "rule"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def at_or_above(findings: pd.DataFrame, level: str) -> pd.DataFrame:
    """Failures at ``level`` ("error", "warning", "info") or more severe."""
    if level == "never" or findings.empty:
        return findings.iloc[0:0]
    limit = SEVERITY_ORDER[level]
    return findings[(findings["status"] == "fail") & (findings["severity"].map(SEVERITY_ORDER) <= limit)]


def summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Per report: failures by severity and the number not assessable."""
    if findings.empty:
        return pd.DataFrame(columns=["source", "agency", "year", *SEVERITIES, "not_assessable"])
    fails = findings[findings["status"] == "fail"]
    counts = fails.pivot_table(index=["source", "agency", "year"], columns="severity", values="rule",
                               aggfunc="count", fill_value=0, dropna=False)
    counts = counts.reindex(columns=list(SEVERITIES), fill_value=0)
    na = findings[findings["status"] == "not_assessable"].groupby(["source", "agency", "year"], dropna=False).size()
    counts["not_assessable"] = na.reindex(counts.index, fill_value=0) if len(counts) else []
    return counts.reset_index()
