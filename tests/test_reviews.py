"""Findings an analyst can settle: stable keys, the review file, dismissed findings not counted."""

from __future__ import annotations

import pytest

from conftest import source_of
from govdisclosure.checks import apply_reviews, at_or_above, check, summary
from govdisclosure.checks.reviews import ReviewFileError, finding_key, read_reviews
from govdisclosure.cli import main
from helpers import consistent_t3, consistent_t4, edited, make_report

HEADER = "rule,agency_id,year,table,row,column,decision,reason,reviewer,date\n"


def swapped():
    """One application entered under 自然人 instead of 其他 (T3-BALANCE fails in two columns)."""
    return edited(make_report(consistent_t3(), consistent_t4(), agency="示例县测试局"),
                  {("t3", "granted", "natural_person"): 1, ("t3", "total_processed", "natural_person"): 2,
                   ("t3", "granted", "other_org"): 1, ("t3", "total_processed", "other_org"): 1})


def test_every_finding_has_a_stable_key_of_rule_agency_year_table_row_column():
    first, second = check(swapped()), check(swapped())
    assert first["key"].tolist() == second["key"].tolist()
    assert first["key"].is_unique
    balance = first[(first["rule"] == "T3-BALANCE") & (first["status"] == "fail")]
    assert set(balance["key"]) == {f"T3-BALANCE|示例县测试局|2024|t3|new_received+carried_over|{c}"
                                   for c in ("natural_person", "other_org")}
    assert all("相互抵消" in m for m in balance["message"])  # the two gaps cancel: a misfiled application
    assert finding_key("R", "a|b", 2024, "t3", "granted", "total") == "R|a/b|2024|t3|granted|total"


def test_messages_name_rows_and_columns_in_chinese():
    report = edited(make_report(consistent_t3(), consistent_t4()), {("t3", "granted", "commercial"): "1a"})
    findings = check(report)
    text = " ".join(findings["message"])
    assert "商业企业" in text
    for english in ("commercial", "natural_person", "t3:", "t4:", "review:", "total_processed"):
        assert english not in text, english


def test_a_dismissed_finding_is_kept_marked_and_not_counted(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(HEADER + "T3-BALANCE,示例县测试局,2024,t3,new_received+carried_over,natural_person,dismissed,"
                    "核实为录入错列,张三,2025-04-02\n"
                    "T3-BALANCE,示例县测试局,2024,t3,new_received+carried_over,other_org,accepted,,李四,2025-04-03\n"
                    "X-CARRY,别的机关,2024,t3,carried_over,total,dismissed,已不存在,张三,2025-04-02\n", encoding="utf-8")
    findings = check(swapped(), reviews=path)
    balance = findings[findings["rule"] == "T3-BALANCE"].set_index("column")
    assert balance.loc["natural_person", "review"] == "dismissed"
    assert balance.loc["natural_person", "review_reason"] == "核实为录入错列"
    assert balance.loc["other_org", "review"] == "accepted"
    errors = at_or_above(findings, "error")
    assert list(errors["column"]) == ["other_org"]  # the dismissed one is not counted
    table = summary(findings)
    assert table.iloc[0]["error"] == 1 and table.iloc[0]["dismissed"] == 1
    assert findings.attrs["unmatched_reviews"] == ["X-CARRY|别的机关|2024|t3|carried_over|total"]


def test_apply_reviews_is_what_the_batch_calls_on_a_findings_frame(tmp_path):
    findings = check(swapped())
    key = findings[findings["rule"] == "T3-BALANCE"].iloc[0]["key"]
    path = tmp_path / "r.csv"
    path.write_text(f"key,decision,reason\n{key},dismissed,一件申请录入错列\n", encoding="utf-8")
    reviewed = apply_reviews(findings, path)
    assert reviewed.loc[reviewed["key"] == key, "review"].tolist() == ["dismissed"]
    assert (reviewed.loc[reviewed["key"] != key, "review"] == "").all()
    assert len(reviewed) == len(findings)


@pytest.mark.parametrize("text,line,words", [
    pytest.param("rule,decision\nT3-BALANCE,dismissed\n", 1, "lacks the column(s) agency_id", id="missing-key-columns"),
    pytest.param(HEADER + "T3-BALANCE,a,2024,t3,x,y,rejected,,,\n", 2, "not accepted or dismissed", id="unknown-decision"),
    pytest.param(HEADER + "T3-BALANCE,a,2024,t3,x,y,dismissed,,,\n", 2, "needs a reason", id="dismissed-without-reason"),
    pytest.param(HEADER + "T3-BALANCE,a,24,t3,x,y,accepted,,,\n", 2, "four-digit year", id="bad-year"),
    pytest.param(HEADER + "T3-BALANCE,a,2024,t3,x,y,accepted,,,4/2/2025\n", 2, "not a date", id="bad-date"),
    pytest.param(HEADER + "T3-BALANCE,a,2024,t3,x,y,accepted,,,\nT3-BALANCE,a,2024,t3,x,y,accepted,,,\n", 3,
                 "already decided on line 2", id="one-finding-twice"),
    pytest.param("key,decision\nT3-BALANCE|a|2024,accepted\n", 2, "does not have the 6 parts", id="short-key"),
])
def test_errors_in_the_review_file_name_the_line(tmp_path, text, line, words):
    path = tmp_path / "reviews.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReviewFileError) as error:
        read_reviews(path)
    assert f"line {line}:" in str(error.value) and words in str(error.value)


def test_check_command_honours_reviews_and_agencies(tmp_path, capsys):
    source = source_of("sanming_2021")
    findings_path = tmp_path / "f.csv"
    assert main(["check", str(source), "--fail-on", "warning", "-o", str(findings_path)]) == 1
    import pandas as pd

    findings = pd.read_csv(findings_path, keep_default_na=False)
    warnings = findings[(findings["status"] == "fail") & (findings["severity"] == "warning")]
    assert len(warnings) >= 1
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("key,decision,reason,reviewer,date\n" + "".join(
        f"{k},dismissed,已核实,测试,2025-04-02\n" for k in warnings["key"]), encoding="utf-8")
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("match,agency_id,name,kind,parent\nname:三明市,sm,三明市人民政府,city,\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["check", str(source), "--fail-on", "warning", "--reviews", str(reviews)])
    out = capsys.readouterr().out
    assert code == 0 and "dismissed" in out and "已核实" in out
    # with the table the agency id changes, so the review keys (made without it) match nothing
    code = main(["check", str(source), "--fail-on", "warning", "--reviews", str(reviews), "--agencies", str(agencies)])
    assert code == 1 and "match no finding" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("match,agency_id\n", encoding="utf-8")
    assert main(["check", str(source), "--agencies", str(bad)]) == 2
    assert "line 1" in capsys.readouterr().err
