"""Outbox → Redis Stream → idempotent consumer, against real databases and real Redis."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import redis.asyncio as aioredis
from opentelemetry import trace
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table, event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import counted, run_id
from yuqing.core.bus import (
    InboxPruner,
    Outbox,
    OutboxRelay,
    StreamConsumer,
    add_bus_tables,
    describe_message,
    stream_name,
)
from yuqing.core.db import (
    FEW_ROWS,
    MIN_ROWS_GIVEN_ONCE,
    Tokens,
    create_engine,
    driver_connection,
    fetch_rows,
    insert_rows,
    insert_tables,
    open_driver_pool,
    schema_name,
    service_metadata,
    session_factory,
    stage_rows,
    update_rows,
)
from yuqing.core.ports import free_port
from yuqing.core.redis import EmbeddedRedis, HiredisPackingConnection, client
from yuqing.core.settings import CoreSettings
from yuqing.ingest.v1 import ingest_pb2

metadata = service_metadata()
outbox_table, inbox_table = add_bus_tables(metadata)
effects = Table("effects", metadata, Column("item_id", String(32), primary_key=True))
parents = Table("parents", metadata, Column("parent_id", String(32), primary_key=True), Column("note", JSON))
keyed = Table("keyed", metadata, Column("key", BigInteger, primary_key=True, autoincrement=False),
              Column("owner", String(32), primary_key=True), Column("note", String(100)))
children = Table("children", metadata, Column("child_id", String(32), primary_key=True),
                 Column("parent_id", String(32), ForeignKey("parents.parent_id"), nullable=False))


@pytest.fixture
def bus_settings(backend, tmp_path) -> CoreSettings:
    return CoreSettings.from_env(backend.env(tmp_path, run_id()))


@pytest.fixture
async def bus(backend, tmp_path, bus_settings):
    settings = bus_settings
    engine = create_engine(settings, "bustest")
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema_name(settings, "bustest")}"'))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    embedded = None if backend.redis_url else EmbeddedRedis(tmp_path)
    redis = client(embedded.ensure() if embedded else backend.redis_url)   # as the services connect
    outbox = Outbox(outbox_table, settings.stream_prefix)
    yield engine, session_factory(engine), redis, outbox, stream_name(settings.stream_prefix, "items")
    await redis.delete(stream_name(settings.stream_prefix, "items"))
    await redis.aclose()
    if embedded:
        embedded.stop()
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema_name(settings, "bustest")}" CASCADE'))
    await engine.dispose()


@pytest.fixture
async def bus_driver_pool(bus, bus_settings):
    pool = await open_driver_pool(bus_settings, "bustest")
    if pool is None:
        pytest.skip("PostgreSQL only: on SQLite a service has no driver pool")
    yield pool
    await pool.close()


async def produce(sessions, outbox, item_id: str, fail: bool = False) -> None:
    async with sessions() as session, session.begin():
        await outbox.add(session, "items", ingest_pb2.ItemIngested(item_id=item_id, event_id="e"))
        if fail:
            raise RuntimeError("use case failed after writing its message")


def consumer(redis, sessions, stream, name: str, handler, **kwargs) -> StreamConsumer:
    return StreamConsumer(redis=redis, sessions=sessions, inbox=inbox_table, stream=stream, group="tests",
                          consumer=name, handler=handler, **kwargs)


async def record_effect(session, envelope):
    message = envelope.parse(ingest_pb2.ItemIngested)
    await session.execute(effects.insert().values(item_id=message.item_id))


async def effect_count(sessions) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(effects))).scalar_one()


async def run_until(condition, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_message_exists_only_when_its_transaction_commits(bus):
    engine, sessions, redis, outbox, stream = bus
    await produce(sessions, outbox, "committed")
    with pytest.raises(RuntimeError):
        await produce(sessions, outbox, "rolled-back", fail=True)
    assert await OutboxRelay(engine, redis, outbox).relay_once() == 1
    entries = await redis.xrange(stream)
    assert [ingest_pb2.ItemIngested.FromString(fields[b"payload"]).item_id for _, fields in entries] == ["committed"]
    assert await OutboxRelay(engine, redis, outbox).relay_once() == 0, "relayed rows must leave the outbox"


async def test_trace_context_travels_in_the_message(bus):
    from opentelemetry.sdk.trace import TracerProvider

    engine, sessions, redis, outbox, stream = bus
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("producer") as span:
        await produce(sessions, outbox, "traced")
        trace_id = format(span.get_span_context().trace_id, "032x")
    await OutboxRelay(engine, redis, outbox).relay_once()
    (_, fields), = await redis.xrange(stream)
    assert fields[b"traceparent"].decode().split("-")[1] == trace_id


async def test_messages_sharing_a_trace_context_are_processed_under_one_child_span_and_others_each_under_their_own(
        bus, monkeypatch):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from yuqing.core import bus as bus_module

    engine, sessions, redis, outbox, stream = bus
    finished = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(finished))
    monkeypatch.setattr(bus_module, "_tracer", provider.get_tracer("consumer"))
    producer = TracerProvider().get_tracer("producer")
    with producer.start_as_current_span("one request, three items") as request:
        async with sessions() as session, session.begin():
            for n in range(3):
                await outbox.add(session, "items", ingest_pb2.ItemIngested(item_id=f"together{n}"))
    with producer.start_as_current_span("another request") as other:
        await produce(sessions, outbox, "alone")
    await produce(sessions, outbox, "untraced")
    await OutboxRelay(engine, redis, outbox).relay_once()
    seen: list[tuple[str, int]] = []    # (item, span id it was handled under)

    async def handler(session, envelope):
        item_id = envelope.parse(ingest_pb2.ItemIngested).item_id
        seen.append((item_id, trace.get_current_span().get_span_context().span_id))
        describe_message(**{"yuqing.item_id": item_id})
        await record_effect(session, envelope)
    await run_until_drained(consumer(redis, sessions, stream, "tracer", handler, batch=10))

    spans = {span.context.span_id: span for span in finished.get_finished_spans()}
    assert [item for item, _ in seen] == ["together0", "together1", "together2", "alone", "untraced"]
    assert len({span_id for _, span_id in seen[:3]}) == 1 and len({span_id for _, span_id in seen}) == 3
    shared, alone, untraced = (spans[seen[n][1]] for n in (0, 3, 4))
    assert shared.parent.span_id == request.get_span_context().span_id
    assert shared.context.trace_id == request.get_span_context().trace_id
    assert shared.attributes["messaging.batch.message_count"] == 3 and "messaging.message.id" not in shared.attributes
    assert alone.parent.span_id == other.get_span_context().span_id and alone.attributes["messaging.message.id"]
    # What a handler says of its message goes on that message's own span, never on a shared one.
    assert "yuqing.item_id" not in shared.attributes and alone.attributes["yuqing.item_id"] == "alone"
    assert untraced.parent is None and untraced.attributes["messaging.destination.name"] == stream
    assert await effect_count(sessions) == 5


async def test_one_take_reaches_each_stream_in_commit_order_with_every_field_even_after_redis_forgot_scripts(bus):
    from opentelemetry.sdk.trace import TracerProvider

    engine, sessions, redis, outbox, stream = bus
    tracer = TracerProvider().get_tracer("test")
    streams = {"items": stream, "graded": stream_name(outbox.stream_prefix, "graded")}
    sent: dict[str, list[tuple[str, str, str]]] = {name: [] for name in streams}   # (message id, item, trace id)
    for n in range(7):
        name = "items" if n % 3 else "graded"
        async with sessions() as session, session.begin():
            if n % 2:   # a traced producer's message carries its context; an untraced one none
                with tracer.start_as_current_span("producer") as span:
                    message_id = await outbox.add(session, name, ingest_pb2.ItemIngested(item_id=f"i{n}"))
                    trace_id = format(span.get_span_context().trace_id, "032x")
            else:
                message_id, trace_id = await outbox.add(session, name, ingest_pb2.ItemIngested(item_id=f"i{n}")), ""
        sent[name].append((message_id, f"i{n}", trace_id))
    await redis.script_flush()   # as after a Redis restart: the relay loads its script again
    try:
        assert await OutboxRelay(engine, redis, outbox).relay_once() == 7
        for name, expected in sent.items():
            entries = [fields for _, fields in await redis.xrange(streams[name])]
            assert [(f[b"id"].decode(), ingest_pb2.ItemIngested.FromString(f[b"payload"]).item_id,
                     f[b"traceparent"].decode().split("-")[1] if b"traceparent" in f else "")
                    for f in entries] == expected
            assert {f[b"type"] for f in entries} == {b"yuqing.ingest.v1.ItemIngested"}
    finally:
        await redis.delete(streams["graded"])


async def test_a_relay_on_the_driver_pool_sends_what_committed_with_its_trace_and_keeps_it_while_redis_fails(
        bus, bus_driver_pool):
    from opentelemetry.sdk.trace import TracerProvider

    engine, sessions, redis, outbox, stream = bus
    with TracerProvider().get_tracer("test").start_as_current_span("producer") as span:
        await produce(sessions, outbox, "committed")
        trace_id = format(span.get_span_context().trace_id, "032x")
    unreachable = client(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(aioredis.ConnectionError):
        await OutboxRelay(engine, unreachable, outbox, driver_pool=bus_driver_pool).relay_once()
    await unreachable.aclose()
    relay = OutboxRelay(engine, redis, outbox, driver_pool=bus_driver_pool)
    assert await relay.relay_once() == 1, "a failed send must leave its rows in the outbox"
    (_, fields), = await redis.xrange(stream)
    assert ingest_pb2.ItemIngested.FromString(fields[b"payload"]).item_id == "committed"
    assert fields[b"traceparent"].decode().split("-")[1] == trace_id
    assert await relay.relay_once() == 0, "relayed rows must leave the outbox"


async def test_a_relay_sends_a_commit_after_a_quiet_spell_at_once_and_takes_a_busy_while_together(bus):
    engine, sessions, redis, outbox, stream = bus
    takes: list[int] = []

    class CountedRelay(OutboxRelay):
        async def relay_once(self) -> int:
            sent = await super().relay_once()
            if sent:
                takes.append(sent)
            return sent

    relay = CountedRelay(engine, redis, outbox, linger_ms=2_000, idle_poll_seconds=60)
    running = asyncio.create_task(relay.run())
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(0.2)   # the relay has looked once and waits
        started = loop.time()
        await produce(sessions, outbox, "after-quiet")
        outbox.notify()
        await run_until(lambda: _equals(redis.xlen(stream), 1))
        assert loop.time() - started < 1.5, "after a quiet spell a commit must not wait out the linger"
        for n in range(5):   # single items under load: a commit every few tens of ms, each notifying
            await produce(sessions, outbox, f"busy-{n}")
            outbox.notify()
            await asyncio.sleep(0.05)
        await run_until(lambda: _equals(redis.xlen(stream), 6))
        # The entries are on the stream before the take's deletions commit and it returns.
        async def taken_all() -> bool:
            return sum(takes) == 6
        await run_until(taken_all)
    finally:
        running.cancel()
    assert takes == [1, 5], "the commits of one busy while go in one take"
    ids = [ingest_pb2.ItemIngested.FromString(fields[b"payload"]).item_id for _, fields in await redis.xrange(stream)]
    assert ids == ["after-quiet", *(f"busy-{n}" for n in range(5))]


async def test_a_pooled_connection_the_server_dropped_is_not_handed_out_and_errors_read_as_sqlalchemys(
        bus, bus_driver_pool):
    engine, *_ = bus
    async with driver_connection(bus_driver_pool) as first, driver_connection(bus_driver_pool) as second:
        pids = {first.get_server_pid(), second.get_server_pid()}
    async with engine.connect() as admin:    # as a restart of the server does to every connection
        for pid in pids:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await asyncio.sleep(0.1)
    async with driver_connection(bus_driver_pool) as connection:
        assert await connection.fetchval("SELECT 1") == 1 and connection.get_server_pid() not in pids
    with pytest.raises(IntegrityError):      # run on the connection directly, in a transaction
        async with driver_connection(bus_driver_pool) as connection, connection.transaction():
            await connection.execute(f'INSERT INTO "{effects.name}" (item_id) VALUES ($1), ($1)', "twice")
    with pytest.raises(OperationalError):
        async with driver_connection(bus_driver_pool) as connection:
            await connection.execute("SELECT 1 / 0")
    assert await effect_count(bus[1]) == 0


async def test_redelivered_and_repeated_messages_take_effect_once(bus):
    engine, sessions, redis, outbox, stream = bus
    for item in ("a", "b", "c"):
        await produce(sessions, outbox, item)
    await OutboxRelay(engine, redis, outbox).relay_once()
    # The relay crashed after XADD and before deleting: the same messages are sent again.
    for _, fields in await redis.xrange(stream):
        await redis.xadd(stream, fields)
    worker = consumer(redis, sessions, stream, "w1", record_effect)
    await worker.ensure_group()
    # A consumer that read everything and died before acknowledging anything.
    await redis.xreadgroup("tests", "w1", {stream: ">"}, count=2)
    await run_until_drained(worker)  # the restarted replica, same consumer name
    assert await effect_count(sessions) == 3


async def test_entries_of_a_dead_consumer_are_claimed_by_another(bus):
    engine, sessions, redis, outbox, stream = bus
    await produce(sessions, outbox, "orphan")
    await OutboxRelay(engine, redis, outbox).relay_once()
    survivor = consumer(redis, sessions, stream, "survivor", record_effect, claim_idle_ms=200, block_ms=100)
    await survivor.ensure_group()
    await redis.xreadgroup("tests", "dead-replica", {stream: ">"})
    await asyncio.sleep(0.3)
    await run_until_drained(survivor)
    assert await effect_count(sessions) == 1


async def test_failed_effect_rolls_back_and_is_retried(bus):
    engine, sessions, redis, outbox, stream = bus
    await produce(sessions, outbox, "flaky")
    await OutboxRelay(engine, redis, outbox).relay_once()
    attempts = []

    async def flaky(session, envelope):
        await record_effect(session, envelope)
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database hiccup after the effect was written")

    await run_until_drained(consumer(redis, sessions, stream, "w", flaky, claim_idle_ms=100, block_ms=50))
    assert len(attempts) == 2
    assert await effect_count(sessions) == 1


async def run_until_drained(worker: StreamConsumer) -> None:
    """Run the consumer until its group has read every entry and acknowledged all of them."""
    async def drained() -> bool:
        try:
            pending = (await worker.redis.xpending(worker.stream, worker.group))["pending"]
            group, = [g for g in await worker.redis.xinfo_groups(worker.stream) if g["name"] == worker.group.encode()]
            last = (await worker.redis.xinfo_stream(worker.stream))["last-generated-id"]
        except aioredis.ResponseError:
            return False
        return pending == 0 and group["last-delivered-id"] == last

    task = asyncio.create_task(worker.run())
    try:
        await run_until(drained)
    finally:
        task.cancel()


class RecordingBatchHandler:
    """Reads once per batch, writes once per batch; remembers the batch sizes it saw."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    async def start(self, session, envelopes):
        self.batches.append(len(envelopes))
        return []

    async def handle(self, session, envelope, batch):
        batch.append({"item_id": envelope.parse(ingest_pb2.ItemIngested).item_id})

    async def finish(self, session, batch):
        await session.execute(effects.insert(), batch)


