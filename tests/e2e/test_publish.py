"""From a 重大 event to the county's public page: talking points, a draft from the template,
the leadership group's approval, the spokesperson's release, a correction — and the Atom feed
parsed by a feed parser; dispatch marks the plan's release steps met."""

from __future__ import annotations

import uuid

import feedparser
import httpx

from tests.e2e.conftest import graded_and_assigned, wait_for
from tests.e2e.test_grading import bearer


def test_a_statement_goes_from_draft_to_the_public_page_and_is_corrected(suite, client):
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": f"城关镇锦绣家园小区电梯故障致老人被困（第{uuid.uuid4().int % 10**8}号）",
        "region_hint": "城关镇", "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": {"views": 1500}}).json()
    event = graded_and_assigned(client, accepted["event_id"])
    assert event["level"] == "II"
    event_id = event["event_id"]
    office, spokesperson = bearer(client, "yqb"), bearer(client, "fayanren")
    leader, leader2 = bearer(client, "leader"), bearer(client, "leader2")
    wait_for(lambda: client.get(f"/api/v1/events/{event_id}/statements", headers=office).json(),
             lambda s: s.get("level") == "II")
    client.put(f"/api/v1/events/{event_id}/spokesperson", headers=office, json={"username": "fayanren"})
    client.post(f"/api/v1/events/{event_id}/talking-points", headers=office,
                json={"text": "被困老人已于当日获救，身体无碍；电梯已停用检修"})
    created = client.post(f"/api/v1/events/{event_id}/statements", headers=spokesperson,
                          json={"kind": "release", "disposition": "inquiry", "unit_name": "城关镇人民政府"})
    assert created.status_code == 201, created.text
    statement = created.json()
    draft = statement["versions"][0]
    assert draft["state"] == "draft" and "被困老人已于当日获救" in draft["body"]
    url = f"/api/v1/statements/{statement['statement_id']}/actions"

    def act(headers, **body):
        return client.post(url, headers=headers, json=body)

    assert act(spokesperson, action="submit").json()["versions"][0]["chain"][0]["count"] == 2   # 领导小组
    assert act(spokesperson, action="publish").status_code == 409                               # not approved
    assert act(leader, action="reject").status_code == 422                                      # no reason
    assert act(office, action="approve").status_code == 403
    assert act(leader, action="approve", comment="同意").status_code == 200
    assert act(leader2, action="approve").json()["versions"][-1]["state"] == "approved"
    assert act(office, action="publish").status_code == 403                                     # not the spokesperson
    published = act(spokesperson, action="publish").json()
    assert published["versions"][-1]["state"] == "published"

    first = draft["title"]
    assert act(spokesperson, action="edit", title="更正：" + first,
               body=draft["body"].replace("身体无碍", "经检查身体无碍")).json()["versions"][-1]["number"] == 2
    act(spokesperson, action="submit")
    act(leader, action="approve")
    act(leader2, action="approve")
    corrected = act(spokesperson, action="publish").json()
    assert [v["state"] for v in corrected["versions"]] == ["superseded", "published"]
    assert any(line["change"] == "added" and "经检查身体无碍" in line["text"] for line in corrected["versions"][1]["diff"])

    with httpx.Client(base_url=suite.gateway_url, timeout=30) as public:   # no login
        page = public.get("/public/releases")
        assert page.status_code == 200 and "更正：" + first in page.text and "已被" in page.text
        feed = feedparser.parse(public.get("/public/releases.atom").content)
    assert not feed.bozo and feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert "更正：" + first in titles and "【已更正】" + first in titles
    old = next(e for e in feed.entries if e.title == "【已更正】" + first)
    new = next(e for e in feed.entries if e.title == "更正：" + first)
    assert old.updated_parsed == new.updated_parsed and old.published_parsed <= new.published_parsed

    # Dispatch hears of the release: the plan's first-response and release steps are met.
    def release_steps():
        lead = next(a for a in client.get(f"/api/v1/events/{event_id}").json()["assignments"] if a["role"] == "lead")
        return {d["step"]: d["met_by"] for d in lead["deadlines"]}
    steps = wait_for(release_steps, lambda s: s.get("authoritative_release"))
    assert steps["authoritative_release"] == steps["first_response"] == "fayanren"

    # Timeliness on the event: discovery → first response and → release, against the plan.
    timeliness = client.get(f"/api/v1/events/{event_id}", headers=office).json()["timeliness"]
    release = timeliness["authoritative_release"]
    assert release["on_time"] is True and release["limit"] == "5小时" and 0 <= release["minutes"] < 300
    assert timeliness["first_response"]["at"] == release["at"]

    # A press conference held, with its evidence, is recorded as published.
    pdf = b"%PDF-1.4 press conference minutes " + uuid.uuid4().bytes
    recorded = client.post(f"/api/v1/events/{event_id}/offline-acts", headers=spokesperson,
                           data={"kind": "press_conference", "description": "县政府新闻办召开新闻发布会通报电梯故障处置情况"},
                           files=[("evidence", ("发布会记录.pdf", pdf, "application/pdf"))])
    assert recorded.status_code == 201, recorded.text
    act = recorded.json()["items"][0]
    assert act["kind_name"] == "召开新闻发布会" and act["evidence"][0]["filename"] == "发布会记录.pdf"
    download = client.get(act["evidence"][0]["url"], headers=office)
    assert download.content == pdf and download.headers["x-content-sha256"] == act["evidence"][0]["sha256"]
    unit = bearer(client, "chengguan_jbr")
    assert client.post(f"/api/v1/events/{event_id}/offline-acts", headers=unit,
                       data={"kind": "press_conference", "description": "x"}).status_code == 403
    bad = client.post(f"/api/v1/events/{event_id}/offline-acts", headers=spokesperson,
                      data={"kind": "press_conference", "description": "x"},
                      files=[("evidence", ("x.exe", b"MZ\x90", "application/octet-stream"))])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "attachments[0]"


def test_publication_channels_are_the_admins_and_secrets_stay_hidden(client):
    office = bearer(client, "yqb")
    assert client.put("/api/v1/admin/publication-channels/weibo", headers=office,
                      json={"url": "http://127.0.0.1:9/hook"}).status_code == 403
    bad = client.put("/api/v1/admin/publication-channels/weibo", json={"url": "ftp://x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    saved = client.put("/api/v1/admin/publication-channels/weibo",
                       json={"url": "http://127.0.0.1:9/hook", "secret": "s3cret", "enabled": False}).json()
    assert saved["items"][0]["name"] == "weibo" and "s3cret" not in str(saved)
    assert client.get("/api/v1/admin/publication-deliveries", headers=office).status_code == 200
