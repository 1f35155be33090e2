"""Console pages of the office and the admin — a monitor's report with a screenshot, a bulletin
drafted, edited and released, a DOCX downloaded, an API key issued and revoked — and the
login lockout after repeated wrong passwords."""

from __future__ import annotations

import contextlib
import io
import re
import uuid

import docx
import httpx
from PIL import Image

from tests.e2e.conftest import PASSWORD, wait_for
from tests.e2e.test_grading import bearer


@contextlib.contextmanager
def signed_in(suite, username: str):
    with httpx.Client(base_url=suite.gateway_url, timeout=60, follow_redirects=True) as browser:
        assert browser.post("/console/login", data={"username": username,
                                                    "password": PASSWORD}).url.path == "/console/"
        yield browser


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_report_bulletin_and_keys_through_the_console(suite):
    with signed_in(suite, "jiance") as monitor:
        form = monitor.get("/console/report")
        assert form.status_code == 200 and "截图证据" in form.text
        image = io.BytesIO()
        Image.new("RGB", (30, 20), "blue").save(image, "PNG")
        title = f"青山乡卫生院门口积水<script>（{uuid.uuid4().hex[:6]}）"
        reported = monitor.post("/console/report", data={"csrf": csrf(form.text), "title": title,
                                                         "platform": "抖音", "region_hint": "青山乡"},
                                files=[("screenshots", ("现场.png", image.getvalue(), "image/png"))])
        assert reported.url.path == "/console/report" and "已报送" in reported.text
        item_id = reported.url.params["sent"]
        empty = monitor.post("/console/report", data={"csrf": csrf(form.text), "title": ""})
        assert empty.status_code == 422 and "未能报送" in empty.text
        assert monitor.get("/console/bulletins").status_code == 403       # monitors do not see bulletins
        forged = monitor.post("/console/report", data={"csrf": "0" * 64, "title": "伪造"})
        assert forged.status_code == 403 and "页面已过期" in forged.text

    with signed_in(suite, "yqb") as office:
        shown = wait_for(lambda: office.get("/console/").text, lambda page: "青山乡卫生院门口积水" in page)
        assert "<script>（" not in shown       # cleaned for the title, escaped wherever shown
        assert item_id
        listing = office.get("/console/bulletins")
        assert listing.status_code == 200 and "起草" in listing.text
        drafted = office.post("/console/bulletins", data={"csrf": csrf(listing.text), "kind": "weekly", "date": ""})
        assert drafted.status_code == 200 and "待签发" in drafted.text and "周报" in drafted.text
        bulletin_path = drafted.url.path
        edited = office.post(f"{bulletin_path}/edit", data={"csrf": csrf(drafted.text),
                                                            "assessment": "本周舆情平稳<b>可控</b>",
                                                            "next_steps": "加强夜间值守"})
        assert "已保存" in edited.text and "本周舆情平稳&lt;b&gt;可控&lt;/b&gt;" in edited.text
        released = office.post(f"{bulletin_path}/release", data={"csrf": csrf(edited.text)})
        assert "已签发" in released.text and "第" in released.text
        digest = released.url.path.rsplit("/", 1)[-1]
        assert len(digest) == 64
        again = office.post(f"{bulletin_path}/release", data={"csrf": csrf(edited.text)})
        assert again.status_code == 409 and "已签发" in again.text
        download = office.get(f"/console/bulletins/{digest}/download", params={"format": "docx"})
        assert download.headers["content-disposition"].startswith("attachment")
        assert "本周舆情平稳<b>可控</b>" in [p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs]
        assert office.get("/console/api-keys").status_code == 403           # the admin's page

    with signed_in(suite, "admin") as admin:
        page = admin.get("/console/api-keys")
        issued = admin.post("/console/api-keys", data={"csrf": csrf(page.text), "action": "issue", "name": "市委网信办",
                                                       "role": "superior_reader", "counties": "demo，city-b"})
        key = re.search(r"(yqk_[0-9a-f]+_[A-Za-z0-9_-]+)", issued.text).group(1)
        with httpx.Client(base_url=suite.gateway_url, timeout=60) as superior:
            assert superior.get(f"/api/v1/bulletins/{digest}", params={"format": "json"},
                                headers={"X-API-Key": key}).status_code == 200
            key_id = key.split("_")[1]
            revoked = admin.post("/console/api-keys", data={"csrf": csrf(issued.text), "action": "revoke",
                                                            "key_id": key_id})
            assert "已吊销" in revoked.text and key not in revoked.text      # shown once only
            assert superior.get(f"/api/v1/bulletins/{digest}", params={"format": "json"},
                                headers={"X-API-Key": key}).status_code == 401


