"""Free loopback ports for the processes `edgesync demo` (and the tests and benches) start."""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOWEST = 10_000  # above the well-known and registered ports most services listen on


def ephemeral_low() -> int:
    """The lowest port the kernel hands out for outgoing connections and ``bind(0)``."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; other systems fall back to the same choice


def free_port() -> int:
    """A TCP port free on loopback right now, below the ephemeral range.

    Not ``bind(0)``: that port comes from the ephemeral range, from which the kernel also
    picks the local port of every outgoing connection (and the next ``bind(0)``), so between
    this call and the server's own bind, seconds later after its start-up, one of its own
    database or HTTP connections could take it. Below the range only another caller picking
    the same random port could, about one chance in twenty thousand.
    """
    low = ephemeral_low()
    for _ in range(200):
        port = random.randint(LOWEST, max(LOWEST + 1, low - 1))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or lingering in TIME_WAIT
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
