"""Use cases of the staff admin, shared by the CLI and the API so that they cannot disagree.

Sites: create (a duplicate name is refused), rename, set the time zone, set how long the cloud
keeps its reads, re-issue an enrolment code, archive.
Users (self-hosted mode): create, change role, sites and disabled; reset a password.
Users (Cognito mode, ``cognito_*``): the same through ``auth/cognito.py`` (AdminCreateUser,
group membership for role and ``site:<id>`` scope, AdminDisableUser + global sign-out,
AdminSetUserPassword), with the same rules checked here first (an email address, a manager
needs a site, every site exists in the store). Each raises the cloud's domain errors
(InvalidInput, NotFound, Conflict, and ServiceUnavailable from Cognito); the CLI prints them,
the API maps them. Each change is written to the audit log (issue 13) as its ``by`` actor's:
user changes and password resets as ``user.*`` (fleet-wide: no site; never a password),
a new site's or a re-issued enrolment code as ``key.create`` / ``key.rotate`` (never the
code), archiving (its node's keys stop syncing) as ``key.revoke``, renaming and time zone as
``site.change``.
"""

from __future__ import annotations

import re
from datetime import datetime

from cloud_plane.auth.cognito import CognitoClient, cognito_password, role_of
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.audit import Actor
from cloud_plane.records.retention import check_days
from cloud_plane.records.sites import Site
from cloud_plane.records.users import Role, User
from cloud_plane.store.base import CloudStore
from cloud_plane.sync.enroll import create_site_with_code, reissue_code
from sync_protocol.audit import AuditAction
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
    store: CloudStore,
    name: str,
    *,
    now: datetime,
    ttl_s: int,
    by: Actor,
    timezone: str | None = None,
) -> tuple[Site, str]:
    """A new site (in ``timezone``, None: the cloud's default) and its one-time enrolment
    code; InvalidInput for a bad name or zone, Conflict if a live site has the name."""
    zone = None if timezone is None else site_timezone(timezone)
    with store.meta.atomic():
        site, code = create_site_with_code(
            store, site_name(name), now=now, ttl_s=ttl_s, timezone=zone
        )
        detail = {"what": "new site and its enrolment code", "name": site.name}
        store.audit.append(
            by.record(
                AuditAction.KEY_CREATE, target=site.site_id, site_id=site.site_id, detail=detail
            )
        )
    return site, code


def rename_site(store: CloudStore, site_id: str, name: str, *, by: Actor) -> Site:
    """Rename; NotFound, or Conflict if another live site has the name."""
    with store.meta.atomic():
        site = store.sites.rename_site(site_id, site_name(name))
        _site_changed(store, by, site_id, {"name": site.name})
    return site


def set_site_timezone(store: CloudStore, site_id: str, timezone: str | None, *, by: Actor) -> Site:
    """Set the site's zone (None: the cloud's ``alert_timezone``); InvalidInput, NotFound."""
    zone = None if timezone is None else site_timezone(timezone)
    with store.meta.atomic():
        site = store.sites.set_site_timezone(site_id, zone)
        _site_changed(store, by, site_id, {"timezone": zone})
    return site


def set_site_read_retention(
    store: CloudStore, site_id: str, days: int | None, *, by: Actor
) -> Site:
    """Keep the site's reads ``days`` days (None: the cloud-wide default); InvalidInput
    naming ``read_retention_days`` outside 1..3650, NotFound."""
    checked = check_days(days)
    with store.meta.atomic():
        site = store.sites.set_site_read_retention(site_id, checked)
        store.audit.append(
            by.record(
                AuditAction.RETENTION_CHANGE,
                target=site_id,
                site_id=site_id,
                detail={"read_retention_days": checked},
            )
        )
    return site


def _site_changed(store: CloudStore, by: Actor, site_id: str, detail: dict[str, object]) -> None:
    store.audit.append(
        by.record(AuditAction.SITE_CHANGE, target=site_id, site_id=site_id, detail=detail)
    )


def new_enrollment_code(
    store: CloudStore, site_id: str, *, now: datetime, ttl_s: int, by: Actor
) -> str:
    """A new one-time code for the site; its earlier unused codes stop working."""
    with store.meta.atomic():
        code = reissue_code(store, site_id, now=now, ttl_s=ttl_s)
        detail = {"what": "enrolment code re-issued; earlier unused codes stop working"}
        store.audit.append(
            by.record(AuditAction.KEY_ROTATE, target=site_id, site_id=site_id, detail=detail)
        )
    return code


