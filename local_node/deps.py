"""Request dependencies as Annotated aliases; the only reader of app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from local_node.audit.recorder import Auditor, token_actor
from local_node.auth import (
    authenticate_camera,
    authenticate_token,
    cached_camera,
    presented_camera_secret,
    presented_secret,
)
from local_node.credentials import CachedCredential
from local_node.errors import CameraDisabled
from local_node.ingest.camera_errors import mark_camera_post
from local_node.services import NodeServices


async def get_services(request: Request) -> NodeServices:
    """The services the app was built with."""
    return request.app.state.services


Services = Annotated[NodeServices, Depends(get_services)]


async def camera_auth(request: Request, services: Services) -> CachedCredential:
    """The authenticated camera (subject = camera id, name = camera name), by its API key or
    its ingest URL token (``local_node.auth``).

    Async so the hot ingest path stays on the event loop: a cached key costs no thread hop,
    and only a cache miss goes to the database in the thread pool. It marks the request as
    a camera's post, naming the camera once known, for its error count
    (``api.middleware.RequestMetrics``).
    """
    mark_camera_post(request.scope, None)
    kind, secret = presented_camera_secret(request)  # a URL token wins over a header key
    camera = cached_camera(services, secret, kind)
    if camera is None:
        try:
            camera = await run_in_threadpool(authenticate_camera, services, secret, kind)
        except CameraDisabled as exc:
            mark_camera_post(request.scope, exc.camera_id)
            raise
    mark_camera_post(request.scope, camera.subject)
    return camera


def viewer_auth(request: Request, services: Services) -> CachedCredential:
    """A caller with at least the viewer role."""
    return authenticate_token(services, presented_secret(request), "viewer")


def admin_auth(request: Request, services: Services) -> CachedCredential:
    """A caller with the admin role."""
    return authenticate_token(services, presented_secret(request), "admin")


def request_auditor(request: Request, services: NodeServices, actor: str) -> Auditor:
    """An auditor for this request's caller; the source is the client's address."""
    source = request.client.host if request.client is not None else None
    return Auditor(engine=services.engine, actor=actor, source=source, clock=services.clock)


def viewer_auditor(
    request: Request, services: Services, who: Annotated[CachedCredential, Depends(viewer_auth)]
) -> Auditor:
    """The auditor of a viewer-or-admin token's request (the token is checked first)."""
    return request_auditor(request, services, token_actor(who.token_id))


def admin_auditor(
    request: Request, services: Services, who: Annotated[CachedCredential, Depends(admin_auth)]
) -> Auditor:
    """The auditor of an admin token's request (the token is checked first)."""
    return request_auditor(request, services, token_actor(who.token_id))


CameraAuth = Annotated[CachedCredential, Depends(camera_auth)]
ViewerAuth = Annotated[CachedCredential, Depends(viewer_auth)]
AdminAuth = Annotated[CachedCredential, Depends(admin_auth)]
ViewerAudit = Annotated[Auditor, Depends(viewer_auditor)]
AdminAudit = Annotated[Auditor, Depends(admin_auditor)]
