"""What a Lambda container builds from its environment, and where it may write."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from cloud_plane.aws.runtime import Container, lambda_settings
from cloud_plane.errors import ConfigError


def test_the_data_dir_defaults_to_the_only_writable_place_in_lambda(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EDGESYNC_CLOUD_DATA_DIR", raising=False)
    assert lambda_settings().data_dir == Path(tempfile.gettempdir()) / "edgesync-cloud"


def test_a_data_dir_in_the_environment_is_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EDGESYNC_CLOUD_DATA_DIR", str(tmp_path))
    assert lambda_settings().data_dir == tmp_path


def test_the_alerting_side_is_built_once_per_container(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EDGESYNC_CLOUD_DATA_DIR", str(tmp_path))
    container = Container(lambda_settings())
    try:
        assert container.alerting() is container.alerting()
    finally:
        container.close()


def test_the_api_needs_a_web_secret_shared_by_every_container(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EDGESYNC_CLOUD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EDGESYNC_CLOUD_WEB_SECRET", raising=False)
    with pytest.raises(ConfigError, match="EDGESYNC_CLOUD_WEB_SECRET"):
        Container(lambda_settings()).app()
