"""The cloud's data dir is 0700 and its SQLite files and keys 0600, whatever the umask."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cloud_plane.config import CloudSettings
from cloud_plane.services import open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_data_dir_database_and_key_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "cloud"
    store = open_store(CloudSettings(data_dir=data_dir))
    try:
        with store.db.engine.connect() as conn:  # type: ignore[attr-defined]  # held open: -wal and -shm exist while it is
            conn.execute(text("SELECT 1"))
            names = ("cloud.db", "cloud.db-wal", "cloud.db-shm", "secrets.key")
            modes = {name: mode(data_dir / name) for name in names}
    finally:
        store.meta.close()
    assert mode(data_dir) == 0o700
    assert modes == dict.fromkeys(names, 0o600)


def test_a_loose_data_dir_and_database_are_tightened_at_start_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "cloud"
    open_store(CloudSettings(data_dir=data_dir)).meta.close()
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "cloud.db", 0o644)
    with caplog.at_level(logging.WARNING, logger="cloud_plane.store.engine"):
        open_store(CloudSettings(data_dir=data_dir)).meta.close()
        open_store(CloudSettings(data_dir=data_dir)).meta.close()
    assert mode(data_dir) == 0o700 and mode(data_dir / "cloud.db") == 0o600
    assert len([r for r in caplog.records if "tightened" in r.getMessage()]) == 2
