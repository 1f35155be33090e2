"""Admin API for what ingest matches and polls: monitoring topics, sensitive-word lists,
the gazetteer and RSS/Atom feeds. Reading is open to the office; changing is the admin's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from gateway import audit, views
from gateway.auth import CurrentCaller, require_roles
from gateway.inputs import Input
from gateway.problems import Problem
from yuqing.core.identity import Caller
from yuqing.ingest.v1 import ingest_pb2

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
Id = Annotated[str, Field(max_length=64)]


class TopicIn(Input):
    name: str = Field(min_length=1, max_length=100)
    all_of: list[list[Annotated[str, Field(max_length=50)]]] = Field(
        min_length=1, max_length=50, description="AND of OR-groups: every group needs one of its words")
    none_of: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=500,
                                                                  description="NOT: none of these words")
    scope: Literal["title", "full"] = "full"
    enabled: bool = True


class WordListIn(Input):
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=50, description="敏感类别：食品安全、公共卫生、安全生产、环境污染、自然灾害、教育、涉稳、保密之一")
    words: list[Annotated[str, Field(max_length=50)]] = Field(min_length=1, max_length=20_000)


class PlaceIn(Input):
    locality: str = Field(min_length=1, max_length=64, description="负责的乡镇（属地）单位代码")
    kind: str = Field("place", max_length=32, description="township, village, school, hospital …")
    alias_of: str = Field("", max_length=100, description="简称所指的全称，如 县一中 → 县第一中学")


class FeedIn(Input):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2048)
    platform: str = Field("", max_length=64)
    interval_seconds: int = Field(300, ge=30, le=86_400)
    enabled: bool = True



def _identity(*messages) -> str:
    """The id or name a change is about, for the audit log."""
    for message in messages:
        for name in ("topic_id", "list_id", "feed_id", "name", "id"):
            if name in message.DESCRIPTOR.fields_by_name and getattr(message, name):
                return getattr(message, name)
    return ""


async def _call(request: Request, caller: Caller, method: str, message):
    """Reads pass through; every change is written to the audit log once it succeeded."""
    result = await request.app.state.clients.call("ingest", method, message, caller)
    if not method.startswith("List"):
        details = {"name": message.name} if "name" in message.DESCRIPTOR.fields_by_name else {}
        await audit.record(request.app.state.sessions, caller, f"ingest.{method}", _identity(result, message), details)
    return result


def topic_json(topic: ingest_pb2.Topic) -> dict:
    return {"topic_id": topic.topic_id, "name": topic.name, "all_of": [list(g.words) for g in topic.all_of],
            "none_of": list(topic.none_of), "scope": topic.scope, "enabled": topic.enabled}


def word_list_json(word_list: ingest_pb2.WordList) -> dict:
    return {"list_id": word_list.list_id, "name": word_list.name, "category": word_list.category,
            "words": list(word_list.words)}


def feed_json(feed: ingest_pb2.Feed) -> dict:
    return {"feed_id": feed.feed_id, "name": feed.name, "url": feed.url, "platform": feed.platform,
            "interval_seconds": feed.interval_seconds, "enabled": feed.enabled,
            "next_poll_at": views.local_time(feed.next_poll_at, feed.HasField("next_poll_at")),
            "last_polled_at": views.local_time(feed.last_polled_at, feed.HasField("last_polled_at")),
            "consecutive_failures": feed.consecutive_failures, "last_error": feed.last_error or None,
            "last_new_items": feed.last_new_items}


def _topic_message(body: TopicIn, topic_id: str = "") -> ingest_pb2.Topic:
    return ingest_pb2.Topic(topic_id=topic_id, name=body.name, scope=body.scope, enabled=body.enabled,
                            all_of=[ingest_pb2.KeywordGroup(words=g) for g in body.all_of], none_of=body.none_of)


@router.get("/topics")
async def list_topics(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office")
    listed = await _call(request, caller, "ListTopics", ingest_pb2.ListTopicsRequest())
    return {"items": [topic_json(t) for t in listed.topics]}


@router.post("/topics", status_code=201)
async def create_topic(body: TopicIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    return topic_json(await _call(request, caller, "SaveTopic", _topic_message(body)))


@router.put("/topics/{topic_id}")
async def update_topic(topic_id: Id, body: TopicIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    return topic_json(await _call(request, caller, "SaveTopic", _topic_message(body, topic_id)))


@router.get("/word-lists")
async def list_word_lists(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office")
    listed = await _call(request, caller, "ListWordLists", ingest_pb2.ListWordListsRequest())
    return {"items": [word_list_json(w) for w in listed.word_lists]}


@router.post("/word-lists", status_code=201)
async def create_word_list(body: WordListIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    return word_list_json(await _call(request, caller, "SaveWordList", ingest_pb2.WordList(**body.model_dump())))


@router.put("/word-lists/{list_id}")
async def update_word_list(list_id: Id, body: WordListIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    return word_list_json(await _call(request, caller, "SaveWordList",
                                      ingest_pb2.WordList(list_id=list_id, **body.model_dump())))


@router.get("/places")
async def list_places(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office")
    listed = await _call(request, caller, "ListPlaces", ingest_pb2.ListPlacesRequest())
    return {"items": [{"name": p.name, "locality": p.locality, "kind": p.kind, "alias_of": p.alias_of or None}
                      for p in listed.places]}


@router.put("/places/{name}")
async def save_place(name: Annotated[str, Field(max_length=100)], body: PlaceIn, request: Request,
                     caller: CurrentCaller) -> dict:
    require_roles(caller)
    place = await _call(request, caller, "SavePlace", ingest_pb2.Place(name=name, **body.model_dump()))
    return {"name": place.name, "locality": place.locality, "kind": place.kind, "alias_of": place.alias_of or None}


@router.get("/feeds")
async def list_feeds(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    listed = await _call(request, caller, "ListFeeds", ingest_pb2.ListFeedsRequest())
    return {"items": [feed_json(f) for f in listed.feeds]}


@router.post("/feeds", status_code=201)
async def create_feed(body: FeedIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    return feed_json(await _call(request, caller, "SaveFeed", ingest_pb2.Feed(**body.model_dump())))


@router.put("/feeds/{feed_id}")
async def update_feed(feed_id: Id, body: FeedIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    return feed_json(await _call(request, caller, "SaveFeed", ingest_pb2.Feed(feed_id=feed_id, **body.model_dump())))


@router.post("/feeds/{feed_id}/poll")
async def poll_feed(feed_id: Id, request: Request, caller: CurrentCaller) -> dict:
    """Poll at once (the poller picks it up within a second)."""
    require_roles(caller)
    return feed_json(await _call(request, caller, "PollFeedNow", ingest_pb2.PollFeedNowRequest(feed_id=feed_id)))


_DELETABLE = {"topics": "DeleteTopic", "word-lists": "DeleteWordList", "places": "DeletePlace", "feeds": "DeleteFeed"}


@router.delete("/{collection}/{row_id}", status_code=204)
async def delete(collection: Literal["topics", "word-lists", "places", "feeds"], row_id: Annotated[str, Field(max_length=100)],
                 request: Request, caller: CurrentCaller) -> None:
    require_roles(caller)
    deleted = await _call(request, caller, _DELETABLE[collection], ingest_pb2.DeleteRequest(id=row_id))
    if not deleted.deleted:
        raise Problem(404, "资源不存在", f"{row_id} 不存在", type_="not-found")
