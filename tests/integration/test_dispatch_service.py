"""Dispatch against real databases: assignments from grading, the workflow with its timeline,
durable timers with warnings, 催办 and 督办, extensions, 改派, holiday years."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from services.dispatch import models
from services.dispatch.domain import DEFAULT_PLAN, ResponsePlan, Step, TimerPolicy
from services.dispatch.workflow import Request
from tests.integration.conftest import stray_rows
from yuqing.core.db import new_id
from yuqing.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yuqing.core.identity import Caller
from yuqing.dispatch.v1 import dispatch_pb2

HANDLER = Caller("hexi_jbr", frozenset({"unit_handler"}), "hexi")
HEAD = Caller("hexi_fzr", frozenset({"unit_head"}), "hexi")
OTHER = Caller("qingshan_fzr", frozenset({"unit_head"}), "qingshan")
OFFICE = Caller("yqb", frozenset({"office"}), "wxb")
ADMIN = Caller("admin", frozenset({"admin"}), "wxb")
TEST_2027 = Path(__file__).parents[1] / "data" / "holidays-2027-test.csv"
PDF = b"%PDF-1.4 verified report"


async def _lead(dispatch, event_id: str):
    rows = await dispatch.rows(models.assignments, models.assignments.c.event_id == event_id,
                               models.assignments.c.role == "lead")
    return rows[0]


async def _count(dispatch, table, *where) -> int:
    async with dispatch.sessions() as session:
        return (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def test_a_graded_event_is_assigned_with_deadlines_and_timers(dispatch):
    await dispatch.graded("e1", "IV", text="河西镇滨江小区停水")
    lead = await _lead(dispatch, "e1")
    assert (lead["unit_code"], lead["state"]) == ("hexi", "pending_ack")
    deadlines = await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == lead["assignment_id"])
    assert {d["step"] for d in deadlines} == {"handover", "verify_explain"}
    # One pending timer per deadline, its first warning; firing one adds the next.
    timers = await dispatch.rows(models.timers, models.timers.c.assignment_id == lead["assignment_id"])
    assert sorted((t["deadline_id"], t["kind"]) for t in timers) == sorted((d["deadline_id"], "warn_50") for d in deadlines)
    handover = next(d for d in deadlines if d["step"] == "handover")
    fire = {t["kind"]: t["fire_at"] for t in timers if t["deadline_id"] == handover["deadline_id"]}
    assert fire["warn_50"] - dispatch.clock.now == dt.timedelta(hours=1)


async def _what_dispatch_holds(dispatch, prefix: str) -> dict:
    """Everything the level changes of events `prefix…` created, with the prefix dropped."""
    def event(event_id: str) -> str:
        return event_id.removeprefix(prefix)
    assignments = {a["assignment_id"]: a for a in await dispatch.rows(
        models.assignments, models.assignments.c.event_id.startswith(prefix))}
    unit_of = {aid: (event(a["event_id"]), a["unit_code"]) for aid, a in assignments.items()}
    deadlines = {d["deadline_id"]: d for d in await dispatch.rows(
        models.deadlines, models.deadlines.c.assignment_id.in_(list(assignments)))}
    timers = await dispatch.rows(models.timers, models.timers.c.assignment_id.in_(list(assignments)))
    actions = await dispatch.rows(models.assignment_actions, models.assignment_actions.c.event_id.startswith(prefix))
    announced = [dispatch_pb2.AssignmentChanged.FromString(r["payload"]) for r in await dispatch.rows(models.outbox)]
    return {
        "plans": sorted((event(p["event_id"]), p["level"]) for p in await dispatch.rows(
            models.event_plans, models.event_plans.c.event_id.startswith(prefix))),
        "assignments": sorted((*unit_of[a["assignment_id"]], a["role"], a["state"], a["level"]) for a in assignments.values()),
        "deadlines": sorted((*unit_of[d["assignment_id"]], d["step"], d["due_at"], d["basis_level"])
                            for d in deadlines.values()),
        "timers": sorted((*unit_of[t["assignment_id"]], deadlines[t["deadline_id"]]["step"], t["kind"], t["fire_at"])
                         for t in timers),
        "actions": sorted((*unit_of[a["assignment_id"]], a["action"], a["to_state"]) for a in actions),
        "announced": sorted((event(m.event_id), m.unit_code, m.role, m.unit_name) for m in announced
                            if m.event_id.startswith(prefix)),
    }


async def _alone_and_together(dispatch, scenario) -> tuple[dict, dict]:
    """The scenario's messages for events "one…" handled one at a time, for events "all…" as
    one stream batch; what dispatch then holds for each."""
    for envelope in scenario("one"):
        async with dispatch.sessions() as session, session.begin():
            await dispatch.service.on_event_graded(session, envelope)
    await dispatch.graded_together(scenario("all"))
    return await _what_dispatch_holds(dispatch, "one"), await _what_dispatch_holds(dispatch, "all")


async def test_a_stream_batch_ends_as_its_messages_one_at_a_time_would(dispatch):
    """First levels, a raise and a lower 研判 of events created in the same batch, and an event
    whose superior notice came first: one batch leaves what one message at a time leaves."""
    def scenario(prefix: str) -> list:
        return [dispatch.level_message(f"{prefix}1", "IV", text="河西镇滨江小区停水"),
                dispatch.level_message(f"{prefix}2", "III", locality="qingshan", text="青山镇学校食堂食品安全"),
                dispatch.level_message(f"{prefix}1", "II", text="河西镇滨江小区停水三天", previous="IV"),
                dispatch.level_message(f"{prefix}2", "IV", locality="qingshan", previous="III"),
                dispatch.level_message(f"{prefix}n", "IV", locality="longtan", text="关于龙潭镇集市销售假冒化肥舆情的通报")]
    for prefix in ("one", "all"):
        await dispatch.notice(f"{prefix}n", dispatch.clock.now + dt.timedelta(hours=4))
    one_at_a_time, batched = await _alone_and_together(dispatch, scenario)
    assert batched == one_at_a_time
    assert batched["plans"] == [("1", "II"), ("2", "IV"), ("n", "IV")]
    raised = {(step, level) for event, _unit, step, _due, level in batched["deadlines"] if event == "1"}
    assert ("handover", "IV") in raised and any(level == "II" for _step, level in raised)
    assert any(step == "superior_feedback" for event, _unit, step, *_ in batched["deadlines"] if event == "n")
    assert {("2", "qingshan", "lead", "青山乡人民政府"), ("2", "jyj", "co", "县教育局")} <= set(batched["announced"])


async def test_stored_events_moved_in_one_batch_end_as_one_message_at_a_time_would(dispatch):
    """Events assigned by earlier batches, then moved in one batch: two raises of one event (the
    second adds only the steps the first did not), a lower 研判 then a raise above it, a raise of
    an event with co-units. The batch reads their assignments and steps once."""
    for prefix in ("one", "all"):
        await dispatch.graded(f"{prefix}1", "IV", text="河西镇滨江小区停水")
        await dispatch.graded(f"{prefix}2", "III", text="河西镇滨江小区停水")
        await dispatch.graded(f"{prefix}3", "IV", locality="qingshan", text="青山镇学校食堂食品安全")
    dispatch.clock.now += dt.timedelta(minutes=20)

    def moves(prefix: str) -> list:
        return [dispatch.level_message(f"{prefix}1", "III", previous="IV"),
                dispatch.level_message(f"{prefix}1", "I", previous="III"),
                dispatch.level_message(f"{prefix}2", "IV", previous="III"),
                dispatch.level_message(f"{prefix}2", "II", previous="IV"),
                dispatch.level_message(f"{prefix}3", "II", locality="qingshan", previous="IV")]
    one_at_a_time, batched = await _alone_and_together(dispatch, moves)
    assert batched == one_at_a_time
    assert batched["plans"] == [("1", "I"), ("2", "II"), ("3", "II")]
    assert {level for *_rest, level in batched["assignments"]} == {"I", "II"}
    steps_of_1 = [step for event, _unit, step, _due, _level in batched["deadlines"] if event == "1"]
    assert len(steps_of_1) == len(set(steps_of_1)) > 2     # each step once, whichever raise added it
    co_units = {unit for event, unit, role, *_ in batched["assignments"] if event == "3" and role == "co"}
    assert co_units and all(any(event == "3" and unit == co for event, unit, *_ in batched["deadlines"])
                            for co in co_units)


async def test_the_workflow_end_to_end_with_its_timeline(dispatch):
    await dispatch.graded("e2", "II", text="河西镇某小区燃气泄漏")
    lead = await _lead(dispatch, "e2")
    aid = lead["assignment_id"]
    with pytest.raises(NotFound):
        await dispatch.service.act(OTHER, aid, "acknowledge", Request())   # another unit's work: not even seen
    with pytest.raises(Conflict, match="待签收"):
        await dispatch.service.act(OFFICE, aid, "close", Request())       # no 办结 before 反馈
    await dispatch.service.act(HANDLER, aid, "acknowledge", Request())
    handover = (await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == aid,
                                    models.deadlines.c.step == "handover"))[0]
    assert handover["met_by"] == "hexi_jbr"
    await dispatch.service.act(HANDLER, aid, "start_verifying", Request())
    await dispatch.service.act(HANDLER, aid, "holding_answer", Request(text="正在核查，今日内答复"))
    with pytest.raises(InvalidInput) as caught:
        await dispatch.service.act(HANDLER, aid, "answer", Request(text="已核查"), [("x.exe", b"MZ")])
    assert caught.value.problems[0].field == "attachments[0]"
    await dispatch.service.act(HANDLER, aid, "answer", Request(text="经核查，燃气泄漏已处置"), [("核查报告.pdf", PDF)])
    assert (await _lead(dispatch, "e2"))["state"] == "awaiting_signoff"
    with pytest.raises(PermissionDenied):
        await dispatch.service.act(HANDLER, aid, "sign_off", Request())
    await dispatch.service.act(HEAD, aid, "sign_off", Request())
    row = await _lead(dispatch, "e2")
    assert row["state"] == "answered" and row["answered_at"] is not None
    unit_steps = await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == aid,
                                     models.deadlines.c.owner == "unit")
    assert unit_steps and all(d["met_at"] is not None for d in unit_steps)
    assert await _count(dispatch, models.timers, models.timers.c.deadline_id.in_([d["deadline_id"] for d in unit_steps])) == 0
    await dispatch.service.act(OFFICE, aid, "send_back", Request(reason="未说明原因"))
    assert (await _lead(dispatch, "e2"))["returns"] == 1
    await dispatch.service.act(HEAD, aid, "answer", Request(text="补充：系管道老化"))
    await dispatch.service.act(OFFICE, aid, "close", Request())
    row, _, actions, answers, attachments, _ = await dispatch.service.assignment(OFFICE, aid)
    assert row["state"] == "closed"
    assert [a["action"] for a in actions] == ["assigned", "acknowledge", "start_verifying", "holding_answer", "answer",
                                              "sign_off", "send_back", "answer", "close"]
    assert [a["actor"] for a in actions][1:3] == ["hexi_jbr", "hexi_jbr"]
    assert actions[6]["reason"] == "未说明原因" and actions[6]["from_state"] == "answered"
    assert [(a["kind"], a["signed_by"]) for a in answers] == [("holding", None), ("final", "hexi_fzr"),
                                                             ("final", "hexi_fzr")]
    assert [a["filename"] for a in attachments] == ["核查报告.pdf"]
    with pytest.raises(NotFound):
        await dispatch.service.assignment(OTHER, aid)


async def test_timers_warn_remind_and_supervise_once(dispatch):
    await dispatch.graded("e3", "IV", text="河西镇路灯不亮")
    lead = await _lead(dispatch, "e3")
    await dispatch.service.act(HANDLER, lead["assignment_id"], "acknowledge", Request())   # handover met

    async def fire_at(delta: dt.timedelta) -> int:
        """What fires at that moment, each timer firing in turn as the scheduler's loop does."""
        dispatch.clock.now = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC) + delta
        fired = 0
        while batch := await dispatch.service.fire_due_timers():
            fired += batch
        return fired

    async def pending() -> list[tuple[str, dt.datetime]]:
        return [(t["kind"], t["fire_at"]) for t in await dispatch.rows(
            models.timers, models.timers.c.assignment_id == lead["assignment_id"], models.timers.c.fired_at.is_(None))]

    # verify_explain: 1 working day from Friday 10:00 → Monday 10:00 (72 h calendar).
    assert await fire_at(dt.timedelta(hours=35)) == 0
    assert await fire_at(dt.timedelta(hours=36)) == 1                       # 50 %
    notes = await dispatch.rows(models.notifications, models.notifications.c.assignment_id == lead["assignment_id"])
    assert {n["username"] for n in notes} == {"hexi_jbr", "hexi_fzr"} and notes[0]["kind"] == "warn_50"
    assert "已用去 50% 时限" in notes[0]["title"]
    assert await fire_at(dt.timedelta(hours=36)) == 0                       # nothing twice
    friday = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    assert await pending() == [("warn_80", friday + dt.timedelta(hours=72 * 0.8))]
    assert await fire_at(dt.timedelta(hours=72)) == 2                       # 80 % and overdue (late scheduler)
    assert await pending() == [("supervise", friday + dt.timedelta(hours=72, minutes=30))]
    overdue = await dispatch.rows(models.notifications, models.notifications.c.kind == "overdue")
    on_duty = {"yqb", "jiance"} & {n["username"] for n in overdue}
    assert {"hexi_jbr", "hexi_fzr"} <= {n["username"] for n in overdue} and len(on_duty) == 1
    assert await fire_at(dt.timedelta(hours=72, minutes=30)) == 1          # 督办
    supervised = await dispatch.rows(models.notifications, models.notifications.c.kind == "supervise")
    assert [n["username"] for n in supervised] == ["leader"] and "【督办】" in supervised[0]["title"]
    records = await dispatch.service.accountability(OFFICE, "hexi")
    assert [(r["kind"], r["recorded_by"]) for r in records] == [("late", "system")]
    fired = await dispatch.rows(models.timers, models.timers.c.assignment_id == lead["assignment_id"])
    assert sorted((t["kind"], t["outcome"]) for t in fired) == [
        ("overdue", "fired"), ("supervise", "fired"), ("warn_50", "fired"), ("warn_80", "fired")]
    assert await fire_at(dt.timedelta(days=30)) == 0 and await pending() == []
    assert await dispatch.service.accountability(OTHER, "hexi") == []      # a unit sees its own records only


