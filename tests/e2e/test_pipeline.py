"""Items posted to the gateway are stored, graded with the seed's thresholds and dispatched
with the plan's deadlines — through real processes and stream hops."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.e2e.conftest import graded_and_assigned, wait_for

DISCOVERED = "2026-11-20T10:00:00+08:00"  # a Friday, a working day
MAJOR_LIMITS = {"oral_report": 30, "written_report": 90, "handover": 120, "first_response": 180,
                "authoritative_release": 300, "media_reply": 720, "verified_result": 1440}

CASES = [
    ({"views": 999}, "below"), ({"views": 1000}, "II"), ({"views": 2999}, "II"), ({"views": 3000}, "I"),
    ({"comments": 99}, "below"), ({"comments": 100}, "II"), ({"comments": 499}, "II"), ({"comments": 500}, "I"),
    ({"mainstream_sites": 0}, "below"), ({"mainstream_sites": 1}, "II"), ({"mainstream_sites": 4}, "II"),
    ({"mainstream_sites": 5}, "I"),
]
METRIC_WORDS = {"views": "点击", "comments": "跟帖", "mainstream_sites": "主流网站转发"}


def post_item(client, **fields) -> dict:
    """Each call reports a different matter: a number of its own keeps near-duplicate
    clustering from merging the cases into one event."""
    if "title" in fields:
        fields["title"] += f"（第{uuid.uuid4().int % 10**8}号）"
    body = {"source": "monitor_patrol", "platform": "微博", "region_hint": "城关镇",
            "url": f"https://weibo.com/status/{uuid.uuid4().hex}", "discovered_at": DISCOVERED, **fields}
    response = client.post("/api/v1/items", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def minutes_after_discovery(due_at: str) -> float:
    return (dt.datetime.fromisoformat(due_at) - dt.datetime.fromisoformat(DISCOVERED)).total_seconds() / 60


@pytest.mark.parametrize(("metrics", "expected"), CASES, ids=[f"{k}={v}" for (m, _) in CASES for k, v in m.items()])
def test_seed_thresholds_grade_and_dispatch(client, metrics, expected):
    accepted = post_item(client, title="城关镇某小区停水三天无人管", content="居民反映", metrics=metrics)
    event = graded_and_assigned(client, accepted["event_id"])
    (metric, value), = metrics.items()
    if expected == "below":
        assert event["level"] in ("III", "IV", "V")
        assert all(c["level"] == event["level"] for c in event["conditions"])
    else:
        assert event["level"] == expected
        assert event["level_name"] == {"I": "特别重大", "II": "重大"}[expected]
        threshold = {"I": {"views": 3000, "comments": 500, "mainstream_sites": 5},
                     "II": {"views": 1000, "comments": 100, "mainstream_sites": 1}}[expected][metric]
        assert f"{METRIC_WORDS[metric]} {value} ≥ {threshold} → {event['level_name']}" in [
            c["text"] for c in event["conditions"]]
    assert event["conditions"], "every decision carries its reasons"
    lead, = [a for a in event["assignments"] if a["role"] == "lead"]
    assert lead["unit"]["code"] == "chengguan" and lead["state_name"] == "待签收" and lead["role_name"] == "主办"
    assert {d["owner_name"] for d in lead["deadlines"]} <= {"舆情办", "责任单位", "新闻发言人"}
    due = {d["step"]: minutes_after_discovery(d["due_at"]) for d in lead["deadlines"]}
    if expected in ("I", "II"):
        assert {step: due[step] for step in MAJOR_LIMITS} == MAJOR_LIMITS
    if expected == "I":
        assert due["superior_report"] == 30 and due["press_conference"] == 1440
    for deadline in lead["deadlines"]:
        assert deadline["due_at"].endswith("+08:00")


def test_exact_duplicate_is_a_snapshot_and_growth_raises_the_plan(client):
    url = "https://weibo.com/status/dup-" + uuid.uuid4().hex
    first = post_item(client, url=url, title="河西镇桃源村道路塌陷", region_hint="", metrics={"views": 20})
    event = graded_and_assigned(client, first["event_id"])
    assert event["level"] == "V"
    again = post_item(client, url=url.replace("https://weibo.com", "https://m.weibo.cn") + "?utm_source=share",
                      title="河西镇桃源村道路塌陷", region_hint="", metrics={"views": 3200})
    assert again == {**first, "duplicate": True}
    upgraded = wait_for(
        lambda: client.get(f"/api/v1/events/{first['event_id']}").json(),
        lambda e: any(d["basis_level"] == "I" for a in e["assignments"] for d in a["deadlines"]))
    assert upgraded["level"] == "I"
    assert len(upgraded["items"]) == 1 and upgraded["items"][0]["snapshot_count"] == 2
    assert upgraded["metrics"]["views"] == 3200
    lead = upgraded["assignments"][0]
    assert lead["unit"]["code"] == "hexi"
    by_basis = {d["step"]: d["basis_level"] for d in lead["deadlines"]}
    assert by_basis["answer"] == "V", "what happened before the upgrade stays"
    assert by_basis["superior_report"] == "I"


def test_unit_users_see_only_their_units_assignments(suite, client):
    import httpx

    from tests.e2e.conftest import PASSWORD

    accepted = post_item(client, title="龙潭镇集市噪音扰民", region_hint="", metrics={"views": 10})
    graded_and_assigned(client, accepted["event_id"])
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as other:
        for username, sees in (("longtan_jbr", True), ("hexi_jbr", False)):
            token = other.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).json()
            headers = {"authorization": f"Bearer {token['access_token']}"}
            mine = other.get("/api/v1/assignments", headers=headers, params={"page_size": 200}).json()["items"]
            assert all(a["unit"]["code"] == username.split("_")[0] for a in mine)
            assert any(a["event_id"] == accepted["event_id"] for a in mine) is sees
            detail = other.get(f"/api/v1/events/{accepted['event_id']}", headers=headers)
            assert detail.status_code == (200 if sees else 404)
            if sees:
                one = other.get(f"/api/v1/assignments/{mine[0]['assignment_id']}", headers=headers)
                assert one.status_code == 200
        hexi_token = other.post("/api/v1/auth/token", json={"username": "hexi_jbr", "password": PASSWORD}).json()
        event = client.get(f"/api/v1/events/{accepted['event_id']}").json()
        foreign = other.get(f"/api/v1/assignments/{event['assignments'][0]['assignment_id']}",
                            headers={"authorization": f"Bearer {hexi_token['access_token']}"})
        # Another unit's assignment is not even acknowledged to exist.
        assert foreign.status_code == 404 and "不属于本单位" in foreign.json()["detail"]
        assert foreign.headers["content-type"] == "application/problem+json"


def test_events_filter_by_level_and_paginate(client):
    for _ in range(2):
        post_item(client, title="白水乡特别重大测试", metrics={"comments": 800})
    accepted = post_item(client, title="白水乡特别重大测试", metrics={"comments": 900})
    graded_and_assigned(client, accepted["event_id"])
    page = client.get("/api/v1/events", params={"level": "I", "page_size": 2}).json()
    assert page["total"] >= 3 and len(page["items"]) == 2
    assert all(e["level"] == "I" for e in page["items"])
    bad = client.get("/api/v1/events", params={"level": "VI"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "level"
