"""Refuse request bodies above the documented limit (413) before anything reads them.
Upload routes (batches, screenshots) have their own, larger limits."""

from __future__ import annotations

import json
import re
import time


class BodySizeLimit:
    """route_limits: path → limit; a `{name}` segment in a path matches any one segment."""

    def __init__(self, app, max_bytes: int, route_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.route_limits = {p: v for p, v in (route_limits or {}).items() if "{" not in p}
        self.pattern_limits = [(re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(p)) + "$"), v)
                               for p, v in (route_limits or {}).items() if "{" in p]

    def limit_for(self, path: str) -> int:
        if path in self.route_limits:
            return self.route_limits[path]
        return next((v for pattern, v in self.pattern_limits if pattern.match(path)), self.max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        max_bytes = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return await self._refuse(scope, send, max_bytes)
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._refuse(scope, send, max_bytes)

    async def _refuse(self, scope, send, max_bytes: int) -> None:
        body = json.dumps({
            "type": "https://yuqing.gov.cn/problems/payload-too-large", "title": "请求体过大",
            "status": 413, "detail": f"请求体不能超过 {max_bytes} 字节（{max_bytes // 1024} KiB）",
            "instance": scope.get("path", ""),
        }, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def client_address(request) -> str:
    return request.client.host if request.client else "unknown"


async def fixed_window(request, name: str, subject: str, limit: int, window_seconds: int) -> int | None:
    """Counts one attempt in Redis (shared by every gateway replica); the seconds until the
    window ends when `subject` has gone over `limit`, else None."""
    redis = request.app.state.redis
    window = int(time.time()) // window_seconds
    key = f"{request.app.state.settings.stream_prefix}.ratelimit.{name}.{subject}.{window}"
    count = await redis.incr(key)
    if count == 1:
        await redis.expire(key, window_seconds)
    return window_seconds - int(time.time()) % window_seconds if count > limit else None
