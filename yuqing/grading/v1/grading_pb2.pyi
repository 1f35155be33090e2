import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yuqing.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Condition(_message.Message):
    __slots__ = ("metric", "metric_name", "value", "threshold", "level", "text")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    metric: str
    metric_name: str
    value: int
    threshold: int
    level: _common_pb2.Level
    text: str
    def __init__(self, metric: _Optional[str] = ..., metric_name: _Optional[str] = ..., value: _Optional[int] = ..., threshold: _Optional[int] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., text: _Optional[str] = ...) -> None: ...

class EventGrade(_message.Message):
    __slots__ = ("event_id", "level", "level_name", "conditions", "rule_set_version", "heat", "graded_at", "metrics")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    HEAT_FIELD_NUMBER: _ClassVar[int]
    GRADED_AT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    level: _common_pb2.Level
    level_name: str
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    rule_set_version: int
    heat: float
    graded_at: _timestamp_pb2.Timestamp
    metrics: _common_pb2.Metrics
    def __init__(self, event_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., level_name: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., rule_set_version: _Optional[int] = ..., heat: _Optional[float] = ..., graded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ...) -> None: ...

class GetGradeRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class BatchGetGradesRequest(_message.Message):
    __slots__ = ("event_ids",)
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetGradesResponse(_message.Message):
    __slots__ = ("grades",)
    GRADES_FIELD_NUMBER: _ClassVar[int]
    grades: _containers.RepeatedCompositeFieldContainer[EventGrade]
    def __init__(self, grades: _Optional[_Iterable[_Union[EventGrade, _Mapping]]] = ...) -> None: ...

class ListGradesRequest(_message.Message):
    __slots__ = ("level", "page_size", "offset")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    level: _common_pb2.Level
    page_size: int
    offset: int
    def __init__(self, level: _Optional[_Union[_common_pb2.Level, str]] = ..., page_size: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListGradesResponse(_message.Message):
    __slots__ = ("grades", "total")
    GRADES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    grades: _containers.RepeatedCompositeFieldContainer[EventGrade]
    total: int
    def __init__(self, grades: _Optional[_Iterable[_Union[EventGrade, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class EventGraded(_message.Message):
    __slots__ = ("event_id", "level", "previous_level", "conditions", "rule_set_version", "graded_at", "event_discovered_at", "locality", "title", "text")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    GRADED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENT_DISCOVERED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    level: _common_pb2.Level
    previous_level: _common_pb2.Level
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    rule_set_version: int
    graded_at: _timestamp_pb2.Timestamp
    event_discovered_at: _timestamp_pb2.Timestamp
    locality: str
    title: str
    text: str
    def __init__(self, event_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., previous_level: _Optional[_Union[_common_pb2.Level, str]] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., rule_set_version: _Optional[int] = ..., graded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locality: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...