async def test_batch_handler_sees_each_message_once_even_when_redelivered_in_one_batch(bus):
    engine, sessions, redis, outbox, stream = bus
    for n in range(30):
        await produce(sessions, outbox, f"b{n}")
    await OutboxRelay(engine, redis, outbox).relay_once()
    # The same message id arriving twice in one read (a relay re-send after a crash).
    entries = (await redis.xrange(stream, count=1))
    await redis.xadd(stream, entries[0][1])
    handler = RecordingBatchHandler()
    worker = consumer(redis, sessions, stream, "batcher", handler, batch=100)
    await worker.ensure_group()
    task = asyncio.create_task(worker.run())
    await run_until(lambda: _equals(effect_count(sessions), 30))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert handler.batches == [30]
    assert (await redis.xpending(stream, "tests"))["pending"] == 0


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected


async def test_messages_the_handler_does_not_want_are_acknowledged_without_an_effect(bus):
    engine, sessions, redis, outbox, stream = bus
    for item in ("a", "skip-1", "b", "skip-2"):
        await produce(sessions, outbox, item)
    await OutboxRelay(engine, redis, outbox).relay_once()
    worker = consumer(redis, sessions, stream, "picky", record_effect,
                      wants=lambda envelope: not envelope.parse(ingest_pb2.ItemIngested).item_id.startswith("skip"))
    await worker.ensure_group()
    # A message nobody can read: the filter lets it through to fail the usual way.
    await redis.xadd(stream, {"id": "garbled", "type": ingest_pb2.ItemIngested.DESCRIPTOR.full_name,
                              "payload": b"\xff\xfe not protobuf"})
    task = asyncio.create_task(worker.run())
    await run_until(lambda: _equals(effect_count(sessions), 2))
    await asyncio.sleep(0.2)
    assert not task.done(), "the consumer must outlive an unreadable message"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with sessions() as session:
        assert set((await session.execute(select(effects.c.item_id))).scalars()) == {"a", "b"}
        assert (await session.execute(select(func.count()).select_from(inbox_table))).scalar_one() == 2
    assert (await redis.xpending(stream, "tests"))["pending"] == 1    # the garbled one, for retry


