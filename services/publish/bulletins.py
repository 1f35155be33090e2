"""《网络舆情通报》 bulletins for superior agencies: kinds, periods and their content. No I/O.

A bulletin's content is one JSON document (docs/publish.md lists its fields). The figures are
gathered when the office drafts it (and again on "refresh"); the office edits the assessment,
the next steps and the choice of typical cases; releasing freezes the JSON — its SHA-256 is
the bulletin's identity — together with the HTML and DOCX made from it. Drills never count.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from yuqing.core.categories import BULLETIN_KINDS, SENSITIVE_CATEGORIES
from yuqing.core.dates import SHANGHAI
from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.levels import LEVEL_NAMES, LEVELS

KINDS = BULLETIN_KINDS
EVENT_KINDS = frozenset({"special", "continuous", "review"})
MAJOR_LEVELS = frozenset({"I", "II"})
SOURCE_NAMES = {"monitor_patrol": "监测员巡查", "monitor_report": "监测员报送", "public_tip": "网友举报", "superior_notice": "上级通报",
                "police_notice": "网警通报", "propaganda_patrol": "宣传部门巡查", "platform": "监测平台",
                "feed": "订阅源", "import": "批量导入", "drill": "演练"}
KEY_EVENTS = 10
TYPICAL_CASES = 3
MAX_TEXT = 20_000
OTHER_CATEGORY = "其他"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date     # included

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(self.start, dt.time(), SHANGHAI).astimezone(dt.UTC)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), SHANGHAI).astimezone(dt.UTC)
        return start, end

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        return (f"{self.start.year}年{self.start.month}月{self.start.day}日至"
                f"{self.end.year}年{self.end.month}月{self.end.day}日")


def check_kind(kind: str, event_id: str) -> None:
    if kind not in KINDS:
        raise InvalidInput("通报类型无效", [FieldProblem("kind", "可选：" + "、".join(f"{k}（{v}）" for k, v in KINDS.items()))])
    if kind in EVENT_KINDS and not event_id:
        raise InvalidInput(f"{KINDS[kind]}须指明事件", [FieldProblem("event_id", "必填")])
    if kind not in EVENT_KINDS and event_id:
        raise InvalidInput(f"{KINDS[kind]}面向全县，不针对单个事件", [FieldProblem("event_id", "请留空")])


def period_for(kind: str, day: dt.date, discovered: dt.date | None = None) -> Period:
    """Daily: that day; weekly: its Monday–Sunday; monthly: its month; per-event kinds: from the
    event's discovery to that day."""
    if kind == "daily":
        return Period(day, day)
    if kind == "weekly":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    if kind == "monthly":
        return Period(day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))
    start = min(discovered or day, day)
    return Period(start, day)


def title_for(kind: str, county_name: str, period: Period, event_title: str = "") -> str:
    if kind == "daily":
        return f"{county_name}网络舆情日报（{period.label()}）"
    if kind == "weekly":
        return f"{county_name}网络舆情周报（{period.label()}）"
    if kind == "monthly":
        return f"{county_name}网络舆情月报（{period.start.year}年{period.start.month}月）"
    return f"关于“{event_title}”网络舆情的{KINDS[kind]}"


def local_iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="minutes") if moment else None


def minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return round((end - start).total_seconds() / 60, 1) if start and end else None


