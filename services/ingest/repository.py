"""SQL for ingest's tables. Batch-shaped: one query per kind of lookup for a whole batch."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Table, and_, bindparam, delete, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from services.ingest import models
from services.ingest.matching import Place, Topic, WordList
from yuqing.core.db import (
    Database,
    StagedRows,
    Tokens,
    UtcDateTime,
    as_columns,
    fetch_rows,
    insert_staged,
    is_postgresql,
    new_id,
    stage_rows,
    update_rows,
)
from yuqing.core.metrics import METRIC_FIELDS, Metrics

# Bound parameters per statement stay well under SQLite's and asyncpg's limits.
CHUNK = 2_000
# Up to this many event keys are looked up one index probe each (see event_key_rows).
PROBED_KEYS = 1_000
MATCHING_CONFIG = "matching"


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _item_figures(given: str) -> str:
    """SET clause: a stored item's newest figures and its count of snapshots; `given` prefixes
    the batch's values (`given.` from unnest on PostgreSQL, `:` bound per row on SQLite)."""
    return (f"snapshot_count = items.snapshot_count + {given}snapshots, "
            + ", ".join(f"{f} = {given}{f}" for f in METRIC_FIELDS))


def _event_increments(given: str, now: str, greatest: str, least: str) -> str:
    """SET clause: a batch's increments to a stored event, changed at `now` (see _item_figures
    for `given`)."""
    return (", ".join(f"{f} = events.{f} + {given}{f}" for f in METRIC_FIELDS[:4])
            + f", mainstream_sites = {greatest}(events.mainstream_sites, {given}mainstream_sites)"
            f", item_count = events.item_count + {given}item_count"
            f", discovered_at = {least}(events.discovered_at, {given}discovered_at), updated_at = {now}"
            # An empty hint leaves the locality as it is; a hint fills an empty locality only.
            f", locality = coalesce(nullif(events.locality, ''), nullif({given}locality, ''), '')")


_ITEM_FIGURE_FIELDS = ("item_id", "snapshots", *METRIC_FIELDS)
_EVENT_CHANGE_FIELDS = ("event_id", *METRIC_FIELDS, "item_count", "discovered_at", "locality")
# One statement per batch on PostgreSQL (an executemany runs one UPDATE per row).
_UPDATE_ITEM_FIGURES = (
    "UPDATE items SET " + _item_figures("given.")
    + " FROM unnest($1::varchar[], $2::int[], " + ", ".join(f"${n}::bigint[]" for n in range(3, 8))
    + ") AS given(" + ", ".join(_ITEM_FIGURE_FIELDS) + ") WHERE items.item_id = given.item_id")
# $1 is the time of the change; the events are returned as the increments leave them.
_APPLY_EVENT_CHANGES = (
    "UPDATE events SET " + _event_increments("given.", "$1", "greatest", "least")
    + " FROM unnest($2::varchar[], " + ", ".join(f"${n}::bigint[]" for n in range(3, 8))
    + ", $8::int[], $9::timestamptz[], $10::varchar[]) AS given(" + ", ".join(_EVENT_CHANGE_FIELDS) + ")"
    " WHERE events.event_id = given.event_id RETURNING events.*")
_SQLITE_ITEM_FIGURES = text("UPDATE items SET " + _item_figures(":") + " WHERE item_id = :item_id")
_SQLITE_EVENT_CHANGES = text(
    "UPDATE events SET " + _event_increments(":", ":updated_at", "max", "min") + " WHERE event_id = :event_id"
).bindparams(bindparam("discovered_at", type_=UtcDateTime), bindparam("updated_at", type_=UtcDateTime))


# What a batch is decided from needs of a stored item: its id, event, unique keys and figures.
_KNOWN_COLUMNS = ("item_id", "event_id", "canonical_url", "source", "source_item_id", *METRIC_FIELDS)
_KNOWN = ", ".join(f"found.{c}" for c in _KNOWN_COLUMNS)
_KNOWN_BY_URL = ("FROM unnest({urls}::varchar[]) AS wanted(url) CROSS JOIN LATERAL "
                 "(SELECT * FROM items WHERE items.canonical_url = wanted.url LIMIT 1) AS found")
