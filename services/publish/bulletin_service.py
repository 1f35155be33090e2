"""Bulletin use cases: draft (gather the figures over gRPC and from publish's own tables),
edit, release (freeze JSON, HTML and DOCX), find and render."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.publish import render
from services.publish.bulletins import (
    DEFAULT_NEXT_STEPS,
    EVENT_KINDS,
    KINDS,
    MAJOR_LEVELS,
    TYPICAL_CASES,
    Period,
    canonical_json,
    check_kind,
    check_texts,
    default_assessment,
    digest_of,
    key_candidates,
    local_iso,
    overview,
    period_for,
    timeliness,
    title_for,
)
from services.publish.repository import PublishRepository
from yuqing.core.bus import Envelope
from yuqing.core.dates import SHANGHAI
from yuqing.core.db import new_id, utcnow
from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from yuqing.core.identity import Caller
from yuqing.core.levels import LEVEL_NAMES, LEVELS, from_proto
from yuqing.core.protobuf import from_timestamp
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.grading.v1 import grading_pb2
from yuqing.ingest.v1 import ingest_pb2

EDITORS = frozenset({"office", "admin"})
DRAFT_READERS = frozenset({"office", "admin", "leader"})
FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
UNSET = "未标明"


class Peers(Protocol):
    """What a bulletin reads from the other services, over gRPC, as the person drafting it."""

    async def handling(self, caller: Caller, period: Period) -> dispatch_pb2.HandlingReport: ...

    async def leads(self, caller: Caller, event_ids: list[str]) -> dict[str, dispatch_pb2.Assignment]: ...

    async def grades(self, caller: Caller, event_ids: list[str]) -> dict[str, grading_pb2.EventGrade]: ...

    async def event(self, caller: Caller, event_id: str) -> ingest_pb2.Event: ...

    async def events(self, caller: Caller, event_ids: list[str]) -> dict[str, ingest_pb2.Event]: ...

    async def place_names(self, caller: Caller) -> dict[str, str]: ...


@dataclass(frozen=True)
class County:
    code: str
    name: str
    issuer: str
    recipients: str


class ItemCounter:
    """Stream handler (a BatchHandler of ingest.items): items per day by source and platform.
    Snapshots of a known item and drill items are not counted."""

    async def start(self, session: AsyncSession, envelopes: list[Envelope]) -> Counter:
        return Counter()

    async def handle(self, session: AsyncSession, envelope: Envelope, batch: Counter) -> None:
        message = envelope.parse(ingest_pb2.ItemIngested)
        if message.duplicate or message.drill_id:
            return
        found = message.discovered_at if message.HasField("discovered_at") else message.event_discovered_at
        day = from_timestamp(found).astimezone(SHANGHAI).date().isoformat()
        batch[(day, "source", message.source[:64] or UNSET)] += 1
        batch[(day, "platform", message.platform[:64] or UNSET)] += 1

    async def finish(self, session: AsyncSession, batch: Counter) -> None:
        await PublishRepository(session).add_item_counts(dict(batch))


class BulletinService:
    def __init__(self, sessions: async_sessionmaker, peers: Peers, county: County,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.sessions = sessions
        self.peers = peers
        self.county = county
        self.clock = clock

    def today(self) -> dt.date:
        return self.clock().astimezone(SHANGHAI).date()

    # --- drafting ---------------------------------------------------------------------------

    async def draft(self, caller: Caller, kind: str, day: dt.date | None, event_id: str) -> str:
        """A draft for the period holding `day`; an existing draft of that period is refreshed."""
        _require(caller, EDITORS, "通报由舆情办起草")
        check_kind(kind, event_id)
        day = day or self.today()
        if day > self.today():
            raise InvalidInput("不能为未来日期起草通报", [FieldProblem("date", "日期晚于今天")])
        event = await self._event_for(caller, kind, event_id) if kind in EVENT_KINDS else None
        discovered = from_timestamp(event.discovered_at).astimezone(SHANGHAI).date() if event else None
        period = period_for(kind, day, discovered)
        async with self.sessions() as session:
            repo = PublishRepository(session)
            if kind not in ("continuous",) and await repo.bulletin_for_period(
                    kind, period.start.isoformat(), event_id, "released"):
                raise Conflict(f"{title_for(kind, self.county.name, period, event.title if event else '')}已签发，"
                               "签发后不可更改")
            existing = await repo.bulletin_for_period(kind, period.start.isoformat(), event_id, "draft")
        figures = await self._figures(caller, kind, period, event)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            if existing is not None:
                await repo.update_bulletin(existing["bulletin_id"], content=figures, updated_at=now)
                return existing["bulletin_id"]
            bulletin_id = new_id()
            await repo.add_bulletin({
                "bulletin_id": bulletin_id, "kind": kind, "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(), "event_id": event_id, "state": "draft", "title": figures["title"],
                "content": figures, "assessment": default_assessment(kind, figures), "next_steps": DEFAULT_NEXT_STEPS,
                "typical_event_ids": [c["event_id"] for c in figures["typical_candidates"][:TYPICAL_CASES]],
                "created_by": caller.username, "created_at": now, "updated_at": now})
        return bulletin_id

    async def _event_for(self, caller: Caller, kind: str, event_id: str) -> ingest_pb2.Event:
        async with self.sessions() as session:
            brief = await PublishRepository(session).brief(event_id)
        if brief is None:
            raise NotFound(f"事件 {event_id} 尚未定级，不能编写{KINDS[kind]}")
        if brief["drill_id"]:
            raise InvalidInput("演练事件不纳入通报", [FieldProblem("event_id", "这是演练事件")])
        if kind in ("continuous", "review") and brief["level"] not in MAJOR_LEVELS:
            raise InvalidInput(f"{KINDS[kind]}仅用于重大、特别重大事件",
                               [FieldProblem("event_id", f"该事件为{LEVEL_NAMES[brief['level']]}级")])
        event = await self.peers.event(caller, event_id)
        if kind == "review" and event.status != "closed":
            raise Conflict("事件尚未结束，不能进行总结评估")
        if kind == "continuous" and event.status == "closed":
            raise Conflict("事件已结束，不再续报；请编写总结评估")
        return event

    async def _figures(self, caller: Caller, kind: str, period: Period, event: ingest_pb2.Event | None) -> dict:
        """Everything but the office's text: counts, key events with their trends, handling."""
        start, end = period.utc_bounds()
        # The period's handling report is the slowest read: it runs while publish reads its own.
        handling_call = asyncio.ensure_future(self.peers.handling(caller, period))
        names_call = asyncio.ensure_future(self.peers.place_names(caller))
        try:
            async with self.sessions() as session:
                repo = PublishRepository(session)
                if event is None:
                    counts = {d: Counter(v) for d, v in (await repo.item_counts(period.start.isoformat(),
                                                                               period.end.isoformat())).items()}
                    briefs = await repo.briefs_discovered(start, end)
                else:
                    briefs = [dict(await repo.brief(event.event_id))]
                    counts = {"source": Counter(i.source or UNSET for i in event.items),
                              "platform": Counter(i.platform or UNSET for i in event.items)}
                candidates = key_candidates(briefs)
                publications = await repo.publications_of([c["event_id"] for c in candidates])
            ids = [c["event_id"] for c in candidates]
            grades, events, leads = await asyncio.gather(
                self.peers.grades(caller, ids), self.peers.events(caller, ids), self.peers.leads(caller, ids))
            handling, names = await handling_call, await names_call
        finally:
            for call in (handling_call, names_call):
                call.cancel()
        key_events = []
        for brief in candidates:
            event_id = brief["event_id"]
            grade, found, lead = grades.get(event_id), events.get(event_id), leads.get(event_id)
            level = from_proto(grade.level) if grade else brief["level"]
            published = publications[event_id]
            discovered = from_timestamp(found.discovered_at) if found else brief["discovered_at"]
            deadlines = [{"step": d.step, "limit": d.limit, "due_at": from_timestamp(d.due_at)}
                         for d in (lead.deadlines if lead else ())]
            key_events.append({
                "event_id": event_id, "title": found.title if found else brief["title"], "level": level,
                "level_name": LEVEL_NAMES[level], "locality": brief["locality"],
                "locality_name": names.get(brief["locality"], brief["locality"]) or "未定",
                "discovered_at": local_iso(discovered), "heat": round(grade.heat if grade else brief["heat"], 2),
                "item_count": found.item_count if found else 0,
                "categories": list(brief["sensitive_categories"] or []),
                "trend": [{"at": local_iso(from_timestamp(p.at)), "heat": round(p.heat, 2)}
                          for p in (grade.heat_trend if grade else ())],
                "lead_unit": lead.unit_name if lead else "", "handling_state": lead.state_name if lead else "",
                "timeliness": timeliness(discovered, published["first_response"], published["authoritative"],
                                         deadlines),
                "statement_title": published["latest_title"] or ""})
        key_events.sort(key=lambda e: (LEVELS.index(e["level"]), -e["heat"], e["event_id"]))
        content_overview = overview(counts, briefs, names)
        content_overview["summary"] = _summary(kind, period, content_overview, key_events)
        if kind in EVENT_KINDS:
            content_overview["by_level"] = []
        event_title = event.title if event is not None else ""
        return {
            "kind": kind, "kind_name": KINDS[kind], "title": title_for(kind, self.county.name, period, event_title),
            "masthead": f"{self.county.name}网络舆情{'专报' if kind in EVENT_KINDS else '通报'}",
            "county": {"code": self.county.code, "name": self.county.name}, "issuer": self.county.issuer,
            "recipients": self.county.recipients, "event_id": event.event_id if event is not None else "",
            "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label()},
            "generated_at": local_iso(self.clock()), "drills_excluded": True,
            "overview": content_overview, "key_events": key_events, "handling": _handling(handling),
            "typical_candidates": [_typical(e) for e in key_events if e["timeliness"]["first_response"]["at"]],
        }

    # --- editing and release ---------------------------------------------------------------

    async def update(self, caller: Caller, ref: str, assessment: str, next_steps: str, typical_ids: list[str],
                     refresh: bool) -> None:
        _require(caller, EDITORS, "通报由舆情办修改")
        check_texts(assessment, next_steps)
        row = await self._draft(ref)
        if typical_ids:
            known = {e["event_id"] for e in row["content"]["key_events"]}
            if unknown := [i for i in typical_ids if i not in known]:
                raise InvalidInput("典型案例须从本期重点舆情中选择",
                                   [FieldProblem("typical_event_ids", f"不在本期重点舆情中：{'、'.join(unknown)}")])
        figures = None
        if refresh:
            event = await self.peers.event(caller, row["event_id"]) if row["event_id"] else None
            figures = await self._figures(caller, row["kind"],
                                          Period(dt.date.fromisoformat(row["period_start"]),
                                                 dt.date.fromisoformat(row["period_end"])), event)
        values = {"updated_at": self.clock()}
        if assessment.strip():
            values["assessment"] = assessment.strip()
        if next_steps.strip():
            values["next_steps"] = next_steps.strip()
        if typical_ids:
            values["typical_event_ids"] = list(dict.fromkeys(typical_ids))
        if figures is not None:
            values["content"] = figures
        async with self.sessions() as session, session.begin():
            repo = PublishRepository(session)
            current = await repo.bulletin(row["bulletin_id"], for_update=True)
            if current["state"] != "draft":
                raise Conflict("通报已签发，签发后不可更改")
            await repo.update_bulletin(row["bulletin_id"], **values)

    async def release(self, caller: Caller, ref: str) -> str:
        """Freezes the bulletin: number, JSON (its SHA-256 is the identity), HTML and DOCX."""
        _require(caller, EDITORS, "通报由舆情办签发")
        row = await self._draft(ref)
        now = self.clock()
        for attempt in range(3):
            try:
                async with self.sessions() as session, session.begin():
                    repo = PublishRepository(session)
                    current = await repo.bulletin(row["bulletin_id"], for_update=True)
                    if current["state"] != "draft":
                        raise Conflict("通报已签发")
                    year = now.astimezone(SHANGHAI).year
                    number = await repo.last_number(current["kind"], year) + 1
                    content = final_content(current, number, now, caller.username)
                    data = canonical_json(content)
                    digest = digest_of(data)
                    drawn = await asyncio.to_thread(render.charts, content)
                    page = await asyncio.to_thread(render.html, {**content, "digest": digest}, drawn)
                    document = await asyncio.to_thread(render.docx, content, drawn)
                    await repo.update_bulletin(
                        current["bulletin_id"], state="released", number=number, number_year=year, released_at=now,
                        released_by=caller.username, digest=digest, released_json=data, released_html=page,
                        released_docx=document, updated_at=now)
                return digest
            except IntegrityError:
                if attempt == 2:
                    raise Conflict("期号冲突，请重试") from None
        raise AssertionError("unreachable")

    async def _draft(self, ref: str):
        async with self.sessions() as session:
            row = await PublishRepository(session).bulletin(ref)
        if row is None:
            raise NotFound(f"通报 {ref} 不存在")
        if row["state"] != "draft":
            raise Conflict("通报已签发，签发后不可更改")
        return row

    # --- reading ----------------------------------------------------------------------------

    async def get(self, caller: Caller, ref: str):
        async with self.sessions() as session:
            row = await PublishRepository(session).bulletin(ref)
        return self._readable(caller, row, ref)

    async def find(self, caller: Caller, kind: str, day: dt.date | None, event_id: str):
        _require(caller, DRAFT_READERS | {"superior_reader"}, "无权查阅通报")
        check_kind(kind, event_id)
        day = day or self.today()
        async with self.sessions() as session:
            row = await PublishRepository(session).latest_released(kind, day.isoformat(), event_id)
        if row is None:
            raise NotFound(f"{day.isoformat()} 没有已签发的{KINDS[kind]}")
        return row

    async def page(self, caller: Caller, kind: str, state: str, limit: int, offset: int):
        _require(caller, DRAFT_READERS | {"superior_reader"}, "无权查阅通报")
        if kind and kind not in KINDS:
            check_kind(kind, "")
        if not caller.roles & DRAFT_READERS:
            state = "released"      # superior readers see releases only
        async with self.sessions() as session:
            return await PublishRepository(session).page_of_bulletins(kind or None, state or None, limit, offset)

    async def render(self, caller: Caller, ref: str, fmt: str) -> tuple[bytes, str, str, str]:
        """(data, content type, SHA-256 of data, file name). A release returns its frozen bytes;
        a draft is rendered afresh as a preview."""
        if fmt not in FORMATS:
            raise InvalidInput("格式无效", [FieldProblem("format", "可选：json、html、docx")])
        row = await self.get(caller, ref)
        if row["state"] == "released":
            data = {"json": row["released_json"], "html": row["released_html"], "docx": row["released_docx"]}[fmt]
            name = f"{row['title']}（第{row['number']}期）.{fmt}"
        else:
            content = final_content(row, 0, self.clock(), "")
            if fmt == "json":
                data = canonical_json(content)
            else:
                drawn = await asyncio.to_thread(render.charts, content)
                data = await asyncio.to_thread(render.html if fmt == "html" else render.docx, content, drawn)
            name = f"{row['title']}（送审稿）.{fmt}"
        return data, FORMATS[fmt], digest_of(data), name

    def _readable(self, caller: Caller, row, ref: str):
        if row is None or (row["state"] != "released" and not caller.roles & DRAFT_READERS):
            if not caller.roles & (DRAFT_READERS | {"superior_reader"}):
                raise PermissionDenied("无权查阅通报")
            raise NotFound(f"通报 {ref} 不存在")
        return row


