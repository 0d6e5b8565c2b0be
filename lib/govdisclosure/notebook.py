"""What the notebooks need besides the public API: the same agency's other reports.

The display helpers are in :mod:`govdisclosure.display` (templates and pandas Styler), the
charts in :mod:`govdisclosure.charts`; the notebooks call those and this module's
:func:`context_reports` in short visible steps.
"""

from __future__ import annotations

import json
from pathlib import Path

from .agencies import AgencyTable, agency_key, agency_region, same_body
from .display import Html, ReportCheckFailed, setup, zh_location  # noqa: F401  (re-exported)
from .errors import GovDisclosureError
from .export import write_text
from .model import Report
from .parse import load_report
from .readers import discover
from .charts import totals_from_parts  # noqa: F401  (re-exported)


def context_reports(report: Report, context: str | Path | None, *, agencies=None) -> list[Report]:
    """The same agency's other reports (other years), one per year, oldest first.

    ``context`` is a folder of report files or a ``.json`` list of files (what ``govdisclosure
    batch`` writes for each report); None gives none.  Reports are matched by the normalised
    agency name, or by the ``agency_id`` of the analyst's agency table (``agencies``: an
    :class:`~.agencies.AgencyTable` or the path of its CSV) where a row of it matches; of two
    renderings of one year, the one with fewer ambiguous cells is kept.
    A context file that cannot be read is skipped.  Raises :class:`GovDisclosureError` when
    ``context`` is neither a folder nor a ``.json`` list.
    """
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
    if agencies is not None and not isinstance(agencies, AgencyTable):
        agencies = AgencyTable.from_csv(agencies)

    def body(r: Report) -> tuple[str, str]:  # (key, region) as the corpus matches bodies
        info = agencies.resolve(r.source, r.agency) if agencies is not None else None
        return (info.agency_id, "") if info is not None else (agency_key(r.agency), agency_region(r.agency))

    key, region = body(report)
    others: list[Report] = []
    for file in files:
        if file.resolve() == Path(report.source).resolve():
            continue
        try:
            other = load_report(file)
        except GovDisclosureError:
            continue  # a context file that cannot be read does not stop the report
        other_key, other_region = body(other)
        if other_key == key and other.year != report.year and same_body(region, other_region):
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



__all__ = ["Html", "ReportCheckFailed", "context_reports", "setup", "write_file_list"]
