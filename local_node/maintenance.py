"""Database maintenance (SQLite through sqlite-utils: integrity, optimize, sizes per table) and
the checks of held images against the size and sha256 their reads recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlalchemy.engine import Engine

from local_node.clock import utc_now
from local_node.config import NodeSettings
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.images.choose import open_image_store
from local_node.images.integrity import SAMPLE, CheckReport, Damage, ImageHealth, read_verified
from local_node.images.store import ImageStore


def check(path: Path) -> list[str]:
    """Problems found by integrity_check and foreign_key_check (empty: healthy)."""
    db = sqlite_utils.Database(path)
    try:
        problems = [
            f"integrity: {row[0]}"
            for row in db.execute("PRAGMA integrity_check").fetchall()
            if row[0] != "ok"
        ]
        problems += [
            f"foreign key: table {row[0]} rowid {row[1]} -> {row[2]}"
            for row in db.execute("PRAGMA foreign_key_check").fetchall()
        ]
        return problems
    finally:
        db.close()


def optimize(path: Path, *, vacuum: bool = False) -> tuple[int, int]:
    """ANALYZE + PRAGMA optimize + WAL checkpoint (+ VACUUM); returns file size before/after."""
    before = path.stat().st_size
    db = sqlite_utils.Database(path)
    try:
        db.analyze()
        db.execute("PRAGMA optimize")
        if vacuum:
            db.vacuum()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return before, path.stat().st_size


def sizes(path: Path) -> list[dict[str, Any]]:
    """Bytes per table and index (from the dbstat table), with row counts for tables."""
    db = sqlite_utils.Database(path)
    try:
        tables = set(db.table_names())
        out = []
        for name, size in db.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC"
        ).fetchall():
            rows = db[name].count if name in tables else None
            out.append({"name": name, "rows": rows, "bytes": int(size)})
        return out
    finally:
        db.close()


START_WINDOW = timedelta(minutes=10)
START_LIMIT = 1000
"""At start, the images of the reads of the last 10 minutes before the newest read, at most
1000 of them: the commits a power cut could have caught."""

Progress = Callable[[int, int], None]
"""Told (checked so far, total) now and then during a check."""


def check_images(
    engine: Engine,
    store: ImageStore,
    *,
    now: Callable[[], datetime],
    scope: str = "all",
    since: datetime | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    on_damage: Callable[[Damage], None] | None = None,
) -> CheckReport:
    """Verify the held (not pruned) images, newest first; `since`/`limit` narrow the set."""
    report = CheckReport(scope=scope, started_at=now())
    total = repo.count_held_images(engine, since)
    total = min(total, limit) if limit is not None else total
    for row in repo.held_images(engine, since, limit):
        result = read_verified(
            store,
            detection_id=row.id,
            path=row.image_path,
            size=row.image_bytes,
            sha256=row.image_sha256,
        )
        report.checked += 1
        if isinstance(result, Damage):
            report.damaged += 1
            if len(report.sample) < SAMPLE:
                report.sample.append(result)
            if on_damage is not None:
                on_damage(result)
        if progress is not None and (report.checked % 500 == 0 or report.checked == total):
            progress(report.checked, total)
    report.finished_at = now()
    return report


def check_recent(engine: Engine, store: ImageStore, *, now: Callable[[], datetime]) -> CheckReport:
    """The start-up check: the images of the last commits before the node stopped."""
    newest = repo.newest_received_at(engine)
    if newest is None:
        return CheckReport(scope="start", started_at=now(), finished_at=now())
    return check_images(
        engine, store, now=now, scope="start", since=newest - START_WINDOW, limit=START_LIMIT
    )


def check_all_images(
    settings: NodeSettings,
    *,
    progress: Progress | None = None,
    on_damage: Callable[[Damage], None] | None = None,
) -> CheckReport:
    """Verify every held image, newest first; the report becomes the one the status shows."""
    engine = make_engine(settings.resolved_database_url)
    try:
        # "file": this store only reads, and must open whatever the node's flush setting is
        images = open_image_store(settings, sync_mode="file")
        try:
            report = check_images(
                engine, images, now=utc_now, progress=progress, on_damage=on_damage
            )
        finally:
            images.close()
    finally:
        engine.dispose()
    ImageHealth(settings.data_dir).save(report)
    return report
