"""The HTTP entry: REST API, health endpoints and the console, in front of the services."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

import prometheus_client
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from gateway import (
    api,
    archive,
    bulletins_api,
    console,
    console_admin,
    console_office,
    console_work,
    dispatch_api,
    grading_api,
    ingest_admin,
    intake,
    live,
    problems,
    publish_api,
    users_api,
)
from gateway.auth import VerifiedTokens
from gateway.batching import SingleItems
from gateway.clients import ServiceClients
from gateway.inputs import unstorable_url_part
from gateway.limits import BodySizeLimit
from yuqing.core import redis as redis_core
from yuqing.core import service_token
from yuqing.core.db import create_engine, session_factory
from yuqing.core.migrations import require_current_schema
from yuqing.core.monitoring import HttpTiming
from yuqing.core.settings import SERVICES, GatewaySettings

# The interactive API docs page loads Swagger UI from its CDN and starts it with an inline script.
API_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; frame-ancestors 'none'"
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    service_token.configure("gateway", settings.service_token_key)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings, "gateway")
        await require_current_schema(engine, "gateway", settings)
        app.state.settings = settings
        app.state.verified_tokens = VerifiedTokens()
        app.state.sessions = session_factory(engine)
        app.state.clients = ServiceClients.connect(settings)
        app.state.single_items = SingleItems(app.state.clients)
        app.state.redis = redis_core.connect(settings)
        yield
        await app.state.clients.close()
        await app.state.redis.aclose()
        await engine.dispose()

    app = FastAPI(
        title="yuqing 网络舆情处置平台 API",
        version="1.0.0",
        description=f"Request bodies are limited to {settings.max_body_bytes} bytes (413 above), except "
                    + ", ".join(f"{path} ({limit / 1024 / 1024:g} MiB)" for path, limit in
                                {**intake.ROUTE_BODY_LIMITS, **dispatch_api.ROUTE_BODY_LIMITS}.items())
                    + ". "
                    "Errors are application/problem+json.",
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry: one server span per request, named after the route it
        # matched (no second route search per request); Prometheus keeps the HTTP metrics.
        telemetry={"metrics": False, "logs": False, "operation_spans": False, "exclude": _untraced},
    )
    problems.install(app)
    # Routes are tried in order: intake, the busiest by far, first (its paths have no
    # parameters, so it can take no other router's request; last, it cost ≈ 0.1 ms a request).
    app.include_router(intake.router)
    app.include_router(api.router)
    app.include_router(grading_api.router)
    app.include_router(dispatch_api.router)
    app.include_router(live.router)
    app.include_router(publish_api.router)
    app.include_router(bulletins_api.router)
    app.include_router(archive.router)
    app.include_router(users_api.router)
    app.include_router(ingest_admin.router)
    app.include_router(console.router)
    app.include_router(console_work.router)
    app.include_router(console_office.router)
    app.include_router(console_admin.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        clients: ServiceClients = app.state.clients
        statuses = await asyncio.gather(*(clients.health(name) for name in SERVICES))
        body = {"services": {name: {"address": settings.address_of(name), "status": status}
                             for name, status in zip(SERVICES, statuses)}}
        ready = all(status == "SERVING" for status in statuses)
        body["status"] = "ready" if ready else "not ready"
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.add_middleware(GatewayGuards)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       route_limits={**intake.ROUTE_BODY_LIMITS, **dispatch_api.ROUTE_BODY_LIMITS})  # before any parsing
    app.add_middleware(HttpTiming)  # outermost: counts refused bodies too
    return app


def _untraced(scope) -> bool:
    """Probes and static files: no spans."""
    path = scope.get("path", "")
    return path in ("/healthz", "/readyz") or path.startswith("/static/")


class GatewayGuards:
    """Plain ASGI (BaseHTTPMiddleware spawns a task group per request): NUL or invalid UTF-8 in
    the path or query never reaches a service, and every response carries the security headers."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if unstorable_url_part(scope.get("raw_path") or b"") or unstorable_url_part(scope.get("query_string") or b""):
            problem = problems.Problem(422, "请求参数不符合要求", "路径或查询参数包含无法保存的字符（NUL 或无效的 UTF-8）",
                                       type_="validation")
            response = problem.response(Request(scope))
        else:
            response = self.app
        policy = (API_DOCS_POLICY if scope.get("path") in ("/docs", "/redoc") else CONTENT_SECURITY_POLICY).encode()

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in ((b"content-security-policy", policy), (b"x-content-type-options", b"nosniff"),
                                    (b"referrer-policy", b"same-origin")):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await response(scope, receive, with_headers)


def main() -> None:
    import uvicorn

    from yuqing.core.bootstrap import tune_garbage_collector
    from yuqing.core.logging import setup_logging
    from yuqing.core.telemetry import setup_telemetry, shutdown_telemetry

    settings = GatewaySettings()
    setup_logging("gateway")
    setup_telemetry("gateway")
    if settings.metrics_port:
        prometheus_client.start_http_server(settings.metrics_port)
    app = create_app(settings)
    tune_garbage_collector()
    try:
        # httptools parses HTTP in C; the standard asyncio loop stays (the gRPC clients run on it).
        uvicorn.run(app, host=settings.gateway_host, port=settings.gateway_port, http="httptools", loop="asyncio",
                    log_config=None, access_log=False, timeout_graceful_shutdown=5)
    finally:
        shutdown_telemetry()
