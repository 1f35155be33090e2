"""Tables owned by publish."""

from sqlalchemy import Column, Index, Integer, String, Table, Text

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata

metadata = service_metadata()

# Published statement versions shown on the public release page.
releases = Table(
    "releases",
    metadata,
    Column("release_id", String(32), primary_key=True),
    Column("event_id", String(32), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("spokesperson", String(100), nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Index("ix_releases_published_at", "published_at"),
)

outbox, inbox = add_bus_tables(metadata)
