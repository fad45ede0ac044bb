"""`edgesync node add-camera` and `create-token`: the keys cameras and scripts present."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)
from local_node.manage import CAMERA_NAME_RULE, valid_camera_name


def until_text(at) -> str | None:
    return at.isoformat() if at is not None else None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Duration(click.ParamType):
    """A duration such as ``90s``, ``15m``, ``24h``, ``30d``, ``2w`` or ``0`` (plain: seconds)."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, timedelta):
            return value
        match = _DURATION.match(str(value))
        if match is None:
            self.fail(f"{value!r} is not a duration (e.g. 90s, 15m, 24h, 30d, 2w)", param, ctx)
        return timedelta(seconds=float(match[1]) * _UNIT_S[match[2]])


def check_camera_name(name: str) -> None:
    """Refuse names that could not be a folder name or a label (the image store uses ids)."""
    if not valid_camera_name(name):
        raise click.BadParameter(CAMERA_NAME_RULE, param_hint="NAME")


@click.command("add-camera")
@click.argument("name")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help='Print {"camera_id", "api_key"} only.')
def add_camera(name: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Register a camera NAME and print its API key (shown once, stored hashed)."""
    from sqlalchemy.exc import IntegrityError

    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.db import repo
    from sync_protocol.audit import AuditAction

    check_camera_name(name)
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    try:
        cred = repo.create_camera(engine, name, utc_now())
    except IntegrityError:
        raise click.ClickException(f"a camera named {name!r} exists already") from None
    cli_auditor(engine, utc_now).record(
        AuditAction.KEY_CREATE, target=f"camera:{cred.id}", detail={"camera": name}
    )
    if as_json:
        click.echo(json.dumps({"camera_id": cred.id, "api_key": cred.secret}))
    else:
        click.echo(f"camera {name!r} registered as {cred.id}")
        click.echo(f"API key (shown once): {cred.secret}")


@click.command("create-token")
@click.option("--role", type=click.Choice(["viewer", "admin"]), required=True, help="Its role.")
@click.option("--name", help="A label to tell tokens apart in `node tokens list`.")
@click.option(
    "--expires-in", type=Duration(), help="Refuse the token after this long (e.g. 30d, 12h)."
)
@data_dir_option
@database_url_option
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"token", "token_id", "expires_at"} only.'
)
def create_token(
    role: str,
    name: str | None,
    expires_in: timedelta | None,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Make an API token for scripts and the local UI (shown once, stored hashed)."""
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now
    from local_node.db import access
    from sync_protocol.audit import AuditAction

    if name is not None and not 1 <= len(name.strip()) <= 64:
        raise click.BadParameter("1-64 characters", param_hint="--name")
    if expires_in is not None and expires_in <= timedelta(0):
        raise click.BadParameter("must be more than 0", param_hint="--expires-in")
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    now = utc_now()
    expires_at = now + expires_in if expires_in is not None else None
    cred = access.create_token(
        engine, role, now, name=name.strip() if name else None, expires_at=expires_at
    )
    cli_auditor(engine, utc_now).record(
        AuditAction.KEY_CREATE,
        target=f"token:{cred.id}",
        detail={"role": role, "name": name, "expires_at": until_text(expires_at)},
    )
    if as_json:
        until = expires_at.isoformat() if expires_at else None
        click.echo(json.dumps({"token": cred.secret, "token_id": cred.id, "expires_at": until}))
    else:
        until = f", expires {expires_at.isoformat()}" if expires_at else ""
        click.echo(f"{role} token {cred.id}{until} (shown once): {cred.secret}")
