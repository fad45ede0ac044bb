"""Images on local disk in a UTC date/hour/camera tree, written atomically and durably.

Each image is written under a hidden temporary name and renamed into place; the caller then
calls `make_durable` once per group commit, BEFORE committing the rows that point at the
images. How the flush is done (one syncfs, concurrent fdatasyncs, or an fsync per file) is
chosen at start for the filesystem the images live on: see images/durability.py. A crash
before the flush can leave a file without its row (swept at start by `recent_files` + the
repo), never an acknowledged row without its bytes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from local_node.images.durability import (
    OsSyncer,
    Syncer,
    filesystem_type,
    resolve_mode,
    syncfs_available,
)

log = logging.getLogger(__name__)
TEMP_PREFIX = ".tmp-"
EXTENSIONS = {"jpeg": ".jpg", "png": ".png"}
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
FLUSH_THREADS = 8
"""Concurrent fdatasyncs per group: enough for the device to merge them into few flushes."""


@dataclass(frozen=True)
class StoredImage:
    """Where an image went and what it was."""

    path: str  # relative to the store root, always with forward slashes
    sha256: str
    size: int


class ImageStore(Protocol):
    """Durable image storage; `write` + `make_durable` together make an image crash-safe.

    Two implementations, chosen at start from ``EDGESYNC_NODE_IMAGE_STORE`` (images/open.py):
    this module's directory tree, and an S3 bucket (images/s3_store.py).
    """

    fs_type: str
    sync_mode: str
    on_volume: bool
    """Whether images take room on the node's data volume (then a free-space floor applies)."""
    shared: bool
    """Whether other processes outside this node's start-up write into it at any time."""

    def write(
        self, *, detection_id: str, camera_id: str, received_at: datetime, data: bytes, kind: str
    ) -> tuple[StoredImage, Path]:
        """Write one image (renamed into place; `make_durable` flushes it); return it, its dir."""
        ...

    def make_durable(self, dirs: set[Path]) -> None:
        """Make every image written so far (and the folders given) survive a power cut."""
        ...

    def read(self, rel_path: str) -> bytes:
        """The stored bytes of an image; FileNotFoundError if it is not there."""
        ...

    def delete(self, rel_path: str) -> int:
        """Remove a stored image; return the bytes freed if known (0 if it was already gone)."""
        ...

    def delete_many(self, rel_paths: Iterable[str]) -> None:
        """Remove stored images (missing ones count as removed)."""
        ...

    def sweep_temporaries(self, now: datetime, days: int = 2) -> int:
        """Remove temporary files left by a crash in recent folders; return how many."""
        ...

    def recent_files(self, now: datetime, hours: int = 2) -> list[str]:
        """Relative paths of the images of the last ``hours`` hour folders."""
        ...

    def disk_usage(self) -> shutil._ntuple_diskusage | None:
        """Total/used/free bytes of the volume the store lives on; None: no volume (S3)."""
        ...

    def close(self) -> None:
        """Release threads and open files."""
        ...


class FileImageStore:
    """Images in a directory tree on a local (or RAID) volume: the default store."""

    on_volume = True
    shared = False

    def __init__(
        self,
        root: Path,
        *,
        sync_mode: str = "auto",
        syncer: Syncer | None = None,
        fs_type: str | None = None,
    ) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.fs_type = fs_type if fs_type is not None else filesystem_type(self.root)
        self.sync_mode = resolve_mode(sync_mode, self.fs_type, syncfs_present=syncfs_available())
        self._syncer: Syncer = syncer or OsSyncer()
        # fdatasync mode: files written but not yet flushed, still open (rel path -> fd), so
        # the flush goes through the very descriptor that wrote the bytes.
        self._unflushed: dict[str, int] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

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
                self._syncer.fsync(fd)
            os.replace(tmp, directory / name)
        except BaseException:
            os.close(fd)
            raise
        rel_path = f"{rel_dir}/{name}"
        if self.sync_mode == "fdatasync":
            with self._lock:
                self._unflushed[rel_path] = fd
        else:
            os.close(fd)
        digest = hashlib.sha256(data).hexdigest()
        return StoredImage(path=rel_path, sha256=digest, size=len(data)), directory

    def make_durable(self, dirs: set[Path]) -> None:
        """Flush every image written since the last call, and the folders given."""
        with self._lock:
            fds, self._unflushed = list(self._unflushed.values()), {}
        try:
            if self.sync_mode == "syncfs":
                if dirs or fds:
                    fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
                    try:
                        self._syncer.syncfs(fd)
                    finally:
                        os.close(fd)
                return
            # Data first, then the folders that name it: a folder entry must never be durable
            # before the bytes it points at (that is the empty-file-after-a-cut case).
            self._all(self._syncer.fdatasync, fds)
            dir_fds = [os.open(d, os.O_RDONLY | os.O_DIRECTORY) for d in dirs]
            fds += dir_fds
            self._all(self._syncer.fsync, dir_fds)
        finally:
            for fd in fds:
                os.close(fd)

    def _all(self, flush: Callable[[int], None], fds: list[int]) -> None:
        if len(fds) <= 1:
            for fd in fds:
                flush(fd)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(FLUSH_THREADS, thread_name_prefix="image-flush")
        # list() waits for all and re-raises the first failure
        list(self._pool.map(flush, fds))

    def close(self) -> None:
        """Stop the flush threads and close files never flushed (their reads were refused)."""
        with self._lock:
            fds, self._unflushed = list(self._unflushed.values()), {}
        for fd in fds:
            os.close(fd)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def path_of(self, rel_path: str) -> Path:
        """Resolve a stored relative path, refusing anything outside the root."""
        path = (self.root / rel_path).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"image path outside the store: {rel_path!r}")
        return path

    def read(self, rel_path: str) -> bytes:
        """The stored bytes; FileNotFoundError if the file is missing."""
        return self.path_of(rel_path).read_bytes()

    def delete_many(self, rel_paths: Iterable[str]) -> None:
        """Remove stored images one by one (a file system has no batch delete)."""
        for rel_path in rel_paths:
            self.delete(rel_path)

    def delete(self, rel_path: str) -> int:
        """Remove a stored image; missing files count as already deleted."""
        path = self.path_of(rel_path)
        with self._lock:
            fd = self._unflushed.pop(rel_path, None)
        if fd is not None:
            os.close(fd)
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
