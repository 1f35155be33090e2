import dataclasses
import datetime as dt

import pytest

from services.grading.domain import (
    DEFAULT_RULE_SET,
    Band,
    GrowthRule,
    HeatPoint,
    RuleSet,
    SensitiveModifier,
    Signals,
    SpecialPeriod,
    grade,
    heat_index,
    next_level,
    validate_rule_set,
)
from yuqing.core.errors import InvalidInput
from yuqing.core.metrics import Metrics

NOON = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)   # 12:00 in Asia/Shanghai


# Every boundary of the default rule set: the seed's (999/1000, 2999/3000, 99/100, 499/500,
# 0/1/4/5 sites) and the project's own for 较大 and 一般.
@pytest.mark.parametrize(("metrics", "level"), [
    (Metrics(views=99), "V"), (Metrics(views=100), "IV"),
    (Metrics(views=499), "IV"), (Metrics(views=500), "III"),
    (Metrics(views=999), "III"), (Metrics(views=1000), "II"),
    (Metrics(views=2999), "II"), (Metrics(views=3000), "I"),
    (Metrics(comments=9), "V"), (Metrics(comments=10), "IV"),
    (Metrics(comments=49), "IV"), (Metrics(comments=50), "III"),
    (Metrics(comments=99), "III"), (Metrics(comments=100), "II"),
    (Metrics(comments=499), "II"), (Metrics(comments=500), "I"),
    (Metrics(reposts=19), "V"), (Metrics(reposts=20), "IV"),
    (Metrics(reposts=99), "IV"), (Metrics(reposts=100), "III"),
    (Metrics(mainstream_sites=0), "V"), (Metrics(mainstream_sites=1), "II"),
    (Metrics(mainstream_sites=4), "II"), (Metrics(mainstream_sites=5), "I"),
    (Metrics(likes=1_000_000), "V"),   # likes alone never grade
])
def test_every_default_boundary(metrics, level):
    decision = grade(metrics, DEFAULT_RULE_SET)
    assert (decision.level, decision.base_level) == (level, level)


@pytest.mark.parametrize(("metrics", "texts"), [
    (Metrics(comments=512), ["跟帖 512 ≥ 500 → 特别重大"]),
    (Metrics(views=1000, comments=100), ["点击 1000 ≥ 1000 → 重大", "跟帖 100 ≥ 100 → 重大"]),
    (Metrics(mainstream_sites=4), ["主流网站转发 4 ≥ 1 → 重大"]),
    (Metrics(views=1200, comments=600, mainstream_sites=2), ["跟帖 600 ≥ 500 → 特别重大"]),
    (Metrics(), ["各项指标均未达到一般级标准 → 关注"]),
])
def test_explanations_name_the_numbers_that_met_the_level(metrics, texts):
    decision = grade(metrics, DEFAULT_RULE_SET)
    assert [c.text for c in decision.conditions] == texts
    assert decision.rule_set_version == DEFAULT_RULE_SET.version


FOOD = frozenset({"食品安全"})
ELECTION = SpecialPeriod("换届", dt.date(2026, 11, 1), dt.date(2026, 11, 20))
WITH_PERIOD = dataclasses.replace(DEFAULT_RULE_SET, periods=(ELECTION,))
QUIET_START = HeatPoint(NOON - dt.timedelta(minutes=60), 20.0)


def _growing_metrics() -> Metrics:
    return Metrics(views=150, comments=30, reposts=10)   # 一般 by the bands, heat ≈ 35


