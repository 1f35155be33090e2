"""Conversions between protobuf well-known types and Python values, shared by servicers."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from yuqing.common.v1 import common_pb2
from yuqing.core.metrics import Metrics

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def timestamp(value: dt.datetime | None) -> Timestamp | None:
    """An aware datetime as a Timestamp (what FromDatetime gives, without its calendar round trip)."""
    if value is None:
        return None
    if value.tzinfo is None:   # local time, as FromDatetime(astimezone) would read it
        value = value.astimezone(dt.UTC)
    since = value - _EPOCH
    return Timestamp(seconds=since.days * 86_400 + since.seconds, nanos=since.microseconds * 1_000)


def from_timestamp(message, present: bool = True) -> dt.datetime | None:
    """Aware UTC datetime, or None when the field was not set."""
    if not present:
        return None
    return message.ToDatetime(tzinfo=dt.UTC)


def metrics_message(metrics: Metrics) -> common_pb2.Metrics:
    return common_pb2.Metrics(**metrics.values())


def page_bounds(page_size: int, offset: int, default: int = 50, maximum: int = 500) -> tuple[int, int]:
    size = default if page_size <= 0 else min(page_size, maximum)
    return size, max(offset, 0)
