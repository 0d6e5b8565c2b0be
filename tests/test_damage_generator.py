"""Layouts never seen before: every kind of damage recovered or flagged, never a wrong number.

The damage generator (``damage.py``) prints the clean tables of the bundled real reports with
each kind of damage real reports carry, alone and combined, with random seeds.  For every
rendering, every table 三 and 四 cell must come back exact or flagged (ambiguous, or text where
no number was printed) — never a wrong number — and, for each kind on its own, at least 95 % of
cells exact.  The rates per kind are printed at the end of the test run; ``bench/bench_damage.py``
runs the same over 10,000 renderings.
"""

from __future__ import annotations

import random
import tracemalloc
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import damage
import govdisclosure as gd
from govdisclosure.checks import check
from conftest import DAMAGE_RATES

SEEDS = 3


def load_rendering(rendering, tmp_path):
    path = tmp_path / f"report{rendering.suffix}"
    path.write_text(rendering.text, encoding="utf-8")
    return gd.load_report(path)


@pytest.mark.parametrize("kind", damage.KINDS)
def test_each_kind_of_damage_alone_reads_exact_or_flagged_never_wrong(kind, tmp_path):
    totals: Counter = Counter()
    for tables in damage.clean_tables():
        for seed in range(SEEDS):
            rendering = damage.render(tables, (kind,), seed)
            report = load_rendering(rendering, tmp_path)
            counts = damage.score(report, rendering.expected)
            assert counts["wrong"] == 0, (tables.name, seed, damage.wrong_cells(report, rendering.expected)[:3])
            assert counts["lost"] == 0, (tables.name, seed, rendering.layout)
            totals.update(counts)
    DAMAGE_RATES[kind].update(totals)
    cells = sum(totals.values())
    assert totals["exact"] / cells >= 0.95, dict(totals)


_COMBINED: Counter = Counter()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.integers(0, len(damage.CLEAN_SOURCES) - 1), size=st.integers(2, 3), seed=st.integers(0, 2**32))
def test_combined_damage_never_gives_a_wrong_number(source, size, seed, tmp_path):
    kinds = damage.combinations(random.Random(seed), size)
    rendering = damage.render(damage.clean_tables()[source], kinds, seed)
    report = load_rendering(rendering, tmp_path)
    counts = damage.score(report, rendering.expected)
    DAMAGE_RATES["combined (2–3 kinds)"].update(counts)
    assert counts["wrong"] == 0, (kinds, seed, damage.wrong_cells(report, rendering.expected)[:3])


def test_every_clean_source_holds_its_identities_and_its_truth():
    """The generator's sources are clean: their tables keep the template's arithmetic (checked
    in ``clean_tables``) and agree with the values read by eye in truth.json."""
    from conftest import truth_of

    t4_rows = {"review_total": 0, "litigation_direct_total": 1, "litigation_after_review_total": 2}
    for tables in damage.clean_tables():
        truth = truth_of(tables.name)
        for key, value in truth["table3_total"].items():
            assert tables.t3_rows()[key][6] == value, (tables.name, key)
        for key, value in truth["table4"].items():
            assert tables.t4[t4_rows[key]][4] == value, (tables.name, key)


# --------------------------------------------------------------------------- the search is bounded

def _glued_report(row_one: str) -> str:
    return ("示例县测试局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
            f"一、本年新收政府信息公开申请数量{row_one}二、上年结转政府信息公开申请数量0000000\n")


