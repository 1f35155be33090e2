"""Ingest's use cases against each backend's real database, migrated by its own Alembic."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from services.ingest import models
from services.ingest.seed import seed as seed_gazetteer
from services.ingest.service import IngestService
from tests.conftest import run_id
from yuqing.core import migrations
from yuqing.core.bus import Outbox
from yuqing.core.db import create_engine, schema_name, session_factory
from yuqing.core.settings import CoreSettings
from yuqing.ingest.v1 import ingest_pb2


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

    async def rows(self, table, *where):
        async with self.sessions() as session:
            return (await session.execute(select(table).where(*where))).mappings().all()

    async def count(self, table) -> int:
        return len(await self.rows(table))

    async def messages(self) -> list[ingest_pb2.ItemIngested]:
        rows = await self.rows(models.outbox)
        return [ingest_pb2.ItemIngested.FromString(r["payload"]) for r in sorted(rows, key=lambda r: r["seq"])]


@pytest.fixture
async def ingest(backend, tmp_path):
    settings = CoreSettings.from_env(backend.env(tmp_path, run_id()))
    await asyncio.to_thread(migrations.upgrade, "ingest", settings)
    engine = create_engine(settings, "ingest")
    sessions = session_factory(engine)
    await seed_gazetteer(sessions)
    clock = Clock(dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    yield IngestHarness(IngestService(sessions, Outbox(models.outbox, settings.stream_prefix), clock), sessions, clock)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "ingest")}" CASCADE'))
    await engine.dispose()
