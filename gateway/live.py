"""Live feeds for the console, as Server-Sent Events: a person's alerts (dispatch's alert
stream) and, for county-wide roles, every event graded (grading's stream) for the dashboard.

Each connection follows its stream from the moment it opens (XREAD, no consumer group: every
open console sees every message and keeps what concerns it). What a person missed while
offline is in `GET /api/v1/notifications` and the event list; these are only the live feeds.
"""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gateway import views
from gateway.auth import SESSION_COOKIE, caller_from_token, current_caller
from gateway.problems import Problem
from yuqing.core import streams
from yuqing.core.bus import stream_name
from yuqing.core.levels import LEVEL_NAMES, from_proto
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.grading.v1 import grading_pb2

router = APIRouter()
KEEPALIVE_SECONDS = 15


async def _caller(request: Request):
    """Bearer token (API) or the console's session cookie (EventSource sends cookies)."""
    token = request.cookies.get(SESSION_COOKIE)
    caller = caller_from_token(request, token) if token else None
    return caller or await current_caller(request)


def alert_json(alert: dispatch_pb2.DeadlineAlert) -> dict:
    return {"kind": alert.kind, "title": alert.title, "assignment_id": alert.assignment_id, "event_id": alert.event_id,
            "unit_code": alert.unit_code, "step_name": alert.step_name, "due_at": views.local_time(alert.due_at),
            "fired_at": views.local_time(alert.fired_at)}


def _stream(request: Request, stream: str, render) -> StreamingResponse:
    """text/event-stream of a Redis stream from now on: `render(fields)` gives (event name,
    JSON-able data) or None to skip; a comment every KEEPALIVE_SECONDS keeps proxies open."""
    redis: aioredis.Redis = request.app.state.redis
    name = stream_name(request.app.state.settings.stream_prefix, stream)

    async def events():
        last = "$"
        yield ": connected\n\n"
        while not await request.is_disconnected():
            try:
                response = await redis.xread({name: last}, block=KEEPALIVE_SECONDS * 1000, count=100)
            except (aioredis.ConnectionError, aioredis.TimeoutError):
                await asyncio.sleep(1)
                continue
            if not response:
                yield ": keep-alive\n\n"
                continue
            for _stream, entries in response:
                for entry_id, fields in entries:
                    last = entry_id
                    shown = render(fields)
                    if shown is not None:
                        yield f"event: {shown[0]}\ndata: {json.dumps(shown[1], ensure_ascii=False)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/api/v1/notifications/live", tags=["notifications"], response_class=StreamingResponse)
async def live(request: Request) -> StreamingResponse:
    """text/event-stream of the caller's time-limit warnings, 催办 and 督办 as they fire."""
    caller = await _caller(request)

    def render(fields):
        alert = dispatch_pb2.DeadlineAlert.FromString(fields[b"payload"])
        return ("alert", alert_json(alert)) if caller.username in alert.recipients else None
    return _stream(request, streams.ALERTS, render)


@router.get("/api/v1/live/events", tags=["events"], response_class=StreamingResponse)
async def live_events(request: Request) -> StreamingResponse:
    """text/event-stream of every event graded or re-graded (county-wide roles): the
    dashboard inserts new events and recolours changed ones without reloading."""
    caller = await _caller(request)
    if not caller.county_wide:
        raise Problem(403, "没有权限", "全县事件动态仅对舆情办、领导和管理员开放", type_="forbidden")

    def render(fields):
        graded = grading_pb2.EventGraded.FromString(fields[b"payload"])
        if graded.drill_id:
            return None
        level = from_proto(graded.level)
        return ("event", {"event_id": graded.event_id, "title": graded.title, "level": level,
                          "level_name": LEVEL_NAMES.get(level, ""), "heat": round(graded.heat, 1),
                          "discovered_at": views.local_time(graded.event_discovered_at)})
    return _stream(request, streams.LEVELS, render)
