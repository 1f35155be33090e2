"""The console: server-rendered pages in Simplified Chinese (no front-end build step)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gateway import views
from gateway.auth import SESSION_COOKIE, authenticate, caller_from_token, issue_token
from gateway.problems import Problem
from yuqing.core.levels import LEVEL_NAMES, LEVELS

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescape is on for .html


def _caller(request: Request):
    token = request.cookies.get(SESSION_COOKIE)
    return caller_from_token(request, token) if token else None


def _page(request: Request, name: str, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"caller": _caller(request), "level_names": LEVEL_NAMES,
                                                      "levels": LEVELS, **context})


@router.get("/login")
async def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", error=None)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]):
    try:
        caller = await authenticate(request, username, password)
    except Problem:
        return _page(request, "login.html", error="用户名或密码错误，请重试。")
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
    events = await views.event_page(request.app.state.clients, caller, level, max(page, 1), 50)
    return _page(request, "events.html", events=events, level=level)


@router.get("/events/{event_id}")
async def event(request: Request, event_id: str):
    caller = _caller(request)
    if caller is None:
        return RedirectResponse("/console/login", status_code=303)
    try:
        detail = await views.event_detail(request.app.state.clients, caller, event_id)
    except Problem as problem:
        return _page(request, "error.html", title=problem.title, detail=problem.detail)
    return _page(request, "event.html", event=detail)
