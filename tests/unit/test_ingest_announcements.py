"""The ItemIngested messages ingest announces are put together from per-event and per-item
parts (the items' and new events' when the batch is decided, stored events' in its
transaction); each must read exactly as the message built whole from the same facts."""

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from services.ingest.domain import NewItem
from services.ingest.service import _Announcements, _Pending
from yuqing.common.v1 import common_pb2
from yuqing.ingest.v1 import ingest_pb2

NOW = dt.datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=dt.UTC)


def stamp(value: dt.datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(value)
    return message


def pending(index: int, event_id: str, **fields) -> _Pending:
    flags = {name: fields.pop(name) for name in ("new_event", "duplicate") if name in fields}
    item = NewItem(**{"source": "platform", "discovered_at": NOW, "platform": "微博", **fields})
    p = _Pending(index, item, [], item_id=f"item{index}", event_id=event_id, **flags)
    p.cleaned = f"清洗后的正文{index}"
    return p


def test_each_announcement_reads_as_the_message_built_whole():
    events = {
        "e1": {"discovered_at": NOW - dt.timedelta(hours=1), "locality": "chengguan", "title": "城关镇菜市场火灾",
               "reopened": True, "topics": ["消防安全"], "sensitive_categories": ["安全生产"], "item_count": 3,
               "drill_id": "", "views": 10, "comments": 2, "reposts": 1, "likes": 0, "mainstream_sites": 2},
        "e2": {"discovered_at": NOW, "locality": "", "title": "", "reopened": False, "topics": [],
               "sensitive_categories": [], "item_count": 1, "drill_id": "drill7", "views": 0, "comments": 0,
               "reposts": 0, "likes": 0, "mainstream_sites": 0},
    }
    deadline = NOW + dt.timedelta(hours=2)
    ordered = [
        pending(0, "e1", new_event=True),
        pending(1, "e2", new_event=True, source="superior_notice", feedback_deadline=deadline, platform=""),
        pending(2, "e1", duplicate=True, discovered_at=NOW - dt.timedelta(minutes=5)),
        pending(3, "e1"),
        pending(4, "e1"),
    ]
    ordered[4].cleaned = ""                      # nothing left after cleaning: the event's title
    announcements = _Announcements(ordered)
    announcements.add_events({"e2": events["e2"]})      # new in the batch: staged with it
    announcements.add_events({"e1": events["e1"]})      # stored before: once its row is updated
    payloads = announcements.payloads(events)
    assert len(payloads) == len(ordered)
    for p, payload in zip(ordered, payloads, strict=True):
        event = events[p.event_id]
        whole = ingest_pb2.ItemIngested(
            item_id=p.item_id, event_id=p.event_id, new_event=p.new_event, duplicate=p.duplicate,
            event_metrics=common_pb2.Metrics(views=event["views"], comments=event["comments"],
                                             reposts=event["reposts"], mainstream_sites=event["mainstream_sites"]),
            event_discovered_at=stamp(event["discovered_at"]), locality=event["locality"], title=event["title"],
            text="" if p.duplicate else p.cleaned, reopened=event["reopened"], topics=event["topics"],
            sensitive_categories=event["sensitive_categories"], source=p.item.source,
            event_item_count=event["item_count"], drill_id=event["drill_id"], platform=p.item.platform,
            discovered_at=stamp(p.item.discovered_at))
        if p.item.feedback_deadline:
            whole.feedback_deadline.CopyFrom(stamp(p.item.feedback_deadline))
        if p.duplicate or not p.cleaned:
            whole.text = event["title"]          # a snapshot carries the event's title as its text
        assert ingest_pb2.ItemIngested.FromString(payload) == whole
    assert not ingest_pb2.ItemIngested.FromString(payloads[0]).HasField("feedback_deadline")
