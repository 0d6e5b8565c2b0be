"""Property-based tests of the arithmetic rules (hypothesis).

A generated report that satisfies the template's arithmetic gives no error; changing any
single cell trips exactly the rules that cover that cell, and their findings name it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from govdisclosure.checks import check
from govdisclosure.template import T3_ROW, t3_rows
from helpers import T3_KEYS, T4_KEYS, make_report

ERROR_RULES = {"T3-BALANCE", "T3-OUTCOMES", "T3-ROWSUM", "T4-SUM", "INT"}
BALANCE_ROWS = {"new_received", "carried_over", "total_processed", "carried_forward"}
count = st.integers(min_value=0, max_value=40)
sparse = st.one_of(st.just(0), st.just(0), count)


@st.composite
def consistent_reports(draw):
    template = draw(st.sampled_from(["2019", "2021"]))
    rows = [r.key for r in t3_rows(template)]
    outcome_rows = [k for k in rows if T3_ROW[k].group]
    t3 = {k: [draw(sparse) for _ in range(6)] for k in outcome_rows}
    processed = [sum(t3[k][j] for k in outcome_rows) for j in range(6)]
    forward = [draw(sparse) for _ in range(6)]
    carried = [min(draw(sparse), processed[j] + forward[j]) for j in range(6)]
    new = [processed[j] + forward[j] - carried[j] for j in range(6)]
    t3.update(new_received=new, carried_over=carried, total_processed=processed, carried_forward=forward)
    table = {k: [float(v) for v in t3[k]] + [float(sum(t3[k]))] for k in rows}
    t4 = {}
    for row in ("review", "litigation_direct", "litigation_after_review"):
        parts = [draw(sparse) for _ in range(4)]
        t4[row] = [float(v) for v in parts] + [float(sum(parts))]
    return make_report(table, t4, template=template, year=2020 if template == "2019" else 2024)


def error_failures(report):
    found = check(report, rules=sorted(ERROR_RULES))
    return found[found["status"] == "fail"]


@settings(max_examples=60, deadline=None)
@given(consistent_reports())
def test_a_consistent_report_has_no_error(report):
    assert error_failures(report).empty


@settings(max_examples=120, deadline=None)
@given(consistent_reports(), st.data())
def test_changing_one_cell_trips_exactly_the_rules_that_cover_it(report, data):
    cell = data.draw(st.sampled_from([c for c in report.cell_list]))
    delta = data.draw(st.integers(min_value=1, max_value=9))
    if cell.value >= delta and data.draw(st.booleans()):
        delta = -delta
    cell.value += delta
    report.__dict__.pop("_index", None)

    found = error_failures(report)
    expected = set()
    if cell.table == "t3":
        expected.add("T3-ROWSUM")
        if T3_ROW[cell.row].group or cell.row == "total_processed":
            expected.add("T3-OUTCOMES")
        if cell.row in BALANCE_ROWS:
            expected.add("T3-BALANCE")
    else:
        expected.add("T4-SUM")
    assert set(found["rule"]) == expected, (cell, found[["rule", "row", "column"]])
    for rule in expected:
        mine = found[found["rule"] == rule]
        if rule in ("T3-ROWSUM", "T4-SUM"):
            assert list(mine["row"]) == [cell.row]  # the row the changed cell is in
        else:
            assert list(mine["column"]) == [cell.column]  # the column the changed cell is in
        assert all(abs(g) == abs(delta) for g in mine["gap"])
    assert cell.column in T3_KEYS + T4_KEYS


# --------------------------------------------------------------------------- blanks

@settings(max_examples=60, deadline=None)
@given(consistent_reports(), st.data())
def test_a_blanked_cell_is_listed_and_never_makes_an_arithmetic_error(report, data):
    """Blanking any cell: S-BLANK lists exactly one cell, no error rule fails (the sums it is in
    become not assessable), and with blanks as zero a blanked 总计 is still never an error."""
    cell = data.draw(st.sampled_from([c for c in report.cell_list]))
    cell.value, cell.state, cell.raw = None, "blank", ""
    report.__dict__.pop("_index", None)
    found = check(report, rules=sorted(ERROR_RULES | {"S-BLANK"}))
    blank = found[(found["rule"] == "S-BLANK") & (found["status"] == "fail")]
    assert list(blank["actual"]) == [1] and list(blank["table"]) == [cell.table]
    assert found[(found["status"] == "fail") & (found["rule"].isin(ERROR_RULES))].empty
    undecided = found[found["status"] == "not_assessable"]
    assert len(undecided) >= 1
    if cell.column == "total":
        zero = check(report, rules=sorted(ERROR_RULES), blank_as_zero=True)
        assert zero[zero["status"] == "fail"].empty, zero[["rule", "message"]]


# --------------------------------------------------------------------------- narrative

@settings(max_examples=40, deadline=None)
@given(consistent_reports())
def test_a_narrative_written_from_the_tables_agrees_with_them(report):
    """Sentences stating the tables' own numbers, in several wordings, never fail TX-COUNTS."""
    total = {c.row: c.value for c in report.cell_list if c.table == "t3" and c.column == "total"}
    person = {c.row: c.value for c in report.cell_list if c.table == "t3" and c.column == "natural_person"}
    t4 = {c.row: c.value for c in report.cell_list if c.table == "t4" and c.column == "total"}
    granted, partial, processed = total["granted"], total["partially_granted"], total["total_processed"]
    rest = processed - granted
    text = (f"本年度共收到政府信息公开申请{total['new_received']:g}件，其中自然人{person['new_received']:g}件，"
            f"上年结转{total['carried_over']:g}件。办结{processed:g}件，予以公开{granted:g}件，"
            f"不予公开等其他类型{rest:g}件；予以公开及部分公开{granted + partial:g}件。"
            f"结转下年度{total['carried_forward']:g}件。行政复议{t4['review']:g}件。")
    report.sections = {"overview": text}
    found = check(report, rules=["TX-COUNTS"])
    assert found[found["status"] == "fail"].empty, found[["row", "message"]].to_string()
