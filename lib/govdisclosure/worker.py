"""The work a batch hands to worker processes.

Importing this module imports everything a report needs (pandas, matplotlib with the CJK font
registered, IPython, papermill, nbconvert, the package): the batch preloads it in the
forkserver, so each worker process forked from there starts warm.

Run as a program it renders one job described in a JSON file, for workers that may not
fork (daemonic Dask workers)::

    python -m govdisclosure.worker job.json
"""

from __future__ import annotations

import gc
import json
import logging
import sys
import time
import traceback
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# jsonschema (which nbformat imports) imports the optional rfc3987_syntax package when it is
# installed, only to check the "iri" string formats, and that package compiles a Lark grammar
# on import: over a second of every render server's start, for a format that no notebook
# schema uses.  Marked as not importable here (jsonschema then leaves those two formats out).
sys.modules.setdefault("rfc3987_syntax", None)

import matplotlib_inline.backend_inline  # noqa: E402,F401  (warm import for the notebooks)
import nbconvert  # noqa: E402,F401
import pandas as pd  # noqa: E402
import papermill  # noqa: E402,F401

from . import compare, digest, display, engine, index, notebook  # noqa: E402,F401
from .fonts import use_cjk_font  # noqa: E402
from .limits import RENDER_MEMORY_BYTES, RENDER_SECONDS, TimeLimitExceeded, file_limits  # noqa: E402
from .render import execute, export_html  # noqa: E402

def _warm() -> None:
    """Do once, before forking, what every report would otherwise do first: load the HTML
    templates, compile the notebook schema, load the font into a first figure."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from .charts import figure_to_png, heatmap
    from .render import html_exporter

    use_cjk_font()
    from . import display

    env = display.environment()  # compile the display templates once, before forking
    for name in env.list_templates(filter_func=lambda n: n.startswith("display/")):
        env.get_template(name)
    pd.DataFrame({"a": [1]}).style.set_uuid("warm").to_html()  # pandas Styler's own template
    pd.DataFrame({"a": [1]}).to_dict("records")
    with file_limits(RENDER_SECONDS, RENDER_MEMORY_BYTES):  # (imports the resource module)
        pass
    book = new_notebook(cells=[new_markdown_cell("## 预热\n\n正文"), new_code_cell("1")])
    nbformat.validate(book)
    html_exporter().from_notebook_node(book)  # (a markdown cell: the Markdown renderer's plugins)
    # the IPython shell that runs each report's cells imports its completer, magics and
    # inspector when first made: made (and dropped) once here, as the engine does after a report
    from IPython.core.interactiveshell import InteractiveShell

    engine._run(engine._Shell.instance(), "1", 1)
    InteractiveShell.clear_instance()
    engine._Shell.clear_instance()
    sys.displayhook = sys.__displayhook__
    figure_to_png(heatmap(pd.DataFrame({"规则": [1.0]}, index=["机关"]), title="预热"))
    _warm_report_charts()


def _warm_report_charts() -> None:
    """Draw a report's four table charts once, on tables of ones of both templates: every
    worker forked from here inherits the measured sizes of their titles, categories and tick
    labels (:func:`.charts.figure_to_png` keeps one renderer a figure size), so a report
    measures only its own numbers."""
    from . import charts
    from .template import T3_COLUMNS, T4_COLUMNS, T4_ROWS, t3_rows

    columns = pd.Index([c.key for c in T3_COLUMNS], name="column")
    for template in ("2019", "2021"):
        t3 = pd.DataFrame(1.0, index=pd.Index([r.key for r in t3_rows(template)], name="row"), columns=columns)
        for chart in (charts.outcome_mix, charts.refusal_reasons, charts.applicant_mix):
            charts.figure_to_png(chart(t3))
    t4 = pd.DataFrame(1.0, index=pd.Index([r.key for r in T4_ROWS], name="row"),
                      columns=pd.Index([c.key for c in T4_COLUMNS], name="column"))
    charts.figure_to_png(charts.review_litigation(t4))


_warm()
# what was made so far is kept by every forked worker as it is: left out of the garbage
# collector's passes, so that a worker's full collections neither walk nor touch (and so
# copy) the inherited heap (the gc.freeze() advice of the Python documentation for forking)
gc.freeze()


class _ExtraParameters(logging.Filter):
    """The batch passes ``versions`` (the agency-year's other files) to a report notebook that
    may not declare it yet: not a warning worth printing over the progress bar."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Passed unknown parameter: versions")


logging.getLogger("papermill").addFilter(_ExtraParameters())


def render_job(job: dict) -> dict:
    """Execute the report notebook for one job and write its HTML (also when it fails), within
    the time and memory limits of one report (:mod:`.limits`)."""
    started = time.perf_counter()
    try:
        with file_limits(RENDER_SECONDS, RENDER_MEMORY_BYTES):
            nb, error = execute(job["notebook"], job["parameters"], engine_name=engine.ENGINE_NAME)
            export_html(nb, Path(job["html"]))
        status = "failed" if error else "ok"
    except TimeLimitExceeded as exc:
        status, error = "failed", f"rendering {exc}"
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
