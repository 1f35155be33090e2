import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Release(_message.Message):
    __slots__ = ("release_id", "event_id", "version", "title", "body", "published_at", "spokesperson", "statement_id", "kind", "superseded_by")
    RELEASE_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    SPOKESPERSON_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    release_id: str
    event_id: str
    version: int
    title: str
    body: str
    published_at: _timestamp_pb2.Timestamp
    spokesperson: str
    statement_id: str
    kind: str
    superseded_by: str
    def __init__(self, release_id: _Optional[str] = ..., event_id: _Optional[str] = ..., version: _Optional[int] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., spokesperson: _Optional[str] = ..., statement_id: _Optional[str] = ..., kind: _Optional[str] = ..., superseded_by: _Optional[str] = ...) -> None: ...

class ListReleasesRequest(_message.Message):
    __slots__ = ("page_size", "offset")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    offset: int
    def __init__(self, page_size: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListReleasesResponse(_message.Message):
    __slots__ = ("releases", "total")
    RELEASES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    releases: _containers.RepeatedCompositeFieldContainer[Release]
    total: int
    def __init__(self, releases: _Optional[_Iterable[_Union[Release, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class TalkingPoint(_message.Message):
    __slots__ = ("point_id", "text", "author", "created_at")
    POINT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    point_id: str
    text: str
    author: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, point_id: _Optional[str] = ..., text: _Optional[str] = ..., author: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DiffLine(_message.Message):
    __slots__ = ("change", "text")
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    change: str
    text: str
    def __init__(self, change: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ("step", "approver", "decision", "comment", "at")
    STEP_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    step: str
    approver: str
    decision: str
    comment: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, step: _Optional[str] = ..., approver: _Optional[str] = ..., decision: _Optional[str] = ..., comment: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChainStep(_message.Message):
    __slots__ = ("key", "label", "roles", "count")
    KEY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    label: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    count: int
    def __init__(self, key: _Optional[str] = ..., label: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., count: _Optional[int] = ...) -> None: ...

class StatementVersion(_message.Message):
    __slots__ = ("version_id", "number", "title", "body", "state", "state_name", "edited_by", "edited_at", "chain", "approvals", "reject_reason", "publish_at", "published_at", "published_by", "diff")
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_NAME_FIELD_NUMBER: _ClassVar[int]
    EDITED_BY_FIELD_NUMBER: _ClassVar[int]
    EDITED_AT_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    version_id: str
    number: int
    title: str
    body: str
    state: str
    state_name: str
    edited_by: str
    edited_at: _timestamp_pb2.Timestamp
    chain: _containers.RepeatedCompositeFieldContainer[ChainStep]
    approvals: _containers.RepeatedCompositeFieldContainer[Approval]
    reject_reason: str
    publish_at: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    published_by: str
    diff: _containers.RepeatedCompositeFieldContainer[DiffLine]
    def __init__(self, version_id: _Optional[str] = ..., number: _Optional[int] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., state: _Optional[str] = ..., state_name: _Optional[str] = ..., edited_by: _Optional[str] = ..., edited_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., chain: _Optional[_Iterable[_Union[ChainStep, _Mapping]]] = ..., approvals: _Optional[_Iterable[_Union[Approval, _Mapping]]] = ..., reject_reason: _Optional[str] = ..., publish_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_by: _Optional[str] = ..., diff: _Optional[_Iterable[_Union[DiffLine, _Mapping]]] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("statement_id", "event_id", "kind", "disposition", "created_by", "created_at", "versions", "spokesperson", "level")
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    SPOKESPERSON_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    statement_id: str
    event_id: str
    kind: str
    disposition: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    versions: _containers.RepeatedCompositeFieldContainer[StatementVersion]
    spokesperson: str
    level: str
    def __init__(self, statement_id: _Optional[str] = ..., event_id: _Optional[str] = ..., kind: _Optional[str] = ..., disposition: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., versions: _Optional[_Iterable[_Union[StatementVersion, _Mapping]]] = ..., spokesperson: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class EventStatements(_message.Message):
    __slots__ = ("event_id", "spokesperson", "level", "points", "statements", "discovered_at", "first_response_at", "authoritative_release_at", "lead_unit_name")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SPOKESPERSON_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    STATEMENTS_FIELD_NUMBER: _ClassVar[int]
    DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_AT_FIELD_NUMBER: _ClassVar[int]
    AUTHORITATIVE_RELEASE_AT_FIELD_NUMBER: _ClassVar[int]
    LEAD_UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    spokesperson: str
    level: str
    points: _containers.RepeatedCompositeFieldContainer[TalkingPoint]
    statements: _containers.RepeatedCompositeFieldContainer[Statement]
    discovered_at: _timestamp_pb2.Timestamp
    first_response_at: _timestamp_pb2.Timestamp
    authoritative_release_at: _timestamp_pb2.Timestamp
    lead_unit_name: str
    def __init__(self, event_id: _Optional[str] = ..., spokesperson: _Optional[str] = ..., level: _Optional[str] = ..., points: _Optional[_Iterable[_Union[TalkingPoint, _Mapping]]] = ..., statements: _Optional[_Iterable[_Union[Statement, _Mapping]]] = ..., discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_response_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., authoritative_release_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lead_unit_name: _Optional[str] = ...) -> None: ...

class DesignateSpokespersonRequest(_message.Message):
    __slots__ = ("event_id", "username")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    username: str
    def __init__(self, event_id: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class AddTalkingPointRequest(_message.Message):
    __slots__ = ("event_id", "text")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    text: str
    def __init__(self, event_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class GetEventStatementsRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class CreateStatementRequest(_message.Message):
    __slots__ = ("event_id", "kind", "disposition", "unit_name")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    kind: str
    disposition: str
    unit_name: str
    def __init__(self, event_id: _Optional[str] = ..., kind: _Optional[str] = ..., disposition: _Optional[str] = ..., unit_name: _Optional[str] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("statement_id",)
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    statement_id: str
    def __init__(self, statement_id: _Optional[str] = ...) -> None: ...

class StatementActionRequest(_message.Message):
    __slots__ = ("statement_id", "action", "title", "body", "comment", "publish_at")
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_AT_FIELD_NUMBER: _ClassVar[int]
    statement_id: str
    action: str
    title: str
    body: str
    comment: str
    publish_at: _timestamp_pb2.Timestamp
    def __init__(self, statement_id: _Optional[str] = ..., action: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., comment: _Optional[str] = ..., publish_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StatementPublished(_message.Message):
    __slots__ = ("statement_id", "event_id", "kind", "version", "release_id", "title", "published_at", "spokesperson", "correction", "drill_id")
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RELEASE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    SPOKESPERSON_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    statement_id: str
    event_id: str
    kind: str
    version: int
    release_id: str
    title: str
    published_at: _timestamp_pb2.Timestamp
    spokesperson: str
    correction: bool
    drill_id: str
    def __init__(self, statement_id: _Optional[str] = ..., event_id: _Optional[str] = ..., kind: _Optional[str] = ..., version: _Optional[int] = ..., release_id: _Optional[str] = ..., title: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., spokesperson: _Optional[str] = ..., correction: _Optional[bool] = ..., drill_id: _Optional[str] = ...) -> None: ...

class EvidenceUpload(_message.Message):
    __slots__ = ("filename", "data")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    filename: str
    data: bytes
    def __init__(self, filename: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class RecordOfflineActRequest(_message.Message):
    __slots__ = ("event_id", "kind", "description", "happened_at", "evidence")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HAPPENED_AT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    kind: str
    description: str
    happened_at: _timestamp_pb2.Timestamp
    evidence: _containers.RepeatedCompositeFieldContainer[EvidenceUpload]
    def __init__(self, event_id: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., happened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evidence: _Optional[_Iterable[_Union[EvidenceUpload, _Mapping]]] = ...) -> None: ...

class ListOfflineActsRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class EvidenceInfo(_message.Message):
    __slots__ = ("evidence_id", "filename", "content_type", "size", "sha256")
    EVIDENCE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    evidence_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    def __init__(self, evidence_id: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class OfflineAct(_message.Message):
    __slots__ = ("act_id", "kind", "kind_name", "description", "happened_at", "recorded_by", "evidence")
    ACT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KIND_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HAPPENED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    act_id: str
    kind: str
    kind_name: str
    description: str
    happened_at: _timestamp_pb2.Timestamp
    recorded_by: str
    evidence: _containers.RepeatedCompositeFieldContainer[EvidenceInfo]
    def __init__(self, act_id: _Optional[str] = ..., kind: _Optional[str] = ..., kind_name: _Optional[str] = ..., description: _Optional[str] = ..., happened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[EvidenceInfo, _Mapping]]] = ...) -> None: ...

class OfflineActs(_message.Message):
    __slots__ = ("acts",)
    ACTS_FIELD_NUMBER: _ClassVar[int]
    acts: _containers.RepeatedCompositeFieldContainer[OfflineAct]
    def __init__(self, acts: _Optional[_Iterable[_Union[OfflineAct, _Mapping]]] = ...) -> None: ...

class GetActEvidenceRequest(_message.Message):
    __slots__ = ("event_id", "evidence_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    evidence_id: str
    def __init__(self, event_id: _Optional[str] = ..., evidence_id: _Optional[str] = ...) -> None: ...

class ActEvidence(_message.Message):
    __slots__ = ("info", "data")
    INFO_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    info: EvidenceInfo
    data: bytes
    def __init__(self, info: _Optional[_Union[EvidenceInfo, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class PublicationChannel(_message.Message):
    __slots__ = ("name", "url", "secret", "enabled", "updated_by", "updated_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    secret: str
    enabled: bool
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ..., secret: _Optional[str] = ..., enabled: _Optional[bool] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublicationChannels(_message.Message):
    __slots__ = ("channels",)
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[PublicationChannel]
    def __init__(self, channels: _Optional[_Iterable[_Union[PublicationChannel, _Mapping]]] = ...) -> None: ...

class ListPublicationDeliveriesRequest(_message.Message):
    __slots__ = ("status", "limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: str
    limit: int
    def __init__(self, status: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class PublicationDelivery(_message.Message):
    __slots__ = ("delivery_id", "release_id", "title", "version", "channel", "status", "attempts", "last_error", "created_at", "sent_at")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    release_id: str
    title: str
    version: int
    channel: str
    status: str
    attempts: int
    last_error: str
    created_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, delivery_id: _Optional[str] = ..., release_id: _Optional[str] = ..., title: _Optional[str] = ..., version: _Optional[int] = ..., channel: _Optional[str] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PublicationDeliveries(_message.Message):
    __slots__ = ("deliveries",)
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[PublicationDelivery]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[PublicationDelivery, _Mapping]]] = ...) -> None: ...

class Bulletin(_message.Message):
    __slots__ = ("bulletin_id", "kind", "title", "number", "period_start", "period_end", "event_id", "state", "content", "digest", "created_by", "created_at", "released_by", "released_at", "county_code", "updated_at")
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_BY_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AT_FIELD_NUMBER: _ClassVar[int]
    COUNTY_CODE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    kind: str
    title: str
    number: int
    period_start: str
    period_end: str
    event_id: str
    state: str
    content: bytes
    digest: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    released_by: str
    released_at: _timestamp_pb2.Timestamp
    county_code: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, bulletin_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., number: _Optional[int] = ..., period_start: _Optional[str] = ..., period_end: _Optional[str] = ..., event_id: _Optional[str] = ..., state: _Optional[str] = ..., content: _Optional[bytes] = ..., digest: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., released_by: _Optional[str] = ..., released_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., county_code: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DraftBulletinRequest(_message.Message):
    __slots__ = ("kind", "date", "event_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    date: str
    event_id: str
    def __init__(self, kind: _Optional[str] = ..., date: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class UpdateBulletinRequest(_message.Message):
    __slots__ = ("bulletin_id", "assessment", "next_steps", "typical_event_ids", "refresh")
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEPS_FIELD_NUMBER: _ClassVar[int]
    TYPICAL_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    assessment: str
    next_steps: str
    typical_event_ids: _containers.RepeatedScalarFieldContainer[str]
    refresh: bool
    def __init__(self, bulletin_id: _Optional[str] = ..., assessment: _Optional[str] = ..., next_steps: _Optional[str] = ..., typical_event_ids: _Optional[_Iterable[str]] = ..., refresh: _Optional[bool] = ...) -> None: ...

class BulletinRef(_message.Message):
    __slots__ = ("bulletin_id",)
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    def __init__(self, bulletin_id: _Optional[str] = ...) -> None: ...

class FindBulletinRequest(_message.Message):
    __slots__ = ("kind", "date", "event_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    date: str
    event_id: str
    def __init__(self, kind: _Optional[str] = ..., date: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class ListBulletinsRequest(_message.Message):
    __slots__ = ("kind", "state", "page_size", "offset")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    kind: str
    state: str
    page_size: int
    offset: int
    def __init__(self, kind: _Optional[str] = ..., state: _Optional[str] = ..., page_size: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListBulletinsResponse(_message.Message):
    __slots__ = ("bulletins", "total")
    BULLETINS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    bulletins: _containers.RepeatedCompositeFieldContainer[Bulletin]
    total: int
    def __init__(self, bulletins: _Optional[_Iterable[_Union[Bulletin, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class RenderBulletinRequest(_message.Message):
    __slots__ = ("bulletin_id", "format")
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    format: str
    def __init__(self, bulletin_id: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class RenderedBulletin(_message.Message):
    __slots__ = ("data", "content_type", "digest", "filename")
    DATA_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    content_type: str
    digest: str
    filename: str
    def __init__(self, data: _Optional[bytes] = ..., content_type: _Optional[str] = ..., digest: _Optional[str] = ..., filename: _Optional[str] = ...) -> None: ...
