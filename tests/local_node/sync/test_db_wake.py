"""Waking the agent across machines through PostgreSQL's LISTEN/NOTIFY."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from local_node.sync.db_wake import CHANNEL, DatabaseWakeListener
from local_node.sync.runtime import start_agent
from tests.local_node.sync.conftest import enroll_node, post

pytestmark = pytest.mark.postgres

NOTIFY = """
import sys
from local_node.db.engine import make_engine
from local_node.sync.db_wake import notify_wake
assert notify_wake(make_engine(sys.argv[1]))
"""


@pytest.fixture
def listener(engine):
    woken = threading.Event()
    listening = DatabaseWakeListener(engine, woken.set, retry_s=0.2)
    assert listening.listening.wait(10)
    yield listening, woken
    listening.close()


def test_a_notify_from_another_process_wakes_the_listener(postgres_url, listener):
    _, woken = listener
    subprocess.run([sys.executable, "-c", NOTIFY, postgres_url], check=True)
    assert woken.wait(5)


def test_a_wake_for_another_schema_is_not_heard(engine, listener):
    _, woken = listener
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_notify(:c, 'some_other_node')"), {"c": CHANNEL})
        conn.commit()
    assert not woken.wait(1.5)


def test_the_listener_listens_again_after_its_connection_is_killed(engine, listener):
    listening, woken = listener
    with engine.connect() as conn:
        killed = conn.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": listening.backend_pid}
        ).scalar_one()
        conn.commit()
    assert killed
    assert woken.wait(10), "no wake after reconnecting (a hit may have come meanwhile)"
    woken.clear()
    assert listening.listening.wait(10)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_notify(:c, current_schema())"), {"c": CHANNEL})
        conn.commit()
    assert woken.wait(5)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_hit_stored_by_another_task_wakes_the_agent_long_before_its_push(node_factory, cloud):
    push_interval_s = 60
    agent_task = node_factory(
        sync_push_interval_s=push_interval_s,
        sync_heartbeat_interval_s=600,
        sync_hotlist_interval_s=600,
        sync_command_poll_s=0,
    )
    enroll_node(agent_task, cloud)
    running = start_agent(agent_task.services, transport=cloud.transport())
    try:
        assert running.db_wake is not None and running.db_wake.listening.wait(10)
        time.sleep(1)  # the start-up exchange is over: from now on, only a wake pushes soon
        api_task = node_factory()  # another data dir, the same database: another Fargate task
        with api_task.admin() as admin:
            listed = admin.put("/api/v1/hotlist/stolen/WAKE123", json={"priority": 5})
        assert listed.status_code == 200, listed.text
        started = time.monotonic()
        assert post(api_task, "WAKE123").status_code == 201
        while not cloud.hits and time.monotonic() - started < 10:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        running.stop()
    assert cloud.hits, "the hit did not reach the cloud: the agent was not woken"
    assert elapsed < push_interval_s / 10
