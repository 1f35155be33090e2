"""PostgreSQL's own account of a benchmark: the statements that took the most of its time
during one command (pg_stat_statements), with calls, rows and time per row.

The CPU meter (cpu_time.py) says how much PostgreSQL spent; this says on what. It needs the
extension loaded by the server, which only a superuser can do, with a restart — so it is a
tool for a session that studies the figures, not part of run_all:

    psql -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"   # then restart PostgreSQL
    psql -c "CREATE EXTENSION pg_stat_statements"                                 # in the benchmark's database
    .venv/bin/python bench/pg_statements.py -- bench/pipeline.py --items 20000
    psql -c "DROP EXTENSION pg_stat_statements"
    psql -c "ALTER SYSTEM RESET shared_preload_libraries"                          # then restart again

Schema changes (the suite's migrations, dropping its schemas) are counted apart from the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from options import add_server_options  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_CHANGES = ("CREATE", "ALTER", "DROP", "COMMENT")
HOW_TO_LOAD = ("pg_stat_statements is not loaded in this database: as a superuser run "
               "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', restart PostgreSQL, "
               "then CREATE EXTENSION pg_stat_statements (this module's docstring has the steps back)")


@dataclass(frozen=True)
class Statement:
    text: str
    calls: int
    milliseconds: float   # execution and planning
    rows: int


def one_line(query: str, width: int = 110) -> str:
    flat = re.sub(r"\s+", " ", query).strip()
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def summary(statements: list[Statement], top: int) -> list[str]:
    """The lines to print: the total, then the `top` statements by time, each with its share."""
    changes: list[Statement] = []
    work: list[Statement] = []
    for statement in statements:
        (changes if statement.text.lstrip().upper().startswith(SCHEMA_CHANGES) else work).append(statement)
    work.sort(key=lambda s: s.milliseconds, reverse=True)
    total = sum(s.milliseconds for s in work)
    lines = [f"PostgreSQL: {total:,.0f} ms in {sum(s.calls for s in work):,} statements "
             f"(schema changes apart: {sum(s.milliseconds for s in changes):,.0f} ms in {len(changes)})",
             f"  {'share':>6} {'ms':>7} {'calls':>7} {'rows':>9} {'µs/row':>7}  statement"]
    for s in work[:top]:
        per_row = f"{1000 * s.milliseconds / s.rows:7.1f}" if s.rows else f"{'—':>7}"
        share = 100 * s.milliseconds / total if total else 0.0
        lines.append(f"  {share:5.1f}% {s.milliseconds:7.0f} {s.calls:7,} {s.rows:9,} {per_row}  {one_line(s.text)}")
    return lines


async def _connect(url: str) -> asyncpg.Connection:
    connection = await asyncpg.connect(url)
    loaded = await connection.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
    if not loaded:
        await connection.close()
        raise SystemExit(HOW_TO_LOAD)
    return connection


async def reset(url: str) -> None:
    connection = await _connect(url)
    try:
        await connection.execute("SELECT pg_stat_statements_reset()")
    finally:
        await connection.close()


async def read(url: str) -> list[Statement]:
    connection = await _connect(url)
    try:
        rows = await connection.fetch(
            "SELECT query, calls, total_exec_time + total_plan_time AS ms, rows FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
    finally:
        await connection.close()
    return [Statement(r["query"], r["calls"], r["ms"], r["rows"]) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_options(parser)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then a benchmark and its options")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the benchmark to run after --, e.g. -- bench/pipeline.py --items 20000")
    asyncio.run(reset(args.database_url))
    finished = subprocess.run([sys.executable, *command], cwd=ROOT)
    print("\n".join(summary(asyncio.run(read(args.database_url)), args.top)))
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
