"""One agency-year, one report: several files of the same agency-year, the primary one, and
the X-VERSION rule.

Folders hold the same report more than once: the crawler's text beside the HTML page as
served, or a report republished with corrected numbers (发布后有变动).  Files are grouped by
agency and year — the ``agency_key`` of :func:`.frame.report_table` (so an agency table that
sets the key regroups them) and the report year; a file whose agency or year is unknown is a
group of its own.  In each group one file is the **primary**, by this rule:

1. the one whose tables were read most completely: the fewest cells ``ambiguous`` (several
   readings fit), missing from its template's layout, or holding text where a number belongs
   (tables 二, 三, 四; a blank or a dash is a reading, not a loss);
2. then the one whose numbers were read as printed rather than recovered from damage (the
   fewest cells whose value came from the template's arithmetic: the HTML page before the
   crawler's text that lost its table's structure);
3. then the latest publication (the 发布时间/发布日期 field or an update date such as
   「（2024-03-02更新）」 near the top; a file without one comes last);
4. then the file's path, so that the choice never depends on the order files were listed.

Exports, measures, rankings and the comparison count primaries only.  Where another version
disagrees with the primary on a table number, X-VERSION (warning) names the cell and both
values: a republished report with changed numbers is what an assessor looks for, never a
silent choice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..template import T2_COLUMN_DEFS, T2_LAYOUT, T2_ROW, TEMPLATES
from .catalogue import Rule
from .frame import AMBIGUOUS, BLANK, DASH, MISSING, NUMBER, STATES, TEXT, Corpus, Cube

EPS = 1e-6
# fields (crawler headers, page metadata) that say when a page was published or updated
PUBLISHED_FIELDS = ("发布时间", "发布日期", "更新时间", "更新日期", "修改时间", "修订时间")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_PUBLISHED_LINE = re.compile(r"发布|更新|修改|修订")
_EXPLICIT = (BLANK, DASH, TEXT)  # printed as something other than a number


def _dates(text: str) -> list[str]:
    found = []
    for year, month, day in _DATE.findall(text or ""):
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            found.append(f"{year}-{int(month):02d}-{int(day):02d}")
    return found


def published_date(fields: Mapping[str, str], head: Iterable[str] = ()) -> str | None:
    """The latest publication or update date (ISO ``YYYY-MM-DD``) a report states: in its
    publication fields, or in a line near its top that says 发布/更新 (the republished copy's
    「发布日期：2024-01-20（2024-03-02更新）」 gives 2024-03-02).  None when it states none."""
    dates = [d for name in PUBLISHED_FIELDS for d in _dates(fields.get(name, ""))]
    dates += [d for line in head if _PUBLISHED_LINE.search(line) for d in _dates(line)]
    return max(dates) if dates else None


def version_keys(reports: pd.DataFrame) -> pd.Series:
    """The agency-year each report belongs to ("agency_key|year"); a report whose agency or
    year is unknown gets a key of its own."""
    known = (reports["agency_key"].fillna("") != "") & reports["year"].notna()
    key = reports["agency_key"].fillna("").astype(str) + "|" + reports["year"].astype("string").fillna("")
    own = "#" + pd.Series(range(len(reports)), index=reports.index).astype(str)
    return key.where(known, own)


def _layout_mask(cube: Cube, template: str) -> np.ndarray:
    """(rows, columns): the cells a report of ``template`` prints in this table."""
    if template not in TEMPLATES:
        return np.zeros((len(cube.rows), len(cube.columns)), dtype=bool)
    if cube.table != "t2":
        return np.ones((len(cube.rows), len(cube.columns)), dtype=bool)
    layout = T2_LAYOUT[template]
    return np.array([[column in layout.get(row, ()) for column in cube.columns] for row in cube.rows])


def unread_cells(corpus: Corpus) -> np.ndarray:
    """Per report: cells ambiguous, and cells of its template's layout missing or holding text."""
    templates = corpus.reports["template"].fillna("").astype(str).to_numpy()
    total = np.zeros(len(corpus.reports), dtype=np.int64)
    for cube in corpus.cubes.values():
        masks = {t: _layout_mask(cube, t) for t in set(templates)}
        expected = np.stack([masks[t] for t in templates]) if len(templates) else np.zeros((0,) + cube.states.shape[1:], dtype=bool)
        expected = expected & cube.applies[:, :, None]
        states = cube.states
        lost = (states == AMBIGUOUS) | np.isin(states, (MISSING, TEXT)) & expected.astype(bool)
        total += lost.sum(axis=(1, 2))
    return total


