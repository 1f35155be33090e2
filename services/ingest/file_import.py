"""`yuqing import FILE`: CSV, JSONL and Excel exports of monitoring platforms into ingest.

The encoding is detected (UTF-8 with or without BOM, GBK/GB18030, Big5). Column names in
Chinese or English are recognised (标题/title, 阅读数/views …). Every row that cannot become an
item is reported with its line number; the others are sent in batches of 500 through
ingest's gRPC batch call, which answers per item."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from services.ingest.cleaning import clean_text
from yuqing.common.v1 import common_pb2
from yuqing.core.dates import SHANGHAI
from yuqing.core.protobuf import timestamp
from yuqing.ingest.v1 import ingest_pb2

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200  # a zip member inflating more than this is a bomb, not a spreadsheet
FORMATS = ("csv", "jsonl", "xlsx")
COLUMNS = {
    "title": ("title", "标题", "帖子标题"),
    "content": ("content", "正文", "内容", "摘要", "全文"),
    "url": ("url", "链接", "网址", "原文链接", "地址"),
    "author": ("author", "作者", "发布者", "博主", "账号", "发布人"),
    "platform": ("platform", "平台", "来源平台", "站点", "媒体"),
    "published_at": ("published_at", "发布时间", "时间", "发文时间"),
    "source_item_id": ("source_item_id", "id", "编号", "信息id", "信息编号"),
    "region_hint": ("region_hint", "地域", "属地", "地区", "ip属地"),
    "views": ("views", "阅读数", "阅读量", "浏览量", "点击量", "播放量"),
    "comments": ("comments", "评论数", "评论量", "跟帖数"),
    "reposts": ("reposts", "转发数", "转发量", "分享数"),
    "likes": ("likes", "点赞数", "点赞量"),
    "mainstream_sites": ("mainstream_sites", "主流网站转发数", "主流媒体数"),
}
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)(万|萬|w|千|k|亿|億)?\+?$", re.IGNORECASE)
_UNITS = {"万": 10_000, "萬": 10_000, "w": 10_000, "千": 1_000, "k": 1_000, "亿": 100_000_000, "億": 100_000_000}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d",
                 "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


class FileImportError(Exception):
    """The whole file cannot be read (wrong format, bomb, too large)."""


@dataclass
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportSummary:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    encoding: str = ""


def detect_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:2_000_000], cp_isolation=["gb18030", "big5", "big5hkscs", "utf_16"]).best()
    if best is None:
        raise FileImportError("无法识别文件编码（支持 UTF-8、GBK/GB18030、Big5）")
    name = best.encoding.lower()
    # GB18030 is a superset of GBK and GB2312; decode with it so rare characters survive.
    return "gb18030" if name in ("gb2312", "gbk", "gb18030") else name


def _column(header) -> str | None:
    """The item field a column header names; Traditional headers (標題) count too."""
    return _ALIASES.get(clean_text(str(header)).lower().replace(" ", "")) if header is not None else None


def _canonical_headers(headers: list) -> list[str | None]:
    return [_column(h) for h in headers]


def _rows_from_text(text: str, fmt: str) -> Iterator[tuple[int, dict | RowProblem]]:
    if fmt == "csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            headers = _canonical_headers(next(reader))
        except StopIteration:
            return
        if not any(headers):
            raise FileImportError("表头中没有可识别的列（如 标题、正文、链接）")
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num, RowProblem(reader.line_num, f"CSV 格式错误：{error}")
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(headers):
                yield reader.line_num, RowProblem(reader.line_num, f"列数 {len(values)} 多于表头 {len(headers)} 列")
                continue
            yield reader.line_num, {h: v for h, v in zip(headers, values) if h}
    else:
        for line_number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                yield line_number, RowProblem(line_number, f"不是合法的 JSON：{error.msg}（第 {error.colno} 列）")
                continue
            if not isinstance(value, dict):
                yield line_number, RowProblem(line_number, "每行必须是一个 JSON 对象")
                continue
            yield line_number, {_column(k): v for k, v in value.items() if _column(k)}


def _rows_from_xlsx(path: Path) -> Iterator[tuple[int, dict | RowProblem]]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileImportError("不是有效的 Excel（.xlsx）文件") from None
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNCOMPRESSED or any(
            m.compress_size and m.file_size / m.compress_size > MAX_XLSX_RATIO for m in members):
        raise FileImportError("Excel 文件解压后异常巨大（疑似压缩炸弹），已拒绝")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise FileImportError(f"无法读取 Excel 文件：{type(error).__name__}") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = _canonical_headers(list(next(rows, [])))
        if not any(headers):
            raise FileImportError("表头中没有可识别的列（如 标题、正文、链接）")
        for row_number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield row_number, {h: v for h, v in zip(headers, values) if h and v is not None}
    finally:
        workbook.close()


def read_rows(path: Path, fmt: str = "auto", encoding: str = "auto") -> tuple[Iterator, str]:
    """(rows as (line, dict | RowProblem), encoding used)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileImportError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请拆分后导入")
    fmt = path.suffix.lower().lstrip(".") if fmt == "auto" else fmt
    fmt = {"json": "jsonl", "ndjson": "jsonl", "xlsm": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise FileImportError(f"不支持的文件格式 {fmt}（支持 CSV、JSONL、XLSX）")
    if fmt == "xlsx":
        return _rows_from_xlsx(path), "xlsx"
    data = path.read_bytes()
    used = detect_encoding(data) if encoding == "auto" else encoding
    try:
        text = data.decode(used)
    except (UnicodeDecodeError, LookupError) as error:
        raise FileImportError(f"无法按 {used} 解码：{error}") from None
    return _rows_from_text(text, fmt), used


def _count(value, name: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        match = _NUMBER.match(str(value).strip().replace(",", ""))
        if not match:
            raise ValueError(f"{name} 应为非负数字，实际为「{str(value)[:20]}」")
        number = float(match.group(1)) * _UNITS.get((match.group(2) or "").lower(), 1)
    if number < 0:
        raise ValueError(f"{name} 不能为负数")
    return int(number)


def _time(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in _TIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"发布时间格式无法识别：「{text[:30]}」") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def row_item(fields: dict, source: str, platform: str, reporter: str) -> ingest_pb2.ItemInput:
    """One row as an item; ValueError names what is wrong with it."""
    text = {k: str(fields.get(k) or "").strip() for k in ("title", "content", "url", "author", "platform",
                                                             "source_item_id", "region_hint")}
    if not text["title"] and not text["content"]:
        raise ValueError("缺少标题和正文")
    metrics = common_pb2.Metrics(**{name: _count(fields.get(name), name) for name in
                                    ("views", "comments", "reposts", "likes", "mainstream_sites")})
    return ingest_pb2.ItemInput(
        source=source, platform=text["platform"] or platform, url=text["url"], title=text["title"],
        content=text["content"], author=text["author"], published_at=timestamp(_time(fields.get("published_at"))),
        region_hint=text["region_hint"], metrics=metrics, source_item_id=text["source_item_id"], reporter=reporter)


async def import_file(path: Path, stub, *, source: str = "import", platform: str = "", reporter: str = "",
                      fmt: str = "auto", encoding: str = "auto", batch_size: int = 500, metadata=(),
                      progress=None) -> ImportSummary:
    rows, used = read_rows(path, fmt, encoding)
    summary = ImportSummary(encoding=used)
    batch: list[tuple[int, ingest_pb2.ItemInput]] = []

    async def flush() -> None:
        response = await stub.SubmitItems(ingest_pb2.SubmitItemsRequest(items=[m for _, m in batch]),
                                          metadata=metadata, timeout=120)
        for result in response.results:
            line = batch[result.index][0]
            if result.status == ingest_pb2.ItemResult.ACCEPTED:
                summary.accepted += 1
            elif result.status == ingest_pb2.ItemResult.DUPLICATE:
                summary.duplicates += 1
            else:
                reasons = "；".join(f"{p.field}：{p.reason}" for p in result.problems) or result.message
                summary.rejected.append(RowProblem(line, reasons))
        if progress is not None:
            progress.update(len(batch))
        batch.clear()

    for line, row in rows:
        summary.rows += 1
        if isinstance(row, RowProblem):
            summary.rejected.append(row)
            if progress is not None:
                progress.update(1)
            continue
        try:
            batch.append((line, row_item(row, source, platform, reporter)))
        except ValueError as error:
            summary.rejected.append(RowProblem(line, str(error)))
            if progress is not None:
                progress.update(1)
            continue
        if len(batch) >= batch_size:
            await flush()
    if batch:
        await flush()
    summary.rejected.sort(key=lambda p: p.line)
    return summary
