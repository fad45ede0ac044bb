"""``UserStore`` on SQL: staff users, case-insensitive usernames."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cloud_plane.errors import Conflict, NotFound
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
        name = _name(username)
        row = {
            "username": name,
            "password_hash": password_hash,
            "role": role,
            "sites_json": json.dumps(sorted(set(sites))),
            "created_at": now,
            "disabled": False,
            "token_version": 0,
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
            row = conn.execute(select(UserRow).where(UserRow.username == _name(username))).first()
        return None if row is None else _user(row._mapping)

    def list_users(self) -> list[User]:
        """Return every user by username."""
        with self._db.tx() as conn:
            rows = conn.execute(select(UserRow).order_by(UserRow.username)).all()
        return [_user(row._mapping) for row in rows]

    def disable_user(self, username: str) -> User:
        """Disable and revoke (a second call changes nothing)."""
        return self._change(
            username,
            only_if=UserRow.disabled.is_(False),
            disabled=True,
            token_version=UserRow.token_version + 1,
        )

    def enable_user(self, username: str) -> User:
        """Enable again; the version stays, so tokens from before the disabling stay dead."""
        return self._change(username, disabled=False)

    def set_role(self, username: str, role: Role, sites: Collection[str]) -> User:
        """Replace role and scope (tokens stay: role and sites are read on every request)."""
        return self._change(username, role=role, sites_json=json.dumps(sorted(set(sites))))

    def set_password(self, username: str, password_hash: str) -> User:
        """Replace the hash and revoke every token issued under the old password."""
        return self._change(
            username, password_hash=password_hash, token_version=UserRow.token_version + 1
        )

    def _change(self, username: str, *, only_if: Any = None, **values: Any) -> User:
        name = _name(username)
        with self._db.tx(write=True) as conn:
            where = UserRow.username == name
            stmt = update(UserRow).where(where if only_if is None else where & only_if)
            conn.execute(stmt.values(**values))
            row = conn.execute(select(UserRow).where(where)).first()
        if row is None:
            raise NotFound(f"no user {name!r}")
        return _user(row._mapping)


def _name(username: str) -> str:
    return username.strip().lower()


def _user(row: Any) -> User:
    return User(
        username=row["username"],
        role=row["role"],
        sites=frozenset(json.loads(row["sites_json"])),
        created_at=row["created_at"],
        password_hash=row["password_hash"],
        disabled=bool(row["disabled"]),
        token_version=int(row["token_version"]),
    )
