"""Ingest's batch store on each backend: exact and near duplicates, events, evidence, topics."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import random
from collections import Counter

import asyncpg
import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError

from services.ingest import models
from services.ingest.clustering import CandidateIndex, fingerprint
from services.ingest.domain import NewItem
from services.ingest.matching import Topic, WordList
from services.ingest.preparing import Preparer
from services.ingest.repository import PROBED_KEYS, IngestRepository
from services.ingest.service import (
    MAX_BATCHES_STORING,
    MAX_EVENTS_PER_KEY,
    MAX_STORE_ATTEMPTS,
    YIELD_EVERY,
    IngestService,
)
from tests.conftest import counted
from tests.integration.conftest import stray_rows
from yuqing.core.bus import Outbox
from yuqing.core.db import open_driver_pool
from yuqing.core.errors import InvalidInput, Unavailable
from yuqing.core.metrics import Metrics
from yuqing.ingest.v1 import ingest_pb2

STORY = ("城关镇幸福路菜市场11月18日晚发生火灾，现场浓烟滚滚，消防部门出动3辆消防车前往扑救。"
         "据现场群众反映，火灾造成2人轻微烧伤，已送往县人民医院救治。起火原因正在调查中。")
OTHER = "白水乡敬老院被曝伙食差，老人每顿只有一个素菜，还经常吃剩饭。有老人家属拍下视频发到网上。"
_STORY_CHARACTERS = sorted({ch for ch in STORY + OTHER if "\u4e00" <= ch <= "\u9fff"})


def random_matter(rng: random.Random, phrases: int = 5, length: int = 14) -> str:
    """A text of its own, near no other: phrases of characters drawn from the stories."""
    return "，".join("".join(rng.choices(_STORY_CHARACTERS, k=length)) for _ in range(phrases)) + "。"


def item(ingest, **fields) -> NewItem:
    return NewItem(**{"source": "platform", "discovered_at": ingest.clock(), **fields})


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(buffer, "PNG")
    return buffer.getvalue()


async def test_batch_answers_per_item_and_one_bad_item_changes_nothing(ingest):
    outcomes = await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/1", content=STORY, metrics=Metrics(views=100)),
        item(ingest, source="", title="没有来源"),
        item(ingest, url="ftp://bad", title="错误网址"),
        item(ingest, url="https://m.weibo.cn/1?spm=abc", content="再次报送", metrics=Metrics(views=300)),
    ])
    assert [o.status for o in outcomes] == ["accepted", "rejected", "rejected", "duplicate"]
    assert outcomes[1].problems[0].field == "source" and outcomes[2].problems[0].field == "url"
    assert outcomes[3].item_id == outcomes[0].item_id
    items = await ingest.rows(models.items)
    assert len(items) == 1 and items[0]["views"] == 300 and items[0]["snapshot_count"] == 2
    assert items[0]["content"] == STORY and "火灾" in items[0]["clean_text"]
    assert await ingest.count(models.item_snapshots) == 2
    event = (await ingest.rows(models.events))[0]
    assert event["views"] == 300 and event["item_count"] == 1 and event["locality"] == "chengguan"
    messages = await ingest.messages()
    assert [m.duplicate for m in messages] == [False, True] and messages[0].new_event


async def test_a_grpc_batch_admitted_in_the_worker_answers_and_stores_as_in_process(ingest):
    await ingest.service.save_topic(Topic("", "消防安全", (("火灾", "失火"), ("菜市场", "商场"))))
    traditional = "城關鎮幸福路菜市場11月18日晚發生火災，現場濃煙滾滾，消防部門出動3輛消防車前往撲救。據現場群眾反映，火災造成2人輕微燒傷。"
    request = ingest_pb2.SubmitItemsRequest(items=[
        ingest_pb2.ItemInput(source="platform", url="https://weibo.com/1", content=STORY),
        ingest_pb2.ItemInput(source="", title="没有来源"),
        ingest_pb2.ItemInput(source="platform", url="ftp://bad", title="错误网址"),
        ingest_pb2.ItemInput(source="platform", url="https://m.weibo.cn/1?spm=abc", content="再次报送"),
        ingest_pb2.ItemInput(source="monitor_report", title="假图片",
                             attachments=[ingest_pb2.AttachmentInput(filename="x.png", data=b"<svg onload=alert(1)>")]),
        ingest_pb2.ItemInput(source="platform", url="https://weibo.com/2", content=traditional),
        ingest_pb2.ItemInput(source="platform", url="https://weibo.com/3", content=OTHER),
    ])
    request.items[0].metrics.views, request.items[3].metrics.views = 100, 300
    preparer = Preparer(workers=1, min_worker_items=2)
    service = IngestService(ingest.sessions, ingest.service.outbox, ingest.clock, preparer=preparer,
                            driver_pool=ingest.service.driver_pool)
    try:
        outcomes = await service.submit_messages(request)
        assert preparer.worker_pids(), "the batch was admitted in the worker"
    finally:
        preparer.close()
    assert [o.status for o in outcomes] == ["accepted", "rejected", "rejected", "duplicate", "rejected", "accepted",
                                            "accepted"]
    assert [o.problems[0].field for o in outcomes if o.status == "rejected"] == ["source", "url", "attachments[0]"]
    assert outcomes[3].item_id == outcomes[0].item_id
    assert outcomes[5].event_id == outcomes[0].event_id != outcomes[6].event_id
    items = {row["url"]: row for row in await ingest.rows(models.items)}
    assert len(items) == 3 and items["https://weibo.com/1"]["views"] == 300
    assert items["https://weibo.com/1"]["canonical_url"] == "https://weibo.com/1"
    assert {m["name"] for m in items["https://weibo.com/1"]["matches"]} >= {"消防安全", "township"}
    assert items["https://weibo.com/2"]["attach_reason"] == "near_duplicate" and "城关镇" in items["https://weibo.com/2"]["clean_text"]
    event = (await ingest.rows(models.events, models.events.c.event_id == outcomes[0].event_id))[0]
    assert event["topics"] == ["消防安全"] and event["item_count"] == 2 and event["locality"] == "chengguan"
    assert await ingest.count(models.attachments) == 0


async def test_a_big_grpc_batch_with_screenshots_stores_them_with_their_items(ingest):
    """Such a batch is admitted in this process (attachments would travel to the worker and
    back; only its texts go there to be cleaned): its screenshots are stored with their items."""
    image = png()
    request = ingest_pb2.SubmitItemsRequest(items=[
        ingest_pb2.ItemInput(source="monitor_report", url=f"https://weibo.com/shot{n}", content=f"{OTHER}（第{n}条）",
                             attachments=[ingest_pb2.AttachmentInput(filename=f"{n}.png", data=image)])
        for n in range(3)])
    preparer = Preparer(workers=1, min_worker_items=2)
    service = IngestService(ingest.sessions, ingest.service.outbox, ingest.clock, preparer=preparer,
                            driver_pool=ingest.service.driver_pool)
    try:
        outcomes = await service.submit_messages(request)
    finally:
        preparer.close()
    assert [o.status for o in outcomes] == ["accepted"] * 3
    assert sorted(a["item_id"] for a in await ingest.rows(models.attachments)) == sorted(o.item_id for o in outcomes)


async def test_near_duplicates_join_across_batches_and_different_matters_stay_apart(ingest):
    first = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/a", content=STORY)]))[0]
    traditional = "城關鎮幸福路菜市場11月18日晚發生火災，現場濃煙滾滾，消防部門出動3輛消防車前往撲救。據現場群眾反映，火災造成2人輕微燒傷。"
    later = await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/b", content="转发：" + STORY.replace("反映", "反应")),
        item(ingest, url="https://weibo.com/c", content=traditional),
        item(ingest, url="https://weibo.com/d", content="据现场群众反映，火灾造成2人轻微烧伤，已送往县人民医院救治。"),
        item(ingest, url="https://weibo.com/e", content=STORY.replace("城关镇", "河西镇")),
        item(ingest, url="https://weibo.com/f", content=OTHER),
    ])
    assert [o.event_id == first.event_id for o in later] == [True, True, True, False, False]
    reasons = {r["url"]: r["attach_reason"] for r in await ingest.rows(models.items)}
    assert reasons["https://weibo.com/d"] == "excerpt" and reasons["https://weibo.com/b"] == "near_duplicate"
    event = (await ingest.rows(models.events, models.events.c.event_id == first.event_id))[0]
    assert event["item_count"] == 4


async def test_near_duplicates_inside_one_batch_form_one_event(ingest):
    outcomes = await ingest.service.submit_many([
        item(ingest, content=STORY, author="甲"), item(ingest, content="转发：" + STORY, author="乙"),
        item(ingest, content=OTHER, author="丙")])
    assert outcomes[0].event_id == outcomes[1].event_id != outcomes[2].event_id
    assert await ingest.count(models.events) == 2


async def test_closed_event_reopens_when_the_matter_resurfaces_or_its_author_posts_again(ingest):
    first = (await ingest.service.submit_many([item(ingest, content=STORY, platform="微博", author="老王")]))[0]
    closed = await ingest.service.close_event(first.event_id, "已处置完毕")
    assert closed["status"] == "closed"
    ingest.clock.advance(days=3)
    again = (await ingest.service.submit_many([item(
        ingest, platform="微博", author="老王",
        content="更新：城关镇幸福路菜市场11月18日晚发生火灾，今天又去看了，目前仍然没有任何进展，希望大家继续关注。")]))[0]
    assert again.event_id == first.event_id
    event = (await ingest.rows(models.events, models.events.c.event_id == first.event_id))[0]
    assert event["status"] == "watching" and event["reopen_count"] == 1 and event["closed_at"] is None
    assert (await ingest.messages())[-1].reopened
    reason = (await ingest.rows(models.items, models.items.c.item_id == again.item_id))[0]["attach_reason"]
    assert reason == "same_author"


async def test_one_batch_changes_each_stored_event_only_as_its_own_items_say(ingest):
    fire = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/fire", content=STORY)]))[0]
    home = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/home", content=OTHER)]))[0]
    await ingest.service.close_event(fire.event_id, "已处置完毕")
    await ingest.service.save_word_list(WordList("", "民生", "涉稳", ("敬老院",)))
    deadline = ingest.clock() + dt.timedelta(hours=4)
    ingest.clock.advance(hours=1)
    # One batch: a repost of the closed fire, a notice and a repost of the care home's matter.
    outcomes = await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/fire-again", content="转发：" + STORY),
        item(ingest, source="superior_notice", title="市委网信办通报", content=OTHER, issuing_agency="市委网信办",
             feedback_deadline=deadline),
        item(ingest, url="https://weibo.com/home-again", content="转发：" + OTHER)])
    assert [o.event_id for o in outcomes] == [fire.event_id, home.event_id, home.event_id]
    events = {e["event_id"]: e for e in await ingest.rows(models.events)}
    reopened, joined = events[fire.event_id], events[home.event_id]
    assert (reopened["status"], reopened["reopen_count"], reopened["closed_at"]) == ("watching", 1, None)
    assert reopened["sensitive_categories"] == [] and reopened["feedback_deadline"] is None
    assert (joined["status"], joined["reopen_count"]) == ("watching", 0)
    assert joined["sensitive_categories"] == ["涉稳"] and joined["feedback_deadline"] == deadline
    announced = {m.event_id: m for m in (await ingest.messages())[-3:]}
    assert announced[fire.event_id].reopened and not announced[home.event_id].reopened
    assert list(announced[home.event_id].sensitive_categories) == ["涉稳"]


async def test_event_trend_grows_with_each_change(ingest):
    first = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/t", content=STORY,
                                                    metrics=Metrics(views=100))]))[0]
    for views in (500, 1500):
        ingest.clock.advance(hours=1)
        await ingest.service.submit_many([item(ingest, url="https://weibo.com/t", content=STORY,
                                               metrics=Metrics(views=views))])
    _, _, _, trend = await ingest.service.event_with_items(first.event_id)
    assert [s["views"] for s in trend] == [100, 500, 1500]


async def test_topics_and_sensitive_words_are_recorded_on_item_and_event(ingest):
    await ingest.service.save_topic(Topic("", "消防安全", (("火灾", "失火"), ("菜市场", "商场")), ("演习",)))
    await ingest.service.save_word_list(WordList("", "伤亡", "安全生产", ("烧伤", "死亡")))
    outcome = (await ingest.service.submit_many([item(ingest, content=STORY)]))[0]
    row = (await ingest.rows(models.items))[0]
    kinds = {(m["kind"], m["name"]) for m in row["matches"]}
    assert ("topic", "消防安全") in kinds and ("sensitive", "安全生产") in kinds and ("place", "township") in kinds
    event = (await ingest.rows(models.events, models.events.c.event_id == outcome.event_id))[0]
    assert event["topics"] == ["消防安全"] and event["sensitive_categories"] == ["安全生产"]
    message = (await ingest.messages())[-1]
    assert list(message.sensitive_categories) == ["安全生产"]


async def test_superior_notice_deadline_travels_with_the_event(ingest):
    deadline = ingest.clock() + dt.timedelta(hours=2)
    outcome = await ingest.service.submit(item(ingest, source="superior_notice", title="市委网信办关于城关镇菜市场火灾舆情的通报",
                                               content=STORY, issuing_agency="市委网信办", feedback_deadline=deadline))
    event = (await ingest.rows(models.events, models.events.c.event_id == outcome.event_id))[0]
    assert event["feedback_deadline"] == deadline
    assert (await ingest.messages())[-1].feedback_deadline.ToDatetime(tzinfo=dt.UTC) == deadline


async def test_screenshots_are_stored_with_hash_and_bad_ones_store_nothing(ingest):
    import hashlib

    image = png()
    good = await ingest.service.submit(item(ingest, source="monitor_report", content=OTHER,
                                            attachments=(("截图.png", image),)))
    stored = await ingest.rows(models.attachments)
    assert [a["sha256"] for a in stored] == [hashlib.sha256(image).hexdigest()] and stored[0]["item_id"] == good.item_id
    outcome = (await ingest.service.submit_many([item(ingest, source="monitor_report", title="假图片",
                                                      attachments=(("x.png", b"<svg onload=alert(1)>"),))]))[0]
    assert outcome.status == "rejected" and outcome.problems[0].field == "attachments[0]"
    assert await ingest.count(models.items) == 1 and await ingest.count(models.attachments) == 1


async def test_concurrent_batches_with_the_same_url_store_one_item(ingest):
    same = [item(ingest, url="https://weibo.com/race", content=STORY, metrics=Metrics(views=v)) for v in (1, 2, 3, 4)]
    results = await asyncio.gather(*(ingest.service.submit_many([s]) for s in same))
    assert len({r[0].item_id for r in results}) == 1
    assert await ingest.count(models.items) == 1 and await ingest.count(models.item_snapshots) == 4


async def test_concurrent_reposts_of_one_post_join_its_event_and_store_each_key_once(ingest):
    """Reposts in concurrent batches of one process bring the event keys it lacks at the same
    moment: the batches are decided in turn, each seeing the keys of those before it still being
    written, so each key is stored once (event keys have no unique index to catch a double)."""
    first = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/origin", content=STORY)]))[0]
    reposts = [item(ingest, url=f"https://weibo.com/repost{n}", content=f"转发{n}：" + STORY.replace("现场", "当场", n % 3)
                    + "起火原因正在调查中，请大家注意安全。") for n in range(8)]
    results = await asyncio.gather(*(ingest.service.submit_many([r]) for r in reposts))
    assert {r[0].status for r in results} == {"accepted"}
    assert {r[0].event_id for r in results} == {first.event_id}
    keys = [(r["key"], r["event_id"]) for r in await ingest.rows(models.event_keys)]
    assert len(keys) == len(set(keys))
    assert await ingest.count(models.items) == 9 and len(await ingest.messages()) == 9


async def test_event_counts_distinct_mainstream_sites(ingest):
    """Two items on people.com.cn are one site; xinhuanet makes two; an item reporting a count
    of 3 (sites unnamed) lifts the event to 3, never to a sum that double-counts."""
    await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/s1", content=STORY),
        item(ingest, url="http://society.people.com.cn/n1/2026/1118/c1008-1.html", content=STORY),
        item(ingest, url="https://www.people.com.cn/n1/2026/1118/c1008-2.html", content=STORY + "（人民网）"),
    ])
    event = (await ingest.rows(models.events))[0]
    assert (event["mainstream_sites"], event["mainstream_hosts"]) == (1, ["people.com.cn"])
    await ingest.service.submit_many([item(ingest, url="https://www.news.cn/local/1.htm", content=STORY + "新华网")])
    event = (await ingest.rows(models.events))[0]
    assert (event["mainstream_sites"], event["mainstream_hosts"]) == (2, ["news.cn", "people.com.cn"])
    assert (await ingest.messages())[-1].event_metrics.mainstream_sites == 2
    await ingest.service.submit_many([item(ingest, url="https://weibo.com/s2", content="转发 " + STORY,
                                           metrics=Metrics(mainstream_sites=3))])
    assert (await ingest.rows(models.events))[0]["mainstream_sites"] == 3
    assert await ingest.count(models.events) == 1


async def test_drill_items_never_join_real_events(ingest):
    real = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/r1", content=STORY)]))[0]
    drill = (await ingest.service.submit_many([item(ingest, url="https://drill.invalid/d1/1", content=STORY,
                                                    drill_id="d1")]))[0]
    again = (await ingest.service.submit_many([item(ingest, url="https://drill.invalid/d1/2", content="转发 " + STORY,
                                                    drill_id="d1")]))[0]
    assert drill.event_id != real.event_id and again.event_id == drill.event_id
    events = {e["event_id"]: e["drill_id"] for e in await ingest.rows(models.events)}
    assert events == {real.event_id: "", drill.event_id: "d1"}
    assert [m.drill_id for m in await ingest.messages()] == ["", "d1", "d1"]


async def test_the_key_migration_recomputes_exactly_the_keys_the_service_writes(ingest):
    """Ingest 0006 (like 0005) rebuilds every stored item's candidate keys from its cleaned text; they are
    the keys the service wrote, so items arriving after an upgrade find the same events."""
    from alembic import command

    from yuqing.core.migrations import alembic_config

    await ingest.service.submit_many([item(ingest, url="https://weibo.com/a", content=STORY),
                                      item(ingest, url="https://weibo.com/b", content="转发：" + STORY),
                                      item(ingest, url="https://weibo.com/f", content=OTHER)])
    written = {(r["key"], r["event_id"]) for r in await ingest.rows(models.event_keys)}
    assert len(written) > 30
    config = alembic_config("ingest", ingest.settings)
    await asyncio.to_thread(command.downgrade, config, "0005")
    assert await ingest.rows(models.event_keys) == []
    await asyncio.to_thread(command.upgrade, config, "head")
    rebuilt = await ingest.rows(models.event_keys)
    assert {(r["key"], r["event_id"]) for r in rebuilt} == written
    # Where two items of an event share a key, either may stand for the event: one that has it.
    items = {r["item_id"]: r for r in await ingest.rows(models.items)}
    assert all(items[r["item_id"]]["event_id"] == r["event_id"]
               and r["key"] in fingerprint(items[r["item_id"]]["clean_text"]).keys for r in rebuilt)
    later = await ingest.service.submit_many([item(ingest, url="https://weibo.com/c", content=STORY.replace("反映", "反应"))])
    first = (await ingest.rows(models.items, models.items.c.url == "https://weibo.com/a"))[0]
    assert later[0].event_id == first["event_id"]


async def test_concurrent_single_items_share_transactions_and_keep_their_own_outcomes(ingest):
    transactions = []
    real = ingest.service.single_items.submit_many

    async def counted(items, traces=None):
        transactions.append(len(items))
        return await real(items, traces=traces)

    ingest.service.single_items.submit_many = counted
    urls = [f"https://tieba.baidu.com/p/{n}" for n in range(40)]
    outcomes = await asyncio.gather(
        *(ingest.service.submit(item(ingest, url=url, content=STORY if n % 2 else OTHER))
          for n, url in enumerate(urls)),
        ingest.service.submit(item(ingest, url="ftp://bad", content="地址不对")), return_exceptions=True)
    *stored, refused = outcomes
    assert isinstance(refused, InvalidInput)                       # its own error, the others unharmed
    rows = {r["url"]: r for r in await ingest.rows(models.items)}
    assert [rows[url]["item_id"] for url in urls] == [o.item_id for o in stored]
    assert all(rows[url]["event_id"] == o.event_id for url, o in zip(urls, stored))
    assert sum(transactions) == 41 and len(transactions) < 41     # grouped: fewer transactions than items
    assert len({o.event_id for o in stored}) == 2                  # the two matters, clustered as usual


async def test_deciding_a_big_batch_lets_other_work_run_between_its_items(ingest, monkeypatch):
    """A thousand items take tens of milliseconds to place in events: the batch written before
    this one must not wait that long for its next statement, so the placing yields to the loop
    every YIELD_EVERY items (and the events come out as if it had not)."""
    rng = random.Random(5)
    pool = "城关镇白水乡幸福路菜市场敬老院学校医院消防火灾群众反映视频网上老人家属伙食拍下调查救治烧伤现场浓烟"
    texts = ["".join(rng.choice(pool) for _ in range(60)) for _ in range(YIELD_EVERY * 2 + 50)]
    ticks, seen_at_assign = 0, []
    real_assign = CandidateIndex.assign

    def assign(index, *args, **kwargs):
        seen_at_assign.append(ticks)
        return real_assign(index, *args, **kwargs)

    async def other_work():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    monkeypatch.setattr(CandidateIndex, "assign", assign)
    ticker = asyncio.create_task(other_work())
    try:
        outcomes = await ingest.service.submit_many(
            [item(ingest, url=f"https://weibo.com/{n}", content=text) for n, text in enumerate(texts)])
    finally:
        ticker.cancel()
    assert len(seen_at_assign) == len(texts) and all(o.status == "accepted" for o in outcomes)
    # The other task ran while the batch's items were being placed, about once per YIELD_EVERY.
    assert len(set(seen_at_assign)) >= 3
    assert seen_at_assign[YIELD_EVERY - 2] == seen_at_assign[0]   # not after every item
    stored = {r["url"]: r["event_id"] for r in await ingest.rows(models.items)}
    assert [stored[f"https://weibo.com/{n}"] for n in range(len(texts))] == [o.event_id for o in outcomes]


async def test_key_lookups_by_probe_and_by_array_see_the_same_matching_keys(ingest):
    """A few keys are probed one by one, at most `per_key` rows each; thousands go in one array.
    Either way a key on few events comes back whole and a boilerplate key comes back on more
    events than the service matches on (so it is ignored alike)."""
    rows = [{"key": 11, "event_id": f"few{n}", "item_id": f"i{n}"} for n in range(3)]
    rows += [{"key": 22, "event_id": f"many{n}", "item_id": f"j{n}"} for n in range(MAX_EVENTS_PER_KEY + 10)]
    async with ingest.sessions() as session, session.begin():
        await session.execute(models.event_keys.insert(), rows)
    per_key = MAX_EVENTS_PER_KEY + 1
    for keys in ([11, 22, 33], [11, 22, 33, *range(1000, 1000 + PROBED_KEYS)]):
        async with ingest.sessions() as session:
            found = await IngestRepository(session).event_key_rows(keys, per_key)
        events = {key: {event for k, event, _ in found if k == key} for key in (11, 22, 33)}
        assert events[11] == {"few0", "few1", "few2"} and events[33] == set()
        assert per_key <= len(events[22]) <= MAX_EVENTS_PER_KEY + 10


async def test_a_key_stored_twice_for_one_event_counts_once(ingest):
    """Two replicas giving one event a key at the same moment both store it (event keys have no
    primary key). Counted by rows, every key of the story below would carry 21 rows — over the
    boilerplate limit of 20 events — and the repost would start an event of its own; counted
    by (key, event) it has 20 events and the repost joins the story."""
    first = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/a", content=STORY)]))[0]
    keys = [row["key"] for row in await ingest.rows(models.event_keys)]
    planted = [{"key": key, "event_id": first.event_id, "item_id": "replica-copy"} for key in keys]
    planted += [{"key": key, "event_id": f"other{n}", "item_id": f"gone{n}"}
                for key in keys for n in range(MAX_EVENTS_PER_KEY - 1)]
    async with ingest.sessions() as session, session.begin():
        await session.execute(models.event_keys.insert(), planted)
    repost = (await ingest.service.submit_many([item(ingest, url="https://weibo.com/b",
                                                     content="转发：" + STORY.replace("反映", "反应"))]))[0]
    assert repost.event_id == first.event_id


async def test_a_few_items_reads_in_one_statement_answer_as_the_three_reads_do(ingest):
    """PostgreSQL decides a few items from one statement; it must find what the separate reads
    find: stored items by URL and by source id, each key's events (at most per_key), each
    author's recent items — and nothing for what is not stored."""
    pool = ingest.service.driver_pool
    if pool is None:
        pytest.skip("PostgreSQL only: SQLite reads a batch on one session, one read after another")
    stored = await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/s1", content=STORY, author="甲"),
        item(ingest, url="https://weibo.com/s2", content=OTHER, author="甲", source_item_id="wb-2"),
        item(ingest, source="monitor_patrol", source_item_id="p-9", content="龙潭镇一处仓库昨夜发生火灾，无人员伤亡。",
             author="乙", platform="douyin")])
    boilerplate = [{"key": 77, "event_id": f"e{n}", "item_id": f"i{n}"} for n in range(MAX_EVENTS_PER_KEY + 5)]
    async with ingest.sessions() as session, session.begin():
        await session.execute(models.event_keys.insert(), boilerplate)
    stored_keys = [row["key"] for row in await ingest.rows(models.event_keys) if row["key"] != 77]
    urls = ["https://weibo.com/s1", "https://weibo.com/unknown"]
    source_ids = [("platform", "wb-2"), ("monitor_patrol", "p-9"), ("platform", "p-9")]
    keys = [*stored_keys[:8], 77, 123456789]
    authors = [("", "甲"), ("douyin", "乙"), ("", "丙")]
    since, per_key = ingest.clock() - dt.timedelta(days=1), MAX_EVENTS_PER_KEY + 1
    async with pool.acquire() as connection:
        repo = IngestRepository(connection)
        items, key_rows, by_author = await repo.look_up_few(urls, source_ids, keys, per_key, authors, since, 3)
        separately = (await repo.known_items(urls, source_ids), await repo.event_key_rows(keys, per_key),
                      await repo.recent_items_by_authors(authors, since, 3))

    def known(rows) -> list[tuple]:
        return sorted((r["item_id"], r["event_id"], r["canonical_url"], r["source_item_id"], r["views"]) for r in rows)

    assert known(items) == known(separately[0])
    assert {r[0] for r in known(items)} == {o.item_id for o in stored}     # one by URL, two by source id
    assert sorted(map(tuple, key_rows)) == sorted(map(tuple, separately[1]))
    assert {k for k, _, _ in key_rows} == {*stored_keys[:8], 77}
    assert sum(1 for k, _, _ in key_rows if k == 77) == per_key
    assert sorted(map(tuple, by_author)) == sorted(map(tuple, separately[2]))
    assert sorted(by_author) == sorted([("", "甲", stored[0].item_id), ("", "甲", stored[1].item_id),
                                        ("douyin", "乙", stored[2].item_id)])


