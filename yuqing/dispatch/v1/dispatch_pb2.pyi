import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yuqing.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Deadline(_message.Message):
    __slots__ = ("step", "step_name", "owner", "due_at", "clock", "limit", "basis_level", "warning", "owner_name", "met_at", "met_by", "paused_minutes")
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BASIS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    MET_AT_FIELD_NUMBER: _ClassVar[int]
    MET_BY_FIELD_NUMBER: _ClassVar[int]
    PAUSED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    step: str
    step_name: str
    owner: str
    due_at: _timestamp_pb2.Timestamp
    clock: str
    limit: str
    basis_level: _common_pb2.Level
    warning: str
    owner_name: str
    met_at: _timestamp_pb2.Timestamp
    met_by: str
    paused_minutes: int
    def __init__(self, step: _Optional[str] = ..., step_name: _Optional[str] = ..., owner: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clock: _Optional[str] = ..., limit: _Optional[str] = ..., basis_level: _Optional[_Union[_common_pb2.Level, str]] = ..., warning: _Optional[str] = ..., owner_name: _Optional[str] = ..., met_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., met_by: _Optional[str] = ..., paused_minutes: _Optional[int] = ...) -> None: ...

class AssignmentAction(_message.Message):
    __slots__ = ("at", "action", "action_name", "actor", "from_state", "to_state", "reason", "details_json", "assignment_id")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTION_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    action: str
    action_name: str
    actor: str
    from_state: str
    to_state: str
    reason: str
    details_json: str
    assignment_id: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., action: _Optional[str] = ..., action_name: _Optional[str] = ..., actor: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., reason: _Optional[str] = ..., details_json: _Optional[str] = ..., assignment_id: _Optional[str] = ...) -> None: ...

class AnswerAttachmentInfo(_message.Message):
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

class Answer(_message.Message):
    __slots__ = ("answer_id", "kind", "text", "written_by", "written_at", "signed_by", "signed_at", "attachments")
    ANSWER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_BY_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    answer_id: str
    kind: str
    text: str
    written_by: str
    written_at: _timestamp_pb2.Timestamp
    signed_by: str
    signed_at: _timestamp_pb2.Timestamp
    attachments: _containers.RepeatedCompositeFieldContainer[AnswerAttachmentInfo]
    def __init__(self, answer_id: _Optional[str] = ..., kind: _Optional[str] = ..., text: _Optional[str] = ..., written_by: _Optional[str] = ..., written_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signed_by: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachments: _Optional[_Iterable[_Union[AnswerAttachmentInfo, _Mapping]]] = ...) -> None: ...

