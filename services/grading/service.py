"""Grading use cases: grade an event each time one of its items arrives or changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.grading.domain import grade, next_level
from services.grading.repository import GradingRepository
from yuqing.core import streams
from yuqing.core.bus import Envelope, Outbox
from yuqing.core.db import utcnow
from yuqing.core.errors import NotFound
from yuqing.core.levels import to_proto
from yuqing.core.metrics import METRIC_NAMES, Metrics
from yuqing.core.protobuf import timestamp
from yuqing.grading.v1 import grading_pb2
from yuqing.ingest.v1 import ingest_pb2

class GradingService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock

    async def ensure_default_rule_set(self) -> None:
        async with self.sessions() as session, session.begin():
            await GradingRepository(session).ensure_default_rule_set(self.clock())

    async def on_item_ingested(self, session: AsyncSession, envelope: Envelope) -> None:
        """Stream handler; runs inside the consumer's transaction."""
        message = envelope.parse(ingest_pb2.ItemIngested)
        now = self.clock()
        repo = GradingRepository(session)
        decision = grade(Metrics.of(message.event_metrics), await repo.current_rule_set())
        current = await repo.grade_for_update(message.event_id)
        raised_to = next_level(current["level"] if current else None, decision)
        if current is None:
            await repo.insert_grade(message.event_id, decision, now)
        elif raised_to:
            await repo.raise_grade(message.event_id, decision, now)
        else:
            await repo.refresh_figures(message.event_id, decision, now)
        level_after = raised_to or current["level"]
        await repo.record_run(envelope.message_id, message.event_id, message.item_id, decision, level_after, now)
        span = trace.get_current_span()
        span.set_attribute("yuqing.event_id", message.event_id)
        span.set_attribute("yuqing.level", level_after)
        if raised_to:
            await self.outbox.add(session, streams.LEVELS, grading_pb2.EventGraded(
                event_id=message.event_id, level=to_proto(raised_to),
                previous_level=to_proto(current["level"] if current else None),
                conditions=[condition_message(c) for c in decision.explanation()],
                rule_set_version=decision.rule_set_version, graded_at=timestamp(now),
                event_discovered_at=message.event_discovered_at, locality=message.locality,
                title=message.title, text=message.text,
            ))

    async def grades(self, event_ids: list[str]):
        async with self.sessions() as session:
            return await GradingRepository(session).grades(event_ids)

    async def grade_of(self, event_id: str):
        rows = await self.grades([event_id])
        if not rows:
            raise NotFound(f"事件 {event_id} 尚未定级")
        return rows[0]

    async def page_of_grades(self, level: str | None, limit: int, offset: int):
        async with self.sessions() as session:
            return await GradingRepository(session).page_of_grades(level, limit, offset)


def condition_message(row: dict) -> grading_pb2.Condition:
    return grading_pb2.Condition(
        metric=row["metric"], metric_name=METRIC_NAMES.get(row["metric"], ""), value=row["value"],
        threshold=row["threshold"], level=to_proto(row["level"]), text=row["text"])