async def _fire_everything_due(dispatch, at: dt.datetime) -> int:
    dispatch.clock.now = at
    fired = 0
    while batch := await dispatch.service.fire_due_timers():
        fired += batch
    return fired


async def _handover(dispatch, event_id: str) -> dict:
    lead = await _lead(dispatch, event_id)
    return (await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == lead["assignment_id"],
                                models.deadlines.c.step == "handover"))[0]


async def test_a_deadline_written_with_all_its_timers_fires_each_once(dispatch):
    """Deadlines stored before timers were chained hold all four kinds as pending rows."""
    await dispatch.graded("legacy", "IV", text="河西镇旧时限")
    handover = await _handover(dispatch, "legacy")
    kinds = TimerPolicy().fire_times(handover["started_at"], handover["due_at"])
    async with dispatch.sessions() as session, session.begin():
        await session.execute(models.timers.insert(), [
            {"timer_id": new_id(), "deadline_id": handover["deadline_id"], "assignment_id": handover["assignment_id"],
             "kind": kind, "fire_at": at} for kind, at in kinds.items() if kind != "warn_50"])
    for kind, at in kinds.items():           # the scheduler wakes at each fire time
        assert await _fire_everything_due(dispatch, at) == 1, kind
    timers = await dispatch.rows(models.timers, models.timers.c.deadline_id == handover["deadline_id"])
    assert sorted((t["kind"], t["fire_at"], t["outcome"]) for t in timers) == sorted(
        (kind, at, "fired") for kind, at in kinds.items())


