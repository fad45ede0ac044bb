"""Corrections of stored reads travel to the cloud (issue 15), against the fake cloud.

A better reading of an event the cloud already holds goes as a ``ReadCorrection`` of the same
read (same id and wire seq) at its new revision, once; a correction of a read the cloud has not
acknowledged yet waits for it, and the read's own batch carries the better values.
"""

from __future__ import annotations

from datetime import UTC, datetime

from local_node.ingest.models import DetectionIn
from local_node.ingest.results import IngestResult
from tests.local_node.sync.conftest import SyncedNode, post


def reading(
    s: SyncedNode, plate: str, confidence: float, *, event_id: str = "frigate:1"
) -> IngestResult:
    detection = DetectionIn(
        plate=plate, captured_at=datetime.now(UTC), event_id=event_id, confidence=confidence
    )
    return s.node.services.writer.submit(
        camera_id=s.node.camera_id,
        detection=detection,
        image=None,
        image_kind=None,
        refinable=True,
    ).result(10)


def corrections_acked(s: SyncedNode) -> int:
    with s.node.services.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT corrections_acked FROM sync_state").scalar_one()


def test_a_better_reading_of_an_acked_read_goes_as_a_correction_of_it(synced):
    s = synced()
    first = reading(s, "AB12CDX", 0.6)
    s.agent.exchange()
    reading(s, "AB12CDE", 0.9)
    s.agent.exchange()
    [fix] = s.cloud.corrections
    assert (str(fix.record.id), fix.record.seq, fix.stream_id) == (first.id, 1, s.stream_id)
    assert (fix.record.plate, fix.revision, fix.previous_plate) == ("AB12CDE", 2, "AB12CDX")
    assert corrections_acked(s) > 0


def test_a_sent_correction_is_not_sent_again(synced):
    s = synced()
    reading(s, "AB12CDX", 0.6)
    s.agent.exchange()
    reading(s, "AB12CDE", 0.9)
    s.agent.exchange()
    s.agent.exchange()
    assert len(s.cloud.corrections) == 1


def test_a_correction_waits_until_the_cloud_holds_its_read(synced):
    s = synced()
    s.cloud.ack_at_most = 0  # the cloud stores nothing yet
    reading(s, "AB12CDX", 0.6)
    reading(s, "AB12CDE", 0.9)
    s.agent.exchange()
    assert s.cloud.corrections == [] and corrections_acked(s) == 0
    s.cloud.ack_at_most = None
    s.agent.exchange()  # the batch, with the better values already
    assert s.cloud.records[s.stream_id][1].plate == "AB12CDE"
    s.agent.exchange()
    assert [f.record.plate for f in s.cloud.corrections] == ["AB12CDE"]


def test_a_node_with_a_correction_waiting_has_work(synced):
    s = synced()
    reading(s, "AB12CDX", 0.6)
    s.agent.exchange()
    assert not s.agent.has_work()
    reading(s, "AB12CDE", 0.9)
    assert s.agent.has_work()


def test_a_restored_cloud_gets_the_corrections_again(synced):
    s = synced()
    post(s.node, "ZZ0001")
    reading(s, "AB12CDX", 0.6)
    s.agent.exchange()
    reading(s, "AB12CDE", 0.9)
    s.agent.exchange()
    s.cloud.epoch = "epoch-2"  # restored from a backup that holds the reads, not the fix
    s.agent.exchange()
    s.agent.exchange()
    assert [f.record.plate for f in s.cloud.corrections] == ["AB12CDE", "AB12CDE"]
