"""Every way in through the gateway, against the running suite."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import grpc
import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import PASSWORD, graded_and_assigned, wait_for
from yuqing.core import service_token
from yuqing.core.grpc_server import client_channel
from yuqing.core.identity import Caller
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc


def bearer(client: httpx.Client, username: str) -> dict:
    token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}).json()
    return {"authorization": f"Bearer {token['access_token']}"}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_batch_answers_per_item_and_a_bad_item_never_sinks_it(client):
    items = [
        {"source": "platform", "url": "https://weibo.com/e2e-batch-1", "content": "河西镇滨江小区电梯困人40分钟，业主质疑物业维保不到位"},
        {"source": "platform", "url": "https://weibo.com/e2e-batch-2", "metrics": {"views": "很多"}, "content": "x"},
        "not an object",
        {"source": "platform", "url": "ftp://wrong", "content": "网址不对"},
        {"source": "platform", "url": "https://m.weibo.cn/e2e-batch-1?spm=1", "content": "同一条", "metrics": {"views": 90}},
    ]
    response = client.post("/api/v1/items/batch", json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected", "rejected", "rejected", "duplicate"]
    assert body["results"][1]["errors"][0]["field"] == "items[1].metrics.views"
    assert body["results"][3]["errors"][0]["field"] == "items[3].url"
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 1, 3)
    event = client.get(f"/api/v1/events/{body['results'][0]['event_id']}").json()
    assert event["item_count"] == 1 and event["metrics"]["views"] == 90 and event["locality"] == "hexi"


def test_batch_over_the_limit_is_refused_whole(client):
    response = client.post("/api/v1/items/batch", json={"items": [{"source": "s", "title": "t"}] * 1001})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "items"


def test_monitor_report_keeps_screenshots_as_evidence(client):
    headers = bearer(client, "jiance")
    image = png()
    response = client.post("/api/v1/reports", headers=headers, data={
        "title": "<img src=x onerror=alert(1)>青山村养猪场粪污直排", "content": "青山乡青山村养猪场粪污直排水塘，臭气熏天",
        "platform": "抖音"}, files=[("screenshots", ("现场<script>.png", image, "image/png"))])
    assert response.status_code == 201, response.text
    event_id, item_id = response.json()["event_id"], response.json()["item_id"]
    event = client.get(f"/api/v1/events/{event_id}").json()
    attachment = event["items"][0]["attachments"][0]
    assert attachment["sha256"] == hashlib.sha256(image).hexdigest() and attachment["size"] == len(image)
    download = client.get(f"/api/v1/events/{event_id}/items/{item_id}/attachments/{attachment['attachment_id']}")
    assert download.content == image and download.headers["x-content-sha256"] == attachment["sha256"]
    assert download.headers["content-disposition"].startswith("attachment;")


def test_fifty_megabyte_upload_is_refused_and_stores_nothing(client):
    before = client.get("/api/v1/events", params={"page_size": 1}).json()["total"]
    response = client.post("/api/v1/reports", data={"title": "巨大附件"},
                           files=[("screenshots", ("big.png", b"\0" * (50 * 1024 * 1024), "image/png"))])
    assert response.status_code == 413
    assert client.get("/api/v1/events", params={"page_size": 1}).json()["total"] == before


def test_fake_screenshot_is_rejected_with_its_reason(client):
    response = client.post("/api/v1/reports", data={"title": "假截图", "content": "内容"},
                           files=[("screenshots", ("a.png", b"<svg onload=alert(1)>", "image/png"))])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments[0]"


def test_superior_notice_carries_its_feedback_deadline(client):
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=4)).replace(microsecond=0)
    response = client.post("/api/v1/notices", headers=bearer(client, "yqb"), json={
        "issuing_agency": "市委网信办", "feedback_deadline": deadline.isoformat(), "notice_number": "网信通〔2026〕88号",
        "title": "关于龙潭镇集市销售假冒化肥舆情的通报", "content": "请于4小时内反馈核查情况。"})
    assert response.status_code == 201, response.text
    event = client.get(f"/api/v1/events/{response.json()['event_id']}").json()
    assert dt.datetime.fromisoformat(event["feedback_deadline"]) == deadline
    assert event["items"][0]["issuing_agency"] == "市委网信办"
    # Dispatch takes the notice off ingest's stream: its deadline is a step of the lead assignment.
    lead = next(a for a in graded_and_assigned(client, event["event_id"])["assignments"] if a["role"] == "lead")
    step = wait_for(lambda: client.get(f"/api/v1/assignments/{lead['assignment_id']}").json()["deadlines"],
                    lambda steps: any(d["step"] == "superior_feedback" for d in steps))
    feedback = next(d for d in step if d["step"] == "superior_feedback")
    assert dt.datetime.fromisoformat(feedback["due_at"]) == deadline and feedback["owner"] == "office"
    missing = client.post("/api/v1/notices", headers=bearer(client, "yqb"), json={"issuing_agency": "市委网信办", "title": "无时限"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "feedback_deadline"


def test_public_tip_needs_no_account_escapes_content_and_is_rate_limited(suite):
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as anonymous:
        page = anonymous.post("/public/tip", data={"content": "<script>alert(1)</script>白水乡敬老院伙食差，老人吃剩饭"})
        assert page.status_code == 201 and "受理编号" in page.text and "<script>alert(1)" not in page.text
        statuses = []
        for _ in range(11):  # the limit is 5 per 10-minute window; a window edge may allow 5 more
            statuses.append(anonymous.post("/api/v1/tips", json={"content": "白水乡敬老院伙食差，老人每顿只有一个素菜"}).status_code)
            if statuses[-1] == 429:
                break
        assert statuses[-1] == 429 and statuses.count(201) >= 4
        limited = anonymous.post("/api/v1/tips", json={"content": "再来一条举报内容"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_admin_topics_are_matched_on_new_items(client):
    bad = client.post("/api/v1/admin/topics", json={"name": "空", "all_of": [["！！"]]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "all_of"
    created = client.post("/api/v1/admin/topics", json={"name": "农资打假", "all_of": [["化肥", "种子", "农药"], ["假冒", "假"]]})
    assert created.status_code == 201, created.text
    response = client.post("/api/v1/items", json={"source": "platform", "content": "有网民称在龙潭镇集市上买到假冒化肥，庄稼大面积枯死"})
    event = wait_for(lambda: client.get(f"/api/v1/events/{response.json()['event_id']}").json(), lambda e: e["topics"])
    assert event["topics"] == ["农资打假"]
    unit_user = bearer(client, "hexi_jbr")
    assert client.post("/api/v1/admin/topics", headers=unit_user,
                       json={"name": "越权", "all_of": [["x"]]}).status_code == 403


def test_grpc_client_streaming_commits_as_items_arrive(suite):
    async def push():
        channel = client_channel(suite.settings.address_of("ingest"))
        stub = ingest_pb2_grpc.IngestServiceStub(channel)

        async def items():
            yield ingest_pb2.ItemInput(source="platform", url="https://weibo.com/e2e-stream-1", content="县城交通管制导致拥堵，通勤时间增加")
            yield ingest_pb2.ItemInput(source="", title="没有来源")
            yield ingest_pb2.ItemInput(source="platform", url="https://weibo.com/e2e-stream-1", content="同一条再报")

        try:
            return await stub.StreamItems(items(), metadata=Caller("platform", frozenset({"monitor"})).metadata())
        finally:
            await channel.close()

    import asyncio

    # A platform adapter inside the cluster signs its calls like a service; unsigned ones are refused.
    with pytest.raises(grpc.aio.AioRpcError) as unsigned:
        asyncio.run(push())
    assert unsigned.value.code() == grpc.StatusCode.UNAUTHENTICATED
    service_token.configure("platform", suite.settings.service_token_key)
    try:
        summary = asyncio.run(push())
    finally:
        service_token.configure("platform", None)
    assert (summary.received, summary.accepted, summary.duplicates, summary.rejected) == (3, 1, 1, 1)
    assert summary.rejections[0].index == 1 and summary.rejections[0].problems[0].field == "source"
