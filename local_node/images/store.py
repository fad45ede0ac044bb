"""Images on local disk in a UTC date/hour/camera tree, written atomically and durably.

A file becomes visible under its final name only once its bytes are on disk (write to a
hidden temporary name, fsync, rename); the caller fsyncs the touched directories once per
group commit, so a batch of N images costs N file fsyncs but only a few directory fsyncs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

TEMP_PREFIX = ".tmp-"
EXTENSIONS = {"jpeg": ".jpg", "png": ".png"}


@dataclass(frozen=True)
class StoredImage:
    """Where an image went and what it was."""

    path: str  # relative to the store root, always with forward slashes
    sha256: str
    size: int


class ImageStore(Protocol):
    """Durable image storage; `write` + `sync_dirs` together make an image crash-safe."""

    def write(
        self, *, detection_id: str, camera_id: str, received_at: datetime, data: bytes, kind: str
    ) -> tuple[StoredImage, Path]:
        """Write one image (file fsynced, renamed into place); return it and its directory."""
        ...

    def sync_dirs(self, dirs: set[Path]) -> None:
        """Fsync directories so the renames into them survive a power cut."""
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

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

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
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, directory / name)
        digest = hashlib.sha256(data).hexdigest()
        return StoredImage(path=f"{rel_dir}/{name}", sha256=digest, size=len(data)), directory

    def sync_dirs(self, dirs: set[Path]) -> None:
        """Fsync each directory once."""
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
