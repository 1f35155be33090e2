"""The assignment state machine: every action from every state, by every kind of caller."""

import pytest

from services.dispatch.workflow import ACTIONS, OFFICE, STATE_NAMES, TERMINAL_STATES, Request, allowed_actions, check
from yuqing.core.errors import Conflict, InvalidInput, PermissionDenied
from yuqing.core.identity import Caller

HANDLER = Caller("hexi_jbr", frozenset({"unit_handler"}), "hexi")
HEAD = Caller("hexi_fzr", frozenset({"unit_head"}), "hexi")
OTHER_UNIT = Caller("qingshan_fzr", frozenset({"unit_head"}), "qingshan")
OFFICE_USER = Caller("yqb", frozenset({"office"}), "wxb")
MONITOR = Caller("hexi_xxy", frozenset({"monitor"}), "hexi")
FULL = Request(reason="理由", text="内容", minutes=120, target_unit="qingshan", target_assignment="a2")

EXPECTED = {  # action → {from state: to state}; every other state refuses
    "acknowledge": {"pending_ack": "acknowledged"},
    "start_verifying": {"acknowledged": "verifying"},
    "holding_answer": {s: s for s in ("acknowledged", "verifying", "awaiting_signoff")},
    "answer": {"acknowledged": "answered", "verifying": "answered"},   # by the head: signed at once
    "sign_off": {"awaiting_signoff": "answered"},
    "send_back": {"answered": "verifying"},
    "close": {"answered": "closed"},
    "request_return": {s: "return_requested" for s in ("pending_ack", "acknowledged", "verifying")},
    "accept_return": {"return_requested": "returned"},
    "refuse_return": {"return_requested": "verifying"},                 # back where it was
    "request_extension": {s: s for s in ("pending_ack", "acknowledged", "verifying", "awaiting_signoff")},
    "approve_extension": {s: s for s in STATE_NAMES if s not in TERMINAL_STATES},
    "refuse_extension": {s: s for s in STATE_NAMES if s not in TERMINAL_STATES},
    "reassign": {s: "reassigned" for s in STATE_NAMES if s not in TERMINAL_STATES and s != "answered"},
    "merge": {s: "merged" for s in STATE_NAMES if s not in TERMINAL_STATES},
}
assert set(EXPECTED) == set(ACTIONS)


def _caller_for(action_name: str) -> Caller:
    return OFFICE_USER if ACTIONS[action_name].actor == OFFICE else HEAD


@pytest.mark.parametrize(("action", "state"), [(a, s) for a in ACTIONS for s in STATE_NAMES])
def test_every_action_from_every_state(action, state):
    pending = action in ("approve_extension", "refuse_extension")
    run = lambda: check(action, state, _caller_for(action), "hexi", FULL, extension_pending=pending,  # noqa: E731
                        state_before_return="verifying")
    if state in EXPECTED[action]:
        assert run() == EXPECTED[action][state]
    else:
        with pytest.raises(Conflict):
            run()


def test_a_handlers_answer_waits_for_the_heads_sign_off():
    assert check("answer", "verifying", HANDLER, "hexi", FULL) == "awaiting_signoff"
    with pytest.raises(PermissionDenied, match="负责人签发"):
        check("sign_off", "awaiting_signoff", HANDLER, "hexi", FULL)
    assert check("sign_off", "awaiting_signoff", HEAD, "hexi", FULL) == "answered"


@pytest.mark.parametrize("action", [a for a in ACTIONS if ACTIONS[a].actor != OFFICE])
def test_no_acting_on_another_units_assignment(action):
    state = next(iter(EXPECTED[action]))
    for caller in (OTHER_UNIT, MONITOR, OFFICE_USER):
        with pytest.raises(PermissionDenied):
            check(action, state, caller, "hexi", FULL)


@pytest.mark.parametrize("action", [a for a in ACTIONS if ACTIONS[a].actor == OFFICE])
def test_office_actions_are_the_offices(action):
    state = next(iter(EXPECTED[action]))
    for caller in (HANDLER, HEAD, MONITOR):
        with pytest.raises(PermissionDenied, match="舆情办"):
            check(action, state, caller, "hexi", FULL, extension_pending=True)


@pytest.mark.parametrize(("action", "state", "sent", "field"), [
    ("send_back", "answered", Request(), "reason"),
    ("request_return", "pending_ack", Request(reason="  "), "reason"),
    ("refuse_return", "return_requested", Request(), "reason"),
    ("answer", "verifying", Request(), "text"),
    ("holding_answer", "verifying", Request(), "text"),
    ("request_extension", "verifying", Request(reason="来不及", minutes=0), "minutes"),
    ("reassign", "pending_ack", Request(reason="不属本单位"), "target_unit"),
    ("merge", "pending_ack", Request(reason="重复"), "target_assignment"),
])
def test_required_fields(action, state, sent, field):
    with pytest.raises(InvalidInput) as caught:
        check(action, state, _caller_for(action), "hexi", sent, extension_pending=True)
    assert field in {p.field for p in caught.value.problems}


def test_one_extension_request_at_a_time():
    with pytest.raises(Conflict, match="待审批"):
        check("request_extension", "verifying", HEAD, "hexi", FULL, extension_pending=True)
    with pytest.raises(Conflict, match="没有待审批"):
        check("approve_extension", "verifying", OFFICE_USER, "hexi", FULL, extension_pending=False)


def test_allowed_actions_are_what_the_console_offers():
    assert allowed_actions("pending_ack", HANDLER, "hexi") == ["acknowledge", "request_return", "request_extension"]
    assert allowed_actions("pending_ack", OTHER_UNIT, "hexi") == []
    assert allowed_actions("answered", OFFICE_USER, "hexi") == ["send_back", "close", "merge"]
    assert "approve_extension" in allowed_actions("verifying", OFFICE_USER, "hexi", extension_pending=True)
