"""`edgesync cloud ...`: run the cloud plane and manage its sites, users and epoch."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cloud_plane.cli_audit import audit
from cloud_plane.cli_aws import aws_dev_setup
from cloud_plane.cli_cost import cost
from cloud_plane.cli_hotlist import hotlist
from cloud_plane.cli_options import cli_actor, store_options
from cloud_plane.cli_options import fail as _fail
from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.cli_options import print_result as _print
from cloud_plane.cli_options import settings_from as _settings
from cloud_plane.cli_retention import retention
from cloud_plane.cli_sites import sites
from cloud_plane.cli_users import create_user, users
from cloud_plane.clock import utc_now
from cloud_plane.config import CloudSettings
from cloud_plane.errors import CloudError


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
        app = create_app(settings, freeze_heap=True)
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
@click.option(
    "--timezone",
    help="The site's IANA time zone, e.g. Europe/Berlin (default: the one its node reports "
    "at enrolment, else alert_timezone).",
)
def create_site(
    name: str,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
    timezone: str | None,
) -> None:
    """Create a site and print its one-time enrolment code."""
    from cloud_plane import staff_admin

    settings = _settings(data_dir=data_dir, database_url=database_url)
    store = _open(data_dir, database_url)
    try:
        site, code = staff_admin.create_site(
            store,
            name,
            now=utc_now(),
            ttl_s=settings.enrollment_code_ttl_s,
            by=cli_actor(),
            timezone=timezone,
        )
    except CloudError as exc:  # a bad name or zone, or a site of that name exists already
        _fail(exc.detail)
    finally:
        store.meta.close()
    hours = settings.enrollment_code_ttl_s / 3600
    _print(
        as_json,
        {"site_id": site.site_id, "enrollment_code": code},
        f"site {site.site_id} ({name})\nenrolment code (works once, for {hours:g} h): {code}",
    )


@cloud.command("revoke-site")
@click.argument("site_id")
@store_options
def revoke_site(site_id: str, data_dir: Path | None, database_url: str | None) -> None:
    """Revoke a site: its node can no longer sync."""
    from cloud_plane import staff_admin

    store = _open(data_dir, database_url)
    try:
        site = staff_admin.revoke_site(store, site_id, now=utc_now(), by=cli_actor())
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
cloud.add_command(retention)
cloud.add_command(create_user)
cloud.add_command(users)
cloud.add_command(aws_dev_setup)
cloud.add_command(cost)
cloud.add_command(hotlist)
cloud.add_command(audit)


def main() -> None:  # pragma: no cover - `python -m cloud_plane.cli`
    """Run the group standalone."""
    sys.exit(cloud())
