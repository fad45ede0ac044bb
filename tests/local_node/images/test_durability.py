"""Image durability that does not depend on the filesystem's syncfs (issue 16, item 3).

A FUSE mount (network and cloud filesystems) answers syncfs(2) with 0 and flushes no file
data: the fake syncer here does the same, and records what was really flushed per file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select

from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.db.tables import Detection
from local_node.images.durability import UnsafeImageSync, filesystem_type
from local_node.images.store import FileImageStore
from local_node.ingest.models import DetectionIn
from local_node.ingest.writer import IngestWriter

JPEG = b"\xff\xd8\xff\xe0" + b"x" * 2000
WHEN = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


class FuseLikeSyncer:
    """syncfs returns success and flushes nothing; fdatasync/fsync record the inode flushed."""

    def __init__(self) -> None:
        self.data_flushed: set[int] = set()
        self.fsynced: set[int] = set()
        self.syncfs_calls = 0

    def fdatasync(self, fd: int) -> None:
        self.data_flushed.add(os.fstat(fd).st_ino)

    def fsync(self, fd: int) -> None:
        self.fsynced.add(os.fstat(fd).st_ino)
        self.data_flushed.add(os.fstat(fd).st_ino)

    def syncfs(self, fd: int) -> None:
        self.syncfs_calls += 1


def now() -> datetime:
    return datetime.now(UTC)


def test_every_acknowledged_image_is_fdatasynced_before_its_commit_on_a_fuse_mount(
    tmp_path: Path, database_url: str
):
    # Given a node whose image folder is on a FUSE mount, with the default setting
    engine = make_engine(database_url)
    upgrade(engine)
    repo.ensure_state(engine, now())
    camera = repo.create_camera(engine, "cam", now())
    syncer = FuseLikeSyncer()
    images = FileImageStore(tmp_path / "images", syncer=syncer, fs_type="fuse.rclone")
    flushed_at_commit: list[set[int]] = []
    event.listen(engine, "commit", lambda _conn: flushed_at_commit.append(set(syncer.data_flushed)))
    writer = IngestWriter(engine=engine, images=images, clock=now)
    # When 20 reads with images are acknowledged in one group commit
    futures = [
        writer.submit(
            camera_id=camera.id,
            detection=DetectionIn(plate=f"AB{i:02d}CDE", captured_at=now()),
            image=JPEG,
            image_kind="jpeg",
        )
        for i in range(20)
    ]
    writer.start()
    acked = {f.result(10).id for f in futures}
    writer.stop()
    images.close()
    # Then each image's bytes and its folder were flushed before the commit that stored its row
    with engine.connect() as conn:
        paths = conn.execute(select(Detection.image_path).where(Detection.id.in_(acked))).scalars()
        files = [images.path_of(p) for p in paths]
    engine.dispose()
    assert len(files) == 20
    committed_after_flush = flushed_at_commit[-1]
    assert {f.stat().st_ino for f in files} <= committed_after_flush
    assert {f.parent.stat().st_ino for f in files} <= syncer.fsynced
    assert syncer.syncfs_calls == 0


def test_auto_keeps_one_syncfs_on_a_filesystem_known_to_honour_it(tmp_path: Path):
    syncer = FuseLikeSyncer()
    store = FileImageStore(tmp_path, syncer=syncer, fs_type="ext4")
    _, directory = store.write(
        detection_id="d1", camera_id="cam", received_at=WHEN, data=JPEG, kind="jpeg"
    )
    store.make_durable({directory})
    assert store.sync_mode == "syncfs" and syncer.syncfs_calls == 1


def test_explicit_syncfs_is_refused_at_start_on_a_fuse_mount(tmp_path: Path):
    with pytest.raises(UnsafeImageSync, match=r"fuse\.sshfs"):
        FileImageStore(tmp_path, sync_mode="syncfs", fs_type="fuse.sshfs")


@pytest.mark.parametrize("setting", ["group", "auto"])
def test_the_old_and_new_defaults_fdatasync_on_an_unknown_filesystem(tmp_path: Path, setting):
    store = FileImageStore(tmp_path, sync_mode=setting, fs_type="nfs4")
    assert store.sync_mode == "fdatasync"


def test_a_deleted_unflushed_image_releases_its_file(tmp_path: Path):
    store = FileImageStore(tmp_path, sync_mode="fdatasync", fs_type="ext4")
    stored, _ = store.write(
        detection_id="d1", camera_id="cam", received_at=WHEN, data=JPEG, kind="jpeg"
    )
    fd = store._unflushed[stored.path]
    store.delete(stored.path)
    with pytest.raises(OSError):
        os.fstat(fd)
    store.make_durable(set())  # nothing left to flush, nothing to fail on


MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 253:0 / / rw,relatime - ext4 /dev/vda rw
90 27 0:50 / /srv/data rw,nosuid - fuse.rclone remote: rw
91 90 0:51 / /srv/data\\040local rw - xfs /dev/vdb rw
"""


@pytest.mark.parametrize(
    ("path", "fs_type"),
    [
        ("/srv/data/images", "fuse.rclone"),
        ("/srv/data local/images", "xfs"),
        ("/srv/database", "ext4"),
        ("/", "ext4"),
    ],
)
def test_filesystem_type_is_that_of_the_deepest_mount_holding_the_path(path: str, fs_type: str):
    assert filesystem_type(Path(path), MOUNTINFO) == fs_type
