"""Dispatch use cases: hand graded events to responsible units with the plan's deadlines, run
the assignment workflow, fire durable timers (warnings, 催办, 督办) and tell people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.dispatch import models
from services.dispatch.calendar import WorkCalendar, parse_schedule
from services.dispatch.channels import Channel, delivery_rows
from services.dispatch.domain import (
    MAX_SHIFT,
    OWNER_NAMES,
    UNIT_KINDS,
    HandlingReport,
    PeriodWork,
    ResponsePlan,
    Scorecard,
    TimerPolicy,
    UnitProfile,
    deadlines_for,
    handling_report,
    route,
    validate_plan,
)
from services.dispatch.drills import MAX_SPEED, parse_scenario, score
from services.dispatch.repository import (
    DispatchRepository,
    assignment_row,
    deadline_rows,
    event_plan_row,
    next_timer_rows,
)
from services.dispatch.workflow import OPEN_STATES, TERMINAL_STATES, Request, check
from yuqing.common.v1 import common_pb2
from yuqing.core import streams
from yuqing.core.bus import Envelope, Outbox, describe_message, handle_alone
from yuqing.core.categories import SENSITIVE_CATEGORIES
from yuqing.core.dates import SHANGHAI
from yuqing.core.db import insert_rows, new_id, utcnow
from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from yuqing.core.files import check_attachments, check_document
from yuqing.core.identity import ROLES, Caller
from yuqing.core.levels import LEVEL_NAMES, from_proto, is_higher
from yuqing.core.monitoring import ASSIGNMENTS_OPEN, ASSIGNMENTS_OVERDUE, TIMER_LATENESS
from yuqing.core.protobuf import from_timestamp, timestamp
from yuqing.core.telemetry import inject_context
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.grading.v1 import grading_pb2
from yuqing.ingest.v1 import ingest_pb2
from yuqing.publish.v1 import publish_pb2

# The opinion office keeps events no unit can be found for (DESIGN.md §1).
OFFICE_UNIT = "wxb"
LEAD_OWNERS = {"office", "unit", "spokesperson"}
CO_OWNERS = {"unit"}
UNIT_ROLES = frozenset({"unit_handler", "unit_head"})
OWNER_ROLES = {"unit": UNIT_ROLES, "office": frozenset({"office"}), "spokesperson": frozenset({"spokesperson"})}
TIMER_LABELS = {"overdue": "催办", "supervise": "督办"}
ACCOUNTABILITY_KINDS = {"late": "迟报", "missed": "漏报", "concealed": "瞒报"}
FIRE_BATCH = 200
SUPERIOR_STEP = "superior_feedback"
# What a publication (or offline act) meets: a first response (跟帖 or statement) meets the
# first-response step; an authoritative release also the release step; a press conference its own.
PUBLISHED_STEPS = {"response": {"first_response"}, "thread_reply": {"first_response"},
                   "release": {"first_response", "authoritative_release"}, "press_conference": {"press_conference"}}


def _admin_only(caller: Caller) -> None:
    if "admin" not in caller.roles:
        raise PermissionDenied("此项配置由管理员维护")


def action_row(assignment_id: str, event_id: str, action: str, actor: str, from_state: str, to_state: str,
               now: dt.datetime, reason: str = "", details: dict | None = None) -> dict:
    """One entry of an assignment's timeline."""
    return {"assignment_id": assignment_id, "event_id": event_id, "at": now, "action": action, "actor": actor,
            "from_state": from_state, "to_state": to_state, "reason": reason, "details": details or {}}


def carries_feedback_deadline(envelope: Envelope) -> bool:
    """The only items dispatch acts on: a superior's notice (上级通报) with its feedback deadline."""
    return envelope.parse(ingest_pb2.ItemIngested).HasField("feedback_deadline")


