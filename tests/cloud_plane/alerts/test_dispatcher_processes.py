"""Two `edgesync cloud dispatcher` processes on one store: the rate limits hold in total.

The thread-level tests (test_shared_rate_limits.py) drive the clock; this one runs the
real command twice at once, each process with its own memory, as a deployment would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock

LIMIT = 4  # per recipient and channel, a minute (the burst too)
HITS = 20


def _queue_hits(database_url: str) -> None:
    store = SqlStore.open(database_url)
    try:
        # The real clock: the processes judge "due" and the buckets by it.
        # (Its channel only names what the cloud has configured: the processes send.)
        a = Alerting(
            store=store, clock=Clock(datetime.now(UTC)), channels={"email": ScriptedChannel()}
        )
        a.recipient("duty", ("email",))
        for i in range(HITS):
            a.hit(f"AB{i:02d}CDE")
    finally:
        store.meta.close()


def _dispatcher(data_dir: Path, database_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "EDGESYNC_CLOUD_ALERT_RECIPIENT_RATE_PER_MINUTE": str(LIMIT)}
    args = ["dispatcher", "--once", "--data-dir", str(data_dir), "--database-url", database_url]
    return subprocess.Popen(
        [sys.executable, "-m", "edgesync", "cloud", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _sent(data_dir: Path) -> list[str]:
    messages = data_dir / "alerts" / "messages.jsonl"
    if not messages.exists():
        return []
    return [json.loads(line)["delivery"]["alert_id"] for line in messages.read_text().splitlines()]


def test_two_dispatcher_processes_send_no_more_than_the_limit_in_total(
    tmp_path: Path, database_url: str
) -> None:
    _queue_hits(database_url)
    dirs = [tmp_path / "one", tmp_path / "two"]
    processes = [_dispatcher(d, database_url) for d in dirs]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    sent = [alert_id for d in dirs for alert_id in _sent(d)]
    assert len(sent) == LIMIT  # per-process buckets would let each process send LIMIT
    assert len(set(sent)) == len(sent)  # and none twice
