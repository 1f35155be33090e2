"""Passwords (argon2), bearer tokens (signed JWT) and the current caller."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy import select

from gateway import models
from gateway.problems import Problem
from yuqing.core.db import utcnow
from yuqing.core.identity import Caller

_hasher = PasswordHasher()
SESSION_COOKIE = "yq_session"
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def authenticate(request: Request, username: str, password: str) -> Caller:
    async with request.app.state.sessions() as session:
        row = (await session.execute(select(models.users).where(models.users.c.username == username))).mappings().first()
    try:
        if row is None or not _hasher.verify(row["password_hash"], password):
            raise VerificationError
    except (VerificationError, InvalidHashError):
        raise Problem(401, "用户名或密码错误", "请检查用户名和密码后重试", type_="unauthorized") from None
    return Caller(username=row["username"], roles=frozenset(row["roles"]), unit_code=row["unit_code"])


def issue_token(request: Request, caller: Caller) -> tuple[str, int]:
    settings = request.app.state.settings
    ttl = settings.token_ttl_minutes * 60
    now = utcnow()
    claims = {"sub": caller.username, "roles": sorted(caller.roles), "unit": caller.unit_code,
              "iat": now, "exp": now + dt.timedelta(seconds=ttl)}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), ttl


def caller_from_token(request: Request, token: str) -> Caller | None:
    try:
        claims = jwt.decode(token, request.app.state.settings.secret_key, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    return Caller(username=claims["sub"], roles=frozenset(claims.get("roles", [])), unit_code=claims.get("unit", ""))


def current_caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    caller = caller_from_token(request, token) if scheme.lower() == "bearer" and token else None
    if caller is None:
        raise Problem(401, "需要登录", "请在 Authorization 头中提供有效的 Bearer 令牌", type_="unauthorized",
                      headers={"WWW-Authenticate": "Bearer"})
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def require_roles(caller: Caller, *roles: str) -> None:
    if not caller.roles & {"admin", *roles}:
        raise Problem(403, "没有权限", f"此操作需要以下角色之一：{', '.join(roles)}", type_="forbidden")
