"""SQLite maintenance through sqlite-utils: integrity, optimize, sizes per table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils


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
