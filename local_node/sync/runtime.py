"""Starting and stopping the agent inside a process: the lock, the agent, the schedule."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import httpx

from local_node.services import NodeServices
from local_node.sync.agent import SyncAgent
from local_node.sync.lock import AgentLock, AgentLockHeld
from local_node.sync.scheduler import SyncRunner

log = logging.getLogger(__name__)


@dataclass
class RunningAgent:
    """An agent holding the node's lock; ``stop()`` ends it and lets another one run."""

    lock: AgentLock
    runner: SyncRunner

    def stop(self) -> None:
        """Stop the schedule (waiting for a running exchange), then release the lock."""
        try:
            self.runner.stop()
        finally:
            self.lock.release()


def start_agent(
    services: NodeServices,
    *,
    transport: httpx.BaseTransport | None = None,
    rng: random.Random | None = None,
) -> RunningAgent:
    """Take the lock and run the agent beside the node's writer (its hits wake the agent).

    Raises ``AgentLockHeld`` if another agent runs for this node.
    """
    lock = AgentLock(services.settings.data_dir).acquire()
    try:
        agent = SyncAgent(
            engine=services.engine,
            settings=services.settings,
            clock=services.clock,
            started_at=services.started_at,
            transport=transport,
        )
        runner = SyncRunner(agent, services.settings, rng=rng)
        services.writer.add_hit_listener(runner.on_hits)
        runner.start()
    except BaseException:
        lock.release()
        raise
    return RunningAgent(lock, runner)


def start_agent_or_log(services: NodeServices) -> RunningAgent | None:
    """``start_agent`` for `node serve`: if another agent holds the lock, serve without one."""
    try:
        return start_agent(services)
    except AgentLockHeld as exc:
        log.warning("%s; serving without a sync agent", exc)
        return None
