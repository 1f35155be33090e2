"""REST API under /api/v1 (docs/api.md; OpenAPI at /openapi.json)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gateway import audit, views
from gateway.auth import CurrentCaller, authenticate, issue_token, require_roles
from gateway.inputs import Input
from yuqing.core.levels import LEVELS
from yuqing.ingest.v1 import ingest_pb2

router = APIRouter(prefix="/api/v1")
LevelParam = Literal["I", "II", "III", "IV", "V"]
# page × page_size stays within the services' 32-bit offsets.
MAX_PAGE = 100_000
assert tuple(LevelParam.__args__) == LEVELS


class TokenRequest(Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    username: str
    roles: list[str]
    unit_code: str


@router.post("/auth/token", response_model=TokenResponse, tags=["auth"])
async def token(body: TokenRequest, request: Request) -> TokenResponse:
    caller = await authenticate(request, body.username, body.password)
    access_token, ttl = issue_token(request, caller)
    return TokenResponse(access_token=access_token, expires_in=ttl, username=caller.username,
                         roles=sorted(caller.roles), unit_code=caller.unit_code)


@router.get("/events", tags=["events"])
async def list_events(request: Request, caller: CurrentCaller,
                      level: Annotated[LevelParam | None, Query(description="I…V")] = None,
                      page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                      page_size: Annotated[int, Query(ge=1, le=200)] = 20) -> dict:
    require_roles(caller, "office", "leader", "monitor", "spokesperson", "superior_reader")
    return await views.event_page(request.app.state.clients, caller, level, page, page_size)


@router.get("/events/{event_id}", tags=["events"])
async def get_event(event_id: Annotated[str, Field(max_length=64)], request: Request, caller: CurrentCaller) -> dict:
    return await views.event_detail(request.app.state.clients, caller, event_id)


class CloseIn(Input):
    reason: str = Field(min_length=1, max_length=500, description="结束跟踪的原因")


@router.post("/events/{event_id}/close", tags=["events"])
async def close_event(event_id: Annotated[str, Field(max_length=64)], body: CloseIn, request: Request,
                      caller: CurrentCaller) -> dict:
    """End the watch on an event; an item on the same matter later re-opens it (动态跟踪)."""
    require_roles(caller, "office")
    clients = request.app.state.clients
    await clients.ingest.CloseEvent(ingest_pb2.CloseEventRequest(event_id=event_id, reason=body.reason),
                                    timeout=clients.timeout, metadata=caller.metadata())
    await audit.record(request.app.state.sessions, caller, "event.close", event_id, {"reason": body.reason})
    return await views.event_detail(clients, caller, event_id)


@router.get("/events/{event_id}/items/{item_id}/attachments/{attachment_id}", tags=["events"],
            response_class=Response)
async def download_attachment(event_id: str, item_id: str, attachment_id: str, request: Request,
                              caller: CurrentCaller) -> Response:
    """Evidence as stored; the X-Content-SHA256 header carries the hash recorded at intake."""
    return await views.attachment_download(request.app.state.clients, caller, event_id, item_id, attachment_id)


@router.get("/assignments", tags=["assignments"])
async def list_assignments(request: Request, caller: CurrentCaller,
                           page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                           page_size: Annotated[int, Query(ge=1, le=200)] = 20) -> dict:
    return await views.assignment_page(request.app.state.clients, caller, page, page_size)


@router.get("/assignments/{assignment_id}", tags=["assignments"])
async def get_assignment(assignment_id: str, request: Request, caller: CurrentCaller) -> dict:
    return await views.assignment_detail(request.app.state.clients, caller, assignment_id)
