"""Console pages of the admin (and, read-only, the office): units and the directory, the duty
roster, monitoring topics and sensitive words, feeds, the gazetteer, response plans, holiday
calendars and publication channels. Each page reads through the same API functions the REST
API uses and every form goes through them too, so role checks, validation and the audit log
are the API's own."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from gateway import dispatch_api, ingest_admin, publish_api, users_api
from gateway.console import _csrf_ok, _messages, _page, _signed_in, expired
from gateway.console_work import FORM_ERRORS
from gateway.problems import Problem, http_status
from services.dispatch.domain import OWNER_NAMES, UNIT_KINDS
from yuqing.core.categories import SENSITIVE_CATEGORIES
from yuqing.core.dates import SHANGHAI
from yuqing.core.identity import Caller
from yuqing.core.levels import LEVELS

router = APIRouter(prefix="/console/admin", include_in_schema=False)
READERS = frozenset({"admin", "office"})
PLACE_KINDS = {"township": "乡镇", "village": "村（社区）", "school": "学校", "hospital": "医院", "place": "其他地点"}
BLANK_PLAN_ROWS = 2
# Words in a list are separated by commas (either width), 顿号 or new lines.
_WORD_SEPARATORS = re.compile(r"[,，、;；\n\r]+")

Loader = Callable[[Request, Caller], Awaitable[dict]]
Action = Callable[[Request, Caller, FormData], Awaitable[str]]


@dataclass(frozen=True)
class AdminPage:
    path: str
    title: str
    template: str
    load: Loader
    actions: dict[str, Action]
    readers: frozenset[str] = READERS


# Rows of a long list (units, the directory, the gazetteer) shown per page.
LIST_PAGE_ROWS = 50


@dataclass(frozen=True)
class Listing:
    """One page of a long list, narrowed by the page's filter box (`q`, any part of the row's
    names, case ignored); `param` is the query parameter that holds this list's page number."""

    rows: list
    page: int
    pages: int
    total: int
    param: str
    query: dict[str, str]

    def link(self, page: int) -> str:
        return "?" + urlencode({**self.query, self.param: page})


def listing(request: Request, rows: Iterable[dict], text_of: Callable[[dict], str], param: str = "page") -> Listing:
    wanted = request.query_params.get("q", "").strip().casefold()
    chosen = [row for row in rows if wanted in text_of(row).casefold()] if wanted else list(rows)
    pages = max(1, math.ceil(len(chosen) / LIST_PAGE_ROWS))
    number = request.query_params.get(param, "1")
    page = min(int(number), pages) if number.isdecimal() and int(number) > 0 else 1
    return Listing(chosen[(page - 1) * LIST_PAGE_ROWS:page * LIST_PAGE_ROWS], page, pages, len(chosen), param,
                   dict(request.query_params))


def words(text: str) -> list[str]:
    return [w.strip() for w in _WORD_SEPARATORS.split(text or "") if w.strip()]


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _checked(form: FormData, name: str) -> bool:
    return form.get(name) == "on"


def _local_datetime(form: FormData, name: str, label: str) -> dt.datetime:
    """A `datetime-local` field, read as Asia/Shanghai."""
    try:
        return dt.datetime.fromisoformat(_text(form, name)).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise Problem(422, "时间格式有误", f"{label}须为“年-月-日 时:分”", type_="validation",
                      errors=[{"field": name, "reason": "时间格式有误"}]) from None


def _integer(form: FormData, name: str, label: str) -> int:
    value = _text(form, name)
    if not re.fullmatch(r"-?\d{1,7}", value or "0"):
        raise Problem(422, "须为整数", f"{label}须为整数，收到“{value[:20]}”", type_="validation",
                      errors=[{"field": name, "reason": "须为整数"}])
    return int(value or 0)


async def _create_or_update(row_id: str, body, create, update, request: Request, caller: Caller) -> None:
    """A form with the row's id updates that row; without one it creates a row."""
    if row_id:
        await update(row_id, body, request, caller)
    else:
        await create(body, request, caller)


# --- units and the directory ------------------------------------------------------------------