@pytest.mark.parametrize("linger_ms, gap, expected", [(600, 0.03, [1, 4]), (0, 0.03, [1, 1, 1, 1, 1]),
                                                       (100, 0.7, [1, 1, 1, 1, 1])])
async def test_a_batch_that_is_not_full_lingers_for_more_while_messages_keep_coming(bus, linger_ms, gap, expected):
    """Five messages `gap` apart: the first after a quiet spell goes at once; while messages keep
    coming the consumer waits for more (one transaction for the other four); not when they come
    rarely, nor with no linger."""
    engine, sessions, redis, outbox, stream = bus
    handler = RecordingBatchHandler()
    worker = consumer(redis, sessions, stream, "lingering", handler, linger_ms=linger_ms, block_ms=100)
    await worker.ensure_group()
    task = asyncio.create_task(worker.run())
    relay = OutboxRelay(engine, redis, outbox)
    for n in range(5):
        await produce(sessions, outbox, f"t{n}")
        await relay.relay_once()
        await asyncio.sleep(gap if n or not linger_ms else 0.2)   # the first batch is done before the second
    await run_until(lambda: _equals(effect_count(sessions), 5))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert handler.batches == expected


async def test_statements_sent_straight_to_the_driver_run_in_the_sessions_transaction_without_a_probe(bus):
    """On PostgreSQL the transaction is opened for the driver's statements without a statement
    of its own (`SELECT 1` once did it): BEGIN, the statement, and a rollback undoes it."""
    engine, sessions, redis, outbox, stream = bus
    if engine.dialect.name != "postgresql":
        pytest.skip("the driver is used directly on PostgreSQL only")
    sent: list[str] = []                        # what asyncpg ran
    through_sqlalchemy: list[str] = []          # what SQLAlchemy ran on the connection

    def record(conn, cursor, statement, parameters, context, executemany):
        through_sqlalchemy.append(statement)
    row = {"message_id": "undone", "stream": "s", "type": "t", "payload": b"\x01", "headers": {},
           "created_at": dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)}
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessions() as session:
            async with session.begin():
                raw = await (await session.connection()).get_raw_connection()
                raw.driver_connection.add_query_logger(lambda logged: sent.append(logged.query.strip().upper()))
                await insert_rows(session, outbox_table, [row])
                assert raw.driver_connection.is_in_transaction()
                assert through_sqlalchemy == []     # no statement of SQLAlchemy's opened it
                await session.rollback()
            stored = (await session.execute(select(func.count()).select_from(outbox_table))).scalar_one()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert stored == 0
    assert sent[0].startswith("BEGIN") and sent[1].startswith("INSERT")


