"""How a service process ends: a stop (SIGTERM, as from Kubernetes or `yuqing up`) ends it
cleanly after its background work is cancelled; a background task dying ends it with an error."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from yuqing.core.ports import free_port

SERVICE = """
import asyncio, sys
from yuqing.core.grpc_server import serve

async def forever():
    await asyncio.Event().wait()

async def dies():
    await asyncio.sleep(0.3)
    raise ValueError("消费者连接断开")

background = [forever, dies] if sys.argv[2] == "dies" else [forever, forever]
asyncio.run(serve(service_name="probe", full_service_name="grpc.health.v1.Health", listen=sys.argv[1],
                  register=lambda server: None, background=background, grace_seconds=0.5))
"""


def _start(tmp_path, mode: str) -> tuple[subprocess.Popen, str]:
    address = f"127.0.0.1:{free_port()}"
    script = tmp_path / "probe_service.py"
    script.write_text(SERVICE)
    process = subprocess.Popen([sys.executable, str(script), address, mode],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, address


def _wait_serving(address: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with grpc.insecure_channel(address) as channel:
                answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
        except grpc.RpcError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def test_a_stop_ends_the_process_cleanly(tmp_path):
    process, address = _start(tmp_path, "runs")
    try:
        _wait_serving(address)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "Traceback" not in output


def test_a_background_task_dying_ends_the_process_with_its_error(tmp_path):
    process, _ = _start(tmp_path, "dies")
    try:
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode != 0
    assert "ValueError: 消费者连接断开" in output
