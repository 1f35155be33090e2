"""SQL for publish's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.publish import models
from yuqing.core.db import dict_rows, insert_rows


class PublishRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _locking(self, query):
        return query.with_for_update() if self.session.bind.dialect.name == "postgresql" else query

    async def brief(self, event_id: str, for_update: bool = False):
        query = select(models.event_briefs).where(models.event_briefs.c.event_id == event_id)
        return (await self.session.execute(self._locking(query) if for_update else query)).mappings().first()

    async def briefs(self, event_ids: list[str], for_update: bool = False):
        table = models.event_briefs
        query = select(table).where(table.c.event_id.in_(event_ids)).order_by(table.c.event_id)
        return (await self.session.execute(self._locking(query) if for_update else query)).mappings().all()

    async def replace_rows(self, table, rows: list[dict]) -> None:
        """Rows keyed by event_id written whole: the old ones deleted, the new ones copied in."""
        if rows:
            await self.session.execute(delete(table).where(table.c.event_id.in_([r["event_id"] for r in rows])))
            await insert_rows(self.session, table, rows)

    async def lead_unit(self, event_id: str):
        table = models.lead_units
        return (await self.session.execute(select(table).where(table.c.event_id == event_id))).mappings().first()

    async def lead_units(self, event_ids: list[str]):
        table = models.lead_units
        return (await self.session.execute(select(table).where(table.c.event_id.in_(event_ids)))).mappings().all()

    async def set_spokesperson(self, event_id: str, username: str, now: dt.datetime) -> None:
        await self.session.execute(update(models.event_briefs).where(models.event_briefs.c.event_id == event_id)
                                   .values(spokesperson=username, updated_at=now))

    async def add_point(self, row: dict) -> None:
        await self.session.execute(models.talking_points.insert().values(**row))

    async def points(self, event_id: str):
        table = models.talking_points
        return (await self.session.execute(select(table).where(table.c.event_id == event_id)
                                           .order_by(table.c.created_at))).mappings().all()

    async def add_statement(self, row: dict) -> None:
        await self.session.execute(models.statements.insert().values(**row))

    async def statement(self, statement_id: str, for_update: bool = False):
        query = select(models.statements).where(models.statements.c.statement_id == statement_id)
        return (await self.session.execute(self._locking(query) if for_update else query)).mappings().first()

    async def statements_of(self, event_id: str):
        table = models.statements
        return (await self.session.execute(select(table).where(table.c.event_id == event_id)
                                           .order_by(table.c.created_at))).mappings().all()

    async def add_version(self, row: dict) -> None:
        await self.session.execute(models.statement_versions.insert().values(**row))

    async def versions(self, statement_id: str):
        table = models.statement_versions
        return (await self.session.execute(select(table).where(table.c.statement_id == statement_id)
                                           .order_by(table.c.number))).mappings().all()

    async def update_version(self, version_id: str, **values) -> None:
        await self.session.execute(update(models.statement_versions).where(
            models.statement_versions.c.version_id == version_id).values(**values))

    async def add_approval(self, row: dict) -> None:
        await self.session.execute(models.approvals.insert().values(**row))

    async def approvals(self, version_ids: list[str]):
        table = models.approvals
        return (await self.session.execute(select(table).where(table.c.version_id.in_(version_ids))
                                           .order_by(table.c.at, table.c.approval_id))).mappings().all()

    async def add_release(self, row: dict) -> None:
        await self.session.execute(models.releases.insert().values(**row))

    async def supersede(self, statement_id: str, new_release_id: str) -> list[str]:
        """Earlier releases of the statement, now superseded by the new one."""
        table = models.releases
        ids = list((await self.session.execute(select(table.c.release_id).where(
            table.c.statement_id == statement_id, table.c.superseded_by.is_(None),
            table.c.release_id != new_release_id))).scalars())
        if ids:
            await self.session.execute(update(table).where(table.c.release_id.in_(ids))
                                       .values(superseded_by=new_release_id))
        return ids

    async def add_offline_act(self, row: dict, evidence: list[dict]) -> None:
        await self.session.execute(models.offline_acts.insert().values(**row))
        if evidence:
            await self.session.execute(models.act_evidence.insert(), evidence)

    async def offline_acts(self, event_id: str):
        acts, files = models.offline_acts, models.act_evidence
        rows = (await self.session.execute(select(acts).where(acts.c.event_id == event_id)
                                           .order_by(acts.c.happened_at))).mappings().all()
        evidence = (await self.session.execute(
            select(files.c.evidence_id, files.c.act_id, files.c.filename, files.c.content_type, files.c.size,
                   files.c.sha256).where(files.c.act_id.in_([r["act_id"] for r in rows])))).mappings().all()
        return rows, evidence

    async def act_evidence(self, event_id: str, evidence_id: str):
        acts, files = models.offline_acts, models.act_evidence
        return (await self.session.execute(select(files).join(acts, acts.c.act_id == files.c.act_id).where(
            acts.c.event_id == event_id, files.c.evidence_id == evidence_id))).mappings().first()

    async def first_publications(self, event_id: str) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(first response: any release or offline act; first authoritative release)."""
        releases, acts = models.releases, models.offline_acts
        first_release = (await self.session.execute(select(func.min(releases.c.published_at)).where(
            releases.c.event_id == event_id))).scalar()
        first_act = (await self.session.execute(select(func.min(acts.c.happened_at)).where(
            acts.c.event_id == event_id, acts.c.kind.in_(["thread_reply", "press_conference"])))).scalar()
        authoritative = (await self.session.execute(select(func.min(releases.c.published_at)).where(
            releases.c.event_id == event_id, releases.c.kind == "release"))).scalar()
        first = min((t for t in (first_release, first_act) if t is not None), default=None)
        return first, authoritative

    async def channels(self, enabled_only: bool = False):
        table = models.publication_channels
        query = select(table).order_by(table.c.name)
        if enabled_only:
            query = query.where(table.c.enabled.is_(True))
        return (await self.session.execute(query)).mappings().all()

    async def save_channel(self, values: dict) -> None:
        table = models.publication_channels
        await self.session.execute(delete(table).where(table.c.name == values["name"]))
        await self.session.execute(table.insert().values(**values))

    async def add_deliveries(self, rows: list[dict]) -> None:
        if rows:
            await self.session.execute(models.publication_deliveries.insert(), rows)

    async def deliveries(self, status: str | None, limit: int):
        table, releases = models.publication_deliveries, models.releases
        query = select(table, releases.c.title, releases.c.version).join(
            releases, releases.c.release_id == table.c.release_id)
        if status:
            query = query.where(table.c.status == status)
        return (await self.session.execute(query.order_by(table.c.created_at.desc()).limit(limit))).mappings().all()

    async def releases_by_id(self, release_ids: list[str]) -> dict[str, dict]:
        """The releases, each with `correction`: whether it superseded an earlier version."""
        table = models.releases
        rows = {r["release_id"]: dict(r) for r in (await self.session.execute(
            select(table).where(table.c.release_id.in_(release_ids)))).mappings()}
        corrections = set((await self.session.execute(select(table.c.superseded_by).where(
            table.c.superseded_by.in_(release_ids)))).scalars())
        for release_id, row in rows.items():
            row["correction"] = release_id in corrections
        return rows

    async def due_scheduled(self, now: dt.datetime, limit: int):
        table = models.statement_versions
        query = (select(table).where(table.c.state == "scheduled", table.c.publish_at <= now)
                 .order_by(table.c.publish_at).limit(limit))
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return (await self.session.execute(query)).mappings().all()

    async def next_scheduled(self) -> dt.datetime | None:
        table = models.statement_versions
        return (await self.session.execute(select(func.min(table.c.publish_at)).where(
            table.c.state == "scheduled"))).scalar()

    async def page_of_releases(self, limit: int, offset: int):
        """The public page: real events only (drills never appear)."""
        table = models.releases
        where = [table.c.drill_id == ""]
        total = (await self.session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        rows = (await self.session.execute(
            select(table).where(*where).order_by(table.c.published_at.desc(), table.c.release_id)
            .limit(limit).offset(offset))).mappings().all()
        return rows, total

    # --- bulletins --------------------------------------------------------------------------

    async def add_item_counts(self, counts: dict[tuple[str, str, str], int]) -> None:
        """Adds to the per-day counters in one statement (PostgreSQL and SQLite both upsert)."""
        if not counts:
            return
        table = models.item_counts
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).values([
            {"day": day, "dimension": dimension, "value": value, "count": count}
            for (day, dimension, value), count in sorted(counts.items())])
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.day, table.c.dimension, table.c.value],
            set_={"count": table.c.count + statement.excluded.count}))

    async def item_counts(self, first_day: str, last_day: str) -> dict[str, dict[str, int]]:
        table = models.item_counts
        rows = await self.session.execute(
            select(table.c.dimension, table.c.value, func.sum(table.c.count))
            .where(table.c.day >= first_day, table.c.day <= last_day).group_by(table.c.dimension, table.c.value))
        found: dict[str, dict[str, int]] = {}
        for dimension, value, count in rows:
            found.setdefault(dimension, {})[value] = int(count)
        return found

    async def briefs_discovered(self, start: dt.datetime, end: dt.datetime):
        """Real (non-drill) events discovered in [start, end)."""
        table = models.event_briefs
        return dict_rows(await self.session.execute(
            select(table.c.event_id, table.c.level, table.c.title, table.c.locality, table.c.discovered_at,
                   table.c.heat, table.c.sensitive_categories)
            .where(table.c.discovered_at >= start, table.c.discovered_at < end, table.c.drill_id == "")))

    async def publications_of(self, event_ids: list[str]) -> dict[str, dict]:
        """Per event: first response, first authoritative release, the latest release's title."""
        found = {}
        for event_id in event_ids:
            first, authoritative = await self.first_publications(event_id)
            table = models.releases
            latest = (await self.session.execute(
                select(table.c.title).where(table.c.event_id == event_id, table.c.superseded_by.is_(None))
                .order_by(table.c.published_at.desc()).limit(1))).scalar()
            found[event_id] = {"first_response": first, "authoritative": authoritative, "latest_title": latest}
        return found

    async def add_bulletin(self, row: dict) -> None:
        await self.session.execute(models.bulletins.insert().values(**row))

    async def update_bulletin(self, bulletin_id: str, **values) -> None:
        await self.session.execute(update(models.bulletins).where(models.bulletins.c.bulletin_id == bulletin_id)
                                   .values(**values))

    async def bulletin(self, ref: str, for_update: bool = False):
        table = models.bulletins
        query = select(table).where(or_(table.c.bulletin_id == ref, table.c.digest == ref))
        return (await self.session.execute(self._locking(query) if for_update else query)).mappings().first()

    async def bulletin_for_period(self, kind: str, period_start: str, event_id: str, state: str):
        table = models.bulletins
        return (await self.session.execute(
            select(table).where(table.c.kind == kind, table.c.period_start == period_start,
                                table.c.event_id == event_id, table.c.state == state)
            .order_by(table.c.created_at.desc()).limit(1))).mappings().first()

    async def latest_released(self, kind: str, day: str, event_id: str):
        """The newest release whose period holds the day (per-event kinds: of that event)."""
        table = models.bulletins
        where = [table.c.kind == kind, table.c.state == "released", table.c.period_start <= day,
                 table.c.period_end >= day]
        if event_id:
            where.append(table.c.event_id == event_id)
        return (await self.session.execute(select(table).where(*where).order_by(table.c.released_at.desc())
                                           .limit(1))).mappings().first()

    async def last_number(self, kind: str, year: int) -> int:
        table = models.bulletins
        return (await self.session.execute(select(func.max(table.c.number)).where(
            table.c.kind == kind, table.c.number_year == year))).scalar() or 0

    async def page_of_bulletins(self, kind: str | None, state: str | None, limit: int, offset: int):
        table = models.bulletins
        where = []
        if kind:
            where.append(table.c.kind == kind)
        if state:
            where.append(table.c.state == state)
        columns = [c for c in table.c if c.name not in ("content", "released_json", "released_html", "released_docx")]
        total = (await self.session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        rows = (await self.session.execute(select(*columns).where(*where).order_by(
            table.c.updated_at.desc(), table.c.bulletin_id).limit(limit).offset(offset))).mappings().all()
        return rows, total
