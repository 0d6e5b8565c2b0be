"""Charts of a report's tables, as matplotlib figures.

Every function returns a :class:`matplotlib.figure.Figure` built with the object-oriented
API (no ``pyplot``: no global figure state, nothing shown twice in a notebook) and takes
pandas objects, not a :class:`~govdisclosure.model.Report`:

* :func:`outcome_mix`, :func:`refusal_reasons`, :func:`applicant_mix` take table 三
  (``report.table("t3")``) or the :class:`~govdisclosure.model.Report` itself (then a blank
  总计 is drawn as the sum of its filled columns, and the footnote says so);
* :func:`review_litigation` takes table 四 (``report.table("t4")``) or the report;
* :func:`trend` takes a long frame of derived measures over years;
* :func:`heatmap` takes any numeric matrix (e.g. agencies × rule ids);
* across agencies, readable from 2 to 500 of them: :func:`ranking` (top and bottom N with
  the median), :func:`small_multiples` (one panel per agency, the others in grey; above
  :data:`MAX_PANELS` agencies one panel, every agency in grey, the median and the highlighted
  agency drawn over them), :func:`distribution`.

Report text (agency names in titles and labels) is drawn as text: math text ($…$) is off
(:func:`govdisclosure.fonts.use_cjk_font`).  Values that are not finite (a parser's
infinity) are never drawn and the footnote counts them.

Blank cells are missing values (``pd.NA``) in those tables.  They are never drawn as 0:
they are left out of bars and sums, and a footnote on the figure says so
("部分单元格空白，未计入") and names them.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.category import StrCategoryLocator
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine, LayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter, StrMethodFormatter

import functools
import math

from .fonts import use_cjk_font
from .template import OUTCOME_GROUP_LABELS, T3_COLUMNS, T3_OUTCOME_GROUPS, T3_ROW

# --------------------------------------------------------------------------- labels

#: Short labels of the reasons rows of table 三 (不予公开, 无法提供, 不予处理), in template order.
REFUSAL_LABELS: dict[str, str] = {
    "denied_state_secret": "国家秘密",
    "denied_prohibited_by_law": "法律行政法规禁止",
    "denied_security_stability": "三安全一稳定",
    "denied_third_party": "第三方合法权益",
    "denied_internal_affairs": "内部事务信息",
    "denied_process_info": "过程性信息",
    "denied_enforcement_file": "行政执法案卷",
    "denied_admin_query": "行政查询事项",
    "unable_not_held": "本机关不掌握",
    "unable_needs_creation": "需另行制作",
    "unable_unclear": "补正后仍不明确",
    "rejected_complaint": "信访举报投诉",
    "rejected_duplicate": "重复申请",
    "rejected_publication": "公开出版物",
    "rejected_excessive": "大量反复申请",
    "rejected_confirmation": "确认或重新出具",
}

#: Short labels of the other outcome rows of table 三 (used in footnotes).
OUTCOME_ROW_LABELS: dict[str, str] = {
    "granted": "予以公开",
    "partially_granted": "部分公开",
    **REFUSAL_LABELS,
    "other_no_correction": "逾期不补正",
    "other_unpaid_fee": "逾期未缴费",
    "other_reasons": "其他原因",
    "other_processing": "其他处理",
}

#: Applicant columns of table 三 (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他).
APPLICANT_LABELS: dict[str, str] = {c.key: c.label for c in T3_COLUMNS if c.key != "total"}

#: Rows and result columns of table 四.
T4_ROW_LABELS: dict[str, str] = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼·直接起诉",
    "litigation_after_review": "行政诉讼·复议后起诉",
}
T4_RESULT_LABELS: dict[str, str] = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
}

BLANK_NOTE = "部分单元格空白，未计入"
NO_REFUSALS_NOTE = "本年度无不予公开、无法提供或不予处理的申请"
NO_CASES_NOTE = "本年度无行政复议、行政诉讼案件"
SINGLE_YEAR_NOTE = "仅一年数据"

# --------------------------------------------------------------------------- style

SIZE = (7.0, 3.5)
FOOTNOTE_WIDTH = 52  # characters (Chinese) a footnote line holds across a 7-inch figure
DPI = 100
ACCENT = "#1f5a8a"
SHADES = ("#0b3c5d", "#1f5a8a", "#4f86b5", "#8fb8d8", "#c6dcec")  # dark to light, one hue
LINE_SHADES = (SHADES[0], SHADES[2], SHADES[3], SHADES[1])  # well apart when two or three lines
MARKERS = ("o", "s", "^", "D")
TEXT = "#333333"
MUTED = "#6b6b6b"
NA_FILL = "#e6e6e6"
HEAT = LinearSegmentedColormap.from_list("govdisclosure_blues", ["#f4f8fb", *SHADES[::-1]]) \
    .with_extremes(bad=NA_FILL)


class MarginLayout(LayoutEngine):
    """The layout of a figure whose axes form one column (every chart of a report): the room
    each axes' decorations take (title, tick labels, legends outside it, labels of bars and
    points) is measured once, and the axes are placed so that all of it fits in the figure,
    with the footnote (``supxlabel``) under them, the padding of constrained layout
    (:data:`PAD` inches) around and between them, and equal heights.

    Constrained layout measures every decoration twice (after a first placement, tick labels
    may change) and solves its constraints: two thirds of the drawing time of a report's
    chart.  Here the second measurement is made only for an axes that shows numeric tick
    labels (they may change with the axes' size); category labels and hidden value axes do
    not change.  Figures of another shape (several columns, colour bars, other figure texts)
    are laid out by constrained layout.
    """

    _adjust_compatible = False
    _colorbar_gridspec = False
    PAD = 3 / 72  # inches: constrained layout's w_pad and h_pad

    def execute(self, fig: Figure) -> None:
        axes = fig.axes
        specs = [ax.get_subplotspec() for ax in axes]
        grids = {spec.get_gridspec() for spec in specs if spec is not None}
        canvas = fig.canvas
        if (not axes or None in specs or len(grids) != 1 or next(iter(grids)).ncols != 1
                or any(spec.rowspan.stop - spec.rowspan.start != 1 for spec in specs)
                or any(text is not getattr(fig, "_supxlabel", None) for text in fig.texts)
                or not hasattr(canvas, "get_renderer")):
            ConstrainedLayoutEngine().execute(fig)
            return
        renderer = canvas.get_renderer()
        axes = sorted(axes, key=lambda ax: ax.get_subplotspec().rowspan.start)
        self._place(fig, axes, renderer, [self._room(ax, renderer) for ax in axes])
        moving = [i for i, ax in enumerate(axes) if _numeric_tick_labels(ax)]
        if moving:  # tick labels that may have changed with the axes' size: measured again
            rooms = [self._room(ax, renderer) if i in moving else None for i, ax in enumerate(axes)]
            self._place(fig, axes, renderer, [r if r is not None else self._last[i] for i, r in enumerate(rooms)])

    @staticmethod
    def _room(ax: Axes, renderer) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) pixels that the axes' decorations take outside it."""
        box = ax.get_window_extent(renderer)
        tight = ax.get_tightbbox(renderer, for_layout_only=True) or box
        return (max(0.0, box.x0 - tight.x0), max(0.0, box.y0 - tight.y0),
                max(0.0, tight.x1 - box.x1), max(0.0, tight.y1 - box.y1))

    def _place(self, fig: Figure, axes: list[Axes], renderer, rooms: list[tuple[float, float, float, float]]) -> None:
        self._last = rooms
        width, height = fig.bbox.width, fig.bbox.height
        pad = self.PAD * fig.dpi
        footnote = getattr(fig, "_supxlabel", None)
        if footnote is not None and getattr(footnote, "_autopos", False):  # where constrained layout puts it
            footnote.set_position((footnote.get_position()[0], pad / height))
            footnote.set_verticalalignment("bottom")
        below = footnote.get_window_extent(renderer).height + pad if footnote is not None and footnote.get_text() else 0.0
        left = max(r[0] for r in rooms) + pad
        right = width - max(r[2] for r in rooms) - pad
        top = height - pad - rooms[0][3]
        bottom = pad + below + rooms[-1][1]
        gaps = sum(rooms[i][1] + rooms[i + 1][3] + 2 * pad for i in range(len(rooms) - 1))
        each = max(1.0, (top - bottom - gaps) / len(axes))
        for i, ax in enumerate(axes):
            y1 = top if i == 0 else y0 - rooms[i - 1][1] - rooms[i][3] - 2 * pad
            y0 = y1 - each
            ax.set_position([left / width, y0 / height, max(1.0, right - left) / width, each / height])
            ax.set_in_layout(True)  # (set_position takes an axes out of the layout; this engine placed it)


def _numeric_tick_labels(ax: Axes) -> bool:
    """Whether an axis of ``ax`` shows tick labels whose values depend on the axes' size."""
    for axis, sides in ((ax.xaxis, ("labelbottom", "labeltop")), (ax.yaxis, ("labelleft", "labelright"))):
        if not axis.get_visible():
            continue
        params = axis.get_tick_params(which="major")
        shown = params.get(sides[0], True) or params.get(sides[1], False)
        if shown and not isinstance(axis.get_major_locator(), (FixedLocator, StrCategoryLocator)):
            return True
    return False


def _figure(title: str, size: tuple[float, float] = SIZE) -> tuple[Figure, Axes]:
    """A new figure with one axes and a title, in the module's style."""
    use_cjk_font()
    fig = Figure(figsize=size, dpi=DPI, layout=MarginLayout())
    ax = fig.add_subplot()
    _style(ax, title)
    return fig, ax


def _style(ax: Axes, title: str = "") -> None:
    """Left-aligned title, no top/right frame, muted ticks."""
    if title:
        ax.set_title(title, loc="left", fontsize=12, color=TEXT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=MUTED, labelcolor=TEXT, labelsize=9)


def _hide_value_axis(ax: Axes, axis: str) -> None:
    """Drop the value axis of a bar chart whose bars carry their own value labels."""
    if axis == "x":
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", bottom=False, labelbottom=False)
    else:
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", left=False, labelleft=False)


def _note(ax: Axes, text: str) -> None:
    """An empty chart with a centred note instead of data."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color=MUTED)


def _footnote(fig: Figure, notes: Sequence[str]) -> None:
    """Small grey text under the chart (laid out by the figure's constrained layout)."""
    if notes:
        # one note a line, wrapped: a footnote wider than the figure is cut off at its edge
        lines = [textwrap.fill(n, FOOTNOTE_WIDTH) for n in notes]
        fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=8, color=MUTED, linespacing=1.4)


def add_note(fig: Figure, note: str) -> Figure:
    """Put ``note`` first in the figure's footnote (what the caller did to the data)."""
    existing = fig._supxlabel.get_text() if getattr(fig, "_supxlabel", None) is not None else ""
    _footnote(fig, [note] + ([existing.replace("\n", "")] if existing else []))
    return fig


def _blank_note(labels: Sequence[str], limit: int = 5) -> str:
    """The footnote for blank cells, naming up to ``limit`` of them."""
    named = "、".join(labels[:limit])
    if len(labels) > limit:
        named += f"等{len(labels)}项"
    return f"{BLANK_NOTE}：{named}"


def _fmt(value: float) -> str:
    """A count with thousands separators, or a short decimal for non-integers."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}"


def _count_share(value: float | None, total: float, sep: str = "") -> str:
    """A bar label: 空白 for a blank, else the count and (when ``total`` > 0) its share."""
    if value is None:
        return "空白"
    return f"{_fmt(value)}{sep}（{value / total:.1%}）" if total else _fmt(value)


def _value(frame: pd.DataFrame, row: str, column: str) -> float | None:
    """One cell as a float, or None when the cell is blank (NA) or the row is absent."""
    if row not in frame.index or column not in frame.columns:
        return None
    value = frame.at[row, column]
    if pd.isna(value):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _room(ax: Axes, values: Iterable[float | None], axis: str, factor: float = 1.3) -> None:
    """Leave room after the longest bar for its value label."""
    top = max((v for v in values if v is not None), default=0.0)
    limit = top * factor if top > 0 else 1.0
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, limit)


# --------------------------------------------------------------------------- from a report

def table_values(report, name: str) -> pd.DataFrame:
    """A table of ``report`` as floats (canonical rows × columns, NaN for a cell that holds no
    number or a number that is not finite).  Unlike ``Report.table`` it takes any value a
    parser stored (3.5, infinity) without failing."""
    rows, columns = report.row_keys(name), report.column_keys(name)
    frame = pd.DataFrame(np.nan, index=pd.Index(rows, name="row"), columns=pd.Index(columns, name="column"))
    for c in report.cell_list:
        if c.table == name and c.row in frame.index and c.column in frame.columns and c.value is not None:
            try:
                value = float(c.value)
            except (TypeError, ValueError, OverflowError):
                continue
            frame.at[c.row, c.column] = value if math.isfinite(value) else np.nan
    return frame


def _not_finite(report, name: str) -> int:
    count = 0
    for c in report.cell_list:
        if c.table == name and c.value is not None:
            try:
                count += not math.isfinite(float(c.value))
            except (TypeError, ValueError, OverflowError):
                count += 1
    return count


def totals_from_parts(t3: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Table 三 with each blank 总计 replaced by the sum of its filled applicant columns (for
    charts only: a lower bound, said on the chart); returns the table and how many rows."""
    parts = t3.drop(columns="total")
    fill = t3["total"].isna() & parts.notna().any(axis=1)
    if not fill.any():
        return t3, 0
    table = t3.copy()
    table.loc[fill, "total"] = parts[fill].sum(axis=1, skipna=True).astype(table["total"].dtype)
    return table, int(fill.sum())


def _takes_report(name: str, fill_totals: bool = True):
    """Let a chart of one table take the report too: its table as floats, blank 总计 filled
    from the columns when ``fill_totals`` (said in the footnote), non-finite values counted."""
    def decorate(function):
        @functools.wraps(function)
        def wrapper(data, *args, **kwargs):
            if isinstance(data, pd.DataFrame):
                return function(data, *args, **kwargs)
            table = table_values(data, name)
            filled = 0
            if fill_totals and name == "t3":
                table, filled = totals_from_parts(table)
            fig = function(table, *args, **kwargs)
            bad = _not_finite(data, name)
            if bad:
                add_note(fig, f"{bad} 个单元格的数值过大或不是有限数，未绘制")
            if filled:
                add_note(fig, f"{filled} 行总计未填，按已填各列之和绘制（空白未计入，实际可能更多）")
            return fig
        return wrapper
    return decorate


# --------------------------------------------------------------------------- table 三

@_takes_report("t3")
def outcome_mix(t3: pd.DataFrame, *, title: str = "办理结果构成") -> Figure:
    """Horizontal bars of the six outcome groups of table 三 (``total`` column).

    A group is the sum of its template rows present in ``t3`` (予以公开 = ``granted``,
    部分公开 = ``partially_granted``, 不予公开 = ``denied_*``, 无法提供 = ``unable_*``,
    不予处理 = ``rejected_*``, 其他处理 = ``other_*`` or the 2019 row ``other_processing``);
    rows that are not template rows (an agency's own subtotal row) are not counted.  Each
    bar shows its count and its share of the sum of all groups.  Blank cells are left out
    of the sums and named in a footnote; a group whose cells are all blank is labelled 空白.
    """
    fig, ax = _figure(title)
    if not any(r in T3_ROW and T3_ROW[r].group for r in t3.index):
        _note(ax, "无数据")
        return fig
    groups: dict[str, float | None] = {}
    blanks: list[str] = []
    for group in T3_OUTCOME_GROUPS:
        rows = [r for r in t3.index if r in T3_ROW and T3_ROW[r].group == group]
        if not rows:
            continue
        known = []
        for row in rows:
            value = _value(t3, row, "total")
            if value is None:
                blanks.append(OUTCOME_ROW_LABELS.get(row, row))
            else:
                known.append(value)
        groups[OUTCOME_GROUP_LABELS[group]] = sum(known) if known else None

    total = sum(v for v in groups.values() if v is not None)
    labels = list(groups)
    values = [v or 0.0 for v in groups.values()]
    bars = ax.barh(labels, values, color=ACCENT, height=0.6)
    ax.bar_label(bars, labels=[_count_share(v, total) for v in groups.values()],
                 padding=3, fontsize=9, color=TEXT)
    ax.invert_yaxis()
    _room(ax, groups.values(), "x")
    _hide_value_axis(ax, "x")
    _footnote(fig, [_blank_note(blanks)] if blanks else [])
    return fig


@_takes_report("t3")
def refusal_reasons(t3: pd.DataFrame, *, title: str = "不予公开、无法提供、不予处理的理由") -> Figure:
    """Horizontal bars of each reason row (``denied_*``, ``unable_*``, ``rejected_*``).

    Only reasons with a positive ``total`` get a bar, coloured by group (不予公开,
    无法提供, 不予处理).  When no reason has a positive count the chart is empty with a note;
    blank cells are named in a footnote, and the note then says that only the filled cells
    were zero.
    """
    counts: dict[str, tuple[str, float]] = {}
    blanks: list[str] = []
    for row, label in REFUSAL_LABELS.items():
        if row not in t3.index:
            continue
        value = _value(t3, row, "total")
        if value is None:
            blanks.append(label)
        elif value > 0:
            counts[label] = (T3_ROW[row].group or "", value)

    fig, ax = _figure(title, (SIZE[0], max(SIZE[1], 0.3 * len(counts) + 1.4)))
    if counts:
        shade = {"denied": SHADES[0], "unable": SHADES[2], "rejected": SHADES[3]}
        bars = ax.barh(list(counts), [v for _, v in counts.values()], height=0.6,
                       color=[shade[g] for g, _ in counts.values()])
        ax.bar_label(bars, labels=[_fmt(v) for _, v in counts.values()], padding=3,
                     fontsize=9, color=TEXT)
        ax.invert_yaxis()
        _room(ax, [v for _, v in counts.values()], "x", factor=1.15)
        _hide_value_axis(ax, "x")
        present = dict.fromkeys(g for g, _ in counts.values())
        ax.legend(handles=[Patch(color=shade[g], label=OUTCOME_GROUP_LABELS[g]) for g in present],
                  frameon=False, fontsize=9, loc="lower right")
    elif len(blanks) == sum(r in t3.index for r in REFUSAL_LABELS):
        _note(ax, "不予公开、无法提供、不予处理各行均为空白")
    elif blanks:
        _note(ax, "已填写的单元格中无不予公开、无法提供或不予处理的申请")
    else:
        _note(ax, NO_REFUSALS_NOTE)
    _footnote(fig, [_blank_note(blanks)] if blanks else [])
    return fig


@_takes_report("t3", fill_totals=False)
def applicant_mix(t3: pd.DataFrame, *, title: str = "新收申请的申请人构成") -> Figure:
    """Bars of 本年新收申请 (row ``new_received``) across the six applicant columns.

    Each bar shows its count and its share of the sum of the filled columns; blank cells
    are labelled 空白 and named in a footnote.
    """
    fig, ax = _figure(title)
    values = {label: _value(t3, "new_received", column) for column, label in APPLICANT_LABELS.items()}
    blanks = [label for label, v in values.items() if v is None]
    total = sum(v for v in values.values() if v is not None)
    if total == 0 and not blanks:
        _note(ax, "本年度未收到新的政府信息公开申请")
    else:
        bars = ax.bar(list(values), [v or 0.0 for v in values.values()], color=ACCENT, width=0.6)
        ax.bar_label(bars, labels=[_count_share(v, total, "\n") for v in values.values()],
                     padding=3, fontsize=9, color=TEXT)
        _room(ax, values.values(), "y", factor=1.35)
        _hide_value_axis(ax, "y")
    _footnote(fig, [_blank_note(blanks)] if blanks else [])
    return fig


# --------------------------------------------------------------------------- table 四

@_takes_report("t4", fill_totals=False)
def review_litigation(t4: pd.DataFrame, *, title: str = "行政复议、行政诉讼结果") -> Figure:
    """Grouped bars: the three case kinds of table 四 × four results (维持, 纠正, 其他, 尚未审结).

    Blank cells get no bar, are labelled 空白 and are named in a footnote.  When every filled
    cell is 0 (and none is blank) the chart is empty with a note.
    """
    fig, ax = _figure(title)
    cells = {(row, col): _value(t4, row, col) for row in T4_ROW_LABELS for col in T4_RESULT_LABELS}
    blanks = [f"{T4_ROW_LABELS[r]}·{T4_RESULT_LABELS[c]}" for (r, c), v in cells.items() if v is None]
    if not blanks and not any(cells.values()):
        _note(ax, NO_CASES_NOTE)
        return fig

    n = len(T4_RESULT_LABELS)
    width = 0.8 / n
    positions = np.arange(len(T4_ROW_LABELS))
    for i, (col, label) in enumerate(T4_RESULT_LABELS.items()):
        values = [cells[row, col] for row in T4_ROW_LABELS]
        bars = ax.bar(positions + (i - (n - 1) / 2) * width, [v or 0.0 for v in values], width * 0.9,
                      color=SHADES[i], label=label)
        ax.bar_label(bars, labels=["空白" if v is None else _fmt(v) for v in values],
                     padding=2, fontsize=8, color=TEXT)
    ax.set_xticks(positions, list(T4_ROW_LABELS.values()))
    ax.tick_params(axis="x", length=0)
    _room(ax, cells.values(), "y", factor=1.25)
    _hide_value_axis(ax, "y")
    ax.legend(frameon=False, fontsize=9, ncols=4, loc="upper center", bbox_to_anchor=(0.5, 1.0))
    _footnote(fig, [_blank_note(blanks)] if blanks else [])
    return fig


# --------------------------------------------------------------------------- over years

def trend(measures: pd.DataFrame, *, title: str = "关键指标年度变化") -> Figure:
    """Lines of derived measures over report years.

    ``measures`` is long: one row per (``year``, ``measure``) with the display name in
    ``label`` and the number in ``value`` (NaN when unknown); an optional ``unit`` column
    marks rates with ``"%"`` (values are fractions, 0.85 for 85%) and counts with ``"件"``
    (the default).  Counts and rates get separate axes (counts on top) when both are
    present.  Unknown values are not drawn and are mentioned in a footnote; with a single
    year the measures are drawn as points with the note "仅一年数据".
    """
    missing = {"year", "measure", "label", "value"} - set(measures.columns)
    if missing:
        raise ValueError(f"trend(): measures lacks the column(s) {', '.join(sorted(missing))}")
    duplicated = measures.duplicated(["year", "measure"])
    if duplicated.any():
        first = measures.loc[duplicated, ["year", "measure"]].iloc[0]
        raise ValueError(f"trend(): several values for year {first['year']}, measure {first['measure']!r}")

    numbers = pd.to_numeric(measures["value"], errors="coerce").astype(float)
    not_finite = int(np.isinf(numbers).sum())
    measures = measures.assign(value=numbers.where(np.isfinite(numbers)))
    measures = measures[pd.to_numeric(measures["year"], errors="coerce").notna()]  # a report whose year is unknown
    data = measures.assign(rate=measures["unit"].eq("%") if "unit" in measures else False)
    years = sorted(int(y) for y in data["year"].unique())
    kinds = [rate for rate in (False, True) if data["rate"].eq(rate).any()]  # counts, then rates

    use_cjk_font()
    size = (SIZE[0], SIZE[1] * 1.6) if len(kinds) == 2 else SIZE
    fig = Figure(figsize=size, dpi=DPI, layout=MarginLayout())
    if not years:
        ax = fig.add_subplot()
        _style(ax, title)
        _note(ax, "无数据")
        return fig

    axes = fig.subplots(len(kinds), 1, sharex=True, squeeze=False)[:, 0]
    notes: list[str] = []
    for i, (ax, rate) in enumerate(zip(axes, kinds)):
        _style(ax, title if i == 0 else "")
        subset = data[data["rate"] == rate]
        values = subset["value"].astype(float)
        low, top = min(0.0, values.min()), max(0.0, values.max())  # NaN-safe: min/max skip NaN
        span = top - low if top > low else 1.0
        for j, (_, rows) in enumerate(subset.groupby("measure", sort=False)):
            # the measure's value in each year (NaN where it has none), as plain floats: pandas'
            # set_index and reindex on these small frames took a third of the chart's time
            by_year = dict(zip(rows["year"].tolist(), rows["value"].astype(float).tolist()))
            series = np.array([by_year.get(year, np.nan) for year in years], dtype=float)
            if np.isnan(series).any():
                notes.append("部分年份无数据，未绘制")
            ax.plot(years, series, color=LINE_SHADES[j % len(LINE_SHADES)],
                    marker=MARKERS[j % len(MARKERS)], linestyle="-" if len(years) > 1 else "none",
                    linewidth=1.8, markersize=5, label=rows["label"].iloc[0])
            above = j % 2 == 0  # every other line labels below its points: close lines' labels part
            for year, value in ((y, v) for y, v in zip(years, series.tolist()) if not math.isnan(v)):
                ax.annotate(f"{value:.1%}" if rate else _fmt(value), (year, value),
                            xytext=(0, 6 if above else -7), textcoords="offset points",
                            ha="center", va="bottom" if above else "top", fontsize=8, color=TEXT)
        if not rate:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        # room above the highest label and, when some labels sit below their points, under the
        # lowest one; the ticks stay within the data's range
        upper = low + span * 1.2
        ax.set_ylim(low - (0.12 * span if subset["measure"].nunique() > 1 else 0.0), upper)
        ax.set_yticks([t for t in ax.get_yticks() if low <= t <= upper])
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0) if rate
                                     else StrMethodFormatter("{x:,.0f}"))
        ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes[-1].set_xticks(years, [str(y) for y in years])
    pad = 0.3 if len(years) > 1 else 1.0
    axes[-1].set_xlim(years[0] - pad, years[-1] + pad)
    if len(years) == 1:
        notes.append(SINGLE_YEAR_NOTE)
    if not_finite:
        notes.append(f"{not_finite} 个数值过大或不是有限数，未绘制")
    _footnote(fig, list(dict.fromkeys(notes)))
    return fig


