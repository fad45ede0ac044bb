"""Request dependencies as Annotated aliases; the only reader of app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cloud_plane.auth.staff import Staff, current_staff
from cloud_plane.errors import MISSING_TOKEN, Forbidden, NotAuthenticated
from cloud_plane.records.audit import Actor, staff_acting
from cloud_plane.services import CloudServices

__all__ = [
    "AdminAuth",
    "Services",
    "Staff",
    "StaffAuth",
    "admin_auth",
    "api_actor",
    "bearer_token",
    "get_services",
    "staff_auth",
]


def get_services(request: Request) -> CloudServices:
    """Return the services the app was built with."""
    return request.app.state.services


Services = Annotated[CloudServices, Depends(get_services)]


def bearer_token(request: Request) -> str:
    """Return the token of ``Authorization: Bearer <token>``; raise NotAuthenticated."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(MISSING_TOKEN)
    return token.strip()


def staff_auth(request: Request, services: Services) -> Staff:
    """Return the caller as the store has them now (role, scope; disabled or revoked: 401)."""
    claims = services.verifier.verify(bearer_token(request))
    return current_staff(claims, services.store.users, local=services.issuer is not None)


def admin_auth(staff: Annotated[Staff, Depends(staff_auth)]) -> Staff:
    """Return the caller if they are an admin; raise Forbidden."""
    if staff.role != "admin":
        raise Forbidden("this needs the admin role")
    return staff


def api_actor(services: CloudServices, staff: Staff, reason: str | None = None) -> Actor:
    """The audit log's actor of an API request by ``staff`` (now, by the cloud's clock)."""
    return staff_acting(staff.username, services.clock(), "api", reason)


StaffAuth = Annotated[Staff, Depends(staff_auth)]
AdminAuth = Annotated[Staff, Depends(admin_auth)]