@pytest.mark.parametrize("count", [3, FEW_ROWS + 30])
async def test_insert_rows_stores_each_value_as_given_and_a_conflict_stores_nothing(bus, count):
    """A few rows go as one prepared INSERT, more as COPY on PostgreSQL: same rows either way
    (JSON, bytes, aware times), and a duplicate key fails the whole call with IntegrityError."""
    engine, sessions, redis, outbox, stream = bus
    at = dt.datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=dt.UTC)
    rows = [{"message_id": f"m{n}", "stream": "s", "type": "t", "payload": bytes([n % 256, 0, 255]),
             "headers": {"traceparent": f"00-{n}", "键": "值"}, "created_at": at + dt.timedelta(seconds=n)}
            for n in range(count)]
    async with sessions() as session, session.begin():
        await insert_rows(session, outbox_table, rows)
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await insert_rows(session, outbox_table, [{**rows[0], "message_id": "fresh"}, rows[-1]])
    async with sessions() as session:
        stored = (await session.execute(select(outbox_table).order_by(outbox_table.c.seq))).mappings().all()
    assert [{k: r[k] for k in rows[0]} for r in stored] == rows


async def test_json_values_repeated_in_a_batch_are_stored_each_as_itself(bus):
    """A batch's JSON values repeat (one trace context for every message, empty lists): each
    object is encoded once, and every row still reads back its own value — through the one
    statement of insert_tables and through insert_rows' COPY alike."""
    engine, sessions, redis, outbox, stream = bus
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    shared, nested = {"traceparent": "00-ab-cd-01"}, {"列表": [1, {"深": None}], "空": []}
    headers = [shared, {}, shared, [], nested, {"traceparent": "00-ab-cd-01"}, shared, [], {}, None]
    ids = [f"m{n}" for n in range(len(headers))]
    columns = {"message_id": ids, "stream": ["s"] * len(ids), "type": ["t"] * len(ids),
               "payload": [b"x"] * len(ids), "headers": headers, "created_at": [at] * len(ids)}
    async with sessions() as session, session.begin():
        await insert_tables(session, [(outbox_table, columns, ("message_id",))])
    copied = [{"message_id": f"c{n}", "stream": "s", "type": "t", "payload": b"x", "headers": value, "created_at": at}
              for n, value in enumerate(headers * 10)]   # enough rows for COPY
    async with sessions() as session, session.begin():
        await insert_rows(session, outbox_table, copied)
    async with sessions() as session:
        stored = dict((await session.execute(select(outbox_table.c.message_id, outbox_table.c.headers))).all())
    assert [stored[i] for i in ids] == headers
    assert [stored[row["message_id"]] for row in copied] == headers * 10


