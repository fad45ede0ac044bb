"""The web sign-in back-off's counts in the node's database, shared by every serving process.

`node serve --workers N` and the full cloud's API tasks each run their own copy of the app;
with counts in memory each would give a guesser its own ramp. Here one transaction reads the
address's and the username's counts, lets ``LoginLimiter`` decide, and writes them back:

- PostgreSQL: under a transaction-scoped advisory lock (sign-ins are rare; taking them one
  at a time costs nothing and leaves no room for two processes to both admit the 6th try);
- SQLite: the transaction's first statement is a write (the clean-up of forgotten rows),
  which takes the database's write lock before anything is read.

Keys are stored as SHA-256 digests (``tables.LoginFailure``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Connection, Engine

from local_node.db import advisory
from local_node.db.tables import LoginFailure
from sync_protocol.login_limiter import Count, Records

TABLE = LoginFailure.__table__  # type: ignore[attr-defined]


def key_hash(kind: str, key: str) -> str:
    """The digest a key is stored under."""
    return hashlib.sha256(f"{kind}\0{key}".encode()).hexdigest()


class SqlLoginCounts:
    """``SharedCounts`` in the node's database (the engine is the app's, found at each call)."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine

    @contextmanager
    def locked(self, keys: list[tuple[str, str]], now: float) -> Iterator[Records]:
        """The keys' counts under the node-wide sign-in lock; written back at the end."""
        hashed = {(kind, key_hash(kind, key)): (kind, key) for kind, key in keys}
        with self._engine().begin() as conn:
            if conn.dialect.name == "postgresql":
                advisory.lock_for_transaction(conn, advisory.SIGN_IN)
            conn.execute(delete(TABLE).where(TABLE.c.forget_at < now))
            records: Records = dict.fromkeys(keys)
            rows = conn.execute(
                select(TABLE).where(tuple_(TABLE.c.kind, TABLE.c.key_hash).in_(list(hashed)))
            )
            for row in rows:
                records[hashed[(row.kind, row.key_hash)]] = Count(
                    row.failures, row.next_at, row.forget_at
                )
            before = {k: None if c is None else Count(**vars(c)) for k, c in records.items()}
            yield records
            for (kind, digest), original in hashed.items():
                count = records.get(original)
                if count != before[original]:
                    _store(conn, kind, digest, count)


def _store(conn: Connection, kind: str, digest: str, count: Count | None) -> None:
    where = (TABLE.c.kind == kind) & (TABLE.c.key_hash == digest)
    conn.execute(delete(TABLE).where(where))
    if count is not None:
        conn.execute(
            TABLE.insert().values(
                kind=kind,
                key_hash=digest,
                failures=count.failures,
                next_at=count.next_at,
                forget_at=count.forget_at,
            )
        )
