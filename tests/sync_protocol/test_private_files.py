"""Files that hold plates and credentials: owner-only, and never a directory chmod-ed 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sync_protocol.private_files import NotADatabaseFile, private_sqlite_files


def test_a_new_database_file_is_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "data" / "node.db"
    private_sqlite_files(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_a_directory_named_as_the_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(NotADatabaseFile, match="is a directory"):
        private_sqlite_files(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
