"""Grading domain: threshold rule sets, decisions with their reasons, the heat index. No I/O."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.levels import LEVEL_NAMES, LEVELS, is_higher
from yuqing.core.metrics import METRIC_FIELDS, METRIC_NAMES, Metrics

DEFAULT_LEVEL = "V"


@dataclass(frozen=True)
class Threshold:
    """`metric ≥ minimum` puts an event at `level` (or higher, if another threshold says so)."""

    metric: str
    minimum: int
    level: str


@dataclass(frozen=True)
class RuleSet:
    version: int
    thresholds: tuple[Threshold, ...]

    def to_json(self) -> dict:
        return {"thresholds": [asdict(t) for t in self.thresholds]}

    @classmethod
    def from_json(cls, version: int, body: dict) -> RuleSet:
        return cls(version=version, thresholds=tuple(Threshold(**t) for t in body["thresholds"]))


# The seed procedure's numbers (特别重大, 重大) and the project's own defaults for 较大 and
# 一般 (docs/grading.md); an event that meets none of them is 关注.
DEFAULT_RULE_SET = RuleSet(
    version=1,
    thresholds=(
        Threshold("views", 3000, "I"),
        Threshold("comments", 500, "I"),
        Threshold("mainstream_sites", 5, "I"),
        Threshold("views", 1000, "II"),
        Threshold("comments", 100, "II"),
        Threshold("mainstream_sites", 1, "II"),
        Threshold("views", 500, "III"),
        Threshold("comments", 50, "III"),
        Threshold("reposts", 100, "III"),
        Threshold("views", 100, "IV"),
        Threshold("comments", 10, "IV"),
        Threshold("reposts", 20, "IV"),
    ),
)


@dataclass(frozen=True)
class FiredCondition:
    metric: str
    value: int
    threshold: int
    level: str

    @property
    def text(self) -> str:
        if self.metric == "none":
            return f"各项指标均未达到一般级阈值 → {LEVEL_NAMES[self.level]}"
        return f"{METRIC_NAMES[self.metric]} {self.value} ≥ {self.threshold} → {LEVEL_NAMES[self.level]}"


@dataclass(frozen=True)
class Decision:
    level: str
    conditions: tuple[FiredCondition, ...]
    heat: float
    rule_set_version: int
    metrics: Metrics = field(default_factory=Metrics)

    def explanation(self) -> list[dict]:
        """The fired conditions as stored and shown: numbers and a readable sentence each."""
        return [{"metric": c.metric, "value": c.value, "threshold": c.threshold, "level": c.level, "text": c.text}
                for c in self.conditions]


def validate_rule_set(rule_set: RuleSet) -> RuleSet:
    """Refuse rule sets whose bands overlap or run backwards; each problem names its rule."""
    problems: list[FieldProblem] = []
    for index, rule in enumerate(rule_set.thresholds):
        where = f"thresholds[{index}]"
        if rule.metric not in METRIC_FIELDS:
            problems.append(FieldProblem(f"{where}.metric", f"未知指标 {rule.metric!r}，可选：{', '.join(METRIC_FIELDS)}"))
        if rule.level not in LEVELS[:-1]:
            problems.append(FieldProblem(f"{where}.level", f"级别必须是 {', '.join(LEVELS[:-1])} 之一"))
        if rule.minimum < 1:
            problems.append(FieldProblem(f"{where}.minimum", "阈值必须是正整数"))
    if not problems:
        for metric in METRIC_FIELDS:
            ladder = sorted((LEVELS.index(t.level), t.minimum) for t in rule_set.thresholds if t.metric == metric)
            levels = [rank for rank, _ in ladder]
            if len(levels) != len(set(levels)):
                problems.append(FieldProblem("thresholds", f"{METRIC_NAMES[metric]}：同一级别有多个阈值"))
            for (higher, high_min), (lower, low_min) in zip(ladder, ladder[1:]):
                if high_min <= low_min:
                    problems.append(FieldProblem(
                        "thresholds",
                        f"{METRIC_NAMES[metric]}：{LEVEL_NAMES[LEVELS[higher]]}阈值 {high_min} 必须高于"
                        f"{LEVEL_NAMES[LEVELS[lower]]}阈值 {low_min}",
                    ))
    if problems:
        raise InvalidInput("规则集校验未通过", problems)
    return rule_set


def heat_index(metrics: Metrics) -> float:
    """Log-weighted attention in the style of the WCI index, 0–100 for county-scale figures
    (docs/grading.md gives the formula and the weights' reasons)."""
    raw = (
        0.30 * math.log1p(metrics.views)
        + 0.25 * math.log1p(metrics.comments * 10)
        + 0.20 * math.log1p(metrics.reposts * 10)
        + 0.05 * math.log1p(metrics.likes)
        + 0.20 * math.log1p(metrics.mainstream_sites * 100)
    )
    return round(min(100.0, raw * 100 / 11), 2)


def grade(metrics: Metrics, rule_set: RuleSet) -> Decision:
    """The highest level any threshold reaches; the conditions are every threshold met at it."""
    fired = [
        FiredCondition(t.metric, getattr(metrics, t.metric), t.minimum, t.level)
        for t in rule_set.thresholds
        if getattr(metrics, t.metric) >= t.minimum
    ]
    if fired:
        level = min((c.level for c in fired), key=LEVELS.index)
        conditions = tuple(c for c in fired if c.level == level)
    else:
        level = DEFAULT_LEVEL
        conditions = (FiredCondition("none", 0, 0, DEFAULT_LEVEL),)
    return Decision(level, conditions, heat_index(metrics), rule_set.version, metrics)


def next_level(current: str | None, decision: Decision) -> str | None:
    """Automatic grading only ever raises: the new level, or None when it stays."""
    return decision.level if is_higher(decision.level, current) else None
