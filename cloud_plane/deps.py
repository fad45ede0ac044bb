"""Request dependencies as Annotated aliases; the only reader of app.state."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cloud_plane.errors import Forbidden, NotAuthenticated, NotFound
from cloud_plane.records.users import Role
from cloud_plane.services import CloudServices


def get_services(request: Request) -> CloudServices:
    """Return the services the app was built with."""
    return request.app.state.services


Services = Annotated[CloudServices, Depends(get_services)]


@dataclass(frozen=True)
class Staff:
    """An authenticated staff member and the sites they may see (None: every site)."""

    username: str
    role: Role
    sites: frozenset[str] | None

    def can_see(self, site_id: str) -> bool:
        """Return True if the site is in scope."""
        return self.sites is None or site_id in self.sites

    def scope(self, site_id: str | None = None) -> Collection[str] | None:
        """Return the site ids a query may cover (narrowed to ``site_id`` if given)."""
        if site_id is None:
            return self.sites
        if not self.can_see(site_id):
            raise NotFound(f"no site {site_id!r}")
        return {site_id}


def bearer_token(request: Request) -> str:
    """Return the token of ``Authorization: Bearer <token>``; raise NotAuthenticated."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("missing token (Authorization: Bearer <token>)")
    return token.strip()


def staff_auth(request: Request, services: Services) -> Staff:
    """Return the caller (any staff role), scoped by the sites the store grants them."""
    claims = services.verifier.verify(bearer_token(request))
    if claims.role == "admin":
        return Staff(claims.username, claims.role, None)
    # Scope lives in the store, keyed by username (Cognito: also by sub), for both modes.
    user = services.store.users.get_user(claims.username) or services.store.users.get_user(
        claims.sub
    )
    return Staff(claims.username, claims.role, user.sites if user else frozenset())


def admin_auth(staff: Annotated[Staff, Depends(staff_auth)]) -> Staff:
    """Return the caller if they are an admin; raise Forbidden."""
    if staff.role != "admin":
        raise Forbidden("this needs the admin role")
    return staff


StaffAuth = Annotated[Staff, Depends(staff_auth)]
AdminAuth = Annotated[Staff, Depends(admin_auth)]
