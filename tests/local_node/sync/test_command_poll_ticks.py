"""When the poll tick asks the cloud whether commands wait, and when that makes an exchange."""

from __future__ import annotations

import time
from typing import Any

from local_node.config import SyncSettings
from local_node.sync.agent import ExchangeOutcome
from local_node.sync.scheduler import SyncRunner


class Commands:
    """The agent's image commands as the tick sees them: whether the cloud says some wait."""

    def __init__(self, waiting: bool) -> None:
        self.answer = waiting
        self.polls = 0

    def waiting(self) -> bool:
        self.polls += 1
        return self.answer


class Agent:
    def __init__(self, waiting: bool) -> None:
        self.images = Commands(waiting)

    def has_work(self) -> bool:
        return False

    def exchange(self, *, heartbeat: bool = False) -> ExchangeOutcome:
        return ExchangeOutcome(enrolled=False)

    def close(self) -> None:
        pass


def runner(*, waiting: bool, last_success_ago_s: float) -> Any:
    made = SyncRunner(Agent(waiting), SyncSettings(command_poll_s=2))  # type: ignore[arg-type]
    made._last_success = time.monotonic() - last_success_ago_s
    return made


def test_an_idle_node_exchanges_when_the_poll_says_commands_wait() -> None:
    assert runner(waiting=True, last_success_ago_s=5)._exchange_needed({"poll"}, False)


def test_an_idle_node_makes_no_exchange_when_nothing_waits() -> None:
    made = runner(waiting=False, last_success_ago_s=5)
    assert not made._exchange_needed({"poll"}, False)
    assert made.agent.images.polls == 1


def test_no_poll_right_after_an_exchange() -> None:
    made = runner(waiting=True, last_success_ago_s=0.2)
    assert not made._exchange_needed({"poll"}, False)
    assert made.agent.images.polls == 0


def test_the_poll_after_an_exchange_it_started_is_not_skipped() -> None:
    # The exchange a poll started ends just after its tick: the next tick, a period later,
    # finds a little less than a period since then, and must still poll.
    made = runner(waiting=False, last_success_ago_s=1.9)
    made._exchange_needed({"poll"}, False)
    assert made.agent.images.polls == 1


def jobs(poll_s: float) -> list[str]:
    made = SyncRunner(Agent(False), SyncSettings(command_poll_s=poll_s))  # type: ignore[arg-type]
    made.start()
    try:
        return made.job_ids()
    finally:
        made.stop()


def test_the_poll_job_runs_by_default_and_not_when_its_period_is_zero() -> None:
    assert "poll" in jobs(2) and "poll" not in jobs(0)
