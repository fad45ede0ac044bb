"""Day-2 management shared by the CLI and the admin API: cameras and tokens as both show them.

The CLI (`node cameras ...`, `node tokens ...`) and the API (`/api/v1/cameras`, `/api/v1/tokens`)
print the same fields from the same functions, so that they cannot disagree.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from local_node import credentials
from local_node.audit.recorder import Auditor
from local_node.db import access
from sync_protocol.audit import AuditAction

QUIET_AFTER = timedelta(hours=1)
"""A camera with no read for this long is reported as `quiet` (maybe down, maybe no traffic)."""
CAMERA_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$"
CAMERA_NAME = re.compile(CAMERA_NAME_PATTERN)
CAMERA_NAME_RULE = "use letters, digits, space, dot, dash or underscore (max 64, no '..')"


def valid_camera_name(name: str) -> bool:
    """Whether ``name`` could be a folder name and a label (the image store uses ids anyway)."""
    return bool(CAMERA_NAME.match(name)) and ".." not in name


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def health_of(enabled: bool, last_read_at: datetime | None, now: datetime) -> str:
    """disabled, never (no read yet), ok (a read in the last hour) or quiet."""
    if not enabled:
        return "disabled"
    if last_read_at is None:
        return "never"
    return "ok" if now - last_read_at <= QUIET_AFTER else "quiet"


def camera_json(camera: Any) -> dict[str, Any]:
    """A camera as `cameras rename|disable|enable|delete --json` and the API show it."""
    return {
        "camera_id": camera.id,
        "name": camera.name,
        "enabled": not camera.disabled,
        "created_at": iso(camera.created_at),
    }


def camera_rows(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    """Every camera (not deleted) with its last read, reads today (UTC) and health."""
    rows = []
    for item in access.camera_health(engine, now):
        row = camera_json(item.camera)
        row["last_read_at"] = iso(item.last_read_at)
        row["reads_today"] = item.reads_today
        row["health"] = health_of(row["enabled"], item.last_read_at, now)
        rows.append(row)
    return rows


def rotated_json(cred: access.NewCredential, now: datetime, grace: timedelta) -> dict[str, Any]:
    """The new key (shown once) and until when the old one works (null: it stopped now)."""
    until = now + grace if grace > timedelta(0) else None
    return {"camera_id": cred.id, "api_key": cred.secret, "old_key_valid_until": iso(until)}


def audit_rotation(auditor: Auditor, cred: access.NewCredential, grace: timedelta) -> None:
    """Record a camera key's rotation: the camera and the old key's grace, never a key."""
    auditor.record(
        AuditAction.KEY_ROTATE,
        target=f"camera:{cred.id}",
        detail={"camera": cred.name, "grace_s": int(grace.total_seconds())},
    )


def url_token_json(cred: access.NewCredential) -> dict[str, Any]:
    """A camera's new ingest URL token and its path, shown once (``{vendor}`` to fill in)."""
    return {
        "camera_id": cred.id,
        "name": cred.name,
        "url_token": cred.secret,
        "path": credentials.ingest_path("{vendor}", cred.secret),
    }


def audit_url_token(auditor: Auditor, camera_id: str, change: str) -> None:
    """Record a camera's ingest URL token created, rotated or revoked; never the token."""
    action = {
        "created": AuditAction.KEY_CREATE,
        "rotated": AuditAction.KEY_ROTATE,
        "revoked": AuditAction.KEY_REVOKE,
    }[change]
    auditor.record(action, target=f"camera:{camera_id}", detail={"credential": "ingest_url"})


def audit_camera_change(auditor: Auditor, camera_id: str, **change: Any) -> None:
    """Record a camera renamed, disabled (its key refused) or enabled."""
    auditor.record(AuditAction.CAMERA_CHANGE, target=f"camera:{camera_id}", detail=change)


def token_status(token: Any, now: datetime) -> str:
    """revoked, expired or active."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def token_json(token: Any, now: datetime) -> dict[str, Any]:
    """What may be shown of a token: everything but its secret (only its digest is stored)."""
    return {
        "token_id": token.id,
        "name": token.name,
        "role": token.role,
        "status": token_status(token, now),
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
        "last_used_at": iso(token.last_used_at),
    }
