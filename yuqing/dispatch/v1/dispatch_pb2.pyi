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
    __slots__ = ("step", "step_name", "owner", "due_at", "clock", "limit", "basis_level", "warning", "owner_name")
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BASIS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    step: str
    step_name: str
    owner: str
    due_at: _timestamp_pb2.Timestamp
    clock: str
    limit: str
    basis_level: _common_pb2.Level
    warning: str
    owner_name: str
    def __init__(self, step: _Optional[str] = ..., step_name: _Optional[str] = ..., owner: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clock: _Optional[str] = ..., limit: _Optional[str] = ..., basis_level: _Optional[_Union[_common_pb2.Level, str]] = ..., warning: _Optional[str] = ..., owner_name: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("assignment_id", "event_id", "unit_code", "unit_name", "role", "state", "state_name", "level", "plan_version", "deadlines", "created_at", "role_name")
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
    def __init__(self, assignment_id: _Optional[str] = ..., event_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_name: _Optional[str] = ..., role: _Optional[str] = ..., state: _Optional[str] = ..., state_name: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., plan_version: _Optional[int] = ..., deadlines: _Optional[_Iterable[_Union[Deadline, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., role_name: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("code", "name", "kind", "parent_code")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: str
    parent_code: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., parent_code: _Optional[str] = ...) -> None: ...

class ListUnitsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...
