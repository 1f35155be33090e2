"""Read models the API and the console both show, composed over gRPC from the services."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import quote

import grpc
from fastapi.responses import Response
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.clients import ServiceClients
from gateway.problems import Problem
from yuqing.common.v1 import common_pb2
from yuqing.core.dates import SHANGHAI
from yuqing.core.identity import Caller
from yuqing.core.levels import LEVEL_COLOURS, LEVEL_NAMES, from_proto, to_proto
from yuqing.core.metrics import METRIC_FIELDS
from yuqing.dispatch.v1 import dispatch_pb2
from yuqing.grading.v1 import grading_pb2
from yuqing.ingest.v1 import ingest_pb2
from yuqing.publish.v1 import publish_pb2

WATCH_STATUS_NAMES = {"watching": "跟踪中", "closed": "已结束跟踪"}


def local_iso(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def local_time(message, present: bool = True) -> str | None:
    """ISO 8601 in Asia/Shanghai with its offset; None for an unset timestamp."""
    if not present:
        return None
    return local_iso(message.ToDatetime(tzinfo=dt.UTC))


def timestamp_message(value: dt.datetime | None) -> Timestamp | None:
    """A request's time as a protobuf Timestamp; a time without an offset is Asia/Shanghai."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    message = Timestamp()
    message.FromDatetime(value.astimezone(dt.UTC))
    return message


def metrics_json(metrics: common_pb2.Metrics) -> dict[str, int]:
    return {f: getattr(metrics, f) for f in METRIC_FIELDS}


def level_json(level: str | None) -> dict:
    return {"level": level, "level_name": LEVEL_NAMES.get(level) if level else None,
            "level_colour": LEVEL_COLOURS.get(level) if level else None}


def disposition_json(disposition: grading_pb2.Disposition) -> dict:
    return {"code": disposition.code, "name": disposition.name, "confidence": disposition.confidence,
            "harmful": disposition.harmful, "harmful_categories": list(disposition.harmful_categories),
            "harmful_category_names": list(disposition.harmful_category_names),
            "decided_by": disposition.decided_by, "reason": disposition.reason or None,
            "lexicon_version": disposition.lexicon_version, "cues": list(disposition.cues)}


def grade_json(grade: grading_pb2.EventGrade | None) -> dict:
    if grade is None:
        return {**level_json(None), "conditions": [], "heat": None, "rule_set_version": None, "graded_at": None,
                "computed_level": None, "decided_by": None, "level_reason": None, "disposition": None}
    computed = from_proto(grade.computed_level)
    return {
        **level_json(from_proto(grade.level)),
        "conditions": [{"kind": c.kind, "metric": c.metric, "metric_name": c.metric_name, "value": c.value,
                        "threshold": c.threshold, "level": from_proto(c.level), "raise_by": c.raise_by,
                        "text": c.text} for c in grade.conditions],
        "heat": grade.heat, "rule_set_version": grade.rule_set_version,
        "graded_at": local_time(grade.graded_at),
        "computed_level": computed, "computed_level_name": LEVEL_NAMES.get(computed) if computed else None,
        "decided_by": grade.decided_by, "level_reason": grade.reason or None,
        "disposition": disposition_json(grade.disposition),
    }


GRADE_CHANGE_NAMES = {"graded": "自动定级", "raised": "自动升级", "confirmed": "人工研判确认", "overridden_up": "人工研判升级",
                      "overridden_down": "人工研判降级", "disposition_corrected": "更正处置分类"}


def timeline_json(grade: grading_pb2.EventGrade | None, assignments) -> list[dict]:
    """The event's timeline across services, oldest first."""
    entries = []
    for change in grade.history if grade is not None else ():
        entries.append({"at": local_time(change.at), "kind": change.kind, "kind_name": GRADE_CHANGE_NAMES.get(change.kind, change.kind),
                        "actor": change.actor, "text": change.text, "reason": change.reason or None,
                        "level_before": from_proto(change.level_before), "level_after": from_proto(change.level_after)})
    names = {a.assignment_id: f"{a.unit_name}（{a.role_name}）" for a in assignments}
    for assignment in assignments:
        for action in assignment.actions:
            text = f"{action.actor} {action.action_name}" if action.action != "assigned" else "交办"
            entries.append({"at": local_time(action.at), "kind": action.action, "kind_name": action.action_name,
                            "actor": action.actor, "text": f"{names.get(action.assignment_id, '')} {text}".strip(),
                            "reason": action.reason or None, "level_before": None, "level_after": None})
    return sorted(entries, key=lambda e: e["at"])


