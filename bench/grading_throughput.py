"""Grading throughput: decisions/s for a stream of metric snapshots, beside a no-op consumer of
the same stream measured in the same run on the same machine.

    .venv/bin/python bench/grading_throughput.py                 # PostgreSQL + Redis on 127.0.0.1
    .venv/bin/python bench/grading_throughput.py --embedded      # SQLite + embedded Redis
    options: --messages 20000 --events 2000

The stream holds ItemIngested messages as ingest's outbox relay writes them: each event gets
a first item and then snapshots whose figures grow, so decisions raise levels, fire growth
and classify text along the way. Both consumers use the same StreamConsumer (batches of 100,
one transaction per batch, inbox row per message); the no-op one has a handler that does
nothing, so the ratio is what grading itself costs on top of exactly-once consumption.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from options import add_server_options  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import func, select, text  # noqa: E402

from services.grading import models  # noqa: E402
from services.grading.service import GradingService  # noqa: E402
from yuqing.common.v1 import common_pb2  # noqa: E402
from yuqing.core import migrations  # noqa: E402
from yuqing.core import redis as redis_core  # noqa: E402
from yuqing.core.bus import Outbox, StreamConsumer  # noqa: E402
from yuqing.core.db import create_engine, new_id, schema_name, session_factory  # noqa: E402
from yuqing.core.protobuf import timestamp  # noqa: E402
from yuqing.core.settings import CoreSettings  # noqa: E402
from yuqing.ingest.v1 import ingest_pb2  # noqa: E402

TEXTS = ("河西镇滨江小区停水三天无人管，请问什么时候恢复？", "震惊！龙潭煤矿出事了，转发扩散！",
         "建议在青山乡增设公交站，方便群众出行", "网传白水乡封城了，据说死了好多人", "县一中食堂饭菜变质，学生腹泻")


def make_messages(count: int, events: int, seed: int = 7) -> list[ingest_pb2.ItemIngested]:
    rng = random.Random(seed)
    figures = {}
    start = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    messages = []
    for n in range(count):
        event = f"bench{n % events:06d}"
        views, comments, reposts = figures.get(event, (0, 0, 0))
        figures[event] = (views + rng.randint(0, 150), comments + rng.randint(0, 20), reposts + rng.randint(0, 10))
        views, comments, reposts = figures[event]
        messages.append(ingest_pb2.ItemIngested(
            item_id=new_id(), event_id=event, new_event=n < events, duplicate=rng.random() < 0.5,
            event_metrics=common_pb2.Metrics(views=views, comments=comments, reposts=reposts),
            event_discovered_at=timestamp(start), locality="hexi", title=f"事件{event}",
            text=rng.choice(TEXTS), sensitive_categories=["食品安全"] if rng.random() < 0.1 else []))
    return messages


async def fill_stream(redis, stream: str, messages) -> None:
    pipe = redis.pipeline(transaction=False)
    for message in messages:
        pipe.xadd(stream, {"id": new_id(), "type": message.DESCRIPTOR.full_name, "payload": message.SerializeToString()})
    await pipe.execute()


async def consume(settings, sessions, redis, stream: str, group: str, handler, expected: int) -> float:
    """Seconds for one consumer group to process every message of the stream."""
    consumer = StreamConsumer(redis=redis, sessions=sessions, inbox=models.inbox, stream=stream, group=group,
                              consumer=f"{group}-1", handler=handler)
    await consumer.ensure_group()
    start = time.perf_counter()
    task = asyncio.create_task(consumer.run())
    while True:
        async with sessions() as session:
            done = (await session.execute(select(func.count()).select_from(models.inbox)
                                          .where(models.inbox.c.consumer_group == group))).scalar_one()
        if done >= expected:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - start
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return elapsed


async def run(args) -> None:
    run_id = uuid.uuid4().hex[:8]
    env = {"YQ_DATA_DIR": tempfile.mkdtemp(prefix="yq-bench-"), "YQ_STREAM_PREFIX": f"bench{run_id}",
           "YQ_DATABASE_SCHEMA_PREFIX": f"bench{run_id}_"}
    if not args.embedded:
        env.update(YQ_DATABASE_URL=args.database_url, YQ_REDIS_URL=args.redis_url)
    settings = CoreSettings.from_env(env)
    embedded = redis_core.EmbeddedRedis(settings.data_dir) if args.embedded else None
    if embedded:
        embedded.ensure()
    await asyncio.to_thread(migrations.upgrade, "grading", settings)
    engine = create_engine(settings, "grading")
    sessions = session_factory(engine)
    redis = redis_core.connect(settings)
    stream = f"bench{run_id}.ingest.items"
    try:
        messages = make_messages(args.messages, args.events)
        await fill_stream(redis, stream, messages)

        async def nothing(session, envelope) -> None:
            return None

        baseline = await consume(settings, sessions, redis, stream, "noop", nothing, len(messages))
        service = GradingService(sessions, Outbox(models.outbox, settings.stream_prefix))
        await service.ensure_defaults()
        ours = await consume(settings, sessions, redis, stream, "grading", service, len(messages))
        async with sessions() as session:
            decided = (await session.execute(select(func.count()).select_from(models.grading_runs))).scalar_one()
            levels = dict((await session.execute(select(models.event_grades.c.level, func.count())
                                                 .group_by(models.event_grades.c.level))).all())
            raised = (await session.execute(select(func.count()).select_from(models.grade_changes)
                                            .where(models.grade_changes.c.kind == "raised"))).scalar_one()
        assert decided == len(messages), (decided, len(messages))
        backend = "SQLite + embedded Redis" if args.embedded else "PostgreSQL + Redis"
        print(f"grading throughput ({backend}, {len(messages)} snapshots over {args.events} events, "
              f"{os.cpu_count()} cores)")
        print(f"  grading consumer: {len(messages) / ours:,.0f} decisions/s ({ours:.2f} s; {raised} automatic raises; "
              f"levels {dict(sorted(levels.items()))})")
        print(f"  baseline no-op consumer of the same stream: {len(messages) / baseline:,.0f} messages/s ({baseline:.2f} s)")
        print(f"  ratio: {baseline / ours:.3f} of the no-op consumer's rate")
    finally:
        await redis.delete(stream)
        await redis.aclose()
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, "grading")}" CASCADE'))
        await engine.dispose()
        if embedded:
            embedded.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--embedded", action="store_true", help="SQLite + embedded Redis instead of PostgreSQL")
    add_server_options(parser)
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
