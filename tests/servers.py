"""Servers a test owns and may stop and restart at will: a Redis with an append-only file,
and a PostgreSQL cluster of its own (initdb in the test's directory, run as `postgres`)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from yuqing.core.ports import free_port
from yuqing.core.redis import EmbeddedRedis


class RestartableRedis:
    """A Redis server on a fixed port with an append-only file, so it can be restarted in place."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port, self.process = directory, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([EmbeddedRedis.executable(), "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--dir", str(self.directory), "--appendonly", "yes", "--save", ""],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own on a free loopback port. Needs Debian's server
    binaries and root (they run as the `postgres` user); `available()` says whether it can."""

    def __init__(self) -> None:
        # Its own directory under /tmp: a test's tmp_path is closed to other users (0700).
        self.directory, self.port = Path(tempfile.mkdtemp(prefix="yq-pg-")), free_port()
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]) if glob.glob("/usr/lib/postgresql/*/bin") else None

    @classmethod
    def available(cls) -> bool:
        return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) and os.geteuid() == 0 and shutil.which("runuser")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT, timeout=120)

    def initdb(self) -> None:
        shutil.chown(self.directory, "postgres", "postgres")
        self.directory.chmod(0o700)
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-o", options,
                          "-l", str(self.directory / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """mode "immediate" is a crash: no checkpoint, recovery from the WAL at the next start."""
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
