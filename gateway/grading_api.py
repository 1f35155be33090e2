"""Grading over HTTP: 研判 (confirm or override a level), disposition corrections, rule sets
and the disposition lexicon. Every change a person makes is written to the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from gateway import audit, views
from gateway.api import LevelParam
from gateway.auth import CurrentCaller, require_roles
from gateway.inputs import Input
from yuqing.core.identity import Caller
from yuqing.core.levels import from_proto, to_proto
from yuqing.grading.v1 import grading_pb2

router = APIRouter(prefix="/api/v1")
EventId = Annotated[str, Field(max_length=64)]
Whole = Annotated[int, Field(ge=0, le=10**12)]
Steps = Annotated[int, Field(ge=-100, le=100, description="升几级（1–4）")]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-10**6, le=10**6)]


class LevelIn(Input):
    level: LevelParam = Field(description="I 特别重大 … V 关注")
    reason: str = Field("", max_length=2000, description="研判理由；降低级别时必填")


class DispositionIn(Input):
    disposition: str = Field(max_length=20, description="inquiry 询问/质疑/诉求 · hype 恶意传播/炒作 · "
                                                        "fabrication 捏造/歪曲/诽谤/煽动 · suggestion 建议")
    harmful: bool = False
    harmful_categories: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list, max_length=10, description="rumour 谣言 · obscenity 淫秽色情 · incitement 煽动滋事 · "
                                                         "violence 暴力恐怖 · fraud 诈骗")
    reason: str = Field("", max_length=2000)


class BandIn(Input):
    metric: str = Field(max_length=32, description="views, comments, reposts, likes, mainstream_sites, heat")
    level: str = Field(max_length=4, description="I, II, III, IV")
    minimum: Whole
    maximum: Whole | None = Field(None, description="区间内最后一个整数；最高一级不设上限")


class SensitiveIn(Input):
    category: str = Field(max_length=20)
    raise_by: Steps = 1


class PeriodIn(Input):
    name: str = Field(max_length=100)
    start: str = Field(max_length=10, description="YYYY-MM-DD（北京时间，含当日）")
    end: str = Field(max_length=10, description="YYYY-MM-DD（含当日）")
    raise_by: Steps = 1


class GrowthIn(Input):
    window_minutes: Annotated[int, Field(ge=-10**6, le=10**6)] = 60
    min_growth_percent: Finite = 50.0
    min_heat: Finite = 30.0
    raise_by: Steps = 1


class RuleSetIn(Input):
    bands: list[BandIn] = Field(max_length=200)
    sensitive_categories: list[SensitiveIn] = Field(default_factory=list, max_length=50)
    special_periods: list[PeriodIn] = Field(default_factory=list, max_length=100)
    growth: GrowthIn | None = Field(None, description="省略则不按扩大迹象升级")
    note: str = Field("", max_length=500)

    def message(self) -> grading_pb2.RuleSet:
        return grading_pb2.RuleSet(
            bands=[grading_pb2.Band(**b.model_dump()) for b in self.bands],
            sensitive_categories=[grading_pb2.SensitiveModifier(**s.model_dump()) for s in self.sensitive_categories],
            special_periods=[grading_pb2.SpecialPeriod(**p.model_dump()) for p in self.special_periods],
            growth=grading_pb2.GrowthRule(**self.growth.model_dump()) if self.growth else None, note=self.note)


Weight = Annotated[float, Field(allow_inf_nan=False, ge=-100, le=100)]


class LexiconIn(Input):
    classes: dict[Annotated[str, Field(max_length=20)], dict[Annotated[str, Field(max_length=50)], Weight]]
    harmful: dict[Annotated[str, Field(max_length=20)], dict[Annotated[str, Field(max_length=50)], Weight]]
    harmful_threshold: Annotated[float, Field(allow_inf_nan=False, ge=-100, le=1000)] = 1.0


async def _call(request: Request, caller: Caller, method: str, message):
    return await request.app.state.clients.call("grading", method, message, caller)


def rule_set_json(rule_set: grading_pb2.RuleSet) -> dict:
    return {
        "version": rule_set.version, "note": rule_set.note, "created_by": rule_set.created_by,
        "created_at": views.local_time(rule_set.created_at),
        "bands": [{"metric": b.metric, "level": b.level, "minimum": b.minimum,
                   "maximum": b.maximum if b.HasField("maximum") else None} for b in rule_set.bands],
        "sensitive_categories": [{"category": s.category, "raise_by": s.raise_by} for s in rule_set.sensitive_categories],
        "special_periods": [{"name": p.name, "start": p.start, "end": p.end, "raise_by": p.raise_by}
                            for p in rule_set.special_periods],
        "growth": None if not rule_set.HasField("growth") else {
            "window_minutes": rule_set.growth.window_minutes, "min_growth_percent": rule_set.growth.min_growth_percent,
            "min_heat": rule_set.growth.min_heat, "raise_by": rule_set.growth.raise_by},
    }


def lexicon_json(lexicon: grading_pb2.Lexicon) -> dict:
    return {"version": lexicon.version, "created_by": lexicon.created_by,
            "created_at": views.local_time(lexicon.created_at),
            "classes": {e.name: {w.word: w.weight for w in e.words} for e in lexicon.classes},
            "harmful": {e.name: {w.word: w.weight for w in e.words} for e in lexicon.harmful},
            "harmful_threshold": lexicon.harmful_threshold}


def _lexicon_entries(table: dict[str, dict[str, float]]) -> list[grading_pb2.LexiconEntry]:
    return [grading_pb2.LexiconEntry(name=name, words=[grading_pb2.LexiconWord(word=w, weight=v)
                                                       for w, v in words.items()]) for name, words in table.items()]


async def set_level(request: Request, caller: Caller, event_id: str, body: LevelIn) -> dict:
    """Shared by the API and the console form."""
    require_roles(caller, "office")
    graded = await _call(request, caller, "SetLevel", grading_pb2.SetLevelRequest(
        event_id=event_id, level=to_proto(body.level), reason=body.reason))
    await audit.record(request.app.state.sessions, caller, "event.level", event_id,
                       {"from": from_proto(graded.history[-1].level_before), "to": body.level, "reason": body.reason})
    return await views.event_detail(request.app.state.clients, caller, event_id)


async def set_disposition(request: Request, caller: Caller, event_id: str, body: DispositionIn) -> dict:
    require_roles(caller, "office")
    await _call(request, caller, "SetDisposition", grading_pb2.SetDispositionRequest(
        event_id=event_id, code=body.disposition, harmful=body.harmful,
        harmful_categories=body.harmful_categories, reason=body.reason))
    await audit.record(request.app.state.sessions, caller, "event.disposition", event_id, body.model_dump())
    return await views.event_detail(request.app.state.clients, caller, event_id)


async def save_rule_set(request: Request, caller: Caller, body: RuleSetIn) -> dict:
    require_roles(caller)
    saved = await _call(request, caller, "SaveRuleSet", body.message())
    await audit.record(request.app.state.sessions, caller, "rule_set.save", f"v{saved.version}", {"note": body.note})
    return rule_set_json(saved)


@router.post("/events/{event_id}/level", tags=["events"])
async def post_level(event_id: EventId, body: LevelIn, request: Request, caller: CurrentCaller) -> dict:
    """研判: confirm or override the level. Lowering needs a reason (422 without one); the
    change is on the event's timeline and in the audit log, and dispatch follows it."""
    return await set_level(request, caller, event_id, body)


