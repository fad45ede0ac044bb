"""One backup run: dump → checksum → manifest → verify → upload → rotate, recorded.

The backup is verified before it is uploaded, so one that does not restore never reaches
the destination and never pushes a good one out of the rotation. The manifest is uploaded
after its file: a manifest at the destination means its file arrived whole. Every run is a
row of ``backup_runs`` (``running``, then ``ok`` or ``failed`` with the error); a failure is
logged and is the node's backup health (``health``) until a run succeeds.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine, make_url

from local_node import __version__
from local_node.backups import plan
from local_node.backups.destinations import Destination, open_destination
from local_node.backups.dump import database_kind, dump
from local_node.backups.manifest import (
    MANIFEST_SUFFIX,
    Manifest,
    made_at,
    manifest_path,
    sha256_of,
)
from local_node.backups.verify import verify_backup
from local_node.clock import Clock
from local_node.config import NodeSettings
from local_node.db.tables import BackupRun
from sync_protocol.private_files import private_dir
from sync_protocol.zones import host_zone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupOutcome:
    """What one run did: its ``backup_runs`` row id, status, file and what rotation dropped."""

    run_id: int
    status: str  # ok | failed
    file: str | None = None
    error: str | None = None
    verified: bool | None = None
    dropped: tuple[str, ...] = ()


def site_zone(settings: NodeSettings) -> ZoneInfo:
    """Return the site's time zone (the setting, else the host's, else UTC)."""
    return ZoneInfo(settings.timezone or host_zone() or "UTC")


def destination_of(settings: NodeSettings, *, s3_client: Any = None) -> Destination:
    """Return the configured backup destination (unset: DATA_DIR/backups)."""
    return open_destination(
        settings.backup.destination, settings.data_dir / "backups", s3_client=s3_client
    )


def rotate(dest: Destination, *, keep_daily: int, keep_weekly: int, zone: ZoneInfo) -> list[str]:
    """Delete the backups (and manifests) rotation no longer keeps; return their names.

    Only files named as this node names backups are considered; anything else is left alone.
    """
    stamps = {}
    for name in dest.names():
        at = made_at(name)
        if at is not None:
            stamps[name] = at.astimezone(zone)  # the site's days and weeks
    dropped = plan.drop(stamps, keep_daily=keep_daily, keep_weekly=keep_weekly)
    for name in dropped:
        dest.delete(name + MANIFEST_SUFFIX)
        dest.delete(name)
    return dropped


def _record(engine: Engine, run_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(BackupRun).where(BackupRun.id == run_id).values(**values))  # type: ignore[arg-type]


def _start(engine: Engine, now: datetime, trigger: str, label: str) -> int:
    with engine.begin() as conn:
        row = BackupRun(started_at=now, trigger=trigger, status="running", destination=label[:500])
        result = conn.execute(
            BackupRun.__table__.insert().values(**row.model_dump(exclude={"id"}))  # type: ignore[attr-defined]
        )
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row always has one
        return int(key[0])


def make_backup(
    settings: NodeSettings, staging: Path, now: datetime, dest: Destination
) -> tuple[Manifest, bool | None]:
    """Dump, describe, verify and upload one backup; return its manifest and verification."""
    url = settings.resolved_database_url
    dumped = dump(url, staging, now)
    manifest = Manifest(
        file=dumped.path.name,
        size_bytes=dumped.path.stat().st_size,
        sha256=sha256_of(dumped.path),
        created_at=now.isoformat(),
        database=database_kind(make_url(url)),
        node_version=__version__,
        schema_revision=dumped.schema_revision,
        counts=dumped.counts,
        schema=dumped.schema,
    )
    described = manifest_path(dumped.path)
    described.write_text(manifest.to_json())
    verified = None
    if settings.backup.verify:
        # False: a PostgreSQL server that refused a scratch database (archive read only).
        verified = verify_backup(dumped.path, manifest, url).compared
    dest.put(dumped.path, manifest.file)
    dest.put(described, described.name)  # after its file: a manifest means a whole file
    return manifest, verified


def run_backup(
    engine: Engine,
    settings: NodeSettings,
    clock: Clock,
    *,
    trigger: str = "schedule",
    destination: Destination | None = None,
) -> BackupOutcome:
    """Make one backup now and record it; never raises for a failed backup (it is recorded)."""
    now = clock()
    label = settings.backup.destination or str(settings.data_dir / "backups")
    run_id = _start(engine, now, trigger, destination.label if destination else label)
    try:
        dest = destination or destination_of(settings)
        private_dir(settings.data_dir)  # as the node keeps it: owner only
        # Staged on the node's own disk: the dump is verified before it travels.
        with tempfile.TemporaryDirectory(prefix=".backup-", dir=settings.data_dir) as staging:
            manifest, verified = make_backup(settings, Path(staging), now, dest)
        dropped = rotate(
            dest,
            keep_daily=settings.backup.keep_daily,
            keep_weekly=settings.backup.keep_weekly,
            zone=site_zone(settings),
        )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        _record(engine, run_id, status="failed", finished_at=clock(), error=error)
        log.error("backup failed (%s): %s", trigger, error)
        return BackupOutcome(run_id, "failed", error=error)
    _record(
        engine,
        run_id,
        status="ok",
        finished_at=clock(),
        file=manifest.file,
        size_bytes=manifest.size_bytes,
        sha256=manifest.sha256,
        verified=verified,
        counts_json=json.dumps(manifest.counts, sort_keys=True)[:4000],
    )
    log.info("backup %s made at %s (dropped %d old)", manifest.file, dest.label, len(dropped))
    return BackupOutcome(run_id, "ok", manifest.file, verified=verified, dropped=tuple(dropped))
