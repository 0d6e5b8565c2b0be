"""Charts: every function returns a Figure whose Chinese text renders, and blanks are not zeros."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from govdisclosure import charts, fonts
from govdisclosure.template import T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_ROWS, t3_rows

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- inline tables

def t3_frame(template: str, totals: dict[str, object], new_received: dict[str, object] | None = None
             ) -> pd.DataFrame:
    """A table 三 of the template's rows, 0 everywhere except the given ``total`` cells."""
    rows = [r.key for r in t3_rows(template)]
    frame = pd.DataFrame(0, index=pd.Index(rows, name="row"),
                         columns=pd.Index([c.key for c in T3_COLUMNS], name="column")).astype("Int64")
    for row, value in totals.items():
        frame.at[row, "total"] = value
    for column, value in (new_received or {}).items():
        frame.at["new_received", column] = value
    return frame


@pytest.fixture
def t3_2021() -> pd.DataFrame:
    return t3_frame("2021", {
        "granted": 40, "partially_granted": 10,
        "denied_state_secret": 2, "denied_third_party": pd.NA, "denied_process_info": 3,
        "unable_not_held": 25, "unable_unclear": 1,
        "rejected_duplicate": 4, "rejected_complaint": 5,
        "other_no_correction": 6, "other_unpaid_fee": 0, "other_reasons": 4,
    }, new_received={"natural_person": 90, "commercial": 6, "research": 0, "social_welfare": pd.NA,
                     "legal_service": 3, "other_org": 1})


@pytest.fixture
def t3_2019() -> pd.DataFrame:
    return t3_frame("2019", {"granted": 7, "unable_not_held": 2, "other_processing": 1})


