"""The console: server-rendered pages in Simplified Chinese (no front-end build step).

Forms that change something carry a CSRF token bound to the session cookie (HMAC with the
server's secret), besides the cookie's SameSite=Strict."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path
from typing import Annotated

import grpc
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from gateway import dispatch_api, grading_api, publish_api, views
from gateway.api import MAX_PAGE
from gateway.auth import SESSION_COOKIE, authenticate, caller_from_token, issue_token
from gateway.problems import Problem, pydantic_errors
from yuqing.core.categories import DISPOSITIONS, HARMFUL_CATEGORIES, SENSITIVE_CATEGORIES
from yuqing.core.grpc_server import field_violations
from yuqing.core.identity import Caller
from yuqing.core.levels import LEVEL_NAMES, LEVELS
from yuqing.core.metrics import FIGURE_NAMES
from yuqing.grading.v1 import grading_pb2

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescape is on for .html

BLANK_ROWS = 3


def _caller(request: Request) -> Caller | None:
    token = request.cookies.get(SESSION_COOKIE)
    return caller_from_token(request, token) if token else None


def csrf_token(request: Request) -> str:
    session = request.cookies.get(SESSION_COOKIE, "")
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, f"csrf:{session}".encode(), hashlib.sha256).hexdigest()


def _signed_in(request: Request, roles: frozenset[str] | None = None) -> Caller | Response:
    """The signed-in caller; otherwise the login redirect, or a 403 page for a role not in `roles`."""
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if roles is not None and not caller.roles & roles:
        return _page(request, "error.html", status_code=403, title="没有权限", detail="此页面不对您的角色开放。")
    return caller


def _csrf_ok(request: Request, token: str) -> bool:
    return bool(request.cookies.get(SESSION_COOKIE)) and hmac.compare_digest(csrf_token(request), token)


def _page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    caller = _caller(request)
    return templates.TemplateResponse(request, name, {
        "caller": caller, "level_names": LEVEL_NAMES, "levels": LEVELS, "csrf": csrf_token(request),
        "can_judge": bool(caller and caller.roles & {"office", "admin"}),
        "is_admin": bool(caller and "admin" in caller.roles), **context}, status_code=status_code)


def expired(request: Request) -> HTMLResponse:
    """A form whose CSRF token does not match the session (stale page or forged request)."""
    return _page(request, "error.html", status_code=403, title="页面已过期", detail="请刷新页面后重新提交。")


def _messages(error: Exception) -> list[str]:
    """What went wrong, in the words the services and validators used."""
    if isinstance(error, grpc.aio.AioRpcError):
        problems = [f"{p.field}：{p.reason}" for p in field_violations(error)]
        return problems or [error.details() or "操作失败"]
    if isinstance(error, ValidationError):
        return [f"{e['field']}：{e['reason']}" for e in pydantic_errors(error.errors())]
    if isinstance(error, Problem):
        # The detail first (a form's own check says there what it wants, e.g. "开始时间须为…"),
        # then each field error it does not already say (a service's refusal, as grouped items
        # carry it: title and detail are its summary, the field errors are what to mend).
        headline = f"{error.title}：{error.detail}" if error.detail and error.detail != error.title else error.title
        fields = [f"{e['field']}：{e['reason']}" for e in error.errors if e.get("reason") and e["reason"] not in headline]
        return [headline, *fields]
    raise error


@router.get("/login")
async def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", error=None)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]):
    try:
        caller = await authenticate(request, username, password)
    except Problem as problem:
        message = "用户名或密码错误，请重试。" if problem.status == 401 else f"{problem.title}：{problem.detail}"
        return _page(request, "login.html", status_code=problem.status, error=message)
    token, ttl = issue_token(request, caller)
    response = RedirectResponse("/console/", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
async def logout() -> RedirectResponse:
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
async def dashboard(request: Request, level: str | None = None, page: int = 1):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    level = level if level in LEVELS else None
    events = await views.event_page(request.app.state.clients, caller, level, min(max(page, 1), MAX_PAGE), 50)
    # The next open time limit of each event's work (the newest 200 assignments the caller sees).
    assignments = await views.assignment_page(request.app.state.clients, caller, 1, 200)
    next_due: dict[str, dict] = {}
    for assignment in assignments["items"]:
        for deadline in assignment["deadlines"]:
            current = next_due.get(assignment["event_id"])
            if deadline["met_at"] is None and (current is None or deadline["due_at"] < current["due_at"]):
                next_due[assignment["event_id"]] = deadline
    return _page(request, "events.html", events=events, level=level, next_due=next_due,
                 live=caller.county_wide)


def heat_chart(points: list[dict], width: int = 640, height: int = 140) -> dict | None:
    """SVG polyline coordinates of the heat series, time on x, heat 0–100 on y."""
    if not points:
        return None
    times = [dt.datetime.fromisoformat(p["at"]).timestamp() for p in points]
    start, span = times[0], max(times[-1] - times[0], 1.0)
    coordinates = " ".join(f"{(t - start) / span * (width - 20) + 10:.1f},{height - 10 - p['heat'] / 100 * (height - 20):.1f}"
                           for t, p in zip(times, points))
    return {"width": width, "height": height, "points": coordinates, "first": points[0], "last": points[-1],
            "peak": max(p["heat"] for p in points)}


async def _publishing(request: Request, caller: Caller, event_id: str) -> dict | None:
    """The event page's 通稿 section, for those who may read statements."""
    if not caller.roles & views.STATEMENT_READERS:
        return None
    try:
        return await publish_api.event_statements(event_id, request, caller)
    except grpc.aio.AioRpcError:
        return None


