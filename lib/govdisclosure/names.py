"""Names in outputs: what an unknown agency or year is shown as, file name stems, and text safe
to print on a terminal.

A report whose agency or year cannot be found still has a name in every output: the file's
name and 「年度未识别」 (with a note saying so), never "nan" or "None".
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

_UNSAFE = re.compile(r"[^\w\u3400-\u9fff-]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.I)


UNKNOWN_YEAR = "年度未识别"


def known(value) -> bool:
    """False for None, NaN and pandas' NA (what a missing agency or year becomes in a table)."""
    try:
        return value is not None and not bool(value != value)
    except (TypeError, ValueError):  # pd.NA compares to NA
        return False


def fallback_agency(agency, source: str | Path) -> str:
    """The agency name to show: the one read, else the file's name (said in a note)."""
    if known(agency) and str(agency).strip():
        return str(agency)
    return Path(str(source)).name or str(source)


def year_text(year) -> str:
    """"2024", or "年度未识别" when the year could not be found."""
    if not known(year):
        return UNKNOWN_YEAR
    try:
        return str(int(year))
    except (TypeError, ValueError):
        return UNKNOWN_YEAR


def safe_stem(agency: str | None, year: int | None, source: str | Path) -> str:
    """A file name stem safe on every OS, whatever the agency name holds.

    Letters, digits and Chinese characters are kept; everything else (path separators,
    dots, quotes, control characters, markup) becomes "_"; the name is cut to a length every
    file system accepts; a short hash of the source path keeps two reports of one
    agency-year (two renderings) apart.  A missing agency (None, NaN) is replaced by the
    file's name, a missing year by "年度未识别" (:func:`fallback_agency`, :func:`year_text`):
    an output name never reads "nan" or "None".
    """
    name = unicodedata.normalize("NFKC", fallback_agency(agency, source))
    name = _UNSAFE.sub("_", name).strip("_")
    while len(name.encode("utf-8")) > 150:  # file systems limit names in bytes, not characters
        name = name[:-1]
    name = name or "未识别机关"
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    digest = hashlib.sha256(os.fsencode(str(source))).hexdigest()[:8]
    return f"{year_text(year)}_{name}_{digest}"


#: Unicode direction controls (bidi embeddings, overrides and isolates, LRM/RLM, ALM): report
#: text never needs them, and one left open reorders what follows it wherever it is shown
#: (U+202E shows "2021" as "1202")
DIRECTION_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# control characters (C0 but tab and line feed, DEL, C1), direction marks and overrides, line
# and paragraph separators: report text must not move the cursor, recolour, retitle or reorder
# the terminal it is printed on
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                              "\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\udc80-\udcff]")


def terminal_text(text) -> str:
    """``text`` with every character that could act on a terminal shown as an escape
    (``\\x1b``, ``\\u202e``); also the lone surrogates of file names that are not UTF-8."""
    def escape(match: re.Match) -> str:
        code = ord(match.group())
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _TERMINAL_UNSAFE.sub(escape, str(text))
