"""Execute the parameterised notebooks with papermill and export them as HTML reports.

The HTML is self-contained (code hidden, images embedded as data URIs, styles inline) and is
written atomically: a file under its final name is always complete.  A notebook that fails
still yields its HTML, with papermill's error banner at the failing cell.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GovDisclosureError
from .export import write_text
from .names import safe_stem  # noqa: F401  (where it was first defined)

if TYPE_CHECKING:
    import nbformat

# nbformat and nbconvert are imported where they are used: the batch's parent process, which
# only names the notebooks, does not pay for them (jsonschema's format checkers make nbformat
# alone take over a second to import).

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


TEMPLATE_DIRS = Path(__file__).resolve().parent / "templates" / "nbconvert"
TEMPLATE_NAME = "govdisclosure"
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$", re.M)


def page_links(parameters: dict) -> list[tuple[str, str]]:
    """The links of a page's top bar, from the notebook's parameters ``index_url`` and
    ``compare_url`` (relative addresses set by ``govdisclosure batch``; anything else that is
    not a plain relative or http(s) address is dropped)."""
    from .display import safe_link

    links = []
    for key, label in (("index_url", "← 全部报告索引"), ("compare_url", "机关、年度比较")):
        href = safe_link(parameters.get(key))
        if href:
            links.append((label, href))
    return links


def table_of_contents(notebook: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(level, text, anchor) of the notebook's level-2 and level-3 Markdown headings; the
    anchors are the ids nbconvert gives those headings."""
    from nbconvert.filters.strings import _convert_header_id

    toc = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for hashes, text in _HEADING.findall(cell.source):
            if len(hashes) in (2, 3):
                toc.append((len(hashes), text, _convert_header_id(text)))
    return toc


def page_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The title a display output declared (``metadata.govdisclosure.title``, set by
    :func:`govdisclosure.display.summary`), else the notebook's first heading."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            meta = output.get("metadata", {}).get("text/html", {}) if isinstance(output.get("metadata"), dict) else {}
            title = (meta.get("govdisclosure") or {}).get("title") if isinstance(meta, dict) else None
            if title:
                return str(title)
    first = next((c.source for c in notebook.cells if c.cell_type == "markdown"), "")
    return first.lstrip("# ").splitlines()[0] if first.strip() else fallback


def __getattr__(name: str):
    # ``PagePreprocessor`` subclasses nbconvert's Preprocessor: built when first asked for (by
    # the template's conf.json, or an import), so that importing this module imports no nbconvert
    if name == "PagePreprocessor":
        globals()[name] = _page_preprocessor()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _page_preprocessor() -> type:
    from nbconvert.preprocessors import Preprocessor

    class PagePreprocessor(Preprocessor):
        """What the ``govdisclosure`` nbconvert template needs (``resources["govdisclosure"]``):
        the stylesheet, the page title, the table of contents, the top-bar links; and each
        chart's alt text (the heading above it).  Declared in the template's ``conf.json``, so the
        ``jupyter nbconvert --template govdisclosure`` command gives the same page."""

        def preprocess(self, nb, resources):
            from .display import STYLESHEET

            resources = resources or {}
            name = (resources.get("metadata") or {}).get("name") or "report"
            parameters = (nb.metadata.get("papermill") or {}).get("parameters") or {}
            title = resources.get("govdisclosure_title") or page_title(nb, name)
            resources["govdisclosure"] = dict(css=_stylesheet(STYLESHEET), title=title,
                                              toc=table_of_contents(nb), links=page_links(parameters))
            heading = "图表"
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    found = _HEADING.findall(cell.source)
                    heading = found[-1][1] if found else heading
                for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                    if any(k.startswith("image/") for k in output.get("data", {})):
                        output.setdefault("metadata", {})["alt"] = heading
            return nb, resources

    PagePreprocessor.__module__ = __name__
    PagePreprocessor.__qualname__ = "PagePreprocessor"
    return PagePreprocessor


@functools.lru_cache(maxsize=4)
def _stylesheet(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def html_exporter():
    """The HTML exporter with the project's slim template (built once per process: loading
    its templates is most of its cost)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter with the ``govdisclosure`` template, without its last pass
        that re-parses the whole page with BeautifulSoup only to add image alt texts (the
        template has them) and tab stops: that pass is a third of a report's export time."""

        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIRS)],
                          exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def export_html(notebook: nbformat.NotebookNode, path: Path, title: str | None = None) -> Path:
    """Write ``notebook`` as self-contained HTML without its code, atomically.

    The page title is ``title``, else what the notebook's outputs declare (see
    :func:`page_title`).
    """
    resources = {"metadata": {"name": path.stem}, "govdisclosure_title": title}
    body, _ = html_exporter().from_notebook_node(notebook, resources=resources)
    return write_text(path, body)


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

    import nbformat
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
