"""Sync under faults, with real processes. Each test ends with the cloud holding exactly the
reads the node acknowledged to its cameras, each once, and the node's backlog at zero."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.harness import Hybrid, edgesync, wait_for
from tests.faults.chaos_proxy import ChaosProxy

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def read_many(node, count: int, prefix: str) -> None:
    for i in range(count):
        node.read(f"{prefix}{i:03d}X", event_id=f"{prefix}-{i}")


def sqlite_backup(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def test_cloud_down_for_a_while_then_back(hybrid: Hybrid):
    node = hybrid.add_node("site-a")
    read_many(node, 20, "UP")
    hybrid.cloud.stop()
    read_many(node, 40, "DN")  # the node keeps taking reads while the cloud is away
    time.sleep(3)
    assert node.backlog() > 0 and node.status()["sync"]["cloud_reachable"] is False
    hybrid.cloud.start()
    hybrid.assert_cloud_holds_exactly(node)


def test_chaotic_network_between_node_and_cloud(hybrid: Hybrid):
    proxy = ChaosProxy(hybrid.cloud.port, seed=11, fault_rate=0.6)
    proxy.start()
    try:
        node = hybrid.add_node("site-a", cloud_url=proxy.url)
        proxy.enabled = True
        hard = {"drop_after", "duplicate", "truncate", "error", "drop_before"}

        def drawn() -> set[str]:
            return {f for f, n in proxy.fates.items() if n}

        # Rounds go on until every hard fault has met an exchange (bounded): how many
        # exchanges a round makes depends on timing and on the agent folding its ticks.
        for round_ in range(30):
            read_many(node, 15, f"C{round_}")
            time.sleep(0.5)
            if round_ >= 5 and hard <= drawn():
                break
        hybrid.assert_cloud_holds_exactly(node, timeout=120)
        assert hard <= drawn(), proxy.fates
    finally:
        proxy.stop()


def test_node_killed_mid_push(hybrid: Hybrid):
    node = hybrid.add_node("site-a")
    hybrid.cloud.stop()
    read_many(node, 300, "K")  # a backlog to push
    hybrid.cloud.start()
    for _ in range(3):
        time.sleep(0.4)
        node.kill()
        node.start()
    hybrid.assert_cloud_holds_exactly(node)


def test_cloud_killed_mid_apply(hybrid: Hybrid):
    node = hybrid.add_node("site-a")
    hybrid.cloud.stop()
    read_many(node, 300, "A")
    for _ in range(3):
        hybrid.cloud.start()
        time.sleep(0.5)
        hybrid.cloud.kill()
    hybrid.cloud.start()
    hybrid.assert_cloud_holds_exactly(node)


def test_node_restored_from_an_older_backup(hybrid: Hybrid, tmp_path: Path):
    node = hybrid.add_node("site-a")
    read_many(node, 20, "B1")
    hybrid.assert_cloud_holds_exactly(node)
    backup = tmp_path / "node-backup.db"
    sqlite_backup(Path(node.env["EDGESYNC_NODE_DATA_DIR"]) / "node.db", backup)
    old_stream = node.status()["sync"]["stream_id"]
    read_many(node, 20, "B2")  # synced, then lost at the node by the restore
    hybrid.assert_cloud_holds_exactly(node)
    node.stop()
    subprocess.run(
        [sys.executable, "-m", "edgesync", "node", "restore", str(backup)],
        env=node.env,
        check=True,
        capture_output=True,
    )
    node.start()
    assert node.status()["sync"]["stream_id"] != old_stream
    read_many(node, 20, "B3")  # new reads reuse seqs 21..40 in a new stream
    hybrid.assert_cloud_holds_exactly(node)  # nothing lost, nothing overwritten


@pytest.mark.parametrize("new_epoch", [True, False], ids=["with-new-epoch", "silent-restore"])
def test_cloud_restored_from_an_older_backup(hybrid: Hybrid, tmp_path: Path, new_epoch: bool):
    node = hybrid.add_node("site-a")
    read_many(node, 20, "R1")
    hybrid.assert_cloud_holds_exactly(node)
    cloud_db = Path(hybrid.cloud.env["EDGESYNC_CLOUD_DATA_DIR"]) / "cloud.db"
    sqlite_backup(cloud_db, tmp_path / "cloud-backup.db")
    read_many(node, 20, "R2")  # acked by the cloud, then lost by its restore
    hybrid.assert_cloud_holds_exactly(node)
    hybrid.cloud.stop()
    for suffix in ("-wal", "-shm"):
        Path(str(cloud_db) + suffix).unlink(missing_ok=True)
    shutil.copy(tmp_path / "cloud-backup.db", cloud_db)
    if new_epoch:
        edgesync("cloud", "new-epoch", env=hybrid.cloud.env)
    hybrid.cloud.start()
    read_many(node, 5, "R3")
    hybrid.assert_cloud_holds_exactly(node)
    assert wait_for(lambda: node.backlog() == 0, what="backlog drained")
