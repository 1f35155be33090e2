"""Which database failures another transaction caused (retried whole) and which it did not."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from yuqing.core.db import is_write_conflict


@pytest.mark.parametrize(("error", "conflict"), [
    (IntegrityError("INSERT", None, asyncpg.UniqueViolationError("duplicate key value")), True),
    (OperationalError("UPDATE", None, asyncpg.DeadlockDetectedError("deadlock detected")), True),
    (OperationalError("UPDATE", None, asyncpg.SerializationError("could not serialize access")), True),
    (OperationalError("INSERT", None, sqlite3.OperationalError("database is locked")), True),
    (IntegrityError("INSERT", None, sqlite3.IntegrityError("UNIQUE constraint failed: items.url")), True),
    (IntegrityError("INSERT", None, asyncpg.NotNullViolationError("null value in column")), False),
    (IntegrityError("INSERT", None, asyncpg.ForeignKeyViolationError("violates foreign key")), False),
    (OperationalError("SELECT", None, asyncpg.UndefinedTableError("relation does not exist")), False),
    (RuntimeError("handler failed"), False),
])
def test_only_failures_another_writer_caused_count_as_conflicts(error, conflict):
    assert is_write_conflict(error) is conflict
