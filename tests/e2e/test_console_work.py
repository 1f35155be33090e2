"""The console's work pages, driven with forms as each role would: the unit's inbox, 签收,
反馈 with a file, the head's 签发, the office's 办结; and a statement from the event page
through approval to the public page."""

from __future__ import annotations

import contextlib
import re
import uuid

import httpx

from tests.e2e.conftest import PASSWORD, graded_and_assigned


@contextlib.contextmanager
def _login(suite, username: str):
    with httpx.Client(base_url=suite.gateway_url, timeout=30, follow_redirects=True) as browser:
        assert browser.post("/console/login", data={"username": username, "password": PASSWORD}).url.path == "/console/"
        yield browser


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_a_unit_works_its_assignment_in_the_console(suite, client):
    title = f"青山乡青山村道路积水（第{uuid.uuid4().int % 10**8}号）"
    accepted = client.post("/api/v1/items", json={"source": "monitor_patrol", "title": title, "region_hint": "青山乡",
                                                  "url": f"https://weibo.com/{uuid.uuid4().hex}",
                                                  "metrics": {"views": 150}}).json()
    event = graded_and_assigned(client, accepted["event_id"])
    lead = next(a for a in event["assignments"] if a["role"] == "lead")
    page_url = f"/console/assignments/{lead['assignment_id']}"
    with _login(suite, "qingshan_jbr") as handler, _login(suite, "qingshan_fzr") as head, \
            _login(suite, "yqb") as office, _login(suite, "hexi_jbr") as stranger:
        assert lead["assignment_id"] in handler.get("/console/inbox").text
        assert lead["assignment_id"] not in stranger.get("/console/inbox").text
        assert stranger.get(page_url).status_code == 404
        page = handler.get(page_url).text
        assert "签收" in page and "申请退单" in page
        acked = handler.post(f"{page_url}/actions", data={"action": "acknowledge", "csrf": _csrf(page)})
        assert acked.status_code == 200 and "已签收" in acked.text
        refused = handler.post(f"{page_url}/actions", data={"action": "request_return", "reason": "", "csrf": _csrf(acked.text)})
        assert refused.status_code == 422 and "退单须说明理由" in refused.text
        answered = handler.post(f"{page_url}/answer", data={"csrf": _csrf(acked.text), "kind": "final",
                                                            "text": "已组织排水，道路恢复通行<b>"},
                                files=[("files", ("现场照片.pdf", b"%PDF-1.4 photo", "application/pdf"))])
        assert answered.status_code == 200 and "待负责人签发" in answered.text
        assert "已组织排水，道路恢复通行&lt;b&gt;" in answered.text and "现场照片.pdf" in answered.text
        head_page = head.get(page_url).text
        signed = head.post(f"{page_url}/actions", data={"action": "sign_off", "csrf": _csrf(head_page)})
        assert "已反馈" in signed.text and "负责人 qingshan_fzr 已签发" in signed.text
        office_page = office.get(page_url).text
        closed = office.post(f"{page_url}/actions", data={"action": "close", "csrf": _csrf(office_page)})
        assert "已办结" in closed.text
        stale = office.post(f"{page_url}/actions", data={"action": "close", "csrf": "0" * 64})
        assert stale.status_code == 403


def test_a_statement_from_the_event_page_to_the_public_page(suite, client):
    title = f"城关镇阳光花园小区燃气异味（第{uuid.uuid4().int % 10**8}号）"
    accepted = client.post("/api/v1/items", json={"source": "monitor_patrol", "title": title, "region_hint": "城关镇",
                                                  "url": f"https://weibo.com/{uuid.uuid4().hex}",
                                                  "metrics": {"views": 300}}).json()
    event = graded_and_assigned(client, accepted["event_id"])
    with _login(suite, "yqb") as office, _login(suite, "leader") as leader, _login(suite, "fayanren") as spokesperson:
        event_page = office.get(f"/console/events/{event['event_id']}")
        assert "通稿与发布" in event_page.text
        saved = office.post(f"/console/events/{event['event_id']}/publishing", data={
            "csrf": _csrf(event_page.text), "spokesperson": "fayanren", "point": "燃气公司已排查，未发现泄漏"})
        assert "发布信息已保存" in saved.text and "燃气公司已排查" in saved.text
        drafted = office.post(f"/console/events/{event['event_id']}/statements", data={
            "csrf": _csrf(saved.text), "kind": "response", "disposition": "inquiry", "unit_name": "城关镇人民政府"})
        assert drafted.url.path.startswith("/console/statements/") and "燃气公司已排查" in drafted.text
        statement_url = drafted.url.path
        submitted = office.post(f"{statement_url}/actions", data={"csrf": _csrf(drafted.text), "action": "submit"})
        assert "审核中" in submitted.text
        early = spokesperson.post(f"{statement_url}/actions", data={"csrf": _csrf(spokesperson.get(statement_url).text),
                                                                    "action": "publish"})
        assert early.status_code == 422 and "未经审核不能发布" in early.text
        approved = leader.post(f"{statement_url}/actions", data={"csrf": _csrf(leader.get(statement_url).text),
                                                                 "action": "approve", "comment": "同意"})
        assert "已审核" in approved.text and "leader 同意" in approved.text
        published = spokesperson.post(f"{statement_url}/actions", data={
            "csrf": _csrf(spokesperson.get(statement_url).text), "action": "publish"})
        assert "已发布" in published.text
        heading = re.search(r"<h4>(.*?)</h4>", published.text).group(1)
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as public:
        assert heading in public.get("/public/releases").text
