"""DynamoDB retention beyond the contract: TTLs from the site's retention, searches that honour
a site's longer one, the first day that moves up after a run."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store import keys
from cloud_plane.store.dynamo import DynamoStore
from sync_protocol.plate_rules import confusion_key
from tests.cloud_plane.store.contracts.builders import NOW, records

DAY = timedelta(days=1)


def _plate_ttl(store: DynamoStore, site_id: str, seq: int, at: datetime | None = None) -> int:
    [record] = records("st", seq, 1)
    received = at or record.received_at
    key = keys.plate_detection(confusion_key(record.plate_norm), received, site_id, "st", seq)
    item = store.db.table.get(key)
    assert item is not None
    return int(item["expires_at"])


def test_items_written_after_a_change_expire_by_the_sites_retention(store: DynamoStore) -> None:
    site = store.sites.create_site("s", now=NOW).site_id
    store.detections.put_batch(site, "st", records("st", 1, 1), received_at=NOW)
    store.sites.set_site_read_retention(site, 7)
    store.detections.put_batch(site, "st", records("st", 2, 1), received_at=NOW)
    first, second = records("st", 1, 2)
    assert _plate_ttl(store, site, 1) == int((first.received_at + 30 * DAY).timestamp())
    assert _plate_ttl(store, site, 2) == int((second.received_at + 7 * DAY).timestamp())


def test_another_process_sees_a_changed_retention_once_its_cache_is_stale(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = DynamoStore.open("t", client=store.db.table.client, retention_days=30)
    site = store.sites.create_site("s", now=NOW).site_id
    assert other.db.site_retention(site) == 30 * DAY  # cached from here on
    store.sites.set_site_read_retention(site, 7)
    assert other.db.site_retention(site) == 30 * DAY
    monkeypatch.setattr("cloud_plane.store.dynamo.db.OVERRIDES_KEPT_S", 0.0)
    assert other.db.site_retention(site) == 7 * DAY


def test_a_search_finds_reads_past_the_default_at_a_site_that_keeps_them_longer(
    store: DynamoStore,
) -> None:
    site = store.sites.create_site("long", now=NOW).site_id
    store.sites.set_site_read_retention(site, 60)
    old = [r.model_copy(update={"received_at": NOW - 40 * DAY}) for r in records("st", 1, 1)]
    store.detections.put_batch(site, "st", old, received_at=NOW - 40 * DAY)
    for query in (DetectionQuery(), DetectionQuery(plate="AB12CDE")):
        assert [d.record.seq for d in store.detections.search_detections(query).items] == [1]


def test_a_run_moves_the_sites_first_day_up_to_the_cutoffs(store: DynamoStore) -> None:
    site = store.sites.create_site("s", now=NOW).site_id
    old = [r.model_copy(update={"received_at": NOW - 40 * DAY}) for r in records("st", 1, 1)]
    store.detections.put_batch(site, "st", old, received_at=NOW - 40 * DAY)
    store.retention.delete_reads(site, NOW - 30 * DAY, 100)
    item = store.db.table.get(keys.detection_site(site))
    assert item is not None and item["first_day"] == (NOW - 30 * DAY).date().isoformat()


def test_items_ttl_is_due_to_delete_are_left_to_ttl_and_not_counted(store: DynamoStore) -> None:
    site = store.sites.create_site("s", now=NOW).site_id  # the default: 30 days
    old = [r.model_copy(update={"received_at": NOW - 40 * DAY}) for r in records("st", 1, 1)]
    store.detections.put_batch(site, "st", old, received_at=NOW - 40 * DAY)
    assert store.retention.delete_reads(site, NOW - 30 * DAY, 100).reads == 0
    ttl = _plate_ttl(store, site, 1, at=NOW - 40 * DAY)  # still there: TTL's to delete
    assert ttl <= int(NOW.timestamp())
