"""Bulletin benchmark: a monthly 《网络舆情通报》 over 1,000,000 items and 20,000 events on
PostgreSQL — time to JSON (draft: every figure gathered) and to DOCX with charts — beside
baselines measured in the same run on the same machine.

    .venv/bin/python bench/bulletins.py                       # PostgreSQL + Redis on 127.0.0.1
    options: --items 1000000 --events 20000 --samples docs/samples   (also writes sample files)

The whole suite runs as separate processes. Each service's own tables are filled the way its
own code would leave them: 1,000,000 ItemIngested messages go through publish's real stream
handler (ItemCounter) into its per-day counts, and 1,000,000 item rows go into ingest's items
table; 20,000 events with their briefs (publish), grades and heat runs (grading), event rows
(ingest), and assignments with deadlines and 督办 timers (dispatch). Then, over gRPC to publish,
as the office: DraftBulletin (→ JSON), RenderBulletin docx, ReleaseBulletin (freezes JSON,
HTML and DOCX).

Baselines: a GROUP BY source over the 1,000,000 item rows (what counting items straight from
the items table would cost, once per dimension), and python-docx saving an empty document.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from services.dispatch import models as dispatch_models  # noqa: E402
from services.grading import models as grading_models  # noqa: E402
from services.ingest import models as ingest_models  # noqa: E402
from services.publish import models as publish_models  # noqa: E402
from services.publish.bulletin_service import ItemCounter  # noqa: E402
from yuqing.core.bus import Envelope  # noqa: E402
from yuqing.core.categories import SENSITIVE_CATEGORIES  # noqa: E402
from yuqing.core.dates import SHANGHAI  # noqa: E402
from yuqing.core.db import create_engine, new_id, schema_name, session_factory  # noqa: E402
from yuqing.core.grpc_server import client_channel  # noqa: E402
from yuqing.core.identity import Caller  # noqa: E402
from yuqing.core.protobuf import timestamp  # noqa: E402
from yuqing.demo import UNITS  # noqa: E402
from yuqing.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc  # noqa: E402
from yuqing.ingest.v1 import ingest_pb2  # noqa: E402
from yuqing.publish.v1 import publish_pb2, publish_pb2_grpc  # noqa: E402
from yuqing.suite import Suite, loopback_ports  # noqa: E402

MONTH_START = dt.date(2026, 10, 1)
DAYS = 31
MONTH_END = dt.datetime.combine(MONTH_START + dt.timedelta(days=DAYS), dt.time(), SHANGHAI).astimezone(dt.UTC) \
    - dt.timedelta(seconds=1)
SOURCES = ("platform", "monitor_patrol", "monitor_report", "public_tip", "feed", "import", "superior_notice")
PLATFORMS = ("微博", "微信", "抖音", "快手", "今日头条", "县论坛", "百度贴吧", "小红书", "哔哩哔哩", "新闻网站")
LEVEL_SHARES = (("I", 0.0003), ("II", 0.002), ("III", 0.015), ("IV", 0.1), ("V", 1.0))
TOPICS = ("小区停水", "学校食堂饭菜质量", "道路塌陷", "医院排队", "拖欠工资", "噪音扰民", "养老金发放", "垃圾清运",
          "农村公路修缮", "物业收费")
OFFICE = Caller("yqb", frozenset({"office"}), "wxb")
CHUNK = 5000


def level_for(rng: random.Random) -> str:
    roll = rng.random()
    return next(level for level, share in LEVEL_SHARES if roll < share)


def moment(rng: random.Random) -> dt.datetime:
    day = MONTH_START + dt.timedelta(days=rng.randrange(DAYS))
    local = dt.datetime.combine(day, dt.time(), SHANGHAI) + dt.timedelta(seconds=rng.randrange(86400))
    return local.astimezone(dt.UTC)


def make_events(count: int, rng: random.Random) -> list[dict]:
    townships = [u.code for u in UNITS if u.kind == "township"]
    events = []
    for n in range(count):
        level = level_for(rng)
        events.append({"event_id": f"b{n:07d}{uuid.uuid4().hex[:8]}", "level": level,
                       "title": f"{rng.choice(('城关镇', '河西镇', '青山乡', '白水乡'))}{rng.choice(TOPICS)}问题（{n}）",
                       "locality": rng.choice(townships), "discovered_at": moment(rng),
                       "heat": round(rng.uniform(5, 40) + {"I": 50, "II": 40, "III": 25, "IV": 10, "V": 0}[level], 2),
                       "categories": rng.sample(SENSITIVE_CATEGORIES, k=rng.choice((0, 0, 0, 1, 2)))})
    return events


async def fill(settings, events: list[dict], items: int, rng: random.Random) -> dict:
    figures = {}
    now = dt.datetime.now(dt.UTC)
    publish = create_engine(settings, "publish")
    ingest = create_engine(settings, "ingest")
    grading = create_engine(settings, "grading")
    dispatch = create_engine(settings, "dispatch")

    # publish: briefs, and the per-day counts through its own stream handler.
    async with publish.begin() as conn:
        for start in range(0, len(events), CHUNK):
            await conn.execute(publish_models.event_briefs.insert(), [{
                "event_id": e["event_id"], "level": e["level"], "title": e["title"], "locality": e["locality"],
                "discovered_at": e["discovered_at"], "drill_id": "", "spokesperson": "", "updated_at": now,
                "heat": e["heat"], "sensitive_categories": e["categories"]} for e in events[start:start + CHUNK]])
    counter = ItemCounter()
    sessions = session_factory(publish)
    started = time.perf_counter()
    item_rows = []
    for start in range(0, items, 1000):
        batch_envelopes = []
        for n in range(start, min(items, start + 1000)):
            event = events[n % len(events)]
            found = min(event["discovered_at"] + dt.timedelta(minutes=rng.randrange(600)), MONTH_END)
            source, platform = rng.choice(SOURCES), rng.choice(PLATFORMS)
            message = ingest_pb2.ItemIngested(item_id=new_id(), event_id=event["event_id"], source=source,
                                              platform=platform, discovered_at=timestamp(found),
                                              event_discovered_at=timestamp(event["discovered_at"]))
            batch_envelopes.append(Envelope(message_id=new_id(), type=message.DESCRIPTOR.full_name,
                                            payload=message.SerializeToString(), stream_id="0-0"))
            item_rows.append((message.item_id, event["event_id"], source, platform, found))
        async with sessions() as session, session.begin():
            batch = await counter.start(session, batch_envelopes)
            for envelope in batch_envelopes:
                await counter.handle(session, envelope, batch)
            await counter.finish(session, batch)
    figures["projection_items_per_s"] = items / (time.perf_counter() - started)

    # ingest: events and the item rows themselves.
    async with ingest.begin() as conn:
        for start in range(0, len(events), CHUNK):
            await conn.execute(ingest_models.events.insert(), [{
                "event_id": e["event_id"], "title": e["title"], "discovered_at": e["discovered_at"],
                "locality": e["locality"], "item_count": items // len(events), "views": int(e["heat"] * 40),
                "comments": int(e["heat"] * 3), "reposts": 0, "likes": 0, "mainstream_sites": 0,
                "created_at": e["discovered_at"], "updated_at": now} for e in events[start:start + CHUNK]])
    async with ingest.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        await driver.copy_records_to_table(
            "items", schema_name=schema_name(settings, "ingest"),
            columns=["item_id", "event_id", "source", "platform", "discovered_at", "url", "title", "content", "author",
                     "region_hint", "reporter", "views", "comments", "reposts", "likes", "mainstream_sites",
                     "snapshot_count", "created_at"],
            records=[(item_id, event_id, source, platform, found, "", "", "", "", "", "", 0, 0, 0, 0, 0, 1, found)
                     for item_id, event_id, source, platform, found in item_rows])
        await conn.commit()

    # grading: the current grade of the most serious events, with 48 heat readings each.
    serious = sorted(events, key=lambda e: ("I", "II", "III", "IV", "V").index(e["level"]))[:200]
    async with grading.begin() as conn:
        await conn.execute(grading_models.event_grades.insert(), [{
            "event_id": e["event_id"], "level": e["level"], "conditions": [], "rule_set_version": 1, "heat": e["heat"],
            "views": 0, "comments": 0, "reposts": 0, "likes": 0, "mainstream_sites": 0, "graded_at": e["discovered_at"],
            "updated_at": now, "computed_level": e["level"], "computed_conditions": [], "decided_by": "system",
            "reason": "", "human_baseline": None, "title": e["title"], "locality": e["locality"],
            "discovered_at": e["discovered_at"], "disposition": "inquiry"} for e in serious])
        runs = []
        for e in serious:
            for step in range(48):
                runs.append({"run_id": new_id(), "message_id": new_id(), "event_id": e["event_id"], "item_id": new_id(),
                             "computed_level": e["level"], "level_after": e["level"], "rule_set_version": 1,
                             "heat": round(e["heat"] * (0.2 + 0.8 * min(1, step / 30)), 2),
                             "at": e["discovered_at"] + dt.timedelta(minutes=15 * step)})
        await conn.execute(grading_models.grading_runs.insert(), runs)

    # dispatch: one lead assignment per event, three unit steps each, some late, some 督办.
    async with dispatch.begin() as conn:
        units = [row[0] for row in await conn.execute(text("SELECT code FROM units WHERE kind <> 'office'"))]
        for start in range(0, len(events), CHUNK):
            chunk = events[start:start + CHUNK]
            plans, assignments, deadlines, timers = [], [], [], []
            for e in chunk:
                created = e["discovered_at"] + dt.timedelta(minutes=rng.randrange(5, 60))
                assignment_id = new_id()
                acknowledged = created + dt.timedelta(minutes=rng.randrange(1, 200))
                answered = acknowledged + dt.timedelta(hours=rng.randrange(1, 30)) if rng.random() < 0.8 else None
                plans.append({"event_id": e["event_id"], "plan_version": 1, "level": e["level"], "title": e["title"],
                              "created_at": created, "updated_at": created, "drill_id": ""})
                assignments.append({
                    "assignment_id": assignment_id, "event_id": e["event_id"], "unit_code": rng.choice(units),
                    "role": "lead", "state": "answered" if answered else "acknowledged", "level": e["level"],
                    "plan_version": 1, "created_at": created, "updated_at": created, "acknowledged_at": acknowledged,
                    "answered_at": answered, "closed_at": None, "returns": 0, "drill_id": ""})
                for step, name, hours in (("handover", "签收", 2), ("verified_result", "核查结果反馈", 24),
                                          ("first_response", "首次回应", 3)):
                    due = created + dt.timedelta(hours=hours)
                    met = {"handover": acknowledged, "verified_result": answered}.get(step)
                    deadline_id = new_id()
                    deadlines.append({"deadline_id": deadline_id, "assignment_id": assignment_id, "step": step,
                                      "step_name": name, "owner": "unit" if step != "first_response" else "spokesperson",
                                      "clock": "calendar", "limit_text": f"{hours}小时", "basis_level": e["level"],
                                      "started_at": created, "due_at": due, "warning": "", "met_at": met,
                                      "met_by": "bench" if met else "", "paused_minutes": 0})
                    if step == "verified_result" and (met is None or met > due):
                        timers.append({"timer_id": new_id(), "deadline_id": deadline_id, "assignment_id": assignment_id,
                                       "kind": "supervise", "fire_at": due + dt.timedelta(hours=2),
                                       "fired_at": due + dt.timedelta(hours=2), "outcome": "fired"})
            await conn.execute(dispatch_models.event_plans.insert(), plans)
            await conn.execute(dispatch_models.assignments.insert(), assignments)
            await conn.execute(dispatch_models.deadlines.insert(), deadlines)
            if timers:
                await conn.execute(dispatch_models.timers.insert(), timers)

    # Baseline: counting straight from the item rows, one dimension.
    async with ingest.connect() as conn:
        await conn.execute(text("ANALYZE items"))
        times = []
        for _ in range(3):
            started = time.perf_counter()
            await conn.execute(text("SELECT source, count(*) FROM items GROUP BY source"))
            times.append(time.perf_counter() - started)
        figures["baseline_group_by_s"] = statistics.median(times)
    for engine in (publish, ingest, grading, dispatch):
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        await engine.dispose()
    return figures


async def measure(settings, runs: int, samples: Path | None) -> dict:
    stub = publish_pb2_grpc.PublishServiceStub(client_channel(settings.address_of("publish")))
    metadata = OFFICE.metadata()
    day = (MONTH_START + dt.timedelta(days=15)).isoformat()
    json_times, docx_times, handling_times = [], [], []
    dispatch = dispatch_pb2_grpc.DispatchServiceStub(client_channel(settings.address_of("dispatch")))
    for _ in range(runs):
        started = time.perf_counter()
        await dispatch.GetHandlingReport(dispatch_pb2.GetHandlingReportRequest(
            start=MONTH_START.isoformat(), end=(MONTH_START + dt.timedelta(days=DAYS - 1)).isoformat()),
            metadata=metadata, timeout=120)
        handling_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        draft = await stub.DraftBulletin(publish_pb2.DraftBulletinRequest(kind="monthly", date=day), metadata=metadata,
                                         timeout=120)
        json_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        rendered = await stub.RenderBulletin(publish_pb2.RenderBulletinRequest(bulletin_id=draft.bulletin_id,
                                                                               format="docx"),
                                             metadata=metadata, timeout=120)
        docx_times.append(time.perf_counter() - started)
    started = time.perf_counter()
    released = await stub.ReleaseBulletin(publish_pb2.BulletinRef(bulletin_id=draft.bulletin_id), metadata=metadata,
                                          timeout=120)
    release_s = time.perf_counter() - started
    content = json.loads(draft.content)
    document = docx.Document(io.BytesIO(rendered.data))
    figures = {"json_s": statistics.median(json_times), "handling_s": statistics.median(handling_times), "docx_s": statistics.median(docx_times),
               "release_s": release_s, "items_counted": content["overview"]["items_total"],
               "events_counted": content["overview"]["events_total"], "docx_bytes": len(rendered.data),
               "docx_images": len(document.inline_shapes), "json_bytes": len(draft.content)}
    empty = []
    for _ in range(3):
        started = time.perf_counter()
        docx.Document().save(io.BytesIO())
        empty.append(time.perf_counter() - started)
    figures["baseline_empty_docx_s"] = statistics.median(empty)
    if samples is not None:
        samples.mkdir(parents=True, exist_ok=True)
        for fmt in ("json", "html", "docx"):
            data = (await stub.RenderBulletin(publish_pb2.RenderBulletinRequest(bulletin_id=released.digest, format=fmt),
                                              metadata=metadata, timeout=120)).data
            if fmt == "json":
                data = json.dumps(json.loads(data), ensure_ascii=False, indent=2).encode("utf-8")
            (samples / f"monthly-bulletin.{fmt}").write_bytes(data)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=None, help="write the released bulletin's JSON/HTML/DOCX here")
    args = parser.parse_args()
    database = os.environ.get("YQ_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("YQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as data_dir:
        overrides = {"YQ_DATA_DIR": data_dir, "YQ_DATABASE_URL": database, "YQ_REDIS_URL": redis_url,
                     "YQ_DATABASE_SCHEMA_PREFIX": f"bb{run}_", "YQ_STREAM_PREFIX": f"bb{run}",
                     "OTEL_TRACES_EXPORTER": "none", **loopback_ports()}
        suite = Suite.from_environment(overrides, inherit_yq=False)
        try:
            suite.prepare()
            suite.seed("bench-password")
            rng = random.Random(11)
            events = make_events(args.events, rng)
            started = time.perf_counter()
            filled = asyncio.run(fill(suite.settings, events, args.items, rng))
            print(f"filled {args.items:,} items / {args.events:,} events in {time.perf_counter() - started:.0f} s "
                  f"(publish's count projection: {filled['projection_items_per_s']:,.0f} items/s)")
            suite.start_all()
            suite.wait_ready(timeout=90)
            figures = asyncio.run(measure(suite.settings, args.runs, args.samples))
        finally:
            suite.stop()
            suite.drop_data()
    assert figures["items_counted"] == args.items and figures["events_counted"] == args.events, figures
    print(f"monthly bulletin over {figures['items_counted']:,} items / {figures['events_counted']:,} events "
          f"(PostgreSQL, {os.cpu_count()} cores), median of {args.runs}:")
    print(f"  to JSON (draft, every figure gathered): {figures['json_s']:.3f} s   target < 2 s   "
          f"[{figures['json_bytes']:,} bytes]")
    print(f"    of which dispatch's handling report:  {figures['handling_s']:.3f} s")
    print(f"  to DOCX with charts:                    {figures['docx_s']:.3f} s   target < 5 s   "
          f"[{figures['docx_bytes']:,} bytes, {figures['docx_images']} images]")
    print(f"  release (JSON + HTML + DOCX frozen):    {figures['release_s']:.3f} s")
    print(f"  baseline GROUP BY source over {args.items:,} item rows: {filled['baseline_group_by_s']:.3f} s "
          f"(JSON/baseline {figures['json_s'] / filled['baseline_group_by_s']:.2f})")
    print(f"  baseline python-docx empty document:    {figures['baseline_empty_docx_s']:.3f} s "
          f"(DOCX/baseline {figures['docx_s'] / figures['baseline_empty_docx_s']:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
