"""Data access for cameras and API tokens: who may post reads and call the local API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from local_node import credentials
from local_node.db.tables import ApiToken, Camera, Detection

# last_used_at is written at most this often per token: a write per request would make
# every read-only API call a writer on SQLite.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewCredential:
    """A freshly made credential; the secret is shown once and never stored."""

    id: str
    name: str
    secret: str


@dataclass(frozen=True)
class CameraHealth:
    """A camera with when it last posted and how many reads it posted since a time.

    ``reads_today`` counts from the ``since`` given to ``camera_health`` (UTC midnight
    unless another start was asked for, e.g. the last hour for /api/v1/status).
    """

    camera: Camera
    last_read_at: datetime | None
    reads_today: int


def create_camera(engine: Engine, name: str, now: datetime) -> NewCredential:
    """Register a camera and return its one-time API key."""
    key = credentials.new_secret(credentials.CAMERA_KEY_PREFIX)
    camera = Camera(
        id=credentials.new_id(), name=name, key_hash=credentials.digest(key), created_at=now
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(camera)
        session.commit()
    return NewCredential(id=camera.id, name=name, secret=key)


def camera_for_key(engine: Engine, key: str, now: datetime) -> Camera | None:
    """The (not deleted) camera this key belongs to, disabled or not.

    A rotated-out key still matches until its grace period ends.
    """
    hashed = credentials.digest(key)
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(
            select(Camera).where(
                Camera.deleted_at.is_(None),
                or_(
                    Camera.key_hash == hashed,
                    (Camera.previous_key_hash == hashed) & (Camera.previous_key_expires_at > now),
                ),
            )
        ).scalar_one_or_none()


def camera_by_key(engine: Engine, key: str, now: datetime | None = None) -> Camera | None:
    """The enabled camera owning this key, if any."""
    from local_node.clock import utc_now

    camera = camera_for_key(engine, key, now or utc_now())
    return camera if camera is not None and not camera.disabled else None


def camera_for_url_token(engine: Engine, token: str) -> Camera | None:
    """The (not deleted) camera whose live ingest URL token this is, disabled or not."""
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(
            select(Camera).where(
                Camera.deleted_at.is_(None), Camera.url_token_hash == credentials.digest(token)
            )
        ).scalar_one_or_none()


class UrlTokenExists(Exception):
    """The camera has a live URL token already and replacing it was not asked for."""


@dataclass(frozen=True)
class NewUrlToken(NewCredential):
    """A camera's new ingest URL token; ``replaced``: it took the place of a live one."""

    replaced: bool = False


def new_camera_url_token(engine: Engine, ref: str, *, rotate: bool) -> NewUrlToken | None:
    """Give the camera a new ingest URL token (its old one, if any, stops at once).

    None if there is no such camera; UrlTokenExists if it has one and ``rotate`` is false,
    so that a URL a camera is using is never replaced by mistake.
    """
    token = credentials.new_secret(credentials.URL_TOKEN_PREFIX)
    with Session(engine, expire_on_commit=False) as session:
        camera = find_camera(session, ref)
        if camera is None:
            return None
        replaced = camera.url_token_hash is not None
        if replaced and not rotate:
            raise UrlTokenExists(camera.id)
        camera.url_token_hash = credentials.digest(token)
        session.commit()
        return NewUrlToken(id=camera.id, name=camera.name, secret=token, replaced=replaced)


def revoke_camera_url_token(engine: Engine, ref: str) -> Camera | None:
    """Stop the camera's ingest URL token (its API key stays); None if there is no such camera."""
    with Session(engine, expire_on_commit=False) as session:
        camera = find_camera(session, ref)
        if camera is None:
            return None
        camera.url_token_hash = None
        session.commit()
        return camera


def list_cameras(engine: Engine, *, include_deleted: bool = False) -> Sequence[Camera]:
    """The registered cameras by name (deleted ones only if asked)."""
    query = select(Camera).order_by(Camera.name)
    if not include_deleted:
        query = query.where(Camera.deleted_at.is_(None))
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(query).scalars().all()


def camera_health(
    engine: Engine, now: datetime, since: datetime | None = None
) -> list[CameraHealth]:
    """Every camera (not deleted) with its last read and its reads since ``since`` (midnight).

    Index walks only, whatever the size of the log: a camera's last read is its highest seq
    (ix_detections_camera_seq); its reads since a time are those from the first seq received
    at or after it (reads get their seq in the order they are received).
    """
    midnight = since or now.replace(hour=0, minute=0, second=0, microsecond=0)
    cameras = list_cameras(engine)
    out = []
    with engine.connect() as conn:
        first_today = conn.execute(
            select(Detection.seq)
            .where(Detection.received_at >= midnight)
            .order_by(Detection.received_at)
            .limit(1)
        ).scalar_one_or_none()
        for cam in cameras:
            seen = conn.execute(
                select(Detection.received_at)
                .where(Detection.camera_id == cam.id)
                .order_by(Detection.seq.desc())
                .limit(1)
            ).scalar_one_or_none()
            today = 0
            if first_today is not None:
                today = conn.execute(
                    select(func.count())
                    .select_from(Detection)
                    .where(Detection.camera_id == cam.id, Detection.seq >= first_today)
                ).scalar_one()
            out.append(CameraHealth(cam, seen, int(today)))
    return out


