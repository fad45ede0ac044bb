"""The node's live hotlist as the ingest writer and the import match reads against it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from local_node.db.tables import HotlistEntry, NodeState
from local_node.domain.hotlist import HotlistMatcher, LiveEntry


def hotlist_rev(conn: Connection) -> int:
    """The hotlist's revision (bumped on every change): reload the matcher when it moves."""
    stmt = select(col(NodeState.hotlist_rev)).where(col(NodeState.id) == 1)
    return int(conn.execute(stmt).scalar_one())


def live_matcher(conn: Connection) -> HotlistMatcher[LiveEntry]:
    """A matcher over every entry not deleted (expired ones never match: the matcher's rule)."""
    entries = conn.execute(
        select(
            col(HotlistEntry.list_name),
            col(HotlistEntry.plate_norm),
            col(HotlistEntry.reason),
            col(HotlistEntry.priority),
            col(HotlistEntry.expires_at),
        ).where(col(HotlistEntry.deleted).is_(False))
    ).all()
    return HotlistMatcher(LiveEntry(*e) for e in entries)
