"""PostgreSQL's account of a benchmark (bench/pg_statements.py): what it prints, and what it
says when the server has no pg_stat_statements."""

import asyncio
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))

from pg_statements import HOW_TO_LOAD, Statement, one_line, reset, summary  # noqa: E402


def test_statements_are_ranked_by_time_with_shares_and_schema_changes_apart():
    lines = summary([
        Statement("SELECT key FROM event_keys WHERE key = ANY($1)", calls=20, milliseconds=100.0, rows=4000),
        Statement("  create table items (item_id varchar(32))", calls=1, milliseconds=50.0, rows=0),
        Statement('COPY "timers"("timer_id") FROM STDIN (FORMAT binary)', calls=5, milliseconds=300.0, rows=1000),
        Statement("DROP SCHEMA IF EXISTS bench_ingest CASCADE", calls=1, milliseconds=20.0, rows=0),
        Statement("BEGIN", calls=100, milliseconds=0.0, rows=0),
    ], top=2)
    assert lines[0] == "PostgreSQL: 400 ms in 125 statements (schema changes apart: 70 ms in 2)"
    rows = lines[2:]
    assert len(rows) == 2                                   # the top two, largest first; BEGIN left out
    assert "75.0%" in rows[0] and "300.0" in rows[0] and 'COPY "timers"' in rows[0]   # 300 ms of 400; 300 µs a row
    assert "25.0%" in rows[1] and "25.0" in rows[1] and "event_keys" in rows[1]        # 100 of 400; 25 µs a row


def test_a_statement_without_rows_has_no_time_per_row_and_long_text_is_cut():
    [_, _, row] = summary([Statement("BEGIN", calls=3, milliseconds=1.0, rows=0)], top=5)
    assert row.split()[4] == "—"
    assert one_line("SELECT\n   a,\tb FROM t") == "SELECT a, b FROM t"
    cut = one_line("SELECT " + "x, " * 100 + "y FROM t", width=40)
    assert len(cut) == 40 and cut.endswith("…")


@pytest.mark.skipif(not os.environ.get("YQ_TEST_DATABASE_URL"), reason="needs PostgreSQL (YQ_TEST_DATABASE_URL)")
def test_without_the_extension_it_says_how_to_load_it():
    import asyncpg

    url = os.environ["YQ_TEST_DATABASE_URL"]

    async def installed() -> bool:
        connection = await asyncpg.connect(url)
        try:
            return bool(await connection.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'"))
        finally:
            await connection.close()

    if asyncio.run(installed()):
        pytest.skip("pg_stat_statements is installed in this database")
    with pytest.raises(SystemExit) as refused:
        asyncio.run(reset(url))
    assert refused.value.code == HOW_TO_LOAD
