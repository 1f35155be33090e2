"""Demo county gazetteer (locality hints) and sensitive-word lists for ingest."""

from services.ingest.matching import Place, WordList
from services.ingest.repository import IngestRepository
from yuqing import demo
from yuqing.core.db import utcnow


async def seed(sessions) -> None:
    async with sessions() as session, session.begin():
        repo = IngestRepository(session)
        known = {p.name for p in await repo.places()}
        for entry in demo.PLACES:
            if entry[0] not in known:
                await repo.save_place(Place(*entry))
        lists = {w.name for w in await repo.word_lists()}
        for name, category, words in demo.WORD_LISTS:
            if name not in lists:
                await repo.save_word_list(WordList("", name, category, words), utcnow())
