"""SQL for ingest's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest import models
from services.ingest.domain import NewItem
from yuqing.core.metrics import METRIC_FIELDS, Metrics
from yuqing.core.db import new_id


class IngestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def gazetteer(self) -> dict[str, str]:
        rows = await self.session.execute(select(models.gazetteer.c.name, models.gazetteer.c.locality))
        return dict(rows.all())

    async def find_same_item(self, item: NewItem):
        table = models.items
        clauses = []
        if item.canonical_url:
            clauses.append(table.c.canonical_url == item.canonical_url)
        if item.source_item_id:
            clauses.append((table.c.source == item.source) & (table.c.source_item_id == item.source_item_id))
        if not clauses:
            return None
        return (await self.session.execute(select(table).where(or_(*clauses)).limit(1))).mappings().first()

    async def add_event(self, item: NewItem, locality: str, now: dt.datetime) -> str:
        event_id = new_id()
        await self.session.execute(models.events.insert().values(
            event_id=event_id, title=item.headline, discovered_at=item.discovered_at, locality=locality,
            item_count=0, views=0, comments=0, reposts=0, likes=0, mainstream_sites=0,
            created_at=now, updated_at=now,
        ))
        return event_id

    async def add_item(self, item: NewItem, event_id: str, now: dt.datetime) -> str:
        item_id = new_id()
        await self.session.execute(models.items.insert().values(
            item_id=item_id, event_id=event_id, source=item.source, source_item_id=item.source_item_id or None,
            platform=item.platform, url=item.url, canonical_url=item.canonical_url, title=item.title,
            content=item.content, author=item.author, published_at=item.published_at,
            discovered_at=item.discovered_at, region_hint=item.region_hint, reporter=item.reporter,
            snapshot_count=1, created_at=now, **item.metrics.values(),
        ))
        await self.add_snapshot(item_id, item.metrics, now)
        return item_id

    async def record_snapshot(self, item_id: str, metrics: Metrics, now: dt.datetime) -> None:
        """A re-report of a known item: its metrics become the latest snapshot."""
        await self.session.execute(
            update(models.items).where(models.items.c.item_id == item_id).values(
                snapshot_count=models.items.c.snapshot_count + 1, **metrics.values())
        )
        await self.add_snapshot(item_id, metrics, now)

    async def add_snapshot(self, item_id: str, metrics: Metrics, now: dt.datetime) -> None:
        await self.session.execute(models.item_snapshots.insert().values(
            snapshot_id=new_id(), item_id=item_id, observed_at=now, **metrics.values()))

    async def refresh_event_totals(self, event_id: str, now: dt.datetime):
        """Event metrics are sums over its items' latest snapshots; mainstream sites the
        largest count any item reports (docs/grading.md)."""
        items = models.items
        totals = (await self.session.execute(
            select(func.count(), *[func.coalesce(func.sum(items.c[f]), 0) for f in METRIC_FIELDS[:4]],
                   func.coalesce(func.max(items.c.mainstream_sites), 0),
                   func.min(items.c.discovered_at))
            .where(items.c.event_id == event_id)
        )).one()
        count, *metric_values, discovered_at = totals
        values = dict(zip(METRIC_FIELDS, (int(v) for v in metric_values)))
        await self.session.execute(update(models.events).where(models.events.c.event_id == event_id).values(
            item_count=count, discovered_at=discovered_at, updated_at=now, **values))
        return await self.event(event_id)

    async def event(self, event_id: str):
        return (await self.session.execute(
            select(models.events).where(models.events.c.event_id == event_id))).mappings().first()

    async def events(self, event_ids: list[str]):
        return (await self.session.execute(
            select(models.events).where(models.events.c.event_id.in_(event_ids)))).mappings().all()

    async def items_of(self, event_id: str):
        return (await self.session.execute(
            select(models.items).where(models.items.c.event_id == event_id).order_by(models.items.c.discovered_at)
        )).mappings().all()

    async def page_of_events(self, limit: int, offset: int):
        table = models.events
        total = (await self.session.execute(select(func.count()).select_from(table))).scalar_one()
        rows = (await self.session.execute(
            select(table).order_by(table.c.updated_at.desc(), table.c.event_id).limit(limit).offset(offset)
        )).mappings().all()
        return rows, total

    async def upsert_place(self, name: str, locality: str, kind: str) -> None:
        existing = (await self.session.execute(
            select(models.gazetteer.c.name).where(models.gazetteer.c.name == name))).first()
        if existing is None:
            await self.session.execute(models.gazetteer.insert().values(name=name, locality=locality, kind=kind))


