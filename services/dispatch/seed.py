"""Demo county units for dispatch's directory."""

from services.dispatch.repository import DispatchRepository
from yuqing import demo


async def seed(sessions) -> None:
    async with sessions() as session, session.begin():
        repo = DispatchRepository(session)
        for unit in demo.UNITS:
            await repo.upsert_unit(unit.code, unit.name, unit.kind, unit.parent, list(unit.keywords))