def item_json(item: ingest_pb2.Item) -> dict:
    return {
        "clean_text": item.clean_text, "attach_reason": item.attach_reason,
        "matches": [{"kind": m.kind, "ref": m.ref, "name": m.name, "words": list(m.words)} for m in item.matches],
        "attachments": [{"attachment_id": a.attachment_id, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "sha256": a.sha256} for a in item.attachments],
        "feedback_deadline": local_time(item.feedback_deadline, item.HasField("feedback_deadline")),
        "issuing_agency": item.issuing_agency or None,
        "item_id": item.item_id, "source": item.source, "platform": item.platform, "url": item.url,
        "canonical_url": item.canonical_url or None, "title": item.title, "content": item.content,
        "author": item.author, "published_at": local_time(item.published_at, item.HasField("published_at")),
        "discovered_at": local_time(item.discovered_at), "region_hint": item.region_hint,
        "metrics": metrics_json(item.metrics), "reporter": item.reporter, "snapshot_count": item.snapshot_count,
    }


def assignment_json(assignment: dispatch_pb2.Assignment) -> dict:
    return {
        "assignment_id": assignment.assignment_id, "event_id": assignment.event_id,
        "unit": {"code": assignment.unit_code, "name": assignment.unit_name},
        "role": assignment.role, "role_name": assignment.role_name, "state": assignment.state,
        "state_name": assignment.state_name, **level_json(from_proto(assignment.level)),
        "plan_version": assignment.plan_version, "created_at": local_time(assignment.created_at),
        "successor_id": assignment.successor_id or None, "returns": assignment.returns,
        "drill": bool(assignment.drill_id), "drill_id": assignment.drill_id or None,
        "allowed_actions": list(assignment.allowed_actions),
        "deadlines": [{"step": d.step, "step_name": d.step_name, "owner": d.owner, "owner_name": d.owner_name,
                       "due_at": local_time(d.due_at), "clock": d.clock, "limit": d.limit,
                       "basis_level": from_proto(d.basis_level), "warning": d.warning or None,
                       "met_at": local_time(d.met_at, d.HasField("met_at")), "met_by": d.met_by or None,
                       "paused_minutes": d.paused_minutes}
                      for d in assignment.deadlines],
        "answers": [{"answer_id": a.answer_id, "kind": a.kind, "text": a.text, "written_by": a.written_by,
                     "written_at": local_time(a.written_at), "signed_by": a.signed_by or None,
                     "signed_at": local_time(a.signed_at, a.HasField("signed_at")),
                     "attachments": [{"attachment_id": f.attachment_id, "filename": f.filename,
                                      "content_type": f.content_type, "size": f.size, "sha256": f.sha256}
                                     for f in a.attachments]} for a in assignment.answers],
        "pending_extension": None if not assignment.HasField("pending_extension") else {
            "minutes": assignment.pending_extension.minutes, "reason": assignment.pending_extension.reason,
            "requested_by": assignment.pending_extension.requested_by,
            "requested_at": local_time(assignment.pending_extension.requested_at)},
        "actions": [action_json(a) for a in assignment.actions],
    }


def action_json(action: dispatch_pb2.AssignmentAction) -> dict:
    return {"at": local_time(action.at), "action": action.action, "action_name": action.action_name,
            "actor": action.actor, "from_state": action.from_state or None, "to_state": action.to_state,
            "reason": action.reason or None, "assignment_id": action.assignment_id}


def event_summary_json(event: ingest_pb2.Event, grade: grading_pb2.EventGrade | None) -> dict:
    return {
        "event_id": event.event_id, "title": event.title, "discovered_at": local_time(event.discovered_at),
        "updated_at": local_time(event.updated_at), "locality": event.locality or None,
        "item_count": event.item_count, "metrics": metrics_json(event.metrics), **grade_json(grade),
        "status": event.status, "status_name": WATCH_STATUS_NAMES.get(event.status, event.status),
        "reopen_count": event.reopen_count, "topics": list(event.topics),
        "sensitive_categories": list(event.sensitive_categories),
        "feedback_deadline": local_time(event.feedback_deadline, event.HasField("feedback_deadline")),
        "drill": bool(event.drill_id), "drill_id": event.drill_id or None,
    }


