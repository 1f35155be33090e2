"""Free loopback ports for processes started on one machine (the local suite, tests, benchmarks).

A port is chosen below the kernel's ephemeral range: a port the kernel hands out (bind to 0)
can be taken by any outgoing connection between the moment it is chosen and the moment the
process it is meant for binds it, and that process then exits with "address in use". Ports
handed out by this process are never handed out again."""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_LOWEST = 20000
_handed_out: set[int] = set()
_lock = threading.Lock()


def _ephemeral_start() -> int:
    """First port of the kernel's range for outgoing connections (Linux; 32768 elsewhere)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nobody listens on, outside the range outgoing connections use."""
    highest = _ephemeral_start() - 1
    with _lock:
        if highest - _LOWEST < 1000:  # an unusual kernel range: fall back to the kernel's choice
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        else:
            while True:
                port = random.randint(_LOWEST, highest)
                if port not in _handed_out and _bindable(port):
                    break
        _handed_out.add(port)
        return port