async def test_insert_tables_stores_rows_in_the_given_order_and_a_conflict_stores_nothing(bus):
    """Column lists become rows inserted in `order_by` order (the outbox's sequence shows the
    order); a duplicate key fails the whole call with IntegrityError and stores nothing."""
    engine, sessions, redis, outbox, stream = bus
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    ids = ["m3", "m1", "m2"]
    columns = {"message_id": ids, "stream": ["s"] * 3, "type": ["乙", "甲", "丙"],
               "payload": [b"\x03", b"\x01", b"\x02"], "headers": [{"键": "值"}, {}, {"n": 2}], "created_at": [at] * 3}
    async with sessions() as session, session.begin():
        await insert_tables(session, [(outbox_table, columns, ("message_id",))])
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await insert_tables(session, [(outbox_table, {**columns, "message_id": ["fresh", "m1", "m9"]},
                                           ("message_id",))])
    async with sessions() as session:
        stored = (await session.execute(select(outbox_table.c.message_id, outbox_table.c.type, outbox_table.c.payload,
                                               outbox_table.c.headers, outbox_table.c.created_at)
                                        .order_by(outbox_table.c.seq))).all()
    assert [tuple(r) for r in stored] == [("m1", "甲", b"\x01", {}, at), ("m2", "丙", b"\x02", {"n": 2}, at),
                                          ("m3", "乙", b"\x03", {"键": "值"}, at)]


