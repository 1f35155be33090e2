"""Notifications out through SMTP and a webhook, against servers the test starts on 127.0.0.1:
retries with backoff, a delivery log, nobody told the same thing twice."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from services.dispatch import models
from services.dispatch.channels import SmtpChannel, WebhookChannel, delivery_worker
from services.dispatch.workflow import Request
from yuqing.core.identity import Caller
from yuqing.core.ports import free_port

SECRET = "webhook-secret"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


async def test_warnings_go_out_by_email_and_webhook_with_retries_and_no_repeats(dispatch, smtp_server, webhook):
    controller, mailbox = smtp_server
    url, received, failures = webhook
    channels = [SmtpChannel("127.0.0.1", controller.port, "yuqing@demo.gov.cn"), WebhookChannel(url, SECRET)]
    dispatch.service.channels = channels
    worker = delivery_worker(dispatch.sessions, channels, clock=dispatch.clock)
    await dispatch.graded("mail1", "IV", text="河西镇路面塌陷")
    lead = (await dispatch.rows(models.assignments, models.assignments.c.event_id == "mail1"))[0]
    await dispatch.service.act(Caller("hexi_jbr", frozenset({"unit_handler"}), "hexi"), lead["assignment_id"],
                               "acknowledge", Request())
    failures["left"] = 1                                   # the webhook is down for its first call
    dispatch.clock.advance(hours=36)                       # 50 % of the 1-working-day limit
    assert await dispatch.service.fire_due_timers() == 1
    assert await worker.deliver_due() == 4                 # 2 people × (e-mail, webhook)

    assert sorted(m["To"] for m in mailbox.messages) == ["hexi_fzr@demo.gov.cn", "hexi_jbr@demo.gov.cn"]
    subject = mailbox.messages[0]["Subject"]
    assert subject.startswith("【时限预警】河西镇人民政府「核查并正面说明」")
    assert "须在 2026-11-23 10:00 前完成" in mailbox.messages[0].get_content()
    assert len(received) == 1                              # one webhook call failed
    deliveries = await dispatch.rows(models.deliveries)
    failed = [d for d in deliveries if d["status"] == "pending"]
    assert len(failed) == 1 and failed[0]["last_error"] == "Webhook：HTTP 503" and failed[0]["attempts"] == 1
    assert failed[0]["next_attempt_at"] == dispatch.clock.now + dt.timedelta(seconds=30)

    assert await worker.deliver_due() == 0                 # not due before its backoff
    dispatch.clock.advance(seconds=30)
    assert await worker.deliver_due() == 1
    assert len(received) == 2
    assert {p["username"] for p, _ in received} == {"hexi_jbr", "hexi_fzr"}
    assert received[1][0]["delivery_id"] == failed[0]["delivery_id"]    # the retry carries the same key
    for payload, headers in received:
        signature = "sha256=" + hmac.new(SECRET.encode(), headers["raw"], hashlib.sha256).hexdigest()
        assert headers["x-yuqing-signature"] == signature and headers["idempotency-key"] == payload["delivery_id"]
    assert all(d["status"] == "sent" for d in await dispatch.rows(models.deliveries))

    # The same warning again (a second replica racing, a retry of the timer) tells nobody twice.
    dispatch.clock.advance(hours=1)
    assert await dispatch.service.fire_due_timers() == 0
    assert await worker.deliver_due() == 0
    assert len(mailbox.messages) == 2 and len(received) == 2


async def test_a_delivery_that_keeps_failing_is_given_up_and_logged(dispatch, webhook):
    url, received, failures = webhook
    channel = WebhookChannel(url)
    dispatch.service.channels = [channel]
    worker = delivery_worker(dispatch.sessions, [channel], clock=dispatch.clock, max_attempts=3)
    await dispatch.graded("mail2", "IV", text="河西镇噪音")
    failures["left"] = 100
    dispatch.clock.advance(hours=1)                        # 50 % of the 2-hour hand-over: the office is told
    assert await dispatch.service.fire_due_timers() == 1
    for _ in range(3):
        await worker.deliver_due()
        dispatch.clock.advance(hours=2)
    async with dispatch.sessions() as session:
        log = (await session.execute(select(models.deliveries))).mappings().all()
    assert log and all(d["status"] == "failed" and d["attempts"] == 3 for d in log)
    assert received == []
    rows = await dispatch.service.deliveries(Caller("yqb", frozenset({"office"}), "wxb"), "failed", 10)
    assert {r["username"] for r in rows} == {"yqb"} and rows[0]["last_error"] == "Webhook：HTTP 503"