async def test_a_topic_applies_at_once_here_and_within_the_check_interval_on_another_replica(ingest):
    other = IngestService(ingest.sessions, ingest.service.outbox, ingest.clock,
                          driver_pool=ingest.service.driver_pool)
    other.matchers.max_age_seconds = 1.5
    posts = iter(["龙潭镇一处仓库昨夜发生火灾，无人员伤亡。", "河西镇滨江小区地下车库起火，火灾原因待查。",
                  "白水乡敬老院厨房发生火灾，老人已被转移。", "青山乡一辆货车在国道上发生火灾。"])

    async def topics_of(service: IngestService) -> list[str]:
        outcome = (await service.submit_many([item(ingest, content=next(posts))]))[0]
        row = (await ingest.rows(models.items, models.items.c.item_id == outcome.item_id))[0]
        return [m["name"] for m in row["matches"] if m["kind"] == "topic"]

    assert await topics_of(other) == []          # the other replica has read the configuration
    await ingest.service.save_topic(Topic("", "消防安全", (("火灾",),)))
    assert await topics_of(ingest.service) == ["消防安全"]
    assert await topics_of(other) == []          # within the interval: not yet
    await asyncio.sleep(1.6)
    assert await topics_of(other) == ["消防安全"]


async def test_a_change_committed_while_the_configuration_is_read_is_read_again(ingest):
    """An admin change that commits during another coroutine's version read keeps the cache
    stale, so the next item reads the configuration again instead of trusting it for a second."""
    cache = ingest.service.matchers
    opened = []

    def sessions():
        opened.append(1)
        if len(opened) == 1:
            cache.invalidate()      # the change's commit lands while this read is under way
        return ingest.sessions()

    await cache.current(sessions)
    await cache.current(sessions)
    assert len(opened) == 2
    await cache.current(sessions)
    assert len(opened) == 2         # read once, then trusted for the interval


