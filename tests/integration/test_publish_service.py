"""Statements against real databases: approval chains by level, refusals, versions, the
spokesperson's publishing, corrections, scheduling, one stream message per published version."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from sqlalchemy import select

from services.publish import models
from yuqing.core.delivery import DeliveryLog
from yuqing.core.errors import Conflict, InvalidInput, PermissionDenied
from yuqing.core.identity import Caller

OFFICE = Caller("yqb", frozenset({"office"}), "wxb")
ADMIN = Caller("admin", frozenset({"admin"}), "wxb")
SPOKESPERSON = Caller("fayanren", frozenset({"spokesperson"}), "wxb")
LEADER, LEADER2 = Caller("leader", frozenset({"leader"}), "wxb"), Caller("leader2", frozenset({"leader"}), "wxb")
SUPERIOR = Caller("shangji", frozenset({"superior_reader"}), "")
HANDLER = Caller("hexi_jbr", frozenset({"unit_handler"}), "hexi")


async def _ready(publish, event_id: str, level: str) -> str:
    await publish.graded(event_id, level)
    await publish.service.designate(OFFICE, event_id, "fayanren")
    await publish.service.add_point(OFFICE, event_id, "停水系主管道爆裂，抢修队已到场")
    statement_id = await publish.service.create(SPOKESPERSON, event_id, "response", "inquiry", "城关镇人民政府")
    await publish.service.submit(SPOKESPERSON, statement_id)
    return statement_id


async def _latest(publish, statement_id: str) -> dict:
    return (await publish.service.statement(OFFICE, statement_id))["versions"][-1]


@pytest.mark.parametrize(("level", "approvers", "chain"), [
    ("IV", [LEADER], ["leader"]),
    ("III", [LEADER], ["leader"]),
    ("II", [LEADER, LEADER2], ["group"]),
    ("I", [LEADER, LEADER2, SUPERIOR], ["group", "superior"]),
])
async def test_the_approval_chain_follows_the_level(publish, level, approvers, chain):
    statement_id = await _ready(publish, f"e{level}", level)
    version = await _latest(publish, statement_id)
    assert [s["key"] for s in version["chain"]] == chain
    assert "停水系主管道爆裂" in version["body"] and "城关镇人民政府" in version["body"]
    for n, approver in enumerate(approvers):
        with pytest.raises(Conflict, match="未经审核"):
            await publish.service.publish(SPOKESPERSON, statement_id)
        publish.clock.advance(minutes=1)
        await publish.service.approve(approver, statement_id, "同意")
        if n == 0 and len(approvers) > 1:
            with pytest.raises(Conflict, match="已审核过"):
                await publish.service.approve(approver, statement_id, "再次同意")
    version = await _latest(publish, statement_id)
    assert version["state"] == "approved"
    steps = {"IV": ["leader"], "III": ["leader"], "II": ["group", "group"], "I": ["group", "group", "superior"]}[level]
    assert [(a["approver"], a["step"]) for a in version["approvals"]] == [
        (a.username, step) for a, step in zip(approvers, steps)]
    await publish.service.publish(SPOKESPERSON, statement_id)
    assert (await _latest(publish, statement_id))["state"] == "published"


async def test_a_superior_cannot_approve_before_the_group_and_a_unit_cannot_draft(publish):
    statement_id = await _ready(publish, "e-order", "I")
    with pytest.raises(PermissionDenied, match="领导小组审核"):
        await publish.service.approve(SUPERIOR, statement_id, "")
    with pytest.raises(PermissionDenied):
        await publish.service.create(HANDLER, "e-order", "response", "inquiry")
    with pytest.raises(InvalidInput):
        await publish.service.create(OFFICE, "e-order", "tweet", "gossip")


async def test_rejection_returns_the_draft_with_the_reason(publish):
    statement_id = await _ready(publish, "e-rej", "IV")
    with pytest.raises(InvalidInput):
        await publish.service.reject(LEADER, statement_id, " ")
    await publish.service.reject(LEADER, statement_id, "原因尚未查明，不宜写明")
    version = await _latest(publish, statement_id)
    assert (version["state"], version["reject_reason"]) == ("rejected", "原因尚未查明，不宜写明")
    with pytest.raises(Conflict):
        await publish.service.approve(LEADER, statement_id, "")
    await publish.service.edit(SPOKESPERSON, statement_id, version["title"], "近日，有网民反映城关镇停水。正在抢修。")
    statement = await publish.service.statement(OFFICE, statement_id)
    assert [(v["number"], v["state"]) for v in statement["versions"]] == [(1, "rejected"), (2, "draft")]
    assert {"change": "added", "text": "近日，有网民反映城关镇停水。正在抢修。"} in statement["versions"][1]["diff"]
    assert any(line["change"] == "removed" for line in statement["versions"][1]["diff"])


async def test_only_the_spokesperson_publishes_exactly_what_was_approved(publish):
    await publish.graded("e-sp", "IV")
    statement_id = await publish.service.create(OFFICE, "e-sp", "release", "hype")
    await publish.service.submit(OFFICE, statement_id)
    await publish.service.approve(LEADER, statement_id, "")
    with pytest.raises(Conflict, match="尚未指定新闻发言人"):
        await publish.service.publish(SPOKESPERSON, statement_id)
    await publish.service.designate(OFFICE, "e-sp", "fayanren")
    with pytest.raises(PermissionDenied, match="只有本事件的新闻发言人"):
        await publish.service.publish(OFFICE, statement_id)
    version = await _latest(publish, statement_id)
    await publish.service.edit(SPOKESPERSON, statement_id, version["title"], version["body"] + "（补充一句）")
    with pytest.raises(Conflict, match="草稿"):    # the edit is a new version, not yet approved
        await publish.service.publish(SPOKESPERSON, statement_id)
    assert await publish.announcements() == []


async def test_a_correction_supersedes_the_published_version(publish):
    statement_id = await _ready(publish, "e-corr", "IV")
    await publish.service.approve(LEADER, statement_id, "")
    await publish.service.publish(SPOKESPERSON, statement_id)
    first = await _latest(publish, statement_id)
    publish.clock.advance(hours=1)
    await publish.service.edit(SPOKESPERSON, statement_id, "更正：" + first["title"], first["body"].replace("主管道", "支管道"))
    await publish.service.submit(SPOKESPERSON, statement_id)
    await publish.service.approve(LEADER, statement_id, "")
    await publish.service.publish(SPOKESPERSON, statement_id)
    statement = await publish.service.statement(OFFICE, statement_id)
    assert [(v["number"], v["state"]) for v in statement["versions"]] == [(1, "superseded"), (2, "published")]
    releases, total = await publish.service.page_of_releases(10, 0)
    assert total == 2
    newest, oldest = releases
    assert oldest["superseded_by"] == newest["release_id"] and newest["superseded_by"] is None
    messages = await publish.announcements()
    assert [(m.version, m.correction) for m in messages] == [(1, False), (2, True)]


async def test_scheduled_publishing_happens_once_at_its_time(publish):
    statement_id = await _ready(publish, "e-sched", "IV")
    await publish.service.approve(LEADER, statement_id, "")
    at = publish.clock.now + dt.timedelta(hours=2)
    await publish.service.publish(SPOKESPERSON, statement_id, publish_at=at)
    assert (await _latest(publish, statement_id))["state"] == "scheduled"
    assert await publish.service.next_scheduled() == at
    with pytest.raises(Conflict, match="排定"):
        await publish.service.edit(SPOKESPERSON, statement_id, "改", "改")
    assert await publish.service.publish_due() == 0
    publish.clock.now = at
    assert await publish.service.publish_due() == 1
    assert await publish.service.publish_due() == 0
    version = await _latest(publish, statement_id)
    assert (version["state"], version["published_at"], version["published_by"]) == ("published", at, "fayanren")
    assert len(await publish.announcements()) == 1


async def test_drill_statements_never_reach_the_public_page(publish):
    await publish.graded("e-drill", "IV", drill_id="d1")
    await publish.service.designate(OFFICE, "e-drill", "fayanren")
    statement_id = await publish.service.create(SPOKESPERSON, "e-drill", "response", "inquiry")
    await publish.service.submit(SPOKESPERSON, statement_id)
    await publish.service.approve(LEADER, statement_id, "")
    await publish.service.publish(SPOKESPERSON, statement_id)
    assert (await publish.service.page_of_releases(10, 0))[1] == 0
    assert (await publish.announcements())[0].drill_id == "d1"
    async with publish.sessions() as session:
        assert (await session.execute(select(models.releases.c.drill_id))).scalars().all() == ["d1"]


async def test_offline_acts_are_recorded_with_evidence_and_announced(publish):
    await publish.graded("e-act", "I")
    with pytest.raises(PermissionDenied):
        await publish.service.record_offline_act(HANDLER, "e-act", "press_conference", "发布会", None, [])
    with pytest.raises(InvalidInput) as caught:
        await publish.service.record_offline_act(SPOKESPERSON, "e-act", "party", "", publish.clock.now + dt.timedelta(days=1),
                                                 [("a.exe", b"MZ")])
    assert {p.field for p in caught.value.problems} == {"kind", "description", "happened_at", "attachments[0]"}
    held = publish.clock.now - dt.timedelta(minutes=30)
    act_id = await publish.service.record_offline_act(SPOKESPERSON, "e-act", "press_conference", "召开新闻发布会",
                                                      held, [("记录.pdf", b"%PDF-1.4 x")])
    acts, evidence = await publish.service.offline_acts(OFFICE, "e-act")
    assert [(a["act_id"], a["happened_at"]) for a in acts] == [(act_id, held)]
    assert evidence[0]["filename"] == "记录.pdf" and len(evidence[0]["sha256"]) == 64
    [message] = await publish.announcements()
    assert (message.kind, message.release_id, message.statement_id) == ("press_conference", act_id, "")
    data = await publish.service.event_statements(OFFICE, "e-act")
    assert data["first_response_at"] == held and data["authoritative_release_at"] is None


async def test_each_published_version_goes_to_each_channel_once_with_retries(publish, webhook):
    url, received, failures = webhook
    with pytest.raises(PermissionDenied):
        await publish.service.save_channel(OFFICE, "weibo", url, "s", True)
    with pytest.raises(InvalidInput):
        await publish.service.save_channel(ADMIN, "微博 号", "ftp://x", "", True)
    await publish.service.save_channel(ADMIN, "weibo", url, "channel-secret", True)
    await publish.service.save_channel(ADMIN, "weibo", url, "", True)     # saved without a key: the key stays
    await publish.service.save_channel(ADMIN, "wechat", url + "/off", "", False)
    log = DeliveryLog(publish.sessions, models.publication_deliveries, publish.service.release_sender(),
                      clock=publish.clock)
    statement_id = await _ready(publish, "e-chan", "IV")
    await publish.service.approve(LEADER, statement_id, "")
    await publish.service.publish(SPOKESPERSON, statement_id)
    failures["left"] = 1
    assert await log.deliver_due() == 1 and received == []
    publish.clock.advance(seconds=30)
    assert await log.deliver_due() == 1
    [(payload, headers)] = received
    assert (payload["version"], payload["correction"], payload["channel"]) == (1, False, "weibo")
    assert headers["idempotency-key"] == payload["delivery_id"]
    assert headers["x-yuqing-signature"] == "sha256=" + hmac.new(b"channel-secret", headers["raw"], hashlib.sha256).hexdigest()
    assert await log.deliver_due() == 0                       # sent once, never again
    first = await _latest(publish, statement_id)
    await publish.service.edit(SPOKESPERSON, statement_id, first["title"], first["body"] + "（更正）")
    await publish.service.submit(SPOKESPERSON, statement_id)
    await publish.service.approve(LEADER, statement_id, "")
    await publish.service.publish(SPOKESPERSON, statement_id)
    assert await log.deliver_due() == 1
    assert [(p["version"], p["correction"]) for p, _ in received] == [(1, False), (2, True)]
    rows = await publish.service.deliveries(OFFICE, None, 10)
    assert sorted((r["version"], r["status"], r["attempts"]) for r in rows) == [(1, "sent", 2), (2, "sent", 1)]


async def test_a_new_statement_names_the_lead_unit_dispatch_announced(publish):
    await publish.graded("e-lead", "IV")
    await publish.service.designate(OFFICE, "e-lead", "fayanren")
    earlier = publish.clock.now
    await publish.assigned("e-lead", "hexi", "河西镇人民政府", role="co")          # a co-unit names nothing
    assert (await publish.service.event_statements(OFFICE, "e-lead"))["lead_unit"] is None
    publish.clock.advance(minutes=5)
    await publish.assigned("e-lead", "chengguan", "城关镇人民政府")
    await publish.assigned("e-lead", "qingshan", "青山乡人民政府", at=earlier)    # older (redelivered): ignored
    assert (await publish.service.event_statements(OFFICE, "e-lead"))["lead_unit"]["unit_name"] == "城关镇人民政府"
    named = await publish.service.create(SPOKESPERSON, "e-lead", "response", "inquiry")
    assert "城关镇人民政府" in (await _latest(publish, named))["body"]
    told = await publish.service.create(SPOKESPERSON, "e-lead", "response", "inquiry", "县水务局")
    body = (await _latest(publish, told))["body"]
    assert "县水务局" in body and "城关镇人民政府" not in body                   # what the drafter wrote wins


async def test_a_stream_batch_keeps_the_last_level_and_the_latest_lead_of_each_event(publish):
    """Levels and lead units arrive a stream batch at a time: within one batch the last level
    of an event stands, and an older lead assignment delivered after a newer one is ignored."""
    from yuqing.core.bus import Envelope
    from yuqing.core.db import new_id
    from yuqing.core.protobuf import timestamp
    from yuqing.dispatch.v1 import dispatch_pb2
    from yuqing.grading.v1 import grading_pb2

    def envelope(message) -> Envelope:
        return Envelope(new_id(), message.DESCRIPTOR.full_name, message.SerializeToString(), "0-1")

    async def run(handler, messages) -> None:
        envelopes = [envelope(m) for m in messages]
        async with publish.sessions() as session, session.begin():
            batch = await handler.start(session, envelopes)
            for e in envelopes:
                await handler.handle(session, e, batch)
            await handler.finish(session, batch)

    now = publish.clock.now
    await publish.graded("e1", "III", title="旧标题")
    await run(publish.service.level_changes, [
        grading_pb2.EventGraded(event_id="e1", level=2, title="", locality="chengguan", graded_at=timestamp(now),
                                event_discovered_at=timestamp(now)),
        grading_pb2.EventGraded(event_id="e1", level=1, title="", locality="chengguan", graded_at=timestamp(now),
                                event_discovered_at=timestamp(now)),
        grading_pb2.EventGraded(event_id="e2", level=3, title="另一事件", locality="hexi", graded_at=timestamp(now),
                                event_discovered_at=timestamp(now))])
    later, earlier = now + dt.timedelta(minutes=5), now
    await run(publish.service.lead_changes, [
        dispatch_pb2.AssignmentChanged(event_id="e1", unit_code="hexi", unit_name="河西镇", role="lead", action="assigned",
                                       at=timestamp(later)),
        dispatch_pb2.AssignmentChanged(event_id="e1", unit_code="chengguan", unit_name="城关镇", role="lead",
                                       action="assigned", at=timestamp(earlier)),
        dispatch_pb2.AssignmentChanged(event_id="e2", unit_code="jiaoyu", unit_name="县教育局", role="assist",
                                       action="assigned", at=timestamp(later))])
    async with publish.sessions() as session:
        briefs = {r["event_id"]: r for r in (await session.execute(select(models.event_briefs))).mappings()}
        leads = {r["event_id"]: r["unit_code"] for r in (await session.execute(select(models.lead_units))).mappings()}
    assert (briefs["e1"]["level"], briefs["e1"]["title"]) == ("I", "旧标题")
    assert (briefs["e2"]["level"], briefs["e2"]["title"]) == ("III", "另一事件")
    assert leads == {"e1": "hexi"}
