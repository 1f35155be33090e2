"""The loop behind dispatch's timers and publish's scheduled statements: told a moment, it
wakes then without asking the database; a moment told while it queries is not lost."""

import asyncio
import datetime as dt

import pytest

from yuqing.core.due import DueWorkLoop


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Recorder:
    def __init__(self) -> None:
        self.work_at: list[dt.datetime] = []
        self.queries = 0
        self.stored: dt.datetime | None = None   # what the database would say
        self.query_gate: asyncio.Event | None = None
        self.querying = asyncio.Event()

    async def work(self) -> int:
        now = utcnow()
        self.work_at.append(now)
        if self.stored is not None and self.stored <= now:
            self.stored = None   # done: the database no longer has it due
        await asyncio.sleep(0)
        return 0

    async def next_due(self) -> dt.datetime | None:
        self.queries += 1
        self.querying.set()
        if self.query_gate is not None:
            await self.query_gate.wait()
        return self.stored


async def until(condition, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not reached in time"
        await asyncio.sleep(0.005)


@pytest.fixture
async def running():
    recorder = Recorder()
    loop = DueWorkLoop("test", recorder.work, recorder.next_due, utcnow, batch=100, max_sleep=30)
    task = asyncio.create_task(loop.run())
    await until(lambda: recorder.queries == 1)
    yield loop, recorder
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_an_announced_moment_is_worked_then_without_a_query(running):
    loop, recorder = running
    moment = utcnow() + dt.timedelta(milliseconds=150)
    loop.due_at([moment + dt.timedelta(seconds=20), moment])     # the earliest counts
    loop.due_at([moment + dt.timedelta(seconds=10)])             # later than what is planned: no effect
    await until(lambda: len(recorder.work_at) == 2)
    assert moment <= recorder.work_at[1] < moment + dt.timedelta(seconds=1)
    assert recorder.queries in (1, 2)   # the query after the work, none before it
    await asyncio.sleep(0.3)
    assert len(recorder.work_at) == 2   # nothing else was due: it sleeps towards the periodic check


async def test_a_moment_announced_while_the_database_is_read_is_kept(running):
    loop, recorder = running
    recorder.query_gate = asyncio.Event()
    recorder.querying.clear()
    loop.wake()                                  # work changed: do what is due and read again
    await until(recorder.querying.is_set)
    moment = utcnow() + dt.timedelta(milliseconds=100)
    loop.due_at([moment])                        # e.g. a timer whose transaction the read did not see
    recorder.query_gate.set()                    # the database knows of nothing due
    await until(lambda: len(recorder.work_at) == 3)
    assert moment <= recorder.work_at[2] < moment + dt.timedelta(seconds=1)


async def test_wake_does_the_due_work_and_reads_the_database_at_once(running):
    loop, recorder = running
    stored = recorder.stored = utcnow() + dt.timedelta(milliseconds=100)
    loop.wake()
    await until(lambda: recorder.queries == 2)
    assert len(recorder.work_at) == 2 and recorder.work_at[1] < stored   # at once
    await until(lambda: len(recorder.work_at) == 3)       # then at the moment the database named
    assert stored <= recorder.work_at[2] < stored + dt.timedelta(seconds=1)


async def test_a_periodic_look_reads_the_earliest_moment_and_works_only_when_something_is_due():
    recorder = Recorder()
    loop = DueWorkLoop("test", recorder.work, recorder.next_due, utcnow, batch=100, max_sleep=0.05)
    task = asyncio.create_task(loop.run())
    try:
        await until(lambda: recorder.queries >= 10)
        assert len(recorder.work_at) == 1            # at start only: nothing was ever due
        recorder.stored = utcnow()                   # another replica stored work due now
        await until(lambda: len(recorder.work_at) == 2, timeout=1.0)
        assert recorder.stored is None               # worked at the next look
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
