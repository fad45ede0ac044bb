"""Files and folders that hold plates, times and credentials: the owner's only, whatever the umask.

One rule for the node's and the cloud's data (databases, backups, keys); plain ``os`` calls.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

log = logging.getLogger(__name__)


class NotADatabaseFile(IsADirectoryError):
    """A SQLite URL names a directory."""


def private_sqlite_files(db_path: Path) -> None:
    """Make the database file (and its -wal/-shm) 0600 before SQLite opens it.

    SQLite creates a new file with the process umask (0644 by default), and gives the
    -wal and -shm files the mode of the database file: creating it 0600 first covers all
    three. A new parent directory is made 0700; an existing one is left as it is (it may be
    shared: the data directory itself is tightened by whoever owns it).
    """
    if db_path.is_dir():  # e.g. a URL that names the data directory: never chmod it 0600
        raise NotADatabaseFile(f"{db_path} is a directory, not a SQLite database file")
    db_path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    private_file(db_path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(Path(f"{db_path}{suffix}"), PRIVATE_FILE_MODE)


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
"""Modes of what holds plates, times and credentials: the owner only, whatever the umask."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, 0700) or tighten an existing looser one; return it."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; tighten an existing looser one."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    tighten(path, PRIVATE_FILE_MODE)
    return path


def tighten(path: Path, mode: int) -> None:
    """Drop every permission bit of ``path`` outside ``mode``; log when there were some."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not current & ~mode:
        return  # logged at most once per file: the next start finds it tight
    try:
        os.chmod(path, current & mode)
    except OSError as exc:  # not ours (a shared parent): say so, do not stop the service
        log.warning(
            "%s is readable by others (mode %o) and cannot be tightened: %s", path, current, exc
        )
        return
    log.warning("%s was open to others (mode %o); tightened to %o", path, current, current & mode)


SECRET_BYTES = 32


def load_or_create_secret(path: Path) -> bytes:
    """The secret in ``path``, made (random, mode 0600, written whole) on first use.

    Several processes may start together (the node's workers, the cloud's): each writes its
    own temporary file and links it into place; the first link wins and everyone reads that
    one, so they all sign with the same key.
    """
    with contextlib.suppress(FileNotFoundError):
        key = path.read_bytes().strip()
        if len(key) >= SECRET_BYTES:
            return key
    private_dir(path.parent)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_urlsafe(SECRET_BYTES).encode())
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        # A short or empty file left by a crash is replaced; a whole one is kept.
        if len(path.read_bytes().strip()) < SECRET_BYTES:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()
