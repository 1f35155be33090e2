"""gRPC entrypoint of ingest: protobuf ⇄ domain only."""

from __future__ import annotations

import asyncio

from opentelemetry import trace

from services.ingest.domain import NewItem
from services.ingest.feeds import FeedAdmin
from services.ingest.matching import Place, Topic, WordList
from services.ingest.preparing import new_item
from services.ingest.service import ACCEPTED, DUPLICATE, REJECTED, IngestService, ItemOutcome
from yuqing.core.grpc_server import caller_of
from yuqing.core.metrics import Metrics
from yuqing.core.protobuf import metrics_message, page_bounds, timestamp
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc

# Who may feed items in: people who report, and machines (import, platforms) with no roles
# asserted are the gateway's and the CLI's business; configuration is the admin's.
CONFIG_ROLES = frozenset({"admin"})
CLOSE_ROLES = frozenset({"admin", "office"})
STREAM_CHUNK = 500
STREAM_IDLE_FLUSH_SECONDS = 0.2
_STATUS = {ACCEPTED: ingest_pb2.ItemResult.ACCEPTED, DUPLICATE: ingest_pb2.ItemResult.DUPLICATE,
           REJECTED: ingest_pb2.ItemResult.REJECTED}


def result_message(outcome: ItemOutcome, offset: int = 0) -> ingest_pb2.ItemResult:
    return ingest_pb2.ItemResult(
        index=outcome.index + offset, status=_STATUS[outcome.status], item_id=outcome.item_id,
        event_id=outcome.event_id, message=outcome.message,
        problems=[ingest_pb2.FieldProblem(field=p.field, reason=p.reason) for p in outcome.problems])