def final_content(row, number: int, now: dt.datetime, released_by: str) -> dict:
    """The figures with the office's text and chosen typical cases: what a release freezes."""
    figures = dict(row["content"])
    candidates = {c["event_id"]: c for c in figures.pop("typical_candidates", [])}
    by_id = {e["event_id"]: e for e in figures["key_events"]}
    typical = [candidates.get(i) or _typical(by_id[i]) for i in row["typical_event_ids"] if i in by_id]
    return {**figures, "number": number, "released_at": local_iso(now) if number else None,
            "released_by": released_by or None, "assessment": row["assessment"], "next_steps": row["next_steps"],
            "typical_cases": typical if row["kind"] not in EVENT_KINDS else []}


def _require(caller: Caller, roles: frozenset[str], message: str) -> None:
    if not caller.roles & roles:
        raise PermissionDenied(message)


def _typical(event: dict) -> dict:
    t = event["timeliness"]
    parts = [f"{event['discovered_at'][:16].replace('T', ' ')}发现，定为{event['level_name']}级",
             f"{event['lead_unit']}牵头核查处置" if event["lead_unit"] else "尚未交办"]
    if t["first_response"]["minutes"] is not None:
        parts.append(f"发现后{t['first_response']['minutes']:.0f}分钟作出首次回应")
    if t["authoritative_release"]["minutes"] is not None:
        parts.append(f"{t['authoritative_release']['minutes']:.0f}分钟发布权威信息")
    if event["statement_title"]:
        parts.append(f"发布《{event['statement_title']}》")
    return {"event_id": event["event_id"], "title": event["title"], "summary": "，".join(parts) + "。"}


