"""SQL for dispatch's tables."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch import models
from services.dispatch.calendar import YearSchedule
from services.dispatch.domain import DEFAULT_PLAN, Deadline, ResponsePlan, TimerPolicy, UnitProfile
from yuqing.core.bus import insert_ignoring_conflicts
from yuqing.core.db import dict_rows, new_id, update_rows


def event_plan_row(event_id: str, plan_version: int, level: str, title: str, now: dt.datetime, drill_id: str) -> dict:
    return {"event_id": event_id, "plan_version": plan_version, "level": level, "title": title, "created_at": now,
            "updated_at": now, "drill_id": drill_id}


def assignment_row(event_id: str, unit_code: str, role: str, level: str, plan_version: int, now: dt.datetime,
                   drill_id: str) -> dict:
    """A new assignment, waiting for the unit to acknowledge it."""
    return {"assignment_id": new_id(), "event_id": event_id, "unit_code": unit_code, "role": role,
            "state": "pending_ack", "level": level, "plan_version": plan_version, "created_at": now, "updated_at": now,
            "drill_id": drill_id}


def next_timer_rows(deadline: dict, policy: TimerPolicy, fired: set[str]) -> list[dict]:
    """The deadline's next timer row (none once every kind has fired)."""
    pending = policy.next_timer(deadline, fired)
    if pending is None:
        return []
    kind, at = pending
    return [{"timer_id": new_id(), "deadline_id": deadline["deadline_id"], "assignment_id": deadline["assignment_id"],
             "kind": kind, "fire_at": at}]


def deadline_rows(assignment_id: str, deadlines: list[Deadline], policy: TimerPolicy) -> tuple[list[dict], list[dict]]:
    """An assignment's deadline rows and the first timer of each."""
    rows = [{"deadline_id": new_id(), "assignment_id": assignment_id, "step": d.step.key, "step_name": d.step.name,
             "owner": d.step.owner, "clock": d.step.clock, "limit_text": d.step.limit, "basis_level": d.basis_level,
             "started_at": d.started_at, "due_at": d.due_at, "warning": d.warning} for d in deadlines]
    return rows, [timer for row in rows for timer in next_timer_rows(row, policy, set())]


class DispatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure_default_plan(self, now: dt.datetime) -> None:
        await insert_ignoring_conflicts(self.session, models.response_plans, {
            "version": DEFAULT_PLAN.version, "body": DEFAULT_PLAN.to_json(), "created_at": now, "created_by": "system"})

    async def current_plan(self) -> ResponsePlan:
        table = models.response_plans
        row = (await self.session.execute(select(table).order_by(table.c.version.desc()).limit(1))).mappings().first()
        return DEFAULT_PLAN if row is None else ResponsePlan.from_json(row["version"], row["body"])

    async def plan(self, version: int) -> ResponsePlan:
        row = (await self.session.execute(
            select(models.response_plans).where(models.response_plans.c.version == version))).mappings().one()
        return ResponsePlan.from_json(row["version"], row["body"])

    async def units(self) -> list[UnitProfile]:
        return [UnitProfile(r["code"], r["name"], r["kind"], tuple(r["keywords"]), tuple(r["categories"]))
                for r in await self.unit_rows()]

    async def unit_rows(self):
        return (await self.session.execute(select(models.units).order_by(models.units.c.code))).mappings().all()

    async def upsert_unit(self, code: str, name: str, kind: str, parent_code: str | None, keywords: list[str],
                          leader_username: str = "", categories: list[str] = ()) -> None:
        values = {"name": name, "kind": kind, "parent_code": parent_code, "keywords": keywords,
                  "leader_username": leader_username, "categories": list(categories)}
        if not await insert_ignoring_conflicts(self.session, models.units, {"code": code, **values}):
            await self.session.execute(update(models.units).where(models.units.c.code == code).values(**values))

    async def upsert_person(self, username: str, **values) -> None:
        if not await insert_ignoring_conflicts(self.session, models.people, {"username": username, **values}):
            await self.session.execute(update(models.people).where(models.people.c.username == username).values(**values))

    async def unit_row(self, code: str):
        return (await self.session.execute(select(models.units).where(models.units.c.code == code))).mappings().first()

    async def people_of(self, *, unit_code: str | None = None, roles: frozenset[str] = frozenset(),
                        usernames: list[str] | None = None, leadership_group: bool = False) -> list[dict]:
        """People of a unit holding any of `roles`, or named, or in the leadership group."""
        table = models.people
        query = select(table)
        if unit_code is not None:
            query = query.where(table.c.unit_code == unit_code)
        if usernames is not None:
            query = query.where(table.c.username.in_(usernames))
        if leadership_group:
            query = query.where(table.c.leadership_group.is_(True))
        rows = [dict(r) for r in (await self.session.execute(query.order_by(table.c.username))).mappings()]
        return [r for r in rows if not roles or set(r["roles"]) & roles]

    async def on_duty(self, at: dt.datetime) -> list[str]:
        table = models.duty_roster
        rows = await self.session.execute(select(table.c.username).where(table.c.starts_at <= at, table.c.ends_at > at)
                                          .order_by(table.c.starts_at))
        return list(dict.fromkeys(rows.scalars()))

    async def add_shift(self, shift_id: str, username: str, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
        await self.session.execute(models.duty_roster.insert().values(
            shift_id=shift_id, username=username, starts_at=starts_at, ends_at=ends_at))

    async def shifts(self, since: dt.datetime, until: dt.datetime):
        table = models.duty_roster
        return (await self.session.execute(select(table).where(table.c.ends_at > since, table.c.starts_at < until)
                                           .order_by(table.c.starts_at))).mappings().all()

    async def delete_shift(self, shift_id: str) -> bool:
        table = models.duty_roster
        return (await self.session.execute(delete(table).where(table.c.shift_id == shift_id))).rowcount > 0

    async def plan_rows(self) -> list[dict]:
        table = models.response_plans
        return [dict(r) for r in (await self.session.execute(select(table).order_by(table.c.version.desc()))).mappings()]

    async def add_plan(self, body: dict, created_by: str, now: dt.datetime) -> int:
        table = models.response_plans
        version = ((await self.session.execute(select(func.max(table.c.version)))).scalar() or 0) + 1
        await self.session.execute(table.insert().values(version=version, body=body, created_at=now,
                                                         created_by=created_by))
        return version

    # --- holiday calendar ----------------------------------------------------------------

    async def holiday_years(self) -> dict[int, YearSchedule]:
        rows = (await self.session.execute(select(models.holiday_years))).mappings().all()
        return {r["year"]: YearSchedule(r["year"], frozenset(dt.date.fromisoformat(d) for d in r["body"]["holidays"]),
                                        frozenset(dt.date.fromisoformat(d) for d in r["body"]["workdays"]))
                for r in rows}

    async def calendar_signature(self) -> tuple:
        table = models.holiday_years
        return tuple((await self.session.execute(select(table.c.year, table.c.loaded_at).order_by(table.c.year))).all())

    async def save_holiday_year(self, schedule: YearSchedule, source: str, loaded_by: str, now: dt.datetime) -> None:
        table = models.holiday_years
        await self.session.execute(delete(table).where(table.c.year == schedule.year))
        await self.session.execute(table.insert().values(year=schedule.year, body=schedule.to_json(), source=source,
                                                         loaded_by=loaded_by, loaded_at=now))

    async def holiday_year_rows(self):
        table = models.holiday_years
        return (await self.session.execute(select(table.c.year, table.c.source, table.c.loaded_by, table.c.loaded_at)
                                           .order_by(table.c.year))).mappings().all()

    async def open_working_deadlines_with_warnings(self):
        """Working-time deadlines reckoned without calendar data and not yet met."""
        table = models.deadlines
        return (await self.session.execute(select(table).where(
            table.c.clock == "working", table.c.warning != "", table.c.met_at.is_(None)))).mappings().all()

    async def event_plans_for_update(self, event_ids: list[str]) -> dict[str, dict]:
        """The events' plan rows, locked in event order (so two replicas cannot deadlock)."""
        table = models.event_plans
        query = select(table).where(table.c.event_id.in_(event_ids)).order_by(table.c.event_id)
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return {r["event_id"]: dict(r) for r in (await self.session.execute(query)).mappings()}

    async def event_notices(self, event_ids: list[str]) -> dict[str, dict]:
        table = models.event_notices
        rows = await self.session.execute(select(table).where(table.c.event_id.in_(event_ids)))
        return {r["event_id"]: dict(r) for r in rows.mappings()}

    async def drill_speeds(self, drill_ids: list[str]) -> dict[str, float]:
        """Each drill's clock speed; drills unknown here run at real time."""
        if not drill_ids:
            return {}
        table = models.drills
        known = dict((await self.session.execute(select(table.c.drill_id, table.c.speed)
                                                 .where(table.c.drill_id.in_(drill_ids)))).all())
        return {drill_id: known.get(drill_id) or 1.0 for drill_id in drill_ids}

    async def set_event_levels(self, levels: dict[str, str], now: dt.datetime) -> None:
        """Several events' levels at once (their plan rows and every assignment of theirs)."""
        rows = [{"event_id": event_id, "level": level, "updated_at": now} for event_id, level in levels.items()]
        for table in (models.event_plans, models.assignments):
            await update_rows(self.session, table, "event_id", rows)

    async def add_assignment(self, event_id: str, unit_code: str, role: str, level: str, plan_version: int,
                             now: dt.datetime, drill_id: str = "") -> str:
        row = assignment_row(event_id, unit_code, role, level, plan_version, now, drill_id)
        await self.session.execute(models.assignments.insert().values(**row))
        return row["assignment_id"]

    async def event_notice(self, event_id: str, for_update: bool = False):
        query = select(models.event_notices).where(models.event_notices.c.event_id == event_id)
        if for_update and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def save_event_notice(self, event_id: str, deadline: dt.datetime, now: dt.datetime) -> None:
        table = models.event_notices
        await self.session.execute(delete(table).where(table.c.event_id == event_id))
        await self.session.execute(table.insert().values(event_id=event_id, feedback_deadline=deadline, received_at=now))

    async def copy_deadline(self, row: dict) -> None:
        await self.session.execute(models.deadlines.insert().values(**row))

    async def add_timers(self, rows: list[dict]) -> None:
        if rows:
            await self.session.execute(models.timers.insert(), rows)

    async def reschedule(self, deadline: dict, policy: TimerPolicy) -> list[dict]:
        """The next timer of a deadline whose due time moved, at its new time; kinds already
        fired stay fired."""
        table = models.timers
        await self.session.execute(delete(table).where(table.c.deadline_id == deadline["deadline_id"],
                                                       table.c.fired_at.is_(None)))
        fired = (await self.timer_kinds([deadline["deadline_id"]]))[deadline["deadline_id"]]
        rows = next_timer_rows(deadline, policy, fired)
        await self.add_timers(rows)
        return rows

    async def timer_kinds(self, deadline_ids: list[str]) -> defaultdict[str, set[str]]:
        """deadline → the kinds it has a timer row of, fired or pending. A deadline written before
        timers were chained holds all its kinds as pending rows; none is added twice."""
        table = models.timers
        kinds: defaultdict[str, set[str]] = defaultdict(set)
        for deadline_id, kind in await self.session.execute(select(table.c.deadline_id, table.c.kind).where(
                table.c.deadline_id.in_(deadline_ids))):
            kinds[deadline_id].add(kind)
        return kinds

    async def update_deadline(self, deadline_id: str, **values) -> None:
        await self.session.execute(update(models.deadlines).where(models.deadlines.c.deadline_id == deadline_id)
                                   .values(**values))

    async def deadline_rows(self, assignment_id: str):
        return (await self.session.execute(select(models.deadlines).where(
            models.deadlines.c.assignment_id == assignment_id).order_by(models.deadlines.c.due_at))).mappings().all()

    async def meet_deadlines(self, assignment_id: str, owners: set[str], steps: set[str] | None, by: str,
                             now: dt.datetime) -> list[str]:
        """Mark open deadlines of these owners (and steps) met; their pending timers are dropped."""
        table = models.deadlines
        where = [table.c.assignment_id == assignment_id, table.c.met_at.is_(None), table.c.owner.in_(sorted(owners))]
        if steps is not None:
            where.append(table.c.step.in_(sorted(steps)))
        met = list((await self.session.execute(select(table.c.deadline_id).where(*where))).scalars())
        if met:
            await self.session.execute(update(table).where(table.c.deadline_id.in_(met)).values(met_at=now, met_by=by))
            await self.session.execute(delete(models.timers).where(models.timers.c.deadline_id.in_(met),
                                                                   models.timers.c.fired_at.is_(None)))
        return met

    # --- timers ---------------------------------------------------------------------------

    async def next_fire_at(self) -> dt.datetime | None:
        table = models.timers
        return (await self.session.execute(select(func.min(table.c.fire_at)).where(table.c.fired_at.is_(None)))).scalar()

    async def workload(self, now: dt.datetime, open_states: frozenset[str]) -> tuple[int, int]:
        """(open assignments, open assignments with a unit step past due), drills left out."""
        a, d = models.assignments, models.deadlines
        is_open = a.c.state.in_(sorted(open_states)) & (a.c.drill_id == "")
        open_count = await self.session.scalar(select(func.count()).select_from(a).where(is_open))
        late = (select(d.c.assignment_id).where(d.c.owner == "unit", d.c.met_at.is_(None), d.c.due_at < now)
                .distinct().subquery())
        overdue = await self.session.scalar(select(func.count()).select_from(a.join(late, late.c.assignment_id == a.c.assignment_id))
                                            .where(is_open))
        return int(open_count or 0), int(overdue or 0)

    async def claim_due_timers(self, now: dt.datetime, limit: int):
        """Due timers no other replica holds; locked until this transaction ends."""
        table = models.timers
        query = (select(table).where(table.c.fired_at.is_(None), table.c.fire_at <= now)
                 .order_by(table.c.fire_at).limit(limit))
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return (await self.session.execute(query)).mappings().all()

    async def mark_fired(self, timer_ids: list[str], outcomes: dict[str, str], now: dt.datetime) -> None:
        table = models.timers
        for outcome in set(outcomes.values()):
            ids = [t for t in timer_ids if outcomes[t] == outcome]
            await self.session.execute(update(table).where(table.c.timer_id.in_(ids)).values(fired_at=now, outcome=outcome))

    async def deadlines_by_id(self, deadline_ids: list[str]) -> dict[str, dict]:
        table = models.deadlines
        rows = (await self.session.execute(select(table).where(table.c.deadline_id.in_(deadline_ids)))).mappings()
        return {r["deadline_id"]: dict(r) for r in rows}

    async def assignments_by_id(self, assignment_ids: list[str]) -> dict[str, dict]:
        table = models.assignments
        rows = (await self.session.execute(
            select(table, models.units.c.name.label("unit_name"), models.units.c.leader_username)
            .join(models.units, models.units.c.code == table.c.unit_code)
            .where(table.c.assignment_id.in_(assignment_ids)))).mappings()
        return {r["assignment_id"]: dict(r) for r in rows}

    # --- notifications and accountability -----------------------------------------------

    async def add_notifications(self, rows: list[dict]) -> list[dict]:
        """Rows whose dedup_key is new; a person is never told the same thing twice."""
        added = []
        for row in rows:
            if await insert_ignoring_conflicts(self.session, models.notifications, row):
                added.append(row)
        return added

    async def scorecard_inputs(self, since: dt.datetime, until: dt.datetime, unit_code: str | None):
        """Assignments created in [since, until) with their unit steps (and hand-over step), the
        督办 timers fired on them, and the accountability records of the period, per unit. One
        query each, only the rows and columns the figures use: a month of a busy county is tens
        of thousands of rows."""
        table, deadlines, timers = models.assignments, models.deadlines, models.timers
        # Drills are never counted.
        where = [table.c.created_at >= since, table.c.created_at < until, table.c.drill_id == ""]
        if unit_code:
            where.append(table.c.unit_code == unit_code)
        assignments = dict_rows(await self.session.execute(select(
            table.c.assignment_id, table.c.event_id, table.c.unit_code, table.c.state, table.c.created_at,
            table.c.acknowledged_at, table.c.answered_at, table.c.closed_at, table.c.returns).where(*where)))
        found_deadlines = dict_rows(await self.session.execute(select(
            deadlines.c.deadline_id, deadlines.c.assignment_id, deadlines.c.step, deadlines.c.step_name,
            deadlines.c.owner, deadlines.c.due_at, deadlines.c.met_at)
            .join(table, table.c.assignment_id == deadlines.c.assignment_id)
            .where(*where, or_(deadlines.c.owner == "unit", deadlines.c.step == "handover"))))
        supervised = dict_rows(await self.session.execute(select(
            timers.c.assignment_id, timers.c.deadline_id, timers.c.fired_at)
            .join(table, table.c.assignment_id == timers.c.assignment_id)
            .where(*where, timers.c.kind == "supervise", timers.c.outcome == "fired")))
        records = models.accountability
        query = select(records.c.unit_code, func.count()).where(records.c.at >= since, records.c.at < until)
        if unit_code:
            query = query.where(records.c.unit_code == unit_code)
        accountability = dict((await self.session.execute(query.group_by(records.c.unit_code))).all())
        return assignments, found_deadlines, supervised, accountability

    # --- drills ---------------------------------------------------------------------------

    async def add_drill(self, row: dict, items: list[dict]) -> None:
        await self.session.execute(models.drills.insert().values(**row))
        await self.session.execute(models.drill_items.insert(), items)

    async def drill(self, drill_id: str, for_update: bool = False):
        query = select(models.drills).where(models.drills.c.drill_id == drill_id)
        if for_update and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def update_drill(self, drill_id: str, **values) -> None:
        await self.session.execute(update(models.drills).where(models.drills.c.drill_id == drill_id).values(**values))

    async def drill_item_counts(self, drill_id: str) -> tuple[int, int]:
        table = models.drill_items
        total, sent = (await self.session.execute(select(func.count(), func.count(table.c.sent_at)).where(
            table.c.drill_id == drill_id))).one()
        return total, sent

    async def claim_due_drill_items(self, now: dt.datetime, limit: int):
        table = models.drill_items
        query = (select(table).join(models.drills, models.drills.c.drill_id == table.c.drill_id)
                 .where(table.c.sent_at.is_(None), table.c.send_at <= now, models.drills.c.status == "running")
                 .order_by(table.c.send_at, table.c.seq).limit(limit))
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(of=table, skip_locked=True)
        return (await self.session.execute(query)).mappings().all()

    async def next_drill_send_at(self) -> dt.datetime | None:
        table = models.drill_items
        return (await self.session.execute(select(func.min(table.c.send_at)).join(
            models.drills, models.drills.c.drill_id == table.c.drill_id).where(
            table.c.sent_at.is_(None), models.drills.c.status == "running"))).scalar()

    async def mark_drill_item_sent(self, drill_id: str, seq: int, now: dt.datetime, result: str) -> None:
        table = models.drill_items
        await self.session.execute(update(table).where(table.c.drill_id == drill_id, table.c.seq == seq)
                                   .values(sent_at=now, result=result))

    async def drill_deadlines(self, drill_id: str) -> list[dict]:
        """Every deadline of the drill's assignments, with its event and unit."""
        table, deadlines = models.assignments, models.deadlines
        return [dict(r) for r in (await self.session.execute(
            select(deadlines, table.c.event_id, table.c.unit_code).join(
                table, table.c.assignment_id == deadlines.c.assignment_id).where(table.c.drill_id == drill_id)
        )).mappings()]

    async def drill_event_ids(self, drill_id: str) -> list[str]:
        table = models.event_plans
        return list((await self.session.execute(select(table.c.event_id).where(table.c.drill_id == drill_id)
                                                .order_by(table.c.created_at))).scalars())

    async def drop_drill_timers(self, drill_id: str) -> None:
        assignments = select(models.assignments.c.assignment_id).where(models.assignments.c.drill_id == drill_id)
        await self.session.execute(delete(models.timers).where(models.timers.c.assignment_id.in_(assignments),
                                                               models.timers.c.fired_at.is_(None)))

    async def add_deliveries(self, rows: list[dict]) -> None:
        """At most one delivery per notification and channel."""
        if rows:
            dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite
            await self.session.execute(dialect.insert(models.deliveries).values(rows).on_conflict_do_nothing())

    async def deliveries(self, status: str | None, limit: int):
        table, notes = models.deliveries, models.notifications
        query = (select(table, notes.c.username, notes.c.title, notes.c.kind)
                 .join(notes, notes.c.notification_id == table.c.notification_id))
        if status:
            query = query.where(table.c.status == status)
        return (await self.session.execute(query.order_by(table.c.created_at.desc()).limit(limit))).mappings().all()

    async def notifications_of(self, username: str, unread_only: bool, limit: int):
        table = models.notifications
        query = select(table).where(table.c.username == username)
        if unread_only:
            query = query.where(table.c.read_at.is_(None))
        return (await self.session.execute(query.order_by(table.c.created_at.desc()).limit(limit))).mappings().all()

    async def mark_read(self, username: str, notification_ids: list[str], now: dt.datetime) -> int:
        table = models.notifications
        result = await self.session.execute(update(table).where(
            table.c.username == username, table.c.notification_id.in_(notification_ids), table.c.read_at.is_(None))
            .values(read_at=now))
        return result.rowcount

    async def add_accountability(self, row: dict) -> None:
        await self.session.execute(models.accountability.insert().values(**row))

    async def accountability_of(self, unit_code: str | None):
        table = models.accountability
        query = select(table).order_by(table.c.at.desc())
        if unit_code:
            query = query.where(table.c.unit_code == unit_code)
        return (await self.session.execute(query.limit(500))).mappings().all()

    # --- workflow -------------------------------------------------------------------------

    async def assignment_for_update(self, assignment_id: str):
        query = (select(models.assignments, models.units.c.name.label("unit_name"))
                 .join(models.units, models.units.c.code == models.assignments.c.unit_code)
                 .where(models.assignments.c.assignment_id == assignment_id))
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(of=models.assignments)
        return (await self.session.execute(query)).mappings().first()

    async def update_assignment(self, assignment_id: str, **values) -> None:
        await self.session.execute(update(models.assignments).where(
            models.assignments.c.assignment_id == assignment_id).values(**values))

    async def add_action(self, row: dict) -> None:
        await self.session.execute(models.assignment_actions.insert().values(**row))

    async def actions_of_event(self, event_id: str):
        table = models.assignment_actions
        return (await self.session.execute(select(table).where(table.c.event_id == event_id)
                                           .order_by(table.c.seq))).mappings().all()

    async def actions_of(self, assignment_id: str):
        table = models.assignment_actions
        return (await self.session.execute(select(table).where(table.c.assignment_id == assignment_id)
                                           .order_by(table.c.seq))).mappings().all()

    async def add_answer(self, row: dict, attachments: list[dict]) -> None:
        await self.session.execute(models.answers.insert().values(**row))
        if attachments:
            await self.session.execute(models.answer_attachments.insert(), attachments)

    async def unsigned_answer(self, assignment_id: str):
        table = models.answers
        return (await self.session.execute(select(table).where(
            table.c.assignment_id == assignment_id, table.c.kind == "final", table.c.signed_at.is_(None))
            .order_by(table.c.written_at.desc()).limit(1))).mappings().first()

    async def sign_answer(self, answer_id: str, username: str, now: dt.datetime) -> None:
        await self.session.execute(update(models.answers).where(models.answers.c.answer_id == answer_id)
                                   .values(signed_by=username, signed_at=now))

    async def answers_of(self, assignment_ids: list[str]):
        table, files = models.answers, models.answer_attachments
        answers = (await self.session.execute(select(table).where(table.c.assignment_id.in_(assignment_ids))
                                              .order_by(table.c.written_at))).mappings().all()
        attachments = (await self.session.execute(
            select(files.c.attachment_id, files.c.answer_id, files.c.filename, files.c.content_type, files.c.size,
                   files.c.sha256).where(files.c.answer_id.in_([a["answer_id"] for a in answers])))).mappings().all()
        return answers, attachments

    async def answer_attachment(self, assignment_id: str, attachment_id: str):
        files, table = models.answer_attachments, models.answers
        return (await self.session.execute(select(files).join(table, table.c.answer_id == files.c.answer_id).where(
            table.c.assignment_id == assignment_id, files.c.attachment_id == attachment_id))).mappings().first()

    async def pending_extension(self, assignment_id: str):
        table = models.extension_requests
        return (await self.session.execute(select(table).where(
            table.c.assignment_id == assignment_id, table.c.state == "requested"))).mappings().first()

    async def add_extension_request(self, row: dict) -> None:
        await self.session.execute(models.extension_requests.insert().values(**row))

    async def decide_extension(self, request_id: str, **values) -> None:
        await self.session.execute(update(models.extension_requests).where(
            models.extension_requests.c.request_id == request_id).values(**values))

    async def assignments_of_event(self, event_id: str):
        return (await self.session.execute(
            select(models.assignments).where(models.assignments.c.event_id == event_id))).mappings().all()

    async def assignments_of_events(self, event_ids: list[str]) -> dict[str, list[dict]]:
        table = models.assignments
        found: dict[str, list[dict]] = {event_id: [] for event_id in event_ids}
        if event_ids:
            for row in (await self.session.execute(select(table).where(table.c.event_id.in_(event_ids))
                                                   .order_by(table.c.created_at))).mappings():
                found[row["event_id"]].append(dict(row))
        return found

    async def steps_of_assignments(self, assignment_ids: list[str]) -> dict[str, set[str]]:
        table = models.deadlines
        found: dict[str, set[str]] = {assignment_id: set() for assignment_id in assignment_ids}
        if assignment_ids:
            for assignment_id, step in await self.session.execute(
                    select(table.c.assignment_id, table.c.step).where(table.c.assignment_id.in_(assignment_ids))):
                found[assignment_id].add(step)
        return found

    async def page_of_assignments(self, *, unit_code: str | None, event_id: str | None, limit: int, offset: int):
        table = models.assignments
        where = []
        if unit_code is not None:
            where.append(table.c.unit_code == unit_code)
        if event_id:
            where.append(table.c.event_id == event_id)
        total = (await self.session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        rows = (await self.session.execute(
            select(table, models.units.c.name.label("unit_name"))
            .join(models.units, models.units.c.code == table.c.unit_code)
            .where(*where).order_by(table.c.created_at.desc(), table.c.assignment_id).limit(limit).offset(offset)
        )).mappings().all()
        return rows, total

    async def assignment(self, assignment_id: str):
        table = models.assignments
        return (await self.session.execute(
            select(table, models.units.c.name.label("unit_name"))
            .join(models.units, models.units.c.code == table.c.unit_code)
            .where(table.c.assignment_id == assignment_id))).mappings().first()

    async def deadlines_of(self, assignment_ids: list[str]) -> dict[str, list]:
        rows = (await self.session.execute(
            select(models.deadlines).where(models.deadlines.c.assignment_id.in_(assignment_ids))
            .order_by(models.deadlines.c.due_at, models.deadlines.c.step))).mappings().all()
        grouped: dict[str, list] = {a: [] for a in assignment_ids}
        for row in rows:
            grouped[row["assignment_id"]].append(row)
        return grouped
