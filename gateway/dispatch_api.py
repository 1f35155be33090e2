"""The assignment workflow over HTTP, people's notifications, accountability records and the
working-day calendar. A unit's people act only on their unit's assignments (dispatch checks
again); every action is written to the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import Field

from gateway import audit, views
from gateway.auth import CurrentCaller, require_roles
from gateway.inputs import Input
from yuqing.core.identity import Caller
from yuqing.dispatch.v1 import dispatch_pb2

router = APIRouter(prefix="/api/v1")
Id = Annotated[str, Field(max_length=64)]
ANSWER_BODY_BYTES = 24 * 1024 * 1024
CALENDAR_BODY_BYTES = 512 * 1024
ROUTE_BODY_LIMITS = {"/api/v1/assignments/{assignment_id}/answers": ANSWER_BODY_BYTES,
                     "/api/v1/admin/calendars/{year}": CALENDAR_BODY_BYTES,
                     "/api/v1/admin/drills": 2 * 1024 * 1024,
                     "/api/v1/events/{event_id}/offline-acts": ANSWER_BODY_BYTES}
ActionName = Literal["acknowledge", "start_verifying", "sign_off", "send_back", "close", "request_return",
                     "accept_return", "refuse_return", "request_extension", "approve_extension", "refuse_extension",
                     "reassign", "merge"]


class ActionIn(Input):
    action: ActionName = Field(description="签收 acknowledge · 开始核查 start_verifying · 负责人签发 sign_off · "
                                           "退回重办 send_back · 办结 close · 退单 request_return / accept_return / "
                                           "refuse_return · 延期 request_extension / approve_extension / "
                                           "refuse_extension · 改派 reassign · 并单 merge")
    reason: str = Field("", max_length=20_000)
    minutes: int = Field(0, ge=0, le=10**6, description="延期申请的时长（分钟）")
    target_unit: str = Field("", max_length=64, description="改派给的单位代码")
    target_assignment: str = Field("", max_length=64, description="并入的交办单")


class StepIn(Input):
    note: str = Field("", max_length=2000)


class AccountabilityIn(Input):
    kind: Literal["late", "missed", "concealed"] = Field(description="迟报 late · 漏报 missed · 瞒报 concealed")
    note: str = Field(min_length=1, max_length=2000)


class ReadIn(Input):
    notification_ids: list[Annotated[str, Field(max_length=64)]] = Field(max_length=500)


async def _call(request: Request, caller: Caller, method: str, message):
    return await request.app.state.clients.call("dispatch", method, message, caller)


async def act(request: Request, caller: Caller, assignment_id: str, action: str, *, reason: str = "", text: str = "",
              minutes: int = 0, target_unit: str = "", target_assignment: str = "",
              files: list[tuple[str, bytes]] = ()) -> dict:
    """Shared by the API and the console."""
    assignment = await _call(request, caller, "Act", dispatch_pb2.ActRequest(
        assignment_id=assignment_id, action=action, reason=reason, text=text, minutes=minutes,
        target_unit=target_unit, target_assignment=target_assignment,
        attachments=[dispatch_pb2.FileUpload(filename=name, data=data) for name, data in files]))
    await audit.record(request.app.state.sessions, caller, f"assignment.{action}", assignment_id, {
        "reason": reason, "minutes": minutes, "target_unit": target_unit, "target_assignment": target_assignment,
        "attachments": [name for name, _ in files], "state": assignment.state})
    return views.assignment_json(assignment)


@router.post("/assignments/{assignment_id}/actions", tags=["assignments"])
async def post_action(assignment_id: Id, body: ActionIn, request: Request, caller: CurrentCaller) -> dict:
    """One workflow step. 409 when the assignment's state does not allow it (e.g. 办结 before 反馈);
    404 for another unit's assignment."""
    return await act(request, caller, assignment_id, body.action, reason=body.reason, minutes=body.minutes,
                     target_unit=body.target_unit, target_assignment=body.target_assignment)


