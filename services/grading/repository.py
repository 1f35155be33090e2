"""SQL for grading's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.grading import models
from services.grading.disposition import DEFAULT_LEXICON, Lexicon
from services.grading.domain import DEFAULT_RULE_SET, HeatPoint, RuleSet
from yuqing.core.bus import insert_ignoring_conflicts
from yuqing.core.db import new_id

HEAT_TREND_POINTS = 500
HISTORY_ENTRIES = 500


class GradingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.bind.dialect.name == "postgresql"

    # --- versioned configuration -------------------------------------------------------

    async def ensure_defaults(self, now: dt.datetime) -> None:
        await insert_ignoring_conflicts(self.session, models.rule_sets, {
            "version": DEFAULT_RULE_SET.version, "body": DEFAULT_RULE_SET.to_json(),
            "created_at": now, "created_by": "system"})
        await insert_ignoring_conflicts(self.session, models.lexicons, {
            "version": DEFAULT_LEXICON.version, "body": DEFAULT_LEXICON.to_json(),
            "created_at": now, "created_by": "system"})

    async def latest_version(self, table) -> int:
        return (await self.session.execute(select(func.max(table.c.version)))).scalar_one_or_none() or 0

    async def version_row(self, table, version: int):
        return (await self.session.execute(select(table).where(table.c.version == version))).mappings().first()

    async def version_rows(self, table):
        return (await self.session.execute(select(table).order_by(table.c.version.desc()))).mappings().all()

    async def add_version(self, table, body: dict, created_by: str, now: dt.datetime) -> int:
        """The next version number; a concurrent save of the same number fails on the key."""
        version = await self.latest_version(table) + 1
        await self.session.execute(table.insert().values(version=version, body=body, created_at=now,
                                                         created_by=created_by))
        return version

    async def rule_set(self, version: int) -> RuleSet | None:
        row = await self.version_row(models.rule_sets, version)
        return None if row is None else RuleSet.from_json(row["version"], row["body"])

    async def lexicon(self, version: int) -> Lexicon | None:
        row = await self.version_row(models.lexicons, version)
        return None if row is None else Lexicon.from_json(row["version"], row["body"])

    # --- grades --------------------------------------------------------------------------

    async def grade_for_update(self, event_id: str):
        query = select(models.event_grades).where(models.event_grades.c.event_id == event_id)
        if self._postgres:
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def insert_grade(self, values: dict) -> None:
        await self.session.execute(models.event_grades.insert().values(**values))

    async def update_grade(self, event_id: str, values: dict) -> None:
        await self.session.execute(update(models.event_grades).where(models.event_grades.c.event_id == event_id)
                                   .values(**values))

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

    # --- runs (heat series) and the timeline --------------------------------------------

    async def record_run(self, message_id: str, event_id: str, item_id: str, computed_level: str,
                         level_after: str, heat: float, rule_set_version: int, now: dt.datetime) -> None:
        await self.session.execute(models.grading_runs.insert().values(
            run_id=new_id(), message_id=message_id, event_id=event_id, item_id=item_id,
            computed_level=computed_level, level_after=level_after, heat=heat,
            rule_set_version=rule_set_version, at=now))

    async def heat_baseline(self, event_id: str, window_start: dt.datetime) -> HeatPoint | None:
        """Heat at the start of the growth window: the last run at or before it, or the
        event's first run when the event is younger than the window."""
        table = models.grading_runs
        row = (await self.session.execute(
            select(table.c.at, table.c.heat).where(table.c.event_id == event_id, table.c.at <= window_start)
            .order_by(table.c.at.desc()).limit(1))).first()
        if row is None:
            row = (await self.session.execute(
                select(table.c.at, table.c.heat).where(table.c.event_id == event_id)
                .order_by(table.c.at).limit(1))).first()
        return None if row is None else HeatPoint(row.at, row.heat)

    async def heat_trend(self, event_id: str):
        table = models.grading_runs
        rows = (await self.session.execute(
            select(table.c.at, table.c.heat).where(table.c.event_id == event_id)
            .order_by(table.c.at.desc()).limit(HEAT_TREND_POINTS))).all()
        return [HeatPoint(r.at, r.heat) for r in reversed(rows)]

    async def add_change(self, event_id: str, now: dt.datetime, kind: str, *, before: str | None, after: str | None,
                         actor: str, text: str, reason: str = "", rule_set_version: int | None = None,
                         conditions: list[dict] | None = None) -> None:
        await self.session.execute(models.grade_changes.insert().values(
            event_id=event_id, at=now, kind=kind, level_before=before, level_after=after,
            actor=actor, reason=reason, text=text, rule_set_version=rule_set_version, conditions=conditions or []))

    async def history(self, event_id: str):
        table = models.grade_changes
        return (await self.session.execute(
            select(table).where(table.c.event_id == event_id).order_by(table.c.seq)
            .limit(HISTORY_ENTRIES))).mappings().all()
