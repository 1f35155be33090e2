"""Tables owned by the gateway: the people who log in."""

from sqlalchemy import JSON, Column, String, Table

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
