"""Fault injection under load, on loopback only: while a monitoring platform pushes batches
through the gateway, every service in turn is killed with SIGKILL and restarted, then Redis
restarts, then PostgreSQL crashes (immediate stop) and restarts; a statement is published to a
webhook channel in the middle of it. Afterwards every accepted item is stored once, every
stream message took effect once in each consumer group, every event is graded and assigned
once, every timer that came due fired once, the statement reached the channel once, and the
audit chain verifies. The counts are printed; duplicates and lost must be 0.

`YQ_CHAOS_SECONDS` sets how long the load runs (CI: 40; by hand: 300 or more)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import redis
from sqlalchemy import func, select

from services.dispatch import models as dispatch_models
from services.dispatch.service import carries_feedback_deadline
from services.grading import models as grading_models
from services.ingest import models as ingest_models
from services.publish import models as publish_models
from services.publish.service import LeadChanges
from tests.conftest import Backend
from tests.e2e.conftest import PASSWORD, otlp, query_service, running_suite, wait_for  # noqa: F401  (otlp: a fixture)
from tests.e2e.test_horizontal_scale import CHARACTERS, timers_fired_once
from tests.servers import PrivatePostgres, RestartableRedis
from yuqing.core import streams
from yuqing.core.bus import Envelope, stream_name
from yuqing.core.db import orphans

CHAOS_SECONDS = float(os.environ.get("YQ_CHAOS_SECONDS", "40"))
SERVICE_MODELS = {"ingest": ingest_models, "grading": grading_models, "dispatch": dispatch_models,
                  "publish": publish_models}
BATCH = 20
pytestmark = pytest.mark.skipif(not PrivatePostgres.available(),
                                reason="needs root and Debian's PostgreSQL server binaries for a cluster of its own")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    postgres, store = PrivatePostgres(), RestartableRedis(tmp_path_factory.mktemp("redis"))
    postgres.initdb()
    postgres.start()
    store.start()
    yield postgres, store
    store.stop()
    postgres.stop()
    postgres.remove()


@pytest.fixture(scope="module")
def chaos_suite(servers, tmp_path_factory, otlp):  # noqa: F811
    postgres, store = servers
    yield from running_suite(Backend("chaos", postgres.url, store.url), tmp_path_factory, otlp,
                             YQ_DELIVERY_LEASE_SECONDS="2")


class Channel:
    """A webhook receiver on loopback: every request with its Idempotency-Key."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        channel = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                channel.received.append((self.headers["idempotency-key"], body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Platform:
    """A monitoring platform pushing batches of new items; a batch whose answer is lost (an
    error, a timeout, a 5xx) is sent again later, as a real platform would."""

    def __init__(self, url: str, token: str, tag: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=15, headers={"authorization": f"Bearer {token}"})
        self.tag, self.rng = tag, random.Random(tag)
        self.sent: set[str] = set()
        self.acked: dict[str, str] = {}          # url → item id
        self.unanswered: list[list[dict]] = []
        self.failures = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def _new_batch(self) -> list[dict]:
        batch = []
        for _ in range(BATCH):
            url = f"https://chaos.example.cn/{self.tag}/{len(self.sent)}"
            self.sent.add(url)
            text = "".join(self.rng.choice(CHARACTERS) for _ in range(50))
            batch.append({"source": "platform", "platform": f"chaos-{self.tag}", "url": url, "title": text[:16],
                          "content": text})
        return batch

    def send(self, batch: list[dict]) -> bool:
        try:
            response = self.http.post("/api/v1/items/batch", json={"items": batch})
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code != 200:
            self.failures += 1
            self.unanswered.append(batch)
            return False
        for item, result in zip(batch, response.json()["results"]):
            assert result["status"] in ("accepted", "duplicate"), result
            self.acked[item["url"]] = result["item_id"]
        return True

    def run(self) -> None:
        while not self.stop.is_set():
            self.send(self.unanswered.pop(0) if self.unanswered and self.rng.random() < 0.5 else self._new_batch())
            time.sleep(0.05)

    def finish(self, timeout: float = 120) -> None:
        """Stop pushing; send what is still unanswered until everything is answered."""
        self.stop.set()
        self.thread.join()
        deadline = time.monotonic() + timeout
        while self.unanswered and time.monotonic() < deadline:
            if not self.send(self.unanswered.pop(0)):
                time.sleep(0.5)


