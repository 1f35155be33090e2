"""Tables owned by dispatch."""

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from yuqing.core.bus import add_bus_tables
from yuqing.core.db import UtcDateTime, service_metadata

metadata = service_metadata()

units = Table(
    "units",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("parent_code", String(64), nullable=True),
    # Words that make this unit the competent department (主管) of an event.
    Column("keywords", JSON, nullable=False),
)

response_plans = Table(
    "response_plans",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
)

# The plan version frozen onto an event at its first grading, and its current level.
event_plans = Table(
    "event_plans",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("plan_version", Integer, nullable=False),
    Column("level", String(3), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

assignments = Table(
    "assignments",
    metadata,
    Column("assignment_id", String(32), primary_key=True),
    Column("event_id", String(32), ForeignKey("event_plans.event_id"), nullable=False, index=True),
    Column("unit_code", String(64), ForeignKey("units.code"), nullable=False, index=True),
    Column("role", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("level", String(3), nullable=False),
    Column("plan_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("event_id", "unit_code", name="uq_assignments_event_unit"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("deadline_id", String(32), primary_key=True),
    Column("assignment_id", String(32), ForeignKey("assignments.assignment_id"), nullable=False, index=True),
    Column("step", String(64), nullable=False),
    Column("step_name", String(200), nullable=False),
    Column("owner", String(16), nullable=False),
    Column("clock", String(16), nullable=False),
    Column("limit_text", String(32), nullable=False),
    Column("basis_level", String(3), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False, index=True),
    Column("warning", Text, nullable=False),
    UniqueConstraint("assignment_id", "step", name="uq_deadlines_assignment_step"),
)

outbox, inbox = add_bus_tables(metadata)
