"""REST API under /api/v1 (docs/api.md; OpenAPI at /openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field

from gateway import views
from gateway.auth import CurrentCaller, authenticate, issue_token, require_roles
from yuqing.common.v1 import common_pb2
from yuqing.core.levels import LEVELS
from yuqing.ingest.v1 import ingest_pb2

router = APIRouter(prefix="/api/v1")
LevelParam = Literal["I", "II", "III", "IV", "V"]
assert tuple(LevelParam.__args__) == LEVELS


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    username: str
    roles: list[str]
    unit_code: str


class MetricsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    views: int = Field(0, ge=0)
    comments: int = Field(0, ge=0)
    reposts: int = Field(0, ge=0)
    likes: int = Field(0, ge=0)
    mainstream_sites: int = Field(0, ge=0)


class ItemIn(BaseModel):
    """An item found online. Times without an offset are read as Asia/Shanghai."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=200, description="信息来源，如 monitor_patrol、public_tip")
    platform: str = Field("", max_length=200)
    url: str = Field("", max_length=2048)
    title: str = Field("", max_length=1000)
    content: str = Field("", max_length=200_000)
    author: str = Field("", max_length=200)
    published_at: dt.datetime | None = None
    discovered_at: dt.datetime | None = Field(None, description="默认为接收时间；处置时限从此刻起算")
    region_hint: str = Field("", max_length=200)
    metrics: MetricsIn = Field(default_factory=MetricsIn)
    source_item_id: str = Field("", max_length=200)


class ItemAccepted(BaseModel):
    item_id: str
    event_id: str
    duplicate: bool


def _timestamp(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=views.SHANGHAI)
    message = Timestamp()
    message.FromDatetime(value.astimezone(dt.UTC))
    return message


@router.post("/auth/token", response_model=TokenResponse, tags=["auth"])
async def token(body: TokenRequest, request: Request) -> TokenResponse:
    caller = await authenticate(request, body.username, body.password)
    access_token, ttl = issue_token(request, caller)
    return TokenResponse(access_token=access_token, expires_in=ttl, username=caller.username,
                         roles=sorted(caller.roles), unit_code=caller.unit_code)


@router.post("/items", response_model=ItemAccepted, status_code=201, tags=["items"])
async def submit_item(body: ItemIn, request: Request, caller: CurrentCaller) -> ItemAccepted:
    require_roles(caller, "office", "monitor")
    clients = request.app.state.clients
    item = ingest_pb2.ItemInput(
        source=body.source, platform=body.platform, url=body.url, title=body.title, content=body.content,
        author=body.author, published_at=_timestamp(body.published_at), discovered_at=_timestamp(body.discovered_at),
        region_hint=body.region_hint, metrics=common_pb2.Metrics(**body.metrics.model_dump()),
        source_item_id=body.source_item_id, reporter=caller.username,
    )
    result = await clients.ingest.SubmitItem(ingest_pb2.SubmitItemRequest(item=item), timeout=clients.timeout,
                                             metadata=caller.metadata())
    return ItemAccepted(item_id=result.item_id, event_id=result.event_id, duplicate=result.duplicate)


@router.get("/events", tags=["events"])
async def list_events(request: Request, caller: CurrentCaller,
                      level: Annotated[LevelParam | None, Query(description="I…V")] = None,
                      page: Annotated[int, Query(ge=1)] = 1,
                      page_size: Annotated[int, Query(ge=1, le=200)] = 20) -> dict:
    require_roles(caller, "office", "leader", "monitor", "spokesperson", "superior_reader")
    return await views.event_page(request.app.state.clients, caller, level, page, page_size)


@router.get("/events/{event_id}", tags=["events"])
async def get_event(event_id: Annotated[str, Field(max_length=64)], request: Request, caller: CurrentCaller) -> dict:
    return await views.event_detail(request.app.state.clients, caller, event_id)


@router.get("/assignments", tags=["assignments"])
async def list_assignments(request: Request, caller: CurrentCaller,
                           page: Annotated[int, Query(ge=1)] = 1,
                           page_size: Annotated[int, Query(ge=1, le=200)] = 20) -> dict:
    return await views.assignment_page(request.app.state.clients, caller, page, page_size)


@router.get("/assignments/{assignment_id}", tags=["assignments"])
async def get_assignment(assignment_id: str, request: Request, caller: CurrentCaller) -> dict:
    return await views.assignment_detail(request.app.state.clients, caller, assignment_id)
