"""Dispatch domain: response plans, deadlines, routing to responsible units. No I/O."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from services.dispatch.calendar import WorkCalendar
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.levels import LEVELS

ROLE_NAMES = {"lead": "主办", "co": "协办"}
OWNER_NAMES = {"office": "舆情办", "unit": "责任单位", "spokesperson": "新闻发言人"}


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    owner: str             # office, unit, spokesperson
    minutes: int = 0       # calendar clock, when set
    working_days: int = 0  # working-time clock, when set

    @property
    def clock(self) -> str:
        return "working" if self.working_days else "calendar"

    @property
    def limit(self) -> str:
        if self.working_days:
            return f"{self.working_days}个工作日"
        if self.minutes % 60:
            return f"{self.minutes}分钟"
        return f"{self.minutes // 60}小时"


@dataclass(frozen=True)
class ResponsePlan:
    version: int
    steps: dict[str, tuple[Step, ...]]  # level → steps

    def to_json(self) -> dict:
        return {level: [asdict(s) for s in steps] for level, steps in self.steps.items()}

    @classmethod
    def from_json(cls, version: int, body: dict) -> ResponsePlan:
        return cls(version, {level: tuple(Step(**s) for s in steps) for level, steps in body.items()})


_MAJOR_STEPS = (
    Step("oral_report", "口头报告县领导", "office", minutes=30),
    Step("written_report", "书面报告", "office", minutes=90),
    Step("handover", "交办责任单位", "office", minutes=120),
    Step("first_response", "首次回应（跟帖或通稿）", "spokesperson", minutes=180),
    Step("authoritative_release", "权威发布", "spokesperson", minutes=300),
    Step("media_reply", "通过媒体正面回应", "unit", minutes=720),
    Step("verified_result", "核查结果反馈（最迟48小时）", "unit", minutes=1440),
)

# The seed procedure's limits (DESIGN.md §2.3).
DEFAULT_PLAN = ResponsePlan(
    version=1,
    steps={
        "I": (Step("superior_report", "报告上级网信部门", "office", minutes=30), *_MAJOR_STEPS,
              Step("press_conference", "召开新闻发布会", "spokesperson", minutes=1440)),
        "II": _MAJOR_STEPS,
        "III": (Step("oral_report", "口头报告舆情办分管领导", "office", minutes=30), *_MAJOR_STEPS[1:]),
        "IV": (Step("handover", "交办责任单位", "office", minutes=120),
               Step("verify_explain", "核查并正面说明", "unit", working_days=1)),
        "V": (Step("answer", "相关单位答复", "unit", minutes=2880),),
    },
)
assert set(DEFAULT_PLAN.steps) == set(LEVELS)


@dataclass(frozen=True)
class Deadline:
    step: Step
    due_at: dt.datetime
    basis_level: str
    started_at: dt.datetime
    warning: str = ""


def deadlines_for(plan: ResponsePlan, level: str, start: dt.datetime, owners: set[str],
                  skip_steps: set[str] = frozenset(), calendar: WorkCalendar = WorkCalendar(),
                  speed: float = 1.0) -> list[Deadline]:
    """Deadlines of the level's steps, clocks starting at `start`, for the owners given. A
    drill's clocks run `speed` times faster: each limit is its real length divided by speed."""
    result = []
    for step in plan.steps[level]:
        if step.owner not in owners or step.key in skip_steps:
            continue
        if step.working_days:
            reckoned = calendar.add_working_days(start, step.working_days)
            due, warning = reckoned.due_at, reckoned.warning
        else:
            due, warning = start + dt.timedelta(minutes=step.minutes), ""
        result.append(Deadline(step, due if speed == 1.0 else start + (due - start) / speed, level, start, warning))
    return result


@dataclass(frozen=True)
class UnitProfile:
    code: str
    name: str
    kind: str
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()   # sensitive categories the department is competent for


@dataclass(frozen=True)
class Routing:
    lead: str
    co: tuple[str, ...]


def route(locality: str, text: str, units: list[UnitProfile], fallback: str,
          categories: tuple[str, ...] = ()) -> Routing:
    """属地管理、谁主管谁负责: the township named leads and the competent department assists;
    with no township, the department leads; with neither, the opinion office keeps it. The
    competent department is the one whose categories the event's sensitive categories name
    (食品安全 → 市场监管), else the one whose keywords the text mentions most."""
    by_code = {u.code: u for u in units}
    township = locality if locality in by_code else ""
    departments = [u for u in units if u.kind == "department"]

    def relevance(unit: UnitProfile) -> tuple[int, int]:
        return len(set(unit.categories) & set(categories)), sum(text.count(k) for k in unit.keywords)

    competent = max(departments, key=relevance, default=None)
    department = competent.code if competent and any(relevance(competent)) else ""
    if township:
        return Routing(township, (department,) if department else ())
    if department:
        return Routing(department, ())
    return Routing(fallback, ())