async def _drill_event(dispatch, event_id: str, speed: float) -> None:
    """A drill running `speed` times faster, and an event of it graded IV in 河西镇."""
    async with dispatch.sessions() as session, session.begin():
        await session.execute(models.drills.insert().values(
            drill_id=f"d-{event_id}", name="演练", speed=speed, status="running", scenario={}, started_by="admin",
            started_at=dispatch.clock.now))
    envelope = dispatch.level_message(event_id, "IV", text="河西镇演练事件", drill_id=f"d-{event_id}")
    async with dispatch.sessions() as session, session.begin():
        await dispatch.service.on_event_graded(session, envelope)


async def test_a_drills_supervision_grace_runs_at_its_speed(dispatch):
    await _drill_event(dispatch, "drill1", 60.0)
    handover = await _handover(dispatch, "drill1")
    assert handover["due_at"] - dispatch.clock.now == dt.timedelta(minutes=2)     # 2 hours at 60 times
    assert await _fire_everything_due(dispatch, handover["due_at"] + dt.timedelta(seconds=29)) == 3
    assert await _fire_everything_due(dispatch, handover["due_at"] + dt.timedelta(seconds=30)) == 1
    [supervised] = await dispatch.rows(models.timers, models.timers.c.deadline_id == handover["deadline_id"],
                                       models.timers.c.kind == "supervise")
    assert supervised["fire_at"] == handover["due_at"] + dt.timedelta(seconds=30)     # 30 minutes at 60 times


