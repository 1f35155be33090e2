"""《网络舆情通报》 over HTTP: superior agencies pull released bulletins with scoped read-only API
keys (ETag / If-None-Match); the office drafts, edits and releases. API keys are issued,
rotated and revoked here by an admin."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select, update

from gateway import audit, models, views
from gateway.auth import API_KEY_ROLES, CurrentCaller, new_api_key, require_roles
from gateway.inputs import Input
from gateway.problems import Problem
from yuqing.core.db import utcnow
from yuqing.core.identity import Caller
from yuqing.publish.v1 import publish_pb2

router = APIRouter(prefix="/api/v1")
Format = Literal["json", "html", "docx"]
Kind = Literal["daily", "weekly", "monthly", "special", "continuous", "review"]
Ref = Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]{32}([0-9a-f]{32})?$")]
# A released bulletin's HTML is a standalone document: its own styles, images as data: URIs,
# no scripts at all.
BULLETIN_HTML_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                        "form-action 'none'; frame-ancestors 'none'")
COUNTY_CODE = r"^[A-Za-z0-9_-]{1,32}$"


class DraftIn(Input):
    kind: Kind = Field(description="daily 日报 · weekly 周报 · monthly 月报 · special 专报 · continuous 续报 · review 总结评估")
    date: dt.date | None = Field(None, description="期间内的任一天；缺省为今天")
    event_id: str = Field("", max_length=64, description="专报、续报、总结评估须指明事件")


class BulletinEditIn(Input):
    assessment: str = Field("", max_length=20_000, description="研判与评估；留空则不改")
    next_steps: str = Field("", max_length=20_000, description="下步工作；留空则不改")
    typical_event_ids: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=20)
    refresh: bool = Field(False, description="按最新数据重新统计")


class ApiKeyIn(Input):
    name: str = Field(min_length=1, max_length=100, description="持有方，如 市委网信办")
    roles: list[Literal["superior_reader", "monitor"]] = Field(min_length=1, max_length=2)
    counties: list[Annotated[str, Field(pattern=COUNTY_CODE)]] = Field(
        min_length=1, max_length=100, description="可读取的县（代码）；市级密钥可含多个县")


class RotateIn(Input):
    grace_hours: int = Field(24, ge=0, le=720, description="旧密钥在此小时数后失效；0 为立即失效")


async def _call(request: Request, caller: Caller, method: str, message):
    return await request.app.state.clients.call("publish", method, message, caller)


def bulletin_json(b: publish_pb2.Bulletin, with_content: bool = True) -> dict:
    return {"bulletin_id": b.bulletin_id, "kind": b.kind, "title": b.title, "number": b.number or None,
            "period_start": b.period_start, "period_end": b.period_end, "event_id": b.event_id or None,
            "state": b.state, "digest": b.digest or None, "created_by": b.created_by,
            "created_at": views.local_time(b.created_at), "released_by": b.released_by or None,
            "released_at": views.local_time(b.released_at), "updated_at": views.local_time(b.updated_at),
            **({"content": json.loads(b.content)} if with_content and b.content else {})}


def _check_county(request: Request, county: str | None) -> None:
    settings = request.app.state.settings
    if county and county != settings.county_code:
        raise Problem(404, "没有该县的通报", f"本系统为{settings.county_name}（{settings.county_code}）部署，不保存其他县的通报",
                      type_="not-found")


async def rendered(request: Request, caller: Caller, ref: str, fmt: str) -> Response:
    rendered = await _call(request, caller, "RenderBulletin",
                           publish_pb2.RenderBulletinRequest(bulletin_id=ref, format=fmt))
    etag = f'"{rendered.digest}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "X-Content-SHA256": rendered.digest}
    if fmt == "html":
        headers["Content-Security-Policy"] = BULLETIN_HTML_POLICY
    if fmt == "docx":
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(rendered.filename)}"
    matches = [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]
    if etag in matches or f"W/{etag}" in matches or "*" in matches:
        return Response(status_code=304, headers=headers)
    return Response(rendered.data, media_type=rendered.content_type, headers=headers)


@router.get("/bulletins", tags=["bulletins"], responses={
    200: {"description": "The released bulletin in the asked format; ETag is the SHA-256 of the body",
          "content": {"application/json": {}, "text/html": {}, "application/octet-stream": {}}},
    304: {"description": "Not modified (If-None-Match)"}})
async def find_bulletin(request: Request, caller: CurrentCaller, kind: Kind,
                        date: Annotated[dt.date | None, Query(description="期间内的任一天；缺省为今天")] = None,
                        event_id: Annotated[str, Query(max_length=64)] = "",
                        format: Format = "json",
                        county: Annotated[str | None, Query(pattern=COUNTY_CODE)] = None) -> Response:
    """The latest released bulletin of a kind whose period holds the date."""
    _check_county(request, county)
    found = await _call(request, caller, "FindBulletin", publish_pb2.FindBulletinRequest(
        kind=kind, date=date.isoformat() if date else "", event_id=event_id))
    return await rendered(request, caller, found.digest, format)


@router.get("/bulletins/index", tags=["bulletins"])
async def list_bulletins(request: Request, caller: CurrentCaller, kind: Kind | None = None,
                         state: Literal["draft", "released"] | None = None,
                         page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                         page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    found = await _call(request, caller, "ListBulletins", publish_pb2.ListBulletinsRequest(
        kind=kind or "", state=state or "", page_size=page_size, offset=(page - 1) * page_size))
    return {"items": [bulletin_json(b, False) for b in found.bulletins], "total": found.total, "page": page,
            "page_size": page_size}


@router.get("/bulletins/{ref}", tags=["bulletins"], responses={304: {"description": "Not modified"}})
async def get_bulletin(ref: Ref, request: Request, caller: CurrentCaller, format: Format | None = None) -> Response:
    """By draft id or released digest; without `format`, the bulletin's record with its content."""
    if format:
        return await rendered(request, caller, ref, format)
    found = await _call(request, caller, "GetBulletin", publish_pb2.BulletinRef(bulletin_id=ref))
    return Response(json.dumps(bulletin_json(found), ensure_ascii=False), media_type="application/json")