@router.post("/assignments/{assignment_id}/answers", tags=["assignments"])
async def post_answer(assignment_id: Id, request: Request, caller: CurrentCaller,
                      text: Annotated[str, Form(min_length=1, max_length=20_000)],
                      kind: Annotated[Literal["final", "holding"], Form(description="final 反馈 · holding 表态性回复")] = "final",
                      files: Annotated[list[UploadFile], File(description="图片、PDF、Word、Excel")] = ()) -> dict:
    """The unit's answer (反馈) or holding answer (表态性回复), with attachments. A head's answer is
    signed at once; a handler's waits for the head's sign_off."""
    uploads = [(f.filename or "", await f.read()) for f in files if f.filename or f.size]
    return await act(request, caller, assignment_id, "answer" if kind == "final" else "holding_answer", text=text,
                     files=uploads)


@router.post("/assignments/{assignment_id}/steps/{step}/complete", tags=["assignments"])
async def complete_step(assignment_id: Id, step: Annotated[str, Path(max_length=64)], body: StepIn, request: Request,
                        caller: CurrentCaller) -> dict:
    """The office or the spokesperson records one of their plan steps (报告, 发布 …) as done."""
    assignment = await _call(request, caller, "CompleteStep", dispatch_pb2.CompleteStepRequest(
        assignment_id=assignment_id, step=step, note=body.note))
    await audit.record(request.app.state.sessions, caller, "assignment.complete_step", assignment_id,
                       {"step": step, "note": body.note})
    return views.assignment_json(assignment)


@router.get("/assignments/{assignment_id}/attachments/{attachment_id}", tags=["assignments"], response_class=Response)
async def download_answer_attachment(assignment_id: Id, attachment_id: Id, request: Request,
                                     caller: CurrentCaller) -> Response:
    attachment = await _call(request, caller, "GetAnswerAttachment", dispatch_pb2.GetAnswerAttachmentRequest(
        assignment_id=assignment_id, attachment_id=attachment_id))
    return views.file_response(attachment.info, attachment.data)


@router.post("/assignments/{assignment_id}/accountability", tags=["assignments"])
async def record_accountability(assignment_id: Id, body: AccountabilityIn, request: Request,
                                caller: CurrentCaller) -> dict:
    """The office records 漏报 or 瞒报 (迟报 is recorded by 督办 automatically)."""
    require_roles(caller, "office")
    listed = await _call(request, caller, "RecordAccountability", dispatch_pb2.RecordAccountabilityRequest(
        assignment_id=assignment_id, kind=body.kind, note=body.note))
    await audit.record(request.app.state.sessions, caller, "assignment.accountability", assignment_id, body.model_dump())
    return {"items": [accountability_json(r) for r in listed.records]}


@router.get("/accountability", tags=["assignments"])
async def list_accountability(request: Request, caller: CurrentCaller,
                              unit: Annotated[str, Query(max_length=64)] = "") -> dict:
    """问责记录; a unit's people see their unit's only."""
    listed = await _call(request, caller, "ListAccountability", dispatch_pb2.ListAccountabilityRequest(unit_code=unit))
    return {"items": [accountability_json(r) for r in listed.records]}


def accountability_json(record: dispatch_pb2.AccountabilityRecord) -> dict:
    return {"record_id": record.record_id, "unit_code": record.unit_code, "assignment_id": record.assignment_id,
            "kind": record.kind, "kind_name": record.kind_name, "note": record.note,
            "recorded_by": record.recorded_by, "at": views.local_time(record.at)}


