"""Alembic per service: each service's migrations live in services/<name>/migrations and
touch only that service's database (SQLite file or PostgreSQL schema).

Migrations run as a step before a service starts (`yuqing migrate`, a Job in k8s); a service
refuses to start against a schema that is not at its head revision.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.ext.asyncio import AsyncEngine

from yuqing.core.db import create_engine, schema_name
from yuqing.core.settings import CoreSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSION_TABLE = "alembic_version"


def migrations_dir(service: str) -> Path:
    base = REPO_ROOT / "gateway" if service == "gateway" else REPO_ROOT / "services" / service
    return base / "migrations"


def alembic_config(service: str, settings: CoreSettings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(service)))
    config.attributes["service"] = service
    config.attributes["settings"] = settings
    return config


def upgrade(service: str, settings: CoreSettings, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, settings), revision)


def head_revision(service: str, settings: CoreSettings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(service, settings)).get_current_head()


def knows_revision(service: str, settings: CoreSettings, revision: str) -> bool:
    """Whether this code's migrations include the revision (False: the database is newer)."""
    return any(script.revision == revision
               for script in ScriptDirectory.from_config(alembic_config(service, settings)).walk_revisions())


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def require_current_schema(engine: AsyncEngine, service: str, settings: CoreSettings) -> None:
    """Stop a service that would run against a schema older or newer than its code."""
    current, head = await current_revision(engine), head_revision(service, settings)
    if current != head:
        raise SystemExit(
            f"{service}: database schema is at revision {current or 'none'}, the code needs {head}; "
            f"run `yuqing migrate` first"
        )


def run_env(metadata: MetaData) -> None:
    """Body of every service's alembic env.py."""
    from alembic import context

    config = context.config
    service = config.attributes["service"]
    settings = config.attributes.get("settings") or CoreSettings()
    engine = create_engine(settings, service, poolclass=pool.NullPool)
    schema = schema_name(settings, service) if engine.dialect.name == "postgresql" else None

    def migrate(connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=VERSION_TABLE,
            version_table_schema=schema,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        if schema:
            async with engine.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        async with engine.connect() as conn:
            await conn.run_sync(migrate)
            await conn.commit()
        await engine.dispose()

    asyncio.run(online())
