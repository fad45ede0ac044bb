"""`cloud serve` as a real process says where its data lives and where alert messages go."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port


@pytest.fixture(scope="module")
def startup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The stderr of a `cloud serve` with no data dir set, up to its listening line."""
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "xdg")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edgesync", "cloud", "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and "edgesync cloud on" not in seen:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            seen += line
    finally:
        proc.terminate()
        proc.wait(15)
    return home / "xdg" / "edgesync" / "cloud", seen


def test_serve_says_where_its_data_lives(startup: tuple[Path, str]) -> None:
    data_dir, seen = startup
    assert f"edgesync cloud data in {data_dir} (new)" in seen.splitlines()


def test_serve_warns_that_sms_and_email_go_to_a_file(startup: tuple[Path, str]) -> None:
    data_dir, seen = startup
    [warning] = [line for line in seen.splitlines() if " WARNING " in line]
    assert f"alert SMS and email messages are written to the file {data_dir}" in warning
    assert "EDGESYNC_CLOUD_ALERT_SMS" in warning and "EDGESYNC_CLOUD_ALERT_EMAIL" in warning


def test_no_warning_when_no_channel_is_a_file() -> None:
    from cloud_plane.alerts.wiring import file_channel_warning
    from cloud_plane.config import AlertSettings

    settings = AlertSettings(sms="none", email="smtp")
    assert file_channel_warning(settings, Path("messages.jsonl")) is None
