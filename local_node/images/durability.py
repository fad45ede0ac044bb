"""How image bytes reach stable storage: the sync modes, the filesystem check, the flush calls.

Modes (``EDGESYNC_NODE_IMAGE_SYNC``):

- ``fdatasync``: each image of a group commit is fdatasynced (concurrently, on a small thread
  pool: the call releases the GIL and the device queues the flushes together), then every
  touched folder is fsynced once. Durable on every filesystem that honours fsync(2).
- ``syncfs``: one ``syncfs(2)`` per group commit flushes data, renames and folders at once.
  Only as good as the filesystem's ``sync_fs``: FUSE mounts (network and cloud filesystems)
  return 0 and flush no file data, so it is allowed only on filesystems known to honour it.
- ``file``: fsync each image as it is written, then each touched folder (no concurrency).
- ``auto`` (default): ``syncfs`` where the image folder's filesystem is known safe, else
  ``fdatasync``. ``group`` (the old default, meaning syncfs) is read as ``auto``.

The flush calls go through a `Syncer`, so a test can stand in a filesystem whose syncfs
flushes nothing and check what was really flushed.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

MODES = ("auto", "fdatasync", "syncfs", "file", "group")

SYNCFS_SAFE = frozenset({"ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs", "ramfs"})
"""Filesystems whose syncfs(2) writes back every dirty page and commits the journal (tmpfs and
ramfs have nothing to write back). Anything else (fuse.*, nfs, cifs, overlay, unknown) is not
trusted with syncfs."""


class UnsafeImageSync(ValueError):
    """syncfs was asked for explicitly on a filesystem where it may not flush file data."""


class Syncer(Protocol):
    """The flush system calls; `OsSyncer` is the real one."""

    def fdatasync(self, fd: int) -> None:
        """Flush one file's data (and the size needed to read it back). Raises OSError."""
        ...

    def fsync(self, fd: int) -> None:
        """Flush one file or folder, data and metadata. Raises OSError."""
        ...

    def syncfs(self, fd: int) -> None:
        """Flush the whole filesystem holding `fd`. Raises OSError."""
        ...


class OsSyncer:
    """The kernel's fdatasync(2), fsync(2) and syncfs(2)."""

    def fdatasync(self, fd: int) -> None:
        """os.fdatasync (releases the GIL)."""
        os.fdatasync(fd)

    def fsync(self, fd: int) -> None:
        """os.fsync (releases the GIL)."""
        os.fsync(fd)

    def syncfs(self, fd: int) -> None:
        """libc syncfs through ctypes (which releases the GIL for the call)."""
        if _syncfs is None:
            raise OSError(38, "syncfs(2) is not available here")
        if _syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs failed: {os.strerror(err)}")


def _load_syncfs() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.syncfs
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int]
    func.restype = ctypes.c_int
    return func


_syncfs = _load_syncfs()


def syncfs_available() -> bool:
    """Whether this libc has syncfs(2) at all."""
    return _syncfs is not None


def filesystem_type(path: Path, mountinfo: str | None = None) -> str:
    """The type of the filesystem `path` lives on ("ext4", "fuse.sshfs"...), or "unknown".

    Read from /proc/self/mountinfo: the mount point that is the longest prefix of the path.
    """
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return "unknown"
    target = str(path.resolve())
    best, best_type = "", "unknown"
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = _unescape(fields[4])
        fs_type = line.split(" - ", 1)[1].split()[0]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as octal (\040 ...)
    return field.encode().decode("unicode_escape") if "\\" in field else field


def resolve_mode(requested: str, fs_type: str, *, syncfs_present: bool = True) -> str:
    """The mode to use ("syncfs", "fdatasync" or "file") for a setting on a filesystem.

    Raises UnsafeImageSync when "syncfs" was asked for where it is not known to flush data:
    an explicit request is a promise about durability that the node cannot keep there.
    """
    if requested not in MODES:
        raise ValueError(f"unknown image sync mode {requested!r} (one of {', '.join(MODES)})")
    safe = fs_type in SYNCFS_SAFE and syncfs_present
    if requested == "syncfs":
        if not safe:
            why = "syncfs(2) is missing" if not syncfs_present else f"the filesystem is {fs_type}"
            raise UnsafeImageSync(
                f"EDGESYNC_NODE_IMAGE_SYNC=syncfs refused: {why}, where syncfs may return without "
                "flushing file data (acknowledged images would be lost in a power cut). "
                "Use auto or fdatasync."
            )
        return "syncfs"
    if requested in ("auto", "group"):
        if not safe:
            log.warning(
                "image folder is on %s: syncfs is not trusted there, fdatasyncing each image",
                fs_type,
            )
        return "syncfs" if safe else "fdatasync"
    return requested
