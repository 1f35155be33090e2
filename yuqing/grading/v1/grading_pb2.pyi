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
    __slots__ = ("metric", "metric_name", "value", "threshold", "level", "text", "kind", "raise_by")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    METRIC_NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RAISE_BY_FIELD_NUMBER: _ClassVar[int]
    metric: str
    metric_name: str
    value: int
    threshold: int
    level: _common_pb2.Level
    text: str
    kind: str
    raise_by: int
    def __init__(self, metric: _Optional[str] = ..., metric_name: _Optional[str] = ..., value: _Optional[int] = ..., threshold: _Optional[int] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., text: _Optional[str] = ..., kind: _Optional[str] = ..., raise_by: _Optional[int] = ...) -> None: ...

class GradeChange(_message.Message):
    __slots__ = ("at", "kind", "level_before", "level_after", "actor", "reason", "text", "rule_set_version")
    AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEVEL_BEFORE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_AFTER_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    kind: str
    level_before: _common_pb2.Level
    level_after: _common_pb2.Level
    actor: str
    reason: str
    text: str
    rule_set_version: int
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., level_before: _Optional[_Union[_common_pb2.Level, str]] = ..., level_after: _Optional[_Union[_common_pb2.Level, str]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., text: _Optional[str] = ..., rule_set_version: _Optional[int] = ...) -> None: ...

class HeatPoint(_message.Message):
    __slots__ = ("at", "heat")
    AT_FIELD_NUMBER: _ClassVar[int]
    HEAT_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    heat: float
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., heat: _Optional[float] = ...) -> None: ...

class Disposition(_message.Message):
    __slots__ = ("code", "name", "confidence", "harmful", "harmful_categories", "harmful_category_names", "decided_by", "reason", "lexicon_version", "cues")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_CATEGORY_NAMES_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LEXICON_VERSION_FIELD_NUMBER: _ClassVar[int]
    CUES_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    confidence: float
    harmful: bool
    harmful_categories: _containers.RepeatedScalarFieldContainer[str]
    harmful_category_names: _containers.RepeatedScalarFieldContainer[str]
    decided_by: str
    reason: str
    lexicon_version: int
    cues: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., confidence: _Optional[float] = ..., harmful: _Optional[bool] = ..., harmful_categories: _Optional[_Iterable[str]] = ..., harmful_category_names: _Optional[_Iterable[str]] = ..., decided_by: _Optional[str] = ..., reason: _Optional[str] = ..., lexicon_version: _Optional[int] = ..., cues: _Optional[_Iterable[str]] = ...) -> None: ...

