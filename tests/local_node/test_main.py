"""create_app's roles: one process with every job, or a serving worker with none of them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from local_node.config import NodeSettings
from local_node.main import create_app
from local_node.sync.lock import AgentLock, AgentLockHeld


def _settings(tmp_path: Path) -> NodeSettings:
    return NodeSettings(data_dir=tmp_path / "node", min_free_bytes=0)


def _while_running(app: FastAPI, check: Callable[[], bool]) -> bool:
    """``check()`` while the app's lifespan (its services and jobs) runs."""

    async def run() -> bool:
        async with app.router.lifespan_context(app):
            return check()

    return asyncio.run(run())


def _scheduler_running() -> bool:
    return any(t.name == "APScheduler" for t in threading.enumerate())


def _agent_lock_free(data_dir: Path) -> bool:
    try:
        AgentLock(data_dir).acquire().release()
    except AgentLockHeld:
        return False
    return True


def test_a_worker_runs_no_retention_schedule(tmp_path: Path) -> None:
    assert not _while_running(create_app(_settings(tmp_path), worker=True), _scheduler_running)


def test_one_process_runs_the_retention_schedule(tmp_path: Path) -> None:
    assert _while_running(create_app(_settings(tmp_path)), _scheduler_running)


def test_a_worker_leaves_the_sync_agent_to_the_parent(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    app = create_app(settings, worker=True)
    assert _while_running(app, lambda: _agent_lock_free(settings.data_dir))


def test_one_process_runs_the_sync_agent(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert not _while_running(create_app(settings), lambda: _agent_lock_free(settings.data_dir))
