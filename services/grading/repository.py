"""SQL for grading's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.grading import models
from services.grading.disposition import DEFAULT_LEXICON, Lexicon
from services.grading.domain import DEFAULT_RULE_SET, HeatPoint, RuleSet
from yuqing.core.bus import insert_ignoring_conflicts
from yuqing.core.db import fetch_rows, insert_rows, new_id, update_rows

HEAT_TREND_POINTS = 500
HISTORY_ENTRIES = 500


# Per event, its heat run nearest the growth window's start: the last at or before it, or else
# its first (see heat_baselines).
_LAST_RUN_AT_OR_BEFORE = (
    "SELECT wanted.event_id, run.at, run.heat FROM unnest($1::varchar[]) AS wanted(event_id) CROSS JOIN LATERAL "
    "(SELECT at, heat FROM grading_runs WHERE grading_runs.event_id = wanted.event_id AND at <= $2 "
    "ORDER BY at DESC LIMIT 1) AS run")
_FIRST_RUN = (
    "SELECT wanted.event_id, run.at, run.heat FROM unnest($1::varchar[]) AS wanted(event_id) CROSS JOIN LATERAL "
    "(SELECT at, heat FROM grading_runs WHERE grading_runs.event_id = wanted.event_id ORDER BY at LIMIT 1) AS run")


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

    async def latest_versions(self) -> tuple[int, int]:
        """(current rule-set version, current lexicon version) in one round trip."""
        row = (await self.session.execute(select(
            select(func.max(models.rule_sets.c.version)).scalar_subquery(),
            select(func.max(models.lexicons.c.version)).scalar_subquery()))).one()
        return row[0] or 0, row[1] or 0

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

    async def grades_for_update(self, event_ids: list[str]) -> dict[str, dict]:
        """Current grades of these events, locked in event-id order (one lock order for every
        replica, so concurrent batches queue instead of deadlocking)."""
        table = models.event_grades
        found: dict[str, dict] = {}
        for start in range(0, len(event_ids), 1000):
            query = select(table).where(table.c.event_id.in_(event_ids[start:start + 1000])).order_by(table.c.event_id)
            if self._postgres:
                query = query.with_for_update()
            found.update({r["event_id"]: dict(r) for r in (await self.session.execute(query)).mappings()})
        return found

    async def insert_grades(self, rows: list[dict]) -> None:
        await insert_rows(self.session, models.event_grades, rows)

    async def update_grades(self, rows: list[dict]) -> None:
        """Whole rows, one statement for the batch."""
        table = models.event_grades
        await update_rows(self.session, table, "event_id", [{c.name: row[c.name] for c in table.columns} for row in rows])

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

    async def add_runs(self, rows: list[dict]) -> None:
        await insert_rows(self.session, models.grading_runs, [{"run_id": new_id(), **r} for r in rows])

    async def heat_baselines(self, event_ids: list[str], window_start: dt.datetime) -> dict[str, HeatPoint]:
        """Heat at the start of the growth window per event: the last run at or before it, or
        the event's first run when the event is younger than the window."""
        runs = models.grading_runs
        found: dict[str, HeatPoint] = {}
        if self._postgres:
            # One index probe per event on (event_id, at): a join to a GROUP BY had PostgreSQL
            # read every run of the table (half its busy time while grading a stream).
            for event_id, at, heat in await fetch_rows(self.session, _LAST_RUN_AT_OR_BEFORE, event_ids, window_start):
                found[event_id] = HeatPoint(at, heat)
            if missing := [e for e in event_ids if e not in found]:
                for event_id, at, heat in await fetch_rows(self.session, _FIRST_RUN, missing):
                    found[event_id] = HeatPoint(at, heat)
            return found

        async def pick(ids: list[str], moment, *where) -> None:
            chosen = (select(runs.c.event_id, moment(runs.c.at).label("at"))
                      .where(runs.c.event_id.in_(ids), *where).group_by(runs.c.event_id).subquery())
            rows = await self.session.execute(select(runs.c.event_id, runs.c.at, runs.c.heat).join(
                chosen, and_(runs.c.event_id == chosen.c.event_id, runs.c.at == chosen.c.at)))
            for event_id, at, heat in rows:
                found.setdefault(event_id, HeatPoint(at, heat))

        for start in range(0, len(event_ids), 1000):
            chunk = event_ids[start:start + 1000]
            await pick(chunk, func.max, runs.c.at <= window_start)
            if missing := [e for e in chunk if e not in found]:
                await pick(missing, func.min)
        return found

    async def heat_trend(self, event_id: str):
        table = models.grading_runs
        rows = (await self.session.execute(
            select(table.c.at, table.c.heat).where(table.c.event_id == event_id)
            .order_by(table.c.at.desc()).limit(HEAT_TREND_POINTS))).all()
        return [HeatPoint(r.at, r.heat) for r in reversed(rows)]

    async def add_changes(self, rows: list[dict]) -> None:
        await insert_rows(self.session, models.grade_changes, rows)

    async def history(self, event_id: str):
        table = models.grade_changes
        return (await self.session.execute(
            select(table).where(table.c.event_id == event_id).order_by(table.c.seq)
            .limit(HISTORY_ENTRIES))).mappings().all()
