import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image

from yuqing.core.files import MAX_ATTACHMENT_BYTES, check_attachments, check_document, safe_filename


def png(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A valid PNG header promising 10¹⁰ pixels; its zeros would inflate to ~30 GB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    compressor = zlib.compressobj(9)
    body = compressor.compress(b"\0" * 1_000_000) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_a_screenshot_is_kept_with_its_hash():
    data = png()
    evidence, problems = check_attachments([("../../etc/截图.png", data)])
    assert problems == []
    import hashlib
    assert evidence[0].sha256 == hashlib.sha256(data).hexdigest()
    assert evidence[0].filename == "截图.png" and evidence[0].content_type == "image/png"


def test_decompression_bomb_is_refused_from_its_header():
    evidence, problems = check_attachments([("bomb.png", png_bomb())])
    assert evidence == [] and "像素" in problems[0].reason


def test_non_images_and_oversize_files_are_refused_by_index():
    evidence, problems = check_attachments([
        ("ok.png", png()), ("evil.png", b"<script>alert(1)</script>"), ("big.png", b"\0" * (MAX_ATTACHMENT_BYTES + 1))])
    assert len(evidence) == 1
    assert [p.field for p in problems] == ["attachments[1]", "attachments[2]"]


def test_hostile_file_names_are_defused():
    assert safe_filename('<img src=x onerror=alert(1)>\x00.png', "x") == "<img src=x onerror=alert(1)>_.png"
    assert safe_filename("..", "截图1") == "截图1"


def test_answer_documents_are_checked_by_their_bytes():
    assert check_document(b"%PDF-1.7\n...") == "application/pdf"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert check_document(buffer.getvalue()).endswith("wordprocessingml.document")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/huge.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(ValueError, match="压缩炸弹"):
        check_document(bomb.getvalue())
    for junk in (b"MZ\x90\x00 an executable", b"PK\x03\x04 not really a zip"):
        with pytest.raises(ValueError):
            check_document(junk)
    accepted, problems = check_attachments([("核查报告.pdf", b"%PDF-1.4 x"), ("x.exe", b"MZ")],
                                           accept=check_document, default_name="附件")
    assert [a.filename for a in accepted] == ["核查报告.pdf"] and problems[0].field == "attachments[1]"
