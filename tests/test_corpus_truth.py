"""Every value read by eye in the corpus (truth.json) is parsed exactly, from every format."""

from __future__ import annotations

import pytest

from conftest import corpus_ids, corpus_params, is_pre_2019, load, meta_of, truth_of

T4_ROWS = {"review_total": "review", "litigation_direct_total": "litigation_direct",
           "litigation_after_review_total": "litigation_after_review"}


@pytest.mark.parametrize("corpus_id", corpus_ids())
def test_table3_totals_match_the_values_read_by_eye(corpus_id):
    report = load(corpus_id)
    for row, expected in truth_of(corpus_id)["table3_total"].items():
        cell = report.cell("t3", row, "total")
        assert cell is not None, f"{corpus_id}: row {row} not found"
        if expected is None:
            assert cell.state == "blank", f"{corpus_id}: {row} total should be blank, got {cell}"
        else:
            assert cell.value == expected, f"{corpus_id}: {row} total {cell.value} != {expected} ({cell})"


@pytest.mark.parametrize("corpus_id", corpus_ids())
def test_table4_totals_match_the_values_read_by_eye(corpus_id):
    report = load(corpus_id)
    for key, expected in truth_of(corpus_id)["table4"].items():
        cell = report.cell("t4", T4_ROWS[key], "total")
        assert cell is not None
        if expected is None:
            assert cell.state == "blank"
        else:
            assert cell.value == expected, f"{corpus_id}: {key} {cell.value} != {expected} ({cell})"


@pytest.mark.parametrize("corpus_id", corpus_params())
def test_template_and_year_are_detected(corpus_id):
    report = load(corpus_id)
    meta = meta_of(corpus_id)
    assert report.year == meta["year"]
    if is_pre_2019(corpus_id):  # an old-format report: recognised, no table of the national template read
        assert report.template == "pre-2019" and not report.tables_found and not report.cell_list
        return
    assert report.template == meta["template"]
    assert set(report.tables_found) == {"t2", "t3", "t4"}


@pytest.mark.parametrize("text_id,html_id", [
    ("pingtan_2019", "pingtan_2019_html"), ("pingtan_2023", "pingtan_2023_html"),
    ("pingtan_2024", "pingtan_2024_html"), ("pingtan_2025", "pingtan_2025_html"),
    ("putian_cg_2019", "putian_cg_2019_html"), ("putian_cg_2021", "putian_cg_2021_html"),
])
def test_a_damaged_crawler_text_reads_as_its_html_page_does(text_id, html_id):
    """The same report, flattened or collapsed by a crawler, gives the HTML page's tables 三 and 四."""
    damaged, clean = load(text_id), load(html_id)
    for table in ("t3", "t4"):
        assert damaged.table(table).equals(clean.table(table)), table
    assert not any(c.state == "ambiguous" for c in clean.cell_list)
