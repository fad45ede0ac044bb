"""The dashboard's site card: a site whose backups fail is degraded, saying so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloud_plane.config import HealthSettings
from cloud_plane.records.sites import Site
from cloud_plane.web.site_health import site_card
from sync_protocol.messages import BackupState, Heartbeat

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def card_with(backup: BackupState | None):
    beat = Heartbeat(
        node_version="1",
        uptime_s=1,
        disk_used_bytes=1,
        disk_total_bytes=10,
        db_size_bytes=1,
        backlog_count=0,
        backup=backup,
    )
    site = Site(site_id="s", name="S", created_at=NOW, last_heartbeat_at=NOW, heartbeat=beat)
    return site_card(
        site, now=NOW, health=HealthSettings(), camera_reads={}, open_alerts=0, hotlist_current=0
    )


def test_a_site_whose_last_backup_failed_is_degraded() -> None:
    card = card_with(BackupState(last_failed_at=NOW - timedelta(hours=9), error="no bucket"))
    assert (card.status, card.problems) == ("degraded", ["backup failing"])


def test_a_site_with_a_good_backup_last_night_is_online() -> None:
    card = card_with(BackupState(last_ok_at=NOW - timedelta(hours=9)))
    assert (card.status, card.problems) == ("online", [])
