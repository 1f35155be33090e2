"""Tables owned by ingest."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata

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
    Index("ix_events_updated_at", "updated_at"),
)

items = Table(
    "items",
    metadata,
    Column("item_id", String(32), primary_key=True),
    Column("event_id", String(32), ForeignKey("events.event_id"), nullable=False, index=True),
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
    Index("uq_items_source_source_item_id", "source", "source_item_id", unique=True),
)

item_snapshots = Table(
    "item_snapshots",
    metadata,
    Column("snapshot_id", String(32), primary_key=True),
    Column("item_id", String(32), ForeignKey("items.item_id"), nullable=False, index=True),
    Column("observed_at", UtcDateTime, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("reposts", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("mainstream_sites", BigInteger, nullable=False),
)

# Place and institution names of the county, each pointing at the township responsible (属地).
gazetteer = Table(
    "gazetteer",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("locality", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
)

outbox, inbox = add_bus_tables(metadata)
