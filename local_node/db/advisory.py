"""PostgreSQL session advisory locks of the node, one per job that must not run twice at once.

A node on PostgreSQL may run as several processes on several machines (full cloud: API tasks
and the sync-agent task on Fargate) that share nothing but the database, so the database is
where they agree. Each lock is the two-key form ``pg_advisory_lock(NAMESPACE, job)``: the
first key is ours, the second ``hashtext`` of the job and of the connection's schema, so nodes
that share one database in several schemas (the tests do) do not block one another.

Session locks, not transaction locks: they are held by the connection until released or until
it closes (a killed process's connection ends and its locks go with it), which is what the
agent needs for its lifetime and what survives a migration that commits as it goes.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

NAMESPACE = 0x65_64_67_65  # "edge": the first key of every edgesync advisory lock
MIGRATE = "migrate"
AGENT = "sync-agent"
SIGN_IN = "sign-in"

_KEY = "hashtext(:job || '/' || current_schema())"


def lock(conn: Connection, job: str) -> None:
    """Wait for the job's lock and take it for the connection's session."""
    conn.execute(text(f"SELECT pg_advisory_lock(:ns, {_KEY})"), {"ns": NAMESPACE, "job": job})
    conn.commit()  # nothing to keep in a transaction: the lock belongs to the session


def lock_for_transaction(conn: Connection, job: str) -> None:
    """Wait for the job's lock and hold it until the connection's transaction ends."""
    conn.execute(text(f"SELECT pg_advisory_xact_lock(:ns, {_KEY})"), {"ns": NAMESPACE, "job": job})


def try_lock(conn: Connection, job: str) -> bool:
    """Take the job's lock for the session if it is free; never waits."""
    taken = conn.execute(
        text(f"SELECT pg_try_advisory_lock(:ns, {_KEY})"), {"ns": NAMESPACE, "job": job}
    ).scalar_one()
    conn.commit()
    return bool(taken)


def unlock(conn: Connection, job: str) -> None:
    """Release the job's lock held by the connection's session."""
    conn.execute(text(f"SELECT pg_advisory_unlock(:ns, {_KEY})"), {"ns": NAMESPACE, "job": job})
    conn.commit()


def holders(conn: Connection, job: str) -> int:
    """How many sessions hold the job's lock (for tests and diagnostics; 0 or 1)."""
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                f" AND classid = :ns AND objid = ({_KEY})::oid AND objsubid = 2"
            ),
            {"ns": NAMESPACE, "job": job},
        ).scalar_one()
    )