@router.get("/notifications", tags=["notifications"])
async def list_notifications(request: Request, caller: CurrentCaller, unread_only: bool = False,
                             limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict:
    """What the caller has been told: time-limit warnings, 催办, 督办."""
    listed = await _call(request, caller, "ListNotifications", dispatch_pb2.ListNotificationsRequest(
        unread_only=unread_only, limit=limit))
    return {"items": [{"notification_id": n.notification_id, "kind": n.kind, "title": n.title, "body": n.body,
                       "event_id": n.event_id, "assignment_id": n.assignment_id,
                       "created_at": views.local_time(n.created_at),
                       "read_at": views.local_time(n.read_at, n.HasField("read_at"))} for n in listed.notifications]}


@router.post("/notifications/read", tags=["notifications"])
async def read_notifications(body: ReadIn, request: Request, caller: CurrentCaller) -> dict:
    marked = await _call(request, caller, "MarkNotificationsRead", dispatch_pb2.MarkNotificationsReadRequest(
        notification_ids=body.notification_ids))
    return {"marked": marked.marked}


def calendars_json(listed: dispatch_pb2.ListHolidayYearsResponse) -> dict:
    return {"loaded": [{"year": y.year, "source": y.source, "loaded_by": y.loaded_by,
                        "loaded_at": views.local_time(y.loaded_at)} for y in listed.years],
            "package_years": list(listed.package_years)}


@router.get("/admin/calendars", tags=["admin"])
async def list_calendars(request: Request, caller: CurrentCaller) -> dict:
    """Years with holiday data: loaded by an admin, and covered by the chinese-calendar package."""
    require_roles(caller, "office")
    return calendars_json(await _call(request, caller, "ListHolidayYears", dispatch_pb2.ListHolidayYearsRequest()))


@router.put("/admin/calendars/{year}", tags=["admin"])
async def load_calendar(year: Annotated[int, Path(ge=2000, le=2100)], request: Request, caller: CurrentCaller,
                        file: Annotated[UploadFile, File(description="JSON 或 CSV（docs/dispatch.md）")]) -> dict:
    """Load (or replace) a year's State Council holiday schedule. Deadlines reckoned without it
    are reckoned again, exactly."""
    require_roles(caller)
    data = await file.read()
    listed = await _call(request, caller, "LoadHolidayYear", dispatch_pb2.LoadHolidayYearRequest(
        year=year, data=data, filename=file.filename or ""))
    await audit.record(request.app.state.sessions, caller, "calendar.load", str(year),
                       {"filename": file.filename or "", "bytes": len(data)})
    return calendars_json(listed)


@router.get("/admin/deliveries", tags=["admin"])
async def list_deliveries(request: Request, caller: CurrentCaller,
                          status: Annotated[Literal["pending", "sent", "failed"] | None, Query()] = None,
                          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """The delivery log of notifications sent out by e-mail and webhook."""
    require_roles(caller, "office")
    listed = await _call(request, caller, "ListDeliveries", dispatch_pb2.ListDeliveriesRequest(
        status=status or "", limit=limit))
    return {"items": [{"delivery_id": d.delivery_id, "username": d.username, "title": d.title, "channel": d.channel,
                       "address": d.address, "status": d.status, "attempts": d.attempts,
                       "last_error": d.last_error or None, "created_at": views.local_time(d.created_at),
                       "sent_at": views.local_time(d.sent_at, d.HasField("sent_at"))} for d in listed.deliveries]}


@router.get("/scorecards", tags=["assignments"])
async def scorecards(request: Request, caller: CurrentCaller, start: Annotated[str, Query(max_length=10)],
                     end: Annotated[str, Query(max_length=10)], unit: Annotated[str, Query(max_length=64)] = "") -> dict:
    """考核 per unit for the days start…end (YYYY-MM-DD, both included): on-time acknowledgement
    rate, median and p90 minutes to acknowledge and to answer, overdue steps, 督办, returns."""
    listed = await _call(request, caller, "GetScorecards", dispatch_pb2.GetScorecardsRequest(
        start=start, end=end, unit_code=unit))

    def figure(value: float):
        return None if value < 0 else value
    return {"start": start, "end": end, "items": [{
        "unit": {"code": c.unit_code, "name": c.unit_name}, "assignments": c.assignments,
        "acknowledged": c.acknowledged, "acknowledged_on_time": c.acknowledged_on_time,
        "on_time_rate": figure(c.on_time_rate), "ack_minutes_median": figure(c.ack_minutes_median),
        "ack_minutes_p90": figure(c.ack_minutes_p90), "answer_minutes_median": figure(c.answer_minutes_median),
        "answer_minutes_p90": figure(c.answer_minutes_p90), "overdue_steps": c.overdue_steps,
        "supervised": c.supervised, "sent_back": c.sent_back, "returned": c.returned,
        "accountability": c.accountability} for c in listed.scorecards]}


def drill_json(drill: dispatch_pb2.Drill) -> dict:
    return {"drill_id": drill.drill_id, "name": drill.name, "speed": drill.speed, "status": drill.status,
            "status_name": {"running": "进行中", "finished": "已结束"}.get(drill.status, drill.status),
            "started_at": views.local_time(drill.started_at),
            "finished_at": views.local_time(drill.finished_at, drill.HasField("finished_at")),
            "items_total": drill.items_total, "items_sent": drill.items_sent, "event_ids": list(drill.event_ids),
            "met": drill.met, "missed": drill.missed,
            "score": [{"event_id": s.event_id, "unit_code": s.unit_code, "step": s.step, "step_name": s.step_name,
                       "result": s.result, "result_name": {"met": "按时完成", "missed": "超时", "open": "未到时限"}[s.result],
                       "drill_minutes": s.drill_minutes, "limit_minutes": s.limit_minutes, "by_minutes": s.by_minutes}
                      for s in drill.score]}


@router.post("/admin/drills", tags=["admin"], status_code=201)
async def start_drill(request: Request, caller: CurrentCaller,
                      scenario: Annotated[UploadFile, File(description="演练脚本（JSON，见 docs/drills/）")],
                      speed: Annotated[float, Form(ge=1, le=3600, description="倍速：1 为实时，60 为一分钟演一小时")] = 1.0) -> dict:
    """Start a drill (演练): its items go into the pipeline marked as a drill, its clocks run at
    `speed`, and nothing of it is counted in scorecards or bulletins."""
    require_roles(caller)
    drill = await _call(request, caller, "StartDrill", dispatch_pb2.StartDrillRequest(
        scenario=await scenario.read(), speed=speed))
    await audit.record(request.app.state.sessions, caller, "drill.start", drill.drill_id,
                       {"name": drill.name, "speed": speed})
    return drill_json(drill)


@router.get("/admin/drills/{drill_id}", tags=["admin"])
async def get_drill(drill_id: Id, request: Request, caller: CurrentCaller) -> dict:
    """Progress and the score so far (final once finished)."""
    return drill_json(await _call(request, caller, "GetDrill", dispatch_pb2.GetDrillRequest(drill_id=drill_id)))


@router.post("/admin/drills/{drill_id}/finish", tags=["admin"])
async def finish_drill(drill_id: Id, request: Request, caller: CurrentCaller) -> dict:
    """End the drill and keep its score per plan step: met or missed, by how much."""
    require_roles(caller, "office")
    drill = await _call(request, caller, "FinishDrill", dispatch_pb2.GetDrillRequest(drill_id=drill_id))
    await audit.record(request.app.state.sessions, caller, "drill.finish", drill_id, {"met": drill.met, "missed": drill.missed})
    return drill_json(drill)


class UnitIn(Input):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=32, description="office, township, department, school, hospital, enterprise")
    parent_code: str = Field("", max_length=64)
    keywords: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=200)
    categories: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=8)
    leader_username: str = Field("", max_length=64, description="分管领导（督办对象）")


