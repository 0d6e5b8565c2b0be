"""Rules that read the narrative and the report as a publication, on generated variants: each
kind of statement in several wordings that must be found, and look-alikes that must not."""

from __future__ import annotations

import pytest

from govdisclosure.agencies import AgencyTable
from govdisclosure.checks import check
from govdisclosure.checks.narrative import compare_claims
from govdisclosure.template import PRE_2019
from helpers import consistent_t3, consistent_t4, edited, make_report

SIX = {"overview": "总体", "proactive": "主动", "requests": "申请", "review_litigation": "复议",
       "problems": "问题", "other": "本机关未收取信息处理费。"}


def report(text: str = "", section: str = "overview", *, carried_forward: int = 1, review: int = 2,
           agency: str = "某某市某某局", year: int = 2024, **kw):
    """A consistent report (5 received, 3 granted, 1 denied, 1 carried forward; 复议 2, 直接起诉 1) saying ``text``."""
    t3 = consistent_t3()
    if carried_forward == 0:
        t3["new_received"] = [3, 1, 0, 0, 0, 0, 4]
        t3["carried_forward"] = [0] * 7
    t4 = consistent_t4()
    if review == 0:  # no case at all in table 四
        t4 = {row: [0, 0, 0, 0, 0] for row in t4}
    return make_report(t3, t4, sections=dict(SIX, **{section: text}), agency=agency, year=year, **kw)


def fails(findings, rule):
    return findings[(findings["rule"] == rule) & (findings["status"] == "fail")]


# --------------------------------------------------------------------------- TX-SELF

ALL_DONE = [
    pytest.param("全年新收政府信息公开申请5件，所有申请均已按要求办结。", id="all-applications-completed-as-required"),
    pytest.param("本年度收到的政府信息公开申请已全部办结。", id="all-completed"),
    pytest.param("全年共受理政府信息公开申请5件，均已办理完毕。", id="each-one-finished"),
    pytest.param("依申请公开工作规范有序，申请办结率100%。", id="a-completion-rate-of-100-percent"),
    pytest.param("全年收到政府信息公开申请5件，已全部答复。", id="all-answered"),
    pytest.param("收到的政府信息公开申请已全部予以答复。", id="all-given-an-answer"),
]
NOT_ALL_DONE = [
    pytest.param("上年结转的1件申请均已办结。", id="the-carried-over-ones-completed"),
    pytest.param("共收到政府信息公开申请5件，均在法定期限内予以答复。", id="answered-in-time-is-not-completed"),
    pytest.param("所有办结的申请中，予以公开3件。", id="of-all-completed-applications"),
    pytest.param("收到的政府信息公开申请均在规定时限内答复。", id="answered-within-the-time-limit"),
    pytest.param("依申请公开按时办结率100%。", id="a-timeliness-rate"),
    pytest.param("意见箱收到的5条群众诉求均已办结，无政府信息公开申请以外事项。", id="not-about-applications"),
]


@pytest.mark.parametrize("text", ALL_DONE)
def test_all_completed_beside_applications_carried_forward_is_a_contradiction(text):
    found = fails(check(report(text)), "TX-SELF")
    assert list(found["row"]) == ["all_done"] and found.iloc[0]["actual"] == 1
    assert "结转下年度继续办理" in found.iloc[0]["message"]
    assert fails(check(report(text, carried_forward=0)), "TX-SELF").empty


@pytest.mark.parametrize("text", NOT_ALL_DONE)
def test_statements_that_are_not_all_completed_are_left_alone(text):
    assert fails(check(report(text)), "TX-SELF").empty


@pytest.mark.parametrize("text,kinds", [
    pytest.param("本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。", {"no_review", "no_litigation"},
                 id="no-review-no-suit"),
    pytest.param("全年无行政复议和行政诉讼案件。", {"no_review", "no_litigation"}, id="none-of-either"),
    pytest.param("本机关没有收到行政复议申请。", {"no_review"}, id="no-review-received"),
])
def test_no_review_said_beside_reviews_in_table_four(text, kinds):
    found = fails(check(report(text, section="review_litigation")), "TX-SELF")  # 复议 2, 直接起诉 1
    assert set(found["row"]) == kinds
    assert "表四「行政复议」总计为 2 件" in found[found["row"] == "no_review"].iloc[0]["message"]
    assert fails(check(report(text, section="review_litigation", review=0)), "TX-SELF").empty


