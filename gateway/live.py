"""Live notifications for the console: Server-Sent Events fed by dispatch's alert stream.

Each connection follows `dispatch.alerts` from the moment it opens (XREAD, no consumer group:
every open console sees every alert and keeps those addressed to its user). What a person
missed while offline is in `GET /api/v1/notifications`; this is only the live feed.
"""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gateway import views
from gateway.auth import SESSION_COOKIE, caller_from_token, current_caller
from yuqing.core import streams
from yuqing.core.bus import stream_name
from yuqing.dispatch.v1 import dispatch_pb2

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


@router.get("/api/v1/notifications/live", tags=["notifications"], response_class=StreamingResponse)
async def live(request: Request) -> StreamingResponse:
    """text/event-stream of the caller's time-limit warnings, 催办 and 督办 as they fire."""
    caller = await _caller(request)
    redis: aioredis.Redis = request.app.state.redis
    name = stream_name(request.app.state.settings.stream_prefix, streams.ALERTS)

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
                    alert = dispatch_pb2.DeadlineAlert.FromString(fields[b"payload"])
                    if caller.username in alert.recipients:
                        yield f"event: alert\ndata: {json.dumps(alert_json(alert), ensure_ascii=False)}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
