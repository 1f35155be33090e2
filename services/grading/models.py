"""Tables owned by grading."""

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table, Text

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata

metadata = service_metadata()

# Versions are never edited: a decision names the version it used.
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
)

lexicons = Table(
    "lexicons",
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
    # What the rules say for the latest figures, whatever the level is.
    Column("computed_level", String(3), nullable=False),
    Column("computed_conditions", JSON, nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    # The computed level when a person last set the level: automatic grading raises above
    # it only (new evidence), never back to what the person already judged.
    Column("human_baseline", String(3), nullable=True),
    Column("title", String(1000), nullable=False),
    Column("locality", String(64), nullable=False),
    Column("discovered_at", UtcDateTime, nullable=False),
    Column("disposition", String(20), nullable=False),
    Column("disposition_confidence", Float, nullable=False),
    Column("disposition_scores", JSON, nullable=False),
    Column("harmful_scores", JSON, nullable=False),
    Column("harmful_categories", JSON, nullable=False),
    Column("disposition_cues", JSON, nullable=False),
    Column("disposition_by", String(64), nullable=False),
    Column("disposition_reason", Text, nullable=False),
    Column("lexicon_version", Integer, nullable=False),
    Column("drill_id", String(32), nullable=False, server_default=""),
    Index("ix_event_grades_level_updated", "level", "updated_at"),
)

# The event's grading timeline: every level set, raised, confirmed or overridden, and every
# correction of its disposition.
grade_changes = Table(
    "grade_changes",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("level_before", String(3), nullable=True),
    Column("level_after", String(3), nullable=True),
    Column("actor", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("rule_set_version", Integer, nullable=True),
    Column("conditions", JSON, nullable=False),
    Index("ix_grade_changes_event_at", "event_id", "at"),
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
    Index("ix_grading_runs_event_at", "event_id", "at"),
)

outbox, inbox = add_bus_tables(metadata)
