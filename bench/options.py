"""Command-line options the benchmarks share."""

from __future__ import annotations

import argparse
import os


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """--database-url and --redis-url: the servers a benchmark runs against (YQ_BENCH_* or 127.0.0.1)."""
    parser.add_argument("--database-url", default=os.environ.get("YQ_BENCH_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("YQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