class HeldWrites:
    """Holds the first batch's write until released, so the next batch is decided while it is
    being written (as under load); optionally fails it then."""

    def __init__(self, service, fail_with: Exception | None = None) -> None:
        self.service, self.real, self.fail_with = service, service._write, fail_with
        self.release, self.holding, self.calls = asyncio.Event(), asyncio.Event(), 0
        service._write = self.write

    async def write(self, decision, staged, now):
        self.calls += 1
        if self.calls == 1:
            self.holding.set()
            await self.release.wait()
            if self.fail_with is not None:
                raise self.fail_with
        return await self.real(decision, staged, now)


async def test_a_batch_decided_while_the_one_before_is_written_sees_that_ones_items_events_and_authors(ingest):
    held = HeldWrites(ingest.service)
    first = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/held", content=STORY, author="甲", metrics=Metrics(views=10))]))
    await held.holding.wait()
    second = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/held", content="再次报送", metrics=Metrics(views=25)),   # snapshot
        item(ingest, url="https://weibo.com/repost", content="转发：" + STORY.replace("反映", "反应")),
        item(ingest, url="https://weibo.com/other", content=OTHER, author="甲")]))
    while len(ingest.service.in_flight.unsettled) < 2:                # the second is decided, the first still being written
        await asyncio.sleep(0.01)
    held.release.set()
    [stored], outcomes = await first, await second
    assert [o.status for o in outcomes] == ["duplicate", "accepted", "accepted"]
    assert outcomes[0].item_id == stored.item_id and outcomes[1].event_id == stored.event_id
    items = {r["url"]: r for r in await ingest.rows(models.items)}
    assert len(items) == 3 and items["https://weibo.com/held"]["views"] == 25
    assert items["https://weibo.com/held"]["snapshot_count"] == 2
    event = (await ingest.rows(models.events, models.events.c.event_id == stored.event_id))[0]
    assert event["item_count"] == 2 and event["views"] == 25          # 10, then +15 from the snapshot
    keys = [(r["key"], r["event_id"]) for r in await ingest.rows(models.event_keys)]
    assert len(keys) == len(set(keys))
    assert ingest.service.in_flight.unsettled == []


