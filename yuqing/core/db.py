"""Async SQLAlchemy: one database per service — a SQLite file under YQ_DATA_DIR by default,
or a PostgreSQL schema of its own when YQ_DATABASE_URL points at PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import operator
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import JSON, DateTime, MetaData, Table, TypeDecorator, bindparam, event, exists, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from uuid_utils import uuid7

from yuqing.core.settings import CoreSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use timezone-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def orphans(child, parent):
    """A count of the rows whose `child` column's value names no row by the `parent` column:
    for the references the schema leaves unenforced on the hottest child tables
    (docs/operations.md, "Child rows without foreign keys"), checked after the fact."""
    return select(func.count()).select_from(child.table).where(~exists().where(parent == child))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A UUIDv7's 32 hex digits: a millisecond timestamp first, then 74 random and counter bits,
    increasing within a process. New rows' keys go to the right edge of each index on them
    instead of a random page: inserting 24,000 rows into a 100,000-row table with two such
    keys took 149 instead of 256 ms and wrote 9.5 instead of 21 MB of WAL (fewer pages
    touched, fewer full-page images after a checkpoint). Not a secret: never a token."""
    return uuid7().hex


def schema_name(settings: CoreSettings, service: str) -> str:
    return f"{settings.database_schema_prefix}{service}"


def database_url(settings: CoreSettings, service: str) -> URL:
    if not settings.database_url:
        path = Path(settings.data_dir).resolve() / f"{service}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return make_url(f"sqlite+aiosqlite:///{path}")
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+asyncpg")
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    raise ValueError(f"YQ_DATABASE_URL: unsupported database {url.get_backend_name()!r} (postgresql or sqlite)")


# Up to this many rows are inserted with a prepared statement rather than COPY.
FEW_ROWS = 20
# A pooled connection unused for longer than this is checked before it is handed out.
CHECK_AFTER_IDLE_SECONDS = 1.0


