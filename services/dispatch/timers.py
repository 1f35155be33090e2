"""The timer scheduler: sleeps until the next timer is due and fires it (see
`DispatchService.fire_due_timers` for why it fires once).

It wakes for the earliest unfired timer in the database, when this process adds or moves
timers, and at least every `max_sleep` seconds — how one replica learns of timers another
added. The database is the only truth, so restarting dispatch or Redis loses nothing; the
idle cost is one indexed MIN() query per `max_sleep`.
"""

from __future__ import annotations

import asyncio
import logging

from services.dispatch.service import FIRE_BATCH, DispatchService

logger = logging.getLogger(__name__)


class TimerScheduler:
    def __init__(self, service: DispatchService, max_sleep: float = 1.0) -> None:
        self.service = service
        self.max_sleep = max_sleep
        self.wakeup = asyncio.Event()
        service.timers_changed = self.wakeup.set

    async def run(self) -> None:
        while True:
            try:
                fired = await self.service.fire_due_timers()
                if fired == FIRE_BATCH:
                    continue  # more are due right now
                next_at = await self.service.next_fire_at()
            except Exception:
                logger.exception("timer scheduler failed; retrying")
                await asyncio.sleep(1)
                continue
            delay = self.max_sleep
            if next_at is not None:
                delay = min(delay, max(0.0, (next_at - self.service.clock()).total_seconds()))
            if delay <= 0:
                continue
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), delay)
            except TimeoutError:
                pass
