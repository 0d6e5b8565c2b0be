"""The three kinds of crawler damage (glued cells, dropped repeats, split numbers), on real files,
and ambiguity: when several readings fit, no number is guessed.

Expected values come from the corpus meta.json notes (checked there against the original pages).
"""

from __future__ import annotations

import re

import pytest

import govdisclosure as gd
from conftest import load, source_of

T3_COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
T4_ROWS = ["review", "litigation_direct", "litigation_after_review"]
T4_COLUMNS = ["upheld", "corrected", "other", "pending", "total"]


def row_values(report, table: str, row: str) -> list:
    columns = T3_COLUMNS if table == "t3" else T4_COLUMNS
    return [report.cell(table, row, col).value for col in columns]


def row_cells(report, table: str, row: str) -> list:
    columns = T3_COLUMNS if table == "t3" else T4_COLUMNS
    return [report.cell(table, row, col) for col in columns]


def printed_line(corpus_id: str, location: str) -> str:
    """The text of the source line a location names ('line 64', 'line 10 char 2344'), read here."""
    number = int(re.match(r"line (\d+)", location).group(1))
    data = source_of(corpus_id).read_bytes().decode("utf-8")
    return re.split(r"\r\n|\r|\n", data)[number - 1]


# =========================================================================== glued cells

GLUED = [
    pytest.param("t3", "new_received", "640020470", [64, 0, 0, 2, 0, 4, 70],
                 id="row-one-640020470-splits-into-64-0-0-2-0-4-70"),
    pytest.param("t3", "total_processed", "630020469", [63, 0, 0, 2, 0, 4, 69],
                 id="total-row-630020469-splits-into-63-0-0-2-0-4-69"),
    pytest.param("t3", "carried_forward", "1000001", [1, 0, 0, 0, 0, 0, 1],
                 id="carried-forward-1000001-has-a-single-reading"),
    pytest.param("t4", "review", "10203120001200000", [1, 0, 2, 0, 3],
                 id="table-four-review-from-17-glued-digits"),
    pytest.param("t4", "litigation_direct", "10203120001200000", [12, 0, 0, 0, 12],
                 id="table-four-direct-litigation-takes-the-two-digit-12"),
    pytest.param("t4", "litigation_after_review", "10203120001200000", [0, 0, 0, 0, 0],
                 id="table-four-after-review-is-all-zero"),
]


@pytest.mark.parametrize("table,row,printed,expected", GLUED)
def test_glued_cells_are_split_and_say_so(table, row, printed, expected):
    report = load("pingtan_2021")
    assert row_values(report, table, row) == expected
    for cell in row_cells(report, table, row):
        assert cell.state == "number"
        assert cell.raw == printed  # what was printed: the whole glued run
        assert "glued" in cell.how and printed in cell.how, cell
        assert printed in printed_line("pingtan_2021", cell.location)


def test_glued_row_with_a_stray_space_keeps_both_printed_runs():
    """'（二）部分公开…500000 5': six cells glued, then the 总计 after a space."""
    report = load("pingtan_2021")
    cells = row_cells(report, "t3", "partially_granted")
    assert [c.value for c in cells] == [5, 0, 0, 0, 0, 0, 5]
    assert [c.raw for c in cells] == ["500000"] * 6 + ["5"]


def test_every_cell_of_a_flattened_report_traces_back_to_the_printed_text():
    report = load("pingtan_2021")
    text = source_of("pingtan_2021").read_text(encoding="utf-8")
    cells = [c for c in report.cell_list if c.table in ("t3", "t4")]
    assert len(cells) == 25 * 7 + 15
    for cell in cells:
        assert cell.raw and cell.raw in text, cell
        assert cell.how == "" or "from '" in cell.how, cell
    assert not any(c.state == "ambiguous" for c in cells)


# =========================================================================== dropped repeats

def test_dropped_repeats_restore_row_one_from_1_0_1():
    """putian_cg_2021: '1 0 0 0 0 0 1' arrives as three lines '1', '0', '1'."""
    report = load("putian_cg_2021")
    cells = row_cells(report, "t3", "new_received")
    assert [c.value for c in cells] == [1, 0, 0, 0, 0, 0, 1]
    assert [c.raw for c in cells] == ["1", "0", "0", "0", "0", "0", "1"]
    for cell in cells:
        assert "repeats" in cell.how, cell
        assert printed_line("putian_cg_2021", cell.location).strip() == cell.raw  # the line that printed it
    assert [c.location for c in cells][1:6] == [cells[1].location] * 5  # one printed '0' for five cells


def test_dropped_repeats_restore_the_one_application_row():
    report = load("putian_cg_2021")
    assert row_values(report, "t3", "unable_not_held") == [1, 0, 0, 0, 0, 0, 1]
    assert row_values(report, "t3", "total_processed") == [1, 0, 0, 0, 0, 0, 1]
    assert row_values(report, "t3", "carried_over") == [0] * 7
    assert all("repeats" in c.how for c in row_cells(report, "t3", "carried_over"))


