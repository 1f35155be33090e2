"""The benchmarks' CPU meter: a process's CPU counts with its workers' and apart from the load's."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))

from cpu_time import LOAD, MACHINE, CpuMeter, describe, describe_run, per_item_ms  # noqa: E402

# A worker that burns about 0.4 s of CPU, says so, and lives 5 s more; and a parent that starts it.
WORKER = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n" \
         "print('done', flush=True)\ntime.sleep(5)"
BURNING_WORKER = f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", {WORKER!r}], stdout=sys.stdout).wait()
"""


def test_a_process_is_charged_with_its_workers_cpu_and_the_load_with_its_own():
    service = subprocess.Popen([sys.executable, "-c", BURNING_WORKER], stdout=subprocess.PIPE, text=True)
    try:
        meter = CpuMeter({"service": service.pid})
        before = meter.reading()
        assert service.stdout.readline().strip() == "done"   # the worker burnt its share, and lives on
        spent = meter.spent(before, meter.reading())
    finally:
        service.kill()   # the worker ends by itself
        service.wait()
    assert 0.3 <= spent["service"] < 1.5
    assert spent[LOAD] < 0.3                 # this process only waited
    assert spent[MACHINE] >= spent["service"] * 0.9


def test_each_process_counts_from_its_own_start_and_servers_apart_from_who_started_them():
    me = os.getpid()
    before = {"processes": {10: ("python", 1, 1.0), 11: ("python", 10, 0.5), 20: ("postgres", 1, 3.0),
                            21: ("postgres", 20, 1.0), me: ("python", 1, 0.5)}, MACHINE: 10.0}
    # 12: an embedded Redis the service started; 21: a backend gone, 22: one opened meanwhile.
    after = {"processes": {10: ("python", 1, 2.0), 11: ("python", 10, 1.5), 12: ("redis-server", 10, 0.3),
                           20: ("postgres", 1, 3.5), 22: ("postgres", 20, 0.4), me: ("python", 1, 0.7)}, MACHINE: 14.0}
    spent = CpuMeter({"ingest": 10}).spent(before, after)
    assert spent == pytest.approx({"ingest": 2.0, "PostgreSQL": 0.9, "Redis": 0.3, LOAD: 0.2, MACHINE: 4.0})
    assert per_item_ms(spent, 1000) == pytest.approx({"ingest": 2.0, "PostgreSQL": 0.9, "Redis": 0.3, LOAD: 0.2,
                                                      MACHINE: 4.0})
    assert describe(per_item_ms(spent, 1000), "ms of CPU per item") == (
        "ingest 2.00, PostgreSQL 0.90, Redis 0.30, load generator 0.20; machine 4.00 ms of CPU per item")
    cores = os.cpu_count() or 1
    assert describe_run(spent, 2.0, 1000) == (
        f"ingest 2.00, PostgreSQL 0.90, Redis 0.30, load generator 0.20; machine 4.00 s of the {cores} cores' "
        f"{2.0 * cores:.1f} (4000 µs an item)")
    # No server here: nothing said of it.
    assert "Redis" not in CpuMeter({"ingest": 10}).spent({**before, "processes": {10: ("python", 1, 1.0)}},
                                                         {**after, "processes": {10: ("python", 1, 2.0)}})
    assert describe({}, "s") == "" and per_item_ms(spent, 0) == {}