@pytest.mark.parametrize("glued", [
    pytest.param("123456789012345678901", id="21-digits-have-too-many-readings-to-settle"),
    pytest.param("1" * 2000, id="2000-glued-ones-fit-no-row"),
    pytest.param("7" * 20000, id="20000-glued-digits"),
])
def test_a_glued_row_the_search_cannot_settle_is_ambiguous_never_invented(glued, tmp_path):
    path = tmp_path / "glued.txt"
    path.write_text(_glued_report(glued), encoding="utf-8")
    tracemalloc.start()
    report = gd.load_report(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cells = [report.cell("t3", "new_received", c) for c in damage.T3_COLUMNS]
    assert all(c.state == "ambiguous" and c.value is None for c in cells), cells
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_a_glued_row_with_one_reading_that_fits_its_sum_is_recovered(tmp_path):
    path = tmp_path / "glued.txt"
    path.write_text(_glued_report("640020470"), encoding="utf-8")
    report = gd.load_report(path)
    assert [report.value("t3", "new_received", c) for c in damage.T3_COLUMNS] == [64, 0, 0, 2, 0, 4, 70]
    assert "glued cells split" in report.cell("t3", "new_received", "total").how


def test_a_damaged_row_no_reading_of_which_fits_its_sum_is_ambiguous(tmp_path):
    """「1 0 0 0 0 5」 for seven cells: a zero put back anywhere leaves 1 ≠ 5, so no reading fits."""
    path = tmp_path / "spaced.txt"
    path.write_text("示例县测试局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
                    "一、本年新收政府信息公开申请数量 1 0 0 0 0 5\n", encoding="utf-8")
    report = gd.load_report(path)
    assert {report.cell("t3", "new_received", c).state for c in damage.T3_COLUMNS} == {"ambiguous"}


# --------------------------------------------------------------------------- the cases users sent

CASES = damage.ROOT / "tests" / "fixtures" / "cases"


def test_table_four_in_one_row_with_10_and_12_split_by_spaces():
    report = gd.load_report(CASES / "t4-split-digits.txt")
    t4 = report.table("t4")
    assert t4.loc["review"].tolist() == [0, 0, 0, 0, 0]
    assert t4.loc["litigation_direct"].tolist() == [2, 0, 10, 0, 12]
    assert t4.loc["litigation_after_review"].tolist() == [0, 0, 0, 0, 0]
    assert "digits split by a space joined" in report.cell("t4", "litigation_direct", "other").how
    assert report.cell("t4", "litigation_direct", "other").raw == "1 / 0"


def test_wrapped_labels_keep_their_numbers():
    report = gd.load_report(CASES / "label-wrapped-rows.md")
    assert report.table("t3").loc["other_no_correction"].tolist() == [2, 0, 0, 0, 0, 0, 2]
    assert report.table("t3").loc["other_unpaid_fee"].tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert not report.lost


def test_generic_converter_headers_and_table_four_as_three_tables():
    report = gd.load_report(CASES / "generic-headers.md")
    t4 = report.table("t4")
    assert t4.loc["review"].tolist() == [4, 1, 0, 2, 7]
    assert t4.loc["litigation_direct"].tolist() == [1, 0, 0, 0, 1]
    assert t4.loc["litigation_after_review"].tolist() == [2, 0, 1, 0, 3]
    t3 = report.table("t3")
    assert t3.loc["new_received"].tolist() == [20, 1, 0, 0, 2, 0, 23]
    assert t3.loc["total_processed"].tolist() == [21, 1, 0, 0, 2, 0, 24]
    assert report.cell("t3", "new_received", "natural_person").state == "number"


def test_group_labels_on_the_first_row_only_place_all_25_rows():
    report = gd.load_report(CASES / "merged-label-none.md")
    assert len([c for c in report.cell_list if c.table == "t3" and c.state == "number"]) == 175
    findings = check(report)
    assert not len(findings[(findings.status == "fail") & (findings.severity == "error")])


def test_letters_for_digits_are_flagged_and_full_width_digits_read():
    report = gd.load_report(CASES / "ocr-letter-digits.txt")
    row = [report.cell("t3", "new_received", c) for c in damage.T3_COLUMNS]
    assert [c.value for c in row[:1]] == [11] and row[6].value == 12  # full-width １１ and １２
    assert row[1].state == "text" and row[1].raw == "l" and row[1].value is None
    assert row[2].state == "text" and row[2].raw == "O"
    assert report.cell("t3", "granted", "social_welfare").state == "text"


def test_numbers_split_over_word_spans_are_read_whole():
    report = gd.load_report(CASES / "word-span-numbers.html")
    assert report.value("t3", "new_received", "natural_person") == 12
    assert report.value("t3", "granted", "total") == 10
    assert report.value("t3", "total_processed", "total") == 12


def test_signed_changes_and_an_amount_in_yuan_in_the_2019_table_two():
    report = gd.load_report(CASES / "t2-2019-signed-delta.txt")
    assert report.template == "2019"
    assert report.value("t2", "fees", "change") == -4  # printed with a full-width minus
    assert report.cell("t2", "fees", "change").raw == "－4"
    assert report.value("t2", "licensing", "change") == 6
    assert report.value("t2", "other_services", "change") == -2
    amount = report.cell("t2", "procurement", "amount")
    assert amount.value == 251000 and amount.raw == "251000元"
    findings = check(report)
    assert not ((findings.rule == "INT") & (findings.status == "fail")).any()


@pytest.mark.parametrize("variant,row", [
    pytest.param("一、本年度新收政府信息公开申请数量", "new_received", id="本年度新收"),
    pytest.param("二、上年度结转政府信息公开申请数量", "carried_over", id="上年度结转"),
])
def test_label_variants_with_nian_du_keep_their_row(variant, row, tmp_path):
    text = (CASES / "ocr-letter-digits.txt").read_text(encoding="utf-8")
    text = text.replace("一、本年新收政府信息公开申请数量", "一、本年度新收政府信息公开申请数量")
    text = text.replace("二、上年结转政府信息公开申请数量", "二、上年度结转政府信息公开申请数量")
    path = tmp_path / "variant.txt"
    path.write_text(text, encoding="utf-8")
    report = gd.load_report(path)
    assert report.cell("t3", row, "total") is not None
    assert report.cell("t3", row, "total").state == "number"
