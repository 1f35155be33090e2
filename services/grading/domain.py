"""Grading domain: versioned rule sets, decisions with their reasons, the heat index. No I/O.

A rule set has bands (a figure between a minimum and an optional maximum puts an event at a
level) and modifiers that raise the level found by the bands: sensitive categories, special
periods and growth (扩大迹象). docs/grading.md is the reference for admins.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from yuqing.core.categories import SENSITIVE_CATEGORIES
from yuqing.core.dates import SHANGHAI
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.levels import LEVEL_NAMES, LEVELS, is_higher
from yuqing.core.metrics import FIGURE_NAMES, METRIC_FIELDS, Metrics

DEFAULT_LEVEL = "V"
BAND_LEVELS = LEVELS[:-1]            # 关注 is what no band reaches
FIGURES = (*METRIC_FIELDS, "heat")   # what a band may look at
MAX_RAISE = len(LEVELS) - 1
MAX_BANDS = 200
MAX_PERIODS = 100


@dataclass(frozen=True)
class Band:
    """`minimum ≤ figure` (and `figure < maximum + 1` when a maximum is set) puts the event
    at `level`. Bounds are whole numbers; the maximum is the last whole number in the band,
    so heat 59.5 still belongs to a band whose maximum is 59."""

    metric: str
    level: str
    minimum: int
    maximum: int | None = None

    def holds(self, value: float) -> bool:
        return value >= self.minimum and (self.maximum is None or value < self.maximum + 1)

    @property
    def range_text(self) -> str:
        return f"≥ {self.minimum}" if self.maximum is None else f"{self.minimum}–{self.maximum}"


@dataclass(frozen=True)
class SensitiveModifier:
    category: str
    raise_by: int = 1


@dataclass(frozen=True)
class SpecialPeriod:
    """A date range (Asia/Shanghai, both days included) such as 换届 or a major meeting."""

    name: str
    start: dt.date
    end: dt.date
    raise_by: int = 1

    def covers(self, moment: dt.datetime) -> bool:
        return self.start <= moment.astimezone(SHANGHAI).date() <= self.end


@dataclass(frozen=True)
class GrowthRule:
    """扩大迹象: heat rose by `min_growth_percent` or more within `window_minutes`, and is at
    least `min_heat` now (a quiet event going from 2 to 4 is not spreading)."""

    window_minutes: int = 60
    min_growth_percent: float = 50.0
    min_heat: float = 30.0
    raise_by: int = 1


@dataclass(frozen=True)
class RuleSet:
    version: int
    bands: tuple[Band, ...]
    sensitive: tuple[SensitiveModifier, ...] = ()
    periods: tuple[SpecialPeriod, ...] = ()
    growth: GrowthRule | None = None
    note: str = ""

    def to_json(self) -> dict:
        return {
            "bands": [{"metric": b.metric, "level": b.level, "minimum": b.minimum, "maximum": b.maximum}
                      for b in self.bands],
            "sensitive_categories": [{"category": s.category, "raise_by": s.raise_by} for s in self.sensitive],
            "special_periods": [{"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat(),
                                 "raise_by": p.raise_by} for p in self.periods],
            "growth": None if self.growth is None else {
                "window_minutes": self.growth.window_minutes, "min_growth_percent": self.growth.min_growth_percent,
                "min_heat": self.growth.min_heat, "raise_by": self.growth.raise_by},
            "note": self.note,
        }

    @classmethod
    def from_json(cls, version: int, body: dict) -> RuleSet:
        """A stored body (already validated when it was saved)."""
        growth = body.get("growth")
        return cls(
            version=version,
            bands=tuple(Band(b["metric"], b["level"], b["minimum"], b.get("maximum")) for b in body["bands"]),
            sensitive=tuple(SensitiveModifier(s["category"], s["raise_by"]) for s in body.get("sensitive_categories", ())),
            periods=tuple(SpecialPeriod(p["name"], dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]),
                                        p["raise_by"]) for p in body.get("special_periods", ())),
            growth=GrowthRule(**growth) if growth else None,
            note=body.get("note", ""),
        )


# The seed procedure's numbers for 特别重大 and 重大, written as its own bands (1000–2999,
# 100–499, 1–4 sites); 较大 and 一般 are the project's defaults (docs/grading.md).
DEFAULT_RULE_SET = RuleSet(
    version=1,
    bands=(
        Band("views", "I", 3000), Band("views", "II", 1000, 2999),
        Band("views", "III", 500, 999), Band("views", "IV", 100, 499),
        Band("comments", "I", 500), Band("comments", "II", 100, 499),
        Band("comments", "III", 50, 99), Band("comments", "IV", 10, 49),
        Band("reposts", "III", 100), Band("reposts", "IV", 20, 99),
        Band("mainstream_sites", "I", 5), Band("mainstream_sites", "II", 1, 4),
    ),
    sensitive=tuple(SensitiveModifier(category, 1) for category in SENSITIVE_CATEGORIES),
    growth=GrowthRule(),
    note="默认规则集：特别重大、重大取自处置办法；较大、一般为本系统默认值",
)


@dataclass(frozen=True)
class FiredCondition:
    """One reason for a decision: a band that held, or a modifier that raised the level."""

    kind: str          # band, sensitive, period, growth, none
    metric: str = ""
    value: float = 0
    threshold: float = 0
    level: str = ""    # the band's level, or the level after this raise
    raise_by: int = 0
    text: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "metric": self.metric, "value": self.value, "threshold": self.threshold,
                "level": self.level, "raise_by": self.raise_by, "text": self.text}


@dataclass(frozen=True)
class HeatPoint:
    at: dt.datetime
    heat: float


@dataclass(frozen=True)
class Signals:
    """What grading knows besides the figures: the event's sensitive categories, the moment of
    the decision, and the heat at the start of the growth window (None: no history yet)."""

    categories: frozenset[str] = frozenset()
    at: dt.datetime | None = None
    baseline: HeatPoint | None = None


@dataclass(frozen=True)
class Decision:
    level: str
    base_level: str                       # what the bands alone say
    conditions: tuple[FiredCondition, ...]
    heat: float
    rule_set_version: int
    metrics: Metrics = field(default_factory=Metrics)

    def explanation(self) -> list[dict]:
        return [c.as_dict() for c in self.conditions]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def raised(level: str, steps: int) -> str:
    return LEVELS[max(0, LEVELS.index(level) - steps)]


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


def growth_percent(baseline: float, now: float) -> float:
    """Relative rise of heat; a baseline below 1 counts as 1 so a start from zero is finite."""
    return round((now - baseline) / max(baseline, 1.0) * 100, 1)


def grade(metrics: Metrics, rule_set: RuleSet, signals: Signals = Signals()) -> Decision:
    """Bands give the base level (the highest band that holds; its conditions are every band
    that holds at that level); each kind of modifier then raises it by the largest step among
    its rules that apply, and the kinds add up."""
    heat = heat_index(metrics)
    figures = {**metrics.values(), "heat": heat}
    held = [b for b in rule_set.bands if b.holds(figures[b.metric])]
    if held:
        base = min((b.level for b in held), key=LEVELS.index)
        conditions = [FiredCondition("band", b.metric, figures[b.metric], b.minimum, b.level, 0,
                                     f"{FIGURE_NAMES[b.metric]} {_number(figures[b.metric])} ≥ {b.minimum}"
                                     f" → {LEVEL_NAMES[b.level]}")
                      for b in held if b.level == base]
    else:
        base = DEFAULT_LEVEL
        conditions = [FiredCondition("none", level=DEFAULT_LEVEL,
                                     text=f"各项指标均未达到一般级标准 → {LEVEL_NAMES[DEFAULT_LEVEL]}")]
    level = base

    def apply(kind: str, steps: int, text: str, value: float = 0, threshold: float = 0) -> None:
        nonlocal level
        before, level = level, raised(level, steps)
        change = f"{LEVEL_NAMES[before]} → {LEVEL_NAMES[level]}" if level != before else f"已是{LEVEL_NAMES[level]}"
        conditions.append(FiredCondition(kind, "heat" if kind == "growth" else "", value, threshold, level, steps,
                                         f"{text}，升 {steps} 级（{change}）"))

    sensitive = [s for s in rule_set.sensitive if s.category in signals.categories]
    if sensitive:
        top = max(sensitive, key=lambda s: s.raise_by)
        names = "、".join(sorted(s.category for s in sensitive))
        apply("sensitive", top.raise_by, f"涉及敏感类别「{names}」")
    if signals.at is not None:
        periods = [p for p in rule_set.periods if p.covers(signals.at)]
        if periods:
            top = max(periods, key=lambda p: p.raise_by)
            apply("period", top.raise_by, f"处于特殊时期「{top.name}」（{top.start} 至 {top.end}）")
    growth = rule_set.growth
    if growth is not None and signals.baseline is not None and heat >= growth.min_heat:
        rise = growth_percent(signals.baseline.heat, heat)
        if rise >= growth.min_growth_percent:
            apply("growth", growth.raise_by,
                  f"有扩大迹象：热度 {growth.window_minutes} 分钟内由 {_number(signals.baseline.heat)} 升至 "
                  f"{_number(heat)}（+{_number(rise)}% ≥ {_number(growth.min_growth_percent)}%）",
                  rise, growth.min_growth_percent)
    return Decision(level, base, tuple(conditions), heat, rule_set.version, metrics)


def next_level(current: str | None, decision: Decision, human_baseline: str | None = None) -> str | None:
    """Automatic grading only ever raises: the new level, or None when it stays. After a
    person's 研判, only a computed level above what was computed at that moment counts as new
    evidence (`human_baseline`), so a deliberate lowering is not undone by the same figures."""
    if human_baseline is not None and not is_higher(decision.level, human_baseline):
        return None
    return decision.level if is_higher(decision.level, current) else None


# --- validation on save -----------------------------------------------------------------

def _whole(value, where: str, what: str, problems: list[FieldProblem], low: int = 0, high: int | None = None) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(FieldProblem(where, f"{what}必须是整数"))
        return False
    if value < low or (high is not None and value > high):
        span = f"{low} 到 {high}" if high is not None else f"不小于 {low}"
        problems.append(FieldProblem(where, f"{what}必须{span}，现为 {value}"))
        return False
    return True


def _level_name(level: str) -> str:
    return f"{LEVEL_NAMES[level]}（{level}级）"


def _check_bands(bands: tuple[Band, ...], problems: list[FieldProblem]) -> None:
    if len(bands) > MAX_BANDS:
        problems.append(FieldProblem("bands", f"最多 {MAX_BANDS} 条分级区间"))
    sound: list[tuple[int, Band]] = []
    for index, band in enumerate(bands):
        where, ok = f"bands[{index}]", True
        if band.metric not in FIGURES:
            problems.append(FieldProblem(f"{where}.metric", f"未知指标「{band.metric}」，可选："
                                         + "、".join(f"{m}（{FIGURE_NAMES[m]}）" for m in FIGURES)))
            ok = False
        if band.level not in BAND_LEVELS:
            problems.append(FieldProblem(f"{where}.level", f"级别必须是 {'、'.join(BAND_LEVELS)} 之一"
                                         "（关注级是不满足任何区间时的级别）"))
            ok = False
        ok &= _whole(band.minimum, f"{where}.minimum", "下限", problems, 1 if band.metric != "heat" else 0,
                     100 if band.metric == "heat" else None)
        if band.maximum is not None:
            if _whole(band.maximum, f"{where}.maximum", "上限", problems) and ok and band.maximum < band.minimum:
                problems.append(FieldProblem(f"{where}.maximum",
                                             f"上限 {band.maximum} 小于下限 {band.minimum}，区间次序颠倒"))
                ok = False
        if ok:
            sound.append((index, band))
    for metric in FIGURES:
        ladder = sorted(((i, b) for i, b in sound if b.metric == metric), key=lambda ib: LEVELS.index(ib[1].level))
        name = FIGURE_NAMES[metric]
        for (i, a), (j, b) in zip(ladder, ladder[1:]):
            if a.level == b.level:
                problems.append(FieldProblem(f"bands[{j}]", f"{name}：{_level_name(a.level)}已由 bands[{i}] 规定，"
                                             "同一指标同一级别只能有一个区间"))
        distinct = [(i, b) for n, (i, b) in enumerate(ladder) if n == 0 or ladder[n - 1][1].level != b.level]
        if distinct and distinct[0][1].maximum is not None:
            i, top = distinct[0]
            problems.append(FieldProblem(f"bands[{i}].maximum", f"{name}：最高一级（{_level_name(top.level)}）"
                                         f"不能设上限，否则超过 {top.maximum} 反而不再分级"))
        for (i, higher), (j, lower) in zip(distinct, distinct[1:]):
            where = f"bands[{j}]"
            if lower.minimum >= higher.minimum:
                problems.append(FieldProblem(f"{where}.minimum", f"{name}：{_level_name(lower.level)}下限 "
                                             f"{lower.minimum} 必须低于{_level_name(higher.level)}下限 {higher.minimum}"
                                             f"（bands[{i}]），级别越高门槛越高"))
            elif lower.maximum is not None and lower.maximum >= higher.minimum:
                problems.append(FieldProblem(f"{where}.maximum", f"{name}：{_level_name(lower.level)}区间 "
                                             f"{lower.range_text} 与{_level_name(higher.level)}区间 {higher.range_text}"
                                             f"（bands[{i}]）重叠"))
            elif lower.maximum is None:
                problems.append(FieldProblem(f"{where}.maximum", f"{name}：{_level_name(lower.level)}区间 "
                                             f"{lower.range_text} 没有上限，与{_level_name(higher.level)}区间 "
                                             f"{higher.range_text}（bands[{i}]）重叠；请设上限为 {higher.minimum - 1}"))
            elif lower.maximum + 1 < higher.minimum:
                problems.append(FieldProblem(f"{where}.maximum", f"{name}：{lower.maximum + 1}–{higher.minimum - 1} "
                                             f"不属于任何级别（{_level_name(lower.level)}与{_level_name(higher.level)}"
                                             "之间有空档）"))


def _check_raise(value, where: str, problems: list[FieldProblem]) -> None:
    _whole(value, f"{where}.raise_by", "升级级数", problems, 1, MAX_RAISE)


def validate_rule_set(rule_set: RuleSet) -> RuleSet:
    """Refuse overlapping or contradictory bands, bounds out of order, unknown categories and
    periods that end before they start; each problem names its rule."""
    problems: list[FieldProblem] = []
    if not rule_set.bands:
        problems.append(FieldProblem("bands", "至少需要一条分级区间"))
    _check_bands(rule_set.bands, problems)
    seen: dict[str, int] = {}
    for index, modifier in enumerate(rule_set.sensitive):
        where = f"sensitive_categories[{index}]"
        if modifier.category not in SENSITIVE_CATEGORIES:
            problems.append(FieldProblem(f"{where}.category", f"未知敏感类别「{modifier.category}」，可选："
                                         + "、".join(SENSITIVE_CATEGORIES)))
        elif modifier.category in seen:
            problems.append(FieldProblem(f"{where}.category", f"敏感类别「{modifier.category}」已在 "
                                         f"sensitive_categories[{seen[modifier.category]}] 中规定"))
        seen.setdefault(modifier.category, index)
        _check_raise(modifier.raise_by, where, problems)
    if len(rule_set.periods) > MAX_PERIODS:
        problems.append(FieldProblem("special_periods", f"最多 {MAX_PERIODS} 个特殊时期"))
    for index, period in enumerate(rule_set.periods):
        where = f"special_periods[{index}]"
        if not period.name.strip():
            problems.append(FieldProblem(f"{where}.name", "请填写特殊时期名称"))
        if period.end < period.start:
            problems.append(FieldProblem(f"{where}.end", f"特殊时期「{period.name}」结束日期 {period.end} "
                                         f"早于开始日期 {period.start}"))
        _check_raise(period.raise_by, where, problems)
    growth = rule_set.growth
    if growth is not None:
        _whole(growth.window_minutes, "growth.window_minutes", "观察窗口（分钟）", problems, 5, 7 * 24 * 60)
        if not (isinstance(growth.min_growth_percent, int | float) and 0 < growth.min_growth_percent <= 10_000):
            problems.append(FieldProblem("growth.min_growth_percent", "增幅阈值必须大于 0、不超过 10000（%）"))
        if not (isinstance(growth.min_heat, int | float) and 0 <= growth.min_heat <= 100):
            problems.append(FieldProblem("growth.min_heat", "热度下限必须在 0 到 100 之间"))
        _check_raise(growth.raise_by, "growth", problems)
    if len(rule_set.note) > 500:
        problems.append(FieldProblem("note", "说明最多 500 字"))
    if problems:
        raise InvalidInput("规则集校验未通过", problems)
    return rule_set
