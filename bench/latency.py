"""Latency at a steady rate: `POST /api/v1/items` at 200 items/s (open loop: each request leaves
at its scheduled instant whether or not earlier ones have answered) against the whole suite on
PostgreSQL + Redis, after a warm-up at the same rate that is not counted (2 s: connections
opened, statements prepared, the first events' caches filled — a county's suite runs warm).
Reports the HTTP round trip p50/p99 and, per event, the time from the moment
its first item was sent to its assignment being stored for the unit (the assignment row's
creation time, read from dispatch's database: the unit's inbox shows it from that commit on).
Measured from the send, not the answer: when the suite falls behind, the answer itself comes
late, and the wait the unit sees includes that queue.
The suite is started afresh and measured three times (--runs); each figure reported is the
median of its runs, each run's shown beside it: on a 2-core machine one run's p99 has moved
by half from one run to the next.
Baseline, same run, same load generator: a bare FastAPI echo endpoint under uvicorn.

    .venv/bin/python bench/latency.py                 # options: --rate 200 --seconds 30 --warmup 2 --runs 3 --json FILE
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from cpu_time import CpuMeter, describe, per_item_ms  # noqa: E402
from ingest_batch import make_items  # noqa: E402
from options import add_server_options  # noqa: E402  (bench/ is the script's folder)
from pipeline import suite_environment  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from timers import percentile  # noqa: E402

from services.dispatch import models as dispatch_models  # noqa: E402
from yuqing.core.db import create_engine  # noqa: E402
from yuqing.suite import Suite, free_port  # noqa: E402

PASSWORD = "bench-password-0123"
ECHO_APP = """
from fastapi import FastAPI, Request
app = FastAPI()

@app.post("/api/v1/items")
async def echo(request: Request):
    return {"item_id": "x", "event_id": "x", "duplicate": False, "received": len(await request.body())}
"""


def items_as_json(count: int) -> list[dict]:
    """The ingest benchmark's mix (new matters, reposts, re-reports of known URLs) as API bodies."""
    return [{"source": m.source, "platform": m.platform, "url": m.url, "title": m.title, "content": m.content,
             "author": m.author, "metrics": {"views": m.metrics.views, "comments": m.metrics.comments,
                                             "reposts": m.metrics.reposts}} for m in make_items(count, seed=7)]


async def steady_load(url: str, rate: float, seconds: float, headers: dict[str, str], warmup: float = 0.0):
    """[(sent monotonic, answered monotonic, sent wall time, status, body)] for each request
    after the first `warmup` seconds', and the same for those (sent on the same schedule).
    aiohttp (C parser, light pool): the generator itself must not be what falls behind."""
    results: list[tuple[float, float, dt.datetime, int, dict]] = []
    warmup_results: list[tuple[float, float, dt.datetime, int, dict]] = []
    warm = int(rate * warmup)
    # Encoded before the clock starts, as UTF-8 (what platforms send; \u escapes would triple
    # the Chinese text's bytes): the generator's own CPU is not the suite's.
    bodies = [json.dumps(body, ensure_ascii=False).encode() for body in items_as_json(warm + int(rate * seconds))]
    headers = {**headers, "content-type": "application/json"}
    connector = aiohttp.TCPConnector(limit=400)
    async with aiohttp.ClientSession(base_url=url, headers=headers, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as client:
        async def one(n: int) -> None:
            sent, sent_at = time.monotonic(), dt.datetime.now(dt.UTC)
            try:
                async with client.post("/api/v1/items", data=bodies[n]) as response:
                    status = response.status
                    body = await response.json() if status < 300 else {}
            except (aiohttp.ClientError, TimeoutError):
                status, body = 599, {}          # no answer: counted as an error, timed until it failed
            (results if n >= warm else warmup_results).append((sent, time.monotonic(), sent_at, status, body))

        # Open loop: request n leaves at start + n / rate whatever happened to earlier ones.
        start, tasks = time.monotonic() + 0.5, []
        for n in range(len(bodies)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return results, warmup_results


def http_figures(results) -> dict[str, float]:
    latencies = [(answered - sent) * 1000 for sent, answered, _, _, _ in results]
    return {"p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99),
            "errors": sum(1 for r in results if r[3] >= 300), "requests": len(results)}


def echo_baseline(rate: float, seconds: float, warmup: float) -> dict[str, float]:
    port = free_port()
    app_dir = Path(tempfile.mkdtemp(prefix="yq-echo-"))
    (app_dir / "echo_app.py").write_text(ECHO_APP)
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "echo_app:app", "--port", str(port), "--log-level",
                               "warning"], cwd=app_dir)
    try:
        for _ in range(100):
            try:
                httpx.post(f"http://127.0.0.1:{port}/api/v1/items", json={})
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        return http_figures(asyncio.run(steady_load(f"http://127.0.0.1:{port}", rate, seconds, {}, warmup))[0])
    finally:
        server.terminate()
        server.wait()


async def assignment_times(suite: Suite) -> dict[str, dt.datetime]:
    engine = create_engine(suite.settings, "dispatch")
    table = dispatch_models.assignments
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(table.c.event_id, func.min(table.c.created_at)).group_by(table.c.event_id))
            return {event_id: created for event_id, created in rows}
    finally:
        await engine.dispose()