async def test_a_batch_whose_reads_began_before_the_one_before_committed_sees_that_ones_items_and_events(ingest):
    """PostgreSQL: a batch reads the database before its turn to decide. The batch before it
    commits after those reads and before that turn: neither the reads nor the batches still
    being written show it then, so it is seen from what this process wrote since the reads."""
    if ingest.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite reads in turn, after the batch before is decided")
    service = ingest.service
    held = HeldWrites(service)
    read_done, real_look_up = asyncio.Event(), service._look_up

    async def look_up(pending, now):
        stored = await real_look_up(pending, now)
        read_done.set()
        return stored
    service._look_up = look_up
    first = asyncio.create_task(service.submit_many([
        item(ingest, url="https://weibo.com/early", content=STORY, author="甲", metrics=Metrics(views=10))]))
    await held.holding.wait()
    read_done.clear()
    await service.deciding.acquire()        # the second's turn to decide waits …
    # (No item with the first's URL: the unique index would have the second decided again.)
    second = asyncio.create_task(service.submit_many([
        item(ingest, url="https://weibo.com/early-repost", content="转发：" + STORY.replace("反映", "反应"),
             metrics=Metrics(views=5)),
        item(ingest, url="https://weibo.com/early-other", content=OTHER)]))
    await read_done.wait()                  # … after its reads, made while the first was not committed
    held.release.set()
    [stored] = await first
    assert service.in_flight.unsettled == []
    service.deciding.release()
    outcomes = await second
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert outcomes[0].event_id == stored.event_id and outcomes[1].event_id != stored.event_id
    assert await ingest.count(models.items) == 3 and await ingest.count(models.events) == 2
    event = (await ingest.rows(models.events, models.events.c.event_id == stored.event_id))[0]
    assert event["item_count"] == 2 and event["views"] == 15
    keys = [(r["key"], r["event_id"]) for r in await ingest.rows(models.event_keys)]
    assert len(keys) == len(set(keys))
    assert service.in_flight.seen_since(service.in_flight.begin_read()) == []   # nothing kept longer than needed