class EventGrade(_message.Message):
    __slots__ = ("event_id", "level", "level_name", "conditions", "rule_set_version", "heat", "graded_at", "metrics", "computed_level", "decided_by", "reason", "disposition", "history", "heat_trend", "drill_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    HEAT_FIELD_NUMBER: _ClassVar[int]
    GRADED_AT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_LEVEL_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    HEAT_TREND_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    level: _common_pb2.Level
    level_name: str
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    rule_set_version: int
    heat: float
    graded_at: _timestamp_pb2.Timestamp
    metrics: _common_pb2.Metrics
    computed_level: _common_pb2.Level
    decided_by: str
    reason: str
    disposition: Disposition
    history: _containers.RepeatedCompositeFieldContainer[GradeChange]
    heat_trend: _containers.RepeatedCompositeFieldContainer[HeatPoint]
    drill_id: str
    def __init__(self, event_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., level_name: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., rule_set_version: _Optional[int] = ..., heat: _Optional[float] = ..., graded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., computed_level: _Optional[_Union[_common_pb2.Level, str]] = ..., decided_by: _Optional[str] = ..., reason: _Optional[str] = ..., disposition: _Optional[_Union[Disposition, _Mapping]] = ..., history: _Optional[_Iterable[_Union[GradeChange, _Mapping]]] = ..., heat_trend: _Optional[_Iterable[_Union[HeatPoint, _Mapping]]] = ..., drill_id: _Optional[str] = ...) -> None: ...

class GetGradeRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class SetLevelRequest(_message.Message):
    __slots__ = ("event_id", "level", "reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    level: _common_pb2.Level
    reason: str
    def __init__(self, event_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class SetDispositionRequest(_message.Message):
    __slots__ = ("event_id", "code", "harmful", "harmful_categories", "reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    code: str
    harmful: bool
    harmful_categories: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, event_id: _Optional[str] = ..., code: _Optional[str] = ..., harmful: _Optional[bool] = ..., harmful_categories: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class Band(_message.Message):
    __slots__ = ("metric", "level", "minimum", "maximum")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    metric: str
    level: str
    minimum: int
    maximum: int
    def __init__(self, metric: _Optional[str] = ..., level: _Optional[str] = ..., minimum: _Optional[int] = ..., maximum: _Optional[int] = ...) -> None: ...

class SensitiveModifier(_message.Message):
    __slots__ = ("category", "raise_by")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RAISE_BY_FIELD_NUMBER: _ClassVar[int]
    category: str
    raise_by: int
    def __init__(self, category: _Optional[str] = ..., raise_by: _Optional[int] = ...) -> None: ...

class SpecialPeriod(_message.Message):
    __slots__ = ("name", "start", "end", "raise_by")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    RAISE_BY_FIELD_NUMBER: _ClassVar[int]
    name: str
    start: str
    end: str
    raise_by: int
    def __init__(self, name: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., raise_by: _Optional[int] = ...) -> None: ...

class GrowthRule(_message.Message):
    __slots__ = ("window_minutes", "min_growth_percent", "min_heat", "raise_by")
    WINDOW_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MIN_GROWTH_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MIN_HEAT_FIELD_NUMBER: _ClassVar[int]
    RAISE_BY_FIELD_NUMBER: _ClassVar[int]
    window_minutes: int
    min_growth_percent: float
    min_heat: float
    raise_by: int
    def __init__(self, window_minutes: _Optional[int] = ..., min_growth_percent: _Optional[float] = ..., min_heat: _Optional[float] = ..., raise_by: _Optional[int] = ...) -> None: ...

class RuleSet(_message.Message):
    __slots__ = ("version", "bands", "sensitive_categories", "special_periods", "growth", "note", "created_by", "created_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_PERIODS_FIELD_NUMBER: _ClassVar[int]
    GROWTH_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    bands: _containers.RepeatedCompositeFieldContainer[Band]
    sensitive_categories: _containers.RepeatedCompositeFieldContainer[SensitiveModifier]
    special_periods: _containers.RepeatedCompositeFieldContainer[SpecialPeriod]
    growth: GrowthRule
    note: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., bands: _Optional[_Iterable[_Union[Band, _Mapping]]] = ..., sensitive_categories: _Optional[_Iterable[_Union[SensitiveModifier, _Mapping]]] = ..., special_periods: _Optional[_Iterable[_Union[SpecialPeriod, _Mapping]]] = ..., growth: _Optional[_Union[GrowthRule, _Mapping]] = ..., note: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetRuleSetRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class ListRuleSetsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRuleSetsResponse(_message.Message):
    __slots__ = ("rule_sets",)
    RULE_SETS_FIELD_NUMBER: _ClassVar[int]
    rule_sets: _containers.RepeatedCompositeFieldContainer[RuleSet]
    def __init__(self, rule_sets: _Optional[_Iterable[_Union[RuleSet, _Mapping]]] = ...) -> None: ...

class LexiconWord(_message.Message):
    __slots__ = ("word", "weight")
    WORD_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    word: str
    weight: float
    def __init__(self, word: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class LexiconEntry(_message.Message):
    __slots__ = ("name", "words")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    words: _containers.RepeatedCompositeFieldContainer[LexiconWord]
    def __init__(self, name: _Optional[str] = ..., words: _Optional[_Iterable[_Union[LexiconWord, _Mapping]]] = ...) -> None: ...

class Lexicon(_message.Message):
    __slots__ = ("version", "classes", "harmful", "harmful_threshold", "created_by", "created_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_FIELD_NUMBER: _ClassVar[int]
    HARMFUL_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    classes: _containers.RepeatedCompositeFieldContainer[LexiconEntry]
    harmful: _containers.RepeatedCompositeFieldContainer[LexiconEntry]
    harmful_threshold: float
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., classes: _Optional[_Iterable[_Union[LexiconEntry, _Mapping]]] = ..., harmful: _Optional[_Iterable[_Union[LexiconEntry, _Mapping]]] = ..., harmful_threshold: _Optional[float] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetLexiconRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

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
    __slots__ = ("event_id", "level", "previous_level", "conditions", "rule_set_version", "graded_at", "event_discovered_at", "locality", "title", "text", "actor", "reason", "heat", "drill_id", "sensitive_categories")
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
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HEAT_FIELD_NUMBER: _ClassVar[int]
    DRILL_ID_FIELD_NUMBER: _ClassVar[int]
    SENSITIVE_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
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
    actor: str
    reason: str
    heat: float
    drill_id: str
    sensitive_categories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.Level, str]] = ..., previous_level: _Optional[_Union[_common_pb2.Level, str]] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., rule_set_version: _Optional[int] = ..., graded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_discovered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locality: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., heat: _Optional[float] = ..., drill_id: _Optional[str] = ..., sensitive_categories: _Optional[_Iterable[str]] = ...) -> None: ...
