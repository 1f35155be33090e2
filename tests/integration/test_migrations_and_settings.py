"""Schemas come from migrations only; services refuse a schema at the wrong revision;
production settings refuse unsafe defaults."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import run_id
from yuqing.core import db, migrations
from yuqing.core.db import create_engine, schema_name
from yuqing.core.settings import CoreSettings, ServiceSettings
from yuqing.suite import PROCESSES


@pytest.fixture
def settings(backend, tmp_path):
    yield CoreSettings.from_env(backend.env(tmp_path, run_id()))


async def test_service_refuses_unmigrated_schema_then_runs_after_upgrade(settings):
    for name in PROCESSES:
        engine = create_engine(settings, name)
        try:
            with pytest.raises(SystemExit, match="run `yuqing migrate` first"):
                await migrations.require_current_schema(engine, name, settings)
            await engine.dispose()
            await asyncio.to_thread(migrations.upgrade, name, settings)
            await migrations.require_current_schema(engine, name, settings)
            assert await migrations.current_revision(engine) == migrations.head_revision(name, settings)
        finally:
            if engine.dialect.name == "postgresql":
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, name)}" CASCADE'))
            await engine.dispose()


def test_production_refuses_development_defaults():
    with pytest.raises(ValidationError) as caught:
        CoreSettings(_env_file=None, environment="production")
    message = str(caught.value)
    assert "YQ_SECRET_KEY" in message and "YQ_DATABASE_URL" in message and "YQ_REDIS_URL" in message
    assert "YQ_SERVICE_TOKEN_KEY" in message
    ok = CoreSettings(_env_file=None, environment="production", secret_key="x" * 40, service_token_key="t" * 40,
                      database_url="postgresql://db/yuqing", redis_url="redis://r:6379/0")
    assert ok.environment == "production"


def test_an_inbox_retention_below_a_day_is_refused(monkeypatch):
    monkeypatch.setenv("YQ_INBOX_RETENTION_DAYS", "0")
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(_env_file=None)
    assert "inbox_retention_days" in str(caught.value)
    monkeypatch.setenv("YQ_INBOX_RETENTION_DAYS", "90")
    assert ServiceSettings(_env_file=None).inbox_retention_days == 90


def test_unsupported_database_is_named():
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        create_engine(CoreSettings(_env_file=None, database_url="mysql://x/y"), "ingest")


@pytest.mark.parametrize("name", PROCESSES)
async def test_migrations_build_exactly_the_tables_the_code_declares(settings, name):
    """Hand-written migrations and models.py must not drift apart."""
    metadata = importlib.import_module("gateway.models" if name == "gateway" else f"services.{name}.models").metadata
    await asyncio.to_thread(migrations.upgrade, name, settings)
    engine = create_engine(settings, name)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), metadata))
        assert differences == []
    finally:
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, name)}" CASCADE'))
        await engine.dispose()


def test_init_container_waits_for_the_migration_job(backend, tmp_path):
    """`yuqing wait-for-schema` (each Deployment's init container) gives up clearly on an
    unmigrated schema, and returns once the migration has run while it waits."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("YQ_")}, **backend.env(tmp_path, run_id())}
    settings = CoreSettings.from_env(env)
    command = [sys.executable, "-m", "yuqing.cli", "wait-for-schema", "grading", "--interval", "0.2"]
    try:
        gave_up = subprocess.run([*command, "--timeout", "1"], env=env, capture_output=True, text=True, timeout=60)
        assert gave_up.returncode == 1
        assert "has the migration Job run?" in gave_up.stderr and "waiting for the migration Job" in gave_up.stdout
        waiting = subprocess.Popen([*command, "--timeout", "60"], env=env, stdout=subprocess.PIPE, text=True)
        migrations.upgrade("grading", settings)
        assert waiting.wait(timeout=60) == 0
        assert f"schema at {migrations.head_revision('grading', settings)}" in waiting.stdout.read()
    finally:
        if settings.database_url:
            async def drop():
                engine = create_engine(settings, "grading")
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, "grading")}" CASCADE'))
                await engine.dispose()
            asyncio.run(drop())


async def test_pooled_connections_the_database_dropped_are_replaced(settings, monkeypatch):
    """One idle longer than the check interval is checked and replaced before use; one used a
    moment ago fails its statement once, after which the whole pool is fresh."""
    engine = create_engine(settings, "ingest")
    if engine.dialect.name != "postgresql":
        await engine.dispose()
        pytest.skip("SQLite has no server to drop connections")

    async def backend_pid(conn) -> int:
        return await conn.scalar(text("SELECT pg_backend_pid()"))

    async def drop_connection(pid: int) -> None:
        killer = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))   # outside the pool
        try:
            assert await killer.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)   # waits until gone
        finally:
            await killer.close()

    try:
        monkeypatch.setattr(db, "CHECK_AFTER_IDLE_SECONDS", 0.0)     # every checkout is "idle"
        async with engine.connect() as conn:
            first = await backend_pid(conn)
        await drop_connection(first)
        async with engine.connect() as conn:
            assert await backend_pid(conn) not in (first, None)

        monkeypatch.setattr(db, "CHECK_AFTER_IDLE_SECONDS", 3600.0)  # nothing is checked
        async with engine.connect() as conn:
            second = await backend_pid(conn)
        await drop_connection(second)
        with pytest.raises(DBAPIError) as caught:
            async with engine.connect() as conn:
                await backend_pid(conn)
        assert caught.value.connection_invalidated
        async with engine.connect() as conn:
            assert await backend_pid(conn) != second
    finally:
        await engine.dispose()
