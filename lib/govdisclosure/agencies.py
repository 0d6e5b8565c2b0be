"""Agencies: a key to match one body across years, its kind, and the analyst's agency table.

Reports of one agency name it differently from year to year ("洪泽区人民政府" in 2023,
"淮安市洪泽区人民政府" in 2024; "三明市" in the title, "三明市人民政府" in the text;
"平潭综合实验区管委会" beside "平潭综合实验区").  :func:`agency_key` drops what varies —
brackets, the higher regions printed before the body's own region, "人民", a trailing "政府",
"管委会" after a zone, "办事处" after a street — and :func:`agency_region` keeps the higher
regions that were dropped, so that two different bodies with one key ("福州市鼓楼区" and
"南京市鼓楼区") are not taken for one (see :func:`same_body`).

The kind of a body (:func:`agency_kind`) decides which rules apply to it: whether it may make
规章 (《立法法》第九十三条: 国务院部门, 省、自治区、直辖市和设区的市、自治州的人民政府) and
its publication deadline (《政府信息公开条例》第四十九条: departments by 31 January, governments
by 31 March).  A name does not always tell: a 县级市 looks like a 设区的市, a 综合实验区 has the
powers its charter gives it, a government's 办公室 may publish its own report or the
government's.  An analyst's :class:`AgencyTable` says what the name cannot.
"""

from __future__ import annotations

import csv
import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Sequence

from .errors import GovDisclosureError

KINDS = ("province", "city", "county", "township", "department", "state_council_department", "unknown")
KIND_WORDS = {"province": "省级政府", "city": "设区的市级政府", "county": "县级政府", "township": "乡镇、街道",
              "department": "政府部门", "state_council_department": "国务院部门", "unknown": "类型未知的机关"}
# administrative level of a government: what "全省", "全市", "全县" may speak for
LEVEL = {"province": 4, "city": 3, "county": 2, "township": 1}

_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_HAN = r"[\u4e00-\u9fff]"
# a region's own name: Chinese characters that are not the words of a department's name
_NAME = r"[^\s局委办厅部院所处室站队署馆省市\W\d]"
_MUNICIPALITY = ("北京市", "天津市", "上海市", "重庆市")
_UNITS = (  # (level, pattern of one region unit at the start of the remaining name)
    ("province", re.compile(rf"(?:北京市|天津市|上海市|重庆市|{_NAME}{{2,3}}省|{_NAME}{{2,8}}?自治区)")),
    ("city", re.compile(rf"{_NAME}{{2,6}}?(?:自治州|地区|盟|市)")),
    ("county", re.compile(rf"{_NAME}{{2,7}}?(?:自治县|区|县|旗)")),
    ("township", re.compile(rf"{_NAME}{{1,6}}?(?<!城)(?:民族乡|乡|镇|街道)(?!建设|规划|统筹|一体|居民|社区|融合|发展)")),
)
_ZONE = re.compile(r"(?:实验区|新区|开发区|示范区|试验区|合作区|高新区|保税区|自贸区|园区)$")
_ZONE_SUFFIX = re.compile(r"^(?:管委会|管理委员会)")
_GOVERNMENT_TAIL = re.compile(r"^(?:人民)?政府$")
_GOVERNMENT_OFFICE = re.compile(r"^(?:人民)?政府(?:办公室|办公厅|办)$")
_STATE_COUNCIL_DEPT = re.compile(r"^(?:国务院|国家)?[\u4e00-\u9fff]*(?:部|委员会|总局|局|署|院|办公厅|办公室|银行)$")
_DEPARTMENT_END = re.compile(r"(?:局|委员会|委|办公室|办|厅|中心|院|所|署|站|队|处|分局|支队|大队|馆|会)$")


@dataclass(frozen=True)
class Region:
    """A name taken apart: the region units printed before the body (highest first) and the rest."""

    units: tuple[tuple[str, str], ...]  # ((level, name), ...)
    tail: str  # what follows the last region unit ("" for a government itself)


def _clean(name: str) -> str:
    if not isinstance(name, str):  # a name that could not be found (None, or NaN in a table)
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\s+", "", _BRACKETS.sub("", text))
    return re.sub(r"^中华人民共和国(?=.)", "", text)


