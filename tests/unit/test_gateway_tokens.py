"""Bearer tokens are verified once and remembered until they expire: what a remembered token
grants must be exactly what verifying it again would grant."""

from __future__ import annotations

import time

import jwt

from gateway.auth import ALGORITHM, VerifiedTokens
from yuqing.core.identity import Caller

KEY = "k" * 40


def token(key: str = KEY, lifetime: float = 3600, **claims) -> str:
    now = int(time.time())
    body = {"sub": "zhangsan", "roles": ["unit_handler"], "unit": "U-JIAOYU", "iat": now, "exp": now + lifetime}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=ALGORITHM)


def test_a_token_names_its_caller_the_first_time_and_every_time_after():
    tokens, bearer = VerifiedTokens(), token()
    expected = Caller(username="zhangsan", roles=frozenset({"unit_handler"}), unit_code="U-JIAOYU")
    assert tokens.caller(bearer, KEY) == expected
    assert tokens.caller(bearer, KEY) == expected


def test_forged_tampered_and_unsigned_tokens_are_refused_every_time():
    tokens = VerifiedTokens()
    forged = token(key="x" * 40)
    header, payload, signature = token().split(".")
    other_payload = token(sub="admin", roles=["admin"]).split(".")[1]
    tampered = ".".join((header, other_payload, signature))
    unsigned = jwt.encode({"sub": "admin", "roles": ["admin"], "exp": int(time.time()) + 60}, None, algorithm="none")
    for bad in (forged, tampered, unsigned, "not-a-token", ""):
        assert tokens.caller(bad, KEY) is None
        assert tokens.caller(bad, KEY) is None


def test_a_remembered_token_is_refused_once_it_expires():
    tokens, bearer = VerifiedTokens(), token(lifetime=1)
    assert tokens.caller(bearer, KEY) is not None
    time.sleep(max(0.0, jwt.decode(bearer, options={"verify_signature": False})["exp"] - time.time()) + 0.05)
    assert tokens.caller(bearer, KEY) is None
    assert tokens.caller(bearer, KEY) is None


def test_a_token_without_expiry_is_refused():
    assert VerifiedTokens().caller(token(exp=None), KEY) is None


def test_a_token_remembered_under_one_key_is_not_accepted_under_another():
    tokens, bearer = VerifiedTokens(), token()
    assert tokens.caller(bearer, KEY) is not None
    assert tokens.caller(bearer, "y" * 40) is None


def test_the_memory_is_bounded_and_tokens_still_verify_after_it_starts_over():
    tokens = VerifiedTokens(max_entries=2)
    bearers = [token(sub=f"user{n}") for n in range(5)]
    for bearer in bearers:
        assert tokens.caller(bearer, KEY) is not None
        assert len(tokens.entries) <= 2
    assert [tokens.caller(b, KEY).username for b in bearers] == [f"user{n}" for n in range(5)]
