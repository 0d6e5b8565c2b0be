"""Issue 8, what it must show: a folder as analysts keep it — every report of data/corpus (six of
them in two renderings, one from before the national template), the corpus README, an INDEX.md
note, a corrupt PDF and an empty file.  Every file is classed, every agency-year rendered once,
the exports and the comparison count each agency-year once, and a rerun does no rework.  Then
the cases about versions and names (tests/fixtures/cases)."""

from __future__ import annotations

import contextlib
import io
import shutil
import signal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from conftest import CORPUS, FIXTURES, ROOT, corpus_ids, is_pre_2019, meta_of, truth_of
from govdisclosure import cli
from govdisclosure.agencies import agency_key
from html_helpers import Page

CLASSES = {"report", "duplicate", "pre-2019", "not a report", "unreadable", "failed"}


def run_cli(*args: str) -> tuple[int, str, str]:
    """``govdisclosure ARGS`` in this process: (exit status, stdout, stderr); SIGTERM handling put back."""
    out, err = io.StringIO(), io.StringIO()
    handler = signal.getsignal(signal.SIGTERM)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        signal.signal(signal.SIGTERM, handler)
    return code, out.getvalue(), err.getvalue()


def read_summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)


def agency_years() -> dict[tuple[str, int], list[str]]:
    """The corpus's agency-years of the national template, with their folders (from meta.json)."""
    found: dict[tuple[str, int], list[str]] = {}
    for i in corpus_ids():
        if not is_pre_2019(i):
            meta = meta_of(i)
            found.setdefault((agency_key(meta["agency"].split("（")[0]), meta["year"]), []).append(i)
    return found


def source_in(folder: Path, corpus_id: str) -> str:
    return str(next((folder / corpus_id).glob("source.*")))


# --------------------------------------------------------------------------- the folder

