"""The gateway's grouping of single items (gateway/batching.py) against an ingest stand-in served
over real gRPC on loopback: what each request gets back, what is sent again and what never is."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from gateway.batching import SingleItems
from gateway.clients import ServiceClients
from gateway.console import _messages as console_messages
from gateway.problems import Problem
from tests.conftest import counted
from yuqing.core.identity import Caller
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc

MONITOR = Caller(username="jiance", roles=frozenset({"monitor"}))
OTHER_MONITOR = Caller(username="jiance2", roles=frozenset({"monitor"}))


class StandIn(ingest_pb2_grpc.IngestServiceServicer):
    """Answers each item by its title: "bad…" is refused, "dup…" a duplicate, the rest accepted.
    A single call is held until `release` is set; grouped calls fail with `group_fails`."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.single_calls: list[str] = []
        self.group_calls: list[list[ingest_pb2.ItemInput]] = []
        self.group_fails: grpc.StatusCode | None = None

    @staticmethod
    def result(index: int, item: ingest_pb2.ItemInput) -> ingest_pb2.ItemResult:
        if item.title.startswith("bad"):
            return ingest_pb2.ItemResult(index=index, status=ingest_pb2.ItemResult.REJECTED, message="信息内容不符合要求",
                                         problems=[ingest_pb2.FieldProblem(field="url", reason="网址必须以 http 开头")])
        status = ingest_pb2.ItemResult.DUPLICATE if item.title.startswith("dup") else ingest_pb2.ItemResult.ACCEPTED
        return ingest_pb2.ItemResult(index=index, status=status, item_id=f"item-{item.title}", event_id="e")

    async def SubmitItem(self, request, context):
        self.single_calls.append(request.item.title)
        await self.release.wait()
        result = self.result(0, request.item)
        if result.status == ingest_pb2.ItemResult.REJECTED:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, result.message)
        return ingest_pb2.SubmitItemResponse(item_id=result.item_id, event_id=result.event_id,
                                             duplicate=result.status == ingest_pb2.ItemResult.DUPLICATE)

    async def SubmitItems(self, request, context):
        self.group_calls.append(list(request.items))
        if self.group_fails is not None:
            await context.abort(self.group_fails, "stand-in failure")
        return ingest_pb2.SubmitItemsResponse(results=[self.result(i, m) for i, m in enumerate(request.items)])


@pytest.fixture
async def ingest():
    stand_in = StandIn()
    server = grpc.aio.server()
    ingest_pb2_grpc.add_IngestServiceServicer_to_server(stand_in, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield stand_in, SingleItems(ServiceClients({"ingest": channel}, timeout=5))
    await channel.close()
    await server.stop(None)


def item(title: str, **fields) -> ingest_pb2.ItemInput:
    return ingest_pb2.ItemInput(source="platform", title=title, **fields)


async def while_one_is_in_flight(stand_in: StandIn, single_items: SingleItems, caller: Caller, titles: list[str],
                                 **fields) -> tuple[asyncio.Task, list[asyncio.Task]]:
    """Starts a first item (held by the stand-in), then `titles` behind it; releases the first."""
    first = asyncio.create_task(single_items.submit(MONITOR, item("first")))
    while not stand_in.single_calls:
        await asyncio.sleep(0.01)
    behind = [asyncio.create_task(single_items.submit(caller, item(t, **fields))) for t in titles]
    await asyncio.sleep(0.05)
    stand_in.release.set()
    return first, behind


def sent(way: str) -> float:
    return counted("yuqing_gateway_single_items_total", way=way)


async def test_items_arriving_while_a_call_is_in_flight_go_together_each_with_its_own_answer(ingest):
    stand_in, single_items = ingest
    alone, grouped = sent("alone"), sent("grouped")
    first, behind = await while_one_is_in_flight(stand_in, single_items, MONITOR, ["a", "bad-url", "dup-b", "c"])
    assert (await first).item_id == "item-first"
    answers = await asyncio.gather(*behind, return_exceptions=True)
    assert stand_in.single_calls == ["first"]
    assert [[m.title for m in call] for call in stand_in.group_calls] == [["a", "bad-url", "dup-b", "c"]]
    assert [a.item_id for a in (answers[0], answers[2], answers[3])] == ["item-a", "item-dup-b", "item-c"]
    assert (answers[0].duplicate, answers[2].duplicate) == (False, True)
    refused = answers[1]
    assert isinstance(refused, Problem) and refused.status == 422 and refused.type_ == "validation"
    assert refused.title == "信息内容不符合要求" and refused.errors == [{"field": "url", "reason": "网址必须以 http 开头"}]
    # The console's report form names the field to mend, as it does for an item refused alone.
    assert console_messages(refused) == ["信息内容不符合要求", "url：网址必须以 http 开头"]
    assert not single_items.lanes   # the lane is freed once nothing waits
    assert (sent("alone") - alone, sent("grouped") - grouped) == (1, 4)   # what an operator sees


async def test_an_item_whose_request_gave_up_while_waiting_is_not_sent(ingest):
    stand_in, single_items = ingest
    first = asyncio.create_task(single_items.submit(MONITOR, item("first")))
    while not stand_in.single_calls:
        await asyncio.sleep(0.01)
    gone, kept = (asyncio.create_task(single_items.submit(MONITOR, item(t))) for t in ("gone", "kept"))
    await asyncio.sleep(0.05)
    gone.cancel()   # as uvicorn cancels a request whose client disconnected
    stand_in.release.set()
    assert [(await first).item_id, (await kept).item_id] == ["item-first", "item-kept"]
    assert gone.cancelled()
    assert stand_in.single_calls == ["first"] and [[m.title for m in c] for c in stand_in.group_calls] == [["kept"]]


async def test_a_grouped_item_carries_its_own_requests_trace(ingest):
    stand_in, single_items = ingest
    tracer = TracerProvider().get_tracer("test")
    first = asyncio.create_task(single_items.submit(MONITOR, item("first")))
    while not stand_in.single_calls:
        await asyncio.sleep(0.01)
    with tracer.start_as_current_span("request a") as span_a:
        a = asyncio.create_task(single_items.submit(MONITOR, item("a")))
    with tracer.start_as_current_span("request b") as span_b:
        b = asyncio.create_task(single_items.submit(MONITOR, item("b")))
    await asyncio.sleep(0.05)
    stand_in.release.set()
    await asyncio.gather(first, a, b)
    # traceparent: version-trace id-parent span id-flags
    sent = {m.title: m.trace_context["traceparent"].split("-")[1:3] for m in stand_in.group_calls[0]}
    for title, span in (("a", span_a), ("b", span_b)):
        context = span.get_span_context()
        assert sent[title] == [trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)]


