"""Agency names, kinds and the analyst's agency table (issue 8): matching across years, the
kind of body for T2-REG-AUTH and S-DEADLINE, parents for H-SUM."""

from __future__ import annotations

import pytest

from govdisclosure.agencies import (AgencyInfo, AgencyTable, AgencyTableError, agency_key, agency_kind,
                                    agency_level, agency_region, government_office_of, same_body)
from govdisclosure.checks import check
from govdisclosure.checks.frame import report_table
from govdisclosure.errors import GovDisclosureError
from helpers import consistent_t3, consistent_t4, edited, make_report


@pytest.mark.parametrize("a,b", [
    pytest.param("淮安市洪泽区人民政府", "洪泽区人民政府", id="a-city-printed-before-a-district"),
    pytest.param("江苏省淮安市洪泽区人民政府", "洪泽区政府", id="province-and-city-before-a-district-and-no-renmin"),
    pytest.param("淮安市洪泽区人民政府办公室", "洪泽区政府办公室", id="a-district-government-office"),
    pytest.param("江苏省昆山市人民政府", "昆山市人民政府", id="a-province-before-a-city"),
    pytest.param("福建省莆田市城市管理局", "莆田市城市管理局", id="a-province-before-a-city-department"),
    pytest.param("平潭综合实验区管委会", "平潭综合实验区", id="a-zone-and-its-committee"),
    pytest.param("平潭综合实验区管理委员会", "平潭综合实验区（管委会，全区汇总）", id="brackets-dropped"),
    pytest.param("某某市某某区某某街道办事处", "某某街道", id="a-street-office"),
    pytest.param("三明市", "三明市人民政府", id="the-title-says-the-city-the-text-its-government"),
    pytest.param("上海市 长宁区 投资促进办公室", "长宁区投资促进办公室", id="spaces-inside-a-name"),
])
def test_names_of_one_body_in_different_years_have_one_key(a, b):
    assert agency_key(a) == agency_key(b) != ""


@pytest.mark.parametrize("a,b", [
    pytest.param("莆田市城市管理局", "三明市城市管理局", id="same-department-of-two-cities"),
    pytest.param("示例县甲局", "示例县乙局", id="two-departments-of-one-county"),
    pytest.param("洪泽区人民政府", "洪泽区人民政府办公室", id="a-government-and-its-office"),
])
def test_different_bodies_have_different_keys(a, b):
    assert agency_key(a) != agency_key(b)


def test_two_districts_of_one_name_in_two_cities_are_not_one_body():
    assert agency_key("福州市鼓楼区人民政府") == agency_key("南京市鼓楼区人民政府")  # the key alone cannot tell
    assert not same_body(agency_region("福州市鼓楼区人民政府"), agency_region("南京市鼓楼区人民政府"))
    assert same_body(agency_region("江苏省淮安市洪泽区人民政府"), agency_region("淮安市洪泽区人民政府"))
    assert same_body(agency_region("洪泽区人民政府"), agency_region("淮安市洪泽区人民政府"))
    t3 = consistent_t3()
    fuzhou = make_report(t3, consistent_t4(), year=2023, agency="福州市鼓楼区人民政府")
    nanjing = edited(make_report(t3, consistent_t4(), year=2024, agency="南京市鼓楼区人民政府"),
                     {("t3", "carried_over", "natural_person"): 3})
    carry = check([fuzhou, nanjing], rules=["X-CARRY"])
    assert (carry["status"] == "not_assessable").all()
    assert "2023 年度" in carry[carry["source"] == nanjing.source].iloc[0]["message"]


@pytest.mark.parametrize("name,kind", [
    ("江苏省人民政府", "province"), ("上海市人民政府", "province"), ("内蒙古自治区人民政府", "province"),
    ("三明市人民政府", "city"), ("广西壮族自治区南宁市人民政府", "city"), ("洪泽区人民政府", "county"),
    ("某某县人民政府", "county"), ("某某镇人民政府", "township"), ("某某市某某区某某街道办事处", "township"),
    ("莆田市城市管理局", "department"), ("上海市科学技术委员会", "department"), ("江苏省住房和城乡建设厅", "department"),
    ("示例市人民政府办公厅", "department"), ("交通运输部", "state_council_department"),
    ("国家税务总局", "state_council_department"), ("国家税务总局上海市税务局", "department"),
    ("平潭综合实验区", "unknown"), ("平潭综合实验区管委会", "unknown"),
])
def test_kind_of_body_from_its_name(name, kind):
    assert agency_kind(name) == kind