@router.post("/events/{event_id}/disposition", tags=["events"])
async def post_disposition(event_id: EventId, body: DispositionIn, request: Request, caller: CurrentCaller) -> dict:
    """Correct the disposition class and the harmful-information flag; the person's word stands."""
    return await set_disposition(request, caller, event_id, body)


@router.get("/rule-sets", tags=["grading"])
async def list_rule_sets(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office", "leader")
    listed = await _call(request, caller, "ListRuleSets", grading_pb2.ListRuleSetsRequest())
    return {"items": [rule_set_json(r) for r in listed.rule_sets]}


@router.get("/rule-sets/current", tags=["grading"])
async def current_rule_set(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office", "leader")
    return rule_set_json(await _call(request, caller, "GetRuleSet", grading_pb2.GetRuleSetRequest()))


@router.get("/rule-sets/{version}", tags=["grading"])
async def get_rule_set(version: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
                       caller: CurrentCaller) -> dict:
    require_roles(caller, "office", "leader")
    return rule_set_json(await _call(request, caller, "GetRuleSet", grading_pb2.GetRuleSetRequest(version=version)))


@router.post("/rule-sets", tags=["grading"], status_code=201)
async def post_rule_set(body: RuleSetIn, request: Request, caller: CurrentCaller) -> dict:
    """Save a new version (admin). Each problem names its rule, e.g. `bands[3].maximum`.
    Decisions already made keep the version they used."""
    return await save_rule_set(request, caller, body)


@router.get("/admin/disposition-lexicon", tags=["admin"])
async def get_lexicon(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "office")
    return lexicon_json(await _call(request, caller, "GetLexicon", grading_pb2.GetLexiconRequest()))


@router.put("/admin/disposition-lexicon", tags=["admin"])
async def put_lexicon(body: LexiconIn, request: Request, caller: CurrentCaller) -> dict:
    """Save a new version of the words that decide the disposition class and the harmful flag."""
    require_roles(caller)
    saved = await _call(request, caller, "SaveLexicon", grading_pb2.Lexicon(
        classes=_lexicon_entries(body.classes), harmful=_lexicon_entries(body.harmful),
        harmful_threshold=body.harmful_threshold))
    await audit.record(request.app.state.sessions, caller, "lexicon.save", f"v{saved.version}",
                       {"words": sum(len(e.words) for e in [*saved.classes, *saved.harmful])})
    return lexicon_json(saved)


@router.get("/admin/audit", tags=["admin"])
async def audit_page(request: Request, caller: CurrentCaller,
                     before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """The audit log, newest first; pass the smallest `seq` seen as `before` for the next page."""
    require_roles(caller)
    rows = await audit.page(request.app.state.sessions, limit, before)
    return {"items": [{**r, "at": views.local_iso(r["at"])} for r in rows]}
