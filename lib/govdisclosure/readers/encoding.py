"""Turn a file's bytes into text: UTF-8 (with or without BOM), GBK and GB18030 are common."""

from __future__ import annotations

import codecs
import re

from ..errors import ReportReadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# GB2312 and GBK are subsets of GB18030; decoding with the superset never loses a character.
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "hz-gb-2312"}


def is_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we read (NUL bytes, control noise)."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def decode(data: bytes, path: str, *, declared: bool = True) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding used).

    Order: byte-order mark; strict UTF-8; the charset an HTML page declares; strict GB18030;
    then charset-normalizer's best guess.  Raises :class:`ReportReadError` when nothing fits.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        match = _META_CHARSET.search(data[:4096])
        if match:
            name = match.group(1).decode("ascii", "replace").lower()
            if name in _GB_FAMILY:
                name = "gb18030"
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReportReadError(path, "text in UTF-8, GBK or GB18030", "bytes in no known encoding",
                              "is this file a report saved as text, HTML, Markdown, PDF or DOCX?")
    return str(best), best.encoding