async def _units(request: Request, caller: Caller) -> dict:
    units = (await dispatch_api.list_units(request, caller))["items"]
    people = (await dispatch_api.list_people(request, caller))["items"]
    names = {u["code"]: u["name"] for u in units}
    return {"units": units, "unit_kinds": UNIT_KINDS, "categories": SENSITIVE_CATEGORIES,
            "role_names": users_api.ROLE_NAMES, "unit_names": names,
            "unit_list": listing(request, units, lambda u: " ".join((u["code"], u["name"], *u["keywords"]))),
            "people_list": listing(request, people, lambda p: " ".join(
                (p["username"], p["display_name"], p["unit_code"], names.get(p["unit_code"], ""))), "people_page")}


async def _save_unit(request: Request, caller: Caller, form: FormData) -> str:
    code = _text(form, "code")
    body = dispatch_api.UnitIn(name=_text(form, "name"), kind=_text(form, "kind"), parent_code=_text(form, "parent_code"),
                               keywords=words(_text(form, "keywords")), categories=form.getlist("categories"),
                               leader_username=_text(form, "leader_username"))
    await dispatch_api.save_unit(code, body, request, caller)
    return f"单位“{body.name}”已保存"


async def _save_person(request: Request, caller: Caller, form: FormData) -> str:
    username = _text(form, "username")
    body = dispatch_api.PersonIn(display_name=_text(form, "display_name"), unit_code=_text(form, "unit_code"),
                                 roles=form.getlist("roles"), email=_text(form, "email"), phone=_text(form, "phone"),
                                 leadership_group=_checked(form, "leadership_group"))
    await dispatch_api.save_person(username, body, request, caller)
    return f"通讯录中的 {username} 已保存"


# --- duty roster ------------------------------------------------------------------------------

async def _duty(request: Request, caller: Caller) -> dict:
    roster = await dispatch_api.duty_roster(request, caller)
    people = (await dispatch_api.list_people(request, caller))["items"]
    return {"roster": roster, "people": people, "names": {p["username"]: p["display_name"] for p in people}}


async def _add_shift(request: Request, caller: Caller, form: FormData) -> str:
    body = dispatch_api.ShiftIn(username=_text(form, "username"),
                                starts_at=_local_datetime(form, "starts_at", "开始时间"),
                                ends_at=_local_datetime(form, "ends_at", "结束时间"))
    await dispatch_api.add_shift(body, request, caller)
    return f"已为 {body.username} 排班"


async def _delete_shift(request: Request, caller: Caller, form: FormData) -> str:
    await dispatch_api.delete_shift(_text(form, "shift_id"), request, caller)
    return "已删除该班次"


# --- monitoring topics and sensitive words ----------------------------------------------------

async def _topics(request: Request, caller: Caller) -> dict:
    return {"topics": (await ingest_admin.list_topics(request, caller))["items"],
            "word_lists": (await ingest_admin.list_word_lists(request, caller))["items"],
            "categories": SENSITIVE_CATEGORIES}


async def _save_topic(request: Request, caller: Caller, form: FormData) -> str:
    groups = [words(line) for line in _text(form, "all_of").splitlines()]
    body = ingest_admin.TopicIn(name=_text(form, "name"), all_of=[g for g in groups if g],
                                none_of=words(_text(form, "none_of")), scope=_text(form, "scope") or "full",
                                enabled=_checked(form, "enabled"))
    await _create_or_update(_text(form, "topic_id"), body, ingest_admin.create_topic, ingest_admin.update_topic,
                            request, caller)
    return f"监测主题“{body.name}”已保存"


async def _save_word_list(request: Request, caller: Caller, form: FormData) -> str:
    body = ingest_admin.WordListIn(name=_text(form, "name"), category=_text(form, "category"),
                                   words=words(_text(form, "words")))
    await _create_or_update(_text(form, "list_id"), body, ingest_admin.create_word_list,
                            ingest_admin.update_word_list, request, caller)
    return f"敏感词库“{body.name}”已保存（{len(body.words)} 个词）"


def _deleter(collection: str, field: str, what: str) -> Action:
    async def delete(request: Request, caller: Caller, form: FormData) -> str:
        await ingest_admin.delete(collection, _text(form, field), request, caller)
        return f"已删除{what}"
    return delete


# --- feeds ------------------------------------------------------------------------------------

async def _feeds(request: Request, caller: Caller) -> dict:
    return {"feeds": (await ingest_admin.list_feeds(request, caller))["items"]}


