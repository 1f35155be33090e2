"""The whole suite on one machine: migrations, demo seed, embedded Redis, and the four
services plus the gateway as separate processes on loopback ports.

`yuqing up` uses it; the end-to-end tests use it too, so they start the same real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from yuqing.core import migrations
from yuqing.core.db import create_engine, schema_name, session_factory
from yuqing.core.ports import free_port
from yuqing.core.redis import EmbeddedRedis, delete_streams
from yuqing.core.settings import SERVICES, CoreSettings

PROCESSES = (*SERVICES, "gateway")
# On one machine the services that mostly work from streams yield the CPU to intake: the
# gateway, ingest and the databases go first when the cores are busy (their own console
# requests are few and still served). At 200 items/s: HTTP p50 21 → 15 ms, p99 55 → 39 ms,
# sent → assignment unchanged (bench/latency.py).
BACKGROUND_NICE = {"grading": "10", "dispatch": "10", "publish": "10"}


def loopback_ports() -> dict[str, str]:
    """YQ_* settings putting the gateway and every service on free loopback ports, so a suite
    can run beside another (tests, benchmarks)."""
    return {"YQ_GATEWAY_PORT": str(free_port()),
            **{f"YQ_{name.upper()}_ADDRESS": f"127.0.0.1:{free_port()}" for name in SERVICES}}


@dataclass
class Suite:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    embedded_redis: EmbeddedRedis | None = None
    # Per process (service name or replica name such as "ingest-2"): YQ_* settings of its own.
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, overrides: dict[str, str] | None = None, inherit_yq: bool = True) -> Suite:
        """The suite's environment: this process's, with `overrides` on top. Tests pass
        inherit_yq=False so a developer's own YQ_* settings cannot leak into them."""
        base = {k: v for k, v in os.environ.items() if inherit_yq or not k.startswith("YQ_")}
        env = {**base, **(overrides or {})}
        settings = CoreSettings.from_env(env)
        data_dir = Path(settings.data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        env["YQ_DATA_DIR"] = str(data_dir)
        return cls(env=env, log_dir=data_dir / "logs")

    @property
    def settings(self) -> CoreSettings:
        return CoreSettings.from_env(self.env)

    @property
    def gateway_url(self) -> str:
        host = self.env.get("YQ_GATEWAY_HOST", "127.0.0.1")
        return f"http://{host}:{self.env.get('YQ_GATEWAY_PORT', '8000')}"

    def prepare(self) -> None:
        """Embedded Redis when no URL is given, then every schema at its head revision."""
        if not self.env.get("YQ_REDIS_URL"):
            self.embedded_redis = EmbeddedRedis(Path(self.env["YQ_DATA_DIR"]))
            self.env["YQ_REDIS_URL"] = self.embedded_redis.ensure()
        settings = self.settings
        for name in PROCESSES:
            migrations.upgrade(name, settings)

    def seed(self, demo_password: str | None):
        return asyncio.run(_seed(self.settings, demo_password))

    def start(self, name: str) -> subprocess.Popen:
        """Start a process: a service by name, or a further replica of one ("ingest-2")."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        service = name.split("-", 1)[0]
        env = self.process_environment(name)
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "serve", service], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self.processes[name] = process
        return process

    def process_environment(self, name: str) -> dict[str, str]:
        """A process's environment: the suite's, its own settings, and its CPU niceness unless
        the suite's environment names one."""
        service = name.split("-", 1)[0]
        nice = {"YQ_CPU_NICE": BACKGROUND_NICE[service]} if service in BACKGROUND_NICE and "YQ_CPU_NICE" not in self.env else {}
        return {**self.env, "OTEL_SERVICE_NAME": service, **nice, **self.process_env.get(name, {})}

    def add_replicas(self, service: str, count: int) -> list[str]:
        """`count` more processes of a service, each on a port and consumer name of its own;
        every client reaches them all (round robin over the address list). Call before start."""
        names = [f"{service}-{n}" for n in range(2, count + 2)]
        addresses = [self.env.get(f"YQ_{service.upper()}_ADDRESS") or self.settings.address_of(service)]
        for name in names:
            port = free_port()
            self.process_env[name] = {"YQ_GRPC_LISTEN": f"127.0.0.1:{port}", "YQ_CONSUMER_NAME": name}
            addresses.append(f"127.0.0.1:{port}")
        self.process_env.setdefault(service, {})["YQ_GRPC_LISTEN"] = addresses[0]
        self.process_env[service].setdefault("YQ_CONSUMER_NAME", service)
        self.env[f"YQ_{service.upper()}_ADDRESS"] = "ipv4:" + ",".join(addresses)
        return names

    def metrics_ports(self) -> dict[str, int]:
        """A Prometheus port for every process (set before they start)."""
        ports = {name: free_port() for name in (*PROCESSES, *self.replica_names())}
        for name, port in ports.items():
            self.process_env.setdefault(name, {})["YQ_METRICS_PORT"] = str(port)
        return ports

    def start_all(self) -> None:
        for name in (*PROCESSES, *self.replica_names()):
            self.start(name)

    def log_tail(self, name: str, lines: int = 40) -> str:
        """The last lines a process wrote (why it exited, for the error a caller sees)."""
        try:
            with open(self.log_dir / f"{name}.log", "rb") as log:
                return b"".join(log.readlines()[-lines:]).decode("utf-8", "replace")
        except OSError as error:
            return f"(no log: {error})"

    def replica_names(self) -> list[str]:
        return [name for name in self.process_env if name not in PROCESSES]

    def wait_ready(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; the end of "
                                       f"{self.log_dir / (name + '.log')}:\n{self.log_tail(name)}")
            try:
                response = httpx.get(f"{self.gateway_url}/readyz", timeout=2)
                last = response.json()
                if response.status_code == 200:
                    return last
            except (httpx.HTTPError, ValueError) as error:
                last = error
            time.sleep(0.2)
        raise TimeoutError(f"suite not ready after {timeout} s: {last}")

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would."""
        process = self.processes[name]
        process.kill()
        process.wait()

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to every process (each drains gracefully), SIGKILL to laggards."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.embedded_redis is not None:
            self.embedded_redis.stop()

    def drop_data(self) -> None:
        """On shared servers: remove every schema (PostgreSQL) and every stream (Redis) of this
        suite; its prefixes keep others' apart. Benchmarks left ≈ 100 MB of streams in Redis a run."""
        async def drop():
            settings = self.settings
            engine = create_engine(settings, "gateway")
            async with engine.begin() as conn:
                for name in PROCESSES:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(settings, name)}" CASCADE'))
            await engine.dispose()
            await delete_streams(settings)
        asyncio.run(drop())


async def _seed(settings: CoreSettings, demo_password: str | None):
    from gateway.seed import seed as seed_users
    from services.dispatch.seed import seed as seed_units
    from services.ingest.seed import seed as seed_places

    results = None
    for name, seeder in (("dispatch", seed_units), ("ingest", seed_places), ("gateway", None)):
        engine = create_engine(settings, name)
        try:
            sessions = session_factory(engine)
            if seeder is not None:
                await seeder(sessions)
            else:
                results = await seed_users(sessions, demo_password)
        finally:
            await engine.dispose()
    return results
