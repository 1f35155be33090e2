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


def test_on_one_machine_the_services_working_from_streams_yield_the_cpu_to_intake(tmp_path):
    suite = Suite(env={"PATH": "/bin"}, log_dir=tmp_path)
    suite.add_replicas("dispatch", 1)
    nice = {name: suite.process_environment(name).get("YQ_CPU_NICE")
            for name in ("gateway", "ingest", "grading", "dispatch", "dispatch-2", "publish")}
    assert nice == {"gateway": None, "ingest": None, "grading": "10", "dispatch": "10", "dispatch-2": "10",
                    "publish": "10"}
    chosen = Suite(env={"YQ_CPU_NICE": "3"}, log_dir=tmp_path)
    assert chosen.process_environment("grading")["YQ_CPU_NICE"] == "3"     # the operator's choice stands


@pytest.mark.parametrize("setting, niceness", [("7", 7), ("0", 0)])
def test_a_service_process_lowers_its_cpu_priority_as_set(setting, niceness):
    probe = ("import os; from yuqing.core.bootstrap import lower_cpu_priority; "
             "from yuqing.core.settings import ServiceSettings; "
             "start = os.nice(0); lower_cpu_priority(ServiceSettings()); print(start, os.nice(0))")
    shown = subprocess.run([sys.executable, "-c", probe], env={"YQ_CPU_NICE": setting, "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    start, now = map(int, shown.stdout.split())
    assert now == min(start + niceness, 19)      # the system caps niceness at 19


def test_a_niceness_outside_what_the_system_allows_is_refused():
    from pydantic import ValidationError

    from yuqing.core.settings import ServiceSettings
    with pytest.raises(ValidationError):
        ServiceSettings(cpu_nice=20)
