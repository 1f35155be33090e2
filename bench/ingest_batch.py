"""Batch ingest throughput: items/s from the gRPC batch call until every item is stored and
its ItemIngested message is on the Redis stream, beside a bare gRPC batch echo measured in
the same run on the same machine.

    .venv/bin/python bench/ingest_batch.py                      # PostgreSQL + Redis on 127.0.0.1
    .venv/bin/python bench/ingest_batch.py --embedded           # SQLite + embedded Redis
    options: --items 20000 --batch 1000 --concurrency 3

Three calls in flight: the service works on three batches at once (one prepared, one
decided, one written; docs/ingest.md), as a platform pushing continuously keeps it busy.

Item mix (a monitoring platform's push): 60 % new matters (text of their own), 25 % reposts
of earlier items with edits, 15 % re-reports of a known URL with new metrics (snapshots).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "clustering"))

import grpc  # noqa: E402
import redis  # noqa: E402
from cpu_time import CpuMeter, describe_run  # noqa: E402
from options import add_server_options  # noqa: E402  (bench/ is the script's folder)
from stories import STORIES  # noqa: E402

from yuqing.common.v1 import common_pb2  # noqa: E402
from yuqing.core.grpc_server import MESSAGE_SIZE_OPTIONS  # noqa: E402
from yuqing.core.ports import free_port  # noqa: E402
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc  # noqa: E402

PLATFORMS = ("微博", "微信", "抖音", "今日头条", "百度贴吧")


def make_items(count: int, seed: int = 1) -> list[ingest_pb2.ItemInput]:
    rng = random.Random(seed)
    # New matters: text of their own, drawn from the characters of the stories.
    alphabet = sorted({ch for story in STORIES for ch in story if "\u4e00" <= ch <= "\u9fff"})
    items: list[ingest_pb2.ItemInput] = []
    for n in range(count):
        roll = rng.random()
        if items and roll > 0.85:
            earlier = rng.choice(items)
            item = ingest_pb2.ItemInput()
            item.CopyFrom(earlier)
            item.metrics.views += rng.randint(1, 5000)
        elif items and roll > 0.6:
            earlier = rng.choice(items)
            item = ingest_pb2.ItemInput(source="platform", platform=rng.choice(PLATFORMS),
                                        url=f"https://bench.example.cn/p/{uuid.uuid4().hex}",
                                        content="转发：" + earlier.content.replace("，", " ", 2),
                                        author=f"网友{rng.randint(1, 10**6)}")
        else:
            text = "，".join("".join(rng.choices(alphabet, k=rng.randint(8, 20))) for _ in range(rng.randint(3, 8))) + "。"
            item = ingest_pb2.ItemInput(source="platform", platform=rng.choice(PLATFORMS),
                                        url=f"https://bench.example.cn/p/{uuid.uuid4().hex}", title=text[:20],
                                        content=text, author=f"网友{rng.randint(1, 10**6)}")
        item.metrics.CopyFrom(common_pb2.Metrics(views=rng.randint(0, 5000), comments=rng.randint(0, 300),
                                                 reposts=rng.randint(0, 300)))
        items.append(item)
    return items


class EchoServicer(ingest_pb2_grpc.IngestServiceServicer):
    async def SubmitItems(self, request, context):
        return ingest_pb2.SubmitItemsResponse(results=[
            ingest_pb2.ItemResult(index=i, status=ingest_pb2.ItemResult.ACCEPTED, item_id=uuid.uuid4().hex)
            for i in range(len(request.items))])


async def run_echo_server(port: int) -> None:
    server = grpc.aio.server(options=MESSAGE_SIZE_OPTIONS)
    ingest_pb2_grpc.add_IngestServiceServicer_to_server(EchoServicer(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def drive(address: str, items: list, batch: int, concurrency: int) -> float:
    """Seconds to send every batch (concurrency calls in flight)."""
    channel = grpc.aio.insecure_channel(address, options=MESSAGE_SIZE_OPTIONS)
    stub = ingest_pb2_grpc.IngestServiceStub(channel)
    batches = [items[i:i + batch] for i in range(0, len(items), batch)]
    queue = list(reversed(batches))
    metadata = (("x-yq-user", "bench"), ("x-yq-roles", "monitor"), ("x-yq-unit", ""))

    async def worker():
        while queue:
            chunk = queue.pop()
            response = await stub.SubmitItems(ingest_pb2.SubmitItemsRequest(items=chunk), timeout=300, metadata=metadata)
            assert len(response.results) == len(chunk)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await channel.close()
    return elapsed


def drop_schema(settings) -> None:
    """The benchmark's own PostgreSQL schema goes when it is done (SQLite files stay in a temp dir)."""
    from sqlalchemy import text

    from yuqing.core.db import create_engine, schema_name

    async def drop() -> None:
        engine = create_engine(settings, "ingest")
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, "ingest")}" CASCADE'))
        await engine.dispose()

    asyncio.run(drop())


