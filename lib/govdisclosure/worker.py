"""The work a batch hands to worker processes.

Importing this module imports everything a report needs (pandas, matplotlib with the CJK font
registered, IPython, papermill, nbconvert, the package): the batch preloads it in the
forkserver, so each worker process forked from there starts warm.

Run as a program it renders one job described in a JSON file, for workers that may not
fork (daemonic Dask workers)::

    python -m govdisclosure.worker job.json
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib_inline.backend_inline  # noqa: E402,F401  (warm import for the notebooks)
import nbconvert  # noqa: E402,F401
import pandas as pd  # noqa: E402
import papermill  # noqa: E402,F401

from . import compare, engine, notebook  # noqa: E402,F401
from .checks import check  # noqa: E402
from .checks.catalogue import RULES  # noqa: E402
from .checks.frame import cells_table, report_table  # noqa: E402
from .errors import GovDisclosureError  # noqa: E402
from .fonts import use_cjk_font  # noqa: E402
from .measures import MIN_CASES, measure_rows  # noqa: E402
from .parse import load_report  # noqa: E402
from .render import execute, export_html  # noqa: E402



def _warm() -> None:
    """Do once, before forking, what every report would otherwise do first: load the HTML
    templates, compile the notebook schema, load the font into a first figure."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from .charts import figure_to_png, heatmap
    from .render import html_exporter

    use_cjk_font()
    book = new_notebook(cells=[new_code_cell("1")])
    nbformat.validate(book)
    html_exporter().from_notebook_node(book)
    figure_to_png(heatmap(pd.DataFrame({"规则": [1.0]}, index=["机关"]), title="预热"))


_warm()

CROSS_YEAR_RULES = ("X-CARRY", "X-STOCK", "X-YOY", "S-COPY")
WITHIN_REPORT_RULES = tuple(r.id for r in RULES if r.id not in CROSS_YEAR_RULES)


def digest_files(paths: list[str]) -> dict:
    """Parse and check (within-report rules) a chunk of files; return tables, not objects.

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
    return dict(reports=table, cells=cells_table(reports), findings=findings,
                measures=pd.DataFrame(rows).assign(rankable=lambda f: f["cases"].fillna(0) >= MIN_CASES)
                if rows else pd.DataFrame(),
                sections=[r.sections for r in reports], failures=failures)


def render_job(job: dict) -> dict:
    """Execute the report notebook for one job and write its HTML (also when it fails)."""
    started = time.perf_counter()
    try:
        nb, error = execute(job["notebook"], job["parameters"], engine_name=engine.ENGINE_NAME)
        export_html(nb, Path(job["html"]))
        status = "failed" if error else "ok"
    except Exception as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    return dict(stem=job["stem"], status=status, error=error, seconds=time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    result = render_job(job)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
