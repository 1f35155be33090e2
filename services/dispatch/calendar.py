"""Working time on China's public-holiday calendar, with make-up working days (调休).

Years covered by the `chinese-calendar` package are exact. For a year without data the
clock falls back to Monday–Friday and every deadline reckoned that way carries a visible
warning (docs/dispatch.md), never a crash or a silent guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKDAY_START = dt.time(9, 0)


@dataclass(frozen=True)
class Reckoned:
    due_at: dt.datetime
    warning: str = ""


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(working day?, known from calendar data?)"""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: dt.datetime, days: int) -> Reckoned:
    """The same Shanghai clock time on the `days`-th working day after `start`. A start on a
    rest day counts from 09:00 of the next working day."""
    local = start.astimezone(SHANGHAI)
    missing_years: set[int] = set()
    working, known = is_workday(local.date())
    if not known:
        missing_years.add(local.year)
    if not working:
        day = local.date()
        while True:
            day += dt.timedelta(days=1)
            working, known = is_workday(day)
            if not known:
                missing_years.add(day.year)
            if working:
                break
        local = dt.datetime.combine(day, WORKDAY_START, SHANGHAI)
    day, counted = local.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        working, known = is_workday(day)
        if not known:
            missing_years.add(day.year)
        counted += working
    due = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), SHANGHAI)
    warning = ""
    if missing_years:
        years = "、".join(str(y) for y in sorted(missing_years))
        warning = f"{years}年节假日安排未载入，工作日按周一至周五推算，请管理员载入当年日历"
    return Reckoned(due.astimezone(dt.UTC), warning)