async def test_a_drills_extension_moves_its_timers_at_the_drills_speed(dispatch):
    await _drill_event(dispatch, "drill2", 60.0)
    aid = (await _lead(dispatch, "drill2"))["assignment_id"]
    [verify] = await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == aid,
                                   models.deadlines.c.step == "verify_explain")
    await _fire_everything_due(dispatch, verify["due_at"])            # warnings and 催办 fired; 督办 pending
    await dispatch.service.act(HEAD, aid, "request_extension", Request(reason="演练：需现场核实", minutes=60))
    await dispatch.service.act(OFFICE, aid, "approve_extension", Request())
    [moved] = await dispatch.rows(models.deadlines, models.deadlines.c.deadline_id == verify["deadline_id"])
    [pending] = await dispatch.rows(models.timers, models.timers.c.deadline_id == verify["deadline_id"],
                                    models.timers.c.fired_at.is_(None))
    assert moved["due_at"] - verify["due_at"] == dt.timedelta(minutes=60)
    assert (pending["kind"], pending["fire_at"]) == ("supervise", moved["due_at"] + dt.timedelta(seconds=30))


async def test_an_approved_extension_pauses_the_units_clock(dispatch):
    await dispatch.graded("e4", "IV", text="河西镇集市占道")
    aid = (await _lead(dispatch, "e4"))["assignment_id"]
    before = (await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == aid,
                                  models.deadlines.c.step == "verify_explain"))[0]
    await dispatch.service.act(HEAD, aid, "request_extension", Request(reason="需现场核实", minutes=240))
    with pytest.raises(Conflict):
        await dispatch.service.act(HEAD, aid, "request_extension", Request(reason="再延", minutes=60))
    def pending_timers():
        return dispatch.rows(models.timers, models.timers.c.deadline_id == before["deadline_id"],
                             models.timers.c.fired_at.is_(None))

    [warning] = await pending_timers()
    await dispatch.service.act(OFFICE, aid, "approve_extension", Request())
    after = (await dispatch.rows(models.deadlines, models.deadlines.c.deadline_id == before["deadline_id"]))[0]
    assert after["due_at"] - before["due_at"] == dt.timedelta(hours=4) and after["paused_minutes"] == 240
    [moved] = await pending_timers()
    assert moved["kind"] == "warn_50" and moved["fire_at"] - warning["fire_at"] == dt.timedelta(hours=4)
    office_step = (await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == aid,
                                       models.deadlines.c.step == "handover"))[0]
    assert office_step["paused_minutes"] == 0      # the office's own clock does not pause


