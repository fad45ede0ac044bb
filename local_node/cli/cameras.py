"""`edgesync node cameras ...`: list, rename, disable, enable, rotate the key of, give an ingest
URL to, delete cameras.

A CAMERA argument is a camera id or its name. These commands change the database; a running
`node serve` trusts a camera key or URL token it checked for up to
`local_node.auth.CACHE_SECONDS`, so a disabled, deleted or rotated-out key (or a rotated or
revoked URL token) is refused within that time.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from local_node.cli.access import Duration, check_camera_name
from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)
from local_node.manage import camera_json, camera_rows, rotated_json

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)


def _engine(data_dir: Path | None, database_url: str | None):
    return open_database(settings_from(data_dir=data_dir, database_url=database_url))


def _missing(ref: str) -> click.ClickException:
    return click.ClickException(f"no camera {ref!r} (see: edgesync node cameras list)")


@click.group()
def cameras() -> None:
    """Manage registered cameras (add one with `node add-camera`)."""


@cameras.command("list")
@data_dir_option
@database_url_option
@json_option
def list_cameras(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """List cameras with their last read, reads today (UTC) and health."""
    from local_node.clock import utc_now

    now = utc_now()
    rows = camera_rows(_engine(data_dir, database_url), now)
    if as_json:
        click.echo(json.dumps({"cameras": rows}))
        return
    if not rows:
        click.echo("no cameras (add one with: edgesync node add-camera NAME)")
    for r in rows:
        last = r["last_read_at"] or "never"
        click.echo(
            f"{r['camera_id']}  {r['name']:<24} {r['health']:<8} "
            f"last read {last}, {r['reads_today']} today"
        )


@cameras.command("rename")
@click.argument("camera")
@click.argument("name")
@data_dir_option
@database_url_option
@json_option
def rename(
    camera: str, name: str, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Give CAMERA (id or name) the new NAME; its key and reads stay."""
    from sqlalchemy.exc import IntegrityError

    from local_node.db import access

    check_camera_name(name)
    engine = _engine(data_dir, database_url)
    try:
        found = access.rename_camera(engine, camera, name)
    except IntegrityError:
        raise click.ClickException(f"a camera named {name!r} exists already") from None
    if found is None:
        raise _missing(camera)
    _audit_change(engine, found.id, name=name)
    _done(as_json, found, f"camera {found.id} is now named {name!r}")


def _set_enabled(camera: str, enabled: bool, data_dir, database_url, as_json: bool) -> None:
    from local_node.db import access

    engine = _engine(data_dir, database_url)
    found = access.set_camera_disabled(engine, camera, not enabled)
    if found is None:
        raise _missing(camera)
    _audit_change(engine, found.id, disabled=not enabled)
    state = "enabled" if enabled else "disabled (its key gets 401 'camera disabled')"
    _done(as_json, found, f"camera {found.name!r} ({found.id}) {state}")


@cameras.command("disable")
@click.argument("camera")
@data_dir_option
@database_url_option
@json_option
def disable(camera: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Refuse CAMERA's reads until it is enabled again (its key and reads stay)."""
    _set_enabled(camera, False, data_dir, database_url, as_json)


@cameras.command("enable")
@click.argument("camera")
@data_dir_option
@database_url_option
@json_option
def enable(camera: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Accept CAMERA's reads again."""
    _set_enabled(camera, True, data_dir, database_url, as_json)


@cameras.command("rotate-key")
@click.argument("camera")
@click.option(
    "--grace",
    type=Duration(),
    default="24h",
    show_default=True,
    help="How long the old key keeps working (0: it stops now).",
)
@data_dir_option
@database_url_option
@json_option
def rotate_key(
    camera: str, grace: timedelta, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Give CAMERA a new API key (shown once); the old one works for the grace period."""
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.db import access
    from local_node.manage import audit_rotation

    now = utc_now()
    engine = _engine(data_dir, database_url)
    cred = access.rotate_camera_key(engine, camera, now, grace)
    if cred is None:
        raise _missing(camera)
    audit_rotation(cli_auditor(engine, utc_now), cred, grace)
    shown = rotated_json(cred, now, grace)
    if as_json:
        click.echo(json.dumps(shown))
        return
    until = shown["old_key_valid_until"]
    click.echo(f"camera {cred.name!r} ({cred.id}) has a new key")
    click.echo(f"API key (shown once): {cred.secret}")
    click.echo(f"the old key works until {until}" if until else "the old key stopped working")


@cameras.command("ingest-url")
@click.argument("camera")
@click.option("--rotate", is_flag=True, help="Replace its live URL (the old one stops).")
@click.option("--revoke", is_flag=True, help="Stop its URL (its API key stays).")
@data_dir_option
@database_url_option
@json_option
def ingest_url(
    camera: str,
    rotate: bool,
    revoke: bool,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Give CAMERA an ingest URL with a secret token (shown once), for a sender that cannot
    set a header: it posts to /api/v1/ingest/VENDOR/k/TOKEN instead of sending its key."""
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.db import access
    from local_node.manage import audit_url_token, url_token_json

    if rotate and revoke:
        raise click.UsageError("--rotate or --revoke, not both")
    engine = _engine(data_dir, database_url)
    if revoke:
        found = access.revoke_camera_url_token(engine, camera)
        if found is None:
            raise _missing(camera)
        audit_url_token(cli_auditor(engine, utc_now), found.id, "revoked")
        _done(as_json, found, f"camera {found.name!r} ({found.id}): its ingest URL is refused")
        return
    try:
        cred = access.new_camera_url_token(engine, camera, rotate=rotate)
    except access.UrlTokenExists:
        raise click.ClickException(
            f"camera {camera!r} has an ingest URL already; --rotate replaces it "
            "(the old one stops working)"
        ) from None
    if cred is None:
        raise _missing(camera)
    change = "rotated" if cred.replaced else "created"
    audit_url_token(cli_auditor(engine, utc_now), cred.id, change)
    shown = url_token_json(cred)
    if as_json:
        click.echo(json.dumps(shown))
        return
    click.echo(f"camera {cred.name!r} ({cred.id}) has a new ingest URL")
    click.echo(f"path (shown once, a secret like a key): {shown['path']}")
    click.echo("put the camera's format in {vendor}, e.g. platerecognizer, and the node's")
    example = shown["path"].replace("{vendor}", "platerecognizer")
    click.echo(f"address in front: https://NODE{example}")
    if cred.replaced:
        click.echo("the old ingest URL stopped working")


@cameras.command("delete")
@click.argument("camera")
@data_dir_option
@database_url_option
@json_option
def delete(camera: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Delete CAMERA: its keys stop working and its name is free; its reads are kept."""
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.db import access
    from sync_protocol.audit import AuditAction

    engine = _engine(data_dir, database_url)
    found = access.delete_camera(engine, camera, utc_now())
    if found is None:
        raise _missing(camera)
    cli_auditor(engine, utc_now).record(
        AuditAction.KEY_REVOKE, target=f"camera:{found.id}", detail={"deleted": True}
    )
    _done(as_json, found, f"camera {camera!r} ({found.id}) deleted; its reads are kept")


def _audit_change(engine, camera_id: str, **change: Any) -> None:
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.manage import audit_camera_change

    audit_camera_change(cli_auditor(engine, utc_now), camera_id, **change)


def _done(as_json: bool, camera: Any, text: str) -> None:
    click.echo(json.dumps(camera_json(camera)) if as_json else text)
