import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yuqing.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AttachmentInput(_message.Message):
    __slots__ = ("filename", "content_type", "data")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    filename: str
    content_type: str
    data: bytes
    def __init__(self, filename: _Optional[str] = ..., content_type: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class ItemInput(_message.Message):
    __slots__ = ("source", "platform", "url", "title", "content", "author", "published_at", "discovered_at", "region_hint", "metrics", "source_item_id", "reporter", "attachments", "reporter_contact", "feedback_deadline", "issuing_agency", "drill_id", "trace_context")
    class TraceContextEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
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
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    REPORTER_CONTACT_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ISSUING_AGENCY_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_CONTEXT_FIELD_NUMBER: _ClassVar[int]
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
    attachments: _containers.RepeatedCompositeFieldContainer[AttachmentInput]
    reporter_contact: str
    feedback_deadline: _timestamp_pb2.Timestamp
    issuing_agency: str
    drill_id: str
    trace_context: _containers.ScalarMap[str, str]
    def __init__(self, source: _Optional[str] = ..., platform: _Optional[str] = ..., url: _Optional[str] = ..., title: _Optional[str] = ..., content: _Optional[str] = ..., author: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_hint: _Optional[str] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., source_item_id: _Optional[str] = ..., reporter: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[AttachmentInput, _Mapping]]] = ..., reporter_contact: _Optional[str] = ..., feedback_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issuing_agency: _Optional[str] = ..., drill_id: _Optional[str] = ..., trace_context: _Optional[_Mapping[str, str]] = ...) -> None: ...

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

class SubmitItemsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ItemInput]
    def __init__(self, items: _Optional[_Iterable[_Union[ItemInput, _Mapping]]] = ...) -> None: ...

class FieldProblem(_message.Message):
    __slots__ = ("field", "reason")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ItemResult(_message.Message):
    __slots__ = ("index", "status", "item_id", "event_id", "message", "problems")
    class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATUS_UNSPECIFIED: _ClassVar[ItemResult.Status]
        ACCEPTED: _ClassVar[ItemResult.Status]
        DUPLICATE: _ClassVar[ItemResult.Status]
        REJECTED: _ClassVar[ItemResult.Status]
    STATUS_UNSPECIFIED: ItemResult.Status
    ACCEPTED: ItemResult.Status
    DUPLICATE: ItemResult.Status
    REJECTED: ItemResult.Status
    INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    index: int
    status: ItemResult.Status
    item_id: str
    event_id: str
    message: str
    problems: _containers.RepeatedCompositeFieldContainer[FieldProblem]
    def __init__(self, index: _Optional[int] = ..., status: _Optional[_Union[ItemResult.Status, str]] = ..., item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., message: _Optional[str] = ..., problems: _Optional[_Iterable[_Union[FieldProblem, _Mapping]]] = ...) -> None: ...

class SubmitItemsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class StreamItemsSummary(_message.Message):
    __slots__ = ("received", "accepted", "duplicates", "rejected", "rejections")
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    received: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: _containers.RepeatedCompositeFieldContainer[ItemResult]
    def __init__(self, received: _Optional[int] = ..., accepted: _Optional[int] = ..., duplicates: _Optional[int] = ..., rejected: _Optional[int] = ..., rejections: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ...) -> None: ...

class Match(_message.Message):
    __slots__ = ("kind", "ref", "name", "words")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    ref: str
    name: str
    words: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[str] = ..., ref: _Optional[str] = ..., name: _Optional[str] = ..., words: _Optional[_Iterable[str]] = ...) -> None: ...