# --------------------------------------------------------------------------- matrices

def heatmap(matrix: pd.DataFrame, *, title: str) -> Figure:
    """A heat map of a numeric matrix (rows × columns) with each cell's value written in.

    Missing cells are grey, left unannotated and mentioned in a footnote.  The index and
    column labels become the tick labels (Chinese is fine).
    """
    n_rows, n_cols = matrix.shape
    width = max(SIZE[0], 2.5 + 0.6 * n_cols)
    fig, ax = _figure(title, (width, max(SIZE[1], 1.2 + 0.4 * n_rows)))
    if matrix.empty:
        _note(ax, "无数据")
        return fig

    values = matrix.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    masked = np.ma.masked_invalid(values)
    low = min(0.0, float(masked.min())) if masked.count() else 0.0
    high = float(masked.max()) if masked.count() else 1.0
    high = high if high > low else low + 1.0
    ax.imshow(masked, cmap=HEAT, vmin=low, vmax=high, aspect="auto", interpolation="nearest")
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            dark = (value - low) / (high - low) > 0.55
            ax.text(j, i, _fmt(value), ha="center", va="center", fontsize=8,
                    color="white" if dark else TEXT)

    col_labels = [str(c) for c in matrix.columns]
    slanted = max(map(len, col_labels)) * 0.1 > (width - 2.5) / n_cols  # ~0.1 inch a character
    ax.set_xticks(range(n_cols), col_labels, rotation=45 if slanted else 0,
                  ha="right" if slanted else "center")
    ax.set_yticks(range(n_rows), [str(r) for r in matrix.index])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    _footnote(fig, ["灰色格子：无数据"] if np.isnan(values).any() else [])
    return fig


