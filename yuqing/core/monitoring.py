"""The figures an operator watches, in Prometheus form: each service serves them on
`YQ_METRICS_PORT` (port named `metrics` in k8s), the gateway on `/metrics`. Counters and
histograms move where the work happens; gauges that need a query (backlogs, lag, open work)
are refreshed by one loop per process every `YQ_METRICS_REFRESH_SECONDS`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select

logger = logging.getLogger(__name__)

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

ITEMS_INGESTED = Counter("yuqing_items_ingested_total", "Items ingest took in, by outcome "
                         "(accepted, duplicate, rejected)", ["outcome"])
INGEST_BATCH_RETRIES = Counter(
    "yuqing_ingest_batch_retries_total", "Batches ingest decided and wrote again, by cause (conflict: another "
    "writer's row or a deadlock; previous_batch: the batch before it failed; gave_up: answered 503 after too many)",
    ["cause"])
MESSAGE_LATENCY = Histogram(
    "yuqing_stream_message_latency_seconds",
    "From a message's arrival on a stream to the commit of its effect in the consuming group; "
    "for group=grading on ingest.items this is grading latency", ["stream", "group"], buckets=_SECONDS)
STREAM_BATCH_RETRIES = Counter(
    "yuqing_stream_batch_retries_total",
    "Consumer batches run again: conflict (another transaction wrote the same rows at the same moment; "
    "run again whole) or split (failed otherwise; each message retried alone)", ["stream", "group", "cause"])
STREAM_LAG = Gauge("yuqing_stream_lag_messages", "Stream entries not yet delivered to the consumer group",
                   ["stream", "group"])
STREAM_PENDING = Gauge("yuqing_stream_pending_messages", "Entries delivered to the group but not yet acknowledged",
                       ["stream", "group"])
OUTBOX_BACKLOG = Gauge("yuqing_outbox_backlog_messages", "Outbox rows committed but not yet relayed to Redis",
                       ["service"])
TIMER_LATENESS = Histogram("yuqing_timer_lateness_seconds", "How long after its fire time a deadline timer fired",
                           buckets=_SECONDS)
ASSIGNMENTS_OPEN = Gauge("yuqing_assignments_open", "Assignments not yet closed, returned, reassigned or merged")
ASSIGNMENTS_OVERDUE = Gauge("yuqing_assignments_overdue", "Open assignments with a unit step past its time limit")
SINGLE_ITEMS_SENT = Counter(
    "yuqing_gateway_single_items_total", "Single items the gateway sent to ingest: alone (SubmitItem) or grouped "
    "with others that arrived for the same caller while its call was in flight (SubmitItems)", ["way"])
HTTP_LATENCY = Histogram("yuqing_http_request_seconds", "Gateway request time by route template and status class",
                         ["method", "route", "status"], buckets=_SECONDS)

Refresher = Callable[[], Awaitable[None]]


def stream_entry_age(stream_id: str, now: dt.datetime | None = None) -> float:
    """Seconds since Redis stored the entry: its id starts with the milliseconds of the XADD."""
    now = now or dt.datetime.now(dt.UTC)
    return max(now.timestamp() - int(stream_id.split("-", 1)[0]) / 1000, 0.0)


def outbox_refresher(service: str, engine, outbox_table) -> Refresher:
    async def refresh() -> None:
        async with engine.connect() as conn:
            OUTBOX_BACKLOG.labels(service).set(await conn.scalar(select(func.count()).select_from(outbox_table)))
    return refresh


def stream_refresher(redis: aioredis.Redis, stream: str, group: str) -> Refresher:
    async def refresh() -> None:
        try:
            groups = await redis.xinfo_groups(stream)
        except aioredis.ResponseError:  # the stream does not exist yet
            return
        for info in groups:
            name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
            if name == group:
                STREAM_LAG.labels(stream, group).set(info.get("lag") or 0)
                STREAM_PENDING.labels(stream, group).set(info.get("pending") or 0)
    return refresh


async def refresh_forever(refreshers: list[Refresher], every_seconds: float) -> None:
    while True:
        for refresh in refreshers:
            try:
                await refresh()
            except Exception as error:  # a figure may lag a round; the service goes on
                logger.warning("metrics refresh failed", extra={"error": str(error)})
        await asyncio.sleep(every_seconds)


class HttpTiming:
    """ASGI middleware: each request's time by method, route template (never the raw path, whose
    ids would make a series per event) and status class."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), {"code": 500}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_LATENCY.labels(scope["method"], route, f"{status['code'] // 100}xx").observe(time.perf_counter() - started)
