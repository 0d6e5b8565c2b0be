"""Parse and check a chunk of files in a worker process; return tables, not objects.

This is the corpus stage of the batch.  It imports only what reading and checking need (no
IPython, papermill or nbconvert), so its worker processes start quickly.
"""

from __future__ import annotations

import time

import pandas as pd

from .checks import check
from .checks.catalogue import RULES
from .checks.frame import cells_table, report_table
from .errors import GovDisclosureError
from .measures import MIN_CASES, measure_rows
from .parse import load_report

# rules that compare reports with each other: the batch runs them once on the whole corpus
CROSS_YEAR_RULES = ("X-CARRY", "X-STOCK", "X-YOY", "S-COPY", "S-COPY-PEER", "S-COPY-TABLE", "H-SUM")
WITHIN_REPORT_RULES = tuple(r.id for r in RULES if r.id not in CROSS_YEAR_RULES)


def digest_files(paths: list[str]) -> dict:
    """Parse and check (within-report rules) a chunk of files.

    Returns the reports' rows, their tidy cells, findings, measures and sections, and the
    files that could not be read with the reason.  Cross-year rules run later, on the whole
    corpus.
    """
    reports, failures, seconds = [], [], []
    for path in paths:
        started = time.perf_counter()
        try:
            reports.append(load_report(path))
            seconds.append(time.perf_counter() - started)
        except GovDisclosureError as exc:
            failures.append(dict(file=str(path), error=str(exc), seconds=time.perf_counter() - started))
        except Exception as exc:  # an unexpected parser error is this file's failure, not the batch's
            failures.append(dict(file=str(path), error=f"unexpected {type(exc).__name__}: {exc}",
                                 seconds=time.perf_counter() - started))
    table = report_table(reports)
    table["seconds"] = seconds
    table["format"] = [r.format for r in reports]
    table["sha256"] = [r.sha256 for r in reports]
    findings = check(reports, rules=WITHIN_REPORT_RULES) if reports else pd.DataFrame()
    rows = [row for r in reports for row in measure_rows(r)]
    measures = pd.DataFrame(rows)
    if rows:
        measures["rankable"] = measures["cases"].fillna(0) >= MIN_CASES
    return dict(reports=table, cells=cells_table(reports), findings=findings, measures=measures,
                sections=[r.sections for r in reports], failures=failures)
