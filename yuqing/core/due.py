"""Loops that do time-bound work when it comes due: dispatch's timers and drill items,
publish's scheduled statements.

A loop sleeps until the earliest due row in the database, wakes early when this process adds
or moves work (told the moments, it needs no query to know when), and looks again at least
every `max_sleep` seconds — how one replica learns of work another added. The database is the
only truth, so restarting dispatch or Redis loses nothing; the idle cost is one indexed query
for the earliest due row per `max_sleep`. Why a timer fires once is
explained at `DispatchService.fire_due_timers`; the same holds for the other work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable

logger = logging.getLogger(__name__)


class DueWorkLoop:
    def __init__(self, name: str, work: Callable[[], Awaitable[int]], next_due: Callable[[], Awaitable[dt.datetime | None]],
                 clock: Callable[[], dt.datetime], batch: int, max_sleep: float = 1.0) -> None:
        self.name, self.work, self.next_due, self.clock = name, work, next_due, clock
        self.batch, self.max_sleep = batch, max_sleep
        self.wakeup = asyncio.Event()
        self.next_at: dt.datetime | None = None
        self.recheck = False

    def due_at(self, moments: Iterable[dt.datetime]) -> None:
        """This process added or moved work due at these moments (its transaction may still be
        open): the loop wakes for the earliest without asking the database. Under load this
        spares a MIN() query per change; other replicas' work is still read every max_sleep."""
        earliest = min(moments, default=None)
        if earliest is not None and (self.next_at is None or earliest < self.next_at):
            self.next_at = earliest
            self.wakeup.set()

    def wake(self) -> None:
        """Work changed in a way only the database knows: do what is due and read it again."""
        self.recheck = True
        self.wakeup.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        work_due = True   # on start: whatever is due
        while True:
            # Moments announced from here on are kept: the queries may not see their rows.
            self.recheck, self.next_at = False, None
            try:
                if work_due:
                    done = await self.work()
                    if done >= self.batch:
                        continue  # more is due right now
                stored = await self.next_due()
            except Exception:
                logger.exception("%s failed; retrying", self.name)
                await asyncio.sleep(1)
                work_due = True
                continue
            if stored is not None and (self.next_at is None or stored < self.next_at):
                self.next_at = stored
            if not work_due and self.next_at is not None and self.next_at <= self.clock():
                work_due = True   # a periodic look found work due (another replica's)
                continue
            checked_at = loop.time()
            while not self.recheck:
                delay = self.max_sleep - (loop.time() - checked_at)
                if self.next_at is not None:
                    delay = min(delay, (self.next_at - self.clock()).total_seconds())
                if delay <= 0:
                    break
                self.wakeup.clear()
                try:
                    await asyncio.wait_for(self.wakeup.wait(), delay)
                except TimeoutError:
                    break
            # A periodic look with nothing known to be due only reads the earliest moment: the
            # idle cost is that one query per max_sleep, not a claiming transaction as well.
            work_due = self.recheck or (self.next_at is not None and self.next_at <= self.clock())
