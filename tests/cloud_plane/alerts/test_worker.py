"""The background worker runs the cloud's periodic jobs, the hotlist tombstone purge among them."""

from __future__ import annotations

from tests.e2e.harness import wait_for


def test_the_worker_purges_hotlist_tombstones_once_the_clock_passes_retention(
    cloud_factory,
) -> None:
    cloud = cloud_factory(health_interval_s=0.05, hotlist_tombstone_retention_days=30)
    admin = cloud.staff("admin")
    admin.put("/api/v1/hotlist/watch/AAA111", json={})
    assert admin.delete("/api/v1/hotlist/watch/AAA111").status_code == 204
    # The worker's first run (at start) found nothing due; the next is an hour on by the
    # cloud's clock, and by then the tombstone is past its 30 days.
    cloud.clock.advance(days=31)
    wait_for(
        lambda: cloud.store.hotlist.get_entry("watch", "AAA111") is None,
        timeout=10,
        every=0.05,
        what="the tombstone purged",
    )
    assert cloud.store.hotlist.oldest_retained_version() == 3