@pytest.mark.parametrize(("signals", "rule_set", "level", "kinds"), [
    (Signals(), DEFAULT_RULE_SET, "IV", []),
    (Signals(categories=FOOD), DEFAULT_RULE_SET, "III", ["sensitive"]),
    (Signals(categories=frozenset({"娱乐"})), DEFAULT_RULE_SET, "IV", []),
    (Signals(at=NOON), WITH_PERIOD, "III", ["period"]),
    (Signals(at=NOON + dt.timedelta(days=1)), WITH_PERIOD, "IV", []),   # 11-21: period over
    (Signals(baseline=QUIET_START), DEFAULT_RULE_SET, "III", ["growth"]),
    (Signals(categories=FOOD, at=NOON), WITH_PERIOD, "II", ["sensitive", "period"]),
    (Signals(categories=FOOD, at=NOON, baseline=QUIET_START), WITH_PERIOD, "I", ["sensitive", "period", "growth"]),
])
def test_each_modifier_alone_and_combined(signals, rule_set, level, kinds):
    decision = grade(_growing_metrics(), rule_set, signals)
    assert decision.base_level == "IV"
    assert decision.level == level
    assert [c.text for c in decision.conditions if c.kind == "band"] == ["点击 150 ≥ 100 → 一般", "跟帖 30 ≥ 10 → 一般"]
    assert [c.kind for c in decision.conditions if c.kind != "band"] == kinds


def test_modifier_texts_and_the_cap_at_the_top():
    decision = grade(Metrics(views=3000), WITH_PERIOD, Signals(categories=FOOD | {"涉稳"}, at=NOON))
    assert decision.level == "I"
    texts = [c.text for c in decision.conditions]
    assert texts[1] == "涉及敏感类别「涉稳、食品安全」，升 1 级（已是特别重大）"
    assert texts[2] == "处于特殊时期「换届」（2026-11-01 至 2026-11-20），升 1 级（已是特别重大）"


def test_several_rules_of_one_kind_raise_by_the_largest_not_the_sum():
    rule_set = dataclasses.replace(DEFAULT_RULE_SET, sensitive=(SensitiveModifier("食品安全", 1),
                                                                SensitiveModifier("涉稳", 2)))
    assert grade(Metrics(views=100), rule_set, Signals(categories=frozenset({"食品安全", "涉稳"}))).level == "II"


def test_special_period_days_are_shanghai_days():
    # 2026-11-20 17:00 UTC is already 11-21 01:00 in Shanghai: the period (to 11-20) is over.
    late = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
    assert grade(_growing_metrics(), WITH_PERIOD, Signals(at=late)).level == "IV"
    first_day = dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)   # 11-01 00:00 in Shanghai
    assert grade(_growing_metrics(), WITH_PERIOD, Signals(at=first_day)).level == "III"


def test_growth_over_time():
    """Heat at the start of the window against heat now: a steady event stays, a spreading one
    rises, and a tiny one doubling is not 扩大迹象."""
    now = _growing_metrics()
    heat_now = heat_index(now)
    rule = DEFAULT_RULE_SET.growth
    steady = grade(now, DEFAULT_RULE_SET, Signals(baseline=HeatPoint(NOON, heat_now * 0.9)))
    assert steady.level == "IV"
    just_enough = heat_now / (1 + rule.min_growth_percent / 100)
    spreading = grade(now, DEFAULT_RULE_SET, Signals(baseline=HeatPoint(NOON, just_enough)))
    assert spreading.level == "III"
    assert "有扩大迹象：热度 60 分钟内由" in spreading.conditions[-1].text
    tiny = Metrics(views=3)
    assert heat_index(tiny) < rule.min_heat
    assert grade(tiny, DEFAULT_RULE_SET, Signals(baseline=HeatPoint(NOON, 0.1))).level == "V"
    off = dataclasses.replace(DEFAULT_RULE_SET, growth=None)
    assert grade(now, off, Signals(baseline=QUIET_START)).level == "IV"


def test_heat_bands_hold_between_whole_numbers():
    rule_set = RuleSet(2, (Band("heat", "I", 60), Band("heat", "II", 40, 59)))
    validate_rule_set(rule_set)
    for heat_metrics in (Metrics(views=200_000), Metrics(views=800, comments=60)):
        heat = heat_index(heat_metrics)
        expected = "I" if heat >= 60 else "II" if heat >= 40 else "V"
        assert grade(heat_metrics, rule_set).level == expected
    assert Band("heat", "II", 40, 59).holds(59.5) and not Band("heat", "II", 40, 59).holds(60.0)


