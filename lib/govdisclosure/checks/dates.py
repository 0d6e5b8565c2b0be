"""The date a report was published, from the page's metadata or, failing that, its signature.

Sources, in order (field names in :mod:`govdisclosure.template`): the page's publication
fields (a crawler's 发布时间, 发布日期 or 公开日期; the HTML meta ``PubDate``/``publishdate``),
then the signature date under the report (落款日期) or its 成文日期.  A metadata date that cannot
be the publication of a report of that year — before the year has ended, or more than three
years after it — is not used, and the fallback says why (三明 2019 prints 发布时间 2019-01-01
for a report signed 2020-03-06; 三明 2020 prints a truncated 2020-10-).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from ..template import PUBLISHED_FIELD_NAMES, SIGNED_FIELD_NAMES

_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})(?:\d{4,6})?$")
MAX_YEARS_AFTER = 3


@dataclass(frozen=True)
class Published:
    """A publication date and where it came from."""

    day: date | None
    source: str  # the field it was read from ("发布时间", "落款日期" …), "" when none
    rejected: tuple[str, ...] = ()  # metadata that was present but could not be used, with why

    @property
    def iso(self) -> str:
        return self.day.isoformat() if self.day else ""

    @property
    def from_signature(self) -> bool:
        return self.source in SIGNED_FIELD_NAMES

    def describe(self) -> str:
        """Where the date came from, in Chinese, with the metadata that was set aside."""
        if self.day is None:
            what = "未找到发布日期"
        elif self.from_signature:
            what = f"落款日期（{self.source}）" if self.source != "落款日期" else "落款日期"
        else:
            what = f"页面元数据“{self.source}”"
        return what + ("；" + "；".join(self.rejected) if self.rejected else "")


def parse_date(text: str | None) -> date | None:
    """A calendar date in ``text`` (2020-01-20 15:22, 2020年1月20日, 2020/1/20, 20200120); None if none."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.search(text) or _COMPACT.match(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def publication_date(fields: dict[str, str], year: int | None) -> Published:
    """The report's publication date from its page fields (see the module's docstring)."""
    rejected: list[str] = []
    for group in (PUBLISHED_FIELD_NAMES, SIGNED_FIELD_NAMES):
        for name in group:
            raw = fields.get(name)
            if raw is None or not raw.strip():
                continue
            day = parse_date(raw)
            if day is None:
                rejected.append(f"“{name}”为“{raw.strip()[:20]}”，不是完整日期")
                continue
            if year is not None and not (year + 1 <= day.year <= year + MAX_YEARS_AFTER):
                when = "早于报告年度结束" if day.year <= year else f"晚于报告年度 {MAX_YEARS_AFTER} 年以上"
                rejected.append(f"“{name}”为 {day.isoformat()}，{when}，不可信")
                continue
            return Published(day, name, tuple(rejected))
    return Published(None, "", tuple(rejected))
