"""Publish use cases (the skeleton reads the public release list)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.publish import models


class PublishService:
    def __init__(self, sessions: async_sessionmaker) -> None:
        self.sessions = sessions

    async def page_of_releases(self, limit: int, offset: int):
        table = models.releases
        async with self.sessions() as session:
            total = (await session.execute(select(func.count()).select_from(table))).scalar_one()
            rows = (await session.execute(
                select(table).order_by(table.c.published_at.desc(), table.c.release_id).limit(limit).offset(offset)
            )).mappings().all()
            return rows, total
