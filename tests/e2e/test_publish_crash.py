"""A crash between publishing and notifying: publish is SIGKILLed while the channel delivery of a
just-published statement is in flight. After a restart, the stream carries the version once,
dispatch acts on it once, and the channel receives it under one Idempotency-Key — the delivery
log shows it sent once."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, graded_and_assigned, running_suite, wait_for
from tests.e2e.test_grading import bearer
from yuqing.core import redis as redis_core
from yuqing.core import streams
from yuqing.core.bus import stream_name
from yuqing.publish.v1 import publish_pb2


@pytest.fixture(scope="module")
def crash_suite(backend, tmp_path_factory, otlp):
    yield from running_suite(backend, tmp_path_factory, otlp, YQ_DELIVERY_LEASE_SECONDS="2")


class Channel:
    """A webhook channel on 127.0.0.1 that holds its first request until released."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.first_arrived = threading.Event()
        self.release_first = threading.Event()
        channel = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                channel.received.append({"key": self.headers["idempotency-key"], "body": json.loads(body)})
                if len(channel.received) == 1:
                    channel.first_arrived.set()
                    channel.release_first.wait(30)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass            # the sender died while we held the request

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release_first.set()
        self.server.shutdown()


def test_a_crash_between_publish_and_notify_repeats_nothing_and_loses_nothing(crash_suite):
    suite = crash_suite
    channel = Channel()
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as client:
        token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()
        client.headers["authorization"] = f"Bearer {token['access_token']}"
        try:
            assert client.put("/api/v1/admin/publication-channels/weibo",
                              json={"url": channel.url, "secret": "s", "enabled": True}).status_code == 200
            accepted = client.post("/api/v1/items", json={
                "source": "monitor_patrol", "title": f"河西镇滨江路积水（{uuid.uuid4().hex[:8]}）",
                "region_hint": "河西镇", "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": {"views": 1500}}).json()
            event_id = graded_and_assigned(client, accepted["event_id"])["event_id"]
            office, spokesperson, leader, leader2 = (bearer(client, u) for u in ("yqb", "fayanren", "leader", "leader2"))
            wait_for(lambda: client.get(f"/api/v1/events/{event_id}/statements", headers=office).json(),
                     lambda s: s.get("level"))
            client.put(f"/api/v1/events/{event_id}/spokesperson", headers=office, json={"username": "fayanren"})
            statement = client.post(f"/api/v1/events/{event_id}/statements", headers=spokesperson,
                                    json={"kind": "response", "disposition": "inquiry", "unit_name": "河西镇人民政府"}).json()
            actions = f"/api/v1/statements/{statement['statement_id']}/actions"
            client.post(actions, headers=spokesperson, json={"action": "submit"})
            client.post(actions, headers=leader, json={"action": "approve"})
            client.post(actions, headers=leader2, json={"action": "approve"})
            published = client.post(actions, headers=spokesperson, json={"action": "publish"})
            assert published.status_code == 200, published.text

            # The delivery is in flight: kill publish before the channel answers.
            assert channel.first_arrived.wait(30), "the channel never heard of the release"
            suite.kill("publish")
            channel.release_first.set()
            time.sleep(0.5)
            suite.start("publish")
            suite.wait_ready(timeout=60)

            deliveries = wait_for(lambda: client.get("/api/v1/admin/publication-deliveries").json()["items"],
                                  lambda rows: rows and all(r["status"] == "sent" for r in rows), timeout=60,
                                  interval=0.5)
            assert len(deliveries) == 1 and deliveries[0]["attempts"] >= 2
            keys = {r["key"] for r in channel.received}
            assert len(channel.received) >= 2 and len(keys) == 1, "a repeat carries the same Idempotency-Key"
            assert {r["body"]["release_id"] for r in channel.received} == {deliveries[0]["release_id"]}

            # The stream: one message for the version (a relay repeat would carry the same id).
            messages = asyncio.run(_published(suite, statement["statement_id"]))
            assert len({message_id for message_id, _ in messages}) == 1
            assert {release_id for _, release_id in messages} == {deliveries[0]["release_id"]}
            # Dispatch acted on it once: one step completion, by the spokesperson, for this release.
            def completions():
                lead = next(a for a in client.get(f"/api/v1/events/{event_id}").json()["assignments"]
                            if a["role"] == "lead")
                return [a for a in client.get(f"/api/v1/assignments/{lead['assignment_id']}").json()["actions"]
                        if a["action"] == "complete_step" and a["actor"] == "fayanren"]
            wait_for(completions, lambda found: found, timeout=30)
            time.sleep(1)
            assert len(completions()) == 1
        finally:
            channel.close()


async def _published(suite, statement_id: str) -> list[tuple[str, str]]:
    """(message id, release id) of every StatementPublished for the statement on the stream."""
    redis = redis_core.connect(suite.settings)
    try:
        entries = await redis.xrange(stream_name(suite.settings.stream_prefix, streams.STATEMENTS))
    finally:
        await redis.aclose()
    found = []
    for _, fields in entries:
        message = publish_pb2.StatementPublished.FromString(fields[b"payload"])
        if message.statement_id == statement_id:
            found.append((fields[b"id"].decode(), message.release_id))
    return found
