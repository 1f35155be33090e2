"""Tables owned by publish."""

from sqlalchemy import (
                        JSON,
                        BigInteger,
                        Boolean,
                        Column,
                        Float,
                        ForeignKey,
                        Index,
                        Integer,
                        LargeBinary,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
)

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata
from yuqing.core.delivery import delivery_columns
from yuqing.core.files import stored_file_columns

metadata = service_metadata()

# What publish knows of each graded event (from grading's stream): the level decides the chain.
event_briefs = Table(
    "event_briefs",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("level", String(3), nullable=False),
    Column("title", Text, nullable=False),
    Column("locality", String(64), nullable=False),
    Column("discovered_at", UtcDateTime, nullable=False),
    Column("drill_id", String(32), nullable=False, server_default=""),
    Column("spokesperson", String(64), nullable=False, server_default=""),   # designated by the office
    Column("updated_at", UtcDateTime, nullable=False),
    Column("heat", Float, nullable=False, server_default="0"),
    Column("sensitive_categories", JSON, nullable=False, server_default="[]"),
    Index("ix_event_briefs_discovered_at", "discovered_at"),
)

# Each event's lead unit (主办单位), from dispatch's stream: statements name it by default.
lead_units = Table(
    "lead_units",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("unit_code", String(64), nullable=False),
    Column("unit_name", String(200), nullable=False),
    Column("assigned_at", UtcDateTime, nullable=False),
)

# Items per Asia/Shanghai day by source and by platform (from ingest's stream, drills never
# counted): what a bulletin's overview counts without reading another service's tables.
item_counts = Table(
    "item_counts",
    metadata,
    Column("day", String(10), primary_key=True),          # YYYY-MM-DD
    Column("dimension", String(16), primary_key=True),    # source, platform
    Column("value", String(64), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# 《网络舆情通报》: a draft holds the figures and the office's text; a release freezes the JSON,
# HTML and DOCX, identified by the SHA-256 of the JSON.
bulletins = Table(
    "bulletins",
    metadata,
    Column("bulletin_id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("period_start", String(10), nullable=False),
    Column("period_end", String(10), nullable=False),
    Column("event_id", String(32), nullable=False, server_default=""),
    Column("state", String(16), nullable=False),              # draft, released
    Column("title", Text, nullable=False),
    Column("content", JSON, nullable=False),                  # the figures (services/publish/bulletins.py)
    Column("assessment", Text, nullable=False),
    Column("next_steps", Text, nullable=False),
    Column("typical_event_ids", JSON, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("number_year", Integer, nullable=True),
    Column("number", Integer, nullable=True),
    Column("released_by", String(64), nullable=True),
    Column("released_at", UtcDateTime, nullable=True),
    Column("digest", String(64), nullable=True, unique=True),
    Column("released_json", LargeBinary, nullable=True),
    Column("released_html", LargeBinary, nullable=True),
    Column("released_docx", LargeBinary, nullable=True),
    UniqueConstraint("kind", "number_year", "number", name="uq_bulletins_number"),
    Index("ix_bulletins_period", "kind", "period_start", "event_id", "state"),
)

# 口径: what every statement on the event may say.
talking_points = Table(
    "talking_points",
    metadata,
    Column("point_id", String(32), primary_key=True),
    Column("event_id", String(32), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

statements = Table(
    "statements",
    metadata,
    Column("statement_id", String(32), primary_key=True),
    Column("event_id", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),          # response (首次回应), release (权威发布)
    Column("disposition", String(20), nullable=False),   # the template it was drafted from
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

statement_versions = Table(
    "statement_versions",
    metadata,
    Column("version_id", String(32), primary_key=True),
    Column("statement_id", String(32), ForeignKey("statements.statement_id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("edited_by", String(64), nullable=False),
    Column("edited_at", UtcDateTime, nullable=False),
    Column("chain", JSON, nullable=False),              # frozen at submission
    Column("approved_digest", String(64), nullable=True),
    Column("reject_reason", Text, nullable=False, server_default=""),
    Column("publish_at", UtcDateTime, nullable=True),
    Column("published_at", UtcDateTime, nullable=True),
    Column("published_by", String(64), nullable=True),
    UniqueConstraint("statement_id", "number", name="uq_statement_versions_number"),
    Index("ix_statement_versions_scheduled", "state", "publish_at"),
)

approvals = Table(
    "approvals",
    metadata,
    Column("approval_id", String(32), primary_key=True),
    Column("version_id", String(32), ForeignKey("statement_versions.version_id"), nullable=False, index=True),
    Column("step", String(16), nullable=False),
    Column("approver", String(64), nullable=False),
    Column("decision", String(8), nullable=False),       # approve, reject
    Column("comment", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

# Published statement versions shown on the public release page; a correction supersedes.
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
    Column("statement_id", String(32), nullable=False, server_default=""),
    Column("version_id", String(32), nullable=False, server_default="", unique=True),
    Column("kind", String(16), nullable=False, server_default="release"),
    Column("superseded_by", String(32), nullable=True),
    Column("drill_id", String(32), nullable=False, server_default=""),
    Index("ix_releases_published_at", "published_at"),
)

# Offline acts (a press conference held, a reply posted in a thread) recorded as published
# actions, with their evidence.
offline_acts = Table(
    "offline_acts",
    metadata,
    Column("act_id", String(32), primary_key=True),
    Column("event_id", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("happened_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

act_evidence = Table(
    "act_evidence",
    metadata,
    Column("evidence_id", String(32), primary_key=True),
    Column("act_id", String(32), ForeignKey("offline_acts.act_id"), nullable=False, index=True),
    *stored_file_columns(),
)

# Outbound publication channels (WeChat/Weibo-style webhooks) an admin configures.
publication_channels = Table(
    "publication_channels",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("url", String(500), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The delivery log: each published version sent to each enabled channel, once.
publication_deliveries = Table(
    "publication_deliveries",
    metadata,
    *delivery_columns(),
    Column("release_id", String(32), ForeignKey("releases.release_id"), nullable=False),
    UniqueConstraint("release_id", "channel", name="uq_publication_deliveries_release_channel"),
    Index("ix_publication_deliveries_due", "status", "next_attempt_at"),
)

outbox, inbox = add_bus_tables(metadata)
