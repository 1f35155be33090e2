"""SQL for grading's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.grading import models
from services.grading.domain import DEFAULT_RULE_SET, Decision, RuleSet
from yuqing.core.bus import insert_ignoring_conflicts
from yuqing.core.db import new_id


def _graded(decision: Decision, now: dt.datetime) -> dict:
    """Column values of an event's grade set by `decision`."""
    return {"level": decision.level, "conditions": decision.explanation(), "rule_set_version": decision.rule_set_version,
            "heat": decision.heat, "graded_at": now, "updated_at": now, **decision.metrics.values()}


class GradingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure_default_rule_set(self, now: dt.datetime) -> None:
        await insert_ignoring_conflicts(self.session, models.rule_sets, {
            "version": DEFAULT_RULE_SET.version, "body": DEFAULT_RULE_SET.to_json(),
            "created_at": now, "created_by": "system"})

    async def current_rule_set(self) -> RuleSet:
        table = models.rule_sets
        row = (await self.session.execute(select(table).order_by(table.c.version.desc()).limit(1))).mappings().first()
        return DEFAULT_RULE_SET if row is None else RuleSet.from_json(row["version"], row["body"])

    async def grade_for_update(self, event_id: str):
        query = select(models.event_grades).where(models.event_grades.c.event_id == event_id)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def insert_grade(self, event_id: str, decision: Decision, now: dt.datetime) -> None:
        await self.session.execute(models.event_grades.insert().values(event_id=event_id, **_graded(decision, now)))

    async def raise_grade(self, event_id: str, decision: Decision, now: dt.datetime) -> None:
        await self.session.execute(update(models.event_grades).where(models.event_grades.c.event_id == event_id)
                                   .values(**_graded(decision, now)))

    async def refresh_figures(self, event_id: str, decision: Decision, now: dt.datetime) -> None:
        """The level stays; the latest figures and heat are kept for display."""
        await self.session.execute(update(models.event_grades).where(models.event_grades.c.event_id == event_id).values(
            heat=decision.heat, updated_at=now, **decision.metrics.values()))

    async def record_run(self, message_id: str, event_id: str, item_id: str, decision: Decision,
                         level_after: str, now: dt.datetime) -> None:
        await self.session.execute(models.grading_runs.insert().values(
            run_id=new_id(), message_id=message_id, event_id=event_id, item_id=item_id,
            computed_level=decision.level, level_after=level_after, heat=decision.heat,
            rule_set_version=decision.rule_set_version, at=now))

    async def grades(self, event_ids: list[str]):
        return (await self.session.execute(
            select(models.event_grades).where(models.event_grades.c.event_id.in_(event_ids)))).mappings().all()

    async def page_of_grades(self, level: str | None, limit: int, offset: int):
        table = models.event_grades
        where = [table.c.level == level] if level else []
        total = (await self.session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        rows = (await self.session.execute(
            select(table).where(*where).order_by(table.c.updated_at.desc(), table.c.event_id).limit(limit).offset(offset)
        )).mappings().all()
        return rows, total
