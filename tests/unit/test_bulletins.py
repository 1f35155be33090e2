"""Bulletin rules without I/O: periods per kind, key-event choice, the overview's counts, the
canonical JSON that identifies a release, and the caller identity that travels with reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter

import pytest

from services.publish.bulletins import (
    canonical_json,
    check_kind,
    digest_of,
    key_candidates,
    overview,
    period_for,
    timeliness,
)
from yuqing.core.errors import InvalidInput
from yuqing.core.identity import Caller

D = dt.date


@pytest.mark.parametrize(("kind", "day", "start", "end"), [
    ("daily", D(2026, 11, 22), D(2026, 11, 22), D(2026, 11, 22)),
    ("weekly", D(2026, 11, 22), D(2026, 11, 16), D(2026, 11, 22)),     # a Sunday: its Monday–Sunday
    ("weekly", D(2026, 11, 23), D(2026, 11, 23), D(2026, 11, 29)),     # a Monday starts a week
    ("weekly", D(2026, 12, 31), D(2026, 12, 28), D(2027, 1, 3)),       # a week across the new year
    ("monthly", D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
    ("monthly", D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29)),        # leap year
    ("monthly", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
])
def test_periods(kind, day, start, end):
    period = period_for(kind, day)
    assert (period.start, period.end) == (start, end)


def test_a_period_is_bounded_in_shanghai_time():
    start, end = period_for("daily", D(2026, 11, 22)).utc_bounds()
    assert start == dt.datetime(2026, 11, 21, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)


def test_event_kinds_run_from_discovery_and_need_an_event():
    period = period_for("special", D(2026, 11, 22), discovered=D(2026, 11, 19))
    assert (period.start, period.end) == (D(2026, 11, 19), D(2026, 11, 22))
    with pytest.raises(InvalidInput) as refused:
        check_kind("review", "")
    assert refused.value.problems[0].field == "event_id"
    with pytest.raises(InvalidInput):
        check_kind("daily", "e1")
    with pytest.raises(InvalidInput):
        check_kind("yearly", "")


def brief(event_id, level, heat, locality="hexi", categories=()):
    return {"event_id": event_id, "level": level, "heat": heat, "locality": locality,
            "sensitive_categories": list(categories), "title": event_id,
            "discovered_at": dt.datetime(2026, 11, 22, tzinfo=dt.UTC)}


def test_key_events_are_the_gravest_then_the_hottest_and_watch_level_only_when_nothing_graver():
    briefs = [brief("v-hot", "V", 90), brief("iv", "IV", 20), brief("ii-cool", "II", 10), brief("ii-hot", "II", 60),
              brief("iii", "III", 70)]
    assert [b["event_id"] for b in key_candidates(briefs)] == ["ii-hot", "ii-cool", "iii", "iv"]
    assert [b["event_id"] for b in key_candidates(briefs, limit=2)] == ["ii-hot", "ii-cool"]
    assert [b["event_id"] for b in key_candidates([brief("a", "V", 1), brief("b", "V", 5)])] == ["b", "a"]


def test_overview_counts_every_dimension():
    briefs = [brief("a", "I", 1, "hexi", ["食品安全", "教育"]), brief("b", "II", 1, "hexi"),
              brief("c", "V", 1, "qingshan", ["教育"])]
    counts = {"source": Counter({"public_tip": 3, "platform": 7}), "platform": Counter({"微博": 6, "未标明": 4})}
    result = overview(counts, briefs, {"hexi": "河西镇"})
    assert result["items_total"] == 10 and result["events_total"] == 3 and result["major_events"] == 2
    assert [(r["name"], r["count"]) for r in result["by_source"]] == [("监测平台", 7), ("网友举报", 3)]
    assert {r["code"]: r["count"] for r in result["by_level"]} == {"I": 1, "II": 1, "III": 0, "IV": 0, "V": 1}
    assert {r["code"]: r["count"] for r in result["by_category"]} == {"教育": 2, "食品安全": 1, "其他": 1}
    assert [(r["name"], r["count"]) for r in result["by_township"]] == [("河西镇", 2), ("qingshan", 1)]


def test_timeliness_against_the_plan():
    found = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
    limits = [{"step": "first_response", "limit": "3小时", "due_at": found + dt.timedelta(hours=3)},
              {"step": "authoritative_release", "limit": "5小时", "due_at": found + dt.timedelta(hours=5)}]
    result = timeliness(found, found + dt.timedelta(minutes=90), found + dt.timedelta(hours=6), limits)
    assert result["first_response"] == {"at": "2026-11-22T10:30+08:00", "minutes": 90.0, "limit": "3小时",
                                         "due_at": "2026-11-22T12:00+08:00", "on_time": True}
    assert result["authoritative_release"]["on_time"] is False
    assert timeliness(found, None, None, [])["first_response"]["on_time"] is None


def test_the_released_json_is_canonical_and_its_hash_is_its_identity():
    a = {"b": 1, "a": {"中文": "通报", "z": [1, 2]}}
    b = {"a": {"z": [1, 2], "中文": "通报"}, "b": 1}
    assert canonical_json(a) == canonical_json(b) == '{"a":{"z":[1,2],"中文":"通报"},"b":1}'.encode()
    assert digest_of(canonical_json(a)) == hashlib.sha256(canonical_json(b)).hexdigest()
    assert json.loads(canonical_json(a)) == a


def test_caller_identity_survives_grpc_metadata_even_in_chinese():
    caller = Caller("key:市委网信办", frozenset({"superior_reader"}), "城关")
    metadata = caller.metadata()
    assert all(value.isascii() for _, value in metadata), "gRPC refuses non-ASCII metadata values"
    assert Caller.from_metadata(metadata) == caller
