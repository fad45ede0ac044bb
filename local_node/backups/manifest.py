"""A backup's manifest: what the file is, its checksum, and the rows it holds per table.

Written beside the backup as ``<file>.manifest.json``; ``verify`` checks a file against it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from local_node.backups.sqlite_file import BackupError

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = 1
_NAME = re.compile(r"^node-(\d{8}T\d{6})(\d{6})?Z\.(db|dump)$")
CHUNK = 1 << 20


class ManifestError(BackupError):
    """A manifest is missing or unreadable; the message says which and why."""


@dataclass(frozen=True)
class Manifest:
    """What ``file`` is: its size and SHA-256, when it was made, and its row counts."""

    file: str
    size_bytes: int
    sha256: str
    created_at: str  # ISO 8601, UTC
    database: str  # sqlite | postgresql
    node_version: str
    schema_revision: str | None
    counts: dict[str, int] = field(default_factory=dict)
    schema: str | None = None  # PostgreSQL: the schema dumped (None: the database's own)
    format: int = FORMAT

    def to_json(self) -> str:
        """Return the manifest as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str = "manifest") -> Manifest:
        """Parse a manifest; ManifestError names what is wrong."""
        try:
            data = json.loads(text)
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (ValueError, TypeError, KeyError) as exc:
            raise ManifestError(f"{source} is not a backup manifest: {exc}") from None


def manifest_path(backup: Path) -> Path:
    """Return where the manifest of ``backup`` lies (beside it)."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def read_manifest(backup: Path) -> Manifest:
    """Read the manifest beside ``backup``; ManifestError if there is none or it is bad."""
    path = manifest_path(backup)
    if not path.is_file():
        raise ManifestError(f"no manifest for {backup.name}: expected {path}")
    return Manifest.from_json(path.read_text(), source=str(path))


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def backup_name(at: datetime, database: str) -> str:
    """Return the file name of a backup made at ``at`` (UTC, to the microsecond)."""
    suffix = "db" if database == "sqlite" else "dump"
    return f"node-{at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z.{suffix}"


def made_at(name: str) -> datetime | None:
    """Return when the backup called ``name`` was made (None: not a backup's name)."""
    match = _NAME.match(name)
    if match is None:
        return None
    stamp = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return stamp.replace(microsecond=int(match.group(2) or 0))
