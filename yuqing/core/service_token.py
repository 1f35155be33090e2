"""Service-to-service authentication (the prod overlay): with `YQ_SERVICE_TOKEN_KEY` set,
every gRPC call a process makes carries a token it signs with that key (HMAC-SHA256 over the
caller's service name and an expiry), and every service refuses calls without a valid one.
The caller identity in the metadata (`yuqing.core.identity`) is therefore believed only from
the gateway or a fellow service. Health checks and reflection stay open."""

from __future__ import annotations

import hashlib
import hmac
import time

import grpc

TOKEN_KEY = "x-yq-service-token"
LIFETIME_SECONDS = 300
# The kubelet's probes carry no token; reflection describes the contracts and runs nothing.
OPEN_METHODS = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                "/grpc.reflection.v1.ServerReflection/")

_signer: tuple[str, bytes] | None = None  # (this process's service name, key)


def configure(service: str, key: str | None) -> None:
    """Sign this process's outgoing calls (call once at start; no key: calls go unsigned)."""
    global _signer
    _signer = (service, key.encode()) if key else None


def sign(service: str, key: bytes, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
    mac = hmac.new(key, f"{service}.{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{service}.{expires}.{mac}"


def verify(token: str, key: bytes, now: float | None = None) -> str | None:
    """The calling service's name if the token is genuine and unexpired, else None."""
    try:
        service, expires, mac = token.rsplit(".", 2)
        expiry = int(expires)
    except ValueError:
        return None
    expected = hmac.new(key, f"{service}.{expires}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected) or expiry < (now if now is not None else time.time()):
        return None
    return service


def client_interceptors() -> list:
    # grpc.aio files an interceptor under its first matching kind only: one object per kind.
    return [_SigningUnary(), _SigningStream()] if _signer else []


def _signed(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    metadata.add(TOKEN_KEY, sign(*_signer))
    return grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials,
                                      details.wait_for_ready)


class _SigningUnary(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(_signed(client_call_details), request)


class _SigningStream(grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return await continuation(_signed(client_call_details), request_iterator)


class RequireServiceToken(grpc.aio.ServerInterceptor):
    def __init__(self, key: str) -> None:
        self.key = key.encode()

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(OPEN_METHODS):
            return handler
        token = next((v for k, v in handler_call_details.invocation_metadata or () if k == TOKEN_KEY), "")
        if verify(token if isinstance(token, str) else "", self.key) is not None:
            return handler

        async def refuse(request, context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid service token")

        make = next(make for kind, make in _HANDLER_KINDS if getattr(handler, kind) is not None)
        return make(refuse, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)


_HANDLER_KINDS = (("unary_unary", grpc.unary_unary_rpc_method_handler),
                  ("unary_stream", grpc.unary_stream_rpc_method_handler),
                  ("stream_unary", grpc.stream_unary_rpc_method_handler),
                  ("stream_stream", grpc.stream_stream_rpc_method_handler))
