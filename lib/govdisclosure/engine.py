"""A papermill engine that runs a notebook's cells in the current Python process.

papermill's default engine starts a Jupyter kernel for every notebook: a new interpreter
that imports pandas, matplotlib and this package again (about 1.5 s of a 2 s report).  This
engine instead runs the cells in an IPython shell inside the calling process.  The batch
runner calls it in a *fresh process forked from a server that has already imported
everything* (:mod:`multiprocessing`'s forkserver with preloaded modules, one process per
notebook), so each report still gets a clean interpreter state of its own (nothing leaks from
one report to the next) without paying for the imports.

It is registered with papermill as ``govdisclosure`` (also through the ``papermill.engine``
entry point), so it is usable from the command line too::

    papermill --engine govdisclosure notebooks/report.ipynb out.ipynb -p source ...

Outputs are recorded as a kernel records them: ``execute_result``, ``display_data``, streams
and ``error`` with its traceback, so papermill's error banner and nbconvert's HTML are the
same as with a kernel.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout

# papermill loads the entry points of its engines, this module among them, when it is first
# imported.  When this module is imported first, papermill finds it half-loaded: give it a name
# to find now; the real engine is registered at the end of the module.
InProcessEngine = None

from IPython.core.displayhook import DisplayHook  # noqa: E402
from IPython.core.displaypub import DisplayPublisher  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from nbformat.v4 import output_from_msg  # noqa: E402
from papermill.engines import Engine, papermill_engines  # noqa: E402

ENGINE_NAME = "govdisclosure"


class _Capture:
    """Where the shell's outputs of the running cell go."""

    def __init__(self) -> None:
        self.outputs: list = []
        self.execution_count: int | None = None

    def add(self, msg_type: str, content: dict) -> None:
        self.outputs.append(output_from_msg({"header": {"msg_type": msg_type}, "content": content}))


class _Publisher(DisplayPublisher):
    capture: _Capture | None = None

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if self.capture is not None:
            self.capture.add("display_data", {"data": data, "metadata": metadata or {}})


class _Hook(DisplayHook):
    capture: _Capture | None = None

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        if self.capture is not None:
            self.capture.add("execute_result", {"data": format_dict, "metadata": md_dict or {},
                                                "execution_count": self.capture.execution_count})

    def finish_displayhook(self):
        pass


class _Shell(InteractiveShell):
    displayhook_class = _Hook
    display_pub_class = _Publisher
    capture: _Capture | None = None

    def _showtraceback(self, etype, evalue, stb):
        if self.capture is not None:
            self.capture.add("error", {"ename": etype.__name__, "evalue": str(evalue), "traceback": stb})

    def enable_gui(self, gui=None):  # the inline backend needs no event loop
        pass

    def init_history(self):  # no history database on disk
        from IPython.core.history import HistoryManager

        self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)
        self.configurables.append(self.history_manager)


def _run(shell: _Shell, source: str, count: int) -> tuple[list, bool]:
    capture = _Capture()
    capture.execution_count = count
    shell.capture = shell.displayhook.capture = shell.display_pub.capture = capture
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        result = shell.run_cell(source, store_history=True)
    streams = []
    for name, buffer in (("stdout", out), ("stderr", err)):
        if buffer.getvalue():
            streams.append(output_from_msg({"header": {"msg_type": "stream"},
                                            "content": {"name": name, "text": buffer.getvalue()}}))
    failed = result.error_before_exec is not None or result.error_in_exec is not None
    return streams + capture.outputs, failed


class InProcessEngine(Engine):  # noqa: F811
    """Runs the cells in an IPython shell of this process (see the module docstring)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        # papermill saves the whole notebook before and after every cell; in one process there
        # is nothing to recover from a partial save, and papermill still writes the result
        nb_man.output_path = None
        shell = _Shell.instance()
        shell.display_formatter.active_types = ["text/plain", "text/html", "text/markdown", "image/png",
                                                "image/jpeg", "image/svg+xml", "application/json"]
        count = 0
        try:
            for index, cell in enumerate(nb_man.nb.cells):
                nb_man.cell_start(cell, index)
                if cell.cell_type == "code" and cell.source.strip():
                    count += 1
                    outputs, failed = _run(shell, cell.source, count)
                    cell.execution_count = count
                    cell.outputs = outputs
                    if failed:
                        nb_man.cell_exception(cell, cell_index=index)
                        nb_man.cell_complete(cell, cell_index=index)
                        break
                nb_man.cell_complete(cell, cell_index=index)
        finally:
            shell.capture = None
            InteractiveShell.clear_instance()
            _Shell.clear_instance()
            sys.displayhook = sys.__displayhook__


papermill_engines.register(ENGINE_NAME, InProcessEngine)