async def test_insert_tables_writes_parents_and_children_together_or_nothing(bus):
    """Several tables in one call (one statement on PostgreSQL): a child may come with its
    parent; a child whose parent is nowhere fails the call and leaves every table untouched."""
    engine, sessions, redis, outbox, stream = bus
    async with sessions() as session, session.begin():
        await insert_tables(session, [
            (parents, {"parent_id": ["p1", "p2"], "note": [{"县": "演示县"}, None]}, ()),
            (children, {"child_id": ["c2", "c1"], "parent_id": ["p2", "p1"]}, ("child_id",)),
            (effects, {"item_id": []}, ()),   # nothing for this table: left out
        ])
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await insert_tables(session, [(parents, {"parent_id": ["p3"], "note": [{}]}, ()),
                                          (children, {"child_id": ["c3"], "parent_id": ["nowhere"]}, ())])
    async with sessions() as session:
        stored_parents = (await session.execute(select(parents).order_by(parents.c.parent_id))).all()
        stored_children = (await session.execute(select(children).order_by(children.c.child_id))).all()
    assert [tuple(r) for r in stored_parents] == [("p1", {"县": "演示县"}), ("p2", None)]
    assert [tuple(r) for r in stored_children] == [("c1", "p1"), ("c2", "p2")]


@pytest.mark.parametrize("count", [3, MIN_ROWS_GIVEN_ONCE])
async def test_insert_tables_gives_a_value_shared_by_every_row_to_each_row(bus, count):
    """Columns with one value throughout (sent as that one value on PostgreSQL from
    MIN_ROWS_GIVEN_ONCE rows on, as arrays below) reach every row, JSON included; the order
    follows the columns that differ; rows equal in every column are still rows (here they
    collide on the key and nothing is stored)."""
    engine, sessions, redis, outbox, stream = bus
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    message_ids = [f"m{n:02}" for n in reversed(range(count))]
    async with sessions() as session, session.begin():
        await insert_tables(session, [
            (parents, {"parent_id": [f"p{n}" for n in range(count)], "note": [{"县": "演示县"}] * count}, ()),
            (outbox_table, {"message_id": message_ids, "stream": ["s"] * count, "type": ["t"] * count,
                            "payload": [b"\x01"] * count, "headers": [{}] * count, "created_at": [at] * count},
             ("stream", "message_id")),
        ])
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await insert_tables(session, [(effects, {"item_id": ["e1"] * count}, ())])
    async with sessions() as session:
        notes = (await session.execute(select(parents.c.note))).scalars().all()
        messages = (await session.execute(select(outbox_table.c.message_id, outbox_table.c.stream,
                                                 outbox_table.c.payload, outbox_table.c.created_at)
                                          .order_by(outbox_table.c.seq))).all()
        effects_stored = (await session.execute(select(func.count()).select_from(effects))).scalar_one()
    assert notes == [{"县": "演示县"}] * count
    assert [tuple(r) for r in messages] == [(m, "s", b"\x01", at) for m in sorted(message_ids)]
    assert effects_stored == 0


