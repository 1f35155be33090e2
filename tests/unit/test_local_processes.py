"""Starting the suite's processes on one machine: the ports they get and what a caller sees when
one of them exits at start."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from yuqing.core import ports
from yuqing.suite import Suite


def test_free_ports_are_below_the_range_outgoing_connections_take_and_never_repeat():
    chosen = [ports.free_port() for _ in range(300)]
    assert len(set(chosen)) == len(chosen)
    assert all(20000 <= port < ports._ephemeral_start() for port in chosen)
    # Each one can still be listened on.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", chosen[-1]))
        listener.listen()


def test_a_port_someone_listens_on_is_not_handed_out(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        offered = iter([busy, busy, *range(busy + 1, busy + 50)])
        monkeypatch.setattr(ports, "_ephemeral_start", lambda: 65535)
        monkeypatch.setattr(ports.random, "randint", lambda low, high: next(offered))
        port = ports.free_port()
    assert port != busy


def test_a_process_exiting_at_start_is_reported_with_the_end_of_its_log(tmp_path):
    suite = Suite(env={"YQ_GATEWAY_PORT": str(ports.free_port())}, log_dir=tmp_path)
    with open(tmp_path / "grading.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; print('端口已被占用: address already in use'); sys.exit(3)"],
            stdout=log, stderr=subprocess.STDOUT)
    process.wait()
    suite.processes["grading"] = process
    with pytest.raises(RuntimeError) as raised:
        suite.wait_ready(timeout=5)
    assert "grading exited with 3" in str(raised.value)
    assert "端口已被占用: address already in use" in str(raised.value)