def test_repeated_wrong_passwords_lock_the_account(suite):
    with httpx.Client(base_url=suite.gateway_url, timeout=30, follow_redirects=True) as browser:
        for _ in range(5):
            wrong = browser.post("/console/login", data={"username": "qingshan_xxy", "password": "guess"})
            assert wrong.status_code == 401
        locked = browser.post("/console/login", data={"username": "qingshan_xxy", "password": PASSWORD})
        assert locked.status_code == 429 and "账户已暂时锁定" in locked.text
    api = httpx.post(f"{suite.gateway_url}/api/v1/auth/token", json={"username": "qingshan_xxy", "password": PASSWORD})
    assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
    # Other accounts are untouched.
    assert httpx.post(f"{suite.gateway_url}/api/v1/auth/token",
                      json={"username": "qingshan_jbr", "password": PASSWORD}).status_code == 200


def test_an_admin_manages_users_and_roles(suite, client):
    name = f"ry_{uuid.uuid4().hex[:6]}"
    with signed_in(suite, "admin") as admin:
        page = admin.get("/console/users")
        assert page.status_code == 200 and "新建用户" in page.text
        short = admin.post("/console/users", data={"csrf": csrf(page.text), "username": name, "display_name": "测试",
                                                   "unit_code": "hexi", "roles": ["unit_handler"], "password": "short"})
        assert short.status_code == 422 and "至少 10 位" in short.text
        created = admin.post("/console/users", data={
            "csrf": csrf(page.text), "username": name, "display_name": "河西镇新经办人<b>", "unit_code": "hexi",
            "roles": ["unit_handler"], "password": "a-long-password-1"})
        assert created.status_code == 200 and f"用户 {name} 已保存" in created.text
        assert "河西镇新经办人&lt;b&gt;" in created.text
        again = admin.post("/console/users", data={"csrf": csrf(page.text), "username": name, "display_name": "x",
                                                   "unit_code": "hexi", "roles": ["monitor"], "password": "a-long-password-2"})
        assert again.status_code == 409 and "用户名已存在" in again.text
        token = httpx.post(f"{suite.gateway_url}/api/v1/auth/token",
                           json={"username": name, "password": "a-long-password-1"}).json()
        assert token["roles"] == ["unit_handler"] and token["unit_code"] == "hexi"
        promoted = admin.post("/console/users", data={"csrf": csrf(page.text), "username": name, "existing": "1",
                                                      "display_name": "河西镇信息员", "unit_code": "hexi",
                                                      "roles": ["unit_handler", "monitor"]})
        assert promoted.status_code == 200
        token = httpx.post(f"{suite.gateway_url}/api/v1/auth/token",
                           json={"username": name, "password": "a-long-password-1"}).json()
        assert token["roles"] == ["monitor", "unit_handler"]
        person = next(p for p in client.get("/api/v1/admin/people").json()["items"] if p["username"] == name)
        assert (person["display_name"], person["unit_code"], person["roles"]) == (
            "河西镇信息员", "hexi", ["monitor", "unit_handler"])         # the directory follows the login
        self_demotion = admin.post("/console/users", data={"csrf": csrf(page.text), "username": "admin",
                                                           "existing": "1", "display_name": "管理员",
                                                           "unit_code": "wxb", "roles": ["office"]})
        assert self_demotion.status_code == 409 and "不能取消自己的管理员角色" in self_demotion.text
    unknown_unit = client.post("/api/v1/admin/users", json={"username": f"{name}x", "display_name": "x",
                                                            "roles": ["monitor"], "unit_code": "nowhere",
                                                            "password": "a-long-password-1"})
    assert unknown_unit.status_code == 422 and unknown_unit.json()["errors"][0]["field"] == "unit_code"
    with signed_in(suite, "yqb") as office:
        assert office.get("/console/users").status_code == 403
    assert client.post("/api/v1/admin/users", headers=bearer(client, "yqb"), json={
        "username": f"{name}y", "display_name": "x", "roles": ["admin"], "unit_code": "wxb",
        "password": "a-long-password-1"}).status_code == 403
    audit = client.get("/api/v1/admin/audit", params={"limit": 100}).json()["items"]
    assert {"user.create", "user.update"} <= {a["action"] for a in audit if a["target"] == name}


def test_many_wrong_passwords_from_one_address_pause_that_address_only(suite):
    # The gateway trusts X-Forwarded-For from loopback (uvicorn's default), as from a proxy in front.
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    with httpx.Client(base_url=suite.gateway_url, timeout=30, headers={"X-Forwarded-For": address}) as far:
        for attempt in range(30):                  # a different name each time: no single account locks
            assert far.post("/api/v1/auth/token", json={"username": f"guess{attempt}",
                                                         "password": "wrong"}).status_code == 401
        paused = far.post("/api/v1/auth/token", json={"username": "qingshan_jbr", "password": PASSWORD})
        assert paused.status_code == 429 and paused.json()["title"] == "登录尝试过于频繁"
        assert 0 < int(paused.headers["retry-after"]) <= 300
        console = far.post("/console/login", data={"username": "qingshan_jbr", "password": PASSWORD})
        assert console.status_code == 429 and "登录尝试过于频繁" in console.text
    # The same account from elsewhere is not affected.
    assert httpx.post(f"{suite.gateway_url}/api/v1/auth/token", headers={"X-Forwarded-For": "198.51.100.7"},
                      json={"username": "qingshan_jbr", "password": PASSWORD}).status_code == 200
