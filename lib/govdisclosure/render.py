"""Execute the parameterised notebooks with papermill and export them as HTML reports.

The HTML is self-contained (code hidden, images embedded as data URIs, styles inline) and is
written atomically: a file under its final name is always complete.  A notebook that fails
still yields its HTML, with papermill's error banner at the failing cell.
"""

from __future__ import annotations

import functools
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .errors import GovDisclosureError
from .export import write_text
from .names import safe_stem  # noqa: F401  (where it was first defined)

NOTEBOOKS = Path(os.environ.get("GOVDISCLOSURE_NOTEBOOKS", Path(__file__).resolve().parents[2] / "notebooks"))
REPORT_NOTEBOOK = "report.ipynb"
COMPARE_NOTEBOOK = "compare.ipynb"

def notebook_path(name: str | Path) -> Path:
    """A notebook of the project by name, or any notebook by its path."""
    if Path(name).suffix == ".ipynb" and Path(name).exists() and Path(name).name != str(name):
        return Path(name)
    path = NOTEBOOKS / name
    if not path.exists():
        raise GovDisclosureError(f"{path}: expected the notebook {name} of the govdisclosure project, found nothing; "
                                 "install the project from its source tree (pip install -e .) or set "
                                 "GOVDISCLOSURE_NOTEBOOKS to the folder that holds the notebooks")
    return path


@dataclass
class Rendered:
    source: str
    html: Path | None
    ok: bool
    error: str = ""
    seconds: float = 0.0


@functools.lru_cache(maxsize=1)
def html_exporter():
    """The HTML exporter (built once per process: loading its templates is most of its cost)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML, without its last pass that re-parses the whole page with
        BeautifulSoup only to add image alt texts (done here by :func:`_finish`, from the
        chart headings) and tab stops: that pass is a third of a report's export time."""

        def from_notebook_node(self, nb, resources=None, **kw):
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer="python", parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                              exclude_output_prompt=True)
    exporter.mathjax_url = ""  # no formulas in these reports
    return exporter


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_HEADING_OR_IMAGE = re.compile(r"<h[1-4][^>]*>(.*?)</h[1-4]>|<img\b(?![^>]*\balt=)", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _finish(page: str) -> str:
    """No script at all (the reports need none, and nothing is fetched); each chart's alt text
    is the heading above it."""
    page = _SCRIPT.sub("", page)
    heading = "图表"

    def replace(match: re.Match) -> str:
        nonlocal heading
        if match.group(0).startswith("<h"):
            heading = html.escape(html.unescape(_TAGS.sub("", match.group(1))).replace("¶", "").strip()) or heading
            return match.group(0)
        return f'<img alt="{heading}"'

    return _HEADING_OR_IMAGE.sub(replace, page)


def export_html(notebook: nbformat.NotebookNode, path: Path, title: str | None = None) -> Path:
    """Write ``notebook`` as self-contained HTML without its code, atomically.

    The page title is ``title``, else the notebook's first heading.
    """
    if title is None:
        first = next((c.source for c in notebook.cells if c.cell_type == "markdown"), "")
        title = first.lstrip("# ").splitlines()[0] if first else path.stem
    body, _ = html_exporter().from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return write_text(path, _finish(body))


class _MemoryIO:
    """A papermill I/O handler (``memory://``) that keeps the executed notebook in this process:
    no temporary notebook file is written, so none is left behind when a worker is killed."""

    notebooks: dict[str, str] = {}

    def read(self, path: str) -> str:
        return self.notebooks[path]

    def write(self, buf: str, path: str) -> None:
        self.notebooks[path] = buf

    def listdir(self, path: str) -> list[str]:
        return []

    def pretty_path(self, path: str) -> str:
        return path


@functools.lru_cache(maxsize=1)
def _memory_io() -> _MemoryIO:
    from papermill.iorw import papermill_io

    handler = _MemoryIO()
    papermill_io.register("memory://", handler)
    return handler


def execute(notebook: str | Path, parameters: dict, *, cwd: Path | None = None, engine_name: str | None = None,
            kernel_name: str = "python3") -> tuple[nbformat.NotebookNode, str]:
    """Run a notebook of the project with papermill; return (executed notebook, error or "").

    The executed notebook stays in memory (no temporary file), with papermill's error banner
    at the failing cell when a cell failed.
    """
    import uuid

    import papermill
    from papermill.exceptions import PapermillExecutionError

    path = notebook_path(notebook)
    store = _memory_io()
    output = f"memory://{uuid.uuid4().hex}.ipynb"
    try:
        try:
            papermill.execute_notebook(str(path), output, parameters=parameters, cwd=str(cwd or path.parent),
                                       kernel_name=kernel_name, engine_name=engine_name, progress_bar=False,
                                       log_output=False)
            error = ""
        except PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}"
        return nbformat.reads(store.notebooks[output], as_version=4), error
    finally:
        store.notebooks.pop(output, None)


def render_report(source: str | Path, out_dir: str | Path, *, agency: str | None = None, year: int | None = None,
                  context: str | Path | None = None, fail_on: str = "never", stem: str | None = None,
                  engine_name: str | None = None) -> Rendered:
    """Execute ``report.ipynb`` for one report and write ``out_dir/<stem>.html``."""
    import time

    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = Path(source).resolve()
    parameters = dict(source=str(source), agency=agency, year=year,
                      context=None if context is None else str(Path(context).resolve()), fail_on=fail_on)
    if stem is None:
        from .parse import load_report

        report = load_report(source, agency=agency, year=year)
        stem = safe_stem(report.agency, report.year, source)
    html = out / f"{stem}.html"
    notebook, error = execute(REPORT_NOTEBOOK, parameters, engine_name=engine_name)
    export_html(notebook, html)
    return Rendered(str(source), html, not error, error, time.perf_counter() - started)


def render_compare(corpus: str | Path, html: str | Path, *, years: str = "", agencies: str = "",
                   measure: str = "open_rate", engine_name: str | None = None) -> Rendered:
    import time

    started = time.perf_counter()
    path = Path(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    parameters = dict(corpus=str(Path(corpus).resolve()), years=years, agencies=agencies, measure=measure)
    notebook, error = execute(COMPARE_NOTEBOOK, parameters, engine_name=engine_name)
    export_html(notebook, path)
    return Rendered(str(corpus), path, not error, error, time.perf_counter() - started)
