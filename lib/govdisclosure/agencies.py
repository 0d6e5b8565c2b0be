"""Agency names: a key to match the same agency across years, and its administrative kind.

Reports of one agency name it differently from year to year ("洪泽区人民政府" in 2023,
"淮安市洪泽区人民政府" in 2024; "三明市" in the title, "三明市人民政府" in the text).  The key
drops what varies: brackets, a leading parent region before a lower-level unit, a trailing
"人民政府".  It is a matching key, not a name to show.
"""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_PARENT = re.compile(r"^[\u4e00-\u9fff]{2,7}?(?:省|自治区|市)(?=[\u4e00-\u9fff]{1,4}?(?:区|县|旗|自治县)(?:人民政府|$|[\u4e00-\u9fff]))")
_GOVERNMENT = re.compile(r"(?:人民)?政府$")

# Kinds of body and whether they may make 规章 (《立法法》第九十三条: 国务院部门, 省、自治区、
# 直辖市和设区的市、自治州的人民政府).
_STATE_COUNCIL_DEPT = re.compile(r"^(?:国务院|中华人民共和国|国家)[\u4e00-\u9fff]*(?:部|委员会|总局|局|署|院|办公厅)$|^[\u4e00-\u9fff]{1,6}部$")
_PROVINCE = re.compile(r"^(?:北京市|天津市|上海市|重庆市|[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}自治区)(?:人民政府)?(?:办公厅)?$")
_CITY_GOV = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}省)?[\u4e00-\u9fff]{2,4}?(?:市|自治州|地区|盟)(?:人民政府)?$")
_COUNTY_GOV = re.compile(r"[\u4e00-\u9fff]{1,6}(?:区|县|旗|县级市)(?:人民政府)?$")
_DEPARTMENT = re.compile(r"(?:局|委员会|委|办公室|办|厅|中心|院|所|署|站|队|处)$")
_ZONE = re.compile(r"(?:实验区|新区|开发区|示范区|试验区|合作区)(?:管委会|管理委员会)?$")
_TOWNSHIP = re.compile(r"(?:乡|镇|街道|街道办事处)(?:人民政府)?$")


def agency_key(name: str | None) -> str:
    """A key under which the same agency matches across years."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\s+", "", _BRACKETS.sub("", text))
    text = _PARENT.sub("", text)
    stripped = _GOVERNMENT.sub("", text)
    return stripped or text


def agency_kind(name: str | None) -> str:
    """state_council_department | province | city | county | township | department | unknown."""
    if not name:
        return "unknown"
    text = re.sub(r"\s+", "", _BRACKETS.sub("", unicodedata.normalize("NFKC", name)))
    if _PROVINCE.match(text):
        return "province"
    if _STATE_COUNCIL_DEPT.match(text) and not re.search(r"[省市县区]", text[:-1]):
        return "state_council_department"
    if _ZONE.search(text):
        return "unknown"  # 综合实验区、新区、开发区: their powers differ case by case
    if _TOWNSHIP.search(text):
        return "township"
    if text.endswith("人民政府") or not _DEPARTMENT.search(text):
        if _COUNTY_GOV.search(text) and not _CITY_GOV.match(text):
            return "county"
        if _CITY_GOV.match(text):
            return "city"
    if _DEPARTMENT.search(text):
        return "department"
    return "unknown"


def may_make_regulations(kind: str) -> bool | None:
    """Whether a body of this kind may make 规章 (None: cannot tell)."""
    if kind in ("state_council_department", "province", "city"):
        return True
    if kind in ("county", "township", "department"):
        return False
    return None
