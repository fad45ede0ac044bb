"""The ``ImageRequestStore`` contract: requests by id, by read, by site, by expiry."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from cloud_plane.records.hits import StoredHit
from cloud_plane.records.images import ImageRequest, ReadHint
from cloud_plane.store.base import CloudStore
from sync_protocol.detections import detection_uuid
from tests.cloud_plane.store.contracts.builders import NOW, records

ROLE = "images"
SHA = "ab" * 32


def request(detection: str = "d1", site: str = "s", at=NOW, **kw) -> ImageRequest:
    fields = {"requested_by": "user:ada", "requested_at": at, "sha256": SHA, **kw}
    return ImageRequest(request_id=uuid.uuid4().hex, site_id=site, detection_id=detection, **fields)


def hit_read(store: CloudStore, site: str = "s") -> str:
    """A synced read with an image that hit (every backend finds such a read by its id)."""
    [record] = [r.model_copy(update={"image_sha256": SHA}) for r in records("st", 1, 1)]
    store.detections.put_batch(site, "st", [record], received_at=NOW)
    store.hits.put_hit(
        StoredHit(
            detection_id=record.id, list_name="stolen", plate_norm=record.plate_norm,
            site_id=site, stream_id="st", seq=1, match_kind="exact", source="node",
            plate=record.plate, camera_id="cam", captured_at=NOW, hotlist_version=1,
            created_at=NOW, image_sha256=SHA,
        )
    )  # fmt: skip
    return str(record.id)


def test_a_read_is_found_by_its_id_with_its_site_and_image_hash(store: CloudStore) -> None:
    detection = hit_read(store)
    found = store.images.find_read(detection, None)
    assert found is not None and (found.site_id, found.image_sha256) == ("s", SHA)


def test_a_read_of_a_site_outside_the_scope_is_not_found(store: CloudStore) -> None:
    detection = hit_read(store)
    assert store.images.find_read(detection, {"other"}) is None
    assert store.images.find_read(str(uuid.uuid4()), None) is None


def test_a_request_reads_back_as_written_and_changes_in_place(store: CloudStore) -> None:
    asked = request()
    store.images.put(asked)
    assert store.images.get(asked.request_id) == asked
    kept = asked.sent(NOW).stored(
        at=NOW, size=10, content_type="image/jpeg", blob_key="k", keep=timedelta(hours=1)
    )
    store.images.put(kept)
    assert store.images.get(asked.request_id) == kept
    assert store.images.get("nope") is None


def test_the_newest_request_of_a_read_is_found(store: CloudStore) -> None:
    old, new = request(at=NOW), request(at=NOW + timedelta(seconds=5))
    for r in (new, old, request("d2", at=NOW + timedelta(seconds=9))):
        store.images.put(r)
    assert store.images.newest_for("d1") == new
    assert store.images.newest_for("d3") is None


def test_waiting_holds_pending_and_long_sent_requests_of_the_site_only(
    store: CloudStore,
) -> None:
    pending = request(at=NOW)
    sent_long_ago = request(at=NOW + timedelta(seconds=1)).sent(NOW)
    sent_now = request(at=NOW + timedelta(seconds=2)).sent(NOW + timedelta(seconds=20))
    stored = request(at=NOW + timedelta(seconds=3), status="stored")
    elsewhere = request(site="t")
    for r in (pending, sent_long_ago, sent_now, stored, elsewhere):
        store.images.put(r)
    got = store.images.waiting("s", resend_before=NOW + timedelta(seconds=10), limit=10)
    assert [r.request_id for r in got] == [pending.request_id, sent_long_ago.request_id]
    assert len(store.images.waiting("s", resend_before=NOW, limit=1)) == 1


def test_a_request_leaves_the_waiting_ones_once_stored(store: CloudStore) -> None:
    asked = request()
    store.images.put(asked)
    store.images.put(
        asked.stored(at=NOW, size=1, content_type="image/png", blob_key="k", keep=timedelta(0))
    )
    assert store.images.waiting("s", resend_before=NOW + timedelta(days=1), limit=10) == []


def test_stored_requests_past_their_keep_are_listed_soonest_first(store: CloudStore) -> None:
    def kept(hours: int) -> ImageRequest:
        r = request().stored(
            at=NOW, size=1, content_type="image/jpeg", blob_key="k", keep=timedelta(hours=hours)
        )
        store.images.put(r)
        return r

    late, soon, never = kept(2), kept(1), kept(48)
    store.images.put(replace(request(), status="expired", expires_at=NOW))
    got = store.images.stored_before(NOW + timedelta(hours=3), limit=10)
    assert [r.request_id for r in got] == [soon.request_id, late.request_id]
    assert never not in got


def test_a_read_that_did_not_hit_is_found_by_its_id_and_where_it_was_received(
    store: CloudStore,
) -> None:
    batch = [r.model_copy(update={"image_sha256": SHA}) for r in records("st", 1, 30)]
    store.detections.put_batch("s", "st", batch, received_at=NOW)
    for record in (batch[0], batch[17], batch[-1]):
        near = ReadHint("s", record.received_at)
        found = store.images.find_read(str(record.id), None, near)
        assert found is not None and (found.detection_id, found.site_id) == (str(record.id), "s")
        assert found.image_sha256 == SHA
        assert store.images.find_read(str(record.id), {"other"}, near) is None


def test_a_hint_that_names_another_read_finds_nothing(store: CloudStore) -> None:
    batch = records("st", 1, 3)
    store.detections.put_batch("s", "st", batch, received_at=NOW)
    near = ReadHint("s", batch[0].received_at)
    assert store.images.find_read(str(detection_uuid("st", 4)), None, near) is None
    assert store.images.find_read(str(detection_uuid("other", 1)), None, near) is None