@pytest.fixture(scope="module")
def real_folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("real_folder")
    folder = base / "in"
    shutil.copytree(CORPUS, folder)  # with every meta.json and truth.json beside the reports
    shutil.copyfile(ROOT / "data" / "README.md", folder / "README.md")
    shutil.copyfile(FIXTURES / "notes" / "INDEX.md", folder / "INDEX.md")
    pdf = (CORPUS / "hongze_2024_pdf" / "source.pdf").read_bytes()
    (folder / "corrupt.pdf").write_bytes(pdf[: len(pdf) // 5])  # a download cut short
    (folder / "empty.txt").write_bytes(b"")
    out = base / "out"
    first = run_cli("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    summary = read_summary(out)
    html = {p.name: p.stat().st_mtime_ns for p in (out / "reports").glob("*.html")}
    second = run_cli("batch", str(folder), "-o", str(out), "--workers", "2", "-q")
    return dict(folder=folder, out=out, first=first, summary=summary, html=html, second=second,
                second_summary=read_summary(out))


def test_every_file_is_listed_once_with_its_class(real_folder):
    folder, summary = real_folder["folder"], real_folder["summary"]
    files = summary[summary["file"] != "(comparison)"]
    expected = {source_in(folder, i) for i in corpus_ids()} | {str(folder / n) for n in
                                                              ("README.md", "INDEX.md", "corrupt.pdf", "empty.txt")}
    assert sorted(files["file"]) == sorted(expected)  # meta.json and truth.json are not reports' files
    assert set(files["status"]) <= CLASSES
    by_file = files.set_index("file")
    for name in ("corrupt.pdf", "empty.txt"):
        row = by_file.loc[str(folder / name)]
        assert row["status"] == "unreadable" and row["error"].startswith(f"{folder / name}: expected ")
    for i in ("pingtan_2023", "pingtan_2023_html"):
        assert by_file.loc[source_in(folder, i), "status"] in ("report", "duplicate")
    index = Page(real_folder["out"] / "index.html")
    listed = [row[1] for row in index.table_with_header("文件", "状态")[1:]]
    assert sorted(listed) == sorted(Path(f).name for f in expected)


def test_exit_status_and_message_give_the_counts(real_folder):
    code, _, err = real_folder["first"]
    assert code == 1, err  # two unreadable files, everything else done
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"{len(real_folder['summary']) - 1} file(s): ")
    assert "6 duplicate(s)" in last and "2 unreadable" in last
    assert sum(line.startswith("unreadable: ") for line in err.splitlines()) == 2


def test_every_agency_year_is_rendered_once_and_its_other_versions_point_to_it(real_folder):
    folder, out, summary = real_folder["folder"], real_folder["out"], real_folder["summary"]
    by_file = summary.set_index("file")
    for (key, year), ids in agency_years().items():
        rows = by_file.loc[[source_in(folder, i) for i in ids]]
        assert (rows["status"] == "report").sum() == 1, (key, year, rows["status"].tolist())
        assert (rows["status"] == "duplicate").sum() == len(ids) - 1
        primary = rows[rows["status"] == "report"].iloc[0]
        assert primary["rendered"] == "new" and (out / primary["html"]).is_file()
        page = (out / primary["html"]).read_text(encoding="utf-8")
        assert page.rstrip().endswith("</html>") and str(year) in page
        for _, duplicate in rows[rows["status"] == "duplicate"].iterrows():
            assert duplicate["html"] == primary["html"]  # listed, linked to the agency-year's report
            assert duplicate.name.split("/")[-2] in {i for i in ids}
            assert "主版本" in duplicate["note"]
    rendered = summary[(summary["status"] == "report") & (summary["file"] != "(comparison)")]
    assert len(set(rendered["html"])) == len(rendered)


def test_notes_are_not_reports(real_folder):
    folder, summary, (_, _, err) = real_folder["folder"], real_folder["summary"], real_folder["first"]
    by_file = summary.set_index("file")
    for note in ("README.md", "INDEX.md"):
        row = by_file.loc[str(folder / note)]
        assert row["status"] == "not a report" and row["html"] == "" and "expected" in row["error"]
    assert "2 not a report" in err


def test_the_old_format_is_said_and_not_rendered(real_folder):
    folder, summary, (_, _, err) = real_folder["folder"], real_folder["summary"], real_folder["first"]
    old = summary.set_index("file").loc[source_in(folder, "fujian_pingtan_2018_pre2019")]
    assert old["status"] == "pre-2019" and "2019年以前的旧格式年报" in old["note"] and old["html"] == ""
    assert "1 pre-2019" in err


def test_nothing_but_the_agency_years_is_rendered(real_folder):
    assert len(list((real_folder["out"] / "reports").glob("*.html"))) == len(agency_years())


def test_a_rerun_does_no_rework(real_folder):
    code, _, err = real_folder["second"]
    assert code == 1
    summary = real_folder["second_summary"]
    reports = summary[summary["status"] == "report"]
    assert set(reports["rendered"]) == {"unchanged"}
    assert "0 report(s) rendered" in err
    now = {p.name: p.stat().st_mtime_ns for p in (real_folder["out"] / "reports").glob("*.html")}
    assert now == real_folder["html"]
    assert summary.drop(columns=["seconds", "rendered"]).equals(real_folder["summary"].drop(columns=["seconds",
                                                                                                 "rendered"]))


def _new_received_by_year() -> dict[int, int]:
    """Σ 本年新收 (table 三 总计) per year over one file of each agency-year, from truth.json (read by eye)."""
    sums: dict[int, int] = {}
    for (_, year), ids in agency_years().items():
        sums[year] = sums.get(year, 0) + truth_of(ids[0])["table3_total"]["new_received"]
    return sums


def test_exports_and_the_comparison_count_each_agency_year_once(real_folder):
    out = real_folder["out"]
    expected = _new_received_by_year()
    assert sum(len(ids) for ids in agency_years().values()) > len(agency_years())  # there are duplicates to drop

    cells = pd.read_csv(out / "exports" / "cells.csv", encoding="utf-8-sig", dtype={"raw": str})
    new = cells[(cells["table"] == "t3") & (cells["row"] == "new_received") & (cells["column"] == "total")]
    assert new.groupby("year")["value"].sum().astype(int).to_dict() == expected

    measures = pd.read_csv(out / "exports" / "measures.csv", encoding="utf-8-sig")
    received = measures[measures["measure"] == "new_received"]
    # (the 2018 report has no table 三: no value, not a 0)
    assert received.groupby("year")["value"].sum(min_count=1).dropna().astype(int).to_dict() == expected

    book = openpyxl.load_workbook(out / "exports" / "corpus.xlsx", read_only=True)
    sheet = list(book["指标"].iter_rows(values_only=True))
    column = sheet[0].index("本年新收申请")
    by_year: dict[int, int] = {}
    for row in sheet[1:]:
        if row[1] is not None and row[column] is not None:
            by_year[int(row[1])] = by_year.get(int(row[1]), 0) + int(row[column])
    assert by_year == expected
    t3 = list(book["表三"].iter_rows(values_only=True))
    total = t3[0].index("总计")
    rows = [r for r in t3[1:] if r[t3[0].index("行")].startswith("一、本年新收")]
    assert len(rows) == len(agency_years())
    assert sum(r[total] for r in rows) == sum(expected.values())
    files = real_folder["summary"][real_folder["summary"]["file"] != "(comparison)"]
    assert book["报告"].max_row - 1 == int(files["status"].isin(["report", "pre-2019"]).sum())  # no duplicate
    book.close()

    overview = Page(out / "compare.html").table_with_header("机关", "年度", "本年新收申请")
    head = overview[0]
    compared: dict[int, int] = {}
    for row in overview[1:]:
        if row[head.index("年度")].isdigit() and row[head.index("本年新收申请")] not in ("—", ""):
            year = int(row[head.index("年度")])
            compared[year] = compared.get(year, 0) + int(row[head.index("本年新收申请")].replace(",", ""))
    assert compared == expected


def test_the_corpus_tables_keep_every_file_read_with_its_primary_flag(real_folder):
    out = real_folder["out"]
    reports = pd.read_parquet(out / "corpus" / "reports.parquet")
    assert reports["primary"].dtype == bool
    read = real_folder["summary"]["status"].isin(["report", "duplicate", "pre-2019"])
    assert len(reports) == int(read.sum()) - 1  # less the comparison row
    assert int((~reports["primary"]).sum()) == 6
    with duckdb.connect(str(out / "corpus" / "corpus.duckdb"), read_only=True) as con:
        assert con.execute('SELECT count(*) FROM reports WHERE NOT "primary"').fetchone()[0] == 6
        one_each = con.execute('SELECT count(*) = count(DISTINCT agency_key || year) FROM reports '
                               'WHERE "primary" AND agency_key <> \'\'').fetchone()[0]
        assert one_each


# --------------------------------------------------------------------------- the cases

CASES = FIXTURES / "cases"


@pytest.fixture(scope="module")
def republished(tmp_path_factory):
    out = tmp_path_factory.mktemp("republished")
    result = run_cli("batch", str(CASES / "republished-version"), "-o", str(out), "--workers", "1", "-q")
    return out, result


def test_a_republished_report_is_one_agency_year_with_the_later_version_primary(republished):
    out, (code, _, err) = republished
    assert code == 0, err
    summary = read_summary(out).set_index("file")
    first, second = (summary.loc[str(CASES / "republished-version" / n)] for n in ("first-fetch.txt",
                                                                                   "second-fetch.txt"))
    assert second["status"] == "report" and second["rendered"] == "new"  # updated 2024-03-02: the later one
    assert first["status"] == "duplicate" and first["html"] == second["html"]
    assert "1 duplicate(s)" in err
    assert len(list((out / "reports").glob("*.html"))) == 1


def test_a_republished_report_with_changed_numbers_gives_x_version_naming_each_cell(republished):
    out, _ = republished
    findings = pd.read_parquet(out / "corpus" / "findings.parquet")
    found = findings[(findings["rule"] == "X-VERSION") & (findings["status"] == "fail")]
    assert set(found["source"]) == {str(CASES / "republished-version" / "second-fetch.txt")}
    assert set(found["severity"]) == {"warning"}
    assert set(found["title"]) == {"同一年度报告的不同版本数字不一致"}
    cells = {(r.row, r.column, r.actual, r.expected) for r in found.itertuples()}
    assert cells == {(row, column, 9.0, 8.0) for row in ("new_received", "granted", "total_processed")
                     for column in ("natural_person", "total")}
    assert all("first-fetch.txt" in m and "为 9" in m and "为 8" in m for m in found["message"])
    exported = pd.read_csv(out / "exports" / "findings.csv", encoding="utf-8-sig")
    assert (exported["rule"] == "X-VERSION").sum() == 6  # the primary's findings are exported
    measures = pd.read_csv(out / "exports" / "measures.csv", encoding="utf-8-sig")
    assert measures.loc[measures["measure"] == "new_received", "value"].tolist() == [9.0]  # counted once


def test_check_on_both_versions_prints_the_x_version_findings():
    code, stdout, err = run_cli("check", str(CASES / "republished-version"), "--fail-on", "warning")
    assert code == 1, err
    lines = [line for line in stdout.splitlines() if "X-VERSION" in line]
    assert len(lines) == 6 and all("本文件为 9" in line and "first-fetch.txt 为 8" in line for line in lines)


def test_the_pre_2019_case_is_said_in_one_line_and_makes_no_cell(tmp_path):
    case = CASES / "pre2019-format.txt"
    code, _, err = run_cli("parse", str(case), "-o", str(tmp_path / "cells.csv"))
    assert code == 0, err
    assert [line for line in err.splitlines() if str(case) in line] == [
        f"read {case}: 示例市测试局 2016: 2019年以前的旧格式年报，未读取统计表"]
    assert pd.read_csv(tmp_path / "cells.csv", encoding="utf-8-sig").empty
    code, stdout, _ = run_cli("check", str(case))
    assert "2019年以前的旧格式年报，未读取统计表" in stdout and "2019年格式" not in stdout


def test_the_2019_table_two_case_keeps_signed_changes_and_the_unit(tmp_path):
    """「+6」「-2」 and the unit 元 of 「251000元」; the full-width 「－4」 and the 规章 of a city
    government's office are in the next two tests."""
    code, _, err = run_cli("parse", str(CASES / "t2-2019-signed-delta.txt"), "-o", str(tmp_path / "cells.csv"))
    assert code == 0, err
    cells = pd.read_csv(tmp_path / "cells.csv", encoding="utf-8-sig", dtype={"raw": str})
    t2 = cells[cells["table"] == "t2"].set_index(["row", "column"])
    assert (t2.loc[("licensing", "change"), "value"], t2.loc[("other_services", "change"), "value"]) == (6, -2)
    assert t2.loc[("procurement", "amount"), "raw"] == "251000元"


def test_the_2019_table_two_case_reads_a_full_width_minus():
    code, stdout, _ = run_cli("check", str(CASES / "t2-2019-signed-delta.txt"), "--fail-on", "never")
    assert "INT" not in stdout


def test_the_2019_table_two_case_gives_no_regulation_warning_to_a_city_office():
    code, stdout, _ = run_cli("check", str(CASES / "t2-2019-signed-delta.txt"), "--fail-on", "never")
    assert "T2-REG-AUTH" not in stdout


@pytest.mark.parametrize("command", ["batch", "report"])
def test_a_folder_of_only_pre_2019_reports_is_an_answer_not_a_failure(tmp_path, command):
    """Old-format reports only: no tables to read, so no cells and no measures — the corpus
    files are still written (empty tables with their columns), every file is classed, exit 0."""
    folder, out = tmp_path / "old", tmp_path / "out"
    folder.mkdir()
    shutil.copyfile(CORPUS / "fujian_pingtan_2018_pre2019" / "source.txt", folder / "pingtan-2018.txt")
    shutil.copyfile(FIXTURES / "cases" / "pre2019-format.txt", folder / "old-format.txt")
    code, _, err = run_cli(command, str(folder), "-o", str(out), "-q", "--workers", "1")
    assert code == 0, err
    assert "error" not in err.lower()
    assert set(read_summary(out)["status"]) == {"pre-2019"}
    reports = pd.read_parquet(out / "corpus" / "reports.parquet")
    assert len(reports) == 2 and set(reports["template"]) == {"pre-2019"}
    assert len(pd.read_parquet(out / "corpus" / "measures.parquet")) == 0


def test_a_batch_takes_the_analysts_agency_table_review_file_and_blank_as_zero(tmp_path):
    """The same three settings ``check`` takes, in ``batch``: the agency table's ids and
    parents reach the corpus (a county summary is compared with its departments: H-SUM), a
    reviewer's decision reaches the findings it names, and a change of settings reads again."""
    folder = tmp_path / "county"
    shutil.copytree(FIXTURES / "cases" / "summary-vs-departments", folder)
    table = tmp_path / "agencies.csv"
    table.write_text("match,agency_id,name,kind,parent,summary\n"
                     "name:示例县人民政府,county,示例县人民政府,county,,yes\n"
                     "name:示例县甲局,dept-a,示例县甲局,department,county,\n"
                     "name:示例县乙局,dept-b,示例县乙局,department,county,\n", encoding="utf-8")
    plain, given = tmp_path / "plain", tmp_path / "given"
    code, _, err = run_cli("batch", str(folder), "-o", str(plain), "-q", "--workers", "1", "--no-render")
    assert code == 0, err
    findings = pd.read_csv(plain / "exports" / "findings.csv", encoding="utf-8-sig", keep_default_na=False)
    assert not ((findings["rule"] == "H-SUM") & (findings["status"] == "fail")).any()

    code, _, err = run_cli("batch", str(folder), "-o", str(given), "-q", "--workers", "1", "--no-render",
                           "--agencies", str(table))
    assert code == 0, err
    reports = pd.read_parquet(given / "corpus" / "reports.parquet")
    assert set(reports["agency_key"]) == {"county", "dept-a", "dept-b"}
    findings = pd.read_csv(given / "exports" / "findings.csv", encoding="utf-8-sig", keep_default_na=False)
    hsum = findings[(findings["rule"] == "H-SUM") & (findings["status"] == "fail")]
    assert len(hsum)

    reviews = tmp_path / "reviews.csv"
    reviews.write_text("key,decision,reason,reviewer,date\n"
                       f"{hsum.iloc[0]['key']},dismissed,部门报告不全,张三,2026-11-30\n", encoding="utf-8")
    code, _, err = run_cli("batch", str(folder), "-o", str(given), "-q", "--workers", "1", "--no-render",
                           "--agencies", str(table), "--reviews", str(reviews))
    assert code == 0, err
    findings = pd.read_csv(given / "exports" / "findings.csv", encoding="utf-8-sig", keep_default_na=False)
    decided = findings[findings["key"] == hsum.iloc[0]["key"]]
    assert list(decided["review"]) == ["dismissed"] and list(decided["reviewer"]) == ["张三"]
    assert (findings.loc[findings["key"] != hsum.iloc[0]["key"], "review"] == "").all()
    in_db = duckdb.connect(str(given / "corpus" / "corpus.duckdb"), read_only=True)
    try:
        assert in_db.execute("SELECT count(*) FROM findings WHERE review = 'dismissed'").fetchall() == [(1,)]
    finally:
        in_db.close()


def test_a_batch_refuses_an_agency_table_with_a_fault_before_reading_anything(tmp_path):
    table = tmp_path / "agencies.csv"
    table.write_text("match,agency_id,name,kind,parent\nname:甲,a,甲,city-ish,\n", encoding="utf-8")
    code, _, err = run_cli("batch", str(CORPUS / "pingtan_2024"), "-o", str(tmp_path / "out"), "-q",
                           "--agencies", str(table))
    assert code == 2 and "line 2" in err and "Traceback" not in err


def test_report_pages_are_rendered_with_the_analysts_settings(tmp_path):
    """``report`` hands the agency table, review file and blank-as-zero to each page's
    notebook (its parameters); a page renders with all three."""
    table = tmp_path / "agencies.csv"
    table.write_text("match,agency_id,name,kind,parent\n"
                     "name:上海市人民政府办公厅,sh-office,上海市人民政府办公厅,department,\n", encoding="utf-8")
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("key,decision,reason,reviewer,date\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli("report", str(CORPUS / "shanghai_gov_office_2019"), "-o", str(out), "-q", "--workers", "1",
                           "--agencies", str(table), "--reviews", str(reviews), "--blank-as-zero")
    assert code == 0, err
    summary = read_summary(out)
    assert list(summary["status"]) == ["report"] and list(summary["rendered"]) == ["new"]
    page = (out / summary.iloc[0]["html"]).read_text(encoding="utf-8")
    assert "空白按 0 计" in page
    # the same command without the settings renders again (they are part of each page's key)
    code, _, err = run_cli("report", str(CORPUS / "shanghai_gov_office_2019"), "-o", str(out), "-q", "--workers", "1")
    assert code == 0, err
    assert list(read_summary(out)["rendered"]) == ["new"]


def test_the_cell_export_says_how_each_value_was_read(tmp_path):
    """exports/cells.csv: the tidy columns, then the label as printed and ``how`` — so that a
    recovered value is told from one read as printed without Python."""
    out = tmp_path / "out"
    code, _, err = run_cli("batch", str(CORPUS / "pingtan_2020"), "-o", str(out), "-q", "--workers", "1", "--no-render")
    assert code == 0, err
    cells = pd.read_csv(out / "exports" / "cells.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(cells.columns)[-2:] == ["label", "how"]
    assert (cells["how"] != "").any() and (cells["how"] == "").any()


def test_a_reviewers_dismissal_reaches_the_page_and_the_index_and_a_stray_decision_is_said(tmp_path):
    """三明 2019 with its TX-COUNTS warning dismissed: the page lists it apart (「已复核排除」)
    and counts no warning for it, the index counts it neither, and a decision whose key
    matches no finding is named on the terminal."""
    import govdisclosure as gd

    report = gd.load_report(next((CORPUS / "sanming_2019").glob("source.*")))
    found = gd.check([report])
    target = found[(found["rule"] == "TX-COUNTS") & (found["status"] == "fail")].iloc[0]
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("key,decision,reason,reviewer,date\n"
                       f"{target['key']},dismissed,口径不同,李四,2026-11-30\n"
                       "TX-FEE|nosuch|2021|text|other|,accepted,,,\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli("report", str(CORPUS / "sanming_2019"), "-o", str(out), "-q", "--workers", "1",
                           "--reviews", str(reviews))
    assert code == 0, err
    assert "1 review decision(s) match no finding" in err and "TX-FEE|nosuch" in err
    summary = read_summary(out)
    page = (out / summary.iloc[0]["html"]).read_text(encoding="utf-8")
    assert "已复核排除 1 项" in page and "口径不同" in page
    import re

    def warnings_in_index(folder):  # the files table's row: errors, then warnings
        page = (folder / "index.html").read_text(encoding="utf-8")
        row = re.search(r"三明市 2019</a></td><td>[^<]*</td><td>[^<]*</td><td class='num' data-value='(\d+)'>\d+</td>"
                        r"<td class='num' data-value='(\d+)'>", page)
        return int(row.group(2))

    printed = int(((found["status"] == "fail") & (found["severity"] == "warning")).sum())
    assert printed >= 1 and target["severity"] == "warning"
    assert warnings_in_index(out) == printed - 1
    plain_out = tmp_path / "plain"
    code, _, err = run_cli("report", str(CORPUS / "sanming_2019"), "-o", str(plain_out), "-q", "--workers", "1")
    assert code == 0, err
    assert warnings_in_index(plain_out) == printed


def test_every_table_of_the_database_says_which_rows_are_primaries(tmp_path):
    """Two renderings of 平潭 2019 (text and HTML): the database keeps both reports' rows, and
    every table's ``primary`` picks one agency-year's — what the exports hold."""
    out = tmp_path / "out"
    code, _, err = run_cli("batch", str(CORPUS / "pingtan_2019"), str(CORPUS / "pingtan_2019_html"), "-o", str(out),
                           "-q", "--workers", "1", "--no-render")
    assert code == 0, err
    db = duckdb.connect(str(out / "corpus" / "corpus.duckdb"), read_only=True)
    try:
        for table in ("cells", "findings", "measures"):
            both = db.execute(f"SELECT count(DISTINCT source) FROM {table}").fetchall()[0][0]
            primary = db.execute(f'SELECT count(DISTINCT source) FROM {table} WHERE "primary"').fetchall()[0][0]
            assert (both, primary) == (2, 1), table
        exported = pd.read_csv(out / "exports" / "measures.csv", encoding="utf-8-sig")
        assert db.execute('SELECT count(*) FROM measures WHERE "primary"').fetchall()[0][0] == len(exported)
    finally:
        db.close()


def test_the_workbook_speaks_chinese(real_folder):
    """The 报告 and 检查发现 sheets are read by people: Chinese headings, not the tables' keys."""
    book = openpyxl.load_workbook(real_folder["out"] / "exports" / "corpus.xlsx", read_only=True)
    try:
        for sheet, must in (("报告", ("机关", "年度", "来源文件", "存疑的单元格")), ("检查发现", ("规则", "严重程度", "说明"))):
            head = next(book[sheet].iter_rows(max_row=1, values_only=True))
            assert set(must) <= set(head), (sheet, head)
            assert not {"agency", "source", "uid", "family", "rule"} & set(head), (sheet, head)
    finally:
        book.close()


def test_a_workbook_over_the_layout_limit_counts_failures_by_rule_under_chinese_headings(tmp_path, monkeypatch):
    from govdisclosure import publish

    monkeypatch.setattr(publish, "EXCEL_LAYOUT_LIMIT", 1)
    out = tmp_path / "out"
    code, _, err = run_cli("batch", str(CORPUS / "sanming_2019"), str(CORPUS / "pingtan_2020"), "-o", str(out), "-q",
                           "--workers", "1", "--no-render")
    assert code == 0, err
    book = openpyxl.load_workbook(out / "exports" / "corpus.xlsx", read_only=True)
    try:
        assert "说明" in book.sheetnames and "表三" not in book.sheetnames
        head = next(book["检查发现"].iter_rows(max_row=1, values_only=True))
        assert head[:3] == ("来源文件", "机关", "年度") and len(head) > 3  # then one column per failing rule
        assert book["检查发现"].max_row == 1 + 2
    finally:
        book.close()
