"""Backends the tests run against: SQLite + embedded Redis always; the machine's PostgreSQL
and Redis as well when YQ_TEST_DATABASE_URL / YQ_TEST_REDIS_URL are set (CI sets both)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from prometheus_client import REGISTRY


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str | None  # None: SQLite files in the data dir
    redis_url: str | None     # None: embedded Redis in the data dir

    def env(self, data_dir, run_id: str) -> dict[str, str]:
        """YQ_* variables for a suite isolated from every other test run."""
        env = {"YQ_DATA_DIR": str(data_dir), "YQ_STREAM_PREFIX": f"t{run_id}",
               "YQ_DATABASE_SCHEMA_PREFIX": f"t{run_id}_"}
        if self.database_url:
            env["YQ_DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["YQ_REDIS_URL"] = self.redis_url
        return env


def backends() -> list[Backend]:
    found = [Backend("sqlite-embedded", None, None)]
    database, redis_url = os.environ.get("YQ_TEST_DATABASE_URL"), os.environ.get("YQ_TEST_REDIS_URL")
    if database or redis_url:
        found.append(Backend("postgres-redis", database, redis_url))
    return found


@pytest.fixture(params=backends(), ids=lambda b: b.name, scope="session")
def backend(request) -> Backend:
    return request.param


def counted(sample: str, **labels: str) -> float:
    """A Prometheus counter sample of this process (0 before its first increment)."""
    return REGISTRY.get_sample_value(sample, labels) or 0.0


def run_id() -> str:
    return uuid.uuid4().hex[:10]
