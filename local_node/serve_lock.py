"""Exactly one `node serve` per data dir: an exclusive flock on ``data_dir/serve.lock``.

Two servers on one data dir would both run the ingest writer, retention and (by default) the
sync agent over the same files; the second is refused before it opens anything. The lock is
separate from the sync agent's (``agent.lock``) because `node agent` may run beside a
`node serve --no-agent`. The kernel drops the lock when its holder exits, even on SIGKILL,
so a crashed server never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "serve.lock"


def several_servers_allowed(*, images_in_s3: bool, database_url: str) -> bool:
    """Whether several `node serve` may share one data dir: the full cloud's API tasks.

    What makes a second server unsafe is the start-up clean-up of a folder store (it would
    delete the images the first is writing) and two writers on one SQLite file. An S3 store
    never takes a young object for an orphan (images/s3_store.py) and a PostgreSQL node
    already runs several writers (`serve --workers`), so with both the lock is not taken.
    """
    return images_in_s3 and not database_url.startswith("sqlite")


class ServeLockHeld(Exception):
    """Another `node serve` runs on this data dir."""


class ServeLock:
    """Hold the data dir's serve lock from ``acquire()`` until ``release()`` (or exit)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> ServeLock:
        """Take the lock or raise ``ServeLockHeld`` naming the holder's pid (never waits)."""
        # Owner-only, as the data dir is everywhere else (private_files.private_dir tightens it).
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").split("\n")[0].strip() or "unknown"
            os.close(fd)
            raise ServeLockHeld(
                f"node serve is already running on {self.data_dir.resolve()} (pid {holder})"
            ) from None
        # Write before truncating so a refused server never reads an empty file meanwhile.
        pid = f"{os.getpid()}\n".encode()
        os.pwrite(fd, pid, 0)
        os.ftruncate(fd, len(pid))
        self._fd = fd
        return self

    def release(self) -> None:
        """Let another server start."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None
