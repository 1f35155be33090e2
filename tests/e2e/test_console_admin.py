"""The admin console against the real suite: units and the directory, the duty roster, topics
and sensitive words, feeds, the gazetteer, response plans, holiday calendars and publication
channels — each change checked through the REST API, each refusal shown in Chinese with
nothing stored, each page closed to the roles it is not for."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import httpx

from tests.e2e.test_console_office import csrf, signed_in
from yuqing.core.dates import SHANGHAI

TEST_2027 = Path(__file__).parents[1] / "data" / "holidays-2027-test.csv"
ADMIN_PAGES = ("units", "duty", "topics", "feeds", "places", "plans", "calendars", "channels")


def post(browser: httpx.Client, path: str, action: str, data: dict | None = None, **extra) -> httpx.Response:
    page = browser.get(path)
    return browser.post(path, data={"csrf": csrf(page.text), "action": action, **(data or {})}, **extra)


def alert(page: httpx.Response) -> str:
    found = re.search(r'<div class="error" role="alert">(.*?)</div>', page.text, re.S)
    return found.group(1) if found else ""


def test_units_and_the_directory(suite, client):
    tag = uuid.uuid4().hex[:6]
    with signed_in(suite, "admin") as admin:
        created = post(admin, "/console/admin/units", "save_unit", {
            "code": f"u_{tag}", "name": f"县文旅局<img src=x onerror=alert(1)>{tag}", "kind": "department",
            "keywords": "景区、门票，游客", "categories": ["安全生产"], "leader_username": "leader"})
        assert created.status_code == 200 and "已保存" in created.text
        assert "<img src=x" not in created.text and "&lt;img src=x onerror=alert(1)&gt;" in created.text
        unit = next(u for u in client.get("/api/v1/admin/units").json()["items"] if u["code"] == f"u_{tag}")
        assert unit["keywords"] == ["景区", "门票", "游客"] and unit["categories"] == ["安全生产"]
        found = admin.get("/console/admin/units", params={"q": f"U_{tag}"})   # case ignored
        assert f"含“U_{tag}”的单位共 1 条" in found.text and f"<code>u_{tag}</code>" in found.text
        assert f"含“U_{tag}”的人员共 0 条" in found.text and "<code>wxb</code>" not in found.text

        refused = post(admin, "/console/admin/units", "save_unit", {
            "code": f"v_{tag}", "name": "县某局", "kind": "ministry", "parent_code": "nowhere"})
        assert refused.status_code == 422
        assert "单位类型须是" in alert(refused) and "上级单位 nowhere 不存在" in alert(refused)
        assert f"v_{tag}" not in {u["code"] for u in client.get("/api/v1/admin/units").json()["items"]}

        person = post(admin, "/console/admin/units", "save_person", {
            "username": "jiance", "display_name": "监测员", "unit_code": "wxb", "roles": ["monitor"],
            "email": f"jiance-{tag}@demo.gov.cn", "phone": "0731-1234"})
        assert person.status_code == 200
        listed = {p["username"]: p for p in client.get("/api/v1/admin/people").json()["items"]}
        assert listed["jiance"]["email"] == f"jiance-{tag}@demo.gov.cn" and listed["jiance"]["phone"] == "0731-1234"


def test_the_duty_roster(suite, client):
    start = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=3)).replace(hour=20, minute=0, second=0, microsecond=0)
    with signed_in(suite, "yqb") as office:               # the office keeps the roster
        page = office.get("/console/admin/duty")
        assert page.status_code == 200 and "当前值班" in page.text
        backwards = post(office, "/console/admin/duty", "add_shift", {
            "username": "jiance", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
        assert backwards.status_code == 422 and alert(backwards)
        garbled = post(office, "/console/admin/duty", "add_shift", {"username": "jiance", "starts_at": "明天晚上",
                                                                    "ends_at": "2026-13-45T99:00"})
        assert garbled.status_code == 422 and "开始时间须为" in alert(garbled)
        before = len(client.get("/api/v1/duty-roster").json()["items"])
        added = post(office, "/console/admin/duty", "add_shift", {
            "username": "jiance", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M")})
        assert added.status_code == 200 and "已为 jiance 排班" in added.text
        roster = client.get("/api/v1/duty-roster").json()["items"]
        assert len(roster) == before + 1
        shift = next(s for s in roster if s["username"] == "jiance" and s["starts_at"] == start.isoformat())
        removed = post(office, "/console/admin/duty", "delete_shift", {"shift_id": shift["shift_id"]})
        assert removed.status_code == 200 and "已删除该班次" in removed.text
        assert shift["shift_id"] not in {s["shift_id"] for s in client.get("/api/v1/duty-roster").json()["items"]}


def test_topics_word_lists_and_the_gazetteer(suite, client):
    tag = uuid.uuid4().hex[:6]
    with signed_in(suite, "admin") as admin:
        topic = post(admin, "/console/admin/topics", "save_topic", {
            "name": f"校园食品<b>{tag}</b>", "all_of": "学校、幼儿园\n食堂，饭菜", "none_of": "演练", "scope": "full",
            "enabled": "on"})
        assert topic.status_code == 200 and f"校园食品&lt;b&gt;{tag}&lt;/b&gt;" in topic.text
        saved = next(t for t in client.get("/api/v1/admin/topics").json()["items"] if t["name"] == f"校园食品<b>{tag}</b>")
        assert saved["all_of"] == [["学校", "幼儿园"], ["食堂", "饭菜"]] and saved["none_of"] == ["演练"]
        empty = post(admin, "/console/admin/topics", "save_topic", {"name": f"空主题{tag}", "all_of": "\n \n"})
        assert empty.status_code == 422 and "all_of" in alert(empty)
        assert f"空主题{tag}" not in {t["name"] for t in client.get("/api/v1/admin/topics").json()["items"]}

        words = post(admin, "/console/admin/topics", "save_word_list", {
            "name": f"涉校词{tag}", "category": "教育", "words": "体罚\n霸凌、欺凌"})
        assert words.status_code == 200 and "（3 个词）" in words.text
        listed = next(w for w in client.get("/api/v1/admin/word-lists").json()["items"] if w["name"] == f"涉校词{tag}")
        unknown = post(admin, "/console/admin/topics", "save_word_list", {
            "name": f"涉校词{tag}", "category": "娱乐", "words": "八卦", "list_id": listed["list_id"]})
        assert unknown.status_code == 422
        kept = next(w for w in client.get("/api/v1/admin/word-lists").json()["items"] if w["list_id"] == listed["list_id"])
        assert kept["category"] == "教育" and sorted(kept["words"]) == ["体罚", "欺凌", "霸凌"]
        deleted = post(admin, "/console/admin/topics", "delete_word_list", {"list_id": listed["list_id"]})
        assert "已删除敏感词库" in deleted.text
        assert listed["list_id"] not in {w["list_id"] for w in client.get("/api/v1/admin/word-lists").json()["items"]}

        alias = post(admin, "/console/admin/places", "save_place", {
            "name": f"城关{tag}小", "locality": "chengguan", "kind": "school", "alias_of": f"不存在的学校{tag}"})
        assert alias.status_code == 422 and "不在地名库中" in alert(alias)
        place = post(admin, "/console/admin/places", "save_place", {
            "name": f"城关第{tag}小学", "locality": "chengguan", "kind": "school"})
        assert place.status_code == 200 and f"城关第{tag}小学" in place.text
        places = {p["name"]: p for p in client.get("/api/v1/admin/places").json()["items"]}
        assert places[f"城关第{tag}小学"]["locality"] == "chengguan" and f"城关{tag}小" not in places
        # The filter box narrows the list, and a form sent from a filtered page keeps the filter.
        filtered = admin.get(f"/console/admin/places?q=第{tag}")
        assert f"含“第{tag}”的地名共 1 条" in filtered.text and f"<td>城关第{tag}小学</td>" in filtered.text
        assert "<td>县人民医院</td>" in admin.get("/console/admin/places").text
        assert "<td>县人民医院</td>" not in filtered.text
        kept = post(admin, f"/console/admin/places?q=第{tag}", "save_place", {
            "name": f"城关第{tag}小学", "locality": "chengguan", "kind": "school", "alias_of": ""})
        assert kept.status_code == 200 and f"含“第{tag}”的地名共 1 条" in kept.text
        assert "没有含" in admin.get(f"/console/admin/places?q=无此地名{tag}").text
        post(admin, "/console/admin/places", "delete_place", {"name": f"城关第{tag}小学"})
        assert f"城关第{tag}小学" not in {p["name"] for p in client.get("/api/v1/admin/places").json()["items"]}


def test_feeds_and_publication_channels(suite, client):
    tag = uuid.uuid4().hex[:6]
    with signed_in(suite, "admin") as admin:
        bad = post(admin, "/console/admin/feeds", "save_feed", {"name": f"县融媒体{tag}", "url": "ftp://example",
                                                                "interval_seconds": "300", "enabled": "on"})
        assert bad.status_code == 422 and "http://" in alert(bad)
        created = post(admin, "/console/admin/feeds", "save_feed", {
            "name": f"县融媒体{tag}", "url": "http://127.0.0.1:9/feed.xml", "platform": "新闻网站",
            "interval_seconds": "600", "enabled": "on"})
        assert created.status_code == 200
        feed = next(f for f in client.get("/api/v1/admin/feeds").json()["items"] if f["name"] == f"县融媒体{tag}")
        assert feed["interval_seconds"] == 600 and feed["enabled"]
        paused = post(admin, "/console/admin/feeds", "save_feed", {
            "feed_id": feed["feed_id"], "name": f"县融媒体{tag}", "url": feed["url"], "interval_seconds": "600"})
        assert paused.status_code == 200
        assert not next(f for f in client.get("/api/v1/admin/feeds").json()["items"] if f["feed_id"] == feed["feed_id"])["enabled"]
        post(admin, "/console/admin/feeds", "delete_feed", {"feed_id": feed["feed_id"]})
        assert feed["feed_id"] not in {f["feed_id"] for f in client.get("/api/v1/admin/feeds").json()["items"]}

        channel = post(admin, "/console/admin/channels", "save_channel", {
            "name": f"wx{tag}", "url": "https://127.0.0.1:9/hook", "secret": "s3cret-value", "enabled": "on"})
        assert channel.status_code == 200 and f"发布渠道 wx{tag} 已保存" in channel.text
        assert "s3cret-value" not in channel.text                   # the signing key is write-only
        wrong = post(admin, "/console/admin/channels", "save_channel", {"name": "微博 号", "url": "ftp://x"})
        assert wrong.status_code == 422 and "须为 http(s) 地址" in alert(wrong)
        names = {c["name"] for c in client.get("/api/v1/admin/publication-channels").json()["items"]}
        assert f"wx{tag}" in names and "微博 号" not in names


def test_response_plans_and_holiday_calendars(suite, client):
    with signed_in(suite, "admin") as admin:
        page = admin.get("/console/admin/plans")
        current = client.get("/api/v1/response-plans").json()["items"][0]
        form = dict(re.findall(r'name="((?:I|II|III|IV|V)-\d+-(?:key|name|minutes|working_days))" (?:type="number" min="0" )?value="([^"]*)"',
                               page.text))
        form |= {f"{level}-{i}-owner": s["owner"] for level, steps in current["levels"].items() for i, s in enumerate(steps)}
        handover = next(i for i, s in enumerate(current["levels"]["II"]) if s["key"] == "handover")
        both = post(admin, "/console/admin/plans", "save_plan", {**form, f"II-{handover}-working_days": "1"})
        assert both.status_code == 422 and "时限须且只能设一种" in alert(both)
        assert client.get("/api/v1/response-plans").json()["items"][0]["version"] == current["version"]
        saved = post(admin, "/console/admin/plans", "save_plan", {**form, f"II-{handover}-minutes": "90"})
        assert saved.status_code == 200 and f"第 {current['version'] + 1} 版" in saved.text
        newest = client.get("/api/v1/response-plans").json()["items"][0]
        assert newest["version"] == current["version"] + 1
        assert {s["key"]: s["minutes"] for s in newest["levels"]["II"]}["handover"] == 90
        assert newest["levels"]["I"] == current["levels"]["I"]       # untouched levels carried over whole
        restored = post(admin, "/console/admin/plans", "save_plan", {**form})
        assert restored.status_code == 200
        assert client.get("/api/v1/response-plans").json()["items"][0]["levels"] == current["levels"]

        calendars = admin.get("/console/admin/calendars")
        assert "2027 年尚无节假日安排" in calendars.text or "2027" in client.get("/api/v1/admin/calendars").text
        garbage = post(admin, "/console/admin/calendars", "load_calendar", {"year": "2027"},
                       files={"file": ("2027.csv", "2027-02-30,休\n".encode(), "text/csv")})
        assert garbage.status_code == 422 and "line 1" in alert(garbage)
        missing = post(admin, "/console/admin/calendars", "load_calendar", {"year": "2027"})
        assert missing.status_code == 422 and "请选择文件" in alert(missing)
        # The same file and year the dispatch test loads, so the suite's state is the same in any order.
        loaded = post(admin, "/console/admin/calendars", "load_calendar", {"year": "2027"},
                      files={"file": (TEST_2027.name, TEST_2027.read_bytes(), "text/csv")})
        assert loaded.status_code == 200 and "2027 年节假日安排已载入" in loaded.text
        assert "2027 年尚无节假日安排" not in loaded.text
        assert (2027, TEST_2027.name) in {(y["year"], y["source"]) for y in client.get("/api/v1/admin/calendars").json()["loaded"]}


def test_admin_pages_are_closed_to_other_roles_and_forged_forms(suite, client):
    with signed_in(suite, "hexi_jbr") as handler:
        for name in ADMIN_PAGES:
            assert handler.get(f"/console/admin/{name}").status_code == 403
        assert handler.get("/console/admin").status_code == 403
    with signed_in(suite, "yqb") as office:
        assert office.get("/console/admin/units").status_code == 200
        assert office.get("/console/admin/feeds").status_code == 403 and office.get("/console/admin/channels").status_code == 403
        tried = post(office, "/console/admin/units", "save_unit", {"code": "wxb", "name": "被改名", "kind": "office"})
        assert tried.status_code == 403
        assert next(u for u in client.get("/api/v1/admin/units").json()["items"] if u["code"] == "wxb")["name"] != "被改名"
        index = office.get("/console/admin")
        assert "值班表" in index.text and "发布渠道" not in index.text
    with signed_in(suite, "admin") as admin:
        forged = admin.post("/console/admin/places", data={"csrf": "0" * 64, "action": "save_place", "name": "伪造",
                                                           "locality": "hexi"})
        assert forged.status_code == 403 and "页面已过期" in forged.text
        unknown = post(admin, "/console/admin/places", "drop_everything")
        assert unknown.status_code == 422 and "未知操作" in alert(unknown)
        assert "伪造" not in {p["name"] for p in client.get("/api/v1/admin/places").json()["items"]}
