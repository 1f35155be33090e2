"""Where a benchmark's CPU went: seconds of CPU (user + system, every thread) that each process
under test spent between two instants — its worker processes included — beside PostgreSQL's
and Redis's when they run on this machine, the benchmark's own process (the load) and the whole
machine's busy time, as psutil reads them.

A sampling profiler cannot stand in for this: it counts a thread that waits for a core as
busy, and on two cores a process that wakes another is often preempted by it (bench/README.md,
2026-12-01)."""

from __future__ import annotations

import os

import psutil

# Server processes by their command name, as the figures name them.
SERVERS = {"postgres": "PostgreSQL", "redis-server": "Redis"}
LOAD = "load generator"
MACHINE = "machine"
# What the machine's cores spend working (guest time is already inside user and nice).
_BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal")


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds one process (all its threads, not its children) has spent so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid → (command name, parent pid, CPU seconds) of every process now running."""
    found = {}
    for process in psutil.process_iter(["name", "ppid", "cpu_times"]):
        info = process.info
        if info["cpu_times"] is not None:   # None: gone meanwhile, or not ours to read
            found[process.pid] = (info["name"], info["ppid"], info["cpu_times"].user + info["cpu_times"].system)
    return found


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling and waiting for I/O, since boot."""
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0) for name in _BUSY_FIELDS)


class CpuMeter:
    """`processes`: name → pid of each process under test (its descendants count with it)."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = processes

    @staticmethod
    def reading() -> dict:
        """Every process's CPU seconds so far, and the machine's."""
        return {"processes": _processes(), MACHINE: _machine_busy_seconds()}

    def spent(self, before: dict, after: dict) -> dict[str, float]:
        """CPU seconds between two readings: each named process with its descendants, each
        server running here (all its processes), this process alone (the load it generates) and
        the machine. Counted process by process: one started meanwhile counts from zero; one
        that ended meanwhile is not counted (what it spent is gone with it)."""
        then, now = before["processes"], after["processes"]
        delta = {pid: cpu - (then[pid][2] if pid in then and then[pid][0] == name else 0.0)
                 for pid, (name, _, cpu) in now.items()}
        children: dict[int, list[int]] = {}
        for pid, (_, parent, _) in now.items():
            children.setdefault(parent, []).append(pid)

        def with_descendants(pid: int) -> float:
            total, stack = 0.0, [pid]
            while stack:
                current = stack.pop()
                if current in now and now[current][0] not in SERVERS:   # an embedded Redis is Redis's
                    total += delta[current]
                stack += children.get(current, [])
            return total

        spent = {name: with_descendants(pid) for name, pid in self.processes.items()}
        for command, label in SERVERS.items():
            pids = [pid for pid, (name, _, _) in now.items() if name == command]
            if pids:
                spent[label] = sum(delta[pid] for pid in pids)
        spent[LOAD] = delta.get(os.getpid(), 0.0)
        spent[MACHINE] = after[MACHINE] - before[MACHINE]
        return spent


def per_item_ms(spent: dict[str, float], items: int) -> dict[str, float]:
    return {name: seconds * 1000 / items for name, seconds in spent.items()} if items else {}


def describe(figures: dict[str, float], unit: str) -> str:
    """'ingest 2.21, gateway 1.50, …; machine 7.40 ms of CPU per item' (empty without figures)."""
    if not figures:
        return ""
    parts = [f"{name} {value:.2f}" for name, value in figures.items() if name != MACHINE]
    machine = f"; {MACHINE} {figures[MACHINE]:.2f}" if MACHINE in figures else ""
    return ", ".join(parts) + machine + f" {unit}"


def describe_run(spent: dict[str, float], seconds: float, items: int) -> str:
    """describe() of a run's CPU seconds, with what the cores could give in that time and the
    machine's CPU per item."""
    cores = os.cpu_count() or 1
    return (f"{describe(spent, 's')} of the {cores} cores' {cores * seconds:.1f} "
            f"({spent[MACHINE] * 1e6 / items:.0f} µs an item)")
