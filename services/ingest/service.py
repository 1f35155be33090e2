"""Ingest use cases; each owns its transaction and announces its change through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.ingest.domain import NewItem, locate, validate_item
from services.ingest.repository import IngestRepository
from yuqing.core import streams
from yuqing.core.bus import Outbox
from yuqing.core.db import utcnow
from yuqing.core.errors import NotFound
from yuqing.core.metrics import Metrics
from yuqing.core.protobuf import metrics_message, timestamp
from yuqing.ingest.v1 import ingest_pb2

@dataclass(frozen=True)
class Submitted:
    item_id: str
    event_id: str
    duplicate: bool


class IngestService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock

    async def submit(self, item: NewItem) -> Submitted:
        now = self.clock()
        validate_item(item, now)
        # A concurrent submit of the same URL may win the unique index; the retry then
        # finds its item and records a snapshot instead.
        for attempt in range(3):
            try:
                result = await self._store(item, now)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            self.outbox.notify()
            return result
        raise AssertionError("unreachable")

    async def _store(self, item: NewItem, now: dt.datetime) -> Submitted:
        async with self.sessions() as session, session.begin():
            repo = IngestRepository(session)
            same = await repo.find_same_item(item)
            if same is not None:
                item_id, event_id, new_event = same["item_id"], same["event_id"], False
                await repo.record_snapshot(item_id, item.metrics, now)
            else:
                locality = locate(item, await repo.gazetteer())
                event_id = await repo.add_event(item, locality, now)
                item_id = await repo.add_item(item, event_id, now)
                new_event = True
            event = await repo.refresh_event_totals(event_id, now)
            await self.outbox.add(session, streams.ITEMS, ingest_pb2.ItemIngested(
                item_id=item_id, event_id=event_id, new_event=new_event, duplicate=not new_event,
                event_metrics=metrics_message(Metrics.of(event)),
                event_discovered_at=timestamp(event["discovered_at"]),
                locality=event["locality"], title=event["title"],
                text=f"{item.title}\n{item.content}"[:4000],
            ))
            return Submitted(item_id=item_id, event_id=event_id, duplicate=not new_event)

    async def event_with_items(self, event_id: str):
        async with self.sessions() as session:
            repo = IngestRepository(session)
            event = await repo.event(event_id)
            if event is None:
                raise NotFound(f"事件 {event_id} 不存在")
            return event, await repo.items_of(event_id)

    async def events(self, event_ids: list[str]):
        async with self.sessions() as session:
            return await IngestRepository(session).events(event_ids)

    async def page_of_events(self, limit: int, offset: int):
        async with self.sessions() as session:
            return await IngestRepository(session).page_of_events(limit, offset)
