"""Database maintenance (SQLite through sqlite-utils: integrity, optimize, sizes per table) and
the check of every held image against the size and sha256 its read recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from local_node.clock import utc_now
from local_node.config import NodeSettings
from local_node.db.engine import make_engine
from local_node.images.integrity import CheckReport, Damage, ImageHealth, Progress, check_images
from local_node.images.store import FileImageStore


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
        images = FileImageStore(settings.images_dir, sync_mode="file")
        report = check_images(engine, images, now=utc_now, progress=progress, on_damage=on_damage)
    finally:
        engine.dispose()
    ImageHealth(settings.data_dir).save(report)
    return report
