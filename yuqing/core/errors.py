"""Domain errors shared by services and their mapping onto gRPC status codes with details.

A servicer raises these; `grpc_errors.abort_with` turns them into a status carrying a
`google.rpc.BadRequest` (field violations) so the gateway can name the field in problem+json.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    reason: str


@dataclass
class DomainError(Exception):
    message: str
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """The caller sent something the domain refuses; problems name each field."""


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class Conflict(DomainError):
    """The request contradicts the current state (e.g. a transition not allowed now)."""


class Unavailable(DomainError):
    """Another service this call depends on did not answer."""
