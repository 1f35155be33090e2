"""Wiring shared by every service process: settings → logging → telemetry → database →
Redis → outbox relay → servicer → gRPC server. A service supplies only `build`."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import grpc
import prometheus_client
import redis.asyncio as aioredis
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from yuqing.core import monitoring, service_token
from yuqing.core import redis as redis_core
from yuqing.core.bus import InboxPruner, Outbox, OutboxRelay, StreamConsumer, stream_name
from yuqing.core.db import create_engine, open_driver_pool, session_factory
from yuqing.core.grpc_server import serve
from yuqing.core.logging import setup_logging
from yuqing.core.migrations import require_current_schema
from yuqing.core.settings import ServiceSettings
from yuqing.core.telemetry import setup_telemetry, shutdown_telemetry


@dataclass
class Runtime:
    service: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker
    redis: aioredis.Redis
    outbox: Outbox
    inbox: Table
    # PostgreSQL: connections for the hottest statements, without a session (None on SQLite).
    driver_pool: asyncpg.Pool | None = None
    consumers: list[StreamConsumer] = field(default_factory=list)

    def consumer(self, stream: str, handler, **kwargs) -> StreamConsumer:
        """A consumer group named after this service on another service's stream."""
        consumer = StreamConsumer(
            redis=self.redis, sessions=self.sessions, inbox=self.inbox,
            stream=stream_name(self.settings.stream_prefix, stream), group=self.service,
            consumer=f"{self.service}-{self.settings.consumer_name}", handler=handler,
            after_commit=self.outbox.notify, **kwargs,
        )
        self.consumers.append(consumer)
        return consumer


@dataclass
class ServiceParts:
    full_service_name: str
    register: Callable[[grpc.aio.Server], None]
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Gauges of the service's own that need a query, refreshed with the shared ones.
    gauges: list[monitoring.Refresher] = field(default_factory=list)
    # Run when the server has stopped (worker processes, files of the service's own).
    on_stop: list[Callable[[], None]] = field(default_factory=list)


async def open_runtime(service: str, settings: ServiceSettings, outbox_table: Table, inbox_table: Table) -> Runtime:
    engine = create_engine(settings, service)
    return Runtime(
        service=service, settings=settings, engine=engine, sessions=session_factory(engine),
        redis=redis_core.connect(settings), outbox=Outbox(outbox_table, settings.stream_prefix), inbox=inbox_table,
        driver_pool=await open_driver_pool(settings, service),
    )


def tune_garbage_collector() -> None:
    """A service allocates hundreds of thousands of short-lived objects per batch; with the
    default thresholds (700, 10, 10) the cyclic collector ran so often that it cost ingest a
    third of its CPU (bench/ingest_batch.py), and at (10,000, 10, 10) still ≈ 7 %: a batch's
    objects live until it is written, so each young collection walked ≈ 10,000 of them and
    every tenth the older ones too (≈ 65 + 5 collections, 330 ms, in 20 batches of 1,000).
    The young threshold counts objects allocated and not yet freed; almost everything is freed
    by reference counting, so at 200,000 a collection comes only when that many have piled
    up (none in that run, none in 40 s of single items at 200 a second), and what cycles leave
    is collected then. Objects built at start-up are frozen out of its sight."""
    gc.set_threshold(200_000, 50, 10)
    gc.freeze()


def lower_cpu_priority(settings: ServiceSettings) -> None:
    """Yield the CPU to the processes requests wait on when the cores are busy (YQ_CPU_NICE);
    worker processes started later inherit it."""
    if settings.cpu_nice:
        os.nice(settings.cpu_nice)


def run_service(
    service: str,
    settings_class: type[ServiceSettings],
    tables: tuple[Table, Table],
    build: Callable[[Runtime], Awaitable[ServiceParts]],
) -> None:
    settings = settings_class()
    lower_cpu_priority(settings)
    setup_logging(service)
    setup_telemetry(service)

    service_token.configure(service, settings.service_token_key)

    async def main() -> None:
        runtime = await open_runtime(service, settings, *tables)
        await require_current_schema(runtime.engine, service, settings)
        parts = await build(runtime)
        tune_garbage_collector()
        relay = OutboxRelay(runtime.engine, runtime.redis, runtime.outbox, driver_pool=runtime.driver_pool)
        pruner = InboxPruner(runtime.engine, runtime.inbox, retention=dt.timedelta(days=settings.inbox_retention_days))
        background = [relay.run, pruner.run, *parts.background]
        if settings.metrics_port:
            prometheus_client.start_http_server(settings.metrics_port)
            refreshers = [monitoring.outbox_refresher(service, runtime.engine, runtime.outbox.table),
                          *(monitoring.stream_refresher(runtime.redis, c.stream, c.group) for c in runtime.consumers),
                          *parts.gauges]
            background.append(lambda: monitoring.refresh_forever(refreshers, settings.metrics_refresh_seconds))

        async def close() -> None:
            for stop in parts.on_stop:
                stop()
            await runtime.redis.aclose()
            if runtime.driver_pool is not None:
                await runtime.driver_pool.close()
            await runtime.engine.dispose()

        await serve(
            service_name=service,
            full_service_name=parts.full_service_name,
            listen=settings.listen_address(service),
            register=parts.register,
            background=background,
            on_stop=close,
            grace_seconds=settings.grpc_grace_seconds,
            service_token_key=settings.service_token_key,
        )

    try:
        asyncio.run(main())
    finally:
        shutdown_telemetry()
