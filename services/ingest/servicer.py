"""gRPC entrypoint of ingest: protobuf ⇄ domain only."""

from __future__ import annotations

from opentelemetry import trace

from services.ingest.domain import NewItem
from services.ingest.service import IngestService
from yuqing.core.metrics import Metrics
from yuqing.core.protobuf import from_timestamp, metrics_message, page_bounds, timestamp
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc


class IngestServicer(ingest_pb2_grpc.IngestServiceServicer):
    def __init__(self, service: IngestService) -> None:
        self.service = service

    async def SubmitItem(self, request, context):
        item = request.item
        new_item = NewItem(
            source=item.source.strip(), platform=item.platform.strip(), url=item.url.strip(),
            title=item.title.strip(), content=item.content, author=item.author.strip(),
            published_at=from_timestamp(item.published_at, item.HasField("published_at")),
            discovered_at=from_timestamp(item.discovered_at, item.HasField("discovered_at")) or self.service.clock(),
            region_hint=item.region_hint.strip(), metrics=Metrics.of(item.metrics),
            source_item_id=item.source_item_id.strip(), reporter=item.reporter,
        )
        result = await self.service.submit(new_item)
        span = trace.get_current_span()
        span.set_attribute("yuqing.item_id", result.item_id)
        span.set_attribute("yuqing.event_id", result.event_id)
        return ingest_pb2.SubmitItemResponse(item_id=result.item_id, event_id=result.event_id, duplicate=result.duplicate)

    async def GetEvent(self, request, context):
        event, items = await self.service.event_with_items(request.event_id)
        return event_message(event, items)

    async def ListEvents(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.service.page_of_events(limit, offset)
        return ingest_pb2.ListEventsResponse(events=[event_message(r) for r in rows], total=total)

    async def BatchGetEvents(self, request, context):
        rows = await self.service.events(list(request.event_ids)[:500])
        return ingest_pb2.BatchGetEventsResponse(events=[event_message(r) for r in rows])


def event_message(event, items=()) -> ingest_pb2.Event:
    return ingest_pb2.Event(
        event_id=event["event_id"], title=event["title"], discovered_at=timestamp(event["discovered_at"]),
        locality=event["locality"], item_count=event["item_count"], metrics=metrics_message(Metrics.of(event)),
        updated_at=timestamp(event["updated_at"]), items=[item_message(i) for i in items],
    )


def item_message(item) -> ingest_pb2.Item:
    return ingest_pb2.Item(
        item_id=item["item_id"], event_id=item["event_id"], source=item["source"], platform=item["platform"],
        url=item["url"], canonical_url=item["canonical_url"] or "", title=item["title"], content=item["content"],
        author=item["author"], published_at=timestamp(item["published_at"]),
        discovered_at=timestamp(item["discovered_at"]), region_hint=item["region_hint"],
        metrics=metrics_message(Metrics.of(item)), reporter=item["reporter"], snapshot_count=item["snapshot_count"],
    )
