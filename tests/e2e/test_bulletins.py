"""《网络舆情通报》 end to end: the office drafts a daily bulletin over real data, edits the
assessment, releases it (immutable, hash-identified); a superior pulls it with a scoped API
key (ETag / If-None-Match), a county key cannot write, another county's key cannot read; the
DOCX opens in python-docx with its sections and charts; the HTML renders in Chromium; per-event
专报, 续报 and 总结评估; the event's archive ZIP verifies against its SHA-256 manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import uuid
import zipfile
from pathlib import Path

import docx
import httpx
import pytest
from PIL import Image, ImageStat

from tests.e2e.conftest import wait_for
from tests.e2e.test_grading import bearer
from yuqing.core.dates import SHANGHAI

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "orange").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def major_event(suite, client):
    """A 重大 event reported with a screenshot, answered by its unit, with a published statement."""
    tag = uuid.uuid4().hex[:8]
    office = bearer(client, "yqb")
    # First a drill item on a platform of its own: it must never reach a bulletin. It enters
    # the streams before the real items, so once those are counted it has been seen too.
    scenario = {"name": "通报演练", "items": [{"at_minutes": 0, "ref": "p1", "source": "platform", "platform": f"演练平台{tag}",
                                             "title": f"演练：城关镇某小区停水（{tag}）", "region_hint": "城关镇",
                                             "metrics": {"views": 5000}}]}
    drill = client.post("/api/v1/admin/drills", data={"speed": "60"},
                        files={"scenario": ("drill.json", json.dumps(scenario).encode(), "application/json")})
    assert drill.status_code == 201, drill.text
    wait_for(lambda: client.get(f"/api/v1/admin/drills/{drill.json()['drill_id']}").json(),
             lambda d: d["items_sent"] == 1 and d["event_ids"])
    reported = client.post("/api/v1/reports", headers=bearer(client, "jiance"), data={
        "title": f"城关镇阳光花园小区连续三天停水（{tag}）", "content": "居民反映停水无人回应",
        "url": f"https://weibo.com/{tag}", "platform": f"微博{tag}", "region_hint": "城关镇"},
        files=[("screenshots", ("现场.png", png(), "image/png"))])
    assert reported.status_code == 201, reported.text
    event_id = reported.json()["event_id"]
    client.post("/api/v1/items", json={"source": "platform", "platform": f"微博{tag}", "title": f"阳光花园停水（{tag}）",
                                       "url": f"https://weibo.com/{tag}/2", "region_hint": "城关镇",
                                       "metrics": {"views": 1800, "comments": 150}})
    wait_for(lambda: client.get(f"/api/v1/events/{event_id}").json(), lambda e: e.get("level"))   # 研判 needs a grade
    assert client.post(f"/api/v1/events/{event_id}/level", headers=office,
                       json={"level": "II", "reason": "涉民生，持续发酵"}).status_code == 200
    event = wait_for(lambda: client.get(f"/api/v1/events/{event_id}").json(),
                     lambda e: e.get("level") == "II" and e.get("assignments"))
    lead = next(a for a in event["assignments"] if a["role"] == "lead")
    url = f"/api/v1/assignments/{lead['assignment_id']}"
    unit = lead["unit"]["code"]
    handler, head = bearer(client, f"{unit}_jbr"), bearer(client, f"{unit}_fzr")
    assert client.post(f"{url}/actions", headers=handler, json={"action": "acknowledge"}).status_code == 200
    answered = client.post(f"{url}/answers", headers=handler, data={"text": "经核查，系管道检修，已恢复供水"},
                           files=[("files", ("核查报告.pdf", b"%PDF-1.4 " + tag.encode(), "application/pdf"))])
    assert answered.status_code == 200, answered.text
    client.post(f"{url}/actions", headers=head, json={"action": "sign_off"})

    spokesperson, leader, leader2 = bearer(client, "fayanren"), bearer(client, "leader"), bearer(client, "leader2")
    wait_for(lambda: client.get(f"/api/v1/events/{event_id}/statements", headers=office).json(),
             lambda s: s.get("level") == "II")
    client.put(f"/api/v1/events/{event_id}/spokesperson", headers=office, json={"username": "fayanren"})
    statement = client.post(f"/api/v1/events/{event_id}/statements", headers=spokesperson,
                            json={"kind": "release", "disposition": "inquiry", "unit_name": "城关镇人民政府"}).json()
    actions = f"/api/v1/statements/{statement['statement_id']}/actions"
    client.post(actions, headers=spokesperson, json={"action": "submit"})
    client.post(actions, headers=leader, json={"action": "approve", "comment": "同意发布，注意口径"})
    client.post(actions, headers=leader2, json={"action": "approve"})
    assert client.post(actions, headers=spokesperson, json={"action": "publish"}).json()["versions"][-1]["state"] == "published"

    return {"event_id": event_id, "tag": tag, "lead": lead, "title": event["title"]}


def test_daily_bulletin_drafted_edited_released_and_pulled_with_keys(suite, client, major_event):
    office = bearer(client, "yqb")
    event_id, tag = major_event["event_id"], major_event["tag"]
    today = dt.datetime.now(SHANGHAI).date().isoformat()

    # Counts come from publish's stream projection: wait until our items are counted.
    def draft():
        response = client.post("/api/v1/bulletins", headers=office, json={"kind": "daily"})
        assert response.status_code == 201, response.text
        return response.json()
    drafted = wait_for(draft, lambda b: any(p["name"] == f"微博{tag}" and p["count"] == 2
                                            for p in b["content"]["overview"]["by_platform"])
                       and any(e["event_id"] == event_id and e["timeliness"]["authoritative_release"]["at"]
                               for e in b["content"]["key_events"]), timeout=60, interval=1)
    content = drafted["content"]
    assert drafted["state"] == "draft" and drafted["number"] is None and content["period"]["start"] == today
    assert not any(p["name"] == f"演练平台{tag}" for p in content["overview"]["by_platform"]), "drills never counted"
    assert content["overview"]["items_total"] >= 2 and content["overview"]["major_events"] >= 1
    ours = next(e for e in content["key_events"] if e["event_id"] == event_id)
    assert ours["level"] == "II" and ours["locality_name"] == "城关镇" and ours["trend"]
    assert ours["lead_unit"] and ours["timeliness"]["first_response"]["limit"]
    assert content["handling"]["assignments"] >= 1
    assert any(c["event_id"] == event_id for c in content["typical_cases"])

    # Only the office drafts and edits; superiors never see drafts.
    assert client.post("/api/v1/bulletins", headers=bearer(client, "chengguan_jbr"),
                       json={"kind": "daily"}).status_code == 403
    bulletin_id = drafted["bulletin_id"]
    edited = client.patch(f"/api/v1/bulletins/{bulletin_id}", headers=office, json={
        "assessment": "本日舆情总体可控。<script>alert(1)</script>", "next_steps": "继续跟踪阳光花园停水事件。",
        "typical_event_ids": [event_id]})
    assert edited.status_code == 200 and edited.json()["content"]["assessment"].startswith("本日舆情总体可控")
    bad = client.patch(f"/api/v1/bulletins/{bulletin_id}", headers=office, json={"typical_event_ids": ["0" * 32]})
    assert bad.status_code == 422

    released = client.post(f"/api/v1/bulletins/{bulletin_id}/release", headers=office).json()
    assert released["state"] == "released" and released["number"] >= 1
    digest = released["digest"]
    assert client.post(f"/api/v1/bulletins/{bulletin_id}/release", headers=office).status_code == 409
    assert client.patch(f"/api/v1/bulletins/{bulletin_id}", headers=office,
                        json={"assessment": "改"}).status_code == 409
    assert client.post("/api/v1/bulletins", headers=office, json={"kind": "daily"}).status_code == 409

    # Keys: a county key, a city key reading several counties, another county's key.
    def issue(name, counties):
        response = client.post("/api/v1/admin/api-keys", json={"name": name, "roles": ["superior_reader"],
                                                               "counties": counties})
        assert response.status_code == 201, response.text
        return response.json()
    county_key = issue("市委网信办（本县）", ["demo"])
    city_key = issue("市委宣传部", ["other-county", "demo"])
    other_key = issue("邻县密钥", ["other-county"])
    with httpx.Client(base_url=suite.gateway_url, timeout=60) as superior:
        def pull(key, **params):
            return superior.get("/api/v1/bulletins", params={"kind": "daily", "date": today, **params},
                                headers={"Authorization": f"Bearer {key['key']}"})
        as_json = pull(county_key)
        assert as_json.status_code == 200, as_json.text
        assert hashlib.sha256(as_json.content).hexdigest() == digest == as_json.headers["etag"].strip('"')
        frozen = json.loads(as_json.content)
        assert frozen["number"] == released["number"] and frozen["assessment"].startswith("本日舆情总体可控")
        assert pull(county_key, **{}).status_code == 200
        not_modified = superior.get("/api/v1/bulletins", params={"kind": "daily", "date": today},
                                    headers={"X-API-Key": county_key["key"], "If-None-Match": f'"{digest}"'})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert pull(city_key).status_code == 200
        refused = pull(other_key)
        assert refused.status_code == 403 and "本县" in refused.json()["title"]
        assert pull(county_key, county="other-county").status_code == 404
        writes = superior.post("/api/v1/bulletins", json={"kind": "weekly"},
                               headers={"Authorization": f"Bearer {county_key['key']}"})
        assert writes.status_code == 403
        items = superior.post("/api/v1/items", json={"source": "platform", "title": "x"},
                              headers={"Authorization": f"Bearer {county_key['key']}"})
        assert items.status_code == 403
        assert superior.get("/api/v1/bulletins/index", params={"state": "draft"},
                            headers={"X-API-Key": county_key["key"]}).json()["items"] == [] or all(
            b["state"] == "released" for b in superior.get("/api/v1/bulletins/index", params={"state": "draft"},
                                                            headers={"X-API-Key": county_key["key"]}).json()["items"])

        docx_response = pull(county_key, format="docx")
        assert docx_response.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert hashlib.sha256(docx_response.content).hexdigest() == docx_response.headers["etag"].strip('"')
        html_response = pull(county_key, format="html")
        assert "script-src" not in html_response.headers["content-security-policy"]
        assert "default-src 'none'" in html_response.headers["content-security-policy"]
        assert "<script>alert(1)</script>" not in html_response.text and "&lt;script&gt;" in html_response.text

        # Rotation keeps the old key for its grace period; revocation ends a key at once.
        rotated = client.post(f"/api/v1/admin/api-keys/{county_key['key_id']}/rotate", json={"grace_hours": 0})
        assert rotated.status_code == 201
        assert pull(county_key).status_code == 401 and pull(rotated.json()).status_code == 200
        assert client.delete(f"/api/v1/admin/api-keys/{city_key['key_id']}").status_code == 200
        assert pull(city_key).status_code == 401
        assert superior.get("/api/v1/bulletins", params={"kind": "daily"},
                            headers={"X-API-Key": "yqk_0000_forged"}).status_code == 401

    # The DOCX as python-docx reads it: masthead, numbered sections, the charts as images.
    document = docx.Document(io.BytesIO(docx_response.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "演示县网络舆情通报" and f"第{released['number']}期" in texts
    for heading in ("一、总体情况", "二、重点舆情", "三、处置情况", "四、典型案例", "五、研判与下步工作"):
        assert heading in texts
    assert any("本日舆情总体可控" in t for t in texts)
    assert len(document.inline_shapes) >= 2     # the level chart and at least one heat trend
    masthead_run = document.paragraphs[0].runs[0]
    assert str(masthead_run.font.color.rgb) == "E00000"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "daily-bulletin.docx").write_bytes(docx_response.content)
    (ARTIFACTS / "daily-bulletin.html").write_bytes(html_response.content)
    _render_in_chromium(html_response.content, ARTIFACTS / "daily-bulletin.png")

    # Audit: every step of the bulletin's life and of the keys.
    audit = {a["action"] for a in client.get("/api/v1/admin/audit", params={"limit": 200}).json()["items"]}
    assert {"bulletin.draft", "bulletin.edit", "bulletin.release", "api_key.issue", "api_key.rotate",
            "api_key.revoke"} <= audit


def _render_in_chromium(html: bytes, target: Path) -> None:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    page_file = target.with_suffix(".render.html")
    page_file.write_bytes(html)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page(viewport={"width": 900, "height": 1400})
        page.goto(page_file.as_uri())
        page.screenshot(path=str(target), full_page=True)
        browser.close()
    image = Image.open(target).convert("L")
    assert image.height > 1400                                    # the whole document, not one screen
    assert ImageStat.Stat(image).stddev[0] > 20, "the rendered bulletin is blank"
    red = Image.open(target).convert("RGB").crop((0, 0, image.width, 120))
    colours = red.getcolors(maxcolors=red.width * red.height)
    assert any(r > 180 and g < 60 and b < 60 for _, (r, g, b) in colours), "the red masthead is missing"


def test_event_reports_and_the_archive(suite, client, major_event):
    office = bearer(client, "yqb")
    event_id = major_event["event_id"]

    special = client.post("/api/v1/bulletins", headers=office, json={"kind": "special", "event_id": event_id})
    assert special.status_code == 201, special.text
    assert special.json()["content"]["key_events"][0]["event_id"] == event_id
    assert "专报" in special.json()["title"]
    assert client.post(f"/api/v1/bulletins/{special.json()['bulletin_id']}/release", headers=office).status_code == 200

    first = client.post("/api/v1/bulletins", headers=office, json={"kind": "continuous", "event_id": event_id}).json()
    client.post(f"/api/v1/bulletins/{first['bulletin_id']}/release", headers=office)
    second = client.post("/api/v1/bulletins", headers=office, json={"kind": "continuous", "event_id": event_id}).json()
    assert second["bulletin_id"] != first["bulletin_id"]
    numbers = client.post(f"/api/v1/bulletins/{second['bulletin_id']}/release", headers=office).json()["number"]
    assert numbers > client.get(f"/api/v1/bulletins/{first['bulletin_id']}", headers=office).json()["number"]

    missing = client.post("/api/v1/bulletins", headers=office, json={"kind": "special"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "event_id"
    early = client.post("/api/v1/bulletins", headers=office, json={"kind": "review", "event_id": event_id})
    assert early.status_code == 409 and "尚未结束" in early.json()["title"]
    assert client.post(f"/api/v1/events/{event_id}/close", headers=office, json={"reason": "已恢复供水，舆情平息"}).status_code == 200
    review = client.post("/api/v1/bulletins", headers=office, json={"kind": "review", "event_id": event_id})
    assert review.status_code == 201, review.text
    client.patch(f"/api/v1/bulletins/{review.json()['bulletin_id']}", headers=office,
                 json={"assessment": "处置及时，回应有效；供水保障预案需完善。"})
    reviewed = client.post(f"/api/v1/bulletins/{review.json()['bulletin_id']}/release", headers=office).json()
    document = docx.Document(io.BytesIO(client.get(f"/api/v1/bulletins/{reviewed['digest']}",
                                                   params={"format": "docx"}, headers=office).content))
    assert "四、总结评估" in [p.text for p in document.paragraphs]

    # The archive: every file listed with its SHA-256; evidence, answers, statements inside.
    assert client.get(f"/api/v1/events/{event_id}/archive", headers=bearer(client, "chengguan_jbr")).status_code == 403
    response = client.get(f"/api/v1/events/{event_id}/archive", headers=office)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    names = set(archive.namelist()) - {"manifest.json"}
    assert {f["path"] for f in manifest["files"]} == names
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"], entry["path"]
    assert any(n.startswith("evidence/") and n.endswith("现场.png") for n in names)
    assert any(n.startswith("answers/") and n.endswith("核查报告.pdf") for n in names)
    assert any(n.startswith("statements/") for n in names) and any(n.startswith("items/") for n in names)
    assert any(n.startswith("bulletins/review-") for n in names)
    instructions = json.loads(archive.read("instructions.json"))
    assert any(i["text"] == "涉民生，持续发酵" for i in instructions)
    assert any(i["text"] == "同意发布，注意口径" and i["by"] == "leader" for i in instructions)
    timeline = json.loads(archive.read("timeline.json"))
    assert {"acknowledge", "answer"} <= {t["kind"] for t in timeline}
    # Tampering is detectable: a changed byte no longer matches its manifest entry.
    evidence = next(f for f in manifest["files"] if f["path"].startswith("evidence/"))
    assert hashlib.sha256(archive.read(evidence["path"]) + b"x").hexdigest() != evidence["sha256"]


def test_bulletin_requests_that_cannot_be_served(client):
    office = bearer(client, "yqb")
    assert client.post("/api/v1/bulletins", headers=office, json={"kind": "yearly"}).status_code == 422
    future = (dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=3)).isoformat()
    assert client.post("/api/v1/bulletins", headers=office, json={"kind": "daily", "date": future}).status_code == 422
    assert client.post("/api/v1/bulletins", headers=office,
                       json={"kind": "daily", "event_id": "abc"}).status_code == 422
    assert client.get("/api/v1/bulletins", params={"kind": "monthly", "date": "1999-01-01"}).status_code == 404
    assert client.get("/api/v1/bulletins", params={"kind": "daily", "format": "pdf"}).status_code == 422
    assert client.get(f"/api/v1/bulletins/{'f' * 64}", headers=office).status_code == 404
    assert client.post("/api/v1/bulletins", headers=office,
                       json={"kind": "special", "event_id": "0" * 32}).status_code == 404
