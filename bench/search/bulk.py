"""Bulk loading into a migrated database: SQLite executemany, PostgreSQL COPY.

Only for building benchmark data: durability is off while loading (SQLite
``synchronous=OFF``), a table's secondary indexes are dropped before and rebuilt after from
their own DDL (a sorted build beats millions of random B-tree inserts), and the plate
dictionaries are built with one GROUP BY, as node migration 0012 builds them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sync_protocol.plate_index import rotations

Progress = Callable[[str], None]
_EPOCH = datetime(1970, 1, 1)  # naive: the stored text is UTC without an offset


class Loader:
    """One raw connection to a database being built (SQLite file or PostgreSQL conninfo)."""

    def __init__(self, target: str, *, postgres: bool) -> None:
        self.postgres = postgres
        if postgres:
            import psycopg

            self.conn: Any = psycopg.connect(target, autocommit=True)
        else:
            self.conn = sqlite3.connect(target, isolation_level=None)
            for pragma in (
                "journal_mode=WAL",
                "synchronous=OFF",  # the load only: the benchmark rebuilds on a crash
                "cache_size=-524288",
                "temp_store=FILE",
                "foreign_keys=OFF",
            ):
                self.conn.execute(f"PRAGMA {pragma}")

    def close(self) -> None:
        if not self.postgres:
            # Everything in the main file: the finished database is renamed without its WAL.
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement; its rows (if any)."""
        cur = self.conn.execute(self._sql(sql), params)
        rows = cur.fetchall() if cur.description else []
        cur.close()
        return rows

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.postgres:
            with self.conn.transaction():
                yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Append rows (inside a ``transaction``): COPY on PostgreSQL, executemany on SQLite."""
        cols = ", ".join(columns)
        if self.postgres:
            with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)

    # -- indexes ------------------------------------------------------------------------
    def drop_indexes(self, table: str) -> list[str]:
        """Drop the table's droppable secondary indexes; return their DDL to rebuild them."""
        if self.postgres:
            found = self.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ? AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                (table,),
            )
        else:
            found = self.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (table,),
            )
        for name, _ in found:
            self.execute(f'DROP INDEX "{name}"')
        return [ddl for _, ddl in found]

    def create_indexes(self, ddl: Sequence[str], progress: Progress) -> None:
        for statement in ddl:
            progress(f"  index: {statement[:90]}")
            self.execute(statement)

    def analyze(self, tables: Sequence[str]) -> None:
        """PostgreSQL: statistics, as autovacuum gathers them minutes after a load."""
        if self.postgres:
            for table in tables:
                self.execute(f"VACUUM ANALYZE {table}")

    # -- the plate dictionary -------------------------------------------------------------
    def build_rotations(self, keys_sql: str, rotation_table: str, progress: Progress) -> int:
        """Write the permuterm rows of every distinct key ``keys_sql`` returns, sorted."""
        keys = [k for (k,) in self.execute(keys_sql)]
        self.execute("CREATE TEMP TABLE bench_rotations (rotation VARCHAR(40))")
        total = 0
        with self.transaction():
            for start in range(0, len(keys), 50_000):
                rows = [(r,) for k in keys[start : start + 50_000] for r in rotations(k)]
                self.insert("bench_rotations", ["rotation"], rows)
                total += len(rows)
        progress(f"  {len(keys):,} keys, {total:,} rotations; writing them in order")
        with self.transaction():
            self.execute(
                f"INSERT INTO {rotation_table} (rotation) "
                "SELECT rotation FROM bench_rotations ORDER BY rotation"
            )
        self.execute("DROP TABLE bench_rotations")
        return total


def sqlite_time(at_us: int) -> str:
    """A UTC instant as the UTC columns store it on SQLite (naive, microseconds always)."""
    return _iso(at_us)


def postgres_time(at_us: int) -> str:
    """A UTC instant as COPY text for a timestamptz column."""
    return _iso(at_us) + "+00"


_MINUTES: dict[int, str] = {}


def _iso(at_us: int) -> str:
    # Reads come in time order, 200 a minute: format each minute once, then the seconds.
    minute, rest = divmod(at_us, 60_000_000)
    head = _MINUTES.get(minute)
    if head is None:
        if len(_MINUTES) > 100_000:
            _MINUTES.clear()
        head = _MINUTES[minute] = (_EPOCH + timedelta(minutes=minute)).isoformat(" ")[:17]
    seconds, micros = divmod(rest, 1_000_000)
    return f"{head}{seconds:02d}.{micros:06d}"
