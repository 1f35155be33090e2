"""Service-to-service authentication on a real gRPC server: with a key, calls without a valid
token are refused (UNAUTHENTICATED) before the method runs; health checks and reflection stay
open; a process configured with the key gets through."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from yuqing.core import service_token
from yuqing.core.grpc_server import client_channel
from yuqing.core.ports import free_port

KEY = "k" * 40


@pytest.fixture
async def server():
    calls: list[bytes] = []

    async def say(request: bytes, context) -> bytes:
        calls.append(request)
        return b"heard " + request

    async def collect(requests, context) -> bytes:
        async for request in requests:
            calls.append(request)
        return b"%d heard" % len(calls)

    server = grpc.aio.server(interceptors=[service_token.RequireServiceToken(KEY)])
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("test.Echo", {
        "Say": grpc.unary_unary_rpc_method_handler(say), "Collect": grpc.stream_unary_rpc_method_handler(collect)})])
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    address = f"127.0.0.1:{free_port()}"
    server.add_insecure_port(address)
    await server.start()
    yield address, calls
    await server.stop(0)
    service_token.configure("test", None)


async def _say(address: str) -> bytes:
    channel = client_channel(address)
    try:
        return await channel.unary_unary("/test.Echo/Say")(b"hi", timeout=5)
    finally:
        await channel.close()


async def _stream(address: str) -> bytes:
    async def requests():
        yield b"a"
        yield b"b"

    channel = client_channel(address)
    try:
        return await channel.stream_unary("/test.Echo/Collect")(requests(), timeout=5)
    finally:
        await channel.close()


async def test_calls_need_a_token_signed_with_the_shared_key(server):
    address, calls = server
    for key in (None, "another-key-" + "x" * 30):
        service_token.configure("gateway", key)
        for call in (_say, _stream):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call(address)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert calls == []                                   # refused before the method ran
    service_token.configure("gateway", KEY)
    assert await _say(address) == b"heard hi" and calls == [b"hi"]
    assert await _stream(address) == b"3 heard"          # client streaming is signed too


async def test_health_stays_open_without_a_token(server):
    address, _ = server
    service_token.configure("kubelet", None)
    async with grpc.aio.insecure_channel(address) as channel:
        status = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert status.status == health_pb2.HealthCheckResponse.SERVING


def test_tokens_expire_and_cannot_be_altered():
    token = service_token.sign("dispatch", KEY.encode(), now=1_000_000)
    assert service_token.verify(token, KEY.encode(), now=1_000_100) == "dispatch"
    assert service_token.verify(token, KEY.encode(), now=1_000_000 + service_token.LIFETIME_SECONDS + 1) is None
    assert service_token.verify(token.replace("dispatch", "gateway", 1), KEY.encode(), now=1_000_100) is None
    assert service_token.verify(token, b"other", now=1_000_100) is None
    assert service_token.verify("garbage", KEY.encode()) is None