def _restart(suite, name: str) -> None:
    suite.kill(name)
    time.sleep(0.5)
    suite.start(name)


def _call(client: httpx.Client, method: str, path: str, **kwargs) -> dict:
    """An API call retried while the suite recovers (503/502/connection errors)."""
    return wait_for(lambda: _attempt(client, method, path, **kwargs), lambda r: r is not None, timeout=90, interval=0.5)


def _attempt(client, method, path, **kwargs):
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError:
        return None
    if response.status_code >= 500:
        return None
    assert response.status_code < 400, response.text
    return response.json()


def _publish_a_statement(suite, channel: Channel, tag: str) -> str:
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as client:
        tokens = {u: _call(client, "POST", "/api/v1/auth/token", json={"username": u, "password": PASSWORD})["access_token"]
                  for u in ("admin", "yqb", "fayanren", "leader")}
        as_ = {u: {"authorization": f"Bearer {t}"} for u, t in tokens.items()}
        _call(client, "PUT", "/api/v1/admin/publication-channels/chaos", headers=as_["admin"],
              json={"url": channel.url, "secret": "chaos-secret", "enabled": True})
        accepted = _call(client, "POST", "/api/v1/items", headers=as_["yqb"], json={
            "source": "monitor_patrol", "title": f"城关镇供水管道爆裂（{tag}）", "region_hint": "城关镇",
            "url": f"https://weibo.com/chaos/{tag}"})
        event_id = accepted["event_id"]
        wait_for(lambda: _attempt(client, "GET", f"/api/v1/events/{event_id}/statements", headers=as_["yqb"]),
                 lambda s: s and s.get("level"), timeout=90, interval=0.5)
        _call(client, "PUT", f"/api/v1/events/{event_id}/spokesperson", headers=as_["yqb"], json={"username": "fayanren"})
        statement = _call(client, "POST", f"/api/v1/events/{event_id}/statements", headers=as_["fayanren"],
                          json={"kind": "response", "disposition": "inquiry"})
        actions = f"/api/v1/statements/{statement['statement_id']}/actions"
        _call(client, "POST", actions, headers=as_["fayanren"], json={"action": "submit"})
        _call(client, "POST", actions, headers=as_["leader"], json={"action": "approve"})
        _call(client, "POST", actions, headers=as_["fayanren"], json={"action": "publish"})
        return statement["statement_id"]