@pytest.mark.parametrize("text", [
    pytest.param("未经复议直接起诉的行政诉讼1件。", id="the-table-label-says-without-review"),
    pytest.param("行政复议2件，均未被纠错。", id="not-corrected-is-an-outcome"),
    pytest.param("尚未审结的行政复议案件1件。", id="pending-cases"),
])
def test_negations_that_are_not_no_cases(text):
    assert fails(check(report(text, section="review_litigation")), "TX-SELF").empty


def test_no_applications_said_beside_applications_received():
    found = fails(check(report("2024年，本机关未收到政府信息公开申请。")), "TX-SELF")
    assert list(found["row"]) == ["no_applications"] and found.iloc[0]["actual"] == 5


# --------------------------------------------------------------------------- TX-REPEAT

@pytest.mark.parametrize("text,word", [
    pytest.param("公开了专项资金资金分配结果。", "资金资金", id="a-two-character-word"),
    pytest.param("进一步进一步加强政务公开。", "进一步进一步", id="a-three-character-word"),
    pytest.param("结果结果其他尚未总计总计", None, id="table-labels-run-into-the-text"),
    pytest.param("常常看看天天更新。", None, id="single-character-reduplication"),
    pytest.param("学习学习新条例。", None, id="an-allowed-reduplication"),
])
def test_a_word_printed_twice(text, word):
    found = fails(check(report(text)), "TX-REPEAT")
    assert list(found["printed"]) == ([word] if word else [])


# --------------------------------------------------------------------------- S-STALE

@pytest.mark.parametrize("text,stale", [
    pytest.param("2023年，我局主动公开政府信息120条。", True, id="last-year-as-this-year"),
    pytest.param("2022年度我局共收到申请5件。", True, id="an-older-year"),
    pytest.param("2025年，我局将进一步丰富解读形式。", False, id="a-plan-for-next-year"),
    pytest.param("2025年我们计划开展培训。", False, id="a-plan-with-we"),
    pytest.param("与2023年，我局收到的申请相比有所增加。", False, id="a-comparison"),
    pytest.param("2019年以来，我局持续推进公开。", False, id="since-a-year"),
    pytest.param("2024年，我局主动公开政府信息120条。", False, id="the-report-year"),
])
def test_another_year_spoken_of_as_the_bodys_own(text, stale):
    found = fails(check(report(text, section="problems")), "S-STALE")
    assert len(found) == int(stale)
    if stale:
        assert found.iloc[0]["row"] == "stale_year" and text.rstrip("。") in found.iloc[0]["message"]


@pytest.mark.parametrize("agency,kind,text,stale", [
    pytest.param("某某市人民政府", None, "强化对全省政务公开工作的统筹推进和指导监督。", True, id="a-city-supervising-the-province"),
    pytest.param("某某市人民政府", None, "一是做好全省政府信息依申请公开工作。", True, id="a-city-doing-the-provinces-work"),
    pytest.param("某某市人民政府", None, "全省共收到政府信息公开申请1200件。", True, id="a-city-counting-the-province"),
    pytest.param("某某县人民政府", None, "全市各级行政机关要坚持公开为常态。", True, id="a-county-speaking-for-the-city"),
    pytest.param("某某市城市管理局", None, "推动全省城市管理信息公开。", True, id="a-city-department"),
    pytest.param("某某市人民政府", None, "按照全省统一部署，推进全市政务公开工作。", False, id="following-the-province"),
    pytest.param("某某市人民政府", None, "对照《2021年全省政务公开第三方评估指标体系》新设专题。", False, id="a-document-title"),
    pytest.param("某某市人民政府", None, "在全省率先实现本地缴费。", False, id="first-in-the-province"),
    pytest.param("某某市人民政府", None, "推进全市政府网站集约化平台建设。", False, id="its-own-scope"),
    pytest.param("昆山市人民政府", "county", "全市各级行政机关要坚持公开为常态。", False, id="a-county-level-city-says-its-city"),
    pytest.param("上海市科学技术委员会", None, "推进全市科技政策公开。", False, id="a-municipality-is-a-province"),
    pytest.param("平潭综合实验区", None, "推进全省政务公开。", False, id="a-zone-whose-level-is-unknown"),
])
def test_the_scope_of_a_higher_level_spoken_of_as_the_bodys_work(agency, kind, text, stale):
    found = fails(check(report(text, section="problems", agency=agency), kinds=[kind]), "S-STALE")
    assert len(found) == int(stale), found["message"].tolist()
    if stale:
        assert found.iloc[0]["row"] == "stale_scope" and "可能沿用了上级机关的文字" in found.iloc[0]["message"]


