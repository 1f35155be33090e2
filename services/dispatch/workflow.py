"""The assignment state machine (DESIGN.md §2.3). No I/O.

    待签收 → 已签收 → 核查中 → (待负责人签发 →) 已反馈 → 已办结
                                                 ↘ 退回重办 → 核查中
    退单 (unit, with a reason) → 退单待审 → accepted: 已退单 / refused: back where it was
    改派 (office) → 已改派, a new assignment for the other unit; 并单 (office) → 已并单
    延期申请 and 表态性回复 do not change the state; an approved extension pauses the clock.

Every action names who may take it: the assignment's own unit (handler or head), only its
head (sign-off), or the office. A unit acting on another unit's assignment is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.core.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from yuqing.core.identity import Caller

STATE_NAMES = {
    "pending_ack": "待签收",
    "acknowledged": "已签收",
    "verifying": "核查中",
    "awaiting_signoff": "待负责人签发",
    "answered": "已反馈",
    "closed": "已办结",
    "return_requested": "退单待审",
    "returned": "已退单",
    "reassigned": "已改派",
    "merged": "已并单",
}
TERMINAL_STATES = frozenset({"closed", "returned", "reassigned", "merged"})
OPEN_STATES = frozenset(STATE_NAMES) - TERMINAL_STATES
WORKING_STATES = frozenset({"acknowledged", "verifying", "awaiting_signoff"})

UNIT, HEAD, OFFICE = "unit", "head", "office"
UNIT_ROLES = frozenset({"unit_handler", "unit_head"})
OFFICE_ROLES = frozenset({"office", "admin"})
MAX_TEXT = 20_000
MAX_EXTENSION_MINUTES = 30 * 24 * 60


@dataclass(frozen=True)
class Action:
    name: str
    label: str                     # shown on the timeline
    actor: str                     # unit, head or office
    from_states: frozenset[str]
    to_state: str | None           # None: the state does not change (or is decided by the action)
    needs_reason: bool = False
    needs_text: bool = False


def _action(name, label, actor, from_states, to_state, **kwargs) -> Action:
    return Action(name, label, actor, frozenset(from_states), to_state, **kwargs)


ACTIONS = {a.name: a for a in (
    _action("acknowledge", "签收", UNIT, {"pending_ack"}, "acknowledged"),
    _action("start_verifying", "开始核查", UNIT, {"acknowledged"}, "verifying"),
    _action("holding_answer", "表态性回复", UNIT, WORKING_STATES, None, needs_text=True),
    # A head's answer is signed at once; a handler's waits for the head.
    _action("answer", "反馈", UNIT, {"acknowledged", "verifying"}, None, needs_text=True),
    _action("sign_off", "负责人签发", HEAD, {"awaiting_signoff"}, "answered"),
    _action("send_back", "退回重办", OFFICE, {"answered"}, "verifying", needs_reason=True),
    _action("close", "办结", OFFICE, {"answered"}, "closed"),
    _action("request_return", "退单", UNIT, {"pending_ack", "acknowledged", "verifying"}, "return_requested",
            needs_reason=True),
    _action("accept_return", "同意退单", OFFICE, {"return_requested"}, "returned"),
    _action("refuse_return", "不同意退单", OFFICE, {"return_requested"}, None, needs_reason=True),
    _action("request_extension", "延期申请", UNIT, WORKING_STATES | {"pending_ack"}, None, needs_reason=True),
    _action("approve_extension", "同意延期", OFFICE, OPEN_STATES, None),
    _action("refuse_extension", "不同意延期", OFFICE, OPEN_STATES, None, needs_reason=True),
    _action("reassign", "改派", OFFICE, OPEN_STATES - {"answered"}, "reassigned", needs_reason=True),
    _action("merge", "并单", OFFICE, OPEN_STATES, "merged", needs_reason=True),
)}


@dataclass(frozen=True)
class Request:
    """What the caller sent with the action."""

    reason: str = ""
    text: str = ""
    minutes: int = 0                # extension asked for
    target_unit: str = ""           # reassign
    target_assignment: str = ""     # merge


def authorize(action: Action, caller: Caller, unit_code: str) -> None:
    """The unit's own people act on their assignment; the office on anyone's."""
    if action.actor == OFFICE:
        if not caller.roles & OFFICE_ROLES:
            raise PermissionDenied(f"「{action.label}」由舆情办办理")
        return
    if caller.unit_code != unit_code or not caller.roles & UNIT_ROLES:
        raise PermissionDenied("只能办理本单位的交办单")
    if action.actor == HEAD and "unit_head" not in caller.roles:
        raise PermissionDenied("须由本单位负责人签发")


def check(action_name: str, state: str, caller: Caller, unit_code: str, request: Request, *,
          extension_pending: bool = False, state_before_return: str = "") -> str:
    """The state after the action, or an error saying why it is refused."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise InvalidInput("未知操作", [FieldProblem("action", f"可选：{'、'.join(ACTIONS)}")])
    authorize(action, caller, unit_code)
    if state not in action.from_states:
        allowed = "、".join(STATE_NAMES[s] for s in sorted(action.from_states, key=list(STATE_NAMES).index))
        raise Conflict(f"交办单{STATE_NAMES[state]}，不能{action.label}（仅限：{allowed}）")
    problems = []
    if action.needs_reason and not request.reason.strip():
        problems.append(FieldProblem("reason", f"{action.label}须说明理由"))
    if action.needs_text and not request.text.strip():
        problems.append(FieldProblem("text", f"{action.label}须填写内容"))
    if len(request.reason) > MAX_TEXT or len(request.text) > MAX_TEXT:
        problems.append(FieldProblem("text", f"最多 {MAX_TEXT} 字"))
    if action_name == "request_extension" and not 1 <= request.minutes <= MAX_EXTENSION_MINUTES:
        problems.append(FieldProblem("minutes", f"延期时长须在 1 到 {MAX_EXTENSION_MINUTES} 分钟之间"))
    if action_name == "reassign" and not request.target_unit:
        problems.append(FieldProblem("target_unit", "请选择改派的单位"))
    if action_name == "merge" and not request.target_assignment:
        problems.append(FieldProblem("target_assignment", "请选择并入的交办单"))
    if problems:
        raise InvalidInput(f"{action.label}信息不完整", problems)
    if action_name == "request_extension" and extension_pending:
        raise Conflict("已有待审批的延期申请")
    if action_name in ("approve_extension", "refuse_extension") and not extension_pending:
        raise Conflict("没有待审批的延期申请")
    if action_name == "answer":
        return "answered" if "unit_head" in caller.roles else "awaiting_signoff"
    if action_name == "refuse_return":
        return state_before_return or "pending_ack"
    return action.to_state or state


def allowed_actions(state: str, caller: Caller, unit_code: str, extension_pending: bool = False) -> list[str]:
    """What the console offers this caller now."""
    names = []
    for action in ACTIONS.values():
        if state not in action.from_states:
            continue
        try:
            authorize(action, caller, unit_code)
        except PermissionDenied:
            continue
        if action.name == "request_extension" and extension_pending:
            continue
        if action.name in ("approve_extension", "refuse_extension") and not extension_pending:
            continue
        names.append(action.name)
    return names
