"""The health checks of the image and of the compose services, run for real (no Docker): the
node's against a running `edgesync node serve`, the agent's against a held agent lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_node.sync.lock import AgentLock
from tests.conftest import free_port
from tests.deploy.conftest import DOCKERFILE
from tests.e2e.harness import Service


def image_healthcheck() -> list[str]:
    """The Dockerfile's HEALTHCHECK command (exec form)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith("HEALTHCHECK")]
    return json.loads(line[line.index("CMD") + 3 :])


def run_check(command: list[str], env: dict[str, str]) -> int:
    """Run a health check as Docker would (exec form, our Python as `python`)."""
    program = sys.executable if command[0] == "python" else command[0]
    result = subprocess.run([program, *command[1:]], env=env, capture_output=True, timeout=30)
    return result.returncode


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A real `edgesync node serve` on SQLite, as the image runs it."""
    root = tmp_path_factory.mktemp("node")
    env = {**os.environ, "EDGESYNC_NODE_DATA_DIR": str(root / "data")}
    service = Service("node", ["node", "serve", "--no-agent"], env, root / "node.log", free_port())
    service.start()
    try:
        yield service
    finally:
        service.stop()


@pytest.mark.e2e
def test_the_image_healthcheck_passes_against_a_running_node(node: Service):
    env = {**os.environ, "EDGESYNC_NODE_PORT": str(node.port)}
    assert run_check(image_healthcheck(), env) == 0


@pytest.mark.e2e
def test_the_image_healthcheck_fails_where_no_node_answers():
    env = {**os.environ, "EDGESYNC_NODE_PORT": str(free_port())}
    assert run_check(image_healthcheck(), env) != 0


@pytest.mark.e2e
def test_the_node_service_healthcheck_passes_against_a_running_node(
    node: Service, compose: dict[str, Any]
):
    command = compose["services"]["node"]["healthcheck"]["test"][1:]
    assert "127.0.0.1:8080/healthz" in command[-1]  # the port the compose file gives the node
    command = [*command[:-1], command[-1].replace(":8080/", f":{node.port}/")]
    assert run_check(command, dict(os.environ)) == 0


def agent_check(compose: dict[str, Any], data_dir: Path) -> list[str]:
    """The agent service's health check, pointed at ``data_dir`` instead of /data."""
    command = compose["services"]["agent"]["healthcheck"]["test"][1:]
    assert "'/data/agent.lock'" in command[-1]
    return [
        *command[:-1],
        command[-1].replace("'/data/agent.lock'", repr(f"{data_dir}/agent.lock")),
    ]


def test_the_agent_healthcheck_passes_while_an_agent_holds_the_lock(
    tmp_path: Path, compose: dict[str, Any]
):
    with AgentLock(tmp_path):
        assert run_check(agent_check(compose, tmp_path), dict(os.environ)) == 0


def test_the_agent_healthcheck_fails_once_the_agent_is_gone(
    tmp_path: Path, compose: dict[str, Any]
):
    with AgentLock(tmp_path):
        pass  # the lock file stays behind, as after a crash
    assert (tmp_path / "agent.lock").exists()
    assert run_check(agent_check(compose, tmp_path), dict(os.environ)) != 0
