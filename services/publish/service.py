"""Publish use cases: the spokesperson's statements from draft to public release."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.publish import models
from services.publish.domain import (
    KINDS,
    OFFLINE_KINDS,
    STATE_NAMES,
    chain_complete,
    chain_for,
    chain_json,
    check_text,
    diff,
    digest,
    draft_text,
    next_approval,
    require_drafter,
)
from services.publish.repository import PublishRepository
from yuqing.core import streams
from yuqing.core.bus import Envelope, Outbox, handle_alone
from yuqing.core.categories import DISPOSITIONS
from yuqing.core.dates import SHANGHAI
from yuqing.core.db import new_id, utcnow
from yuqing.core.delivery import DeliveryFailed, post_signed_json
from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from yuqing.core.files import check_attachments, check_document
from yuqing.core.identity import Caller
from yuqing.core.levels import from_proto
from yuqing.core.protobuf import from_timestamp, timestamp
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.grading.v1 import grading_pb2
from yuqing.publish.v1 import publish_pb2

READERS = frozenset({"admin", "office", "leader", "spokesperson", "superior_reader"})
SCHEDULE_BATCH = 50


@dataclass
class _Rows:
    """A stream batch's rows by event: as read, then as the batch leaves them."""

    messages: dict[str, Message]
    current: dict[str, dict]
    changed: dict[str, dict] = field(default_factory=dict)


class LevelChanges:
    """Stream handler (levels): keep each event's current level, which chooses the approval
    chain. A batch reads its events' briefs in one query and writes them in two."""

    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self.clock = clock

    async def start(self, session: AsyncSession, envelopes: list[Envelope]) -> _Rows:
        messages = {e.message_id: e.parse(grading_pb2.EventGraded) for e in envelopes}
        briefs = await PublishRepository(session).briefs(sorted({m.event_id for m in messages.values()}), for_update=True)
        return _Rows(messages, {row["event_id"]: dict(row) for row in briefs})

    async def handle(self, session: AsyncSession, envelope: Envelope, batch: _Rows) -> None:
        message = batch.messages[envelope.message_id]
        known = batch.current.get(message.event_id)
        batch.current[message.event_id] = batch.changed[message.event_id] = {
            "event_id": message.event_id, "level": from_proto(message.level),
            "title": message.title or (known or {}).get("title", ""), "locality": message.locality,
            "discovered_at": from_timestamp(message.event_discovered_at), "drill_id": message.drill_id,
            "spokesperson": known["spokesperson"] if known else "", "updated_at": self.clock(), "heat": message.heat,
            "sensitive_categories": list(message.sensitive_categories)}

    async def finish(self, session: AsyncSession, batch: _Rows) -> None:
        await PublishRepository(session).replace_rows(models.event_briefs, list(batch.changed.values()))


class LeadChanges:
    """Stream handler (assignments): remember each event's lead unit; the latest assignment
    wins (改派), a redelivered older one changes nothing."""

    @staticmethod
    def _names_lead(message: dispatch_pb2.AssignmentChanged) -> bool:
        return message.action == "assigned" and message.role == "lead"

    def wants(self, envelope: Envelope) -> bool:
        """Other changes (acknowledged, answered …) are acknowledged without a transaction."""
        return self._names_lead(envelope.parse(dispatch_pb2.AssignmentChanged))

    async def start(self, session: AsyncSession, envelopes: list[Envelope]) -> _Rows:
        messages = {e.message_id: e.parse(dispatch_pb2.AssignmentChanged) for e in envelopes}
        leads = [m for m in messages.values() if self._names_lead(m)]
        rows = await PublishRepository(session).lead_units(sorted({m.event_id for m in leads}))
        return _Rows(messages, {row["event_id"]: dict(row) for row in rows})

    async def handle(self, session: AsyncSession, envelope: Envelope, batch: _Rows) -> None:
        message = batch.messages[envelope.message_id]
        if not self._names_lead(message):
            return
        at, known = from_timestamp(message.at), batch.current.get(message.event_id)
        if known is not None and known["assigned_at"] > at:
            return
        batch.current[message.event_id] = batch.changed[message.event_id] = {
            "event_id": message.event_id, "unit_code": message.unit_code, "unit_name": message.unit_name,
            "assigned_at": at}

    async def finish(self, session: AsyncSession, batch: _Rows) -> None:
        await PublishRepository(session).replace_rows(models.lead_units, list(batch.changed.values()))


