"""The audit log: what each person did, append-only and hash-chained.

Row n's hash is SHA-256 over row n-1's hash and row n's content (canonical JSON), so editing,
removing or inserting a row breaks the chain from that row on; `yuqing audit verify` reports
the first broken link. The database refuses UPDATE and DELETE on the table as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker

from gateway.models import audit_log
from yuqing.core.db import utcnow
from yuqing.core.identity import Caller

GENESIS = "0" * 64
# Appends take this transaction-scoped lock on PostgreSQL, so the chain never forks.
_APPEND_LOCK = 0x79715F6175646974  # "yq_audit"
_VERIFY_CHUNK = 1_000


def _digest(prev_hash: str, row: dict) -> str:
    content = {
        "seq": row["seq"], "at": row["at"].astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": row["actor"], "roles": row["roles"], "unit_code": row["unit_code"], "action": row["action"],
        "target": row["target"], "details": row["details"],
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


async def record(sessions: async_sessionmaker, caller: Caller, action: str, target: str,
                 details: dict | None = None, now: dt.datetime | None = None) -> dict:
    """Append one entry at the end of the chain and return it."""
    for attempt in range(10):
        try:
            async with sessions() as session, session.begin():
                if session.bind.dialect.name == "postgresql":
                    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
                last = (await session.execute(
                    select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1))).first()
                row = {"seq": last.seq + 1 if last else 1, "at": now or utcnow(), "actor": caller.username,
                       "roles": sorted(caller.roles), "unit_code": caller.unit_code, "action": action,
                       "target": target[:200], "details": details or {},
                       "prev_hash": last.hash if last else GENESIS}
                row["hash"] = _digest(row["prev_hash"], row)
                await session.execute(audit_log.insert().values(**row))
            return row
        except (IntegrityError, OperationalError):
            # SQLite: another append took the same sequence number or held the write lock.
            if attempt == 9:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None   # the first row whose link does not hold
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


async def verify(sessions: async_sessionmaker) -> ChainReport:
    """Walk the chain in order; stop at the first row that does not follow from the one before."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    async with sessions() as session:
        while True:
            rows = (await session.execute(
                select(audit_log).where(audit_log.c.seq >= expected_seq).order_by(audit_log.c.seq)
                .limit(_VERIFY_CHUNK))).mappings().all()
            if not rows:
                return ChainReport(checked)
            for row in rows:
                if row["seq"] != expected_seq:
                    return ChainReport(checked, expected_seq, f"第 {expected_seq} 条缺失（下一条是第 {row['seq']} 条）")
                if row["prev_hash"] != prev_hash:
                    return ChainReport(checked, row["seq"], f"第 {row['seq']} 条记录的前序哈希与第 {row['seq'] - 1} 条不符")
                if _digest(prev_hash, dict(row)) != row["hash"]:
                    return ChainReport(checked, row["seq"], f"第 {row['seq']} 条内容与其哈希不符（记录被改动）")
                prev_hash, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1


async def page(sessions: async_sessionmaker, limit: int, before: int | None = None) -> list[dict]:
    """Newest first; `before` continues from an earlier page."""
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(audit_log.c.seq < before)
    async with sessions() as session:
        return [dict(r) for r in (await session.execute(query)).mappings().all()]
