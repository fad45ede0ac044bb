"""A site whose sync backlog keeps growing shows as degraded, as the alert would say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloud_plane.config import HealthSettings
from cloud_plane.records.sites import BacklogSample, Site
from cloud_plane.web.site_health import site_card
from sync_protocol.messages import Heartbeat

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def card_for(counts_every_10_min: list[int]):  # type: ignore[no-untyped-def]
    n = len(counts_every_10_min)
    site = Site(
        site_id="s",
        name="S",
        created_at=NOW - timedelta(days=1),
        last_heartbeat_at=NOW,
        heartbeat=Heartbeat(
            node_version="1",
            uptime_s=1,
            disk_used_bytes=1,
            disk_total_bytes=10,
            db_size_bytes=1,
            backlog_count=counts_every_10_min[-1],
        ),
        backlog_samples=tuple(
            BacklogSample(NOW - timedelta(minutes=10 * (n - 1 - i)), c)
            for i, c in enumerate(counts_every_10_min)
        ),
    )
    return site_card(
        site, now=NOW, health=HealthSettings(), camera_reads={}, open_alerts=0, hotlist_current=0
    )


def test_a_growing_backlog_makes_an_online_site_degraded() -> None:
    card = card_for([100, 600, 1200, 2000])
    assert card.status == "degraded" and card.problems == ["sync backlog is growing"]


def test_a_backlog_that_drains_leaves_the_site_online() -> None:
    card = card_for([100, 600, 0, 2000])
    assert card.status == "online" and card.problems == []