async def test_return_refused_then_reassigned(dispatch):
    await dispatch.graded("e5", "IV", text="河西镇某企业排污")
    aid = (await _lead(dispatch, "e5"))["assignment_id"]
    await dispatch.service.act(HANDLER, aid, "acknowledge", Request())
    await dispatch.service.act(HANDLER, aid, "request_return", Request(reason="不属本镇管辖"))
    await dispatch.service.act(OFFICE, aid, "refuse_return", Request(reason="企业在本镇辖区"))
    assert (await _lead(dispatch, "e5"))["state"] == "acknowledged"
    new_id = await dispatch.service.act(OFFICE, aid, "reassign", Request(reason="改由青山乡办理", target_unit="qingshan"))
    old = (await dispatch.rows(models.assignments, models.assignments.c.assignment_id == aid))[0]
    assert (old["state"], old["successor_id"]) == ("reassigned", new_id)
    new = (await dispatch.rows(models.assignments, models.assignments.c.assignment_id == new_id))[0]
    assert (new["unit_code"], new["state"]) == ("qingshan", "pending_ack")
    steps = await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == new_id)
    assert [d["step"] for d in steps] == ["verify_explain"]     # the met hand-over is not asked again
    await dispatch.service.act(OTHER, new_id, "acknowledge", Request())
    with pytest.raises(NotFound):
        await dispatch.service.act(HANDLER, new_id, "start_verifying", Request())
    with pytest.raises(Conflict):
        await dispatch.service.act(OFFICE, new_id, "reassign", Request(reason="回到河西", target_unit="hexi"))


