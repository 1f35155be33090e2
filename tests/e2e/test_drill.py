"""A drill scenario from docs/drills/ runs end to end at accelerated speed: its event grows
from 一般 into 重大, the unit acts, and the drill ends with a score per plan step — marked as a
drill everywhere and never counted in scorecards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.e2e.conftest import wait_for
from tests.e2e.test_grading import bearer

SCENARIO = Path(__file__).parents[2] / "docs" / "drills" / "water-outage-escalation.json"
SPEED = 300   # five scenario minutes per real second


def test_a_drill_runs_at_speed_and_is_scored(client):
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    before = client.get("/api/v1/scorecards", params={"start": today, "end": today, "unit": "chengguan"}).json()
    refused = client.post("/api/v1/admin/drills", data={"speed": "300"},
                          files={"scenario": ("bad.json", b'{"name": "x", "items": [{"at_minutes": -1}]}', "application/json")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "items[0].at_minutes"
    started = client.post("/api/v1/admin/drills", data={"speed": str(SPEED)},
                          files={"scenario": (SCENARIO.name, SCENARIO.read_bytes(), "application/json")})
    assert started.status_code == 201, started.text
    drill = started.json()
    assert (drill["status"], drill["items_total"]) == ("running", 4)

    # 20 scenario minutes in, the first post's figures reach 重大.
    drill = wait_for(lambda: client.get(f"/api/v1/admin/drills/{drill['drill_id']}").json(),
                     lambda d: d["items_sent"] >= 3 and d["event_ids"], timeout=30)
    event_id = drill["event_ids"][0]
    event = wait_for(lambda: client.get(f"/api/v1/events/{event_id}").json(),
                     lambda e: e.get("level") == "II" and e.get("assignments"), timeout=30)
    assert event["drill"] is True and event["item_count"] >= 2
    lead = next(a for a in event["assignments"] if a["role"] == "lead")
    assert lead["drill"] is True and lead["unit"]["code"] == "chengguan"
    handler = bearer(client, "chengguan_jbr")
    acked = client.post(f"/api/v1/assignments/{lead['assignment_id']}/actions", headers=handler,
                        json={"action": "acknowledge"})
    assert acked.status_code == 200, acked.text

    # The upgrade at scenario minute 20 started the 重大 plan's 30-minute oral report; nobody
    # reports, so the live score shows it missed once scenario minute 50 has passed.
    wait_for(lambda: client.get(f"/api/v1/admin/drills/{drill['drill_id']}").json(),
             lambda d: d["items_sent"] == 4 and any(s["step"] == "oral_report" and s["result"] == "missed"
                                                    for s in d["score"]), timeout=30)
    finished = client.post(f"/api/v1/admin/drills/{drill['drill_id']}/finish").json()
    assert finished["status"] == "finished" and finished["items_sent"] == finished["items_total"] == 4
    steps = {(s["step"], s["unit_code"]): s for s in finished["score"]}
    handover = steps[("handover", "chengguan")]
    assert handover["result"] == "met" and handover["by_minutes"] < 0 and handover["limit_minutes"] == 120
    oral = steps[("oral_report", "chengguan")]
    assert oral["result"] == "missed" and oral["by_minutes"] > 0 and oral["limit_minutes"] == 30
    assert finished["met"] >= 1 and finished["missed"] >= 1
    assert client.get(f"/api/v1/admin/drills/{drill['drill_id']}").json()["score"] == finished["score"]
    assert client.post(f"/api/v1/admin/drills/{drill['drill_id']}/finish").status_code == 409

    after = client.get("/api/v1/scorecards", params={"start": today, "end": today, "unit": "chengguan"}).json()
    assert after["items"][0]["assignments"] == before["items"][0]["assignments"]   # drills are never counted