class AttachmentInfo(_message.Message):
    __slots__ = ("attachment_id", "filename", "content_type", "size", "sha256")
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    attachment_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    def __init__(self, attachment_id: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("item_id", "event_id", "source", "platform", "url", "canonical_url", "title", "content", "author", "published_at", "discovered_at", "region_hint", "metrics", "reporter", "snapshot_count", "clean_text", "matches", "attachments", "attach_reason", "feedback_deadline", "issuing_agency", "drill_id")
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
    CLEAN_TEXT_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    ATTACH_REASON_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ISSUING_AGENCY_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
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
    clean_text: str
    matches: _containers.RepeatedCompositeFieldContainer[Match]
    attachments: _containers.RepeatedCompositeFieldContainer[AttachmentInfo]
    attach_reason: str
    feedback_deadline: _timestamp_pb2.Timestamp
    issuing_agency: str
    drill_id: str
    def __init__(self, item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., source: _Optional[str] = ..., platform: _Optional[str] = ..., url: _Optional[str] = ..., canonical_url: _Optional[str] = ..., title: _Optional[str] = ..., content: _Optional[str] = ..., author: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_hint: _Optional[str] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., reporter: _Optional[str] = ..., snapshot_count: _Optional[int] = ..., clean_text: _Optional[str] = ..., matches: _Optional[_Iterable[_Union[Match, _Mapping]]] = ..., attachments: _Optional[_Iterable[_Union[AttachmentInfo, _Mapping]]] = ..., attach_reason: _Optional[str] = ..., feedback_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issuing_agency: _Optional[str] = ..., drill_id: _Optional[str] = ...) -> None: ...

class EventSnapshot(_message.Message):
    __slots__ = ("observed_at", "metrics", "item_count")
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    observed_at: _timestamp_pb2.Timestamp
    metrics: _common_pb2.Metrics
    item_count: int
    def __init__(self, observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., item_count: _Optional[int] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("event_id", "title", "discovered_at", "locality", "item_count", "metrics", "items", "updated_at", "status", "closed_at", "reopen_count", "topics", "sensitive_categories", "trend", "feedback_deadline", "drill_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    REOPEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    title: str
    discovered_at: _timestamp_pb2.Timestamp
    locality: str
    item_count: int
    metrics: _common_pb2.Metrics
    items: _containers.RepeatedCompositeFieldContainer[Item]
    updated_at: _timestamp_pb2.Timestamp
    status: str
    closed_at: _timestamp_pb2.Timestamp
    reopen_count: int
    topics: _containers.RepeatedScalarFieldContainer[str]
    sensitive_categories: _containers.RepeatedScalarFieldContainer[str]
    trend: _containers.RepeatedCompositeFieldContainer[EventSnapshot]
    feedback_deadline: _timestamp_pb2.Timestamp
    drill_id: str
    def __init__(self, event_id: _Optional[str] = ..., title: _Optional[str] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locality: _Optional[str] = ..., item_count: _Optional[int] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reopen_count: _Optional[int] = ..., topics: _Optional[_Iterable[str]] = ..., sensitive_categories: _Optional[_Iterable[str]] = ..., trend: _Optional[_Iterable[_Union[EventSnapshot, _Mapping]]] = ..., feedback_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., drill_id: _Optional[str] = ...) -> None: ...

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

class CloseEventRequest(_message.Message):
    __slots__ = ("event_id", "reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    reason: str
    def __init__(self, event_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetAttachmentRequest(_message.Message):
    __slots__ = ("item_id", "attachment_id")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    attachment_id: str
    def __init__(self, item_id: _Optional[str] = ..., attachment_id: _Optional[str] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("info", "data")
    INFO_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    info: AttachmentInfo
    data: bytes
    def __init__(self, info: _Optional[_Union[AttachmentInfo, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class KeywordGroup(_message.Message):
    __slots__ = ("words",)
    WORDS_FIELD_NUMBER: _ClassVar[int]
    words: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, words: _Optional[_Iterable[str]] = ...) -> None: ...

class Topic(_message.Message):
    __slots__ = ("topic_id", "name", "all_of", "none_of", "scope", "enabled")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALL_OF_FIELD_NUMBER: _ClassVar[int]
    NONE_OF_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    topic_id: str
    name: str
    all_of: _containers.RepeatedCompositeFieldContainer[KeywordGroup]
    none_of: _containers.RepeatedScalarFieldContainer[str]
    scope: str
    enabled: bool
    def __init__(self, topic_id: _Optional[str] = ..., name: _Optional[str] = ..., all_of: _Optional[_Iterable[_Union[KeywordGroup, _Mapping]]] = ..., none_of: _Optional[_Iterable[str]] = ..., scope: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class ListTopicsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTopicsResponse(_message.Message):
    __slots__ = ("topics",)
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    topics: _containers.RepeatedCompositeFieldContainer[Topic]
    def __init__(self, topics: _Optional[_Iterable[_Union[Topic, _Mapping]]] = ...) -> None: ...

class WordList(_message.Message):
    __slots__ = ("list_id", "name", "category", "words")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    category: str
    words: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., words: _Optional[_Iterable[str]] = ...) -> None: ...

class ListWordListsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWordListsResponse(_message.Message):
    __slots__ = ("word_lists",)
    WORD_LISTS_FIELD_NUMBER: _ClassVar[int]
    word_lists: _containers.RepeatedCompositeFieldContainer[WordList]
    def __init__(self, word_lists: _Optional[_Iterable[_Union[WordList, _Mapping]]] = ...) -> None: ...

class Place(_message.Message):
    __slots__ = ("name", "locality", "kind", "alias_of")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ALIAS_OF_FIELD_NUMBER: _ClassVar[int]
    name: str
    locality: str
    kind: str
    alias_of: str
    def __init__(self, name: _Optional[str] = ..., locality: _Optional[str] = ..., kind: _Optional[str] = ..., alias_of: _Optional[str] = ...) -> None: ...

class ListPlacesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPlacesResponse(_message.Message):
    __slots__ = ("places",)
    PLACES_FIELD_NUMBER: _ClassVar[int]
    places: _containers.RepeatedCompositeFieldContainer[Place]
    def __init__(self, places: _Optional[_Iterable[_Union[Place, _Mapping]]] = ...) -> None: ...

class Feed(_message.Message):
    __slots__ = ("feed_id", "name", "url", "platform", "interval_seconds", "enabled", "next_poll_at", "last_polled_at", "consecutive_failures", "last_error", "last_new_items", "etag", "last_modified")
    FEED_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    NEXT_POLL_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_POLLED_AT_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_NEW_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_FIELD_NUMBER: _ClassVar[int]
    feed_id: str
    name: str
    url: str
    platform: str
    interval_seconds: int
    enabled: bool
    next_poll_at: _timestamp_pb2.Timestamp
    last_polled_at: _timestamp_pb2.Timestamp
    consecutive_failures: int
    last_error: str
    last_new_items: int
    etag: str
    last_modified: str
    def __init__(self, feed_id: _Optional[str] = ..., name: _Optional[str] = ..., url: _Optional[str] = ..., platform: _Optional[str] = ..., interval_seconds: _Optional[int] = ..., enabled: _Optional[bool] = ..., next_poll_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_polled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., consecutive_failures: _Optional[int] = ..., last_error: _Optional[str] = ..., last_new_items: _Optional[int] = ..., etag: _Optional[str] = ..., last_modified: _Optional[str] = ...) -> None: ...

class ListFeedsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFeedsResponse(_message.Message):
    __slots__ = ("feeds",)
    FEEDS_FIELD_NUMBER: _ClassVar[int]
    feeds: _containers.RepeatedCompositeFieldContainer[Feed]
    def __init__(self, feeds: _Optional[_Iterable[_Union[Feed, _Mapping]]] = ...) -> None: ...

class PollFeedNowRequest(_message.Message):
    __slots__ = ("feed_id",)
    FEED_ID_FIELD_NUMBER: _ClassVar[int]
    feed_id: str
    def __init__(self, feed_id: _Optional[str] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    def __init__(self, deleted: _Optional[bool] = ...) -> None: ...

class ItemIngested(_message.Message):
    __slots__ = ("item_id", "event_id", "new_event", "duplicate", "event_metrics", "event_discovered_at", "locality", "title", "text", "reopened", "topics", "sensitive_categories", "feedback_deadline", "source", "event_item_count", "drill_id", "platform", "discovered_at")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_EVENT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    EVENT_METRICS_FIELD_NUMBER: _ClassVar[int]
    EVENT_DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REOPENED_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    event_id: str
    new_event: bool
    duplicate: bool
    event_metrics: _common_pb2.Metrics
    event_discovered_at: _timestamp_pb2.Timestamp
    locality: str
    title: str
    text: str
    reopened: bool
    topics: _containers.RepeatedScalarFieldContainer[str]
    sensitive_categories: _containers.RepeatedScalarFieldContainer[str]
    feedback_deadline: _timestamp_pb2.Timestamp
    source: str
    event_item_count: int
    drill_id: str
    platform: str
    discovered_at: _timestamp_pb2.Timestamp
    def __init__(self, item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., new_event: _Optional[bool] = ..., duplicate: _Optional[bool] = ..., event_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., event_discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locality: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., reopened: _Optional[bool] = ..., topics: _Optional[_Iterable[str]] = ..., sensitive_categories: _Optional[_Iterable[str]] = ..., feedback_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ..., event_item_count: _Optional[int] = ..., drill_id: _Optional[str] = ..., platform: _Optional[str] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
