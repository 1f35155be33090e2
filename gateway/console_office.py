"""Console pages for the office and the admin: 《网络舆情通报》 (draft, preview, edit the
assessment, release, download), a monitor's report with screenshots, API keys, users and roles. Every form
carries the CSRF token and goes through the same code as the API (and its audit)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from gateway import audit, bulletins_api, intake, users_api
from gateway.console import _caller, _csrf_ok, _messages, _page, _signed_in, expired
from gateway.console_work import FORM_ERRORS
from gateway.problems import Problem, http_status
from yuqing.core.categories import BULLETIN_KINDS
from yuqing.core.dates import SHANGHAI
from yuqing.core.identity import Caller
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.ingest.v1 import ingest_pb2
from yuqing.publish.v1 import publish_pb2

router = APIRouter(prefix="/console", include_in_schema=False)
BULLETIN_READERS = frozenset({"admin", "office", "leader"})


# --- bulletins ------------------------------------------------------------------------------

async def _bulletin_list(request: Request, caller: Caller, status_code: int = 200, **context):
    clients = request.app.state.clients
    listed = await clients.call("publish", "ListBulletins", publish_pb2.ListBulletinsRequest(page_size=100), caller)
    return _page(request, "bulletins.html", status_code, bulletins=[bulletins_api.bulletin_json(b, False)
                                                                     for b in listed.bulletins],
                 kinds=BULLETIN_KINDS, today=dt.datetime.now(SHANGHAI).date().isoformat(), **context)


@router.get("/bulletins")
async def bulletins(request: Request):
    caller = _signed_in(request, BULLETIN_READERS)
    if not isinstance(caller, Caller):
        return caller
    return await _bulletin_list(request, caller)


@router.post("/bulletins")
async def draft_bulletin(request: Request, csrf: Annotated[str, Form()], kind: Annotated[str, Form()],
                         date: Annotated[str, Form()] = "", event_id: Annotated[str, Form()] = ""):
    caller = _signed_in(request, BULLETIN_READERS)
    if not isinstance(caller, Caller):
        return caller
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        body = bulletins_api.DraftIn(kind=kind, date=date or None, event_id=event_id.strip())
        drafted = await bulletins_api.draft_bulletin(body, request, caller)
    except FORM_ERRORS as error:
        return await _bulletin_list(request, caller, 422, errors=_messages(error))
    return RedirectResponse(f"/console/bulletins/{drafted['bulletin_id']}", status_code=303)


async def _bulletin_page(request: Request, caller: Caller, ref: str, status_code: int = 200, **context):
    clients = request.app.state.clients
    try:
        found = await clients.call("publish", "GetBulletin", publish_pb2.BulletinRef(bulletin_id=ref), caller)
    except FORM_ERRORS as error:
        return _page(request, "error.html", status_code=404, title="通报不存在", detail="；".join(_messages(error)))
    bulletin = bulletins_api.bulletin_json(found)
    return _page(request, "bulletin.html", status_code, b=bulletin, c=bulletin["content"], kinds=BULLETIN_KINDS,
                 typical=[case["event_id"] for case in bulletin["content"].get("typical_cases", [])], **context)


@router.get("/bulletins/{ref}")
async def bulletin(request: Request, ref: str, saved: str | None = None):
    caller = _signed_in(request, BULLETIN_READERS)
    if not isinstance(caller, Caller):
        return caller
    return await _bulletin_page(request, caller, ref, notice={"edit": "已保存", "release": "已签发"}.get(saved or ""))


@router.post("/bulletins/{ref}/edit")
async def edit_bulletin(request: Request, ref: str, csrf: Annotated[str, Form()],
                        assessment: Annotated[str, Form()] = "", next_steps: Annotated[str, Form()] = "",
                        typical: Annotated[list[str], Form()] = (), refresh: Annotated[str, Form()] = ""):
    caller = _signed_in(request, BULLETIN_READERS)
    if not isinstance(caller, Caller):
        return caller
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        body = bulletins_api.BulletinEditIn(assessment=assessment, next_steps=next_steps,
                                            typical_event_ids=list(typical), refresh=bool(refresh))
        await bulletins_api.edit_bulletin(ref, body, request, caller)
    except FORM_ERRORS as error:
        return await _bulletin_page(request, caller, ref, 422, errors=_messages(error))
    return RedirectResponse(f"/console/bulletins/{ref}?saved=edit", status_code=303)


@router.post("/bulletins/{ref}/release")
async def release_bulletin(request: Request, ref: str, csrf: Annotated[str, Form()]):
    caller = _signed_in(request, BULLETIN_READERS)
    if not isinstance(caller, Caller):
        return caller
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        released = await bulletins_api.release_bulletin(ref, request, caller)
    except FORM_ERRORS as error:
        return await _bulletin_page(request, caller, ref, 409, errors=_messages(error))
    return RedirectResponse(f"/console/bulletins/{released['digest']}?saved=release", status_code=303)


@router.get("/bulletins/{ref}/download")
async def download_bulletin(request: Request, ref: str, format: str = "docx"):
    """The DOCX (or HTML, JSON) as a download, with the session cookie."""
    caller = _signed_in(request, BULLETIN_READERS)
    if not isinstance(caller, Caller):
        return caller
    if format not in ("docx", "html", "json"):
        return _page(request, "error.html", status_code=422, title="格式无效", detail="可选：docx、html、json")
    try:
        response = await bulletins_api.rendered(request, caller, ref, format)
    except FORM_ERRORS as error:
        return _page(request, "error.html", status_code=404, title="通报不存在", detail="；".join(_messages(error)))
    if format != "docx":
        response.headers["Content-Disposition"] = f"attachment; filename=bulletin-{ref[:12]}.{format}"
    return response


# --- a monitor's report ---------------------------------------------------------------------

@router.get("/report")
async def report_form(request: Request, sent: str | None = None):
    caller = _signed_in(request, frozenset(intake.REPORT_ROLES) | {"admin"})
    if not isinstance(caller, Caller):
        return caller
    return _page(request, "report.html", values={}, notice=f"已报送（信息编号 {sent[:32]}），舆情办将研判处置。" if sent else None)


@router.post("/report")
async def report(request: Request, csrf: Annotated[str, Form()], title: Annotated[str, Form()] = "",
                 content: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
                 platform: Annotated[str, Form()] = "", region_hint: Annotated[str, Form()] = "",
                 screenshots: Annotated[list[UploadFile], File()] = ()):
    caller = _signed_in(request, frozenset(intake.REPORT_ROLES) | {"admin"})
    if not isinstance(caller, Caller):
        return caller
    if not _csrf_ok(request, csrf):
        return expired(request)
    values = {"title": title, "content": content, "url": url, "platform": platform, "region_hint": region_hint}
    try:
        item = ingest_pb2.ItemInput(source="monitor_report", reporter=caller.username,
                                    attachments=await intake.attachments_of(list(screenshots)), **values)
        accepted = await intake.submit(request, caller, item)
    except FORM_ERRORS as error:
        return _page(request, "report.html", 422, values=values, errors=_messages(error))
    await audit.record(request.app.state.sessions, caller, "item.report", accepted.item_id,
                       {"event_id": accepted.event_id, "screenshots": len(screenshots)})
    target = f"/console/events/{accepted.event_id}" if caller.county_wide else f"/console/report?sent={accepted.item_id}"
    return RedirectResponse(target, status_code=303)


# --- API keys (admin) -----------------------------------------------------------------------

async def _keys_page(request: Request, status_code: int = 200, **context):
    listed = await bulletins_api.list_api_keys(request, _caller(request))
    return _page(request, "api_keys.html", status_code, keys=listed["items"],
                 county=request.app.state.settings.county_code, **context)


@router.get("/api-keys")
async def api_keys(request: Request):
    caller = _signed_in(request, frozenset({"admin"}))
    if not isinstance(caller, Caller):
        return caller
    return await _keys_page(request)


@router.post("/api-keys")
async def api_key_action(request: Request, csrf: Annotated[str, Form()], action: Annotated[str, Form()],
                         name: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "superior_reader",
                         counties: Annotated[str, Form()] = "", key_id: Annotated[str, Form()] = "",
                         grace_hours: Annotated[str, Form()] = "24"):
    caller = _signed_in(request, frozenset({"admin"}))
    if not isinstance(caller, Caller):
        return caller
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        if action == "issue":
            body = bulletins_api.ApiKeyIn(name=name, roles=[role], counties=[
                c.strip() for c in counties.replace("，", ",").split(",") if c.strip()])
            issued = await bulletins_api.issue_api_key(body, request, caller)
        elif action == "rotate":
            issued = await bulletins_api.rotate_api_key(key_id, bulletins_api.RotateIn(
                grace_hours=int(grace_hours) if grace_hours.isdigit() else -1), request, caller)
        elif action == "revoke":
            await bulletins_api.revoke_api_key(key_id, request, caller)
            issued = None
        else:
            raise Problem(422, "未知操作", "可选：issue、rotate、revoke", type_="validation")
    except FORM_ERRORS as error:
        return await _keys_page(request, 422, errors=_messages(error))
    # The whole key is shown once, on this page only.
    return await _keys_page(request, issued=issued)


# --- users and roles (admin) ----------------------------------------------------------------

async def _users_page(request: Request, status_code: int = 200, **context):
    clients = request.app.state.clients
    units = await clients.call("dispatch", "ListUnits", dispatch_pb2.ListUnitsRequest(), _caller(request))
    return _page(request, "users.html", status_code, users=await users_api.list_users(request),
                 units=[(u.code, u.name) for u in units.units], role_names=users_api.ROLE_NAMES, **context)


@router.get("/users")
async def users(request: Request):
    caller = _signed_in(request, frozenset({"admin"}))
    if not isinstance(caller, Caller):
        return caller
    return await _users_page(request)


@router.post("/users")
async def save_user(request: Request, csrf: Annotated[str, Form()], username: Annotated[str, Form()],
                    display_name: Annotated[str, Form()] = "", unit_code: Annotated[str, Form()] = "",
                    roles: Annotated[list[str], Form()] = (), password: Annotated[str, Form()] = "",
                    existing: Annotated[str, Form()] = ""):
    caller = _signed_in(request, frozenset({"admin"}))
    if not isinstance(caller, Caller):
        return caller
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        if existing:
            body = users_api.UserIn(display_name=display_name, roles=list(roles), unit_code=unit_code,
                                    password=password)
            await users_api.update_user(username, body, request, caller)
        else:
            body = users_api.NewUserIn(username=username.strip(), display_name=display_name, roles=list(roles),
                                       unit_code=unit_code, password=password)
            await users_api.create_user(body, request, caller)
    except FORM_ERRORS as error:
        return await _users_page(request, http_status(error), errors=_messages(error))
    return await _users_page(request, notice=f"用户 {username} 已保存")