@dataclass(frozen=True)
class TimerPolicy:
    """When a deadline's timers fire: warnings at fractions of its limit (default 50 % and
    80 %), overdue (催办) at 100 %, 督办 a grace period later."""

    warnings: tuple[float, ...] = (0.5, 0.8)
    supervise_after: dt.timedelta = dt.timedelta(minutes=30)

    @functools.cached_property
    def _warning_kinds(self) -> tuple[tuple[str, float], ...]:
        return tuple((f"warn_{round(f * 100)}", f) for f in sorted(self.warnings))

    def _timeline(self, started_at: dt.datetime, due_at: dt.datetime,
                  paused_minutes: int = 0) -> Iterator[tuple[str, dt.datetime]]:
        running_from = started_at + dt.timedelta(minutes=paused_minutes) if paused_minutes else started_at
        limit = due_at - running_from
        for kind, fraction in self._warning_kinds:
            yield kind, running_from + limit * fraction
        yield "overdue", due_at
        yield "supervise", due_at + self.supervise_after

    def fire_times(self, started_at: dt.datetime, due_at: dt.datetime, paused_minutes: int = 0) -> dict[str, dt.datetime]:
        """Timer kind → when it fires, earliest first. Paused time (approved extensions) is not
        working time."""
        return dict(self._timeline(started_at, due_at, paused_minutes))

    def next_timer(self, deadline: dict, fired: Iterable[str] = ()) -> tuple[str, dt.datetime] | None:
        """The deadline's earliest timer not yet fired. A deadline has one pending timer row at a
        time; firing it adds the next, so a deadline costs one row (not one per kind) until it
        comes near, and a step met early never had the later ones written. Works out only the
        times it needs: a new deadline's first timer (every assignment writes ≈ 8) is one."""
        fired = set(fired)
        timeline = self._timeline(deadline["started_at"], deadline["due_at"], deadline.get("paused_minutes") or 0)
        return next(((kind, at) for kind, at in timeline if kind not in fired), None)


@dataclass(frozen=True)
class Scorecard:
    """考核 for one unit over a period (docs/dispatch.md defines each figure)."""

    unit_code: str
    assignments: int
    acknowledged: int
    acknowledged_on_time: int
    ack_minutes_median: float | None
    ack_minutes_p90: float | None
    answer_minutes_median: float | None
    answer_minutes_p90: float | None
    overdue_steps: int
    supervised: int
    sent_back: int
    returned: int
    accountability: int

    @property
    def on_time_rate(self) -> float | None:
        return round(self.acknowledged_on_time / self.assignments, 3) if self.assignments else None


def _quantile(values: list[float], share: float) -> float | None:
    """Nearest-rank quantile, in minutes rounded to one decimal."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))], 1)


def _step_late(deadline: dict, now: dt.datetime) -> float | None:
    """Minutes late of a unit step (met late, or open past due), None when on time or not yet due."""
    done = deadline["met_at"] or (now if deadline["due_at"] < now else None)
    if done is None or done <= deadline["due_at"]:
        return None
    return round((done - deadline["due_at"]).total_seconds() / 60, 1)


def scorecard(unit_code: str, assignments: list[dict], deadlines: list[dict], supervised: int, accountability: int,
              now: dt.datetime, ack_limit: dt.timedelta = dt.timedelta(hours=2)) -> Scorecard:
    """Acknowledgement counts as on time when it came before the hand-over step's due time (the
    plan's 2 hours when the plan has no such step); an overdue step is a unit step met after its
    due time, or still open past it."""
    handover_due = {d["assignment_id"]: d["due_at"] for d in deadlines if d["step"] == "handover"}
    ack, answer, on_time = [], [], 0
    for a in assignments:
        if a["acknowledged_at"] is not None:
            ack.append((a["acknowledged_at"] - a["created_at"]).total_seconds() / 60)
            if a["acknowledged_at"] <= handover_due.get(a["assignment_id"], a["created_at"] + ack_limit):
                on_time += 1
        if a["answered_at"] is not None:
            answer.append((a["answered_at"] - a["created_at"]).total_seconds() / 60)
    overdue = sum(1 for d in deadlines if d["owner"] == "unit" and _step_late(d, now) is not None)
    return Scorecard(unit_code, len(assignments), len(ack), on_time, _quantile(ack, 0.5), _quantile(ack, 0.9),
                     _quantile(answer, 0.5), _quantile(answer, 0.9), overdue, supervised,
                     sum(a["returns"] for a in assignments), sum(1 for a in assignments if a["state"] == "returned"),
                     accountability)


@dataclass
class PeriodWork:
    """Everything a period's scorecards and handling report are reckoned from (drills excluded)."""

    assignments: list[dict]
    deadlines: list[dict]
    supervised: list[dict]          # 督办 timers fired: assignment_id, deadline_id, fired_at
    accountability: dict[str, int]  # unit → records in the period
    names: dict[str, str]           # unit code → name

    def by_unit(self) -> tuple[dict[str, list], dict[str, list], dict[str, int]]:
        assignments: dict[str, list[dict]] = defaultdict(list)
        for assignment in self.assignments:
            assignments[assignment["unit_code"]].append(assignment)
        unit_of = {a["assignment_id"]: a["unit_code"] for a in self.assignments}
        deadlines: dict[str, list[dict]] = defaultdict(list)
        for deadline in self.deadlines:
            deadlines[unit_of[deadline["assignment_id"]]].append(deadline)
        supervised: dict[str, int] = defaultdict(int)
        for timer in self.supervised:
            supervised[unit_of[timer["assignment_id"]]] += 1
        return assignments, deadlines, supervised

    def scorecards(self, units: list[str], now: dt.datetime) -> list[Scorecard]:
        assignments, deadlines, supervised = self.by_unit()
        return [scorecard(code, assignments[code], deadlines[code], supervised[code],
                          self.accountability.get(code, 0), now) for code in units]