async def _event_page(request: Request, caller: Caller, event_id: str, status_code: int = 200, **context):
    try:
        detail = await views.event_detail(request.app.state.clients, caller, event_id)
    except Problem as problem:
        return _page(request, "error.html", status_code=problem.status, title=problem.title, detail=problem.detail)
    return _page(request, "event.html", status_code, event=detail, chart=heat_chart(detail["heat_trend"]),
                 dispositions=DISPOSITIONS, harmful_names=HARMFUL_CATEGORIES, kinds=publish_api.KIND_NAMES,
                 publishing=await _publishing(request, caller, event_id), **context)


@router.get("/events/{event_id}")
async def event(request: Request, event_id: str, saved: str | None = None):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    notice = {"level": "研判结果已保存", "disposition": "处置分类已更正", "publishing": "发布信息已保存"}.get(saved or "")
    return await _event_page(request, caller, event_id, notice=notice)


async def _event_action(request: Request, event_id: str, csrf: str, action, form_name: str, saved: str):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    try:
        await action(caller)
    except (grpc.aio.AioRpcError, ValidationError, Problem) as error:
        return await _event_page(request, caller, event_id, status_code=422,
                                 form_errors={form_name: _messages(error)})
    return RedirectResponse(f"/console/events/{event_id}?saved={saved}", status_code=303)


@router.post("/events/{event_id}/level")
async def judge(request: Request, event_id: str, level: Annotated[str, Form()], csrf: Annotated[str, Form()],
                reason: Annotated[str, Form()] = ""):
    async def action(caller):
        await grading_api.set_level(request, caller, event_id, grading_api.LevelIn(level=level, reason=reason))
    return await _event_action(request, event_id, csrf, action, "level", "level")


@router.post("/events/{event_id}/disposition")
async def correct_disposition(request: Request, event_id: str, disposition: Annotated[str, Form()],
                              csrf: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
                              harmful_categories: Annotated[list[str] | None, Form()] = None):
    categories = harmful_categories or []

    async def action(caller):
        body = grading_api.DispositionIn(disposition=disposition, harmful=bool(categories),
                                         harmful_categories=categories, reason=reason)
        await grading_api.set_disposition(request, caller, event_id, body)
    return await _event_action(request, event_id, csrf, action, "disposition", "disposition")


# --- notifications ---------------------------------------------------------------------------

@router.get("/notifications")
async def notifications(request: Request):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    listed = await dispatch_api.list_notifications(request, caller, unread_only=False, limit=100)
    return _page(request, "notifications.html", notifications=listed["items"],
                 unread=[n for n in listed["items"] if not n["read_at"]])


@router.post("/notifications/read")
async def read_notifications(request: Request, csrf: Annotated[str, Form()],
                             ids: Annotated[list[str] | None, Form()] = None):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not _csrf_ok(request, csrf):
        return expired(request)
    await dispatch_api.read_notifications(dispatch_api.ReadIn(notification_ids=(ids or [])[:500]), request, caller)
    return RedirectResponse("/console/notifications", status_code=303)


# --- rule sets ---------------------------------------------------------------------------

async def _rule_sets_context(request: Request, caller: Caller) -> dict:
    clients = request.app.state.clients
    listed = await clients.grading.ListRuleSets(grading_pb2.ListRuleSetsRequest(), timeout=clients.timeout,
                                                metadata=caller.metadata())
    return {"rule_sets": [grading_api.rule_set_json(r) for r in listed.rule_sets], "figure_names": FIGURE_NAMES}


