import datetime as dt
from pathlib import Path

import pytest

from services.dispatch.calendar import WorkCalendar, YearSchedule, parse_schedule
from services.dispatch.domain import DEFAULT_PLAN, UnitProfile, deadlines_for, route
from yuqing.core.dates import SHANGHAI
from yuqing.core.errors import InvalidInput

add_working_days = WorkCalendar().add_working_days
TEST_2027 = Path(__file__).parents[1] / "data" / "holidays-2027-test.csv"

START = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)  # Sunday 11:00 in Shanghai


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI).replace(tzinfo=None)


def test_major_plan_limits_follow_the_seed():
    due = {d.step.key: d.due_at - START for d in deadlines_for(DEFAULT_PLAN, "II", START, {"office", "unit", "spokesperson"})}
    assert due == {
        "oral_report": dt.timedelta(minutes=30), "written_report": dt.timedelta(minutes=90),
        "handover": dt.timedelta(hours=2), "first_response": dt.timedelta(hours=3),
        "authoritative_release": dt.timedelta(hours=5), "media_reply": dt.timedelta(hours=12),
        "verified_result": dt.timedelta(hours=24),
    }


def test_especially_major_adds_superior_report_and_press_conference():
    keys = {d.step.key for d in deadlines_for(DEFAULT_PLAN, "I", START, {"office", "unit", "spokesperson"})}
    assert {"superior_report", "press_conference", "oral_report", "verified_result"} <= keys


def test_co_units_get_only_their_own_steps_and_skips_are_honoured():
    steps = deadlines_for(DEFAULT_PLAN, "II", START, {"unit"}, skip_steps={"media_reply"})
    assert [d.step.key for d in steps] == ["verified_result"]


def test_working_day_skips_weekend_and_national_day_holiday():
    before_break = dt.datetime(2026, 9, 30, 7, 0, tzinfo=dt.UTC)  # Wed 30 Sep 15:00, before 国庆 (1–7 Oct)
    reckoned = add_working_days(before_break, 1)
    assert local(reckoned.due_at) == dt.datetime(2026, 10, 8, 15, 0)
    assert reckoned.warning == ""


def test_one_working_day_from_the_eve_of_national_day_2026():
    eve = dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC)  # Wed 30 Sep 17:00
    assert local(add_working_days(eve, 1).due_at) == dt.datetime(2026, 10, 8, 17, 0)
    friday = dt.datetime(2026, 10, 9, 9, 0, tzinfo=dt.UTC)  # Fri 9 Oct 17:00, the Friday before 调休 Sat 10 Oct
    assert local(add_working_days(friday, 1).due_at) == dt.datetime(2026, 10, 10, 17, 0)
    spring = dt.datetime(2026, 2, 13, 9, 0, tzinfo=dt.UTC)  # Fri 13 Feb 17:00; Sat 14 Feb is 调休 work
    assert local(add_working_days(spring, 1).due_at) == dt.datetime(2026, 2, 14, 17, 0)


def test_make_up_saturday_counts_as_working_day():
    friday = dt.datetime(2026, 10, 9, 1, 0, tzinfo=dt.UTC)  # Fri 9 Oct 09:00; Sat 10 Oct is 调休 work
    assert local(add_working_days(friday, 1).due_at) == dt.datetime(2026, 10, 10, 9, 0)


def test_rest_day_start_counts_from_next_working_morning():
    reckoned = add_working_days(START, 1)  # Sunday → Monday 09:00 → Tuesday 09:00
    assert local(reckoned.due_at) == dt.datetime(2026, 11, 24, 9, 0)


