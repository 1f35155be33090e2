"""The five levels (DESIGN.md §2.2), highest first, and their wire forms."""

from __future__ import annotations

from yuqing.common.v1 import common_pb2

LEVELS = ("I", "II", "III", "IV", "V")
LEVEL_NAMES = {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般", "V": "关注"}
LEVEL_COLOURS = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue", "V": "grey"}


def is_higher(level: str, than: str | None) -> bool:
    """True when `level` is more serious than `than` (None: not graded yet)."""
    return than is None or LEVELS.index(level) < LEVELS.index(than)


def to_proto(level: str | None) -> int:
    return common_pb2.LEVEL_UNSPECIFIED if not level else LEVELS.index(level) + 1


def from_proto(value: int) -> str | None:
    return None if value == common_pb2.LEVEL_UNSPECIFIED else LEVELS[value - 1]
