"""`edgesync cloud create-user` and `edgesync cloud users ...`: staff users, in both auth modes.

Self-hosted mode (``EDGESYNC_CLOUD_AUTH=local``): users live in the cloud's store.
Cognito mode (``EDGESYNC_CLOUD_AUTH=cognito``, with ``EDGESYNC_CLOUD_COGNITO_USER_POOL_ID``,
``EDGESYNC_CLOUD_COGNITO_CLIENT_ID`` and ``AWS_REGION``; AWS credentials with the Admin*
rights on the pool): the same commands act on the Cognito user pool through
``cloud_plane.staff_admin``'s ``cognito_*`` use cases: create-user makes a confirmed user with
a permanent password, its role group and one ``site:<id>`` group per site (created when
missing); disable also signs the user out everywhere (their refresh tokens stop at once,
their access token within its hour); reset-password sets a new permanent password; set-role
replaces the role and site groups (the next token carries them). The store is still read to
check that every site named exists.

Registered on the `cloud` group by `cloud_plane.cli`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cloud_plane.auth.cognito import role_of
from cloud_plane.cli_options import cli_actor, store_options
from cloud_plane.cli_options import fail as _fail
from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.cli_options import print_result as _print
from cloud_plane.cli_options import settings_from as _settings
from cloud_plane.clock import utc_now
from cloud_plane.errors import CloudError
from cloud_plane.records.users import ROLES, Role, User

if TYPE_CHECKING:
    from cloud_plane.auth.cognito import CognitoClient
    from cloud_plane.store.base import CloudStore

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)
sites_option = click.option(
    "--sites", default="", help="Comma-separated site ids (managers and viewers)."
)

# A change: given the store and (Cognito mode) the Cognito client, do it and return a result.
Change = Callable[["CloudStore", "CognitoClient | None"], Any]


def _site_ids(sites: str) -> list[str]:
    return sorted({s.strip() for s in sites.split(",") if s.strip()})


def _run(data_dir: Path | None, database_url: str | None, change: Change) -> Any:
    """Open the store (and, in Cognito mode, the Cognito client) and run ``change``."""
    from cloud_plane.services import cognito_client

    settings = _settings(data_dir=data_dir, database_url=database_url)
    try:
        cognito = cognito_client(settings) if settings.auth == "cognito" else None
    except CloudError as exc:
        _fail(exc.detail)
    store = _open(data_dir, database_url)
    try:
        return change(store, cognito)
    except CloudError as exc:
        _fail(exc.detail)
    finally:
        store.meta.close()


def user_json(user: User) -> dict[str, Any]:
    """A user as `--json` prints it."""
    return {
        "username": user.username,
        "role": role_of(user),  # null: a Cognito user in no role group
        "sites": sorted(user.sites),
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat(),
    }


def user_text(user: User) -> str:
    """A user on one line."""
    role = role_of(user) or "NO ROLE GROUP"
    scope = "all sites" if role == "admin" else ",".join(sorted(user.sites)) or "no sites"
    state = " DISABLED" if user.disabled else ""
    return f"{user.username}  {role}  {scope}{state}"


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Staff role.")
@sites_option
@click.option("--password", help="Password (default: a random one is generated and printed).")
@store_options
@json_option
def create_user(
    email: str,
    role: Role,
    sites: str,
    password: str | None,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Create a staff user (in the store, or in Cognito when EDGESYNC_CLOUD_AUTH=cognito)."""
    from cloud_plane import staff_admin

    def create(store: CloudStore, cognito: CognitoClient | None) -> tuple[User, str]:
        if cognito is not None:
            return staff_admin.cognito_create_user(
                store, cognito, email, role, _site_ids(sites), by=cli_actor(), password=password
            )
        return staff_admin.create_user(
            store,
            email,
            role,
            _site_ids(sites),
            now=utc_now(),
            by=cli_actor(),
            password=password,
        )

    user, password = _run(data_dir, database_url, create)
    _print(
        as_json,
        {"username": user.username, "password": password},
        f"user {user.username} ({role}) password: {password}",
    )


@click.group()
def users() -> None:
    """Day-2 management of staff users (the store's, or Cognito's in Cognito mode).

    Every change takes effect at the user's next request: disable and reset-password
    revoke the tokens issued before, set-role changes what the same token may do
    (Cognito mode: disable and reset-password sign the user out everywhere at once; the
    access token they hold, and a set-role, take effect within its lifetime).
    """


@users.command("list")
@store_options
@json_option
def users_list(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """List staff users: role, sites, disabled."""

    def listed(store: CloudStore, cognito: CognitoClient | None) -> list[User]:
        if cognito is not None:
            return list(cognito.list_users())
        return store.users.list_users()

    found = _run(data_dir, database_url, listed)
    _print(
        as_json,
        {"users": [user_json(u) for u in found]},
        "\n".join(user_text(u) for u in found) or "no users",
    )


def _set_disabled(
    username: str, disabled: bool, data_dir: Path | None, database_url: str | None
) -> User:
    from cloud_plane import staff_admin

    def change(store: CloudStore, cognito: CognitoClient | None) -> User:
        if cognito is not None:
            return staff_admin.cognito_change_user(
                store, cognito, username, disabled=disabled, by=cli_actor()
            )
        return staff_admin.change_user(store, username, disabled=disabled, by=cli_actor())

    return _run(data_dir, database_url, change)


@users.command("disable")
@click.argument("username")
@store_options
@json_option
def users_disable(
    username: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Disable a user: their tokens stop working at the next request."""
    user = _set_disabled(username, True, data_dir, database_url)
    _print(as_json, user_json(user), f"user {user.username} disabled")


@users.command("enable")
@click.argument("username")
@store_options
@json_option
def users_enable(
    username: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Enable a disabled user again (they sign in anew; old tokens stay revoked)."""
    user = _set_disabled(username, False, data_dir, database_url)
    _print(as_json, user_json(user), f"user {user.username} enabled")


@users.command("reset-password")
@click.argument("username")
@store_options
@json_option
def users_reset_password(
    username: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Give a user a new random password (printed once) and revoke their tokens."""
    from cloud_plane import staff_admin

    def reset(store: CloudStore, cognito: CognitoClient | None) -> tuple[User, str]:
        if cognito is not None:
            return staff_admin.cognito_reset_password(store, cognito, username, by=cli_actor())
        return staff_admin.reset_password(store, username, by=cli_actor())

    user, password = _run(data_dir, database_url, reset)
    _print(
        as_json,
        {"username": user.username, "password": password},
        f"user {user.username} password: {password}",
    )


@users.command("set-role")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Staff role.")
@sites_option
@store_options
@json_option
def users_set_role(
    username: str,
    role: Role,
    sites: str,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Change a user's role and sites (their current token gets the new rights at once)."""
    from cloud_plane import staff_admin

    site_ids = _site_ids(sites)

    def change(store: CloudStore, cognito: CognitoClient | None) -> User:
        if cognito is not None:
            return staff_admin.cognito_change_user(
                store, cognito, username, role=role, sites=site_ids, by=cli_actor()
            )
        return staff_admin.change_user(store, username, role=role, sites=site_ids, by=cli_actor())

    user = _run(data_dir, database_url, change)
    _print(as_json, user_json(user), f"user {user_text(user)}")
