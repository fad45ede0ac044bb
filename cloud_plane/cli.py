"""`edgesync cloud ...`: run the cloud plane and manage its sites, users and epoch."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cloud_plane.cli_aws import aws_dev_setup
from cloud_plane.cli_options import fail as _fail
from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.cli_options import print_result as _print
from cloud_plane.cli_options import settings_from as _settings
from cloud_plane.cli_options import store_options
from cloud_plane.cli_sites import sites
from cloud_plane.clock import utc_now
from cloud_plane.config import CloudSettings
from cloud_plane.errors import CloudError
from cloud_plane.records.users import ROLES, Role, User
from cloud_plane.store.base import CloudStore

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


def _check_scope(role: str, site_ids: list[str]) -> None:
    """Refuse a manager without sites (the rule of `cloud_plane.staff_admin`)."""
    from cloud_plane import staff_admin

    try:
        staff_admin.check_scope(role, site_ids)
    except CloudError as exc:
        _fail(exc.detail)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
def cloud() -> None:
    """The cloud control plane: node sync, staff API, sites and users."""


@cloud.command()
@store_options
@click.option(
    "--host",
    default=CloudSettings.model_fields["host"].default,
    envvar="EDGESYNC_CLOUD_HOST",
    show_envvar=True,
    help="Bind address (0.0.0.0: every interface, for nodes on other machines).",
)
@click.option(
    "--port",
    type=int,
    default=CloudSettings.model_fields["port"].default,
    envvar="EDGESYNC_CLOUD_PORT",
    show_envvar=True,
    help="Port.",
)
def serve(
    data_dir: Path | None, database_url: str | None, host: str | None, port: int | None
) -> None:
    """Serve the cloud plane as one process (self-hosting, development).

    \b
    Alerts are sent from this process (unless EDGESYNC_CLOUD_ALERT_WORKER=false):
    - no queue: the dispatcher polls the store for due deliveries;
    - EDGESYNC_CLOUD_DELIVERY_QUEUE_URL set (AWS mode): the store is not polled; the
      process long-polls that SQS queue and hands each batch to the delivery Lambda's
      code, and runs the monitor Lambda's jobs (health, escalation, lost-message sweep).
    That is how AWS mode runs locally: with AWS_ENDPOINT_URL at a moto server and the
    settings `edgesync cloud aws-dev-setup` prints.
    """
    import uvicorn

    from cloud_plane.api.server import server_config
    from cloud_plane.main import create_app

    settings = _settings(data_dir=data_dir, database_url=database_url, host=host, port=port)
    new = "" if settings.data_dir.exists() else " (new)"
    try:
        app = create_app(settings)
    except CloudError as exc:
        _fail(exc.detail)
    click.echo(f"edgesync cloud data in {settings.data_dir.resolve()}{new}", err=True)
    click.echo(f"edgesync cloud on http://{settings.host}:{settings.port}", err=True)
    uvicorn.Server(server_config(app, settings)).run()


@cloud.command()
@store_options
@click.option(
    "--once", is_flag=True, help="Send what is due, escalate, check health once, then exit."
)
def dispatcher(data_dir: Path | None, database_url: str | None, once: bool) -> None:
    """Run the alert dispatcher, escalation and health monitor without the API (until signalled).

    With EDGESYNC_CLOUD_DELIVERY_QUEUE_URL set, deliveries come from that SQS queue (as
    in `serve`) instead of polling the store.
    """
    import signal
    import threading

    from cloud_plane.alerts.wiring import build_alerting

    settings = _settings(data_dir=data_dir, database_url=database_url)
    store = _open(data_dir, database_url)
    try:
        alerting = build_alerting(settings, store, utc_now)
    except CloudError as exc:
        store.meta.close()
        _fail(exc.detail)
    try:
        if once:
            if alerting.queue is not None:  # AWS mode: what the two Lambdas would do, once
                done = alerting.monitor_once()
                handled = alerting.queue.drain()
                alerting.queue.close()
                click.echo(
                    f"messages {handled}, escalated {done['escalated']}, raised "
                    f"{done['raised']}, resolved {done['resolved']}, swept {done['swept']}"
                )
                return
            sent = alerting.dispatcher.drain()
            escalated = alerting.service.escalate_due()
            raised, resolved = alerting.monitor.check()
            alerting.dispatcher.close()
            click.echo(
                f"attempts {sent}, escalated {escalated}, raised {raised}, resolved {resolved}"
            )
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        worker = alerting.worker()
        worker.start()
        click.echo(f"edgesync alert dispatcher {alerting.dispatcher.worker_id} running", err=True)
        stop.wait()
        worker.stop()
    finally:
        store.meta.close()


@cloud.command("create-site")
@click.argument("name")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def create_site(name: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Create a site and print its one-time enrolment code."""
    from cloud_plane import staff_admin

    settings = _settings(data_dir=data_dir, database_url=database_url)
    store = _open(data_dir, database_url)
    try:
        site, code = staff_admin.create_site(
            store, name, now=utc_now(), ttl_s=settings.enrollment_code_ttl_s
        )
    except CloudError as exc:  # a bad name, or a site of that name exists already
        _fail(exc.detail)
    finally:
        store.meta.close()
    hours = settings.enrollment_code_ttl_s / 3600
    _print(
        as_json,
        {"site_id": site.site_id, "enrollment_code": code},
        f"site {site.site_id} ({name})\nenrolment code (works once, for {hours:g} h): {code}",
    )


