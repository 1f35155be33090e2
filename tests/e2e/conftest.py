"""The real suite — migrations, seed, five processes on loopback ports — per backend."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.conftest import run_id
from tests.e2e.otlp_receiver import OtlpReceiver
from yuqing.core.db import create_engine
from yuqing.suite import Suite, loopback_ports

PASSWORD = "e2e-demo-password"


@pytest.fixture(scope="session")
def otlp():
    with OtlpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def suite(backend, tmp_path_factory, otlp):
    yield from running_suite(backend, tmp_path_factory, otlp)


@pytest.fixture(scope="module")
def own_suite(backend, tmp_path_factory, otlp):
    """A suite of the module's own, for tests that change data others rely on (fuzzing)."""
    yield from running_suite(backend, tmp_path_factory, otlp)


def running_suite(backend, tmp_path_factory, otlp, replicas: dict[str, int] | None = None, **extra: str):
    """The suite on loopback ports; `replicas` adds processes of a service ({"ingest": 2}: three in all)."""
    rid = run_id()
    overrides = {
        **backend.env(tmp_path_factory.mktemp(f"suite-{backend.name}"), rid),
        **loopback_ports(),
        "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200", "YQ_METRICS_REFRESH_SECONDS": "0.5",
        # Every call between processes signed, as in the prod overlay.
        "YQ_SERVICE_TOKEN_KEY": f"e2e-service-token-{rid}-0123456789abcdef", **extra,
    }
    running = Suite.from_environment(overrides, inherit_yq=False)
    for service, count in (replicas or {}).items():
        running.add_replicas(service, count)
    running.metrics_ports()
    try:
        running.prepare()
        running.seed(PASSWORD)
        running.start_all()
        running.wait_ready(timeout=90)
        yield running
    finally:
        running.stop()
        if backend.database_url:
            running.drop_data()


@pytest.fixture(scope="session")
def client(suite):
    with httpx.Client(base_url=suite.gateway_url, timeout=30) as http:
        token = http.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()
        http.headers["authorization"] = f"Bearer {token['access_token']}"
        yield http


def query_service(suite, service: str, query, all_rows: bool = False):
    """Read a service's own tables directly (for checks after the fact): one value, or every
    row's first column."""
    async def run():
        engine = create_engine(suite.settings, service)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(query)).scalars()) if all_rows else await conn.scalar(query)
        finally:
            await engine.dispose()
    return asyncio.run(run())


def wait_for(fetch, ready, timeout: float = 30, interval: float = 0.1):
    """Poll `fetch()` until `ready(result)`; the last result on success."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if ready(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready after {timeout} s: {result}")
        time.sleep(interval)


def graded_and_assigned(client: httpx.Client, event_id: str, timeout: float = 30) -> dict:
    return wait_for(lambda: client.get(f"/api/v1/events/{event_id}").json(),
                    lambda e: e.get("level") and e.get("assignments"), timeout=timeout)
