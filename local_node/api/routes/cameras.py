"""Cameras for an admin: list with health, add, rename, disable/enable, rotate key, ingest URL
token (make, rotate, revoke), delete.

Thin over `local_node.manage` and `local_node.db.access`, like `edgesync node cameras ...`:
both show the same fields. A CAMERA in the path is the camera's id or its name. Changes made
here drop this process's camera-key cache, so a disabled, deleted or rotated-out key (or URL
token) is refused at once here (other serving processes within `local_node.auth.CACHE_SECONDS`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from local_node import manage
from local_node.auth import forget_cached_cameras
from local_node.db import access
from local_node.deps import AdminAudit, AdminAuth, Services
from local_node.errors import Conflict, InvalidInput, NotFound
from sync_protocol.audit import AuditAction

router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])

CameraRef = Annotated[str, Path(min_length=1, max_length=128, description="Camera id or name")]
NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_GRACE_S = 24 * 3600.0
_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "No token, or an unknown, revoked or expired one"},
    403: {"description": "The token is not an admin token"},
}
_NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such camera"}}
_TAKEN: dict[int | str, dict[str, str]] = {409: {"description": "A camera has this name"}}

CameraName = Annotated[
    str, Field(pattern=manage.CAMERA_NAME_PATTERN, description=manage.CAMERA_NAME_RULE)
]


class CameraOut(BaseModel):
    camera_id: str
    name: str
    enabled: bool
    created_at: str


class CameraHealthOut(CameraOut):
    last_read_at: str | None
    reads_today: int
    health: str = Field(description="ok, quiet (no read for an hour), never or disabled")


class CameraListOut(BaseModel):
    cameras: list[CameraHealthOut]


class CameraIn(BaseModel):
    """A camera to register."""

    name: CameraName


class CameraCreatedOut(BaseModel):
    camera_id: str
    api_key: str = Field(description="Shown once; only its digest is stored")


class CameraPatch(BaseModel):
    """What to change; fields left out stay."""

    name: CameraName | None = None
    enabled: bool | None = Field(default=None, description="false: its key gets 401")


class RotateIn(BaseModel):
    grace_s: float = Field(
        default=DEFAULT_GRACE_S, ge=0, le=366 * 86400, description="How long the old key works"
    )


class RotatedOut(BaseModel):
    camera_id: str
    api_key: str = Field(description="Shown once; only its digest is stored")
    old_key_valid_until: str | None = Field(description="null: the old key stopped now")


class IngestUrlIn(BaseModel):
    rotate: bool = Field(
        default=False, description="Replace the camera's live URL token (it is refused at once)"
    )


class IngestUrlOut(BaseModel):
    camera_id: str
    name: str
    url_token: str = Field(description="Shown once; only its digest is stored")
    path: str = Field(
        description="Where the camera posts: /api/v1/ingest/{vendor}/k/<token>, with {vendor} "
        "the ingest route (platerecognizer, openalpr, ...). A secret, as the key is."
    )


def _checked(name: str) -> str:
    if not manage.valid_camera_name(name):
        raise InvalidInput(f"camera name: {manage.CAMERA_NAME_RULE}")
    return name


@router.get("", response_model=CameraListOut, responses=_ERRORS)
def list_cameras(services: Services, _: AdminAuth) -> CameraListOut:
    """Cameras with their last read, reads today (UTC) and health (as `node cameras list`)."""
    rows = manage.camera_rows(services.engine, services.clock())
    return CameraListOut(cameras=[CameraHealthOut(**r) for r in rows])


@router.post("", status_code=201, response_model=CameraCreatedOut, responses={**_ERRORS, **_TAKEN})
def add_camera(body: CameraIn, services: Services, audit: AdminAudit, response: Response) -> dict:
    """Register a camera; its API key is in this answer only (as `node add-camera`)."""
    try:
        cred = access.create_camera(services.engine, _checked(body.name), services.clock())
    except IntegrityError:
        raise Conflict(f"a camera named {body.name!r} exists already") from None
    audit.record(AuditAction.KEY_CREATE, target=f"camera:{cred.id}", detail={"camera": body.name})
    response.headers.update(NO_STORE)
    return {"camera_id": cred.id, "api_key": cred.secret}


@router.patch("/{camera}", response_model=CameraOut, responses={**_ERRORS, **_NOT_FOUND, **_TAKEN})
def change_camera(
    camera: CameraRef, body: CameraPatch, services: Services, audit: AdminAudit
) -> dict:
    """Rename, disable or enable a camera (its key and reads stay)."""
    engine = services.engine
    found = _find(engine, camera)
    if body.name is not None and body.name != found.name:
        try:
            found = access.rename_camera(engine, found.id, _checked(body.name)) or found
        except IntegrityError:
            raise Conflict(f"a camera named {body.name!r} exists already") from None
        manage.audit_camera_change(audit, found.id, name=found.name)
    if body.enabled is not None:
        found = access.set_camera_disabled(engine, found.id, not body.enabled) or found
        forget_cached_cameras(services)
        manage.audit_camera_change(audit, found.id, disabled=not body.enabled)
    return manage.camera_json(found)


@router.post("/{camera}/rotate-key", response_model=RotatedOut, responses={**_ERRORS, **_NOT_FOUND})
def rotate_key(
    camera: CameraRef,
    services: Services,
    audit: AdminAudit,
    response: Response,
    body: RotateIn | None = None,
) -> dict:
    """A new API key (in this answer only); the old one works for ``grace_s`` (default 24 h)."""
    grace = timedelta(seconds=(body or RotateIn()).grace_s)
    now = services.clock()
    cred = access.rotate_camera_key(services.engine, camera, now, grace)
    if cred is None:
        raise _missing(camera)
    forget_cached_cameras(services)
    manage.audit_rotation(audit, cred, grace)
    response.headers.update(NO_STORE)
    return manage.rotated_json(cred, now, grace)


@router.post(
    "/{camera}/ingest-url",
    status_code=201,
    response_model=IngestUrlOut,
    responses={**_ERRORS, **_NOT_FOUND, 409: {"description": "It has one; rotate to replace it"}},
)
def new_ingest_url(
    camera: CameraRef,
    services: Services,
    audit: AdminAudit,
    response: Response,
    body: IngestUrlIn | None = None,
) -> dict:
    """A URL token for a sender that cannot set a header (in this answer only).

    The camera posts to ``path`` instead of sending its key; ``rotate`` replaces a live one.
    """
    rotate = (body or IngestUrlIn()).rotate
    try:
        cred = access.new_camera_url_token(services.engine, camera, rotate=rotate)
    except access.UrlTokenExists:
        raise Conflict(f"camera {camera!r} has an ingest URL; rotate to replace it") from None
    if cred is None:
        raise _missing(camera)
    forget_cached_cameras(services)
    manage.audit_url_token(audit, cred.id, "rotated" if cred.replaced else "created")
    response.headers.update(NO_STORE)
    return manage.url_token_json(cred)


@router.delete(
    "/{camera}/ingest-url", response_model=CameraOut, responses={**_ERRORS, **_NOT_FOUND}
)
def revoke_ingest_url(camera: CameraRef, services: Services, audit: AdminAudit) -> dict:
    """Stop the camera's ingest URL token at once (its API key stays)."""
    found = access.revoke_camera_url_token(services.engine, camera)
    if found is None:
        raise _missing(camera)
    forget_cached_cameras(services)
    manage.audit_url_token(audit, found.id, "revoked")
    return manage.camera_json(found)


@router.delete("/{camera}", response_model=CameraOut, responses={**_ERRORS, **_NOT_FOUND})
def delete_camera(camera: CameraRef, services: Services, audit: AdminAudit) -> dict:
    """Delete a camera: its keys stop working and its name is free; its reads are kept."""
    found = access.delete_camera(services.engine, camera, services.clock())
    if found is None:
        raise _missing(camera)
    forget_cached_cameras(services)
    audit.record(AuditAction.KEY_REVOKE, target=f"camera:{found.id}", detail={"deleted": True})
    return manage.camera_json(found)


def _find(engine, ref: str):
    rows = [c for c in access.list_cameras(engine) if ref in (c.id, c.name)]
    if not rows:
        raise _missing(ref)
    return rows[0]


def _missing(ref: str) -> NotFound:
    return NotFound(f"no camera {ref!r}")