async def event_page(clients: ServiceClients, caller: Caller, level: str | None, page: int, page_size: int) -> dict:
    offset = (page - 1) * page_size
    metadata = caller.metadata()
    if not caller.county_wide:
        return await _unit_event_page(clients, caller, level, page, page_size)
    if level:
        graded = await clients.grading.ListGrades(grading_pb2.ListGradesRequest(
            level=to_proto(level), page_size=page_size, offset=offset), timeout=clients.timeout, metadata=metadata)
        events = await clients.ingest.BatchGetEvents(ingest_pb2.BatchGetEventsRequest(
            event_ids=[g.event_id for g in graded.grades]), timeout=clients.timeout, metadata=metadata)
        by_id = {e.event_id: e for e in events.events}
        rows = [event_summary_json(by_id[g.event_id], g) for g in graded.grades if g.event_id in by_id]
        total = graded.total
    else:
        listed = await clients.ingest.ListEvents(ingest_pb2.ListEventsRequest(page_size=page_size, offset=offset),
                                                 timeout=clients.timeout, metadata=metadata)
        grades = await clients.grading.BatchGetGrades(grading_pb2.BatchGetGradesRequest(
            event_ids=[e.event_id for e in listed.events]), timeout=clients.timeout, metadata=metadata)
        by_id = {g.event_id: g for g in grades.grades}
        rows = [event_summary_json(e, by_id.get(e.event_id)) for e in listed.events]
        total = listed.total
    return {"items": rows, "total": total, "page": page, "page_size": page_size}


async def _unit_event_page(clients: ServiceClients, caller: Caller, level: str | None, page: int,
                           page_size: int) -> dict:
    """A unit's users see the events their unit has assignments for, newest work first."""
    metadata = caller.metadata()
    listed = await clients.dispatch.ListAssignments(dispatch_pb2.ListAssignmentsRequest(page_size=500),
                                                    timeout=clients.timeout, metadata=metadata)
    event_ids = list(dict.fromkeys(a.event_id for a in listed.assignments))
    if not event_ids:
        return {"items": [], "total": 0, "page": page, "page_size": page_size}
    events = await clients.ingest.BatchGetEvents(ingest_pb2.BatchGetEventsRequest(event_ids=event_ids),
                                                 timeout=clients.timeout, metadata=metadata)
    grades = await clients.grading.BatchGetGrades(grading_pb2.BatchGetGradesRequest(event_ids=event_ids),
                                                  timeout=clients.timeout, metadata=metadata)
    by_event, by_grade = {e.event_id: e for e in events.events}, {g.event_id: g for g in grades.grades}
    rows = [event_summary_json(by_event[i], by_grade.get(i)) for i in event_ids if i in by_event]
    if level:
        rows = [r for r in rows if r["level"] == level]
    start = (page - 1) * page_size
    return {"items": rows[start:start + page_size], "total": len(rows), "page": page, "page_size": page_size}


STATEMENT_READERS = frozenset({"admin", "office", "leader", "spokesperson", "superior_reader"})


def timeliness_json(event: ingest_pb2.Event, published: publish_pb2.EventStatements | None, assignments) -> dict:
    """Discovery → first official response and → authoritative release, against the plan's
    limits for those steps (when the event's plan has them)."""
    discovered = event.discovered_at.ToDatetime(tzinfo=dt.UTC)
    lead = next((a for a in assignments if a.role == "lead"), None)
    limits = {d.step: (d.due_at.ToDatetime(tzinfo=dt.UTC), d.limit) for d in (lead.deadlines if lead else ())}

    def measure(at, present: bool, step: str) -> dict:
        done = at.ToDatetime(tzinfo=dt.UTC) if present else None
        due, limit = limits.get(step, (None, None))
        return {"at": local_iso(done) if done else None,
                "minutes": round((done - discovered).total_seconds() / 60, 1) if done else None,
                "limit": limit, "due_at": local_iso(due) if due else None,
                "on_time": None if due is None or done is None else done <= due}

    if published is None:
        return {}
    return {"first_response": measure(published.first_response_at, published.HasField("first_response_at"),
                                      "first_response"),
            "authoritative_release": measure(published.authoritative_release_at,
                                             published.HasField("authoritative_release_at"), "authoritative_release")}


