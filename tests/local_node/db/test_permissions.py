"""The node's data dir is 0700 and its database and backups 0600, whatever the umask."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from local_node.backups.sqlite_file import backup_sqlite, copy_images, put_in_place
from local_node.config import NodeSettings
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.services import build_services


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems run services with: files 0644, dirs 0755 unless we say so."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def open_node(data_dir: Path):
    return build_services(NodeSettings(data_dir=data_dir, min_free_bytes=0))


def test_a_new_data_dir_is_owner_only(tmp_path: Path) -> None:
    services = open_node(tmp_path / "node")
    services.close()
    assert mode(tmp_path / "node") == 0o700


def test_the_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    upgrade(engine)
    with engine.connect() as conn:  # held open: -wal and -shm exist while it is
        conn.execute(text("SELECT 1"))
        files = [tmp_path / name for name in ("node.db", "node.db-wal", "node.db-shm")]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()


def test_a_loose_data_dir_and_database_are_tightened_at_start_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "node"
    open_node(data_dir).close()
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "node.db", 0o644)
    with caplog.at_level(logging.WARNING, logger="local_node.db.engine"):
        open_node(data_dir).close()
        open_node(data_dir).close()
    assert mode(data_dir) == 0o700 and mode(data_dir / "node.db") == 0o600
    tightened = [r for r in caplog.records if "tightened" in r.getMessage()]
    assert len(tightened) == 2  # the dir and the file, each once


def test_a_backup_is_owner_only_in_an_owner_only_dir(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    upgrade(engine)
    engine.dispose()
    backup = backup_sqlite(tmp_path / "node.db", tmp_path / "backups", datetime.now(UTC))
    assert mode(backup) == 0o600 and mode(tmp_path / "backups") == 0o700


def test_copied_images_land_in_an_owner_only_dir(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_bytes(b"x")
    copy_images(tmp_path / "images", tmp_path / "b.images")
    assert mode(tmp_path / "b.images") == 0o700


def test_a_restored_database_is_owner_only(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    upgrade(engine)
    engine.dispose()
    backup = backup_sqlite(tmp_path / "node.db", tmp_path / "backups", datetime.now(UTC))
    os.chmod(backup, 0o644)  # e.g. carried over on a USB stick
    target = tmp_path / "restored" / "node.db"
    put_in_place(backup, target, datetime.now(UTC))
    assert mode(target) == 0o600