def _local(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


class DispatchService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow,
                 office_unit: str = OFFICE_UNIT, policy: TimerPolicy = TimerPolicy(),
                 timers_changed: Callable[[list[dt.datetime]], None] = lambda moments: None,
                 channels: list[Channel] = (),
                 deliveries_added: Callable[[], None] = lambda: None,
                 submit_items: Callable[[list], Awaitable[list]] | None = None):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.office_unit = office_unit
        self.policy = policy
        # Tells this process's timer scheduler the fire times of timers added or moved.
        self.timers_changed = timers_changed
        self.channels = list(channels)
        # Wakes this process's delivery worker when there is something to send out.
        self.deliveries_added = deliveries_added
        # Sends a drill's items into ingest (the gRPC batch call in production).
        self.submit_items = submit_items
        self.drills_changed: Callable[[], None] = lambda: None
        self._calendar: tuple[tuple, WorkCalendar] = ((), WorkCalendar())
        self.graded_events = GradedEvents(self)

    async def ensure_default_plan(self) -> None:
        async with self.sessions() as session, session.begin():
            await DispatchRepository(session).ensure_default_plan(self.clock())

    async def calendar(self, repo: DispatchRepository) -> WorkCalendar:
        """The working-day calendar with every year an admin loaded (reloaded when that changes)."""
        signature = await repo.calendar_signature()
        if signature != self._calendar[0]:
            self._calendar = (signature, WorkCalendar(await repo.holiday_years()))
        return self._calendar[1]

    # --- events graded --------------------------------------------------------------------

    async def on_event_graded(self, session: AsyncSession, envelope: Envelope) -> None:
        """One level change on its own (as a batch of one)."""
        await handle_alone(self.graded_events, session, envelope)

    async def policies_of(self, repo: DispatchRepository, drill_ids: Iterable[str]) -> dict[str, TimerPolicy]:
        """drill id → its timer policy at its speed ("" → real work's), read in one query."""
        wanted = set(drill_ids)
        speeds = await repo.drill_speeds(sorted(wanted - {""}))
        return {drill_id: self.policy_at(speeds.get(drill_id, 1.0)) for drill_id in wanted}

    async def policy_of(self, repo: DispatchRepository, drill_id: str) -> TimerPolicy:
        """Real work's timer policy, or a drill's at its speed."""
        return (await self.policies_of(repo, [drill_id]))[drill_id]

    def policy_at(self, speed: float) -> TimerPolicy:
        """A drill's 督办 grace runs faster like its other clocks."""
        return self.policy if speed == 1.0 else TimerPolicy(self.policy.warnings, self.policy.supervise_after / speed)

    async def on_item_ingested(self, session: AsyncSession, envelope: Envelope) -> None:
        """Stream handler for ingest's items: a superior's notice (上级通报) carries its own
        feedback deadline, tracked as a step of the event's lead assignment; the earliest of
        several notices wins."""
        message = envelope.parse(ingest_pb2.ItemIngested)
        if not message.HasField("feedback_deadline"):
            return
        deadline, now = from_timestamp(message.feedback_deadline), self.clock()
        repo = DispatchRepository(session)
        known = await repo.event_notice(message.event_id, for_update=True)
        if known is not None and known["feedback_deadline"] <= deadline:
            return
        await repo.save_event_notice(message.event_id, deadline, now)
        self.wake_for(await self.track_notice(repo, message.event_id, deadline, now))

    async def track_notice(self, repo: DispatchRepository, event_id: str, deadline: dt.datetime,
                            now: dt.datetime) -> list[dict]:
        """The notice's deadline on the lead assignment (once the event has one)."""
        lead = next((a for a in await repo.assignments_of_event(event_id)
                     if a["role"] == "lead" and a["state"] not in TERMINAL_STATES), None)
        if lead is None:
            return []
        existing = next((d for d in await repo.deadline_rows(lead["assignment_id"]) if d["step"] == SUPERIOR_STEP), None)
        limit = f"上级限定 {_local(deadline)}"
        warning = "收到通报时已超过上级限定的反馈时间" if deadline <= now else ""
        if existing is None:
            row = {"deadline_id": new_id(), "assignment_id": lead["assignment_id"], "step": SUPERIOR_STEP,
                   "step_name": "向上级反馈通报核查情况", "owner": "office", "clock": "calendar", "limit_text": limit,
                   "basis_level": lead["level"], "started_at": now, "due_at": deadline, "warning": warning,
                   "paused_minutes": 0}
            await repo.copy_deadline(row)
        elif existing["met_at"] is None and deadline < existing["due_at"]:
            row = {**existing, "due_at": deadline, "limit_text": limit, "warning": warning}
            await repo.update_deadline(existing["deadline_id"], due_at=deadline, limit_text=limit, warning=warning)
        else:
            return []
        return await repo.reschedule(row, await self.policy_of(repo, lead["drill_id"]))

    async def on_statement_published(self, session: AsyncSession, envelope: Envelope) -> None:
        """Stream handler for publish: what went public meets the spokesperson's plan steps."""
        message = envelope.parse(publish_pb2.StatementPublished)
        steps = PUBLISHED_STEPS.get(message.kind, set())
        if not steps:
            return
        repo, at = DispatchRepository(session), from_timestamp(message.published_at)
        for assignment in await repo.assignments_of_event(message.event_id):
            if assignment["role"] != "lead" or assignment["state"] in TERMINAL_STATES:
                continue
            met = await repo.meet_deadlines(assignment["assignment_id"], {"spokesperson"}, steps,
                                            message.spokesperson, at)
            if met:
                await self._record(repo, assignment["assignment_id"], message.event_id, "complete_step",
                                   message.spokesperson, assignment["state"], assignment["state"], at,
                                   details={"steps": sorted(steps), "statement_id": message.statement_id,
                                            "release_id": message.release_id})

    def wake_for(self, timers: list[dict]) -> None:
        """The scheduler learns these timers' fire times (it also reads the next one from the
        database every second, which is how replicas learn of each other's timers)."""
        if timers:
            self.timers_changed([timer["fire_at"] for timer in timers])

    # --- the workflow ---------------------------------------------------------------------

    async def act(self, caller: Caller, assignment_id: str, action: str, request: Request,
                  attachments: list[tuple[str, bytes]] = ()) -> str:
        """Validate and apply one workflow action; returns the assignment id to show (the new
        one after 改派)."""
        now = self.clock()
        files = []
        if attachments:
            files, problems = check_attachments(list(attachments), accept=check_document, default_name="附件")
            if problems:
                raise InvalidInput("附件不符合要求", problems)
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            row = await repo.assignment_for_update(assignment_id)
            if row is None or (not caller.county_wide and row["unit_code"] != caller.unit_code):
                raise NotFound(f"交办单 {assignment_id} 不存在或不属于本单位")
            to_state = check(action, row["state"], caller, row["unit_code"], request,
                             extension_pending=row["extension_pending"], state_before_return=row["state_before_return"] or "")
            shown, details = await self._apply(repo, row, action, to_state, caller, request, files, now)
            await self._record(repo, assignment_id, row["event_id"], action, caller.username, row["state"], to_state,
                               now, reason=request.reason.strip(), details=details)
            await self.outbox.add(session, streams.ASSIGNMENTS, dispatch_pb2.AssignmentChanged(
                assignment_id=assignment_id, event_id=row["event_id"], unit_code=row["unit_code"], action=action,
                from_state=row["state"], to_state=to_state, actor=caller.username, at=timestamp(now)))
        self.outbox.notify()
        return shown

    async def _apply(self, repo: DispatchRepository, row, action: str, to_state: str, caller: Caller,
                     request: Request, files, now: dt.datetime) -> tuple[str, dict]:
        assignment_id, values, details, shown = row["assignment_id"], {"state": to_state, "updated_at": now}, {}, row["assignment_id"]
        if action == "acknowledge":
            values["acknowledged_at"] = now
            # The hand-over is done when the unit has it.
            await repo.meet_deadlines(assignment_id, {"office"}, {"handover"}, caller.username, now)
        elif action in ("answer", "holding_answer"):
            answer_id = new_id()
            signed = action == "answer" and to_state == "answered"
            await repo.add_answer({
                "answer_id": answer_id, "assignment_id": assignment_id,
                "kind": "final" if action == "answer" else "holding", "text": request.text.strip(),
                "written_by": caller.username, "written_at": now,
                "signed_by": caller.username if signed else None, "signed_at": now if signed else None,
            }, [{"attachment_id": new_id(), "answer_id": answer_id, "filename": f.filename,
                 "content_type": f.content_type, "size": f.size, "sha256": f.sha256, "data": f.data} for f in files])
            details = {"answer_id": answer_id, "attachments": [{"filename": f.filename, "sha256": f.sha256} for f in files]}
            if signed:
                values["answered_at"] = now
                details["met"] = await repo.meet_deadlines(assignment_id, {"unit"}, None, caller.username, now)
        elif action == "sign_off":
            answer = await repo.unsigned_answer(assignment_id)
            if answer is None:
                raise Conflict("没有待签发的反馈")
            await repo.sign_answer(answer["answer_id"], caller.username, now)
            values["answered_at"] = now
            details = {"answer_id": answer["answer_id"],
                       "met": await repo.meet_deadlines(assignment_id, {"unit"}, None, answer["written_by"], now)}
        elif action == "send_back":
            values["returns"] = row["returns"] + 1
        elif action == "close":
            values["closed_at"] = now
        elif action == "request_return":
            values["state_before_return"] = row["state"]
        elif action in ("accept_return", "refuse_return"):
            values["state_before_return"] = None
            if action == "accept_return":
                values["closed_at"] = now
        elif action == "request_extension":
            values["extension_pending"] = True
            request_id = new_id()
            await repo.add_extension_request({"request_id": request_id, "assignment_id": assignment_id,
                                              "minutes": request.minutes, "reason": request.reason.strip(),
                                              "state": "requested", "requested_by": caller.username, "requested_at": now})
            details = {"request_id": request_id, "minutes": request.minutes}
        elif action in ("approve_extension", "refuse_extension"):
            pending = await repo.pending_extension(assignment_id)
            values["extension_pending"] = False
            approved = action == "approve_extension"
            await repo.decide_extension(pending["request_id"], state="approved" if approved else "refused",
                                        decided_by=caller.username, decided_at=now, decision_note=request.reason.strip())
            details = {"request_id": pending["request_id"], "minutes": pending["minutes"]}
            if approved:
                details["deadlines"] = await self._pause(repo, row, pending["minutes"], now)
        elif action == "reassign":
            shown = await self._reassign(repo, row, request.target_unit, caller, now)
            values.update(successor_id=shown, closed_at=now)
            details = {"to_unit": request.target_unit, "new_assignment_id": shown}
        elif action == "merge":
            target = await repo.assignment_for_update(request.target_assignment)
            if target is None or target["assignment_id"] == assignment_id or target["state"] in TERMINAL_STATES:
                raise InvalidInput("并单目标无效", [FieldProblem("target_assignment", "须是另一张未办结的交办单")])
            if target["unit_code"] != row["unit_code"]:
                raise InvalidInput("并单目标无效", [FieldProblem("target_assignment", "只能并入同一单位的交办单")])
            values.update(successor_id=target["assignment_id"], closed_at=now)
            details = {"into": target["assignment_id"], "into_event": target["event_id"]}
        if to_state in TERMINAL_STATES:
            # Nothing more is asked of a closed, returned, re-routed or merged assignment.
            await repo.meet_deadlines(assignment_id, set(OWNER_NAMES), None, caller.username, now)
        await repo.update_assignment(assignment_id, **values)
        return shown, details

    async def _pause(self, repo: DispatchRepository, assignment, minutes: int, now: dt.datetime) -> list[str]:
        """An approved extension stops the unit's clocks for its length: open unit deadlines move
        later by that much, and their timers with them."""
        moved, timers = [], []
        policy = await self.policy_of(repo, assignment["drill_id"])
        for deadline in await repo.deadline_rows(assignment["assignment_id"]):
            if deadline["owner"] != "unit" or deadline["met_at"] is not None:
                continue
            updated = {**deadline, "due_at": deadline["due_at"] + dt.timedelta(minutes=minutes),
                       "paused_minutes": deadline["paused_minutes"] + minutes}
            await repo.update_deadline(deadline["deadline_id"], due_at=updated["due_at"],
                                       paused_minutes=updated["paused_minutes"])
            timers += await repo.reschedule(updated, policy)
            moved.append(deadline["step"])
        self.wake_for(timers)
        return moved

    async def _reassign(self, repo: DispatchRepository, row, unit_code: str, caller: Caller, now: dt.datetime) -> str:
        """改派: the other unit gets a new assignment carrying the open deadlines as they stand."""
        if await repo.unit_row(unit_code) is None:
            raise InvalidInput("改派单位无效", [FieldProblem("target_unit", f"单位 {unit_code} 不存在")])
        if unit_code == row["unit_code"]:
            raise InvalidInput("改派单位无效", [FieldProblem("target_unit", "须改派给其他单位")])
        if any(a["unit_code"] == unit_code for a in await repo.assignments_of_event(row["event_id"])):
            raise Conflict(f"单位 {unit_code} 已办理过该事件，请改用并单或选择其他单位")
        new_assignment = await repo.add_assignment(row["event_id"], unit_code, row["role"], row["level"],
                                                   row["plan_version"], now, row["drill_id"])
        timers, policy = [], await self.policy_of(repo, row["drill_id"])
        for deadline in await repo.deadline_rows(row["assignment_id"]):
            if deadline["met_at"] is not None:
                continue
            copy = {**deadline, "deadline_id": new_id(), "assignment_id": new_assignment}
            await repo.copy_deadline(copy)
            timers += await repo.reschedule(copy, policy)
        self.wake_for(timers)
        await self._record(repo, new_assignment, row["event_id"], "assigned", caller.username, "", "pending_ack", now,
                           details={"unit": unit_code, "role": row["role"], "from_assignment": row["assignment_id"]})
        return new_assignment

    async def complete_step(self, caller: Caller, assignment_id: str, step: str, note: str) -> None:
        """The office or the spokesperson records a step of theirs as done (报告, 发布 …)."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            row = await repo.assignment_for_update(assignment_id)
            if row is None or not caller.county_wide and not caller.roles & {"spokesperson"}:
                raise NotFound(f"交办单 {assignment_id} 不存在")
            deadline = next((d for d in await repo.deadline_rows(assignment_id) if d["step"] == step), None)
            if deadline is None:
                raise NotFound(f"交办单没有环节 {step}")
            if not caller.roles & (OWNER_ROLES[deadline["owner"]] | {"admin"}) or deadline["owner"] == "unit":
                raise PermissionDenied(f"「{deadline['step_name']}」由{OWNER_NAMES[deadline['owner']]}完成")
            if deadline["met_at"] is not None:
                raise Conflict(f"「{deadline['step_name']}」已于 {_local(deadline['met_at'])} 完成")
            await repo.meet_deadlines(assignment_id, {deadline["owner"]}, {step}, caller.username, now)
            await self._record(repo, assignment_id, row["event_id"], "complete_step", caller.username, row["state"],
                               row["state"], now, reason=note.strip(), details={"step": step})

    async def _record(self, repo: DispatchRepository, assignment_id: str, event_id: str, action: str, actor: str,
                      from_state: str, to_state: str, now: dt.datetime, reason: str = "", details: dict | None = None):
        await repo.add_action(action_row(assignment_id, event_id, action, actor, from_state, to_state, now, reason,
                                         details))

    # --- timers ---------------------------------------------------------------------------

    async def next_fire_at(self) -> dt.datetime | None:
        async with self.sessions() as session:
            return await DispatchRepository(session).next_fire_at()

    async def fire_due_timers(self, limit: int = FIRE_BATCH) -> int:
        """Fire what is due, once: claimed with SKIP LOCKED and marked fired in the transaction
        that writes the notifications, so a crash before commit leaves the timer to fire again
        and a concurrent replica never sees it."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            due = await repo.claim_due_timers(now, limit)
            if not due:
                return 0
            deadlines = await repo.deadlines_by_id(list({t["deadline_id"] for t in due}))
            assignments = await repo.assignments_by_id(list({t["assignment_id"] for t in due}))
            on_duty = await repo.on_duty(now)
            outcomes: dict[str, str] = {}
            alerts = []
            for timer in due:
                deadline, assignment = deadlines[timer["deadline_id"]], assignments[timer["assignment_id"]]
                if deadline["met_at"] is not None or assignment["state"] in TERMINAL_STATES:
                    outcomes[timer["timer_id"]] = "skipped"
                    continue
                outcomes[timer["timer_id"]] = "fired"
                recipients = await self._recipients(repo, timer["kind"], deadline, assignment, on_duty)
                title, body = self._alert_text(timer["kind"], deadline, assignment)
                told = await repo.add_notifications([{
                    "notification_id": new_id(), "username": username, "kind": timer["kind"], "title": title,
                    "body": body, "event_id": assignment["event_id"], "assignment_id": assignment["assignment_id"],
                    "dedup_key": f"{timer['kind']}:{deadline['deadline_id']}:{username}", "created_at": now,
                } for username in recipients])
                if told and self.channels:
                    people = {p["username"]: p for p in await repo.people_of(usernames=[n["username"] for n in told])}
                    sending = delivery_rows(self.channels, told, people, now)
                    await repo.add_deliveries(sending)
                if timer["kind"] == "supervise":
                    unit = assignment["unit_code"] if deadline["owner"] == "unit" else self.office_unit
                    await repo.add_accountability({
                        "record_id": new_id(), "unit_code": unit, "assignment_id": assignment["assignment_id"],
                        "deadline_id": deadline["deadline_id"], "kind": "late",
                        "note": f"「{deadline['step_name']}」超过时限（{_local(deadline['due_at'])}）未完成，已督办",
                        "recorded_by": "system", "at": now})
                alerts.append(dispatch_pb2.DeadlineAlert(
                    timer_id=timer["timer_id"], kind=timer["kind"], assignment_id=assignment["assignment_id"],
                    event_id=assignment["event_id"], unit_code=assignment["unit_code"], step=deadline["step"],
                    step_name=deadline["step_name"], due_at=timestamp(deadline["due_at"]),
                    fire_at=timestamp(timer["fire_at"]), fired_at=timestamp(now), recipients=recipients, title=title))
            await repo.mark_fired([t["timer_id"] for t in due], outcomes, now)
            following = await self._next_timers(repo, [t for t in due if outcomes[t["timer_id"]] == "fired"],
                                                deadlines, assignments)
            await self.outbox.add_many(session, streams.ALERTS, alerts)
        self.outbox.notify()
        self.wake_for(following)
        if self.channels:
            self.deliveries_added()
        for timer in due:
            TIMER_LATENESS.observe(max((now - timer["fire_at"]).total_seconds(), 0.0))
        return len(due)

    async def _next_timers(self, repo: DispatchRepository, fired: list[dict], deadlines: dict[str, dict],
                           assignments: dict[str, dict]) -> list[dict]:
        """Each fired timer's deadline gets its next timer (a drill's 督办 grace runs at its speed)."""
        if not fired:
            return []
        kinds_written = await repo.timer_kinds([t["deadline_id"] for t in fired])
        drill_of = {t["timer_id"]: assignments[t["assignment_id"]]["drill_id"] for t in fired}
        policies = await self.policies_of(repo, drill_of.values())
        rows = [row for t in fired for row in next_timer_rows(
            deadlines[t["deadline_id"]], policies[drill_of[t["timer_id"]]], kinds_written[t["deadline_id"]])]
        await repo.add_timers(rows)
        return rows

    async def refresh_workload_figures(self) -> None:
        """Open and overdue assignments (drills left out) for the operator's gauges."""
        async with self.sessions() as session:
            open_count, overdue = await DispatchRepository(session).workload(self.clock(), OPEN_STATES)
        ASSIGNMENTS_OPEN.set(open_count)
        ASSIGNMENTS_OVERDUE.set(overdue)

    async def _recipients(self, repo: DispatchRepository, kind: str, deadline: dict, assignment: dict,
                          on_duty: list[str]) -> list[str]:
        """Warnings go to whoever owns the step; 催办 also to the person on duty; 督办 to the
        unit's leader (or the leadership group when the unit has none named)."""
        owner = deadline["owner"]
        if kind == "supervise":
            leader = assignment["leader_username"] if owner == "unit" else ""
            if leader:
                return [leader]
            return [p["username"] for p in await repo.people_of(leadership_group=True)]
        unit = assignment["unit_code"] if owner == "unit" else None
        people = [p["username"] for p in await repo.people_of(unit_code=unit, roles=OWNER_ROLES[owner])]
        if kind == "overdue":
            people += on_duty
        return list(dict.fromkeys(people))

    @staticmethod
    def _alert_text(kind: str, deadline: dict, assignment: dict) -> tuple[str, str]:
        step, due = deadline["step_name"], _local(deadline["due_at"])
        who = assignment["unit_name"] if deadline["owner"] == "unit" else OWNER_NAMES[deadline["owner"]]
        if kind.startswith("warn_"):
            title = f"【时限预警】{who}「{step}」已用去 {kind[5:]}% 时限"
        else:
            title = f"【{TIMER_LABELS[kind]}】{who}「{step}」已超过时限"
        if assignment["drill_id"]:
            title = f"【演练】{title}"
        return title, f"{LEVEL_NAMES.get(assignment['level'], '')}事件交办单 {assignment['assignment_id']}：「{step}」须在 {due} 前完成。"

    # --- directory, duty roster, response plans ---------------------------------------------

    async def save_unit(self, caller: Caller, code: str, name: str, kind: str, parent_code: str, keywords: list[str],
                        categories: list[str], leader_username: str) -> None:
        _admin_only(caller)
        problems = []
        if not code.strip() or len(code) > 64 or not code.replace("_", "").isalnum():
            problems.append(FieldProblem("code", "单位代码须为字母、数字或下划线"))
        if not name.strip():
            problems.append(FieldProblem("name", "请填写单位名称"))
        if kind not in UNIT_KINDS:
            problems.append(FieldProblem("kind", f"单位类型须是 {'、'.join(UNIT_KINDS)} 之一"))
        unknown = [c for c in categories if c not in SENSITIVE_CATEGORIES]
        if unknown:
            problems.append(FieldProblem("categories", f"未知敏感类别：{'、'.join(unknown)}"))
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            units = {u["code"]: u for u in await repo.unit_rows()}
            if parent_code:
                walk, seen = parent_code, {code}
                while walk and walk not in seen:
                    if walk not in units:
                        problems.append(FieldProblem("parent_code", f"上级单位 {walk} 不存在"))
                        break
                    seen.add(walk)
                    walk = units[walk]["parent_code"]
                else:
                    if walk:
                        problems.append(FieldProblem("parent_code", "上下级关系不能成环"))
            if leader_username and not await repo.people_of(usernames=[leader_username]):
                problems.append(FieldProblem("leader_username", f"{leader_username} 不在人员名录中"))
            if problems:
                raise InvalidInput("单位信息有误", problems)
            await repo.upsert_unit(code, name.strip(), kind, parent_code or None, [k.strip() for k in keywords if k.strip()],
                                   leader_username, categories)

    async def people(self, caller: Caller) -> list[dict]:
        if not caller.county_wide:
            raise PermissionDenied("人员名录仅对舆情办、领导和管理员开放")
        async with self.sessions() as session:
            return await DispatchRepository(session).people_of()

    async def save_person(self, caller: Caller, username: str, display_name: str, unit_code: str, roles: list[str],
                          email: str, phone: str, leadership_group: bool) -> None:
        _admin_only(caller)
        problems = []
        if not username.strip() or len(username) > 64:
            problems.append(FieldProblem("username", "请填写用户名"))
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            problems.append(FieldProblem("roles", f"未知角色：{'、'.join(unknown)}"))
        if email and ("@" not in email or len(email) > 200):
            problems.append(FieldProblem("email", "电子邮箱格式不正确"))
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            if await repo.unit_row(unit_code) is None:
                problems.append(FieldProblem("unit_code", f"单位 {unit_code} 不存在"))
            if problems:
                raise InvalidInput("人员信息有误", problems)
            await repo.upsert_person(username, display_name=display_name.strip() or username, unit_code=unit_code,
                                     roles=sorted(set(roles)), email=email.strip(), phone=phone.strip(),
                                     leadership_group=leadership_group)

    async def shifts(self, caller: Caller, since: dt.datetime, until: dt.datetime) -> tuple[list, list[str]]:
        """(shifts overlapping the range, who is on duty now)."""
        if not caller.county_wide:
            raise PermissionDenied("值班表仅对舆情办、领导和管理员开放")
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            return await repo.shifts(since, until), await repo.on_duty(self.clock())

    async def add_shift(self, caller: Caller, username: str, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
        if not caller.roles & {"admin", "office"}:
            raise PermissionDenied("值班表由舆情办排定")
        problems = []
        if ends_at <= starts_at:
            problems.append(FieldProblem("ends_at", "结束时间须晚于开始时间"))
        elif ends_at - starts_at > MAX_SHIFT:
            problems.append(FieldProblem("ends_at", "一个班次最长 7 天"))
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            if not await repo.people_of(usernames=[username]):
                problems.append(FieldProblem("username", f"{username} 不在人员名录中"))
            if problems:
                raise InvalidInput("班次有误", problems)
            shift_id = new_id()
            await repo.add_shift(shift_id, username, starts_at, ends_at)
        return shift_id

    async def delete_shift(self, caller: Caller, shift_id: str) -> None:
        if not caller.roles & {"admin", "office"}:
            raise PermissionDenied("值班表由舆情办排定")
        async with self.sessions() as session, session.begin():
            if not await DispatchRepository(session).delete_shift(shift_id):
                raise NotFound(f"班次 {shift_id} 不存在")

    async def plans(self) -> list[dict]:
        async with self.sessions() as session:
            return await DispatchRepository(session).plan_rows()

    async def save_plan(self, caller: Caller, plan: ResponsePlan) -> int:
        """A new version; events keep the version frozen onto them when they were graded."""
        _admin_only(caller)
        validate_plan(plan)
        async with self.sessions() as session, session.begin():
            return await DispatchRepository(session).add_plan(plan.to_json(), caller.username, self.clock())

    # --- drills ------------------------------------------------------------------------------

    async def start_drill(self, caller: Caller, data: bytes, speed: float) -> str:
        """Schedule a scenario's items; they go into ingest as they come due (`send_due_drill_items`)."""
        if not caller.roles & {"admin"}:
            raise PermissionDenied("演练由管理员发起")
        if not 1.0 <= speed <= MAX_SPEED:
            raise InvalidInput("演练速度无效", [FieldProblem("speed", f"须在 1 到 {MAX_SPEED:g} 倍之间")])
        scenario = parse_scenario(data)
        now, drill_id = self.clock(), new_id()
        items = []
        for seq, item in enumerate(scenario.items):
            fields = dict(item.fields)
            items.append({"drill_id": drill_id, "seq": seq, "send_at": now + dt.timedelta(minutes=item.at_minutes / speed),
                          "payload": {**fields, "ref": item.ref, "url": f"https://drill.invalid/{drill_id}/{item.ref}"}})
        async with self.sessions() as session, session.begin():
            await DispatchRepository(session).add_drill(
                {"drill_id": drill_id, "name": scenario.name, "speed": speed, "status": "running",
                 "scenario": {"name": scenario.name, "items": len(items)}, "started_by": caller.username,
                 "started_at": now}, items)
        self.drills_changed()
        return drill_id

    async def send_due_drill_items(self, limit: int = 50) -> int:
        """Send the drill items that are due into ingest, marked with their drill."""
        if self.submit_items is None:
            return 0
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            due = await repo.claim_due_drill_items(now, limit)
            if not due:
                return 0
            results = await self.submit_items([ingest_pb2.ItemInput(
                source=row["payload"]["source"], platform=row["payload"].get("platform", ""),
                title=row["payload"].get("title", ""), content=row["payload"].get("content", ""),
                author=row["payload"].get("author", ""), region_hint=row["payload"].get("region_hint", ""),
                url=row["payload"]["url"], metrics=common_pb2.Metrics(**row["payload"].get("metrics", {})),
                discovered_at=timestamp(now), drill_id=row["drill_id"], reporter="演练") for row in due])
            for row, result in zip(due, results):
                await repo.mark_drill_item_sent(row["drill_id"], row["seq"], now,
                                                result.event_id or result.message or "rejected")
        return len(due)

    async def next_drill_send_at(self) -> dt.datetime | None:
        async with self.sessions() as session:
            return await DispatchRepository(session).next_drill_send_at()

    async def finish_drill(self, caller: Caller, drill_id: str) -> dict:
        """End the drill: its remaining timers stop, and its score is kept."""
        if not caller.roles & {"admin", "office"}:
            raise PermissionDenied("演练由管理员或舆情办结束")
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            row = await repo.drill(drill_id, for_update=True)
            if row is None:
                raise NotFound(f"演练 {drill_id} 不存在")
            if row["status"] == "finished":
                raise Conflict("演练已结束")
            scores = score(await repo.drill_deadlines(drill_id), row["started_at"], now, row["speed"])
            await repo.update_drill(drill_id, status="finished", finished_at=now, score=[s.as_dict() for s in scores])
            await repo.drop_drill_timers(drill_id)
        return await self.drill(caller, drill_id)

    async def drill(self, caller: Caller, drill_id: str) -> dict:
        if not caller.county_wide:
            raise PermissionDenied("演练情况仅对舆情办、领导和管理员开放")
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            row = await repo.drill(drill_id)
            if row is None:
                raise NotFound(f"演练 {drill_id} 不存在")
            total, sent = await repo.drill_item_counts(drill_id)
            if row["status"] == "finished":
                scores = row["score"]
            else:
                scores = [s.as_dict() for s in score(await repo.drill_deadlines(drill_id), row["started_at"],
                                                     self.clock(), row["speed"])]
            return {**row, "items_total": total, "items_sent": sent, "event_ids": await repo.drill_event_ids(drill_id),
                    "score": scores}

    # --- calendars ----------------------------------------------------------------------------

    async def load_holiday_year(self, caller: Caller, year: int, data: bytes, filename: str) -> list[dict]:
        """Load (or replace) a year's schedule; working-time deadlines that were reckoned without
        it are reckoned again, exactly, and their timers follow."""
        _admin_only(caller)
        if not 2000 <= year <= 2100:
            raise InvalidInput("年份无效", [FieldProblem("year", "须在 2000 到 2100 之间")])
        schedule = parse_schedule(year, data, filename)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            await repo.save_holiday_year(schedule, filename or "api", caller.username, now)
            calendar = await self.calendar(repo)
            timers = []
            deadlines = await repo.open_working_deadlines_with_warnings()
            drill_of = {a: row["drill_id"] for a, row in
                        (await repo.assignments_by_id(list({d["assignment_id"] for d in deadlines}))).items()}
            policies = await self.policies_of(repo, [*drill_of.values(), ""])
            for deadline in deadlines:
                plan_days = int(deadline["limit_text"].removesuffix("个工作日"))
                reckoned = calendar.add_working_days(deadline["started_at"], plan_days)
                updated = {**deadline, "due_at": reckoned.due_at + dt.timedelta(minutes=deadline["paused_minutes"]),
                           "warning": reckoned.warning}
                await repo.update_deadline(deadline["deadline_id"], due_at=updated["due_at"], warning=reckoned.warning)
                timers += await repo.reschedule(updated, policies[drill_of.get(deadline["assignment_id"], "")])
            self.wake_for(timers)
            rows = await repo.holiday_year_rows()
        return [dict(r) for r in rows]

    async def holiday_years(self) -> list[dict]:
        async with self.sessions() as session:
            return [dict(r) for r in await DispatchRepository(session).holiday_year_rows()]

    # --- reading ----------------------------------------------------------------------------

    async def page_of_assignments(self, caller: Caller, event_id: str | None, limit: int, offset: int):
        """A unit's users see only their unit's assignments; county-wide roles see all."""
        unit_code = None if caller.county_wide else caller.unit_code
        if unit_code == "":
            return [], 0, {}, {}
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            rows, total = await repo.page_of_assignments(unit_code=unit_code, event_id=event_id, limit=limit, offset=offset)
            ids = [r["assignment_id"] for r in rows]
            actions = {i: [] for i in ids}
            if event_id:
                for action in await repo.actions_of_event(event_id):
                    actions.setdefault(action["assignment_id"], []).append(action)
            return rows, total, await repo.deadlines_of(ids), actions

    async def assignment(self, caller: Caller, assignment_id: str):
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            row = await repo.assignment(assignment_id)
            if row is None or (not caller.county_wide and row["unit_code"] != caller.unit_code):
                raise NotFound(f"交办单 {assignment_id} 不存在或不属于本单位")
            answers, attachments = await repo.answers_of([assignment_id])
            return (row, (await repo.deadlines_of([assignment_id]))[assignment_id], await repo.actions_of(assignment_id),
                    answers, attachments, await repo.pending_extension(assignment_id))

    async def answer_attachment(self, caller: Caller, assignment_id: str, attachment_id: str):
        await self.assignment(caller, assignment_id)
        async with self.sessions() as session:
            row = await DispatchRepository(session).answer_attachment(assignment_id, attachment_id)
        if row is None:
            raise NotFound("附件不存在")
        return row

    async def units(self):
        async with self.sessions() as session:
            return await DispatchRepository(session).unit_rows()

    async def notifications(self, caller: Caller, unread_only: bool, limit: int):
        async with self.sessions() as session:
            return await DispatchRepository(session).notifications_of(caller.username, unread_only, limit)

    async def scorecards(self, caller: Caller, since: dt.date, until: dt.date, unit_code: str | None) -> list[Scorecard]:
        """考核 per unit for the days [since, until] (Asia/Shanghai); a unit sees its own only."""
        if not caller.county_wide:
            unit_code = caller.unit_code
        period = await self._period(since, until, unit_code)
        units = [unit_code] if unit_code else list(period.names)
        return period.scorecards(units, self.clock())

    async def handling_report(self, caller: Caller, since: dt.date, until: dt.date) -> HandlingReport:
        """处置情况 for a bulletin: county-wide on-time rates, the overdue and 督办 lists and the
        scorecards of units that had work in the period."""
        if not caller.roles & {"office", "admin", "leader", "superior_reader"}:
            raise PermissionDenied("处置情况汇总仅对舆情办、领导和上级开放")
        return handling_report(await self._period(since, until, None), self.clock())

    async def _period(self, since: dt.date, until: dt.date, unit_code: str | None) -> PeriodWork:
        if until < since:
            raise InvalidInput("考核期间有误", [FieldProblem("end", "结束日期早于开始日期")])
        if (until - since).days > 366:
            raise InvalidInput("考核期间过长", [FieldProblem("end", "一次最多统计一年")])
        start = dt.datetime.combine(since, dt.time(), SHANGHAI).astimezone(dt.UTC)
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), SHANGHAI).astimezone(dt.UTC)
        async with self.sessions() as session:
            repo = DispatchRepository(session)
            assignments, deadlines, supervised, accountability = await repo.scorecard_inputs(start, end, unit_code)
            names = {u["code"]: u["name"] for u in await repo.unit_rows()}
        return PeriodWork(assignments, deadlines, supervised, accountability, names)

    async def deliveries(self, caller: Caller, status: str | None, limit: int):
        if not caller.roles & {"admin", "office"}:
            raise PermissionDenied("发送记录仅对舆情办和管理员开放")
        async with self.sessions() as session:
            return await DispatchRepository(session).deliveries(status, limit)

    async def mark_read(self, caller: Caller, notification_ids: list[str]) -> int:
        async with self.sessions() as session, session.begin():
            return await DispatchRepository(session).mark_read(caller.username, notification_ids, self.clock())

    async def accountability(self, caller: Caller, unit_code: str | None):
        if not caller.county_wide:
            unit_code = caller.unit_code
        async with self.sessions() as session:
            return await DispatchRepository(session).accountability_of(unit_code)

    async def record_accountability(self, caller: Caller, assignment_id: str, kind: str, note: str) -> None:
        """The office records 漏报 or 瞒报 (迟报 is recorded when a timer supervises)."""
        if not caller.roles & {"office", "admin"}:
            raise PermissionDenied("问责记录由舆情办登记")
        if kind not in ACCOUNTABILITY_KINDS:
            raise InvalidInput("问责类型无效", [FieldProblem("kind", "可选：late 迟报、missed 漏报、concealed 瞒报")])
        if not note.strip():
            raise InvalidInput("请说明情况", [FieldProblem("note", "必填")])
        async with self.sessions() as session, session.begin():
            repo = DispatchRepository(session)
            row = await repo.assignment_for_update(assignment_id)
            if row is None:
                raise NotFound(f"交办单 {assignment_id} 不存在")
            await repo.add_accountability({"record_id": new_id(), "unit_code": row["unit_code"],
                                           "assignment_id": assignment_id, "deadline_id": None, "kind": kind,
                                           "note": note.strip(), "recorded_by": caller.username, "at": self.clock()})


