"""govdisclosure: Chinese government information-disclosure annual reports as checked tables.

>>> import govdisclosure as gd
>>> report = gd.load_report("data/raw/2024/上海市长宁区投资促进办公室.txt")
>>> report.table("t3")          # canonical rows × applicant columns
>>> report.cells                # one row per cell, traceable to where it was printed
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import GovDisclosureError, NotAReportError, NotebookError, ReportReadError
from .model import Cell, Report
from .parse import load_report, parse_document

try:
    __version__ = version("govdisclosure")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["Cell", "GovDisclosureError", "NotAReportError", "NotebookError", "Report", "ReportReadError",
           "__version__", "load_report", "parse_document"]
