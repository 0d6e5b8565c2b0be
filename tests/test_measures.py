"""The measures: formulas and denominators, blanks shown both ways, totals that fail their own sum."""

from __future__ import annotations

import pytest

from conftest import load
from govdisclosure.measures import MEASURE, measures
from helpers import consistent_t3, consistent_t4, edited, make_report


def by_key(frame):
    return frame.set_index("measure")


def base(**kw):
    return make_report(consistent_t3(), consistent_t4(),
                       {("normative_documents", "issued"): 2, ("normative_documents", "repealed"): 1,
                        ("normative_documents", "in_force"): 9, ("licensing", "decisions"): 25,
                        ("punishment", "decisions"): 7, ("coercion", "decisions"): 0,
                        ("fees", "amount_wan_yuan"): 1.5}, **kw)


def test_rates_of_a_consistent_report_with_their_denominators():
    m = by_key(measures(base()))
    # 5 received, 0 carried over; 3 granted + 0 partially of 4 processed; 1 carried forward
    assert m.loc["open_rate", "value"] == pytest.approx(3 / 4) and m.loc["open_rate", "denominator"] == 4
    assert m.loc["completion_rate", "value"] == pytest.approx(4 / 5)
    assert m.loc["carry_forward_rate", "value"] == pytest.approx(1 / 5)
    assert m.loc["open_rate_natural_person", "value"] == pytest.approx(2 / 3)
    assert m.loc["open_rate_commercial", "value"] == pytest.approx(1 / 1)
    assert m.loc["open_rate_research", "status"] == "no_cases"
    # 争议率: 复议 2 + 未经复议直接起诉 1 (复议后起诉 would be the same disputes again) over 5 received
    assert m.loc["dispute_rate", "value"] == pytest.approx(3 / 5)
    assert "不重复计" in MEASURE["dispute_rate"].formula
    assert m.loc["normative_in_force", "value"] == 9 and m.loc["fees_wan_yuan", "value"] == 1.5
    assert m.loc["licensing_decisions", "value"] == 25 and m.loc["fees_wan_yuan", "unit"] == "万元"


def test_a_case_reviewed_then_sued_counts_once_in_the_dispute_rate():
    t4 = consistent_t4()
    t4["litigation_after_review"] = [1, 0, 0, 0, 1]
    m = by_key(measures(make_report(consistent_t3(), t4)))
    assert m.loc["dispute_rate", "numerator"] == 3  # 2 reviews + 1 direct suit, not + 1 suit after review
    assert m.loc["litigation_total", "value"] == 2


def test_a_total_that_fails_its_own_sum_is_replaced_by_the_parts_and_said():
    report = edited(base(), {("t3", "granted", "total"): 9})  # parts: 2 + 1 = 3
    m = by_key(measures(report))
    assert m.loc["open_rate", "numerator"] == 3
    assert "与各栏之和 3 不符，按各栏之和计" in m.loc["open_rate", "note"]
    processed = edited(base(), {("t3", "total_processed", "total"): 6, ("t3", "total_processed", "natural_person"): 5})
    m = by_key(measures(processed))
    assert m.loc["total_processed", "value"] == 4  # the outcome rows, not the printed 6
    assert "按各项之和计" in m.loc["total_processed", "note"]
    review = edited(base(), {("t4", "review", "total"): 0})
    assert by_key(measures(review)).loc["review_total", "value"] == 2


def test_the_real_pingtan_2020_total_of_21_beside_outcomes_of_27_is_kept_as_the_balance_confirms_it():
    """21 + 0 (一 + 二) = 21 + 0 (三（七）+ 四): the printed total holds the template's balance, so
    the outcome rows (27) are what is wrong, and 办结率 stays 100 %, not 128.6 %."""
    m = by_key(measures(load("pingtan_2020")))
    assert m.loc["total_processed", "value"] == 21
    assert "各项办理结果之和 27 与（七）总计 21 不符" in m.loc["total_processed", "note"]
    assert "勾稽关系相符" in m.loc["total_processed", "note"]
    assert m.loc["completion_rate", "value"] == pytest.approx(1.0)


def test_a_total_processed_the_balance_does_not_confirm_gives_way_to_the_outcomes():
    rows = consistent_t3()
    rows["total_processed"] = [3, 1, 0, 0, 0, 1, 5]  # outcomes sum to 4; 5 + 0 = 5 + 1 fails, 5 = 4 + 1 holds
    m = by_key(measures(make_report(rows)))
    assert m.loc["total_processed", "value"] == 4
    assert "（七）总计 5 与各项办理结果之和 4 不符，按各项之和计" in m.loc["total_processed", "note"]


def test_blanks_shown_both_ways_where_they_matter():
    report = edited(base(), {("t3", "granted", "commercial"): None, ("t3", "granted", "total"): None})
    m = by_key(measures(report))
    assert m.loc["open_rate", "status"] == "not_assessable" and m.loc["open_rate", "blanks"]
    assert m.loc["open_rate", "value_blank_as_zero"] == pytest.approx(2 / 4)
    assert not m.loc["completion_rate", "blanks"]
    zero = by_key(measures(report, blank_as_zero=True))
    assert zero.loc["open_rate", "value"] == pytest.approx(2 / 4) and zero.loc["open_rate", "status"] == "ok"
    assert "空白按 0 计" in zero.loc["open_rate", "note"]


def test_the_2019_shanghai_open_rate_is_a_dash_or_34_2_percent_with_blanks_as_zero():
    m = by_key(measures(load("shanghai_gov_office_2019")))
    assert m.loc["open_rate", "status"] == "not_assessable"
    assert round(100 * m.loc["open_rate", "value_blank_as_zero"], 1) == 34.2


def test_table_two_figures_are_not_taken_from_a_column_of_another_meaning():
    report = make_report(consistent_t3("2019"), consistent_t4(), {("normative_documents", "made"): 3,
                                                                 ("licensing", "decisions"): 4}, template="2019",
                         year=2019)
    m = by_key(measures(report))
    assert m.loc["normative_issued", "status"] == "not_assessable" and "2019 年格式" in m.loc["normative_issued", "note"]
    assert m.loc["licensing_decisions", "value"] == 4
    assert m.loc["fees_wan_yuan", "status"] == "not_assessable"


def test_missing_operands_are_said_in_chinese():
    report = make_report(consistent_t3(), None)
    notes = " ".join(str(n) for n in measures(report)["note"])
    assert "表四「行政复议」" in notes and "t4:" not in notes and "review" not in notes
