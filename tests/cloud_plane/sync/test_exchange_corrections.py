"""The exchange applies a node's read corrections (issue 15): the cloud's copy of the read is
updated once, never stored twice, and a corrected plate on the hotlist raises its hit once.

The real exchange service over each store (SQLite, PostgreSQL, DynamoDB in moto), and one
exchange over HTTP for the wire; a resent exchange is the same request, as after a lost reply.
"""

from __future__ import annotations

from datetime import timedelta

from cloud_plane.records.detections import DetectionQuery, StoredDetection
from cloud_plane.store.base import CloudStore
from cloud_plane.sync.exchange import ExchangeService
from sync_protocol.corrections import ReadCorrection
from sync_protocol.detections import DetectionRecord
from sync_protocol.messages import DetectionBatch, ExchangeRequest
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.store.contracts.builders import NOW, STAFF, op, records

STREAM = "st_corrections"
OLD, NEW = "AB12CDE", "XY34ZZZ"


def correction(record: DetectionRecord, plate: str, revision: int = 2) -> ReadCorrection:
    return ReadCorrection(
        stream_id=STREAM,
        record=record.model_copy(update={"plate": plate, "plate_norm": plate}),
        revision=revision,
        previous_plate=record.plate_norm,
        corrected_at=NOW,
    )


def request(site_id: str, **parts: object) -> ExchangeRequest:
    return ExchangeRequest(
        site_id=site_id, stream_id=STREAM, node_time=NOW, hotlist_version=0, **parts
    )


def stored(store: CloudStore) -> list[StoredDetection]:
    return store.detections.search_detections(DetectionQuery(limit=100)).items


def setup(store: CloudStore) -> tuple[ExchangeService, str, DetectionRecord]:
    """A site whose read of OLD the cloud acknowledged, and NEW on the hotlist."""
    service = ExchangeService(store=store, clock=lambda: NOW, snapshot_threshold=1000)
    site = store.sites.create_site("Depot", now=NOW).site_id
    [record] = records(STREAM, 1, 1, OLD)
    batch = DetectionBatch(stream_id=STREAM, first_seq=1, records=[record])
    service.exchange(site, request(site, batch=batch))
    store.hotlist.apply_op(op(plate=NEW), STAFF, received_at=NOW)
    return service, site, record


def test_a_correction_updates_the_read_and_raises_its_hit(shared_store: CloudStore) -> None:
    service, site, record = setup(shared_store)
    _, stats = service.exchange(site, request(site, corrections=[correction(record, NEW)]))
    assert (stats.corrected, stats.cloud_hits, stats.stored) == (1, 1, 0)
    [read] = stored(shared_store)
    assert (read.record.id, read.record.plate_norm, read.revision, read.previous_plate) == (
        record.id,
        NEW,
        2,
        OLD,
    )
    [hit] = shared_store.hits.list_hits().items
    assert (hit.detection_id, hit.plate_norm, hit.source, hit.seq) == (record.id, NEW, "cloud", 1)


def test_a_resent_correction_changes_nothing_and_raises_no_second_hit(
    shared_store: CloudStore,
) -> None:
    service, site, record = setup(shared_store)
    resent = request(site, corrections=[correction(record, NEW)])
    service.exchange(site, resent)
    _, stats = service.exchange(site, resent)
    assert (stats.corrected, stats.cloud_hits) == (0, 0)
    assert len(stored(shared_store)) == 1
    assert len(shared_store.hits.list_hits().items) == 1


def test_a_correction_to_a_plate_on_no_list_raises_no_hit(shared_store: CloudStore) -> None:
    service, site, record = setup(shared_store)
    _, stats = service.exchange(site, request(site, corrections=[correction(record, "QQ55RRR")]))
    assert (stats.corrected, stats.cloud_hits) == (1, 0)
    assert shared_store.hits.list_hits().items == []


def test_a_correction_of_a_read_the_cloud_lacks_is_ignored(shared_store: CloudStore) -> None:
    service, site, record = setup(shared_store)
    unknown = record.model_copy(update={"seq": 7})
    _, stats = service.exchange(site, request(site, corrections=[correction(unknown, NEW)]))
    assert (stats.corrected, stats.cloud_hits) == (0, 0)
    assert [d.record.plate_norm for d in stored(shared_store)] == [OLD]


def test_a_correction_reaches_the_cloud_over_the_wire(cloud: RunningCloud) -> None:
    node = cloud.node()
    cloud.staff("admin").put(f"/api/v1/hotlist/stolen/{NEW}", json={})
    [record] = node.records(1, 1, OLD)
    node.exchange(batch=[record])
    fix = ReadCorrection(
        stream_id=node.stream_id,
        record=record.model_copy(update={"plate": NEW, "plate_norm": NEW, "confidence": 0.98}),
        revision=2,
        previous_plate=OLD,
        corrected_at=cloud.clock() + timedelta(seconds=1),
    )
    for _ in range(2):  # the second as after a lost reply
        node.exchange(corrections=[fix])
    [read] = cloud.store.detections.search_detections(DetectionQuery(site_ids={node.site_id})).items
    assert (read.record.id, read.record.plate_norm, read.revision) == (record.id, NEW, 2)
    [hit] = cloud.store.hits.list_hits().items
    assert (hit.detection_id, hit.plate_norm, hit.source) == (record.id, NEW, "cloud")