async def _save_feed(request: Request, caller: Caller, form: FormData) -> str:
    body = ingest_admin.FeedIn(name=_text(form, "name"), url=_text(form, "url"), platform=_text(form, "platform"),
                               interval_seconds=_integer(form, "interval_seconds", "轮询间隔"),
                               enabled=_checked(form, "enabled"))
    await _create_or_update(_text(form, "feed_id"), body, ingest_admin.create_feed, ingest_admin.update_feed,
                            request, caller)
    return f"订阅源“{body.name}”已保存"


async def _poll_feed(request: Request, caller: Caller, form: FormData) -> str:
    polled = await ingest_admin.poll_feed(_text(form, "feed_id"), request, caller)
    return f"“{polled['name']}”将在一秒内轮询"


# --- gazetteer --------------------------------------------------------------------------------

async def _places(request: Request, caller: Caller) -> dict:
    units = (await dispatch_api.list_units(request, caller))["items"]
    names = {u["code"]: u["name"] for u in units}
    places = (await ingest_admin.list_places(request, caller))["items"]
    return {"place_list": listing(request, places, lambda p: " ".join(
                (p["name"], p["alias_of"] or "", names.get(p["locality"], p["locality"])))),
            "place_kinds": PLACE_KINDS, "townships": [u for u in units if u["kind"] == "township"], "unit_names": names}


async def _save_place(request: Request, caller: Caller, form: FormData) -> str:
    name = _text(form, "name")
    body = ingest_admin.PlaceIn(locality=_text(form, "locality"), kind=_text(form, "kind") or "place",
                                alias_of=_text(form, "alias_of"))
    await ingest_admin.save_place(name, body, request, caller)
    return f"地名“{name}”已保存"


# --- response plans ---------------------------------------------------------------------------

async def _plans(request: Request, caller: Caller) -> dict:
    plans = (await dispatch_api.response_plans(request, caller))["items"]
    blank = {"key": "", "name": "", "owner": "", "minutes": None, "working_days": None}
    current = plans[0]["levels"] if plans else {}
    return {"plans": plans, "owner_names": OWNER_NAMES,
            "rows": {level: [*current.get(level, []), *[blank] * BLANK_PLAN_ROWS] for level in LEVELS}}


async def _save_plan(request: Request, caller: Caller, form: FormData) -> str:
    levels: dict[str, list[dispatch_api.PlanStepIn]] = {}
    for level in LEVELS:
        indices = sorted({int(m.group(1)) for key in form.keys() if (m := re.fullmatch(rf"{level}-(\d+)-key", key))})
        steps = []
        for index in indices[:50]:
            prefix = f"{level}-{index}"
            if not _text(form, f"{prefix}-key") and not _text(form, f"{prefix}-name"):
                continue  # a blank row
            steps.append(dispatch_api.PlanStepIn(
                key=_text(form, f"{prefix}-key"), name=_text(form, f"{prefix}-name"), owner=_text(form, f"{prefix}-owner"),
                minutes=_integer(form, f"{prefix}-minutes", "分钟数"),
                working_days=_integer(form, f"{prefix}-working_days", "工作日数")))
        levels[level] = steps
    saved = await dispatch_api.save_response_plan(dispatch_api.PlanIn(levels=levels), request, caller)
    return f"响应预案已保存为第 {saved['items'][0]['version']} 版；已定级事件仍按原版本计时"


# --- holiday calendars ------------------------------------------------------------------------

async def _calendars(request: Request, caller: Caller) -> dict:
    listed = await dispatch_api.list_calendars(request, caller)
    this_year = dt.datetime.now(SHANGHAI).year
    covered = {y["year"] for y in listed["loaded"]} | set(listed["package_years"])
    return {"calendars": listed, "missing": [y for y in (this_year, this_year + 1) if y not in covered],
            "next_year": this_year + 1}


async def _load_calendar(request: Request, caller: Caller, form: FormData) -> str:
    year = _integer(form, "year", "年份")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Problem(422, "请选择文件", "请上传国务院办公厅节假日安排的 JSON 或 CSV 文件", type_="validation",
                      errors=[{"field": "file", "reason": "请选择文件"}])
    if not 2000 <= year <= 2100:
        raise Problem(422, "年份无效", "年份须在 2000–2100 之间", type_="validation",
                      errors=[{"field": "year", "reason": "年份无效"}])
    await dispatch_api.load_calendar(year, request, caller, upload)
    return f"{year} 年节假日安排已载入，相关时限已按新日历重新计算"


