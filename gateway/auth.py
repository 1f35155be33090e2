"""Passwords (argon2), bearer tokens (signed JWT), scoped API keys and the current caller."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy import select

from gateway import models
from gateway.limits import client_address
from gateway.problems import Problem
from yuqing.core.db import utcnow
from yuqing.core.identity import Caller

_hasher = PasswordHasher()
SESSION_COOKIE = "yq_session"
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# Lockout: this many wrong passwords in a row lock the account for the period; from one
# address, at most so many wrong passwords (any accounts) in a row within the window. Only
# failures count, in Redis, shared by every gateway replica; a success clears the account's.
LOGIN_FAILURES, LOCKOUT_SECONDS = 5, 15 * 60
ADDRESS_FAILURES, ADDRESS_WINDOW_SECONDS = 30, 5 * 60


async def authenticate(request: Request, username: str, password: str) -> Caller:
    redis = request.app.state.redis
    prefix = f"{request.app.state.settings.stream_prefix}.login"
    account_key = f"{prefix}.account.{hashlib.sha256(username.encode('utf-8', 'replace')).hexdigest()[:32]}"
    address_key = f"{prefix}.address.{client_address(request)}"
    account_failures, address_failures = await redis.mget(account_key, address_key)
    if int(address_failures or 0) >= ADDRESS_FAILURES:
        retry_after = max(await redis.ttl(address_key), 1)
        raise Problem(429, "登录尝试过于频繁", f"此网络地址密码错误次数过多，请 {retry_after} 秒后再试",
                      type_="rate-limited", headers={"Retry-After": str(retry_after)})
    if int(account_failures or 0) >= LOGIN_FAILURES:
        locked_for = max(await redis.ttl(account_key), 1)
        raise Problem(429, "账户已暂时锁定", f"连续 {LOGIN_FAILURES} 次密码错误，请 {-(-locked_for // 60)} 分钟后再试，"
                      "或请管理员协助", type_="locked", headers={"Retry-After": str(locked_for)})
    async with request.app.state.sessions() as session:
        row = (await session.execute(select(models.users).where(models.users.c.username == username))).mappings().first()
    try:
        if row is None or not _hasher.verify(row["password_hash"], password):
            raise VerificationError
    except (VerificationError, InvalidHashError):
        async with redis.pipeline(transaction=True) as pipe:
            await (pipe.incr(account_key).expire(account_key, LOCKOUT_SECONDS)
                   .incr(address_key).expire(address_key, ADDRESS_WINDOW_SECONDS).execute())
        raise Problem(401, "用户名或密码错误", "请检查用户名和密码后重试", type_="unauthorized") from None
    await redis.delete(account_key)
    return Caller(username=row["username"], roles=frozenset(row["roles"]), unit_code=row["unit_code"])


def issue_token(request: Request, caller: Caller) -> tuple[str, int]:
    settings = request.app.state.settings
    ttl = settings.token_ttl_minutes * 60
    now = utcnow()
    claims = {"sub": caller.username, "roles": sorted(caller.roles), "unit": caller.unit_code,
              "iat": now, "exp": now + dt.timedelta(seconds=ttl)}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), ttl


class VerifiedTokens:
    """Bearer tokens whose signature was checked, with the caller each names, until each
    expires. Every API request carries one; checking the signature again each time was ≈ 6 %
    of the gateway's CPU under intake load (≈ 90 µs a request). A token is only ever as
    good as it was when issued, so remembering the verdict changes nothing. Bounded: when
    full it starts over."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self.entries: dict[tuple[str, str], tuple[Caller, float]] = {}

    def caller(self, token: str, secret_key: str) -> Caller | None:
        key = (secret_key, token)
        found = self.entries.get(key)
        if found is not None:
            if time.time() < found[1]:
                return found[0]
            del self.entries[key]
        try:
            claims = jwt.decode(token, secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        except jwt.PyJWTError:
            return None
        caller = Caller(username=claims["sub"], roles=frozenset(claims.get("roles", [])),
                        unit_code=claims.get("unit", ""))
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        self.entries[key] = (caller, float(claims["exp"]))
        return caller


def caller_from_token(request: Request, token: str) -> Caller | None:
    return request.app.state.verified_tokens.caller(token, request.app.state.settings.secret_key)


async def current_caller(request: Request) -> Caller:
    """A bearer token (JWT for people, `yqk_…` for API keys) or an `X-API-Key` header."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    key = request.headers.get("x-api-key", "").strip() or (token if token.startswith(API_KEY_PREFIX) else "")
    if key:
        return await caller_from_api_key(request, key)
    caller = caller_from_token(request, token) if token else None
    if caller is None:
        raise Problem(401, "需要登录", "请在 Authorization 头中提供有效的 Bearer 令牌", type_="unauthorized",
                      headers={"WWW-Authenticate": "Bearer"})
    return caller


# --- API keys -----------------------------------------------------------------------------

API_KEY_PREFIX = "yqk_"
API_KEY_ROLES = frozenset({"superior_reader", "monitor"})


def new_api_key() -> tuple[str, str, str]:
    """(key id, secret's SHA-256, the whole key shown once to the admin)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return key_id, hashlib.sha256(secret.encode()).hexdigest(), f"{API_KEY_PREFIX}{key_id}_{secret}"


async def caller_from_api_key(request: Request, key: str) -> Caller:
    invalid = Problem(401, "API 密钥无效", "密钥不存在、已吊销或已过期", type_="unauthorized",
                      headers={"WWW-Authenticate": "Bearer"})
    key_id, _, secret = key.removeprefix(API_KEY_PREFIX).partition("_")
    if not key.startswith(API_KEY_PREFIX) or not key_id or not secret or len(key) > 200:
        raise invalid
    async with request.app.state.sessions() as session:
        row = (await session.execute(select(models.api_keys).where(models.api_keys.c.key_id == key_id))).mappings().first()
    now = utcnow()
    if (row is None or row["revoked_at"] is not None or (row["expires_at"] is not None and row["expires_at"] <= now)
            or not hmac.compare_digest(row["secret_sha256"], hashlib.sha256(secret.encode()).hexdigest())):
        raise invalid
    county = request.app.state.settings.county_code
    if county not in row["counties"]:
        raise Problem(403, "密钥无权访问本县数据", f"此密钥的范围不含本县（{county}）", type_="forbidden")
    return Caller(username=f"key:{row['key_id']}", roles=frozenset(row["roles"]) & API_KEY_ROLES, unit_code="")


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def require_roles(caller: Caller, *roles: str) -> None:
    if not caller.roles & {"admin", *roles}:
        raise Problem(403, "没有权限", f"此操作需要以下角色之一：{', '.join(roles)}", type_="forbidden")