def _check_idle_connections(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling at one round trip, and only where it can matter.
    (pool_pre_ping costs three — BEGIN, ping, ROLLBACK — at every checkout, which doubled the
    round trips of a small transaction.) A connection that worked a moment ago is trusted: if
    the database restarted meanwhile, that one statement fails and SQLAlchemy, seeing the
    disconnect, replaces every pooled connection."""
    pool_events = engine.sync_engine.pool

    @event.listens_for(pool_events, "connect")
    @event.listens_for(pool_events, "checkin")
    def _mark_used(_dbapi_connection, record) -> None:
        record.info["used_at"] = time.monotonic()

    @event.listens_for(pool_events, "checkout")
    def _check(_dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("used_at", 0.0) < CHECK_AFTER_IDLE_SECONDS:
            return
        try:
            await_only(record.driver_connection.execute("SELECT 1"))
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            raise DisconnectionError(f"pooled connection unusable: {error}") from error


# asyncpg keeps a connection's prepared statements, and PostgreSQL each one's generic plan,
# until the statement leaves the cache. A plan made while a table was nearly empty joins a
# batch to it by reading the whole table, and nothing replans it before autovacuum's first
# ANALYZE (a minute or more): on a young schema — a fresh install importing its backlog, every
# benchmark — each update of a stored event read every event (1,700 sequential scans on a 30 s
# run at 200 items/s, growing with the table). Prepared again after this long, a statement's
# plan follows the table as it grows; the cost is one more round trip per statement and
# connection in that time.
STATEMENT_LIFETIME_SECONDS = 10


def create_engine(settings: CoreSettings, service: str, **kwargs) -> AsyncEngine:
    url = database_url(settings, service)
    if url.get_backend_name() == "postgresql":
        schema = schema_name(settings, service)
        pooling = {} if "poolclass" in kwargs else {"pool_size": 10, "max_overflow": 10}
        engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema},
                                                        "max_cached_statement_lifetime": STATEMENT_LIFETIME_SECONDS},
                                     **pooling, **kwargs)
        _check_idle_connections(engine)
        return engine
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy's "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # SQLite: BEGIN IMMEDIATE so concurrent writers queue on the lock instead of failing.
    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def _same_codecs_as_sqlalchemy(connection: asyncpg.Connection) -> None:
    """JSON as SQLAlchemy's asyncpg dialect sets it up: sent as text the caller encoded
    (`_for_driver`), read back decoded; so a row reads alike from either pool."""
    await connection.set_type_codec("json", encoder=str.encode, decoder=lambda data: json.loads(data.decode()),
                                    schema="pg_catalog", format="binary")
    await connection.set_type_codec("jsonb", encoder=lambda text: b"\x01" + text.encode(),
                                    decoder=lambda data: json.loads(data[1:].decode()), schema="pg_catalog",
                                    format="binary")


async def _keep_session_state(_connection: asyncpg.Connection) -> None:
    """Nothing to reset on release: the pool's statements set no session state (asyncpg's
    default reset is a round trip per release)."""


async def open_driver_pool(settings: CoreSettings, service: str, min_size: int = 4,
                           max_size: int = 10) -> asyncpg.Pool | None:
    """PostgreSQL: asyncpg connections to the service's schema for its hottest statements,
    taken without a SQLAlchemy session: a session's checkout, bookkeeping and close cost more
    CPU than a small statement itself (≈ 0.25 against 0.07 ms). None on SQLite.
    min_size connections are opened at start: ingest reads a batch on three at once while
    writing the one before on a fourth, and a connection opened under load (connect, codecs,
    the statements prepared again) cost batch ingest ≈ 4 % of its CPU in a 20-batch run."""
    url = database_url(settings, service)
    if url.get_backend_name() != "postgresql":
        return None
    return await asyncpg.create_pool(
        url.set(drivername="postgresql").render_as_string(hide_password=False), min_size=min_size, max_size=max_size,
        server_settings={"search_path": schema_name(settings, service)}, init=_same_codecs_as_sqlalchemy,
        reset=_keep_session_state, max_cached_statement_lifetime=STATEMENT_LIFETIME_SECONDS)


@contextlib.asynccontextmanager
async def driver_connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection of a driver pool (asyncpg replaces one the server closed before handing it
    out). Errors of the driver — a transaction's BEGIN or COMMIT included — come out as the ones
    SQLAlchemy raises, so callers' retry rules see them alike."""
    with _driver_errors("connect"):
        connection = await pool.acquire()
    try:
        with _driver_errors("on a pooled connection"):
            yield connection
    finally:
        await pool.release(connection)


