"""The schedule: hits pushed at once, retries with growing backoff and no new reads."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from local_node.sync.runtime import start_agent
from local_node.sync.scheduler import push_period
from tests.local_node.sync.conftest import enroll_node, post, post_many

SLOW_TICKS = {
    "sync_push_interval_s": 30,
    "sync_hotlist_interval_s": 30,
    "sync_heartbeat_interval_s": 30,
}


class MaxJitter(random.Random):
    """Full jitter at its upper bound, so the delays are the exponential envelope."""

    def uniform(self, a: float, b: float) -> float:
        return b


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)
    return time.monotonic() - started


@pytest.fixture
def running(node_factory, cloud):
    agents = []

    def start(**overrides):
        node = node_factory(**{**SLOW_TICKS, **overrides})
        enroll_node(node, cloud)
        agent = start_agent(node.services, transport=cloud.transport(), rng=MaxJitter())
        agents.append(agent)
        return node, agent

    yield start
    for agent in agents:
        agent.stop()


def test_a_hit_is_pushed_at_once_not_at_the_next_tick(running, cloud):
    node, _ = running()
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/AB12CDE", json={})
    wait_for(lambda: len(cloud.received) >= 1)  # the start-up heartbeat
    sent = time.monotonic()
    assert post(node, "AB12CDE").json()["hits"]
    wait_for(lambda: cloud.hits)
    [(arrived, hit)] = cloud.hits.values()
    assert hit.plate_norm == "AB12CDE"
    assert arrived - sent < 1.0  # the push tick is 30 s away


def test_backoff_grows_and_retries_go_on_without_new_reads(running, cloud):
    cloud.fail_with = 503
    node, agent = running(sync_backoff_base_s=0.05, sync_backoff_cap_s=0.4)
    post_many(node, 3)
    wait_for(lambda: len(cloud.attempts) >= 6)
    assert agent.runner.delays[:5] == [0.05, 0.1, 0.2, 0.4, 0.4]
    gaps = [b - a for a, b in zip(cloud.attempts, cloud.attempts[1:], strict=False)]
    # Wall-clock gaps can only be longer than the scheduled delays on a loaded machine.
    assert all(g >= d - 0.02 for g, d in zip(gaps, agent.runner.delays, strict=False))
    cloud.fail_with = None
    wait_for(lambda: agent.runner.failures == 0)
    assert cloud.seqs(next(iter(cloud.marks))) == [1, 2, 3]


def test_the_agent_catches_up_in_consecutive_batches_without_waiting_for_ticks(running, cloud):
    cloud.fail_with = 503
    node, _ = running(sync_batch_max_records=2, sync_backoff_base_s=0.05, sync_backoff_cap_s=0.1)
    post_many(node, 9)
    cloud.fail_with = None
    elapsed = wait_for(lambda: sum(len(v) for v in cloud.records.values()) == 9)
    assert elapsed < 3  # five batches, far less than one 30 s tick


def test_stop_is_clean_and_releases_the_lock(running, node_factory):
    node, agent = running()
    agent.stop()
    agent2 = start_agent(node.services)
    agent2.stop()


def test_the_push_tick_slows_to_the_period_the_cloud_asks_for(running, cloud):
    cloud.push_interval_s = 45
    _, agent = running()
    wait_for(lambda: len(cloud.received) >= 1)  # the start-up heartbeat carries the answer
    wait_for(lambda: agent.runner.push_every_s == 45)
    job = agent.runner._scheduler.get_job("push")
    assert job.trigger.interval.total_seconds() == 45


def test_a_shorter_ask_than_our_own_period_keeps_ours():
    assert push_period(30, 5) == 30
    assert push_period(2, None) == 2
    assert push_period(2, 5) == 5