@dataclass
class _Graded:
    """What one stream batch of level changes read and what it will write."""

    now: dt.datetime
    messages: dict[str, grading_pb2.EventGraded]
    plans: dict[str, dict]                  # event → its plan row as it stands in this batch (locked)
    calendar: WorkCalendar
    speeds: dict[str, float]                # drill → clock speed
    plan: ResponsePlan | None = None        # the current plan, for events seen the first time
    units: list[UnitProfile] = field(default_factory=list)
    notices: dict[str, dict] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=lambda: {table.name: [] for table in _CREATED_TABLES})
    announcements: list[dispatch_pb2.AssignmentChanged] = field(default_factory=list)
    trace_headers: list[dict[str, str]] = field(default_factory=list)
    timers: list[dict] = field(default_factory=list)   # timer rows added (the scheduler is told at finish)
    # The assignments of the batch's moving events (stored ones read once at start, new ones as
    # created) and each assignment's steps, kept up to date with what the batch adds, so a raise
    # costs no query of its own.
    assignments: dict[str, list[dict]] = field(default_factory=dict)
    steps: dict[str, set[str]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)   # event → level to store at finish


# What a first level creates, in the order foreign keys need.
_CREATED_TABLES = (models.event_plans, models.assignments, models.deadlines, models.timers, models.assignment_actions)


