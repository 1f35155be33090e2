"""Every role × every operation of the OpenAPI schema, aimed at another unit's work.

The target is an event of 青山乡 with its assignment, an answer attachment and a statement.
For each role (and no login at all) every operation is called with those identifiers in its
path: nothing answers 5xx; without a login only the public operations answer; a 河西镇 user's
answers never carry the 青山乡 assignment's or event's identifiers, its reads of them are 403 or
404, and none of its writes change the assignment."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.e2e.conftest import graded_and_assigned
from tests.e2e.test_grading import bearer

PUBLIC = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/tips"), ("GET", "/api/v1/releases"),
          ("GET", "/healthz"), ("GET", "/readyz")}
# Streams never end: they are checked for their status line only.
STREAMS = {"/api/v1/notifications/live", "/api/v1/live/events"}
PEOPLE = {"admin": "admin", "office": "yqb", "monitor": "jiance", "unit_handler": "hexi_jbr",
          "unit_head": "hexi_fzr", "leader": "leader", "spokesperson": "fayanren"}
OTHER_UNIT = ("unit_handler", "unit_head", "monitor")


@pytest.fixture(scope="module")
def foreign_work(suite, client):
    """青山乡's event, assignment (answered with an attachment) and a statement."""
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": f"青山乡石料厂粉尘扰民（{uuid.uuid4().hex[:6]}）", "region_hint": "青山乡",
        "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": {"views": 300}}).json()
    event = graded_and_assigned(client, accepted["event_id"])
    lead = next(a for a in event["assignments"] if a["role"] == "lead")
    assert lead["unit"]["code"] == "qingshan"
    url = f"/api/v1/assignments/{lead['assignment_id']}"
    handler = bearer(client, "qingshan_jbr")
    client.post(f"{url}/actions", headers=handler, json={"action": "acknowledge"})
    answered = client.post(f"{url}/answers", headers=handler, data={"text": "已核查", "kind": "holding"},
                           files=[("files", ("说明.pdf", b"%PDF-1.4 qingshan", "application/pdf"))]).json()
    attachment = answered["answers"][-1]["attachments"][0]["attachment_id"]
    office = bearer(client, "yqb")
    client.put(f"/api/v1/events/{event['event_id']}/spokesperson", headers=office, json={"username": "fayanren"})
    statement = client.post(f"/api/v1/events/{event['event_id']}/statements", headers=bearer(client, "fayanren"),
                            json={"kind": "response", "disposition": "inquiry"}).json()
    key = client.post("/api/v1/admin/api-keys", json={"name": "矩阵测试", "roles": ["superior_reader"],
                                                      "counties": ["demo"]}).json()
    return {"event_id": event["event_id"], "assignment_id": lead["assignment_id"], "attachment_id": attachment,
            "statement_id": statement["statement_id"], "key": key}


def operations(client: httpx.Client) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    return sorted((method.upper(), path) for path, item in schema["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete"))


def concrete(path: str, ids: dict) -> str:
    values = {"event_id": ids["event_id"], "assignment_id": ids["assignment_id"], "attachment_id": ids["attachment_id"],
              "statement_id": ids["statement_id"], "ref": "0" * 64, "key_id": ids["key"]["key_id"],
              "year": "2031", "step": "first_response", "item_id": "0" * 32}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_every_role_against_every_operation(suite, client, foreign_work):
    ids = foreign_work
    ops = operations(client)
    assert len(ops) > 70
    callers = {"anonymous": {}} | {role: bearer(client, user) for role, user in PEOPLE.items()} | {
        "superior_reader": {"Authorization": f"Bearer {ids['key']['key']}"}}
    assignment_url = f"/api/v1/assignments/{ids['assignment_id']}"
    before = client.get(assignment_url).json()
    calls = 0
    with httpx.Client(base_url=suite.gateway_url, timeout=60) as http:
        for role, headers in callers.items():
            for method, path in ops:
                if method == "DELETE" and path.startswith("/api/v1/admin/api-keys"):
                    continue           # revoking the matrix's own key would end the superior's run
                target = concrete(path, ids)
                if path in STREAMS:
                    with http.stream(method, target, headers=headers) as response:
                        status, body = response.status_code, ""
                else:
                    response = http.request(method, target, headers=headers,
                                            json={} if method in ("POST", "PUT", "PATCH") else None)
                    status, body = response.status_code, response.text
                calls += 1
                where = f"{role} {method} {path} → {status}"
                assert status < 500, where
                if role == "anonymous" and (method, path) not in PUBLIC and not path.startswith("/public"):
                    assert status == 401, where
                if role in OTHER_UNIT:
                    if status < 400:
                        assert ids["assignment_id"] not in body and ids["event_id"] not in body, where
                    if "{assignment_id}" in path or "{event_id}" in path:
                        assert status in (401, 403, 404, 405, 409, 422), where
                        assert "qingshan" not in body and "青山乡石料厂" not in body, where
                if role == "superior_reader" and method != "GET":
                    assert status in (401, 403, 404, 405, 409, 422), where
    after = client.get(assignment_url).json()
    assert (after["state"], len(after["actions"]), len(after["answers"])) == (
        before["state"], len(before["actions"]), len(before["answers"])), "another unit changed the assignment"
    print(f"authorisation matrix: {len(callers)} callers × {len(ops)} operations = {calls} calls")