async def test_callers_never_share_a_call(ingest):
    stand_in, single_items = ingest
    first = asyncio.create_task(single_items.submit(MONITOR, item("first")))
    while not stand_in.single_calls:
        await asyncio.sleep(0.01)
    other = asyncio.create_task(single_items.submit(OTHER_MONITOR, item("x")))
    await asyncio.sleep(0.05)
    # The other monitor's lane was free: its item went by itself at once, while the first was held.
    assert stand_in.single_calls == ["first", "x"]
    stand_in.release.set()
    assert [(await first).item_id, (await other).item_id] == ["item-first", "item-x"]
    assert not stand_in.group_calls


async def test_items_with_screenshots_always_go_alone(ingest):
    stand_in, single_items = ingest
    shot = [ingest_pb2.AttachmentInput(filename="s.png", content_type="image/png", data=b"\x89PNG")]
    first, behind = await while_one_is_in_flight(stand_in, single_items, MONITOR, ["r1", "r2"], attachments=shot)
    await asyncio.gather(first, *behind)
    assert sorted(stand_in.single_calls) == ["first", "r1", "r2"] and not stand_in.group_calls


async def answers_when_the_group_fails(ingest, code: grpc.StatusCode, titles: list[str]) -> list:
    """Each item's answer (or error) when the grouped call carrying `titles` fails with `code`."""
    stand_in, single_items = ingest
    stand_in.group_fails = code
    first, behind = await while_one_is_in_flight(stand_in, single_items, MONITOR, titles)
    await first
    return await asyncio.gather(*behind, return_exceptions=True)


async def test_a_group_ingest_could_not_take_fails_whole_and_is_never_sent_again(ingest):
    answers = await answers_when_the_group_fails(ingest, grpc.StatusCode.UNAVAILABLE, ["a", "b", "c"])
    assert all(isinstance(a, grpc.aio.AioRpcError) and a.code() == grpc.StatusCode.UNAVAILABLE for a in answers)
    # Perhaps stored before the failure reached the gateway: sending them again could store them twice.
    stand_in = ingest[0]
    assert stand_in.single_calls == ["first"] and len(stand_in.group_calls) == 1


async def test_a_group_that_failed_inside_ingest_is_sent_item_by_item(ingest):
    answers = await answers_when_the_group_fails(ingest, grpc.StatusCode.INTERNAL, ["a", "bad-url", "c"])
    assert sorted(ingest[0].single_calls) == ["a", "bad-url", "c", "first"]
    assert [answers[0].item_id, answers[2].item_id] == ["item-a", "item-c"]
    assert isinstance(answers[1], grpc.aio.AioRpcError) and answers[1].code() == grpc.StatusCode.INVALID_ARGUMENT
