"""Files people attach — screenshots kept as evidence (ingest), documents answering an
assignment (dispatch) — checked by their bytes, not by what the sender declares.

Size limits are enforced before anything is decoded. Images: still images a browser can show
(PNG, JPEG, GIF, WebP); one whose header promises more pixels than any screenshot has (a
decompression bomb) is refused from its header alone. Documents: those images, PDF, and
Word/Excel files (.docx/.xlsx), whose ZIP container is checked for bombs before use."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Column, Integer, LargeBinary, String

from yuqing.core.errors import FieldProblem

MAX_ATTACHMENTS = 9
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 10,000 × 5,000 long screenshot
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
OOXML_TYPES = {"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class Evidence:
    filename: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def stored_file_columns(filename_length: int = 200) -> list[Column]:
    """The columns of a stored file (a service adds what the file belongs to)."""
    return [
        Column("filename", String(filename_length), nullable=False),
        Column("content_type", String(100), nullable=False),
        Column("size", Integer, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("data", LargeBinary, nullable=False),
    ]


def safe_filename(name: str, fallback: str) -> str:
    """The last path component without control characters; shown escaped, never trusted."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    return name[:200] or fallback


def check_image(data: bytes) -> str:
    """The image's MIME type, or ValueError with a Chinese reason."""
    if not data:
        raise ValueError("文件为空")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in IMAGE_TYPES:
                    raise ValueError(f"不支持的图片格式 {image.format}，只接受 PNG、JPEG、GIF、WebP 截图")
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError(f"图片尺寸 {image.width}×{image.height} 超过上限（{MAX_PIXELS // 1_000_000} 百万像素）")
                image.verify()
                return IMAGE_TYPES[image.format]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"图片尺寸超过上限（{MAX_PIXELS // 1_000_000} 百万像素），疑似解压炸弹") from None
    except (UnidentifiedImageError, SyntaxError, OSError, EOFError):
        raise ValueError("不是有效的图片文件（只接受 PNG、JPEG、GIF、WebP 截图）") from None


def check_document(data: bytes) -> str:
    """The MIME type of an image, PDF, .docx or .xlsx; ValueError with a Chinese reason."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = archive.infolist()
                if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                    raise ValueError("文档解压后过大，疑似压缩炸弹")
                names = {e.filename for e in entries}
        except zipfile.BadZipFile:
            raise ValueError("文档已损坏，无法打开") from None
        if "[Content_Types].xml" in names:
            for prefix, content_type in OOXML_TYPES.items():
                if any(n.startswith(prefix) for n in names):
                    return content_type
        raise ValueError("只接受图片、PDF、Word（.docx）和 Excel（.xlsx）文件")
    try:
        return check_image(data)
    except ValueError as error:
        if "解压炸弹" in str(error) or "尺寸" in str(error):
            raise
        raise ValueError("只接受图片、PDF、Word（.docx）和 Excel（.xlsx）文件") from None


def check_attachments(attachments: list[tuple[str, bytes]], accept: Callable[[bytes], str] = check_image,
                      default_name: str = "截图") -> tuple[list[Evidence], list[FieldProblem]]:
    """(filename, bytes) pairs → accepted files, or the problems with each. `accept` returns
    a file's MIME type or raises ValueError (images by default)."""
    if not attachments:
        return [], []
    problems: list[FieldProblem] = []
    if len(attachments) > MAX_ATTACHMENTS:
        return [], [FieldProblem("attachments", f"附件最多 {MAX_ATTACHMENTS} 个")]
    if sum(len(data) for _, data in attachments) > MAX_TOTAL_ATTACHMENT_BYTES:
        return [], [FieldProblem("attachments", f"附件合计不能超过 {MAX_TOTAL_ATTACHMENT_BYTES // 1024 // 1024} MB")]
    evidence = []
    for index, (filename, data) in enumerate(attachments):
        field = f"attachments[{index}]"
        if len(data) > MAX_ATTACHMENT_BYTES:
            problems.append(FieldProblem(field, f"单个附件不能超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"))
            continue
        try:
            content_type = accept(data)
        except ValueError as error:
            problems.append(FieldProblem(field, f"{safe_filename(filename, '附件')}：{error}"))
            continue
        evidence.append(Evidence(safe_filename(filename, f"{default_name}{index + 1}"), content_type, data,
                                 hashlib.sha256(data).hexdigest()))
    return evidence, problems
