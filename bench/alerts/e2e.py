"""(b) Hit at the camera to message handed to the (file) channel: real cloud and node processes.

The cloud and node run with their default settings (the node's hotlist pull interval is
shortened only so the setup does not wait; it is not on the hit's path). Each sample posts
a read of a listed plate to the node's camera API and tails the cloud's file channel for
the line naming that plate; latency = the line's ``recorded_at`` minus the time the read
was posted (one machine, one clock). Every plate is distinct, so grouping never hides one.
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime
from pathlib import Path

from bench.ingest.stats import latency_summary
from tests.e2e.harness import Hybrid, wait_for

LETTERS = "ACEFHJKLMNPRTUVWXY"  # no OCR look-alikes (O/0, I/1, B/8, S/5, Z/2, G/6, D, Q)
DIGITS = "34679"


def distinct_plates(count: int, rng: random.Random) -> list[str]:
    """Return plates at least four characters apart, so no read fuzzily matches another entry."""
    plates: list[str] = []
    while len(plates) < count:
        plate = (
            "".join(rng.choice(LETTERS) for _ in range(2))
            + "".join(rng.choice(DIGITS) for _ in range(2))
            + "".join(rng.choice(LETTERS) for _ in range(3))
        )
        if all(sum(a != b for a, b in zip(plate, p, strict=True)) >= 4 for p in plates):
            plates.append(plate)
    return plates


def run(root: Path, *, samples: int, gap: tuple[float, float]) -> dict:
    """Time ``samples`` hits end to end; return the figures."""
    hybrid = Hybrid(root)
    hybrid.node_env = {
        "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
        "EDGESYNC_NODE_SYNC_HOTLIST_INTERVAL_S": "0.5",
    }
    try:
        cloud = hybrid.start_cloud()
        plates = distinct_plates(samples, random.Random(7))
        with cloud.api() as api:
            for plate in plates:
                api.put(f"/api/v1/hotlist/stolen/{plate}", json={"priority": 90}).raise_for_status()
            api.put(
                "/api/v1/recipients/duty",
                json={"name": "Duty", "phone": "+447700900123", "email": "duty@example.com"},
            ).raise_for_status()
            api.put(
                "/api/v1/recipients/duty/subscriptions/hits",
                json={"channels": ["sms"], "kinds": ["hit"]},
            ).raise_for_status()
        node = hybrid.add_node("site-a")
        with node.admin() as admin:
            wait_for(
                lambda: len(admin.get("/api/v1/hotlist").json()) >= samples,
                timeout=60,
                what="the node to pull the hotlist",
            )
        messages = root / "cloud" / "alerts" / "messages.jsonl"
        latencies, missed, offset = [], 0, 0
        timings: dict[str, tuple[float, float]] = {}
        rng = random.Random(1)
        for plate in plates:
            posted = time.time()
            node.read(plate)
            found = None
            deadline = time.monotonic() + 30
            while found is None and time.monotonic() < deadline:
                if messages.exists():
                    with messages.open("rb") as fh:
                        fh.seek(offset)
                        chunk = fh.read()
                    for line in chunk.splitlines():
                        record = json.loads(line)
                        if record["payload"]["alert"].get("plate") == plate:
                            found = record
                    offset += len(chunk)
                if found is None:
                    time.sleep(0.002)
            if found is None:
                missed += 1
                continue
            recorded = datetime.fromisoformat(found["recorded_at"].replace("Z", "+00:00"))
            latencies.append(recorded.timestamp() - posted)
            timings[found["delivery"]["alert_id"]] = (posted, recorded.timestamp())
            time.sleep(rng.uniform(*gap))
        # Split each sample at the moment the cloud stored the alert (with the hit).
        to_cloud, to_channel = [], []
        with cloud.api() as api:
            items = api.get("/api/v1/alerts", params={"kind": "hit", "limit": 500}).json()["items"]
        for item in items:
            if item["alert_id"] in timings:
                posted, recorded_at = timings[item["alert_id"]]
                created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
                to_cloud.append(created.timestamp() - posted)
                to_channel.append(recorded_at - created.timestamp())
        return {
            "samples": samples,
            "missed": missed,
            **latency_summary(latencies),
            "camera_to_alert_stored": latency_summary(to_cloud),
            "alert_stored_to_channel": latency_summary(to_channel),
        }
    finally:
        hybrid.stop()