async def test_a_year_without_data_warns_until_an_admin_loads_it(dispatch):
    eve = dt.datetime(2026, 12, 31, 2, 0, tzinfo=dt.UTC)   # Thursday 10:00
    dispatch.clock.now = eve
    await dispatch.graded("e6", "IV", text="河西镇跨年活动", discovered=eve)
    aid = (await _lead(dispatch, "e6"))["assignment_id"]
    step = (await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == aid,
                                models.deadlines.c.step == "verify_explain"))[0]
    assert "2027年节假日安排未载入" in step["warning"]
    assert step["due_at"] == dt.datetime(2027, 1, 1, 2, 0, tzinfo=dt.UTC)   # Mon–Fri fallback: Friday 1 Jan
    with pytest.raises(InvalidInput):
        await dispatch.service.load_holiday_year(ADMIN, 2027, b'{"holidays": ["2027-02-30"]}', "bad.json")
    years = await dispatch.service.load_holiday_year(ADMIN, 2027, TEST_2027.read_bytes(), TEST_2027.name)
    assert [(y["year"], y["source"], y["loaded_by"]) for y in years] == [(2027, TEST_2027.name, "admin")]
    step = (await dispatch.rows(models.deadlines, models.deadlines.c.deadline_id == step["deadline_id"]))[0]
    assert step["warning"] == "" and step["due_at"] == dt.datetime(2027, 1, 4, 2, 0, tzinfo=dt.UTC)  # Monday 4 Jan
    timers = {t["kind"]: t["fire_at"] for t in await dispatch.rows(models.timers, models.timers.c.deadline_id == step["deadline_id"])}
    assert timers == {"warn_50": step["started_at"] + (step["due_at"] - step["started_at"]) / 2}   # halfway to Monday


async def test_two_replicas_fire_each_due_timer_exactly_once(dispatch, backend):
    if backend.database_url is None:
        pytest.skip("SQLite serialises writers: one dispatch process")
    for n in range(40):
        await dispatch.graded(f"bulk{n}", "II", text="河西镇某事")
    total = 4 * await _count(dispatch, models.deadlines)    # two warnings, 催办 and 督办 per deadline
    dispatch.clock.now += dt.timedelta(days=3)   # everything due
    replicas = [dispatch.make_service() for _ in range(2)]

    async def drain(service) -> int:
        fired = 0
        while batch := await service.fire_due_timers(limit=50):
            fired += batch
        return fired

    counts = await asyncio.gather(*(drain(r) for r in replicas))
    assert sum(counts) == total and all(counts)
    assert await _count(dispatch, models.timers, models.timers.c.outcome == "fired") == total
    assert await _count(dispatch, models.timers, models.timers.c.fired_at.is_(None)) == 0
    async with dispatch.sessions() as session:
        repeated = (await session.execute(select(models.notifications.c.dedup_key, func.count())
                                          .group_by(models.notifications.c.dedup_key).having(func.count() > 1))).all()
    assert repeated == []


