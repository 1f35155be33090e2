"""RSS/Atom feeds an admin configures, polled on a schedule.

Each poll is a conditional GET (If-None-Match / If-Modified-Since). A feed that fails
(HTTP error, timeout, hang, garbage) backs off exponentially up to six hours and shows its
last error; the others carry on. Entries are identified by the feed's own id (guid) so the
same entry is never stored twice across polls. Several ingest replicas may run pollers: a
due feed is leased to one of them (SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import feedparser
import httpx

from services.ingest.domain import MAX_BATCH_ITEMS, NewItem
from services.ingest.repository import IngestRepository
from services.ingest.service import ACCEPTED, REJECTED, IngestService
from yuqing.core.db import new_id, utcnow
from yuqing.core.errors import FieldProblem, InvalidInput, NotFound

logger = logging.getLogger(__name__)

FEED_SOURCE = "feed"
MIN_INTERVAL_SECONDS = 30
MAX_INTERVAL_SECONDS = 24 * 3600
MAX_BACKOFF = dt.timedelta(hours=6)
MAX_FEED_BYTES = 5 * 1024 * 1024
LEASE = dt.timedelta(minutes=2)


class FeedError(Exception):
    """A poll that failed, with the reason an admin reads."""


def validate_feed(name: str, url: str, interval_seconds: int) -> None:
    problems = []
    if not name.strip():
        problems.append(FieldProblem("name", "请填写订阅源名称"))
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(FieldProblem("url", "必须是以 http:// 或 https:// 开头的网址"))
    if not MIN_INTERVAL_SECONDS <= interval_seconds <= MAX_INTERVAL_SECONDS:
        problems.append(FieldProblem("interval_seconds",
                                     f"轮询间隔须在 {MIN_INTERVAL_SECONDS} 秒到 {MAX_INTERVAL_SECONDS} 秒之间"))
    if problems:
        raise InvalidInput("订阅源设置有误", problems)


def backoff(interval_seconds: int, failures: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=interval_seconds * 2 ** min(failures, 16)), MAX_BACKOFF)


def entry_source_id(feed_id: str, entry) -> str:
    identity = entry.get("id") or entry.get("link") or f"{entry.get('title', '')}|{entry.get('published', '')}"
    return f"{feed_id}:{hashlib.sha256(identity.encode()).hexdigest()[:40]}"


def _entry_time(entry, now: dt.datetime) -> dt.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    value = dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
    return value if value <= now else None  # a feed's clock in the future is not a fact


def entry_item(feed, entry, now: dt.datetime) -> NewItem:
    content = ""
    if entry.get("content"):
        content = entry["content"][0].get("value", "")
    content = content or entry.get("summary", "")
    link = entry.get("link", "")
    return NewItem(
        source=FEED_SOURCE, source_item_id=entry_source_id(feed["feed_id"], entry), platform=feed["platform"],
        url=link if urlsplit(link).scheme in ("http", "https") else "", title=entry.get("title", "")[:1000],
        content=content[:200_000], author=entry.get("author", "")[:200], published_at=_entry_time(entry, now),
        discovered_at=now, reporter=f"feed:{feed['name']}"[:200],
    )


class FeedPoller:
    def __init__(self, service: IngestService, *, clock: Callable[[], dt.datetime] = utcnow,
                 fetch_timeout: float = 15.0, tick_seconds: float = 1.0, transport: httpx.AsyncBaseTransport | None = None):
        self.service = service
        self.sessions = service.sessions
        self.clock = clock
        self.fetch_timeout = fetch_timeout
        self.tick_seconds = tick_seconds
        self.transport = transport
        self.wakeup = asyncio.Event()

    async def run(self) -> None:
        async with self._client() as client:
            while True:
                try:
                    await self.poll_due(client)
                except Exception:  # a database hiccup must not stop polling for good
                    logger.exception("feed polling failed; retrying")
                try:
                    await asyncio.wait_for(self.wakeup.wait(), self.tick_seconds)
                except TimeoutError:
                    pass
                self.wakeup.clear()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.fetch_timeout, follow_redirects=True, max_redirects=5,
                                 transport=self.transport, headers={"User-Agent": "yuqing-feed-poller/1.0"})

    async def poll_due(self, client: httpx.AsyncClient | None = None, limit: int = 20) -> int:
        async with self.sessions() as session, session.begin():
            due = await IngestRepository(session).claim_due_feeds(self.clock(), LEASE, limit)
        if not due:
            return 0
        async with (self._client() if client is None else contextlib.nullcontext(client)) as http:
            await asyncio.gather(*(self.poll(http, feed) for feed in due))
        return len(due)

    async def poll(self, client: httpx.AsyncClient, feed) -> None:
        now = self.clock()
        try:
            async with asyncio.timeout(self.fetch_timeout):
                status, body, headers = await self._fetch(client, feed)
            new_items, rejected = (0, 0) if status == 304 else await self._store_entries(feed, body, now)
        except (FeedError, httpx.HTTPError, TimeoutError) as error:
            reason = str(error) if isinstance(error, FeedError) else (
                "请求超时（对方无响应）" if isinstance(error, (TimeoutError, httpx.TimeoutException))
                else f"网络错误：{type(error).__name__}")
            failures = feed["consecutive_failures"] + 1
            await self._update(feed["feed_id"], last_polled_at=now, consecutive_failures=failures,
                               last_error=reason, next_poll_at=now + backoff(feed["interval_seconds"], failures))
            logger.warning("feed poll failed", extra={"feed_id": feed["feed_id"], "reason": reason})
            return
        values = {"last_polled_at": now, "consecutive_failures": 0, "last_new_items": new_items,
                  "last_error": f"{rejected} 条条目不符合要求，已跳过" if rejected else "",
                  "next_poll_at": now + dt.timedelta(seconds=feed["interval_seconds"])}
        if status != 304:
            values["etag"] = headers.get("etag", "")[:500]
            values["last_modified"] = headers.get("last-modified", "")[:100]
        await self._update(feed["feed_id"], **values)

    async def _fetch(self, client: httpx.AsyncClient, feed) -> tuple[int, bytes, httpx.Headers]:
        headers = {}
        if feed["etag"]:
            headers["If-None-Match"] = feed["etag"]
        if feed["last_modified"]:
            headers["If-Modified-Since"] = feed["last_modified"]
        async with client.stream("GET", feed["url"], headers=headers) as response:
            if response.status_code == 304:
                return 304, b"", response.headers
            if response.status_code >= 400:
                raise FeedError(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
                raise FeedError(f"内容超过 {MAX_FEED_BYTES // 1024 // 1024} MB")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(f"内容超过 {MAX_FEED_BYTES // 1024 // 1024} MB")
            return response.status_code, bytes(body), response.headers

    async def _store_entries(self, feed, body: bytes, now: dt.datetime) -> tuple[int, int]:
        parsed = feedparser.parse(body)
        if not parsed.get("version"):
            problem = parsed.get("bozo_exception")
            raise FeedError(f"不是有效的 RSS/Atom 内容{f'：{problem}' if problem else ''}"[:300])
        items = [entry_item(feed, entry, now) for entry in parsed.entries]
        async with self.sessions() as session:
            known = await IngestRepository(session).known_source_ids(FEED_SOURCE, [i.source_item_id for i in items])
        fresh = list({i.source_item_id: i for i in items if i.source_item_id not in known}.values())
        accepted = rejected = 0
        for start in range(0, len(fresh), MAX_BATCH_ITEMS):
            for outcome in await self.service.submit_many(fresh[start:start + MAX_BATCH_ITEMS]):
                accepted += outcome.status == ACCEPTED
                rejected += outcome.status == REJECTED
        return accepted, rejected

    async def _update(self, feed_id: str, **values) -> None:
        async with self.sessions() as session, session.begin():
            await IngestRepository(session).update_feed(feed_id, **values)


class FeedAdmin:
    """Saving, listing and deleting feeds; `poll_now` makes a feed due at once."""

    def __init__(self, service: IngestService, poller: FeedPoller | None = None):
        self.sessions = service.sessions
        self.clock = service.clock
        self.poller = poller

    async def list(self):
        async with self.sessions() as session:
            return await IngestRepository(session).feeds()

    async def save(self, feed_id: str, name: str, url: str, platform: str, interval_seconds: int, enabled: bool):
        validate_feed(name, url, interval_seconds)
        values = {"name": name.strip(), "url": url.strip(), "platform": platform.strip() or name.strip(),
                  "interval_seconds": interval_seconds, "enabled": enabled}
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = IngestRepository(session)
            if any(f["url"] == values["url"] and f["feed_id"] != feed_id for f in await repo.feeds()):
                raise InvalidInput("该订阅源已存在", [FieldProblem("url", "网址重复")])
            if not feed_id:
                feed_id = new_id()
                await repo.insert_feed({"feed_id": feed_id, **values, "next_poll_at": now, "created_at": now,
                                        "consecutive_failures": 0, "last_error": "", "last_new_items": 0,
                                        "etag": "", "last_modified": ""})
            elif not await repo.update_feed(feed_id, **values):
                raise NotFound(f"订阅源 {feed_id} 不存在")
            feed = await repo.feed(feed_id)
        self._wake()
        return feed

    async def poll_now(self, feed_id: str):
        async with self.sessions() as session, session.begin():
            repo = IngestRepository(session)
            if not await repo.update_feed(feed_id, next_poll_at=self.clock()):
                raise NotFound(f"订阅源 {feed_id} 不存在")
            feed = await repo.feed(feed_id)
        self._wake()
        return feed

    def _wake(self) -> None:
        if self.poller is not None:
            self.poller.wakeup.set()
