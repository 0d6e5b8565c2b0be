"""Check reports against the template's arithmetic, across years, and text against tables.

>>> findings = check(report)              # or check([report2023, report2024, ...])
>>> findings[findings.status == "fail"]   # one row per cell group that did not pass

A finding has ``status`` ``fail`` (the rule is broken) or ``not_assessable`` (an operand is
blank, a dash, text, ambiguous or missing, so the rule cannot be decided; with
``blank_as_zero=True`` blanks and dashes count as 0 and the message says so — a blank 总计
beside filled parts stays 「总计未填」).  Its ``key`` (``rule|agency_id|year|table|row|column``)
is stable from run to run, so an analyst's decision on it (:mod:`.reviews`) applies again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from ..agencies import AgencyTable
from ..model import Report
from .catalogue import RULE, RULES, SEVERITY_ORDER, Rule, catalogue
from .frame import Corpus, build_corpus
from .narrative import compare_claims
from .reviews import REVIEW_FIELDS, apply_reviews, counted, finding_key, read_reviews
from .rules import KINDS

FINDING_COLUMNS = ["source", "agency", "agency_id", "year", "rule", "title", "severity", "status", "table", "row",
                   "column", "printed", "expected", "actual", "gap", "message", "location", "key", *REVIEW_FIELDS]
SEVERITIES = ("error", "warning", "info")

__all__ = ["FINDING_COLUMNS", "RULES", "AgencyTable", "apply_reviews", "catalogue", "check", "check_corpus",
           "compare_claims", "read_reviews", "summary", "at_or_above"]


def check(reports: Report | Iterable[Report], *, blank_as_zero: bool = False,
          agency_ids: Sequence[str | None] | None = None, kinds: Sequence[str | None] | None = None,
          rules: Iterable[str] | None = None, agencies: AgencyTable | str | Path | None = None,
          reviews: pd.DataFrame | str | Path | None = None,
          params: Mapping[str, Mapping[str, object]] | None = None) -> pd.DataFrame:
    """Run the rule catalogue over one report or many; return the findings, most severe first.

    Several reports of the same agency are checked across consecutive years; the agency is
    the ``agency_id`` of the analyst's ``agencies`` table (an :class:`~..agencies.AgencyTable`
    or the path of its CSV) when a row matches, else the id given in ``agency_ids`` (same
    order as ``reports``), else the normalised printed name.  The table (or ``kinds``) also
    gives the kind of body (``province``, ``city``, ``county``, ``department`` …: who may make
    规章, which deadline applies) and the parent of each body (H-SUM).  ``reviews`` (a review
    file or its frame, see :mod:`.reviews`) marks the findings an analyst has settled;
    ``params`` overrides a rule's parameters (``{"S-COPY": {"threshold": 0.6}}``).

    Returns one row per finding with :data:`FINDING_COLUMNS`.  Raises
    :class:`~..agencies.AgencyTableError` or :class:`~.reviews.ReviewFileError` for a table
    or review file that cannot be used, ``KeyError`` for an unknown rule id.
    """
    items = [reports] if isinstance(reports, Report) else list(reports)
    if agencies is not None and not isinstance(agencies, AgencyTable):
        agencies = AgencyTable.from_csv(agencies)
    findings = check_corpus(build_corpus(items, agency_ids, kinds, agencies=agencies), blank_as_zero=blank_as_zero,
                            rules=rules, params=params)
    return apply_reviews(findings, reviews) if reviews is not None else findings


def check_corpus(corpus: Corpus, *, blank_as_zero: bool = False, rules: Iterable[str] | None = None,
                 params: Mapping[str, Mapping[str, object]] | None = None) -> pd.DataFrame:
    """Run rules over a :class:`~.frame.Corpus` (what the batch builds from its tables)."""
    chosen: list[Rule] = [RULE[r] for r in rules] if rules is not None else list(RULES)
    params = params or {}
    unknown = set(params) - set(RULE)
    if unknown:
        raise KeyError(f"no rule {', '.join(sorted(unknown))} in the catalogue")
    found: list[dict] = []
    for rule in chosen:
        found += KINDS[rule.kind](rule, corpus, blank_as_zero=blank_as_zero, **dict(params.get(rule.id, {})))
    _add_keys(found)
    frame = pd.DataFrame(found, columns=FINDING_COLUMNS)
    if frame.empty:
        return frame.astype({"year": "Int64", "expected": "float64", "actual": "float64", "gap": "float64"})
    frame["year"] = frame["year"].astype("Int64")
    for column in ("expected", "actual", "gap"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for column in REVIEW_FIELDS:
        frame[column] = ""
    order = frame["severity"].map(SEVERITY_ORDER) * 2 + (frame["status"] != "fail")
    frame = frame.assign(_order=order).sort_values(["_order", "source", "rule"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def _add_keys(found: list[dict]) -> None:
    """Each finding's stable key (:func:`~.reviews.finding_key`); one that repeats within a report
    gets "#2", "#3" in the order the rules found them."""
    seen: dict[tuple[str, str], int] = {}
    for f in found:
        key = finding_key(f["rule"], f["agency_id"], f["year"], f["table"], f["row"], f["column"])
        n = seen.get((key, f["source"]), 0) + 1
        seen[(key, f["source"])] = n
        f["key"] = key if n == 1 else f"{key}#{n}"


def at_or_above(findings: pd.DataFrame, level: str) -> pd.DataFrame:
    """Failures at ``level`` ("error", "warning", "info") or more severe, not dismissed by a reviewer."""
    if level == "never" or findings.empty:
        return findings.iloc[0:0]
    limit = SEVERITY_ORDER[level]
    return findings[(findings["status"] == "fail") & (findings["severity"].map(SEVERITY_ORDER) <= limit)
                    & counted(findings)]


def summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Per report: failures by severity (dismissed ones left out), the number not assessable and dismissed."""
    columns = ["source", "agency", "year", *SEVERITIES, "not_assessable", "dismissed"]
    if findings.empty:
        return pd.DataFrame(columns=columns)
    keep = counted(findings)
    fails = findings[(findings["status"] == "fail") & keep]
    index = findings[["source", "agency", "year"]].drop_duplicates()
    counts = fails.pivot_table(index=["source", "agency", "year"], columns="severity", values="rule",
                               aggfunc="count", fill_value=0, dropna=False)
    counts = counts.reindex(columns=list(SEVERITIES), fill_value=0)
    counts = index.merge(counts.reset_index(), on=["source", "agency", "year"], how="left")
    for s in SEVERITIES:
        counts[s] = counts[s].fillna(0).astype(int)
    na = findings[(findings["status"] == "not_assessable") & keep].groupby(["source", "agency", "year"],
                                                                           dropna=False).size()
    dismissed = findings[~keep].groupby(["source", "agency", "year"], dropna=False).size()
    counts = counts.set_index(["source", "agency", "year"])
    counts["not_assessable"] = na.reindex(counts.index, fill_value=0).to_numpy() if len(counts) else []
    counts["dismissed"] = dismissed.reindex(counts.index, fill_value=0).to_numpy() if len(counts) else []
    counts = counts[counts[list(SEVERITIES) + ["not_assessable", "dismissed"]].sum(axis=1) > 0]
    return counts.reset_index()[columns]
