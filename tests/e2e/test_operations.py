"""What an operator watches: every process serves Prometheus figures, and they move with the
work — items ingested, each stream hop's latency, consumer lag, the outbox backlog, open and
overdue assignments, timer lateness, the gateway's request times."""

from __future__ import annotations

import os
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import graded_and_assigned, wait_for
from yuqing.suite import PROCESSES


def scrape(suite, process: str) -> dict[tuple[str, tuple], float]:
    port = suite.process_env[process]["YQ_METRICS_PORT"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(figures: dict, name: str, **labels) -> float | None:
    """The sample's value; labels not named may be anything (summed)."""
    found = [v for (n, ls), v in figures.items() if n == name and set(labels.items()) <= set(ls)]
    return sum(found) if found else None


def test_every_process_serves_the_figures_an_operator_watches(suite, client):
    before = {name: scrape(suite, name) for name in PROCESSES}
    accepted = client.post("/api/v1/items", json={
        "source": "monitor_patrol", "title": "城关镇自来水厂停水三天无人回应", "region_hint": "城关镇",
        "url": f"https://bbs.example.cn/t/{uuid.uuid4().hex}", "metrics": {"views": 1200}}).json()
    graded_and_assigned(client, accepted["event_id"])

    ingest = scrape(suite, "ingest")
    assert value(ingest, "yuqing_items_ingested_total", outcome="accepted") >= (
        value(before["ingest"], "yuqing_items_ingested_total", outcome="accepted") or 0) + 1
    assert value(ingest, "yuqing_outbox_backlog_messages", service="ingest") is not None

    grading = wait_for(lambda: scrape(suite, "grading"),
                       lambda f: (value(f, "yuqing_stream_message_latency_seconds_count", group="grading") or 0)
                       > (value(before["grading"], "yuqing_stream_message_latency_seconds_count", group="grading") or 0))
    assert value(grading, "yuqing_stream_lag_messages", group="grading") is not None
    assert value(grading, "yuqing_stream_pending_messages", group="grading") is not None

    dispatch = wait_for(lambda: scrape(suite, "dispatch"),
                        lambda f: (value(f, "yuqing_assignments_open") or 0) >= 1)
    assert value(dispatch, "yuqing_assignments_overdue") is not None
    assert value(dispatch, "yuqing_timer_lateness_seconds_count") is not None
    assert value(dispatch, "yuqing_stream_message_latency_seconds_count", group="dispatch") >= 1

    assert value(scrape(suite, "publish"), "yuqing_outbox_backlog_messages", service="publish") is not None
    gateway = scrape(suite, "gateway")
    assert value(gateway, "yuqing_http_request_seconds_count", route="/api/v1/items", method="POST", status="2xx") >= 1
    assert value(gateway, "yuqing_gateway_single_items_total", way="alone") >= (
        value(before["gateway"], "yuqing_gateway_single_items_total", way="alone") or 0) + 1
    # Route templates, never raw paths: one series for every event's page.
    routes = {dict(labels).get("route") for (name, labels) in gateway if name == "yuqing_http_request_seconds_count"}
    assert "/api/v1/events/{event_id}" in routes and not any(accepted["event_id"] in (r or "") for r in routes)


def test_the_services_working_from_streams_run_at_a_lower_cpu_priority_than_intake(suite):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    niceness = {name: os.getpriority(os.PRIO_PROCESS, suite.processes[name].pid) for name in PROCESSES}
    background = min(own + 10, 19)       # the system caps niceness at 19
    assert niceness == {"ingest": own, "grading": background, "dispatch": background, "publish": background,
                        "gateway": own}
