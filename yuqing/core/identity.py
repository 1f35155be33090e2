"""Who is calling: carried from the gateway to every service in gRPC metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

USER_KEY = "x-yq-user"
ROLES_KEY = "x-yq-roles"
UNIT_KEY = "x-yq-unit"

# Roles that see every unit's work (DESIGN.md §1).
COUNTY_WIDE_ROLES = frozenset({"admin", "office", "leader"})
ROLES = ("admin", "office", "monitor", "unit_handler", "unit_head", "leader", "spokesperson", "superior_reader")


@dataclass(frozen=True)
class Caller:
    username: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    unit_code: str = ""

    @property
    def county_wide(self) -> bool:
        return bool(self.roles & COUNTY_WIDE_ROLES)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        # gRPC metadata values must be printable ASCII (a bad value stalls the call), so
        # everything is percent-encoded.
        return (
            (USER_KEY, quote(self.username, safe="")),
            (ROLES_KEY, ",".join(sorted(self.roles))),
            (UNIT_KEY, quote(self.unit_code, safe="")),
        )

    @classmethod
    def from_metadata(cls, metadata) -> Caller:
        values = {key: value for key, value in (metadata or ())}
        roles = frozenset(r for r in values.get(ROLES_KEY, "").split(",") if r)
        return cls(username=unquote(values.get(USER_KEY, "")), roles=roles, unit_code=unquote(values.get(UNIT_KEY, "")))
