"""gRPC entrypoint of dispatch: protobuf ⇄ domain only."""

from __future__ import annotations

import datetime as dt
import json

import chinese_calendar

from services.dispatch.domain import OWNER_NAMES, ROLE_NAMES, ResponsePlan, Step
from services.dispatch.service import ACCOUNTABILITY_KINDS, DispatchService
from services.dispatch.workflow import ACTIONS, STATE_NAMES, Request, allowed_actions
from yuqing.core.dates import parse_date
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.grpc_server import caller_of
from yuqing.core.levels import to_proto
from yuqing.core.protobuf import from_timestamp, page_bounds, timestamp
from yuqing.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc

CALENDAR_ROLES = frozenset({"admin"})
ACTION_NAMES = {"assigned": "交办", "complete_step": "完成环节", **{a.name: a.label for a in ACTIONS.values()}}


def _package_years() -> list[int]:
    years = sorted({day.year for day in chinese_calendar.holidays})
    return [y for y in range(years[0], years[-1] + 1)] if years else []


class DispatchServicer(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(self, service: DispatchService) -> None:
        self.service = service

    async def ListAssignments(self, request, context):
        caller = caller_of(context)
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total, deadlines, actions = await self.service.page_of_assignments(
            caller, request.event_id or None, limit, offset)
        return dispatch_pb2.ListAssignmentsResponse(total=total, assignments=[
            assignment_message(r, deadlines[r["assignment_id"]], actions.get(r["assignment_id"], ()), caller=caller)
            for r in rows])

    async def GetAssignment(self, request, context):
        return await self._detail(caller_of(context), request.assignment_id)

    async def _detail(self, caller, assignment_id: str) -> dispatch_pb2.Assignment:
        row, deadlines, actions, answers, attachments, pending = await self.service.assignment(caller, assignment_id)
        return assignment_message(row, deadlines, actions, answers, attachments, pending, caller)

    async def ListUnits(self, request, context):
        return units_message(await self.service.units())

    async def SaveUnit(self, request, context):
        await self.service.save_unit(caller_of(context), request.code, request.name, request.kind, request.parent_code,
                                     list(request.keywords), list(request.categories), request.leader_username)
        return units_message(await self.service.units())

    async def ListPeople(self, request, context):
        return people_message(await self.service.people(caller_of(context)))

    async def SavePerson(self, request, context):
        caller = caller_of(context)
        await self.service.save_person(caller, request.username, request.display_name, request.unit_code,
                                       list(request.roles), request.email, request.phone, request.leadership_group)
        return people_message(await self.service.people(caller))

    async def ListShifts(self, request, context):
        since = from_timestamp(request.since, request.HasField("since")) or self.service.clock()
        until = from_timestamp(request.until, request.HasField("until")) or since + dt.timedelta(days=7)
        return shifts_message(*await self.service.shifts(caller_of(context), since, until))

    async def AddShift(self, request, context):
        caller = caller_of(context)
        starts = from_timestamp(request.starts_at, request.HasField("starts_at"))
        ends = from_timestamp(request.ends_at, request.HasField("ends_at"))
        if starts is None or ends is None:
            raise InvalidInput("班次有误", [FieldProblem("starts_at", "请填写开始和结束时间")])
        await self.service.add_shift(caller, request.username, starts, ends)
        return shifts_message(*await self.service.shifts(caller, starts, ends))

    async def DeleteShift(self, request, context):
        caller = caller_of(context)
        await self.service.delete_shift(caller, request.shift_id)
        now = self.service.clock()
        return shifts_message(*await self.service.shifts(caller, now, now + dt.timedelta(days=7)))

    async def ListResponsePlans(self, request, context):
        return plans_message(await self.service.plans())

    async def SaveResponsePlan(self, request, context):
        plan = ResponsePlan(0, {level.level: tuple(Step(s.key, s.name, s.owner, s.minutes, s.working_days)
                                                   for s in level.steps) for level in request.levels})
        await self.service.save_plan(caller_of(context), plan)
        return plans_message(await self.service.plans())

    async def Act(self, request, context):
        caller = caller_of(context)
        shown = await self.service.act(caller, request.assignment_id, request.action, Request(
            reason=request.reason, text=request.text, minutes=request.minutes, target_unit=request.target_unit,
            target_assignment=request.target_assignment), [(f.filename, f.data) for f in request.attachments])
        return await self._detail(caller, shown)

    async def CompleteStep(self, request, context):
        caller = caller_of(context)
        await self.service.complete_step(caller, request.assignment_id, request.step, request.note)
        return await self._detail(caller, request.assignment_id)

    async def GetAnswerAttachment(self, request, context):
        row = await self.service.answer_attachment(caller_of(context), request.assignment_id, request.attachment_id)
        return dispatch_pb2.AnswerAttachment(info=attachment_info(row), data=row["data"])

    async def LoadHolidayYear(self, request, context):
        caller = caller_of(context, CALENDAR_ROLES)
        rows = await self.service.load_holiday_year(caller, request.year, request.data, request.filename)
        return holiday_years_message(rows)

    async def ListHolidayYears(self, request, context):
        return holiday_years_message(await self.service.holiday_years())

    async def ListNotifications(self, request, context):
        rows = await self.service.notifications(caller_of(context), request.unread_only, min(request.limit or 50, 500))
        return dispatch_pb2.ListNotificationsResponse(notifications=[dispatch_pb2.Notification(
            notification_id=r["notification_id"], kind=r["kind"], title=r["title"], body=r["body"],
            event_id=r["event_id"], assignment_id=r["assignment_id"], created_at=timestamp(r["created_at"]),
            read_at=timestamp(r["read_at"])) for r in rows])

    async def MarkNotificationsRead(self, request, context):
        marked = await self.service.mark_read(caller_of(context), list(request.notification_ids)[:500])
        return dispatch_pb2.MarkNotificationsReadResponse(marked=marked)

    async def ListAccountability(self, request, context):
        return accountability_message(await self.service.accountability(caller_of(context), request.unit_code or None))

    async def RecordAccountability(self, request, context):
        caller = caller_of(context)
        await self.service.record_accountability(caller, request.assignment_id, request.kind, request.note)
        return accountability_message(await self.service.accountability(caller, None))

    async def ListDeliveries(self, request, context):
        rows = await self.service.deliveries(caller_of(context), request.status or None, min(request.limit or 100, 500))
        return dispatch_pb2.ListDeliveriesResponse(deliveries=[dispatch_pb2.Delivery(
            delivery_id=r["delivery_id"], notification_id=r["notification_id"], username=r["username"],
            title=r["title"], channel=r["channel"], address=r["address"], status=r["status"], attempts=r["attempts"],
            last_error=r["last_error"], created_at=timestamp(r["created_at"]), sent_at=timestamp(r["sent_at"]),
            next_attempt_at=timestamp(r["next_attempt_at"])) for r in rows])

    async def GetScorecards(self, request, context):
        start, end = period_of(request)
        cards = await self.service.scorecards(caller_of(context), start, end, request.unit_code or None)
        names = {u["code"]: u["name"] for u in await self.service.units()}
        return dispatch_pb2.GetScorecardsResponse(scorecards=[scorecard_message(c, names) for c in cards])

    async def GetHandlingReport(self, request, context):
        start, end = period_of(request)
        limit = request.list_limit if 0 < request.list_limit <= 500 else 50
        report = await self.service.handling_report(caller_of(context), start, end)
        names = report.names

        def unit(code: str) -> dict:
            return {"unit_code": code, "unit_name": names.get(code, code)}
        return dispatch_pb2.HandlingReport(
            assignments=report.assignments, acknowledged_on_time=report.acknowledged_on_time,
            ack_on_time_rate=rate(report.acknowledged_on_time, report.assignments),
            steps_due=report.steps_due, steps_on_time=report.steps_on_time,
            step_on_time_rate=rate(report.steps_on_time, report.steps_due),
            overdue_total=len(report.overdue), supervised_total=len(report.supervised),
            answered=report.answered, closed=report.closed,
            overdue=[dispatch_pb2.OverdueStep(
                event_id=d["event_id"], assignment_id=d["assignment_id"], **unit(d["unit_code"]), step=d["step"],
                step_name=d["step_name"], due_at=timestamp(d["due_at"]), met_at=timestamp(d["met_at"]),
                late_minutes=d["late_minutes"]) for d in report.overdue[:limit]],
            supervised=[dispatch_pb2.SupervisedCase(
                event_id=t["event_id"], assignment_id=t["assignment_id"], **unit(t["unit_code"]),
                step_name=t["step_name"], at=timestamp(t["fired_at"])) for t in report.supervised[:limit]],
            scorecards=[scorecard_message(c, names) for c in report.scorecards])

    async def StartDrill(self, request, context):
        caller = caller_of(context)
        drill_id = await self.service.start_drill(caller, request.scenario, request.speed or 1.0)
        return drill_message(await self.service.drill(caller, drill_id))

    async def GetDrill(self, request, context):
        return drill_message(await self.service.drill(caller_of(context), request.drill_id))

    async def FinishDrill(self, request, context):
        return drill_message(await self.service.finish_drill(caller_of(context), request.drill_id))


def drill_message(drill: dict) -> dispatch_pb2.Drill:
    scores = drill["score"] or []
    return dispatch_pb2.Drill(
        drill_id=drill["drill_id"], name=drill["name"], speed=drill["speed"], status=drill["status"],
        started_at=timestamp(drill["started_at"]), finished_at=timestamp(drill["finished_at"]),
        items_total=drill["items_total"], items_sent=drill["items_sent"], event_ids=drill["event_ids"],
        met=sum(s["result"] == "met" for s in scores), missed=sum(s["result"] == "missed" for s in scores),
        score=[dispatch_pb2.DrillStepScore(**s) for s in scores])


def units_message(rows) -> dispatch_pb2.ListUnitsResponse:
    return dispatch_pb2.ListUnitsResponse(units=[dispatch_pb2.Unit(
        code=r["code"], name=r["name"], kind=r["kind"], parent_code=r["parent_code"] or "", keywords=r["keywords"],
        categories=r["categories"], leader_username=r["leader_username"]) for r in rows])


def people_message(rows) -> dispatch_pb2.ListPeopleResponse:
    return dispatch_pb2.ListPeopleResponse(people=[dispatch_pb2.Person(
        username=r["username"], display_name=r["display_name"], unit_code=r["unit_code"], roles=r["roles"],
        email=r["email"], phone=r["phone"], leadership_group=r["leadership_group"]) for r in rows])


def shifts_message(rows, on_duty: list[str]) -> dispatch_pb2.ListShiftsResponse:
    return dispatch_pb2.ListShiftsResponse(on_duty_now=on_duty, shifts=[dispatch_pb2.Shift(
        shift_id=r["shift_id"], username=r["username"], starts_at=timestamp(r["starts_at"]),
        ends_at=timestamp(r["ends_at"])) for r in rows])


def plans_message(rows) -> dispatch_pb2.ListResponsePlansResponse:
    return dispatch_pb2.ListResponsePlansResponse(plans=[dispatch_pb2.ResponsePlanMessage(
        version=r["version"], created_by=r["created_by"], created_at=timestamp(r["created_at"]),
        levels=[dispatch_pb2.PlanLevel(level=level, steps=[dispatch_pb2.PlanStep(
            key=s["key"], name=s["name"], owner=s["owner"], minutes=s["minutes"], working_days=s["working_days"])
            for s in steps]) for level, steps in r["body"].items()]) for r in rows])


def holiday_years_message(rows) -> dispatch_pb2.ListHolidayYearsResponse:
    return dispatch_pb2.ListHolidayYearsResponse(package_years=_package_years(), years=[dispatch_pb2.HolidayYear(
        year=r["year"], source=r["source"], loaded_by=r["loaded_by"], loaded_at=timestamp(r["loaded_at"]))
        for r in rows])


def accountability_message(rows) -> dispatch_pb2.ListAccountabilityResponse:
    return dispatch_pb2.ListAccountabilityResponse(records=[dispatch_pb2.AccountabilityRecord(
        record_id=r["record_id"], unit_code=r["unit_code"], assignment_id=r["assignment_id"], kind=r["kind"],
        kind_name=ACCOUNTABILITY_KINDS[r["kind"]], note=r["note"], recorded_by=r["recorded_by"], at=timestamp(r["at"]))
        for r in rows])


def attachment_info(row) -> dispatch_pb2.AnswerAttachmentInfo:
    return dispatch_pb2.AnswerAttachmentInfo(attachment_id=row["attachment_id"], filename=row["filename"],
                                             content_type=row["content_type"], size=row["size"], sha256=row["sha256"])


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v))