# --- publication channels ---------------------------------------------------------------------

async def _channels(request: Request, caller: Caller) -> dict:
    return {"channels": (await publish_api.list_channels(request, caller))["items"],
            "deliveries": (await publish_api.publication_deliveries(request, caller, status=None, limit=50))["items"],
            "notices": (await dispatch_api.list_deliveries(request, caller, status=None, limit=50))["items"]}


async def _save_channel(request: Request, caller: Caller, form: FormData) -> str:
    name = _text(form, "name")
    body = publish_api.ChannelIn(url=_text(form, "url"), secret=_text(form, "secret"), enabled=_checked(form, "enabled"))
    await publish_api.save_channel(name, body, request, caller)
    return f"发布渠道 {name} 已保存"


PAGES = (
    AdminPage("units", "单位与通讯录", "admin_units.html", _units,
              {"save_unit": _save_unit, "save_person": _save_person}),
    AdminPage("duty", "值班表", "admin_duty.html", _duty, {"add_shift": _add_shift, "delete_shift": _delete_shift}),
    AdminPage("topics", "监测主题与敏感词", "admin_topics.html", _topics, {
        "save_topic": _save_topic, "delete_topic": _deleter("topics", "topic_id", "监测主题"),
        "save_word_list": _save_word_list, "delete_word_list": _deleter("word-lists", "list_id", "敏感词库")}),
    AdminPage("feeds", "订阅源", "admin_feeds.html", _feeds, {
        "save_feed": _save_feed, "poll_feed": _poll_feed, "delete_feed": _deleter("feeds", "feed_id", "订阅源")},
        readers=frozenset({"admin"})),
    AdminPage("places", "地名库", "admin_places.html", _places,
              {"save_place": _save_place, "delete_place": _deleter("places", "name", "地名")}),
    AdminPage("plans", "响应预案", "admin_plans.html", _plans, {"save_plan": _save_plan},
              readers=frozenset({"admin", "office", "leader"})),
    AdminPage("calendars", "节假日日历", "admin_calendars.html", _calendars, {"load_calendar": _load_calendar}),
    AdminPage("channels", "发布渠道", "admin_channels.html", _channels, {"save_channel": _save_channel},
              readers=frozenset({"admin"})),
)


async def _render(request: Request, page: AdminPage, caller: Caller, status_code: int = 200, **context) -> Response:
    # view: the page's filter and page numbers, kept by its forms so a saved row stays in view.
    return _page(request, page.template, status_code, page=page,
                 pages=[p for p in PAGES if caller.roles & p.readers], q=request.query_params.get("q", ""),
                 view=f"?{request.url.query}" if request.url.query else "",
                 **await page.load(request, caller), **context)


def _routes(page: AdminPage) -> None:
    async def show(request: Request) -> Response:
        caller = _signed_in(request, page.readers)
        if not isinstance(caller, Caller):
            return caller
        return await _render(request, page, caller)

    async def act(request: Request) -> Response:
        caller = _signed_in(request, page.readers)
        if not isinstance(caller, Caller):
            return caller
        form = await request.form(max_files=1, max_fields=2000)
        if not _csrf_ok(request, str(form.get("csrf", ""))):
            return expired(request)
        action = page.actions.get(str(form.get("action", "")))
        try:
            if action is None:
                raise Problem(422, "未知操作", f"可选：{'、'.join(page.actions)}", type_="validation")
            notice = await action(request, caller, form)
        except FORM_ERRORS as error:
            return await _render(request, page, caller, http_status(error), errors=_messages(error),
                                 values={k: v for k, v in form.multi_items() if isinstance(v, str)})
        return await _render(request, page, caller, notice=notice)

    router.add_api_route(f"/{page.path}", show, methods=["GET"], name=f"admin_{page.path}")
    router.add_api_route(f"/{page.path}", act, methods=["POST"], name=f"admin_{page.path}_action")


for _admin_page in PAGES:
    _routes(_admin_page)


@router.get("")
async def index(request: Request) -> Response:
    caller = _signed_in(request, READERS | {"leader"})
    if not isinstance(caller, Caller):
        return caller
    return _page(request, "admin_index.html", pages=[p for p in PAGES if caller.roles & p.readers])