def _summary(kind: str, period: Period, o: dict, key_events: list[dict]) -> str:
    if kind in EVENT_KINDS and key_events:
        e = key_events[0]
        return (f"{e['discovered_at'][:16].replace('T', ' ')}，监测发现“{e['title']}”相关信息。截至"
                f"{period.end.month}月{period.end.day}日，累计相关信息{o['items_total']}条，事件定为{e['level_name']}级，"
                f"热度指数{e['heat']:.1f}，属地{e['locality_name']}。")
    return (f"{period.label()}，共监测到涉我县网络信息{o['items_total']}条，形成舆情事件{o['events_total']}起，"
            f"其中重大及以上{o['major_events']}起。")


def _handling(report: dispatch_pb2.HandlingReport) -> dict:
    def rate(value: float):
        return None if value < 0 else value

    def moment(message, field: str):
        return local_iso(from_timestamp(getattr(message, field))) if message.HasField(field) else None
    return {
        "assignments": report.assignments, "answered": report.answered, "closed": report.closed,
        "acknowledged_on_time": report.acknowledged_on_time, "ack_on_time_rate": rate(report.ack_on_time_rate),
        "steps_due": report.steps_due, "steps_on_time": report.steps_on_time,
        "step_on_time_rate": rate(report.step_on_time_rate),
        "overdue_total": report.overdue_total, "supervised_total": report.supervised_total,
        "overdue": [{"event_id": d.event_id, "unit_code": d.unit_code, "unit_name": d.unit_name, "step": d.step,
                     "step_name": d.step_name, "due_at": moment(d, "due_at"), "met_at": moment(d, "met_at"),
                     "late_minutes": d.late_minutes} for d in report.overdue],
        "supervised": [{"event_id": s.event_id, "unit_code": s.unit_code, "unit_name": s.unit_name,
                        "step_name": s.step_name, "at": moment(s, "at")} for s in report.supervised],
        "scorecards": [{"unit_code": c.unit_code, "unit_name": c.unit_name, "assignments": c.assignments,
                        "on_time_rate": rate(c.on_time_rate), "overdue_steps": c.overdue_steps,
                        "supervised": c.supervised, "accountability": c.accountability,
                        "ack_minutes_median": rate(c.ack_minutes_median)} for c in report.scorecards],
    }
