"""A read's detail shows its revision and the earlier readings a better one replaced (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

from local_node.ingest.models import DetectionIn
from tests.local_node.conftest import RunningNode


def reading(node: RunningNode, plate: str, confidence: float, *, preview: bool = False) -> str:
    detection = DetectionIn(
        plate=plate, captured_at=datetime.now(UTC), event_id="rekor-group-1", confidence=confidence
    )
    future = node.services.writer.submit(
        camera_id=node.camera_id,
        detection=detection,
        image=None,
        image_kind=None,
        refinable=True,
        preview=preview,
    )
    return future.result(10).id


def test_a_corrected_read_lists_the_reading_it_replaced(node: RunningNode):
    first = reading(node, "AB12CDX", 0.97, preview=True)
    reading(node, "AB12CDE", 0.91)
    with node.viewer() as v:
        body = v.get(f"/api/v1/detections/{first}").json()
    assert (body["plate"], body["revision"]) == ("AB12CDE", 2)
    assert [(r["plate"], r["confidence"], r["preview"]) for r in body["earlier_readings"]] == [
        ("AB12CDX", 0.97, True)
    ]


def test_a_read_never_corrected_has_revision_one_and_no_earlier_readings(node: RunningNode):
    first = reading(node, "AB12CDE", 0.9)
    with node.viewer() as v:
        body = v.get(f"/api/v1/detections/{first}").json()
    assert (body["revision"], body["earlier_readings"]) == (1, [])