def test_automatic_grading_only_raises_and_respects_a_persons_judgement():
    low, high = grade(Metrics(views=10), DEFAULT_RULE_SET), grade(Metrics(views=5000), DEFAULT_RULE_SET)
    middle = grade(Metrics(views=1500), DEFAULT_RULE_SET)
    assert next_level(None, low) == "V"
    assert next_level("II", low) is None
    assert next_level("II", high) == "I"
    assert next_level("I", high) is None
    # The office lowered 重大 to 一般 while the figures said 重大: the same figures do not undo it…
    assert next_level("IV", middle, human_baseline="II") is None
    # …but new evidence (特别重大 figures) does.
    assert next_level("IV", high, human_baseline="II") == "I"


def test_heat_grows_with_attention_and_stays_in_range():
    quiet, loud = heat_index(Metrics(views=10)), heat_index(Metrics(views=100_000, comments=5000, mainstream_sites=20))
    assert 0 <= quiet < loud <= 100
    assert heat_index(Metrics()) == 0
    assert heat_index(Metrics(views=10**12, comments=10**9, reposts=10**9, likes=10**12, mainstream_sites=10**6)) == 100


def test_default_rule_set_is_valid():
    assert validate_rule_set(DEFAULT_RULE_SET) is DEFAULT_RULE_SET


def _problems(rule_set: RuleSet) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        validate_rule_set(rule_set)
    return {p.field: p.reason for p in caught.value.problems}


@pytest.mark.parametrize(("bands", "field", "phrase"), [
    ((Band("clicks", "I", 10),), "bands[0].metric", "未知指标「clicks」"),
    ((Band("views", "V", 10),), "bands[0].level", "级别必须是"),
    ((Band("views", "I", 0),), "bands[0].minimum", "下限必须不小于 1"),
    ((Band("views", "I", 3000), Band("views", "II", 2000, 1000)), "bands[1].maximum", "区间次序颠倒"),
    ((Band("views", "I", 1000), Band("views", "II", 3000, 4000)), "bands[1].minimum", "必须低于特别重大（I级）下限 1000"),
    ((Band("views", "I", 3000), Band("views", "II", 1000, 3500)), "bands[1].maximum", "重叠"),
    ((Band("views", "I", 3000), Band("views", "II", 1000)), "bands[1].maximum", "没有上限"),
    ((Band("views", "I", 3000), Band("views", "II", 1000, 1999)), "bands[1].maximum", "2000–2999 不属于任何级别"),
    ((Band("views", "I", 3000, 5000),), "bands[0].maximum", "最高一级"),
    ((Band("views", "II", 3000), Band("views", "II", 1000)), "bands[1]", "同一指标同一级别只能有一个区间"),
    ((Band("heat", "I", 120),), "bands[0].minimum", "0 到 100"),
])
def test_bad_bands_are_refused_naming_the_rule(bands, field, phrase):
    problems = _problems(RuleSet(0, bands))
    assert field in problems, problems
    assert phrase in problems[field]


def test_bad_modifiers_are_refused_naming_the_rule():
    problems = _problems(RuleSet(
        0, DEFAULT_RULE_SET.bands,
        sensitive=(SensitiveModifier("娱乐八卦", 1), SensitiveModifier("涉稳", 1), SensitiveModifier("涉稳", 0)),
        periods=(SpecialPeriod("两会", dt.date(2027, 3, 15), dt.date(2027, 3, 3)), SpecialPeriod(" ", dt.date(2027, 1, 1),
                                                                                           dt.date(2027, 1, 2))),
        growth=GrowthRule(window_minutes=1, min_growth_percent=0, min_heat=150, raise_by=9)))
    assert "未知敏感类别「娱乐八卦」" in problems["sensitive_categories[0].category"]
    assert "已在 sensitive_categories[1] 中规定" in problems["sensitive_categories[2].category"]
    assert "升级级数必须1 到 4" in problems["sensitive_categories[2].raise_by"]
    assert problems["special_periods[0].end"] == "特殊时期「两会」结束日期 2027-03-03 早于开始日期 2027-03-15"
    assert "名称" in problems["special_periods[1].name"]
    assert {"growth.window_minutes", "growth.min_growth_percent", "growth.min_heat", "growth.raise_by"} <= set(problems)
    assert _problems(RuleSet(0, ()))["bands"] == "至少需要一条分级区间"