async def test_a_batch_decided_from_one_that_then_fails_is_decided_again(ingest):
    from sqlalchemy.exc import OperationalError

    held = HeldWrites(ingest.service, fail_with=OperationalError("INSERT …", {}, Exception("disk full")))
    first = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/lost", content=STORY, metrics=Metrics(views=10))]))
    await held.holding.wait()
    second = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/lost", content="再次报送", metrics=Metrics(views=25)),
        item(ingest, url="https://weibo.com/repost", content="转发：" + STORY.replace("反映", "反应"))]))
    while len(ingest.service.in_flight.unsettled) < 2:
        await asyncio.sleep(0.01)
    held.release.set()
    (failed, outcomes) = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(failed, OperationalError)
    # Decided first as a snapshot of the failed batch's item and beside its event; decided
    # again, it is a new item and the repost starts the event.
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    items = {r["url"]: r for r in await ingest.rows(models.items)}
    assert len(items) == 2 and items["https://weibo.com/lost"]["views"] == 25
    assert items["https://weibo.com/lost"]["snapshot_count"] == 1
    events = {r["event_id"]: r for r in await ingest.rows(models.events)}
    assert set(events) == {o.event_id for o in outcomes} and len(events) == 2
    assert all(e["item_count"] == 1 for e in events.values())
    assert [m.item_id for m in await ingest.messages()] == [o.item_id for o in outcomes]
    # Nothing of the first decision is left (on PostgreSQL it began writing ahead, see below).
    assert sorted(r["item_id"] for r in await ingest.rows(models.item_snapshots)) == sorted(items[u]["item_id"] for u in items)
    assert {r["event_id"] for r in await ingest.rows(models.event_keys)} <= set(events)
    assert ingest.service.in_flight.unsettled == []


