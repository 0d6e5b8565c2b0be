"""A Chinese font for matplotlib, with no set-up step.

The ``mplfonts`` package ships Noto Sans CJK SC inside its own directory, but its
``use_font()`` only works after the ``mplfonts init`` command has copied the fonts into
matplotlib's data directory.  :func:`use_cjk_font` registers the bundled file directly with
matplotlib's font manager instead, so it works on a fresh install.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from .errors import GovDisclosureError

FONT_FILE = "NotoSansCJKsc-Regular.otf"

_family: str | None = None  # set once the font is registered


class FontNotFoundError(GovDisclosureError):
    """The Chinese font that charts need is not installed."""


def bundled_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package.

    The package is located without being imported (importing it does nothing useful here).
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FontNotFoundError(
            "charts need the Chinese font bundled with the 'mplfonts' package, which is not "
            "installed; install it with: pip install mplfonts")
    for directory in spec.submodule_search_locations:
        path = Path(directory) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    searched = ", ".join(str(Path(d) / "fonts") for d in spec.submodule_search_locations)
    raise FontNotFoundError(
        f"charts need the font file {FONT_FILE}, expected in {searched} but not found; "
        "reinstall the package with: pip install --force-reinstall mplfonts")


def use_cjk_font() -> str:
    """Make matplotlib render Chinese text; return the font's family name.

    The first call registers the bundled font file with matplotlib's font manager; every
    call (re)applies the ``rcParams`` — a few dictionary assignments — so that Chinese
    renders even after the parameters were reset.  Sets ``axes.unicode_minus`` to False so
    that negative numbers use the ASCII hyphen-minus, and ``text.parse_math`` to False so
    that text from a report (an agency named "某$局$") is drawn as it is, never as math.

    Raises :class:`FontNotFoundError` if the font file cannot be found.
    """
    global _family
    if _family is None:
        path = bundled_font_path()
        font_manager.fontManager.addfont(str(path))
        _family = font_manager.FontProperties(fname=path).get_name()
    rc = matplotlib.rcParams
    rc["font.family"] = ["sans-serif"]
    rc["font.sans-serif"] = [_family, *(f for f in rc["font.sans-serif"] if f != _family)]
    rc["axes.unicode_minus"] = False
    rc["text.parse_math"] = False
    return _family
