"""Services' use cases against each backend's real database, migrated by their own Alembic."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select, text

from services.dispatch import models as dispatch_models
from services.dispatch.seed import seed as seed_directory
from services.dispatch.service import DispatchService
from services.grading import models as grading_models
from services.grading.service import GradingService
from services.ingest import models
from services.ingest.seed import seed as seed_gazetteer
from services.ingest.service import IngestService
from services.publish import models as publish_models
from services.publish.service import PublishService
from tests.conftest import run_id
from yuqing.common.v1 import common_pb2
from yuqing.core import migrations
from yuqing.core.bus import Envelope, Outbox
from yuqing.core.db import create_engine, new_id, open_driver_pool, orphans, schema_name, session_factory
from yuqing.core.levels import LEVELS
from yuqing.core.ports import free_port
from yuqing.core.protobuf import timestamp
from yuqing.core.settings import CoreSettings
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.grading.v1 import grading_pb2
from yuqing.ingest.v1 import ingest_pb2
from yuqing.publish.v1 import publish_pb2


class Clock:
    """A settable clock so tests decide what "now" is."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class IngestHarness:
    service: IngestService
    sessions: object
    clock: Clock
    settings: CoreSettings | None = None

    async def rows(self, table, *where):
        async with self.sessions() as session:
            return (await session.execute(select(table).where(*where))).mappings().all()

    async def count(self, table) -> int:
        return len(await self.rows(table))

    async def messages(self) -> list[ingest_pb2.ItemIngested]:
        rows = await self.rows(models.outbox)
        return [ingest_pb2.ItemIngested.FromString(r["payload"]) for r in sorted(rows, key=lambda r: r["seq"])]


async def stray_rows(sessions, references) -> list[int]:
    """For each (child, parent) reference the schema leaves unenforced, the rows without a parent."""
    async with sessions() as session:
        return [(await session.execute(orphans(child, parent))).scalar_one() for child, parent in references]


@pytest.fixture
async def ingest(backend, tmp_path):
    settings = CoreSettings.from_env(backend.env(tmp_path, run_id()))
    await asyncio.to_thread(migrations.upgrade, "ingest", settings)
    engine = create_engine(settings, "ingest")
    sessions = session_factory(engine)
    await seed_gazetteer(sessions)
    clock = Clock(dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    driver_pool = await open_driver_pool(settings, "ingest")
    yield IngestHarness(IngestService(sessions, Outbox(models.outbox, settings.stream_prefix), clock,
                                      driver_pool=driver_pool), sessions, clock, settings)
    if driver_pool is not None:
        await driver_pool.close()
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "ingest")}" CASCADE'))
    await engine.dispose()


@dataclass
class GradingHarness:
    service: GradingService
    sessions: object
    clock: Clock

    def envelope(self, event_id: str, *, views: int = 0, comments: int = 0, reposts: int = 0,
                 mainstream_sites: int = 0, text: str = "", categories: tuple[str, ...] = (),
                 duplicate: bool = False) -> Envelope:
        discovered = Timestamp()
        discovered.FromDatetime(self.clock.now)
        message = ingest_pb2.ItemIngested(
            item_id=new_id(), event_id=event_id, title=text[:20], text=text, duplicate=duplicate,
            event_metrics=common_pb2.Metrics(views=views, comments=comments, reposts=reposts,
                                             mainstream_sites=mainstream_sites),
            event_discovered_at=discovered, locality="hexi", sensitive_categories=list(categories))
        return Envelope(new_id(), ingest_pb2.ItemIngested.DESCRIPTOR.full_name, message.SerializeToString(), "0-1")

    async def deliver(self, event_id: str, **fields) -> str:
        """One ItemIngested through the real stream handler, in its own transaction as the
        consumer runs it; returns the message id."""
        envelope = self.envelope(event_id, **fields)
        async with self.sessions() as session, session.begin():
            await self.service.on_item_ingested(session, envelope)
        return envelope.message_id

    async def deliver_batch(self, event_id: str, steps: list[dict]) -> None:
        """Several messages as one consumer batch (start, handle each, finish)."""
        envelopes = [self.envelope(event_id, **step) for step in steps]
        async with self.sessions() as session, session.begin():
            batch = await self.service.start(session, envelopes)
            for envelope in envelopes:
                await self.service.handle(session, envelope, batch)
            await self.service.finish(session, batch)

    async def announcements(self):
        async with self.sessions() as session:
            rows = (await session.execute(select(grading_models.outbox))).mappings().all()
        return [grading_pb2.EventGraded.FromString(r["payload"]) for r in sorted(rows, key=lambda r: r["seq"])]


@pytest.fixture
async def grading(backend, tmp_path):
    settings = CoreSettings.from_env(backend.env(tmp_path, run_id()))
    await asyncio.to_thread(migrations.upgrade, "grading", settings)
    engine = create_engine(settings, "grading")
    sessions = session_factory(engine)
    clock = Clock(dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    service = GradingService(sessions, Outbox(grading_models.outbox, settings.stream_prefix), clock)
    await service.ensure_defaults()
    yield GradingHarness(service, sessions, clock)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "grading")}" CASCADE'))
    await engine.dispose()