def deadline_message(d) -> dispatch_pb2.Deadline:
    return dispatch_pb2.Deadline(
        step=d["step"], step_name=d["step_name"], owner=d["owner"], owner_name=OWNER_NAMES[d["owner"]],
        due_at=timestamp(d["due_at"]), clock=d["clock"], limit=d["limit_text"], basis_level=to_proto(d["basis_level"]),
        warning=d["warning"], met_at=timestamp(d["met_at"]), met_by=d["met_by"], paused_minutes=d["paused_minutes"])


def assignment_message(row, deadlines, actions=(), answers=(), attachments=(), pending=None,
                       caller=None) -> dispatch_pb2.Assignment:
    files: dict[str, list] = {}
    for attachment in attachments:
        files.setdefault(attachment["answer_id"], []).append(attachment)
    return dispatch_pb2.Assignment(
        assignment_id=row["assignment_id"], event_id=row["event_id"], unit_code=row["unit_code"],
        unit_name=row["unit_name"], role=row["role"], role_name=ROLE_NAMES[row["role"]], state=row["state"],
        state_name=STATE_NAMES[row["state"]], level=to_proto(row["level"]), plan_version=row["plan_version"],
        created_at=timestamp(row["created_at"]), successor_id=row["successor_id"] or "", returns=row["returns"],
        allowed_actions=allowed_actions(row["state"], caller, row["unit_code"], row["extension_pending"]) if caller else [],
        deadlines=[deadline_message(d) for d in deadlines],
        actions=[dispatch_pb2.AssignmentAction(
            at=timestamp(a["at"]), action=a["action"], action_name=ACTION_NAMES.get(a["action"], a["action"]),
            actor=a["actor"], from_state=a["from_state"], to_state=a["to_state"], reason=a["reason"],
            details_json=_json(a["details"]), assignment_id=a["assignment_id"]) for a in actions],
        answers=[dispatch_pb2.Answer(
            answer_id=a["answer_id"], kind=a["kind"], text=a["text"], written_by=a["written_by"],
            written_at=timestamp(a["written_at"]), signed_by=a["signed_by"] or "", signed_at=timestamp(a["signed_at"]),
            attachments=[attachment_info(f) for f in files.get(a["answer_id"], ())]) for a in answers],
        drill_id=row["drill_id"],
        pending_extension=None if pending is None else dispatch_pb2.ExtensionRequest(
            request_id=pending["request_id"], minutes=pending["minutes"], reason=pending["reason"],
            requested_by=pending["requested_by"], requested_at=timestamp(pending["requested_at"])),
    )


def period_of(request) -> tuple:
    problems = []
    start, end = (parse_date(value, name, problems) for value, name in ((request.start, "start"), (request.end, "end")))
    if problems:
        raise InvalidInput("统计期间有误", problems)
    return start, end


def rate(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else -1.0


def scorecard_message(card, names: dict[str, str]) -> dispatch_pb2.Scorecard:
    def number(value):
        return -1.0 if value is None else float(value)
    return dispatch_pb2.Scorecard(
        unit_code=card.unit_code, unit_name=names.get(card.unit_code, card.unit_code), assignments=card.assignments,
        acknowledged=card.acknowledged, acknowledged_on_time=card.acknowledged_on_time,
        on_time_rate=number(card.on_time_rate), ack_minutes_median=number(card.ack_minutes_median),
        ack_minutes_p90=number(card.ack_minutes_p90), answer_minutes_median=number(card.answer_minutes_median),
        answer_minutes_p90=number(card.answer_minutes_p90), overdue_steps=card.overdue_steps,
        supervised=card.supervised, sent_back=card.sent_back, returned=card.returned,
        accountability=card.accountability)
