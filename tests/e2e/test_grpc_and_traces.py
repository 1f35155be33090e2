"""Every service answers the standard health check and server reflection from a plain gRPC
client; one item's trace runs gateway → ingest → grading → dispatch → publish, each edge a
parent span in one service and its child in the next; single items the gateway sent to ingest
together each keep their own answer and their own trace."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.e2e.conftest import graded_and_assigned
from yuqing.core.settings import SERVICES

FULL_NAMES = {"ingest": "yuqing.ingest.v1.IngestService", "grading": "yuqing.grading.v1.GradingService",
              "dispatch": "yuqing.dispatch.v1.DispatchService", "publish": "yuqing.publish.v1.PublishService"}


def test_health_and_reflection_on_every_service(suite):
    for name in SERVICES:
        with grpc.insecure_channel(suite.settings.address_of(name)) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", FULL_NAMES[name]):
                status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
                assert status == health_pb2.HealthCheckResponse.SERVING
            reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
            responses = reflection.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
            listed = {s.name for r in responses for s in r.list_services_response.service}
            assert {FULL_NAMES[name], "grpc.health.v1.Health"} <= listed


PIPELINE_EDGES = {("gateway", "ingest"), ("ingest", "grading"), ("grading", "dispatch"), ("dispatch", "publish")}


def service_edges(spans) -> set[tuple[str, str]]:
    """(parent's service, child's service) for every span whose parent ran in another service."""
    by_id = {s.span_id: s for s in spans}
    return {(by_id[s.parent_span_id].service, s.service) for s in spans
            if s.parent_span_id in by_id and by_id[s.parent_span_id].service != s.service}


def test_one_trace_from_gateway_through_every_stream_hop(client, otlp):
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": "青山乡青山村山体滑坡", "region_hint": "青山乡",
        "url": f"https://news.example.cn/{uuid.uuid4().hex}", "metrics": {"views": 1500}}).json()
    graded_and_assigned(client, accepted["event_id"])
    deadline = time.monotonic() + 20
    while True:
        spans = otlp.snapshot()
        post_spans = [s for s in spans if s.service == "gateway" and "POST /api/v1/items" in s.name and not s.parent_span_id]
        traces = {s.trace_id for s in post_spans}
        edges = {t: service_edges([s for s in spans if s.trace_id == t]) for t in traces}
        complete = [t for t, found in edges.items() if PIPELINE_EDGES <= found]
        if complete or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # gateway → ingest (gRPC) → grading → dispatch → publish (stream hops), parent to child.
    assert complete, f"service edges seen per trace: {edges}"
    trace_spans = [s for s in spans if s.trace_id == complete[0]]
    ids = {s.span_id for s in trace_spans}
    # Every span but the root has its parent in the same trace: the edges are unbroken.
    assert all(s.parent_span_id in ids for s in trace_spans if s.parent_span_id)
    names = {(s.service, s.name) for s in trace_spans}
    assert any(svc == "grading" and "ingest.items process" in n for svc, n in names)
    assert any(svc == "dispatch" and "grading.levels process" in n for svc, n in names)
    assert any(svc == "ingest" and "SubmitItem" in n for svc, n in names)
    assert any(svc == "publish" and "dispatch.assignments process" in n for svc, n in names)


def test_single_items_sent_at_once_go_together_each_with_its_own_answer_and_trace(client, otlp):
    run = uuid.uuid4().hex[:8]
    bodies = [{"source": "platform", "platform": "微博", "url": f"https://weibo.com/{run}/{n}",
               "content": f"{run} 第{n}条：滨江小区第{n}栋电梯困人，业主质疑维保"} for n in range(30)]
    bodies += [{"source": "platform", "url": f"ftp://files.example.cn/{run}/{n}", "content": "网址不对"} for n in range(4)]

    # Each request begins its own trace (a caller's traceparent): the trace names the request.
    trace_ids = [uuid.uuid4().hex for _ in bodies]

    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=str(client.base_url), headers=client.headers, timeout=30) as http:
            return await asyncio.gather(*(http.post("/api/v1/items", json=b, headers={
                "traceparent": f"00-{t}-{uuid.uuid4().hex[:16]}-01"}) for b, t in zip(bodies, trace_ids, strict=True)))

    answers = asyncio.run(send_all())
    stored, refused = answers[:30], answers[30:]
    assert [a.status_code for a in stored] == [201] * 30, [a.text for a in stored if a.status_code != 201]
    assert len({a.json()["item_id"] for a in stored}) == 30
    for answer in refused:   # ingest's refusal, read the same whether the item went alone or grouped
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == ["url"]
    for answer, body in zip(stored[:3], bodies, strict=False):
        event = client.get(f"/api/v1/events/{answer.json()['event_id']}").json()
        assert answer.json()["item_id"] in {i["item_id"] for i in event["items"]}
        assert any(i["url"] == body["url"] for i in event["items"])

    # Most came while another call was in flight: they went in grouped calls, whose spans link to
    # each request; each grouped item's message continues its own request's trace into grading.
    requests, stored_traces = set(trace_ids), set(trace_ids[:30])

    def grouped_and_graded():
        spans = otlp.snapshot()
        links = {link for s in spans if s.name == "gateway.single_items.group" for link in s.links
                 if link[0] in requests}   # (the receiver keeps other tests' spans too)
        graded = {(s.trace_id, s.parent_span_id) for s in spans
                  if s.service == "grading" and s.name.endswith("ingest.items process")}
        return links, graded
    deadline = time.monotonic() + 20
    while True:
        links, graded = grouped_and_graded()
        grouped_stored = {link for link in links if link[0] in stored_traces}
        if (grouped_stored and grouped_stored <= graded) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(grouped_stored) >= 10, "the items were not grouped"
    assert grouped_stored <= graded, f"{len(grouped_stored - graded)} grouped items' traces never reached grading"
    assert not {t for t, _ in graded} & set(trace_ids[30:])   # refused: never announced