@lru_cache(maxsize=65536)
def split_region(name: str | None) -> Region:
    """The region units at the start of a name and what follows them.

    ``split_region("淮安市洪泽区人民政府办公室")`` → units (city 淮安市, county 洪泽区), tail
    "人民政府办公室".  A unit's own name may not contain the words of a department's name
    (局, 委, 办 …), so "莆田市城市管理局" is the city 莆田市 and the tail 城市管理局.
    """
    text = _clean(name)
    units: list[tuple[str, str]] = []
    position, first = 0, 0
    while position < len(text) and first < len(_UNITS):
        for i in range(first, len(_UNITS)):
            level, pattern = _UNITS[i]
            match = pattern.match(text, position)
            if match:
                units.append((level, match.group(0)))
                position, first = match.end(), i + 1
                break
        else:
            break
    return Region(tuple(units), text[position:])


@lru_cache(maxsize=65536)
def agency_key(name: str | None) -> str:
    """A key under which the same agency matches across years (not a name to show).

    The key is the body's own region and the rest of its name, without the higher regions
    printed before it, "人民", a trailing "政府", "管委会" after a zone or "办事处" after a
    street: 淮安市洪泽区人民政府, 江苏省淮安市洪泽区人民政府 and 洪泽区政府 all give "洪泽区";
    淮安市洪泽区人民政府办公室 and 洪泽区政府办公室 give "洪泽区政府办公室".
    """
    if not name:
        return ""
    region = split_region(name)
    tail = region.tail.replace("人民政府", "政府")
    if region.units:
        own = region.units[-1][1]
        if _ZONE.search(own):
            tail = _ZONE_SUFFIX.sub("", tail)
        if region.units[-1][0] == "township":
            tail = re.sub(r"^办事处", "", tail)
        if _GOVERNMENT_TAIL.match(tail):
            tail = ""
        return own + tail
    text = _clean(name).replace("人民政府", "政府")
    stripped = re.sub(r"政府$", "", text)
    return stripped or text


def agency_region(name: str | None) -> str:
    """The higher regions printed before the body's own region ("淮安市" of 淮安市洪泽区人民政府)."""
    units = split_region(name).units if name else ()
    return "".join(u for _, u in units[:-1])


def same_body(region_a: str, region_b: str) -> bool:
    """Whether two names with one :func:`agency_key` may be one body, from their higher regions.

    Unknown (empty) regions match anything; otherwise one must end the other ("江苏省淮安市"
    and "淮安市" match; "福州市" and "南京市" do not).
    """
    if not region_a or not region_b:
        return True
    return region_a.endswith(region_b) or region_b.endswith(region_a)


def body_keys(keys: Sequence[str], regions: Sequence[str]) -> list[str]:
    """Keys that tell apart the different bodies of a corpus sharing one :func:`agency_key`.

    ``keys`` and ``regions`` are per report (:func:`agency_key`, :func:`agency_region` of the
    printed names; a region "" when unknown or when the key came from the analyst's agency
    table).  The regions under one key fall into bodies by :func:`same_body` ("江苏省淮安市" and
    "淮安市" are one; "福州市" and "南京市" are two).  Where a key holds one body, its key is
    unchanged and the reports that print no higher region join it (洪泽区人民政府 2023 and
    淮安市洪泽区人民政府 2024: "洪泽区").  Where it holds more, each body's key is its longest
    region and the key ("福州市鼓楼区", "南京市鼓楼区"), and a report printing no higher region
    keeps the bare key: it is matched with neither, since either could be it.
    Returns a list as long as ``keys``.
    """
    bodies: dict[str, list[str]] = {}  # key -> the longest region of each body under it
    for key, region in zip(keys, regions):
        region = str(region or "")
        if not key or not region:
            continue
        found = bodies.setdefault(key, [])
        for i, known in enumerate(found):
            if same_body(known, region):
                found[i] = max(known, region, key=len)
                break
        else:
            found.append(region)
    out = []
    for key, region in zip(keys, regions):
        region = str(region or "")
        found = bodies.get(key, ())
        if len(found) <= 1 or not region:
            out.append(key)
        else:
            out.append(next(known for known in found if same_body(known, region)) + key)
    return out