class IngestServicer(ingest_pb2_grpc.IngestServiceServicer):
    def __init__(self, service: IngestService, feeds: FeedAdmin) -> None:
        self.service = service
        self.feeds = feeds

    async def SubmitItem(self, request, context):
        outcome = await self.service.submit(new_item(request.item, self.service.clock()))
        span = trace.get_current_span()
        span.set_attribute("yuqing.item_id", outcome.item_id)
        span.set_attribute("yuqing.event_id", outcome.event_id)
        return ingest_pb2.SubmitItemResponse(item_id=outcome.item_id, event_id=outcome.event_id,
                                             duplicate=outcome.status == DUPLICATE)

    async def SubmitItems(self, request, context):
        outcomes = await self.service.submit_messages(request)
        trace.get_current_span().set_attribute("yuqing.batch_size", len(request.items))
        return ingest_pb2.SubmitItemsResponse(results=[result_message(o) for o in outcomes])

    async def StreamItems(self, request_iterator, context):
        """Items are committed in chunks of up to 500, or after 0.2 s without a new item,
        so a platform pushing slowly still sees its items stored promptly."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=STREAM_CHUNK * 2)
        end = object()

        async def read() -> None:
            async for message in request_iterator:
                await queue.put(message)
            await queue.put(end)

        reader = asyncio.create_task(read())
        summary = ingest_pb2.StreamItemsSummary()
        received = 0
        try:
            finished = False
            while not finished:
                chunk: list[NewItem] = []
                while len(chunk) < STREAM_CHUNK:
                    try:
                        message = await asyncio.wait_for(queue.get(), STREAM_IDLE_FLUSH_SECONDS if chunk else None)
                    except TimeoutError:
                        break
                    if message is end:
                        finished = True
                        break
                    chunk.append(new_item(message, self.service.clock()))
                if not chunk:
                    continue
                for outcome in await self.service.submit_many(chunk):
                    summary.accepted += outcome.status == ACCEPTED
                    summary.duplicates += outcome.status == DUPLICATE
                    if outcome.status == REJECTED:
                        summary.rejected += 1
                        summary.rejections.append(result_message(outcome, offset=received))
                received += len(chunk)
        finally:
            reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        summary.received = received
        return summary

    async def GetEvent(self, request, context):
        event, items, attachments, trend = await self.service.event_with_items(request.event_id)
        return event_message(event, items, attachments, trend)

    async def ListEvents(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.service.page_of_events(limit, offset)
        return ingest_pb2.ListEventsResponse(events=[event_message(r) for r in rows], total=total)

    async def BatchGetEvents(self, request, context):
        rows = await self.service.events(list(request.event_ids)[:500])
        return ingest_pb2.BatchGetEventsResponse(events=[event_message(r) for r in rows])

    async def CloseEvent(self, request, context):
        caller_of(context, CLOSE_ROLES)
        return event_message(await self.service.close_event(request.event_id, request.reason))

    async def GetAttachment(self, request, context):
        row = await self.service.attachment(request.item_id, request.attachment_id)
        return ingest_pb2.Attachment(info=attachment_info(row), data=row["data"])

    async def ListTopics(self, request, context):
        return ingest_pb2.ListTopicsResponse(topics=[topic_message(t) for t in await self.service.topics()])

    async def SaveTopic(self, request, context):
        caller_of(context, CONFIG_ROLES)
        topic = Topic(request.topic_id, request.name, tuple(tuple(g.words) for g in request.all_of),
                      tuple(request.none_of), request.scope or "full", request.enabled)
        return topic_message(await self.service.save_topic(topic))

    async def DeleteTopic(self, request, context):
        caller_of(context, CONFIG_ROLES)
        return ingest_pb2.DeleteResponse(deleted=await self.service.delete("topic", request.id))

    async def ListWordLists(self, request, context):
        return ingest_pb2.ListWordListsResponse(word_lists=[
            word_list_message(w) for w in await self.service.word_lists()])

    async def SaveWordList(self, request, context):
        caller_of(context, CONFIG_ROLES)
        saved = await self.service.save_word_list(
            WordList(request.list_id, request.name, request.category, tuple(request.words)))
        return word_list_message(saved)

    async def DeleteWordList(self, request, context):
        caller_of(context, CONFIG_ROLES)
        return ingest_pb2.DeleteResponse(deleted=await self.service.delete("word_list", request.id))

    async def ListPlaces(self, request, context):
        return ingest_pb2.ListPlacesResponse(places=[
            ingest_pb2.Place(name=p.name, locality=p.locality, kind=p.kind, alias_of=p.alias_of)
            for p in await self.service.places()])

    async def SavePlace(self, request, context):
        caller_of(context, CONFIG_ROLES)
        place = await self.service.save_place(Place(request.name, request.locality, request.kind, request.alias_of))
        return ingest_pb2.Place(name=place.name, locality=place.locality, kind=place.kind, alias_of=place.alias_of)

    async def DeletePlace(self, request, context):
        caller_of(context, CONFIG_ROLES)
        return ingest_pb2.DeleteResponse(deleted=await self.service.delete("place", request.id))

    async def ListFeeds(self, request, context):
        caller_of(context, CONFIG_ROLES)
        return ingest_pb2.ListFeedsResponse(feeds=[feed_message(f) for f in await self.feeds.list()])

    async def SaveFeed(self, request, context):
        caller_of(context, CONFIG_ROLES)
        feed = await self.feeds.save(request.feed_id, request.name, request.url, request.platform,
                                     request.interval_seconds or 300, request.enabled)
        return feed_message(feed)

    async def DeleteFeed(self, request, context):
        caller_of(context, CONFIG_ROLES)
        return ingest_pb2.DeleteResponse(deleted=await self.service.delete("feed", request.id))

    async def PollFeedNow(self, request, context):
        caller_of(context, CONFIG_ROLES)
        return feed_message(await self.feeds.poll_now(request.feed_id))


def topic_message(topic: Topic) -> ingest_pb2.Topic:
    return ingest_pb2.Topic(topic_id=topic.topic_id, name=topic.name, scope=topic.scope, enabled=topic.enabled,
                            all_of=[ingest_pb2.KeywordGroup(words=list(g)) for g in topic.all_of],
                            none_of=list(topic.none_of))


def word_list_message(word_list: WordList) -> ingest_pb2.WordList:
    return ingest_pb2.WordList(list_id=word_list.list_id, name=word_list.name, category=word_list.category,
                               words=list(word_list.words))


def feed_message(feed) -> ingest_pb2.Feed:
    return ingest_pb2.Feed(
        feed_id=feed["feed_id"], name=feed["name"], url=feed["url"], platform=feed["platform"],
        interval_seconds=feed["interval_seconds"], enabled=feed["enabled"], next_poll_at=timestamp(feed["next_poll_at"]),
        last_polled_at=timestamp(feed["last_polled_at"]), consecutive_failures=feed["consecutive_failures"],
        last_error=feed["last_error"], last_new_items=feed["last_new_items"], etag=feed["etag"],
        last_modified=feed["last_modified"])


def attachment_info(row) -> ingest_pb2.AttachmentInfo:
    return ingest_pb2.AttachmentInfo(attachment_id=row["attachment_id"], filename=row["filename"],
                                     content_type=row["content_type"], size=row["size"], sha256=row["sha256"])


def event_message(event, items=(), attachments=(), trend=()) -> ingest_pb2.Event:
    by_item: dict[str, list] = {}
    for row in attachments:
        by_item.setdefault(row["item_id"], []).append(row)
    return ingest_pb2.Event(
        event_id=event["event_id"], title=event["title"], discovered_at=timestamp(event["discovered_at"]),
        locality=event["locality"], item_count=event["item_count"], metrics=metrics_message(Metrics.of(event)),
        updated_at=timestamp(event["updated_at"]), items=[item_message(i, by_item.get(i["item_id"], ())) for i in items],
        status=event["status"], closed_at=timestamp(event["closed_at"]), reopen_count=event["reopen_count"],
        topics=event["topics"], sensitive_categories=event["sensitive_categories"],
        feedback_deadline=timestamp(event["feedback_deadline"]), drill_id=event["drill_id"],
        trend=[ingest_pb2.EventSnapshot(observed_at=timestamp(s["observed_at"]), metrics=metrics_message(Metrics.of(s)),
                                        item_count=s["item_count"]) for s in trend],
    )


def item_message(item, attachments=()) -> ingest_pb2.Item:
    return ingest_pb2.Item(
        item_id=item["item_id"], event_id=item["event_id"], source=item["source"], platform=item["platform"],
        url=item["url"], canonical_url=item["canonical_url"] or "", title=item["title"], content=item["content"],
        author=item["author"], published_at=timestamp(item["published_at"]),
        discovered_at=timestamp(item["discovered_at"]), region_hint=item["region_hint"],
        metrics=metrics_message(Metrics.of(item)), reporter=item["reporter"], snapshot_count=item["snapshot_count"],
        clean_text=item["clean_text"], attach_reason=item["attach_reason"],
        matches=[ingest_pb2.Match(**m) for m in item["matches"]],
        attachments=[attachment_info(a) for a in attachments],
        feedback_deadline=timestamp(item["feedback_deadline"]), issuing_agency=item["issuing_agency"],
        drill_id=item["drill_id"],
    )