async def test_a_superior_notices_deadline_is_tracked_like_any_step(dispatch):
    four_hours = dispatch.clock.now + dt.timedelta(hours=4)
    await dispatch.notice("n1", four_hours)                  # the notice arrives before grading
    await dispatch.graded("n1", "IV", text="关于龙潭镇集市销售假冒化肥舆情的通报", locality="longtan")
    lead = await _lead(dispatch, "n1")
    step = (await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == lead["assignment_id"],
                                models.deadlines.c.step == "superior_feedback"))[0]
    assert (step["due_at"], step["owner"], step["limit_text"]) == (four_hours, "office", "上级限定 2026-11-20 14:00")
    timers = {t["kind"]: t["fire_at"] for t in await dispatch.rows(models.timers, models.timers.c.deadline_id == step["deadline_id"])}
    assert timers == {"warn_50": dispatch.clock.now + dt.timedelta(hours=2)}
    await dispatch.notice("n1", four_hours + dt.timedelta(hours=1))     # a later notice: the earlier limit stands
    await dispatch.notice("n1", dispatch.clock.now + dt.timedelta(hours=2))   # an earlier one tightens it
    step = (await dispatch.rows(models.deadlines, models.deadlines.c.deadline_id == step["deadline_id"]))[0]
    assert step["due_at"] == dispatch.clock.now + dt.timedelta(hours=2)
    await dispatch.service.complete_step(OFFICE, lead["assignment_id"], "superior_feedback", "已书面反馈市委网信办")
    with pytest.raises(Conflict, match="已于"):
        await dispatch.service.complete_step(OFFICE, lead["assignment_id"], "superior_feedback", "")
    with pytest.raises(PermissionDenied):
        await dispatch.service.complete_step(Caller("fayanren", frozenset({"spokesperson"}), "wxb"),
                                             lead["assignment_id"], "handover", "")
    assert await _count(dispatch, models.timers, models.timers.c.deadline_id == step["deadline_id"],
                        models.timers.c.fired_at.is_(None)) == 0


async def test_scorecards_per_unit_and_period(dispatch):
    await dispatch.graded("s1", "IV", text="河西镇垃圾清运不及时")
    aid = (await _lead(dispatch, "s1"))["assignment_id"]
    dispatch.clock.advance(minutes=45)
    await dispatch.service.act(HANDLER, aid, "acknowledge", Request())
    dispatch.clock.advance(hours=5)
    await dispatch.service.act(HEAD, aid, "answer", Request(text="已清运"))
    cards = await dispatch.service.scorecards(OFFICE, dt.date(2026, 11, 20), dt.date(2026, 11, 20), None)
    hexi = next(c for c in cards if c.unit_code == "hexi")
    assert (hexi.assignments, hexi.acknowledged_on_time, hexi.ack_minutes_median, hexi.answer_minutes_median) == (
        1, 1, 45.0, 345.0)
    assert {c.unit_code for c in cards} >= {"hexi", "qingshan", "wxb"}
    mine = await dispatch.service.scorecards(OTHER, dt.date(2026, 11, 20), dt.date(2026, 11, 20), "hexi")
    assert [c.unit_code for c in mine] == ["qingshan"] and mine[0].assignments == 0   # a unit sees its own
    assert (await dispatch.service.scorecards(OFFICE, dt.date(2026, 11, 21), dt.date(2026, 11, 30), "hexi"))[0].assignments == 0
    with pytest.raises(InvalidInput):
        await dispatch.service.scorecards(OFFICE, dt.date(2026, 11, 30), dt.date(2026, 11, 1), None)


