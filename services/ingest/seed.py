"""Demo county gazetteer for ingest's locality hints."""

from services.ingest.matching import Place
from services.ingest.repository import IngestRepository
from yuqing import demo


async def seed(sessions) -> None:
    async with sessions() as session, session.begin():
        repo = IngestRepository(session)
        known = {p.name for p in await repo.places()}
        for entry in demo.PLACES:
            if entry[0] not in known:
                await repo.save_place(Place(*entry))
