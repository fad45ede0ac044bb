"""One sync agent per node across machines: the PostgreSQL advisory lock beside the file lock."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from edgesync.cli import main
from local_node.db import advisory
from local_node.db.engine import make_engine
from local_node.sync.lock import AgentLock, AgentLockHeld
from local_node.sync.runtime import start_agent_or_log

pytestmark = pytest.mark.postgres

HOLD = """
import sys
from pathlib import Path
from local_node.db.engine import make_engine
from local_node.sync.lock import AgentLock
AgentLock(Path(sys.argv[2]), make_engine(sys.argv[1])).acquire()
print("held", flush=True)
sys.stdin.read()  # hold until killed
"""


def test_an_agent_of_another_data_dir_on_the_same_database_is_refused(tmp_path, engine):
    held = "another sync agent holds the node's database"
    with AgentLock(tmp_path / "task-a", engine), pytest.raises(AgentLockHeld, match=held):
        AgentLock(tmp_path / "task-b", engine).acquire()


def test_a_refused_agent_leaves_its_file_lock_free(tmp_path, engine):
    with AgentLock(tmp_path / "task-a", engine):
        with pytest.raises(AgentLockHeld):
            AgentLock(tmp_path / "task-b", engine).acquire()
        AgentLock(tmp_path / "task-b").acquire().release()  # the file lock alone is free


def test_the_database_lock_is_free_again_after_release(tmp_path, engine):
    AgentLock(tmp_path / "task-a", engine).acquire().release()
    AgentLock(tmp_path / "task-b", engine).acquire().release()


def test_a_killed_agents_database_lock_goes_with_it(tmp_path, postgres_url, engine):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, postgres_url, str(tmp_path / "task-a")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AgentLockHeld):
            AgentLock(tmp_path / "task-b", engine).acquire()
    finally:
        holder.kill()
        holder.wait()
    AgentLock(tmp_path / "task-b", engine).acquire().release()  # the session ended with it


def test_node_agent_on_another_task_fails_with_the_lock_message(tmp_path, postgres_url, engine):
    with AgentLock(tmp_path / "task-a", engine):
        result = CliRunner().invoke(
            main,
            ["node", "agent"],
            env={
                "EDGESYNC_NODE_DATA_DIR": str(tmp_path / "task-b"),
                "EDGESYNC_NODE_DATABASE_URL": postgres_url,
            },
        )
    assert result.exit_code != 0 and "another sync agent" in result.stderr
    assert "run one agent per node" in result.stderr


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_serve_on_another_task_goes_on_without_an_agent(node_factory, tmp_path):
    first = node_factory()
    engine = make_engine(first.settings.resolved_database_url)
    try:
        with AgentLock(tmp_path / "elsewhere", engine):
            assert start_agent_or_log(first.services) is None
    finally:
        engine.dispose()


def kill_lock_session(engine) -> None:
    """End the session holding the node's agent lock, as a database failover would."""
    with engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = :ns AND objid = (hashtext(:job || '/' || current_schema()))::oid"
            ),
            {"ns": advisory.NAMESPACE, "job": advisory.AGENT},
        )
        conn.commit()


def test_an_agent_takes_its_lock_again_after_its_session_broke(tmp_path, engine):
    lock = AgentLock(tmp_path / "task-a", engine).acquire()
    try:
        kill_lock_session(engine)
        assert lock.keep()
        with engine.connect() as conn:
            assert advisory.holders(conn, advisory.AGENT) == 1
        with pytest.raises(AgentLockHeld):
            AgentLock(tmp_path / "task-b", engine).acquire()
    finally:
        lock.release()


def test_an_agent_whose_lock_was_taken_meanwhile_says_so(tmp_path, engine):
    lock = AgentLock(tmp_path / "task-a", engine).acquire()
    kill_lock_session(engine)
    other = AgentLock(tmp_path / "task-b", engine).acquire()
    try:
        assert not lock.keep()
        assert not lock.keep(), "said once, then forgotten"
    finally:
        other.release()
    assert lock.keep()  # the other agent stopped: this one holds the lock again
    with engine.connect() as conn:
        assert advisory.holders(conn, advisory.AGENT) == 1
    lock.release()
