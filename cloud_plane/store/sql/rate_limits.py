"""``RateLimitStore`` on SQL: one row per bucket in ``cloud_rate_buckets``, swapped by compare.

``swap`` is one write transaction over only the buckets it names: an absent bucket is
INSERTed (ON CONFLICT DO NOTHING: a concurrent creator wins), a present one is UPDATEd
``WHERE tat = expected``; if any row did not match, the transaction's writes are rolled
back (to a savepoint, so a caller's own transaction survives). Buckets are written in
name order, so two swaps on PostgreSQL lock shared rows in the same order and never
deadlock; the row locks last only for that short transaction, never across a read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from cloud_plane.store.rate_roles import check_swap
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import RateBucketRow


class _Lost(Exception):
    """A bucket had moved since it was read: roll the swap back."""


class SqlRateLimits:
    """``RateLimitStore`` over the ``cloud_rate_buckets`` table."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def read(self, buckets: Collection[str]) -> dict[str, datetime]:
        """Return the TAT of each of ``buckets`` that exists."""
        if not buckets:
            return {}
        stmt = select(RateBucketRow.bucket, RateBucketRow.tat).where(
            RateBucketRow.bucket.in_(sorted(buckets))
        )
        with self._db.tx() as conn:
            return {bucket: tat for bucket, tat in conn.execute(stmt)}

    def swap(self, expected: Mapping[str, datetime | None], new: Mapping[str, datetime]) -> bool:
        """Set every bucket of ``new`` if each still has its ``expected`` TAT; else none."""
        check_swap(expected, new)
        try:
            with self._db.tx(write=True) as conn, conn.begin_nested():
                for bucket in sorted(new):
                    if not self._set(conn, bucket, expected[bucket], new[bucket]):
                        raise _Lost(bucket)
        except _Lost:
            return False
        return True

    def prune(self, before: datetime) -> int:
        """Delete the buckets whose TAT is at or before ``before``; return how many."""
        with self._db.tx(write=True) as conn:
            return conn.execute(delete(RateBucketRow).where(RateBucketRow.tat <= before)).rowcount

    def _set(self, conn: Connection, bucket: str, expected: datetime | None, tat: datetime) -> bool:
        if expected is None:
            # RETURNING, not rowcount: drivers disagree on rowcount after DO NOTHING.
            inserted = conn.execute(
                self._db.insert(conn, RateBucketRow)
                .values(bucket=bucket, tat=tat)
                .on_conflict_do_nothing()
                .returning(RateBucketRow.bucket)
            ).first()
            return inserted is not None
        changed = conn.execute(
            update(RateBucketRow)
            .where(RateBucketRow.bucket == bucket, RateBucketRow.tat == expected)
            .values(tat=tat)
        )
        return changed.rowcount == 1
