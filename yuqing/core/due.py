"""Loops that do time-bound work when it comes due: dispatch's timers and drill items,
publish's scheduled statements.

A loop sleeps until the earliest due row in the database, wakes early when this process adds
or moves work, and looks again at least every `max_sleep` seconds — how one replica learns of
work another added. The database is the only truth, so restarting dispatch or Redis loses
nothing; the idle cost is one indexed MIN() query per `max_sleep`. Why a timer fires once is
explained at `DispatchService.fire_due_timers`; the same holds for the other work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class DueWorkLoop:
    def __init__(self, name: str, work: Callable[[], Awaitable[int]], next_due: Callable[[], Awaitable[dt.datetime | None]],
                 clock: Callable[[], dt.datetime], batch: int, max_sleep: float = 1.0) -> None:
        self.name, self.work, self.next_due, self.clock = name, work, next_due, clock
        self.batch, self.max_sleep = batch, max_sleep
        self.wakeup = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                done = await self.work()
                if done >= self.batch:
                    continue  # more is due right now
                next_at = await self.next_due()
            except Exception:
                logger.exception("%s failed; retrying", self.name)
                await asyncio.sleep(1)
                continue
            delay = self.max_sleep
            if next_at is not None:
                delay = min(delay, max(0.0, (next_at - self.clock()).total_seconds()))
            if delay <= 0:
                continue
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), delay)
            except TimeoutError:
                pass