def one_run(args) -> dict:
    """A fresh suite under the steady load: its HTTP figures and the sent → assignment waits."""
    suite = Suite.from_environment(suite_environment(args.database_url, args.redis_url,
                                                     tempfile.mkdtemp(prefix="yq-bench-")), inherit_yq=False)
    try:
        suite.prepare()
        suite.seed(PASSWORD)
        suite.start_all()
        suite.wait_ready(timeout=120)
        token = httpx.post(f"{suite.gateway_url}/api/v1/auth/token",
                           json={"username": "jiance", "password": PASSWORD}).json()["access_token"]
        meter = CpuMeter({name: process.pid for name, process in suite.processes.items()})
        before = meter.reading()
        results, warmup_results = asyncio.run(steady_load(suite.gateway_url, args.rate, args.seconds,
                                                          {"authorization": f"Bearer {token}"}, args.warmup))
        cpu = per_item_ms(meter.spent(before, meter.reading()), len(results) + len(warmup_results))
        # Events begun in the warm-up are not timed: their clock started before the window.
        begun_before = {body["event_id"] for _, _, _, status, body in warmup_results if status == 201}
        accepted: dict[str, dt.datetime] = {}
        for _, _, sent_at, status, body in sorted(results, key=lambda r: r[0]):
            if status == 201 and body["event_id"] not in begun_before:   # clock: its first item's send
                accepted.setdefault(body["event_id"], sent_at)
        deadline = time.monotonic() + 120
        while True:
            assigned = asyncio.run(assignment_times(suite))
            if set(accepted) <= set(assigned) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        suite.stop()
        suite.drop_data()
    missing = set(accepted) - set(assigned)
    waits = [(assigned[e] - at).total_seconds() * 1000 for e, at in accepted.items() if e in assigned]
    return {"http": http_figures(results),
            "to_assignment": {"p50_ms": percentile(waits, 0.5), "p99_ms": percentile(waits, 0.99),
                              "events": len(waits), "never_assigned": len(missing)},
            "cpu_ms_per_request": cpu}


def median_run(runs: list[dict]) -> dict:
    """Each figure's median over the runs (counts summed): one run's p99 on a 2-core machine
    moves by half from run to run, so a single run says less than the middle of several."""
    def middle(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]
    return {part: {name: (sum(r[part][name] for r in runs) if name in ("errors", "requests", "events", "never_assigned")
                          else middle([r[part][name] for r in runs]))
                   for name in runs[0][part]} for part in ("http", "to_assignment", "cpu_ms_per_request")}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=2, help="seconds at the same rate before the measured ones")
    parser.add_argument("--runs", type=int, default=3, help="suites started afresh and measured; medians reported")
    add_server_options(parser)
    parser.add_argument("--json", help="write the figures to this file as well")
    args = parser.parse_args()

    baseline = echo_baseline(args.rate, args.seconds, args.warmup)
    runs = [one_run(args) for _ in range(args.runs)]
    middle = median_run(runs)
    ours, to = middle["http"], middle["to_assignment"]
    figures = {"rate": args.rate, "seconds": args.seconds, "warmup_seconds": args.warmup, "http": ours,
               "echo": baseline, "to_assignment": to, "cpu_ms_per_request": middle["cpu_ms_per_request"], "runs": runs,
               "cores": os.cpu_count()}
    print(f"latency at {args.rate:.0f} items/s for {args.seconds:.0f} s through POST /api/v1/items, after "
          f"{args.warmup:.0f} s of warm-up at that rate (PostgreSQL + Redis, whole suite, {os.cpu_count()} cores; "
          f"{len(runs)} runs, each on a suite started afresh)")
    for number, run in enumerate(runs, 1):
        http, waits = run["http"], run["to_assignment"]
        print(f"  run {number}: HTTP p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms; "
              f"sent → assignment p50 {waits['p50_ms']:.0f} ms, p99 {waits['p99_ms']:.0f} ms")
    print(f"  median: HTTP p50 {ours['p50_ms']:.1f} ms, p99 {ours['p99_ms']:.1f} ms ({ours['errors']} errors of "
          f"{ours['requests']}); target p99 < 25 ms: {'met' if ours['p99_ms'] < 25 else 'NOT met'}")
    print(f"  baseline bare FastAPI echo: p50 {baseline['p50_ms']:.1f} ms, p99 {baseline['p99_ms']:.1f} ms")
    print(f"  sent → assignment stored, median: p50 {to['p50_ms']:.0f} ms, p99 {to['p99_ms']:.0f} ms over "
          f"{to['events']} events ({to['never_assigned']} never assigned); target p99 < 1 s: "
          f"{'met' if to['p99_ms'] < 1000 and not to['never_assigned'] else 'NOT met'}")
    if middle["cpu_ms_per_request"]:
        print("  CPU per request, median, warm-up included: "
              + describe(middle["cpu_ms_per_request"], f"ms (the machine's {os.cpu_count()} cores give "
                                                       f"{1000 * (os.cpu_count() or 1) / args.rate:.0f} ms a request)"))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