# --------------------------------------------------------------------------- TX-COUNTS with scope

@pytest.mark.parametrize("text,row,ok", [
    pytest.param("共收到申请5件，予以公开3件，不予公开等其他类型1件。", "not_granted", True,
                 id="everything-but-granted-after-granted-is-named"),
    pytest.param("共收到申请5件，不予公开等其他类型2件。", "not_granted", False, id="everything-but-granted-wrong"),
    pytest.param("收到申请5件，属于已公开或部分公开3件。", "granted_or_partial", True, id="already-public-or-partly"),
    pytest.param("区政府办代表区政府受理政府信息公开申请3件。", "received", True, id="a-part-received-by-an-office"),
    pytest.param("区政府办代表区政府受理政府信息公开申请9件。", "received", False, id="a-part-larger-than-the-whole"),
    pytest.param("共收到政府信息公开申请5件，其中自然人4件，商业企业1件。", "applicant_natural_person", True,
                 id="applicant-split"),
    pytest.param("共收到政府信息公开申请5件，其中自然人3件。", "applicant_natural_person", False, id="applicant-split-wrong"),
    pytest.param("共收到申请5件，涉及法人或其他组织1件。", "applicant_organisations", True, id="organisations"),
    pytest.param("收到申请5件，办结4件，予以公开3件（占75%）。", "granted_percent", True, id="a-percentage-in-brackets"),
    pytest.param("收到申请5件，办结4件，予以公开3件（40%）。", "granted_percent", False, id="a-bare-percentage-in-brackets"),
])
def test_claims_keep_the_words_that_set_their_scope(text, row, ok):
    r = report(text, section="requests")
    claims = compare_claims(r)
    assert row in set(claims["quantity"])  # the claim is found …
    assert (claims.set_index("quantity").loc[[row], "status"] == "agree").all() == ok  # … and judged
    findings = check(r, rules=["TX-COUNTS"])
    failing = fails(findings, "TX-COUNTS")
    assert (row in set(failing["row"])) != ok, failing[["row", "message"]].to_string()
    if not ok:
        message = failing[failing["row"] == row].iloc[0]["message"]
        assert text.rstrip("。") in message  # the message quotes the sentence


def test_a_stated_number_equal_to_one_printed_cell_says_which():
    found = fails(check(report("共收到申请5件，予以公开2件。", section="requests"), rules=["TX-COUNTS"]), "TX-COUNTS")
    assert "与表三「三、（一）予以公开」的「自然人」一栏相同" in found.iloc[0]["message"]


# --------------------------------------------------------------------------- S-BLANK, blanks as zero

def test_blank_cells_are_listed_and_a_blank_total_beside_filled_parts_is_unfilled():
    r = edited(report(), {("t3", "granted", "research"): None, ("t3", "denied_third_party", "total"): None})
    found = fails(check(r), "S-BLANK")
    assert len(found) == 1 and found.iloc[0]["actual"] == 2
    message = found.iloc[0]["message"]
    assert "「三、（一）予以公开」科研机构" in message and "总计未填：「4.保护第三方合法权益」" in message


def test_with_blanks_as_zero_a_blank_total_is_still_unfilled_never_an_arithmetic_error():
    r = edited(report(), {("t3", "granted", "total"): None})
    for zero in (False, True):
        found = check(r, blank_as_zero=zero)
        rowsum = found[(found["rule"] == "T3-ROWSUM") & (found["row"] == "granted")]
        assert list(rowsum["status"]) == ["not_assessable"] and "总计未填" in rowsum.iloc[0]["message"]
        assert found[(found["status"] == "fail") & (found["severity"] == "error")].empty


# --------------------------------------------------------------------------- S-COPY-TABLE

