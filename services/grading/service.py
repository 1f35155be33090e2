"""Grading use cases: grade an event each time one of its items arrives or changes, record
people's 研判 and corrections, and keep the versioned rule sets and lexicons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.grading import models
from services.grading.disposition import Classifier, Lexicon, validate_lexicon
from services.grading.domain import HeatPoint, RuleSet, Signals, grade, next_level, validate_rule_set
from services.grading.repository import GradingRepository
from yuqing.core import streams
from yuqing.core.bus import Envelope, Outbox, describe_message, handle_alone
from yuqing.core.categories import DISPOSITIONS, HARMFUL_CATEGORIES
from yuqing.core.db import utcnow
from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from yuqing.core.identity import Caller
from yuqing.core.levels import LEVEL_NAMES, LEVELS, is_higher, to_proto
from yuqing.core.metrics import FIGURE_NAMES, Metrics
from yuqing.core.protobuf import from_timestamp, timestamp
from yuqing.core.telemetry import inject_context
from yuqing.grading.v1 import grading_pb2
from yuqing.ingest.v1 import ingest_pb2

SYSTEM = "system"


@dataclass
class _Batch:
    """What one stream batch read and what it will write."""

    now: dt.datetime
    rule_set: RuleSet
    classifier: Classifier
    messages: dict[str, ingest_pb2.ItemIngested]
    grades: dict[str, dict]                      # event → its grade row as it stands in this batch
    baselines: dict[str, HeatPoint] = field(default_factory=dict)
    first_runs: dict[str, HeatPoint] = field(default_factory=dict)
    inserted: set[str] = field(default_factory=set)
    updated: set[str] = field(default_factory=set)
    runs: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    announcements: list[grading_pb2.EventGraded] = field(default_factory=list)
    trace_headers: list[dict[str, str]] = field(default_factory=list)


def change_row(event_id: str, now: dt.datetime, kind: str, *, before: str | None, after: str | None, actor: str,
               text: str, reason: str = "", rule_set_version: int | None = None,
               conditions: list[dict] | None = None) -> dict:
    """One entry of the event's grading timeline."""
    return {"event_id": event_id, "at": now, "kind": kind, "level_before": before, "level_after": after,
            "actor": actor, "reason": reason, "text": text, "rule_set_version": rule_set_version,
            "conditions": conditions or []}


