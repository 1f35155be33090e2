import io
import struct
import zlib

from PIL import Image

from services.ingest.evidence import MAX_ATTACHMENT_BYTES, check_attachments, safe_filename


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