@lru_cache(maxsize=65536)
def agency_kind(name: str | None) -> str:
    """state_council_department | province | city | county | township | department | unknown.

    From the name alone: a government is known by its last region unit (省 → province, 市/州 →
    city, 区/县/旗 → county, 乡/镇/街道 → township); a 综合实验区, 新区 or 开发区 is ``unknown``
    (its powers differ case by case); a 县级市 cannot be told from a 设区的市 by its name (it
    comes out ``city``: give its kind in an :class:`AgencyTable`).  A government's 办公室 or
    办公厅 is a ``department`` (see :func:`government_office_of`).
    """
    if not name:
        return "unknown"
    region = split_region(name)
    tail = region.tail
    if region.units:
        level, own = region.units[-1]
        if not tail or _GOVERNMENT_TAIL.match(tail) or (_ZONE.search(own) and _ZONE_SUFFIX.match(tail)
                                                        and not _ZONE_SUFFIX.sub("", tail)):
            if level == "county" and _ZONE.search(own):
                return "unknown"
            return level
        if level == "township" and tail == "办事处":
            return "township"
        if _DEPARTMENT_END.search(tail) or _GOVERNMENT_OFFICE.match(tail):
            return "department"
        return "unknown"
    text = _clean(name)
    if _STATE_COUNCIL_DEPT.match(text) and not re.search(r"[省市县区镇乡]", text[:-1]):
        return "state_council_department"
    if _DEPARTMENT_END.search(text):
        return "department"
    return "unknown"


def government_office_of(name: str | None) -> str | None:
    """The kind of government whose 办公室/办公厅 this is ("示例市人民政府办公厅" → "city"), else None.

    Such an office often publishes the government's own report, 规章 included, so a 规章 count
    is not its fault; and its deadline is the government's (31 March) when it reports for the
    government, its own (31 January) otherwise.
    """
    if not name:
        return None
    region = split_region(name)
    if region.units and _GOVERNMENT_OFFICE.match(region.tail):
        level, own = region.units[-1]
        return "unknown" if level == "county" and _ZONE.search(own) else level
    return None


def agency_level(name: str | None, kind: str | None = None) -> int | None:
    """The administrative level a body speaks for: 4 province, 3 city, 2 county, 1 township.

    A department speaks for the level of the region its name starts with (莆田市城市管理局: 3;
    上海市长宁区投资促进办公室: 2; 上海市科委: 4, 上海 being a province-level municipality).
    None when the name does not tell.
    """
    if kind in LEVEL:
        return LEVEL[kind]
    region = split_region(name)
    if kind not in (None, "department", "unknown") or not region.units:
        return None
    level, own = region.units[-1]
    if level == "county" and _ZONE.search(own):
        return None
    return LEVEL[level]


def may_make_regulations(kind: str) -> bool | None:
    """Whether a body of this kind may make 规章 (None: cannot tell)."""
    if kind in ("state_council_department", "province", "city"):
        return True
    if kind in ("county", "township", "department"):
        return False
    return None


# --------------------------------------------------------------------------- the agency table

@dataclass(frozen=True)
class AgencyInfo:
    """What the analyst says about one body (one row of an :class:`AgencyTable`)."""

    agency_id: str
    name: str  # canonical name
    kind: str  # province | city | county | township | department | state_council_department | unknown
    parent: str | None  # agency_id of the body it belongs to (for H-SUM), or None
    summary: bool | None = None  # its report sums its members' (全县汇总); None: read it from the text


@dataclass(frozen=True)
class _Row:
    line: int
    how: str  # file | name | regex | key
    pattern: str
    regex: re.Pattern | None
    info: AgencyInfo


TABLE_COLUMNS = ("match", "agency_id", "name", "kind", "parent")
_TRUE = {"yes", "true", "1", "是", "y"}
_FALSE = {"no", "false", "0", "否", "n", ""}


class AgencyTableError(GovDisclosureError):
    """An agency table that cannot be used; the message names the file and the line."""

    def __init__(self, path: str | Path, line: int | None, problem: str):
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line = str(path), line


