"""Generators of the large and special hostile inputs (tests/fixtures/bad-inputs/README.md, last
part): made in the tests, never stored."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

from conftest import CORPUS

SEED = CORPUS / "seed_changning_tzcjb_2024" / "source.txt"
PUTIAN_HTML = CORPUS / "putian_cg_2021_html" / "source.html"
# 公开年报.txt in GBK: what a Windows archive unpacked on Linux leaves as a file name
GBK_NAME = "公开年报.txt".encode("gbk")


# --------------------------------------------------------------------------- ZIP bombs

def _zip_by_hand(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A ZIP from (name, data as stored, method, CRC-32, size inflated): zipfile cannot store
    data it did not compress itself."""
    out = io.BytesIO()
    central = []
    for name, data, method, crc, size in entries:
        offset = out.tell()
        raw = name.encode("utf-8")
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0))
        out.write(raw)
        out.write(data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), out.tell() - start, start, 0))
    return out.getvalue()


def bomb_docx(inflated: int, *, declared: int | None = None) -> bytes:
    """A Word document whose ``word/document.xml`` inflates to about ``inflated`` bytes (a
    paragraph of spaces), from a few hundred KB (100 MB) or about 1 MB (1 GB).  ``declared``:
    the size its ZIP header claims instead (a lying archive)."""
    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    with zipfile.ZipFile(io.BytesIO(base.getvalue())) as source:
        others = [(i.filename, source.read(i.filename)) for i in source.infolist() if i.filename != "word/document.xml"]
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
            b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">')
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk = b" " * 2 ** 20
    repeats = max(0, (inflated - len(head) - len(tail)) // len(chunk))

    def deflate(data: bytes, last: bool = False) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    body = deflate(head) + deflate(chunk) * repeats + deflate(tail, last=True)  # full flushes: blocks repeat
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + repeats * len(chunk) + len(tail)
    entries = [(name, deflate(data, last=True), 8, zlib.crc32(data), len(data)) for name, data in others]
    entries.append(("word/document.xml", body, 8, crc, declared if declared is not None else size))
    return _zip_by_hand(entries)


# --------------------------------------------------------------------------- deep HTML

def nested_divs_page(depth: int) -> str:
    """The 莆田市城市管理局 2021 page with its body inside ``depth`` nested ``<div>``s, and a hidden
    decoy table 三 row (888) at the bottom of them."""
    page = PUTIAN_HTML.read_text(encoding="utf-8")
    start = page.index(">", page.index("<body")) + 1
    end = page.rindex("</body>")
    decoy = ('<div style="display: none"><table><tr><td>一、本年新收政府信息公开申请数量</td><td>888</td><td>888</td>'
             "</tr></table></div>")
    return page[:start] + '<div class="layout">' * depth + decoy + page[start:end] + "</div>" * depth + page[end:]


def nested_tables_page(depth: int) -> str:
    cells = "<table><tr><td>" * depth
    return (f"<html><head><title>某局2024年政府信息公开工作年度报告</title></head><body>{cells}"
            f"一、本年新收政府信息公开申请数量 5{'</td></tr></table>' * depth}</body></html>")


# --------------------------------------------------------------------------- folders

def odd_folder(folder: Path) -> dict[str, Path]:
    """A folder of what real downloads leave: a report under a GBK file name and one under a
    name with spaces, quotes and shell characters, a folder named ``x.txt`` holding a report, a
    FIFO, a link to ``/dev/zero``, a link that loops, a link to nothing, a link back to the
    folder itself, a hidden file and a ``meta.json``.  Returns the paths by role."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_bytes()
    paths = {
        "gbk": Path(os.fsdecode(os.path.join(os.fsencode(folder), GBK_NAME))),
        "shell": folder / "a b 'c' \"d\" $(e) ;f&.txt",
        "in_dir_named_txt": folder / "x.txt" / "inner.txt",
        "fifo": folder / "pipe.txt",
        "device": folder / "zero.txt",
        "loop": folder / "loop.txt",
        "dangling": folder / "gone.txt",
        "back": folder / "sub" / "back",
        "hidden": folder / ".hidden.txt",
        "meta": folder / "meta.json",
    }
    paths["gbk"].write_bytes(seed)
    paths["shell"].write_bytes(seed)
    paths["in_dir_named_txt"].parent.mkdir()
    paths["in_dir_named_txt"].write_bytes(seed)
    os.mkfifo(paths["fifo"])
    os.symlink("/dev/zero", paths["device"])
    os.symlink(paths["loop"].name, paths["loop"])
    os.symlink("nowhere.txt", paths["dangling"])
    paths["back"].parent.mkdir()
    os.symlink("..", paths["back"])
    paths["hidden"].write_bytes(seed)
    paths["meta"].write_text("{}", encoding="utf-8")
    return paths
