"""Feed poller against a feed server on 127.0.0.1; file import through a real gRPC server."""

from __future__ import annotations

import datetime as dt
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import opencc
import pytest
from openpyxl import Workbook

from services.ingest import models
from services.ingest.feeds import FeedAdmin, FeedPoller
from services.ingest.file_import import FileImportError, import_file
from services.ingest.servicer import IngestServicer
from yuqing.core.grpc_server import DomainErrorInterceptor
from yuqing.ingest.v1 import ingest_pb2_grpc

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>演示县论坛</title>
{items}
</channel></rss>"""
ENTRY = """<item><guid>{guid}</guid><title>{title}</title><link>https://bbs.example.cn/t/{guid}</link>
<description><![CDATA[<p>{body}</p><script>alert(1)</script>]]></description></item>"""


class FeedServer:
    """Serves /rss (with ETag), /garbage and /hang; counts requests and conditional hits."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str]] = []
        self.requests: list[str] = []
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                if self.path == "/hang":
                    threading.Event().wait(3)
                    return
                if self.path == "/garbage":
                    body = b"\x00\xff<html><body>not a feed</body"
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(body)
                    return
                etag = f'"v{len(server.entries)}"'
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                body = RSS.format(items="".join(ENTRY.format(guid=g, title=t, body=b) for g, t, b in server.entries))
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", format_datetime(dt.datetime(2026, 11, 20, tzinfo=dt.UTC), usegmt=True))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()


async def test_feed_polls_conditionally_without_duplicates_and_backs_off_on_errors(ingest, feed_server):
    poller = FeedPoller(ingest.service, clock=ingest.clock, fetch_timeout=1.0)
    admin = FeedAdmin(ingest.service, poller)
    feed_server.entries = [("1", "河西镇桃源村停水五天", "河西镇桃源村有村民反映，村里的自来水已经连续停水5天，村民只能到河边挑水喝。"),
                           ("2", "县城班车不准时", "网友反映青山乡通往县城的班车经常不按时发车，有时一等就是两个小时。")]
    good = await admin.save("", "演示县论坛", f"{feed_server.url}/rss", "论坛", 60, True)
    garbage = await admin.save("", "坏源", f"{feed_server.url}/garbage", "", 60, True)
    hanging = await admin.save("", "卡住的源", f"{feed_server.url}/hang", "", 60, True)

    assert await poller.poll_due() == 3
    feeds = {f["feed_id"]: f for f in await admin.list()}
    assert feeds[good["feed_id"]]["last_new_items"] == 2 and feeds[good["feed_id"]]["etag"] == '"v2"'
    assert "RSS/Atom" in feeds[garbage["feed_id"]]["last_error"]
    assert "超时" in feeds[hanging["feed_id"]]["last_error"]
    for bad in (garbage, hanging):
        assert feeds[bad["feed_id"]]["consecutive_failures"] == 1
        assert feeds[bad["feed_id"]]["next_poll_at"] == ingest.clock() + dt.timedelta(seconds=120)
    stored = await ingest.rows(models.items)
    assert len(stored) == 2 and all("alert" not in r["clean_text"] for r in stored)

    ingest.clock.advance(seconds=61)
    assert await poller.poll_due() == 1          # the failing feeds wait for their backoff
    assert feed_server.not_modified == 1         # If-None-Match answered 304
    feed_server.entries.append(("3", "龙潭镇集市假化肥", "有网民称在龙潭镇集市上买到假冒化肥，施用后庄稼大面积枯死。"))
    await admin.poll_now(good["feed_id"])
    assert await poller.poll_due() == 1
    assert await ingest.count(models.items) == 3  # entries 1 and 2 were not stored again


async def _serve_ingest(ingest):
    server = grpc.aio.server(interceptors=[DomainErrorInterceptor()])
    ingest_pb2_grpc.add_IngestServiceServicer_to_server(IngestServicer(ingest.service, FeedAdmin(ingest.service)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


CSV_ROWS = ("标题,正文,链接,作者,平台,发布时间,阅读数,评论数\n"
            "菜市场火灾,城關鎮幸福路菜市場發生火災，消防部門出動三輛消防車,https://weibo.com/9,老王,微博,2026-11-18 20:00,1.2万,35\n"
            ",,https://weibo.com/10,,,,,\n"
            "阅读数不对,内容,https://weibo.com/11,,,,很多,1\n"
            "时间不对,内容,https://weibo.com/12,,,昨天晚上,1,1\n"
            "网址不对,内容,ftp://x,,,,1,1\n")


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf-8-sig"])
async def test_csv_import_detects_encoding_and_reports_bad_rows_by_line(ingest, tmp_path, encoding):
    path = tmp_path / "export.csv"
    # A Big5 export is Traditional throughout, headers included.
    text = CSV_ROWS if encoding != "big5" else opencc.OpenCC("s2t").convert(CSV_ROWS)
    path.write_bytes(text.encode(encoding))
    server, channel = await _serve_ingest(ingest)
    try:
        summary = await import_file(path, ingest_pb2_grpc.IngestServiceStub(channel), source="import")
    finally:
        await channel.close()
        await server.stop(None)
    assert summary.accepted == 1 and summary.rows == 5
    assert [p.line for p in summary.rejected] == [3, 4, 5, 6]
    assert "缺少标题和正文" in summary.rejected[0].reason and "views" in summary.rejected[1].reason
    assert "url" in summary.rejected[3].reason
    row = (await ingest.rows(models.items))[0]
    assert summary.encoding == {"utf-8-sig": "utf-8-sig", "gb18030": "gb18030"}.get(encoding, summary.encoding)
    assert row["views"] == 12_000 and row["clean_text"].startswith("菜市场火灾\n城关镇幸福路")
    assert row["title"] == ("菜市場火災" if encoding == "big5" else "菜市场火灾")  # the original is kept


async def test_jsonl_and_xlsx_imports(ingest, tmp_path):
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text('{"title": "班车不准时", "content": "青山乡通往县城的班车经常不按时发车", "views": 10}\n'
                     '{"title": 1\n["not", "an", "object"]\n', encoding="utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["标题", "正文", "链接", "发布时间", "转发数"])
    sheet.append(["敬老院伙食差", "白水乡敬老院被曝伙食差，老人每顿只有一个素菜", "https://weibo.com/x1",
                  dt.datetime(2026, 11, 19, 9, 30), 12])
    sheet.append([None, None, None, None, None])
    sheet.append(["负数", "内容", "https://weibo.com/x2", None, -5])
    xlsx = tmp_path / "export.xlsx"
    workbook.save(xlsx)
    server, channel = await _serve_ingest(ingest)
    try:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        from_jsonl = await import_file(jsonl, stub)
        from_xlsx = await import_file(xlsx, stub)
    finally:
        await channel.close()
        await server.stop(None)
    assert from_jsonl.accepted == 1 and [p.line for p in from_jsonl.rejected] == [2, 3]
    assert from_xlsx.accepted == 1 and [p.line for p in from_xlsx.rejected] == [4]
    published = (await ingest.rows(models.items, models.items.c.url == "https://weibo.com/x1"))[0]["published_at"]
    assert published == dt.datetime(2026, 11, 19, 1, 30, tzinfo=dt.UTC)  # read as Asia/Shanghai


async def test_xlsx_zip_bomb_is_refused_before_reading(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    with pytest.raises(FileImportError, match="压缩炸弹"):
        await import_file(bomb, stub=None)
