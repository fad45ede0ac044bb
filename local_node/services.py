"""The node's collaborators, built once at start-up from settings (the one place that chooses)."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from local_node.clock import Clock, utc_now
from local_node.config import NodeSettings
from local_node.credentials import CachedCredential
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.images.choose import open_image_store
from local_node.images.integrity import Damage, ImageHealth
from local_node.images.store import ImageStore
from local_node.ingest.camera_errors import CameraErrors
from local_node.ingest.image_bytes import Cell, ImageBytes
from local_node.ingest.vendor_health import VendorHealth
from local_node.ingest.writer import IngestWriter
from local_node.maintenance import check_recent
from local_node.metrics import NodeMetrics
from local_node.retention import Retention
from sync_protocol.private_files import private_dir

log = logging.getLogger(__name__)

START_SWEEP_MAX_HOURS = 24 * 7
"""How far back (hour folders) the start-up sweep for unacknowledged images may reach."""

VENDOR_HEALTH_FILE = "vendor_health.json"
"""With several serving processes, the vendor agents' stream health lives here (see there)."""


@dataclass
class NodeServices:
    """Everything a request or a job needs; owned by the app's lifespan."""

    settings: NodeSettings
    engine: Engine
    images: ImageStore
    writer: IngestWriter
    metrics: NodeMetrics
    clock: Clock
    image_health: ImageHealth
    # What cameras do wrong, for the heartbeat (written to the database shortly after).
    camera_errors: CameraErrors
    started_at: float = field(default_factory=time.monotonic)
    credential_cache: dict[str, CachedCredential] = field(default_factory=dict)
    # Latest Rekor/OpenALPR heartbeat per stream, shown by /api/v1/status; in memory, or in a
    # file of the data dir when several processes serve (`serve --workers`).
    vendor_health: VendorHealth = field(default_factory=VendorHealth)

    def volume(self) -> tuple[int, int]:
        """Total and free bytes of the volume the images take room on (S3: the data dir's)."""
        usage = self.images.disk_usage() or shutil.disk_usage(self.settings.data_dir)
        return usage.total, usage.free

    def note_served_damage(self, damage: Damage) -> None:
        """Count a damaged image found while serving it and keep it for /api/v1/status."""
        self.metrics.damaged_images.labels(found_by="serve").inc()
        self.image_health.served_damaged(damage)

    def close(self) -> None:
        """Drain the writer, write the pending camera error counts, release the database."""
        self.writer.stop()
        self.camera_errors.close()
        self.images.close()
        self.engine.dispose()


def build_services(
    settings: NodeSettings,
    *,
    clock: Clock = utc_now,
    image_bytes: Cell | None = None,
    worker: bool = False,
) -> NodeServices:
    """Open the database (migrating it), the image store and the writer.

    ``image_bytes``: the images' running total shared by every writer of the node (see
    ``ingest.image_bytes``); None: this process's own. ``worker``: a serving process of
    `node serve --workers N`, started after the parent opened the node: it skips what the
    parent did once at start-up (removing partial and orphan image files would delete the
    files other workers are writing right now; checking the recent images again is waste)
    and leaves the shared total as the parent counted it.
    """
    private_dir(settings.data_dir)  # plates, times, credentials: the owner only
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    state = repo.ensure_state(engine, clock())
    images = open_image_store(settings)
    metrics = NodeMetrics()
    image_health = ImageHealth(settings.data_dir)
    vendor_file = settings.data_dir / VENDOR_HEALTH_FILE if settings.workers > 1 else None
    if not worker:
        if vendor_file is not None:
            vendor_file.unlink(missing_ok=True)  # forgotten at a restart, as in one process
        log.info("images on %s, made durable with %s", images.fs_type, images.sync_mode)
        _clean_after_crash(engine, images, clock)
        _check_recent_images(engine, images, image_health, metrics, clock)
    retention = Retention(engine=engine, images=images, settings=settings.retention, clock=clock)
    writer = IngestWriter(
        engine=engine,
        images=images,
        clock=clock,
        batch_max=settings.ingest.commit_batch_max,
        max_pending=settings.ingest.max_pending,
        min_free_bytes=settings.retention.min_free_bytes,
        # An S3 bucket has no disk to fill: its lifecycle rule bounds it (images/choose.py).
        disk_budget_bytes=settings.retention.disk_budget_bytes if images.on_volume else None,
        image_bytes=ImageBytes(
            image_bytes, total=None if worker else repo.image_bytes_total(engine)
        ),
        reclaim=retention.reclaim,
        metrics=metrics,
    )
    if not worker:
        log.info("node database ready (stream %s)", state.stream_id)
    return NodeServices(
        settings=settings,
        engine=engine,
        images=images,
        writer=writer,
        metrics=metrics,
        clock=clock,
        image_health=image_health,
        camera_errors=CameraErrors(engine, clock, skew_limit_s=settings.ingest.clock_skew_s),
        vendor_health=VendorHealth(vendor_file),
    )


def _clean_after_crash(engine: Engine, images: ImageStore, clock: Clock) -> None:
    """Remove the partial and the unacknowledged image files an earlier crash left."""
    swept = images.sweep_temporaries(clock())
    if swept:
        log.warning("removed %d partial image files left by an earlier crash", swept)
    now = clock()
    hours = start_sweep_hours(now, repo.newest_received_at(engine))
    orphans = repo.remove_orphan_images(engine, images, now, hours=hours)
    if orphans:
        log.warning("removed %d images whose reads were never acknowledged (crash)", orphans)


def start_sweep_hours(now: datetime, newest_read: datetime | None) -> int:
    """Hour folders the start-up sweep reads: back to the newest acknowledged read's hour.

    Unacknowledged images were written after the last commit (or beside it), so a node that
    crashed and stayed down for a day left them a day back, not in the last two hours; at
    most a week back (older ones are the bucket lifecycle's, or retention's on a disk).
    """
    if newest_read is None:
        return 2
    behind = int((now - newest_read).total_seconds() // 3600) + 1
    return min(max(behind, 2), START_SWEEP_MAX_HOURS)


def _check_recent_images(
    engine: Engine, images: ImageStore, health: ImageHealth, metrics: NodeMetrics, clock: Clock
) -> None:
    """Verify the images of the last commits: what a power cut would have caught."""
    report = check_recent(engine, images, now=clock)
    health.save(report)
    metrics.damaged_images.labels(found_by="start").inc(report.damaged)
    if report.damaged:
        log.error(
            "%d of the %d most recent images are damaged on disk (a power cut?), e.g. %s; "
            "run `edgesync node db check --images` for all of them",
            report.damaged,
            report.checked,
            "; ".join(d.describe() for d in report.sample[:3]),
        )
    else:
        log.info("checked the %d most recent images: all intact", report.checked)
