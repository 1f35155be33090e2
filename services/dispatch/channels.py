"""Outbound notification channels (plug-ins) and the sender of dispatch's delivery log.

A channel says at which address it reaches a person (or that it cannot) and sends one
delivery. SMTP e-mail and an outbound webhook (for SMS gateways and chat tools) ship here.
Every delivery is a row of the delivery log (`yuqing.core.delivery`: leases, retries with
backoff, giving up); a notification gets at most one delivery per channel, so nobody is told
the same thing twice by one channel.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.dispatch import models
from yuqing.core.dates import SHANGHAI
from yuqing.core.db import new_id
from yuqing.core.delivery import DeliveryFailed, DeliveryLog, Sender, post_signed_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    address: str
    notification: dict
    person: dict


class Channel(Protocol):
    name: str

    def address_for(self, person: dict) -> str | None: ...

    async def send(self, outgoing: Outgoing) -> None: ...


@dataclass
class SmtpChannel:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 15.0
    name: str = "email"

    def address_for(self, person: dict) -> str | None:
        return person.get("email") or None

    async def send(self, outgoing: Outgoing) -> None:
        note = outgoing.notification
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = outgoing.address
        message["Subject"] = note["title"]
        message["Message-ID"] = f"<{outgoing.delivery_id}@yuqing>"
        message["Date"] = format_datetime(note["created_at"].astimezone(SHANGHAI))
        message["X-Yuqing-Delivery"] = outgoing.delivery_id
        message.set_content(f"{outgoing.person.get('display_name', '')}：\n\n{note['body']}\n\n"
                            f"事件：{note['event_id']}  交办单：{note['assignment_id']}\n"
                            "——县网络舆情处置平台（系统邮件，请勿直接回复）")
        try:
            await aiosmtplib.send(message, hostname=self.host, port=self.port, username=self.username or None,
                                  password=self.password or None, start_tls=self.starttls, timeout=self.timeout)
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP：{error}") from error


@dataclass
class WebhookChannel:
    """POSTs JSON to one URL for every person (an SMS gateway or a chat tool's robot picks
    the phone number or the name); signed with HMAC-SHA256 when a secret is set."""

    url: str
    secret: str = ""
    timeout: float = 10.0
    name: str = "webhook"

    def address_for(self, person: dict) -> str | None:
        return self.url

    async def send(self, outgoing: Outgoing) -> None:
        note, person = outgoing.notification, outgoing.person
        await post_signed_json(outgoing.address, {
            "delivery_id": outgoing.delivery_id, "username": person["username"],
            "display_name": person.get("display_name", ""), "phone": person.get("phone", ""),
            "email": person.get("email", ""), "kind": note["kind"], "title": note["title"], "body": note["body"],
            "event_id": note["event_id"], "assignment_id": note["assignment_id"],
            "created_at": note["created_at"].astimezone(SHANGHAI).isoformat(),
        }, secret=self.secret, idempotency_key=outgoing.delivery_id, timeout=self.timeout)


def delivery_rows(channels: list[Channel], notifications: list[dict], people: dict[str, dict],
                  now: dt.datetime) -> list[dict]:
    """One pending delivery per notification and channel that can reach its person."""
    rows = []
    for note in notifications:
        person = people.get(note["username"])
        for channel in channels if person else ():
            address = channel.address_for(person)
            if address:
                rows.append({"delivery_id": new_id(), "notification_id": note["notification_id"],
                             "channel": channel.name, "address": address, "status": "pending", "attempts": 0,
                             "next_attempt_at": now, "last_error": "", "created_at": now})
    return rows


def notification_sender(sessions: async_sessionmaker, channels: list[Channel]) -> Sender:
    """Sends claimed notification deliveries through their channels."""
    by_name = {c.name: c for c in channels}

    async def send(rows: list[dict]) -> list[str | None]:
        notes, people = models.notifications, models.people
        async with sessions() as session:
            found = {r["notification_id"]: dict(r) for r in (await session.execute(
                select(notes, people.c.display_name, people.c.email, people.c.phone)
                .join(people, people.c.username == notes.c.username)
                .where(notes.c.notification_id.in_([row["notification_id"] for row in rows])))).mappings()}

        async def one(row: dict) -> str | None:
            note = found.get(row["notification_id"])
            if note is None:
                return "收件人已不在人员名录中"
            person = {k: note[k] for k in ("username", "display_name", "email", "phone")}
            try:
                await by_name[row["channel"]].send(Outgoing(row["delivery_id"], row["address"], note, person))
            except DeliveryFailed as error:
                logger.warning("delivery failed", extra={"delivery_id": row["delivery_id"], "error": str(error)})
                return str(error)[:500]
            return None

        return list(await asyncio.gather(*(one(row) for row in rows)))

    return send


def delivery_worker(sessions: async_sessionmaker, channels: list[Channel], **options) -> DeliveryLog:
    """The delivery log of dispatch's notifications (options: see DeliveryLog)."""
    return DeliveryLog(sessions, models.deliveries, notification_sender(sessions, channels), [c.name for c in channels],
                       **options)
