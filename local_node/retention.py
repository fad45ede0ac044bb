"""The retention job: prunes images by age and by disk budget, and old metadata.

Hotlist tombstones the cloud has confirmed (a version from the cloud, no refusal to show) go
with the metadata age too: the node's hotlist version already covers them, so no delta needs
them again, and a snapshot leaves them out. Pending site deletes stay until the cloud answers.

Each scheduled run that deleted anything leaves a ``retention_runs`` row (counts and cut-offs,
issue 13): the record of what was deleted, when, and under which limits. A run that deleted
nothing leaves none (the job runs every few minutes). The writer's reclaim under disk
pressure is not a scheduled run and is counted in the metrics instead.

Space is reclaimed oldest first and never from images under the evidence hold; when nothing
else is left to prune, the writer answers 507 rather than deleting evidence. Detection rows
the cloud has not acked are never deleted (see local_node.sync for the outbox policy).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Engine

from local_node.clock import Clock
from local_node.config import RetentionSettings
from local_node.db.plate_dictionary import forget_deleted_reads
from local_node.db.repo import remove_orphan_images
from local_node.db.tables import (
    Detection,
    DetectionRevision,
    Hit,
    HotlistEntry,
    LocalAlertDelivery,
    RetentionRun,
)
from local_node.domain.retention import RetentionPolicy
from local_node.images.store import ImageStore
from local_node.sync.store import deletable_through

log = logging.getLogger(__name__)
CHUNK = 500
ORPHAN_HOURS = 3
"""Hour folders of a shared store looked at for orphans at each run (start-up looks at 2)."""


@dataclass(frozen=True)
class RetentionReport:
    """What one retention run removed."""

    images_pruned: int
    bytes_freed: int
    rows_deleted: int
    hotlist_tombstones: int = 0


class Retention:
    """Prunes the image store and the detection log according to the settings."""

    def __init__(
        self, *, engine: Engine, images: ImageStore, settings: RetentionSettings, clock: Clock
    ) -> None:
        self._engine = engine
        self._images = images
        self._clock = clock
        self.policy = RetentionPolicy(
            image_days=settings.image_days,
            hit_image_days=settings.hit_image_days,
            metadata_days=settings.metadata_days,
        )

    def run(self) -> RetentionReport:
        """One scheduled pass: images past their age, then metadata past its age."""
        now = self._clock()
        image_cutoff = self.policy.image_cutoff(now)
        expired = and_(
            Detection.image_path.is_not(None),
            Detection.image_pruned_at.is_(None),
            or_(
                and_(
                    Detection.has_hit.is_(False),
                    Detection.received_at < image_cutoff,
                ),
                Detection.received_at < self.policy.hit_image_cutoff(now),
            ),
        )
        count, freed = self._prune_images(expired, limit=None)
        if self._images.shared:
            self._sweep_orphans(now)
        rows = self._delete_metadata()
        tombstones = self._delete_hotlist_tombstones()
        report = RetentionReport(
            images_pruned=count, bytes_freed=freed, rows_deleted=rows, hotlist_tombstones=tombstones
        )
        if count or rows or tombstones:
            log.info(
                "retention: pruned %d images (%d bytes), deleted %d rows, %d hotlist tombstones",
                count,
                freed,
                rows,
                tombstones,
            )
            self._record_run(report, started=now, image_cutoff=image_cutoff)
        return report

    def _record_run(
        self, report: RetentionReport, *, started: datetime, image_cutoff: datetime
    ) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(RetentionRun.__table__).values(
                    started_at=started,
                    finished_at=self._clock(),
                    images_pruned=report.images_pruned,
                    bytes_freed=report.bytes_freed,
                    rows_deleted=report.rows_deleted,
                    hotlist_tombstones=report.hotlist_tombstones,
                    metadata_cutoff=self.policy.metadata_cutoff(started),
                    image_cutoff=image_cutoff,
                )
            )

    def _sweep_orphans(self, now: datetime) -> None:
        """A shared store (S3, several tasks): remove images a crashed task left rowless.

        Start-up removes them too, but a task restarting at once sees its crash's objects
        as still in flight (the store's grace); every run looks again, so they go within a
        run or two. Older ones than the window are the bucket lifecycle rule's.
        """
        orphans = remove_orphan_images(self._engine, self._images, now, hours=ORPHAN_HOURS)
        if orphans:
            log.warning("retention: removed %d images no read points at (a crash)", orphans)

    def reclaim(self, needed_bytes: int) -> int:
        """Free at least `needed_bytes` by pruning the oldest images outside the evidence hold."""
        now = self._clock()
        prunable = and_(
            Detection.image_path.is_not(None),
            Detection.image_pruned_at.is_(None),
            or_(
                Detection.has_hit.is_(False),
                Detection.received_at < self.policy.hit_image_cutoff(now),
            ),
        )
        _, freed = self._prune_images(prunable, limit=needed_bytes)
        if freed < needed_bytes:
            log.warning("disk budget: needed %d bytes, could free only %d", needed_bytes, freed)
        return freed

    def _prune_images(self, condition, *, limit: int | None) -> tuple[int, int]:
        count = freed = 0
        while limit is None or freed < limit:
            with self._engine.connect() as conn:
                batch = conn.execute(
                    select(Detection.id, Detection.image_path, Detection.image_bytes)
                    .where(condition)
                    .order_by(Detection.seq)
                    .limit(CHUNK)
                ).all()
            if not batch:
                break
            chosen = []
            wanted = 0
            for row in batch:
                if limit is not None and freed + wanted >= limit:
                    break
                chosen.append(row)
                wanted += row.image_bytes or 0
            # The row is marked before the file goes: a crash in between leaves a file
            # without a row pointing at it (harmless), never a row pointing at nothing.
            # Only the rows this process marked count: another writer of the node (`serve
            # --workers`) reclaiming at the same moment may have taken some of them.
            with self._engine.begin() as conn:
                mine = set(
                    conn.execute(
                        update(Detection)
                        .where(
                            Detection.id.in_([r.id for r in chosen]),
                            Detection.image_pruned_at.is_(None),
                        )
                        .values(image_pruned_at=self._clock())
                        .returning(Detection.id)
                    ).scalars()
                )
            gone = [row for row in chosen if row.id in mine]
            self._images.delete_many(row.image_path for row in gone)
            freed += sum(row.image_bytes or 0 for row in gone)
            count += len(gone)
        return count, freed

    def _delete_hotlist_tombstones(self) -> int:
        """Delete confirmed hotlist tombstones last changed before the metadata cut-off."""
        with self._engine.begin() as conn:
            return conn.execute(
                delete(HotlistEntry).where(
                    HotlistEntry.deleted.is_(True),
                    HotlistEntry.version
                    > 0,  # NULL: a pending delete; 0: awaiting the cloud's copy
                    HotlistEntry.refused_at.is_(None),  # a refusal stays shown until the next edit
                    HotlistEntry.updated_at < self.policy.metadata_cutoff(self._clock()),
                )
            ).rowcount

    def _delete_metadata(self) -> int:
        cutoff = self.policy.metadata_cutoff(self._clock())
        total = 0
        while True:
            with self._engine.begin() as conn:
                old = [Detection.received_at < cutoff]
                # The detection log is the sync outbox: never delete what the cloud lacks.
                acked = deletable_through(conn)
                if acked is not None:
                    old.append(Detection.seq <= acked)
                rows = conn.execute(
                    select(
                        Detection.id,
                        Detection.image_path,
                        Detection.image_pruned_at,
                        Detection.plate_norm,
                    )
                    .where(*old)
                    .order_by(Detection.seq)
                    .limit(CHUNK)
                ).all()
                if not rows:
                    return total
                ids = [r.id for r in rows]
                conn.execute(
                    delete(LocalAlertDelivery).where(LocalAlertDelivery.detection_id.in_(ids))
                )
                conn.execute(delete(Hit).where(Hit.detection_id.in_(ids)))
                conn.execute(
                    delete(DetectionRevision).where(DetectionRevision.detection_id.in_(ids))
                )
                conn.execute(delete(Detection).where(Detection.id.in_(ids)))
                forget_deleted_reads(conn, Counter(r.plate_norm for r in rows))
            self._images.delete_many(
                r.image_path for r in rows if r.image_path and r.image_pruned_at is None
            )
            total += len(rows)


def recent_runs(engine: Engine, limit: int = 20) -> list[RetentionRun]:
    """The latest retention runs that deleted something, newest first."""
    table = RetentionRun.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.id.desc()).limit(limit)).mappings()
        return [RetentionRun.model_validate(r) for r in rows]
