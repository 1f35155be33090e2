"""Horizontal scale on one machine: three ingest and two dispatch processes against one
PostgreSQL and one Redis, under concurrent batch load through the gateway. Afterwards every
accepted item is stored once, every event graded once and assigned once, the work was spread
over every replica, and every deadline timer that came due fired exactly once. PostgreSQL
only: the embedded SQLite default runs one process per service."""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from sqlalchemy import func, select

from services.dispatch import models as dispatch_models
from services.grading import models as grading_models
from services.ingest import models as ingest_models
from services.publish import models as publish_models
from tests.e2e.conftest import query_service, running_suite, wait_for
from tests.e2e.test_grading import bearer
from tests.e2e.test_operations import scrape, value
from yuqing.core import streams
from yuqing.core.bus import stream_name
from yuqing.dispatch.v1 import dispatch_pb2

MATTERS, REPOSTS, RESENT, BATCH = 600, 300, 300, 100
# Common characters; random strings of them share almost no shingles, so each is its own matter.
CHARACTERS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
              "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由"
              "其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月"
              "公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别")


@pytest.fixture(scope="module")
def scaled_suite(backend, tmp_path_factory, otlp):
    if not backend.database_url:
        pytest.skip("replicas share one PostgreSQL database; SQLite runs one process per service")
    yield from running_suite(backend, tmp_path_factory, otlp, replicas={"ingest": 2, "dispatch": 1})


def _items(tag: str, rng: random.Random) -> tuple[list[dict], int, int]:
    """(items in a shuffled order, distinct URLs, re-sent URLs)."""
    originals = []
    for n in range(MATTERS):
        text = "".join(rng.choice(CHARACTERS) for _ in range(60))
        originals.append({"source": "platform", "platform": f"scale-{tag}", "url": f"https://scale.example.cn/{tag}/{n}",
                          "title": text[:20], "content": text})
    reposts = [{**original, "url": f"{original['url']}/repost", "content": original["content"] + "（转发）"}
               for original in rng.sample(originals, REPOSTS)]
    resent = [{**item, "metrics": {"views": rng.randrange(10, 90)}} for item in rng.sample(originals + reposts, RESENT)]
    items = originals + reposts
    rng.shuffle(items)
    return items + resent, MATTERS + REPOSTS, RESENT