async def test_a_batch_begins_writing_while_the_one_before_is_written_and_commits_after_it(ingest):
    """PostgreSQL: while the batch decided before it is still being written, a batch inserts
    the rows nothing else can wait for (its new events, snapshots and event keys) in its own
    transaction; its items, the updates and its messages follow once that batch committed."""
    if ingest.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite writes one batch at a time")
    sent: list[str] = []
    pool = ingest.service.driver_pool
    held_connections = [await pool.acquire() for _ in range(pool.get_max_size())]
    for connection in held_connections:
        connection.add_query_logger(lambda query: sent.append(query.query))
        await pool.release(connection)
    held = HeldWrites(ingest.service)
    first = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/first", content=STORY, metrics=Metrics(views=10))]))
    await held.holding.wait()
    second = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/second", content=OTHER),
        item(ingest, url="https://weibo.com/repost", content="转发：" + STORY.replace("反映", "反应"))]))

    def free_inserts() -> list[str]:
        return [q for q in sent if 'INSERT INTO "event_keys"' in q and 'INSERT INTO "items"' not in q]
    async with asyncio.timeout(10):
        while not free_inserts():                   # the second writes ahead; the first is held
            await asyncio.sleep(0.01)
    assert await ingest.count(models.items) == 0 and await ingest.count(models.event_keys) == 0   # none committed
    held.release.set()
    [stored], outcomes = await first, await second
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert outcomes[1].event_id == stored.event_id and outcomes[0].event_id != stored.event_id
    statements = [q for q in sent if "INSERT INTO" in q]
    ahead = statements.index(free_inserts()[0])
    first_items = next(n for n, q in enumerate(statements) if 'INSERT INTO "items"' in q)
    assert ahead < first_items                      # written ahead of the first batch's items
    assert [m.item_id for m in await ingest.messages()] == [stored.item_id] + [o.item_id for o in outcomes]
    event = (await ingest.rows(models.events, models.events.c.event_id == stored.event_id))[0]
    assert event["item_count"] == 2
    assert {r["event_id"] for r in await ingest.rows(models.event_keys)} == {stored.event_id, outcomes[0].event_id}
    assert await ingest.count(models.item_snapshots) == 3
    assert ingest.service.in_flight.unsettled == []