@dataclass
class DispatchHarness:
    service: DispatchService
    sessions: object
    clock: Clock
    make_service: object

    def level_message(self, event_id: str, level: str, *, locality: str = "hexi", text: str = "",
                      discovered: dt.datetime | None = None, previous: str | None = None, drill_id: str = "") -> Envelope:
        message = grading_pb2.EventGraded(
            event_id=event_id, level=LEVELS.index(level) + 1, previous_level=LEVELS.index(previous) + 1 if previous else 0,
            graded_at=timestamp(self.clock.now), event_discovered_at=timestamp(discovered or self.clock.now),
            locality=locality, title=f"事件{event_id}", text=text, actor="system", drill_id=drill_id)
        return Envelope(new_id(), grading_pb2.EventGraded.DESCRIPTOR.full_name, message.SerializeToString(), "0-1")

    async def graded(self, event_id: str, level: str, **fields) -> None:
        """An EventGraded through the real stream handler, on its own."""
        envelope = self.level_message(event_id, level, **fields)
        async with self.sessions() as session, session.begin():
            await self.service.on_event_graded(session, envelope)

    async def graded_together(self, envelopes: list[Envelope]) -> None:
        """Level changes as one stream batch, as the consumer hands them to the handler."""
        handler = self.service.graded_events
        async with self.sessions() as session, session.begin():
            batch = await handler.start(session, envelopes)
            for envelope in envelopes:
                await handler.handle(session, envelope, batch)
            await handler.finish(session, batch)

    async def notice(self, event_id: str, feedback_deadline: dt.datetime) -> None:
        """A superior's notice on ingest's item stream, through dispatch's handler."""
        message = ingest_pb2.ItemIngested(item_id=new_id(), event_id=event_id, source="superior_notice",
                                          feedback_deadline=timestamp(feedback_deadline))
        envelope = Envelope(new_id(), ingest_pb2.ItemIngested.DESCRIPTOR.full_name, message.SerializeToString(), "0-1")
        async with self.sessions() as session, session.begin():
            await self.service.on_item_ingested(session, envelope)

    async def rows(self, table, *where):
        async with self.sessions() as session:
            return (await session.execute(select(table).where(*where))).mappings().all()


@pytest.fixture
async def dispatch(backend, tmp_path):
    settings = CoreSettings.from_env(backend.env(tmp_path, run_id()))
    await asyncio.to_thread(migrations.upgrade, "dispatch", settings)
    engine = create_engine(settings, "dispatch")
    sessions = session_factory(engine)
    clock = Clock(dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))   # Friday 10:00 in Shanghai
    await seed_directory(sessions, clock.now)

    def make_service():
        return DispatchService(sessions, Outbox(dispatch_models.outbox, settings.stream_prefix), clock)

    service = make_service()
    await service.ensure_default_plan()
    yield DispatchHarness(service, sessions, clock, make_service)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "dispatch")}" CASCADE'))
    await engine.dispose()


@dataclass
class PublishHarness:
    service: PublishService
    sessions: object
    clock: Clock

    async def graded(self, event_id: str, level: str, title: str = "城关镇阳光花园小区停水", drill_id: str = "") -> None:
        message = grading_pb2.EventGraded(
            event_id=event_id, level=LEVELS.index(level) + 1, graded_at=timestamp(self.clock.now),
            event_discovered_at=timestamp(self.clock.now), locality="chengguan", title=title, drill_id=drill_id)
        envelope = Envelope(new_id(), grading_pb2.EventGraded.DESCRIPTOR.full_name, message.SerializeToString(), "0-1")
        async with self.sessions() as session, session.begin():
            await self.service.on_event_graded(session, envelope)

    async def assigned(self, event_id: str, unit_code: str, unit_name: str, role: str = "lead",
                       at: dt.datetime | None = None) -> None:
        message = dispatch_pb2.AssignmentChanged(
            assignment_id=new_id(), event_id=event_id, unit_code=unit_code, unit_name=unit_name, role=role,
            action="assigned", to_state="pending_ack", actor="system", at=timestamp(at or self.clock.now))
        envelope = Envelope(new_id(), dispatch_pb2.AssignmentChanged.DESCRIPTOR.full_name, message.SerializeToString(), "0-1")
        async with self.sessions() as session, session.begin():
            await self.service.on_assignment_changed(session, envelope)

    async def announcements(self):
        async with self.sessions() as session:
            rows = (await session.execute(select(publish_models.outbox))).mappings().all()
        return [publish_pb2.StatementPublished.FromString(r["payload"]) for r in sorted(rows, key=lambda r: r["seq"])]


@pytest.fixture
async def publish(backend, tmp_path):
    settings = CoreSettings.from_env(backend.env(tmp_path, run_id()))
    await asyncio.to_thread(migrations.upgrade, "publish", settings)
    engine = create_engine(settings, "publish")
    sessions = session_factory(engine)
    clock = Clock(dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    yield PublishHarness(PublishService(sessions, Outbox(publish_models.outbox, settings.stream_prefix), clock),
                         sessions, clock)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "publish")}" CASCADE'))
    await engine.dispose()


@pytest.fixture
def webhook():
    """A webhook receiver on 127.0.0.1: (url, received [(payload, headers)], failures {"left": n})."""
    received: list[tuple[dict, dict]] = []
    failures = {"left": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["content-length"]))
            if failures["left"] > 0:
                failures["left"] -= 1
                self.send_response(503)
            else:
                received.append((json.loads(body), {k.lower(): v for k, v in self.headers.items()} | {"raw": body}))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, failures
    server.shutdown()
