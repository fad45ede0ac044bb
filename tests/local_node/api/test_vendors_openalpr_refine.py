"""Rekor groups over real HTTP: a final group after its preview becomes the read (issue 15, item 5).

The agent sends preview groups (`is_preview: true`) for a vehicle before the final one,
all under the same `best_uuid`. Payload: payloads/openalpr/alpr_group.json (cited in
tests/local_node/ingest/vendors/test_openalpr.py), its `is_preview` and plate changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local_node.hotlist import service
from tests.local_node.conftest import RunningNode

ALPR = "/api/v1/ingest/openalpr"
GROUP = (
    Path(__file__).parents[1] / "ingest" / "vendors" / "payloads" / "openalpr" / "alpr_group.json"
)


def group(*, preview: bool, plate: str, confidence: float) -> dict[str, Any]:
    body = json.loads(GROUP.read_text())
    body.update(is_preview=preview, best_plate_number=plate, best_confidence=confidence)
    return body


def stored(node: RunningNode, detection_id: str) -> dict[str, Any]:
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{detection_id}")
    assert r.status_code == 200, r.text
    return r.json()


def test_final_group_after_its_preview_becomes_the_read(node: RunningNode):
    with node.camera() as cam:
        first = cam.post(ALPR, json=group(preview=True, plate="D2651B8", confidence=95.0))
        final = cam.post(ALPR, json=group(preview=False, plate="D2651BF", confidence=90.0))

    assert (first.status_code, final.status_code) == (201, 200), final.text
    (read_id,) = {d["id"] for d in first.json()["detections"] + final.json()["detections"]}
    assert stored(node, read_id)["plate_norm"] == "D2651BF"


def test_preview_after_the_final_group_changes_nothing(node: RunningNode):
    with node.camera() as cam:
        final = cam.post(ALPR, json=group(preview=False, plate="D2651BF", confidence=90.0))
        late = cam.post(ALPR, json=group(preview=True, plate="D2651B8", confidence=99.0))

    assert (final.status_code, late.status_code) == (201, 200)
    read_id = final.json()["detections"][0]["id"]
    assert stored(node, read_id)["plate_norm"] == "D2651BF"


def test_a_final_group_on_the_hotlist_is_answered_and_counted_as_a_hit(node: RunningNode):
    service.put_entry(
        node.services.engine,
        list_name="stolen",
        plate="D2651BF",
        reason=None,
        priority=50,
        expires_at=None,
        by="test",
        now=node.clock(),
    )
    with node.camera() as cam:
        cam.post(ALPR, json=group(preview=True, plate="XX11XXX", confidence=95.0))
        final = cam.post(ALPR, json=group(preview=False, plate="D2651BF", confidence=90.0))
    with node.viewer() as v:
        metrics = v.get("/metrics").text
    assert [h["list"] for h in final.json()["detections"][0]["hits"]] == ["stolen"]
    assert "edgesync_node_hits_total 1.0" in metrics