class ExtensionRequest(_message.Message):
    __slots__ = ("request_id", "minutes", "reason", "requested_by", "requested_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    minutes: int
    reason: str
    requested_by: str
    requested_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., minutes: _Optional[int] = ..., reason: _Optional[str] = ..., requested_by: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("assignment_id", "event_id", "unit_code", "unit_name", "role", "state", "state_name", "level", "plan_version", "deadlines", "created_at", "role_name", "actions", "answers", "pending_extension", "successor_id", "returns", "allowed_actions", "drill_id")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PLAN_VERSION_FIELD_NUMBER: _ClassVar[int]
    DEADLINES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ROLE_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    PENDING_EXTENSION_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    RETURNS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    event_id: str
    unit_code: str
    unit_name: str
    role: str
    state: str
    state_name: str
    level: _common_pb2.Level
    plan_version: int
    deadlines: _containers.RepeatedCompositeFieldContainer[Deadline]
    created_at: _timestamp_pb2.Timestamp
    role_name: str
    actions: _containers.RepeatedCompositeFieldContainer[AssignmentAction]
    answers: _containers.RepeatedCompositeFieldContainer[Answer]
    pending_extension: ExtensionRequest
    successor_id: str
    returns: int
    allowed_actions: _containers.RepeatedScalarFieldContainer[str]
    drill_id: str
    def __init__(self, assignment_id: _Optional[str] = ..., event_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_name: _Optional[str] = ..., role: _Optional[str] = ..., state: _Optional[str] = ..., state_name: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., plan_version: _Optional[int] = ..., deadlines: _Optional[_Iterable[_Union[Deadline, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., role_name: _Optional[str] = ..., actions: _Optional[_Iterable[_Union[AssignmentAction, _Mapping]]] = ..., answers: _Optional[_Iterable[_Union[Answer, _Mapping]]] = ..., pending_extension: _Optional[_Union[ExtensionRequest, _Mapping]] = ..., successor_id: _Optional[str] = ..., returns: _Optional[int] = ..., allowed_actions: _Optional[_Iterable[str]] = ..., drill_id: _Optional[str] = ...) -> None: ...

class FileUpload(_message.Message):
    __slots__ = ("filename", "data")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    filename: str
    data: bytes
    def __init__(self, filename: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class ActRequest(_message.Message):
    __slots__ = ("assignment_id", "action", "reason", "text", "minutes", "target_unit", "target_assignment", "attachments")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    TARGET_UNIT_FIELD_NUMBER: _ClassVar[int]
    TARGET_ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    action: str
    reason: str
    text: str
    minutes: int
    target_unit: str
    target_assignment: str
    attachments: _containers.RepeatedCompositeFieldContainer[FileUpload]
    def __init__(self, assignment_id: _Optional[str] = ..., action: _Optional[str] = ..., reason: _Optional[str] = ..., text: _Optional[str] = ..., minutes: _Optional[int] = ..., target_unit: _Optional[str] = ..., target_assignment: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[FileUpload, _Mapping]]] = ...) -> None: ...

class CompleteStepRequest(_message.Message):
    __slots__ = ("assignment_id", "step", "note")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    step: str
    note: str
    def __init__(self, assignment_id: _Optional[str] = ..., step: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class GetAnswerAttachmentRequest(_message.Message):
    __slots__ = ("assignment_id", "attachment_id")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    attachment_id: str
    def __init__(self, assignment_id: _Optional[str] = ..., attachment_id: _Optional[str] = ...) -> None: ...

class AnswerAttachment(_message.Message):
    __slots__ = ("info", "data")
    INFO_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    info: AnswerAttachmentInfo
    data: bytes
    def __init__(self, info: _Optional[_Union[AnswerAttachmentInfo, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class LoadHolidayYearRequest(_message.Message):
    __slots__ = ("year", "data", "filename")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    year: int
    data: bytes
    filename: str
    def __init__(self, year: _Optional[int] = ..., data: _Optional[bytes] = ..., filename: _Optional[str] = ...) -> None: ...

class HolidayYear(_message.Message):
    __slots__ = ("year", "source", "loaded_by", "loaded_at")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LOADED_BY_FIELD_NUMBER: _ClassVar[int]
    LOADED_AT_FIELD_NUMBER: _ClassVar[int]
    year: int
    source: str
    loaded_by: str
    loaded_at: _timestamp_pb2.Timestamp
    def __init__(self, year: _Optional[int] = ..., source: _Optional[str] = ..., loaded_by: _Optional[str] = ..., loaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListHolidayYearsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListHolidayYearsResponse(_message.Message):
    __slots__ = ("years", "package_years")
    YEARS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_YEARS_FIELD_NUMBER: _ClassVar[int]
    years: _containers.RepeatedCompositeFieldContainer[HolidayYear]
    package_years: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, years: _Optional[_Iterable[_Union[HolidayYear, _Mapping]]] = ..., package_years: _Optional[_Iterable[int]] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("notification_id", "kind", "title", "body", "event_id", "assignment_id", "created_at", "read_at")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    kind: str
    title: str
    body: str
    event_id: str
    assignment_id: str
    created_at: _timestamp_pb2.Timestamp
    read_at: _timestamp_pb2.Timestamp
    def __init__(self, notification_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., event_id: _Optional[str] = ..., assignment_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("unread_only", "limit")
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    unread_only: bool
    limit: int
    def __init__(self, unread_only: _Optional[bool] = ..., limit: _Optional[int] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ...) -> None: ...

class MarkNotificationsReadRequest(_message.Message):
    __slots__ = ("notification_ids",)
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MarkNotificationsReadResponse(_message.Message):
    __slots__ = ("marked",)
    MARKED_FIELD_NUMBER: _ClassVar[int]
    marked: int
    def __init__(self, marked: _Optional[int] = ...) -> None: ...

class AccountabilityRecord(_message.Message):
    __slots__ = ("record_id", "unit_code", "assignment_id", "kind", "kind_name", "note", "recorded_by", "at")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KIND_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    unit_code: str
    assignment_id: str
    kind: str
    kind_name: str
    note: str
    recorded_by: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, record_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., assignment_id: _Optional[str] = ..., kind: _Optional[str] = ..., kind_name: _Optional[str] = ..., note: _Optional[str] = ..., recorded_by: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAccountabilityRequest(_message.Message):
    __slots__ = ("unit_code",)
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    unit_code: str
    def __init__(self, unit_code: _Optional[str] = ...) -> None: ...

class ListAccountabilityResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[AccountabilityRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[AccountabilityRecord, _Mapping]]] = ...) -> None: ...

class RecordAccountabilityRequest(_message.Message):
    __slots__ = ("assignment_id", "kind", "note")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    kind: str
    note: str
    def __init__(self, assignment_id: _Optional[str] = ..., kind: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AssignmentChanged(_message.Message):
    __slots__ = ("assignment_id", "event_id", "unit_code", "action", "from_state", "to_state", "actor", "at", "role", "unit_name")
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    event_id: str
    unit_code: str
    action: str
    from_state: str
    to_state: str
    actor: str
    at: _timestamp_pb2.Timestamp
    role: str
    unit_name: str
    def __init__(self, assignment_id: _Optional[str] = ..., event_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., action: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., actor: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., role: _Optional[str] = ..., unit_name: _Optional[str] = ...) -> None: ...

class DeadlineAlert(_message.Message):
    __slots__ = ("timer_id", "kind", "assignment_id", "event_id", "unit_code", "step", "step_name", "due_at", "fire_at", "fired_at", "recipients", "title")
    TIMER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    FIRE_AT_FIELD_NUMBER: _ClassVar[int]
    FIRED_AT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    timer_id: str
    kind: str
    assignment_id: str
    event_id: str
    unit_code: str
    step: str
    step_name: str
    due_at: _timestamp_pb2.Timestamp
    fire_at: _timestamp_pb2.Timestamp
    fired_at: _timestamp_pb2.Timestamp
    recipients: _containers.RepeatedScalarFieldContainer[str]
    title: str
    def __init__(self, timer_id: _Optional[str] = ..., kind: _Optional[str] = ..., assignment_id: _Optional[str] = ..., event_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., step: _Optional[str] = ..., step_name: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fire_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipients: _Optional[_Iterable[str]] = ..., title: _Optional[str] = ...) -> None: ...

class ListAssignmentsRequest(_message.Message):
    __slots__ = ("event_id", "page_size", "offset")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    page_size: int
    offset: int
    def __init__(self, event_id: _Optional[str] = ..., page_size: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListAssignmentsResponse(_message.Message):
    __slots__ = ("assignments", "total")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    total: int
    def __init__(self, assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class GetAssignmentRequest(_message.Message):
    __slots__ = ("assignment_id",)
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assignment_id: str
    def __init__(self, assignment_id: _Optional[str] = ...) -> None: ...

class Unit(_message.Message):
    __slots__ = ("code", "name", "kind", "parent_code", "keywords", "categories", "leader_username")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    LEADER_USERNAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: str
    parent_code: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    leader_username: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., parent_code: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., leader_username: _Optional[str] = ...) -> None: ...

class ListUnitsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("delivery_id", "notification_id", "username", "title", "channel", "address", "status", "attempts", "last_error", "created_at", "sent_at", "next_attempt_at")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    notification_id: str
    username: str
    title: str
    channel: str
    address: str
    status: str
    attempts: int
    last_error: str
    created_at: _timestamp_pb2.Timestamp
    sent_at: _timestamp_pb2.Timestamp
    next_attempt_at: _timestamp_pb2.Timestamp
    def __init__(self, delivery_id: _Optional[str] = ..., notification_id: _Optional[str] = ..., username: _Optional[str] = ..., title: _Optional[str] = ..., channel: _Optional[str] = ..., address: _Optional[str] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("status", "limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: str
    limit: int
    def __init__(self, status: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries",)
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ...) -> None: ...

class GetScorecardsRequest(_message.Message):
    __slots__ = ("start", "end", "unit_code")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    unit_code: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., unit_code: _Optional[str] = ...) -> None: ...

class Scorecard(_message.Message):
    __slots__ = ("unit_code", "unit_name", "assignments", "acknowledged", "acknowledged_on_time", "on_time_rate", "ack_minutes_median", "ack_minutes_p90", "answer_minutes_median", "answer_minutes_p90", "overdue_steps", "supervised", "sent_back", "returned", "accountability")
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    ACK_MINUTES_MEDIAN_FIELD_NUMBER: _ClassVar[int]
    ACK_MINUTES_P90_FIELD_NUMBER: _ClassVar[int]
    ANSWER_MINUTES_MEDIAN_FIELD_NUMBER: _ClassVar[int]
    ANSWER_MINUTES_P90_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_STEPS_FIELD_NUMBER: _ClassVar[int]
    SUPERVISED_FIELD_NUMBER: _ClassVar[int]
    SENT_BACK_FIELD_NUMBER: _ClassVar[int]
    RETURNED_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTABILITY_FIELD_NUMBER: _ClassVar[int]
    unit_code: str
    unit_name: str
    assignments: int
    acknowledged: int
    acknowledged_on_time: int
    on_time_rate: float
    ack_minutes_median: float
    ack_minutes_p90: float
    answer_minutes_median: float
    answer_minutes_p90: float
    overdue_steps: int
    supervised: int
    sent_back: int
    returned: int
    accountability: int
    def __init__(self, unit_code: _Optional[str] = ..., unit_name: _Optional[str] = ..., assignments: _Optional[int] = ..., acknowledged: _Optional[int] = ..., acknowledged_on_time: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., ack_minutes_median: _Optional[float] = ..., ack_minutes_p90: _Optional[float] = ..., answer_minutes_median: _Optional[float] = ..., answer_minutes_p90: _Optional[float] = ..., overdue_steps: _Optional[int] = ..., supervised: _Optional[int] = ..., sent_back: _Optional[int] = ..., returned: _Optional[int] = ..., accountability: _Optional[int] = ...) -> None: ...

class GetScorecardsResponse(_message.Message):
    __slots__ = ("scorecards",)
    SCORECARDS_FIELD_NUMBER: _ClassVar[int]
    scorecards: _containers.RepeatedCompositeFieldContainer[Scorecard]
    def __init__(self, scorecards: _Optional[_Iterable[_Union[Scorecard, _Mapping]]] = ...) -> None: ...

class GetHandlingReportRequest(_message.Message):
    __slots__ = ("start", "end", "list_limit")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LIST_LIMIT_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    list_limit: int
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., list_limit: _Optional[int] = ...) -> None: ...

class OverdueStep(_message.Message):
    __slots__ = ("event_id", "assignment_id", "unit_code", "unit_name", "step", "step_name", "due_at", "met_at", "late_minutes")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    MET_AT_FIELD_NUMBER: _ClassVar[int]
    LATE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    assignment_id: str
    unit_code: str
    unit_name: str
    step: str
    step_name: str
    due_at: _timestamp_pb2.Timestamp
    met_at: _timestamp_pb2.Timestamp
    late_minutes: float
    def __init__(self, event_id: _Optional[str] = ..., assignment_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_name: _Optional[str] = ..., step: _Optional[str] = ..., step_name: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., met_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., late_minutes: _Optional[float] = ...) -> None: ...

class SupervisedCase(_message.Message):
    __slots__ = ("event_id", "assignment_id", "unit_code", "unit_name", "step_name", "at")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    assignment_id: str
    unit_code: str
    unit_name: str
    step_name: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., assignment_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_name: _Optional[str] = ..., step_name: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandlingReport(_message.Message):
    __slots__ = ("assignments", "acknowledged_on_time", "ack_on_time_rate", "steps_due", "steps_on_time", "step_on_time_rate", "overdue_total", "overdue", "supervised_total", "supervised", "scorecards", "answered", "closed")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    ACK_ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_DUE_FIELD_NUMBER: _ClassVar[int]
    STEPS_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    STEP_ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_TOTAL_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    SUPERVISED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SUPERVISED_FIELD_NUMBER: _ClassVar[int]
    SCORECARDS_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    assignments: int
    acknowledged_on_time: int
    ack_on_time_rate: float
    steps_due: int
    steps_on_time: int
    step_on_time_rate: float
    overdue_total: int
    overdue: _containers.RepeatedCompositeFieldContainer[OverdueStep]
    supervised_total: int
    supervised: _containers.RepeatedCompositeFieldContainer[SupervisedCase]
    scorecards: _containers.RepeatedCompositeFieldContainer[Scorecard]
    answered: int
    closed: int
    def __init__(self, assignments: _Optional[int] = ..., acknowledged_on_time: _Optional[int] = ..., ack_on_time_rate: _Optional[float] = ..., steps_due: _Optional[int] = ..., steps_on_time: _Optional[int] = ..., step_on_time_rate: _Optional[float] = ..., overdue_total: _Optional[int] = ..., overdue: _Optional[_Iterable[_Union[OverdueStep, _Mapping]]] = ..., supervised_total: _Optional[int] = ..., supervised: _Optional[_Iterable[_Union[SupervisedCase, _Mapping]]] = ..., scorecards: _Optional[_Iterable[_Union[Scorecard, _Mapping]]] = ..., answered: _Optional[int] = ..., closed: _Optional[int] = ...) -> None: ...

class StartDrillRequest(_message.Message):
    __slots__ = ("scenario", "speed")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    scenario: bytes
    speed: float
    def __init__(self, scenario: _Optional[bytes] = ..., speed: _Optional[float] = ...) -> None: ...

class GetDrillRequest(_message.Message):
    __slots__ = ("drill_id",)
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    drill_id: str
    def __init__(self, drill_id: _Optional[str] = ...) -> None: ...

class DrillStepScore(_message.Message):
    __slots__ = ("event_id", "unit_code", "step", "step_name", "result", "drill_minutes", "limit_minutes", "by_minutes")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    DRILL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    BY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    unit_code: str
    step: str
    step_name: str
    result: str
    drill_minutes: float
    limit_minutes: float
    by_minutes: float
    def __init__(self, event_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., step: _Optional[str] = ..., step_name: _Optional[str] = ..., result: _Optional[str] = ..., drill_minutes: _Optional[float] = ..., limit_minutes: _Optional[float] = ..., by_minutes: _Optional[float] = ...) -> None: ...

class Drill(_message.Message):
    __slots__ = ("drill_id", "name", "speed", "status", "started_at", "finished_at", "items_total", "items_sent", "event_ids", "score", "met", "missed")
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SPEED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ITEMS_SENT_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    drill_id: str
    name: str
    speed: float
    status: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    items_total: int
    items_sent: int
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    score: _containers.RepeatedCompositeFieldContainer[DrillStepScore]
    met: int
    missed: int
    def __init__(self, drill_id: _Optional[str] = ..., name: _Optional[str] = ..., speed: _Optional[float] = ..., status: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items_total: _Optional[int] = ..., items_sent: _Optional[int] = ..., event_ids: _Optional[_Iterable[str]] = ..., score: _Optional[_Iterable[_Union[DrillStepScore, _Mapping]]] = ..., met: _Optional[int] = ..., missed: _Optional[int] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("username", "display_name", "unit_code", "roles", "email", "phone", "leadership_group")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    LEADERSHIP_GROUP_FIELD_NUMBER: _ClassVar[int]
    username: str
    display_name: str
    unit_code: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    email: str
    phone: str
    leadership_group: bool
    def __init__(self, username: _Optional[str] = ..., display_name: _Optional[str] = ..., unit_code: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., leadership_group: _Optional[bool] = ...) -> None: ...

class ListPeopleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPeopleResponse(_message.Message):
    __slots__ = ("people",)
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    people: _containers.RepeatedCompositeFieldContainer[Person]
    def __init__(self, people: _Optional[_Iterable[_Union[Person, _Mapping]]] = ...) -> None: ...

class Shift(_message.Message):
    __slots__ = ("shift_id", "username", "starts_at", "ends_at")
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    shift_id: str
    username: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    def __init__(self, shift_id: _Optional[str] = ..., username: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListShiftsRequest(_message.Message):
    __slots__ = ("since", "until")
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    def __init__(self, since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListShiftsResponse(_message.Message):
    __slots__ = ("shifts", "on_duty_now")
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    ON_DUTY_NOW_FIELD_NUMBER: _ClassVar[int]
    shifts: _containers.RepeatedCompositeFieldContainer[Shift]
    on_duty_now: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, shifts: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., on_duty_now: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteShiftRequest(_message.Message):
    __slots__ = ("shift_id",)
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    shift_id: str
    def __init__(self, shift_id: _Optional[str] = ...) -> None: ...

class PlanStep(_message.Message):
    __slots__ = ("key", "name", "owner", "minutes", "working_days")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    owner: str
    minutes: int
    working_days: int
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., owner: _Optional[str] = ..., minutes: _Optional[int] = ..., working_days: _Optional[int] = ...) -> None: ...

class PlanLevel(_message.Message):
    __slots__ = ("level", "steps")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    level: str
    steps: _containers.RepeatedCompositeFieldContainer[PlanStep]
    def __init__(self, level: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[PlanStep, _Mapping]]] = ...) -> None: ...

class ResponsePlanMessage(_message.Message):
    __slots__ = ("version", "levels", "created_by", "created_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    levels: _containers.RepeatedCompositeFieldContainer[PlanLevel]
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., levels: _Optional[_Iterable[_Union[PlanLevel, _Mapping]]] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListResponsePlansRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListResponsePlansResponse(_message.Message):
    __slots__ = ("plans",)
    PLANS_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[ResponsePlanMessage]
    def __init__(self, plans: _Optional[_Iterable[_Union[ResponsePlanMessage, _Mapping]]] = ...) -> None: ...
