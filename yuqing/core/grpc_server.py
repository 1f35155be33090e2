"""gRPC bootstrap shared by every service: aio server, health, reflection, telemetry,
domain-error translation and graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from yuqing.core import errors, service_token
from yuqing.core.identity import Caller

logger = logging.getLogger(__name__)

_CODES = {
    errors.InvalidInput: (grpc.StatusCode.INVALID_ARGUMENT, code_pb2.INVALID_ARGUMENT),
    errors.NotFound: (grpc.StatusCode.NOT_FOUND, code_pb2.NOT_FOUND),
    errors.PermissionDenied: (grpc.StatusCode.PERMISSION_DENIED, code_pb2.PERMISSION_DENIED),
    errors.Conflict: (grpc.StatusCode.FAILED_PRECONDITION, code_pb2.FAILED_PRECONDITION),
    errors.Unavailable: (grpc.StatusCode.UNAVAILABLE, code_pb2.UNAVAILABLE),
}


# Status details travel in trailing metadata: gRPC starts refusing it above 8 KiB (its soft
# limit) and base64 makes the bytes a third larger, so a request with many problems reports
# those that fit in 4 KiB and says how many more there are.
MAX_DETAIL_BYTES = 4 * 1024
MAX_REASON_CHARS = 200


def status_for(error: errors.DomainError) -> grpc.Status:
    _, code = _CODES.get(type(error), (grpc.StatusCode.UNKNOWN, code_pb2.UNKNOWN))
    status = status_pb2.Status(code=code, message=error.message[:MAX_REASON_CHARS])
    if error.problems:
        violations, size = [], 0
        for problem in error.problems:
            violation = error_details_pb2.BadRequest.FieldViolation(field=problem.field[:MAX_REASON_CHARS],
                                                                    description=problem.reason[:MAX_REASON_CHARS])
            size += violation.ByteSize() + 4
            if size > MAX_DETAIL_BYTES:
                break
            violations.append(violation)
        if len(violations) < len(error.problems):
            violations.append(error_details_pb2.BadRequest.FieldViolation(
                field="…", description=f"另有 {len(error.problems) - len(violations)} 处问题未列出"))
        bad_request = error_details_pb2.BadRequest(field_violations=violations)
        detail = any_pb2.Any()
        detail.Pack(bad_request)
        status.details.append(detail)
    return rpc_status.to_status(status)


class DomainErrorInterceptor(grpc.aio.ServerInterceptor):
    """Servicers raise domain errors; callers receive a status with field-level details.
    Covers unary and client-streaming methods (the kinds the services define)."""

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        if handler.unary_unary is not None:
            behaviour, make = handler.unary_unary, grpc.unary_unary_rpc_method_handler
        elif handler.stream_unary is not None:
            behaviour, make = handler.stream_unary, grpc.stream_unary_rpc_method_handler
        else:
            return handler

        async def guarded(request, context):
            try:
                return await behaviour(request, context)
            except errors.DomainError as error:
                await context.abort_with_status(status_for(error))
            except asyncio.CancelledError:
                raise
            except Exception:
                # The caller gets a short status; the details (SQL, parameters) stay in the log.
                logger.exception("unexpected error in %s", handler_call_details.method)
                await context.abort(grpc.StatusCode.INTERNAL, "服务内部错误，请稍后重试（详情见服务日志）")

        return make(guarded, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)


# Batches of 1,000 items and screenshots exceed gRPC's 4 MiB default.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MESSAGE_SIZE_OPTIONS = (("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES))


async def serve(
    *,
    service_name: str,
    full_service_name: str,
    listen: str,
    register: Callable[[grpc.aio.Server], None],
    background: Iterable[Callable[[], Awaitable[None]]] = (),
    on_stop: Callable[[], Awaitable[None]] | None = None,
    grace_seconds: float = 5.0,
    service_token_key: str | None = None,
) -> None:
    """Run one service until SIGTERM/SIGINT, then drain: NOT_SERVING, stop(grace), cleanup."""
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    interceptors = [aio_server_interceptor(), DomainErrorInterceptor()]
    if service_token_key:
        interceptors.insert(0, service_token.RequireServiceToken(service_token_key))
    server = grpc.aio.server(interceptors=interceptors, options=MESSAGE_SIZE_OPTIONS)
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [full_service_name, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    port = server.add_insecure_port(listen)
    if port == 0:
        raise RuntimeError(f"{service_name}: cannot listen on {listen}")
    await server.start()

    tasks = [asyncio.create_task(run(), name=getattr(run, "__name__", "background")) for run in background]
    for name in ("", full_service_name):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    logger.info("serving", extra={"service": service_name, "listen": listen})

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    failed = asyncio.ensure_future(_first_failure(tasks))
    await asyncio.wait([asyncio.ensure_future(stop.wait()), failed], return_when=asyncio.FIRST_COMPLETED)

    logger.info("stopping", extra={"service": service_name})
    # A background task that died before the stop fails the process; the ones cancelled below
    # for the stop do not (the watcher is cancelled first, so it never sees them end).
    failure = failed.exception() if failed.done() else None
    failed.cancel()
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace_seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if on_stop is not None:
        await on_stop()
    if failure is not None:
        raise failure


async def _first_failure(tasks: list[asyncio.Task]) -> None:
    """Completes when a background task dies, so the process stops instead of limping on."""
    if not tasks:
        await asyncio.Event().wait()
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task failed", exc_info=task.exception())
            raise task.exception()
    raise RuntimeError("background task ended unexpectedly")


def client_channel(address: str) -> grpc.aio.Channel:
    """A channel whose calls carry the current trace context, spread over every replica the
    address resolves to (a headless k8s Service's `dns:///ingest:50061`, or a list such as
    `ipv4:127.0.0.1:50061,127.0.0.1:50071`)."""
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return grpc.aio.insecure_channel(address, interceptors=[*aio_client_interceptors(), *service_token.client_interceptors()],
                                     options=(*MESSAGE_SIZE_OPTIONS, ("grpc.lb_policy_name", "round_robin")))


def field_violations(error: grpc.aio.AioRpcError) -> list[errors.FieldProblem]:
    """Field problems a service attached to an error status (empty when none)."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        return []   # details that do not match the call's code (e.g. metadata cut off in transit)
    problems: list[errors.FieldProblem] = []
    if status is None:
        return problems
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            problems += [errors.FieldProblem(v.field, v.description) for v in bad_request.field_violations]
    return problems


def caller_of(context, roles: frozenset[str] | None = None) -> Caller:
    """The caller the gateway vouched for in the call's metadata; with `roles`, refuse a
    caller holding none of them (each service checks again what the gateway checked)."""
    caller = Caller.from_metadata(context.invocation_metadata())
    if roles is not None and not caller.roles & roles:
        raise errors.PermissionDenied("无权执行此操作")
    return caller
