"""Request dependencies as Annotated aliases; the only reader of app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from local_node.auth import authenticate_camera, authenticate_token, presented_secret
from local_node.services import CachedCredential, NodeServices


def get_services(request: Request) -> NodeServices:
    """The services the app was built with."""
    return request.app.state.services


Services = Annotated[NodeServices, Depends(get_services)]


def camera_auth(request: Request, services: Services) -> CachedCredential:
    """The authenticated camera (subject = camera id, name = camera name)."""
    return authenticate_camera(services, presented_secret(request))


def viewer_auth(request: Request, services: Services) -> CachedCredential:
    """A caller with at least the viewer role."""
    return authenticate_token(services, presented_secret(request), "viewer")


def admin_auth(request: Request, services: Services) -> CachedCredential:
    """A caller with the admin role."""
    return authenticate_token(services, presented_secret(request), "admin")


CameraAuth = Annotated[CachedCredential, Depends(camera_auth)]
ViewerAuth = Annotated[CachedCredential, Depends(viewer_auth)]
AdminAuth = Annotated[CachedCredential, Depends(admin_auth)]
