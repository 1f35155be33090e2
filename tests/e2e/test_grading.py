"""Grading through the gateway: 研判 with reasons, corrections, rule-set versions, the
timeline and audit log — by the API and in the console, against the running suite."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.e2e.conftest import PASSWORD, graded_and_assigned, wait_for


def bearer(client: httpx.Client, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).json()
    return {"authorization": f"Bearer {token['access_token']}"}


def new_event(client: httpx.Client, title: str, **metrics) -> dict:
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": f"{title}（第{uuid.uuid4().int % 10**8}号）", "region_hint": "河西镇",
        "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": metrics}).json()
    return graded_and_assigned(client, accepted["event_id"])


def test_lowering_needs_a_reason_then_is_on_the_timeline_and_in_the_audit_log(client):
    office = bearer(client, "yqb")
    event = new_event(client, "河西镇滨江小区连续停电", views=1500)
    assert event["level"] == "II" and event["decided_by"] == "system"
    url = f"/api/v1/events/{event['event_id']}/level"

    refused = client.post(url, headers=office, json={"level": "IV"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "reason", "reason": "降低级别时必填"}]
    assert client.get(f"/api/v1/events/{event['event_id']}").json()["level"] == "II"

    lowered = client.post(url, headers=office, json={"level": "IV", "reason": "经核实系线路检修，已恢复供电"})
    assert lowered.status_code == 200, lowered.text
    body = lowered.json()
    assert (body["level"], body["decided_by"], body["level_reason"]) == ("IV", "yqb", "经核实系线路检修，已恢复供电")
    assert body["computed_level"] == "II"
    assert body["timeline"][-1]["text"] == "yqb 研判由重大降为一般：经核实系线路检修，已恢复供电"
    assert [t["kind"] for t in body["timeline"]][:2] == ["graded", "assigned"]

    audit = client.get("/api/v1/admin/audit", params={"limit": 20}).json()["items"]
    entry = next(a for a in audit if a["action"] == "event.level" and a["target"] == event["event_id"])
    assert entry["actor"] == "yqb" and entry["details"] == {"from": "II", "to": "IV", "reason": "经核实系线路检修，已恢复供电"}
    assert len(entry["hash"]) == 64


def test_who_may_judge(client):
    event = new_event(client, "河西镇集市占道经营", views=200)
    url = f"/api/v1/events/{event['event_id']}/level"
    for username in ("jiance", "hexi_jbr", "leader"):
        response = client.post(url, headers=bearer(client, username), json={"level": "I", "reason": "试图提级"})
        assert response.status_code in (403, 404), (username, response.text)
    assert client.get(f"/api/v1/events/{event['event_id']}").json()["level"] == "IV"
    assert client.post(url, headers=bearer(client, "yqb"), json={"level": "VI"}).status_code == 422
    assert client.post("/api/v1/events/nope/level", headers=bearer(client, "yqb"),
                       json={"level": "I"}).status_code == 404


def test_disposition_is_classified_and_a_person_corrects_it(client):
    accepted = client.post("/api/v1/items", json={
        "source": "platform", "content": f"建议在河西镇增设公交站点，方便群众出行（{uuid.uuid4().hex[:6]}）",
        "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": {"views": 50}}).json()
    event = graded_and_assigned(client, accepted["event_id"])
    assert event["disposition"]["code"] == "suggestion" and event["disposition"]["decided_by"] == "system"
    url = f"/api/v1/events/{event['event_id']}/disposition"
    office = bearer(client, "yqb")
    wrong = client.post(url, headers=office, json={"disposition": "gossip", "harmful": True})
    assert wrong.status_code == 422 and {e["field"] for e in wrong.json()["errors"]} == {"disposition", "harmful_categories"}
    fixed = client.post(url, headers=office, json={"disposition": "inquiry", "reason": "实为诉求"}).json()
    assert fixed["disposition"]["code"] == "inquiry" and fixed["disposition"]["confidence"] == 1.0
    assert fixed["timeline"][-1]["kind"] == "disposition_corrected"


def test_rule_set_versions_old_decisions_stay(client):
    before = new_event(client, "河西镇某路段路灯不亮", views=600)
    current = client.get("/api/v1/rule-sets/current").json()
    assert current["bands"][0] == {"metric": "views", "level": "I", "minimum": 3000, "maximum": None}

    broken = {**current, "bands": [{"metric": "views", "level": "I", "minimum": 3000},
                                   {"metric": "views", "level": "II", "minimum": 1000, "maximum": 3500}]}
    for key in ("version", "created_by", "created_at"):
        broken.pop(key)
    refused = client.post("/api/v1/rule-sets", json=broken)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "bands[1].maximum" and "重叠" in refused.json()["errors"][0]["reason"]
    periods = client.post("/api/v1/rule-sets", json={**broken, "bands": current["bands"], "special_periods": [
        {"name": "两会", "start": "2027-03-15", "end": "2027-03-03"}]})
    assert periods.json()["errors"][0]["field"] == "special_periods[0].end"

    # Same thresholds, a special period far ahead: decisions only differ by the version they name.
    body = {key: current[key] for key in ("bands", "sensitive_categories", "growth")}
    saved = client.post("/api/v1/rule-sets", json={**body, "note": "增加明年两会", "special_periods": [
        {"name": "两会", "start": "2099-03-03", "end": "2099-03-15", "raise_by": 1}]})
    assert saved.status_code == 201, saved.text
    version = saved.json()["version"]
    assert version > current["version"] and saved.json()["created_by"] == "admin"

    after = new_event(client, "河西镇某路段井盖缺失", views=600)
    assert after["rule_set_version"] == version
    old = client.get(f"/api/v1/events/{before['event_id']}").json()
    assert (old["rule_set_version"], old["conditions"]) == (before["rule_set_version"], before["conditions"])
    assert client.get(f"/api/v1/rule-sets/{current['version']}").json()["bands"] == current["bands"]
    assert client.post("/api/v1/rule-sets", headers=bearer(client, "yqb"), json=body).status_code == 403


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_console_judging_and_rule_set_pages(suite, client):
    event = new_event(client, "河西镇某工地夜间施工扰民", comments=150)
    with httpx.Client(base_url=suite.gateway_url, timeout=30, follow_redirects=True) as browser:
        browser.post("/console/login", data={"username": "yqb", "password": PASSWORD})
        page = browser.get(f"/console/events/{event['event_id']}")
        assert "提交研判" in page.text and "热度趋势" in page.text and "<polyline" in page.text
        assert "自动定级为重大：跟帖 150 ≥ 100 → 重大" in page.text
        token = _csrf(page.text)
        form_url = f"/console/events/{event['event_id']}/level"
        stale = browser.post(form_url, data={"level": "IV", "reason": "x", "csrf": "0" * 64})
        assert stale.status_code == 403 and "页面已过期" in stale.text
        refused = browser.post(form_url, data={"level": "IV", "reason": "", "csrf": token})
        assert refused.status_code == 422 and "降低级别时必填" in refused.text
        done = browser.post(form_url, data={"level": "IV", "reason": "施工已停止<script>x</script>", "csrf": token})
        assert done.status_code == 200 and "研判结果已保存" in done.text
        assert "人工研判" in done.text and "&lt;script&gt;x&lt;/script&gt;" in done.text
        assert wait_for(lambda: client.get(f"/api/v1/events/{event['event_id']}").json(),
                        lambda e: e["level"] == "IV")["decided_by"] == "yqb"

        rules = browser.get("/console/rule-sets")
        assert "分级区间" in rules.text and "3000–" not in rules.text and "≥ 3000" in rules.text
        assert browser.get("/console/rule-sets/new").status_code == 403      # the office reads, the admin edits

    with httpx.Client(base_url=suite.gateway_url, timeout=30, follow_redirects=True) as admin:
        admin.post("/console/login", data={"username": "admin", "password": PASSWORD})
        form = admin.get("/console/rule-sets/new")
        assert form.status_code == 200 and 'name="bands-0-minimum" value="3000"' in form.text
        current = client.get("/api/v1/rule-sets/current").json()
        fields = {"csrf": _csrf(form.text), "note": "控制台保存", "growth-on": "on", "growth-window_minutes": "60",
                  "growth-min_growth_percent": "50", "growth-min_heat": "30", "growth-raise_by": "1"}
        for i, band in enumerate(current["bands"]):
            fields.update({f"bands-{i}-metric": band["metric"], f"bands-{i}-level": band["level"],
                           f"bands-{i}-minimum": str(band["minimum"]), f"bands-{i}-maximum": str(band["maximum"] or "")})
        for sensitive in current["sensitive_categories"]:
            fields.update({f"sensitive-{sensitive['category']}": "on", f"sensitive-{sensitive['category']}-raise_by": "1"})
        fields.update({"periods-0-name": "两会", "periods-0-start": "2099-03-03", "periods-0-end": "2099-03-15",
                       "periods-0-raise_by": "1", "bands-0-minimum": "500", "bands-1-minimum": "1000"})
        refused = admin.post("/console/rule-sets", data=fields)
        assert refused.status_code == 422 and "未能保存" in refused.text
        assert "bands[1].minimum：点击：重大（II级）下限 1000 必须低于特别重大（I级）下限 500" in refused.text
        fields.update({"bands-0-minimum": "3000", "bands-1-minimum": "1000", "periods-0-start": "2099-13-01"})
        refused = admin.post("/console/rule-sets", data=fields)
        assert "special_periods[0].start：日期格式应为 YYYY-MM-DD" in refused.text
        fields["periods-0-start"] = "2099-03-03"
        saved = admin.post("/console/rule-sets", data=fields)
        assert saved.status_code == 200 and "已保存为第" in saved.text
        saved_set = client.get("/api/v1/rule-sets/current").json()
        assert saved_set["bands"] == current["bands"] and saved_set["note"] == "控制台保存"
        assert saved_set["special_periods"] == [{"name": "两会", "start": "2099-03-03", "end": "2099-03-15", "raise_by": 1}]
