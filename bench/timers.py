"""Timer benchmark: 100,000 open timers in dispatch's database, a real dispatch process firing
the ones that come due; firing lateness p50/p99 and the process's idle CPU, each beside a
baseline measured in the same run on the same machine.

    .venv/bin/python bench/timers.py                  # PostgreSQL + Redis on 127.0.0.1
    .venv/bin/python bench/timers.py --embedded       # SQLite + embedded Redis
    options: --open 100000 --due 2000 --window 30 --idle 20

Of the open timers, `--due` fire evenly spread over a `--window`-second stretch starting 10 s
after the dispatch process is up; the rest are a month away. Lateness is fired_at − fire_at as
dispatch records it. Baseline for lateness: asyncio.sleep() wake-ups aimed at the same instants
in this process (what a bare event loop achieves). Idle CPU: dispatch's CPU time over `--idle`
seconds with nothing due, beside a bare Python asyncio process sleeping as long.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cpu_time import process_cpu_seconds  # noqa: E402
from options import add_server_options  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import func, select, text  # noqa: E402
from timer_load import add_open_timers  # noqa: E402

from services.dispatch import models  # noqa: E402
from yuqing.core import migrations  # noqa: E402
from yuqing.core.db import create_engine, schema_name, session_factory  # noqa: E402
from yuqing.core.ports import free_port  # noqa: E402
from yuqing.core.redis import delete_streams  # noqa: E402
from yuqing.core.settings import CoreSettings  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def asyncio_baseline(fire_times: list[dt.datetime]) -> list[float]:
    """Lateness of bare asyncio wake-ups aimed at the same instants."""
    late: list[float] = []

    async def wake(at: dt.datetime) -> None:
        await asyncio.sleep(max(0.0, (at - dt.datetime.now(dt.UTC)).total_seconds()))
        late.append((dt.datetime.now(dt.UTC) - at).total_seconds())

    await asyncio.gather(*(wake(t) for t in fire_times))
    return late


def idle_baseline(seconds: float) -> float:
    process = subprocess.Popen([sys.executable, "-c", f"import asyncio; asyncio.run(asyncio.sleep({seconds + 5}))"])
    time.sleep(1)
    before = process_cpu_seconds(process.pid)
    time.sleep(seconds)
    used = process_cpu_seconds(process.pid) - before
    process.kill()
    process.wait()
    return used / seconds


async def run(args) -> None:
    run_id = uuid.uuid4().hex[:8]
    data_dir = tempfile.mkdtemp(prefix="yq-bench-")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("YQ_")}, "YQ_DATA_DIR": data_dir,
           "YQ_STREAM_PREFIX": f"bench{run_id}", "YQ_DATABASE_SCHEMA_PREFIX": f"bench{run_id}_",
           "YQ_DISPATCH_ADDRESS": f"127.0.0.1:{free_port()}", "OTEL_TRACES_EXPORTER": "none"}
    if not args.embedded:
        env.update(YQ_DATABASE_URL=args.database_url, YQ_REDIS_URL=args.redis_url)
    settings = CoreSettings.from_env(env)
    await asyncio.to_thread(migrations.upgrade, "dispatch", settings)
    engine = create_engine(settings, "dispatch")
    sessions = session_factory(engine)
    process = None
    try:
        far = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        started = time.perf_counter()
        await add_open_timers(sessions, [far + dt.timedelta(seconds=n) for n in range(args.open - args.due)])
        print(f"seeded {args.open - args.due:,} far timers in {time.perf_counter() - started:.1f} s", flush=True)
        log = open(Path(data_dir) / "dispatch.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "serve", "dispatch"], env=env, cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
        time.sleep(3)
        first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)
        step = args.window / max(args.due, 1)
        due = [first + dt.timedelta(seconds=n * step) for n in range(args.due)]
        await add_open_timers(sessions, due)
        baseline_task = asyncio.create_task(asyncio_baseline(due))
        deadline = time.monotonic() + args.window + 120
        while True:
            async with sessions() as session:
                fired = (await session.execute(select(func.count()).select_from(models.timers)
                                               .where(models.timers.c.fired_at.is_not(None)))).scalar_one()
            if fired >= args.due or time.monotonic() > deadline or process.poll() is not None:
                break
            await asyncio.sleep(0.5)
        baseline_late = await baseline_task
        async with sessions() as session:
            rows = (await session.execute(select(models.timers.c.fire_at, models.timers.c.fired_at)
                                          .where(models.timers.c.fired_at.is_not(None)))).all()
        late = [(fired_at - fire_at).total_seconds() for fire_at, fired_at in rows]
        assert len(late) == args.due, f"only {len(late)} of {args.due} fired (see {data_dir}/dispatch.log)"
        before = process_cpu_seconds(process.pid)
        time.sleep(args.idle)
        idle = (process_cpu_seconds(process.pid) - before) / args.idle
        idle_base = idle_baseline(args.idle)
        backend = "SQLite + embedded Redis" if args.embedded else "PostgreSQL + Redis"
        print(f"timers ({backend}, {args.open:,} open, {args.due:,} firing over {args.window:g} s, {os.cpu_count()} cores)")
        print(f"  lateness: p50 {statistics.median(late) * 1000:.0f} ms, p99 {percentile(late, 0.99) * 1000:.0f} ms, "
              f"max {max(late) * 1000:.0f} ms   (target p99 < 1 s: {'met' if percentile(late, 0.99) < 1 else 'NOT met'})")
        print(f"  baseline asyncio.sleep wake-ups: p50 {statistics.median(baseline_late) * 1000:.1f} ms, "
              f"p99 {percentile(baseline_late, 0.99) * 1000:.1f} ms")
        print(f"  idle CPU with {args.open - args.due:,} open timers: {idle * 100:.2f} % of a core   "
              f"(target < 2 %: {'met' if idle < 0.02 else 'NOT met'}); baseline sleeping asyncio process: "
              f"{idle_base * 100:.2f} %")
    finally:
        if process is not None:
            process.terminate()
            process.wait()
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, "dispatch")}" CASCADE'))
        await engine.dispose()
        await delete_streams(settings)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--embedded", action="store_true", help="SQLite + embedded Redis instead of PostgreSQL")
    add_server_options(parser)
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