# --------------------------------------------------------------------------- across agencies

def distribution(values: pd.Series, *, title: str, unit: str = "件", highlight: str | None = None) -> Figure:
    """Each agency's value of one measure as a dot on one axis, with the median marked.

    ``values`` is indexed by agency name; NaN values are left out and counted in a
    footnote.  ``unit`` "%" shows fractions as percentages.  ``highlight`` names one agency
    to mark in the accent colour.
    """
    fig, ax = _figure(title, (SIZE[0], max(2.2, 0.9 + 0.28 * min(len(values), 20))))
    known = values.dropna().astype(float).sort_values()
    if known.empty:
        _note(ax, "无数据")
        return fig
    positions = np.arange(len(known))
    colors = [ACCENT if name == highlight else SHADES[3] for name in known.index]
    ax.scatter(known.to_numpy(), positions, color=colors, s=28, zorder=3)
    median = float(known.median())
    ax.axvline(median, color=MUTED, linewidth=1, linestyle="--")
    ax.text(median, len(known) - 0.4, f"中位数 {median:.1%}" if unit == "%" else f"中位数 {_fmt(median)}",
            ha="left", va="bottom", fontsize=8, color=MUTED)
    ax.set_yticks(positions, [str(name) for name in known.index])
    if unit == "%":
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylim(-0.6, len(known) - 0.1 + 0.6)
    missing = int(values.isna().sum())
    _footnote(fig, [f"{missing} 个机关无数据，未绘制"] if missing else [])
    return fig