def test_an_identical_table_in_consecutive_years_is_flagged_when_it_cannot_be_chance():
    t3 = consistent_t3()
    t3.update(new_received=[40, 6, 1, 0, 2, 1, 50], granted=[20, 3, 1, 0, 1, 0, 25],
              denied_third_party=[5, 1, 0, 0, 0, 1, 7], unable_not_held=[14, 2, 0, 0, 1, 0, 17],
              total_processed=[39, 6, 1, 0, 2, 1, 49], carried_forward=[1, 0, 0, 0, 0, 0, 1])
    earlier = make_report(t3, consistent_t4(), year=2023)
    later = make_report(t3, consistent_t4(), year=2024)
    later = edited(later, {("t3", "carried_over", "natural_person"): 1, ("t3", "carried_over", "total"): 1,
                           ("t3", "new_received", "natural_person"): 39, ("t3", "new_received", "total"): 49})
    assert fails(check([earlier, later]), "S-COPY-TABLE").empty  # carried over 1: not the same table
    same = make_report(t3, consistent_t4(), year=2024)
    found = fails(check([earlier, same]), "S-COPY-TABLE")
    assert list(found["table"]) == ["t3"] and "逐格相同" in found.iloc[0]["message"]
    small = make_report(consistent_t3(), consistent_t4(), year=2023), make_report(consistent_t3(), consistent_t4())
    assert fails(check(list(small)), "S-COPY-TABLE").empty  # 3 applications twice: chance


# --------------------------------------------------------------------------- before 2019

def test_a_pre_2019_report_has_no_table_finding_and_breaks_the_carry_over_check_with_a_reason():
    old = make_report(None, None, template=PRE_2019, year=2018, agency="平潭综合实验区", sections=SIX)
    found = check(old)
    tables = found[found["rule"].isin(["T3-BALANCE", "T3-OUTCOMES", "T3-ROWSUM", "T4-SUM", "INT", "S-BLANK",
                                       "T2-STOCK", "X-CARRY", "X-YOY", "TX-COUNTS", "S-COPY-TABLE"])]
    assert tables.empty, tables[["rule", "message"]]
    first = make_report(consistent_t3("2019"), consistent_t4(), template="2019", year=2019, agency="平潭综合实验区",
                        sections=SIX)
    carry = check([old, first], rules=["X-CARRY"])
    assert list(carry["message"]) == ["上一年度（2018年）报告为2019年以前的旧格式，无结转数据可核对"]
    late = make_report(None, None, template=PRE_2019, year=2019, sections=SIX)
    assert "2019年以前的旧格式" in fails(check(late), "X-TEMPLATE").iloc[0]["message"]


# --------------------------------------------------------------------------- agencies in the checks

def test_findings_carry_the_agency_id_of_the_table():
    table = AgencyTable.from_records([dict(match="name:某某市某某局", agency_id="mou", name="某某市某某局",
                                           kind="department", parent="")])
    found = check(report("所有申请均已办结。"), agencies=table)
    assert set(found["agency_id"]) == {"mou"} and found["key"].str.startswith(tuple(f"{r}|mou|" for r in found["rule"])).all()


# --------------------------------------------------------------------------- S-COPY-PEER

def test_text_every_body_prints_is_not_a_copy_but_a_shared_own_text_is():
    boilerplate = ("本报告根据《中华人民共和国政府信息公开条例》要求编制，统计期限自2024年1月1日起至2024年12月31日止。"
                   "本报告电子版可在本机关门户网站政府信息公开专栏下载，如有疑问请与本机关办公室联系。")
    own = ["一是栏目更新不够及时，部分信息发布滞后；二是政策解读形式较为单一，图解视频偏少。下一步将建立发布提醒机制，"
           "每月对栏目更新情况进行巡查通报；丰富解读形式，对重要政策同步制作图解和视频解读，提高解读的针对性和可读性。",
           "本年度重点推进重大建设项目批准和实施领域信息公开，完善公共资源配置信息公开目录，建立健全动态更新机制。",
           "围绕优化营商环境，集中公开涉企政策文件，开设惠企政策专栏，推动政策直达快享，方便企业精准查询办理。",
           "加强政务新媒体管理，关停整合更新不及时的账号，规范信息发布审核流程，确保发布内容准确权威及时。",
           "深化基层政务公开标准化规范化建设，编制公开事项标准目录，推动村务公开与政务公开有效衔接。",
           "完善依申请公开办理机制，建立法律顾问参与疑难申请会商制度，提升答复文书规范化水平和办理质量。"]
    reports = [report(boilerplate + text, agency=f"某某县第{i}局") for i, text in enumerate(own)]
    assert fails(check(reports, rules=["S-COPY-PEER"]), "S-COPY-PEER").empty
    copied = report(boilerplate + own[0], agency="某某县另一局")
    found = fails(check([*reports, copied], rules=["S-COPY-PEER"]), "S-COPY-PEER")
    assert set(found["agency"]) == {"某某县第0局", "某某县另一局"}
    assert "「某某县第0局」" in found[found["agency"] == "某某县另一局"].iloc[0]["message"]
