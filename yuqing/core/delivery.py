"""Delivering things out of the suite (e-mails, webhooks) with a delivery log.

A service keeps a deliveries table with the columns below. `DeliveryLog` claims due rows with
a lease (so one replica sends each), hands them to the service's sender, and records the
outcome: sent, retried later with exponential backoff, or given up after `max_attempts`.
Receivers that must not act twice on a retry use the delivery id (Idempotency-Key header,
Message-ID). `post_signed_json` is the webhook transport both dispatch and publish use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import Column, Integer, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from yuqing.core.db import UtcDateTime, utcnow

logger = logging.getLogger(__name__)

# Sends a batch of claimed rows; returns, per row, None when sent or the reason it failed.
Sender = Callable[[list[dict]], Awaitable[list[str | None]]]


class DeliveryFailed(Exception):
    pass


def delivery_columns() -> list[Column]:
    """The columns every deliveries table has (a service adds what the delivery is about)."""
    return [
        Column("delivery_id", String(32), primary_key=True),
        Column("channel", String(32), nullable=False),
        Column("address", String(500), nullable=False),
        Column("status", String(16), nullable=False),    # pending, sent, failed
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", UtcDateTime, nullable=False),
        Column("last_error", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime, nullable=True),
    ]


async def post_signed_json(url: str, payload: dict, *, secret: str, idempotency_key: str,
                           timeout: float = 10.0) -> None:
    """POST JSON; HMAC-SHA256 of the body in X-Yuqing-Signature when a secret is set. Anything
    but a 2xx answer is a DeliveryFailed."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"content-type": "application/json; charset=utf-8", "idempotency-key": idempotency_key}
    if secret:
        headers["x-yuqing-signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"Webhook：{type(error).__name__} {error}") from error
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"Webhook：HTTP {response.status_code}")


class DeliveryLog:
    def __init__(self, sessions: async_sessionmaker, table: Table, send: Sender, channels: list[str] | None = None, *,
                 clock: Callable[[], dt.datetime] = utcnow, batch: int = 50, max_attempts: int = 8,
                 lease: dt.timedelta = dt.timedelta(seconds=60), first_backoff: dt.timedelta = dt.timedelta(seconds=30),
                 max_backoff: dt.timedelta = dt.timedelta(hours=1), idle_seconds: float = 1.0) -> None:
        # None: every channel in the table (a service whose channels an admin adds at run time).
        self.sessions, self.table, self.send = sessions, table, send
        self.channels = sorted(channels) if channels is not None else None
        self.clock, self.batch, self.max_attempts, self.lease = clock, batch, max_attempts, lease
        self.first_backoff, self.max_backoff, self.idle_seconds = first_backoff, max_backoff, idle_seconds
        self.wakeup = asyncio.Event()

    def backoff(self, attempts: int) -> dt.timedelta:
        return min(self.first_backoff * 2 ** (attempts - 1), self.max_backoff)

    async def run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
            except Exception:
                logger.exception("delivery failed; retrying")
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
        results = await self.send(claimed)
        now, table = self.clock(), self.table
        async with self.sessions() as session, session.begin():
            for row, error in zip(claimed, results):
                if error is None:
                    values = {"status": "sent", "sent_at": now, "last_error": ""}
                elif row["attempts"] >= self.max_attempts:
                    values = {"status": "failed", "last_error": error}
                else:
                    values = {"status": "pending", "last_error": error,
                              "next_attempt_at": now + self.backoff(row["attempts"])}
                await session.execute(update(table).where(table.c.delivery_id == row["delivery_id"]).values(**values))
        return len(claimed)

    async def _claim(self) -> list[dict]:
        table, now = self.table, self.clock()
        query = (select(table).where(table.c.status == "pending", table.c.next_attempt_at <= now)
                 .order_by(table.c.next_attempt_at).limit(self.batch))
        if self.channels is not None:
            query = query.where(table.c.channel.in_(self.channels))
        async with self.sessions() as session, session.begin():
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = [dict(r) for r in (await session.execute(query)).mappings()]
            for row in rows:
                row["attempts"] += 1
                await session.execute(update(table).where(table.c.delivery_id == row["delivery_id"]).values(
                    attempts=row["attempts"], next_attempt_at=now + self.lease))
        return rows

