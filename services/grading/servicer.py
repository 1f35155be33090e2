"""gRPC entrypoint of grading: protobuf ⇄ domain only."""

from __future__ import annotations

from services.grading.disposition import Lexicon
from services.grading.domain import Band, GrowthRule, RuleSet, SensitiveModifier, SpecialPeriod, validate_rule_set
from services.grading.service import GradingService, condition_message
from yuqing.core.categories import DISPOSITIONS, HARMFUL_CATEGORIES
from yuqing.core.dates import parse_date
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.grpc_server import caller_of
from yuqing.core.levels import LEVEL_NAMES, from_proto, to_proto
from yuqing.core.metrics import Metrics
from yuqing.core.protobuf import metrics_message, page_bounds, timestamp
from yuqing.grading.v1 import grading_pb2, grading_pb2_grpc

JUDGE_ROLES = frozenset({"admin", "office"})
CONFIG_ROLES = frozenset({"admin"})


class GradingServicer(grading_pb2_grpc.GradingServiceServicer):
    def __init__(self, service: GradingService) -> None:
        self.service = service

    async def GetGrade(self, request, context):
        return grade_message(*await self.service.grade_of(request.event_id, detailed=True))

    async def BatchGetGrades(self, request, context):
        rows = await self.service.grades(list(request.event_ids)[:500])
        return grading_pb2.BatchGetGradesResponse(grades=[grade_message(r) for r in rows])

    async def ListGrades(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.service.page_of_grades(from_proto(request.level), limit, offset)
        return grading_pb2.ListGradesResponse(grades=[grade_message(r) for r in rows], total=total)

    async def SetLevel(self, request, context):
        caller = caller_of(context, JUDGE_ROLES)
        level = from_proto(request.level) if 0 <= request.level <= 5 else None
        return grade_message(*await self.service.set_level(caller, request.event_id, level, request.reason))

    async def SetDisposition(self, request, context):
        caller = caller_of(context, JUDGE_ROLES)
        return grade_message(*await self.service.set_disposition(
            caller, request.event_id, request.code, request.harmful, list(request.harmful_categories), request.reason))

    async def GetRuleSet(self, request, context):
        return rule_set_message(*await self.service.rule_set(request.version))

    async def ListRuleSets(self, request, context):
        return grading_pb2.ListRuleSetsResponse(rule_sets=[rule_set_message(*r) for r in await self.service.rule_sets()])

    async def SaveRuleSet(self, request, context):
        caller = caller_of(context, CONFIG_ROLES)
        rule_set, problems = rule_set_from_message(request)
        if problems:
            # Report unreadable dates together with every other problem of the rule set.
            try:
                validate_rule_set(rule_set)
            except InvalidInput as error:
                problems += error.problems
            raise InvalidInput("规则集校验未通过", problems)
        return rule_set_message(*await self.service.save_rule_set(caller, rule_set))

    async def GetLexicon(self, request, context):
        return lexicon_message(*await self.service.lexicon())

    async def SaveLexicon(self, request, context):
        caller = caller_of(context, CONFIG_ROLES)
        lexicon = Lexicon(0, _entries(request.classes), _entries(request.harmful), request.harmful_threshold)
        return lexicon_message(*await self.service.save_lexicon(caller, lexicon))


def _entries(entries) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for entry in entries:
        table.setdefault(entry.name, {}).update({w.word: w.weight for w in entry.words})
    return table


def rule_set_from_message(message: grading_pb2.RuleSet) -> tuple[RuleSet, list[FieldProblem]]:
    """The rule set, and the dates that could not be read (left as date.min)."""
    problems: list[FieldProblem] = []
    periods = tuple(SpecialPeriod(p.name, parse_date(p.start, f"special_periods[{i}].start", problems),
                                  parse_date(p.end, f"special_periods[{i}].end", problems), p.raise_by)
                    for i, p in enumerate(message.special_periods))
    growth = message.growth if message.HasField("growth") else None
    return RuleSet(
        version=0,
        bands=tuple(Band(b.metric, b.level, b.minimum, b.maximum if b.HasField("maximum") else None)
                    for b in message.bands),
        sensitive=tuple(SensitiveModifier(s.category, s.raise_by) for s in message.sensitive_categories),
        periods=periods,
        growth=None if growth is None else GrowthRule(growth.window_minutes, growth.min_growth_percent,
                                                      growth.min_heat, growth.raise_by),
        note=message.note,
    ), problems


def rule_set_message(rule_set: RuleSet, created_at, created_by: str) -> grading_pb2.RuleSet:
    growth = rule_set.growth
    return grading_pb2.RuleSet(
        version=rule_set.version, note=rule_set.note, created_by=created_by, created_at=timestamp(created_at),
        bands=[grading_pb2.Band(metric=b.metric, level=b.level, minimum=b.minimum, maximum=b.maximum)
               for b in rule_set.bands],
        sensitive_categories=[grading_pb2.SensitiveModifier(category=s.category, raise_by=s.raise_by)
                              for s in rule_set.sensitive],
        special_periods=[grading_pb2.SpecialPeriod(name=p.name, start=p.start.isoformat(), end=p.end.isoformat(),
                                                   raise_by=p.raise_by) for p in rule_set.periods],
        growth=None if growth is None else grading_pb2.GrowthRule(
            window_minutes=growth.window_minutes, min_growth_percent=growth.min_growth_percent,
            min_heat=growth.min_heat, raise_by=growth.raise_by),
    )


def lexicon_message(lexicon: Lexicon, created_at, created_by: str) -> grading_pb2.Lexicon:
    def entries(table: dict[str, dict[str, float]]):
        return [grading_pb2.LexiconEntry(name=name, words=[grading_pb2.LexiconWord(word=w, weight=v)
                                                           for w, v in words.items()])
                for name, words in table.items()]
    return grading_pb2.Lexicon(version=lexicon.version, classes=entries(lexicon.classes),
                               harmful=entries(lexicon.harmful), harmful_threshold=lexicon.harmful_threshold,
                               created_by=created_by, created_at=timestamp(created_at))


def grade_message(row, history=(), trend=()) -> grading_pb2.EventGrade:
    categories = row["harmful_categories"]
    return grading_pb2.EventGrade(
        event_id=row["event_id"], level=to_proto(row["level"]), level_name=LEVEL_NAMES[row["level"]],
        conditions=[condition_message(c) for c in row["conditions"]], rule_set_version=row["rule_set_version"],
        heat=row["heat"], graded_at=timestamp(row["graded_at"]), metrics=metrics_message(Metrics.of(row)),
        computed_level=to_proto(row["computed_level"]), decided_by=row["decided_by"], reason=row["reason"],
        disposition=grading_pb2.Disposition(
            code=row["disposition"], name=DISPOSITIONS.get(row["disposition"], row["disposition"]),
            confidence=row["disposition_confidence"], harmful=bool(categories), harmful_categories=categories,
            harmful_category_names=[HARMFUL_CATEGORIES.get(c, c) for c in categories],
            decided_by=row["disposition_by"], reason=row["disposition_reason"],
            lexicon_version=row["lexicon_version"], cues=row["disposition_cues"]),
        history=[grading_pb2.GradeChange(
            at=timestamp(h["at"]), kind=h["kind"], level_before=to_proto(h["level_before"]),
            level_after=to_proto(h["level_after"]), actor=h["actor"], reason=h["reason"], text=h["text"],
            rule_set_version=h["rule_set_version"] or 0) for h in history],
        heat_trend=[grading_pb2.HeatPoint(at=timestamp(p.at), heat=p.heat) for p in trend],
        drill_id=row["drill_id"],
    )