async def test_a_batch_is_one_insert_statement_and_one_that_fails_leaves_nothing(ingest):
    """On PostgreSQL a batch adds its rows with one statement. One with event keys to store
    claims them in a transaction (see the replicas' test below); one with neither keys nor rows
    stored before to change runs that statement alone, without BEGIN and COMMIT. When another
    replica stored the same URL and story while a batch was held, the batch fails whole (no
    event of its own is left) and is decided again: its item is a snapshot of the replica's."""
    engine = ingest.sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes a batch as several statements, in a transaction")
    sent: list[str] = []

    def log_statement(query) -> None:
        sent.append(query.query.strip().upper())

    def written() -> list[str]:
        """Transaction control and the batch's insert, of what asyncpg ran."""
        return [q.split()[0].rstrip(";") for q in sent if q.startswith(("BEGIN", "COMMIT", 'WITH WRITTEN_0 AS (INSERT'))]
    await ingest.service.submit_many([item(ingest, url="https://weibo.com/warm", content="城关镇路灯不亮")])  # types and topics read
    pool = ingest.service.driver_pool

    async def on_every_connection(act) -> None:
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        for connection in held:
            act(connection)
            await pool.release(connection)

    await on_every_connection(lambda connection: connection.add_query_logger(log_statement))
    try:
        await ingest.service.submit_many([item(ingest, url="https://weibo.com/short", content="白水乡停电了")])
        assert written() == ["WITH"]                         # too short to have event keys
        sent.clear()
        await ingest.service.submit_many([item(ingest, url="https://weibo.com/alone", content=OTHER)])
        assert written() == ["BEGIN", "WITH", "COMMIT"]     # it claims its new event's keys
        assert any("PG_ADVISORY_XACT_LOCK" in q for q in sent)
        sent.clear()
        await ingest.service.submit_many([item(ingest, url="https://weibo.com/alone-again", content="转发：" + OTHER)])
        assert written() == ["BEGIN", "WITH", "COMMIT"]     # it changes the stored event
    finally:
        await on_every_connection(lambda connection: connection.remove_query_logger(log_statement))

    held = HeldWrites(ingest.service)
    first = asyncio.create_task(ingest.service.submit_many([
        item(ingest, url="https://weibo.com/raced", content=STORY, metrics=Metrics(views=10))]))
    await held.holding.wait()
    replica = IngestService(ingest.sessions, Outbox(models.outbox, ingest.settings.stream_prefix), ingest.clock,
                            driver_pool=ingest.service.driver_pool)
    [theirs] = await replica.submit_many([item(ingest, url="https://weibo.com/raced", content=STORY,
                                               metrics=Metrics(views=5))])
    held.release.set()
    [ours] = await first
    assert (ours.status, ours.item_id, ours.event_id) == ("duplicate", theirs.item_id, theirs.event_id)
    events = {e["event_id"] for e in await ingest.rows(models.events)}
    assert theirs.event_id in events and len(events) == 4      # the three matters before and the replica's: none left over
    [stored] = [i for i in await ingest.rows(models.items) if i["url"] == "https://weibo.com/raced"]
    assert stored["views"] == 10 and stored["snapshot_count"] == 2


async def test_a_stored_item_reported_twice_in_one_batch_counts_two_snapshots_and_keeps_the_last_figures(ingest):
    [stored] = await ingest.service.submit_many([item(ingest, url="https://weibo.com/twice", content=STORY,
                                                       metrics=Metrics(views=100, comments=5))])
    outcomes = await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/twice", content="再报", metrics=Metrics(views=150, comments=6)),
        item(ingest, url="https://m.weibo.cn/twice", content="又报", metrics=Metrics(views=180, comments=4))])
    assert [o.status for o in outcomes] == ["duplicate", "duplicate"]
    [row] = await ingest.rows(models.items)
    assert row["snapshot_count"] == 3 and (row["views"], row["comments"]) == (180, 4)
    event = (await ingest.rows(models.events, models.events.c.event_id == stored.event_id))[0]
    assert (event["views"], event["comments"], event["item_count"]) == (180, 4, 1)   # 100 → 150 → 180
    assert await ingest.count(models.item_snapshots) == 3


async def test_items_and_snapshots_always_have_their_parents_and_a_stray_one_is_counted(ingest):
    """The schema no longer checks these references (docs/operations.md); what ingest writes —
    new events, reposts joining stored ones, metrics reported again, alone and in a batch — has
    its parents, and `orphans` finds the one row that does not."""
    await ingest.service.submit_many([item(ingest, url="https://weibo.com/9", content=STORY, metrics=Metrics(views=9))])
    await ingest.service.submit_many([
        item(ingest, url="https://weibo.com/10", content=STORY + "转发", metrics=Metrics(views=5)),
        item(ingest, url="https://weibo.com/9", content=STORY, metrics=Metrics(views=40)),
        item(ingest, url="https://tieba.baidu.com/p/11", content=OTHER),
    ])
    assert (await ingest.count(models.items), await ingest.count(models.item_snapshots)) == (3, 4)
    assert await stray_rows(ingest.sessions, models.UNENFORCED_REFERENCES) == [0, 0, 0]
    async with ingest.sessions() as session, session.begin():
        await session.execute(models.event_snapshots.insert().values(
            snapshot_id="stray", event_id="no-such-event", observed_at=ingest.clock(), item_count=1, views=0,
            comments=0, reposts=0, likes=0, mainstream_sites=0))
    assert await stray_rows(ingest.sessions, models.UNENFORCED_REFERENCES) == [0, 0, 1]


async def test_more_batches_at_once_than_the_pool_has_connections_are_all_answered_and_stored(ingest):
    """Forty callers send a batch each at the same moment (platforms pushing, feeds, imports).
    Each batch waits for the one decided before it; one writing ahead holds a pooled connection
    meanwhile, so with no bound on the batches storing at once they took all ten and the batch
    they waited for never got one: every call hung. Now all are answered, each item stored once
    in its own event, a reposted story joining its original's."""
    rng = random.Random(11)
    story = random_matter(rng)
    first = await ingest.service.submit_many([item(ingest, url="https://weibo.com/first", content=story)])
    batches = [[item(ingest, url=f"https://weibo.com/{n}/{k}", content=random_matter(rng)) for k in range(3)]
               for n in range(40)]
    batches[39].append(item(ingest, url="https://weibo.com/repost", content="转发：" + story))
    results = await asyncio.wait_for(asyncio.gather(*(ingest.service.submit_many(b) for b in batches)), timeout=60)
    assert [[o.status for o in outcomes] for outcomes in results] == [["accepted"] * len(b) for b in batches]
    stored = {row["url"]: row for row in await ingest.rows(models.items)}
    assert len(stored) == 1 + 121
    assert stored["https://weibo.com/repost"]["event_id"] == first[0].event_id
    assert len({row["event_id"] for row in stored.values()}) == 1 + 120
    assert len(await ingest.messages()) == 1 + 121


