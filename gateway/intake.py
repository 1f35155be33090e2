"""Every way an item enters through the gateway: single and batch API calls, a monitor's
report with screenshots, a public tip (网友举报, no account), a superior agency's notice.

Each becomes an `ItemInput` for ingest; ingest validates, checks the evidence bytes and
answers per item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway import views
from gateway.auth import CurrentCaller, require_roles
from gateway.inputs import Input
from gateway.limits import client_address, fixed_window
from gateway.problems import Problem, pydantic_errors
from yuqing.common.v1 import common_pb2
from yuqing.core.grpc_server import field_violations
from yuqing.core.identity import Caller
from yuqing.ingest.v1 import ingest_pb2

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

MAX_BATCH_ITEMS = 1_000
# Route-specific body limits (the default is GatewaySettings.max_body_bytes).
BATCH_BODY_BYTES = 32 * 1024 * 1024
REPORT_BODY_BYTES = 24 * 1024 * 1024
TIP_BODY_BYTES = 8 * 1024 * 1024
ROUTE_BODY_LIMITS = {"/api/v1/items/batch": BATCH_BODY_BYTES, "/api/v1/reports": REPORT_BODY_BYTES,
                     "/public/tip": TIP_BODY_BYTES, "/api/v1/tips": TIP_BODY_BYTES}
TIP_LIMIT, TIP_WINDOW_SECONDS = 5, 600  # per client address
MAX_TIP_FILES = 3
REPORT_ROLES = ("office", "monitor")
_RESULT_STATUS = {ingest_pb2.ItemResult.ACCEPTED: "accepted", ingest_pb2.ItemResult.DUPLICATE: "duplicate",
                  ingest_pb2.ItemResult.REJECTED: "rejected"}


class MetricsIn(Input):
    model_config = ConfigDict(extra="forbid", strict=True)
    views: int = Field(0, ge=0)
    comments: int = Field(0, ge=0)
    reposts: int = Field(0, ge=0)
    likes: int = Field(0, ge=0)
    mainstream_sites: int = Field(0, ge=0)


class ItemIn(Input):
    """An item found online. Times without an offset are read as Asia/Shanghai."""

    source: str = Field(min_length=1, max_length=200, description="信息来源，如 monitor_patrol、platform")
    platform: str = Field("", max_length=200)
    url: str = Field("", max_length=2048)
    title: str = Field("", max_length=1000)
    content: str = Field("", max_length=200_000, description="原文（可含 HTML，仅作证据保存，不会被渲染）")
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


class BatchIn(Input):
    items: list[Any] = Field(max_length=MAX_BATCH_ITEMS, description=f"最多 {MAX_BATCH_ITEMS} 条；每条按 ItemIn 校验")


class ItemResultOut(BaseModel):
    index: int
    status: str = Field(description="accepted | duplicate | rejected")
    item_id: str | None = None
    event_id: str | None = None
    message: str | None = None
    errors: list[dict] = Field(default_factory=list)


class BatchOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[ItemResultOut]


class NoticeIn(Input):
    """上级通报: a superior agency's notice, with its own feedback deadline."""

    issuing_agency: str = Field(min_length=1, max_length=200, description="通报单位，如 市委网信办")
    feedback_deadline: dt.datetime = Field(description="要求反馈的时限")
    title: str = Field(min_length=1, max_length=1000)
    content: str = Field("", max_length=200_000)
    url: str = Field("", max_length=2048)
    platform: str = Field("", max_length=200)
    region_hint: str = Field("", max_length=200)
    notice_number: str = Field("", max_length=200, description="通报文号；同一文号只登记一次")


class TipIn(Input):
    title: str = Field("", max_length=200)
    content: str = Field(min_length=5, max_length=5_000)
    url: str = Field("", max_length=2048)
    contact: str = Field("", max_length=100, description="联系方式（选填）")