def archive_site(store: CloudStore, site_id: str, *, now: datetime, by: Actor) -> Site | None:
    """Delete a site that never enrolled (None) or archive it (its node stops syncing)."""
    with store.meta.atomic():
        site = store.sites.archive_site(site_id, now=now)
        what = "site deleted (never enrolled)" if site is None else "site archived: keys revoked"
        store.audit.append(
            by.record(
                AuditAction.KEY_REVOKE, target=site_id, site_id=site_id, detail={"what": what}
            )
        )
    return site


def revoke_site(store: CloudStore, site_id: str, *, now: datetime, by: Actor) -> Site:
    """Revoke the site (its node's keys stop syncing; idempotent); NotFound."""
    with store.meta.atomic():
        site = store.sites.revoke_site(site_id, now=now)
        detail = {"what": "site revoked: its keys stop syncing"}
        store.audit.append(
            by.record(AuditAction.KEY_REVOKE, target=site_id, site_id=site_id, detail=detail)
        )
    return site


def _user_changed(
    store: CloudStore, by: Actor, action: AuditAction, username: str, **detail: object
) -> None:
    """A user change as a fleet-wide entry (a user's scope is not one site's business)."""
    store.audit.append(by.record(action, target=username, detail=detail))


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
    by: Actor,
) -> User:
    """Change what is given (role and sites are checked together); NotFound if no such user.

    Disabling revokes the user's tokens; a role or scope change applies to the same token.
    """
    user = store.users.get_user(username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    with store.meta.atomic():
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
        _changed(store, by, user.username, role, sites, disabled, user)
    return user


def _changed(
    store: CloudStore,
    by: Actor,
    username: str,
    role: Role | None,
    sites: list[str] | None,
    disabled: bool | None,
    user: User,
) -> None:
    """The entries of one ``change_user``: a role/scope change, a disabling, an enabling."""
    if role is not None or sites is not None:
        scope = sorted(user.sites)
        _user_changed(store, by, AuditAction.USER_UPDATE, username, role=role_of(user), sites=scope)
    if disabled is True:
        _user_changed(store, by, AuditAction.USER_DISABLE, username, disabled=True)
    elif disabled is False:
        _user_changed(store, by, AuditAction.USER_UPDATE, username, disabled=False)


def reset_password(store: CloudStore, username: str, *, by: Actor) -> tuple[User, str]:
    """A new random password (shown once); every token issued before stops working."""
    password = generate_password()
    with store.meta.atomic():
        user = store.users.set_password(username, hash_password(password))
        _user_changed(store, by, AuditAction.USER_PASSWORD, user.username, tokens="revoked")
    return user, password


def cognito_reset_password(
    store: CloudStore, cognito: CognitoClient, username: str, *, by: Actor
) -> tuple[User, str]:
    """``reset_password`` in Cognito (the user is signed out everywhere)."""
    user, password = cognito.reset_password(username)
    _user_changed(store, by, AuditAction.USER_PASSWORD, user.username, tokens="revoked")
    return user, password


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
    by: Actor,
    password: str | None = None,
) -> tuple[User, str]:
    """A new self-hosted staff user with ``password`` or a random one (shown once); Conflict
    if taken."""
    username, site_ids = _checked(store, username, role, sites)
    _password(password)
    password = password or generate_password()
    with store.meta.atomic():
        user = store.users.create_user(username, hash_password(password), role, site_ids, now=now)
        _user_changed(store, by, AuditAction.USER_CREATE, username, role=role, sites=site_ids)
    return user, password


def cognito_create_user(
    store: CloudStore,
    cognito: CognitoClient,
    username: str,
    role: Role,
    sites: list[str],
    *,
    by: Actor,
    password: str | None = None,
) -> tuple[User, str]:
    """A Cognito user: its permanent password (given or random, shown once), its role group
    and one ``site:<id>`` group per site; Conflict if the username is taken."""
    username, site_ids = _checked(store, username, role, sites)
    _password(password)
    password = password or cognito_password()
    cognito.create_user(username, password, role, site_ids)
    _user_changed(store, by, AuditAction.USER_CREATE, username, role=role, sites=site_ids)
    return cognito.get_user(username), password


def cognito_change_user(
    store: CloudStore,
    cognito: CognitoClient,
    username: str,
    *,
    role: Role | None = None,
    sites: list[str] | None = None,
    disabled: bool | None = None,
    by: Actor,
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
    _changed(store, by, user.username, role, sites, disabled, user)
    return user
