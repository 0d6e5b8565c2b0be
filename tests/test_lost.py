"""P-LOST: a number printed in a table that no cell took is a finding, not only a note."""

from __future__ import annotations

import govdisclosure as gd
from conftest import CORPUS
from govdisclosure.checks import check

SEED = (CORPUS / "seed_changning_tzcjb_2024" / "source.txt").read_text(encoding="utf-8")


def test_numbers_after_a_label_that_names_no_row_are_a_p_lost_finding(tmp_path):
    text = SEED.replace("2. 重复申请\t0\t0", "2. 某种未知情形\t3\t0")
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    report = gd.load_report(path)
    assert report.lost and report.lost[0][0] == "t3" and report.lost[0][1].startswith("3 0")
    found = check(report)
    lost = found[(found.rule == "P-LOST") & (found.status == "fail")]
    assert len(lost) == 1
    assert "未能读入" in lost.iloc[0]["message"] and "某种未知情形" in lost.iloc[0]["message"]
    assert lost.iloc[0]["location"].startswith("line ")


def test_a_report_whose_every_number_found_a_cell_has_no_p_lost():
    found = check(gd.load_report(CORPUS / "seed_changning_tzcjb_2024" / "source.txt"))
    assert not ((found.rule == "P-LOST") & (found.status == "fail")).any()


def test_nil_markers_and_blanks_outside_the_rows_are_no_loss(tmp_path):
    report = gd.load_report(CORPUS.parent.parent / "tests" / "fixtures" / "cases" / "generic-headers.md")
    assert report.lost == []  # the placeholder tables print only "-"