async def test_directory_roster_and_plan_versions(dispatch):
    with pytest.raises(PermissionDenied):
        await dispatch.service.save_unit(OFFICE, "lqz", "龙泉镇人民政府", "township", "", [], [], "")
    with pytest.raises(InvalidInput) as caught:
        await dispatch.service.save_unit(ADMIN, "yizhong", "县第一中学", "planet", "yizhong", [], ["娱乐"], "nobody")
    assert {p.field for p in caught.value.problems} == {"kind", "categories", "parent_code", "leader_username"}
    with pytest.raises(InvalidInput) as caught:   # the demo's 县一中 sits under 教育局: that would be a cycle
        await dispatch.service.save_unit(ADMIN, "jyj", "县教育局", "department", "yizhong", ["学校"], ["教育"], "leader")
    assert caught.value.problems[0].reason == "上下级关系不能成环"
    await dispatch.service.save_unit(ADMIN, "lqz", "龙泉镇人民政府", "township", "", [], [], "leader")
    assert {"lqz", "jyj"} <= {u["code"] for u in await dispatch.service.units()}
    await dispatch.service.save_person(ADMIN, "lqz_jbr", "龙潭镇新经办人", "longtan", ["unit_handler"], "lqz@demo.gov.cn",
                                       "13800000000", False)
    assert "lqz_jbr" in {p["username"] for p in await dispatch.service.people(OFFICE)}
    with pytest.raises(InvalidInput):
        await dispatch.service.save_person(ADMIN, "x", "X", "nowhere", ["wizard"], "not-an-email", "", False)

    night = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)       # 20:00 Shanghai
    shift = await dispatch.service.add_shift(OFFICE, "leader", night, night + dt.timedelta(hours=12))
    dispatch.clock.now = night + dt.timedelta(hours=1)
    shifts, on_duty = await dispatch.service.shifts(OFFICE, night, night + dt.timedelta(hours=12))
    assert shift in {s["shift_id"] for s in shifts} and "leader" in on_duty and "jiance" in on_duty
    with pytest.raises(InvalidInput):
        await dispatch.service.add_shift(OFFICE, "leader", night, night - dt.timedelta(hours=1))
    await dispatch.service.delete_shift(OFFICE, shift)
    assert "leader" not in (await dispatch.service.shifts(OFFICE, night, night))[1]

    await dispatch.graded("p1", "IV", text="河西镇某事")
    broken = ResponsePlan(0, {**DEFAULT_PLAN.steps, "IV": (Step("handover", "交办", "office", minutes=60, working_days=1),
                                                           Step("handover", "重复", "boss", minutes=30))})
    with pytest.raises(InvalidInput) as caught:
        await dispatch.service.save_plan(ADMIN, broken)
    assert {p.field for p in caught.value.problems} == {"levels.IV.steps[0]", "levels.IV.steps[1].key",
                                                        "levels.IV.steps[1].owner"}
    faster = ResponsePlan(0, {**DEFAULT_PLAN.steps, "IV": (Step("handover", "交办责任单位", "office", minutes=60),)})
    assert await dispatch.service.save_plan(ADMIN, faster) == 2
    await dispatch.graded("p2", "IV", text="河西镇另一事")
    old = await _lead(dispatch, "p1")
    new = await _lead(dispatch, "p2")
    assert (old["plan_version"], new["plan_version"]) == (1, 2)
    steps = await dispatch.rows(models.deadlines, models.deadlines.c.assignment_id == new["assignment_id"])
    assert [(d["step"], d["due_at"] - d["started_at"]) for d in steps] == [("handover", dt.timedelta(hours=1))]


async def test_the_demo_roster_has_someone_on_duty_before_eight_in_the_morning(dispatch):
    """Seeded at 03:00 Shanghai time, the roster starts with the night shift that began the
    evening before, so an early-morning alert has someone to reach."""
    from services.dispatch.repository import DispatchRepository
    from services.dispatch.seed import seed

    async with dispatch.sessions() as session, session.begin():
        await session.execute(delete(models.duty_roster))
    early = dt.datetime(2026, 11, 29, 19, 0, tzinfo=dt.UTC)     # 03:00 on 30 Nov in Shanghai
    await seed(dispatch.sessions, early)
    async with dispatch.sessions() as session:
        assert await DispatchRepository(session).on_duty(early) == ["jiance"]


async def test_deadlines_and_timers_always_have_their_parents_and_a_stray_one_is_counted(dispatch):
    """The schema no longer checks these references (docs/operations.md); what dispatch writes
    through assignment, level change, acknowledgement and every timer firing has its parents,
    and `orphans` finds the one row that does not."""
    await dispatch.graded("e9", "IV", text="河西镇路灯不亮")
    await dispatch.graded("e9", "III", text="河西镇路灯不亮")
    lead = await _lead(dispatch, "e9")
    await dispatch.service.act(HANDLER, lead["assignment_id"], "acknowledge", Request())
    assert await _fire_everything_due(dispatch, dispatch.clock.now + dt.timedelta(days=30)) > 0
    assert await _count(dispatch, models.deadlines) > 0 and await _count(dispatch, models.timers) > 0
    assert await stray_rows(dispatch.sessions, models.UNENFORCED_REFERENCES) == [0, 0]
    async with dispatch.sessions() as session, session.begin():
        await session.execute(models.timers.insert().values(
            timer_id=new_id(), deadline_id="no-such-deadline", assignment_id=lead["assignment_id"], kind="warn_50",
            fire_at=dispatch.clock.now))
    assert await stray_rows(dispatch.sessions, models.UNENFORCED_REFERENCES) == [0, 1]
