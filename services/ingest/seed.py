"""Demo county gazetteer for ingest's locality hints."""

from services.ingest.repository import IngestRepository
from yuqing import demo


async def seed(sessions) -> None:
    async with sessions() as session, session.begin():
        repo = IngestRepository(session)
        for name, locality, kind in demo.PLACES:
            await repo.upsert_place(name, locality, kind)