@dataclass
class HandlingReport:
    """处置情况 of a period (docs/dispatch.md): what a bulletin's handling section shows."""

    scorecards: list[Scorecard]
    steps_due: int
    steps_on_time: int
    overdue: list[dict]          # every overdue unit step, latest due first
    supervised: list[dict]       # every 督办, latest first
    names: dict[str, str]
    answered: int
    closed: int

    @property
    def assignments(self) -> int:
        return sum(c.assignments for c in self.scorecards)

    @property
    def acknowledged_on_time(self) -> int:
        return sum(c.acknowledged_on_time for c in self.scorecards)


def handling_report(period: PeriodWork, now: dt.datetime) -> HandlingReport:
    """A unit step counts once it is met or due; it is on time when met by its due time."""
    assignment_of = {a["assignment_id"]: a for a in period.assignments}
    deadline_of = {d["deadline_id"]: d for d in period.deadlines}
    unit_steps = [d for d in period.deadlines if d["owner"] == "unit" and (d["met_at"] is not None or d["due_at"] <= now)]
    overdue = []
    for deadline in unit_steps:
        late = _step_late(deadline, now)
        if late is not None:
            overdue.append({**deadline, "late_minutes": late,
                            "event_id": assignment_of[deadline["assignment_id"]]["event_id"],
                            "unit_code": assignment_of[deadline["assignment_id"]]["unit_code"]})
    overdue.sort(key=lambda d: (d["due_at"], d["deadline_id"]), reverse=True)
    supervised = [{**timer, "event_id": assignment_of[timer["assignment_id"]]["event_id"],
                   "unit_code": assignment_of[timer["assignment_id"]]["unit_code"],
                   "step_name": deadline_of[timer["deadline_id"]]["step_name"] if timer["deadline_id"] in deadline_of else ""}
                  for timer in period.supervised]
    supervised.sort(key=lambda t: (t["fired_at"], t["assignment_id"]), reverse=True)
    units = sorted({a["unit_code"] for a in period.assignments})
    return HandlingReport(period.scorecards(units, now), len(unit_steps), len(unit_steps) - len(overdue), overdue,
                          supervised, period.names,
                          sum(1 for a in period.assignments if a["answered_at"] is not None),
                          sum(1 for a in period.assignments if a["closed_at"] is not None))


UNIT_KINDS = {"office": "舆情办", "township": "乡镇", "department": "部门", "school": "学校", "hospital": "医院",
              "enterprise": "企业"}
MAX_SHIFT = dt.timedelta(days=7)


def validate_plan(plan: ResponsePlan) -> ResponsePlan:
    """Every level has steps; each step one clock (minutes or working days), a known owner, a
    key used once per level."""
    problems = []
    for level in LEVELS:
        steps = plan.steps.get(level)
        if not steps:
            problems.append(FieldProblem(f"levels.{level}", "每个级别至少要有一个环节"))
            continue
        seen: set[str] = set()
        for index, step in enumerate(steps):
            where = f"levels.{level}.steps[{index}]"
            if not step.key or not step.key.replace("_", "").isalnum() or len(step.key) > 64:
                problems.append(FieldProblem(f"{where}.key", "环节代码须为字母、数字或下划线"))
            elif step.key in seen:
                problems.append(FieldProblem(f"{where}.key", f"环节 {step.key} 在本级别重复"))
            seen.add(step.key)
            if not step.name.strip() or len(step.name) > 200:
                problems.append(FieldProblem(f"{where}.name", "请填写环节名称"))
            if step.owner not in OWNER_NAMES:
                problems.append(FieldProblem(f"{where}.owner", f"责任方须是 {'、'.join(OWNER_NAMES)} 之一"))
            if (step.minutes > 0) == (step.working_days > 0) or step.minutes < 0 or step.working_days < 0:
                problems.append(FieldProblem(f"{where}", "时限须且只能设一种：分钟数或工作日数"))
            if step.minutes > 30 * 24 * 60 or step.working_days > 60:
                problems.append(FieldProblem(f"{where}", "时限过长（最多 30 天或 60 个工作日）"))
    unknown = set(plan.steps) - set(LEVELS)
    if unknown:
        problems.append(FieldProblem("levels", f"未知级别：{'、'.join(sorted(unknown))}"))
    if problems:
        raise InvalidInput("响应预案校验未通过", problems)
    return plan
