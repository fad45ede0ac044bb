"""A SQLite database file as a backup: a consistent copy while it runs, checked, put back.

``backup_sqlite`` uses SQLite's online backup API: one consistent snapshot of a database in
WAL mode, taken while the writer keeps committing (readers never block it).
``put_in_place`` puts a backup in place with the node stopped (the restore then starts a
new stream: ``local_node.sync.backup.start_new_stream``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from sync_protocol.private_files import PRIVATE_DIR_MODE, private_file, tighten


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_sqlite(db_path: Path, dest_dir: Path, now: datetime) -> Path:
    """Copy the live database to ``dest_dir/node-<UTC time>.db``; return its path."""
    if not db_path.exists():
        raise BackupError(f"no database at {db_path}")
    dest_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    target = dest_dir / f"node-{now:%Y%m%dT%H%M%S%fZ}.db"
    tmp = dest_dir / f".{target.name}.tmp"
    tmp.unlink(missing_ok=True)
    private_file(tmp)  # 0600 before a byte is in it: a backup holds what the database holds
    src = sqlite3.connect(db_path, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # All pages in one step: one read transaction, one consistent snapshot.
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()
    fsync_path(tmp)
    os.replace(tmp, target)
    fsync_path(dest_dir)
    return target


def copy_images(images_dir: Path, dest: Path) -> int:
    """Copy the image tree (skipping partial files); return the number of files copied."""
    if not images_dir.exists():
        return 0
    dest.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(dest, PRIVATE_DIR_MODE)
    count = 0
    for src in images_dir.rglob("*"):
        if not src.is_file() or src.name.startswith("."):
            continue
        target = dest / src.relative_to(images_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        count += 1
    return count


def check_backup(path: Path) -> None:
    """Refuse a file that is not a sound node database."""
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from None
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}")
    if not {"node_state", "detections"} <= tables:
        raise BackupError(f"{path} is not an edgesync node database")


def put_in_place(backup: Path, db_path: Path, now: datetime) -> Path | None:
    """Replace the database file with ``backup``; the old one is kept beside it.

    Returns where the replaced database was kept (None if there was none).
    """
    check_backup(backup)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if db_path.exists():
        conn = sqlite3.connect(db_path, timeout=30)
        try:  # fold the WAL into the file so the kept copy is whole
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        kept = db_path.with_name(f"{db_path.name}.before-restore-{now:%Y%m%dT%H%M%SZ}")
        os.replace(db_path, kept)
    for suffix in ("-wal", "-shm"):  # a stale WAL must never be applied to the new file
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restore")
    tmp.unlink(missing_ok=True)
    private_file(tmp)  # copyfile keeps the mode of an existing target
    shutil.copyfile(backup, tmp)
    fsync_path(tmp)
    os.replace(tmp, db_path)
    fsync_path(db_path.parent)
    return kept
