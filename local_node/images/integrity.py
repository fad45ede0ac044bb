"""Whether an acknowledged image is really on disk, and the evidence of the last checks.

Every stored read records its image's size and sha256. An image is damaged when its file is
missing, has another size (a power cut on a filesystem that lost the data leaves 0 bytes) or
other bytes. The sha256 is checked every time, not only the size: it costs ~0.1 ms for a
50 kB JPEG and ~5 ms for the largest image the node accepts (5 MiB), small beside serving it.

The checks over many reads (at start, `node db check --images`) are in local_node/maintenance.py.
The last full or start-up check is kept in ``<data dir>/image-check.json`` so that
``/api/v1/status`` shows it whichever process ran it (`node serve` or `node db check`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from local_node.images.store import ImageStore

log = logging.getLogger(__name__)

REPORT_FILE = "image-check.json"
SAMPLE = 10
"""Damaged read ids kept in a report and shown by the status."""


@dataclass(frozen=True)
class Damage:
    """One acknowledged image that is not what was stored."""

    detection_id: str
    path: str
    problem: str  # "missing" | "size" | "sha256"
    expected_bytes: int | None
    found_bytes: int | None

    def describe(self) -> str:
        """One line for people: what is wrong with which read's image."""
        if self.problem == "missing":
            found = "the file is missing"
        elif self.problem == "size":
            found = f"found {self.found_bytes}"
        else:
            found = f"found {self.found_bytes} with another sha256"
        return (
            f"image of read {self.detection_id} is damaged on disk "
            f"(expected {_bytes(self.expected_bytes)}, {found})"
        )


def _bytes(n: int | None) -> str:
    return "an unrecorded size" if n is None else f"{n} bytes"


def read_verified(
    store: ImageStore,
    *,
    detection_id: str,
    path: str,
    size: int | None,
    sha256: str | None,
) -> bytes | Damage:
    """The image's bytes if they are the ones acknowledged, else what is wrong with them."""
    try:
        data = store.read(path)
    except FileNotFoundError:
        return Damage(detection_id, path, "missing", size, None)
    if size is not None and len(data) != size:
        return Damage(detection_id, path, "size", size, len(data))
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        return Damage(detection_id, path, "sha256", size, len(data))
    return data


@dataclass
class CheckReport:
    """What one check of stored images found."""

    scope: str  # "start" | "all"
    started_at: datetime
    finished_at: datetime | None = None
    checked: int = 0
    damaged: int = 0
    sample: list[Damage] = field(default_factory=list)

    def as_json(self) -> dict:
        """The report as stored and shown (datetimes as ISO strings)."""
        out = asdict(self)
        out["started_at"] = self.started_at.isoformat()
        out["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return out


class ImageHealth:
    """Damage evidence for the status: the last stored check, and damage met while serving."""

    def __init__(self, data_dir: Path) -> None:
        self._file = data_dir / REPORT_FILE
        self._lock = threading.Lock()
        self._on_serve: dict[str, Damage] = {}

    def save(self, report: CheckReport) -> None:
        """Keep a check's report as the last one (atomically replaced)."""
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(report.as_json()))
        os.replace(tmp, self._file)

    def last_check(self) -> dict | None:
        """The last stored check (of any process), or None if none ran or it is unreadable."""
        try:
            report: dict = json.loads(self._file.read_text())
            return report
        except (OSError, ValueError):
            return None

    def served_damaged(self, damage: Damage) -> None:
        """Remember a damaged image met by a request (distinct reads, at most 1000 kept)."""
        with self._lock:
            if len(self._on_serve) < 1000:
                self._on_serve[damage.detection_id] = damage

    def damaged_on_serve(self) -> list[str]:
        """Ids of reads whose image was found damaged when asked for, since start."""
        with self._lock:
            return list(self._on_serve)
