"""Tables owned by the gateway: the people who log in and what they did."""

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table

from yuqing.core.db import UtcDateTime, service_metadata

metadata = service_metadata()

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("unit_code", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Every action a person takes, append-only (database triggers refuse UPDATE and DELETE) and
# hash-chained: each row's hash covers its content and the previous row's hash, so an edited
# or removed row breaks the chain at that point (`yuqing audit verify`).
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("unit_code", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

# Keys for machines (monitoring platforms, superior agencies): the secret is kept only as its
# SHA-256 (it is random and long, so a slow hash adds nothing); scoped to roles and counties.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(24), primary_key=True),      # the public part of the key
    Column("name", String(100), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("counties", JSON, nullable=False),             # county codes the key may read
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),     # set when rotated: the old key's grace period
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("replaced_by", String(24), nullable=True),
)
