"""Drills (演练): scenario files and scoring against the plan. No I/O.

A scenario is JSON (docs/drills/ has examples): a name and items, each arriving `at_minutes`
into the drill. Items sharing a `ref` are one post: a later entry re-reports it with new
figures (a snapshot), which is how an event grows from 一般 into 重大. The drill runs at
`speed` times real time — its items arrive sooner and its plan's clocks run faster by the same
factor — and every figure in the score is in scenario minutes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from yuqing.core.errors import FieldProblem, InvalidInput

MAX_SCENARIO_BYTES = 1024 * 1024
MAX_ITEMS = 500
MAX_MINUTES = 7 * 24 * 60
MAX_SPEED = 3600.0
ITEM_FIELDS = {"source", "platform", "title", "content", "author", "region_hint", "metrics"}
METRICS = {"views", "comments", "reposts", "likes", "mainstream_sites"}


@dataclass(frozen=True)
class ScenarioItem:
    at_minutes: float
    ref: str
    fields: dict          # the post as it stands at this moment (earlier entries of the ref merged)


@dataclass(frozen=True)
class Scenario:
    name: str
    items: tuple[ScenarioItem, ...]


def parse_scenario(data: bytes) -> Scenario:
    if len(data) > MAX_SCENARIO_BYTES:
        raise InvalidInput("演练脚本过大", [FieldProblem("scenario", f"最多 {MAX_SCENARIO_BYTES // 1024} KiB")])
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput("演练脚本不是合法的 UTF-8 JSON", [FieldProblem("scenario", str(error)[:200])]) from None
    if not isinstance(body, dict):
        raise InvalidInput("演练脚本格式有误", [FieldProblem("scenario", '应为 {"name": …, "items": [...]}')])
    problems: list[FieldProblem] = []
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        problems.append(FieldProblem("name", "请填写演练名称（最多 200 字）"))
    raw_items = body.get("items")
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= MAX_ITEMS:
        problems.append(FieldProblem("items", f"须有 1 到 {MAX_ITEMS} 条信息"))
        raw_items = []
    posts: dict[str, dict] = {}
    items = []
    for index, raw in enumerate(raw_items):
        where = f"items[{index}]"
        if not isinstance(raw, dict):
            problems.append(FieldProblem(where, "应为对象"))
            continue
        at, ref = raw.get("at_minutes"), raw.get("ref")
        if isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at <= MAX_MINUTES:
            problems.append(FieldProblem(f"{where}.at_minutes", f"须在 0 到 {MAX_MINUTES} 分钟之间"))
            continue
        if not isinstance(ref, str) or not ref.strip() or len(ref) > 64:
            problems.append(FieldProblem(f"{where}.ref", "请给每条帖子一个标识（同一帖子再次出现时沿用）"))
            continue
        unknown = set(raw) - ITEM_FIELDS - {"at_minutes", "ref"}
        if unknown:
            problems.append(FieldProblem(where, f"不支持的字段：{'、'.join(sorted(unknown))}"))
        metrics = raw.get("metrics", {})
        if not isinstance(metrics, dict) or set(metrics) - METRICS or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in metrics.values()):
            problems.append(FieldProblem(f"{where}.metrics", f"指标只能是 {'、'.join(sorted(METRICS))}，取非负整数"))
            continue
        post = {**posts.get(ref, {}), **{k: v for k, v in raw.items() if k in ITEM_FIELDS}}
        if ref not in posts and (not post.get("source") or not (post.get("title") or post.get("content"))):
            problems.append(FieldProblem(where, "帖子第一次出现时须有 source 和 title 或 content"))
            continue
        if not all(isinstance(post.get(k, ""), str) for k in ITEM_FIELDS - {"metrics"}):
            problems.append(FieldProblem(where, "文字字段须为字符串"))
            continue
        posts[ref] = post
        items.append(ScenarioItem(float(at), ref, post))
    if problems:
        raise InvalidInput("演练脚本有误", problems)
    return Scenario(name.strip(), tuple(sorted(items, key=lambda i: i.at_minutes)))


@dataclass(frozen=True)
class StepScore:
    event_id: str
    unit_code: str
    step: str
    step_name: str
    result: str            # met, missed, open
    drill_minutes: float   # from the step's start to done, or to the end of the drill
    limit_minutes: float
    by_minutes: float      # negative: early; positive: late

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def score(deadlines: list[dict], started_at: dt.datetime, finished_at: dt.datetime, speed: float) -> list[StepScore]:
    """Every plan step of the drill's assignments: met in time, missed (done late or not done
    by its limit), or still open at the end with its limit not yet reached."""
    def minutes(later: dt.datetime, earlier: dt.datetime) -> float:
        return round((later - earlier).total_seconds() * speed / 60, 1)

    scores = []
    for d in sorted(deadlines, key=lambda d: (d["event_id"], d["due_at"], d["step"])):
        limit = minutes(d["due_at"], d["started_at"]) - d.get("paused_minutes", 0)
        done = d["met_at"]
        if done is not None:
            result = "met" if done <= d["due_at"] else "missed"
            took = minutes(done, d["started_at"])
        else:
            result = "missed" if finished_at > d["due_at"] else "open"
            took = minutes(finished_at, d["started_at"])
        scores.append(StepScore(d["event_id"], d["unit_code"], d["step"], d["step_name"], result, took, limit,
                                round(took - limit, 1)))
    return scores
