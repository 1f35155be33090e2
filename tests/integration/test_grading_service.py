"""Grading's use cases against real databases: automatic grading through the stream handler,
rule-set versions, people's 研判 and corrections, the timeline and the stream messages."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from services.grading import models
from services.grading.disposition import DEFAULT_LEXICON
from services.grading.domain import DEFAULT_RULE_SET, Band, SpecialPeriod
from yuqing.core.errors import InvalidInput, NotFound
from yuqing.core.identity import Caller
from yuqing.core.levels import from_proto

OFFICE = Caller("yqb", frozenset({"office"}), "wxb")
ADMIN = Caller("admin", frozenset({"admin"}), "wxb")


async def _grade(grading, event_id):
    row, history, trend = await grading.service.grade_of(event_id, detailed=True)
    return row, history, trend


async def test_first_item_grades_explains_and_announces(grading):
    await grading.deliver("e1", comments=512, text="请问县一中食堂为什么还没有整改？")
    row, history, trend = await _grade(grading, "e1")
    assert row["level"] == "I" and row["rule_set_version"] == 1 and row["decided_by"] == "system"
    assert [c["text"] for c in row["conditions"]] == ["跟帖 512 ≥ 500 → 特别重大"]
    assert [(h["kind"], h["level_after"], h["actor"]) for h in history] == [("graded", "I", "system")]
    assert history[0]["text"] == "自动定级为特别重大：跟帖 512 ≥ 500 → 特别重大"
    assert len(trend) == 1 and trend[0].heat == row["heat"] > 0
    [announced] = await grading.announcements()
    assert (announced.event_id, from_proto(announced.level), announced.actor) == ("e1", "I", "system")
    assert row["disposition"] == "inquiry" and row["disposition_cues"] == ["请问", "为什么"]


async def test_growth_over_time_raises_with_its_reason(grading):
    await grading.deliver("e2", views=120, text="河西镇滨江小区停水")
    assert (await _grade(grading, "e2"))[0]["level"] == "IV"
    for minutes, (views, comments, reposts) in ((20, (125, 1, 0)), (40, (130, 2, 0))):
        grading.clock.advance(minutes=20)
        await grading.deliver("e2", views=views, comments=comments, reposts=reposts, duplicate=True)
        assert (await _grade(grading, "e2"))[0]["level"] == "IV", minutes
    # An hour after the first report the heat has more than doubled: 扩大迹象.
    grading.clock.advance(minutes=25)
    await grading.deliver("e2", views=450, comments=45, reposts=90, duplicate=True)
    row, history, trend = await _grade(grading, "e2")
    assert row["level"] == "III"
    assert [c["kind"] for c in row["conditions"]] == ["band", "band", "band", "growth"]
    assert row["conditions"][-1]["text"].startswith("有扩大迹象：热度 60 分钟内由")
    assert [h["kind"] for h in history] == ["graded", "raised"]
    assert [round(p.heat) for p in trend] == sorted(round(p.heat) for p in trend) and len(trend) == 4
    assert [from_proto(m.level) for m in await grading.announcements()] == ["IV", "III"]


async def test_a_rule_set_edit_keeps_old_decisions_and_grades_new_events_by_the_new_version(grading):
    await grading.deliver("old", views=600)
    before, _, _ = await _grade(grading, "old")
    assert (before["level"], before["rule_set_version"]) == ("III", 1)

    stricter = dataclasses.replace(DEFAULT_RULE_SET, bands=(
        Band("views", "I", 2000), Band("views", "II", 500, 1999), Band("views", "III", 200, 499),
        Band("views", "IV", 50, 199)), periods=(SpecialPeriod("换届", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),))
    saved, _, created_by = await grading.service.save_rule_set(ADMIN, stricter)
    assert (saved.version, created_by) == (2, "admin")

    after, _, _ = await _grade(grading, "old")
    assert after["level"] == before["level"] and after["rule_set_version"] == 1
    assert after["conditions"] == before["conditions"]

    await grading.deliver("new", views=600)
    new, _, _ = await _grade(grading, "new")
    assert (new["level"], new["rule_set_version"]) == ("I", 2)
    assert [c["text"] for c in new["conditions"]] == [
        "点击 600 ≥ 500 → 重大", "处于特殊时期「换届」（2026-11-01 至 2026-11-30），升 1 级（重大 → 特别重大）"]
    # Version 1 is still there, unchanged, for anyone reading an old decision.
    v1, _, _ = await grading.service.rule_set(1)
    assert v1 == DEFAULT_RULE_SET
    assert [r[0].version for r in await grading.service.rule_sets()] == [2, 1]


async def test_an_invalid_rule_set_is_refused_and_nothing_is_stored(grading):
    broken = dataclasses.replace(DEFAULT_RULE_SET, bands=(Band("views", "I", 3000), Band("views", "II", 1000, 3500)))
    with pytest.raises(InvalidInput) as caught:
        await grading.service.save_rule_set(ADMIN, broken)
    assert caught.value.problems[0].field == "bands[1].maximum"
    assert [r[0].version for r in await grading.service.rule_sets()] == [1]


async def test_lowering_needs_a_reason_and_is_then_recorded_and_respected(grading):
    await grading.deliver("e3", views=1500, text="龙潭煤矿发生事故")
    assert (await _grade(grading, "e3"))[0]["level"] == "II"
    with pytest.raises(InvalidInput) as caught:
        await grading.service.set_level(OFFICE, "e3", "IV", "  ")
    assert [p.field for p in caught.value.problems] == ["reason"]
    row, history, _ = await _grade(grading, "e3")
    assert row["level"] == "II" and len(history) == 1        # nothing changed

    grading.clock.advance(minutes=5)
    row, history, _ = await grading.service.set_level(OFFICE, "e3", "IV", "经核实为演练，无人员伤亡")
    assert (row["level"], row["decided_by"], row["reason"]) == ("IV", "yqb", "经核实为演练，无人员伤亡")
    assert history[-1]["kind"] == "overridden_down"
    assert history[-1]["text"] == "yqb 研判由重大降为一般：经核实为演练，无人员伤亡"
    announced = (await grading.announcements())[-1]
    assert (from_proto(announced.level), from_proto(announced.previous_level), announced.actor) == ("IV", "II", "yqb")

    # The same figures again do not undo the person's judgement …
    grading.clock.advance(minutes=5)
    await grading.deliver("e3", views=1600, duplicate=True)
    assert (await _grade(grading, "e3"))[0]["level"] == "IV"
    # … new evidence (特别重大 figures) does.
    await grading.deliver("e3", views=3500, duplicate=True)
    row, history, _ = await _grade(grading, "e3")
    assert (row["level"], row["decided_by"]) == ("I", "system")
    assert [h["kind"] for h in history] == ["graded", "overridden_down", "raised"]


async def test_confirming_and_raising_by_hand(grading):
    await grading.deliver("e4", views=150)
    messages = len(await grading.announcements())
    row, history, _ = await grading.service.set_level(OFFICE, "e4", "IV", "")
    assert history[-1]["kind"] == "confirmed" and history[-1]["text"] == "yqb 研判确认为一般"
    assert len(await grading.announcements()) == messages          # no change, nothing to announce
    row, history, _ = await grading.service.set_level(OFFICE, "e4", "II", "涉及学生安全，提级处置")
    assert row["level"] == "II" and history[-1]["kind"] == "overridden_up"
    assert from_proto((await grading.announcements())[-1].level) == "II"
    with pytest.raises(NotFound):
        await grading.service.set_level(OFFICE, "missing", "II", "")
    with pytest.raises(InvalidInput):
        await grading.service.set_level(OFFICE, "e4", "VI", "")


async def test_disposition_accumulates_over_new_items_and_a_person_can_correct_it(grading):
    await grading.deliver("e5", views=10, text="建议在青山乡增设公交站，方便群众出行")
    row, _, _ = await _grade(grading, "e5")
    assert row["disposition"] == "suggestion" and 0.5 < row["disposition_confidence"] < 1
    # A snapshot repeats the same text: no new evidence.
    await grading.deliver("e5", views=20, text="建议在青山乡增设公交站，方便群众出行", duplicate=True)
    assert (await _grade(grading, "e5"))[0]["disposition_scores"] == row["disposition_scores"]
    for text in ("震惊！青山乡出大事了，转发扩散！", "求扩散，让更多人看到，大家转起来"):
        await grading.deliver("e5", views=30, text=text)
    row, _, _ = await _grade(grading, "e5")
    assert row["disposition"] == "hype"

    with pytest.raises(InvalidInput) as caught:
        await grading.service.set_disposition(OFFICE, "e5", "gossip", True, [], "")
    assert {p.field for p in caught.value.problems} == {"disposition", "harmful_categories"}
    row, history, _ = await grading.service.set_disposition(OFFICE, "e5", "fabrication", True, ["rumour"],
                                                            "经核实为编造")
    assert (row["disposition"], row["disposition_confidence"], row["harmful_categories"]) == ("fabrication", 1.0, ["rumour"])
    assert history[-1]["text"] == ("yqb 将处置分类由「恶意传播/炒作」更正为「捏造/歪曲/诽谤/煽动」，"
                                   "标记为有害信息（谣言）：经核实为编造")
    await grading.deliver("e5", views=40, text="请问什么时候回应？")
    row, _, _ = await _grade(grading, "e5")
    assert (row["disposition"], row["disposition_by"]) == ("fabrication", "yqb")   # the person's word stands


async def test_lexicon_versions(grading):
    lexicon, _, _ = await grading.service.lexicon()
    assert lexicon == DEFAULT_LEXICON
    tuned = dataclasses.replace(lexicon, classes={**lexicon.classes, "suggestion": {"倡议书": 2.0}})
    saved, _, by = await grading.service.save_lexicon(ADMIN, tuned)
    assert (saved.version, by, saved.classes["suggestion"]) == (2, "admin", {"倡议书": 2.0})
    await grading.deliver("e6", text="关于整治白水河的倡议书")
    assert (await _grade(grading, "e6"))[0]["disposition"] == "suggestion"
    with pytest.raises(InvalidInput) as caught:
        await grading.service.save_lexicon(ADMIN, dataclasses.replace(lexicon, classes={"gossip": {"八卦": 1}},
                                                                       harmful_threshold=0))
    assert {p.field for p in caught.value.problems} == {"classes.gossip", "harmful_threshold"}
    async with grading.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(models.lexicons))).scalar_one() == 2


async def test_a_batch_decides_exactly_as_one_message_at_a_time(grading):
    """The stream consumer hands grading whole batches; several snapshots of one event in a
    batch must end where delivering them one by one ends."""
    steps = [dict(views=120, text="请问青山乡为什么停水？"), dict(views=400, comments=30, duplicate=True),
             dict(views=900, comments=60, text="转发扩散！青山乡停水"), dict(views=1500, comments=120, duplicate=True)]
    for step in steps:
        await grading.deliver("single", **step)
    await grading.deliver_batch("batched", steps)
    single, single_history, single_trend = await _grade(grading, "single")
    batched, batched_history, batched_trend = await _grade(grading, "batched")
    ignore = {"event_id", "title"}
    assert {k: v for k, v in single.items() if k not in ignore} == {k: v for k, v in batched.items() if k not in ignore}
    assert [(h["kind"], h["level_after"]) for h in single_history] == [(h["kind"], h["level_after"]) for h in batched_history]
    assert len(single_trend) == len(batched_trend) == 4
    levels = [(m.event_id, from_proto(m.level)) for m in await grading.announcements()]
    assert [lv for e, lv in levels if e == "single"] == [lv for e, lv in levels if e == "batched"] == ["IV", "II", "I"]   # growth adds a level
