"""The whole flow in a real browser (Playwright driving Debian's Chromium): a monitor reports an
item with a screenshot; the office sees it appear live on the dashboard, confirms the level;
the unit acknowledges and answers with an attachment, the head signs; the spokesperson drafts,
a leader approves, the spokesperson publishes; the release is on the public page. Every page
is saved as a screenshot under test-artifacts/console/."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[2] / "test-artifacts" / "console"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


class Person:
    """One signed-in browser context per person, as on separate machines."""

    def __init__(self, browser, suite, username: str) -> None:
        self.context = browser.new_context(base_url=suite.gateway_url, locale="zh-CN", viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.goto("/console/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/console/")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_report_to_public_release_in_the_browser(browser, suite, tmp_path):
    tag = uuid.uuid4().hex[:6]
    title = f"河西镇滨江路井盖缺失（{tag}）"
    office = Person(browser, suite, "yqb")
    office.page.goto("/console/")
    office.shot("01-dashboard-before")

    monitor = Person(browser, suite, "jiance")
    monitor.page.goto("/console/report")
    screenshot = tmp_path / "现场.png"
    Image.new("RGB", (80, 40), "red").save(screenshot)
    monitor.page.fill("input[name=title]", title)
    monitor.page.fill("textarea[name=content]", "滨江路口井盖缺失，夜间易发生危险<script>alert(1)</script>")
    monitor.page.fill("input[name=platform]", "微博")
    monitor.page.fill("input[name=region_hint]", "河西镇")
    monitor.page.set_input_files("input[name=screenshots]", str(screenshot))
    monitor.shot("02-monitor-report-form")
    monitor.page.click("form.report button[type=submit]")
    monitor.page.wait_for_selector("p.notice")
    assert "已报送" in monitor.page.inner_text("p.notice")
    monitor.shot("03-monitor-report-sent")

    # The office's open dashboard shows the new event without a reload.
    row = office.page.locator("#live-events tr.live-new", has_text=tag)   # titles are folded: （ → (
    row.wait_for()
    office.shot("04-dashboard-live")
    office.page.reload()
    office.page.click(f"#live-events a:has-text('{tag}')")
    office.page.wait_for_selector("form.judge")
    dialogs: list[str] = []
    office.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert "<script>alert(1)</script>" in office.page.inner_text("main")       # shown as text
    office.page.fill("form.judge textarea[name=reason]", "属实，确认级别")
    office.page.click("form.judge button[type=submit]")
    office.page.wait_for_load_state()
    office.shot("05-event-judged")
    event_url = office.page.url
    event_id = event_url.rsplit("/", 1)[-1].split("?")[0]
    office.page.fill("input[name=spokesperson]", "fayanren")
    office.page.fill("textarea[name=point]", "井盖已于当日补装")
    office.page.click("form[action$='/publishing'] button[type=submit]")
    office.page.wait_for_load_state()
    assert not dialogs, "a scraped script ran"

    handler = Person(browser, suite, "hexi_jbr")
    handler.page.goto("/console/inbox")
    handler.page.click(f"a[href^='/console/assignments/']:has-text('{event_id[:8]}')")
    handler.page.wait_for_selector("form.action-acknowledge")
    handler.shot("06-unit-assignment")
    handler.page.click("form.action-acknowledge button[type=submit]")
    handler.page.wait_for_selector("form.answer")
    handler.page.fill("form.answer textarea[name=text]", "经核查，井盖已补装，现场设置警示")
    report = tmp_path / "核查报告.pdf"
    report.write_bytes(b"%PDF-1.4 " + tag.encode())
    handler.page.set_input_files("form.answer input[name=files]", str(report))
    handler.page.click("form.answer button[type=submit]")
    handler.page.wait_for_selector("p.notice")
    handler.shot("07-unit-answered")
    assignment_url = handler.page.url.split("?")[0]

    head = Person(browser, suite, "hexi_fzr")
    head.page.goto(assignment_url)
    head.page.click("form.action-sign_off button[type=submit]")
    head.page.wait_for_selector("p.notice")
    assert "已反馈" in head.page.inner_text("main")
    head.shot("08-head-signed")

    spokesperson = Person(browser, suite, "fayanren")
    spokesperson.page.goto(f"/console/events/{event_id}")
    spokesperson.page.fill("form[action$='/statements'] input[name=unit_name]", "河西镇人民政府")
    spokesperson.page.click("form[action$='/statements'] button[type=submit]")
    spokesperson.page.wait_for_selector("form.review")
    spokesperson.page.click("form.review button[value=submit]")
    spokesperson.page.wait_for_load_state()
    spokesperson.shot("09-statement-submitted")
    statement_url = spokesperson.page.url.split("?")[0]

    leader = Person(browser, suite, "leader")
    leader.page.goto(statement_url)
    leader.page.fill("form.review textarea[name=comment]", "同意发布")
    leader.page.click("form.review button[value=approve]")
    leader.page.wait_for_load_state()
    leader.shot("10-statement-approved")

    spokesperson.page.goto(statement_url)
    spokesperson.page.click("form.publish button[type=submit]")
    spokesperson.page.wait_for_load_state()
    assert "已发布" in spokesperson.page.inner_text("main")
    spokesperson.shot("11-statement-published")

    public = browser.new_context(base_url=suite.gateway_url, locale="zh-CN").new_page()
    public.goto("/public/releases")
    assert "井盖已于当日补装" in public.inner_text("body")
    public.screenshot(path=str(SHOTS / "12-public-releases.png"), full_page=True)

    for name in ("01-dashboard-before", "04-dashboard-live", "12-public-releases"):
        image = Image.open(SHOTS / f"{name}.png").convert("L")
        assert image.getextrema()[0] < 100 < image.getextrema()[1], f"{name} looks blank"
    assert Image.open(io.BytesIO((SHOTS / "04-dashboard-live.png").read_bytes())).height > 200


def test_every_admin_page_in_the_browser(browser, suite):
    """The admin keeps a topic and the office a shift through the forms; every admin and office
    page is saved as a screenshot, none blank, none refused by the page's own policy."""
    tag = uuid.uuid4().hex[:6]
    admin = Person(browser, suite, "admin")
    refused: list[str] = []
    admin.page.on("console", lambda message: refused.append(message.text)
                  if "Content Security Policy" in message.text else None)
    admin.page.goto("/console/admin")
    admin.shot("20-admin-index")
    admin.page.goto("/console/admin/topics")
    admin.page.fill("form.new-topic input[name=name]", f"井盖安全{tag}")
    admin.page.fill("form.new-topic textarea[name=all_of]", "井盖、窨井\n缺失、破损")
    admin.page.click("form.new-topic button[type=submit]")
    admin.page.wait_for_selector("p.notice")
    assert f"井盖安全{tag}" in admin.page.inner_text("main")
    row = admin.page.locator("tr", has_text=f"井盖安全{tag}")          # then renamed through the row's 修改
    row.locator("summary").click()
    row.locator("input[name=name]").fill(f"井盖安全（改）{tag}")
    row.locator("button", has_text="保存").click()
    admin.page.wait_for_selector("p.notice")
    assert f"井盖安全（改）{tag}" in admin.page.inner_text("table")
    pages = ("units", "duty", "topics", "feeds", "places", "plans", "calendars", "channels")
    for number, name in enumerate(pages, start=21):
        admin.page.goto(f"/console/admin/{name}")
        assert admin.page.inner_text("h1")
        admin.shot(f"{number}-admin-{name}")
    for number, path in enumerate(("/console/users", "/console/api-keys", "/console/rule-sets", "/console/bulletins",
                                   "/console/notifications", "/console/inbox"), start=31):
        admin.page.goto(path)
        admin.shot(f"{number}-{path.rsplit('/', 1)[-1]}")

    office = Person(browser, suite, "yqb")
    office.page.goto("/console/admin/duty")
    office.page.fill("form.add-shift input[name=starts_at]", "2031-05-01T08:00")
    office.page.fill("form.add-shift input[name=ends_at]", "2031-05-01T07:00")
    office.page.click("form.add-shift button[type=submit]")
    office.page.wait_for_selector("div.error")
    assert "未能保存" in office.page.inner_text("div.error")
    office.shot("40-office-duty-refused")

    public = browser.new_context(base_url=suite.gateway_url, locale="zh-CN").new_page()
    public.goto("/public/tip")
    public.screenshot(path=str(SHOTS / "41-public-tip.png"), full_page=True)
    assert not refused, refused
    for name in ("21-admin-units", "26-admin-plans", "40-office-duty-refused", "41-public-tip"):
        image = Image.open(SHOTS / f"{name}.png").convert("L")
        assert image.getextrema()[0] < 100 < image.getextrema()[1], f"{name} looks blank"
