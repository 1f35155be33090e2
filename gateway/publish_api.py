"""Statements over HTTP (the office drafts, leaders approve, the spokesperson publishes) and the
county's public release page and Atom feed. Every change is written to the audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from feedgen.feed import FeedGenerator
from pydantic import Field

from gateway import audit, views
from gateway.auth import CurrentCaller
from gateway.inputs import Input
from yuqing.core.identity import Caller
from yuqing.publish.v1 import publish_pb2

router = APIRouter()
templates = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
Id = Annotated[str, Field(max_length=64)]
KIND_NAMES = {"response": "首次回应", "release": "权威发布"}
FEED_ID = "urn:yuqing:releases"


class SpokespersonIn(Input):
    username: str = Field(min_length=1, max_length=64)


class PointIn(Input):
    text: str = Field(min_length=1, max_length=2000)


class StatementIn(Input):
    kind: Literal["response", "release"] = Field(description="response 首次回应 · release 权威发布")
    disposition: str = Field("inquiry", max_length=20, description="起草所用模板：inquiry, hype, fabrication, suggestion")
    unit_name: str = Field("", max_length=200, description="稿中写明的责任单位")


class StatementActionIn(Input):
    action: Literal["edit", "submit", "approve", "reject", "publish"]
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=50_000)
    comment: str = Field("", max_length=2000, description="审核意见；退回时必填")
    publish_at: dt.datetime | None = Field(None, description="定时发布；缺省为立即发布")


async def _call(request: Request, caller: Caller, method: str, message):
    return await request.app.state.clients.call("publish", method, message, caller)


def version_json(v: publish_pb2.StatementVersion) -> dict:
    return {"version_id": v.version_id, "number": v.number, "title": v.title, "body": v.body, "state": v.state,
            "state_name": v.state_name, "edited_by": v.edited_by, "edited_at": views.local_time(v.edited_at),
            "chain": [{"key": s.key, "label": s.label, "count": s.count} for s in v.chain],
            "approvals": [{"step": a.step, "approver": a.approver, "decision": a.decision, "comment": a.comment or None,
                           "at": views.local_time(a.at)} for a in v.approvals],
            "reject_reason": v.reject_reason or None,
            "publish_at": views.local_time(v.publish_at, v.HasField("publish_at")),
            "published_at": views.local_time(v.published_at, v.HasField("published_at")),
            "published_by": v.published_by or None,
            "diff": [{"change": d.change, "text": d.text} for d in v.diff]}


def statement_json(s: publish_pb2.Statement) -> dict:
    return {"statement_id": s.statement_id, "event_id": s.event_id, "kind": s.kind,
            "kind_name": KIND_NAMES.get(s.kind, s.kind), "disposition": s.disposition, "created_by": s.created_by,
            "created_at": views.local_time(s.created_at), "spokesperson": s.spokesperson or None,
            "level": s.level or None, "versions": [version_json(v) for v in s.versions]}


def event_statements_json(e: publish_pb2.EventStatements) -> dict:
    return {"event_id": e.event_id, "spokesperson": e.spokesperson or None, "level": e.level or None,
            "lead_unit_name": e.lead_unit_name or None,
            "talking_points": [{"point_id": p.point_id, "text": p.text, "author": p.author,
                                "created_at": views.local_time(p.created_at)} for p in e.points],
            "statements": [statement_json(s) for s in e.statements]}


@router.get("/api/v1/events/{event_id}/statements", tags=["statements"])
async def event_statements(event_id: Id, request: Request, caller: CurrentCaller) -> dict:
    """The event's spokesperson, talking points (口径) and statements (each with its latest version)."""
    return event_statements_json(await _call(request, caller, "GetEventStatements",
                                             publish_pb2.GetEventStatementsRequest(event_id=event_id)))


@router.put("/api/v1/events/{event_id}/spokesperson", tags=["statements"])
async def designate(event_id: Id, body: SpokespersonIn, request: Request, caller: CurrentCaller) -> dict:
    """The office names the event's spokesperson, the only one who may publish for it."""
    result = await _call(request, caller, "DesignateSpokesperson", publish_pb2.DesignateSpokespersonRequest(
        event_id=event_id, username=body.username))
    await audit.record(request.app.state.sessions, caller, "event.spokesperson", event_id, body.model_dump())
    return event_statements_json(result)


@router.post("/api/v1/events/{event_id}/talking-points", tags=["statements"], status_code=201)
async def add_point(event_id: Id, body: PointIn, request: Request, caller: CurrentCaller) -> dict:
    result = await _call(request, caller, "AddTalkingPoint", publish_pb2.AddTalkingPointRequest(
        event_id=event_id, text=body.text))
    await audit.record(request.app.state.sessions, caller, "event.talking_point", event_id, body.model_dump())
    return event_statements_json(result)