def _updated(corpus: Corpus) -> pd.Series:
    """When each file's page says it was published or last updated (``updated`` in the reports
    table when the reader recorded it; ``published``, the first publication that S-DEADLINE
    judges, is another date)."""
    if "updated" in corpus.reports.columns:
        return corpus.reports["updated"]
    return pd.Series([published_date(r.fields) if r is not None else None for r in corpus.objects],
                     index=corpus.reports.index, dtype=object)


def primaries(corpus: Corpus) -> np.ndarray:
    """Per report (in ``corpus.reports`` order): True for the primary of its agency-year
    (see the module docstring for the rule).  The cells not read are the ``unread`` column of
    ``corpus.reports`` when it has one (the batch counts them where each report is read), else
    counted from the corpus's tables (:func:`unread_cells`)."""
    reports = corpus.reports
    unread = reports["unread"].to_numpy() if "unread" in reports.columns else unread_cells(corpus)
    return choose_primaries(reports.assign(unread=unread, updated=_updated(corpus).to_numpy()))


def choose_primaries(reports: pd.DataFrame) -> np.ndarray:
    """Per row of ``reports`` (columns ``agency_key``, ``year``, ``unread``, ``updated``,
    ``source``, optionally ``recovered``): True for the primary of its agency-year — fewest cells
    not read, then fewest recovered, then the latest publication (a file without a date after
    every dated one), then the file's path."""
    table = pd.DataFrame({
        "key": version_keys(reports).to_numpy(),
        "unread": reports["unread"].to_numpy(),
        "recovered": (reports["recovered"].fillna(0).to_numpy() if "recovered" in reports.columns
                      else np.zeros(len(reports))),
        "updated": reports["updated"].fillna("").astype(str).to_numpy(),
        "source": reports["source"].astype(str).to_numpy(),
        "pos": np.arange(len(reports)),
    })
    table["later"] = table["updated"].map(lambda d: -int(d.replace("-", "")) if d else 0)
    best = table.sort_values(["key", "unread", "recovered", "later", "source"], kind="stable").drop_duplicates("key")
    chosen = np.zeros(len(table), dtype=bool)
    chosen[best["pos"].to_numpy()] = True
    return chosen


def _shown(cube: Cube, r: int, i: int, j: int) -> str:
    state = cube.states[r, i, j]
    if state == NUMBER:
        return f"{cube.values[r, i, j]:g}"
    raw = cube.raw(r, i, j)
    return {"blank": "空白", "dash": f"“{raw}”", "text": f"“{raw}”"}.get(STATES[state], STATES[state])


def versions(rule: Rule, corpus: Corpus, **_) -> list[dict]:
    """X-VERSION: every table cell where another file of the same agency-year prints a
    different number than the primary (or a number where the primary prints none, or the
    reverse).  Cells a version lost (ambiguous, missing) are damage, not a difference."""
    from .rules import COLUMN_LABEL, ROW_LABEL, TABLE_LABEL, _finding

    keys = version_keys(corpus.reports).to_numpy()
    primary = primaries(corpus)
    out: list[dict] = []
    for key in pd.unique(keys):
        members = np.flatnonzero(keys == key)
        if len(members) < 2:
            continue
        p = int(members[primary[members]][0])
        rid = corpus.reports.index[p]
        for o in (int(m) for m in members if m != p):
            other = str(corpus.reports.iloc[o]["source"])
            for name, cube in corpus.cubes.items():
                sp, so = cube.states[p], cube.states[o]
                vp, vo = cube.values[p], cube.values[o]
                both = (sp == NUMBER) & (so == NUMBER)
                changed = both & (np.abs(np.nan_to_num(vp) - np.nan_to_num(vo)) > EPS)
                changed |= (sp == NUMBER) & np.isin(so, _EXPLICIT) | np.isin(sp, _EXPLICIT) & (so == NUMBER)
                for i, j in zip(*np.nonzero(changed)):
                    row, column = cube.rows[i], cube.columns[j]
                    if name == "t2":
                        row_label, column_label = T2_ROW[row].label, T2_COLUMN_DEFS[column].label
                    else:
                        row_label, column_label = ROW_LABEL[name][row], COLUMN_LABEL[name][column]
                    printed = cube.label(p, i) or row_label
                    where = cube.location(o, i, j)
                    message = (f"{TABLE_LABEL[name]}「{printed}」{column_label}：本文件为 {_shown(cube, p, i, j)}，"
                               f"同一年度的另一版本 {Path(other).name} 为 {_shown(cube, o, i, j)}"
                               + (f"（{where}）" if where else "") + f"；另一版本：{other}")
                    out.append(_finding(rule, corpus, rid, "fail", message, table=name, row=row, column=column,
                                        printed=printed,
                                        expected=float(vo[i, j]) if so[i, j] == NUMBER else None,
                                        actual=float(vp[i, j]) if sp[i, j] == NUMBER else None,
                                        location=cube.location(p, i, j)))
    return out
