"""The people who log in (admin): accounts, roles and units. Passwords are stored as argon2
hashes; every change is in the audit log and in dispatch's directory of who is told what. A role change applies from the person's next login
(tokens already issued carry their roles until they expire, `YQ_TOKEN_TTL_MINUTES`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import Field
from sqlalchemy import select, update

from gateway import audit, models, views
from gateway.auth import CurrentCaller, hash_password, require_roles
from gateway.inputs import Input
from gateway.problems import Problem
from yuqing.core.db import utcnow
from yuqing.core.identity import ROLES, Caller
from yuqing.dispatch.v1 import dispatch_pb2

router = APIRouter(prefix="/api/v1/admin")
Role = Literal[ROLES]
ROLE_NAMES = {"admin": "管理员", "office": "舆情办", "monitor": "监测员", "unit_handler": "单位经办人",
              "unit_head": "单位负责人", "leader": "领导", "spokesperson": "新闻发言人", "superior_reader": "上级查阅"}
Username = Annotated[str, Path(pattern=r"^[a-z0-9_]{2,64}$")]


class UserIn(Input):
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1, max_length=8)
    unit_code: str = Field(min_length=1, max_length=64, description="所属单位代码")
    password: str = Field("", max_length=200, description="新建时必填（至少 10 位）；修改时留空则不变")


class NewUserIn(UserIn):
    username: str = Field(pattern=r"^[a-z0-9_]{2,64}$", description="小写字母、数字、下划线")


def user_json(row) -> dict:
    return {"username": row["username"], "display_name": row["display_name"], "roles": sorted(row["roles"]),
            "role_names": [ROLE_NAMES.get(r, r) for r in sorted(row["roles"])], "unit_code": row["unit_code"],
            "created_at": views.local_iso(row["created_at"])}


async def _check(request: Request, caller: Caller, body: UserIn, creating: bool) -> None:
    if creating and len(body.password) < 10:
        raise Problem(422, "密码过短", "初始密码至少 10 位", type_="validation",
                      errors=[{"field": "password", "reason": "至少 10 位"}])
    if body.password and len(body.password) < 10:
        raise Problem(422, "密码过短", "新密码至少 10 位", type_="validation",
                      errors=[{"field": "password", "reason": "至少 10 位"}])
    units = await request.app.state.clients.call("dispatch", "ListUnits", dispatch_pb2.ListUnitsRequest(), caller)
    if body.unit_code not in {u.code for u in units.units}:
        raise Problem(422, "单位不存在", f"没有代码为 {body.unit_code} 的单位", type_="validation",
                      errors=[{"field": "unit_code", "reason": "单位不存在"}])


async def _enter_in_directory(request: Request, caller: Caller, username: str, body: UserIn) -> None:
    """Dispatch's directory (who is told what) follows a login's name, unit and roles; the
    e-mail, phone and leadership-group mark stay as the admin set them there."""
    clients = request.app.state.clients
    people = await clients.call("dispatch", "ListPeople", dispatch_pb2.ListPeopleRequest(), caller)
    known = next((p for p in people.people if p.username == username), None)
    await clients.call("dispatch", "SavePerson", dispatch_pb2.Person(
        username=username, display_name=body.display_name.strip(), unit_code=body.unit_code,
        roles=sorted(set(body.roles)), email=known.email if known else "", phone=known.phone if known else "",
        leadership_group=known.leadership_group if known else "leader" in body.roles), caller)


async def list_users(request: Request) -> list[dict]:
    async with request.app.state.sessions() as session:
        rows = (await session.execute(select(models.users).order_by(models.users.c.unit_code,
                                                                    models.users.c.username))).mappings()
        return [user_json(r) for r in rows]


@router.get("/users", tags=["admin"])
async def users(request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "admin")
    return {"items": await list_users(request)}


@router.post("/users", tags=["admin"], status_code=201)
async def create_user(body: NewUserIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "admin")
    await _check(request, caller, body, creating=True)
    row = {"username": body.username, "display_name": body.display_name.strip(), "roles": sorted(set(body.roles)),
           "unit_code": body.unit_code, "password_hash": hash_password(body.password), "created_at": utcnow()}
    async with request.app.state.sessions() as session, session.begin():
        if (await session.execute(select(models.users.c.username).where(
                models.users.c.username == body.username))).first():
            raise Problem(409, "用户名已存在", f"已有用户 {body.username}", type_="conflict")
        await _enter_in_directory(request, caller, body.username, body)
        await session.execute(models.users.insert().values(**row))
    await audit.record(request.app.state.sessions, caller, "user.create", body.username,
                       {"roles": row["roles"], "unit_code": row["unit_code"]})
    return user_json(row)


@router.put("/users/{username}", tags=["admin"])
async def update_user(username: Username, body: UserIn, request: Request, caller: CurrentCaller) -> dict:
    require_roles(caller, "admin")
    if username == caller.username and "admin" not in body.roles:
        raise Problem(409, "不能取消自己的管理员角色", "请由另一位管理员操作", type_="conflict")
    await _check(request, caller, body, creating=False)
    values = {"display_name": body.display_name.strip(), "roles": sorted(set(body.roles)), "unit_code": body.unit_code}
    if body.password:
        values["password_hash"] = hash_password(body.password)
    async with request.app.state.sessions() as session, session.begin():
        updated = await session.execute(update(models.users).where(models.users.c.username == username).values(**values))
        if updated.rowcount == 0:
            raise Problem(404, "用户不存在", f"没有用户 {username}", type_="not-found")
        await _enter_in_directory(request, caller, username, body)
        row = (await session.execute(select(models.users).where(models.users.c.username == username))).mappings().one()
    await audit.record(request.app.state.sessions, caller, "user.update", username,
                       {"roles": values["roles"], "unit_code": values["unit_code"], "password_reset": bool(body.password)})
    return user_json(row)