def ranked(counter: Counter, names: dict[str, str] | None = None) -> list[dict]:
    """[{code, name, count}] largest first, ties by code: stable for identical inputs."""
    return [{"code": code, "name": (names or {}).get(code, code) or "未标明", "count": count}
            for code, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def overview(item_counts: dict[str, Counter], briefs: list[dict], place_names: dict[str, str]) -> dict:
    """概况: items by source and platform; events by level, category and township."""
    levels = Counter(b["level"] for b in briefs)
    categories: Counter = Counter()
    for brief in briefs:
        for category in brief["sensitive_categories"] or [OTHER_CATEGORY]:
            categories[category] += 1
    return {
        "items_total": sum(item_counts.get("source", Counter()).values()),
        "events_total": len(briefs),
        "major_events": sum(levels[level] for level in MAJOR_LEVELS),
        "by_source": ranked(item_counts.get("source", Counter()), SOURCE_NAMES),
        "by_platform": ranked(item_counts.get("platform", Counter())),
        "by_level": [{"code": level, "name": LEVEL_NAMES[level], "count": levels[level]} for level in LEVELS],
        "by_category": [row for row in ranked(categories)
                        if row["code"] in SENSITIVE_CATEGORIES or row["code"] == OTHER_CATEGORY],
        "by_township": ranked(Counter(b["locality"] for b in briefs), place_names),
    }


def key_candidates(briefs: list[dict], limit: int = KEY_EVENTS) -> list[dict]:
    """Most serious first, then hottest; 关注-level events only when nothing graver happened."""
    ordered = sorted(briefs, key=lambda b: (LEVELS.index(b["level"]), -b["heat"], b["event_id"]))
    serious = [b for b in ordered if b["level"] != "V"]
    return (serious or ordered)[:limit]


def timeliness(discovered: dt.datetime, first_response: dt.datetime | None, authoritative: dt.datetime | None,
               deadlines: list[dict]) -> dict:
    """Discovery → first response and → authoritative release, against the plan's limits."""
    limits = {d["step"]: d for d in deadlines}

    def measure(step: str, done: dt.datetime | None) -> dict:
        limit = limits.get(step)
        due = limit["due_at"] if limit else None
        return {"at": local_iso(done), "minutes": minutes_between(discovered, done),
                "limit": limit["limit"] if limit else None, "due_at": local_iso(due),
                "on_time": None if due is None or done is None else done <= due}
    return {"first_response": measure("first_response", first_response),
            "authoritative_release": measure("authoritative_release", authoritative)}


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def default_assessment(kind: str, content: dict) -> str:
    """A starting text drawn from the figures; the office rewrites it before release."""
    o = content["overview"]
    h = content["handling"]
    if kind in EVENT_KINDS:
        event = content["key_events"][0] if content["key_events"] else None
        if event is None:
            return "事件信息暂缺，请舆情办补充研判意见。"
        return (f"该事件现为{event['level_name']}级，累计相关信息{event['item_count']}条，热度指数{event['heat']:.1f}。"
                f"责任单位按时签收率{rate_text(h['ack_on_time_rate'])}，环节按时率{rate_text(h['step_on_time_rate'])}。"
                "请结合核查进展补充研判意见。")
    trend = "总体平稳" if o["major_events"] == 0 else f"其中重大及以上事件{o['major_events']}起，需重点关注"
    top = "、".join(row["name"] for row in o["by_category"][:3] if row["code"] != OTHER_CATEGORY)
    return (f"本期共监测到涉我县网络信息{o['items_total']}条，形成舆情事件{o['events_total']}起，{trend}。"
            + (f"关注度较高的领域为{top}。" if top else "")
            + f"交办{h['assignments']}件，按时签收率{rate_text(h['ack_on_time_rate'])}，"
              f"环节按时率{rate_text(h['step_on_time_rate'])}，超时{h['overdue_total']}次，督办{h['supervised_total']}次。")


DEFAULT_NEXT_STEPS = ("一是继续加强全天候监测，重点关注上述领域舆情动态；二是督促责任单位严格落实签收、核查、反馈时限；"
                      "三是坚持“快报事实、慎报原因”，及时发布权威信息，回应群众关切。")


def canonical_json(content: dict) -> bytes:
    """The released bytes: sorted keys, no insignificant whitespace; its SHA-256 is the identity."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_texts(assessment: str, next_steps: str) -> None:
    problems = []
    for name, value in (("assessment", assessment), ("next_steps", next_steps)):
        if len(value) > MAX_TEXT:
            problems.append(FieldProblem(name, f"不能超过 {MAX_TEXT} 字"))
    if problems:
        raise InvalidInput("通报内容过长", problems)