_KNOWN_BY_SOURCE_ID = ("FROM unnest({sources}::varchar[], {ids}::varchar[]) AS wanted(source, source_item_id) "
                       "CROSS JOIN LATERAL (SELECT * FROM items WHERE items.source = wanted.source "
                       "AND items.source_item_id = wanted.source_item_id LIMIT 1) AS found")
_PROBED_KEY_ROWS = ("FROM unnest({keys}::bigint[]) AS wanted(key) CROSS JOIN LATERAL (SELECT event_id, item_id "
                    "FROM event_keys WHERE event_keys.key = wanted.key{also} LIMIT {per_key}) AS found")
# Rows of event keys that other transactions stored (not this one's, written ahead).
_OTHERS_ONLY = " AND event_keys.xmin <> pg_current_xact_id()::xid"
_RECENT_BY_AUTHORS = ("FROM unnest({platforms}::varchar[], {authors}::varchar[]) AS wanted(platform, author) "
                      "CROSS JOIN LATERAL (SELECT item_id FROM items WHERE items.platform = wanted.platform "
                      "AND items.author = wanted.author AND items.discovered_at >= {since} "
                      "ORDER BY items.discovered_at DESC LIMIT {per_author}) AS recent")
# The three reads a few items are decided from, as one statement (one round trip, one
# connection): each row is tagged with the read it answers, the others' columns left empty.
_EMPTY_KNOWN = ", ".join(["NULL"] * len(_KNOWN_COLUMNS))
_LOOK_UP = (
    f"SELECT 'item', {_KNOWN}, NULL::bigint, NULL::varchar, NULL::varchar, NULL::varchar, NULL::varchar "
    + _KNOWN_BY_URL.format(urls="$1")
    + f" UNION ALL SELECT 'item', {_KNOWN}, NULL, NULL, NULL, NULL, NULL "
    + _KNOWN_BY_SOURCE_ID.format(sources="$2", ids="$3")
    + f" UNION ALL SELECT 'key', {_EMPTY_KNOWN}, wanted.key, found.event_id, found.item_id, NULL, NULL "
    + _PROBED_KEY_ROWS.format(keys="$4", per_key="$5", also="")
    + f" UNION ALL SELECT 'author', {_EMPTY_KNOWN}, NULL, NULL, recent.item_id, wanted.platform, wanted.author "
    + _RECENT_BY_AUTHORS.format(platforms="$6", authors="$7", since="$8", per_author="$9"))


