"""Kill -9 of grading while items flow: after a restart every item is graded exactly once and
no assignment is duplicated."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
from sqlalchemy import func, select

from services.dispatch import models as dispatch_models
from services.grading import models as grading_models
from tests.e2e.conftest import wait_for
from yuqing.core.db import create_engine

ITEMS = 60


def test_kill_grading_while_items_flow(suite, client):
    accepted: list[dict] = []

    def produce():
        for n in range(ITEMS):
            response = client.post("/api/v1/items", json={
                "source": "platform", "title": f"城关镇第{n}号测试信息", "region_hint": "城关镇",
                "url": f"https://bbs.example.cn/t/{uuid.uuid4().hex}", "metrics": {"views": 50 * n}})
            assert response.status_code == 201, response.text
            accepted.append(response.json())
            time.sleep(0.03)

    producer = threading.Thread(target=produce)
    producer.start()
    wait_for(lambda: len(accepted), lambda n: n >= ITEMS // 3, timeout=30, interval=0.01)
    suite.kill("grading")
    ready = httpx.get(f"{suite.gateway_url}/readyz").json()
    assert ready["services"]["grading"]["status"] != "SERVING"
    time.sleep(1)
    suite.start("grading")
    producer.join()
    suite.wait_ready()

    event_ids = {a["event_id"] for a in accepted}
    assert len(event_ids) == ITEMS

    def counts():
        return asyncio.run(_counts(suite, [a["item_id"] for a in accepted], sorted(event_ids)))

    runs, assignments = wait_for(counts, lambda c: len(c[1]) == ITEMS, timeout=60, interval=0.5)
    assert sorted(runs.values()) == [1] * ITEMS, "each item graded exactly once"
    assert set(runs) == {a["item_id"] for a in accepted}
    assert sorted(assignments.values()) == [1] * ITEMS, "one assignment per event, none duplicated"


async def _counts(suite, item_ids, event_ids):
    settings = suite.settings
    grading = create_engine(settings, "grading")
    dispatch = create_engine(settings, "dispatch")
    try:
        async with grading.connect() as conn:
            runs = dict((await conn.execute(
                select(grading_models.grading_runs.c.item_id, func.count())
                .where(grading_models.grading_runs.c.item_id.in_(item_ids))
                .group_by(grading_models.grading_runs.c.item_id))).all())
        async with dispatch.connect() as conn:
            assignments = dict((await conn.execute(
                select(dispatch_models.assignments.c.event_id, func.count())
                .where(dispatch_models.assignments.c.event_id.in_(event_ids))
                .group_by(dispatch_models.assignments.c.event_id))).all())
    finally:
        await grading.dispose()
        await dispatch.dispose()
    return runs, assignments