class AgencyTable:
    """The analyst's agency table: which file or printed name is which body.

    A CSV (UTF-8, a BOM allowed) with the columns ``match, agency_id, name, kind, parent``
    (and optionally ``summary``: yes/no, whether the body's report sums its members').
    ``match`` says which reports a row is about:

    * ``file:GLOB`` — the report's source path matches the glob (``*`` within a folder name,
      ``**`` across folders; a relative glob matches the end of the path:
      ``file:hongze_2023_pdf/*`` matches ``data/corpus/hongze_2023_pdf/source.pdf``);
    * ``name:PATTERN`` — the agency name printed in the report, without spaces and brackets,
      matches the pattern (``*`` any characters, ``?`` one); a pattern without wildcards also
      matches every name with the same :func:`agency_key` (``name:洪泽区人民政府`` matches
      淮安市洪泽区人民政府);
    * ``re:REGEX`` — a regular expression searched in that name;
    * without a prefix: a file glob when the value contains ``/``, ``\\`` or ends in a file
      extension (``.txt``, ``.html`` …), a name pattern otherwise.

    File rows are tried before name rows, each in the order of the file; the first that
    matches decides.  Several rows may give one ``agency_id`` (one body, files of several
    years); they must then agree on name, kind and parent.  ``kind`` is one of
    :data:`KINDS` (empty: guessed from the name); ``parent`` is the ``agency_id`` of another
    row, or empty.  Every error raises :class:`AgencyTableError` naming the line.
    """

    def __init__(self, rows: list[_Row], path: str = "<table>"):
        self.path = path
        self._files = [r for r in rows if r.how == "file"]
        self._names = [r for r in rows if r.how != "file"]
        self.agencies: dict[str, AgencyInfo] = {r.info.agency_id: r.info for r in rows}
        # literal rows looked up, not scanned: a table may hold every body of a province
        self._by_key: dict[str, _Row] = {}
        self._scanned_names = [r for r in self._names if r.how != "key"]
        for r in self._names:
            if r.how == "key":
                for k in {agency_key(r.pattern), _clean(r.pattern)}:
                    self._by_key.setdefault(k, r)
        self._by_file_name: dict[str, list[_Row]] = {}
        self._scanned_files = []
        for r in self._files:
            last = r.pattern.rsplit("/", 1)[-1]
            if any(c in last for c in "*?["):
                self._scanned_files.append(r)
            else:
                self._by_file_name.setdefault(last, []).append(r)

    def __len__(self) -> int:
        return len(self._files) + len(self._names)

    def __repr__(self) -> str:  # pragma: no cover
        return f"AgencyTable({self.path!r}, {len(self)} rows, {len(self.agencies)} agencies)"

    @classmethod
    def from_csv(cls, path: str | Path) -> "AgencyTable":
        """Read and validate a table; raise :class:`AgencyTableError` (naming the line) if it is wrong."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise AgencyTableError(path, None, "no such file") from None
        except UnicodeDecodeError as exc:
            raise AgencyTableError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                               "save the table as CSV UTF-8") from None
        return cls.from_rows(list(csv.reader(text.splitlines())), str(path))

    @classmethod
    def from_records(cls, records: list[dict], path: str = "<records>") -> "AgencyTable":
        """A table from dicts with the CSV's columns (tests, notebooks)."""
        header = list(TABLE_COLUMNS) + (["summary"] if any("summary" in r for r in records) else [])
        return cls.from_rows([header] + [[str(r.get(c) or "") for c in header] for r in records], path)

    @classmethod
    def from_rows(cls, rows: list[list[str]], path: str) -> "AgencyTable":
        if not rows:
            raise AgencyTableError(path, None, f"empty file; expected a header line {','.join(TABLE_COLUMNS)}")
        header = [h.strip().lower() for h in rows[0]]
        missing = [c for c in TABLE_COLUMNS if c not in header]
        if missing:
            raise AgencyTableError(path, 1, f"header lacks the column(s) {', '.join(missing)} "
                                            f"(found {', '.join(header) or 'nothing'}; expected {','.join(TABLE_COLUMNS)})")
        at = {c: header.index(c) for c in header}
        parsed: list[_Row] = []
        seen: dict[str, tuple[int, AgencyInfo]] = {}
        patterns: dict[tuple[str, str], int] = {}
        for number, raw in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in raw):
                continue
            if len(raw) > len(header):
                raise AgencyTableError(path, number, f"{len(raw)} fields where the header has {len(header)} "
                                                     "(a comma inside a value needs quotes)")
            cell = lambda c: raw[at[c]].strip() if at[c] < len(raw) else ""  # noqa: E731
            match, agency_id, name, kind, parent = (cell(c) for c in TABLE_COLUMNS)
            if not match:
                raise AgencyTableError(path, number, "empty match (a file glob or a name pattern)")
            if not agency_id:
                raise AgencyTableError(path, number, "empty agency_id")
            if kind and kind not in KINDS:
                raise AgencyTableError(path, number, f"kind {kind!r} is not one of {', '.join(KINDS)}")
            summary_text = cell("summary").lower() if "summary" in at else ""
            if summary_text not in _TRUE | _FALSE:
                raise AgencyTableError(path, number, f"summary {summary_text!r} is not yes or no")
            summary = True if summary_text in _TRUE else (False if summary_text in ("no", "false", "0", "否", "n") else None)
            if parent == agency_id:
                raise AgencyTableError(path, number, f"agency {agency_id!r} is its own parent")
            info = AgencyInfo(agency_id, name or agency_id, kind or agency_kind(name or ""), parent or None, summary)
            if agency_id in seen and seen[agency_id][1] != info:
                first, other = seen[agency_id]
                raise AgencyTableError(path, number, f"agency_id {agency_id!r} is described differently on line {first} "
                                                     f"({other.name}, {other.kind}, parent {other.parent}) and here "
                                                     f"({info.name}, {info.kind}, parent {info.parent})")
            seen.setdefault(agency_id, (number, info))
            how, pattern, regex = _parse_match(match, path, number)
            if (how, pattern) in patterns:
                raise AgencyTableError(path, number, f"match {match!r} already given on line {patterns[(how, pattern)]}")
            patterns[(how, pattern)] = number
            parsed.append(_Row(number, how, pattern, regex, info))
        known = {r.info.agency_id for r in parsed}
        for r in parsed:
            if r.info.parent and r.info.parent not in known:
                raise AgencyTableError(path, r.line, f"parent {r.info.parent!r} is not the agency_id of any row")
        parents = {r.info.agency_id: r.info.parent for r in parsed}
        for r in parsed:
            chain, current = [r.info.agency_id], parents.get(r.info.agency_id)
            while current:
                if current in chain:
                    raise AgencyTableError(path, r.line, "parents form a cycle: " + " → ".join(chain + [current]))
                chain.append(current)
                current = parents.get(current)
        return cls(parsed, path)

    def resolve(self, source: str, printed_name: str | None) -> AgencyInfo | None:
        """The body a report is about, from its source path and the name it prints; None if no row matches."""
        posix = str(source).replace("\\", "/")
        candidates = self._by_file_name.get(posix.rsplit("/", 1)[-1], []) + self._scanned_files
        matched = [r for r in candidates if _file_matches(posix, r.pattern)]
        if matched:
            return min(matched, key=lambda r: r.line).info
        if printed_name:
            clean = _clean(printed_name)
            key = agency_key(printed_name)
            found = [r for r in (self._by_key.get(key) if key else None, self._by_key.get(clean)) if r is not None]
            for row in self._scanned_names:
                if found and row.line > min(r.line for r in found):
                    break
                if (row.regex.search(clean) if row.how == "regex" else fnmatch.fnmatchcase(clean, row.pattern)):
                    found.append(row)
                    break
            if found:
                return min(found, key=lambda r: r.line).info
        return None

    def get(self, agency_id: str) -> AgencyInfo | None:
        return self.agencies.get(agency_id)

    def members(self, agency_id: str) -> list[AgencyInfo]:
        """The bodies whose parent is ``agency_id``."""
        return [a for a in self.agencies.values() if a.parent == agency_id]