def test_year_without_calendar_warns_and_falls_back_to_weekdays():
    new_year_eve = dt.datetime(2026, 12, 31, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00
    reckoned = add_working_days(new_year_eve, 1)
    assert local(reckoned.due_at) == dt.datetime(2027, 1, 1, 10, 0)
    assert "2027年节假日安排未载入" in reckoned.warning


def test_a_loaded_year_makes_2027_exact():
    new_year_eve = dt.datetime(2026, 12, 31, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00
    schedule = parse_schedule(2027, TEST_2027.read_bytes(), TEST_2027.name)
    calendar = WorkCalendar({2027: schedule})
    reckoned = calendar.add_working_days(new_year_eve, 1)
    # 1–3 Jan rest (the file's 元旦), so the first working day after the eve is Monday 4 Jan.
    assert local(reckoned.due_at) == dt.datetime(2027, 1, 4, 10, 0) and reckoned.warning == ""
    assert calendar.known(2027) and not WorkCalendar().known(2027)
    # A make-up Sunday in the file counts as a working day.
    assert calendar.is_workday(dt.date(2027, 2, 7)) == (True, True)


def test_loaded_year_overrides_the_package():
    moved = YearSchedule(2026, frozenset({dt.date(2026, 10, 8)}))
    eve = dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC)
    assert local(WorkCalendar({2026: moved}).add_working_days(eve, 1).due_at) == dt.datetime(2026, 10, 1, 17, 0)


@pytest.mark.parametrize(("data", "field", "phrase"), [
    (b'{"holidays": ["2027-13-01"]}', "holidays[0]", "不是 YYYY-MM-DD"),
    (b'{"holidays": ["2026-10-01"]}', "holidays[0]", "不在 2027 年"),
    (b'{"holidays": ["2027-01-01"], "workdays": ["2027-01-06"]}', "workdays[0]", "调休上班日应在周末"),
    (b'{"holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}', "file", "同时被列为放假和上班"),
    (b'{"year": 2028, "holidays": ["2027-01-01"]}', "year", "与 2027 不符"),
    (b'{"holidays": []}', "holidays", "没有任何放假日期"),
    (b"2027-01-01\n", "line 1", "每行应为"),
    (b"{not json", "file", "第 1 行"),
    ("2027-01-01,休".encode("gbk"), "file", "UTF-8"),
])
def test_bad_schedules_are_refused_naming_the_line(data, field, phrase):
    with pytest.raises(InvalidInput) as caught:
        parse_schedule(2027, data)
    problems = {p.field: p.reason for p in caught.value.problems}
    assert field in problems and phrase in problems[field], problems


def test_routing_locality_leads_competent_department_assists():
    units = [UnitProfile("chengguan", "城关镇", "township"),
             UnitProfile("jyj", "县教育局", "department", ("学校", "食堂")),
             UnitProfile("yjj", "县应急管理局", "department", ("煤矿", "事故"))]
    assert route("chengguan", "县一中食堂饭菜变质", units, "wxb").lead == "chengguan"
    assert route("chengguan", "县一中食堂饭菜变质", units, "wxb").co == ("jyj",)
    assert route("", "煤矿事故", units, "wxb").lead == "yjj"
    assert route("", "与本县无关", units, "wxb").lead == "wxb"


def test_scorecard_figures():
    from services.dispatch.domain import scorecard

    t0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    minutes = lambda n: t0 + dt.timedelta(minutes=n)  # noqa: E731

    def assignment(aid, ack, answer, returns=0, state="answered"):
        return {"assignment_id": aid, "created_at": t0, "acknowledged_at": ack and minutes(ack),
                "answered_at": answer and minutes(answer), "returns": returns, "state": state}

    assignments = [assignment("a", 30, 300), assignment("b", 150, 600, returns=1), assignment("c", None, None, state="returned"),
                   assignment("d", 10, None, state="verifying")]
    deadlines = [{"assignment_id": "a", "step": "handover", "owner": "office", "due_at": minutes(120), "met_at": minutes(30)},
                 {"assignment_id": "b", "step": "handover", "owner": "office", "due_at": minutes(120), "met_at": minutes(150)},
                 {"assignment_id": "a", "step": "verify", "owner": "unit", "due_at": minutes(400), "met_at": minutes(300)},
                 {"assignment_id": "b", "step": "verify", "owner": "unit", "due_at": minutes(400), "met_at": minutes(600)},
                 {"assignment_id": "d", "step": "verify", "owner": "unit", "due_at": minutes(400), "met_at": None}]
    card = scorecard("hexi", assignments, deadlines, supervised=1, accountability=2, now=minutes(500))
    assert (card.assignments, card.acknowledged, card.acknowledged_on_time) == (4, 3, 2)   # b acknowledged late
    assert card.on_time_rate == 0.5
    assert (card.ack_minutes_median, card.ack_minutes_p90) == (30.0, 150.0)
    assert (card.answer_minutes_median, card.answer_minutes_p90) == (300.0, 600.0)
    assert card.overdue_steps == 2            # b answered after its limit; d still open past it
    assert (card.supervised, card.sent_back, card.returned, card.accountability) == (1, 1, 1, 2)
    empty = scorecard("qingshan", [], [], 0, 0, minutes(0))
    assert empty.on_time_rate is None and empty.ack_minutes_median is None


def test_routing_competence_by_sensitive_category_before_keywords():
    units = [UnitProfile("chengguan", "城关镇", "township"),
             UnitProfile("jyj", "县教育局", "department", ("学校", "食堂"), ("教育",)),
             UnitProfile("scjg", "县市场监管局", "department", ("变质",), ("食品安全",))]
    text = "县一中食堂饭菜，学校食堂"   # the education bureau's words
    assert route("chengguan", text, units, "wxb").co == ("jyj",)
    assert route("chengguan", text, units, "wxb", ("食品安全",)).co == ("scjg",)
    assert route("", "无关文字", units, "wxb", ("食品安全",)).lead == "scjg"


def test_timer_policy_fires_warnings_overdue_and_supervision_in_order():
    from services.dispatch.domain import TimerPolicy

    start = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    deadline = {"started_at": start, "due_at": start + dt.timedelta(hours=10), "paused_minutes": 0}
    policy, fired, sequence = TimerPolicy(), set(), []
    while (timer := policy.next_timer(deadline, fired)) is not None:
        sequence.append(timer)
        fired.add(timer[0])
    hours = dt.timedelta(hours=1)
    assert sequence == [("warn_50", start + 5 * hours), ("warn_80", start + 8 * hours), ("overdue", start + 10 * hours),
                        ("supervise", start + 10 * hours + dt.timedelta(minutes=30))]
    assert list(policy.fire_times(start, start + 10 * hours).items()) == sequence
    # An approved extension's paused time is not working time: warnings move, the due time stands.
    paused = {**deadline, "paused_minutes": 120}
    assert policy.next_timer(paused) == ("warn_50", start + 6 * hours)
    assert policy.next_timer(paused, ["warn_50", "warn_80"]) == ("overdue", start + 10 * hours)
    # Warnings configured in any order fire earliest first.
    assert [kind for kind in TimerPolicy((0.9, 0.25)).fire_times(start, start + 10 * hours)] == [
        "warn_25", "warn_90", "overdue", "supervise"]