MAX_PANELS = 12  # agencies drawn as small multiples; more share one panel
TOP_N = 10  # a ranking of more than 2 × TOP_N agencies shows the top and bottom TOP_N
GREY = "#c3cad2"


def _value_axis(ax: Axes, unit: str, axis: str = "x") -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(PercentFormatter(xmax=1, decimals=0) if unit == "%" else StrMethodFormatter("{x:,.0f}"))


def _label(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "%" else _fmt(value)


def ranking(values: pd.Series, *, title: str, unit: str = "件", top: int = TOP_N,
            highlight: str | None = None) -> Figure:
    """Agencies ranked by one measure, as a dot per agency, with the median marked.

    ``values`` is indexed by agency (or agency-year) name; NaN and non-finite values are left
    out and counted in the footnote.  With more than ``2 × top`` agencies only the ``top``
    highest and ``top`` lowest are drawn, the gap between them marked, so the chart reads the
    same for 20 agencies or 500; the median is that of all of them.  ``highlight`` names one
    agency drawn in the accent colour (and added to the chart when it falls in the gap).
    ``unit`` "%" shows fractions as percentages.
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    known = numbers[np.isfinite(numbers)].sort_values(ascending=False)
    shown = known
    cut = len(known) > 2 * top
    if cut:
        shown = pd.concat([known.iloc[:top], known.iloc[-top:]])
        if highlight is not None and highlight in known.index and highlight not in shown.index:
            shown = pd.concat([known.iloc[:top], known.loc[[highlight]], known.iloc[-top:]])
    fig, ax = _figure(title, (SIZE[0], max(2.2, 0.9 + 0.26 * (len(shown) + (1 if cut else 0)))))
    if known.empty:
        _note(ax, "无数据")
        return fig
    positions = np.arange(len(shown), dtype=float)
    if cut:  # a gap row between the top and the bottom
        positions[top:] += 1
    colors = [ACCENT if name == highlight else SHADES[2] for name in shown.index]
    ax.scatter(shown.to_numpy(), positions, color=colors, s=26, zorder=3)
    for value, y in zip(shown.to_numpy(), positions):
        ax.annotate(_label(value, unit), (value, y), xytext=(5, 0), textcoords="offset points", va="center",
                    fontsize=8, color=TEXT)
    median = float(known.median())
    ax.axvline(median, color=MUTED, linewidth=1, linestyle="--")
    ax.text(median, -0.9, f"中位数 {_label(median, unit)}（{len(known)} 个）", ha="left", va="bottom", fontsize=8,
            color=MUTED)
    ax.set_yticks(positions, [str(name) for name in shown.index])
    if cut:
        ax.text(0.0, top, f"⋯ 中间 {len(known) - len(shown)} 个未列出 ⋯", transform=ax.get_yaxis_transform(),
                ha="left", va="center", fontsize=8, color=MUTED)
    ax.set_ylim(positions[-1] + 0.8, -1.2)
    low, high = float(known.min()), float(known.max())
    span = high - low if high > low else (abs(high) or 1.0)
    ax.set_xlim(min(0.0, low - 0.05 * span), high + 0.18 * span)
    _value_axis(ax, unit)
    notes = []
    if cut:
        notes.append(f"共 {len(known)} 个，列出最高和最低各 {top} 个")
    missing = len(numbers) - len(known)
    if missing:
        notes.append(f"{missing} 个无数据或不足以计算，未列出")
    _footnote(fig, notes)
    return fig


def small_multiples(long: pd.DataFrame, *, title: str, unit: str = "件", highlight: str | None = None,
                    max_panels: int = MAX_PANELS) -> Figure:
    """One measure over the years for many agencies.

    ``long`` has one row per agency-year: ``agency``, ``year``, ``value`` (NaN when unknown).
    Up to ``max_panels`` agencies: one small panel each, that agency's line in the accent
    colour over every other agency's in grey (shared axes, so panels compare).  More
    agencies: one panel, every agency in grey, the median of each year in black and the
    ``highlight`` agency in the accent colour — readable at 500 agencies.  Unknown and
    non-finite values are not drawn and are counted in the footnote.
    """
    missing = {"agency", "year", "value"} - set(long.columns)
    if missing:
        raise ValueError(f"small_multiples(): long lacks the column(s) {', '.join(sorted(missing))}")
    data = long.assign(value=pd.to_numeric(long["value"], errors="coerce").astype(float))
    data = data[data["year"].notna()].assign(year=lambda d: d["year"].astype(int))
    unknown = int((~np.isfinite(data["value"])).sum())
    data = data[np.isfinite(data["value"])]
    agencies = list(dict.fromkeys(data.sort_values(["agency", "year"])["agency"].astype(str)))
    use_cjk_font()
    years = sorted(data["year"].unique())
    notes = [f"{unknown} 个机关年度无数据，未绘制"] if unknown else []
    if not agencies:
        fig, ax = _figure(title)
        _note(ax, "无数据")
        return fig
    lines = {a: g.sort_values("year") for a, g in data.groupby(data["agency"].astype(str))}

    def draw_all(ax, colour, width):
        for a in agencies:
            g = lines[a]
            ax.plot(g["year"], g["value"], color=colour, linewidth=width, marker="o" if len(g) == 1 else None,
                    markersize=2.5, zorder=1)

    if len(agencies) <= max_panels:
        n_cols = min(4, len(agencies))
        n_rows = math.ceil(len(agencies) / n_cols)
        fig = Figure(figsize=(SIZE[0], 0.6 + 1.55 * n_rows), dpi=DPI, layout="constrained")
        axes = fig.subplots(n_rows, n_cols, sharex=True, sharey=True, squeeze=False).ravel()
        for ax, agency in zip(axes, agencies):
            _style(ax)
            draw_all(ax, GREY, 0.8)
            g = lines[agency]
            ax.plot(g["year"], g["value"], color=ACCENT if highlight in (None, agency) else SHADES[1],
                    linewidth=2.0, marker="o", markersize=3.5, zorder=3)
            ax.set_title(textwrap.shorten(agency, 18, placeholder="…"), loc="left", fontsize=8.5, color=TEXT)
            _value_axis(ax, unit, "y")
            ax.tick_params(labelsize=7.5)
        for ax in axes[len(agencies):]:
            ax.set_axis_off()
        fig.suptitle(title, x=0.01, ha="left", fontsize=12, color=TEXT)
    else:
        fig, ax = _figure(title, (SIZE[0], SIZE[1] * 1.2))
        draw_all(ax, GREY, 0.6)
        median = data.groupby("year")["value"].median()
        ax.plot(median.index, median.to_numpy(), color=TEXT, linewidth=2.2, label=f"中位数（{len(agencies)} 个机关）",
                zorder=3)
        if highlight in lines:
            g = lines[highlight]
            ax.plot(g["year"], g["value"], color=ACCENT, linewidth=2.2, marker="o", markersize=4, label=highlight,
                    zorder=4)
        ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _value_axis(ax, unit, "y")
        notes.append(f"{len(agencies)} 个机关：灰线为各机关，黑线为各年中位数")
    small = len(fig.axes) > 1
    for ax in fig.axes:
        if ax.axison:  # small panels name only the first and the last year
            ax.set_xticks(years, [str(y) if not small or y in (years[0], years[-1]) else "" for y in years])
            ax.set_xlim(years[0] - 0.4, years[-1] + 0.4)
    _footnote(fig, notes)
    return fig


# --------------------------------------------------------------------------- output

PNG_COLOURS = 64  # the charts use a few hues and grey: a 64-colour palette keeps them exact and 4× smaller


_RENDERERS: dict[tuple[int, int, float], object] = {}


def _share_renderer(canvas) -> None:
    """Draw ``canvas`` with the one Agg renderer of its size (made on first use, kept for the
    process): matplotlib caches the measured size of every text by renderer, so the charts of
    a report (and of the render server's warm-up, which each worker inherits) measure a tick
    label, a category or a title once instead of once a figure.  The renderer is cleared at
    the start of every draw, so nothing drawn on it before shows."""
    from matplotlib.backends.backend_agg import RendererAgg

    w, h = canvas.get_width_height(physical=True)
    key = (w, h, canvas.figure.dpi)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = _RENDERERS[key] = RendererAgg(w, h, canvas.figure.dpi)
    canvas.renderer, canvas._lastKey = renderer, key


def figure_to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes at its own dpi, with a 64-colour palette (a chart is a few
    flat colours and anti-aliased text: the palette keeps it sharp at a quarter of the size).

    This is the one renderer of every chart: :func:`govdisclosure.display.setup` makes
    IPython display figures with it, so a notebook in JupyterLab, papermill and the batch
    give the same bytes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    _share_renderer(canvas)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    buffer = io.BytesIO()
    # zlib's default level: PIL's optimize (level 9 and a search over filters) took 8 ms a chart for
    # files 6–12 % smaller; the pixels are the same
    image.quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG")
    return buffer.getvalue()