_FILE_HINT = re.compile(r"[/\\]|\.(?:txt|html?|md|pdf|docx?|json|csv)$|^\*\.", re.IGNORECASE)


def _parse_match(value: str, path: str, line: int) -> tuple[str, str, re.Pattern | None]:
    if value.startswith("file:"):
        pattern = value[5:].strip().replace("\\", "/")
        if not pattern:
            raise AgencyTableError(path, line, "empty file glob after 'file:'")
        return "file", pattern, None
    if value.startswith("re:"):
        try:
            return "regex", value[3:], re.compile(unicodedata.normalize("NFKC", value[3:]))
        except re.error as exc:
            raise AgencyTableError(path, line, f"bad regular expression {value[3:]!r}: {exc}") from None
    if value.startswith("name:"):
        value = value[5:].strip()
        if not value:
            raise AgencyTableError(path, line, "empty name pattern after 'name:'")
    elif _FILE_HINT.search(value):
        return "file", value.replace("\\", "/"), None
    pattern = _clean(value) if not any(c in value for c in "*?[") else re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return ("name" if any(c in pattern for c in "*?[") else "key"), pattern, None


def _file_matches(posix: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(posix, pattern):
        return True
    if "**" in pattern:
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*") \
            .replace(r"\?", "[^/]")
        return re.search(rf"(?:^|/){regex}$", posix) is not None
    try:
        return PurePosixPath(posix).match(pattern)
    except ValueError:
        return False
