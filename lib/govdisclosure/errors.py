"""The few exceptions the package raises.

Each message names the file, what was expected, what was found and what the user can do.
A mismatch in a report's numbers is never an exception: it is a finding (see ``checks``).
"""

from __future__ import annotations

from pathlib import Path


class GovDisclosureError(Exception):
    """Base class of every error the package raises on purpose."""


class ReportReadError(GovDisclosureError):
    """A file could not be read as a report at all (missing, empty, binary, undecodable)."""

    def __init__(self, path: str | Path, expected: str, found: str, hint: str = ""):
        self.path = str(path)
        self.expected = expected
        self.found = found
        self.hint = hint
        message = f"{self.path}: expected {expected}, found {found}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class NotAReportError(ReportReadError):
    """The file reads, but it is not a 政府信息公开工作年度报告 (no template table found)."""


class NotebookError(GovDisclosureError):
    """A report notebook failed to execute; its partial output is still written."""
