"""Waking the sync agent from another process: the priority lane across processes.

The agent may run in another process than the one that stored a hit (`node serve
--no-agent` beside `node agent`, as in docker-compose.local.yml, or several web workers).
The agent listens on two UNIX datagram sockets: ``DATA_DIR/agent.wake``, a socket file, and
a Linux abstract socket named after the data dir. A writer that stores a hit sends one byte to
the first that answers. The file is what works between containers (docker-compose.local.yml
runs the node and the agent in two, each in its own network namespace, where abstract names
are not shared, but both mount the data dir); the abstract name is what works when the data
dir's path is too long for a socket file (108 bytes, e.g. deep test folders). Sending never
blocks and never fails the ingest path: if no agent listens, the push tick still comes.
"""

from __future__ import annotations

import hashlib
import logging
import selectors
import socket
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def wake_address(data_dir: Path) -> str:
    """The abstract socket name for a node's data dir (no file, no path-length limit)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:24]
    return "\0edgesync-agent-" + digest


WAKE_FILE = "agent.wake"
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path is 108 bytes with the terminating NUL


def wake_file(data_dir: Path) -> str | None:
    """The socket file's path for a node's data dir, None when too long for a socket."""
    path = str(data_dir.resolve() / WAKE_FILE)
    return path if len(path.encode()) <= _SUN_PATH_MAX else None


def send_wake(data_dir: Path) -> bool:
    """Tell the node's agent, wherever it runs, that a hit is waiting; True if delivered."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        for address in (wake_file(data_dir), wake_address(data_dir)):
            if address is None:
                continue
            try:
                sock.sendto(b"w", address)
            except OSError:  # no listener there (or a stale file): try the next
                continue
            return True
    return False


class WakeListener:
    """Calls `on_wake` for every datagram sent to the node's address, until closed."""

    def __init__(self, data_dir: Path, on_wake: Callable[[], None]) -> None:
        self._selector = selectors.DefaultSelector()
        self._socks: list[socket.socket] = []
        self._file = wake_file(data_dir)
        # The agent lock guarantees one listener per node, so both names are free; a socket
        # file left by a killed agent is stale and replaced.
        if self._file is not None:
            try:
                Path(self._file).unlink(missing_ok=True)
                self._listen(self._file)
            except OSError as exc:  # no data dir yet, read-only: the abstract name still works
                log.warning("agent wake socket %s not available: %s", self._file, exc)
                self._file = None
        self._listen(wake_address(data_dir))
        self._on_wake = on_wake
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="agent-wake", daemon=True)
        self._thread.start()

    def _listen(self, address: str) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(address)
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ)
        self._socks.append(sock)

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                ready = self._selector.select(timeout=0.5)
            except OSError:
                return
            for key, _ in ready:
                try:
                    key.fileobj.recv(16)  # type: ignore[union-attr]
                except OSError:
                    continue
                try:
                    self._on_wake()
                except Exception:
                    log.exception("waking the agent failed")

    def close(self) -> None:
        """Stop listening and free both names."""
        self._closed.set()
        self._thread.join(2)
        self._selector.close()
        for sock in self._socks:
            sock.close()
        if self._file is not None:
            Path(self._file).unlink(missing_ok=True)