@router.get("/rule-sets")
async def rule_sets(request: Request, version: int | None = None, saved: int | None = None):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if not caller.roles & {"admin", "office", "leader"}:
        return _page(request, "error.html", status_code=403, title="没有权限", detail="分级规则仅对舆情办、领导和管理员开放。")
    context = await _rule_sets_context(request, caller)
    shown = next((r for r in context["rule_sets"] if r["version"] == version), context["rule_sets"][0])
    return _page(request, "rule_sets.html", shown=shown, notice=f"已保存为第 {saved} 版" if saved else None, **context)


def _rule_set_form_values(rule_set: dict) -> dict:
    """What the edit form shows: the rule set's rows plus blank rows to add more."""
    blank_band = {"metric": "", "level": "", "minimum": "", "maximum": ""}
    blank_period = {"name": "", "start": "", "end": "", "raise_by": 1}
    raises = {s["category"]: s["raise_by"] for s in rule_set["sensitive_categories"]}
    return {"bands": [*rule_set["bands"], *[blank_band] * BLANK_ROWS],
            "sensitive": [{"category": c, "on": c in raises, "raise_by": raises.get(c, 1)} for c in SENSITIVE_CATEGORIES],
            "periods": [*rule_set["special_periods"], *[blank_period] * BLANK_ROWS],
            "growth": rule_set["growth"], "note": rule_set["note"]}


@router.get("/rule-sets/new")
async def new_rule_set(request: Request):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    if "admin" not in caller.roles:
        return _page(request, "error.html", status_code=403, title="没有权限", detail="只有管理员可以修改分级规则。")
    context = await _rule_sets_context(request, caller)
    return _page(request, "rule_set_form.html", form=_rule_set_form_values(context["rule_sets"][0]),
                 base=context["rule_sets"][0], errors=[], **context)


def _rule_set_from_form(form) -> tuple[dict, dict]:
    """(the body for RuleSetIn, the values to show again if it is refused)."""
    def rows(prefix: str, fields: tuple[str, ...]) -> list[dict]:
        indices = sorted({int(m.group(1)) for key in form.keys() if (m := re.fullmatch(rf"{prefix}-(\d+)-\w+", key))})
        return [{f: (form.get(f"{prefix}-{i}-{f}") or "").strip() for f in fields} for i in indices[:500]]

    bands = [b for b in rows("bands", ("metric", "level", "minimum", "maximum")) if b["metric"] or b["minimum"]]
    periods = [p for p in rows("periods", ("name", "start", "end", "raise_by")) if p["name"] or p["start"]]
    sensitive = [{"category": c, "on": form.get(f"sensitive-{c}") == "on",
                  "raise_by": (form.get(f"sensitive-{c}-raise_by") or "1").strip()} for c in SENSITIVE_CATEGORIES]
    growth = None
    if form.get("growth-on") == "on":
        growth = {f: (form.get(f"growth-{f}") or "").strip()
                  for f in ("window_minutes", "min_growth_percent", "min_heat", "raise_by")}
    body = {"bands": [{**b, "maximum": b["maximum"] or None} for b in bands],
            "sensitive_categories": [{"category": s["category"], "raise_by": s["raise_by"]} for s in sensitive if s["on"]],
            "special_periods": periods, "growth": growth, "note": (form.get("note") or "").strip()}
    shown = {"bands": [*bands, *[{"metric": "", "level": "", "minimum": "", "maximum": ""}] * BLANK_ROWS],
             "sensitive": sensitive, "periods": [*periods, *[{"name": "", "start": "", "end": "", "raise_by": 1}] * BLANK_ROWS],
             "growth": growth, "note": body["note"]}
    return body, shown


@router.post("/rule-sets")
async def save_rule_set(request: Request):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    form = await request.form()
    if not _csrf_ok(request, str(form.get("csrf", ""))):
        return expired(request)
    body, shown = _rule_set_from_form(form)
    try:
        saved = await grading_api.save_rule_set(request, caller, grading_api.RuleSetIn.model_validate(body))
    except (grpc.aio.AioRpcError, ValidationError, Problem) as error:
        context = await _rule_sets_context(request, caller)
        return _page(request, "rule_set_form.html", status_code=422, form=shown, base=context["rule_sets"][0],
                     errors=_messages(error), **context)
    return RedirectResponse(f"/console/rule-sets?version={saved['version']}&saved={saved['version']}", status_code=303)
