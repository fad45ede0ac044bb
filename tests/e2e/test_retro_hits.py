"""End to end, real processes: a plate added in the cloud finds last week's reads at two sites.

The reads are a week old by the nodes' own clocks: each node is stopped after enrolling, takes
its back-dated reads through its real ingest path (its app in this process on a clock set in
the past), and is started again, so its agent pushes them to the cloud as it would have.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from local_node.config import NodeSettings
from local_node.db.engine import make_engine
from local_node.db.tables import Hit
from local_node.main import create_app
from tests.conftest import free_port
from tests.e2e.harness import Hybrid, Node, wait_for

pytestmark = pytest.mark.e2e


def back_dated_reads(node: Node, reads: list[tuple[str, int]]) -> None:
    """Stop the node, ingest ``(plate, days ago)`` reads on a clock that long ago, restart it."""
    node.stop()
    settings = NodeSettings(data_dir=node.env["EDGESYNC_NODE_DATA_DIR"], min_free_bytes=0)
    now = [datetime.now(UTC)]
    app = create_app(settings, clock=lambda: now[0], run_jobs=False)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, what="the node app on a past clock")
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {node.camera_key}"},
            timeout=30,
        ) as camera:
            for plate, days in reads:
                now[0] = datetime.now(UTC) - timedelta(days=days)
                body = {"plate": plate, "captured_at": now[0].isoformat()}
                r = camera.post("/api/v1/detections", json=body)
                assert r.status_code in (200, 201), r.text
    finally:
        server.should_exit = True
        thread.join(15)
    time.sleep(0.1)
    node.start()


def node_historical_hits(node: Node) -> int:
    engine = make_engine(f"sqlite:///{node.env['EDGESYNC_NODE_DATA_DIR']}/node.db")
    try:
        with engine.connect() as conn:
            return len(conn.execute(select(Hit.id).where(Hit.historical.is_(True))).all())
    finally:
        engine.dispose()


def test_a_plate_added_in_the_cloud_finds_last_weeks_reads_at_two_sites(hybrid: Hybrid):
    north, south = hybrid.add_node("north"), hybrid.add_node("south")
    back_dated_reads(north, [("AB12CDE", 7), ("AB12CDE", 40), ("XY99ZZZ", 7)])
    back_dated_reads(south, [("A812CDE", 6)])  # an OCR confusion of the plate
    with hybrid.cloud.api() as api:
        wait_for(
            lambda: len(api.get("/api/v1/detections", params={"limit": 100}).json()["items"]) == 4,
            what="the back-dated reads in the cloud",
        )
        r = api.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "stolen", "priority": 80})
        assert r.status_code == 200, r.text

        def found() -> list[dict]:
            items = api.get("/api/v1/hotlist/stolen/AB12CDE/hits").json()["items"]
            return items if len(items) >= 2 else []

        hits = wait_for(found, what="historical hits of the new entry")
        assert sorted((h["site_id"], h["plate"], h["historical"]) for h in hits) == sorted(
            [(north.site_id, "AB12CDE", True), (south.site_id, "A812CDE", True)]
        )  # the 40-day-old read is past the look-back
        [alert] = wait_for(
            lambda: api.get("/api/v1/alerts", params={"kind": "historical_hit"}).json()["items"],
            what="the historical-hit alert",
        )
        assert alert["reason"] == "2 past reads at 2 sites in the last 30 days"
        # Each node gets the entry in its delta, finds the same read itself and sends it up:
        # the cloud keeps one hit per (read, entry).
        wait_for(lambda: node_historical_hits(north) == 1, what="north's own historical hit")
        wait_for(lambda: node_historical_hits(south) == 1, what="south's own historical hit")
        wait_for(lambda: north.backlog() == 0 and south.backlog() == 0, what="both synced")
        again = api.get("/api/v1/hotlist/stolen/AB12CDE/hits").json()["items"]
        assert len(again) == 2