def wait_ready(address: str, timeout: float = 60) -> None:
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=timeout)
    channel.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--embedded", action="store_true", help="SQLite + embedded Redis instead of PostgreSQL")
    add_server_options(parser)
    parser.add_argument("--echo-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_server:
        asyncio.run(run_echo_server(args.echo_server))
        return 0

    items = make_items(args.items)
    run = uuid.uuid4().hex[:8]
    data_dir = tempfile.mkdtemp(prefix="yq-bench-")
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("YQ_")}, "YQ_DATA_DIR": data_dir,
           "YQ_STREAM_PREFIX": f"bench{run}", "YQ_DATABASE_SCHEMA_PREFIX": f"bench{run}_",
           "YQ_INGEST_ADDRESS": f"127.0.0.1:{port}", "YQ_FEED_POLLING": "false", "OTEL_TRACES_EXPORTER": "none"}
    if not args.embedded:
        env.update(YQ_DATABASE_URL=args.database_url, YQ_REDIS_URL=args.redis_url)
    python = sys.executable

    echo_port = free_port()
    echo = subprocess.Popen([python, __file__, "--echo-server", str(echo_port)], env=env)
    try:
        wait_ready(f"127.0.0.1:{echo_port}")
        echo_seconds = asyncio.run(drive(f"127.0.0.1:{echo_port}", items, args.batch, args.concurrency))
    finally:
        echo.terminate()
        echo.wait()

    from yuqing.core import migrations
    from yuqing.core.redis import redis_url
    from yuqing.core.settings import CoreSettings

    settings = CoreSettings.from_env(env)
    migrations.upgrade("ingest", settings)
    log = open(Path(data_dir) / "ingest.log", "w")
    service = subprocess.Popen([python, "-m", "yuqing.cli", "serve", "ingest"], env=env, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(f"127.0.0.1:{port}")
        stream = f"bench{run}.ingest.items"
        client = redis.Redis.from_url(redis_url(settings))
        meter = CpuMeter({"ingest": service.pid})
        before = meter.reading()
        start = time.perf_counter()
        send_seconds = asyncio.run(drive(f"127.0.0.1:{port}", items, args.batch, args.concurrency))
        while client.xlen(stream) < len(items):
            if time.perf_counter() - start > 600:
                raise SystemExit(f"only {client.xlen(stream)} of {len(items)} messages after 600 s")
            time.sleep(0.01)
        total_seconds = time.perf_counter() - start
        cpu = meter.spent(before, meter.reading())
        client.delete(stream)
    finally:
        service.terminate()
        service.wait()
        drop_schema(settings)
    ours, baseline = len(items) / total_seconds, len(items) / echo_seconds
    backend = "SQLite + embedded Redis" if args.embedded else "PostgreSQL + Redis"
    print(f"batch ingest ({backend}, {len(items)} items, batches of {args.batch}, {args.concurrency} in flight, "
          f"{os.cpu_count()} cores)")
    print(f"  stored and on the stream: {ours:,.0f} items/s ({total_seconds:.2f} s; calls returned after {send_seconds:.2f} s)")
    print(f"  baseline bare gRPC batch echo: {baseline:,.0f} items/s ({echo_seconds:.2f} s)")
    print(f"  ratio: {ours / baseline:.3f}   target ≥ 5,000 items/s: {'met' if ours >= 5000 else 'NOT met'}")
    print("  CPU over the run (ingest with its preparation worker): "
          + describe_run(cpu, total_seconds, len(items)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