def t4_frame(values: dict[tuple[str, str], object] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(0, index=pd.Index([r.key for r in T4_ROWS], name="row"),
                         columns=pd.Index([c.key for c in T4_COLUMNS], name="column")).astype("Int64")
    for (row, column), value in (values or {}).items():
        frame.at[row, column] = value
    return frame


# --------------------------------------------------------------------------- helpers

def render(fig: Figure) -> bytes:
    """PNG bytes; a missing glyph (or any other warning) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = charts.figure_to_png(fig)
    assert png.startswith(PNG_MAGIC)
    return png


def texts(fig: Figure) -> list[str]:
    """Every non-empty text of a rendered figure (titles, tick labels, bar labels, notes)."""
    render(fig)
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def bar_widths(fig: Figure) -> dict[str, float]:
    """Horizontal bars of the first axes by their y tick label."""
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    return dict(zip(labels, (p.get_width() for p in ax.containers[0])))


def footnote(fig: Figure) -> str:
    label = fig.get_supxlabel()
    return label.get_text() if hasattr(label, "get_text") else str(label)


# --------------------------------------------------------------------------- fonts

def test_use_cjk_font_is_idempotent_and_findable():
    family = fonts.use_cjk_font()
    registered = [f for f in font_manager.fontManager.ttflist if f.name == family]
    assert family == fonts.use_cjk_font() == "Noto Sans CJK SC"
    assert len([f for f in font_manager.fontManager.ttflist if f.name == family]) == len(registered) == 1
    path = font_manager.fontManager.findfont(font_manager.FontProperties(family=family),
                                             fallback_to_default=False)
    assert path.endswith(fonts.FONT_FILE)
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["font.sans-serif"].count(family) == 1
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_use_cjk_font_reapplies_after_rc_reset():
    fonts.use_cjk_font()
    with matplotlib.rc_context({"font.family": ["serif"], "font.sans-serif": ["DejaVu Sans"]}):
        family = fonts.use_cjk_font()
        assert matplotlib.rcParams["font.sans-serif"][0] == family
        assert matplotlib.rcParams["font.family"] == ["sans-serif"]


def test_missing_font_names_package_and_install_command(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_FILE", "NoSuchFont.otf")
    with pytest.raises(fonts.FontNotFoundError, match=r"NoSuchFont\.otf.*pip install"):
        fonts.bundled_font_path()
    monkeypatch.setattr(fonts.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(fonts.FontNotFoundError, match=r"mplfonts.*pip install mplfonts"):
        fonts.bundled_font_path()


# --------------------------------------------------------------------------- table 三

def test_outcome_mix_sums_groups_and_skips_blanks(t3_2021):
    fig = charts.outcome_mix(t3_2021)
    assert isinstance(fig, Figure)
    assert bar_widths(fig) == {"予以公开": 40, "部分公开": 10, "不予公开": 5, "无法提供": 26,
                               "不予处理": 9, "其他处理": 10}
    found = texts(fig)
    assert "办理结果构成" in found
    assert "不予公开" in found and "其他处理" in found
    assert "40（40.0%）" in found  # 40 of the 100 known outcomes
    assert "5（5.0%）" in found  # the blank 第三方合法权益 cell is not counted
    assert footnote(fig) == f"{charts.BLANK_NOTE}：第三方合法权益"


def test_outcome_mix_without_blanks_has_no_footnote(t3_2021):
    t3_2021.at["denied_third_party", "total"] = 0
    fig = charts.outcome_mix(t3_2021, title="某局办理结果")
    found = texts(fig)
    assert "某局办理结果" in found
    assert not any(charts.BLANK_NOTE in t for t in found)


def test_outcome_mix_labels_an_all_blank_group(t3_2021):
    for row in ("other_no_correction", "other_unpaid_fee", "other_reasons"):
        t3_2021.at[row, "total"] = pd.NA
    fig = charts.outcome_mix(t3_2021)
    assert bar_widths(fig)["其他处理"] == 0
    assert "空白" in texts(fig)
    assert "40（44.4%）" in texts(fig)  # 40 of 90
    assert "逾期不补正" in footnote(fig) and "其他原因" in footnote(fig)


def test_outcome_mix_ignores_subtotal_rows(t3_2021):
    subtotal = pd.DataFrame({c: [pd.NA] for c in t3_2021.columns}, index=["denied_subtotal"]).astype("Int64")
    subtotal.at["denied_subtotal", "total"] = 5
    fig = charts.outcome_mix(pd.concat([t3_2021, subtotal]))
    assert bar_widths(fig)["不予公开"] == 5


def test_outcome_mix_2019_template(t3_2019):
    fig = charts.outcome_mix(t3_2019)
    assert bar_widths(fig) == {"予以公开": 7, "部分公开": 0, "不予公开": 0, "无法提供": 2,
                               "不予处理": 0, "其他处理": 1}
    assert "7（70.0%）" in texts(fig)
    assert footnote(fig) == ""


def test_outcome_mix_without_table():
    assert "无数据" in texts(charts.outcome_mix(pd.DataFrame(columns=["total"], dtype="Int64")))


def test_refusal_reasons_bars_positive_reasons(t3_2021):
    fig = charts.refusal_reasons(t3_2021)
    assert bar_widths(fig) == {"国家秘密": 2, "过程性信息": 3, "本机关不掌握": 25, "补正后仍不明确": 1,
                               "信访举报投诉": 5, "重复申请": 4}
    found = texts(fig)
    assert "不予公开、无法提供、不予处理的理由" in found
    assert {"不予公开", "无法提供", "不予处理", "25"} <= set(found)
    assert footnote(fig) == f"{charts.BLANK_NOTE}：第三方合法权益"


def test_refusal_labels_cover_every_reason_row():
    reasons = [r.key for r in T3_ROWS if r.group in ("denied", "unable", "rejected")]
    assert list(charts.REFUSAL_LABELS) == reasons


def test_refusal_reasons_empty(t3_2019):
    t3_2019.at["unable_not_held", "total"] = 0
    fig = charts.refusal_reasons(t3_2019)
    assert charts.NO_REFUSALS_NOTE in texts(fig)
    assert not fig.axes[0].containers


def test_refusal_reasons_zero_with_blanks_does_not_claim_none(t3_2019):
    t3_2019.at["unable_not_held", "total"] = 0
    t3_2019.at["rejected_duplicate", "total"] = pd.NA
    found = texts(charts.refusal_reasons(t3_2019))
    assert charts.NO_REFUSALS_NOTE not in found
    assert "已填写的单元格中无不予公开、无法提供或不予处理的申请" in found
    assert any(t.startswith(charts.BLANK_NOTE) and "重复申请" in t for t in found)


def test_applicant_mix(t3_2021):
    fig = charts.applicant_mix(t3_2021)
    ax = fig.axes[0]
    heights = dict(zip((t.get_text() for t in ax.get_xticklabels()), (p.get_height() for p in ax.containers[0])))
    assert heights == {"自然人": 90, "商业企业": 6, "科研机构": 0, "社会公益组织": 0, "法律服务机构": 3, "其他": 1}
    found = texts(fig)
    assert "新收申请的申请人构成" in found
    assert "90\n（90.0%）" in found  # share of the 100 filled cells
    assert "空白" in found  # 社会公益组织 is blank, not 0
    assert footnote(fig) == f"{charts.BLANK_NOTE}：社会公益组织"


def test_applicant_mix_none_received(t3_2019):
    assert "本年度未收到新的政府信息公开申请" in texts(charts.applicant_mix(t3_2019))


# --------------------------------------------------------------------------- table 四

def test_review_litigation():
    fig = charts.review_litigation(t4_frame({("review", "upheld"): 3, ("review", "corrected"): 1,
                                             ("litigation_direct", "pending"): 2,
                                             ("litigation_after_review", "other"): pd.NA}))
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.containers] == ["结果维持", "结果纠正", "其他结果", "尚未审结"]
    assert [p.get_height() for p in ax.containers[0]] == [3, 0, 0]
    assert [p.get_height() for p in ax.containers[3]] == [0, 2, 0]
    found = texts(fig)
    assert {"行政复议、行政诉讼结果", "行政复议", "行政诉讼·直接起诉", "行政诉讼·复议后起诉", "空白"} <= set(found)
    assert footnote(fig) == f"{charts.BLANK_NOTE}：行政诉讼·复议后起诉·其他结果"


def test_review_litigation_empty():
    fig = charts.review_litigation(t4_frame())
    assert charts.NO_CASES_NOTE in texts(fig)
    assert not fig.axes[0].containers


# --------------------------------------------------------------------------- over years

def measures_frame(years: list[int], rows: list[tuple[str, str, str, list[float]]]) -> pd.DataFrame:
    return pd.DataFrame([
        {"year": year, "measure": key, "label": label, "unit": unit, "value": value}
        for key, label, unit, values in rows for year, value in zip(years, values)])


def test_trend_counts_and_rates_on_two_axes():
    fig = charts.trend(measures_frame([2021, 2022, 2023], [
        ("new_received", "新收申请", "件", [120, 1500, np.nan]),
        ("disclosure_rate", "公开率", "%", [0.5, 0.625, 0.8]),
    ]))
    counts, rates = fig.axes
    assert [line.get_label() for line in counts.get_lines()] == ["新收申请"]
    assert [line.get_label() for line in rates.get_lines()] == ["公开率"]
    found = texts(fig)
    assert {"关键指标年度变化", "新收申请", "公开率", "1,500", "62.5%", "2023"} <= set(found)
    assert "部分年份无数据，未绘制" in footnote(fig)


def test_trend_single_year():
    fig = charts.trend(measures_frame([2024], [("granted", "予以公开", "件", [42])]), title="单年")
    assert len(fig.axes) == 1
    found = texts(fig)
    assert {"单年", "42", "2024"} <= set(found)
    assert footnote(fig) == charts.SINGLE_YEAR_NOTE


def test_trend_without_unit_column_and_bad_input():
    frame = measures_frame([2022, 2023], [("granted", "予以公开", "件", [3, 4])]).drop(columns="unit")
    assert "予以公开" in texts(charts.trend(frame))
    with pytest.raises(ValueError, match="value"):
        charts.trend(frame.drop(columns="value"))
    with pytest.raises(ValueError, match="several values"):
        charts.trend(pd.concat([frame, frame]))


# --------------------------------------------------------------------------- matrices

def test_heatmap():
    matrix = pd.DataFrame({"T3-BALANCE": [2, 0], "T3-ROWSUM": [pd.NA, 7]},
                          index=["上海市长宁区投资促进办公室", "平潭综合实验区"]).astype("Int64")
    fig = charts.heatmap(matrix, title="各机关发现的问题")
    found = texts(fig)
    assert {"各机关发现的问题", "上海市长宁区投资促进办公室", "T3-ROWSUM", "2", "0", "7"} <= set(found)
    image = fig.axes[0].get_images()[0].get_array()
    assert image.mask.tolist() == [[False, True], [False, False]]
    assert footnote(fig) == "灰色格子：无数据"


def test_heatmap_empty():
    assert "无数据" in texts(charts.heatmap(pd.DataFrame(), title="空"))


def test_blank_totals_are_drawn_from_their_filled_columns_and_said_so():
    from govdisclosure.notebook import totals_from_parts

    t3 = pd.DataFrame({"natural_person": [258, 3], "commercial": [12, pd.NA], "research": [pd.NA, pd.NA],
                       "social_welfare": [pd.NA, pd.NA], "legal_service": [1, pd.NA], "other_org": [1, pd.NA],
                       "total": [pd.NA, pd.NA]}, index=["granted", "partially_granted"], dtype="Int64")
    table, filled = totals_from_parts(t3)
    assert filled == 2
    assert list(table["total"]) == [272, 3]
    assert t3["total"].isna().all()  # the report's own table is left as printed


# --------------------------------------------------------------------------- across agencies

def agencies_values(n: int, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.uniform(0.1, 0.9, n), index=[f"某市第{i}局" for i in range(n)])


@pytest.mark.parametrize("n", [2, 20, 21, 500])
def test_ranking_stays_readable_from_2_to_500_agencies(n):
    values = agencies_values(n)
    fig = charts.ranking(values, title="公开率", unit="%", highlight="某市第1局")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    expected = n if n <= 2 * charts.TOP_N else 2 * charts.TOP_N + (0 if "某市第1局" in
                                                                   values.sort_values().index[[*range(10), *range(-10, 0)]]
                                                                   else 1)
    assert len(labels) == expected
    ordered = values.sort_values(ascending=False)
    assert labels[0] == ordered.index[0] and labels[-1] == ordered.index[-1]  # the best and the worst are there
    assert "某市第1局" in labels  # the highlighted agency always is
    words = texts(fig)
    assert any(w.startswith(f"中位数 {values.median():.1%}") for w in words)
    if n > 2 * charts.TOP_N:
        assert any(f"共 {n} 个" in w for w in words)
    assert fig.get_size_inches()[1] < 9  # the same height at 21 or 500 agencies


def test_ranking_leaves_out_unknown_and_infinite_values_and_says_so():
    values = pd.Series([0.5, np.nan, np.inf, 0.7], index=["甲", "乙", "丙", "丁"])
    fig = charts.ranking(values, title="公开率", unit="%")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["丁", "甲"]
    assert "2 个无数据" in footnote(fig)


@pytest.mark.parametrize("n, panels", [(2, 2), (12, 12), (13, 1), (500, 1)])
def test_small_multiples_panel_per_agency_then_one_panel(n, panels):
    rows = [dict(agency=f"某市第{i}局", year=y, value=(i * 7 + y) % 10 / 10) for i in range(n) for y in range(2019, 2025)]
    fig = charts.small_multiples(pd.DataFrame(rows), title="公开率", unit="%", highlight="某市第3局")
    drawn = [ax for ax in fig.axes if ax.axison]
    assert len(drawn) == panels
    if panels == 1:
        legend = [t.get_text() for t in drawn[0].get_legend().get_texts()]
        assert legend[0].startswith("中位数") and "某市第3局" in legend
        assert f"{n} 个机关" in footnote(fig)
    render(fig)


def test_small_multiples_of_nothing_is_a_note():
    fig = charts.small_multiples(pd.DataFrame({"agency": ["甲"], "year": [2020], "value": [np.nan]}), title="公开率")
    assert "无数据" in texts(fig)


def test_png_is_a_small_palette_image():
    from PIL import Image
    import io

    fig = charts.outcome_mix(t3_frame("2021", {"granted": 40, "partially_granted": 10, "unable_not_held": 5}))
    png = charts.figure_to_png(fig)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P" and len(image.getcolors()) <= charts.PNG_COLOURS
    assert image.size == (int(charts.SIZE[0] * charts.DPI), int(charts.SIZE[1] * charts.DPI))
    assert charts.figure_to_png(fig) == png  # the same figure gives the same bytes