@router.post("/api/v1/events/{event_id}/statements", tags=["statements"], status_code=201)
async def create_statement(event_id: Id, body: StatementIn, request: Request, caller: CurrentCaller) -> dict:
    """A draft from the template of the disposition class, citing the talking points."""
    statement = await _call(request, caller, "CreateStatement", publish_pb2.CreateStatementRequest(
        event_id=event_id, **body.model_dump()))
    await audit.record(request.app.state.sessions, caller, "statement.create", statement.statement_id,
                       {"event_id": event_id, **body.model_dump()})
    return statement_json(statement)


@router.get("/api/v1/statements/{statement_id}", tags=["statements"])
async def get_statement(statement_id: Id, request: Request, caller: CurrentCaller) -> dict:
    """Every version with its approvals and its diff against the previous one."""
    return statement_json(await _call(request, caller, "GetStatement",
                                      publish_pb2.GetStatementRequest(statement_id=statement_id)))


@router.post("/api/v1/statements/{statement_id}/actions", tags=["statements"])
async def statement_action(statement_id: Id, body: StatementActionIn, request: Request, caller: CurrentCaller) -> dict:
    """edit · submit · approve · reject (comment = the reason) · publish (the spokesperson; publish_at
    schedules). Publishing an unapproved or edited-after-approval version is refused (409)."""
    statement = await _call(request, caller, "StatementAction", publish_pb2.StatementActionRequest(
        statement_id=statement_id, action=body.action, title=body.title, body=body.body, comment=body.comment,
        publish_at=views.timestamp_message(body.publish_at)))
    await audit.record(request.app.state.sessions, caller, f"statement.{body.action}", statement_id,
                       {"version": statement.versions[-1].number, "comment": body.comment,
                        "publish_at": body.publish_at.isoformat() if body.publish_at else None})
    return statement_json(statement)


def offline_acts_json(listed: publish_pb2.OfflineActs, event_id: str) -> dict:
    return {"items": [{"act_id": a.act_id, "kind": a.kind, "kind_name": a.kind_name, "description": a.description,
                       "happened_at": views.local_time(a.happened_at), "recorded_by": a.recorded_by,
                       "evidence": [{"evidence_id": e.evidence_id, "filename": e.filename,
                                     "content_type": e.content_type, "size": e.size, "sha256": e.sha256,
                                     "url": f"/api/v1/events/{event_id}/offline-acts/evidence/{e.evidence_id}"}
                                    for e in a.evidence]} for a in listed.acts]}


@router.post("/api/v1/events/{event_id}/offline-acts", tags=["statements"], status_code=201)
async def record_offline_act(event_id: Id, request: Request, caller: CurrentCaller,
                             kind: Annotated[Literal["press_conference", "thread_reply", "interview", "other"], Form()],
                             description: Annotated[str, Form(min_length=1, max_length=5000)],
                             happened_at: Annotated[dt.datetime | None, Form()] = None,
                             evidence: Annotated[list[UploadFile], File(description="照片、PDF 等证据")] = ()) -> dict:
    """A press conference held or a reply posted in a thread, with its evidence: it counts as
    published and meets the plan's matching step."""
    files = [(f.filename or "", await f.read()) for f in evidence if f.filename or f.size]
    listed = await _call(request, caller, "RecordOfflineAct", publish_pb2.RecordOfflineActRequest(
        event_id=event_id, kind=kind, description=description, happened_at=views.timestamp_message(happened_at),
        evidence=[publish_pb2.EvidenceUpload(filename=name, data=data) for name, data in files]))
    await audit.record(request.app.state.sessions, caller, "event.offline_act", event_id,
                       {"kind": kind, "files": [name for name, _ in files]})
    return offline_acts_json(listed, event_id)


@router.get("/api/v1/events/{event_id}/offline-acts", tags=["statements"])
async def offline_acts(event_id: Id, request: Request, caller: CurrentCaller) -> dict:
    return offline_acts_json(await _call(request, caller, "ListOfflineActs",
                                         publish_pb2.ListOfflineActsRequest(event_id=event_id)), event_id)


@router.get("/api/v1/events/{event_id}/offline-acts/evidence/{evidence_id}", tags=["statements"],
            response_class=Response)
async def act_evidence(event_id: Id, evidence_id: Id, request: Request, caller: CurrentCaller) -> Response:
    found = await _call(request, caller, "GetActEvidence", publish_pb2.GetActEvidenceRequest(
        event_id=event_id, evidence_id=evidence_id))
    return views.file_response(found.info, found.data)


class ChannelIn(Input):
    url: str = Field(min_length=1, max_length=500)
    secret: str = Field("", max_length=200, description="签名密钥（HMAC-SHA256），只写不读；留空则保留原密钥")
    enabled: bool = True


