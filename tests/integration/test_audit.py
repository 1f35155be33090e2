"""The audit log on each backend: appends chain, the database refuses edits, and verification
finds the first broken link when someone gets past that."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway import audit
from tests.conftest import run_id
from yuqing.core import migrations
from yuqing.core.db import create_engine, schema_name, session_factory
from yuqing.core.identity import Caller
from yuqing.core.settings import CoreSettings

OFFICE = Caller("yqb", frozenset({"office"}), "wxb")


@pytest.fixture
async def gateway_db(backend, tmp_path):
    env = backend.env(tmp_path, run_id())
    settings = CoreSettings.from_env(env)
    await asyncio.to_thread(migrations.upgrade, "gateway", settings)
    engine = create_engine(settings, "gateway")
    yield session_factory(engine), engine, env
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "gateway")}" CASCADE'))
    await engine.dispose()


async def test_concurrent_appends_form_one_chain(gateway_db):
    sessions, _, _ = gateway_db
    await asyncio.gather(*(audit.record(sessions, OFFICE, "event.level", f"e{n}", {"n": n, "理由": "核实"})
                           for n in range(20)))
    report = await audit.verify(sessions)
    assert report.intact and report.checked == 20
    rows = await audit.page(sessions, 100)
    assert [r["seq"] for r in rows] == list(range(20, 0, -1))
    assert rows[-1]["prev_hash"] == audit.GENESIS and rows[0]["prev_hash"] == rows[1]["hash"]


async def test_the_database_refuses_edits_and_verification_catches_a_forced_one(gateway_db):
    sessions, engine, env = gateway_db
    for n in range(5):
        await audit.record(sessions, OFFICE, "event.level", f"e{n}", {"to": "II"})
    for statement in ("UPDATE audit_log SET target = 'x' WHERE seq = 3", "DELETE FROM audit_log WHERE seq = 4"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    assert (await audit.verify(sessions)).intact

    # Someone with the database owner's rights switches the guard off and edits row 3.
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_update"))
        await conn.execute(text("""UPDATE audit_log SET details = '{"to": "IV"}' WHERE seq = 3"""))
    report = await audit.verify(sessions)
    assert (report.intact, report.broken_at, report.checked) == (False, 3, 2)
    assert "第 3 条内容与其哈希不符" in report.problem

    # The operator's command says the same and fails.
    result = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "yuqing.cli", "audit", "verify"],
                                     env={**_plain_env(), **env}, capture_output=True, text=True)
    assert result.returncode == 1 and "审计链在第 3 条断开" in result.stdout


async def test_a_removed_row_breaks_the_chain(gateway_db):
    sessions, engine, env = gateway_db
    for n in range(4):
        await audit.record(sessions, OFFICE, "rule_set.save", f"v{n}")
    result = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "yuqing.cli", "audit", "verify"],
                                     env={**_plain_env(), **env}, capture_output=True, text=True)
    assert result.returncode == 0 and "共 4 条记录" in result.stdout
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        await conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    report = await audit.verify(sessions)
    assert report.broken_at == 2 and "第 2 条缺失" in report.problem


def _plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("YQ_")}
