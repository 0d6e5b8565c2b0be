"""govdisclosure: Chinese government information-disclosure annual reports as checked tables.

>>> import govdisclosure as gd
>>> report = gd.load_report("data/corpus/seed_changning_tzcjb_2024/source.txt")
>>> report.table("t3")          # canonical rows × applicant columns
>>> report.cells                # one row per cell, traceable to where it was printed
>>> findings = gd.check(report) # the rule catalogue: one row per finding
>>> gd.measures(report)         # 公开率, 办结率, … with formula and denominator
>>> gd.charts.outcome_mix(report)           # a matplotlib Figure
>>> gd.display.summary(report, findings)    # what the report notebook shows first

``gd.measures`` is the module :mod:`govdisclosure.measures`, callable as its function
``measures(report)``; ``gd.checks``, ``gd.charts``, ``gd.display`` and ``gd.compare`` are
modules, loaded when first used.
"""

from __future__ import annotations

import importlib
import types
from importlib.metadata import PackageNotFoundError, version

from .errors import GovDisclosureError, NotAReportError, NotebookError, ReportReadError
from .model import Cell, Report
from .parse import load_report, parse_document

try:
    __version__ = version("govdisclosure")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"



class _CallableModule(types.ModuleType):
    """``gd.measures(report)`` calls ``gd.measures.measures`` (the module stays a module)."""

    def __call__(self, *args, **kwargs):
        return self.measures(*args, **kwargs)


from . import measures  # noqa: E402
from .checks import apply_reviews, check  # noqa: E402

measures.__class__ = _CallableModule
_LAZY = ("charts", "compare", "display", "notebook")


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name == "context_reports":
        from .notebook import context_reports

        return context_reports
    raise AttributeError(f"module 'govdisclosure' has no attribute {name!r}")


__all__ = ["Cell", "GovDisclosureError", "NotAReportError", "NotebookError", "Report", "ReportReadError",
           "__version__", "apply_reviews", "check", "context_reports", "load_report", "measures", "parse_document"]