class GradedEvents:
    """Stream handler (levels), a batch at a time: the first level of an event creates its
    assignments with the plan's deadlines and timers; a higher one adds its steps from that
    moment; a lower one (a person's 研判) is recorded and adds nothing. A batch reads plans,
    units, the calendar and the moving events' assignments and steps once, and writes what it
    creates in one statement per table and the new levels in one per table."""

    def __init__(self, service: DispatchService) -> None:
        self.service = service
        self.plans: dict[int, ResponsePlan] = {}   # saved plan versions never change

    async def start(self, session: AsyncSession, envelopes: list[Envelope]) -> _Graded:
        repo = DispatchRepository(session)
        messages = {e.message_id: e.parse(grading_pb2.EventGraded) for e in envelopes}
        event_ids = sorted({m.event_id for m in messages.values()})
        batch = _Graded(now=self.service.clock(), messages=messages, plans=await repo.event_plans_for_update(event_ids),
                        calendar=await self.service.calendar(repo),
                        speeds=await repo.drill_speeds(sorted({m.drill_id for m in messages.values() if m.drill_id})))
        first_seen = [event_id for event_id in event_ids if event_id not in batch.plans]
        if first_seen:
            batch.plan, batch.units = await repo.current_plan(), await repo.units()
            batch.notices = await repo.event_notices(first_seen)
        # Stored events whose level moves: any of them may be raised within the batch.
        moving = sorted({m.event_id for m in messages.values()
                         if m.event_id in batch.plans and from_proto(m.level) != batch.plans[m.event_id]["level"]})
        if moving:
            batch.assignments = await repo.assignments_of_events(moving)
            batch.steps = await repo.steps_of_assignments(
                [a["assignment_id"] for assignments in batch.assignments.values() for a in assignments])
            for version in {batch.plans[event_id]["plan_version"] for event_id in moving} - set(self.plans):
                self.plans[version] = await repo.plan(version)
        return batch

    async def handle(self, session: AsyncSession, envelope: Envelope, batch: _Graded) -> None:
        message = batch.messages[envelope.message_id]
        level = from_proto(message.level)
        describe_message(**{"yuqing.event_id": message.event_id})
        frozen = batch.plans.get(message.event_id)
        if frozen is None:
            lead = self._assign(message, level, batch)
            describe_message(**{"yuqing.lead_unit": lead})
            notice = batch.notices.get(message.event_id)
            if notice is not None:   # a superior's notice arrived before the event was graded
                await self.finish(session, batch)
                batch.timers += await self.service.track_notice(
                    DispatchRepository(session), message.event_id, notice["feedback_deadline"], batch.now)
            return
        if is_higher(level, frozen["level"]):
            plan, upgraded_at = self.plans[frozen["plan_version"]], from_timestamp(message.graded_at)
            speed = batch.speeds.get(message.drill_id, 1.0)
            for assignment in batch.assignments[message.event_id]:
                if assignment["state"] in TERMINAL_STATES:
                    continue
                owners = LEAD_OWNERS if assignment["role"] == "lead" else CO_OWNERS
                steps = batch.steps[assignment["assignment_id"]]
                deadlines, timers = deadline_rows(assignment["assignment_id"], deadlines_for(
                    plan, level, upgraded_at, owners, skip_steps=steps, calendar=batch.calendar, speed=speed),
                    self.service.policy_at(speed))
                steps.update(row["step"] for row in deadlines)
                batch.rows[models.deadlines.name] += deadlines
                batch.rows[models.timers.name] += timers
                batch.timers += timers
        if level != frozen["level"]:
            batch.levels[message.event_id] = level
            frozen["level"] = level

    def _assign(self, message: grading_pb2.EventGraded, level: str, batch: _Graded) -> str:
        """The event's plan row, its lead and co assignments with their deadlines and timers,
        kept in the batch for `finish`; returns the lead unit."""
        service, now, plan = self.service, batch.now, batch.plan
        plan_row = event_plan_row(message.event_id, plan.version, level, message.title, now, message.drill_id)
        batch.plans[message.event_id] = dict(plan_row)
        self.plans.setdefault(plan.version, plan)
        batch.assignments[message.event_id] = []
        batch.rows[models.event_plans.name].append(plan_row)
        routing = route(message.locality, f"{message.title}\n{message.text}", batch.units, service.office_unit,
                        tuple(message.sensitive_categories))
        start, speed = from_timestamp(message.event_discovered_at), batch.speeds.get(message.drill_id, 1.0)
        unit_names = {u.code: u.name for u in batch.units}
        actor = message.actor or "system"
        for unit, role, owners in [(routing.lead, "lead", LEAD_OWNERS), *[(c, "co", CO_OWNERS) for c in routing.co]]:
            assignment = assignment_row(message.event_id, unit, role, level, plan.version, now, message.drill_id)
            deadlines, timers = deadline_rows(assignment["assignment_id"], deadlines_for(
                plan, level, start, owners, calendar=batch.calendar, speed=speed), service.policy_at(speed))
            batch.rows[models.assignments.name].append(assignment)
            batch.assignments[message.event_id].append(assignment)
            batch.steps[assignment["assignment_id"]] = {row["step"] for row in deadlines}
            batch.rows[models.deadlines.name] += deadlines
            batch.rows[models.timers.name] += timers
            batch.timers += timers
            batch.rows[models.assignment_actions.name].append(action_row(
                assignment["assignment_id"], message.event_id, "assigned", actor, "", "pending_ack", now,
                details={"unit": unit, "role": role, "level": level}))
            batch.announcements.append(dispatch_pb2.AssignmentChanged(
                assignment_id=assignment["assignment_id"], event_id=message.event_id, unit_code=unit,
                action="assigned", from_state="", to_state="pending_ack", actor=actor, at=timestamp(now), role=role,
                unit_name=unit_names.get(unit, unit)))
            batch.trace_headers.append(inject_context())   # the assignment continues this message's trace
        return routing.lead

    async def finish(self, session: AsyncSession, batch: _Graded) -> None:
        """Writes what the batch created and changed so far (also called mid-batch before rows are
        read back)."""
        for table in _CREATED_TABLES:
            await insert_rows(session, table, batch.rows[table.name])
            batch.rows[table.name] = []
        await DispatchRepository(session).set_event_levels(batch.levels, batch.now)
        batch.levels = {}
        await self.service.outbox.add_many(session, streams.ASSIGNMENTS, batch.announcements, batch.trace_headers)
        batch.announcements, batch.trace_headers = [], []
        self.service.wake_for(batch.timers)
        batch.timers = []
