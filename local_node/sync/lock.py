"""Exactly one sync agent per node: an exclusive flock on ``data_dir/agent.lock``.

The kernel releases the lock when its holder exits, even on SIGKILL, so a crashed agent
never blocks the next one. flock locks belong to an open file, so a second agent in the
same process is refused too.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "agent.lock"


class AgentLockHeld(Exception):
    """Another sync agent runs for this node."""


class AgentLock:
    """Hold the node's agent lock from ``acquire()`` until ``release()``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> AgentLock:
        """Take the lock or raise ``AgentLockHeld`` at once (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AgentLockHeld(
                f"another sync agent holds {self.path}; run one agent per node "
                "(`node serve --no-agent` beside `node agent`)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let another agent run."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> AgentLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
