"""``UserStore`` on DynamoDB: staff users in the one ``USERS`` partition.

Decisions: every user item lives under pk ``USERS`` with sk ``USER#<username>`` (the
username trimmed and lower-cased, ``keys.username``), so ``list_users`` is one strongly
consistent Query in username order, never a Scan (staff are a handful). Each change is one
conditional UpdateItem (``attribute_exists(pk)``: an unknown user is NotFound, never created
by accident) returning the item after it; ``token_version`` is bumped in the same update
expression, so two concurrent revocations both count. ``disable_user`` bumps only when the
user was enabled (a repeated call changes nothing), as the SQL store does.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from cloud_plane.errors import Conflict, NotFound
from cloud_plane.records.users import Role, User
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb

_EXISTS = "attribute_exists(pk)"
_ROLE = {"#role": "role"}  # ROLE is not a reserved word today; named anyway for safety


class DynamoUsers:
    """``UserStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._table = db.table

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
        name = keys.username(username)
        item = {
            **keys.user(name),
            "username": name,
            "password_hash": password_hash,
            "role": role,
            "sites": sorted(set(sites)),
            "created_at": keys.time_text(now),
            "disabled": False,
            "token_version": 0,
        }
        if not self._table.put(item, condition="attribute_not_exists(pk)"):
            raise Conflict(f"user {name!r} already exists")
        return _user(item)

    def get_user(self, username: str) -> User | None:
        """Return the user (case-insensitive) or None."""
        if not username.strip():
            return None
        item = self._table.get(keys.user(username))
        return None if item is None else _user(item)

    def list_users(self) -> list[User]:
        """Return every user by username."""
        items = self._table.query(
            "pk = :pk AND begins_with(sk, :user)",
            values={":pk": keys.USERS, ":user": "USER#"},
            consistent=True,
        )
        return [_user(i) for i in items]

    def disable_user(self, username: str) -> User:
        """Disable and revoke (a second call changes nothing)."""
        changed = self._update(
            username,
            "SET disabled = :yes, token_version = token_version + :one",
            condition=f"{_EXISTS} AND disabled = :no",
            values={":yes": True, ":no": False, ":one": 1},
        )
        return changed or self._existing(username)

    def enable_user(self, username: str) -> User:
        """Enable again; the version stays, so tokens from before the disabling stay dead."""
        return self._changed(username, "SET disabled = :no", values={":no": False})

    def set_role(self, username: str, role: Role, sites: Collection[str]) -> User:
        """Replace role and scope (tokens stay: role and sites are read on every request)."""
        return self._changed(
            username,
            "SET #role = :role, sites = :sites",
            names=_ROLE,
            values={":role": role, ":sites": sorted(set(sites))},
        )

    def set_password(self, username: str, password_hash: str) -> User:
        """Replace the hash and revoke every token issued under the old password."""
        return self._changed(
            username,
            "SET password_hash = :hash, token_version = token_version + :one",
            values={":hash": password_hash, ":one": 1},
        )

    def _changed(self, username: str, expression: str, **kw: Any) -> User:
        changed = self._update(username, expression, condition=_EXISTS, **kw)
        if changed is None:
            raise NotFound(f"no user {keys.username(username)!r}")
        return changed

    def _update(self, username: str, expression: str, **kw: Any) -> User | None:
        if not username.strip():
            raise NotFound("no user ''")
        item = self._table.update(keys.user(username), expression, **kw)
        return None if item is None else _user(item)

    def _existing(self, username: str) -> User:
        user = self.get_user(username)
        if user is None:
            raise NotFound(f"no user {username.strip().lower()!r}")
        return user


def _user(item: dict[str, Any]) -> User:
    return User(
        username=item["username"],
        role=item["role"],
        sites=frozenset(item.get("sites", [])),
        created_at=keys.parse_time_text(item["created_at"]),
        password_hash=item.get("password_hash"),
        disabled=bool(item["disabled"]),
        token_version=int(item["token_version"]),
    )
