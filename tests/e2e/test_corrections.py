"""End to end, real processes: a better reading reaches the cloud as a correction of the same read.

A Rekor agent posts a preview group of a car and then its final group (issue 15, item 5). The
node keeps one read and replaces its reading; the cloud, which already holds the preview's
read, updates that read — same id, never a second read — and the corrected plate, on the
stolen list, raises exactly one hit there.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import Hybrid, Node, wait_for

pytestmark = pytest.mark.e2e
GROUP = Path(__file__).parents[1] / "local_node/ingest/vendors/payloads/openalpr/alpr_group.json"


def post_group(node: Node, group: dict) -> httpx.Response:
    with node.camera() as cam:
        return cam.post("/api/v1/ingest/openalpr", json=group)


def cloud_reads(api: httpx.Client, site_id: str) -> list[dict]:
    r = api.get("/api/v1/detections", params={"site_id": site_id, "limit": 100})
    r.raise_for_status()
    return r.json()["items"]


def test_a_better_reading_reaches_the_cloud_as_a_correction_of_the_same_read(hybrid: Hybrid):
    node = hybrid.add_node("gate")
    preview = copy.deepcopy(json.loads(GROUP.read_text()))
    preview.update(
        best_uuid=str(uuid.uuid4()),
        best_plate_number="AB1ZZZZ",
        best_confidence=96.0,
        epoch_start=int(time.time() * 1000),
        is_preview=True,
    )
    first = post_group(node, preview)
    assert first.status_code == 201, first.text
    [read] = first.json()["detections"]
    with hybrid.cloud.api() as api:
        held = wait_for(lambda: cloud_reads(api, node.site_id), what="the preview's read")
        assert [(r["id"], r["plate"]) for r in held] == [(read["id"], "AB1ZZZZ")]
        # The preview is too far from the listed plate for a fuzzy (or historical) match.
        r = api.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "stolen", "priority": 80})
        assert r.status_code == 200, r.text

        final = dict(preview, best_plate_number="AB12CDE", best_confidence=91.0, is_preview=False)
        again = post_group(node, final)
        assert again.status_code == 200, again.text
        assert again.json()["detections"][0]["id"] == read["id"]

        def corrected() -> list[dict]:
            reads = cloud_reads(api, node.site_id)
            return reads if reads and reads[0]["plate"] == "AB12CDE" else []

        [held_read] = wait_for(corrected, what="the correction in the cloud")
        assert held_read["id"] == read["id"]
        hits = wait_for(lambda: api.get("/api/v1/hits").json()["items"], what="the hit")
        wait_for(lambda: node.backlog() == 0, what="the node synced")
        time.sleep(1.0)  # a second hit (the node's and the cloud's matching) would be here now
        hits = api.get("/api/v1/hits").json()["items"]
        assert [(h["detection_id"], h["plate"]) for h in hits] == [(read["id"], "AB12CDE")]
        assert len(cloud_reads(api, node.site_id)) == 1
