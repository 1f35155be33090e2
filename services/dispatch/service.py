"""Dispatch use cases: hand graded events to responsible units with the plan's deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.dispatch.domain import deadlines_for, route
from services.dispatch.repository import DispatchRepository
from yuqing.core.bus import Envelope, Outbox
from yuqing.core.db import utcnow
from yuqing.core.errors import NotFound, PermissionDenied
from yuqing.core.identity import Caller
from yuqing.core.levels import from_proto, is_higher
from yuqing.core.protobuf import from_timestamp
from yuqing.grading.v1 import grading_pb2

# The opinion office keeps events no unit can be found for (DESIGN.md §1).
OFFICE_UNIT = "wxb"
LEAD_OWNERS = {"office", "unit", "spokesperson"}
CO_OWNERS = {"unit"}


class DispatchService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow,
                 office_unit: str = OFFICE_UNIT):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.office_unit = office_unit

    async def ensure_default_plan(self) -> None:
        async with self.sessions() as session, session.begin():
            await DispatchRepository(session).ensure_default_plan(self.clock())

    async def on_event_graded(self, session: AsyncSession, envelope: Envelope) -> None:
        """Stream handler: the first level creates assignments; a higher one adds its steps."""
        message = envelope.parse(grading_pb2.EventGraded)
        level = from_proto(message.level)
        now = self.clock()
        repo = DispatchRepository(session)
        frozen = await repo.event_plan_for_update(message.event_id)
        span = trace.get_current_span()
        span.set_attribute("yuqing.event_id", message.event_id)
        if frozen is None:
            plan = await repo.current_plan()
            await repo.add_event_plan(message.event_id, plan.version, level, message.title, now)
            routing = route(message.locality, f"{message.title}\n{message.text}", await repo.units(), self.office_unit)
            start = from_timestamp(message.event_discovered_at)
            for unit, role, owners in [(routing.lead, "lead", LEAD_OWNERS), *[(c, "co", CO_OWNERS) for c in routing.co]]:
                assignment_id = await repo.add_assignment(message.event_id, unit, role, level, plan.version, now)
                await repo.add_deadlines(assignment_id, deadlines_for(plan, level, start, owners))
            span.set_attribute("yuqing.lead_unit", routing.lead)
            return
        if not is_higher(level, frozen["level"]):
            return  # an older or repeated level change; what already happened stays
        plan = await repo.plan(frozen["plan_version"])
        upgraded_at = from_timestamp(message.graded_at)
        for assignment in await repo.assignments_of_event(message.event_id):
            owners = LEAD_OWNERS if assignment["role"] == "lead" else CO_OWNERS
            existing = await repo.steps_of(assignment["assignment_id"])
            await repo.add_deadlines(assignment["assignment_id"],
                                     deadlines_for(plan, level, upgraded_at, owners, skip_steps=existing))
        await repo.set_event_level(message.event_id, level, now)

    async def page_of_assignments(self, caller: Caller, event_id: str | None, limit: int, offset: int):
        """A unit's users see only their unit's assignments; county-wide roles see all."""
        unit_code = None if caller.county_wide else caller.unit_code
        if unit_code == "":
            return [], 0, {}
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            rows, total = await repo.page_of_assignments(unit_code=unit_code, event_id=event_id, limit=limit, offset=offset)
            return rows, total, await repo.deadlines_of([r["assignment_id"] for r in rows])

    async def assignment(self, caller: Caller, assignment_id: str):
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            row = await repo.assignment(assignment_id)
            if row is None:
                raise NotFound(f"交办单 {assignment_id} 不存在")
            if not caller.county_wide and row["unit_code"] != caller.unit_code:
                raise PermissionDenied("无权查看其他单位的交办单")
            return row, (await repo.deadlines_of([assignment_id]))[assignment_id]

    async def units(self):
        async with self.sessions() as session:
            return await DispatchRepository(session).unit_rows()