@router.post("/bulletins", tags=["bulletins"], status_code=201)
async def draft_bulletin(body: DraftIn, request: Request, caller: CurrentCaller) -> dict:
    found = await _call(request, caller, "DraftBulletin", publish_pb2.DraftBulletinRequest(
        kind=body.kind, date=body.date.isoformat() if body.date else "", event_id=body.event_id))
    await audit.record(request.app.state.sessions, caller, "bulletin.draft", found.bulletin_id,
                       {"kind": body.kind, "period_start": found.period_start, "event_id": body.event_id})
    return bulletin_json(found)


@router.patch("/bulletins/{ref}", tags=["bulletins"])
async def edit_bulletin(ref: Ref, body: BulletinEditIn, request: Request, caller: CurrentCaller) -> dict:
    found = await _call(request, caller, "UpdateBulletin", publish_pb2.UpdateBulletinRequest(
        bulletin_id=ref, assessment=body.assessment, next_steps=body.next_steps,
        typical_event_ids=body.typical_event_ids, refresh=body.refresh))
    await audit.record(request.app.state.sessions, caller, "bulletin.edit", ref,
                       {"assessment": bool(body.assessment), "next_steps": bool(body.next_steps),
                        "typical_event_ids": body.typical_event_ids, "refresh": body.refresh})
    return bulletin_json(found)


@router.post("/bulletins/{ref}/release", tags=["bulletins"])
async def release_bulletin(ref: Ref, request: Request, caller: CurrentCaller) -> dict:
    found = await _call(request, caller, "ReleaseBulletin", publish_pb2.BulletinRef(bulletin_id=ref))
    await audit.record(request.app.state.sessions, caller, "bulletin.release", ref,
                       {"digest": found.digest, "number": found.number})
    return bulletin_json(found)


# --- API keys (admin) ------------------------------------------------------------------------