def test_dropped_repeats_turn_a_single_zero_into_all_of_table_four():
    report = load("putian_cg_2021")
    cells = [c for c in report.cell_list if c.table == "t4"]
    assert [(c.row, c.column) for c in cells] == [(r, col) for r in T4_ROWS for col in T4_COLUMNS]
    assert {(c.value, c.state, c.raw) for c in cells} == {(0, "number", "0")}
    assert len({c.location for c in cells}) == 1  # all fifteen from the one printed '0'
    assert all("repeats" in c.how for c in cells)
    assert printed_line("putian_cg_2021", cells[0].location).strip() == "0"


def test_the_crawler_that_dropped_repeats_is_noticed():
    report = load("putian_cg_2021")
    assert any("duplicate" in note for note in report.notes)
    assert not any("duplicate" in note for note in load("sanming_2021").notes)  # that crawler kept them


# =========================================================================== split numbers

SPLIT = [
    pytest.param("new_received", [160, 0, 0, 2, 0, 0, 162], id="row-one-1-62-joins-into-162"),
    pytest.param("unable_not_held", [27, 0, 0, 1, 0, 0, 28], id="not-held-2-7-joins-into-27"),
    pytest.param("total_processed", [160, 0, 0, 2, 0, 0, 162], id="total-row-1-60-and-1-62-join"),
]


@pytest.mark.parametrize("row,expected", SPLIT)
def test_split_numbers_are_joined_and_say_so(row, expected):
    report = load("sanming_2021")
    cells = row_cells(report, "t3", row)
    assert [c.value for c in cells] == expected
    for cell in cells:
        assert cell.state == "number"
        assert "split number joined" in cell.how, cell
        # the location names the line of the (first) printed piece
        assert re.sub(r"\s", "", cell.raw).startswith(printed_line("sanming_2021", cell.location).strip())


@pytest.mark.parametrize("row,column,digits", [
    pytest.param("new_received", "total", "162", id="162-shows-both-1-and-62"),
    pytest.param("unable_not_held", "natural_person", "27", id="27-shows-both-2-and-7"),
    pytest.param("total_processed", "natural_person", "160", id="160-shows-both-1-and-60"),
])
def test_a_joined_number_shows_every_printed_piece_in_raw(row, column, digits):
    cell = load("sanming_2021").cell("t3", row, column)
    assert re.sub(r"\D", "", cell.raw) == digits, cell


def test_rows_without_damage_in_a_damaged_report_are_read_as_printed():
    report = load("sanming_2021")
    cells = row_cells(report, "t3", "granted")
    assert all(c.how == "" for c in cells)
    assert not any(c.state == "ambiguous" for c in report.cell_list)


# =========================================================================== ambiguity

@pytest.fixture
def pingtan_2023_text() -> str:
    text = source_of("pingtan_2023").read_text(encoding="utf-8")
    assert text.count("110024001510102") == 1  # table 四 as printed: 1,1,0,0,2 | 4,0,0,1,5 | 1,0,1,0,2
    assert text.count("（二）部分公开（区分处理的，只计这一情形，不计其他情形）191000020") == 1
    return text


def test_two_readings_of_a_glued_table_four_leave_the_disputed_cells_ambiguous(tmp_path, pingtan_2023_text):
    # '10124110131100213' fits 1,0,1,2,4 | 1,1,0,1,3 | 1,10,0,2,13 and 1,0,1,2,4 | 1,1,0,1,3 | 11,0,0,2,13:
    # every group sums, the two readings differ only in 复议后起诉 维持/纠正
    path = tmp_path / "report.txt"
    path.write_text(pingtan_2023_text.replace("110024001510102", "10124110131100213"), encoding="utf-8")
    report = gd.load_report(path)
    assert row_values(report, "t4", "review") == [1, 0, 1, 2, 4]
    assert row_values(report, "t4", "litigation_direct") == [1, 1, 0, 1, 3]
    upheld, corrected, other, pending, total = row_cells(report, "t4", "litigation_after_review")
    for cell in (upheld, corrected):
        assert (cell.state, cell.value) == ("ambiguous", None), cell
        assert cell.raw == "10124110131100213"
        assert cell.how  # says that several readings fit
    assert [(c.state, c.value) for c in (other, pending, total)] == [("number", 0), ("number", 2), ("number", 13)]
    frame = report.table("t4")
    assert frame.loc["litigation_after_review", ["upheld", "corrected"]].isna().all()


def test_a_row_no_reading_fits_is_ambiguous_and_never_guessed(tmp_path, pingtan_2023_text):
    # four digits cannot be seven cells
    path = tmp_path / "report.txt"
    path.write_text(pingtan_2023_text.replace("不计其他情形）191000020", "不计其他情形）1910"), encoding="utf-8")
    report = gd.load_report(path)
    cells = row_cells(report, "t3", "partially_granted")
    assert [(c.state, c.value) for c in cells] == [("ambiguous", None)] * 7
    assert all("1910" in c.raw for c in cells)
    assert any("partially_granted" in note for note in report.notes)
    assert report.table("t3").loc["partially_granted"].isna().all()
    assert row_values(report, "t3", "new_received") == [80, 1, 0, 0, 0, 0, 81]  # the rest still reads
