"""`node serve` and `node agent` as real processes: the data-dir line, one server per data dir."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port


def node_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    env |= {"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    return env


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "edgesync", "node", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    """Stderr up to and including the first line containing ``marker``."""
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"no {marker!r} in:\n{seen}")


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        proc.terminate()
        proc.wait(15)


def test_serve_says_where_its_data_lives(tmp_path: Path, stop: list) -> None:
    stop.append(proc := start(node_env(tmp_path), "serve", "--port", str(free_port())))
    seen = read_until(proc, "edgesync node on")
    assert f"edgesync node data in {tmp_path / 'xdg' / 'edgesync' / 'node'} (new)" in seen


def test_agent_says_where_its_data_lives(tmp_path: Path, stop: list) -> None:
    stop.append(proc := start(node_env(tmp_path), "agent", "--data-dir", str(tmp_path / "n")))
    seen = read_until(proc, "sync agent running")
    assert f"edgesync node data in {tmp_path / 'n'} (new)" in seen


def test_a_second_serve_on_one_data_dir_is_refused_naming_the_first(
    tmp_path: Path, stop: list
) -> None:
    env = node_env(tmp_path) | {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "n")}
    stop.append(first := start(env, "serve", "--port", str(free_port())))
    read_until(first, "edgesync node on")
    second = start(env, "serve", "--port", str(free_port()))
    _, err = second.communicate(timeout=30)
    assert second.returncode == 1
    assert err.strip() == (
        f"Error: node serve is already running on {tmp_path / 'n'} (pid {first.pid})"
    )


def test_serve_starts_again_once_the_first_is_gone(tmp_path: Path, stop: list) -> None:
    env = node_env(tmp_path) | {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "n")}
    first = start(env, "serve", "--port", str(free_port()))
    read_until(first, "edgesync node on")
    first.kill()
    first.wait(15)
    stop.append(second := start(env, "serve", "--port", str(free_port())))
    assert "edgesync node on" in read_until(second, "edgesync node on")