async def event_detail(clients: ServiceClients, caller: Caller, event_id: str) -> dict:
    metadata = caller.metadata()
    event_call = clients.ingest.GetEvent(ingest_pb2.GetEventRequest(event_id=event_id),
                                         timeout=clients.timeout, metadata=metadata)
    grade_call = clients.grading.GetGrade(grading_pb2.GetGradeRequest(event_id=event_id),
                                          timeout=clients.timeout, metadata=metadata)
    assignments_call = clients.dispatch.ListAssignments(dispatch_pb2.ListAssignmentsRequest(event_id=event_id),
                                                        timeout=clients.timeout, metadata=metadata)
    statements_call = clients.publish.GetEventStatements(publish_pb2.GetEventStatementsRequest(event_id=event_id),
                                                         timeout=clients.timeout, metadata=metadata)
    event, grade, assignments, published = await asyncio.gather(event_call, grade_call, assignments_call,
                                                                 statements_call, return_exceptions=True)
    # Only some roles read statements; others get the event without timeliness.
    if isinstance(published, BaseException) or not caller.roles & STATEMENT_READERS:
        published = None
    for result in (event, assignments):
        if isinstance(result, BaseException):
            raise result
    if isinstance(grade, grpc.aio.AioRpcError) and grade.code() == grpc.StatusCode.NOT_FOUND:
        grade = None
    elif isinstance(grade, BaseException):
        raise grade
    # A unit's users see an event only through an assignment of their own unit; a spokesperson
    # sees the events they are designated for.
    designated = published is not None and published.spokesperson == caller.username
    if not caller.county_wide and not assignments.assignments and not designated:
        raise Problem(404, "资源不存在", f"事件 {event_id} 不存在或不属于本单位", type_="not-found")
    return {
        **event_summary_json(event, grade),
        "items": [item_json(i) for i in event.items],
        "trend": [{"observed_at": local_time(s.observed_at), "item_count": s.item_count,
                   "metrics": metrics_json(s.metrics)} for s in event.trend],
        "assignments": [assignment_json(a) for a in assignments.assignments],
        "heat_trend": [{"at": local_time(p.at), "heat": p.heat} for p in (grade.heat_trend if grade else ())],
        "timeline": timeline_json(grade, assignments.assignments),
        "timeliness": timeliness_json(event, published, assignments.assignments),
    }


async def assignment_page(clients: ServiceClients, caller: Caller, page: int, page_size: int) -> dict:
    listed = await clients.dispatch.ListAssignments(dispatch_pb2.ListAssignmentsRequest(
        page_size=page_size, offset=(page - 1) * page_size), timeout=clients.timeout, metadata=caller.metadata())
    return {"items": [assignment_json(a) for a in listed.assignments], "total": listed.total,
            "page": page, "page_size": page_size}


async def assignment_detail(clients: ServiceClients, caller: Caller, assignment_id: str) -> dict:
    assignment = await clients.dispatch.GetAssignment(dispatch_pb2.GetAssignmentRequest(
        assignment_id=assignment_id), timeout=clients.timeout, metadata=caller.metadata())
    return assignment_json(assignment)


async def attachment_download(clients: ServiceClients, caller: Caller, event_id: str, item_id: str,
                              attachment_id: str) -> Response:
    """Evidence as stored, only through an event the caller may see; X-Content-SHA256 carries
    the hash recorded at intake. Always a download, never rendered inline."""
    detail = await event_detail(clients, caller, event_id)
    if item_id not in {i["item_id"] for i in detail["items"]}:
        raise Problem(404, "资源不存在", "附件不存在", type_="not-found")
    attachment = await clients.ingest.GetAttachment(
        ingest_pb2.GetAttachmentRequest(item_id=item_id, attachment_id=attachment_id),
        timeout=clients.timeout, metadata=caller.metadata())
    return file_response(attachment.info, attachment.data)


def file_response(info, data: bytes) -> Response:
    """Stored evidence as a download, never rendered inline; X-Content-SHA256 carries the hash
    recorded when it was stored."""
    return Response(data, media_type=info.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(info.filename)}",
        "X-Content-SHA256": info.sha256, "Cache-Control": "private, no-store"})
