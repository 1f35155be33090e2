"""Synthetic open timers for the timer benchmark and the replica test: one unit, assignments of
100 deadlines each, one timer per deadline, firing at the times asked for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import async_sessionmaker

from services.dispatch import models
from yuqing.core.db import new_id

PER_ASSIGNMENT = 100


async def add_open_timers(sessions: async_sessionmaker, fire_times: list[dt.datetime], unit: str = "hexi") -> None:
    """One timer per fire time (kind warn_50, so firing tells the unit's people). Each deadline
    is due an hour after its warning, so the 80 % warning a firing adds comes ≈ 48 minutes after
    the seeding, long after a benchmark or test has looked."""
    now = dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        if not (await session.execute(models.units.select().where(models.units.c.code == unit))).first():
            await session.execute(models.units.insert().values(code=unit, name="测试单位", kind="township",
                                                               parent_code=None, keywords=[], leader_username=""))
    for start in range(0, len(fire_times), 5_000):
        chunk = fire_times[start:start + 5_000]
        events, assignments, deadlines, timers = [], [], [], []
        for offset in range(0, len(chunk), PER_ASSIGNMENT):
            event_id, assignment_id = new_id(), new_id()
            events.append({"event_id": event_id, "plan_version": 1, "level": "IV", "title": "计时测试", "created_at": now,
                           "updated_at": now})
            assignments.append({"assignment_id": assignment_id, "event_id": event_id, "unit_code": unit, "role": "lead",
                                "state": "pending_ack", "level": "IV", "plan_version": 1, "created_at": now,
                                "updated_at": now})
            for n, fire_at in enumerate(chunk[offset:offset + PER_ASSIGNMENT]):
                deadline_id = new_id()
                deadlines.append({"deadline_id": deadline_id, "assignment_id": assignment_id, "step": f"step{n}",
                                  "step_name": f"环节{n}", "owner": "unit", "clock": "calendar", "limit_text": "1小时",
                                  "basis_level": "IV", "started_at": now, "due_at": fire_at + dt.timedelta(hours=1),
                                  "warning": ""})
                timers.append({"timer_id": new_id(), "deadline_id": deadline_id, "assignment_id": assignment_id,
                               "kind": "warn_50", "fire_at": fire_at})
        async with sessions() as session, session.begin():
            for table, rows in ((models.event_plans, events), (models.assignments, assignments),
                                (models.deadlines, deadlines), (models.timers, timers)):
                await session.execute(table.insert(), rows)
