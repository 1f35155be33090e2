"""SQL for dispatch's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch import models
from services.dispatch.domain import DEFAULT_PLAN, Deadline, ResponsePlan, UnitProfile
from yuqing.core.bus import insert_ignoring_conflicts
from yuqing.core.db import new_id


class DispatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure_default_plan(self, now: dt.datetime) -> None:
        await insert_ignoring_conflicts(self.session, models.response_plans, {
            "version": DEFAULT_PLAN.version, "body": DEFAULT_PLAN.to_json(), "created_at": now, "created_by": "system"})

    async def current_plan(self) -> ResponsePlan:
        table = models.response_plans
        row = (await self.session.execute(select(table).order_by(table.c.version.desc()).limit(1))).mappings().first()
        return DEFAULT_PLAN if row is None else ResponsePlan.from_json(row["version"], row["body"])

    async def plan(self, version: int) -> ResponsePlan:
        row = (await self.session.execute(
            select(models.response_plans).where(models.response_plans.c.version == version))).mappings().one()
        return ResponsePlan.from_json(row["version"], row["body"])

    async def units(self) -> list[UnitProfile]:
        return [UnitProfile(r["code"], r["name"], r["kind"], tuple(r["keywords"])) for r in await self.unit_rows()]

    async def unit_rows(self):
        return (await self.session.execute(select(models.units).order_by(models.units.c.code))).mappings().all()

    async def upsert_unit(self, code: str, name: str, kind: str, parent_code: str | None, keywords: list[str]) -> None:
        values = {"name": name, "kind": kind, "parent_code": parent_code, "keywords": keywords}
        if not await insert_ignoring_conflicts(self.session, models.units, {"code": code, **values}):
            await self.session.execute(update(models.units).where(models.units.c.code == code).values(**values))

    async def event_plan_for_update(self, event_id: str):
        query = select(models.event_plans).where(models.event_plans.c.event_id == event_id)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def add_event_plan(self, event_id: str, plan_version: int, level: str, title: str, now: dt.datetime) -> None:
        await self.session.execute(models.event_plans.insert().values(
            event_id=event_id, plan_version=plan_version, level=level, title=title, created_at=now, updated_at=now))

    async def set_event_level(self, event_id: str, level: str, now: dt.datetime) -> None:
        await self.session.execute(update(models.event_plans).where(models.event_plans.c.event_id == event_id)
                                   .values(level=level, updated_at=now))
        await self.session.execute(update(models.assignments).where(models.assignments.c.event_id == event_id)
                                   .values(level=level, updated_at=now))

    async def add_assignment(self, event_id: str, unit_code: str, role: str, level: str, plan_version: int,
                             now: dt.datetime) -> str:
        assignment_id = new_id()
        await self.session.execute(models.assignments.insert().values(
            assignment_id=assignment_id, event_id=event_id, unit_code=unit_code, role=role, state="pending_ack",
            level=level, plan_version=plan_version, created_at=now, updated_at=now))
        return assignment_id

    async def add_deadlines(self, assignment_id: str, deadlines: list[Deadline]) -> None:
        if not deadlines:
            return
        await self.session.execute(models.deadlines.insert(), [
            {"deadline_id": new_id(), "assignment_id": assignment_id, "step": d.step.key, "step_name": d.step.name,
             "owner": d.step.owner, "clock": d.step.clock, "limit_text": d.step.limit, "basis_level": d.basis_level,
             "started_at": d.started_at, "due_at": d.due_at, "warning": d.warning}
            for d in deadlines
        ])

    async def assignments_of_event(self, event_id: str):
        return (await self.session.execute(
            select(models.assignments).where(models.assignments.c.event_id == event_id))).mappings().all()

    async def steps_of(self, assignment_id: str) -> set[str]:
        rows = await self.session.execute(
            select(models.deadlines.c.step).where(models.deadlines.c.assignment_id == assignment_id))
        return set(rows.scalars())

    async def page_of_assignments(self, *, unit_code: str | None, event_id: str | None, limit: int, offset: int):
        table = models.assignments
        where = []
        if unit_code is not None:
            where.append(table.c.unit_code == unit_code)
        if event_id:
            where.append(table.c.event_id == event_id)
        total = (await self.session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        rows = (await self.session.execute(
            select(table, models.units.c.name.label("unit_name"))
            .join(models.units, models.units.c.code == table.c.unit_code)
            .where(*where).order_by(table.c.created_at.desc(), table.c.assignment_id).limit(limit).offset(offset)
        )).mappings().all()
        return rows, total

    async def assignment(self, assignment_id: str):
        table = models.assignments
        return (await self.session.execute(
            select(table, models.units.c.name.label("unit_name"))
            .join(models.units, models.units.c.code == table.c.unit_code)
            .where(table.c.assignment_id == assignment_id))).mappings().first()

    async def deadlines_of(self, assignment_ids: list[str]) -> dict[str, list]:
        rows = (await self.session.execute(
            select(models.deadlines).where(models.deadlines.c.assignment_id.in_(assignment_ids))
            .order_by(models.deadlines.c.due_at, models.deadlines.c.step))).mappings().all()
        grouped: dict[str, list] = {a: [] for a in assignment_ids}
        for row in rows:
            grouped[row["assignment_id"]].append(row)
        return grouped
