import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yuqing.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ItemInput(_message.Message):
    __slots__ = ("source", "platform", "url", "title", "content", "author", "published_at", "discovered_at", "region_hint", "metrics", "source_item_id", "reporter")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_HINT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTER_FIELD_NUMBER: _ClassVar[int]
    source: str
    platform: str
    url: str
    title: str
    content: str
    author: str
    published_at: _timestamp_pb2.Timestamp
    discovered_at: _timestamp_pb2.Timestamp
    region_hint: str
    metrics: _common_pb2.Metrics
    source_item_id: str
    reporter: str
    def __init__(self, source: _Optional[str] = ..., platform: _Optional[str] = ..., url: _Optional[str] = ..., title: _Optional[str] = ..., content: _Optional[str] = ..., author: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_hint: _Optional[str] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., source_item_id: _Optional[str] = ..., reporter: _Optional[str] = ...) -> None: ...

class SubmitItemRequest(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemInput
    def __init__(self, item: _Optional[_Union[ItemInput, _Mapping]] = ...) -> None: ...

class SubmitItemResponse(_message.Message):
    __slots__ = ("item_id", "event_id", "duplicate")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    event_id: str
    duplicate: bool
    def __init__(self, item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("item_id", "event_id", "source", "platform", "url", "canonical_url", "title", "content", "author", "published_at", "discovered_at", "region_hint", "metrics", "reporter", "snapshot_count")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CANONICAL_URL_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_HINT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    REPORTER_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_COUNT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    event_id: str
    source: str
    platform: str
    url: str
    canonical_url: str
    title: str
    content: str
    author: str
    published_at: _timestamp_pb2.Timestamp
    discovered_at: _timestamp_pb2.Timestamp
    region_hint: str
    metrics: _common_pb2.Metrics
    reporter: str
    snapshot_count: int
    def __init__(self, item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., source: _Optional[str] = ..., platform: _Optional[str] = ..., url: _Optional[str] = ..., canonical_url: _Optional[str] = ..., title: _Optional[str] = ..., content: _Optional[str] = ..., author: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_hint: _Optional[str] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., reporter: _Optional[str] = ..., snapshot_count: _Optional[int] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("event_id", "title", "discovered_at", "locality", "item_count", "metrics", "items", "updated_at")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    title: str
    discovered_at: _timestamp_pb2.Timestamp
    locality: str
    item_count: int
    metrics: _common_pb2.Metrics
    items: _containers.RepeatedCompositeFieldContainer[Item]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., title: _Optional[str] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locality: _Optional[str] = ..., item_count: _Optional[int] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("page_size", "offset")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    offset: int
    def __init__(self, page_size: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "total")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    total: int
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class BatchGetEventsRequest(_message.Message):
    __slots__ = ("event_ids",)
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetEventsResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ...) -> None: ...

class ItemIngested(_message.Message):
    __slots__ = ("item_id", "event_id", "new_event", "duplicate", "event_metrics", "event_discovered_at", "locality", "title", "text")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_EVENT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    EVENT_METRICS_FIELD_NUMBER: _ClassVar[int]
    EVENT_DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    event_id: str
    new_event: bool
    duplicate: bool
    event_metrics: _common_pb2.Metrics
    event_discovered_at: _timestamp_pb2.Timestamp
    locality: str
    title: str
    text: str
    def __init__(self, item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., new_event: _Optional[bool] = ..., duplicate: _Optional[bool] = ..., event_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., event_discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locality: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...
