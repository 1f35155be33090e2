"""Tables owned by grading."""

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata

metadata = service_metadata()

rule_sets = Table(
    "rule_sets",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
)

# The current level of every event grading has seen, with the reasons for it.
event_grades = Table(
    "event_grades",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("level", String(3), nullable=False),
    Column("conditions", JSON, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    Column("heat", Float, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("comments", BigInteger, nullable=False),
    Column("reposts", BigInteger, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Column("mainstream_sites", BigInteger, nullable=False),
    Column("graded_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_event_grades_level_updated", "level", "updated_at"),
)

# One row per item message graded: the heat time series and the proof of exactly-once.
grading_runs = Table(
    "grading_runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("message_id", String(32), nullable=False, unique=True),
    Column("event_id", String(32), nullable=False, index=True),
    Column("item_id", String(32), nullable=False),
    Column("computed_level", String(3), nullable=False),
    Column("level_after", String(3), nullable=False),
    Column("heat", Float, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

outbox, inbox = add_bus_tables(metadata)