def find_camera(session: Session, ref: str) -> Camera | None:
    """The (not deleted) camera with this id or name."""
    return session.exec(
        select(Camera).where(Camera.deleted_at.is_(None), or_(Camera.id == ref, Camera.name == ref))
    ).scalar_one_or_none()


def rename_camera(engine: Engine, ref: str, name: str) -> Camera | None:
    """Give the camera a new name (IntegrityError if taken); None if there is no such camera."""
    with Session(engine, expire_on_commit=False) as session:
        camera = find_camera(session, ref)
        if camera is None:
            return None
        camera.name = name
        session.commit()
        return camera


def set_camera_disabled(engine: Engine, ref: str, disabled: bool) -> Camera | None:
    """Disable or enable the camera; None if there is no such camera."""
    with Session(engine, expire_on_commit=False) as session:
        camera = find_camera(session, ref)
        if camera is None:
            return None
        camera.disabled = disabled
        session.commit()
        return camera


def rotate_camera_key(
    engine: Engine, ref: str, now: datetime, grace: timedelta
) -> NewCredential | None:
    """Give the camera a new key; the old one keeps working for ``grace`` (none if zero)."""
    key = credentials.new_secret(credentials.CAMERA_KEY_PREFIX)
    with Session(engine, expire_on_commit=False) as session:
        camera = find_camera(session, ref)
        if camera is None:
            return None
        if grace > timedelta(0):
            camera.previous_key_hash = camera.key_hash
            camera.previous_key_expires_at = now + grace
        else:
            camera.previous_key_hash = camera.previous_key_expires_at = None
        camera.key_hash = credentials.digest(key)
        session.commit()
        return NewCredential(id=camera.id, name=camera.name, secret=key)


def delete_camera(engine: Engine, ref: str, now: datetime) -> Camera | None:
    """Stop the camera's keys and URL token for good, free its name; its reads stay.

    The row stays because detections point at it; its name becomes ``<name> (deleted <id>)``
    so a new camera may take the old name.
    """
    with Session(engine, expire_on_commit=False) as session:
        camera = find_camera(session, ref)
        if camera is None:
            return None
        camera.deleted_at = now
        camera.disabled = True
        camera.name = f"{camera.name[:40]} (deleted {camera.id})"
        camera.key_hash = "deleted:" + camera.id  # never a digest, so no key matches it
        camera.previous_key_hash = camera.previous_key_expires_at = None
        camera.url_token_hash = None
        session.commit()
        return camera


def create_token(
    engine: Engine,
    role: str,
    now: datetime,
    *,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> NewCredential:
    """Make an API token for scripts and the local UI."""
    token = credentials.new_secret(credentials.TOKEN_PREFIX)
    row = ApiToken(
        id=credentials.new_id(),
        role=role,
        token_hash=credentials.digest(token),
        created_at=now,
        name=name,
        expires_at=expires_at,
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(row)
        session.commit()
    return NewCredential(id=row.id, name=name or role, secret=token)


def token_for(engine: Engine, token: str, now: datetime) -> ApiToken | None:
    """The (not revoked) token row of this secret, expired or not; notes its use."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(
            select(ApiToken).where(
                ApiToken.token_hash == credentials.digest(token), ApiToken.revoked_at.is_(None)
            )
        ).scalar_one_or_none()
        if row is not None and (
            row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION
        ):
            try:
                session.execute(
                    update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
                )
                session.commit()
            except OperationalError:  # a busy writer: the use is noted next time
                session.rollback()
        return row


def token_role(engine: Engine, token: str) -> str | None:
    """The role of a live (not revoked, not expired) token, or None."""
    from local_node.clock import utc_now

    now = utc_now()
    row = token_for(engine, token, now)
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return row.role


def list_tokens(engine: Engine) -> Sequence[ApiToken]:
    """Every token (revoked ones too), oldest first."""
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(select(ApiToken).order_by(ApiToken.created_at)).scalars().all()


def revoke_token(engine: Engine, token_id: str, now: datetime) -> ApiToken | None:
    """Revoke the token (the first revocation time stays); None if there is no such token."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = now
            session.commit()
        return row
