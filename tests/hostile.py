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


# --------------------------------------------------------------------------- encrypted PDFs

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    box = list(range(256))
    j = 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) % 256
        box[i], box[j] = box[j], box[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out.append(byte ^ box[(box[i] + box[j]) % 256])
    return bytes(out)


def encrypted_pdf(text: str, user_password: bytes = b"", owner_password: bytes = b"owner") -> bytes:
    """A one-page PDF saying ``text``, encrypted with the standard security handler (RC4, 40-bit,
    revision 2; PDF 1.7 §7.6.3): with an empty user password any reader opens it, with one it
    cannot be read without it."""
    import hashlib

    def padded(password: bytes) -> bytes:
        return (password + _PAD)[:32]

    file_id = hashlib.md5(b"govdisclosure test").digest()
    owner = _rc4(hashlib.md5(padded(owner_password)).digest()[:5], padded(user_password))
    permissions = -4
    key = hashlib.md5(padded(user_password) + owner + permissions.to_bytes(4, "little", signed=True)
                      + file_id).digest()[:5]
    user = _rc4(key, _PAD)

    def crypt(number: int, data: bytes) -> bytes:
        return _rc4(hashlib.md5(key + number.to_bytes(3, "little") + b"\0\0").digest()[:10], data)

    content = b"BT /F1 12 Tf 20 280 Td (" + text.encode("latin-1") + b") Tj ET"
    stream = crypt(4, content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + owner.hex().encode() + b"> /U <" + user.hex().encode()
        + b"> /P %d >>" % permissions,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, file_id.hex().encode(), file_id.hex().encode(), xref))
    return bytes(out)


# --------------------------------------------------------------------------- a file that kills its reader

def digest_or_die(job: dict) -> dict:
    """:func:`govdisclosure.digest.digest_job`, except that a file named ``kill-me*`` kills the
    worker process reading it (as a crash in C or the out-of-memory killer would), every time."""
    from govdisclosure.digest import digest_job

    if any(Path(p).name.startswith("kill-me") for p in job["paths"]):
        os._exit(9)
    return digest_job(job)
