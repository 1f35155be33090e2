"""归档: an event's complete record as one ZIP — items with their evidence, the timeline, leaders'
instructions (批示: 研判 decisions and approval comments), unit answers with attachments,
statements with every version and approval, offline acts with evidence, the released
bulletins about it — and `manifest.json` listing every file with its SHA-256 and size."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import zipfile
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from gateway import audit, views
from gateway.auth import CurrentCaller, require_roles
from gateway.clients import ServiceClients
from gateway.publish_api import offline_acts_json, statement_json
from yuqing.core.files import safe_filename
from yuqing.core.identity import Caller
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.ingest.v1 import ingest_pb2
from yuqing.publish.v1 import publish_pb2

router = APIRouter(prefix="/api/v1")
# A fixed timestamp inside the ZIP keeps identical archives byte-identical.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class ArchiveWriter:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict] = []

    def add(self, path: str, data: bytes) -> None:
        info = zipfile.ZipInfo(path, ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.files.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

    def add_json(self, path: str, value) -> None:
        self.add(path, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"))

    def close(self, header: dict) -> bytes:
        manifest = {**header, "files": self.files}
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        info = zipfile.ZipInfo("manifest.json", ZIP_TIME)
        self.zip.writestr(info, data)
        self.zip.close()
        return self.buffer.getvalue()


def _instructions(detail: dict, statements: list[publish_pb2.Statement]) -> list[dict]:
    """批示: every 研判 that carries a person's reason and every approval decision with its comment."""
    found = [{"at": e["at"], "kind": e["kind_name"], "by": e["actor"], "text": e["reason"]}
             for e in detail["timeline"] if e["reason"] and e["actor"] not in ("system", "")]
    for statement in statements:
        for version in statement.versions:
            for approval in version.approvals:
                found.append({"at": views.local_time(approval.at),
                              "kind": "审核同意" if approval.decision == "approve" else "审核退回",
                              "by": approval.approver, "text": approval.comment,
                              "statement": f"{version.title}（第{version.number}版）"})
    return sorted(found, key=lambda entry: entry["at"] or "")


async def build_archive(clients: ServiceClients, caller: Caller, event_id: str, now: dt.datetime) -> bytes:
    metadata, timeout = caller.metadata(), clients.timeout
    detail = await views.event_detail(clients, caller, event_id)
    writer = ArchiveWriter()

    # Items, original and cleaned, with their evidence.
    for item in detail["items"]:
        writer.add_json(f"items/{item['item_id']}.json", item)
        for attachment in item["attachments"]:
            found = await clients.ingest.GetAttachment(ingest_pb2.GetAttachmentRequest(
                item_id=item["item_id"], attachment_id=attachment["attachment_id"]), timeout=timeout, metadata=metadata)
            writer.add(f"evidence/{item['item_id']}/{attachment['attachment_id']}-{safe_filename(found.info.filename, 'file')}",
                       found.data)

    # Unit answers and their attachments (from the full assignment records).
    assignments = await asyncio.gather(*[clients.dispatch.GetAssignment(dispatch_pb2.GetAssignmentRequest(
        assignment_id=a["assignment_id"]), timeout=timeout, metadata=metadata) for a in detail["assignments"]])
    for assignment in assignments:
        writer.add_json(f"assignments/{assignment.assignment_id}.json", views.assignment_json(assignment))
        for answer in assignment.answers:
            for attachment in answer.attachments:
                found = await clients.dispatch.GetAnswerAttachment(dispatch_pb2.GetAnswerAttachmentRequest(
                    assignment_id=assignment.assignment_id, attachment_id=attachment.attachment_id),
                    timeout=timeout, metadata=metadata)
                writer.add(f"answers/{assignment.assignment_id}/{attachment.attachment_id}-"
                           f"{safe_filename(found.info.filename, 'file')}", found.data)

    # Statements with every version and approval; offline acts with their evidence.
    listed = await clients.publish.GetEventStatements(publish_pb2.GetEventStatementsRequest(event_id=event_id),
                                                      timeout=timeout, metadata=metadata)
    statements = await asyncio.gather(*[clients.publish.GetStatement(publish_pb2.GetStatementRequest(
        statement_id=s.statement_id), timeout=timeout, metadata=metadata) for s in listed.statements])
    for statement in statements:
        writer.add_json(f"statements/{statement.statement_id}.json", statement_json(statement))
    writer.add_json("talking_points.json", [{"text": p.text, "author": p.author, "at": views.local_time(p.created_at)}
                                            for p in listed.points])
    acts = await clients.publish.ListOfflineActs(publish_pb2.ListOfflineActsRequest(event_id=event_id),
                                                 timeout=timeout, metadata=metadata)
    writer.add_json("offline_acts.json", offline_acts_json(acts, event_id))
    for act in acts.acts:
        for evidence in act.evidence:
            found = await clients.publish.GetActEvidence(publish_pb2.GetActEvidenceRequest(
                event_id=event_id, evidence_id=evidence.evidence_id), timeout=timeout, metadata=metadata)
            writer.add(f"offline_acts/{act.act_id}/{evidence.evidence_id}-{safe_filename(found.info.filename, 'file')}",
                       found.data)

    # Released bulletins about this event (专报, 续报, 总结评估).
    for kind in ("special", "continuous", "review"):
        listed_bulletins = await clients.publish.ListBulletins(publish_pb2.ListBulletinsRequest(
            kind=kind, state="released", page_size=200), timeout=timeout, metadata=metadata)
        for bulletin in listed_bulletins.bulletins:
            if bulletin.event_id == event_id:
                for fmt in ("json", "docx"):
                    rendered = await clients.publish.RenderBulletin(publish_pb2.RenderBulletinRequest(
                        bulletin_id=bulletin.digest, format=fmt), timeout=timeout, metadata=metadata)
                    writer.add(f"bulletins/{kind}-{bulletin.number}-{bulletin.digest[:12]}.{fmt}", rendered.data)

    event = {key: value for key, value in detail.items() if key not in ("items", "timeline", "assignments")}
    writer.add_json("event.json", event)
    writer.add_json("timeline.json", detail["timeline"])
    writer.add_json("instructions.json", _instructions(detail, statements))
    return writer.close({"event_id": event_id, "title": detail["title"], "generated_at": views.local_iso(now),
                         "generated_by": caller.username, "hash": "sha256"})


@router.get("/events/{event_id}/archive", tags=["events"], response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
async def event_archive(event_id: Annotated[str, Field(max_length=64)], request: Request,
                        caller: CurrentCaller) -> Response:
    """The event's complete archive as a ZIP with a SHA-256 manifest (舆情办、领导、管理员)."""
    require_roles(caller, "office", "leader")
    now = dt.datetime.now(dt.UTC)
    data = await build_archive(request.app.state.clients, caller, event_id, now)
    digest = hashlib.sha256(data).hexdigest()
    await audit.record(request.app.state.sessions, caller, "event.archive", event_id, {"sha256": digest})
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="event-{event_id}-archive.zip"',
        "X-Content-SHA256": digest, "Cache-Control": "private, no-store"})

