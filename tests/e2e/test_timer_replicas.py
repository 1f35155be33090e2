"""Two dispatch replicas, 10,000 timers due within one minute: each fires exactly once, even
when one replica is killed with SIGKILL mid-way and Redis restarts. PostgreSQL only: SQLite
(the embedded default) runs a single dispatch process."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select, text

from services.dispatch import models
from tests.conftest import run_id
from tests.servers import RestartableRedis
from yuqing.core import migrations
from yuqing.core.db import create_engine, schema_name, session_factory
from yuqing.core.ports import free_port
from yuqing.core.settings import CoreSettings
from yuqing.dispatch.v1 import dispatch_pb2

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from timer_load import add_open_timers  # noqa: E402

ROOT = Path(__file__).parents[2]
TIMERS = 10_000


@pytest.fixture
def postgres(backend):
    if not backend.database_url:
        pytest.skip("replicas share one PostgreSQL database; SQLite runs one dispatch process")
    return backend


async def test_two_replicas_fire_each_timer_once_through_sigkill_and_a_redis_restart(postgres, tmp_path):
    rid = run_id()
    store = RestartableRedis(tmp_path / "redis")
    store.start()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("YQ_")}, "YQ_DATA_DIR": str(tmp_path),
           "YQ_STREAM_PREFIX": f"t{rid}", "YQ_DATABASE_SCHEMA_PREFIX": f"t{rid}_", "YQ_DATABASE_URL": postgres.database_url,
           "YQ_REDIS_URL": store.url, "OTEL_TRACES_EXPORTER": "none"}
    settings = CoreSettings.from_env(env)
    await asyncio.to_thread(migrations.upgrade, "dispatch", settings)
    engine = create_engine(settings, "dispatch")
    sessions = session_factory(engine)
    replicas: dict[str, subprocess.Popen] = {}

    def start(name: str) -> None:
        log = open(tmp_path / f"{name}.log", "a")
        replicas[name] = subprocess.Popen(
            [sys.executable, "-m", "yuqing.cli", "serve", "dispatch"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**env, "YQ_DISPATCH_ADDRESS": f"127.0.0.1:{free_port()}", "YQ_CONSUMER_NAME": name})

    async def prepare() -> None:
        async with engine.begin() as conn:
            await conn.execute(models.people.insert().values(username="hexi_jbr", display_name="经办人", unit_code="hexi",
                                                             roles=["unit_handler"], email="", phone=""))
        first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=12)
        await add_open_timers(sessions, [first + dt.timedelta(seconds=60 * n / TIMERS) for n in range(TIMERS)])

    async def count(*where) -> int:
        async with sessions() as session:
            return (await session.execute(select(func.count()).select_from(models.timers).where(*where))).scalar_one()

    async def outbox_rows() -> int:
        async with sessions() as session:
            return (await session.execute(select(func.count()).select_from(models.outbox))).scalar_one()

    try:
        await prepare()
        start("a")
        start("b")
        await asyncio.sleep(30)                         # mid-way through the minute
        replicas["a"].send_signal(signal.SIGKILL)
        replicas["a"].wait()
        await asyncio.to_thread(store.stop)             # and Redis goes down …
        await asyncio.sleep(3)
        await asyncio.to_thread(store.start)            # … and comes back
        start("a")
        deadline = time.monotonic() + 120
        seeded = models.timers.c.kind == "warn_50"    # each firing adds its deadline's 80 % warning, not yet due
        while await count(seeded, models.timers.c.fired_at.is_(None)) and time.monotonic() < deadline:
            await asyncio.sleep(1)
        while await outbox_rows() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)                    # relays drain to the restarted Redis
        assert await count(seeded, models.timers.c.fired_at.is_(None)) == 0
        assert await count(models.timers.c.outcome == "fired") == TIMERS
        assert await count(models.timers.c.kind == "warn_80", models.timers.c.fired_at.is_(None)) == TIMERS

        # Every firing wrote one alert message with an id of its own: one message id per timer.
        client = redis.Redis.from_url(store.url)
        ids_per_timer: dict[str, set[str]] = defaultdict(set)
        for _, fields in client.xrange(f"t{rid}.dispatch.alerts"):
            alert = dispatch_pb2.DeadlineAlert.FromString(fields[b"payload"])
            ids_per_timer[alert.timer_id].add(fields[b"id"].decode())
        assert len(ids_per_timer) == TIMERS
        assert max(len(ids) for ids in ids_per_timer.values()) == 1

        async def notified() -> int:
            async with sessions() as session:
                return (await session.execute(select(func.count()).select_from(models.notifications))).scalar_one()
        assert await notified() == TIMERS
        assert all(replicas[name].poll() is None for name in replicas)
    finally:
        for process in replicas.values():
            if process.poll() is None:
                process.terminate()
                process.wait()
        store.stop()

        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, "dispatch")}" CASCADE'))
        await engine.dispose()
