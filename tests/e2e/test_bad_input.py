"""Bad input gets a specific problem response and stores nothing."""

from __future__ import annotations

import pytest


def event_total(client) -> int:
    return client.get("/api/v1/events").json()["total"]


@pytest.fixture
def unchanged(client):
    before = event_total(client)
    yield
    assert event_total(client) == before, "bad input must leave stored data untouched"


def test_malformed_json(client, unchanged):
    response = client.post("/api/v1/items", content=b'{"source": "x", "title": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "请求体不是合法的 JSON"


def test_neither_title_nor_content(client, unchanged):
    response = client.post("/api/v1/items", json={"source": "public_tip", "url": "https://a.cn/1"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == [{"field": "title", "reason": "标题和正文至少填写一项"}]


def test_missing_source_and_wrong_types(client, unchanged):
    response = client.post("/api/v1/items", json={"title": "t", "metrics": {"views": "很多", "comments": -1},
                                                  "discovered_at": "yesterday"})
    assert response.status_code == 422
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert fields["source"] == "必填"
    assert fields["metrics.views"] == "必须是整数"
    assert fields["metrics.comments"] == "不能为负数"
    assert "ISO 8601" in fields["discovered_at"]


def test_ten_megabyte_body(client, unchanged):
    body = b'{"source": "x", "content": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/items", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_bad_url_is_refused_by_ingest(client, unchanged):
    response = client.post("/api/v1/items", json={"source": "s", "title": "t", "url": "javascript:alert(1)"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"


def test_no_token_and_wrong_password(suite, client):
    import httpx

    with httpx.Client(base_url=suite.gateway_url) as anonymous:
        assert anonymous.post("/api/v1/items", json={"source": "s", "title": "t"}).status_code == 401
        wrong = anonymous.post("/api/v1/auth/token", json={"username": "admin", "password": "nope"})
        assert wrong.status_code == 401 and wrong.json()["title"] == "用户名或密码错误"


def test_text_no_database_can_store_is_refused_naming_the_field(client):
    refused = client.post("/api/v1/auth/token", json={"username": "a\u0000b", "password": "x"})
    assert refused.status_code == 422 and "NUL" in refused.text
    lone = client.put("/api/v1/admin/units/hexi", content='{"name": "\\ud83d河西", "kind": "township"}'.encode(),
                      headers={"content-type": "application/json"})
    assert lone.status_code == 422 and "代理字符" in lone.text
    assert client.get("/api/v1/scorecards", params={"start": "2026-11-01", "end": "2026-11-02", "unit": "\x00"}).status_code == 422
    assert client.get("/api/v1/events/%ff%fe").status_code == 422
    assert client.get("/api/v1/events/%00").status_code == 422
