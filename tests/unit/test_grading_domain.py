import pytest

from services.grading.domain import (DEFAULT_RULE_SET, RuleSet, Threshold, grade, heat_index, next_level,
                                     validate_rule_set)
from yuqing.core.errors import InvalidInput
from yuqing.core.metrics import Metrics


@pytest.mark.parametrize(("metrics", "level", "texts"), [
    (Metrics(views=3000), "I", ["点击 3000 ≥ 3000 → 特别重大"]),
    (Metrics(comments=512), "I", ["跟帖 512 ≥ 500 → 特别重大"]),
    (Metrics(mainstream_sites=5), "I", ["主流网站转发 5 ≥ 5 → 特别重大"]),
    (Metrics(views=2999), "II", ["点击 2999 ≥ 1000 → 重大"]),
    (Metrics(views=1000, comments=100), "II", ["点击 1000 ≥ 1000 → 重大", "跟帖 100 ≥ 100 → 重大"]),
    (Metrics(comments=499), "II", ["跟帖 499 ≥ 100 → 重大"]),
    (Metrics(mainstream_sites=1), "II", ["主流网站转发 1 ≥ 1 → 重大"]),
    (Metrics(mainstream_sites=4), "II", ["主流网站转发 4 ≥ 1 → 重大"]),
    (Metrics(views=999), "III", ["点击 999 ≥ 500 → 较大"]),
    (Metrics(comments=99), "III", ["跟帖 99 ≥ 50 → 较大"]),
    (Metrics(views=120), "IV", ["点击 120 ≥ 100 → 一般"]),
    (Metrics(), "V", ["各项指标均未达到一般级阈值 → 关注"]),
])
def test_seed_thresholds_and_explanations(metrics, level, texts):
    decision = grade(metrics, DEFAULT_RULE_SET)
    assert decision.level == level
    assert [c.text for c in decision.conditions] == texts
    assert decision.rule_set_version == DEFAULT_RULE_SET.version


def test_highest_level_wins_when_several_fire():
    decision = grade(Metrics(views=1200, comments=600, mainstream_sites=2), DEFAULT_RULE_SET)
    assert decision.level == "I"
    assert [c.metric for c in decision.conditions] == ["comments"]


def test_automatic_grading_only_raises():
    low = grade(Metrics(views=10), DEFAULT_RULE_SET)
    high = grade(Metrics(views=5000), DEFAULT_RULE_SET)
    assert next_level(None, low) == "V"
    assert next_level("II", low) is None
    assert next_level("II", high) == "I"
    assert next_level("I", high) is None


def test_heat_grows_with_attention_and_stays_in_range():
    quiet, loud = heat_index(Metrics(views=10)), heat_index(Metrics(views=100_000, comments=5000, mainstream_sites=20))
    assert 0 <= quiet < loud <= 100
    assert heat_index(Metrics()) == 0


def test_default_rule_set_is_valid_and_bad_ones_name_the_rule():
    assert validate_rule_set(DEFAULT_RULE_SET) is DEFAULT_RULE_SET
    backwards = RuleSet(2, (Threshold("views", 500, "I"), Threshold("views", 1000, "II"),
                            Threshold("clicks", 10, "IV"), Threshold("comments", 0, "VI")))
    with pytest.raises(InvalidInput) as caught:
        validate_rule_set(backwards)
    fields = {p.field for p in caught.value.problems}
    assert {"thresholds[2].metric", "thresholds[3].level", "thresholds[3].minimum"} <= fields
    ordered_wrong = RuleSet(3, (Threshold("views", 500, "I"), Threshold("views", 1000, "II")))
    with pytest.raises(InvalidInput) as caught:
        validate_rule_set(ordered_wrong)
    assert "特别重大阈值 500 必须高于重大阈值 1000" in caught.value.problems[0].reason
