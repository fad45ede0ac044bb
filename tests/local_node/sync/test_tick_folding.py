"""Which ticks make an exchange of their own, and which the next push covers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from local_node.config import SyncSettings
from local_node.sync.scheduler import SyncRunner
from sync_protocol.rules import HEARTBEAT_RIDES_WITHIN_S


class Agent:
    """The part of SyncAgent the decision reads: whether anything waits to be sent."""

    def __init__(self, work: bool) -> None:
        self.work = work

    def has_work(self) -> bool:
        return self.work


def runner(*, work: bool, push_s: float = 5.0, last_success_ago_s: float | None = None) -> Any:
    settings = SyncSettings(push_interval_s=push_s, hotlist_interval_s=10, heartbeat_interval_s=30)
    made = SyncRunner(Agent(work), settings)  # type: ignore[arg-type]
    if last_success_ago_s is not None:
        made._last_success = time.monotonic() - last_success_ago_s
    return made


def test_a_hotlist_tick_soon_after_an_exchange_makes_none() -> None:
    # The exchange 3 s ago carried the hotlist pull; its reply held the changes.
    assert not runner(work=False, last_success_ago_s=3)._exchange_needed({"hotlist"}, False)


def test_a_hotlist_tick_after_a_quiet_interval_pulls() -> None:
    assert runner(work=False, last_success_ago_s=11)._exchange_needed({"hotlist"}, False)


def test_a_hotlist_tick_before_any_exchange_pulls() -> None:
    assert runner(work=False)._exchange_needed({"hotlist"}, False)


def test_a_heartbeat_rides_on_the_next_push_when_reads_wait() -> None:
    assert not runner(work=True, last_success_ago_s=1)._exchange_needed({"heartbeat"}, True)


def test_a_heartbeat_goes_alone_when_nothing_waits() -> None:
    assert runner(work=False, last_success_ago_s=1)._exchange_needed({"heartbeat"}, True)


def test_a_heartbeat_goes_alone_when_pushes_are_paced_far_apart() -> None:
    slow = runner(work=True, push_s=HEARTBEAT_RIDES_WITHIN_S + 50, last_success_ago_s=1)
    assert slow._exchange_needed({"heartbeat"}, True)


def test_the_push_after_a_deferred_heartbeat_carries_it_even_with_nothing_to_push() -> None:
    assert runner(work=False, last_success_ago_s=4)._exchange_needed({"push"}, True)


def test_a_push_tick_with_nothing_waiting_makes_none() -> None:
    assert not runner(work=False, last_success_ago_s=4)._exchange_needed({"push"}, False)


@pytest.mark.parametrize("kind", ["start", "wake", "retry"])
def test_start_wake_and_retry_always_exchange(kind: str) -> None:
    assert runner(work=False, last_success_ago_s=1)._exchange_needed({kind}, False)