def key_json(row) -> dict:
    return {"key_id": row["key_id"], "name": row["name"], "roles": row["roles"], "counties": row["counties"],
            "created_by": row["created_by"], "created_at": views.local_iso(row["created_at"]),
            "expires_at": views.local_iso(row["expires_at"]) if row["expires_at"] else None,
            "revoked_at": views.local_iso(row["revoked_at"]) if row["revoked_at"] else None,
            "replaced_by": row["replaced_by"]}


async def _issue(request: Request, caller: Caller, name: str, roles: list[str], counties: list[str]) -> dict:
    key_id, secret_sha256, key = new_api_key()
    row = {"key_id": key_id, "name": name, "secret_sha256": secret_sha256, "roles": sorted(set(roles) & API_KEY_ROLES),
           "counties": sorted(set(counties)), "created_by": caller.username, "created_at": utcnow(),
           "expires_at": None, "revoked_at": None, "replaced_by": None}
    async with request.app.state.sessions() as session, session.begin():
        await session.execute(models.api_keys.insert().values(**row))
    return {**key_json(row), "key": key}


async def _key(request: Request, key_id: str):
    async with request.app.state.sessions() as session:
        row = (await session.execute(select(models.api_keys).where(models.api_keys.c.key_id == key_id))).mappings().first()
    if row is None:
        raise Problem(404, "密钥不存在", f"没有编号为 {key_id} 的密钥", type_="not-found")
    return row


@router.get("/admin/api-keys", tags=["admin"])
async def list_api_keys(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "admin")
    async with request.app.state.sessions() as session:
        rows = (await session.execute(select(models.api_keys).order_by(models.api_keys.c.created_at.desc()))).mappings()
        return {"items": [key_json(r) for r in rows]}


@router.post("/admin/api-keys", tags=["admin"], status_code=201)
async def issue_api_key(body: ApiKeyIn, request: Request, caller: CurrentCaller) -> dict:
    """The whole key is shown once, in this answer; only its SHA-256 is kept."""
    require_roles(caller, "admin")
    issued = await _issue(request, caller, body.name.strip(), body.roles, body.counties)
    await audit.record(request.app.state.sessions, caller, "api_key.issue", issued["key_id"],
                       {"name": issued["name"], "roles": issued["roles"], "counties": issued["counties"]})
    return issued


@router.post("/admin/api-keys/{key_id}/rotate", tags=["admin"], status_code=201)
async def rotate_api_key(key_id: Annotated[str, Field(max_length=24)], body: RotateIn, request: Request,
                         caller: CurrentCaller) -> dict:
    """A new key with the same scope; the old one stops working after the grace period."""
    require_roles(caller, "admin")
    old = await _key(request, key_id)
    if old["revoked_at"] is not None or old["replaced_by"]:
        raise Problem(409, "密钥已吊销或已轮换", "请对当前有效的密钥操作", type_="conflict")
    issued = await _issue(request, caller, old["name"], old["roles"], old["counties"])
    async with request.app.state.sessions() as session, session.begin():
        await session.execute(update(models.api_keys).where(models.api_keys.c.key_id == key_id).values(
            replaced_by=issued["key_id"], expires_at=utcnow() + dt.timedelta(hours=body.grace_hours)))
    await audit.record(request.app.state.sessions, caller, "api_key.rotate", key_id,
                       {"replaced_by": issued["key_id"], "grace_hours": body.grace_hours})
    return issued


@router.delete("/admin/api-keys/{key_id}", tags=["admin"])
async def revoke_api_key(key_id: Annotated[str, Field(max_length=24)], request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "admin")
    row = await _key(request, key_id)
    if row["revoked_at"] is None:
        async with request.app.state.sessions() as session, session.begin():
            await session.execute(update(models.api_keys).where(models.api_keys.c.key_id == key_id)
                                  .values(revoked_at=utcnow()))
        await audit.record(request.app.state.sessions, caller, "api_key.revoke", key_id, {"name": row["name"]})
    return key_json(await _key(request, key_id))
