"""With no EDGESYNC_NODE_DATA_DIR the node keeps its data in a per-user (or system) place."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_node.config import NodeSettings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EDGESYNC_NODE_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    return tmp_path


def test_default_is_under_xdg_data_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))
    assert NodeSettings().data_dir == home / "xdg" / "edgesync" / "node"


def test_default_without_xdg_is_under_local_share(home: Path) -> None:
    assert NodeSettings().data_dir == home / ".local" / "share" / "edgesync" / "node"


def test_default_for_root_is_var_lib(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert NodeSettings().data_dir == Path("/var/lib/edgesync/node")


def test_the_default_never_depends_on_the_current_directory(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert NodeSettings().data_dir.is_absolute()


def test_the_environment_variable_overrides_the_default(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGESYNC_NODE_DATA_DIR", str(home / "elsewhere"))
    assert NodeSettings().data_dir == home / "elsewhere"