def test_nothing_is_lost_or_repeated_through_kills_and_restarts(chaos_suite, servers):
    suite, (postgres, store) = chaos_suite, servers
    tag = uuid.uuid4().hex[:8]
    channel = Channel()
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as http:
        admin = {"authorization": "Bearer " + http.post("/api/v1/auth/token", json={
            "username": "admin", "password": PASSWORD}).json()["access_token"]}
        # 关注 answers within one minute here, so its timers come due during the run.
        plan = http.get("/api/v1/response-plans", headers=admin).json()["items"][0]["levels"]
        plan["V"] = [{"key": "answer", "name": "相关单位答复", "owner": "unit", "minutes": 1}]
        assert http.post("/api/v1/response-plans", headers=admin, json={"levels": {
            level: [{k: v for k, v in step.items() if v is not None} for step in steps]
            for level, steps in plan.items()}}).status_code == 201
        monitor = http.post("/api/v1/auth/token", json={"username": "jiance", "password": PASSWORD}).json()["access_token"]

    platform = Platform(suite.gateway_url, monitor, tag)
    platform.thread.start()
    step = CHAOS_SECONDS / 8
    statement_id = ""
    for name in ("ingest", "grading", "dispatch"):
        time.sleep(step)
        _restart(suite, name)
    statement_id = _publish_a_statement(suite, channel, tag)
    _restart(suite, "publish")                         # its channel delivery may be in flight
    time.sleep(step)
    _restart(suite, "gateway")
    time.sleep(step)
    store.stop()
    time.sleep(2)
    store.start()
    time.sleep(step)
    postgres.stop("immediate")                         # a crash: recovery from the WAL
    time.sleep(2)
    postgres.start()
    time.sleep(step)
    platform.finish()
    suite.wait_ready(timeout=120)
    assert not platform.unanswered, f"{len(platform.unanswered)} batches never answered"

    # Items: each accepted URL stored once.
    items = ingest_models.items
    ours = items.c.platform == f"chaos-{tag}"
    stored = query_service(suite, "ingest", select(func.count()).where(ours))
    distinct = query_service(suite, "ingest", select(func.count(func.distinct(items.c.canonical_url))).where(ours))
    accepted = len(platform.acked)

    # Every message on each stream that its consumer group acts on took effect once there (the
    # inbox holds one row per message id) and none is missing; the outboxes are empty.
    client = redis.Redis.from_url(store.url)

    def message_ids(stream: str, wants=None) -> set[str]:
        envelopes = [Envelope(fields[b"id"].decode(), fields[b"type"].decode(), fields[b"payload"], entry_id.decode())
                     for entry_id, fields in client.xrange(stream_name(suite.settings.stream_prefix, stream))]
        return {e.message_id for e in envelopes if wants is None or wants(e)}

    def rows(service: str, table: str) -> int:
        return query_service(suite, service, select(func.count()).select_from(getattr(SERVICE_MODELS[service], table)))

    for service in SERVICE_MODELS:
        wait_for(lambda: rows(service, "outbox"), lambda n: n == 0, timeout=120, interval=1)
    # Dispatch acts only on items carrying a superior's deadline, publish only on lead assignments.
    consumed = {"grading": [(streams.ITEMS, None)],
                "dispatch": [(streams.ITEMS, carries_feedback_deadline), (streams.LEVELS, None), (streams.STATEMENTS, None)],
                "publish": [(streams.ITEMS, None), (streams.LEVELS, None), (streams.ASSIGNMENTS, LeadChanges().wants)]}
    for service, from_streams in consumed.items():
        expected = set().union(*(message_ids(stream, wants) for stream, wants in from_streams))
        wait_for(lambda: rows(service, "inbox"), lambda n: n == len(expected), timeout=120, interval=1)

    # Events: graded once and assigned once each.
    event_ids = set(query_service(suite, "ingest", select(items.c.event_id).where(ours).distinct(), all_rows=True))
    grades = grading_models.event_grades
    graded = wait_for(lambda: query_service(suite, "grading", select(func.count()).where(grades.c.event_id.in_(event_ids))),
                      lambda n: n == len(event_ids), timeout=120, interval=1)
    assignments = dispatch_models.assignments
    lead = select(func.count()).where(assignments.c.event_id.in_(event_ids), assignments.c.role == "lead")
    assigned = wait_for(lambda: query_service(suite, "dispatch", lead), lambda n: n == len(event_ids), timeout=120, interval=1)

    # Timers: every one that came due fired, each once.
    timers = dispatch_models.timers
    due = timers.c.fire_at <= func.now() - func.make_interval(0, 0, 0, 0, 0, 0, 5)
    wait_for(lambda: query_service(suite, "dispatch", select(func.count()).where(due, timers.c.fired_at.is_(None))),
             lambda n: n == 0, timeout=120, interval=1)
    fired = timers_fired_once(suite)

    # No child row without its parent where the schema does not check (docs/operations.md).
    stray = {f"{child.table.name}.{child.name}": query_service(suite, service, orphans(child, parent))
             for service, models in (("ingest", ingest_models), ("dispatch", dispatch_models))
             for child, parent in models.UNENFORCED_REFERENCES}
    assert set(stray.values()) == {0}, stray

    # The statement reached its channel under one Idempotency-Key, one version.
    wait_for(lambda: [b for _, b in channel.received if b.get("statement_id") == statement_id], bool, timeout=90)
    keys = {key for key, body in channel.received if body.get("statement_id") == statement_id}
    assert len(keys) == 1

    verified = subprocess.run([sys.executable, "-m", "yuqing.cli", "audit", "verify"], env=suite.env,
                              capture_output=True, text=True, timeout=60)
    duplicates, lost = stored - distinct, len(platform.sent) - distinct
    print(f"\nchaos ({CHAOS_SECONDS:.0f} s of load; SIGKILL of ingest, grading, dispatch, publish, gateway; "
          f"Redis restart; PostgreSQL crash): sent {len(platform.sent)}, accepted {accepted}, stored {stored}, "
          f"graded {graded} events, assigned {assigned}, duplicates {duplicates}, lost {lost}; "
          f"{platform.failures} batches retried by the platform; {fired} timers fired, each once; "
          f"statement notified under {len(keys)} key; no child row without its parent; {verified.stdout.strip()}")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert accepted == len(platform.sent) and duplicates == 0 and lost == 0

