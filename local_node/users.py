"""Local users of the site's web app: who they are, signing in, and sessions that end.

Server-side sessions rather than signed cookies: the browser holds a random session id, the
database only its SHA-256 digest, so sign-out, a disabled user and a reset password end a
session at once (a signed cookie would stay valid until it expires). A session ends after
``idle`` without use or ``max_age`` after sign-in, whichever comes first. Its last use is
written at most once a minute, so that live fragments polled every two seconds do not make
every page view a database write.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from local_node.audit.recorder import Auditor
from local_node.db import users as store
from local_node.db.users import SessionUser
from local_node.errors import Conflict, InvalidInput, NotFound
from sync_protocol.audit import AuditAction
from sync_protocol.passwords import generate_password, hash_password, verify_password

ROLES = ("admin", "viewer")
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
USERNAME_RULE = "1-64 letters, digits, dot, dash, underscore or @, starting with a letter or digit"
MIN_PASSWORD = 8
TOUCH_EVERY = timedelta(minutes=1)
_USERNAME = re.compile(USERNAME_PATTERN)


@dataclass(frozen=True)
class SessionPolicy:
    """When sessions end."""

    idle: timedelta
    max_age: timedelta


@dataclass(frozen=True)
class NewUser:
    """A user just made (or whose password was just reset); the password is shown once."""

    username: str
    password: str
    role: str


def session_digest(session_id: str) -> str:
    """What the database keeps of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters")


def _audit(auditor: Auditor | None, action: AuditAction, username: str, **detail: Any) -> None:
    # After the change has committed (the user store owns its transactions); the password
    # itself is never recorded, only that it changed.
    if auditor is not None:
        auditor.record(action, target=f"user:{username}", detail=detail)


def create_user(
    engine: Engine,
    username: str,
    role: str,
    now: datetime,
    password: str | None = None,
    auditor: Auditor | None = None,
) -> NewUser:
    """Add a user; a password is generated when none is given. Raise InvalidInput, Conflict."""
    if not _USERNAME.match(username):
        raise InvalidInput(f"username: {USERNAME_RULE}")
    if role not in ROLES:
        raise InvalidInput("role must be admin or viewer")
    password = password if password is not None else generate_password()
    _check_password(password)
    try:
        store.create_user(engine, username, role, hash_password(password), now)
    except IntegrityError:
        raise Conflict(f"a user named {username!r} exists already") from None
    _audit(auditor, AuditAction.USER_CREATE, username, role=role)
    return NewUser(username=username, password=password, role=role)


def reset_password(
    engine: Engine, username: str, password: str | None = None, auditor: Auditor | None = None
) -> NewUser:
    """Give the user a new password (generated when none given); their sessions end."""
    generated = password is None
    password = password if password is not None else generate_password()
    _check_password(password)
    user = store.change_user(engine, username, password_hash=hash_password(password))
    if user is None:
        raise NotFound(f"no user {username!r}")
    _audit(auditor, AuditAction.USER_PASSWORD, username, generated=generated)
    return NewUser(username=username, password=password, role=user.role)


def set_disabled(
    engine: Engine, username: str, disabled: bool, auditor: Auditor | None = None
) -> dict[str, Any]:
    """Disable (sessions end at once) or enable a user."""
    user = store.change_user(engine, username, disabled=disabled)
    if user is None:
        raise NotFound(f"no user {username!r}")
    action = AuditAction.USER_DISABLE if disabled else AuditAction.USER_UPDATE
    _audit(auditor, action, username, disabled=disabled)
    return user_json(user)


def delete_user(engine: Engine, username: str, auditor: Auditor | None = None) -> None:
    """Delete a user and end their sessions; raise NotFound."""
    if not store.delete_user(engine, username):
        raise NotFound(f"no user {username!r}")
    _audit(auditor, AuditAction.USER_REVOKE, username, deleted=True)


def user_json(user: Any) -> dict[str, Any]:
    """What `node users list --json` shows of a user (never the hash)."""
    return {
        "username": user.username,
        "role": user.role,
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat(),
    }


def list_users(engine: Engine) -> Sequence[dict[str, Any]]:
    """Every user, by name."""
    return [user_json(u) for u in store.list_users(engine)]


def sign_in(
    engine: Engine, username: str, password: str, now: datetime, policy: SessionPolicy
) -> str | None:
    """A new session id for a right username and password of an enabled user, else None."""
    user = store.get_user(engine, username) if len(username) <= 64 else None
    # verify_password spends the same time on an unknown user: no enumeration by timing.
    ok = verify_password(password, user.password_hash if user is not None else None)
    if user is None or not ok or user.disabled:
        return None
    session_id = secrets.token_urlsafe(32)
    store.add_session(engine, session_digest(session_id), user, now, now + policy.max_age)
    return session_id


def session_user(
    engine: Engine, session_id: str | None, now: datetime, policy: SessionPolicy
) -> SessionUser | None:
    """The user of a live session, noting its use; None if it ended (or never was)."""
    if not session_id or len(session_id) > 128:
        return None
    digest = session_digest(session_id)
    found = store.session_user(engine, digest, now, now - policy.idle)
    if found is None:
        return None
    user, last_seen = found
    if now - last_seen >= min(TOUCH_EVERY, policy.idle / 4):  # short idle limits in tests
        store.touch_session(engine, digest, now)
    return user


def sign_out(engine: Engine, session_id: str | None) -> None:
    """End this session."""
    if session_id and len(session_id) <= 128:
        store.end_session(engine, session_digest(session_id))
