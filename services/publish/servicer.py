"""gRPC entrypoint of publish: protobuf ⇄ domain only."""

from __future__ import annotations

import datetime as dt

from services.publish.bulletin_service import BulletinService, final_content
from services.publish.bulletins import canonical_json
from services.publish.domain import OFFLINE_KINDS, STATE_NAMES
from services.publish.service import PublishService
from yuqing.core.dates import parse_date
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.grpc_server import caller_of
from yuqing.core.protobuf import from_timestamp, page_bounds, timestamp
from yuqing.publish.v1 import publish_pb2, publish_pb2_grpc


class BulletinServicerMixin:
    """The bulletin RPCs of PublishService (mixed into PublishServicer)."""

    bulletins: BulletinService

    async def DraftBulletin(self, request, context):
        caller = caller_of(context)
        bulletin_id = await self.bulletins.draft(caller, request.kind, optional_date(request.date), request.event_id)
        return bulletin_message(await self.bulletins.get(caller, bulletin_id))

    async def UpdateBulletin(self, request, context):
        caller = caller_of(context)
        await self.bulletins.update(caller, request.bulletin_id, request.assessment, request.next_steps,
                                    list(request.typical_event_ids), request.refresh)
        return bulletin_message(await self.bulletins.get(caller, request.bulletin_id))

    async def ReleaseBulletin(self, request, context):
        caller = caller_of(context)
        digest = await self.bulletins.release(caller, request.bulletin_id)
        return bulletin_message(await self.bulletins.get(caller, digest))

    async def GetBulletin(self, request, context):
        return bulletin_message(await self.bulletins.get(caller_of(context), request.bulletin_id))

    async def FindBulletin(self, request, context):
        return bulletin_message(await self.bulletins.find(caller_of(context), request.kind, optional_date(request.date),
                                                          request.event_id))

    async def ListBulletins(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.bulletins.page(caller_of(context), request.kind, request.state, limit, offset)
        return publish_pb2.ListBulletinsResponse(total=total, bulletins=[bulletin_message(r, False) for r in rows])

    async def RenderBulletin(self, request, context):
        data, content_type, digest, filename = await self.bulletins.render(caller_of(context), request.bulletin_id,
                                                                           request.format or "json")
        return publish_pb2.RenderedBulletin(data=data, content_type=content_type, digest=digest, filename=filename)


class PublishServicer(BulletinServicerMixin, publish_pb2_grpc.PublishServiceServicer):
    def __init__(self, service: PublishService, bulletins: BulletinService) -> None:
        self.service = service
        self.bulletins = bulletins

    async def ListReleases(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.service.page_of_releases(limit, offset)
        return publish_pb2.ListReleasesResponse(total=total, releases=[release_message(r) for r in rows])

    async def DesignateSpokesperson(self, request, context):
        caller = caller_of(context)
        await self.service.designate(caller, request.event_id, request.username)
        return event_statements_message(await self.service.event_statements(caller, request.event_id), request.event_id)

    async def AddTalkingPoint(self, request, context):
        caller = caller_of(context)
        await self.service.add_point(caller, request.event_id, request.text)
        return event_statements_message(await self.service.event_statements(caller, request.event_id), request.event_id)

    async def GetEventStatements(self, request, context):
        return event_statements_message(await self.service.event_statements(caller_of(context), request.event_id),
                                        request.event_id)

    async def CreateStatement(self, request, context):
        caller = caller_of(context)
        statement_id = await self.service.create(caller, request.event_id, request.kind, request.disposition,
                                                 request.unit_name)
        return statement_message(await self.service.statement(caller, statement_id))

    async def GetStatement(self, request, context):
        return statement_message(await self.service.statement(caller_of(context), request.statement_id))

    async def StatementAction(self, request, context):
        caller = caller_of(context)
        statement_id, action = request.statement_id, request.action
        if action == "edit":
            await self.service.edit(caller, statement_id, request.title, request.body)
        elif action == "submit":
            await self.service.submit(caller, statement_id)
        elif action == "approve":
            await self.service.approve(caller, statement_id, request.comment)
        elif action == "reject":
            await self.service.reject(caller, statement_id, request.comment)
        elif action == "publish":
            await self.service.publish(caller, statement_id,
                                       from_timestamp(request.publish_at, request.HasField("publish_at")))
        else:
            raise InvalidInput("未知操作", [FieldProblem("action", "可选：edit、submit、approve、reject、publish")])
        return statement_message(await self.service.statement(caller, statement_id))

    async def RecordOfflineAct(self, request, context):
        caller = caller_of(context)
        await self.service.record_offline_act(
            caller, request.event_id, request.kind, request.description,
            from_timestamp(request.happened_at, request.HasField("happened_at")),
            [(f.filename, f.data) for f in request.evidence])
        return offline_acts_message(*await self.service.offline_acts(caller, request.event_id))

    async def ListOfflineActs(self, request, context):
        return offline_acts_message(*await self.service.offline_acts(caller_of(context), request.event_id))

    async def GetActEvidence(self, request, context):
        row = await self.service.act_evidence(caller_of(context), request.event_id, request.evidence_id)
        return publish_pb2.ActEvidence(info=evidence_info(row), data=row["data"])

    async def SaveChannel(self, request, context):
        caller = caller_of(context)
        await self.service.save_channel(caller, request.name, request.url, request.secret, request.enabled)
        return channels_message(await self.service.channels(caller))

    async def ListChannels(self, request, context):
        return channels_message(await self.service.channels(caller_of(context)))

    async def ListPublicationDeliveries(self, request, context):
        rows = await self.service.deliveries(caller_of(context), request.status or None, min(request.limit or 100, 500))
        return publish_pb2.PublicationDeliveries(deliveries=[publish_pb2.PublicationDelivery(
            delivery_id=r["delivery_id"], release_id=r["release_id"], title=r["title"], version=r["version"],
            channel=r["channel"], status=r["status"], attempts=r["attempts"], last_error=r["last_error"],
            created_at=timestamp(r["created_at"]), sent_at=timestamp(r["sent_at"])) for r in rows])


def channels_message(rows) -> publish_pb2.PublicationChannels:
    return publish_pb2.PublicationChannels(channels=[publish_pb2.PublicationChannel(
        name=r["name"], url=r["url"], enabled=r["enabled"], updated_by=r["updated_by"],
        updated_at=timestamp(r["updated_at"])) for r in rows])


def evidence_info(row) -> publish_pb2.EvidenceInfo:
    return publish_pb2.EvidenceInfo(evidence_id=row["evidence_id"], filename=row["filename"],
                                    content_type=row["content_type"], size=row["size"], sha256=row["sha256"])


def offline_acts_message(acts, evidence) -> publish_pb2.OfflineActs:
    return publish_pb2.OfflineActs(acts=[publish_pb2.OfflineAct(
        act_id=a["act_id"], kind=a["kind"], kind_name=OFFLINE_KINDS[a["kind"]], description=a["description"],
        happened_at=timestamp(a["happened_at"]), recorded_by=a["recorded_by"],
        evidence=[evidence_info(e) for e in evidence if e["act_id"] == a["act_id"]]) for a in acts])


def release_message(row) -> publish_pb2.Release:
    return publish_pb2.Release(
        release_id=row["release_id"], event_id=row["event_id"], version=row["version"], title=row["title"],
        body=row["body"], published_at=timestamp(row["published_at"]), spokesperson=row["spokesperson"],
        statement_id=row["statement_id"], kind=row["kind"], superseded_by=row["superseded_by"] or "")


def version_message(v: dict) -> publish_pb2.StatementVersion:
    return publish_pb2.StatementVersion(
        version_id=v["version_id"], number=v["number"], title=v["title"], body=v["body"], state=v["state"],
        state_name=STATE_NAMES[v["state"]], edited_by=v["edited_by"], edited_at=timestamp(v["edited_at"]),
        chain=[publish_pb2.ChainStep(key=s["key"], label=s["label"], roles=s["roles"], count=s["count"])
               for s in v["chain"]],
        approvals=[publish_pb2.Approval(step=a["step"], approver=a["approver"], decision=a["decision"],
                                        comment=a["comment"], at=timestamp(a["at"])) for a in v.get("approvals", ())],
        reject_reason=v["reject_reason"], publish_at=timestamp(v["publish_at"]),
        published_at=timestamp(v["published_at"]), published_by=v["published_by"] or "",
        diff=[publish_pb2.DiffLine(**line) for line in v.get("diff", ())])


def statement_message(s: dict, versions: list[dict] | None = None) -> publish_pb2.Statement:
    return publish_pb2.Statement(
        statement_id=s["statement_id"], event_id=s["event_id"], kind=s["kind"], disposition=s["disposition"],
        created_by=s["created_by"], created_at=timestamp(s["created_at"]), spokesperson=s.get("spokesperson", ""),
        level=s.get("level") or "", versions=[version_message(v) for v in (versions if versions is not None
                                                                           else s.get("versions", ()))])


def event_statements_message(data: dict, event_id: str) -> publish_pb2.EventStatements:
    brief = data["brief"]
    return publish_pb2.EventStatements(
        event_id=event_id, spokesperson=brief["spokesperson"] if brief else "", level=brief["level"] if brief else "",
        points=[publish_pb2.TalkingPoint(point_id=p["point_id"], text=p["text"], author=p["author"],
                                         created_at=timestamp(p["created_at"])) for p in data["points"]],
        statements=[statement_message(s, [s["latest"]]) for s in data["statements"]],
        discovered_at=timestamp(brief["discovered_at"]) if brief else None,
        first_response_at=timestamp(data["first_response_at"]),
        authoritative_release_at=timestamp(data["authoritative_release_at"]),
        lead_unit_name=data["lead_unit"]["unit_name"] if data["lead_unit"] else "")


def optional_date(text: str) -> dt.date | None:
    if not text:
        return None
    problems: list[FieldProblem] = []
    day = parse_date(text, "date", problems)
    if problems:
        raise InvalidInput("日期格式有误", problems)
    return day


def bulletin_message(row, with_content: bool = True) -> publish_pb2.Bulletin:
    content = b""
    if with_content:
        content = row["released_json"] if row["state"] == "released" else canonical_json(final_content(row, 0, row["updated_at"], ""))
    return publish_pb2.Bulletin(
        bulletin_id=row["bulletin_id"], kind=row["kind"], title=row["title"], number=row["number"] or 0,
        period_start=row["period_start"], period_end=row["period_end"], event_id=row["event_id"], state=row["state"],
        content=content, digest=row["digest"] or "", created_by=row["created_by"], created_at=timestamp(row["created_at"]),
        released_by=row["released_by"] or "", released_at=timestamp(row["released_at"]),
        updated_at=timestamp(row["updated_at"]))
