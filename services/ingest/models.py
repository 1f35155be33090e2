"""Tables owned by ingest."""

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata
from yuqing.core.files import stored_file_columns

metadata = service_metadata()

events = Table(
    "events",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("title", Text, nullable=False),
    Column("discovered_at", UtcDateTime, nullable=False),
    Column("locality", String(64), nullable=False, default=""),
    Column("item_count", Integer, nullable=False, default=0),
    Column("views", BigInteger, nullable=False, default=0),
    Column("comments", BigInteger, nullable=False, default=0),
    Column("reposts", BigInteger, nullable=False, default=0),
    Column("likes", BigInteger, nullable=False, default=0),
    Column("mainstream_sites", BigInteger, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # watching → closed; an item on the same matter re-opens a closed event.
    Column("status", String(16), nullable=False, server_default="watching"),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("reopen_count", Integer, nullable=False, server_default="0"),
    Column("topics", JSON, nullable=False, server_default="[]"),
    Column("sensitive_categories", JSON, nullable=False, server_default="[]"),
    Column("feedback_deadline", UtcDateTime, nullable=True),
    # Mainstream sites identified among the items' own URLs; the event counts the larger of
    # these and the largest count any item reports.
    Column("mainstream_hosts", JSON, nullable=False, server_default="[]"),
    Column("drill_id", String(32), nullable=False, server_default=""),
    Index("ix_events_updated_at", "updated_at"),
)

items = Table(
    "items",
    metadata,
    Column("item_id", String(32), primary_key=True),
    # No foreign key (docs/operations.md, "Child rows without foreign keys"); nor on the snapshots.
    Column("event_id", String(32), nullable=False, index=True),
    Column("source", String(64), nullable=False),
    Column("source_item_id", String(200), nullable=True),
    Column("platform", String(64), nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    # NULL when the item has no URL; unique otherwise: the same page is the same item.
    Column("canonical_url", String(2048), nullable=True, unique=True),
    Column("title", Text, nullable=False, default=""),
    Column("content", Text, nullable=False, default=""),
    Column("author", String(200), nullable=False, default=""),
    Column("published_at", UtcDateTime, nullable=True),
    Column("discovered_at", UtcDateTime, nullable=False),
    Column("region_hint", String(200), nullable=False, default=""),
    Column("reporter", String(100), nullable=False, default=""),
    Column("views", BigInteger, nullable=False, default=0),
    Column("comments", BigInteger, nullable=False, default=0),
    Column("reposts", BigInteger, nullable=False, default=0),
    Column("likes", BigInteger, nullable=False, default=0),
    Column("mainstream_sites", BigInteger, nullable=False, default=0),
    Column("snapshot_count", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    # The cleaned copy matching reads; `title` and `content` stay as received (evidence).
    Column("clean_text", Text, nullable=False, server_default=""),
    Column("matches", JSON, nullable=False, server_default="[]"),
    Column("attach_reason", String(32), nullable=False, server_default="new_event"),
    Column("reporter_contact", String(200), nullable=False, server_default=""),
    Column("feedback_deadline", UtcDateTime, nullable=True),
    Column("issuing_agency", String(200), nullable=False, server_default=""),
    Column("drill_id", String(32), nullable=False, server_default=""),
    Index("uq_items_source_source_item_id", "source", "source_item_id", unique=True),
    Index("ix_items_platform_author", "platform", "author"),
)

item_snapshots = Table(
    "item_snapshots",
    metadata,
    Column("snapshot_id", String(32), primary_key=True),
    Column("item_id", String(32), nullable=False, index=True),
    Column("observed_at", UtcDateTime, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("reposts", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("mainstream_sites", BigInteger, nullable=False),
)

# Aggregate metrics of an event each time they change: the heat trend.
event_snapshots = Table(
    "event_snapshots",
    metadata,
    Column("snapshot_id", String(32), primary_key=True),
    Column("event_id", String(32), nullable=False),
    Column("observed_at", UtcDateTime, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("reposts", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("mainstream_sites", BigInteger, nullable=False),
    Index("ix_event_snapshots_event_id_observed_at", "event_id", "observed_at"),
)

# Near-duplicate index (services/ingest/clustering.py): each LSH band or sentence key of an
# event, with the first item that carried it. Lookups are probes of a hash index on the key
# (PostgreSQL; SQLite has none and takes a B-tree): keys are hashes, so a B-tree would put
# each new one on a random page. No primary key: a process stores each (key, event) once by
# itself (docs/ingest.md, "Event keys").
event_keys = Table(
    "event_keys",
    metadata,
    Column("key", BigInteger, nullable=False, autoincrement=False),
    Column("event_id", String(32), nullable=False),
    Column("item_id", String(32), nullable=False),
    Index("ix_event_keys_key", "key", postgresql_using="hash"),
)

# Screenshots and other evidence, stored with their SHA-256 (services/ingest/evidence.py).
attachments = Table(
    "attachments",
    metadata,
    Column("attachment_id", String(32), primary_key=True),
    Column("item_id", String(32), ForeignKey("items.item_id"), nullable=False, index=True),
    *stored_file_columns(255),
    Column("created_at", UtcDateTime, nullable=False),
)

topics = Table(
    "topics",
    metadata,
    Column("topic_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("all_of", JSON, nullable=False),
    Column("none_of", JSON, nullable=False),
    Column("scope", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

word_lists = Table(
    "word_lists",
    metadata,
    Column("list_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("category", String(50), nullable=False),
    Column("words", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("feed_id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("url", String(2048), nullable=False, unique=True),
    Column("platform", String(64), nullable=False),
    Column("interval_seconds", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("next_poll_at", UtcDateTime, nullable=False, index=True),
    Column("last_polled_at", UtcDateTime, nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("last_new_items", Integer, nullable=False, default=0),
    Column("etag", String(500), nullable=False, default=""),
    Column("last_modified", String(100), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

# One counter bumped by every change to topics, word lists or the gazetteer, so each ingest
# replica rebuilds its matcher when (and only when) the configuration changed.
config_version = Table(
    "config_version",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)

# Place and institution names of the county, each pointing at the township responsible (属地).
gazetteer = Table(
    "gazetteer",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("locality", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("alias_of", String(100), nullable=False, server_default=""),
)

outbox, inbox = add_bus_tables(metadata)

# References the schema does not enforce (docs/operations.md, "Child rows without foreign keys"):
# (child column, parent column), counted by yuqing.core.db.orphans.
UNENFORCED_REFERENCES = ((items.c.event_id, events.c.event_id), (item_snapshots.c.item_id, items.c.item_id),
                         (event_snapshots.c.event_id, events.c.event_id))
