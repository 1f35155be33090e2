"""Whole-pipeline throughput and memory: batches sent to ingest over gRPC until every item is
stored and every event it formed is graded and assigned, with all five processes running
separately on PostgreSQL + Redis; beside a bare gRPC batch echo measured in the same run.
Memory: each process's resident set at rest and its peak under that load.

    .venv/bin/python bench/pipeline.py                    # PostgreSQL + Redis on 127.0.0.1
    options: --items 20000 --batch 1000 --concurrency 2 --json FILE (figures for run_all.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cpu_time import CpuMeter, describe_run  # noqa: E402
from ingest_batch import drive, make_items, wait_ready  # noqa: E402
from options import add_server_options  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import func, select  # noqa: E402

from services.dispatch import models as dispatch_models  # noqa: E402
from services.grading import models as grading_models  # noqa: E402
from services.ingest import models as ingest_models  # noqa: E402
from yuqing.core.db import create_engine  # noqa: E402
from yuqing.suite import PROCESSES, Suite, free_port, loopback_ports  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory(threading.Thread):
    """Samples every process's resident set until stopped; keeps each one's peak."""

    def __init__(self, suite: Suite) -> None:
        super().__init__(daemon=True)
        self.pids = {name: process.pid for name, process in suite.processes.items()}
        self.peak = dict.fromkeys(self.pids, 0.0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mib(pid))


def suite_environment(database_url: str, redis_url: str, data_dir: str) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    return {**loopback_ports(), "YQ_DATA_DIR": data_dir, "YQ_STREAM_PREFIX": f"bench{run}",
            "YQ_DATABASE_SCHEMA_PREFIX": f"bench{run}_", "YQ_DATABASE_URL": database_url, "YQ_REDIS_URL": redis_url,
            "YQ_FEED_POLLING": "false", "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}


async def settle(suite: Suite, start: float) -> int:
    """Waits until every event the items formed (all stored once the calls returned) is graded,
    then assigned; one connection per service, polled every 0.2 s (the harness's own share of
    the two cores stays small). Returns the number of events."""
    engines = {name: create_engine(suite.settings, name) for name in ("ingest", "grading", "dispatch")}
    try:
        async with (engines["ingest"].connect() as ingest, engines["grading"].connect() as grading,
                    engines["dispatch"].connect() as dispatch):
            async def count(conn, table) -> int:
                value = int(await conn.scalar(select(func.count()).select_from(table)))
                await conn.rollback()   # the next count sees what committed since
                return value
            events, graded, assigned = await count(ingest, ingest_models.events), 0, 0
            while assigned < events:
                if time.perf_counter() - start > 1800:
                    raise SystemExit(f"not settled after 1,800 s: {graded} graded, {assigned} assigned of {events}")
                await asyncio.sleep(0.2)
                graded = await count(grading, grading_models.event_grades)
                assigned = await count(dispatch, dispatch_models.event_plans)
            return events
    finally:
        for engine in engines.values():
            await engine.dispose()


def echo_baseline(items: list, batch: int, concurrency: int, env: dict[str, str]) -> float:
    port = free_port()
    echo = subprocess.Popen([sys.executable, str(ROOT / "bench" / "ingest_batch.py"), "--echo-server", str(port)],
                            env={**os.environ, **env})
    try:
        wait_ready(f"127.0.0.1:{port}")
        return len(items) / asyncio.run(drive(f"127.0.0.1:{port}", items, batch, concurrency))
    finally:
        echo.terminate()
        echo.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=2)
    add_server_options(parser)
    parser.add_argument("--json", help="write the figures to this file as well")
    args = parser.parse_args()

    items = make_items(args.items)
    env = suite_environment(args.database_url, args.redis_url, tempfile.mkdtemp(prefix="yq-bench-"))
    baseline = echo_baseline(items, args.batch, args.concurrency, env)
    suite = Suite.from_environment(env, inherit_yq=False)
    try:
        suite.prepare()
        suite.seed("bench-password-0123")
        suite.start_all()
        suite.wait_ready(timeout=120)
        time.sleep(3)
        at_rest = {name: rss_mib(process.pid) for name, process in suite.processes.items()}
        peak = PeakMemory(suite)
        peak.start()
        meter = CpuMeter({name: process.pid for name, process in suite.processes.items()})
        before = meter.reading()
        start = time.perf_counter()
        send_seconds = asyncio.run(drive(suite.settings.address_of("ingest"), items, args.batch, args.concurrency))
        stored_seconds = time.perf_counter() - start
        events = asyncio.run(settle(suite, start))
        total_seconds = time.perf_counter() - start
        cpu = meter.spent(before, meter.reading())
        peak.done.set()
        peak.join()
    finally:
        suite.stop()
        suite.drop_data()
    ours = len(items) / total_seconds
    figures = {"items": len(items), "events": events, "seconds": total_seconds, "items_per_second": ours,
               "calls_returned_seconds": send_seconds, "stored_items_per_second": len(items) / stored_seconds,
               "echo_items_per_second": baseline, "rss_at_rest_mib": at_rest, "rss_peak_mib": peak.peak,
               "cpu_seconds": cpu, "cores": os.cpu_count()}
    print(f"pipeline throughput (PostgreSQL + Redis, five processes, {len(items)} items → {events} events, "
          f"batches of {args.batch}, {args.concurrency} in flight, {os.cpu_count()} cores)")
    print(f"  stored, graded and assigned: {ours:,.0f} items/s ({total_seconds:.1f} s; ingest calls returned after "
          f"{send_seconds:.1f} s = {len(items) / send_seconds:,.0f} items/s stored)")
    print(f"  baseline bare gRPC batch echo: {baseline:,.0f} items/s   ratio {ours / baseline:.4f}   "
          f"target ≥ 5,000 items/s: {'met' if ours >= 5000 else 'NOT met'}")
    print("  resident memory (MiB), at rest → peak under this load: " + ", ".join(
        f"{name} {at_rest[name]:.0f} → {peak.peak[name]:.0f}" for name in PROCESSES))
    print(f"  CPU over the run: {describe_run(cpu, total_seconds, len(items))}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
