"""What `/api/v1/status` shows of the sync agent (read from the database: the agent may run
in another process)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from local_node.sync import store


@dataclass(frozen=True)
class SyncSummary:
    """The agent's progress as the status endpoint reports it."""

    site_id: str | None
    cloud_url: str | None
    backlog_count: int
    backlog_oldest_age_s: float | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    cloud_reachable: bool
    hotlist_version: int


def summary(
    conn: Connection, now: datetime, *, fresh_s: float, default_cloud_url: str | None
) -> SyncSummary:
    """The agent's state; the cloud counts as reachable when the last exchange succeeded
    within ``fresh_s`` seconds."""
    state = store.load_state(conn)
    backlog = store.backlog(conn, now) if state["site_id"] else None
    success, attempt = state["last_success_at"], state["last_attempt_at"]
    reachable = (
        success is not None
        and (attempt is None or success >= attempt)
        and now - success <= timedelta(seconds=fresh_s)
    )
    return SyncSummary(
        site_id=state["site_id"],
        cloud_url=state["cloud_url"] or default_cloud_url,
        backlog_count=backlog.count if backlog else 0,
        backlog_oldest_age_s=backlog.oldest_age_s if backlog else None,
        last_success_at=success,
        last_attempt_at=attempt,
        last_error=state["last_error"],
        cloud_reachable=reachable,
        hotlist_version=state["hotlist_version"],
    )
