"""Tables owned by dispatch."""

from sqlalchemy import (
                        JSON,
                        BigInteger,
                        Boolean,
                        Column,
                        Float,
                        ForeignKey,
                        Index,
                        Integer,
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

units = Table(
    "units",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("parent_code", String(64), nullable=True),
    # Words that make this unit the competent department (主管) of an event.
    Column("keywords", JSON, nullable=False),
    # Sensitive categories a department is competent for (主管), e.g. 食品安全 for 市场监管.
    Column("categories", JSON, nullable=False, server_default="[]"),
    # The county leader in charge of the unit (分管领导): 督办 goes to them.
    Column("leader_username", String(64), nullable=False, server_default=""),
)

# The directory: who works where, how to reach them, who belongs to the leadership group.
people = Table(
    "people",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("unit_code", String(64), nullable=False, index=True),
    Column("roles", JSON, nullable=False),
    Column("email", String(200), nullable=False, server_default=""),
    Column("phone", String(32), nullable=False, server_default=""),
    Column("leadership_group", Boolean, nullable=False, server_default="0"),
)

# 值班表: who is on watch when (night and holiday escalations go to them).
duty_roster = Table(
    "duty_roster",
    metadata,
    Column("shift_id", String(32), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False, index=True),
    Column("ends_at", UtcDateTime, nullable=False),
)

# Years of the State Council's holiday schedule an admin loaded.
holiday_years = Table(
    "holiday_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("body", JSON, nullable=False),
    Column("source", String(200), nullable=False),
    Column("loaded_by", String(64), nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
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
    Column("drill_id", String(32), nullable=False, server_default=""),
)

# Superior notices' feedback deadlines (上级通报), tracked like any plan step; the earliest wins.
event_notices = Table(
    "event_notices",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("feedback_deadline", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

assignments = Table(
    "assignments",
    metadata,
    Column("assignment_id", String(32), primary_key=True),
    # Looked up by event through uq_assignments_event_unit, whose first column it is.
    Column("event_id", String(32), ForeignKey("event_plans.event_id"), nullable=False),
    Column("unit_code", String(64), ForeignKey("units.code"), nullable=False, index=True),
    Column("role", String(8), nullable=False),
    Column("state", String(20), nullable=False),
    Column("level", String(3), nullable=False),
    Column("plan_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("state_before_return", String(20), nullable=True),
    Column("extension_pending", Boolean, nullable=False, server_default="0"),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("successor_id", String(32), nullable=True),   # 改派: the new assignment; 并单: the one kept
    Column("returns", Integer, nullable=False, server_default="0"),   # times sent back (退回重办)
    Column("drill_id", String(32), nullable=False, server_default=""),  # 演练: never counted in scorecards
    UniqueConstraint("event_id", "unit_code", name="uq_assignments_event_unit"),
    Index("ix_assignments_created_at", "created_at"),    # a period's scorecards and handling report
)

# The assignment's timeline: every action, who took it, when, from which state to which.
assignment_actions = Table(
    "assignment_actions",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("assignment_id", String(32), nullable=False, index=True),
    Column("event_id", String(32), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_state", String(20), nullable=False),
    Column("to_state", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", JSON, nullable=False),
)

answers = Table(
    "answers",
    metadata,
    Column("answer_id", String(32), primary_key=True),
    Column("assignment_id", String(32), ForeignKey("assignments.assignment_id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),     # holding (表态性回复) or final
    Column("text", Text, nullable=False),
    Column("written_by", String(64), nullable=False),
    Column("written_at", UtcDateTime, nullable=False),
    Column("signed_by", String(64), nullable=True),
    Column("signed_at", UtcDateTime, nullable=True),
)

answer_attachments = Table(
    "answer_attachments",
    metadata,
    Column("attachment_id", String(32), primary_key=True),
    Column("answer_id", String(32), ForeignKey("answers.answer_id"), nullable=False, index=True),
    *stored_file_columns(),
)

extension_requests = Table(
    "extension_requests",
    metadata,
    Column("request_id", String(32), primary_key=True),
    Column("assignment_id", String(32), ForeignKey("assignments.assignment_id"), nullable=False, index=True),
    Column("minutes", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", String(16), nullable=False),    # requested, approved, refused
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decision_note", Text, nullable=False, server_default=""),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("deadline_id", String(32), primary_key=True),
    # No foreign key (docs/operations.md, "Child rows without foreign keys"), and no index of
    # its own: uq_deadlines_assignment_step leads with it.
    Column("assignment_id", String(32), nullable=False),
    Column("step", String(64), nullable=False),
    Column("step_name", String(200), nullable=False),
    Column("owner", String(16), nullable=False),
    Column("clock", String(16), nullable=False),
    Column("limit_text", String(32), nullable=False),
    Column("basis_level", String(3), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False, index=True),
    Column("warning", Text, nullable=False),
    Column("met_at", UtcDateTime, nullable=True),
    Column("met_by", String(64), nullable=False, server_default=""),
    Column("paused_minutes", Integer, nullable=False, server_default="0"),   # approved extensions
    UniqueConstraint("assignment_id", "step", name="uq_deadlines_assignment_step"),
)

# Durable timers: warnings, overdue reminders (催办) and 督办 of each deadline. The row is the
# truth; a replica fires a timer by setting fired_at in the transaction that writes its
# effects, after claiming it with SKIP LOCKED, so it fires once whatever runs or restarts.
timers = Table(
    "timers",
    metadata,
    Column("timer_id", String(32), primary_key=True),
    Column("deadline_id", String(32), nullable=False, index=True),   # no foreign key: as deadlines'
    Column("assignment_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),     # warn_50, warn_80, overdue, supervise
    Column("fire_at", UtcDateTime, nullable=False),
    Column("fired_at", UtcDateTime, nullable=True),
    Column("outcome", String(16), nullable=False, server_default=""),   # fired, skipped (step met)
)
# Only unfired timers are looked up by time: the index stays small however many have fired.
Index("ix_timers_due", timers.c.fire_at, postgresql_where=timers.c.fired_at.is_(None),
      sqlite_where=timers.c.fired_at.is_(None))

# What people are told (console, e-mail, webhook); one row per person per thing to tell.
notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", String(32), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("assignment_id", String(32), nullable=False),
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    Index("ix_notifications_user_created", "username", "created_at"),
)

# Drills (演练): a scenario's items sent into ingest over time, at `speed` times real time; the
# drill's clocks run `speed` times faster too, and the finished drill keeps its score.
drills = Table(
    "drills",
    metadata,
    Column("drill_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("speed", Float, nullable=False),
    Column("status", String(16), nullable=False),    # running, finished
    Column("scenario", JSON, nullable=False),
    Column("started_by", String(64), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("score", JSON, nullable=True),
)

drill_items = Table(
    "drill_items",
    metadata,
    Column("drill_id", String(32), ForeignKey("drills.drill_id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("send_at", UtcDateTime, nullable=False, index=True),
    Column("payload", JSON, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("result", Text, nullable=False, server_default=""),
)

# The delivery log: each notification sent out through each channel that reaches its person.
deliveries = Table(
    "deliveries",
    metadata,
    *delivery_columns(),
    Column("notification_id", String(32), ForeignKey("notifications.notification_id"), nullable=False),
    UniqueConstraint("notification_id", "channel", name="uq_deliveries_notification_channel"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)

# 问责记录: 迟报 (late), 漏报 (missed), 瞒报 (concealed) against a unit.
accountability = Table(
    "accountability",
    metadata,
    Column("record_id", String(32), primary_key=True),
    Column("unit_code", String(64), nullable=False, index=True),
    Column("assignment_id", String(32), nullable=False),
    Column("deadline_id", String(32), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

outbox, inbox = add_bus_tables(metadata)

# References the schema does not enforce (docs/operations.md, "Child rows without foreign keys"):
# (child column, parent column), counted by yuqing.core.db.orphans.
UNENFORCED_REFERENCES = ((deadlines.c.assignment_id, assignments.c.assignment_id),
                         (timers.c.deadline_id, deadlines.c.deadline_id))
