"""Console pages for the work after grading: a unit's inbox and assignments (签收, 反馈 with
attachments, 负责人签发, 退单, 延期 …), and statements (起草, 送审, 审核, 发布). Every form
carries the CSRF token; every change goes through the same code as the API (and its audit)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import grpc
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from gateway import dispatch_api, publish_api, views
from gateway.console import _caller, _csrf_ok, _messages, _page, expired
from gateway.problems import Problem
from yuqing.dispatch.v1 import dispatch_pb2

router = APIRouter(prefix="/console", include_in_schema=False)
ACTION_LABELS = {
    "acknowledge": "签收", "start_verifying": "开始核查", "sign_off": "负责人签发", "send_back": "退回重办",
    "close": "办结", "request_return": "申请退单", "accept_return": "同意退单", "refuse_return": "不同意退单",
    "request_extension": "申请延期", "approve_extension": "同意延期", "refuse_extension": "不同意延期",
    "reassign": "改派", "merge": "并单",
}
NEEDS_REASON = {"send_back", "request_return", "refuse_return", "refuse_extension", "reassign", "merge"}
FORM_ERRORS = (grpc.aio.AioRpcError, ValidationError, Problem)


# --- the unit's inbox and assignments ------------------------------------------------------

@router.get("/inbox")
async def inbox(request: Request):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    assignments = await views.assignment_page(request.app.state.clients, caller, 1, 200)
    return _page(request, "inbox.html", assignments=assignments)


async def _assignment_page(request: Request, assignment_id: str, status_code: int = 200, **context):
    caller = _caller(request)
    try:
        assignment = await views.assignment_detail(request.app.state.clients, caller, assignment_id)
    except grpc.aio.AioRpcError as error:
        return _page(request, "error.html", status_code=404, title="交办单不存在", detail=error.details() or "")
    clients = request.app.state.clients
    units = await clients.dispatch.ListUnits(dispatch_pb2.ListUnitsRequest(), timeout=clients.timeout)
    return _page(request, "assignment.html", status_code, assignment=assignment, labels=ACTION_LABELS,
                 needs_reason=NEEDS_REASON, units=[(u.code, u.name) for u in units.units], **context)


@router.get("/assignments/{assignment_id}")
async def assignment(request: Request, assignment_id: str, saved: str | None = None):
    if _caller(request) is None:
        return RedirectResponse("/console/login", status_code=303)
    return await _assignment_page(request, assignment_id, notice=ACTION_LABELS.get(saved or "", "已提交") + "：已保存"
                                  if saved else None)


@router.post("/assignments/{assignment_id}/actions")
async def assignment_action(request: Request, assignment_id: str, action: Annotated[str, Form()],
                            csrf: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
                            minutes: Annotated[str, Form()] = "0", target_unit: Annotated[str, Form()] = "",
                            target_assignment: Annotated[str, Form()] = ""):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        body = dispatch_api.ActionIn(action=action, reason=reason, minutes=int(minutes or 0) if minutes.isdigit() else -1,
                                     target_unit=target_unit, target_assignment=target_assignment)
        shown = await dispatch_api.act(request, caller, assignment_id, body.action, reason=body.reason,
                                       minutes=body.minutes, target_unit=body.target_unit,
                                       target_assignment=body.target_assignment)
    except FORM_ERRORS as error:
        return await _assignment_page(request, assignment_id, 422, errors=_messages(error))
    return RedirectResponse(f"/console/assignments/{shown['assignment_id']}?saved={action}", status_code=303)


@router.post("/assignments/{assignment_id}/answer")
async def answer(request: Request, assignment_id: str, csrf: Annotated[str, Form()], text: Annotated[str, Form()] = "",
                 kind: Annotated[str, Form()] = "final", files: Annotated[list[UploadFile], File()] = ()):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    uploads = [(f.filename or "", await f.read()) for f in files if f.filename or f.size]
    try:
        await dispatch_api.act(request, caller, assignment_id, "answer" if kind == "final" else "holding_answer",
                               text=text, files=uploads)
    except FORM_ERRORS as error:
        return await _assignment_page(request, assignment_id, 422, errors=_messages(error))
    return RedirectResponse(f"/console/assignments/{assignment_id}?saved=answer", status_code=303)


# --- statements -----------------------------------------------------------------------------

async def _statement_page(request: Request, statement_id: str, status_code: int = 200, **context):
    caller = _caller(request)
    try:
        statement = await publish_api.get_statement(statement_id, request, caller)
    except grpc.aio.AioRpcError as error:
        return _page(request, "error.html", status_code=404, title="通稿不存在或无权查看", detail=error.details() or "")
    return _page(request, "statement.html", status_code, statement=statement,
                 latest=statement["versions"][-1], kinds=publish_api.KIND_NAMES, **context)


@router.get("/statements/{statement_id}")
async def statement(request: Request, statement_id: str, saved: str | None = None):
    if _caller(request) is None:
        return RedirectResponse("/console/login", status_code=303)
    return await _statement_page(request, statement_id, notice="已保存" if saved else None)


@router.post("/statements/{statement_id}/actions")
async def statement_action(request: Request, statement_id: str, action: Annotated[str, Form()],
                           csrf: Annotated[str, Form()], title: Annotated[str, Form()] = "",
                           body: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = "",
                           publish_at: Annotated[str, Form()] = ""):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        when = dt.datetime.fromisoformat(publish_at).replace(tzinfo=views.SHANGHAI) if publish_at else None
        payload = publish_api.StatementActionIn(action=action, title=title, body=body, comment=comment, publish_at=when)
        await publish_api.statement_action(statement_id, payload, request, caller)
    except ValueError as error:
        if isinstance(error, ValidationError):
            return await _statement_page(request, statement_id, 422, errors=_messages(error))
        return await _statement_page(request, statement_id, 422, errors=["定时发布时间格式有误"])
    except FORM_ERRORS as error:
        return await _statement_page(request, statement_id, 422, errors=_messages(error))
    return RedirectResponse(f"/console/statements/{statement_id}?saved=1", status_code=303)


@router.post("/events/{event_id}/statements")
async def create_statement(request: Request, event_id: str, csrf: Annotated[str, Form()],
                           kind: Annotated[str, Form()] = "response", disposition: Annotated[str, Form()] = "inquiry",
                           unit_name: Annotated[str, Form()] = ""):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        created = await publish_api.create_statement(
            event_id, publish_api.StatementIn(kind=kind, disposition=disposition, unit_name=unit_name), request, caller)
    except FORM_ERRORS as error:
        return _page(request, "error.html", status_code=422, title="未能起草", detail="；".join(_messages(error)))
    return RedirectResponse(f"/console/statements/{created['statement_id']}", status_code=303)


@router.post("/events/{event_id}/publishing")
async def event_publishing(request: Request, event_id: str, csrf: Annotated[str, Form()],
                           spokesperson: Annotated[str, Form()] = "", point: Annotated[str, Form()] = ""):
    """The office names the spokesperson and adds talking points (口径) from the event page."""
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        if spokesperson.strip():
            await publish_api.designate(event_id, publish_api.SpokespersonIn(username=spokesperson.strip()), request, caller)
        if point.strip():
            await publish_api.add_point(event_id, publish_api.PointIn(text=point.strip()), request, caller)
    except FORM_ERRORS as error:
        return _page(request, "error.html", status_code=422, title="未能保存", detail="；".join(_messages(error)))
    return RedirectResponse(f"/console/events/{event_id}?saved=publishing", status_code=303)