def test_small_batches_are_one_statement_whatever_their_columns_share():
    """Below MIN_ROWS_GIVEN_ONCE rows every column is an array: a few rows that happen to share
    a column's value do not make a statement of their own (prepared and planned anew)."""
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)

    def shape(count: int, same_stream: bool) -> tuple:
        columns = {"message_id": [f"m{n}" for n in range(count)],
                   "stream": ["s"] * count if same_stream else [f"s{n}" for n in range(count)],
                   "type": ["t"] * count, "payload": [b"\x01"] * count, "headers": [{}] * count,
                   "created_at": [at] * count}
        [staged] = stage_rows([(outbox_table, columns, ())], on_postgresql=True)
        return staged.shape

    assert shape(2, True) == shape(3, False) == shape(MIN_ROWS_GIVEN_ONCE - 1, True)
    assert shape(MIN_ROWS_GIVEN_ONCE, True) != shape(MIN_ROWS_GIVEN_ONCE, False)   # a big batch's shared values go once


async def test_insert_tables_stores_token_columns_value_for_value_beside_array_columns(bus):
    """Integers (the whole signed 64-bit range) and ids given as Tokens land as given, in the
    order asked for, beside a column given as a list; a conflict among them stores nothing."""
    engine, sessions, redis, outbox, stream = bus
    keys = [2**63 - 1, -(2**63), 0, -1, 42]
    owners = ["b" * 32, "a" * 32, "e3", "e3", "e3"]
    notes = ["甲,乙", None, "", "丙", "丁"]   # a plain column may hold commas and NULLs
    async with sessions() as session, session.begin():
        await insert_tables(session, [(keyed, {"key": Tokens(keys), "owner": Tokens(owners), "note": notes},
                                       ("key", "owner"))])
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await insert_tables(session, [(keyed, {"key": Tokens([7, 42]), "owner": Tokens(["x", "e3"]),
                                                   "note": ["n", "n"]}, ())])
    async with sessions() as session:
        stored = (await session.execute(select(keyed).order_by(keyed.c.key))).all()
    assert [tuple(r) for r in stored] == sorted(zip(keys, owners, notes))


async def test_inbox_rows_past_the_retention_are_pruned_and_recent_redeliveries_still_take_effect_once(bus):
    engine, sessions, redis, outbox, stream = bus
    now = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
    old = [{"consumer_group": "tests", "message_id": f"old{n}", "processed_at": now - dt.timedelta(days=31, minutes=n)}
           for n in range(25)]
    async with sessions() as session, session.begin():
        await session.execute(inbox_table.insert(), old)
    for item_id in ("kept-1", "kept-2"):
        await produce(sessions, outbox, item_id)
    await OutboxRelay(engine, redis, outbox).relay_once()
    seen = consumer(redis, sessions, stream, "c1", record_effect, block_ms=50)
    await seen.ensure_group()
    entries = await seen._read(10, None)
    await seen.process(entries)
    assert await effect_count(sessions) == 2

    pruner = InboxPruner(engine, inbox_table, retention=dt.timedelta(days=30), chunk=10, clock=lambda: now)
    assert await pruner.prune_once() == 25        # three chunks: 10, 10, 5
    assert await pruner.prune_once() == 0
    async with sessions() as session:
        left = set((await session.execute(select(inbox_table.c.message_id))).scalars())
    assert len(left) == 2 and not any(m.startswith("old") for m in left)
    await seen.process(entries)                   # the same entries delivered again
    assert await effect_count(sessions) == 2


async def test_update_rows_sets_each_named_row_and_leaves_the_others(bus):
    """Rows matched on a column that several stored rows share all take the values (JSON and
    time included); rows not named keep theirs; a row naming nothing stored changes nothing."""
    engine, sessions, redis, outbox, stream = bus
    at, later = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, 3, 15, tzinfo=dt.UTC)
    async with sessions() as session, session.begin():
        await insert_tables(session, [(outbox_table, {
            "message_id": ["m1", "m2", "m3", "m4"], "stream": ["甲", "甲", "乙", "丙"], "type": ["t"] * 4,
            "payload": [b"\x01"] * 4, "headers": [{}] * 4, "created_at": [at] * 4}, ())])
    async with sessions() as session, session.begin():
        await update_rows(session, outbox_table, "stream", [
            {"stream": "甲", "type": "新", "headers": {"键": "值"}, "created_at": later},
            {"stream": "丙", "type": "改", "headers": {"n": [1, 2]}, "created_at": later},
            {"stream": "无", "type": "x", "headers": {}, "created_at": later}])
    async with sessions() as session:
        stored = (await session.execute(select(outbox_table.c.message_id, outbox_table.c.type, outbox_table.c.headers,
                                               outbox_table.c.created_at).order_by(outbox_table.c.message_id))).all()
    assert [tuple(r) for r in stored] == [("m1", "新", {"键": "值"}, later), ("m2", "新", {"键": "值"}, later),
                                          ("m3", "t", {}, at), ("m4", "改", {"n": [1, 2]}, later)]


