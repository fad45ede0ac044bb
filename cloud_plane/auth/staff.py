"""Who a verified staff token is now: the store's word on role, scope and revocation.

A token proves who signed in and when; what they may do is read again on every request,
so disabling a user, changing a role or resetting a password takes effect at the next
request, not when the token expires.

Self-hosted mode (the cloud issued the token): the user must exist and be enabled
(401 "account disabled" otherwise), the token's ``edgesync:token_version`` must equal
the stored one (a password reset or disabling bumps it: 401 "token was revoked"), and
the role and sites are the stored ones, never the token's.

Cognito mode (users live in Cognito): Cognito is the authority on role and scope, both
read from the access token's ``cognito:groups`` (``auth/tokens.py``): the role group, and one
``site:<site_id>`` group per site in scope (an admin sees every site whatever its groups). A
user record in the store, if there is one, is still consulted for ``disabled`` only (a store
lookup per request, so a cloud-side block applies at once). Disabling in Cognito itself
(``edgesync cloud users disable``: AdminDisableUser + AdminUserGlobalSignOut) stops new
sign-ins and refreshes at once, and the access token already held within its lifetime
(Cognito's default: one hour); a group change likewise reaches the next token.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from cloud_plane.auth.tokens import StaffClaims
from cloud_plane.errors import (
    ACCOUNT_DISABLED,
    ACCOUNT_GONE,
    TOKEN_REVOKED,
    NotAuthenticated,
    NotFound,
)
from cloud_plane.records.users import Role, User
from cloud_plane.store.roles import UserStore


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


def current_staff(claims: StaffClaims, users: UserStore, *, local: bool) -> Staff:
    """Return the caller as the store has them now; raise NotAuthenticated if they may not be."""
    if local:
        return _local(claims, users.get_user(claims.username))
    # Cognito: role and scope are the token's groups; the store may only block the user.
    user = users.get_user(claims.username) or users.get_user(claims.sub)
    if user is not None and user.disabled:
        raise NotAuthenticated(ACCOUNT_DISABLED)
    if claims.role == "admin":
        return Staff(claims.username, claims.role, None)
    return Staff(claims.username, claims.role, claims.sites)


def _local(claims: StaffClaims, user: User | None) -> Staff:
    if user is None:
        raise NotAuthenticated(ACCOUNT_GONE)
    if user.disabled:
        raise NotAuthenticated(ACCOUNT_DISABLED)
    if (claims.token_version or 0) != user.token_version:
        raise NotAuthenticated(TOKEN_REVOKED)
    return Staff(user.username, user.role, None if user.role == "admin" else user.sites)