def item_input(body: ItemIn, reporter: str) -> ingest_pb2.ItemInput:
    return ingest_pb2.ItemInput(
        source=body.source, platform=body.platform, url=body.url, title=body.title, content=body.content,
        author=body.author, published_at=views.timestamp_message(body.published_at), discovered_at=views.timestamp_message(body.discovered_at),
        region_hint=body.region_hint, metrics=common_pb2.Metrics(**body.metrics.model_dump()),
        source_item_id=body.source_item_id, reporter=reporter,
    )


async def submit(request: Request, caller: Caller, item: ingest_pb2.ItemInput) -> ItemAccepted:
    result = await request.app.state.single_items.submit(caller, item)
    return ItemAccepted(item_id=result.item_id, event_id=result.event_id, duplicate=result.duplicate)


@router.post("/api/v1/items", response_model=ItemAccepted, status_code=201, tags=["items"])
async def submit_item(body: ItemIn, request: Request, caller: CurrentCaller) -> ItemAccepted:
    require_roles(caller, *REPORT_ROLES)
    return await submit(request, caller, item_input(body, caller.username))


@router.post("/api/v1/items/batch", response_model=BatchOut, tags=["items"])
async def submit_batch(body: BatchIn, request: Request, caller: CurrentCaller) -> BatchOut:
    """Up to 1,000 items; one result per item in request order. An item that fails
    validation is rejected with its field errors; the others are stored."""
    require_roles(caller, *REPORT_ROLES)
    results: list[ItemResultOut | None] = [None] * len(body.items)
    valid: list[tuple[int, ingest_pb2.ItemInput]] = []
    for index, raw in enumerate(body.items):
        try:
            valid.append((index, item_input(ItemIn.model_validate(raw), caller.username)))
        except ValidationError as error:
            errors = pydantic_errors(error.errors(include_url=False), prefix=f"items[{index}]")
            results[index] = ItemResultOut(index=index, status="rejected", message="信息内容不符合要求", errors=errors)
    if valid:
        clients = request.app.state.clients
        response = await clients.ingest.SubmitItems(ingest_pb2.SubmitItemsRequest(items=[m for _, m in valid]),
                                                    timeout=max(clients.timeout, 60), metadata=caller.metadata())
        for result in response.results:
            index = valid[result.index][0]
            results[index] = ItemResultOut(
                index=index, status=_RESULT_STATUS[result.status], item_id=result.item_id or None,
                event_id=result.event_id or None, message=result.message or None,
                errors=[{"field": f"items[{index}].{p.field}", "reason": p.reason} for p in result.problems])
    done = [r for r in results if r is not None]
    return BatchOut(accepted=sum(r.status == "accepted" for r in done),
                    duplicates=sum(r.status == "duplicate" for r in done),
                    rejected=sum(r.status == "rejected" for r in done), results=done)


async def attachments_of(files: list[UploadFile]) -> list[ingest_pb2.AttachmentInput]:
    return [ingest_pb2.AttachmentInput(filename=f.filename or "", content_type=f.content_type or "",
                                       data=await f.read()) for f in files if f.filename or f.size]


@router.post("/api/v1/reports", response_model=ItemAccepted, status_code=201, tags=["items"])
async def report(request: Request, caller: CurrentCaller,
                 title: Annotated[str, Form(max_length=1000)] = "",
                 content: Annotated[str, Form(max_length=200_000)] = "",
                 url: Annotated[str, Form(max_length=2048)] = "",
                 platform: Annotated[str, Form(max_length=200)] = "",
                 author: Annotated[str, Form(max_length=200)] = "",
                 region_hint: Annotated[str, Form(max_length=200)] = "",
                 screenshots: Annotated[list[UploadFile], File(description="截图证据：PNG/JPEG/GIF/WebP")] = ()):
    """A monitor's report (监测员报送) with screenshots kept as evidence (SHA-256 recorded)."""
    require_roles(caller, *REPORT_ROLES)
    item = ingest_pb2.ItemInput(source="monitor_report", title=title, content=content, url=url, platform=platform,
                                author=author, region_hint=region_hint, reporter=caller.username,
                                attachments=await attachments_of(list(screenshots)))
    return await submit(request, caller, item)


