"""One contract suite over every CloudStore implementation (SQL on SQLite and PostgreSQL now)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.errors import Conflict, InvalidInput, NotFound
from cloud_plane.store.base import CloudStore, DetectionQuery, EnrollmentRefused, StoredHit
from cloud_plane.store.sql import SqlStore
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.hotlist_messages import HotlistOp

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sql"])
def store(request: pytest.FixtureRequest, database_url: str) -> Iterator[CloudStore]:
    """Each implementation (DynamoDB joins this list in its issue)."""
    impl = SqlStore.open(database_url)
    yield impl
    impl.close()


def records(stream: str, first: int, count: int, plate: str = "AB12CDE") -> list[DetectionRecord]:
    return [
        DetectionRecord(
            id=detection_uuid(stream, s),
            seq=s,
            camera_id="cam",
            captured_at=NOW,
            received_at=NOW + timedelta(seconds=s),
            plate=plate,
            plate_norm=plate,
        )
        for s in range(first, first + count)
    ]


def op(action: str = "upsert", *, at: datetime = NOW, plate: str = "AB12CDE") -> HotlistOp:
    return HotlistOp(
        op_id=uuid.uuid4(),
        action=action,
        list_name="stolen",
        plate_norm=plate,
        made_at=at,
        made_by="t",
    )


def test_epoch_exists_and_changes_on_demand(store: CloudStore) -> None:
    first = store.epoch()
    assert first and store.epoch() == first
    assert store.new_epoch() != first == first
    assert store.epoch() != first


def test_sites_are_created_listed_and_revoked(store: CloudStore) -> None:
    b = store.create_site("B", now=NOW)
    a = store.create_site("A", now=NOW)
    assert [s.name for s in store.list_sites()] == ["A", "B"]
    assert [s.site_id for s in store.list_sites({b.site_id, "unknown"})] == [b.site_id]
    assert store.list_sites(set()) == []
    revoked = store.revoke_site(a.site_id, now=NOW)
    assert (
        revoked.revoked and store.revoke_site(a.site_id, now=NOW + timedelta(1)).revoked_at == NOW
    )
    with pytest.raises(NotFound):
        store.get_site("nope")
    with pytest.raises(NotFound):
        store.revoke_site("nope", now=NOW)


def test_an_enrolment_code_works_once_and_not_after_expiry(store: CloudStore) -> None:
    site = store.create_site("S", now=NOW)
    store.create_enrollment(site.site_id, "h1", NOW + timedelta(hours=1))
    store.create_enrollment(site.site_id, "h2", NOW + timedelta(hours=1))
    assert store.consume_enrollment("h1", NOW, "PEM", "k1").enrolled_at == NOW
    assert store.get_site_key(site.site_id, "k1") == "PEM"
    assert store.get_site_key(site.site_id, "k2") is None
    with pytest.raises(EnrollmentRefused, match="already used"):
        store.consume_enrollment("h1", NOW, "PEM", "k1")
    with pytest.raises(EnrollmentRefused, match="expired"):
        store.consume_enrollment("h2", NOW + timedelta(hours=1), "PEM", "k2")
    with pytest.raises(EnrollmentRefused):
        store.consume_enrollment("nope", NOW, "PEM", "k3")
    with pytest.raises(NotFound):
        store.create_enrollment("nope", "h3", NOW)


def test_concurrent_use_of_one_code_succeeds_once(store: CloudStore) -> None:
    site = store.create_site("S", now=NOW)
    store.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    outcomes: list[str] = []

    def use(i: int) -> None:
        try:
            store.consume_enrollment("h", NOW, "PEM", f"k{i}")
            outcomes.append("ok")
        except EnrollmentRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=use, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]


def test_nonces_are_remembered_until_they_expire(store: CloudStore) -> None:
    assert store.remember_nonce("s:n1", NOW + timedelta(seconds=60), NOW) is False
    assert store.remember_nonce("s:n1", NOW + timedelta(seconds=60), NOW) is True
    later = NOW + timedelta(seconds=61)
    assert store.remember_nonce("s:n1", later + timedelta(seconds=60), later) is False


def test_put_batch_is_idempotent_and_contiguous(store: CloudStore) -> None:
    assert store.high_water("s", "st") == 0
    assert store.put_batch("s", "st", records("st", 1, 3), received_at=NOW).high_water == 3
    again = store.put_batch("s", "st", records("st", 1, 3), received_at=NOW)
    assert (again.high_water, again.stored, again.gap) == (3, 0, False)
    overlap = store.put_batch("s", "st", records("st", 2, 4), received_at=NOW)
    assert (overlap.high_water, overlap.stored) == (5, 2)
    gap = store.put_batch("s", "st", records("st", 9, 2), received_at=NOW)
    assert (gap.high_water, gap.stored, gap.gap) == (5, 0, True)
    assert store.high_water("s", "st") == 5
    assert store.high_water("s", "other") == 0
    found = store.search_detections(DetectionQuery(limit=100)).items
    assert [d.record.seq for d in found] == [5, 4, 3, 2, 1]


def test_concurrent_batches_of_one_stream_store_each_record_once(store: CloudStore) -> None:
    batches = [records("st", 1, 50), records("st", 1, 80), records("st", 1, 20)]
    threads = [
        threading.Thread(target=store.put_batch, args=("s", "st", b), kwargs={"received_at": NOW})
        for b in batches
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.high_water("s", "st") == 80
    assert len(store.search_detections(DetectionQuery(limit=1000)).items) == 80


def test_search_filters_by_site_plate_and_time_and_pages(store: CloudStore) -> None:
    store.put_batch("a", "st", records("st", 1, 4, "AB12CDE"), received_at=NOW)
    store.put_batch("b", "st", records("st", 1, 2, "XY34ZZZ"), received_at=NOW)
    q = DetectionQuery
    assert len(store.search_detections(q(site_ids={"a"})).items) == 4
    assert store.search_detections(q(site_ids=set())).items == []
    assert len(store.search_detections(q(plate="XY34ZZZ")).items) == 2
    assert len(store.search_detections(q(plate="XY*")).items) == 2
    assert len(store.search_detections(q(plate="XY34ZZ2", fuzzy=True)).items) == 2
    since = NOW + timedelta(seconds=2)
    assert (
        len(store.search_detections(q(since=since, until=since + timedelta(seconds=2))).items) == 3
    )
    seen, cursor = [], None
    while True:
        page = store.search_detections(q(limit=4, cursor=cursor))
        seen += [(d.record.received_at, d.site_id, d.record.seq) for d in page.items]
        if not (cursor := page.next_cursor):
            break
    assert len(seen) == 6 and seen == sorted(seen, reverse=True)
    with pytest.raises(InvalidInput):
        store.search_detections(q(cursor="garbage"))


def test_heartbeats_keep_the_newest(store: CloudStore) -> None:
    from sync_protocol.messages import Heartbeat

    site = store.create_site("S", now=NOW)
    beat = Heartbeat(
        node_version="1",
        uptime_s=1,
        disk_used_bytes=1,
        disk_total_bytes=1,
        db_size_bytes=1,
        backlog_count=1,
    )
    store.record_heartbeat(site.site_id, beat, NOW)
    store.record_heartbeat(
        site.site_id, beat.model_copy(update={"backlog_count": 9}), NOW - timedelta(1)
    )
    got = store.get_site(site.site_id)
    assert got.last_heartbeat_at == NOW and got.heartbeat.backlog_count == 1
    with pytest.raises(NotFound):
        store.record_heartbeat("nope", beat, NOW)


def test_hits_are_deduplicated_and_listed_newest_first(store: CloudStore) -> None:
    def hit(det: uuid.UUID, site: str, at: datetime, source: str = "node") -> StoredHit:
        return StoredHit(
            detection_id=det, list_name="stolen", plate_norm="AB12CDE", site_id=site,
            stream_id="st", seq=1, match_kind="exact", source=source, plate="AB12CDE",
            camera_id="c", captured_at=NOW, hotlist_version=1, created_at=at,
        )  # fmt: skip

    d1, d2 = uuid.uuid4(), uuid.uuid4()
    assert store.put_hit(hit(d1, "a", NOW)) is True
    assert store.put_hit(hit(d1, "a", NOW, "cloud")) is False
    assert store.put_hit(hit(d2, "b", NOW + timedelta(seconds=1))) is True
    page = store.list_hits(limit=1)
    assert [h.detection_id for h in page.items] == [d2]
    assert [h.detection_id for h in store.list_hits(cursor=page.next_cursor).items] == [d1]
    assert [h.site_id for h in store.list_hits(site_ids={"a"}).items] == ["a"]
    assert store.list_hits(since=NOW + timedelta(seconds=1)).items[0].detection_id == d2


def test_hotlist_ops_version_and_resolve_by_last_writer_wins(store: CloudStore) -> None:
    assert (store.current_version(), store.oldest_retained_version()) == (0, 1)
    first = op(at=NOW)
    assert store.apply_op(first, "s", received_at=NOW) == (
        1,
        store.apply_op(first, "s", received_at=NOW)[1],
    )
    older = op("delete", at=NOW - timedelta(seconds=5))
    version, result = store.apply_op(older, "s", received_at=NOW)
    assert (version, result.status, result.version) == (1, "superseded", 1)
    newer = op("delete", at=NOW + timedelta(seconds=5))
    version, result = store.apply_op(newer, None, received_at=NOW + timedelta(seconds=10))
    assert (version, result.status, result.version) == (2, "applied", 2)
    entry = store.get_entry("stolen", "AB12CDE")
    assert entry.deleted and entry.version == 2 and entry.op_id == newer.op_id
    assert store.list_entries() == []
    assert [e.version for e in store.list_entries(include_deleted=True)] == [2]
    assert [e.version for e in store.changes_since(0, 10)] == [2]
    assert store.changes_since(2, 10) == []


def test_hotlist_ops_from_the_future_are_clamped(store: CloudStore) -> None:
    future = op(at=NOW + timedelta(days=1))
    store.apply_op(future, "s", received_at=NOW)
    assert store.get_entry("stolen", "AB12CDE").updated_at == NOW
    _, result = store.apply_op(
        op("delete", at=NOW + timedelta(seconds=1)), None, received_at=NOW + timedelta(seconds=1)
    )
    assert result.status == "applied"


def test_invalid_hotlist_ops_are_rejected_and_remembered(store: CloudStore) -> None:
    bad = op(plate="ab 12")
    _, result = store.apply_op(bad, "s", received_at=NOW)
    assert result.status == "rejected" and store.current_version() == 0
    assert store.apply_op(bad, "s", received_at=NOW)[1] == result


def test_users_are_case_insensitive_and_unique(store: CloudStore) -> None:
    user = store.create_user("Ann@Example.com", "h", "manager", ["a", "b"], now=NOW)
    assert user.username == "ann@example.com" and user.sites == {"a", "b"}
    assert store.get_user("ANN@example.com") == user
    assert store.get_user("bob@example.com") is None
    with pytest.raises(Conflict):
        store.create_user("ann@example.com", None, "viewer", [], now=NOW)


def test_atomic_rolls_back_everything_on_error(store: CloudStore) -> None:
    with pytest.raises(RuntimeError), store.atomic():
        store.put_batch("s", "st", records("st", 1, 2), received_at=NOW)
        store.apply_op(op(), "s", received_at=NOW)
        raise RuntimeError("boom")
    assert store.high_water("s", "st") == 0
    assert store.current_version() == 0
