"""Exactly one agent per node."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node.sync.lock import AgentLock, AgentLockHeld
from local_node.sync.runtime import start_agent_or_log


def test_a_second_agent_is_refused(tmp_path):
    with AgentLock(tmp_path), pytest.raises(AgentLockHeld, match="another sync agent"):
        AgentLock(tmp_path).acquire()


def test_the_lock_is_free_again_after_release(tmp_path):
    AgentLock(tmp_path).acquire().release()
    AgentLock(tmp_path).acquire().release()


def test_node_agent_fails_clearly_while_another_agent_runs(tmp_path):
    data_dir = tmp_path / "node"
    with AgentLock(data_dir):
        result = CliRunner().invoke(
            main, ["node", "agent"], env={"EDGESYNC_NODE_DATA_DIR": str(data_dir)}
        )
    assert result.exit_code != 0 and "another sync agent" in result.stderr


def test_serve_goes_on_without_an_agent_when_the_lock_is_held(node):
    with AgentLock(node.settings.data_dir):
        assert start_agent_or_log(node.services) is None