class PersonIn(Input):
    display_name: str = Field(min_length=1, max_length=100)
    unit_code: str = Field(min_length=1, max_length=64)
    roles: list[Annotated[str, Field(max_length=32)]] = Field(max_length=8)
    email: str = Field("", max_length=200)
    phone: str = Field("", max_length=32)
    leadership_group: bool = False


class ShiftIn(Input):
    username: str = Field(min_length=1, max_length=64)
    starts_at: dt.datetime
    ends_at: dt.datetime


class PlanStepIn(Input):
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    owner: str = Field(max_length=16, description="office, unit, spokesperson")
    minutes: int = Field(0, ge=-10**6, le=10**6)
    working_days: int = Field(0, ge=-1000, le=1000)


class PlanIn(Input):
    levels: dict[Annotated[str, Field(max_length=4)], list[PlanStepIn]] = Field(max_length=10)


@router.get("/admin/units", tags=["admin"])
async def list_units(request: Request, caller: CurrentCaller) -> dict:
    listed = await _call(request, caller, "ListUnits", dispatch_pb2.ListUnitsRequest())
    return {"items": [{"code": u.code, "name": u.name, "kind": u.kind, "parent_code": u.parent_code or None,
                       "keywords": list(u.keywords), "categories": list(u.categories),
                       "leader_username": u.leader_username or None} for u in listed.units]}


