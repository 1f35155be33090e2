import datetime as dt

from services.dispatch.calendar import SHANGHAI, add_working_days
from services.dispatch.domain import DEFAULT_PLAN, UnitProfile, deadlines_for, route

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


def test_routing_locality_leads_competent_department_assists():
    units = [UnitProfile("chengguan", "城关镇", "township"),
             UnitProfile("jyj", "县教育局", "department", ("学校", "食堂")),
             UnitProfile("yjj", "县应急管理局", "department", ("煤矿", "事故"))]
    assert route("chengguan", "县一中食堂饭菜变质", units, "wxb").lead == "chengguan"
    assert route("chengguan", "县一中食堂饭菜变质", units, "wxb").co == ("jyj",)
    assert route("", "煤矿事故", units, "wxb").lead == "yjj"
    assert route("", "与本县无关", units, "wxb").lead == "wxb"
