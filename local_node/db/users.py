"""Data access for the web app's local users and their sign-in sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from local_node.db.tables import LocalUser, WebSession


@dataclass(frozen=True)
class SessionUser:
    """A live session's user as a page needs it."""

    username: str
    role: str


def create_user(
    engine: Engine, username: str, role: str, password_hash: str, now: datetime
) -> None:
    """Add a user (IntegrityError if the name is taken)."""
    with Session(engine) as session:
        session.add(
            LocalUser(username=username, role=role, password_hash=password_hash, created_at=now)
        )
        session.commit()


def get_user(engine: Engine, username: str) -> LocalUser | None:
    """The user of this name, if any."""
    with Session(engine, expire_on_commit=False) as session:
        return session.get(LocalUser, username)


def list_users(engine: Engine) -> Sequence[LocalUser]:
    """Every user by name."""
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(select(LocalUser).order_by(LocalUser.username)).scalars().all()


def change_user(
    engine: Engine,
    username: str,
    *,
    password_hash: str | None = None,
    disabled: bool | None = None,
) -> LocalUser | None:
    """Set a new password hash and/or the disabled flag; the version goes up (old sessions end).

    None if there is no such user.
    """
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(LocalUser, username)
        if user is None:
            return None
        if password_hash is not None:
            user.password_hash = password_hash
        if disabled is not None:
            user.disabled = disabled
        user.version += 1
        session.execute(delete(WebSession).where(WebSession.username == username))
        session.commit()
        return user


def delete_user(engine: Engine, username: str) -> bool:
    """Delete the user and their sessions; False if there is no such user."""
    with Session(engine) as session:
        user = session.get(LocalUser, username)
        if user is None:
            return False
        session.execute(delete(WebSession).where(WebSession.username == username))
        session.delete(user)
        session.commit()
        return True


def add_session(
    engine: Engine, id_hash: str, user: LocalUser, now: datetime, expires_at: datetime
) -> None:
    """Store a new session (by its digest) for ``user``; ended sessions are swept here."""
    with Session(engine) as session:
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        session.add(
            WebSession(
                id_hash=id_hash,
                username=user.username,
                user_version=user.version,
                created_at=now,
                expires_at=expires_at,
                last_seen_at=now,
            )
        )
        session.commit()


def session_user(
    engine: Engine, id_hash: str, now: datetime, idle_since: datetime
) -> tuple[SessionUser, datetime] | None:
    """The user of a live session and when it was last seen; None if ended.

    Ended: unknown, past its absolute end, unused since before ``idle_since``, its user
    disabled or deleted, or the user's password reset since (version changed).
    """
    stmt = (
        select(LocalUser.username, LocalUser.role, WebSession.last_seen_at)
        .join(LocalUser, LocalUser.username == WebSession.username)
        .where(
            WebSession.id_hash == id_hash,
            WebSession.expires_at > now,
            WebSession.last_seen_at > idle_since,
            WebSession.user_version == LocalUser.version,
            LocalUser.disabled.is_(False),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).one_or_none()
    if row is None:
        return None
    return SessionUser(username=row.username, role=row.role), row.last_seen_at


def touch_session(engine: Engine, id_hash: str, now: datetime) -> None:
    """Note that the session was used now (skipped when the writer is busy: noted next time)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=now)
            )
    except OperationalError:
        pass


def end_session(engine: Engine, id_hash: str) -> None:
    """Forget a session (sign-out)."""
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
