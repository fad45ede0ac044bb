"""Waking the sync agent from another process: the priority lane across processes.

The agent may run in another process than the one that stored a hit (`node serve
--no-agent` beside `node agent`, as in docker-compose.local.yml, or several web workers).
The agent listens on a Linux abstract UNIX datagram socket named after the data dir; a
writer that stores a hit sends one byte to it. Sending never blocks and never fails the
ingest path: if no agent listens, the push tick still comes.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def wake_address(data_dir: Path) -> str:
    """The abstract socket name for a node's data dir (no file, no path-length limit)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:24]
    return "\0edgesync-agent-" + digest


def send_wake(data_dir: Path) -> bool:
    """Tell the node's agent, wherever it runs, that a hit is waiting; True if delivered."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            sock.sendto(b"w", wake_address(data_dir))
        except OSError:
            return False
    return True


class WakeListener:
    """Calls `on_wake` for every datagram sent to the node's address, until closed."""

    def __init__(self, data_dir: Path, on_wake: Callable[[], None]) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        # The agent lock guarantees one listener per node, so the name is free.
        self._sock.bind(wake_address(data_dir))
        self._sock.settimeout(0.5)
        self._on_wake = on_wake
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="agent-wake", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                self._sock.recv(16)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                self._on_wake()
            except Exception:
                log.exception("waking the agent failed")

    def close(self) -> None:
        """Stop listening and free the name."""
        self._closed.set()
        self._thread.join(2)
        self._sock.close()
