"""Single items on their way to ingest, sent together when they queue up.

A gRPC call costs the gateway and ingest each about a millisecond of CPU (on a 2-core machine
of the benchmarks' kind), whatever its size. While a caller's call to ingest is in flight, the
single items that arrive for the same caller wait, and go together in one SubmitItems call when
it returns: under load a call's cost is paid once per group; alone, an item waits for nothing
and goes as SubmitItem, as before. Each item keeps its own answer (accepted, duplicate, or
refused with its own reasons) and its own trace: its request's context travels in the item
(ItemInput.trace_context), so ingest's message for it continues that request's trace, and the
grouped call's span links to every request it carries.

A grouped call that fails gives each of its items the error the call got, as a single call
would have (503 while ingest is down, 504 on its deadline): the items may have been stored, so
they are not sent again. Only a failure inside ingest (INTERNAL, UNKNOWN: its transaction rolled
back, nothing stored) sends each item alone, so one item's fault is its own."""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass

import grpc
from opentelemetry import trace

from gateway.clients import ServiceClients
from gateway.problems import service_problem
from yuqing.core.identity import Caller
from yuqing.core.monitoring import SINGLE_ITEMS_SENT
from yuqing.core.telemetry import inject_context
from yuqing.ingest.v1 import ingest_pb2

MAX_GROUP_ITEMS = 200
# Codes a call gets only when ingest itself failed, after rolling the batch back.
_SENT_ALONE_AFTER = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN})

_tracer = trace.get_tracer(__name__)


@dataclass
class _Waiting:
    item: ingest_pb2.ItemInput
    answer: asyncio.Future
    request: contextvars.Context   # the request's: an item sent alone after all is sent in it
    span: trace.SpanContext        # the request's span: the grouped call links to it


class SingleItems:
    def __init__(self, clients: ServiceClients) -> None:
        self.clients = clients
        # A caller's items waiting for its call in flight; a caller is here exactly while it has one.
        self.lanes: dict[tuple, list[_Waiting]] = {}
        self.sending: set[asyncio.Task] = set()   # held: the loop keeps only weak references to tasks

    async def submit(self, caller: Caller, item: ingest_pb2.ItemInput) -> ingest_pb2.SubmitItemResponse:
        """The item's answer, as SubmitItem gives it; a refused item raises the Problem (422, with
        its reasons) that SubmitItem's INVALID_ARGUMENT answers in the gateway."""
        metadata = caller.metadata()
        if item.attachments:   # screenshots (megabytes) go alone: a group must stay one message
            return await self._call_alone(metadata, item)
        waiting = self.lanes.get(metadata)
        if waiting is None:
            self.lanes[metadata] = []
            try:
                return await self._call_alone(metadata, item)
            finally:
                self._returned(metadata)
        item.trace_context.update(inject_context())
        answer = asyncio.get_running_loop().create_future()
        waiting.append(_Waiting(item, answer, contextvars.copy_context(), trace.get_current_span().get_span_context()))
        return await answer

    async def _call_alone(self, metadata: tuple, item: ingest_pb2.ItemInput) -> ingest_pb2.SubmitItemResponse:
        SINGLE_ITEMS_SENT.labels("alone").inc()
        return await self.clients.ingest.SubmitItem(ingest_pb2.SubmitItemRequest(item=item),
                                                    timeout=self.clients.timeout, metadata=metadata)

    def _returned(self, metadata: tuple) -> None:
        """A call returned: the items that waited meanwhile go in the next, or the caller's lane
        is gone. An item whose request gave up meanwhile (its client went away) is not sent."""
        waiting = [w for w in self.lanes[metadata] if not w.answer.done()]
        if not waiting:
            del self.lanes[metadata]
            return
        group, self.lanes[metadata] = waiting[:MAX_GROUP_ITEMS], waiting[MAX_GROUP_ITEMS:]
        # A context of its own: the group belongs to no one request's trace (its span links to each).
        task = asyncio.create_task(self._send(metadata, group), context=contextvars.Context())
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def _send(self, metadata: tuple, group: list[_Waiting]) -> None:
        SINGLE_ITEMS_SENT.labels("grouped").inc(len(group))
        try:
            with _tracer.start_as_current_span("gateway.single_items.group", links=[trace.Link(w.span) for w in group],
                                               attributes={"yuqing.batch_size": len(group)}):
                response = await self.clients.ingest.SubmitItems(
                    ingest_pb2.SubmitItemsRequest(items=[w.item for w in group]),
                    timeout=self.clients.timeout, metadata=metadata)
            for result in response.results:
                _answer(group[result.index].answer, result)
        except grpc.aio.AioRpcError as error:
            if error.code() in _SENT_ALONE_AFTER and len(group) > 1:
                await asyncio.gather(*(asyncio.create_task(self._answer_alone(metadata, w), context=w.request)
                                       for w in group))
            else:
                _fail(group, error)
        except asyncio.CancelledError:   # the gateway is stopping
            for waiting in group:
                waiting.answer.cancel()
            raise
        except Exception as error:   # answered as a failed single call would be (500)
            _fail(group, error)
        finally:
            self._returned(metadata)

    async def _answer_alone(self, metadata: tuple, waiting: _Waiting) -> None:
        try:
            response = await self._call_alone(metadata, waiting.item)
        except Exception as error:   # its own answer, whatever it is: its request must not hang
            _fail([waiting], error)
            return
        if not waiting.answer.done():
            waiting.answer.set_result(response)


def _fail(group: list[_Waiting], error: BaseException) -> None:
    for waiting in group:
        if not waiting.answer.done():
            waiting.answer.set_exception(error)


def _answer(answer: asyncio.Future, result: ingest_pb2.ItemResult) -> None:
    if answer.done():   # its request gave up (the client went away)
        return
    if result.status == ingest_pb2.ItemResult.REJECTED:   # as SubmitItem's INVALID_ARGUMENT reads
        answer.set_exception(service_problem(grpc.StatusCode.INVALID_ARGUMENT, result.message,
                                             [{"field": p.field, "reason": p.reason} for p in result.problems]))
        return
    answer.set_result(ingest_pb2.SubmitItemResponse(item_id=result.item_id, event_id=result.event_id,
                                                    duplicate=result.status == ingest_pb2.ItemResult.DUPLICATE))
