"""The tombstone purge job: batches, its hourly pace by the clock, and deltas read during one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.hotlist.purge import TombstonePurger, purge_tombstones
from cloud_plane.hotlist.service import delta_for, staff_delete, staff_upsert
from cloud_plane.store.base import CloudStore
from cloud_plane.store.roles import HotlistStore
from sync_protocol.hotlist_messages import HotlistEntry

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RETENTION = timedelta(days=30)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def tombstone(store: CloudStore, plate: str, at: datetime) -> HotlistEntry:
    """Add ``plate`` and delete it at ``at`` (as staff); return the tombstone."""
    staff_upsert(
        store, list_name="watch", plate=plate, reason="", priority=50, expires_at=None,
        by="staff", now=at,
    )  # fmt: skip
    return staff_delete(store, list_name="watch", plate=plate, by="staff", now=at)


def test_the_job_purges_tombstones_past_retention_at_most_once_an_hour(store: CloudStore) -> None:
    clock = Clock(T0 + RETENTION + timedelta(days=1))
    purger = TombstonePurger(store.hotlist, clock, retention=RETENTION)
    tombstone(store, "AAA111", T0)
    assert purger.run_if_due() == 1
    tombstone(store, "BBB222", T0)  # as old, but the job ran a moment ago
    clock.now += timedelta(minutes=59)
    assert purger.run_if_due() == 0
    assert store.hotlist.get_entry("watch", "BBB222").deleted
    clock.now += timedelta(minutes=1)
    assert purger.run_if_due() == 1
    assert store.hotlist.get_entry("watch", "BBB222") is None


def test_a_run_goes_batch_by_batch_and_logs_its_progress(
    store: CloudStore, caplog: pytest.LogCaptureFixture
) -> None:
    last = [tombstone(store, f"PL{n}", T0) for n in range(5)][-1]
    caplog.set_level(logging.INFO, logger="cloud_plane.hotlist.purge")
    before = T0 + timedelta(seconds=1)
    assert purge_tombstones(store.hotlist, deleted_before=before, batch=2, max_batches=2) == 4
    assert "the rest goes next run" in caplog.text
    assert purge_tombstones(store.hotlist, deleted_before=before, batch=2, max_batches=2) == 1
    assert store.hotlist.oldest_retained_version() == last.version + 1
    purged = [r.getMessage() for r in caplog.records if "tombstones purged" in r.getMessage()]
    assert len(purged) == 3 and f"below version {last.version} now" in purged[-1]


class PurgeWhileReading:
    """The real hotlist store, with a purge committing just before the changes are read."""

    def __init__(self, hotlist: HotlistStore, deleted_before: datetime) -> None:
        self._hotlist = hotlist
        self._before = deleted_before

    def __getattr__(self, name: str) -> object:
        return getattr(self._hotlist, name)

    def changes_since(self, version: int, limit: int) -> list[HotlistEntry]:
        self._hotlist.purge_tombstones(self._before, 100)
        return self._hotlist.changes_since(version, limit)


def test_a_delta_read_while_a_purge_raises_the_mark_past_the_node_becomes_a_snapshot(
    store: CloudStore,
) -> None:
    tombstone(store, "AAA111", T0)  # versions 1, 2
    staff_upsert(
        store, list_name="watch", plate="BBB222", reason="", priority=50, expires_at=None,
        by="staff", now=T0,
    )  # fmt: skip
    racing = PurgeWhileReading(store.hotlist, T0 + timedelta(seconds=1))
    delta = delta_for(racing, 1, snapshot_threshold=100)  # type: ignore[arg-type]
    assert delta is not None and delta.snapshot
    assert [e.plate_norm for e in delta.entries] == ["BBB222"]


def test_an_invalid_batch_size_is_refused(store: CloudStore) -> None:
    with pytest.raises(ValueError, match="batch"):
        purge_tombstones(store.hotlist, deleted_before=T0, batch=0)