async def test_statements_on_a_pooled_connection_see_each_commit_and_run_outside_a_transaction(
        bus, bus_driver_pool):
    """Ingest decides from statements on a driver-pool connection outside a transaction: each
    runs in a transaction of its own (no BEGIN or ROLLBACK is sent), so a commit between two of
    them shows in the second."""
    engine, sessions, redis, outbox, stream = bus
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    count = f'SELECT count(*) FROM "{outbox_table.name}"'
    async with driver_connection(bus_driver_pool) as connection:
        before = (await fetch_rows(connection, count))[0][0]
        async with sessions() as writer, writer.begin():
            await insert_tables(writer, [(outbox_table, {"message_id": ["r1"], "stream": ["s"], "type": ["t"],
                                                         "payload": [b""], "headers": [{}], "created_at": [at]}, ())])
        assert (await fetch_rows(connection, count))[0][0] == before + 1
        first, second = [await connection.fetchval("SELECT pg_current_xact_id()::text") for _ in range(2)]
        assert first != second                        # each statement its own transaction


async def test_the_services_redis_client_packs_with_hiredis_and_round_trips_any_text_and_bytes(bus):
    engine, sessions, redis, outbox, stream = bus
    assert redis.connection_pool.connection_class is HiredisPackingConnection
    fields = {"文本": "县融媒体中心：「说明」", "payload": b"\x00\xff\r\n*3", "n": 42}
    message_id = await redis.xadd(stream, fields, maxlen=1000, approximate=True)
    [(read_id, read)] = await redis.xrange(stream, message_id, message_id)
    assert read == {"文本".encode(): "县融媒体中心：「说明」".encode(), b"payload": b"\x00\xff\r\n*3", b"n": b"42"}
    # The same bytes on the wire as redis-py's own packer.
    for command in [("XADD", stream, "MAXLEN", "~", 1000, "*", *(part for pair in fields.items() for part in pair)),
                    ("SET", "键", 1.5), ("CLIENT SETNAME", "ingest")]:
        assert b"".join(HiredisPackingConnection().pack_command(*command)) == \
            b"".join(aioredis.Connection().pack_command(*command))


class RivalledBatchHandler:
    """Like grading with a new event: reads which rows its messages need exist, and creates the
    missing ones when the batch finishes. Before the first batch writes them, another replica
    commits one of them (the same new event graded at the same moment)."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.batches: list[int] = []

    async def start(self, session, envelopes):
        self.batches.append(len(envelopes))
        wanted = [e.parse(ingest_pb2.ItemIngested).item_id for e in envelopes]
        stored = set((await session.execute(select(parents.c.parent_id).where(parents.c.parent_id.in_(wanted)))).scalars())
        return {"stored": stored, "new": []}

    async def handle(self, session, envelope, batch):
        item_id = envelope.parse(ingest_pb2.ItemIngested).item_id
        if item_id not in batch["stored"]:
            batch["new"].append({"parent_id": item_id, "note": {"by": "consumer"}})

    async def finish(self, session, batch):
        if len(self.batches) == 1:
            async with self.sessions() as rival, rival.begin():
                await rival.execute(parents.insert().values(parent_id=batch["new"][0]["parent_id"], note={"by": "rival"}))
        if batch["new"]:
            await session.execute(parents.insert(), batch["new"])


async def test_a_batch_another_replica_got_in_the_way_of_runs_again_whole_and_takes_effect_once(bus):
    """Another transaction commits a row the batch then inserts too: the unique key fails the
    batch, which is run again whole — it now reads that row — instead of one message at a time."""
    engine, sessions, redis, outbox, stream = bus
    if engine.dialect.name != "postgresql":
        pytest.skip("replicas share a PostgreSQL database (SQLite is the single-process local run)")
    for n in range(10):
        await produce(sessions, outbox, f"r{n}")
    await OutboxRelay(engine, redis, outbox).relay_once()
    retries = "yuqing_stream_batch_retries_total"
    conflicts = counted(retries, stream=stream, group="tests", cause="conflict")
    splits = counted(retries, stream=stream, group="tests", cause="split")
    handler = RivalledBatchHandler(sessions)
    await run_until_drained(consumer(redis, sessions, stream, "rivalled", handler, batch=100))
    assert handler.batches == [10, 10]
    assert counted(retries, stream=stream, group="tests", cause="conflict") == conflicts + 1
    assert counted(retries, stream=stream, group="tests", cause="split") == splits
    async with sessions() as session:
        notes = dict((await session.execute(select(parents.c.parent_id, parents.c.note))).all())
    assert notes == {"r0": {"by": "rival"}, **{f"r{n}": {"by": "consumer"} for n in range(1, 10)}}
