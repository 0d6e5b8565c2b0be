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


def utf16_without_bom(data: bytes) -> str | None:
    """The name of the UTF-16 variant ``data`` is in when it has no byte-order mark
    ("utf-16-le" or "utf-16-be"), else None.

    Such text has NUL bytes in every other position (the high byte of ASCII characters: digits,
    tabs, line breaks) and almost none in the others; random binary data has them anywhere.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # the mark says it (decode_report reads it)
    head = data[:8192]
    head = head[: len(head) - len(head) % 2]
    half = len(head) // 2
    if half < 8:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for name, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= 0.1 * half and others <= 0.25 * nuls:
            try:
                text = head.decode(name)
            except UnicodeDecodeError:
                continue
            if not any(ch < " " and ch not in "\t\r\n\x0c" for ch in text):
                return name
    return None


def _nearly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 text damaged in a few places (a crawler cut the last character in half, a stray byte).

    Returns (text, number of undecodable bytes replaced) when the bytes are overwhelmingly
    valid multi-byte UTF-8: a handful of bad bytes against many good non-ASCII characters.
    GBK/GB18030 text never looks like this (its byte pairs are almost never valid UTF-8), so
    it does not steal such files.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    if bad <= 0:
        return None
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if bad <= 3 and good >= 50 * bad:
        return text, bad
    return None


def decode_report(data: bytes, path: str, *, declared: bool = True) -> tuple[str, str, list[str]]:
    """Decode ``data``; return (text, encoding used, notes on damage found while decoding).

    Order: byte-order mark; strict UTF-8; UTF-8 with a few damaged bytes (a character cut in
    half by a crawler); the charset an HTML page declares; strict GB18030; then
    charset-normalizer's best guess.  Raises :class:`ReportReadError` when nothing fits.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            # the mark settles the encoding; a damaged byte after it must not stop the reading
            text = data.decode(name, errors="replace")
            bad = text.count("\ufffd") - data.decode(name, errors="ignore").count("\ufffd")
            notes = [f"{bad} byte(s) that are not valid {name} were replaced by U+FFFD"] if bad else []
            return text, name, notes
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    nearly = _nearly_utf8(data)
    if nearly is not None:
        text, bad = nearly
        return text, "utf-8", [f"{bad} byte(s) that are not valid UTF-8 (a character cut in half?) "
                               "were replaced by U+FFFD"]
    text, name = _decode_other(data, path, declared=declared)
    return text, name, []


def decode(data: bytes, path: str, *, declared: bool = True) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding used).  See :func:`decode_report`."""
    text, name, _ = decode_report(data, path, declared=declared)
    return text, name


def _decode_other(data: bytes, path: str, *, declared: bool) -> tuple[str, str]:
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