@router.post("/api/v1/notices", response_model=ItemAccepted, status_code=201, tags=["items"])
async def notice(body: NoticeIn, request: Request, caller: CurrentCaller) -> ItemAccepted:
    """Register a superior agency's notice (上级通报); its feedback deadline travels with the event."""
    require_roles(caller, "office")
    item = ingest_pb2.ItemInput(
        source="superior_notice", title=body.title, content=body.content, url=body.url, platform=body.platform,
        region_hint=body.region_hint, reporter=caller.username, issuing_agency=body.issuing_agency,
        feedback_deadline=views.timestamp_message(body.feedback_deadline), source_item_id=body.notice_number)
    return await submit(request, caller, item)


async def _rate_limit_tip(request: Request) -> None:
    retry_after = await fixed_window(request, "tip", client_address(request), TIP_LIMIT, TIP_WINDOW_SECONDS)
    if retry_after is not None:
        raise Problem(429, "提交过于频繁", f"每个网络地址 {TIP_WINDOW_SECONDS // 60} 分钟内最多提交 {TIP_LIMIT} 条举报，"
                      f"请 {retry_after} 秒后再试", type_="rate-limited", headers={"Retry-After": str(retry_after)})


async def _submit_tip(request: Request, body: TipIn, files: list[UploadFile]) -> ItemAccepted:
    await _rate_limit_tip(request)
    if len(files) > MAX_TIP_FILES:
        raise Problem(422, "附件过多", f"最多上传 {MAX_TIP_FILES} 张截图", type_="validation")
    item = ingest_pb2.ItemInput(source="public_tip", platform="网友举报", title=body.title, content=body.content,
                                url=body.url, reporter_contact=body.contact, reporter="",
                                attachments=await attachments_of(files))
    return await submit(request, Caller(username="public", roles=frozenset({"public"})), item)


@router.post("/api/v1/tips", response_model=ItemAccepted, status_code=201, tags=["public"])
async def tip_api(body: TipIn, request: Request) -> ItemAccepted:
    """网友举报 without an account; rate-limited per client address (429 with Retry-After)."""
    return await _submit_tip(request, body, [])


@router.get("/public/tip", include_in_schema=False)
async def tip_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "tip.html", {"form": {}, "errors": [], "done": None})


@router.post("/public/tip", include_in_schema=False)
async def tip_form(request: Request, title: Annotated[str, Form()] = "", content: Annotated[str, Form()] = "",
                   url: Annotated[str, Form()] = "", contact: Annotated[str, Form()] = "",
                   screenshots: Annotated[list[UploadFile], File()] = ()) -> Response:
    form = {"title": title, "content": content, "url": url, "contact": contact}
    try:
        body = TipIn.model_validate(form)
        accepted = await _submit_tip(request, body, list(screenshots))
    except ValidationError as error:
        errors = [f"{e['field']}：{e['reason']}" for e in pydantic_errors(error.errors(include_url=False))]
        return templates.TemplateResponse(request, "tip.html", {"form": form, "errors": errors, "done": None},
                                          status_code=422)
    except Problem as problem:
        return templates.TemplateResponse(request, "tip.html", {"form": form, "errors": [problem.detail or problem.title],
                                                                "done": None}, status_code=problem.status)
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        errors = [p.reason for p in field_violations(error)] or [error.details() or "提交的内容不符合要求"]
        return templates.TemplateResponse(request, "tip.html", {"form": form, "errors": errors, "done": None},
                                          status_code=422)
    return templates.TemplateResponse(request, "tip.html", {"form": {}, "errors": [], "done": accepted.item_id[:8]},
                                      status_code=201)
