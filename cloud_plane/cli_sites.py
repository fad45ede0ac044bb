"""`edgesync cloud sites list|rename|set-timezone|set-retention|new-code|archive`: sites after
they were created.

Registered on the `cloud` group by `cloud_plane.cli`; `create-site` and `revoke-site` stay
there. The flags and helpers both share live in `cloud_plane.cli_options`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cloud_plane.cli_options import cli_actor, store_options
from cloud_plane.cli_options import fail as _fail
from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.cli_options import print_result as _print
from cloud_plane.cli_options import settings_from as _settings
from cloud_plane.clock import utc_now
from cloud_plane.errors import CloudError
from cloud_plane.records.sites import Site

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_of(site: Site) -> str:
    """archived, revoked, enrolled or waiting (a code was issued, no node has used one)."""
    if site.archived:
        return "archived"
    if site.revoked:
        return "revoked"
    return "enrolled" if site.enrolled_at is not None else "waiting"


def site_json(site: Site) -> dict[str, Any]:
    """A site as the `sites` commands print it."""
    return {
        "site_id": site.site_id,
        "name": site.name,
        "status": status_of(site),
        "created_at": _iso(site.created_at),
        "enrolled_at": _iso(site.enrolled_at),
        "last_heartbeat_at": _iso(site.last_heartbeat_at),
        "revoked_at": _iso(site.revoked_at),
        "archived_at": _iso(site.archived_at),
        "timezone": site.timezone,
        "read_retention_days": site.read_retention_days,
    }


@click.group()
def sites() -> None:
    """List, rename, set the time zone or read retention of, re-issue codes for and archive
    sites (make one with `create-site`)."""


@sites.command("list")
@store_options
@json_option
def sites_list(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """List sites: id, name, status, time zone, enrolled, last heartbeat."""
    store = _open(data_dir, database_url)
    try:
        rows = [site_json(s) for s in store.sites.list_sites()]
    finally:
        store.meta.close()
    if as_json:
        click.echo(json.dumps({"sites": rows}))
        return
    if not rows:
        click.echo("no sites (make one with: edgesync cloud create-site NAME)")
    for r in rows:
        click.echo(
            f"{r['site_id']}  {r['name']:<24} {r['status']:<8} "
            f"{r['timezone'] or '(alert_timezone)':<20} "
            f"enrolled {r['enrolled_at'] or 'never'}, "
            f"last heartbeat {r['last_heartbeat_at'] or 'never'}"
        )


@sites.command("rename")
@click.argument("site_id")
@click.argument("name")
@store_options
@json_option
def sites_rename(
    site_id: str, name: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Give SITE_ID the new NAME (names are unique among sites not archived)."""
    from cloud_plane import staff_admin

    site = _change(
        data_dir,
        database_url,
        lambda store: staff_admin.rename_site(store, site_id, name, by=cli_actor()),
    )
    _print(as_json, site_json(site), f"site {site.site_id} is now named {site.name!r}")


@sites.command("set-timezone")
@click.argument("site_id")
@click.argument("zone", required=False)
@click.option("--clear", is_flag=True, help="Back to the cloud's alert_timezone.")
@store_options
@json_option
def sites_set_timezone(
    site_id: str,
    zone: str | None,
    clear: bool,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Set SITE_ID's IANA time zone ZONE (e.g. Europe/Berlin): its alert times, expected camera
    hours and dashboard times use it. A zone set here is never replaced by a node's."""
    from cloud_plane import staff_admin

    if (zone is None) == (not clear):
        _fail("give a ZONE (e.g. Europe/Berlin) or --clear, not both")
    site = _change(
        data_dir,
        database_url,
        lambda store: staff_admin.set_site_timezone(
            store, site_id, None if clear else zone, by=cli_actor()
        ),
    )
    where = site.timezone or "the cloud's alert_timezone"
    _print(as_json, site_json(site), f"site {site.site_id} is now in {where}")


@sites.command("set-retention")
@click.argument("site_id")
@click.argument("days")
@store_options
@json_option
def sites_set_retention(
    site_id: str, days: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Keep SITE_ID's reads in the cloud for DAYS days (1..3650), or `default` for the cloud-wide
    EDGESYNC_CLOUD_DETECTION_RETENTION_DAYS.

    Older reads, their hits and read counts are deleted by the hourly retention job (`cloud
    retention run` runs it now). On DynamoDB the new retention sets the TTL of reads stored
    from now on; the job deletes older items a shorter retention leaves. The node's own copy
    of every read and its image is not touched.
    """
    from cloud_plane import staff_admin
    from cloud_plane.records.retention import parse_days

    def change(store: Any) -> Site:
        return staff_admin.set_site_read_retention(store, site_id, parse_days(days), by=cli_actor())

    site = _change(data_dir, database_url, change)
    kept = (
        f"{site.read_retention_days} days"
        if site.read_retention_days is not None
        else "the cloud-wide detection_retention_days"
    )
    _print(as_json, site_json(site), f"site {site.site_id} keeps its reads for {kept}")


@sites.command("new-code")
@click.argument("site_id")
@store_options
@json_option
def sites_new_code(
    site_id: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Issue a new one-time enrolment code for SITE_ID; its unused codes stop working."""
    from cloud_plane.staff_admin import new_enrollment_code

    settings = _settings(data_dir=data_dir, database_url=database_url)
    code = _change(
        data_dir,
        database_url,
        lambda store: new_enrollment_code(
            store, site_id, now=utc_now(), ttl_s=settings.enrollment_code_ttl_s, by=cli_actor()
        ),
    )
    hours = settings.enrollment_code_ttl_s / 3600
    _print(
        as_json,
        {"site_id": site_id, "enrollment_code": code},
        f"site {site_id}: new enrolment code (works once, for {hours:g} h; "
        f"earlier unused codes no longer work): {code}",
    )


@sites.command("archive")
@click.argument("site_id")
@store_options
@json_option
def sites_archive(
    site_id: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Retire SITE_ID: deleted if it never enrolled, else archived (its node stops syncing,
    its data stays, its name is free)."""
    from cloud_plane.staff_admin import archive_site

    site = _change(
        data_dir,
        database_url,
        lambda store: archive_site(store, site_id, now=utc_now(), by=cli_actor()),
    )
    if site is None:
        _print(
            as_json,
            {"site_id": site_id, "status": "deleted"},
            f"site {site_id} never enrolled: deleted",
        )
    else:
        _print(
            as_json,
            site_json(site),
            f"site {site_id} archived: its node can no longer sync; its data is kept",
        )


def _change(data_dir: Path | None, database_url: str | None, change: Any) -> Any:
    store = _open(data_dir, database_url)
    try:
        return change(store)
    except CloudError as exc:
        _fail(exc.detail)
    finally:
        store.meta.close()
