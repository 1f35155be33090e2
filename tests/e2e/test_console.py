"""The console shows an event with its level, reasons and deadlines; scraped HTML is escaped."""

from __future__ import annotations

import uuid

import httpx

from tests.e2e.conftest import PASSWORD, graded_and_assigned


def test_console_login_dashboard_and_event_page(suite, client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": "县一中食堂饭菜变质", "content": f"网友爆料 {hostile}",
        "region_hint": "城关镇", "url": f"https://weibo.com/{uuid.uuid4().hex}", "metrics": {"comments": 512}}).json()
    graded_and_assigned(client, accepted["event_id"])
    with httpx.Client(base_url=suite.gateway_url, timeout=30, follow_redirects=True) as browser:
        assert browser.get("/console/").url.path == "/console/login"
        refused = browser.post("/console/login", data={"username": "yqb", "password": "wrong"})
        assert "用户名或密码错误" in refused.text
        dashboard = browser.post("/console/login", data={"username": "yqb", "password": PASSWORD})
        assert dashboard.url.path == "/console/"
        assert "HttpOnly" in dashboard.history[0].headers["set-cookie"]
        assert "县一中食堂饭菜变质" in dashboard.text and "特别重大" in dashboard.text
        page = browser.get(f"/console/events/{accepted['event_id']}")
        assert "跟帖 512 ≥ 500 → 特别重大" in page.text
        assert "城关镇人民政府" in page.text and "报告上级网信部门" in page.text
        assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]
