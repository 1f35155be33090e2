from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Level(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEVEL_UNSPECIFIED: _ClassVar[Level]
    LEVEL_I: _ClassVar[Level]
    LEVEL_II: _ClassVar[Level]
    LEVEL_III: _ClassVar[Level]
    LEVEL_IV: _ClassVar[Level]
    LEVEL_V: _ClassVar[Level]
LEVEL_UNSPECIFIED: Level
LEVEL_I: Level
LEVEL_II: Level
LEVEL_III: Level
LEVEL_IV: Level
LEVEL_V: Level

class Metrics(_message.Message):
    __slots__ = ("views", "comments", "reposts", "likes", "mainstream_sites")
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    REPOSTS_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    MAINSTREAM_SITES_FIELD_NUMBER: _ClassVar[int]
    views: int
    comments: int
    reposts: int
    likes: int
    mainstream_sites: int
    def __init__(self, views: _Optional[int] = ..., comments: _Optional[int] = ..., reposts: _Optional[int] = ..., likes: _Optional[int] = ..., mainstream_sites: _Optional[int] = ...) -> None: ...