@router.put("/admin/units/{code}", tags=["admin"])
async def save_unit(code: Id, body: UnitIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    await _call(request, caller, "SaveUnit", dispatch_pb2.Unit(code=code, **body.model_dump()))
    await audit.record(request.app.state.sessions, caller, "directory.unit", code, body.model_dump())
    return await list_units(request, caller)


@router.get("/admin/people", tags=["admin"])
async def list_people(request: Request, caller: CurrentCaller) -> dict:
    listed = await _call(request, caller, "ListPeople", dispatch_pb2.ListPeopleRequest())
    return {"items": [{"username": p.username, "display_name": p.display_name, "unit_code": p.unit_code,
                       "roles": list(p.roles), "email": p.email or None, "phone": p.phone or None,
                       "leadership_group": p.leadership_group} for p in listed.people]}


@router.put("/admin/people/{username}", tags=["admin"])
async def save_person(username: Id, body: PersonIn, request: Request, caller: CurrentCaller) -> dict:
    """A person in the directory (who is told what); logins are managed separately."""
    require_roles(caller)
    await _call(request, caller, "SavePerson", dispatch_pb2.Person(username=username, **body.model_dump()))
    await audit.record(request.app.state.sessions, caller, "directory.person", username, body.model_dump())
    return await list_people(request, caller)


def shifts_json(listed: dispatch_pb2.ListShiftsResponse) -> dict:
    return {"on_duty_now": list(listed.on_duty_now),
            "items": [{"shift_id": s.shift_id, "username": s.username, "starts_at": views.local_time(s.starts_at),
                       "ends_at": views.local_time(s.ends_at)} for s in listed.shifts]}


@router.get("/duty-roster", tags=["admin"])
async def duty_roster(request: Request, caller: CurrentCaller) -> dict:
    """值班表 for the coming week, and who is on duty now."""
    return shifts_json(await _call(request, caller, "ListShifts", dispatch_pb2.ListShiftsRequest()))


@router.post("/duty-roster", tags=["admin"], status_code=201)
async def add_shift(body: ShiftIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office")
    listed = await _call(request, caller, "AddShift", dispatch_pb2.Shift(
        username=body.username, starts_at=views.timestamp_message(body.starts_at),
        ends_at=views.timestamp_message(body.ends_at)))
    await audit.record(request.app.state.sessions, caller, "duty.add", body.username, body.model_dump(mode="json"))
    return shifts_json(listed)


@router.delete("/duty-roster/{shift_id}", tags=["admin"])
async def delete_shift(shift_id: Id, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office")
    listed = await _call(request, caller, "DeleteShift", dispatch_pb2.DeleteShiftRequest(shift_id=shift_id))
    await audit.record(request.app.state.sessions, caller, "duty.delete", shift_id)
    return shifts_json(listed)


def plans_json(listed: dispatch_pb2.ListResponsePlansResponse) -> dict:
    return {"items": [{"version": p.version, "created_by": p.created_by, "created_at": views.local_time(p.created_at),
                       "levels": {level.level: [{"key": s.key, "name": s.name, "owner": s.owner,
                                                 "minutes": s.minutes or None, "working_days": s.working_days or None}
                                                for s in level.steps] for level in p.levels}} for p in listed.plans]}


@router.get("/response-plans", tags=["assignments"])
async def response_plans(request: Request, caller: CurrentCaller) -> dict:
    """Versions of the response plan, newest first; each event keeps the version it was graded under."""
    require_roles(caller, "office", "leader")
    return plans_json(await _call(request, caller, "ListResponsePlans", dispatch_pb2.ListResponsePlansRequest()))


@router.post("/response-plans", tags=["assignments"], status_code=201)
async def save_response_plan(body: PlanIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller)
    listed = await _call(request, caller, "SaveResponsePlan", dispatch_pb2.ResponsePlanMessage(levels=[
        dispatch_pb2.PlanLevel(level=level, steps=[dispatch_pb2.PlanStep(**s.model_dump()) for s in steps])
        for level, steps in body.levels.items()]))
    await audit.record(request.app.state.sessions, caller, "response_plan.save", f"v{listed.plans[0].version}")
    return plans_json(listed)
