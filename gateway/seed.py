"""Demo county users. Passwords: YQ_DEMO_PASSWORD for all when set, otherwise random ones,
returned so `yuqing up` can print them (existing users keep theirs)."""

from __future__ import annotations

from sqlalchemy import select, update

from gateway import models
from gateway.auth import hash_password
from yuqing import demo
from yuqing.core.db import utcnow


async def seed(sessions, fixed_password: str | None) -> list[tuple[demo.DemoUser, str | None]]:
    """Each demo user with the password set now (None: kept from an earlier run)."""
    result = []
    async with sessions() as session, session.begin():
        existing = set((await session.execute(select(models.users.c.username))).scalars())
        for user in demo.users():
            if user.username in existing:
                if fixed_password:
                    await session.execute(update(models.users).where(models.users.c.username == user.username)
                                          .values(password_hash=hash_password(fixed_password)))
                result.append((user, fixed_password))
                continue
            password = demo.demo_password(fixed_password)
            await session.execute(models.users.insert().values(
                username=user.username, display_name=user.display_name, password_hash=hash_password(password),
                roles=list(user.roles), unit_code=user.unit, created_at=utcnow()))
            result.append((user, password))
    return result
