"""``UserStore`` on SQL: staff users, case-insensitive usernames."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cloud_plane.errors import Conflict
from cloud_plane.records.users import Role, User
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import UserRow


class SqlUsers:
    """``UserStore`` over the user table."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def create_user(
        self,
        username: str,
        password_hash: str | None,
        role: Role,
        sites: Collection[str],
        *,
        now: datetime,
    ) -> User:
        """Create a staff user; raise Conflict if the username exists."""
        name = username.strip().lower()
        row = {
            "username": name,
            "password_hash": password_hash,
            "role": role,
            "sites_json": json.dumps(sorted(set(sites))),
            "created_at": now,
        }
        try:
            with self._db.tx(write=True) as conn:
                conn.execute(self._db.insert(conn, UserRow).values(row))
        except IntegrityError:
            raise Conflict(f"user {name!r} already exists") from None
        return _user(row)

    def get_user(self, username: str) -> User | None:
        """Return the user (case-insensitive) or None."""
        with self._db.tx() as conn:
            row = conn.execute(
                select(UserRow).where(UserRow.username == username.strip().lower())
            ).first()
        return None if row is None else _user(row._mapping)


def _user(row: Any) -> User:
    return User(
        username=row["username"],
        role=row["role"],
        sites=frozenset(json.loads(row["sites_json"])),
        created_at=row["created_at"],
        password_hash=row["password_hash"],
    )
