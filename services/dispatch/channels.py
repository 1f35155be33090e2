"""Outbound notification channels and the worker that delivers through them.

A channel is a plug-in: it says at which address it reaches a person (or that it cannot) and
sends one delivery. SMTP e-mail and an outbound webhook (for SMS gateways and chat tools) ship
here. Every delivery is a row (the delivery log): claimed with a lease so one replica sends it,
retried with exponential backoff on failure, given up after `max_attempts`; a notification
gets at most one delivery per channel, so nobody is told the same thing twice by one channel.
Receivers that must not act twice on a retry use the Idempotency-Key (webhook) or Message-ID
(e-mail): both are the delivery id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

import aiosmtplib
import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.dispatch import models
from yuqing.core.dates import SHANGHAI
from yuqing.core.db import new_id, utcnow

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    pass


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
        body = json.dumps({
            "delivery_id": outgoing.delivery_id, "username": person["username"],
            "display_name": person.get("display_name", ""), "phone": person.get("phone", ""),
            "email": person.get("email", ""), "kind": note["kind"], "title": note["title"], "body": note["body"],
            "event_id": note["event_id"], "assignment_id": note["assignment_id"],
            "created_at": note["created_at"].astimezone(SHANGHAI).isoformat(),
        }, ensure_ascii=False).encode()
        headers = {"content-type": "application/json; charset=utf-8", "idempotency-key": outgoing.delivery_id}
        if self.secret:
            headers["x-yuqing-signature"] = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(outgoing.address, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"Webhook：{type(error).__name__} {error}") from error
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"Webhook：HTTP {response.status_code}")


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


class DeliveryWorker:
    def __init__(self, sessions: async_sessionmaker, channels: list[Channel], *,
                 clock: Callable[[], dt.datetime] = utcnow, batch: int = 50, max_attempts: int = 8,
                 lease: dt.timedelta = dt.timedelta(seconds=60), first_backoff: dt.timedelta = dt.timedelta(seconds=30),
                 max_backoff: dt.timedelta = dt.timedelta(hours=1), idle_seconds: float = 1.0) -> None:
        self.sessions = sessions
        self.channels = {c.name: c for c in channels}
        self.clock = clock
        self.batch, self.max_attempts, self.lease = batch, max_attempts, lease
        self.first_backoff, self.max_backoff, self.idle_seconds = first_backoff, max_backoff, idle_seconds
        self.wakeup = asyncio.Event()

    def backoff(self, attempts: int) -> dt.timedelta:
        return min(self.first_backoff * 2 ** (attempts - 1), self.max_backoff)

    async def run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
            except Exception:
                logger.exception("delivery worker failed; retrying")
                sent = 0
            if sent:
                continue
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.idle_seconds)
            except TimeoutError:
                pass

    async def deliver_due(self) -> int:
        """Send what is due; returns how many were attempted."""
        claimed = await self._claim()
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._send(row) for row in claimed))
        now = self.clock()
        async with self.sessions() as session, session.begin():
            for row, error in zip(claimed, results):
                if error is None:
                    values = {"status": "sent", "sent_at": now, "last_error": ""}
                elif row["attempts"] >= self.max_attempts:
                    values = {"status": "failed", "last_error": error}
                else:
                    values = {"status": "pending", "last_error": error,
                              "next_attempt_at": now + self.backoff(row["attempts"])}
                await session.execute(update(models.deliveries).where(
                    models.deliveries.c.delivery_id == row["delivery_id"]).values(**values))
        return len(claimed)

    async def _claim(self) -> list[dict]:
        """Due deliveries of channels this process has, leased so another replica skips them."""
        table, now = models.deliveries, self.clock()
        notes, people = models.notifications, models.people
        query = (select(table, notes.c.username, notes.c.kind, notes.c.title, notes.c.body, notes.c.event_id,
                        notes.c.assignment_id, notes.c.created_at.label("notified_at"), people.c.display_name,
                        people.c.email, people.c.phone)
                 .join(models.notifications, models.notifications.c.notification_id == table.c.notification_id)
                 .join(models.people, models.people.c.username == models.notifications.c.username)
                 .where(table.c.status == "pending", table.c.next_attempt_at <= now,
                        table.c.channel.in_(sorted(self.channels)))
                 .order_by(table.c.next_attempt_at).limit(self.batch))
        async with self.sessions() as session, session.begin():
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(of=table, skip_locked=True)
            rows = [dict(r) for r in (await session.execute(query)).mappings()]
            for row in rows:
                row["attempts"] += 1
                await session.execute(update(table).where(table.c.delivery_id == row["delivery_id"]).values(
                    attempts=row["attempts"], next_attempt_at=now + self.lease))
        return rows

    async def _send(self, row: dict) -> str | None:
        """None when sent, else the reason it failed."""
        notification = {**{k: row[k] for k in ("notification_id", "username", "kind", "title", "body", "event_id",
                                               "assignment_id")}, "created_at": row["notified_at"]}
        person = {k: row[k] for k in ("username", "display_name", "email", "phone")}
        try:
            await self.channels[row["channel"]].send(Outgoing(row["delivery_id"], row["address"], notification, person))
        except DeliveryFailed as error:
            logger.warning("delivery failed", extra={"delivery_id": row["delivery_id"], "error": str(error)})
            return str(error)[:500]
        return None
