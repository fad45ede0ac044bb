"""`node serve --workers N` as a real process: N writers at once, the jobs once, drains, restarts.

Each test runs on SQLite and on PostgreSQL (``database_url``). Which worker served a request
is read from the kernel (/proc: which process holds the accepted connection), not from
anything the node would have to expose.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from local_node.db.tables import Detection
from tests.local_node.conftest import WorkersNode, make_jpeg
from tests.local_node.test_serve_startup import node_env, start

pytestmark = pytest.mark.slow


def _established_pids(node: WorkersNode, pids: set[int]) -> set[int]:
    """The pids among ``pids`` holding an accepted connection on the node's port."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "01" and int(cols[1].rsplit(":", 1)[1], 16) == node.port:
                established.add(cols[9])
    holders = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in established:
                holders.add(pid)
    return holders


def _stored(node: WorkersNode) -> list[tuple[str, int]]:
    engine = create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            return [
                (r.event_id, r.seq) for r in conn.execute(select(Detection.event_id, Detection.seq))
            ]
    finally:
        engine.dispose()


def _flock_holders(path: Path) -> set[int]:
    """Pids holding a flock on ``path`` (from /proc/locks, matched by inode)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        cols = line.split()
        if cols[1] == "FLOCK" and int(cols[5].rsplit(":", 1)[1]) == inode:
            holders.add(int(cols[4]))
    return holders


MIN_CLIENTS = 16
MAX_CLIENTS = 200


def _open_until_each_serves(
    node: WorkersNode, pids: set[int], at_least: int
) -> tuple[list[httpx.Client], set[int]]:
    """Clients opened one at a time (one read each) until each of ``pids`` has accepted one.

    The workers share one listening socket, so which one accepts is the kernel's and the
    scheduler's choice: on a loaded machine one worker can win many accepts in a row. At
    least ``at_least`` clients are opened, and more until every worker was seen holding a
    connection; a worker that never accepts one of ``MAX_CLIENTS`` is not serving. Returns
    the open clients and the workers seen.
    """
    clients: list[httpx.Client] = []
    seen: set[int] = set()
    try:
        while len(clients) < MAX_CLIENTS and (len(clients) < at_least or seen != pids):
            client = node.camera()
            clients.append(client)
            assert node.post(client, f"open-{len(clients):05d}").status_code == 201
            seen |= _established_pids(node, pids)
    except BaseException:
        for client in clients:
            client.close()
        raise
    return clients, seen


def test_concurrent_posts_to_two_workers_are_stored_once_with_contiguous_seqs(workers_node) -> None:
    node = workers_node(workers=2)
    pids = node.worker_pids()
    assert len(pids) == 2
    clients, _ = _open_until_each_serves(node, pids, at_least=MIN_CLIENTS)
    try:

        def post_many(index: int) -> list[int]:
            return [
                node.post(clients[index], f"c{index:03d}-{j:05d}").status_code for j in range(25)
            ]

        # Which workers hold a connection while the posts run (sampled, since a client idle
        # past the keep-alive reconnects and may land on either worker).
        served_by: set[int] = set()
        posting = threading.Event()
        posting.set()

        def sample() -> None:
            while posting.is_set():
                served_by.update(_established_pids(node, pids))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with ThreadPoolExecutor(len(clients)) as pool:
                statuses = [s for batch in pool.map(post_many, range(len(clients))) for s in batch]
        finally:
            posting.clear()
            sampler.join()
        repeat = node.post(clients[0], "c000-00003")
    finally:
        for client in clients:
            client.close()
    assert served_by == pids
    assert statuses == [201] * 25 * len(clients)
    assert repeat.status_code == 200
    stored = _stored(node)
    event_ids = [e for e, _ in stored]
    seqs = sorted(s for _, s in stored)
    assert len(event_ids) == len(set(event_ids)) == 26 * len(clients)
    assert seqs == list(range(seqs[0], seqs[0] + 26 * len(clients)))


def test_the_sync_agent_and_the_serve_lock_are_held_by_the_parent_alone(workers_node) -> None:
    node = workers_node(workers=2)
    data_dir = Path(node.env["EDGESYNC_NODE_DATA_DIR"])
    assert _flock_holders(data_dir / "agent.lock") == {node.proc.pid}
    assert _flock_holders(data_dir / "serve.lock") == {node.proc.pid}
    assert node.worker_pids().isdisjoint({node.proc.pid})


def test_sigterm_drains_every_worker_so_no_acknowledged_read_is_lost(workers_node) -> None:
    node = workers_node(workers=2)
    acked: list[str] = []
    stop = threading.Event()

    def keep_posting(index: int) -> None:
        with node.camera() as client:
            j = 0
            while not stop.is_set():
                event_id = f"t{index:02d}-{j:06d}"
                j += 1
                try:
                    if node.post(client, event_id, make_jpeg()).status_code == 201:
                        acked.append(event_id)
                except httpx.TransportError:
                    return  # the node is going away: this read was never acknowledged

    threads = [threading.Thread(target=keep_posting, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(2)
    node.proc.send_signal(signal.SIGTERM)
    assert node.proc.wait(60) == 0
    stop.set()
    for t in threads:
        t.join(30)
    stored = {e for e, _ in _stored(node)}
    assert len(acked) > 20
    assert set(acked) <= stored
    assert "stopped 2 workers" in node.log_text()


def test_a_worker_killed_with_sigkill_is_replaced_and_the_new_one_serves(workers_node) -> None:
    node = workers_node(workers=2)
    before = node.worker_pids()
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    node.wait_log(f"worker pid {victim} exited (signal SIGKILL); started pid")
    deadline = time.monotonic() + 30
    while len(after := node.worker_pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert victim not in after and len(after) == 2
    (newcomer,) = after - before
    clients, served = _open_until_each_serves(node, after, at_least=1)
    for client in clients:
        client.close()
    assert newcomer in served


def test_the_disk_budget_holds_for_all_workers_together(workers_node) -> None:
    image = make_jpeg(320, 240, "green")
    budget = len(image) * 10 + 100
    node = workers_node(workers=2, EDGESYNC_NODE_DISK_BUDGET_BYTES=str(budget))

    def post_many(index: int) -> list[int]:
        with node.camera() as client:
            return [node.post(client, f"b{index:02d}-{j:04d}", image).status_code for j in range(8)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(post_many, range(8)) for s in batch]
    assert statuses == [201] * 64
    engine = create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                select(func.sum(Detection.image_bytes)).where(Detection.image_pruned_at.is_(None))
            ).scalar_one()
    finally:
        engine.dispose()
    images = Path(node.env["EDGESYNC_NODE_DATA_DIR"]) / "images"
    on_disk = sum(f.stat().st_size for f in images.rglob("*") if f.is_file())
    assert held <= budget
    assert on_disk <= budget


def test_metrics_count_the_reads_of_every_worker(workers_node) -> None:
    node = workers_node(workers=2, EDGESYNC_NODE_METRICS_PUBLIC="true")
    clients = [node.camera() for _ in range(8)]
    try:
        for round_ in range(5):
            for i, client in enumerate(clients):
                assert node.post(client, f"m{i:02d}-{round_}").status_code == 201
    finally:
        for client in clients:
            client.close()
    for _ in range(6):  # whichever worker answers, it reports the node's total
        with httpx.Client(base_url=node.url, timeout=10) as fresh:
            text = fresh.get("/metrics").text
        assert "edgesync_node_reads_stored_total 40.0" in text


def test_a_port_in_use_is_refused_naming_the_address(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = node_env(tmp_path) | {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "n")}
        proc = start(env, "serve", "--workers", "2", "--port", str(port))
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.strip().endswith(f"Error: cannot listen on 127.0.0.1:{port}: Address already in use")