def test_a_government_office_is_known_with_its_government():
    assert government_office_of("示例市人民政府办公厅") == "city"
    assert government_office_of("淮安市洪泽区人民政府办公室") == "county"
    assert government_office_of("上海市人民政府办公厅") == "province"
    assert government_office_of("莆田市城市管理局") is None


def test_level_a_body_speaks_for():
    assert agency_level("莆田市城市管理局", "department") == 3
    assert agency_level("上海市长宁区投资促进办公室", "department") == 2
    assert agency_level("上海市科委", "department") == 4  # a province-level municipality
    assert agency_level("洪泽区人民政府", "county") == 2
    assert agency_level("平潭综合实验区", "unknown") is None


# --------------------------------------------------------------------------- the table

TABLE = """match,agency_id,name,kind,parent
file:hongze_2023_pdf/*,hz,淮安市洪泽区人民政府,county,
name:淮安市洪泽区人民政府,hz,淮安市洪泽区人民政府,county,
name:洪泽区*局,hz-dept,洪泽区某局,department,hz
re:^昆山市,ks,昆山市人民政府,county,
reports/2024/*.txt,file-row,按文件,department,
"""


def write(tmp_path, text, name="agencies.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_the_table_resolves_files_before_names_and_names_by_their_key(tmp_path):
    table = AgencyTable.from_csv(write(tmp_path, "\ufeff" + TABLE))  # a BOM from Excel is fine
    assert table.resolve("data/corpus/hongze_2023_pdf/source.pdf", "别的名字").agency_id == "hz"
    assert table.resolve("x/source.txt", "洪泽区人民政府").agency_id == "hz"  # same key as the canonical name
    assert table.resolve("x/source.txt", "洪泽区 财政局") == AgencyInfo("hz-dept", "洪泽区某局", "department", "hz")
    assert table.resolve("x/source.txt", "昆山市人民政府").kind == "county"  # a 县级市 is not a 设区的市
    assert table.resolve("out/reports/2024/a.txt", "洪泽区人民政府").agency_id == "file-row"  # files first
    assert table.resolve("x/source.txt", "三明市人民政府") is None
    assert [a.agency_id for a in table.members("hz")] == ["hz-dept"]


@pytest.mark.parametrize("text,line,words", [
    pytest.param("match,agency_id,name\nx,y,z\n", 1, "lacks the column(s) kind, parent", id="missing-columns"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city-ish,\n", 2, "kind 'city-ish'", id="unknown-kind"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city,\nname:乙,b,乙,department,c\n", 3,
                 "parent 'c'", id="parent-not-in-the-table"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city,b\nname:乙,b,乙,department,a\n", 2, "cycle",
                 id="parents-in-a-cycle"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city,\nname:甲,b,乙,city,\n", 3, "already given on line 2",
                 id="one-match-twice"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city,\nname:丙,a,甲,county,\n", 3,
                 "described differently on line 2", id="one-id-two-kinds"),
    pytest.param("match,agency_id,name,kind,parent\nre:(甲,a,甲,city,\n", 2, "bad regular expression", id="bad-regex"),
    pytest.param("match,agency_id,name,kind,parent\n,a,甲,city,\n", 2, "empty match", id="empty-match"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,,甲,city,\n", 2, "empty agency_id", id="empty-id"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city,,extra\n", 2, "6 fields", id="an-unquoted-comma"),
    pytest.param("match,agency_id,name,kind,parent\nname:甲,a,甲,city,\n", None, None, id="a-good-table-reads"),
])
def test_errors_in_the_table_name_the_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    if line is None:
        assert len(AgencyTable.from_csv(path)) == 1
        return
    with pytest.raises(AgencyTableError) as error:
        AgencyTable.from_csv(path)
    assert isinstance(error.value, GovDisclosureError)
    assert f"{path}, line {line}:" in str(error.value) and words in str(error.value)


def test_a_table_that_is_not_utf8_or_not_there_says_so(tmp_path):
    with pytest.raises(AgencyTableError, match="not UTF-8"):
        AgencyTable.from_csv(write(tmp_path, TABLE, encoding="gbk"))
    with pytest.raises(AgencyTableError, match="no such file"):
        AgencyTable.from_csv(tmp_path / "missing.csv")


def test_the_reports_table_carries_the_tables_id_kind_and_parent():
    table = AgencyTable.from_records([
        dict(match="name:示例县人民政府", agency_id="county", name="示例县人民政府", kind="county", parent=""),
        dict(match="name:示例县甲局", agency_id="a", name="示例县甲局", kind="department", parent="county")])
    reports = [make_report(consistent_t3(), agency="示例县甲局"), make_report(consistent_t3(), agency="别的机关")]
    frame = report_table(reports, agencies=table)
    assert frame["agency_key"].tolist() == ["a", agency_key("别的机关")]
    assert frame["kind"].tolist() == ["department", "unknown"]
    assert frame["parent"].tolist() == ["county", ""]
    assert frame["agency_name"].tolist() == ["示例县甲局", "别的机关"]


def test_the_table_says_a_county_level_city_may_not_make_regulations(tmp_path):
    report = make_report(consistent_t3(), consistent_t4(),
                         {("regulations", "issued"): 1, ("regulations", "repealed"): 0, ("regulations", "in_force"): 1},
                         agency="昆山市人民政府")
    guessed = check(report, rules=["T2-REG-AUTH"])
    assert guessed.empty  # by its name a 设区的市
    table = write(tmp_path, "match,agency_id,name,kind,parent\nname:昆山市人民政府,ks,昆山市人民政府,county,\n")
    found = check(report, rules=["T2-REG-AUTH"], agencies=table)
    assert list(found["status"]) == ["fail"] and "县级政府" in found.iloc[0]["message"]
    assert found.iloc[0]["agency_id"] == "ks" and found.iloc[0]["key"].startswith("T2-REG-AUTH|ks|2024|t2|regulations|")


def test_a_city_governments_office_reporting_the_citys_regulations_is_not_at_fault():
    report = make_report(consistent_t3("2019"), consistent_t4(),
                         {("regulations", "made"): 1, ("regulations", "published"): 1,
                          ("regulations", "total_published"): 3}, template="2019", year=2019, agency="示例市人民政府办公厅")
    assert check(report, rules=["T2-REG-AUTH"]).empty
    department = edited(report, agency="示例市城市管理局")
    assert list(check(department, rules=["T2-REG-AUTH"])["status"]) == ["fail"]


def test_rows_are_tried_in_file_order_whether_looked_up_or_scanned():
    many = [dict(match=f"name:某某县第{i}局", agency_id=f"d{i}", name=f"某某县第{i}局", kind="department", parent="")
            for i in range(5000)]
    table = AgencyTable.from_records([dict(match="name:某某县第1*", agency_id="glob", name="某某县", kind="county",
                                           parent=""), *many,
                                      dict(match="re:第4999局$", agency_id="late-regex", name="x", kind="unknown",
                                           parent="")])
    assert table.resolve("a.txt", "某某县第12局").agency_id == "glob"  # the glob row comes first
    assert table.resolve("a.txt", "某某县第4999局").agency_id == "d4999"  # the literal row before the regex
    assert table.resolve("a.txt", "另一个县第4999局").agency_id == "late-regex"
    files = AgencyTable.from_records([dict(match="file:2023/*.txt", agency_id="y2023", name="甲", kind="county",
                                           parent=""),
                                      dict(match="file:2023/hongze.txt", agency_id="hz", name="乙", kind="county",
                                           parent="")])
    assert files.resolve("data/2023/hongze.txt", None).agency_id == "y2023"
    assert files.resolve("data/2024/hongze.txt", None) is None


# --------------------------------------------------------------------------- bodies of one name in a corpus

SAME_NAME = [  # (a body's name in two regions, the bare name) — districts and departments that repeat nationally
    ("福州市鼓楼区人民政府", "南京市鼓楼区人民政府", "鼓楼区人民政府"),
    ("北京市朝阳区人民政府", "吉林省长春市朝阳区人民政府", "朝阳区政府"),
    ("上海市普陀区人民政府", "浙江省舟山市普陀区人民政府", "普陀区人民政府"),
    ("南京市鼓楼区财政局", "福州市鼓楼区财政局", "鼓楼区财政局"),
    ("福建省莆田市城厢区城市管理局", "莆田市城厢区城市管理局", None),  # one body twice (no second region)
]


@pytest.mark.parametrize("a,b,bare", SAME_NAME)
def test_bodies_of_one_name_in_different_regions_get_different_keys_in_a_corpus(a, b, bare):
    from govdisclosure.agencies import body_keys

    names = [a, b] + ([bare] if bare else [])
    keys = body_keys([agency_key(n) for n in names], [agency_region(n) for n in names])
    if same_body(agency_region(a), agency_region(b)):
        assert keys[0] == keys[1] == agency_key(a)
    else:
        assert keys[0] != keys[1]
        assert keys[2] not in keys[:2]  # the bare name could be either: matched with neither


def test_a_body_printed_with_and_without_its_city_stays_one_body_in_a_corpus():
    from govdisclosure.agencies import body_keys

    names = ["淮安市洪泽区人民政府", "洪泽区人民政府", "江苏省淮安市洪泽区人民政府", "福州市鼓楼区人民政府"]
    keys = body_keys([agency_key(n) for n in names], [agency_region(n) for n in names])
    assert keys[0] == keys[1] == keys[2] == "洪泽区" and keys[3] == "鼓楼区"


@pytest.mark.parametrize("a,b,bare", [s for s in SAME_NAME if s[2]])
def test_same_year_reports_of_two_bodies_of_one_name_are_two_agency_years(a, b, bare):
    """Each is its own agency-year: both primary, no X-VERSION between them, each in the
    measures once."""
    from govdisclosure.checks.frame import build_corpus
    from govdisclosure.checks.versions import primaries

    t3 = consistent_t3()
    one = make_report(t3, consistent_t4(), year=2024, agency=a)
    two = edited(make_report(t3, consistent_t4(), year=2024, agency=b), {("t3", "new_received", "natural_person"): 9})
    assert list(primaries(build_corpus([one, two]))) == [True, True]
    found = check([one, two], rules=["X-VERSION"])
    assert not (found["status"] == "fail").any()


def test_a_batch_keeps_two_bodies_of_one_name_apart(tmp_path):
    """The batch (workers read the files in parts): the 福州 file is not a duplicate of the 南京
    one; both are reports, both primary, measured each once."""
    from pathlib import Path

    import pandas as pd

    from govdisclosure.cli import main

    case = (Path(__file__).parent / "fixtures" / "cases" / "column-swap.txt").read_text(encoding="utf-8")
    first = case.splitlines()[0]
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for i, name in enumerate(["南京市鼓楼区人民政府", "福州市鼓楼区人民政府", "南京市鼓楼区财政局", "福州市鼓楼区财政局"]):
        (folder / f"r{i}.txt").write_text(case.replace(first, first.replace("示例县测试局", name), 1), encoding="utf-8")
    assert main(["batch", str(folder), "-o", str(out), "--no-render", "-q", "--workers", "1"]) == 0
    summary = pd.read_csv(out / "run_summary.csv", encoding="utf-8-sig", keep_default_na=False)
    assert set(summary["status"]) == {"report"}
    reports = pd.read_parquet(out / "corpus" / "reports.parquet")
    assert reports["primary"].all() and reports["agency_key"].nunique() == 4
    measures = pd.read_csv(out / "exports" / "measures.csv", encoding="utf-8-sig")
    assert measures["source"].nunique() == 4
