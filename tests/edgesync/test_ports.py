"""Free ports for the demo's processes (and the tests' and benches'): none an outgoing
connection could take before the process binds it."""

from __future__ import annotations

import socket

from edgesync.ports import LOWEST, ephemeral_low, free_port


def test_free_ports_come_from_below_the_ephemeral_range() -> None:
    """Outgoing connections draw their local ports from that range, so could take ours."""
    ports = {free_port() for _ in range(20)}
    assert all(LOWEST <= port < ephemeral_low() for port in ports)
    assert len(ports) > 1  # not one fixed port


def test_a_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
