"""Starting and stopping the agent inside a process: the lock, the agent, the schedule."""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from sqlalchemy.engine import Engine

from local_node.backups import schedule as backup_schedule
from local_node.backups.job import run_backup, site_zone
from local_node.backups.schedule import BackupSchedule
from local_node.clock import Clock
from local_node.config import NodeSettings
from local_node.images.store import ImageStore
from local_node.ingest.hooks import HitListener
from local_node.sync.agent import SyncAgent
from local_node.sync.db_wake import DatabaseWakeListener, notify_wake, on_postgresql
from local_node.sync.lock import KEEP_EVERY_S, AgentLock, AgentLockHeld
from local_node.sync.scheduler import SyncRunner
from local_node.sync.wake import WakeListener, send_wake

log = logging.getLogger(__name__)


class HitSource(Protocol):
    """Tells listeners of committed reads that hit (`local_node.ingest.writer.IngestWriter`)."""

    def add_hit_listener(self, listener: HitListener) -> None: ...


class AgentHost(Protocol):
    """What the agent needs of the running node; `local_node.services.NodeServices` has it.

    Declared here rather than imported so that sync depends on these few parts, not on the
    composition root that builds ingest and retention (which import sync).
    """

    @property
    def settings(self) -> NodeSettings: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def started_at(self) -> float: ...
    @property
    def images(self) -> ImageStore: ...
    @property
    def writer(self) -> HitSource: ...


@dataclass
class RunningAgent:
    """An agent holding the node's lock; ``stop()`` ends it and lets another one run."""

    lock: AgentLock
    runner: SyncRunner
    wake: WakeListener | None = None
    db_wake: DatabaseWakeListener | None = None

    def stop(self) -> None:
        """Stop the schedule (waiting for a running exchange), then release the lock."""
        try:
            if self.wake is not None:
                self.wake.close()
            if self.db_wake is not None:
                self.db_wake.close()
            self.runner.stop()
        finally:
            self.lock.release()


def start_agent(
    services: AgentHost,
    *,
    transport: httpx.BaseTransport | None = None,
    rng: random.Random | None = None,
) -> RunningAgent:
    """Take the lock and run the agent beside the node's writer (its hits wake the agent).

    Raises ``AgentLockHeld`` if another agent runs for this node.
    """
    lock = AgentLock(services.settings.data_dir, services.engine).acquire()
    try:
        agent = SyncAgent(
            engine=services.engine,
            settings=services.settings.sync,
            data_dir=services.settings.data_dir,
            clock=services.clock,
            started_at=services.started_at,
            transport=transport,
            images=services.images,
        )
        runner = SyncRunner(agent, services.settings.sync, rng=rng)
        services.writer.add_hit_listener(runner.on_hits)
        runner.start()
        keep_lock(runner, lock)
        schedule_backups(runner, services.engine, services.settings, services.clock)
        wake = WakeListener(services.settings.data_dir, runner.wake)  # hits of other processes
        db_wake = listen_on_database(services.engine, runner.wake)  # ... and of other machines
    except BaseException:
        lock.release()
        raise
    return RunningAgent(lock, runner, wake, db_wake)


def keep_lock(runner: SyncRunner, lock: AgentLock) -> None:
    """On PostgreSQL, check the agent's database lock now and then (``AgentLock.keep``)."""
    if lock.in_database:
        runner.add_periodic("agent-lock", lock.keep, KEEP_EVERY_S)


def listen_on_database(engine: Engine, on_wake: Callable[[], None]) -> DatabaseWakeListener | None:
    """On PostgreSQL, hear the hits that processes on other machines store (LISTEN)."""
    return DatabaseWakeListener(engine, on_wake) if on_postgresql(engine) else None


def schedule_backups(
    runner: SyncRunner, engine: Engine, settings: NodeSettings, clock: Clock
) -> BackupSchedule | None:
    """Run the scheduled backup in the agent's scheduler (once per node: where the agent runs)."""
    if not settings.backup.enabled:
        log.info("backup: the scheduled backup is off (EDGESYNC_NODE_BACKUP_ENABLED)")
        return None
    schedule = BackupSchedule(
        functools.partial(run_backup, engine, settings, clock),
        settings.backup.schedule,
        site_zone(settings),
        clock,
    )
    runner.add_periodic("backup", schedule.tick, backup_schedule.CHECK_EVERY_S)
    log.info("backup: next scheduled run at %s", schedule.next_at.isoformat())
    return schedule


def start_agent_or_log(services: AgentHost) -> RunningAgent | None:
    """``start_agent`` for `node serve`: if another agent holds the lock, serve without one."""
    try:
        return start_agent(services)
    except AgentLockHeld as exc:
        log.warning("%s; serving without a sync agent (hits wake it there)", exc)
        wake_remote_agent_on_hits(services)
        return None


def wake_remote_agent_on_hits(services: AgentHost) -> None:
    """In a process without the agent: send each hit's wake-up to the agent's process.

    Called by the writer after the hits' commit, so the agent finds them when it wakes. On
    PostgreSQL a NOTIFY as well: the agent may run on another machine (full cloud).
    """
    data_dir = services.settings.data_dir
    engine = services.engine
    notify = on_postgresql(engine)

    def wake(_hits: list[tuple[str, int]]) -> None:
        send_wake(data_dir)
        if notify:
            notify_wake(engine)

    services.writer.add_hit_listener(wake)