def dict_rows(result) -> list[dict]:
    """Rows as plain dicts, built from the column names once: several times faster than
    `dict(mapping)` per row when a report reads tens of thousands of them."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


# Where the raw helpers below run: a session or connection (inside its transaction), or a
# connection of a driver pool as it is.
Database = AsyncSession | AsyncConnection | asyncpg.Connection


async def _driver(session: Database):
    """The asyncpg connection under a session or connection, inside its transaction."""
    if isinstance(session, asyncpg.Connection):
        return session
    connection = await session.connection() if isinstance(session, AsyncSession) else session
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    autocommit = connection.sync_connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if not driver.is_in_transaction() and not autocommit:
        await _open_transaction(raw.dbapi_connection, connection)
    return driver


async def _open_transaction(adapter, connection: AsyncConnection) -> None:
    """SQLAlchemy's asyncpg adapter opens its transaction with the first statement it runs;
    ours must run inside it. Opening it directly (the adapter's own, private, method) saves a
    round trip per transaction — a `SELECT 1` did it before, and still does should a SQLAlchemy
    version lack that method."""
    start = getattr(adapter, "_start_transaction", None)
    mutex = getattr(adapter, "_execute_mutex", None)
    if start is None or mutex is None or getattr(adapter, "_transaction", False) is not None:
        await connection.exec_driver_sql("SELECT 1")
        return
    try:
        async with mutex:
            if adapter._transaction is None:
                await start()
    except Exception as error:
        raise OperationalError("BEGIN", None, error) from error


# PostgreSQL's codes for a unique key another transaction committed first, a deadlock and a
# serialization failure.
_WRITE_CONFLICT_CODES = frozenset({"23505", "40P01", "40001"})


def is_write_conflict(error: BaseException) -> bool:
    """Whether `error` is a failure another transaction caused by writing the same rows at the
    same moment (two replicas creating one event's row, a deadlock, SQLite's lock): the same
    work, read and written again, gets past it. Other failures would fail again."""
    cause = getattr(error, "orig", None) or error
    if (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) in _WRITE_CONFLICT_CODES:
        return True
    text = str(cause).lower()
    return any(sign in text for sign in ("deadlock", "could not serialize", "database is locked",
                                         "unique constraint failed"))


@contextlib.contextmanager
def _driver_errors(statement: str) -> Iterator[None]:
    """asyncpg's errors as the ones SQLAlchemy would have raised, so callers' retry rules see them alike."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(statement, None, error) from error
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
        raise OperationalError(statement, None, error) from error


async def fetch_rows(session: Database, query: str, *arguments) -> list:
    """PostgreSQL only: rows of a hot query straight from asyncpg (records index like tuples),
    skipping SQLAlchemy's per-row result processing; $1, $2 … are the arguments."""
    with _driver_errors(query):
        return await (await _driver(session)).fetch(query, *arguments)


@functools.lru_cache(maxsize=256)
def _insert_statement(table_name: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{column}"' for column in columns)
    placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    return f'INSERT INTO "{table_name}" ({names}) VALUES ({placeholders})'


def as_columns(rows: list[dict]) -> dict[str, list]:
    """Rows (dicts with the same keys) as one list per column."""
    if not rows:
        return {}
    names = list(rows[0])
    if len(names) == 1:
        return {names[0]: [row[names[0]] for row in rows]}
    return dict(zip(names, map(list, zip(*map(operator.itemgetter(*names), rows))), strict=True))


def is_postgresql(session: Database) -> bool:
    return isinstance(session, asyncpg.Connection) or session.bind.dialect.name == "postgresql"


def _pg_type(table: Table, column: str) -> str:
    return table.c[column].type.compile(dialect=postgresql.dialect())


@functools.lru_cache(maxsize=1024)
def _is_json(table: Table, column: str) -> bool:
    # Cached: a batch's insert asks ≈ 60 times, and a column lookup on a Table costs more than this.
    return isinstance(table.c[column].type, JSON)


def _json_texts(values: list) -> list[str]:
    """The JSON text of each value. A batch repeats a few values many times — empty lists and
    objects, the one trace context of all its messages — so each object is encoded once (the
    list holds every value alive meanwhile, so no two of them share an id)."""
    texts: dict[int, str] = {}
    encoded = []
    for value in values:
        text = texts.get(id(value))
        if text is None:
            text = texts[id(value)] = "[]" if value == [] else "{}" if value == {} else json.dumps(value)
        encoded.append(text)
    return encoded


def _for_driver(table: Table, column: str, values: list) -> list:
    """A column's values as asyncpg takes them: JSON encoded here (the driver bypasses
    SQLAlchemy's types)."""
    return _json_texts(values) if _is_json(table, column) else values


class Tokens(list):
    """A column's values that need no quoting — integers, or text without commas such as ids —
    and are never NULL nor empty text. insert_tables sends them as one comma-joined text that
    PostgreSQL splits: the driver encodes an array element by element with type checks on each,
    which for a batch's ≈ 11,000 event keys × 3 columns cost ingest ≈ 6 ms of CPU, the join
    ≈ 1 ms."""


# A table, its rows column by column (equal-length lists), and the columns they are inserted
# in order of (empty: as given).
TableRows = tuple[Table, dict[str, list], tuple[str, ...]]
_ONE, _ARRAY, _TOKENS = "one", "array", "tokens"   # how a column's values are given
# A column with one value in every row is given once only from this many rows on. Each set of
# such columns is a statement of its own, prepared and planned on first use per connection;
# a few single items grouped together made a new set in one insert in ten (≈ 6 a second at
# 200 items/s), while encoding a handful of rows' arrays costs next to nothing.
MIN_ROWS_GIVEN_ONCE = 32


@functools.lru_cache(maxsize=64)
def _tables_insert_statement(shape: tuple[tuple[Table, tuple[tuple[str, str], ...], tuple[str, ...]], ...]) -> str:
    """INSERT … SELECT FROM unnest(one array per column) per table; all but the last as
    data-modifying WITH parts of one statement. shape: per table, its columns in parameter
    order, each with how its values are given: one value for every row, an array, or Tokens."""
    inserts, number = [], 1
    for table, columns, order_by in shape:
        names = ", ".join(f'"{column}"' for column, _ in columns)
        arrays, given, selected = [], [], []
        for column, given_as in columns:
            sql_type = _pg_type(table, column)
            if given_as == _ONE:
                selected.append(f"${number}::{sql_type}")
            else:
                arrays.append(f"string_to_array(${number}::text, ',')::{sql_type}[]" if given_as == _TOKENS
                              else f"${number}::{sql_type}[]")
                given.append(f'"{column}"')
                selected.append(f'given."{column}"')
            number += 1
        order = " ORDER BY " + ", ".join(f'"{column}"' for column in order_by) if order_by else ""
        inserts.append(f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(selected)} '
                       f'FROM unnest({", ".join(arrays)}) AS given({", ".join(given)}){order}')
    if len(inserts) == 1:
        return inserts[0]
    return "WITH " + ", ".join(f"written_{n} AS ({sql})" for n, sql in enumerate(inserts[:-1])) + " " + inserts[-1]


def _same_throughout(values: list) -> bool:
    return values[0] == values[-1] and values.count(values[0]) == len(values)


@dataclass(frozen=True)
class StagedRows:
    """A table's rows made ready to insert (stage_rows) before the transaction that inserts
    them begins: on PostgreSQL its part of the statement's shape and its arguments, JSON
    encoded and joined; on SQLite the rows themselves."""

    table: Table
    columns: dict[str, list]
    order_by: tuple[str, ...]
    shape: tuple | None = None            # PostgreSQL: (table, columns as given, order by)
    arguments: tuple = ()                 # PostgreSQL: the values of its parameters


def stage_rows(writes: list[TableRows], on_postgresql: bool) -> list[StagedRows]:
    """TableRows (tables without rows left out) as insert_staged takes them. Staged ahead, a
    batch's preparation (≈ 5 ms for a thousand items) is not part of its transaction."""
    staged = []
    for table, columns, order_by in writes:
        if not columns or not next(iter(columns.values())):
            continue
        if not on_postgresql:
            staged.append(StagedRows(table, columns, order_by))
            continue
        values = [_for_driver(table, name, v) for name, v in columns.items()]
        same = [len(v) >= MIN_ROWS_GIVEN_ONCE and _same_throughout(v) for v in values]
        if all(same):   # unnest needs one array
            same[0] = False
        given_as = [_ONE if one else _TOKENS if isinstance(v, Tokens) else _ARRAY for v, one in zip(values, same)]
        arguments = tuple(v[0] if how == _ONE else ",".join(map(str, v)) if how == _TOKENS else v
                          for v, how in zip(values, given_as))
        constant = {name for name, how in zip(columns, given_as) if how == _ONE}
        shape = (table, tuple(zip(columns, given_as)), tuple(c for c in order_by if c not in constant))
        staged.append(StagedRows(table, columns, order_by, shape, arguments))
    return staged


async def insert_tables(session: Database, writes: list[TableRows]) -> None:
    """Rows for several tables, given column by column, within the session's transaction.
    PostgreSQL: one statement for all of them — one round trip, no tuple or dict per row
    built in Python, the server sorts; foreign keys are checked when the statement ends, so
    a child may come with its parent. A column with one value in every row (a batch's
    timestamps, empty fields) is sent as that one value from MIN_ROWS_GIVEN_ONCE rows on: the
    driver encodes arrays element by element. JSON columns are encoded here. SQLite: an
    executemany per table, in the order given (parents first)."""
    await insert_staged(session, stage_rows(writes, is_postgresql(session)))


async def insert_staged(session: Database, staged: list[StagedRows]) -> None:
    """insert_tables of rows staged before (all staged for the session's database)."""
    if not staged:
        return
    if not is_postgresql(session):
        for part in staged:
            rows = [dict(zip(part.columns, values, strict=True)) for values in zip(*part.columns.values(), strict=True)]
            if part.order_by:
                rows.sort(key=operator.itemgetter(*part.order_by))
            await session.execute(part.table.insert(), rows)
        return
    statement = _tables_insert_statement(tuple(part.shape for part in staged))
    driver = await _driver(session)
    with _driver_errors("INSERT INTO " + ", ".join(part.table.name for part in staged)):
        await driver.execute(statement, *(argument for part in staged for argument in part.arguments))


@functools.lru_cache(maxsize=32)
def _update_statement(table: Table, key: str, columns: tuple[str, ...]) -> str:
    """UPDATE … FROM unnest(one array per column): rows matched on `key` take the other columns."""
    arrays = ", ".join(f"${n}::{_pg_type(table, column)}[]" for n, column in enumerate((key, *columns), start=1))
    given = ", ".join(f'"{column}"' for column in (key, *columns))
    assigned = ", ".join(f'"{column}" = given."{column}"' for column in columns)
    return (f'UPDATE "{table.name}" SET {assigned} FROM unnest({arrays}) AS given({given}) '
            f'WHERE "{table.name}"."{key}" = given."{key}"')


async def update_rows(session: Database, table: Table, key: str, rows: list[dict]) -> None:
    """Each row (dicts with the same keys, each `key` value once) updates the stored rows whose
    `key` column it names. PostgreSQL: one statement for all of them, column by column; SQLite:
    an executemany."""
    if not rows:
        return
    columns = tuple(name for name in rows[0] if name != key)
    if not is_postgresql(session):
        await session.execute(
            update(table).where(table.c[key] == bindparam(f"given_{key}"))
            .values(**{column: bindparam(f"given_{column}") for column in columns})
            .execution_options(synchronize_session=False),
            [{f"given_{name}": value for name, value in row.items()} for row in rows])
        return
    arguments = [_for_driver(table, name, [row[name] for row in rows]) for name in (key, *columns)]
    driver = await _driver(session)
    with _driver_errors(f"UPDATE {table.name}"):
        await driver.execute(_update_statement(table, key, columns), *arguments)


async def insert_rows(session: Database, table: Table, rows: list[dict]) -> None:
    """Many rows into one table within the session's transaction. PostgreSQL: binary COPY, so
    no SQL is built, sent or parsed per row; a few rows go as one pipelined prepared INSERT
    instead (one round trip where COPY takes two). Every row must carry the same keys; JSON
    columns are encoded here because both bypass SQLAlchemy's types. SQLite: executemany."""
    if not rows:
        return
    if not is_postgresql(session):
        await session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    values_of = operator.itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    records = [values_of(row) for row in rows]
    json_positions = [n for n, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    if json_positions:
        records = [list(record) for record in records]
        for record in records:
            for n in json_positions:
                record[n] = json.dumps(record[n])
    driver = await _driver(session)
    with _driver_errors(f"INSERT INTO {table.name}"):
        if len(records) <= FEW_ROWS:
            await driver.executemany(_insert_statement(table.name, tuple(columns)), records)
        else:
            await driver.copy_records_to_table(table.name, columns=columns, records=records)
