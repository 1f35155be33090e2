"""Errors as application/problem+json (RFC 9457), naming the field and the reason."""

from __future__ import annotations

import grpc
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yuqing.core.grpc_server import field_violations

PROBLEM_BASE = "https://yuqing.gov.cn/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", *, type_: str = "about:blank",
                 errors: list[dict] | None = None, headers: dict[str, str] | None = None) -> None:
        self.status, self.title, self.detail, self.type_ = status, title, detail, type_
        self.errors = errors or []
        self.headers = headers

    def response(self, request: Request) -> JSONResponse:
        body = {"type": self.type_ if self.type_ == "about:blank" else PROBLEM_BASE + self.type_,
                "title": self.title, "status": self.status, "detail": self.detail, "instance": request.url.path}
        if self.errors:
            body["errors"] = self.errors
        return JSONResponse(body, status_code=self.status, media_type=MEDIA_TYPE, headers=self.headers)


def _field_path(location: tuple) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


_PYDANTIC_REASONS = {
    "missing": "必填",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "string_type": "必须是字符串",
    "datetime_parsing": "必须是 ISO 8601 时间，如 2026-11-22T09:30:00+08:00",
    "datetime_from_date_parsing": "必须是 ISO 8601 时间，如 2026-11-22T09:30:00+08:00",
    "datetime_type": "必须是 ISO 8601 时间，如 2026-11-22T09:30:00+08:00",
    "extra_forbidden": "不支持的字段",
    "greater_than_equal": "不能为负数",
    "string_too_long": "长度超过上限",
    "string_too_short": "内容过短或为空",
    "too_long": "条目数超过上限",
    "model_attributes_type": "必须是 JSON 对象",
    "dict_type": "必须是 JSON 对象",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
}


def pydantic_errors(problems: list[dict], prefix: str = "") -> list[dict]:
    """Pydantic's errors as {field, reason (Chinese), detail}; prefix names the enclosing item."""
    errors = []
    for problem in problems:
        path = _field_path(tuple(problem["loc"]))
        field = f"{prefix}.{path}" if prefix and path != "body" else (prefix or path)
        errors.append({"field": field, "reason": _PYDANTIC_REASONS.get(problem["type"], problem["msg"]),
                       "detail": problem["msg"]})
    return errors


async def validation_handler(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = error.errors()
    if any(p["type"] == "json_invalid" for p in problems):
        first = next(p for p in problems if p["type"] == "json_invalid")
        return Problem(400, "请求体不是合法的 JSON", f"解析失败：{first.get('ctx', {}).get('error', '')}",
                       type_="malformed-json").response(request)
    errors = pydantic_errors(problems)
    return Problem(422, "请求参数不符合要求", "；".join(f"{e['field']}：{e['reason']}" for e in errors),
                   type_="validation", errors=errors).response(request)


async def problem_handler(request: Request, problem: Problem) -> JSONResponse:
    return problem.response(request)


async def http_handler(request: Request, error: StarletteHTTPException) -> JSONResponse:
    titles = {404: "资源不存在", 405: "不支持的请求方法", 413: "请求体过大"}
    return Problem(error.status_code, titles.get(error.status_code, str(error.detail)), str(error.detail),
                   headers=getattr(error, "headers", None)).response(request)


_GRPC_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "validation"),
    grpc.StatusCode.NOT_FOUND: (404, "not-found"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "forbidden"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "conflict"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "conflict"),
    grpc.StatusCode.UNAVAILABLE: (503, "service-unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "service-timeout"),
}


def http_status(error: Exception) -> int:
    """The HTTP status a refused request answers with: a Problem's own, a service's by its gRPC
    code, 422 for anything that failed validation."""
    if isinstance(error, Problem):
        return error.status
    if isinstance(error, grpc.aio.AioRpcError):
        return _GRPC_STATUS.get(error.code(), (502, ""))[0]
    return 422


def service_problem(code: grpc.StatusCode, details: str, errors: list[dict]) -> Problem:
    """How the gateway answers a service's refusal: its gRPC code, its details, its field errors."""
    status, type_ = _GRPC_STATUS.get(code, (502, "service-error"))
    title = {503: "后台服务暂不可用，请稍后重试", 504: "后台服务响应超时", 502: "后台服务出错"}.get(status, details)
    return Problem(status, title, details, type_=type_, errors=errors)


async def grpc_handler(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
    errors = [{"field": p.field, "reason": p.reason} for p in field_violations(error)]
    return service_problem(error.code(), error.details() or "", errors).response(request)


def install(app) -> None:
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(Problem, problem_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_exception_handler(grpc.aio.AioRpcError, grpc_handler)
