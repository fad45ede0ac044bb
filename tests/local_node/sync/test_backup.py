"""Backup while the writer commits; restore into place with a new stream; nothing lost."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from edgesync.cli import main
from local_node.backups.sqlite_file import backup_sqlite
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.images.store import FileImageStore
from local_node.ingest.models import DetectionIn
from local_node.ingest.writer import IngestWriter
from local_node.sync.agent import SyncAgent
from local_node.sync.keys import key_path
from tests.local_node.sync.conftest import CLOUD_URL
from tests.local_node.sync.fake_cloud import FakeCloud


def now() -> datetime:
    return datetime.now(UTC)


class Site:
    """A node database with a writer (no HTTP needed for backups)."""

    def __init__(self, data_dir: Path) -> None:
        from local_node.config import NodeSettings

        self.settings = NodeSettings(data_dir=data_dir, min_free_bytes=0)
        self.engine = make_engine(self.settings.resolved_database_url)
        upgrade(self.engine)
        repo.ensure_state(self.engine, now())
        self.camera = repo.list_cameras(self.engine)
        self.camera_id = (
            self.camera[0].id if self.camera else repo.create_camera(self.engine, "gate", now()).id
        )
        self.writer = IngestWriter(
            engine=self.engine, images=FileImageStore(self.settings.images_dir), clock=now
        )
        self.writer.start()

    def read(self, plate: str):
        return self.writer.submit(
            camera_id=self.camera_id,
            detection=DetectionIn(plate=plate, captured_at=now()),
            image=None,
            image_kind=None,
        ).result(10)

    def ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(text("SELECT id FROM detections")).scalars())

    def stream(self) -> str:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT stream_id FROM node_state")).scalar_one()

    def close(self) -> None:
        self.writer.stop()
        self.engine.dispose()


def run(data_dir: Path, *args: str):
    return CliRunner().invoke(main, ["node", *args, "--data-dir", str(data_dir)])


def test_backup_while_ingesting_then_restore_starts_a_new_stream_with_every_row(tmp_path):
    site = Site(tmp_path / "node")
    stored: list[str] = []
    stop = threading.Event()

    def camera() -> None:
        i = 0
        while not stop.is_set():
            stored.append(site.read(f"AB{i:05d}").id)
            i += 1

    thread = threading.Thread(target=camera)
    thread.start()
    while len(stored) < 50:
        pass
    before = set(stored)
    result = run(tmp_path / "node", "backup", "--to", str(tmp_path / "bk"))
    stop.set()
    thread.join()
    assert result.exit_code == 0, result.output
    backup_file = Path(result.stdout.strip())
    old_stream = site.stream()
    site.close()

    restored = tmp_path / "restored"
    result = run(restored, "restore", str(backup_file))
    assert result.exit_code == 0, result.output
    site2 = Site(restored)
    try:
        ids = site2.ids()
        assert before <= ids  # every read acknowledged before the backup began
        assert site2.stream() != old_stream
        with site2.engine.connect() as conn:
            seqs = conn.execute(text("SELECT seq FROM detections ORDER BY seq")).scalars().all()
        assert seqs == list(range(1, len(seqs) + 1))  # a consistent, gap-free snapshot
        new = site2.read("NEW0001")
        assert new.seq == len(seqs) + 1 and new.id not in ids
    finally:
        site2.close()


def test_backup_copies_images_when_asked(tmp_path):
    site = Site(tmp_path / "node")
    site.writer.submit(
        camera_id=site.camera_id,
        detection=DetectionIn(plate="AB12CDE", captured_at=now()),
        image=b"\xff\xd8\xff" + b"0" * 100,
        image_kind="jpeg",
    ).result(10)
    site.close()
    result = run(tmp_path / "node", "backup", "--to", str(tmp_path / "bk"), "--images")
    assert result.exit_code == 0, result.output
    copied = Path(result.stdout.strip()).with_suffix(".images")
    assert len([p for p in copied.rglob("*") if p.is_file()]) == 1


def test_restore_refuses_while_the_agent_runs(tmp_path):
    from local_node.sync.lock import AgentLock

    site = Site(tmp_path / "node")
    site.close()
    backup = backup_sqlite(tmp_path / "node" / "node.db", tmp_path / "bk", now())
    with AgentLock(tmp_path / "node"):
        result = run(tmp_path / "node", "restore", str(backup))
    assert result.exit_code != 0 and "stop it first" in result.output


def test_after_a_restore_the_cloud_keeps_everything_and_gets_the_new_stream_from_1(tmp_path):
    from local_node.sync.client import SyncClient
    from local_node.sync.enroll import enroll

    cloud = FakeCloud()
    site = Site(tmp_path / "node")
    client = SyncClient(CLOUD_URL, timeout_s=5, transport=cloud.transport())
    enroll(
        site.engine,
        data_dir=site.settings.data_dir,
        cloud_url=CLOUD_URL,
        code="CODE-123456",
        node_name="n",
        client=client,
        now=now(),
    )
    agent = SyncAgent(
        engine=site.engine,
        settings=site.settings.sync,
        data_dir=site.settings.data_dir,
        clock=now,
        transport=cloud.transport(),
    )
    for i in range(5):
        site.read(f"OLD{i}")
    agent.exchange()  # the cloud holds 1..5
    for i in range(2):
        site.read(f"MID{i}")  # 6..7: in the backup, not yet in the cloud
    backup = backup_sqlite(site.settings.data_dir / "node.db", tmp_path / "bk", now())
    for i in range(3):
        site.read(f"LATE{i}")  # 8..10: sent, then lost with the node
    agent.exchange()
    old_stream, held = site.stream(), dict(cloud.records[site.stream()])
    agent.close()
    site.close()

    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(key_path(tmp_path / "node"), key_path(restored))
    assert run(restored, "restore", str(backup)).exit_code == 0
    site2 = Site(restored)
    agent2 = SyncAgent(
        engine=site2.engine,
        settings=site2.settings.sync,
        data_dir=site2.settings.data_dir,
        clock=now,
        transport=cloud.transport(),
    )
    try:
        site2.read("NEW0")
        while agent2.exchange().more or agent2.has_work():
            pass
        assert cloud.records[old_stream] == held  # nothing lost, nothing overwritten
        new_stream = site2.stream()
        [record] = cloud.records[new_stream].values()
        assert record.seq == 1 and record.plate_norm == "NEW0"
    finally:
        agent2.close()
        site2.close()


def test_backup_of_an_unreachable_postgresql_node_says_it_cannot_open_the_database(tmp_path):
    result = CliRunner().invoke(
        main,
        ["node", "backup", "--database-url", "postgresql+psycopg://u@127.0.0.1:1/x"],
        env={"EDGESYNC_NODE_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code != 0
    assert "cannot open the node's database" in result.output
    assert "Traceback" not in result.output


def test_restoring_a_node_that_never_stored_a_read_starts_its_new_stream_from_1(tmp_path):
    site = Site(tmp_path / "node")
    with site.engine.begin() as conn:
        from local_node.sync import store

        store.ensure_streams(conn, now())  # the agent registered the empty first stream
    backup = backup_sqlite(site.settings.data_dir / "node.db", tmp_path / "bk", now())
    old_stream = site.stream()
    site.close()

    assert run(tmp_path / "node", "restore", str(backup)).exit_code == 0
    site2 = Site(tmp_path / "node")
    try:
        site2.read("NEW0")
        with site2.engine.connect() as conn:
            from local_node.sync import store

            [only] = store.streams(conn)
        assert only.stream_id == site2.stream() != old_stream and only.seq_base == 0
    finally:
        site2.close()
