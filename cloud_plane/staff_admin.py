"""Use cases of the staff admin, shared by the CLI and the API so that they cannot disagree.

Sites: create (a duplicate name is refused), rename, set the time zone, set how long the cloud
keeps its reads, re-issue an enrolment code, archive.
Users (self-hosted mode): create, change role, sites and disabled; reset a password.
Users (Cognito mode, ``cognito_*``): the same through ``auth/cognito.py`` (AdminCreateUser,
group membership for role and ``site:<id>`` scope, AdminDisableUser + global sign-out,
AdminSetUserPassword), with the same rules checked here first (an email address, a manager
needs a site, every site exists in the store). Each raises the cloud's domain errors
(InvalidInput, NotFound, Conflict, and ServiceUnavailable from Cognito); the CLI prints them,
the API maps them.
"""

from __future__ import annotations

import re
from datetime import datetime

from cloud_plane.auth.cognito import CognitoClient, cognito_password, role_of
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.retention import check_days
from cloud_plane.records.sites import Site
from cloud_plane.records.users import Role, User
from cloud_plane.store.base import CloudStore
from cloud_plane.sync.enroll import create_site_with_code, reissue_code
from sync_protocol.passwords import generate_password, hash_password
from sync_protocol.zones import check_zone

SITE_NAME_RULE = "site name must be 1-200 characters"
MANAGER_NEEDS_SITES = "a manager needs at least one site: add --sites SITE_ID[,SITE_ID...]"


def site_name(name: str) -> str:
    """The name stripped; InvalidInput if it is empty or too long."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput(SITE_NAME_RULE)
    return name


def site_timezone(name: str) -> str:
    """The IANA zone name stripped; InvalidInput naming it if it is not a known zone."""
    try:
        return check_zone(name)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def create_site(
    store: CloudStore, name: str, *, now: datetime, ttl_s: int, timezone: str | None = None
) -> tuple[Site, str]:
    """A new site (in ``timezone``, None: the cloud's default) and its one-time enrolment
    code; InvalidInput for a bad name or zone, Conflict if a live site has the name."""
    zone = None if timezone is None else site_timezone(timezone)
    return create_site_with_code(store, site_name(name), now=now, ttl_s=ttl_s, timezone=zone)


def rename_site(store: CloudStore, site_id: str, name: str) -> Site:
    """Rename; NotFound, or Conflict if another live site has the name."""
    return store.sites.rename_site(site_id, site_name(name))


def set_site_timezone(store: CloudStore, site_id: str, timezone: str | None) -> Site:
    """Set the site's zone (None: the cloud's ``alert_timezone``); InvalidInput, NotFound."""
    zone = None if timezone is None else site_timezone(timezone)
    return store.sites.set_site_timezone(site_id, zone)


def set_site_read_retention(store: CloudStore, site_id: str, days: int | None) -> Site:
    """Keep the site's reads ``days`` days (None: the cloud-wide default); InvalidInput
    naming ``read_retention_days`` outside 1..3650, NotFound."""
    site = store.sites.set_site_read_retention(site_id, check_days(days))
    # AUDIT (issue 13, for the merger): the one place a site's retention changes (CLI and
    # API both come here): record `retention.change` once the cloud audit role exists
    # (actor from the caller, site_id, detail {"read_retention_days": days}).
    return site


def new_enrollment_code(store: CloudStore, site_id: str, *, now: datetime, ttl_s: int) -> str:
    """A new one-time code for the site; its earlier unused codes stop working."""
    return reissue_code(store, site_id, now=now, ttl_s=ttl_s)


def archive_site(store: CloudStore, site_id: str, *, now: datetime) -> Site | None:
    """Delete a site that never enrolled (None) or archive it (its node stops syncing)."""
    return store.sites.archive_site(site_id, now=now)


def check_scope(role: str, site_ids: list[str]) -> None:
    """Refuse a manager without sites: they could manage nothing and would look broken."""
    if role == "manager" and not site_ids:
        raise InvalidInput(MANAGER_NEEDS_SITES)


def change_user(
    store: CloudStore,
    username: str,
    *,
    role: Role | None = None,
    sites: list[str] | None = None,
    disabled: bool | None = None,
) -> User:
    """Change what is given (role and sites are checked together); NotFound if no such user.

    Disabling revokes the user's tokens; a role or scope change applies to the same token.
    """
    user = store.users.get_user(username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    if role is not None or sites is not None:
        new_role = role or user.role
        site_ids = sorted(set(sites)) if sites is not None else sorted(user.sites)
        check_scope(new_role, site_ids)
        for site_id in site_ids:
            store.sites.get_site(site_id)  # NotFound for an unknown site
        user = store.users.set_role(username, new_role, site_ids)
    if disabled is True:
        user = store.users.disable_user(username)
    elif disabled is False:
        user = store.users.enable_user(username)
    return user


def reset_password(store: CloudStore, username: str) -> tuple[User, str]:
    """A new random password (shown once); every token issued before stops working."""
    password = generate_password()
    return store.users.set_password(username, hash_password(password)), password


USERNAME = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


MIN_PASSWORD = 8


def _checked(
    store: CloudStore, username: str, role: Role, sites: list[str]
) -> tuple[str, list[str]]:
    """The username normalised and the site ids, once the shared rules hold."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(f"{username!r} is not an email address")
    site_ids = sorted({s.strip() for s in sites if s.strip()})
    check_scope(role, site_ids)
    for site_id in site_ids:
        store.sites.get_site(site_id)  # NotFound for an unknown site
    return username, site_ids


def _password(password: str | None) -> None:
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters")


def create_user(
    store: CloudStore,
    username: str,
    role: Role,
    sites: list[str],
    *,
    now: datetime,
    password: str | None = None,
) -> tuple[User, str]:
    """A new self-hosted staff user with ``password`` or a random one (shown once); Conflict
    if taken."""
    username, site_ids = _checked(store, username, role, sites)
    _password(password)
    password = password or generate_password()
    user = store.users.create_user(username, hash_password(password), role, site_ids, now=now)
    return user, password


def cognito_create_user(
    store: CloudStore,
    cognito: CognitoClient,
    username: str,
    role: Role,
    sites: list[str],
    *,
    password: str | None = None,
) -> tuple[User, str]:
    """A Cognito user: its permanent password (given or random, shown once), its role group
    and one ``site:<id>`` group per site; Conflict if the username is taken."""
    username, site_ids = _checked(store, username, role, sites)
    _password(password)
    password = password or cognito_password()
    cognito.create_user(username, password, role, site_ids)
    return cognito.get_user(username), password


def cognito_change_user(
    store: CloudStore,
    cognito: CognitoClient,
    username: str,
    *,
    role: Role | None = None,
    sites: list[str] | None = None,
    disabled: bool | None = None,
) -> User:
    """``change_user`` for Cognito: groups for role and sites, AdminDisableUser/EnableUser."""
    user = cognito.get_user(username)  # NotFound first, before anything changes
    if role is not None or sites is not None:
        new_role = role or role_of(user)
        if new_role is None:  # never guess a role for a user in no role group
            raise InvalidInput(f"{username!r} is in no role group in Cognito: give a role too")
        site_ids = sorted(set(sites)) if sites is not None else sorted(user.sites)
        check_scope(new_role, site_ids)
        for site_id in site_ids:
            store.sites.get_site(site_id)  # NotFound for an unknown site
        user = cognito.set_role(username, new_role, site_ids)
    if disabled is not None:
        user = cognito.set_disabled(username, disabled)
    return user