@cloud.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Staff role.")
@click.option("--sites", default="", help="Comma-separated site ids (managers and viewers).")
@click.option("--password", help="Password (default: a random one is generated and printed).")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def create_user(
    email: str,
    role: str,
    sites: str,
    password: str | None,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Create a staff user (self-hosted login; in Cognito mode, their site scope)."""
    from sync_protocol.passwords import generate_password, hash_password

    email = email.strip().lower()
    if not EMAIL.match(email):
        _fail(f"{email!r} is not an email address")
    if password is not None and len(password) < 8:
        _fail("password must be at least 8 characters")
    site_ids = sorted({s.strip() for s in sites.split(",") if s.strip()})
    _check_scope(role, site_ids)
    store = _open(data_dir, database_url)
    try:
        for site_id in site_ids:
            store.sites.get_site(site_id)
        password = password or generate_password()
        store.users.create_user(email, hash_password(password), role, site_ids, now=utc_now())  # type: ignore[arg-type]
    except CloudError as exc:
        _fail(exc.detail)
    finally:
        store.meta.close()
    _print(
        as_json,
        {"username": email, "password": password},
        f"user {email} ({role}) password: {password}",
    )


@cloud.group()
def users() -> None:
    """Day-2 management of staff users (self-hosted; in Cognito mode, their site scope).

    Every change takes effect at the user's next request: disable and reset-password
    revoke the tokens issued before, set-role changes what the same token may do.
    """


def _user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "sites": sorted(user.sites),
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat(),
    }


def _user_text(user: User) -> str:
    scope = "all sites" if user.role == "admin" else ",".join(sorted(user.sites)) or "no sites"
    state = " DISABLED" if user.disabled else ""
    return f"{user.username}  {user.role}  {scope}{state}"


def _change_user(
    data_dir: Path | None, database_url: str | None, change: Callable[[CloudStore], Any]
) -> Any:
    store = _open(data_dir, database_url)
    try:
        return change(store)
    except CloudError as exc:
        _fail(exc.detail)
        raise  # unreachable: _fail raises
    finally:
        store.meta.close()


@users.command("list")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def users_list(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """List staff users: role, sites, disabled."""
    store = _open(data_dir, database_url)
    try:
        found = store.users.list_users()
    finally:
        store.meta.close()
    _print(
        as_json,
        {"users": [_user_json(u) for u in found]},
        "\n".join(_user_text(u) for u in found) or "no users",
    )


@users.command("disable")
@click.argument("username")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def users_disable(
    username: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Disable a user: their tokens stop working at the next request."""
    user = _change_user(data_dir, database_url, lambda s: s.users.disable_user(username))
    _print(as_json, _user_json(user), f"user {user.username} disabled")


@users.command("enable")
@click.argument("username")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def users_enable(
    username: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Enable a disabled user again (they sign in anew; old tokens stay revoked)."""
    user = _change_user(data_dir, database_url, lambda s: s.users.enable_user(username))
    _print(as_json, _user_json(user), f"user {user.username} enabled")


@users.command("reset-password")
@click.argument("username")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def users_reset_password(
    username: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Give a user a new random password (printed once) and revoke their tokens."""
    from cloud_plane import staff_admin

    user, password = _change_user(
        data_dir, database_url, lambda s: staff_admin.reset_password(s, username)
    )
    _print(
        as_json,
        {"username": user.username, "password": password},
        f"user {user.username} password: {password}",
    )


@users.command("set-role")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Staff role.")
@click.option("--sites", default="", help="Comma-separated site ids (managers and viewers).")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def users_set_role(
    username: str,
    role: Role,
    sites: str,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Change a user's role and sites (their current token gets the new rights at once)."""
    site_ids = sorted({s.strip() for s in sites.split(",") if s.strip()})
    _check_scope(role, site_ids)

    from cloud_plane import staff_admin

    user = _change_user(
        data_dir,
        database_url,
        lambda store: staff_admin.change_user(store, username, role=role, sites=site_ids),
    )
    _print(as_json, _user_json(user), f"user {_user_text(user)}")


@cloud.command("revoke-site")
@click.argument("site_id")
@store_options
def revoke_site(site_id: str, data_dir: Path | None, database_url: str | None) -> None:
    """Revoke a site: its node can no longer sync."""
    store = _open(data_dir, database_url)
    try:
        site = store.sites.revoke_site(site_id, now=utc_now())
    except CloudError as exc:
        _fail(exc.detail)
    finally:
        store.meta.close()
    click.echo(f"site {site.site_id} revoked at {site.revoked_at.isoformat()}")  # type: ignore[union-attr]


@cloud.command("new-epoch")
@store_options
def new_epoch(data_dir: Path | None, database_url: str | None) -> None:
    """Start a new cloud epoch after restoring a backup: every node resends what we lack."""
    store = _open(data_dir, database_url)
    try:
        epoch = store.meta.new_epoch()
    finally:
        store.meta.close()
    click.echo(f"cloud epoch is now {epoch}")


cloud.add_command(sites)
cloud.add_command(aws_dev_setup)


def main() -> None:  # pragma: no cover - `python -m cloud_plane.cli`
    """Run the group standalone."""
    sys.exit(cloud())