def test_three_ingest_and_two_dispatch_processes_lose_and_repeat_nothing(scaled_suite):
    suite = scaled_suite
    assert {"ingest-2", "ingest-3", "dispatch-2"} <= set(suite.processes)
    tag = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=suite.gateway_url, timeout=120) as http:
        admin = bearer(http, "admin")
        # Short limits for 关注 so the timers come due during the test (frozen onto each event).
        plan = http.get("/api/v1/response-plans", headers=admin).json()["items"][0]["levels"]
        plan["V"] = [{"key": "answer", "name": "相关单位答复", "owner": "unit", "minutes": 1}]
        levels = {level: [{k: v for k, v in step.items() if v is not None} for step in steps]
                  for level, steps in plan.items()}
        assert http.post("/api/v1/response-plans", headers=admin, json={"levels": levels}).status_code == 201

        items, distinct, resent = _items(tag, random.Random(tag))
        batches = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
        monitor = bearer(http, "jiance")
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda batch: http.post("/api/v1/items/batch", headers=monitor,
                                                            json={"items": batch}), batches))
        elapsed = time.monotonic() - started
    assert all(r.status_code == 200 for r in results), [r.text[:200] for r in results if r.status_code != 200]
    outcomes = [item for r in results for item in r.json()["results"]]
    assert sum(o["status"] == "rejected" for o in outcomes) == 0
    accepted = {o["item_id"] for o in outcomes if o["status"] == "accepted"}
    assert len(accepted) == distinct and sum(o["status"] == "duplicate" for o in outcomes) == resent
    event_ids = {o["event_id"] for o in outcomes}

    items_table, events_table = ingest_models.items, ingest_models.events
    ours = items_table.c.platform == f"scale-{tag}"
    assert query_service(suite, "ingest", select(func.count()).where(ours)) == distinct          # stored once each
    assert query_service(suite, "ingest", select(func.count(func.distinct(items_table.c.canonical_url))).where(ours)) == distinct
    assert query_service(suite, "ingest", select(func.count()).select_from(events_table)
                  .where(events_table.c.event_id.in_(event_ids))) == len(event_ids)

    grades = grading_models.event_grades
    wait_for(lambda: query_service(suite, "grading", select(func.count()).where(grades.c.event_id.in_(event_ids))),
             lambda n: n == len(event_ids), timeout=120, interval=1)                        # graded once each
    assignments = dispatch_models.assignments
    leads = select(func.count()).where(assignments.c.event_id.in_(event_ids), assignments.c.role == "lead")
    wait_for(lambda: query_service(suite, "dispatch", leads), lambda n: n == len(event_ids), timeout=120, interval=1)
    assert query_service(suite, "dispatch", select(func.count(func.distinct(assignments.c.event_id)))
                  .where(assignments.c.event_id.in_(event_ids), assignments.c.role == "lead")) == len(event_ids)
    counts = publish_models.item_counts
    wait_for(lambda: query_service(suite, "publish", select(func.coalesce(func.sum(counts.c.count), 0)).where(
        counts.c.dimension == "platform", counts.c.value == f"scale-{tag}")), lambda n: n == distinct, timeout=60)

    # Every replica took a share: gRPC clients balance over the address list.
    for name in ("ingest", "ingest-2", "ingest-3"):
        assert (value(scrape(suite, name), "yuqing_items_ingested_total", outcome="accepted") or 0) > 0, name
    for name in ("dispatch", "dispatch-2"):
        assert (value(scrape(suite, name), "yuqing_stream_message_latency_seconds_count", group="dispatch") or 0) > 0, name

    # Timers: the 50 % warnings of the one-minute limits come due; each fires once, on one replica.
    timers = dispatch_models.timers
    ours_due = (timers.c.assignment_id.in_(select(assignments.c.assignment_id).where(assignments.c.event_id.in_(event_ids)))
                & (timers.c.fire_at <= func.now()))
    wait_for(lambda: (query_service(suite, "dispatch", select(func.count()).where(ours_due)),
                      query_service(suite, "dispatch", select(func.count()).where(ours_due, timers.c.fired_at.is_not(None)))),
             lambda due_fired: due_fired[0] >= len(event_ids) and due_fired[0] == due_fired[1], timeout=120, interval=1)
    fired = timers_fired_once(suite)
    print(f"\n{len(items)} items in {elapsed:.1f} s through 3 ingest processes ({len(items) / elapsed:.0f} items/s); "
          f"{len(event_ids)} events graded and assigned once; {fired} timers fired once each")


def timers_fired_once(suite) -> int:
    """Every timer dispatch marked fired wrote an alert, and none wrote two (each firing is one
    message id; a relay's re-send repeats the id). Timers still firing meanwhile are not judged."""
    timers = dispatch_models.timers

    fired = set(query_service(suite, "dispatch", select(timers.c.timer_id).where(timers.c.outcome == "fired"),
                              all_rows=True))
    wait_for(lambda: query_service(suite, "dispatch", select(func.count()).select_from(dispatch_models.outbox)),
             lambda n: n == 0, timeout=60, interval=0.5)
    alert_ids: dict[str, set[bytes]] = defaultdict(set)
    client = redis.Redis.from_url(suite.env["YQ_REDIS_URL"])
    for _, fields in client.xrange(stream_name(suite.settings.stream_prefix, streams.ALERTS)):
        alert_ids[dispatch_pb2.DeadlineAlert.FromString(fields[b"payload"]).timer_id].add(fields[b"id"])
    assert fired and fired <= set(alert_ids), "a fired timer wrote no alert"
    assert all(len(ids) == 1 for ids in alert_ids.values()), "a timer fired twice"
    return len(fired)
