"""Demo county directory for dispatch: units with their leader, people, a duty roster."""

import datetime as dt

from services.dispatch.repository import DispatchRepository
from yuqing import demo
from yuqing.core.dates import SHANGHAI
from yuqing.core.db import new_id, utcnow

ROSTER_DAYS = 60


async def seed(sessions, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    async with sessions() as session, session.begin():
        repo = DispatchRepository(session)
        for unit in demo.UNITS:
            await repo.upsert_unit(unit.code, unit.name, unit.kind, unit.parent, list(unit.keywords),
                                   leader_username=demo.UNIT_LEADER, categories=list(unit.categories))
        for user in demo.users():
            await repo.upsert_person(user.username, display_name=user.display_name, unit_code=user.unit,
                                     roles=list(user.roles), email=f"{user.username}@demo.gov.cn", phone="",
                                     leadership_group="leader" in user.roles)
        # Office staff take day (08:00–20:00) and night shifts in turn, from yesterday's night
        # shift on: before 08:00 the shift on duty is the one that began last evening.
        today = now.astimezone(SHANGHAI).date()
        if not await repo.shifts(now, now + dt.timedelta(days=ROSTER_DAYS)):
            for offset in range(-1, ROSTER_DAYS):
                day = today + dt.timedelta(days=offset)
                morning = dt.datetime.combine(day, dt.time(8), SHANGHAI)
                for start, hours, username in ((morning, 12, "yqb"), (morning + dt.timedelta(hours=12), 12, "jiance")):
                    await repo.add_shift(new_id(), username, start.astimezone(dt.UTC),
                                         (start + dt.timedelta(hours=hours)).astimezone(dt.UTC))