def channels_json(listed: publish_pb2.PublicationChannels) -> dict:
    return {"items": [{"name": c.name, "url": c.url, "enabled": c.enabled, "updated_by": c.updated_by,
                       "updated_at": views.local_time(c.updated_at)} for c in listed.channels]}


@router.get("/api/v1/admin/publication-channels", tags=["admin"])
async def list_channels(request: Request, caller: CurrentCaller) -> dict:
    return channels_json(await _call(request, caller, "ListChannels", publish_pb2.ListChannelsRequest()))


@router.put("/api/v1/admin/publication-channels/{name}", tags=["admin"])
async def save_channel(name: Annotated[str, Path(max_length=32)], body: ChannelIn, request: Request,
                       caller: CurrentCaller) -> dict:
    """A WeChat/Weibo-style webhook that receives every published version once (retried with backoff)."""
    listed = await _call(request, caller, "SaveChannel", publish_pb2.PublicationChannel(name=name, **body.model_dump()))
    await audit.record(request.app.state.sessions, caller, "publication.channel", name,
                       {"url": body.url, "enabled": body.enabled})
    return channels_json(listed)


@router.get("/api/v1/admin/publication-deliveries", tags=["admin"])
async def publication_deliveries(request: Request, caller: CurrentCaller,
                                 status: Annotated[Literal["pending", "sent", "failed"] | None, Query()] = None,
                                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    listed = await _call(request, caller, "ListPublicationDeliveries", publish_pb2.ListPublicationDeliveriesRequest(
        status=status or "", limit=limit))
    return {"items": [{"delivery_id": d.delivery_id, "release_id": d.release_id, "title": d.title,
                       "version": d.version, "channel": d.channel, "status": d.status, "attempts": d.attempts,
                       "last_error": d.last_error or None, "created_at": views.local_time(d.created_at),
                       "sent_at": views.local_time(d.sent_at, d.HasField("sent_at"))} for d in listed.deliveries]}


# --- the public release page and feed (no login) ---------------------------------------------

def release_json(r: publish_pb2.Release) -> dict:
    return {"release_id": r.release_id, "event_id": r.event_id, "statement_id": r.statement_id, "version": r.version,
            "kind": r.kind, "kind_name": KIND_NAMES.get(r.kind, r.kind), "title": r.title, "body": r.body,
            "published_at": views.local_time(r.published_at), "spokesperson": r.spokesperson,
            "superseded_by": r.superseded_by or None}


async def _releases(request: Request, page: int, page_size: int) -> tuple[list[dict], int]:
    clients = request.app.state.clients
    listed = await clients.publish.ListReleases(publish_pb2.ListReleasesRequest(
        page_size=page_size, offset=(page - 1) * page_size), timeout=clients.timeout)
    return [release_json(r) for r in listed.releases], listed.total


@router.get("/public/releases", include_in_schema=False)
async def release_page(request: Request, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    releases, total = await _releases(request, page, 20)
    by_id = {r["release_id"]: r for r in releases}
    return templates.TemplateResponse(request, "releases.html", {
        "releases": releases, "total": total, "page": page, "by_id": by_id, "caller": None})


@router.get("/api/v1/releases", tags=["public"])
async def releases_json(request: Request, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                        page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> dict:
    """Published statements, newest first (no login needed); a corrected version names its successor."""
    releases, total = await _releases(request, page, page_size)
    return {"items": releases, "total": total, "page": page, "page_size": page_size}


@router.get("/public/releases.atom", include_in_schema=False)
async def release_feed(request: Request) -> Response:
    """Atom 1.0. A correction is a new entry; the corrected entry stays, updated to say so."""
    releases, _ = await _releases(request, 1, 100)
    base = str(request.base_url).rstrip("/")
    feed = FeedGenerator()
    feed.id(FEED_ID)
    feed.title("网络舆情处置平台 · 权威发布")
    feed.author({"name": "县政府新闻发言人"})
    feed.link(href=f"{base}/public/releases", rel="alternate")
    feed.link(href=f"{base}/public/releases.atom", rel="self")
    feed.language("zh-CN")
    newest = max((dt.datetime.fromisoformat(r["published_at"]) for r in releases), default=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    published = {r["release_id"]: dt.datetime.fromisoformat(r["published_at"]) for r in releases}
    for release in reversed(releases):
        entry = feed.add_entry()
        entry.id(f"urn:yuqing:release:{release['release_id']}")
        corrected = release["superseded_by"]
        entry.title(("【已更正】" if corrected else "") + release["title"])
        entry.link(href=f"{base}/public/releases#{release['release_id']}")
        entry.published(published[release["release_id"]])
        # A superseded entry is updated when its correction appeared.
        entry.updated(published.get(corrected, published[release["release_id"]]))
        entry.content(release["body"], type="text")
        entry.author({"name": release["spokesperson"]})
    feed.updated(max([newest, *published.values()]))
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")