class IngestRepository:
    def __init__(self, session: Database) -> None:
        self.session = session

    @property
    def _dialect(self):
        return postgresql if is_postgresql(self.session) else sqlite

    # --- items and events -------------------------------------------------------------

    async def known_items(self, canonical_urls: list[str], source_ids: list[tuple[str, str]]):
        """Stored items with any of these canonical URLs or (source, source id) pairs."""
        table = models.items
        if self._dialect is postgresql:
            # One unique-index probe per value (LIMIT 1 keeps each lateral lookup a probe): an
            # IN list lets the planner scan the whole table while its statistics are young.
            rows = []
            if canonical_urls:
                rows += await fetch_rows(self.session, f"SELECT {_KNOWN} " + _KNOWN_BY_URL.format(urls="$1"),
                                         canonical_urls)
            if source_ids:
                rows += await fetch_rows(
                    self.session, f"SELECT {_KNOWN} " + _KNOWN_BY_SOURCE_ID.format(sources="$1", ids="$2"),
                    [source for source, _ in source_ids], [item_id for _, item_id in source_ids])
            return rows
        rows = []
        for chunk in _chunks(canonical_urls):
            rows += (await self.session.execute(select(table).where(table.c.canonical_url.in_(chunk)))).mappings().all()
        for chunk in _chunks(source_ids, CHUNK // 2):
            rows += (await self.session.execute(
                select(table).where(tuple_(table.c.source, table.c.source_item_id).in_(chunk)))).mappings().all()
        return rows

    async def event_key_rows(self, keys: list[int], per_key: int,
                             others_only: bool = False) -> list[tuple[int, str, str]]:
        """(key, event id, item id) of stored keys among these, at most `per_key` rows per key
        (the caller ignores a key on more events than that: it could not help to match).
        others_only (PostgreSQL): leave out the rows this transaction wrote ahead."""
        also = _OTHERS_ONLY if others_only else ""
        table = models.event_keys
        columns = (table.c.key, table.c.event_id, table.c.item_id)
        if self._dialect is postgresql:
            # Read without SQLAlchemy's per-row processing. A few keys: one index probe each
            # (= ANY makes the planner scan the whole table while its statistics are young); a
            # batch's thousands: one array parameter, the planner picks the scan.
            if len(keys) <= PROBED_KEYS:
                return await fetch_rows(self.session, "SELECT wanted.key, found.event_id, found.item_id "
                                        + _PROBED_KEY_ROWS.format(keys="$1", per_key="$2", also=also), keys, per_key)
            return await fetch_rows(self.session, "SELECT key, event_id, item_id FROM event_keys WHERE key = ANY($1)"
                                    + also, keys)
        return [row for chunk in _chunks(keys) for row in
                (await self.session.execute(select(*columns).where(table.c.key.in_(chunk))))]

    async def recent_items_by_authors(self, authors: list[tuple[str, str]], since: dt.datetime,
                                      per_author: int) -> list[tuple[str, str, str]]:
        """(platform, author, item id) of each author's items since `since`, newest first, at
        most per_author each."""
        table = models.items
        if self._dialect is postgresql:
            # One index probe per author (ix_items_platform_author); a row-value IN list of a
            # thousand pairs makes PostgreSQL scan the whole table instead.
            return await fetch_rows(
                self.session, "SELECT wanted.platform, wanted.author, recent.item_id " + _RECENT_BY_AUTHORS.format(
                    platforms="$1", authors="$2", since="$3", per_author="$4"),
                [platform for platform, _ in authors], [author for _, author in authors], since, per_author)
        found: list[tuple[str, str, str]] = []
        for chunk in _chunks(authors, CHUNK // 2):
            found += (await self.session.execute(
                select(table.c.platform, table.c.author, table.c.item_id)
                .where(tuple_(table.c.platform, table.c.author).in_(chunk), table.c.discovered_at >= since)
                .order_by(table.c.discovered_at.desc()).limit(per_author * len(chunk)))).all()
        return found

    async def look_up_few(self, canonical_urls: list[str], source_ids: list[tuple[str, str]], keys: list[int],
                          per_key: int, authors: list[tuple[str, str]], since: dt.datetime, per_author: int):
        """PostgreSQL, up to PROBED_KEYS keys: known_items, event_key_rows and
        recent_items_by_authors in one statement; returns their three answers."""
        items, key_rows, by_author = [], [], []
        for row in await fetch_rows(
                self.session, _LOOK_UP, canonical_urls, [s for s, _ in source_ids], [i for _, i in source_ids], keys,
                per_key, [p for p, _ in authors], [a for _, a in authors], since, per_author):
            part, (key, event_id, item_id, platform, author) = row[0], row[-5:]
            if part == "item":
                items.append(dict(zip(_KNOWN_COLUMNS, row[1:-5], strict=True)))
            elif part == "key":
                key_rows.append((key, event_id, item_id))
            else:
                by_author.append((platform, author, item_id))
        return items, key_rows, by_author

    async def items_for_matching(self, item_ids: list[str]):
        table = models.items
        if self._dialect is postgresql:
            return await fetch_rows(
                self.session, "SELECT item_id, event_id, clean_text, matches, platform, author, drill_id FROM items "
                "WHERE item_id = ANY($1::varchar[])", item_ids)
        rows = []
        for chunk in _chunks(item_ids):
            rows += (await self.session.execute(
                select(table.c.item_id, table.c.event_id, table.c.clean_text, table.c.matches, table.c.platform,
                       table.c.author, table.c.drill_id).where(table.c.item_id.in_(chunk)))).mappings().all()
        return rows

    @staticmethod
    def stage_batch(*, events: list[dict], items: list[dict], item_snapshots: list[dict], attachments: list[dict],
                    event_keys: tuple[list[int], list[str], list[str]],
                    on_postgresql: bool) -> tuple[list[StagedRows], list[StagedRows]]:
        """The rows a batch adds that its decision alone fixes, staged for add_batch before
        the batch's transaction (and the one before it) is under way, in two parts:
        - free: new events, item snapshots and event keys — new ids, no other unique key and
          no foreign key, so no other transaction ever waits for them, nor they for another:
          a batch may insert them while the batch decided before it is still being written;
        - bound: items (their URLs and source ids are unique: a concurrent batch storing the
          same one waits for this one) and attachments (they refer to items)."""
        keys, event_ids, item_ids = event_keys
        free = stage_rows([
            (models.events, as_columns(events), ()),
            (models.item_snapshots, as_columns(item_snapshots), ()),
            (models.event_keys, {"key": Tokens(keys), "event_id": Tokens(event_ids), "item_id": Tokens(item_ids)}, ()),
        ], on_postgresql)
        bound = stage_rows([
            (models.items, as_columns(items), ()),
            (models.attachments, as_columns(attachments), ()),
        ], on_postgresql)
        return free, bound

    async def lock_event_key_writers(self) -> None:
        """PostgreSQL: until this transaction ends, no other transaction that stores event keys
        in this schema gets past this call (see IngestService._claim_event_keys)."""
        await fetch_rows(self.session, "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.event_keys', 0))")

    async def insert_free(self, free: list[StagedRows]) -> None:
        """stage_batch's free rows, ahead of the rest of the batch (in its transaction)."""
        await insert_staged(self.session, free)

    async def add_batch(self, staged: list[StagedRows], event_snapshots: list[dict],
                        messages: tuple[Table, list[dict]]) -> None:
        """Everything a batch adds — its staged rows, then its event snapshots and messages —
        in one statement on PostgreSQL (parents first for SQLite). Items come sorted by their
        unique keys: one lock order for every batch, so concurrent batches queue instead of
        deadlocking. A concurrent batch that stored the same URL first makes this one fail on
        the unique index, and the caller retries."""
        outbox, outbox_rows = messages
        await insert_staged(self.session, staged + stage_rows([
            (models.event_snapshots, as_columns(event_snapshots), ()),
            (outbox, as_columns(outbox_rows), ()),
        ], is_postgresql(self.session)))

    @staticmethod
    def event_snapshot_rows(events) -> list[dict]:
        return [{"snapshot_id": new_id(), "event_id": e["event_id"], "observed_at": e["updated_at"],
                 "item_count": e["item_count"], **Metrics.of(e).values()} for e in events]

    async def update_item_metrics(self, rows: list[dict]) -> None:
        """rows: item_id and the five metrics of a snapshot, in order; an item may come more
        than once (each is a snapshot, the last one's figures stand)."""
        if not rows:
            return
        newest: dict[str, dict] = {}
        snapshots: Counter[str] = Counter()
        for row in rows:
            newest[row["item_id"]] = row
            snapshots[row["item_id"]] += 1
        figures = [{**row, "snapshots": snapshots[item_id]} for item_id, row in sorted(newest.items())]
        if self._dialect is postgresql:
            columns = as_columns(figures)
            await fetch_rows(self.session, _UPDATE_ITEM_FIGURES, *(columns[k] for k in _ITEM_FIGURE_FIELDS))
        else:
            await self.session.execute(_SQLITE_ITEM_FIGURES, figures)

    async def apply_event_changes(self, changes: list[dict], now: dt.datetime) -> list[dict]:
        """Increments under the row lock, so concurrent batches on one event add up; returns
        the events as they are now. Applied in event-id order (one lock order: no deadlocks)."""
        if not changes:
            return []
        changes = sorted(({k: c[k] for k in _EVENT_CHANGE_FIELDS} for c in changes), key=lambda c: c["event_id"])
        if self._dialect is postgresql:
            # Returning the rows: no read after.
            columns = as_columns(changes)
            rows = await fetch_rows(self.session, _APPLY_EVENT_CHANGES, now, *(columns[k] for k in _EVENT_CHANGE_FIELDS))
            return sorted((dict(row.items()) for row in rows), key=lambda r: r["event_id"])
        await self.session.execute(_SQLITE_EVENT_CHANGES, [{**change, "updated_at": now} for change in changes])
        return [dict(row) for row in await self.events([c["event_id"] for c in changes])]

    async def set_event_fields(self, event_id: str, **values) -> None:
        await self.set_events_fields([{"event_id": event_id, **values}])

    async def set_events_fields(self, rows: list[dict]) -> None:
        """rows: event_id and the same fields for every event."""
        await update_rows(self.session, models.events, "event_id", rows)

    async def event(self, event_id: str):
        return (await self.session.execute(
            select(models.events).where(models.events.c.event_id == event_id))).mappings().first()

    async def events(self, event_ids: list[str]):
        rows = []
        for chunk in _chunks(event_ids):
            rows += (await self.session.execute(
                select(models.events).where(models.events.c.event_id.in_(chunk)))).mappings().all()
        return rows

    async def items_of(self, event_id: str):
        return (await self.session.execute(
            select(models.items).where(models.items.c.event_id == event_id).order_by(models.items.c.discovered_at)
        )).mappings().all()

    async def attachments_of(self, item_ids: list[str]):
        table = models.attachments
        return (await self.session.execute(
            select(table.c.attachment_id, table.c.item_id, table.c.filename, table.c.content_type, table.c.size,
                   table.c.sha256).where(table.c.item_id.in_(item_ids)).order_by(table.c.created_at))).mappings().all()

    async def attachment(self, item_id: str, attachment_id: str):
        table = models.attachments
        return (await self.session.execute(select(table).where(
            table.c.item_id == item_id, table.c.attachment_id == attachment_id))).mappings().first()

    async def trend(self, event_id: str, limit: int = 500):
        table = models.event_snapshots
        rows = (await self.session.execute(
            select(table).where(table.c.event_id == event_id).order_by(table.c.observed_at.desc()).limit(limit)
        )).mappings().all()
        return list(reversed(rows))

    async def page_of_events(self, limit: int, offset: int):
        table = models.events
        total = (await self.session.execute(select(func.count()).select_from(table))).scalar_one()
        rows = (await self.session.execute(
            select(table).order_by(table.c.updated_at.desc(), table.c.event_id).limit(limit).offset(offset)
        )).mappings().all()
        return rows, total

    # --- matching configuration --------------------------------------------------------

    async def config_version(self) -> int:
        table = models.config_version
        return (await self.session.execute(
            select(table.c.version).where(table.c.name == MATCHING_CONFIG))).scalar_one_or_none() or 0

    async def bump_config_version(self) -> None:
        table = models.config_version
        bumped = await self.session.execute(
            update(table).where(table.c.name == MATCHING_CONFIG).values(version=table.c.version + 1))
        if bumped.rowcount == 0:
            await self.session.execute(
                self._dialect.insert(table).values(name=MATCHING_CONFIG, version=1).on_conflict_do_update(
                    index_elements=["name"], set_={"version": table.c.version + 1}))

    async def topics(self) -> list[Topic]:
        rows = (await self.session.execute(select(models.topics).order_by(models.topics.c.name))).mappings().all()
        return [Topic(r["topic_id"], r["name"], tuple(tuple(g) for g in r["all_of"]), tuple(r["none_of"]),
                      r["scope"], r["enabled"]) for r in rows]

    async def word_lists(self) -> list[WordList]:
        rows = (await self.session.execute(select(models.word_lists).order_by(models.word_lists.c.name))).mappings().all()
        return [WordList(r["list_id"], r["name"], r["category"], tuple(r["words"])) for r in rows]

    async def places(self) -> list[Place]:
        table = models.gazetteer
        rows = (await self.session.execute(select(table).order_by(table.c.name))).mappings().all()
        return [Place(r["name"], r["locality"], r["kind"], r["alias_of"]) for r in rows]

    async def save_topic(self, topic: Topic, now: dt.datetime) -> Topic:
        values = {"name": topic.name, "all_of": [list(g) for g in topic.all_of], "none_of": list(topic.none_of),
                  "scope": topic.scope, "enabled": topic.enabled, "updated_at": now}
        topic_id = await self._save(models.topics, "topic_id", topic.topic_id, values)
        return Topic(topic_id, topic.name, topic.all_of, topic.none_of, topic.scope, topic.enabled)

    async def save_word_list(self, word_list: WordList, now: dt.datetime) -> WordList:
        values = {"name": word_list.name, "category": word_list.category, "words": list(word_list.words),
                  "updated_at": now}
        list_id = await self._save(models.word_lists, "list_id", word_list.list_id, values)
        return WordList(list_id, word_list.name, word_list.category, word_list.words)

    async def _save(self, table, key: str, row_id: str, values: dict) -> str | None:
        """Insert when row_id is empty, update otherwise; None when the row does not exist."""
        if not row_id:
            row_id = new_id()
            await self.session.execute(table.insert().values({key: row_id, **values}))
        elif (await self.session.execute(update(table).where(table.c[key] == row_id).values(**values))).rowcount == 0:
            return None
        await self.bump_config_version()
        return row_id

    async def save_place(self, place: Place) -> None:
        table = models.gazetteer
        values = {"locality": place.locality, "kind": place.kind, "alias_of": place.alias_of}
        await self.session.execute(self._dialect.insert(table).values(name=place.name, **values)
                                   .on_conflict_do_update(index_elements=["name"], set_=values))
        await self.bump_config_version()

    async def delete_row(self, table, key: str, row_id: str) -> bool:
        deleted = (await self.session.execute(delete(table).where(table.c[key] == row_id))).rowcount > 0
        if deleted and table is not models.feeds:
            await self.bump_config_version()
        return deleted

    # --- feeds ---------------------------------------------------------------------------

    async def feeds(self):
        return (await self.session.execute(select(models.feeds).order_by(models.feeds.c.name))).mappings().all()

    async def feed(self, feed_id: str):
        return (await self.session.execute(
            select(models.feeds).where(models.feeds.c.feed_id == feed_id))).mappings().first()

    async def insert_feed(self, values: dict) -> None:
        await self.session.execute(models.feeds.insert().values(**values))

    async def update_feed(self, feed_id: str, **values) -> bool:
        result = await self.session.execute(
            update(models.feeds).where(models.feeds.c.feed_id == feed_id).values(**values))
        return result.rowcount > 0

    async def claim_due_feeds(self, now: dt.datetime, lease: dt.timedelta, limit: int):
        """Due feeds, leased to this poller: another replica skips them until the lease ends."""
        table = models.feeds
        query = (select(table).where(table.c.enabled.is_(True), table.c.next_poll_at <= now)
                 .order_by(table.c.next_poll_at).limit(limit))
        if self._dialect is postgresql:
            query = query.with_for_update(skip_locked=True)
        rows = (await self.session.execute(query)).mappings().all()
        if rows:
            await self.session.execute(update(table).where(table.c.feed_id.in_([r["feed_id"] for r in rows]))
                                       .values(next_poll_at=now + lease))
        return rows

    async def known_source_ids(self, source: str, source_ids: list[str]) -> set[str]:
        table = models.items
        known: set[str] = set()
        for chunk in _chunks(source_ids):
            known |= set((await self.session.execute(select(table.c.source_item_id).where(
                and_(table.c.source == source, table.c.source_item_id.in_(chunk))))).scalars())
        return known