class PublishService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.level_changes = LevelChanges(clock)
        self.lead_changes = LeadChanges()
        self.schedule_changed: Callable[[], None] = lambda: None
        self.deliveries_added: Callable[[], None] = lambda: None

    # --- what publish knows of events -------------------------------------------------------

    async def on_event_graded(self, session: AsyncSession, envelope: Envelope) -> None:
        await handle_alone(self.level_changes, session, envelope)

    async def on_assignment_changed(self, session: AsyncSession, envelope: Envelope) -> None:
        await handle_alone(self.lead_changes, session, envelope)

    async def _brief(self, repo: PublishRepository, event_id: str, for_update: bool = False):
        brief = await repo.brief(event_id, for_update)
        if brief is None:
            raise NotFound(f"事件 {event_id} 尚未定级，暂不能发布")
        return brief

    async def designate(self, caller: Caller, event_id: str, username: str) -> None:
        """The office names the event's spokesperson: the only one who may publish."""
        if not caller.roles & {"office", "admin"}:
            raise PermissionDenied("新闻发言人由舆情办指定")
        if not username.strip():
            raise InvalidInput("请指定新闻发言人", [FieldProblem("username", "必填")])
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            await self._brief(repo, event_id, for_update=True)
            await repo.set_spokesperson(event_id, username.strip(), self.clock())

    async def add_point(self, caller: Caller, event_id: str, text: str) -> None:
        require_drafter(caller)
        if not text.strip() or len(text) > 2000:
            raise InvalidInput("口径内容有误", [FieldProblem("text", "须为 1–2000 字")])
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            await self._brief(repo, event_id)
            await repo.add_point({"point_id": new_id(), "event_id": event_id, "text": text.strip(),
                                  "author": caller.username, "created_at": self.clock()})

    # --- statements ------------------------------------------------------------------------

    async def create(self, caller: Caller, event_id: str, kind: str, disposition: str, unit_name: str = "") -> str:
        """A draft from the template of the disposition class, citing the event's talking points."""
        require_drafter(caller)
        problems = []
        if kind not in KINDS:
            problems.append(FieldProblem("kind", f"须是 {'、'.join(f'{k}（{v}）' for k, v in KINDS.items())} 之一"))
        if disposition not in DISPOSITIONS:
            problems.append(FieldProblem("disposition", f"须是 {'、'.join(DISPOSITIONS)} 之一"))
        if problems:
            raise InvalidInput("通稿信息有误", problems)
        now, statement_id = self.clock(), new_id()
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            brief = await self._brief(repo, event_id)
            if not unit_name.strip():
                lead = await repo.lead_unit(event_id)
                unit_name = lead["unit_name"] if lead else ""
            title, body = draft_text(disposition, brief["title"], unit_name, [p["text"] for p in await repo.points(event_id)])
            await repo.add_statement({"statement_id": statement_id, "event_id": event_id, "kind": kind,
                                      "disposition": disposition, "created_by": caller.username, "created_at": now})
            await repo.add_version(self._version_row(statement_id, 1, title, body, caller, now))
        return statement_id

    @staticmethod
    def _version_row(statement_id: str, number: int, title: str, body: str, caller: Caller, now: dt.datetime) -> dict:
        return {"version_id": new_id(), "statement_id": statement_id, "number": number, "title": title, "body": body,
                "state": "draft", "edited_by": caller.username, "edited_at": now, "chain": []}

    async def _latest(self, repo: PublishRepository, statement_id: str):
        statement = await repo.statement(statement_id, for_update=True)
        if statement is None:
            raise NotFound(f"通稿 {statement_id} 不存在")
        versions = await repo.versions(statement_id)
        return statement, versions[-1], versions

    async def edit(self, caller: Caller, statement_id: str, title: str, body: str) -> None:
        """A draft changes in place; anything submitted, approved or published gets a new version
        (after publication that new version is a correction, 更正)."""
        require_drafter(caller)
        check_text(title, body)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            _, latest, _ = await self._latest(repo, statement_id)
            if latest["state"] == "scheduled":
                raise Conflict("该版本已排定发布时间，不能修改")
            if latest["state"] == "draft":
                await repo.update_version(latest["version_id"], title=title.strip(), body=body, edited_by=caller.username,
                                          edited_at=now)
            else:
                await repo.add_version(self._version_row(statement_id, latest["number"] + 1, title.strip(), body,
                                                         caller, now))

    async def submit(self, caller: Caller, statement_id: str) -> None:
        require_drafter(caller)
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            statement, latest, _ = await self._latest(repo, statement_id)
            if latest["state"] != "draft":
                raise Conflict(f"第 {latest['number']} 版{STATE_NAMES[latest['state']]}，只有草稿可以送审")
            brief = await self._brief(repo, statement["event_id"])
            await repo.update_version(latest["version_id"], state="in_review", chain=chain_json(chain_for(brief["level"])))

    async def approve(self, caller: Caller, statement_id: str, comment: str) -> None:
        await self._decide(caller, statement_id, "approve", comment)

    async def reject(self, caller: Caller, statement_id: str, reason: str) -> None:
        if not reason.strip():
            raise InvalidInput("退回须说明理由", [FieldProblem("reason", "必填")])
        await self._decide(caller, statement_id, "reject", reason)

    async def _decide(self, caller: Caller, statement_id: str, decision: str, comment: str) -> None:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            _, latest, _ = await self._latest(repo, statement_id)
            if latest["state"] != "in_review":
                raise Conflict(f"第 {latest['number']} 版{STATE_NAMES[latest['state']]}，不在审核中")
            approvals = [a for a in await repo.approvals([latest["version_id"]]) if a["decision"] == "approve"]
            step = next_approval(latest["chain"], approvals, caller)
            await repo.add_approval({"approval_id": new_id(), "version_id": latest["version_id"], "step": step["key"],
                                     "approver": caller.username, "decision": decision, "comment": comment.strip()[:2000],
                                     "at": now})
            if decision == "reject":
                await repo.update_version(latest["version_id"], state="rejected", reject_reason=comment.strip())
            elif chain_complete(latest["chain"], [*approvals, {"step": step["key"], "approver": caller.username}]):
                await repo.update_version(latest["version_id"], state="approved",
                                          approved_digest=digest(latest["title"], latest["body"]))

    async def publish(self, caller: Caller, statement_id: str, publish_at: dt.datetime | None = None) -> None:
        """Only the event's spokesperson, only an approved version exactly as approved; at once
        or at `publish_at`."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            statement, latest, _ = await self._latest(repo, statement_id)
            brief = await self._brief(repo, statement["event_id"])
            if not brief["spokesperson"]:
                raise Conflict("该事件尚未指定新闻发言人")
            if caller.username != brief["spokesperson"]:
                raise PermissionDenied(f"只有本事件的新闻发言人（{brief['spokesperson']}）可以发布")
            if latest["state"] != "approved":
                raise Conflict(f"第 {latest['number']} 版{STATE_NAMES[latest['state']]}，未经审核不能发布")
            if latest["approved_digest"] != digest(latest["title"], latest["body"]):
                raise Conflict("审核后内容有改动，须重新送审")
            if publish_at is not None and publish_at > now:
                await repo.update_version(latest["version_id"], state="scheduled", publish_at=publish_at,
                                          published_by=caller.username)
                scheduled = True
            else:
                await self._release(repo, statement, latest, caller.username, now, brief["drill_id"])
                scheduled = False
        if scheduled:
            self.schedule_changed()
        else:
            self.outbox.notify()

    async def _release(self, repo: PublishRepository, statement, version, by: str, now: dt.datetime, drill_id: str):
        """The version goes public; an earlier public version of the statement is superseded; the
        stream hears of it exactly once (the outbox row commits with the release)."""
        release_id = new_id()
        await repo.add_release({"release_id": release_id, "event_id": statement["event_id"], "version": version["number"],
                                "title": version["title"], "body": version["body"], "spokesperson": by,
                                "published_at": now, "statement_id": statement["statement_id"],
                                "version_id": version["version_id"], "kind": statement["kind"], "drill_id": drill_id})
        superseded = await repo.supersede(statement["statement_id"], release_id)
        if not drill_id:   # a drill never leaves the suite
            await repo.add_deliveries([{
                "delivery_id": new_id(), "release_id": release_id, "channel": c["name"], "address": c["url"],
                "status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}
                for c in await repo.channels(enabled_only=True)])
            self.deliveries_added()
        for earlier in await repo.versions(statement["statement_id"]):
            if earlier["state"] == "published":
                await repo.update_version(earlier["version_id"], state="superseded")
        await repo.update_version(version["version_id"], state="published", published_at=now, published_by=by)
        await self.outbox.add(repo.session, streams.STATEMENTS, publish_pb2.StatementPublished(
            statement_id=statement["statement_id"], event_id=statement["event_id"], kind=statement["kind"],
            version=version["number"], release_id=release_id, title=version["title"], published_at=timestamp(now),
            spokesperson=by, correction=bool(superseded), drill_id=drill_id))

    async def publish_due(self, limit: int = SCHEDULE_BATCH) -> int:
        """Scheduled versions whose time has come, published once (claimed with SKIP LOCKED)."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            due = await repo.due_scheduled(now, limit)
            for version in due:
                statement = await repo.statement(version["statement_id"])
                brief = await repo.brief(statement["event_id"])
                await self._release(repo, statement, version, version["published_by"], now, brief["drill_id"])
        if due:
            self.outbox.notify()
        return len(due)

    async def next_scheduled(self) -> dt.datetime | None:
        async with self.sessions() as session:
            return await PublishRepository(session).next_scheduled()

    # --- outbound channels ------------------------------------------------------------------

    async def save_channel(self, caller: Caller, name: str, url: str, secret: str, enabled: bool) -> None:
        """A WeChat/Weibo-style webhook that receives every published version (admin)."""
        if "admin" not in caller.roles:
            raise PermissionDenied("发布渠道由管理员配置")
        problems = []
        if not name.strip() or len(name) > 32 or not name.replace("_", "").replace("-", "").isalnum():
            problems.append(FieldProblem("name", "渠道名称须为字母、数字、下划线或连字符"))
        if not url.startswith(("http://", "https://")) or len(url) > 500:
            problems.append(FieldProblem("url", "须为 http(s) 地址"))
        if problems:
            raise InvalidInput("发布渠道有误", problems)
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            if not secret:  # the key is write-only: saving without one keeps the channel's current key
                secret = next((c["secret"] for c in await repo.channels() if c["name"] == name), "")
            await repo.save_channel({
                "name": name, "url": url, "secret": secret, "enabled": enabled, "updated_by": caller.username,
                "updated_at": self.clock()})

    async def channels(self, caller: Caller):
        if not caller.roles & {"admin", "office"}:
            raise PermissionDenied("发布渠道仅对舆情办和管理员开放")
        async with self.sessions() as session:
            return await PublishRepository(session).channels()

    async def deliveries(self, caller: Caller, status: str | None, limit: int):
        if not caller.roles & {"admin", "office"}:
            raise PermissionDenied("发送记录仅对舆情办和管理员开放")
        async with self.sessions() as session:
            return await PublishRepository(session).deliveries(status, limit)

    def release_sender(self):
        """Sends claimed deliveries: the release as JSON, signed with the channel's secret."""
        async def send(rows: list[dict]) -> list[str | None]:
            async with self.sessions() as session:
                repo = PublishRepository(session)
                releases = await repo.releases_by_id([r["release_id"] for r in rows])
                secrets = {c["name"]: c["secret"] for c in await repo.channels()}

            async def one(row: dict) -> str | None:
                release = releases[row["release_id"]]
                try:
                    await post_signed_json(row["address"], {
                        "delivery_id": row["delivery_id"], "channel": row["channel"], "release_id": release["release_id"],
                        "event_id": release["event_id"], "statement_id": release["statement_id"],
                        "version": release["version"], "kind": release["kind"], "title": release["title"],
                        "body": release["body"], "spokesperson": release["spokesperson"],
                        "published_at": release["published_at"].astimezone(SHANGHAI).isoformat(),
                        "correction": release["correction"]}, secret=secrets.get(row["channel"], ""),
                        idempotency_key=row["delivery_id"])
                except DeliveryFailed as error:
                    return str(error)[:500]
                return None

            return list(await asyncio.gather(*(one(r) for r in rows)))
        return send

    # --- offline acts ----------------------------------------------------------------------

    async def record_offline_act(self, caller: Caller, event_id: str, kind: str, description: str,
                                 happened_at: dt.datetime | None, files: list[tuple[str, bytes]]) -> str:
        """A press conference held or a reply posted in a thread, with its evidence; it counts as
        published (a press conference meets the plan's press-conference step, a thread reply the
        first response)."""
        if not caller.roles & {"spokesperson", "office", "admin"}:
            raise PermissionDenied("线下发布由新闻发言人或舆情办登记")
        now = self.clock()
        problems = []
        if kind not in OFFLINE_KINDS:
            problems.append(FieldProblem("kind", f"须是 {'、'.join(f'{k}（{v}）' for k, v in OFFLINE_KINDS.items())} 之一"))
        if not description.strip() or len(description) > 5000:
            problems.append(FieldProblem("description", "请说明情况（最多 5000 字）"))
        if happened_at is not None and happened_at > now + dt.timedelta(minutes=5):
            problems.append(FieldProblem("happened_at", "不能晚于现在"))
        evidence, file_problems = check_attachments(files, accept=check_document, default_name="证据") if files else ([], [])
        problems += file_problems
        if problems:
            raise InvalidInput("线下发布记录有误", problems)
        act_id, at = new_id(), happened_at or now
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            brief = await self._brief(repo, event_id)
            await repo.add_offline_act({"act_id": act_id, "event_id": event_id, "kind": kind,
                                        "description": description.strip(), "happened_at": at,
                                        "recorded_by": caller.username, "recorded_at": now},
                                       [{"evidence_id": new_id(), "act_id": act_id, "filename": e.filename,
                                         "content_type": e.content_type, "size": e.size, "sha256": e.sha256,
                                         "data": e.data} for e in evidence])
            await self.outbox.add(session, streams.STATEMENTS, publish_pb2.StatementPublished(
                event_id=event_id, kind=kind, release_id=act_id, title=OFFLINE_KINDS[kind],
                published_at=timestamp(at), spokesperson=caller.username, drill_id=brief["drill_id"]))
        self.outbox.notify()
        return act_id

    async def offline_acts(self, caller: Caller, event_id: str):
        if not caller.roles & READERS:
            raise PermissionDenied("线下发布记录仅对舆情办、领导、新闻发言人开放")
        async with self.sessions() as session:
            return await PublishRepository(session).offline_acts(event_id)

    async def act_evidence(self, caller: Caller, event_id: str, evidence_id: str):
        if not caller.roles & READERS:
            raise PermissionDenied("线下发布记录仅对舆情办、领导、新闻发言人开放")
        async with self.sessions() as session:
            row = await PublishRepository(session).act_evidence(event_id, evidence_id)
        if row is None:
            raise NotFound("证据文件不存在")
        return row

    # --- reading ----------------------------------------------------------------------------

    async def statement(self, caller: Caller, statement_id: str) -> dict:
        if not caller.roles & READERS:
            raise PermissionDenied("通稿仅对舆情办、领导、新闻发言人开放")
        async with self.sessions() as session:
            repo = PublishRepository(session)
            statement = await repo.statement(statement_id)
            if statement is None:
                raise NotFound(f"通稿 {statement_id} 不存在")
            versions = [dict(v) for v in await repo.versions(statement_id)]
            approvals = await repo.approvals([v["version_id"] for v in versions])
            brief = await repo.brief(statement["event_id"])
        for previous, version in zip([None, *versions], versions):
            version["approvals"] = [a for a in approvals if a["version_id"] == version["version_id"]]
            version["diff"] = diff(previous["title"], previous["body"], version["title"], version["body"]) if previous else []
        return {**statement, "versions": versions, "spokesperson": brief["spokesperson"] if brief else "",
                "level": brief["level"] if brief else None}

    async def event_statements(self, caller: Caller, event_id: str) -> dict:
        if not caller.roles & READERS:
            raise PermissionDenied("通稿仅对舆情办、领导、新闻发言人开放")
        async with self.sessions() as session:
            repo = PublishRepository(session)
            brief = await repo.brief(event_id)
            statements = [dict(s) for s in await repo.statements_of(event_id)]
            for statement in statements:
                statement["latest"] = dict((await repo.versions(statement["statement_id"]))[-1])
            first_response, authoritative = await repo.first_publications(event_id)
            return {"brief": brief, "points": await repo.points(event_id), "statements": statements,
                    "first_response_at": first_response, "authoritative_release_at": authoritative,
                    "lead_unit": await repo.lead_unit(event_id)}

    async def page_of_releases(self, limit: int, offset: int):
        async with self.sessions() as session:
            return await PublishRepository(session).page_of_releases(limit, offset)
