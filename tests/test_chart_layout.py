"""The report's charts are laid out by :class:`charts.MarginLayout` (one measurement of their
decorations instead of constrained layout's two): on generated tables — blanks that make
footnotes of several lines, every subset of refusal reasons, numbers from 0 to millions,
one to twelve years, long agency names — nothing drawn leaves the figure, nothing overlaps
the footnote, and the axes sit where constrained layout would put them."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text

from govdisclosure import charts
from test_charts import t3_frame, t4_frame

from govdisclosure.template import T3_COLUMNS, T4_COLUMNS, T4_ROWS, t3_rows


def _number(rng: random.Random):
    roll = rng.random()
    if roll < 0.15:
        return pd.NA
    if roll < 0.35:
        return 0
    return rng.choice([1, 7, 42, 310, 2_500, 98_765, 1_234_567])


def _t3(rng: random.Random) -> pd.DataFrame:
    template = rng.choice(["2019", "2021"])
    totals = {row.key: _number(rng) for row in t3_rows(template) if rng.random() < 0.7}
    new = {c.key: _number(rng) for c in T3_COLUMNS if c.key != "total"}
    return t3_frame(template, totals, new)


def _t4(rng: random.Random) -> pd.DataFrame:
    return t4_frame({(r.key, c.key): _number(rng) for r in T4_ROWS for c in T4_COLUMNS if rng.random() < 0.6})


def _trend(rng: random.Random) -> tuple[pd.DataFrame, str]:
    years = sorted(rng.sample(range(2010, 2030), rng.randint(1, 12)))
    measures = [("new_received", "本年新收申请", "件"), ("total_processed", "本年办结", "件"), ("open_rate", "公开率", "%"),
                ("completion_rate", "办结率", "%"), ("review_correction_rate", "复议纠错率", "%")]
    rows = []
    for key, label, unit in rng.sample(measures, rng.randint(1, len(measures))):
        for year in years:
            value = rng.random() if unit == "%" else rng.choice([0, 3, 80, 1_500, 250_000])
            rows.append(dict(year=year, measure=key, label=label, value=np.nan if rng.random() < 0.1 else value, unit=unit))
    agency = "".join(rng.choice("某市区县人民政府办公室局委员会街道") for _ in range(rng.randint(2, 30)))
    return pd.DataFrame(rows), f"{agency} 关键指标年度变化"


def generated_figures(seed: int):
    rng = random.Random(seed)
    t3, t4 = _t3(rng), _t4(rng)
    trend, title = _trend(rng)
    return [charts.outcome_mix(t3), charts.refusal_reasons(t3), charts.applicant_mix(t3),
            charts.review_litigation(t4), charts.trend(trend, title=title)]


def _inside(fig) -> list[str]:
    """Texts drawn (partly) outside the figure, with their extents."""
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    outside = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            outside.append(f"{text.get_text()!r} at {box.bounds}")
    return outside


@pytest.mark.parametrize("seed", range(12))
def test_generated_charts_fit_their_figure(seed):
    for fig in generated_figures(seed):
        assert isinstance(fig.get_layout_engine(), charts.MarginLayout)
        charts.figure_to_png(fig)  # draws, and so lays the figure out
        assert not _inside(fig), _inside(fig)
        renderer = fig.canvas.get_renderer()
        footnote = getattr(fig, "_supxlabel", None)
        if footnote is not None and footnote.get_text():
            top = footnote.get_window_extent(renderer).y1
            for ax in fig.axes:
                assert ax.get_tightbbox(renderer, for_layout_only=True).y0 >= top - 1, "the chart overlaps its footnote"
        # where constrained layout would put the axes: within a few pixels
        mine = [ax.get_window_extent(renderer).bounds for ax in fig.axes]
        fig.set_layout_engine(ConstrainedLayoutEngine())
        charts.figure_to_png(fig)
        theirs = [ax.get_window_extent(fig.canvas.get_renderer()).bounds for ax in fig.axes]
        assert np.allclose(mine, theirs, atol=8), (mine, theirs)


def test_other_shapes_fall_back_to_constrained_layout():
    """Several columns of panels (the comparison's small multiples) are left to constrained layout."""
    long = pd.DataFrame({"agency": [f"机关{i}" for i in range(6) for _ in range(3)],
                         "year": [2020, 2021, 2022] * 6, "value": np.linspace(0, 1, 18)})
    fig = charts.small_multiples(long, title="公开率")
    fig.set_layout_engine(charts.MarginLayout())
    charts.figure_to_png(fig)
    assert not _inside(fig)


def test_shared_renderer_leaves_nothing_of_the_previous_chart():
    """figure_to_png draws every chart of one size on one renderer (its text sizes measured
    once): a chart drawn after others gives the same bytes as on a renderer of its own."""
    first, *others = generated_figures(3)
    charts._RENDERERS.clear()
    alone = charts.figure_to_png(first)
    charts._RENDERERS.clear()
    for seed in (4, 5):
        for fig in generated_figures(seed):
            charts.figure_to_png(fig)
    assert charts._RENDERERS, "the renderer was not kept"
    again = charts.figure_to_png(generated_figures(3)[0])
    assert again == alone
