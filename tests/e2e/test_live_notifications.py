"""Notifications reach the console live: a fast drill's time-limit warning arrives on the
office's event stream within seconds, and stays listed afterwards."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from tests.e2e.conftest import PASSWORD, wait_for
from tests.e2e.test_grading import bearer

SCENARIO = Path(__file__).parents[2] / "docs" / "drills" / "water-outage-escalation.json"


def test_a_warning_arrives_live_and_stays_listed(suite, client):
    office = bearer(client, "yqb")
    alerts: list[dict] = []
    connected = threading.Event()

    def listen() -> None:
        with httpx.Client(base_url=suite.gateway_url, timeout=60) as http:
            with http.stream("GET", "/api/v1/notifications/live", headers=office) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                event = ""
                for line in stream.iter_lines():
                    connected.set()
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "alert":
                        alerts.append(json.loads(line[6:]))
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(10)
    drill = client.post("/api/v1/admin/drills", data={"speed": "3600"},
                        files={"scenario": (SCENARIO.name, SCENARIO.read_bytes(), "application/json")}).json()
    try:
        listener.join(timeout=40)
        assert alerts, "no alert arrived"
        assert alerts[0]["title"].startswith("【演练】") and alerts[0]["kind"].startswith(("warn_", "overdue"))
        listed = wait_for(lambda: client.get("/api/v1/notifications", headers=office).json()["items"],
                          lambda items: any(n["title"] == alerts[0]["title"] for n in items))
        assert listed[0]["read_at"] is None
        with httpx.Client(base_url=suite.gateway_url, timeout=30, follow_redirects=True) as browser:
            browser.post("/console/login", data={"username": "yqb", "password": PASSWORD})
            page = browser.get("/console/notifications")
            assert alerts[0]["title"] in page.text and 'src="/static/live.js"' in page.text
    finally:
        client.post(f"/api/v1/admin/drills/{drill['drill_id']}/finish")