async def test_ingest_refuses_a_driver_pool_too_small_for_the_batches_it_stores_at_once(ingest):
    if ingest.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite has no driver pool")
    small = await open_driver_pool(ingest.settings, "ingest", min_size=1, max_size=MAX_BATCHES_STORING)
    try:
        with pytest.raises(ValueError, match=f"more than {MAX_BATCHES_STORING} connections"):
            IngestService(ingest.sessions, Outbox(models.outbox, ingest.settings.stream_prefix), driver_pool=small)
    finally:
        await small.close()


async def test_two_replicas_reporting_the_same_urls_at_once_answer_every_item_and_store_each_url_once(ingest):
    """Two replicas (a process each in production) are sent batches that report the same URLs
    at the same moment, each writing several batches ahead. A batch that loses a URL to the
    other replica is decided again (the item becomes a snapshot), and so is every batch written
    behind it: none gives up, and every report is stored once, as an item or as its snapshot."""
    if ingest.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("replicas share a PostgreSQL database (SQLite is the single-process local run)")
    rng = random.Random(7)

    def text() -> str:
        return random_matter(rng, phrases=4, length=12)

    hot = {f"https://weibo.com/hot/{n}": text() for n in range(80)}
    sent: Counter[str] = Counter()

    def batch(name: str, number: int) -> list[NewItem]:
        urls = rng.sample(sorted(hot), 50)
        sent.update(urls)
        return ([item(ingest, url=url, content=hot[url], metrics=Metrics(views=rng.randint(1, 999))) for url in urls]
                + [item(ingest, url=f"https://weibo.com/{name}/{number}/{n}", content=text()) for n in range(30)])

    replica_pool = await open_driver_pool(ingest.settings, "ingest")
    replica = IngestService(ingest.sessions, Outbox(models.outbox, ingest.settings.stream_prefix), ingest.clock,
                            driver_pool=replica_pool)
    conflicts = counted("yuqing_ingest_batch_retries_total", cause="conflict")
    try:
        batches = [(service, batch(name, number)) for number in range(4)
                   for name, service in (("a", ingest.service), ("b", replica))]
        results = await asyncio.gather(*(service.submit_many(items) for service, items in batches))
    finally:
        await replica_pool.close()
    assert counted("yuqing_ingest_batch_retries_total", cause="conflict") > conflicts     # the replicas did collide
    for (_, items), outcomes in zip(batches, results, strict=True):
        assert [o.index for o in outcomes] == list(range(len(items)))
        assert {o.status for o in outcomes} <= {"accepted", "duplicate"}
    stored = {row["url"]: row for row in await ingest.rows(models.items)}
    assert len(stored) == len(sent) + 8 * 30
    assert {url: stored[url]["snapshot_count"] for url in sent} == dict(sent)
    snapshots = Counter(row["item_id"] for row in await ingest.rows(models.item_snapshots))
    assert {url: snapshots[stored[url]["item_id"]] for url in sent} == dict(sent)
    assert len(await ingest.messages()) == sum(len(items) for _, items in batches)
    assert await stray_rows(ingest.sessions, models.UNENFORCED_REFERENCES) == [0, 0, 0]


async def test_a_post_and_its_repost_reaching_two_replicas_at_once_join_one_event(ingest):
    """Each replica sees its own batches still being written but not the other's: a post sent to
    one and its repost to the other at the same moment each started an event (118 stories of
    120 split so). Writers of event keys now claim them one at a time, and a batch that finds a
    key of an event it starts stored meanwhile for another event is decided again and joins it."""
    if ingest.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("replicas share a PostgreSQL database (SQLite is the single-process local run)")
    rng = random.Random(5)
    replica_pool = await open_driver_pool(ingest.settings, "ingest")
    replica = IngestService(ingest.sessions, Outbox(models.outbox, ingest.settings.stream_prefix), ingest.clock,
                            driver_pool=replica_pool)
    conflicts = counted("yuqing_ingest_batch_retries_total", cause="conflict")
    stories = [random_matter(rng) for _ in range(60)]
    try:
        calls = []
        for n, story in enumerate(stories):
            calls.append(ingest.service.submit_many([item(ingest, url=f"https://weibo.com/post/{n}", content=story)]))
            calls.append(replica.submit_many([item(ingest, url=f"https://weibo.com/repost/{n}", content="转发：" + story)]))
        results = await asyncio.gather(*calls)
    finally:
        await replica_pool.close()
    assert all(o.status == "accepted" for outcomes in results for o in outcomes)
    event_of = {row["url"]: row["event_id"] for row in await ingest.rows(models.items)}
    assert [n for n in range(len(stories))
            if event_of[f"https://weibo.com/post/{n}"] != event_of[f"https://weibo.com/repost/{n}"]] == []
    assert counted("yuqing_ingest_batch_retries_total", cause="conflict") > conflicts    # the replicas did race
    assert len(set(event_of.values())) == len(stories)
    assert await stray_rows(ingest.sessions, models.UNENFORCED_REFERENCES) == [0, 0, 0]


async def test_a_batch_that_keeps_failing_gives_up_with_a_clear_answer_and_stores_nothing(ingest, caplog):
    """A batch that keeps losing is answered 503 (the sender resends it) after MAX_STORE_ATTEMPTS
    tries, and the last error is logged: a failure that is no race shows as itself."""
    calls = []
    store = ingest.service._store

    async def losing(pending, now, read_early=True):
        calls.append(1)
        raise IntegrityError("INSERT INTO items", None, asyncpg.UniqueViolationError("duplicate key value"))

    ingest.service._store = losing
    with pytest.raises(Unavailable) as raised:
        await ingest.service.submit_many([item(ingest, url="https://weibo.com/lost", content=STORY)])
    ingest.service._store = store
    assert raised.value.message == "入库暂时失败，请稍后重试" and len(calls) == MAX_STORE_ATTEMPTS
    assert "ingest batch not stored" in caplog.text
    assert await ingest.count(models.items) == 0 and await ingest.messages() == []