class GradingService:
    def __init__(self, sessions: async_sessionmaker, outbox: Outbox, clock: Callable[[], dt.datetime] = utcnow):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        # Versions never change once saved, so each is loaded (and its automaton built) once.
        self._rule_sets: dict[int, RuleSet] = {}
        self._classifiers: dict[int, Classifier] = {}

    async def ensure_defaults(self) -> None:
        async with self.sessions() as session, session.begin():
            await GradingRepository(session).ensure_defaults(self.clock())

    async def _rule_set(self, repo: GradingRepository, version: int = 0) -> RuleSet:
        return await self._version(self._rule_sets, repo, models.rule_sets, version, repo.rule_set, "规则集")

    async def _classifier(self, repo: GradingRepository, version: int = 0) -> Classifier:
        async def load(number: int) -> Classifier | None:
            lexicon = await repo.lexicon(number)
            return None if lexicon is None else Classifier(lexicon)
        return await self._version(self._classifiers, repo, models.lexicons, version, load, "处置分类词库")

    @staticmethod
    async def _version(cache: dict, repo: GradingRepository, table, version: int, load, what: str):
        """A saved version (0: the current one), loaded once per process."""
        version = version or await repo.latest_version(table)
        if version not in cache:
            loaded = await load(version)
            if loaded is None:
                raise NotFound(f"{what}第 {version} 版不存在")
            cache[version] = loaded
        return cache[version]

    # --- automatic grading (a BatchHandler of the ingest.items stream) ------------------------

    async def start(self, session: AsyncSession, envelopes: list[Envelope]) -> _Batch:
        """Everything the batch reads, in four queries: versions, grades (locked), baselines."""
        repo = GradingRepository(session)
        rule_set_version, lexicon_version = await repo.latest_versions()
        messages = {e.message_id: e.parse(ingest_pb2.ItemIngested) for e in envelopes}
        event_ids = sorted({m.event_id for m in messages.values()})
        batch = _Batch(now=self.clock(), rule_set=await self._rule_set(repo, rule_set_version),
                       classifier=await self._classifier(repo, lexicon_version), messages=messages,
                       grades=await repo.grades_for_update(event_ids))
        if batch.rule_set.growth is not None and batch.grades:
            window_start = batch.now - dt.timedelta(minutes=batch.rule_set.growth.window_minutes)
            batch.baselines = await repo.heat_baselines(sorted(batch.grades), window_start)
        return batch

    async def handle(self, session: AsyncSession, envelope: Envelope, batch: _Batch) -> None:
        """Grade one message's event from the figures it carries; no I/O (the batch writes)."""
        message, now = batch.messages[envelope.message_id], batch.now
        event_id = message.event_id
        current = batch.grades.get(event_id)
        baseline = batch.baselines.get(event_id) or batch.first_runs.get(event_id) if current is not None else None
        decision = grade(Metrics.of(message.event_metrics), batch.rule_set,
                         Signals(frozenset(message.sensitive_categories), now, baseline))
        explanation = decision.explanation()   # stored twice and announced: built once
        values = {"heat": decision.heat, "updated_at": now, "computed_level": decision.level,
                  "computed_conditions": explanation,
                  "locality": message.locality or (current["locality"] if current else ""),
                  **decision.metrics.values(), **self._disposition(batch.classifier, message, current)}
        decided = {"level": decision.level, "conditions": explanation, "graded_at": now,
                   "rule_set_version": decision.rule_set_version, "decided_by": SYSTEM, "reason": ""}
        previous = current["level"] if current else None
        if current is None:
            raised_to = decision.level
            batch.grades[event_id] = {"event_id": event_id, **values, **decided, "human_baseline": None,
                                      "title": message.title[:1000], "drill_id": message.drill_id,
                                      "discovered_at": from_timestamp(message.event_discovered_at)}
            batch.inserted.add(event_id)
        else:
            raised_to = next_level(previous, decision, current["human_baseline"])
            current.update(values, **(decided if raised_to else {}))
            batch.updated.add(event_id)
        batch.first_runs.setdefault(event_id, HeatPoint(now, decision.heat))
        level_after = raised_to or previous
        batch.runs.append({"message_id": envelope.message_id, "event_id": event_id, "item_id": message.item_id,
                           "computed_level": decision.level, "level_after": level_after, "heat": decision.heat,
                           "rule_set_version": decision.rule_set_version, "at": now})
        describe_message(**{"yuqing.event_id": event_id, "yuqing.level": level_after})
        if raised_to:
            reasons = "；".join(c.text for c in decision.conditions)
            text = (f"自动定级为{LEVEL_NAMES[raised_to]}：{reasons}" if previous is None
                    else f"自动由{LEVEL_NAMES[previous]}升为{LEVEL_NAMES[raised_to]}：{reasons}")
            batch.changes.append(change_row(event_id, now, "graded" if previous is None else "raised", before=previous,
                                            after=raised_to, actor=SYSTEM, text=text,
                                            rule_set_version=decision.rule_set_version,
                                            conditions=explanation))
            batch.announcements.append(grading_pb2.EventGraded(
                event_id=event_id, level=to_proto(raised_to), previous_level=to_proto(previous),
                conditions=[condition_message(c) for c in explanation],
                rule_set_version=decision.rule_set_version, graded_at=timestamp(now),
                event_discovered_at=message.event_discovered_at, locality=message.locality,
                title=message.title, text=message.text, actor=SYSTEM, heat=decision.heat, drill_id=message.drill_id,
                sensitive_categories=message.sensitive_categories,
            ))
            batch.trace_headers.append(inject_context())  # the level change continues this message's trace

    async def finish(self, session: AsyncSession, batch: _Batch) -> None:
        repo = GradingRepository(session)
        await repo.insert_grades([batch.grades[e] for e in sorted(batch.inserted)])
        await repo.update_grades([batch.grades[e] for e in sorted(batch.updated - batch.inserted)])
        await repo.add_runs(batch.runs)
        await repo.add_changes(batch.changes)
        await self.outbox.add_many(session, streams.LEVELS, batch.announcements, batch.trace_headers)

    async def on_item_ingested(self, session: AsyncSession, envelope: Envelope) -> None:
        """One message on its own (as a batch of one)."""
        await handle_alone(self, session, envelope)

    @staticmethod
    def _disposition(classifier: Classifier, message: ingest_pb2.ItemIngested, current) -> dict:
        """Lexicon evidence accumulates over the event's items (a snapshot of a known item adds
        nothing new); a person's correction stands until another person changes it."""
        if current is not None and current["disposition_by"] != SYSTEM:
            return {}
        classes = dict(current["disposition_scores"]) if current else {}
        harmful = dict(current["harmful_scores"]) if current else {}
        cues = list(current["disposition_cues"]) if current else []
        if not message.duplicate:
            new_classes, new_harmful, new_cues = classifier.evidence(message.text)
            for name, score in new_classes.items():
                classes[name] = classes.get(name, 0.0) + score
            for name, score in new_harmful.items():
                harmful[name] = harmful.get(name, 0.0) + score
            cues = list(dict.fromkeys(cues + new_cues))[:50]
        result = classifier.decide(classes, harmful)
        return {"disposition": result.disposition, "disposition_confidence": result.confidence,
                "disposition_scores": result.scores, "harmful_scores": result.harmful_scores,
                "harmful_categories": list(result.harmful_categories), "disposition_cues": cues,
                "disposition_by": SYSTEM, "disposition_reason": "", "lexicon_version": classifier.lexicon.version}

    # --- people's 研判 ---------------------------------------------------------------------

    async def set_level(self, caller: Caller, event_id: str, level: str | None, reason: str):
        """The office confirms or overrides the level; lowering needs a reason. Every call is
        on the event's timeline; a change is announced to dispatch."""
        reason = reason.strip()
        if level not in LEVELS:
            raise InvalidInput("请选择级别", [FieldProblem("level", f"级别必须是 {'、'.join(LEVELS)} 之一")])
        if len(reason) > 2000:
            raise InvalidInput("理由过长", [FieldProblem("reason", "最多 2000 字")])
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = GradingRepository(session)
            current = (await repo.grades_for_update([event_id])).get(event_id)
            if current is None:
                raise NotFound(f"事件 {event_id} 尚未定级，暂不能研判")
            previous = current["level"]
            lowering = is_higher(previous, level)
            if lowering and not reason:
                raise InvalidInput(f"由{LEVEL_NAMES[previous]}降为{LEVEL_NAMES[level]}必须说明理由",
                                   [FieldProblem("reason", "降低级别时必填")])
            kind = "overridden_down" if lowering else "confirmed" if level == previous else "overridden_up"
            verb = {"overridden_down": f"由{LEVEL_NAMES[previous]}降为{LEVEL_NAMES[level]}",
                    "overridden_up": f"由{LEVEL_NAMES[previous]}升为{LEVEL_NAMES[level]}",
                    "confirmed": f"确认为{LEVEL_NAMES[level]}"}[kind]
            text = f"{caller.username} 研判{verb}" + (f"：{reason}" if reason else "")
            condition = {"kind": "human", "metric": "", "value": 0, "threshold": 0, "level": level, "raise_by": 0,
                         "text": text}
            await repo.update_grade(event_id, {
                "level": level, "conditions": [condition], "graded_at": now, "updated_at": now,
                "decided_by": caller.username, "reason": reason, "human_baseline": current["computed_level"]})
            await repo.add_changes([change_row(event_id, now, kind, before=previous, after=level, actor=caller.username,
                                               reason=reason, text=text, rule_set_version=current["rule_set_version"],
                                               conditions=[condition])])
            if kind != "confirmed":
                await self.outbox.add(session, streams.LEVELS, grading_pb2.EventGraded(
                    event_id=event_id, level=to_proto(level), previous_level=to_proto(previous),
                    conditions=[condition_message(condition)], rule_set_version=current["rule_set_version"],
                    graded_at=timestamp(now), event_discovered_at=timestamp(current["discovered_at"]),
                    locality=current["locality"], title=current["title"], actor=caller.username, reason=reason,
                    heat=current["heat"], drill_id=current["drill_id"]))
        if kind != "confirmed":
            self.outbox.notify()
        return await self.grade_of(event_id, detailed=True)

    async def set_disposition(self, caller: Caller, event_id: str, code: str, harmful: bool,
                              harmful_categories: list[str], reason: str):
        problems = []
        if code not in DISPOSITIONS:
            problems.append(FieldProblem("disposition", "处置分类必须是 " + "、".join(
                f"{k}（{v}）" for k, v in DISPOSITIONS.items()) + " 之一"))
        unknown = [c for c in harmful_categories if c not in HARMFUL_CATEGORIES]
        if unknown:
            problems.append(FieldProblem("harmful_categories", f"未知有害信息类别：{'、'.join(unknown)}；可选："
                                         + "、".join(f"{k}（{v}）" for k, v in HARMFUL_CATEGORIES.items())))
        if harmful and not harmful_categories:
            problems.append(FieldProblem("harmful_categories", "标记为有害信息时请选择类别"))
        if not harmful and harmful_categories:
            problems.append(FieldProblem("harmful_categories", "未标记为有害信息时不应选择类别"))
        if len(reason) > 2000:
            problems.append(FieldProblem("reason", "最多 2000 字"))
        if problems:
            raise InvalidInput("处置分类更正有误", problems)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            repo = GradingRepository(session)
            current = (await repo.grades_for_update([event_id])).get(event_id)
            if current is None:
                raise NotFound(f"事件 {event_id} 尚未定级，暂不能更正处置分类")
            categories = sorted(set(harmful_categories))
            flag = "，标记为有害信息（" + "、".join(HARMFUL_CATEGORIES[c] for c in categories) + "）" if harmful else \
                "，未标记为有害信息"
            text = (f"{caller.username} 将处置分类由「{DISPOSITIONS[current['disposition']]}」更正为"
                    f"「{DISPOSITIONS[code]}」{flag}" + (f"：{reason.strip()}" if reason.strip() else ""))
            await repo.update_grade(event_id, {
                "disposition": code, "disposition_confidence": 1.0, "harmful_categories": categories,
                "disposition_by": caller.username, "disposition_reason": reason.strip(), "updated_at": now})
            await repo.add_changes([change_row(event_id, now, "disposition_corrected", before=current["level"],
                                               after=current["level"], actor=caller.username, reason=reason.strip(),
                                               text=text)])
        return await self.grade_of(event_id, detailed=True)

    # --- reading ----------------------------------------------------------------------------

    async def grades(self, event_ids: list[str]):
        async with self.sessions() as session:
            return await GradingRepository(session).grades(event_ids)

    async def grade_of(self, event_id: str, detailed: bool = False):
        """(grade row, timeline, heat trend); the last two empty unless `detailed`."""
        async with self.sessions() as session:
            repo = GradingRepository(session)
            rows = await repo.grades([event_id])
            if not rows:
                raise NotFound(f"事件 {event_id} 尚未定级")
            if not detailed:
                return rows[0], [], []
            return rows[0], await repo.history(event_id), await repo.heat_trend(event_id)

    async def page_of_grades(self, level: str | None, limit: int, offset: int):
        async with self.sessions() as session:
            return await GradingRepository(session).page_of_grades(level, limit, offset)

    # --- versioned configuration -----------------------------------------------------------

    async def rule_set(self, version: int = 0):
        """(rule set, created_at, created_by)."""
        async with self.sessions() as session:
            repo = GradingRepository(session)
            rule_set = await self._rule_set(repo, version)
            row = await repo.version_row(models.rule_sets, rule_set.version)
            return rule_set, row["created_at"], row["created_by"]

    async def rule_sets(self):
        async with self.sessions() as session:
            rows = await GradingRepository(session).version_rows(models.rule_sets)
        return [(RuleSet.from_json(r["version"], r["body"]), r["created_at"], r["created_by"]) for r in rows]

    async def save_rule_set(self, caller: Caller, rule_set: RuleSet):
        validate_rule_set(rule_set)
        version = await self._save_version(models.rule_sets, rule_set.to_json(), caller)
        return await self.rule_set(version)

    async def lexicon(self, version: int = 0):
        """(lexicon, created_at, created_by)."""
        async with self.sessions() as session:
            repo = GradingRepository(session)
            lexicon = (await self._classifier(repo, version)).lexicon
            row = await repo.version_row(models.lexicons, lexicon.version)
            return lexicon, row["created_at"], row["created_by"]

    async def save_lexicon(self, caller: Caller, lexicon: Lexicon):
        lexicon = validate_lexicon(lexicon)
        version = await self._save_version(models.lexicons, lexicon.to_json(), caller)
        return await self.lexicon(version)

    async def _save_version(self, table, body: dict, caller: Caller) -> int:
        for attempt in range(3):
            try:
                async with self.sessions() as session, session.begin():
                    return await GradingRepository(session).add_version(table, body, caller.username, self.clock())
            except IntegrityError:
                if attempt == 2:
                    raise Conflict("另一位管理员同时保存了新版本，请刷新后重试") from None
        raise AssertionError("unreachable")


def condition_message(row: dict) -> grading_pb2.Condition:
    return grading_pb2.Condition(
        metric=row["metric"], metric_name=FIGURE_NAMES.get(row["metric"], ""),
        value=int(row["value"]), threshold=int(row["threshold"]), level=to_proto(row["level"] or None),
        text=row["text"], kind=row.get("kind", "band"), raise_by=row.get("raise_by", 0))
