"""Working time on China's public-holiday calendar, with make-up working days (调休).

A year an admin loaded (from a file or the API) is used as loaded; otherwise a year covered by
the `chinese-calendar` package is exact; for a year with neither the clock falls back to
Monday–Friday and every deadline reckoned that way carries a visible warning
(docs/dispatch.md), never a crash or a silent guess. No I/O here: the service hands in the
loaded years.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

import chinese_calendar

from yuqing.core.dates import SHANGHAI
from yuqing.core.errors import FieldProblem, InvalidInput

WORKDAY_START = dt.time(9, 0)
MAX_SCHEDULE_BYTES = 256 * 1024
_REST_WORDS = {"休", "假", "holiday", "rest", "off"}
_WORK_WORDS = {"班", "work", "workday", "working"}


@dataclass(frozen=True)
class YearSchedule:
    """One year's State Council schedule: the rest days of its holidays and its make-up
    working days on weekends."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date] = frozenset()

    def to_json(self) -> dict:
        return {"year": self.year, "holidays": sorted(d.isoformat() for d in self.holidays),
                "workdays": sorted(d.isoformat() for d in self.workdays)}


@dataclass(frozen=True)
class Reckoned:
    due_at: dt.datetime
    warning: str = ""


def missing_years_warning(years: set[int]) -> str:
    listed = "、".join(str(y) for y in sorted(years))
    return f"{listed}年节假日安排未载入，工作日按周一至周五推算，请管理员载入当年日历"


@dataclass(frozen=True)
class WorkCalendar:
    loaded: dict[int, YearSchedule] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(working day?, known from calendar data?)"""
        schedule = self.loaded.get(day.year)
        if schedule is not None:
            return day in schedule.workdays or (day.weekday() < 5 and day not in schedule.holidays), True
        try:
            return chinese_calendar.is_workday(day), True
        except NotImplementedError:
            return day.weekday() < 5, False

    def known(self, year: int) -> bool:
        return self.is_workday(dt.date(year, 6, 1))[1]

    def add_working_days(self, start: dt.datetime, days: int) -> Reckoned:
        """The same Shanghai clock time on the `days`-th working day after `start`. A start on
        a rest day counts from 09:00 of the next working day."""
        local = start.astimezone(SHANGHAI)
        missing: set[int] = set()

        def working(day: dt.date) -> bool:
            result, known = self.is_workday(day)
            if not known:
                missing.add(day.year)
            return result

        if not working(local.date()):
            day = local.date() + dt.timedelta(days=1)
            while not working(day):
                day += dt.timedelta(days=1)
            local = dt.datetime.combine(day, WORKDAY_START, SHANGHAI)
        day, counted = local.date(), 0
        while counted < days:
            day += dt.timedelta(days=1)
            counted += working(day)
        due = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), SHANGHAI)
        return Reckoned(due.astimezone(dt.UTC), missing_years_warning(missing) if missing else "")


def parse_schedule(year: int, data: bytes, filename: str = "") -> YearSchedule:
    """A year's schedule from JSON (`{"holidays": [...], "workdays": [...]}`) or CSV/text
    (`2027-01-01,休` / `2027-02-07,班` per line), checked: every date in that year, make-up
    working days on weekends, no day both."""
    if len(data) > MAX_SCHEDULE_BYTES:
        raise InvalidInput("日历文件过大", [FieldProblem("file", f"最多 {MAX_SCHEDULE_BYTES // 1024} KiB")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("日历文件不是 UTF-8 文本", [FieldProblem("file", "请以 UTF-8 编码保存")]) from None
    problems: list[FieldProblem] = []
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()

    def add(raw: str, kind: str, where: str) -> None:
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            problems.append(FieldProblem(where, f"「{raw.strip()}」不是 YYYY-MM-DD 日期"))
            return
        if day.year != year:
            problems.append(FieldProblem(where, f"{day} 不在 {year} 年"))
        elif kind == "work" and day.weekday() < 5:
            problems.append(FieldProblem(where, f"{day} 是周{'一二三四五'[day.weekday()]}，调休上班日应在周末"))
        else:
            (holidays if kind == "rest" else workdays).add(day)

    stripped = text.lstrip()
    if stripped.startswith("{") or filename.endswith(".json"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidInput("日历文件不是合法的 JSON", [FieldProblem("file", f"第 {error.lineno} 行：{error.msg}")]) from None
        if not isinstance(body, dict):
            raise InvalidInput("日历文件格式有误", [FieldProblem("file", '应为 {"holidays": [...], "workdays": [...]}')])
        if body.get("year") not in (None, year):
            problems.append(FieldProblem("year", f"文件中的年份 {body.get('year')} 与 {year} 不符"))
        for key, kind in (("holidays", "rest"), ("workdays", "work")):
            values = body.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                problems.append(FieldProblem(key, "应为日期字符串列表"))
                continue
            for index, value in enumerate(values):
                add(value, kind, f"{key}[{index}]")
    else:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or not row[0].strip() or row[0].strip().startswith("#"):
                continue
            if len(row) < 2 or row[1].strip().lower() not in _REST_WORDS | _WORK_WORDS:
                problems.append(FieldProblem(f"line {number}", "每行应为「日期,休」或「日期,班」"))
                continue
            add(row[0], "rest" if row[1].strip().lower() in _REST_WORDS else "work", f"line {number}")
    for day in sorted(holidays & workdays):
        problems.append(FieldProblem("file", f"{day} 同时被列为放假和上班"))
    if not holidays and not problems:
        problems.append(FieldProblem("holidays", f"{year} 年没有任何放假日期，请检查文件"))
    if problems:
        raise InvalidInput(f"{year} 年节假日安排有误", problems)
    return YearSchedule(year, frozenset(holidays), frozenset(workdays))
