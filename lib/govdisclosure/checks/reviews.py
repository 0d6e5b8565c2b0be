"""Findings an analyst has settled: the review file and its decisions.

Every finding has a stable ``key``: ``rule|agency_id|year|table|row|column`` (see
:func:`finding_key`), the same from one run to the next for the same report and agency table.
A review file is a CSV (UTF-8, a BOM allowed) with one decision per line::

    rule,agency_id,year,table,row,column,decision,reason,reviewer,date
    T3-BALANCE,示例县测试局,2024,t3,new_received+carried_over,natural_person,dismissed,一件申请录入错列，已核实,张三,2025-04-02

or with a ``key`` column instead of the six parts.  ``decision`` is ``accepted`` (the finding
is a true defect, confirmed) or ``dismissed`` (it is not: the reason says why).  A dismissed
finding stays in the findings, marked, but is not counted: :func:`~govdisclosure.checks.at_or_above`
and :func:`~govdisclosure.checks.summary` leave it out, and reports show it apart.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import GovDisclosureError

KEY_PARTS = ("rule", "agency_id", "year", "table", "row", "column")
REVIEW_COLUMNS = ("decision", "reason", "reviewer", "date")
DECISIONS = ("accepted", "dismissed")
REVIEW_FIELDS = ["review", "review_reason", "reviewer", "review_date"]


class ReviewFileError(GovDisclosureError):
    """A review file that cannot be used; the message names the file and the line."""

    def __init__(self, path: str | Path, line: int | None, problem: str):
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


def finding_key(rule: str, agency_id: str | None, year, table: str | None, row: str | None, column: str | None) -> str:
    """``rule|agency_id|year|table|row|column`` (empty parts stay empty; a "|" in a part becomes "/")."""
    year_text = "" if year is None or year is pd.NA or (isinstance(year, float) and year != year) else str(int(year))
    parts = (rule, agency_id or "", year_text, table or "", row or "", column or "")
    key = "|".join(str(p) for p in parts)
    if key.count("|") != 5:
        key = "|".join(str(p).replace("|", "/") for p in parts)
    return key


def read_reviews(path: str | Path) -> pd.DataFrame:
    """The decisions of a review file, one row per key; raise :class:`ReviewFileError` naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReviewFileError(path, None, "no such file") from None
    except UnicodeDecodeError as exc:
        raise ReviewFileError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ReviewFileError(path, None, "empty file; expected a header line "
                                          + ",".join((*KEY_PARTS, *REVIEW_COLUMNS)))
    header = [h.strip().lower() for h in rows[0]]
    has_key = "key" in header
    needed = [c for c in (() if has_key else KEY_PARTS) + ("decision",) if c not in header]
    if needed:
        raise ReviewFileError(path, 1, f"header lacks the column(s) {', '.join(needed)} "
                                       f"(give key, or {', '.join(KEY_PARTS)}; and decision)")
    at = {c: i for i, c in enumerate(header)}
    records, seen = [], {}
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cell = lambda c: raw[at[c]].strip() if c in at and at[c] < len(raw) else ""  # noqa: E731
        if has_key and cell("key"):
            key = cell("key")
            if key.count("|") != len(KEY_PARTS) - 1:
                raise ReviewFileError(path, number, f"key {key!r} does not have the {len(KEY_PARTS)} parts "
                                                    f"{'|'.join(KEY_PARTS)}")
        else:
            if not cell("rule"):
                raise ReviewFileError(path, number, "empty rule (or key)")
            year = cell("year")
            if year and not re.fullmatch(r"\d{4}", year):
                raise ReviewFileError(path, number, f"year {year!r} is not a four-digit year")
            key = finding_key(cell("rule"), cell("agency_id"), int(year) if year else None, cell("table"),
                              cell("row"), cell("column"))
        decision = cell("decision").lower()
        if decision not in DECISIONS:
            raise ReviewFileError(path, number, f"decision {cell('decision')!r} is not accepted or dismissed")
        when = cell("date")
        if when:
            try:
                date.fromisoformat(when)
            except ValueError:
                raise ReviewFileError(path, number, f"date {when!r} is not a date as 2025-04-02") from None
        if decision == "dismissed" and not cell("reason"):
            raise ReviewFileError(path, number, "a dismissed finding needs a reason")
        if key in seen:
            raise ReviewFileError(path, number, f"the finding {key} is already decided on line {seen[key]}")
        seen[key] = number
        records.append(dict(key=key, review=decision, review_reason=cell("reason"), reviewer=cell("reviewer"),
                            review_date=when, line=number))
    return pd.DataFrame(records, columns=["key", *REVIEW_FIELDS, "line"])


def apply_reviews(findings: pd.DataFrame, reviews: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    """``findings`` with the review columns (``review``: "", "accepted" or "dismissed"; its reason,
    reviewer and date) filled from ``reviews`` (a frame from :func:`read_reviews`, or a path).

    Matching is by ``key``.  Decisions that match no finding are listed in
    ``result.attrs["unmatched_reviews"]`` (a finding that no longer occurs, or a key mistyped).
    The batch calls it on its findings frame as ``findings = apply_reviews(findings, path)``.
    """
    if reviews is not None and not isinstance(reviews, pd.DataFrame):
        reviews = read_reviews(reviews)
    out = findings.copy()
    for column in REVIEW_FIELDS:
        out[column] = ""
    out.attrs["unmatched_reviews"] = []
    if reviews is None or reviews.empty or out.empty:
        if reviews is not None and not reviews.empty:
            out.attrs["unmatched_reviews"] = reviews["key"].tolist()
        return out
    table = reviews.set_index("key")
    matched = out["key"].isin(table.index)
    for column in REVIEW_FIELDS:
        out.loc[matched, column] = out.loc[matched, "key"].map(table[column]).astype(str)
    out.attrs["unmatched_reviews"] = sorted(set(table.index) - set(out["key"]))
    return out


def counted(findings: pd.DataFrame) -> pd.Series:
    """Whether each finding counts (not dismissed by a reviewer)."""
    if "review" not in findings:
        return pd.Series(True, index=findings.index)
    return findings["review"] != "dismissed"
