"""Images on local disk in a UTC date/hour/camera tree, written atomically and durably.

Each image is written under a hidden temporary name and renamed into place; the caller then
calls `make_durable` once per group commit, BEFORE committing the rows that point at the
images. Two modes:

- "group" (default on Linux): no per-file fsync; one `syncfs(2)` flushes the data, the
  renames and the folders of the whole group in a single call. N images cost one flush
  instead of N fsyncs. A crash before the flush can leave a file without its row (swept at
  start by `recent_files` + the repo), never a row without its file.
- "file": fsync every file, then each touched folder once (for filesystems where syncfs is
  missing or too broad, e.g. a volume shared with busy unrelated writers).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)
TEMP_PREFIX = ".tmp-"
EXTENSIONS = {"jpeg": ".jpg", "png": ".png"}


@dataclass(frozen=True)
class StoredImage:
    """Where an image went and what it was."""

    path: str  # relative to the store root, always with forward slashes
    sha256: str
    size: int


class ImageStore(Protocol):
    """Durable image storage; `write` + `make_durable` together make an image crash-safe."""

    def write(
        self, *, detection_id: str, camera_id: str, received_at: datetime, data: bytes, kind: str
    ) -> tuple[StoredImage, Path]:
        """Write one image (file fsynced, renamed into place); return it and its directory."""
        ...

    def make_durable(self, dirs: set[Path]) -> None:
        """Make every image written so far (and the folders given) survive a power cut."""
        ...

    def path_of(self, rel_path: str) -> Path:
        """The absolute path of a stored image (refuses paths that leave the store)."""
        ...

    def delete(self, rel_path: str) -> int:
        """Remove a stored image; return the bytes freed (0 if it was already gone)."""
        ...

    def sweep_temporaries(self, now: datetime, days: int = 2) -> int:
        """Remove temporary files left by a crash in recent folders; return how many."""
        ...

    def disk_usage(self) -> shutil._ntuple_diskusage:
        """Total/used/free bytes of the volume the store lives on."""
        ...


class FileImageStore:
    """The one image store: a directory tree on a local (or RAID) volume."""

    def __init__(self, root: Path, *, sync_mode: str = "group") -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        if sync_mode == "group" and _syncfs is None:
            log.warning("syncfs(2) is not available here: fsyncing each image instead")
            sync_mode = "file"
        if sync_mode not in ("group", "file"):
            raise ValueError(f"unknown image sync mode {sync_mode!r}")
        self.sync_mode = sync_mode

    def write(
        self, *, detection_id: str, camera_id: str, received_at: datetime, data: bytes, kind: str
    ) -> tuple[StoredImage, Path]:
        """Write one image durably under yyyy/mm/dd/hh/camera/ (UTC)."""
        rel_dir = received_at.strftime("%Y/%m/%d/%H") + "/" + camera_id
        directory = self.root / rel_dir
        self._make_dirs(directory)
        name = detection_id + EXTENSIONS[kind]
        tmp = directory / (TEMP_PREFIX + name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if self.sync_mode == "file":
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, directory / name)
        digest = hashlib.sha256(data).hexdigest()
        return StoredImage(path=f"{rel_dir}/{name}", sha256=digest, size=len(data)), directory

    def make_durable(self, dirs: set[Path]) -> None:
        """One syncfs for the whole group, or an fsync per touched folder in "file" mode."""
        if not dirs:
            return
        if self.sync_mode == "group":
            _syncfs_path(self.root)
            return
        for directory in dirs:
            _fsync_dir(directory)

    def path_of(self, rel_path: str) -> Path:
        """Resolve a stored relative path, refusing anything outside the root."""
        path = (self.root / rel_path).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"image path outside the store: {rel_path!r}")
        return path

    def delete(self, rel_path: str) -> int:
        """Remove a stored image; missing files count as already deleted."""
        path = self.path_of(rel_path)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def sweep_temporaries(self, now: datetime, days: int = 2) -> int:
        """Delete `.tmp-*` files that a crash left in the last `days` days' folders."""
        count = 0
        for back in range(days + 1):
            day_dir = self.root / (now - timedelta(days=back)).strftime("%Y/%m/%d")
            if not day_dir.is_dir():
                continue
            for tmp in day_dir.rglob(TEMP_PREFIX + "*"):
                tmp.unlink(missing_ok=True)
                count += 1
        return count

    def recent_files(self, now: datetime, hours: int = 2) -> list[str]:
        """Relative paths of the images stored in the last `hours` hour folders."""
        out: list[str] = []
        for back in range(hours + 1):
            hour_dir = self.root / (now - timedelta(hours=back)).strftime("%Y/%m/%d/%H")
            if hour_dir.is_dir():
                out += [
                    p.relative_to(self.root).as_posix()
                    for p in hour_dir.rglob("*")
                    if p.is_file() and not p.name.startswith(TEMP_PREFIX)
                ]
        return out

    def disk_usage(self) -> shutil._ntuple_diskusage:
        """Usage of the volume holding the store."""
        return shutil.disk_usage(self.root)

    def _make_dirs(self, directory: Path) -> None:
        if directory.is_dir():
            return
        missing: list[Path] = []
        probe = directory
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        directory.mkdir(parents=True, exist_ok=True)
        # A new directory's own entry lives in its parent: fsync the parents too.
        for created in reversed(missing):
            _fsync_dir(created.parent)


def _load_syncfs():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.syncfs
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int]
    func.restype = ctypes.c_int
    return func


_syncfs = _load_syncfs()


def _syncfs_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # ctypes releases the GIL for the call: the event loop keeps serving meanwhile.
        if _syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs failed: {os.strerror(err)}")
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sniff_image_kind(data: bytes) -> str | None:
    """Return "jpeg" or "png" from the bytes themselves, or None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    return None
