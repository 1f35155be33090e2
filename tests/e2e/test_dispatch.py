"""The assignment workflow through the gateway, unit by unit, and the working-day calendar an
admin loads — against the running suite."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from tests.e2e.conftest import graded_and_assigned
from tests.e2e.test_grading import bearer

TEST_2027 = Path(__file__).parents[1] / "data" / "holidays-2027-test.csv"


def test_a_unit_works_its_assignment_and_no_other_unit_can(client):
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": f"河西镇滨江小区路面塌陷（第{uuid.uuid4().int % 10**8}号）",
        "region_hint": "河西镇", "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": {"views": 150}}).json()
    event = graded_and_assigned(client, accepted["event_id"])
    lead = next(a for a in event["assignments"] if a["role"] == "lead")
    assert lead["unit"]["code"] == "hexi"
    url = f"/api/v1/assignments/{lead['assignment_id']}"
    handler, head, stranger, office = (bearer(client, u) for u in ("hexi_jbr", "hexi_fzr", "qingshan_jbr", "yqb"))

    assert client.get(url, headers=handler).json()["allowed_actions"] == ["acknowledge", "request_return",
                                                                          "request_extension"]
    foreign = client.post(f"{url}/actions", headers=stranger, json={"action": "acknowledge"})
    assert foreign.status_code == 404 and "lead" not in foreign.text
    early = client.post(f"{url}/actions", headers=office, json={"action": "close"})
    assert early.status_code == 409 and "不能办结" in early.json()["title"]
    assert client.post(f"{url}/actions", headers=handler, json={"action": "acknowledge"}).json()["state"] == "acknowledged"
    missing = client.post(f"{url}/actions", headers=handler, json={"action": "request_return"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"

    report = b"%PDF-1.4 " + uuid.uuid4().bytes
    answered = client.post(f"{url}/answers", headers=handler, data={"text": "经核查，塌陷系雨水冲刷所致，已设围挡"},
                           files=[("files", ("核查报告.pdf", report, "application/pdf"))])
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "awaiting_signoff"
    refused = client.post(f"{url}/answers", headers=handler, data={"text": "附件"},
                          files=[("files", ("x.exe", b"MZ\x90\x00", "application/octet-stream"))])
    assert refused.status_code in (409, 422)
    signed = client.post(f"{url}/actions", headers=head, json={"action": "sign_off"}).json()
    assert signed["state"] == "answered" and signed["answers"][-1]["signed_by"] == "hexi_fzr"
    attachment = signed["answers"][-1]["attachments"][0]
    download = client.get(f"{url}/attachments/{attachment['attachment_id']}", headers=head)
    assert download.content == report and download.headers["x-content-sha256"] == hashlib.sha256(report).hexdigest()
    assert client.get(f"{url}/attachments/{attachment['attachment_id']}", headers=stranger).status_code == 404

    closed = client.post(f"{url}/actions", headers=office, json={"action": "close"}).json()
    assert closed["state"] == "closed" and closed["state_name"] == "已办结"
    timeline = client.get(f"/api/v1/events/{event['event_id']}").json()["timeline"]
    assert [t["kind"] for t in timeline if t["kind"] not in ("graded", "raised")] == [
        "assigned", "acknowledge", "answer", "sign_off", "close"]
    audit = client.get("/api/v1/admin/audit", params={"limit": 50}).json()["items"]
    assert {"assignment.acknowledge", "assignment.answer", "assignment.sign_off", "assignment.close"} <= {
        a["action"] for a in audit if a["target"] == lead["assignment_id"]}
    assert client.get("/api/v1/notifications", headers=handler).status_code == 200


def test_an_admin_loads_next_years_holidays(client):
    listed = client.get("/api/v1/admin/calendars").json()
    assert 2026 in listed["package_years"] and 2027 not in listed["package_years"]
    bad = client.put("/api/v1/admin/calendars/2027", files={"file": ("2027.csv", "2027-02-30,休\n".encode(), "text/csv")})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "line 1"
    office = bearer(client, "yqb")
    forbidden = client.put("/api/v1/admin/calendars/2027", headers=office,
                           files={"file": (TEST_2027.name, TEST_2027.read_bytes(), "text/csv")})
    assert forbidden.status_code == 403
    loaded = client.put("/api/v1/admin/calendars/2027", files={"file": (TEST_2027.name, TEST_2027.read_bytes(), "text/csv")})
    assert loaded.status_code == 200, loaded.text
    assert [(y["year"], y["source"], y["loaded_by"]) for y in loaded.json()["loaded"]] == [(2027, TEST_2027.name, "admin")]
    huge = client.put("/api/v1/admin/calendars/2027", files={"file": ("big.csv", b"#" * (600 * 1024), "text/csv")})
    assert huge.status_code == 413


def test_directory_roster_and_plans_over_http(client):
    office = bearer(client, "yqb")
    roster = client.get("/api/v1/duty-roster", headers=office).json()
    assert roster["items"] and set(roster["on_duty_now"]) <= {"yqb", "jiance"} and roster["on_duty_now"]
    bad = client.post("/api/v1/duty-roster", headers=office, json={
        "username": "leader", "starts_at": "2026-12-01T20:00:00+08:00", "ends_at": "2026-12-01T08:00:00+08:00"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ends_at"
    added = client.post("/api/v1/duty-roster", headers=office, json={
        "username": "leader", "starts_at": "2026-12-01T20:00:00+08:00", "ends_at": "2026-12-02T08:00:00+08:00"})
    assert added.status_code == 201
    plans = client.get("/api/v1/response-plans", headers=office).json()["items"]
    assert [s["key"] for s in plans[-1]["levels"]["IV"]] == ["handover", "verify_explain"]
    assert client.post("/api/v1/response-plans", headers=office, json={"levels": {}}).status_code == 403
    refused = client.put("/api/v1/admin/units/hexi", json={"name": "河西镇人民政府", "kind": "planet"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "kind"
    units = client.put("/api/v1/admin/units/hexi", json={"name": "河西镇人民政府", "kind": "township",
                                                        "leader_username": "leader"}).json()["items"]
    assert next(u for u in units if u["code"] == "hexi")["leader_username"] == "leader"
