"""Cameras: health for everyone; admins add one, rotate its key or ingest URL, disable it.

Thin over `local_node.manage` and `local_node.db.access`, as `node cameras ...` and
`/api/v1/cameras` are. A new or rotated key is in the answer to that POST only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError

from local_node import manage
from local_node.audit.recorder import user_actor
from local_node.auth import forget_cached_cameras
from local_node.db import access
from local_node.deps import Services, request_auditor
from local_node.users import SessionUser
from local_node.web.context import Web, WebContext
from local_node.web.render import page
from local_node.web.session import AdminForm, PageUser
from sync_protocol.audit import AuditAction

router = APIRouter(include_in_schema=False)

ROTATE_GRACE = timedelta(hours=24)
"""As `node cameras rotate-key` by default: the camera has a day to be given its new key."""
CameraRef = Annotated[str, Path(max_length=128)]
INGEST_VENDORS = (
    "platerecognizer",
    "openalpr",
    "alprd",
    "hikvision",
    "axis",
    "survision",
    "genetec",
    "verkada",
)
"""The vendor routes an ingest URL serves (docs/vendors.md); shown beside a new URL."""


def _page(
    request: Request,
    services: Services,
    web: WebContext,
    *,
    status: int = 200,
    flash: str | None = None,
    problem: str | None = None,
    new_key: dict[str, Any] | None = None,
    new_url: dict[str, Any] | None = None,
    name: str = "",
) -> HTMLResponse:
    response = page(
        request,
        web,
        "cameras.html",
        title="Cameras",
        active="Cameras",
        status=status,
        flash=flash,
        problem=problem,
        cameras=manage.camera_rows(services.engine, services.clock()),
        new_key=new_key,
        new_url=new_url,
        name=name,
        vendors=INGEST_VENDORS,
    )
    return response


@router.get("/cameras")
def cameras(request: Request, services: Services, web: Web, _: PageUser) -> HTMLResponse:
    """Every camera with its last read, reads today and health."""
    return _page(request, services, web)


@router.post("/cameras")
def add_camera(
    request: Request,
    services: Services,
    web: Web,
    user: AdminForm,
    name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Register a camera; its API key is shown on this answer only."""
    name = name.strip()
    if not manage.valid_camera_name(name):
        problem = f"Name: {manage.CAMERA_NAME_RULE}"
        return _page(request, services, web, status=400, problem=problem, name=name)
    try:
        cred = access.create_camera(services.engine, name, services.clock())
    except IntegrityError:
        problem = f"A camera named {name!r} exists already."
        return _page(request, services, web, status=409, problem=problem, name=name)
    request_auditor(request, services, user_actor(user.username)).record(
        AuditAction.KEY_CREATE, target=f"camera:{cred.id}", detail={"camera": name}
    )
    key = {"camera": name, "api_key": cred.secret, "old_key_valid_until": None, "new": True}
    return _page(request, services, web, flash=f"Camera {name} added.", new_key=key)


@router.post("/cameras/{camera}/rotate-key")
def rotate_key(
    camera: CameraRef, request: Request, services: Services, web: Web, user: AdminForm
) -> HTMLResponse:
    """Give the camera a new key (shown once); the old one works for another 24 hours."""
    now = services.clock()
    cred = access.rotate_camera_key(services.engine, camera, now, ROTATE_GRACE)
    if cred is None:
        return _page(request, services, web, status=404, problem="There is no such camera.")
    forget_cached_cameras(services)
    auditor = request_auditor(request, services, user_actor(user.username))
    manage.audit_rotation(auditor, cred, ROTATE_GRACE)
    shown = manage.rotated_json(cred, now, ROTATE_GRACE)
    key = {"camera": cred.name, "new": False, **shown}
    return _page(request, services, web, flash=f"Camera {cred.name} has a new key.", new_key=key)


def _set_enabled(
    camera: str,
    enabled: bool,
    request: Request,
    services: Services,
    web: WebContext,
    user: SessionUser,
) -> HTMLResponse:
    found = access.set_camera_disabled(services.engine, camera, not enabled)
    if found is None:
        return _page(request, services, web, status=404, problem="There is no such camera.")
    forget_cached_cameras(services)
    auditor = request_auditor(request, services, user_actor(user.username))
    manage.audit_camera_change(auditor, found.id, disabled=not enabled)
    state = "enabled" if enabled else "disabled: its key is refused until it is enabled again"
    return _page(request, services, web, flash=f"Camera {found.name} {state}.")


@router.post("/cameras/{camera}/disable")
def disable(
    camera: CameraRef, request: Request, services: Services, web: Web, user: AdminForm
) -> HTMLResponse:
    """Refuse the camera's reads until it is enabled again."""
    return _set_enabled(camera, False, request, services, web, user)


@router.post("/cameras/{camera}/enable")
def enable(
    camera: CameraRef, request: Request, services: Services, web: Web, user: AdminForm
) -> HTMLResponse:
    """Accept the camera's reads again."""
    return _set_enabled(camera, True, request, services, web, user)


@router.post("/cameras/{camera}/ingest-url")
def new_ingest_url(
    camera: CameraRef, request: Request, services: Services, web: Web, user: AdminForm
) -> HTMLResponse:
    """Give the camera a new ingest URL (shown once); the one it had stops at once."""
    cred = access.new_camera_url_token(services.engine, camera, rotate=True)
    if cred is None:
        return _page(request, services, web, status=404, problem="There is no such camera.")
    forget_cached_cameras(services)
    auditor = request_auditor(request, services, user_actor(user.username))
    manage.audit_url_token(auditor, cred.id, "rotated" if cred.replaced else "created")
    base = str(request.base_url).rstrip("/")
    shown = {**manage.url_token_json(cred), "base": base, "replaced": cred.replaced}
    flash = f"Camera {cred.name} has a new ingest URL."
    return _page(request, services, web, flash=flash, new_url=shown)


@router.post("/cameras/{camera}/ingest-url/revoke")
def revoke_ingest_url(
    camera: CameraRef, request: Request, services: Services, web: Web, user: AdminForm
) -> HTMLResponse:
    """Stop the camera's ingest URL (its API key keeps working)."""
    found = access.revoke_camera_url_token(services.engine, camera)
    if found is None:
        return _page(request, services, web, status=404, problem="There is no such camera.")
    forget_cached_cameras(services)
    auditor = request_auditor(request, services, user_actor(user.username))
    manage.audit_url_token(auditor, found.id, "revoked")
    return _page(request, services, web, flash=f"The ingest URL of {found.name} is revoked.")
