"""DynamoDB detections beyond the contract: crash windows, the scan bound, heartbeats, cost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store import keys
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.detections import DynamoDetections
from cloud_plane.store.dynamo.table import UnprocessedItems
from sync_protocol.messages import Heartbeat
from tests.cloud_plane.store.contracts.builders import NOW, records


def _seqs(store: DynamoStore, **query) -> list[int]:
    return [d.record.seq for d in store.detections.search_detections(DetectionQuery(**query)).items]


def test_the_cursor_stays_when_the_items_could_not_be_written(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args, **kwargs):
        raise UnprocessedItems("throttled")

    monkeypatch.setattr(store.db.table, "batch_write", refuse)
    with pytest.raises(UnprocessedItems):
        store.detections.put_batch("s", "st", records("st", 1, 3), received_at=NOW)
    assert store.detections.high_water("s", "st") == 0


def test_a_batch_resent_cut_differently_after_a_lost_cursor_lists_each_read_once(
    store: DynamoStore,
) -> None:
    # Given the items of seqs 1-5 written by a call that died before moving the cursor,
    store.detections._write_items("s", "st", records("st", 1, 5), NOW)
    # when the node resends them inside a longer batch,
    outcome = store.detections.put_batch("s", "st", records("st", 1, 8), received_at=NOW)
    # then each read is listed and counted once.
    assert (outcome.high_water, outcome.stored) == (8, 8)
    assert _seqs(store, limit=100) == [8, 7, 6, 5, 4, 3, 2, 1]
    counted = store.detections.hourly_reads({"s"}, since=NOW, until=NOW + timedelta(hours=1))
    assert [r.reads for r in counted] == [8]


def test_a_plate_page_is_never_cut_short_by_the_scan_bound(store: DynamoStore) -> None:
    detections = DynamoDetections(store.db, scan_bound=10)
    detections.put_batch("s", "st", records("st", 1, 30, "AB12CDE"), received_at=NOW)
    detections.put_batch("s", "st", records("st", 31, 1, "XY34ZZZ"), received_at=NOW)
    page = detections.search_detections(DetectionQuery(plate="AB*", limit=50))
    assert [d.record.seq for d in page.items] == list(range(30, 0, -1))
    assert page.next_cursor is None


def test_a_walk_without_a_plate_stops_at_the_scan_bound_and_its_cursor_resumes(
    store: DynamoStore,
) -> None:
    detections = DynamoDetections(store.db, scan_bound=10)
    detections.put_batch("s", "st", records("st", 1, 30), received_at=NOW)
    other = [r.model_copy(update={"camera_id": "other"}) for r in records("st", 31, 1)]
    detections.put_batch("s", "st", other, received_at=NOW)
    first = detections.search_detections(DetectionQuery(camera_id="cam", limit=50))
    assert len(first.items) == 9 and first.next_cursor  # 10 scanned, the other camera's among
    seen = [d.record.seq for d in first.items]
    cursor: str | None = first.next_cursor
    while cursor:
        page = detections.search_detections(DetectionQuery(camera_id="cam", cursor=cursor))
        seen, cursor = seen + [d.record.seq for d in page.items], page.next_cursor
    assert seen == list(range(30, 0, -1))


def test_a_heartbeat_updates_the_site_item_unless_a_newer_one_is_there(
    store: DynamoStore,
) -> None:
    store.db.table.put({**keys.site("s"), "name": "S"})
    beat = Heartbeat(
        node_version="1",
        uptime_s=1,
        disk_used_bytes=1,
        disk_total_bytes=1,
        db_size_bytes=1,
        backlog_count=1,
    )
    store.detections.record_heartbeat("s", beat, NOW)
    store.detections.record_heartbeat(
        "s", beat.model_copy(update={"backlog_count": 9}), NOW - timedelta(1)
    )
    item = store.db.table.get(keys.site("s"))
    assert item is not None and item["last_heartbeat_at"] == keys.time_text(NOW)
    assert Heartbeat.model_validate_json(item["heartbeat"]).backlog_count == 1
    with pytest.raises(NotFound):
        store.detections.record_heartbeat("nope", beat, NOW)


def test_a_batch_costs_its_plate_items_and_three_writes_more(store: DynamoStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 1), received_at=NOW)  # site noted
    store.capacity.reset()
    store.detections.put_batch("s", "st", records("st", 2, 7), received_at=NOW)
    # 7 plate items, 1 chunk, the cursor and the hour's counter: no index is written.
    assert dict(store.capacity.writes) == {"table": 7 + 1 + 1 + 1}


def test_a_search_with_more_edits_than_supported_is_refused(store: DynamoStore) -> None:
    with pytest.raises(InvalidInput, match="max_edits"):
        store.detections.search_detections(DetectionQuery(plate="AB12CDE", fuzzy=True, max_edits=3))
